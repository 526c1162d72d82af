/* Headless mode: a key script drives the app with no terminal, and `:dump` writes the
 * cell grid as text. Script lines:
 *   # comment
 *   :dump [LABEL]      settle (no work in flight, frame rendered), then write the screen
 *   :wait TEXT         run the loop until the screen shows TEXT (a live run reaching a
 *                      state); fails after 30 s so a broken run cannot hang a test
 *   :snap [LABEL]      write the screen as it is now (a state that holds, e.g. a stalled
 *                      stream), without waiting for work in flight
 *   anything else      keys: plain characters and <Names> (see key.h), e.g. /gpt<Enter>;
 *                      a line of keys that starts with ':' writes it <Colon>
 * A dump is a fixed waiting point, never a sleep. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"

static int poll_wait(void *ud, struct pollfd *fds, int nfds, int timeout_ms)
{
	(void)ud;
	return poll(fds, (nfds_t)nfds, timeout_ms);
}

const struct tui_waiter tui_poll_waiter = { .wait = poll_wait };

void tui_loop_settle(struct tui_app *app, const struct tui_waiter *w)
{
	while (w->pending && w->pending(w->ud) > 0) {
		w->wait(w->ud, NULL, 0, 1000);
		if (w->progress && w->progress(w->ud))
			app->dirty = true;
	}
	tui_app_render(app);
}

short tui_loop_editor_turn(struct tui_app *app, const struct tui_waiter *w, int sig_fd)
{
	struct pollfd fds[2];
	int n = 0, sig_at = -1;
	int editor_fd = tui_app_editor_fd(app);
	if (editor_fd >= 0)
		fds[n++] = (struct pollfd){ .fd = editor_fd, .events = POLLIN };
	if (sig_fd >= 0) {
		sig_at = n;
		fds[n++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
	}
	int timeout = editor_fd < 0 ? 100 : w->pending && w->pending(w->ud) > 0 ? 1000 : -1;
	if (w->wait(w->ud, fds, n, timeout) < 0 && errno != EINTR)
		poll(NULL, 0, 100); /* the network failed: the run reports it; wait on a timer */
	if (w->progress && w->progress(w->ud))
		app->dirty = true;
	short sig_revents = sig_at >= 0 ? fds[sig_at].revents : 0;
	tui_app_editor_poll(app);
	return sig_revents;
}

static bool screen_shows(struct tui_app *app, const char *text)
{
	struct sl_buf b;
	sl_buf_init(&b);
	tui_grid_dump(&app->grid, &b);
	bool found = strstr(b.data, text) != NULL;
	sl_buf_free(&b);
	return found;
}

/* A condition with a deadline, never a fixed sleep: each turn waits for the loop's own
 * wake-ups (network activity, timers) and checks again. */
static int wait_for_text(struct tui_app *app, const struct tui_waiter *w, const char *text)
{
	int64_t deadline = sl_now_ns() + 30 * (int64_t)1000000000;
	for (;;) {
		if (w->progress && w->progress(w->ud))
			app->dirty = true;
		tui_app_render(app);
		if (screen_shows(app, text))
			return 0;
		if (sl_now_ns() > deadline)
			return -1;
		w->wait(w->ud, NULL, 0, 100);
	}
}

static void write_dump(struct tui_app *app, const char *label, FILE *out)
{
	struct sl_buf b;
	sl_buf_init(&b);
	tui_grid_dump(&app->grid, &b);
	fprintf(out, "=== %s (%dx%d) ===\n%s", label && *label ? label : "dump", app->grid.cols,
		app->grid.lines, b.data);
	sl_buf_free(&b);
}

int tui_script_run(struct tui_app *app, const char *path, const struct tui_waiter *w,
		   FILE *out, struct sl_error *err)
{
	size_t len;
	char *text = sl_read_file(path, &len, err);
	if (!text) {
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	int lineno = 0;
	int rc = 0;
	char *line = text;
	while (line && !app->quit) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (line[0] == '#' || line[0] == '\0') {
			line = next;
			continue;
		}
		if (line[0] == ':') {
			if (strncmp(line, ":dump", 5) == 0 && (line[5] == '\0' || line[5] == ' ')) {
				const char *label = line + 5;
				while (*label == ' ')
					label++;
				tui_loop_settle(app, w);
				write_dump(app, label, out);
			} else if (strncmp(line, ":snap", 5) == 0 &&
				   (line[5] == '\0' || line[5] == ' ')) {
				const char *label = line + 5;
				while (*label == ' ')
					label++;
				tui_app_render(app);
				write_dump(app, label, out);
			} else if (strncmp(line, ":wait ", 6) == 0 && line[6]) {
				if (wait_for_text(app, w, line + 6) != 0) {
					sl_error_set(err, "%s:%d: the screen did not show '%s' within "
							  "30 s", path, lineno, line + 6);
					write_dump(app, "when the wait gave up", out);
					rc = -1;
					break;
				}
			} else {
				sl_error_set(err, "%s:%d: unknown command '%s' (valid: :dump [LABEL], "
						  ":snap [LABEL], :wait TEXT)", path, lineno, line);
				rc = -1;
				break;
			}
			line = next;
			continue;
		}
		const char *p = line;
		while (*p && !app->quit) {
			struct tui_event ev;
			char msg[512];
			if (tui_key_parse(&p, &ev, msg, sizeof msg) != 0) {
				sl_error_set(err, "%s:%d: %s", path, lineno, msg);
				rc = -1;
				break;
			}
			tui_app_handle(app, &ev);
			/* A key that opened the editor: the next key is typed after it exits. */
			while (app->editor.active)
				tui_loop_editor_turn(app, w, -1);
			/* Each key sees the effects (and the layout) of the one before, as on a
			 * terminal where a frame is drawn between keystrokes. */
			if (w->progress && w->progress(w->ud))
				app->dirty = true;
			tui_app_render(app);
		}
		if (rc != 0)
			break;
		line = next;
	}
	free(text);
	if (rc != 0)
		err->code = SL_EXIT_USAGE;
	fflush(out);
	return rc;
}
