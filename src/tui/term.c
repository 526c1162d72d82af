/* The curses backend and the interactive loop. One thread, one waiting point: the waiter
 * watches stdin and a self-pipe that signal handlers write to (SIGWINCH, SIGINT, SIGTERM);
 * after each wake-up all pending keys are drained with get_wch until ERR, and the grid is
 * copied to the screen only if something changed. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "glyph.h"
#include "loop.h"

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* pipe full: a wake-up is already pending, which is all we need */
	}
	errno = saved;
}

struct term {
	SCREEN *screen;
	int ncolors;
	const struct tui_theme *theme;
	struct tui_theme mono; /* used when the terminal has no colours */
	attr_t role_attr[TUI_ROLE_COUNT];
	short role_pair[TUI_ROLE_COUNT];
	struct tui_grid shadow; /* what the terminal shows, to send only changed cells */
	bool full_repaint;
	int saved_stderr;
	FILE *err_file;
	struct sigaction old_winch, old_int, old_term;
};

static attr_t curses_attrs(int a)
{
	attr_t r = A_NORMAL;
	if (a & TUI_A_BOLD)
		r |= A_BOLD;
	if (a & TUI_A_REVERSE)
		r |= A_REVERSE;
	if (a & TUI_A_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & TUI_A_DIM)
		r |= A_DIM;
	return r;
}

static void setup_colors(struct term *t)
{
	t->ncolors = 0;
	if (!has_colors() && !t->theme->mono) {
		tui_theme_mono(&t->mono);
		t->theme = &t->mono;
	}
	if (!t->theme->mono && has_colors() && start_color() == OK) {
		use_default_colors();
		t->ncolors = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
		if (COLOR_PAIRS <= TUI_ROLE_COUNT)
			t->ncolors = 0;
	}
	for (int r = 0; r < TUI_ROLE_COUNT; r++) {
		int fg, bg, attrs;
		tui_theme_resolve(t->theme, (enum tui_role)r, t->ncolors, &fg, &bg, &attrs);
		t->role_attr[r] = curses_attrs(attrs);
		t->role_pair[r] = 0;
		if (t->ncolors) {
			init_pair((short)(r + 1), (short)fg, (short)bg);
			t->role_pair[r] = (short)(r + 1);
		}
	}
}

/* While curses owns the terminal, anything written to stderr would corrupt the screen:
 * collect it in a temp file and print it after endwin (htop does the same). */
static void redirect_stderr(struct term *t)
{
	fflush(stderr);
	t->err_file = tmpfile();
	t->saved_stderr = -1;
	if (!t->err_file)
		return;
	t->saved_stderr = dup(STDERR_FILENO);
	if (t->saved_stderr < 0 || dup2(fileno(t->err_file), STDERR_FILENO) < 0) {
		fclose(t->err_file);
		t->err_file = NULL;
	}
}

static void restore_stderr(struct term *t)
{
	if (!t->err_file)
		return;
	fflush(stderr);
	dup2(t->saved_stderr, STDERR_FILENO);
	close(t->saved_stderr);
	rewind(t->err_file);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, t->err_file)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(t->err_file);
	t->err_file = NULL;
}

static int term_open(struct term *t, const struct tui_theme *theme, struct sl_error *err)
{
	memset(t, 0, sizeof *t);
	t->theme = theme;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		sl_error_set(err, "the TUI needs a terminal on stdin and stdout (for tests use "
				  "`shortlist tui --script FILE`, for scripts `shortlist models`)");
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	if (pipe(sig_pipe) != 0) {
		sl_error_set(err, "cannot create the signal pipe: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	/* Installed before newterm so ncurses leaves SIGWINCH to us. */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &t->old_winch);
	sigaction(SIGINT, &sa, &t->old_int);
	sigaction(SIGTERM, &sa, &t->old_term);

	const char *term = getenv("TERM");
	t->screen = newterm(term && *term ? term : "xterm", stdout, stdin);
	if (!t->screen) {
		sigaction(SIGWINCH, &t->old_winch, NULL);
		sigaction(SIGINT, &t->old_int, NULL);
		sigaction(SIGTERM, &t->old_term, NULL);
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
		sl_error_set(err, "cannot use terminal type '%s' (check TERM)", term ? term : "");
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	redirect_stderr(t);
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	setup_colors(t);
	tui_grid_init(&t->shadow);
	t->full_repaint = true;
	return 0;
}

static void term_close(struct term *t)
{
	if (t->screen) {
		endwin();
		delscreen(t->screen);
		t->screen = NULL;
	}
	sigaction(SIGWINCH, &t->old_winch, NULL);
	sigaction(SIGINT, &t->old_int, NULL);
	sigaction(SIGTERM, &t->old_term, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	tui_grid_free(&t->shadow);
	tui_theme_free(&t->mono);
	restore_stderr(t);
}

/* An editor takes the terminal: curses steps aside (its modes saved), stderr goes back to
 * the terminal so the editor's own complaints are seen, and on return everything is
 * repainted, since the editor drew over it. */
static void term_suspend(void *ud, bool on)
{
	struct term *t = ud;
	if (on) {
		def_prog_mode();
		endwin();
		fflush(stderr);
		if (t->err_file)
			dup2(t->saved_stderr, STDERR_FILENO);
		return;
	}
	fflush(stderr);
	if (t->err_file)
		dup2(fileno(t->err_file), STDERR_FILENO);
	reset_prog_mode();
	t->full_repaint = true;
	refresh();
}

static bool cell_eq(const struct tui_cell *a, const struct tui_cell *b)
{
	return a->ch == b->ch && a->width == b->width && a->role == b->role && a->attrs == b->attrs;
}

static void term_present(struct term *t, const struct tui_grid *g)
{
	if (t->shadow.cols != g->cols || t->shadow.lines != g->lines) {
		tui_grid_resize(&t->shadow, g->cols, g->lines);
		t->full_repaint = true;
	}
	if (t->full_repaint)
		clearok(curscr, TRUE);
	bool ascii = tui_glyph_is_ascii();
	for (int y = 0; y < g->lines; y++) {
		for (int x = 0; x < g->cols; x++) {
			const struct tui_cell *c = &g->cells[(size_t)y * (size_t)g->cols + (size_t)x];
			struct tui_cell *s = &t->shadow.cells[(size_t)y * (size_t)g->cols + (size_t)x];
			if (!t->full_repaint && cell_eq(c, s))
				continue;
			*s = *c;
			if (c->width == 0)
				continue; /* the right half of a wide character */
			wchar_t wch[2] = { c->ch ? c->ch : L' ', L'\0' };
			if (ascii && wch[0] > 0x7E)
				wch[0] = L'?';
			cchar_t cc;
			setcchar(&cc, wch, t->role_attr[c->role] | curses_attrs(c->attrs),
				 t->role_pair[c->role], NULL);
			/* The bottom-right cell would scroll some terminals: ncurses handles it
			 * through insert mode, and a failure there is harmless. */
			mvadd_wch(y, x, &cc);
		}
	}
	t->full_repaint = false;
	refresh();
}

static int map_key(int rc, wint_t wch)
{
	if (rc == OK) {
		if (wch == '\n' || wch == '\r')
			return TK_ENTER;
		if (wch == 8 || wch == 127)
			return TK_BACKSPACE;
		return (int)wch;
	}
	switch (wch) {
	case KEY_UP: return TK_UP;
	case KEY_DOWN: return TK_DOWN;
	case KEY_LEFT: return TK_LEFT;
	case KEY_RIGHT: return TK_RIGHT;
	case KEY_PPAGE: return TK_PGUP;
	case KEY_NPAGE: return TK_PGDN;
	case KEY_HOME: return TK_HOME;
	case KEY_END: return TK_END;
	case KEY_DC: return TK_DELETE;
	case KEY_BTAB: return TK_BTAB;
	case KEY_F(1): return TK_F1;
	case KEY_ENTER: return TK_ENTER;
	case KEY_BACKSPACE: return TK_BACKSPACE;
	case KEY_MOUSE: return TK_MOUSE;
	case KEY_RESIZE: return TK_RESIZE;
	default: return TK_NONE;
	}
}

static void handle_resize(struct term *t, struct tui_app *app)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0)
		return;
	resizeterm(ws.ws_row, ws.ws_col);
	struct tui_event ev = { .key = TK_RESIZE, .cols = ws.ws_col, .lines = ws.ws_row };
	tui_app_handle(app, &ev);
	t->full_repaint = true;
}

static void drain_keys(struct term *t, struct tui_app *app)
{
	wint_t wch;
	int rc;
	/* Stop at a key that opened the editor: get_wch would take the terminal back. */
	while (!app->quit && !app->editor.active && (rc = get_wch(&wch)) != ERR) {
		struct tui_event ev = { .key = map_key(rc, wch) };
		if (ev.key == TK_NONE)
			continue;
		if (ev.key == TK_RESIZE) {
			/* ncurses queues KEY_RESIZE after resizeterm(): the size is already
			 * known, so only follow it (calling resizeterm here would loop). */
			if (COLS != app->grid.cols || LINES != app->grid.lines) {
				ev.cols = COLS;
				ev.lines = LINES;
				tui_app_handle(app, &ev);
				t->full_repaint = true;
			}
			continue;
		}
		if (ev.key == TK_MOUSE) {
			MEVENT me;
			if (getmouse(&me) != OK)
				continue;
			ev.mx = me.x;
			ev.my = me.y;
			if (me.bstate & BUTTON4_PRESSED)
				ev.mouse = TUI_MOUSE_WHEEL_UP;
			else if (me.bstate & BUTTON5_PRESSED)
				ev.mouse = TUI_MOUSE_WHEEL_DOWN;
			else if (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
				ev.mouse = TUI_MOUSE_CLICK;
			else
				continue;
		}
		tui_app_handle(app, &ev);
		tui_app_render(app);
	}
}

/* Take in the signals the handler wrote down: true if the terminal was resized.
 * SIGINT/SIGTERM: leave cleanly. */
static bool read_signals(struct tui_app *app)
{
	unsigned char sigs[64];
	ssize_t got;
	bool winch = false;
	while ((got = read(sig_pipe[0], sigs, sizeof sigs)) > 0)
		for (ssize_t i = 0; i < got; i++) {
			if (sigs[i] == SIGWINCH)
				winch = true;
			else
				app->quit = true;
		}
	return winch;
}

/* At most ~30 frames a second of live updates: smooth to the eye, cheap for the CPU. */
#define TUI_FRAME_NS (33 * (int64_t)1000000)

int tui_loop_run(struct tui_app *app, const struct tui_theme *theme,
		 const struct tui_waiter *w, const char *warning, struct sl_error *err)
{
	struct term t;
	if (term_open(&t, theme, err) != 0)
		return -1;
	if (warning && *warning) {
		/* stderr is the temp file now: the line appears after the screen is restored. */
		fprintf(stderr, "shortlist: %s\n", warning);
		tui_app_message(app, true, "%s", warning);
	}
	app->suspend = term_suspend;
	app->suspend_ud = &t;
	/* Benchmarks count frames and their pacing: one line per frame sent to the terminal,
	 * "SENT WOKE DRAW" in CLOCK_MONOTONIC ns, WOKE being when the loop woke to the key the
	 * frame answers (0: a frame of live data), DRAW the time to render and send it;
	 * buffered and written out at exit. */
	const char *log_path = getenv("SHORTLIST_FRAME_LOG");
	FILE *frame_log = log_path && *log_path ? fopen(log_path, "w") : NULL;
	handle_resize(&t, app);
	app->dirty = true;
	tui_app_render(app);
	term_present(&t, &app->grid);
	unsigned long presented = app->frames;
	int64_t last_frame_ns = sl_now_ns();
	bool resized_meanwhile = false;
	while (!app->quit || app->editor.active) {
		if (app->editor.active) {
			/* The editor has the keys and the screen; the run goes on. A resize is
			 * taken in when the screen is back. */
			if (tui_loop_editor_turn(app, w, sig_pipe[0]) & POLLIN)
				resized_meanwhile |= read_signals(app);
			if (!app->editor.active && resized_meanwhile) {
				handle_resize(&t, app);
				resized_meanwhile = false;
			}
			continue;
		}
		struct pollfd fds[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sig_pipe[0], .events = POLLIN },
		};
		/* Idle: sleep until input or a signal. Work in flight: wake at least once a
		 * second so the waiter can make progress even if it has no descriptor ready. */
		int timeout = w->pending && w->pending(w->ud) > 0 ? 1000 : -1;
		/* A frame is owed (streamed text arrived): wake when the frame time is up. */
		if (app->dirty) {
			int64_t due = last_frame_ns + TUI_FRAME_NS - sl_now_ns();
			timeout = due > 0 ? (int)(due / 1000000) + 1 : 0;
		}
		int n = w->wait(w->ud, fds, 2, timeout);
		int64_t woke_ns = sl_now_ns();
		if (n < 0 && errno != EINTR) {
			sl_error_set(err, "waiting for input failed: %s", strerror(errno));
			break;
		}
		/* A key's frame goes out before the network's news is taken in. */
		bool keys = n > 0 && (fds[0].revents & POLLIN);
		if (!keys && w->progress && w->progress(w->ud))
			app->dirty = true;
		if (n > 0 && (fds[1].revents & POLLIN) && read_signals(app))
			handle_resize(&t, app);
		if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
		    !(fds[0].revents & POLLIN))
			app->quit = true; /* the terminal went away */
		if (keys)
			drain_keys(&t, app);
		if (app->editor.active)
			continue; /* the screen is the editor's now */
		/* Live data redraws at most once per frame time (htop's timer, not per event);
		 * a key is answered at once. */
		if (!keys && !t.full_repaint && sl_now_ns() - last_frame_ns < TUI_FRAME_NS)
			continue;
		int64_t drawn_ns = sl_now_ns();
		tui_app_render(app);
		/* drain_keys renders into the grid as it goes; the terminal gets the result
		 * once per wake-up, and only if a frame changed. */
		if (!app->quit && (app->frames != presented || t.full_repaint)) {
			term_present(&t, &app->grid);
			presented = app->frames;
			last_frame_ns = sl_now_ns();
			if (frame_log)
				fprintf(frame_log, "%lld %lld %lld\n", (long long)last_frame_ns,
					keys ? (long long)woke_ns : 0LL,
					(long long)(last_frame_ns - drawn_ns));
		}
		if (keys && w->progress && w->progress(w->ud))
			app->dirty = true;
	}
	app->suspend = NULL;
	if (frame_log)
		fclose(frame_log);
	term_close(&t);
	return 0;
}
