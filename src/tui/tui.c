/* Entry point of the TUI: choose the theme and glyph set, then run either on the terminal
 * or headless from a key script. */
#include "tui.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "glyph.h"
#include "loop.h"
#include "run_live.h"
#include "shortlist/bundle.h"
#include "theme.h"

int tui_print_keys(const char *format)
{
	struct sl_buf b;
	sl_buf_init(&b);
	if (strcmp(format, "man") == 0)
		tui_actions_man(&b);
	else if (strcmp(format, "markdown") == 0)
		tui_actions_markdown(&b);
	else {
		sl_buf_free(&b);
		return -1;
	}
	fputs(b.data, stdout);
	sl_buf_free(&b);
	return 0;
}

/* NO_COLOR (non-empty) means mono unless the user picked a theme explicitly (nnn). */
static int choose_theme(struct tui_theme *theme, const char *requested, char *warning,
			size_t warning_len, struct sl_error *err)
{
	if (requested)
		return tui_theme_load(theme, requested, err);
	const char *no_color = getenv("NO_COLOR");
	if (no_color && *no_color) {
		if (tui_theme_load(theme, "mono", err) != 0)
			tui_theme_mono(theme);
		return 0;
	}
	if (tui_theme_load(theme, "default", err) != 0) {
		/* A broken install should still give a usable screen; say why. */
		snprintf(warning, warning_len, "%s; using the built-in monochrome theme", err->msg);
		sl_error_clear(err);
		tui_theme_mono(theme);
	}
	return 0;
}

/* The app's waiter with the bundle's check beside it (tui --open): its end wakes the loop
 * like a key would, and until then it is work in flight (a :dump waits for it). */
struct check_waiter {
	struct tui_waiter waiter;
	const struct tui_waiter *inner;
	struct tui_app *app;
	struct sl_bundle_check *check;
};

static int cw_wait(void *ud, struct pollfd *fds, int nfds, int timeout_ms)
{
	struct check_waiter *cw = ud;
	int fd = sl_bundle_check_fd(cw->check);
	if (fd < 0)
		return cw->inner->wait(cw->inner->ud, fds, nfds, timeout_ms);
	struct pollfd all[8];
	if (nfds >= (int)SL_ARRAY_LEN(all))
		return cw->inner->wait(cw->inner->ud, fds, nfds, timeout_ms);
	for (int i = 0; i < nfds; i++)
		all[i] = fds[i];
	all[nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
	int n = cw->inner->wait(cw->inner->ud, all, nfds + 1, timeout_ms);
	for (int i = 0; i < nfds; i++)
		fds[i].revents = all[i].revents;
	return n;
}

static bool cw_progress(void *ud)
{
	struct check_waiter *cw = ud;
	bool changed = cw->inner->progress && cw->inner->progress(cw->inner->ud);
	struct sl_error err = { 0 };
	if (sl_bundle_check_fd(cw->check) >= 0 && sl_bundle_check_poll(cw->check, &err) < 0) {
		/* the message is the caller's to print, once the terminal is back */
		cw->app->quit = true;
		cw->app->exit_code = SL_EXIT_USAGE;
		changed = true;
	}
	return changed;
}

static int cw_pending(void *ud)
{
	struct check_waiter *cw = ud;
	int inner = cw->inner->pending ? cw->inner->pending(cw->inner->ud) : 0;
	return inner + (sl_bundle_check_fd(cw->check) >= 0);
}

int tui_main(struct sl_store *store, const struct tui_options *opts)
{
	struct sl_error err = { 0 };
	struct tui_theme theme;
	memset(&theme, 0, sizeof theme);
	char warning[1200] = "";
	if (choose_theme(&theme, opts->theme, warning, sizeof warning, &err) != 0) {
		tui_theme_free(&theme); /* what the file set before its error */
		fprintf(stderr, "shortlist: %s\n", err.msg);
		return err.code ? err.code : SL_EXIT_USAGE;
	}
	const char *codeset = nl_langinfo(CODESET);
	tui_glyph_set_ascii(opts->ascii || !codeset || strcmp(codeset, "UTF-8") != 0);

	int cols = opts->script ? opts->script_cols : 80;
	int lines = opts->script ? opts->script_lines : 24;
	struct tui_app app;
	if (tui_app_init(&app, store, cols, lines, &err) != 0) {
		tui_theme_free(&theme);
		fprintf(stderr, "shortlist: %s\n", err.msg);
		return err.code ? err.code : SL_EXIT_USAGE;
	}
	struct tui_waiter live_waiter;
	tui_live_waiter_init(&live_waiter, &app);
	const struct tui_waiter *w = opts->waiter ? opts->waiter : &live_waiter;
	struct check_waiter cw = { .inner = w, .app = &app, .check = opts->bundle_check };
	if (opts->bundle_check) {
		cw.waiter = (struct tui_waiter){ .wait = cw_wait, .progress = cw_progress,
						 .pending = cw_pending, .ud = &cw };
		w = &cw.waiter;
	}
	app.script_mode = opts->script != NULL;
	if (opts->bundle) { /* a meeting: straight to the run */
		const char *name = strrchr(opts->bundle, '/');
		tui_app_show(&app, TUI_SCREEN_RUNS);
		tui_app_message(&app, false, "bundle %s: a private copy; nothing is written to it "
					     "or to your store", name ? name + 1 : opts->bundle);
	}
	app.pending_work = w->pending;
	app.pending_ud = w->ud;
	int rc;
	if (opts->script) {
		if (warning[0])
			fprintf(stderr, "shortlist: %s\n", warning);
		rc = tui_script_run(&app, opts->script, w, stdout, &err);
	} else {
		rc = tui_loop_run(&app, &theme, w, warning, &err);
	}
	int code = app.exit_code;
	tui_app_free(&app);
	tui_theme_free(&theme);
	if (rc != 0) {
		fprintf(stderr, "shortlist: %s\n", err.msg);
		return err.code ? err.code : SL_EXIT_USAGE;
	}
	return code;
}
