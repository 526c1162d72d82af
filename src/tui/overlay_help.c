/* The `?` overlay: the key list, generated from the action table like the man page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "glyph.h"

struct help_view {
	struct tui_view base;
	int scroll, max_scroll, page;
};

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
	for (int ctx = 0; ctx < TUI_CTX_COUNT; ctx++) {
		int y = row - h->scroll;
		if (y >= 0 && y < body)
			tui_grid_put(g, r.x + 2, r.y + 1 + y, r.w - 4, TUI_ROLE_LABEL, TUI_A_BOLD,
				     tui_context_title((enum tui_context)ctx));
		row++;
		for (int a = 1; a < TUI_ACT_COUNT; a++) {
			const struct tui_action_info *info = tui_action_info((enum tui_action)a);
			if ((int)info->context != ctx)
				continue;
			y = row - h->scroll;
			if (y >= 0 && y < body) {
				char keys[96];
				tui_action_keys_label((enum tui_action)a, keys, sizeof keys);
				tui_grid_put_field(g, r.x + 4, r.y + 1 + y, key_w, TUI_ROLE_KEY, 0, keys,
						   false);
				tui_grid_put(g, r.x + 5 + key_w, r.y + 1 + y, r.w - key_w - 7,
					     TUI_ROLE_PANEL, 0, info->help);
			}
			row++;
		}
	}
	/* The mouse has no keys to list, so it gets its own lines. */
	static const char *const mouse[][2] = {
		{ "wheel", "Scroll the table (the detail pane when over it)" },
		{ "click row", "Select the model" },
		{ "click header", "Sort by that column (again: reverse)" },
	};
	int y = row - h->scroll;
	if (y >= 0 && y < body)
		tui_grid_put(g, r.x + 2, r.y + 1 + y, r.w - 4, TUI_ROLE_LABEL, TUI_A_BOLD, "Mouse");
	row++;
	for (size_t i = 0; i < sizeof mouse / sizeof mouse[0]; i++, row++) {
		y = row - h->scroll;
		if (y < 0 || y >= body)
			continue;
		tui_grid_put_field(g, r.x + 4, r.y + 1 + y, key_w, TUI_ROLE_KEY, 0, mouse[i][0], false);
		tui_grid_put(g, r.x + 5 + key_w, r.y + 1 + y, r.w - key_w - 7, TUI_ROLE_PANEL, 0,
			     mouse[i][1]);
	}
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
	return &h->base;
}
