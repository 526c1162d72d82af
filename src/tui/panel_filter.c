/* The filter panel: one row per criterion of the CLI's --filter, cycled through presets or
 * typed. Every change re-filters the table behind the panel at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/utf8.h"
#include "glyph.h"
#include "models.h"

struct filter_panel {
	struct tui_view base;
	struct tui_filters *f;
	const char *(*changed)(void *ud);
	void *ud;
	int focus;
	bool editing;
	char edit[64];
	char error[1024];
};

static struct filter_panel *fp_of(struct tui_view *v)
{
	return (struct filter_panel *)v;
}

static void notify(struct filter_panel *fp)
{
	const char *e = fp->changed(fp->ud);
	snprintf(fp->error, sizeof fp->error, "%s", e ? e : "");
}

static enum tui_context fp_context(struct tui_view *v)
{
	return fp_of(v)->editing ? TUI_CTX_SEARCH : TUI_CTX_FILTER;
}

static int fp_action(struct tui_view *v, enum tui_action a)
{
	struct filter_panel *fp = fp_of(v);
	char *val = fp->f->value[fp->focus];
	size_t cap = sizeof fp->f->value[fp->focus];
	switch (a) {
	case TUI_ACT_FILTER_DOWN: fp->focus = (fp->focus + 1) % TUI_CRIT_COUNT; break;
	case TUI_ACT_FILTER_UP: fp->focus = (fp->focus + TUI_CRIT_COUNT - 1) % TUI_CRIT_COUNT; break;
	case TUI_ACT_FILTER_NEXT:
	case TUI_ACT_FILTER_PREV:
		tui_filters_cycle(fp->f, (enum tui_criterion_id)fp->focus,
				  a == TUI_ACT_FILTER_NEXT ? 1 : -1);
		notify(fp);
		break;
	case TUI_ACT_FILTER_EDIT:
		if (tui_criterion((enum tui_criterion_id)fp->focus)->kind == TUI_CRIT_CHOICE) {
			tui_filters_cycle(fp->f, (enum tui_criterion_id)fp->focus, 1);
			notify(fp);
		} else {
			fp->editing = true;
			fp->edit[0] = '\0'; /* a fresh value; Esc keeps the old one */
		}
		break;
	case TUI_ACT_FILTER_RESET:
		val[0] = '\0';
		notify(fp);
		break;
	case TUI_ACT_FILTER_RESET_ALL:
		for (int i = 0; i < TUI_CRIT_COUNT; i++)
			fp->f->value[i][0] = '\0';
		notify(fp);
		break;
	case TUI_ACT_FILTER_CLOSE: return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE;
	case TUI_ACT_SEARCH_ACCEPT:
		fp->editing = false;
		snprintf(val, cap, "%s", fp->edit);
		notify(fp);
		break;
	case TUI_ACT_SEARCH_CANCEL: fp->editing = false; break;
	case TUI_ACT_SEARCH_ERASE: {
		fp->edit[sl_utf8_back(fp->edit, strlen(fp->edit))] = '\0';
		break;
	}
	case TUI_ACT_SEARCH_CLEAR: fp->edit[0] = '\0'; break;
	default: return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int fp_event(struct tui_view *v, const struct tui_event *ev)
{
	struct filter_panel *fp = fp_of(v);
	/* Values are ASCII (numbers, dates, ids): other characters cannot match anyway. */
	if (fp->editing && ev->key > 0x20 && ev->key < 0x7F) {
		size_t n = strlen(fp->edit);
		if (n + 1 < sizeof fp->edit) {
			fp->edit[n] = (char)ev->key;
			fp->edit[n + 1] = '\0';
		}
		return TUI_HANDLED | TUI_REDRAW;
	}
	/* Swallow everything else: the table behind must not react while the panel is up. */
	return TUI_HANDLED;
}

#define PANEL_W 64

static void fp_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct filter_panel *fp = fp_of(v);
	int h = TUI_CRIT_COUNT + 7;
	int w = PANEL_W < area.w - 4 ? PANEL_W : area.w - 4;
	struct tui_rect r = { area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h };
	if (r.y < area.y)
		r.y = area.y;
	tui_grid_fill(g, r, TUI_ROLE_PANEL);
	/* frame */
	for (int x = r.x; x < r.x + r.w; x++) {
		tui_grid_put(g, x, r.y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
		tui_grid_put(g, x, r.y + r.h - 1, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
	}
	for (int y = r.y; y < r.y + r.h; y++) {
		tui_grid_put(g, r.x, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_VLINE));
		tui_grid_put(g, r.x + r.w - 1, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_VLINE));
	}
	tui_grid_put(g, r.x, r.y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_CORNER_TL));
	tui_grid_put(g, r.x + r.w - 1, r.y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_CORNER_TR));
	tui_grid_put(g, r.x, r.y + r.h - 1, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_CORNER_BL));
	tui_grid_put(g, r.x + r.w - 1, r.y + r.h - 1, 1, TUI_ROLE_BORDER, 0,
		     tui_glyph(TUI_GLYPH_CORNER_BR));
	tui_grid_put(g, r.x + 2, r.y, r.w - 4, TUI_ROLE_LABEL, 0, " Filters ");

	int lw = 20;
	for (int i = 0; i < TUI_CRIT_COUNT; i++) {
		const struct tui_criterion_info *c = tui_criterion((enum tui_criterion_id)i);
		int y = r.y + 2 + i;
		bool focused = i == fp->focus;
		enum tui_role role = focused ? TUI_ROLE_FOCUS : TUI_ROLE_PANEL;
		if (focused)
			tui_grid_fill(g, (struct tui_rect){ r.x + 1, y, r.w - 2, 1 }, TUI_ROLE_FOCUS);
		tui_grid_put(g, r.x + 2, y, lw, focused ? TUI_ROLE_FOCUS : TUI_ROLE_LABEL, 0, c->label);
		int x = r.x + 3 + lw;
		int vw = r.w - lw - 6;
		if (focused && fp->editing) {
			int used = tui_grid_put(g, x, y, vw - 1, TUI_ROLE_SEARCH, 0, fp->edit);
			tui_grid_put(g, x + used, y, 1, TUI_ROLE_SEARCH, TUI_A_REVERSE, " ");
			continue;
		}
		const char *val = fp->f->value[i];
		char shown[96];
		if (!*val)
			snprintf(shown, sizeof shown, "%s any %s", tui_glyph(TUI_GLYPH_ARROW_LEFT),
				 tui_glyph(TUI_GLYPH_ARROW_RIGHT));
		else
			snprintf(shown, sizeof shown, "%s %s %s", tui_glyph(TUI_GLYPH_ARROW_LEFT), val,
				 tui_glyph(TUI_GLYPH_ARROW_RIGHT));
		tui_grid_put(g, x, y, vw, *val ? role : focused ? TUI_ROLE_FOCUS : TUI_ROLE_DIM, 0,
			     shown);
	}
	int y = r.y + 3 + TUI_CRIT_COUNT;
	if (fp->error[0]) {
		/* Two lines: the message says what is valid, which is the useful part. */
		size_t first = tui_text_fit(fp->error, r.w - 4);
		char line[sizeof fp->error];
		memcpy(line, fp->error, first);
		line[first] = '\0';
		tui_grid_put(g, r.x + 2, y, r.w - 4, TUI_ROLE_ERROR, 0, line);
		tui_grid_put_field(g, r.x + 2, y + 1, r.w - 4, TUI_ROLE_ERROR, 0, fp->error + first,
				   false);
	} else {
		struct sl_buf b;
		sl_buf_init(&b);
		tui_filters_describe(fp->f, &b);
		tui_grid_put_field(g, r.x + 2, y, r.w - 4, TUI_ROLE_DIM, 0,
				   b.len ? b.data : "no criteria: every model is shown", false);
		sl_buf_free(&b);
	}
	tui_grid_put(g, r.x + 2, y + 2, r.w - 4, TUI_ROLE_DIM, 0,
		     fp->editing ? "type a value  Enter keep  Esc cancel"
				 : "j/k move  h/l change  Enter type  x clear  Esc close");
}

static void fp_destroy(struct tui_view *v)
{
	free(fp_of(v));
}

static const struct tui_view_ops filter_panel_ops = {
	.name = "filters",
	.context = fp_context,
	.draw = fp_draw,
	.action = fp_action,
	.event = fp_event,
	.destroy = fp_destroy,
};

struct tui_view *tui_filter_panel_new(struct tui_app *app, struct tui_filters *f,
				      const char *(*changed)(void *ud), void *ud)
{
	struct filter_panel *fp = sl_xcalloc(1, sizeof *fp);
	fp->base.ops = &filter_panel_ops;
	fp->base.app = app;
	fp->f = f;
	fp->changed = changed;
	fp->ud = ud;
	notify(fp);
	return &fp->base;
}
