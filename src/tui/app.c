#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "glyph.h"

int tui_app_init(struct tui_app *app, struct sl_store *store, int cols, int lines,
		 struct sl_error *err)
{
	memset(app, 0, sizeof *app);
	app->store = store;
	tui_grid_init(&app->grid);
	tui_grid_resize(&app->grid, cols, lines);
	struct tui_view *models = tui_models_view_new(app, err);
	if (!models) {
		tui_grid_free(&app->grid);
		return -1;
	}
	tui_app_push(app, models);
	app->dirty = true;
	return 0;
}

void tui_app_free(struct tui_app *app)
{
	while (app->n_views > 0) {
		struct tui_view *v = app->views[--app->n_views];
		v->ops->destroy(v);
	}
	tui_grid_free(&app->grid);
}

void tui_app_push(struct tui_app *app, struct tui_view *v)
{
	if (app->n_views == TUI_MAX_VIEWS) {
		v->ops->destroy(v);
		return;
	}
	v->app = app;
	app->views[app->n_views++] = v;
	app->dirty = true;
}

static void pop_view(struct tui_app *app)
{
	if (app->n_views <= 1)
		return; /* the base view lives as long as the app */
	struct tui_view *v = app->views[--app->n_views];
	v->ops->destroy(v);
	app->dirty = true;
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
		pop_view(app);
	if (flags & TUI_QUIT)
		app->quit = true;
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
		if (ev->key == 'q')
			app->quit = true;
		return;
	}
	struct tui_view *top = app->views[app->n_views - 1];
	if (ev->key == TK_MOUSE) {
		apply_flags(app, top->ops->event(top, ev));
		return;
	}
	enum tui_context ctx = top->ops->context(top);
	enum tui_action a = tui_action_for_key(ctx, ev->key);
	switch (a) {
	case TUI_ACT_QUIT:
		app->quit = true;
		return;
	case TUI_ACT_HELP: {
		struct tui_view *help = tui_help_view_new(app);
		tui_app_push(app, help);
		return;
	}
	case TUI_ACT_REDRAW:
		app->dirty = true;
		return;
	case TUI_ACT_NONE:
		apply_flags(app, top->ops->event(top, ev));
		return;
	default:
		apply_flags(app, top->ops->action(top, a));
		return;
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
	struct tui_view *base = app->views[0];
	struct sl_buf left, right;
	sl_buf_init(&left);
	sl_buf_init(&right);
	base->ops->status(base, &left, &right);

	/* Title bar: where we are, and the way out. */
	tui_grid_fill(g, (struct tui_rect){ 0, 0, g->cols, 1 }, TUI_ROLE_TITLE);
	tui_grid_put(g, 1, 0, g->cols - 2, TUI_ROLE_TITLE, 0, "shortlist");
	tui_grid_put(g, 11, 0, g->cols - 12, TUI_ROLE_TITLE, 0, tui_glyph(TUI_GLYPH_DOT));
	tui_grid_put(g, 13, 0, g->cols - 14, TUI_ROLE_TITLE, 0, base->ops->title);
	const char *hint = "? help  q quit";
	int hw = tui_text_width(hint);
	tui_grid_put(g, g->cols - hw - 1, 0, hw, TUI_ROLE_TITLE, 0, hint);

	struct tui_rect body = { 0, 1, g->cols, g->lines - 2 };
	for (int i = 0; i < app->n_views; i++)
		app->views[i]->ops->draw(app->views[i], g, body);

	/* Status bar: the base view's state (or a one-shot message) and its counts. */
	int sy = g->lines - 1;
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
	return true;
}
