/* The `?` overlay: the key list, generated from the action table like the man page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "glyph.h"

struct help_view {
	struct tui_view base;
	enum tui_context front; /* the context of what was in front when ? was pressed */
	int scroll, max_scroll, page;
};

static void put_heading(struct tui_rect r, struct tui_grid *g, int y, int body, const char *s)
{
	if (y >= 0 && y < body)
		tui_grid_put(g, r.x + 2, r.y + 1 + y, r.w - 4, TUI_ROLE_LABEL, TUI_A_BOLD, s);
}

static void put_line(struct tui_rect r, struct tui_grid *g, int y, int body, int key_w,
		     const char *keys, const char *help)
{
	if (y < 0 || y >= body)
		return;
	tui_grid_put_field(g, r.x + 4, r.y + 1 + y, key_w, TUI_ROLE_KEY, 0, keys, false);
	tui_grid_put(g, r.x + 5 + key_w, r.y + 1 + y, r.w - key_w - 7, TUI_ROLE_PANEL, 0, help);
}

static enum tui_context help_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_HELP;
}

static int help_action(struct tui_view *v, enum tui_action a)
{
	struct help_view *h = (struct help_view *)v;
	switch (a) {
	case TUI_ACT_HELP_DOWN:
		if (h->scroll < h->max_scroll)
			h->scroll++;
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_HELP_UP:
		if (h->scroll > 0)
			h->scroll--;
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_HELP_PAGE_DOWN:
		h->scroll = h->scroll + h->page < h->max_scroll ? h->scroll + h->page : h->max_scroll;
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_HELP_PAGE_UP:
		h->scroll = h->scroll > h->page ? h->scroll - h->page : 0;
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ACT_HELP_CLOSE: return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE;
	default: return TUI_HANDLED;
	}
}

static int help_event(struct tui_view *v, const struct tui_event *ev)
{
	(void)v;
	(void)ev;
	return TUI_HANDLED; /* modal: nothing reaches the table behind */
}

static void help_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct help_view *h = (struct help_view *)v;
	int w = area.w - 4 < 76 ? area.w - 4 : 76;
	struct tui_rect r = { area.x + (area.w - w) / 2, area.y, w, area.h };
	/* Modal: the table behind would only be noise around the edges. */
	tui_grid_fill(g, area, TUI_ROLE_PANEL);
	for (int x = r.x; x < r.x + r.w; x++)
		tui_grid_put(g, x, r.y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
	tui_grid_put(g, r.x + 2, r.y, r.w - 4, TUI_ROLE_LABEL, 0, " Keys (j/k scroll, Esc close) ");

	/* Lay the table out as rows first, then show the visible window. */
	int body = r.h - 1;
	h->page = body > 2 ? body - 1 : 1;
	int row = 0;
	int key_w = 18;
	/* The keys of the screen in front come first, then everything else. */
	enum tui_context order[TUI_CTX_COUNT];
	int n = 0;
	order[n++] = h->front;
	for (int ctx = 0; ctx < TUI_CTX_COUNT; ctx++)
		if (ctx != (int)h->front && ctx != TUI_CTX_HELP)
			order[n++] = (enum tui_context)ctx;
	for (int i = 0; i < n; i++) {
		enum tui_context ctx = order[i];
		bool any = false;
		for (int a = 1; a < TUI_ACT_COUNT; a++) {
			const struct tui_action_info *info = tui_action_info((enum tui_action)a);
			if (info->context != ctx)
				continue;
			if (!any) {
				any = true;
				put_heading(r, g, row++ - h->scroll, body,
					    tui_context_title(ctx));
			}
			char keys[96];
			tui_action_keys_label((enum tui_action)a, keys, sizeof keys);
			put_line(r, g, row++ - h->scroll, body, key_w, keys, info->help);
		}
		if (any)
			row++;
	}
	put_heading(r, g, row++ - h->scroll, body, "Commands (type : first)");
	for (size_t i = 0; i < tui_command_count(); i++) {
		char label[96];
		const char *help = tui_command_help(i, label, sizeof label);
		put_line(r, g, row++ - h->scroll, body, key_w, label, help);
	}
	row++;
	/* The mouse has no keys to list, so it gets its own lines. */
	static const char *const mouse[][2] = {
		{ "click tab", "Go to that screen" },
		{ "wheel", "Scroll the table (the detail pane when over it)" },
		{ "click row", "Select the model" },
		{ "click header", "Sort by that column (again: reverse)" },
	};
	put_heading(r, g, row++ - h->scroll, body, "Mouse");
	for (size_t i = 0; i < sizeof mouse / sizeof mouse[0]; i++)
		put_line(r, g, row++ - h->scroll, body, key_w, mouse[i][0], mouse[i][1]);
	h->max_scroll = row > body ? row - body : 0;
	if (h->scroll > h->max_scroll)
		h->scroll = h->max_scroll;
	if (h->scroll < h->max_scroll)
		tui_grid_put(g, r.x + r.w - 2, r.y + r.h - 1, 1, TUI_ROLE_DIM, 0,
			     tui_glyph(TUI_GLYPH_MORE_DOWN));
	if (h->scroll > 0)
		tui_grid_put(g, r.x + r.w - 2, r.y + 1, 1, TUI_ROLE_DIM, 0, tui_glyph(TUI_GLYPH_MORE_UP));
}

static void help_destroy(struct tui_view *v)
{
	free(v);
}

static const struct tui_view_ops help_ops = {
	.name = "help",
	.context = help_context,
	.draw = help_draw,
	.action = help_action,
	.event = help_event,
	.destroy = help_destroy,
};

struct tui_view *tui_help_view_new(struct tui_app *app)
{
	struct help_view *h = sl_xcalloc(1, sizeof *h);
	h->base.ops = &help_ops;
	h->base.app = app;
	struct tui_view *top = app->n_overlays ? app->overlays[app->n_overlays - 1]
					       : app->screens[app->current];
	h->front = top->ops->context(top);
	if (tui_context_typing(h->front))
		h->front = TUI_CTX_GLOBAL;
	return &h->base;
}
