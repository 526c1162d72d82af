/* Per-case results of one scorecard row, over the Scorecard: the cases on the left with
 * their headline score, and for the selected one its input, expected answer, output, every
 * score with its detail (the judge's explanation) and the error if it failed. Model output
 * and dataset text are untrusted: they reach the grid only through tui_grid_put. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "glyph.h"
#include "shortlist/runs.h"
#include "wrap.h"

#define MAX_CASES 5000 /* a drill-down lists this many; the rest are counted */
/* Cells read by key at a time, as the cursor or the list reaches the end of those read: the
 * drill-down of a 333k-cell row reads one page, not MAX_CASES cells with their texts. */
#define PAGE 256
#define LIST_W 30

struct case_row {
	int prompt_idx, case_idx, sample;
	char *input, *expected, *output, *error;
	double latency_ms, cost;
	double score; /* the headline metric, NAN if none */
};

struct cases_view {
	struct tui_view base;
	int model_idx, prompt_idx;
	char *title;
	struct case_row *rows;
	size_t n, total;
	bool done;                    /* every cell of the row (up to MAX_CASES) is read */
	size_t cursor, top;
	int scroll;
	struct sl_cell_score *scores; /* of the selected case */
	size_t n_scores;
	size_t scores_for;            /* cursor the scores belong to (+1; 0 = none) */
	const char *headline;
};

static struct cases_view *cs_of(struct tui_view *v)
{
	return (struct cases_view *)v;
}

static int collect(void *ud, const struct sl_cell *c)
{
	struct cases_view *cv = ud;
	if (c->model_idx != cv->model_idx || (cv->prompt_idx >= 0 && c->prompt_idx != cv->prompt_idx) ||
	    cv->n >= MAX_CASES) {
		cv->done = true; /* past the row's cells */
		return 1;
	}
	cv->rows = sl_xrealloc(cv->rows, (cv->n + 1) * sizeof *cv->rows);
	struct case_row *r = &cv->rows[cv->n++];
	r->prompt_idx = c->prompt_idx;
	r->case_idx = c->case_idx;
	r->sample = c->sample;
	r->input = sl_xstrdup(c->vars_json ? c->vars_json : "");
	r->expected = c->expected ? sl_xstrdup(c->expected) : NULL;
	r->output = c->output ? sl_xstrdup(c->output) : NULL;
	r->error = c->error_kind ? sl_xasprintf("%s: %s", c->error_kind,
						 c->error_msg ? c->error_msg : "") : NULL;
	r->latency_ms = c->latency_ms;
	r->cost = c->cost;
	r->score = NAN;
	return 0;
}

static void load_scores(struct cases_view *cv)
{
	if (cv->scores_for == cv->cursor + 1 || cv->cursor >= cv->n)
		return;
	sl_cell_scores_free(cv->scores, cv->n_scores);
	cv->scores = NULL;
	cv->n_scores = 0;
	const struct case_row *r = &cv->rows[cv->cursor];
	struct sl_error err = { 0 };
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	if (sl_scorecard_cell_scores(cv->base.app->store, d->run_id, cv->model_idx, r->prompt_idx,
				     r->case_idx, r->sample, &cv->scores, &cv->n_scores, &err) != 0)
		tui_app_message(cv->base.app, true, "%s", err.msg);
	cv->scores_for = cv->cursor + 1;
	cv->scroll = 0;
}

/* Headline scores for the list column: one lookup per case, done once. */
static void load_headlines(struct cases_view *cv, size_t from)
{
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	if (!d->sc.headline)
		return;
	for (size_t i = from; i < cv->n; i++) {
		struct case_row *r = &cv->rows[i];
		r->score = sl_scorecard_cell_score(cv->base.app->store, d->run_id, d->sc.headline,
						   cv->model_idx, r->prompt_idx, r->case_idx,
						   r->sample);
	}
}

/* Reads the row's cells by key, a page after the last one read, until row `want` is read
 * (or the row has no more). */
static void load_through(struct cases_view *cv, size_t want)
{
	struct tui_app *app = cv->base.app;
	struct tui_rundata *d = tui_app_rundata(app);
	while (!cv->done && cv->n <= want) {
		size_t from = cv->n;
		int after[4] = { cv->model_idx, cv->prompt_idx, -1, 0 };
		if (from) {
			const struct case_row *last = &cv->rows[from - 1];
			after[1] = last->prompt_idx;
			after[2] = last->case_idx;
			after[3] = last->sample;
		}
		struct sl_error err = { 0 };
		if (sl_run_cells_foreach_page(app->store, d->run_id, after, PAGE, collect, cv,
					      &err) < 0) {
			tui_app_message(app, true, "%s", err.msg);
			cv->done = true;
		}
		if (cv->n - from < PAGE)
			cv->done = true;
		load_headlines(cv, from);
	}
}

static void put_section(struct tui_grid *g, struct tui_rect r, int *y, int *skip,
			const char *label, const char *text, enum tui_role role)
{
	if (*skip > 0)
		(*skip)--;
	else if (*y < r.y + r.h)
		tui_grid_put(g, r.x, (*y)++, r.w, TUI_ROLE_LABEL, TUI_A_BOLD, label);
	if (!text)
		text = tui_glyph(TUI_GLYPH_UNKNOWN);
	int total = tui_wrap_draw(g, (struct tui_rect){ r.x + 2, *y, r.w - 2, r.y + r.h - *y },
				  role, 0, text, *skip);
	int shown = total - *skip;
	if (shown < 0) {
		*skip = -shown;
		shown = 0;
	} else {
		*skip = 0;
	}
	*y += shown;
}

static void cs_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct cases_view *cv = cs_of(v);
	tui_grid_fill(g, area, TUI_ROLE_PANEL);
	struct tui_rect a = { area.x + 1, area.y, area.w - 2, area.h };
	char head[256];
	snprintf(head, sizeof head, "%s %s %zu case%s%s", cv->title, tui_glyph(TUI_GLYPH_DOT),
		 cv->total, cv->total == 1 ? "" : "s", cv->total > MAX_CASES ? " (first 5000 listed)"
									      : "");
	tui_grid_put(g, a.x, a.y, a.w, TUI_ROLE_LABEL, TUI_A_BOLD, head);
	int list_w = a.w >= 110 ? LIST_W + 6 : LIST_W;
	struct tui_rect list = { a.x, a.y + 1, list_w, a.h - 1 };
	struct tui_rect det = { a.x + list_w + 1, a.y + 1, a.w - list_w - 1, a.h - 1 };
	for (int y = det.y; y < det.y + det.h; y++)
		tui_grid_put(g, det.x - 1, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_VLINE));
	if (cv->cursor < cv->top)
		cv->top = cv->cursor;
	if (cv->cursor >= cv->top + (size_t)list.h)
		cv->top = cv->cursor - (size_t)list.h + 1;
	load_through(cv, cv->top + (size_t)list.h);
	for (size_t k = cv->top; k < cv->n && (int)(k - cv->top) < list.h; k++) {
		const struct case_row *r = &cv->rows[k];
		int y = list.y + (int)(k - cv->top);
		bool sel = k == cv->cursor;
		enum tui_role role = sel ? TUI_ROLE_CURSOR : TUI_ROLE_PANEL;
		tui_grid_fill(g, (struct tui_rect){ list.x, y, list.w, 1 }, role);
		const char *mark = r->error ? tui_glyph(TUI_GLYPH_CROSS)
				 : isnan(r->score) ? tui_glyph(TUI_GLYPH_UNKNOWN)
				 : r->score >= 1 ? tui_glyph(TUI_GLYPH_CHECK) : tui_glyph(TUI_GLYPH_CROSS);
		enum tui_role mr = sel ? role : r->error || (!isnan(r->score) && r->score < 1)
			? TUI_ROLE_NO : TUI_ROLE_YES;
		tui_grid_put(g, list.x, y, 1, mr, TUI_A_BOLD, mark);
		char line[96], lat[16], sc[16];
		tui_fmt_seconds(r->latency_ms / 1000, lat, sizeof lat);
		if (isnan(r->score))
			snprintf(sc, sizeof sc, "%s", tui_glyph(TUI_GLYPH_UNKNOWN));
		else
			snprintf(sc, sizeof sc, "%.2f", r->score);
		snprintf(line, sizeof line, "case %-4d %5s %6s", r->case_idx + 1, sc,
			 r->error ? "error" : lat);
		tui_grid_put(g, list.x + 2, y, list.w - 2, role, 0, line);
	}
	if (!cv->n) {
		tui_grid_put(g, list.x, list.y, list.w, TUI_ROLE_UNKNOWN, 0, "no finished cases");
		return;
	}
	load_scores(cv);
	const struct case_row *r = &cv->rows[cv->cursor];
	int y = det.y, skip = cv->scroll;
	put_section(g, det, &y, &skip, "input", r->input, TUI_ROLE_PANEL);
	put_section(g, det, &y, &skip, "expected", r->expected, TUI_ROLE_PANEL);
	if (r->error)
		put_section(g, det, &y, &skip, "error", r->error, TUI_ROLE_ERROR);
	else
		put_section(g, det, &y, &skip, "output", r->output, TUI_ROLE_PANEL);
	for (size_t i = 0; i < cv->n_scores; i++) {
		char label[96];
		if (isnan(cv->scores[i].value))
			snprintf(label, sizeof label, "%s: not scored", cv->scores[i].metric);
		else
			snprintf(label, sizeof label, "%s: %.3g", cv->scores[i].metric,
				 cv->scores[i].value);
		put_section(g, det, &y, &skip, label, cv->scores[i].detail ? cv->scores[i].detail : "",
			    TUI_ROLE_PANEL);
	}
}

static int cs_action(struct tui_view *v, enum tui_action a)
{
	struct cases_view *cv = cs_of(v);
	switch (a) {
	case TUI_ACT_CASE_DOWN:
		load_through(cv, cv->cursor + 1);
		if (cv->cursor + 1 < cv->n)
			cv->cursor++;
		break;
	case TUI_ACT_CASE_UP:
		if (cv->cursor > 0)
			cv->cursor--;
		break;
	case TUI_ACT_CASE_SCROLL_DOWN:
		cv->scroll += 5;
		break;
	case TUI_ACT_CASE_SCROLL_UP:
		cv->scroll = cv->scroll > 5 ? cv->scroll - 5 : 0;
		break;
	case TUI_ACT_CASE_FAILED:
		/* on from the cursor, reading pages as it goes, then round from the first */
		for (size_t k = 1; k <= cv->n; k++) {
			load_through(cv, cv->cursor + k);
			size_t i = (cv->cursor + k) % cv->n;
			if (cv->rows[i].error || (!isnan(cv->rows[i].score) && cv->rows[i].score < 1)) {
				cv->cursor = i;
				break;
			}
		}
		break;
	case TUI_ACT_CASE_CLOSE:
		return TUI_HANDLED | TUI_CLOSE;
	default:
		return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int cs_event(struct tui_view *v, const struct tui_event *ev)
{
	if (ev->key == TK_MOUSE && (ev->mouse == TUI_MOUSE_WHEEL_DOWN || ev->mouse == TUI_MOUSE_WHEEL_UP))
		return cs_action(v, ev->mouse == TUI_MOUSE_WHEEL_DOWN ? TUI_ACT_CASE_DOWN
								      : TUI_ACT_CASE_UP);
	return TUI_HANDLED; /* an overlay swallows the rest */
}

static enum tui_context cs_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_CASES;
}

static void cs_destroy(struct tui_view *v)
{
	struct cases_view *cv = cs_of(v);
	for (size_t i = 0; i < cv->n; i++) {
		free(cv->rows[i].input);
		free(cv->rows[i].expected);
		free(cv->rows[i].output);
		free(cv->rows[i].error);
	}
	free(cv->rows);
	free(cv->title);
	sl_cell_scores_free(cv->scores, cv->n_scores);
	free(cv);
}

static const struct tui_view_ops cases_ops = {
	.name = "cases",
	.context = cs_context,
	.draw = cs_draw,
	.action = cs_action,
	.event = cs_event,
	.destroy = cs_destroy,
};

struct tui_view *tui_cases_view_new(struct tui_app *app, int model_idx, int prompt_idx)
{
	struct tui_rundata *d = tui_app_rundata(app);
	struct cases_view *cv = sl_xcalloc(1, sizeof *cv);
	cv->base.ops = &cases_ops;
	cv->base.app = app;
	cv->model_idx = model_idx;
	cv->prompt_idx = prompt_idx;
	const char *model = "?";
	const char *prompt = NULL;
	for (size_t i = 0; i < d->sc.n_rows; i++)
		if (d->sc.rows[i].model_idx == model_idx && d->sc.rows[i].prompt_idx == prompt_idx) {
			model = d->sc.rows[i].model;
			prompt = d->sc.rows[i].prompt;
			cv->total = (size_t)d->sc.rows[i].n;
		}
	cv->title = prompt ? sl_xasprintf("%s @%s", model, prompt) : sl_xstrdup(model);
	/* The row's first page of cells by key (the run's other cells are never read). */
	load_through(cv, 0);
	return &cv->base;
}
