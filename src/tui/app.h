/* The TUI's state and its one dispatch path: events in, flags out, a frame rendered into
 * the cell grid when something changed. Both the curses loop and the headless script
 * runner drive an app through these functions; neither knows what a view contains.
 *
 * The frame: a tab bar (row 0), the screen in front, its status line and the key hints of
 * whatever has the keys (the last two rows). Screens live as long as the app once opened
 * (they keep their state when you leave them); overlays (help, filter panel, command line,
 * questions) sit on top of the screen in front and are closed by switching screens.
 *
 * Adding a screen:
 *   1. view_NAME.c with `struct tui_view *tui_NAME_view_new(struct tui_app *, struct
 *      sl_error *)` returning a view whose ops set context, draw, action, status and
 *      destroy (event, show and command are optional). Declare it below.
 *   2. Its context in TUI_CONTEXTS and its actions in TUI_ACTIONS (action.h), with a short
 *      hint for the ones worth showing at the bottom. Help, man page and README key lists
 *      follow from the table: `SHORTLIST_UPDATE_GOLDEN=1 meson test -C build test_tui_units`.
 *   3. Its row in TUI_SCREENS (tab order = number key) and any `:` commands in TUI_COMMANDS.
 *   4. A golden script tests/tui/scripts/NAME.keys (80x24 and 120x40 dumps are compared).
 * Screens that show a run read app->run_id and reload when app->run_version changes. */
#ifndef SHORTLIST_TUI_APP_H
#define SHORTLIST_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "action.h"
#include "grid.h"
#include "key.h"
#include "shortlist/prompt_edit.h"
#include "shortlist/store.h"
#include "theme.h"

/* What a view's handler tells the app (htop's HANDLED | REDRAW | ...). */
enum {
	TUI_HANDLED = 1 << 0,
	TUI_REDRAW = 1 << 1,
	TUI_CLOSE = 1 << 2, /* pop this overlay */
	TUI_QUIT = 1 << 3,
};

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

struct tui_app;
struct tui_view;

/* X(id, tab title, constructor), in tab order: the number key is the position. */
#define TUI_SCREENS(X)                                    \
	X(MODELS, "Models", tui_models_view_new)          \
	X(PROMPTS, "Prompts", tui_prompts_view_new)       \
	X(RUN, "Run", tui_run_view_new)                   \
	X(COMPARE, "Compare", tui_compare_view_new)       \
	X(SCORECARD, "Scorecard", tui_scorecard_view_new) \
	X(CHARTS, "Charts", tui_charts_view_new)          \
	X(RATE, "Rate", tui_rate_view_new)                \
	X(RUNS, "Runs", tui_runs_view_new)

enum tui_screen {
	TUI_SCREEN_NONE = -1,
#define X(id, title, ctor) TUI_SCREEN_##id,
	TUI_SCREENS(X)
#undef X
	TUI_SCREEN_COUNT
};

/* A view: a screen (a tab) or an overlay on top of one. */
struct tui_view_ops {
	const char *name;
	/* Which bindings apply right now (a view may have modes, e.g. searching). */
	enum tui_context (*context)(struct tui_view *v);
	/* Draw into area: the rows between the tab bar and the status line. */
	void (*draw)(struct tui_view *v, struct tui_grid *g, struct tui_rect area);
	int (*action)(struct tui_view *v, enum tui_action a);
	/* A key with no action in this context (text input), or a mouse event. May be NULL. */
	int (*event)(struct tui_view *v, const struct tui_event *ev);
	/* Screens: the status line (left: state, right: counts). NULL for overlays. */
	void (*status)(struct tui_view *v, struct sl_buf *left, struct sl_buf *right);
	/* Optional: the screen came to the front (reload what may have changed meanwhile). */
	void (*show)(struct tui_view *v);
	/* Optional: a `:` command routed to this screen (TUI_COMMANDS); returns flags. */
	int (*command)(struct tui_view *v, const char *name, const char *arg);
	void (*destroy)(struct tui_view *v);
};

struct tui_view {
	const struct tui_view_ops *ops;
	struct tui_app *app;
};

#define TUI_MAX_OVERLAYS 8

struct tui_live; /* the run in progress (run_live.h) */
struct tui_rundata;

struct tui_app {
	struct sl_store *store;
	struct tui_grid grid;
	struct tui_view *screens[TUI_SCREEN_COUNT]; /* created on first visit */
	enum tui_screen current;
	enum tui_screen history[TUI_SCREEN_COUNT]; /* where q goes back to, newest last */
	int n_history;
	struct tui_view *overlays[TUI_MAX_OVERLAYS];
	int n_overlays;
	int tab_x[TUI_SCREEN_COUNT + 1]; /* tab bar geometry of the last frame, for clicks */
	bool dirty;      /* a frame must be rendered */
	unsigned long frames; /* frames rendered so far */
	bool quit;
	int exit_code;
	char message[256]; /* one-shot status message (cleared by the next key) */
	bool message_error;
	/* Work that is still in flight (e.g. provider transfers): the headless `dump`
	 * step waits until this reports zero. NULL = none. */
	int (*pending_work)(void *ud);
	void *pending_ud;
	/* The run the Run, Compare, Scorecard, Charts and Rate screens show: the live one or
	 * the one opened on Runs (0 = none yet). run_version changes whenever the run is
	 * replaced or its stored cells change: a screen reloads when it sees a new value. */
	int64_t run_id;
	unsigned long run_version;
	struct tui_live *live; /* NULL when no run is in progress in this process */
	int64_t measured_run;  /* the last run this process ran: its timings are the clock's */
	/* The case (and prompt) the Compare screen shows: set by Enter on the Run matrix. */
	int compare_case, compare_prompt;
	/* Headless script: figures that depend on the clock (elapsed, ETA, rates, TTFT) are
	 * drawn as "~" so golden screens stay byte-for-byte stable; counts and costs stay. */
	bool script_mode;
	struct tui_rundata *rundata; /* Scorecard and Charts' shared data (charts.h) */
	/* Hand the terminal to another program (on true) and take it back (false): set by the
	 * curses loop, NULL headless where there is no screen to give up. */
	void (*suspend)(void *ud, bool on);
	void *suspend_ud;
	/* The editor that has the terminal (tui_app_edit), or none: the loop keeps the run
	 * going and leaves the keys to it until it exits. */
	struct {
		bool active;
		struct sl_editor ed;
		void (*done)(void *ud, int status, const char *command);
		void *ud;
	} editor;
};

/* Opens the models screen; -1 with err if the catalogue cannot be loaded. */
int tui_app_init(struct tui_app *app, struct sl_store *store, int cols, int lines,
		 struct sl_error *err);
void tui_app_free(struct tui_app *app);
/* Push an overlay on the screen in front. */
void tui_app_push(struct tui_app *app, struct tui_view *v);
/* Bring screen s to the front (creating it on first use), closing overlays; the screen
 * left is remembered for q. Returns the screen, or NULL with a message if it failed. */
struct tui_view *tui_app_show(struct tui_app *app, enum tui_screen s);
/* The screen s if it was opened (NULL otherwise). */
struct tui_view *tui_app_screen(struct tui_app *app, enum tui_screen s);
/* Quit, asking first while a run is in progress. */
void tui_app_request_quit(struct tui_app *app);
/* Give the terminal to a child program (an editor) and take it back, repainting all. */
void tui_app_suspend(struct tui_app *app, bool on);
/* Open path in the user's editor with the terminal handed over, without stopping the loop:
 * done(ud, status, command) is called once it exits (status as sl_editor_run's), with the
 * screen back. Both loops watch tui_app_editor_fd and call tui_app_editor_poll. */
void tui_app_edit(struct tui_app *app, const char *path,
		  void (*done)(void *ud, int status, const char *command), void *ud);
/* The descriptor that turns readable when the editor exits (-1: none, poll on a timer). */
int tui_app_editor_fd(const struct tui_app *app);
/* If the editor exited: take the terminal back and call its done. True when that happened. */
bool tui_app_editor_poll(struct tui_app *app);
/* Run a `:` command line ("open suite.json"). */
void tui_app_command(struct tui_app *app, const char *line);
void tui_app_handle(struct tui_app *app, const struct tui_event *ev);
/* Render the frame into app->grid if dirty; returns true if it did. */
bool tui_app_render(struct tui_app *app);
bool tui_app_too_small(const struct tui_app *app);
void tui_app_message(struct tui_app *app, bool error, const char *fmt, ...) SL_PRINTF(3, 4);
const char *tui_screen_title(enum tui_screen s);

/* Screens (one file each). */
#define X(id, title, ctor) struct tui_view *ctor(struct tui_app *app, struct sl_error *err);
TUI_SCREENS(X)
#undef X
/* An empty screen saying what it will show (for screens still to be written). */
struct tui_view *tui_placeholder_view_new(struct tui_app *app, enum tui_context ctx,
					  const char *what);

/* Overlays. */
struct tui_view *tui_help_view_new(struct tui_app *app);
struct tui_view *tui_cmdline_new(struct tui_app *app);
/* The command line with text already typed (e.g. "tag "). */
struct tui_view *tui_cmdline_new_with(struct tui_app *app, const char *text);
/* A new evaluation of the shortlist: prompts, dataset, scorers, then the Run screen's check. */
struct tui_view *tui_newrun_new(struct tui_app *app);
/* A yes/no question; on_yes runs if the user answers y. */
struct tui_view *tui_confirm_new(struct tui_app *app, const char *question,
				 void (*on_yes)(struct tui_app *app));

#endif
