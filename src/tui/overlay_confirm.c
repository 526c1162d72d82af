/* A yes/no question in a box over the screen (quitting while a run is active). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "glyph.h"
#include "wrap.h"

struct confirm {
	struct tui_view base;
	char question[512];
	void (*on_yes)(struct tui_app *app);
};

static enum tui_context cf_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_CONFIRM;
}

static int cf_action(struct tui_view *v, enum tui_action a)
{
	struct confirm *c = (struct confirm *)v;
	if (a == TUI_ACT_CONFIRM_YES) {
		c->on_yes(v->app);
		return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE;
	}
	if (a == TUI_ACT_CONFIRM_NO)
		return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE;
	return TUI_HANDLED;
}

static int cf_event(struct tui_view *v, const struct tui_event *ev)
{
	(void)v;
	(void)ev;
	return TUI_HANDLED; /* modal */
}

static void cf_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct confirm *c = (struct confirm *)v;
	int w = area.w - 8 < 64 ? area.w - 8 : 64;
	struct tui_rect text = { 0, 0, w - 4, 8 };
	/* Measure first, then centre the box on the wrapped height. */
	int lines = tui_wrap_draw(g, text, TUI_ROLE_PANEL, 0, c->question, 1000);
	int h = lines + 4;
	struct tui_rect box = { area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h };
	tui_grid_fill(g, box, TUI_ROLE_PANEL);
	for (int x = box.x; x < box.x + box.w; x++) {
		tui_grid_put(g, x, box.y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
		tui_grid_put(g, x, box.y + box.h - 1, 1, TUI_ROLE_BORDER, 0,
			     tui_glyph(TUI_GLYPH_HLINE));
	}
	tui_grid_put(g, box.x + 2, box.y, box.w - 4, TUI_ROLE_WARNING, 0, " Are you sure? ");
	tui_wrap_draw(g, (struct tui_rect){ box.x + 2, box.y + 1, box.w - 4, lines },
		      TUI_ROLE_PANEL, 0, c->question, 0);
	int x = box.x + 2, y = box.y + 2 + lines;
	x += tui_grid_put(g, x, y, 1, TUI_ROLE_KEY, 0, "y") + 1;
	x += tui_grid_put(g, x, y, 10, TUI_ROLE_PANEL, 0, "yes") + 3;
	x += tui_grid_put(g, x, y, 1, TUI_ROLE_KEY, 0, "n") + 1;
	tui_grid_put(g, x, y, 20, TUI_ROLE_PANEL, 0, "no, stay");
}

static void cf_destroy(struct tui_view *v)
{
	free(v);
}

static const struct tui_view_ops confirm_ops = {
	.name = "confirm",
	.context = cf_context,
	.draw = cf_draw,
	.action = cf_action,
	.event = cf_event,
	.destroy = cf_destroy,
};

struct tui_view *tui_confirm_new(struct tui_app *app, const char *question,
				 void (*on_yes)(struct tui_app *app))
{
	struct confirm *c = sl_xcalloc(1, sizeof *c);
	c->base.ops = &confirm_ops;
	c->base.app = app;
	snprintf(c->question, sizeof c->question, "%s", question);
	c->on_yes = on_yes;
	return &c->base;
}
