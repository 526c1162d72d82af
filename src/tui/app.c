#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "glyph.h"
#include "run_live.h"
#include "shortlist/runs.h"

static const struct {
	const char *title;
	struct tui_view *(*create)(struct tui_app *, struct sl_error *);
} screen_table[] = {
#define X(id, title, ctor) { title, ctor },
	TUI_SCREENS(X)
#undef X
};

const char *tui_screen_title(enum tui_screen s)
{
	return s >= 0 && s < TUI_SCREEN_COUNT ? screen_table[s].title : "";
}

int tui_app_init(struct tui_app *app, struct sl_store *store, int cols, int lines,
		 struct sl_error *err)
{
	memset(app, 0, sizeof *app);
	app->store = store;
	tui_grid_init(&app->grid);
	tui_grid_resize(&app->grid, cols, lines);
	app->screens[TUI_SCREEN_MODELS] = tui_models_view_new(app, err);
	if (!app->screens[TUI_SCREEN_MODELS]) {
		tui_grid_free(&app->grid);
		return -1;
	}
	app->current = TUI_SCREEN_MODELS;
	/* The newest run is what Run, Compare and Scorecard show until another is chosen. */
	int64_t latest = 0;
	struct sl_error none = { 0 };
	if (sl_run_resolve(store, "latest", &latest, &none) == 0)
		app->run_id = latest;
	app->dirty = true;
	return 0;
}

static void close_overlays(struct tui_app *app)
{
	while (app->n_overlays > 0) {
		struct tui_view *v = app->overlays[--app->n_overlays];
		v->ops->destroy(v);
	}
	app->dirty = true;
}

void tui_app_free(struct tui_app *app)
{
	close_overlays(app);
	if (app->editor.active) /* the loops end only after it exits: never left behind */
		sl_editor_wait(&app->editor.ed, true);
	tui_live_free(app->live); /* unfinished: the run stays resumable, its cells stored */
	/* In reverse: a later screen may refer to an earlier one's state. */
	for (int s = TUI_SCREEN_COUNT - 1; s >= 0; s--)
		if (app->screens[s])
			app->screens[s]->ops->destroy(app->screens[s]);
	tui_app_rundata_free(app);
	tui_grid_free(&app->grid);
}

void tui_app_push(struct tui_app *app, struct tui_view *v)
{
	if (!v)
		return;
	if (app->n_overlays == TUI_MAX_OVERLAYS) {
		v->ops->destroy(v);
		return;
	}
	v->app = app;
	app->overlays[app->n_overlays++] = v;
	app->dirty = true;
}

static void pop_overlay(struct tui_app *app)
{
	if (app->n_overlays == 0)
		return;
	struct tui_view *v = app->overlays[--app->n_overlays];
	v->ops->destroy(v);
	app->dirty = true;
}

struct tui_view *tui_app_screen(struct tui_app *app, enum tui_screen s)
{
	return s >= 0 && s < TUI_SCREEN_COUNT ? app->screens[s] : NULL;
}

static struct tui_view *open_screen(struct tui_app *app, enum tui_screen s)
{
	if (!app->screens[s]) {
		struct sl_error err = { 0 };
		struct tui_view *v = screen_table[s].create(app, &err);
		if (!v) {
			tui_app_message(app, true, "%s: %s", screen_table[s].title, err.msg);
			return NULL;
		}
		v->app = app;
		app->screens[s] = v;
	}
	return app->screens[s];
}

/* The history holds each screen at most once: going to a screen already in it moves it to
 * the top, so q walks back through distinct screens and always ends on the first one. */
static void history_remove(struct tui_app *app, enum tui_screen s)
{
	for (int i = 0; i < app->n_history; i++)
		if (app->history[i] == s) {
			memmove(&app->history[i], &app->history[i + 1],
				(size_t)(app->n_history - i - 1) * sizeof app->history[0]);
			app->n_history--;
			return;
		}
}

static struct tui_view *bring_front(struct tui_app *app, enum tui_screen s)
{
	struct tui_view *v = open_screen(app, s);
	if (!v)
		return NULL;
	close_overlays(app);
	app->current = s;
	if (v->ops->show)
		v->ops->show(v);
	app->dirty = true;
	return v;
}

struct tui_view *tui_app_show(struct tui_app *app, enum tui_screen s)
{
	if (s < 0 || s >= TUI_SCREEN_COUNT)
		return NULL;
	if (s == app->current) {
		close_overlays(app);
		return app->screens[s];
	}
	enum tui_screen from = app->current;
	struct tui_view *v = bring_front(app, s);
	if (!v)
		return NULL;
	history_remove(app, s);
	history_remove(app, from);
	app->history[app->n_history++] = from;
	return v;
}

static void go_back(struct tui_app *app, int key)
{
	if (app->n_history == 0) {
		if (key == 'q') /* Esc never quits: it is pressed too freely */
			tui_app_request_quit(app);
		return;
	}
	enum tui_screen to = app->history[--app->n_history];
	bring_front(app, to);
}

static void quit_now(struct tui_app *app)
{
	app->quit = true;
}

static bool run_in_progress(const struct tui_app *app)
{
	return app->live != NULL;
}

void tui_app_request_quit(struct tui_app *app)
{
	if (!run_in_progress(app)) {
		app->quit = true;
		return;
	}
	char q[256];
	if (app->live->scoring)
		snprintf(q, sizeof q, "Run %lld is being scored. Quit now? Scores written stay "
			 "stored; `shortlist report %lld` scores the rest.", (long long)app->run_id,
			 (long long)app->run_id);
	else
		snprintf(q, sizeof q,
			 "A run is in progress. Quit now? Finished cells stay stored; :resume %lld "
			 "here (or `shortlist run SUITE --resume %lld`) continues it.",
			 (long long)app->run_id, (long long)app->run_id);
	tui_app_push(app, tui_confirm_new(app, q, quit_now));
}

void tui_app_message(struct tui_app *app, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->message, sizeof app->message, fmt, ap);
	va_end(ap);
	app->message_error = error;
	app->dirty = true;
}

bool tui_app_too_small(const struct tui_app *app)
{
	return app->grid.cols < TUI_MIN_COLS || app->grid.lines < TUI_MIN_LINES;
}

static void apply_flags(struct tui_app *app, int flags)
{
	if (flags & TUI_REDRAW)
		app->dirty = true;
	if (flags & TUI_CLOSE)
		pop_overlay(app);
	if (flags & TUI_QUIT)
		tui_app_request_quit(app);
}

static struct tui_view *top_view(struct tui_app *app)
{
	return app->n_overlays ? app->overlays[app->n_overlays - 1] : app->screens[app->current];
}

void tui_app_suspend(struct tui_app *app, bool on)
{
	if (app->suspend)
		app->suspend(app->suspend_ud, on);
	if (!on)
		app->dirty = true;
}

static void editor_finish(struct tui_app *app, int status)
{
	app->editor.active = false;
	tui_app_suspend(app, false);
	app->editor.done(app->editor.ud, status, app->editor.ed.command);
}

void tui_app_edit(struct tui_app *app, const char *path,
		  void (*done)(void *ud, int status, const char *command), void *ud)
{
	app->editor.done = done;
	app->editor.ud = ud;
	tui_app_suspend(app, true);
	app->editor.active = true;
	if (sl_editor_start(&app->editor.ed, path) != 0)
		editor_finish(app, -1);
}

int tui_app_editor_fd(const struct tui_app *app)
{
	return app->editor.active ? app->editor.ed.pidfd : -1;
}

bool tui_app_editor_poll(struct tui_app *app)
{
	if (!app->editor.active)
		return false;
	int status = sl_editor_wait(&app->editor.ed, false);
	if (status == SL_EDITOR_RUNNING)
		return false;
	editor_finish(app, status);
	return true;
}

void tui_app_command(struct tui_app *app, const char *line)
{
	while (*line == ' ')
		line++;
	size_t n = strcspn(line, " ");
	const char *arg = line + n;
	while (*arg == ' ')
		arg++;
	if (n == 0)
		return;
	static const struct {
		const char *name;
		const char *arg; /* "[RUN]": optional */
		enum tui_screen screen;
	} commands[] = {
#define X(name, arg, screen, help) { name, arg, TUI_SCREEN_##screen },
		TUI_COMMANDS(X)
#undef X
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(commands); i++) {
		if (strlen(commands[i].name) != n || strncmp(commands[i].name, line, n) != 0)
			continue;
		bool has_arg = commands[i].arg != NULL;
		if (*arg && !has_arg) {
			tui_app_message(app, true, ":%s takes no argument", commands[i].name);
			return;
		}
		if (commands[i].screen == TUI_SCREEN_NONE) {
			if (strcmp(commands[i].name, "quit") == 0)
				tui_app_request_quit(app);
			else if (strcmp(commands[i].name, "help") == 0)
				tui_app_push(app, tui_help_view_new(app));
			return;
		}
		struct tui_view *v = tui_app_show(app, commands[i].screen);
		if (v && has_arg) {
			if (!*arg && commands[i].arg[0] != '[')
				tui_app_message(app, true, ":%s needs an argument", commands[i].name);
			else if (v->ops->command)
				apply_flags(app, v->ops->command(v, commands[i].name, arg));
		}
		return;
	}
	tui_app_message(app, true, "unknown command ':%.*s' (Tab completes, :help lists them)",
			(int)n, line);
}

static void handle_tab_click(struct tui_app *app, const struct tui_event *ev)
{
	for (int s = 0; s < TUI_SCREEN_COUNT; s++)
		if (ev->mx >= app->tab_x[s] && ev->mx < app->tab_x[s + 1]) {
			tui_app_show(app, (enum tui_screen)s);
			return;
		}
}

void tui_app_handle(struct tui_app *app, const struct tui_event *ev)
{
	if (ev->key == TK_RESIZE) {
		tui_grid_resize(&app->grid, ev->cols, ev->lines);
		app->dirty = true;
		return;
	}
	if (app->message[0] && ev->key != TK_MOUSE) {
		app->message[0] = '\0';
		app->dirty = true;
	}
	/* A too-small screen only offers quitting; nothing else is visible to act on. */
	if (tui_app_too_small(app)) {
		if (ev->key == 'q' || ev->key == 'Q')
			tui_app_request_quit(app);
		return;
	}
	struct tui_view *top = top_view(app);
	if (ev->key == TK_MOUSE) {
		if (ev->my == 0 && ev->mouse == TUI_MOUSE_CLICK && app->n_overlays == 0)
			handle_tab_click(app, ev);
		else if (top->ops->event)
			apply_flags(app, top->ops->event(top, ev));
		return;
	}
	enum tui_context ctx = top->ops->context(top);
	enum tui_action a = tui_action_for_key(ctx, ev->key);
	switch (a) {
	case TUI_ACT_QUIT: tui_app_request_quit(app); return;
	case TUI_ACT_BACK: go_back(app, ev->key); return;
	case TUI_ACT_HELP: tui_app_push(app, tui_help_view_new(app)); return;
	case TUI_ACT_COMMAND: tui_app_push(app, tui_cmdline_new(app)); return;
	case TUI_ACT_SCREEN_NEXT:
		tui_app_show(app, (enum tui_screen)((app->current + 1) % TUI_SCREEN_COUNT));
		return;
	case TUI_ACT_SCREEN_PREV:
		tui_app_show(app, (enum tui_screen)((app->current + TUI_SCREEN_COUNT - 1) %
						    TUI_SCREEN_COUNT));
		return;
	case TUI_ACT_SCREEN_1: case TUI_ACT_SCREEN_2: case TUI_ACT_SCREEN_3:
	case TUI_ACT_SCREEN_4: case TUI_ACT_SCREEN_5: case TUI_ACT_SCREEN_6:
	case TUI_ACT_SCREEN_7: case TUI_ACT_SCREEN_8:
		tui_app_show(app, (enum tui_screen)(a - TUI_ACT_SCREEN_1));
		return;
	case TUI_ACT_REDRAW: app->dirty = true; return;
	case TUI_ACT_NONE:
		if (top->ops->event)
			apply_flags(app, top->ops->event(top, ev));
		return;
	default: apply_flags(app, top->ops->action(top, a)); return;
	}
}

static void draw_too_small(struct tui_app *app)
{
	struct tui_grid *g = &app->grid;
	tui_grid_clear(g, TUI_ROLE_DEFAULT);
	char line1[96], line2[96];
	snprintf(line1, sizeof line1, "terminal too small (need %dx%d)", TUI_MIN_COLS,
		 TUI_MIN_LINES);
	snprintf(line2, sizeof line2, "now %dx%d %s enlarge it, or press q to quit", g->cols,
		 g->lines, tui_glyph(TUI_GLYPH_DOT));
	int y = g->lines / 2 - 1;
	if (y < 0)
		y = 0;
	/* Left-align when the text is wider than the screen so its start stays readable. */
	int w1 = tui_text_width(line1), w2 = tui_text_width(line2);
	int x1 = w1 < g->cols ? (g->cols - w1) / 2 : 0;
	int x2 = w2 < g->cols ? (g->cols - w2) / 2 : 0;
	tui_grid_put(g, x1, y, g->cols, TUI_ROLE_WARNING, 0, line1);
	tui_grid_put(g, x2, y + 1, g->cols, TUI_ROLE_DIM, 0, line2);
}

/* The tab bar in the widest form that fits: brand and full titles, then without the brand,
 * then the tabs not in front cut to three letters. The right end says what runs. */
static void draw_tab_bar(struct tui_app *app, struct tui_grid *g)
{
	tui_grid_fill(g, (struct tui_rect){ 0, 0, g->cols, 1 }, TUI_ROLE_TITLE);
	char badge[96] = "";
	if (app->live)
		snprintf(badge, sizeof badge, "run %lld %s live", (long long)app->run_id,
			 tui_glyph(TUI_GLYPH_BULLET));
	else if (app->run_id)
		snprintf(badge, sizeof badge, "run %lld", (long long)app->run_id);
	/* Only a live run's badge is worth shortening the tabs for. */
	int bw = badge[0] && app->live ? tui_text_width(badge) + 2 : 0;
	for (int form = 0; form < 3; form++) {
		bool brand = form == 0, shortened = form == 2;
		int x = 1;
		if (brand)
			x += 11;
		int need = x;
		for (int s = 0; s < TUI_SCREEN_COUNT; s++) {
			int tw = (int)strlen(screen_table[s].title);
			if (shortened && s != (int)app->current && tw > 3)
				tw = 3;
			need += tw + 4; /* " 1 Models ": the colours separate the tabs */
		}
		if (need + bw > g->cols && form < 2)
			continue;
		if (brand)
			tui_grid_put(g, 1, 0, 9, TUI_ROLE_TITLE, TUI_A_BOLD, "shortlist");
		for (int s = 0; s < TUI_SCREEN_COUNT; s++) {
			char tab[32];
			bool front = s == (int)app->current;
			int tw = (int)strlen(screen_table[s].title);
			if (shortened && !front && tw > 3)
				tw = 3;
			snprintf(tab, sizeof tab, " %d %.*s ", s + 1, tw, screen_table[s].title);
			app->tab_x[s] = x;
			x += tui_grid_put(g, x, 0, g->cols - x, front ? TUI_ROLE_TAB_ACTIVE
								      : TUI_ROLE_TAB,
					  0, tab);
		}
		app->tab_x[TUI_SCREEN_COUNT] = x;
		break;
	}
	bw = badge[0] ? tui_text_width(badge) + 2 : 0;
	if (badge[0] && bw <= g->cols - app->tab_x[TUI_SCREEN_COUNT])
		tui_grid_put(g, g->cols - bw + 1, 0, bw - 1,
			     app->live ? TUI_ROLE_LIVE : TUI_ROLE_TITLE, 0, badge);
}

struct hint_line {
	struct tui_grid *g;
	int x, y, end;
	bool full;
};

static void put_hint(void *ud, const char *key, const char *label)
{
	struct hint_line *h = ud;
	int need = tui_text_width(key) + 1 + tui_text_width(label);
	if (h->full || h->x + need > h->end) {
		h->full = true; /* whole hints only: a cut one reads wrong */
		return;
	}
	h->x += tui_grid_put(h->g, h->x, h->y, need, TUI_ROLE_HINT_KEY, 0, key) + 1;
	h->x += tui_grid_put(h->g, h->x, h->y, h->end - h->x, TUI_ROLE_HINT, 0, label) + 2;
}

bool tui_app_render(struct tui_app *app)
{
	if (!app->dirty)
		return false;
	app->dirty = false;
	app->frames++;
	struct tui_grid *g = &app->grid;
	if (tui_app_too_small(app)) {
		draw_too_small(app);
		return true;
	}
	tui_grid_clear(g, TUI_ROLE_DEFAULT);
	struct tui_view *screen = app->screens[app->current];
	draw_tab_bar(app, g);

	struct tui_rect body = { 0, 1, g->cols, g->lines - 3 };
	screen->ops->draw(screen, g, body);

	/* Status line: the screen's state (or a one-shot message) and its counts. */
	struct sl_buf left, right;
	sl_buf_init(&left);
	sl_buf_init(&right);
	screen->ops->status(screen, &left, &right);
	int sy = g->lines - 2;
	tui_grid_fill(g, (struct tui_rect){ 0, sy, g->cols, 1 }, TUI_ROLE_STATUS);
	int rw = tui_text_width(right.data);
	if (rw > g->cols / 2)
		rw = g->cols / 2;
	tui_grid_put_field(g, g->cols - rw - 1, sy, rw, TUI_ROLE_STATUS, 0, right.data, true);
	if (app->message[0])
		tui_grid_put_field(g, 1, sy, g->cols - rw - 3,
				   app->message_error ? TUI_ROLE_ERROR : TUI_ROLE_STATUS, 0,
				   app->message, false);
	else
		tui_grid_put_field(g, 1, sy, g->cols - rw - 3, TUI_ROLE_STATUS, 0, left.data,
				   false);
	sl_buf_free(&left);
	sl_buf_free(&right);

	/* Key hints of whatever has the keys now. */
	struct tui_view *top = top_view(app);
	struct hint_line h = { g, 1, g->lines - 1, g->cols - 1, false };
	tui_action_hints(top->ops->context(top), put_hint, &h);

	for (int i = 0; i < app->n_overlays; i++)
		app->overlays[i]->ops->draw(app->overlays[i], g, body);
	return true;
}
