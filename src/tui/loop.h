/* The interactive loop (curses) and the headless script runner: two drivers of one app. */
#ifndef SHORTLIST_TUI_LOOP_H
#define SHORTLIST_TUI_LOOP_H

#include <stdio.h>

#include "app.h"
#include "theme.h"
#include "tui.h"

/* The default waiter: poll(). */
extern const struct tui_waiter tui_poll_waiter;

/* Run work until nothing is pending, then render: the fixed waiting point of `:dump`. */
void tui_loop_settle(struct tui_app *app, const struct tui_waiter *w);

/* One turn of either loop while an editor has the terminal (tui_app_edit): wait for the
 * network, the editor's exit or sig_fd (-1: none), move the run on, and take the screen
 * back if the editor exited. Returns sig_fd's revents. */
short tui_loop_editor_turn(struct tui_app *app, const struct tui_waiter *w, int sig_fd);

/* Run the app on the terminal until it quits. err is set if the terminal cannot be used.
 * A non-empty warning is shown in the status bar and printed (via stderr) at exit. */
int tui_loop_run(struct tui_app *app, const struct tui_theme *theme,
		 const struct tui_waiter *w, const char *warning, struct sl_error *err);

/* Feed the script at path to the app; write every `:dump` to out. */
int tui_script_run(struct tui_app *app, const char *path, const struct tui_waiter *w,
		   FILE *out, struct sl_error *err);

#endif
