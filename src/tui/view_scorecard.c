/* The Scorecard screen: every model's (or model and prompt version's) metrics with their 95%
 * intervals, latency and TTFT percentiles, tokens/s, cost per request and per 1,000, error
 * rate and the triangle's score under the current weights; sortable by any column, scrolled
 * sideways on a narrow screen. The recommendation banner, the ranking and the Pareto marks
 * follow the weight keys at once (no store access: tui_rundata_set_weights), and the gates
 * show the value that decided them. Enter opens the model's per-case results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "glyph.h"
#include "wrap.h"

/* A column: a scorecard metric by name (sl_scorecard_metric), or the triangle's score. */
struct column {
	char title[24];
	const char *metric; /* NULL: the triangle's score */
	int w;
	bool higher_better;
	bool quality;       /* shows its interval */
};

static const struct builtin {
	const char *title, *metric;
	int w;
	bool higher_better;
} builtins[] = {
	{ "p50", "p50_latency", 6, false },     { "p95", "p95_latency", 6, false },
	{ "TTFT50", "p50_ttft", 7, false },     { "$/1k", "cost_per_1k", 8, false },
	{ "tok/s", "tokens_per_s", 6, true },   { "err%", "error_rate", 5, false },
	{ "$/req", "cost_per_request", 9, false }, { "p99", "p99_latency", 6, false },
	{ "TTFT95", "p95_ttft", 7, false },
};

#define MAX_COLS 48

struct scorecard_view {
	struct tui_view base;
	unsigned long version;  /* of the rundata the columns were built for */
	struct column cols[MAX_COLS];
	int n_cols;
	int sort;               /* column index, -1 = the triangle's rank */
	bool reverse;
	bool per_prompt;
	size_t *rows;           /* scorecard row indexes in display order */
	size_t n_rows;
	size_t cursor, top;
	int first_col;          /* horizontal scroll: first scrollable column shown */
	struct tui_rect table;  /* last frame's body rows, for clicks */
};

static struct scorecard_view *sv_of(struct tui_view *v)
{
	return (struct scorecard_view *)v;
}

static void build_columns(struct scorecard_view *sv, const struct tui_rundata *d)
{
	sv->n_cols = 0;
	/* The triangle's score first: it is what the ranking and the pick follow. */
	struct column *sc = &sv->cols[sv->n_cols++];
	snprintf(sc->title, sizeof sc->title, "score");
	sc->metric = NULL;
	sc->w = 5;
	sc->higher_better = true;
	sc->quality = false;
	if (d->sc.n_rows) {
		const struct sl_scorecard_row *r0 = &d->sc.rows[0];
		/* The headline first: it is the triangle's precision. */
		for (int pass = 0; pass < 2; pass++)
			for (size_t m = 0; m < r0->n_metrics && sv->n_cols < MAX_COLS - 12; m++) {
				bool head = d->sc.headline && strcmp(r0->metrics[m].name,
								     d->sc.headline) == 0;
				if (head != (pass == 0))
					continue;
				struct column *c = &sv->cols[sv->n_cols++];
				snprintf(c->title, sizeof c->title, "%s [95%%]", r0->metrics[m].name);
				c->metric = r0->metrics[m].name;
				c->w = 17;
				c->higher_better = true;
				c->quality = true;
			}
	}
	for (size_t b = 0; b < SL_ARRAY_LEN(builtins); b++) {
		struct column *c = &sv->cols[sv->n_cols++];
		snprintf(c->title, sizeof c->title, "%s", builtins[b].title);
		c->metric = builtins[b].metric;
		c->w = builtins[b].w;
		c->higher_better = builtins[b].higher_better;
		c->quality = false;
	}
}

/* The triangle's model for a scorecard row (same model order), or NULL. */
static const struct sl_tri_model *tri_model(const struct tui_rundata *d,
					    const struct sl_scorecard_row *r)
{
	if (!d->has_tri)
		return NULL;
	for (size_t i = 0; i < d->sc.n_models && i < d->tri.n; i++)
		if (d->sc.rows[i].model_idx == r->model_idx)
			return &d->tri.models[i];
	return NULL;
}

static double cell_value(const struct tui_rundata *d, const struct column *c,
			 const struct sl_scorecard_row *r)
{
	if (!c->metric) {
		const struct sl_tri_model *m = tri_model(d, r);
		return m ? m->score : NAN;
	}
	double v;
	const struct sl_metric_value *q;
	sl_scorecard_metric(r, c->metric, &v, &q);
	return v;
}

/* The sort is by value in the column's better-first direction, unknown last; rows of the
 * same model stay together in per-prompt mode through the model's rank as a tie-break. */
static const struct tui_rundata *sort_data;
static const struct scorecard_view *sort_view;

static int rank_of(const struct sl_scorecard_row *r)
{
	const struct sl_tri_model *m = tri_model(sort_data, r);
	return m ? m->rank : 1 << 20;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct sl_scorecard_row *a = &sort_data->sc.rows[*(const size_t *)pa];
	const struct sl_scorecard_row *b = &sort_data->sc.rows[*(const size_t *)pb];
	int out = 0;
	if (sort_view->sort >= 0) {
		const struct column *c = &sort_view->cols[sort_view->sort];
		double va = cell_value(sort_data, c, a), vb = cell_value(sort_data, c, b);
		if (isnan(va) != isnan(vb))
			return isnan(va) ? 1 : -1; /* unknown last, whichever the order */
		if (va != vb && !isnan(va))
			out = (va < vb) == c->higher_better ? 1 : -1;
	}
	if (!out)
		out = rank_of(a) - rank_of(b);
	if (!out)
		out = a->prompt_idx - b->prompt_idx;
	return sort_view->reverse ? -out : out;
}

static void rebuild(struct scorecard_view *sv)
{
	struct tui_rundata *d = tui_app_rundata(sv->base.app);
	if (sv->version != d->version) {
		sv->version = d->version;
		build_columns(sv, d);
		if (sv->sort >= sv->n_cols)
			sv->sort = -1;
	}
	bool have_prompts = d->sc.n_rows > d->sc.n_models;
	if (!have_prompts)
		sv->per_prompt = false;
	size_t from = sv->per_prompt ? d->sc.n_models : 0;
	size_t to = sv->per_prompt ? d->sc.n_rows : d->sc.n_models;
	free(sv->rows);
	sv->n_rows = to - from;
	sv->rows = sl_xcalloc(sv->n_rows ? sv->n_rows : 1, sizeof *sv->rows);
	for (size_t i = 0; i < sv->n_rows; i++)
		sv->rows[i] = from + i;
	sort_data = d;
	sort_view = sv;
	qsort(sv->rows, sv->n_rows, sizeof *sv->rows, cmp_rows);
	if (sv->cursor >= sv->n_rows)
		sv->cursor = sv->n_rows ? sv->n_rows - 1 : 0;
}

static void format_cell(const struct tui_rundata *d, const struct column *c,
			const struct sl_scorecard_row *r, char *out, size_t n)
{
	double v;
	const struct sl_metric_value *q = NULL;
	if (!c->metric) {
		v = cell_value(d, c, r);
		if (isfinite(v))
			snprintf(out, n, "%.2f", v);
		else
			snprintf(out, n, "%s", tui_glyph(TUI_GLYPH_UNKNOWN));
		return;
	}
	sl_scorecard_metric(r, c->metric, &v, &q);
	if (!isfinite(v)) {
		if (q && q->n_unscored)
			snprintf(out, n, "%s (%lld unscored)", tui_glyph(TUI_GLYPH_UNKNOWN),
				 (long long)q->n_unscored);
		else
			snprintf(out, n, "%s", tui_glyph(TUI_GLYPH_UNKNOWN));
	} else if (c->quality && q && isfinite(q->lo)) {
		snprintf(out, n, "%.2f [%.2f,%.2f]", v, q->lo, q->hi);
	} else if (c->quality) {
		snprintf(out, n, "%.2f", v);
	} else if (d->redact_clock && (strstr(c->metric, "latency") || strstr(c->metric, "ttft") ||
				       strcmp(c->metric, "tokens_per_s") == 0)) {
		snprintf(out, n, "~");
	} else if (strstr(c->metric, "latency") || strstr(c->metric, "ttft")) {
		tui_fmt_seconds(v, out, n);
	} else if (strstr(c->metric, "cost")) {
		tui_fmt_usd(v, out, n);
	} else if (strcmp(c->metric, "error_rate") == 0) {
		snprintf(out, n, "%.0f%%", 100 * v);
	} else {
		snprintf(out, n, "%.1f", v);
	}
}

/* ---- drawing ---- */

static void draw_header(struct scorecard_view *sv, struct tui_grid *g, struct tui_rect a,
			const struct tui_rundata *d)
{
	char line[256];
	snprintf(line, sizeof line, "run %lld  %s", (long long)d->run_id,
		 d->run.suite_name ? d->run.suite_name : "");
	int x = a.x + tui_grid_put(g, a.x, a.y, a.w, TUI_ROLE_LABEL, TUI_A_BOLD, line) + 2;
	snprintf(line, sizeof line, "weights s %.2f p %.2f c %.2f", d->w.w[SL_TRI_SPEED],
		 d->w.w[SL_TRI_PRECISION], d->w.w[SL_TRI_COST]);
	x += tui_grid_put(g, x, a.y, a.x + a.w - x, TUI_ROLE_DEFAULT, 0, line) + 2;
	if (d->n_gates) {
		snprintf(line, sizeof line, "gates %zu/%zu pass",
			 d->gate_report.n - d->gate_report.n_failed, d->gate_report.n);
		int w = tui_text_width(line);
		if (x + w <= a.x + a.w)
			tui_grid_put(g, a.x + a.w - w, a.y, w,
				     d->gate_report.n_failed ? TUI_ROLE_NO : TUI_ROLE_YES, TUI_A_BOLD,
				     line);
	}
	(void)sv;
}

static int draw_banner(struct tui_grid *g, struct tui_rect a, const struct tui_rundata *d)
{
	if (!d->has_tri) {
		return tui_wrap_draw(g, (struct tui_rect){ a.x, a.y, a.w, 2 }, TUI_ROLE_UNKNOWN, 0,
				     d->note, 0) > 1 ? 2 : 1;
	}
	char mark[16];
	snprintf(mark, sizeof mark, "%s ", tui_glyph(TUI_GLYPH_MARK));
	int mw = tui_grid_put(g, a.x, a.y, a.w, TUI_ROLE_MARK, TUI_A_BOLD, mark);
	int lines = tui_wrap_draw(g, (struct tui_rect){ a.x + mw, a.y, a.w - mw, a.h }, TUI_ROLE_MARK,
				  TUI_A_BOLD, d->recommendation.data, 0);
	return lines < a.h ? lines : a.h;
}

static void draw_table(struct scorecard_view *sv, struct tui_grid *g, struct tui_rect a,
		       const struct tui_rundata *d)
{
	/* Fixed part: rank, Pareto mark, model (and prompt) name. */
	int name_w = a.w >= 140 ? 34 : a.w >= 110 ? 28 : 20;
	int fixed = 6 + name_w;
	int y = a.y;
	tui_grid_fill(g, (struct tui_rect){ a.x, y, a.w, 1 }, TUI_ROLE_HEADER);
	tui_grid_put_field(g, a.x, y, 5, sv->sort < 0 ? TUI_ROLE_HEADER_SORTED : TUI_ROLE_HEADER, 0,
			   "rank", false);
	tui_grid_put(g, a.x + 6, y, name_w, TUI_ROLE_HEADER, 0,
		     sv->per_prompt ? "model @ prompt" : "model");
	/* Scrollable part: as many columns as fit from first_col. */
	int xs[MAX_COLS], last = sv->first_col;
	int x = a.x + fixed;
	for (int c = sv->first_col; c < sv->n_cols; c++) {
		if (x + sv->cols[c].w > a.x + a.w)
			break;
		xs[c] = x;
		char t[32];
		snprintf(t, sizeof t, "%s%s", sv->cols[c].title,
			 c == sv->sort ? tui_glyph(sv->reverse ? TUI_GLYPH_SORT_ASC
							       : TUI_GLYPH_SORT_DESC) : "");
		tui_grid_put_field(g, x, y, sv->cols[c].w,
				   c == sv->sort ? TUI_ROLE_HEADER_SORTED : TUI_ROLE_HEADER, 0, t,
				   !sv->cols[c].quality);
		x += sv->cols[c].w + 1;
		last = c + 1;
	}
	if (sv->first_col > 0)
		tui_grid_put(g, a.x + fixed - 2, y, 1, TUI_ROLE_HEADER, 0,
			     tui_glyph(TUI_GLYPH_ARROW_LEFT));
	if (last < sv->n_cols)
		tui_grid_put(g, a.x + a.w - 1, y, 1, TUI_ROLE_HEADER, 0,
			     tui_glyph(TUI_GLYPH_ARROW_RIGHT));
	y++;
	int rows = a.h - 1;
	sv->table = (struct tui_rect){ a.x, y, a.w, rows };
	if (sv->cursor < sv->top)
		sv->top = sv->cursor;
	if (rows > 0 && sv->cursor >= sv->top + (size_t)rows)
		sv->top = sv->cursor - (size_t)rows + 1;
	for (size_t k = sv->top; k < sv->n_rows && y < a.y + a.h; k++, y++) {
		const struct sl_scorecard_row *r = &d->sc.rows[sv->rows[k]];
		const struct sl_tri_model *tm = tri_model(d, r);
		bool sel = k == sv->cursor;
		enum tui_role role = sel ? TUI_ROLE_CURSOR : TUI_ROLE_DEFAULT;
		if (sel)
			tui_grid_fill(g, (struct tui_rect){ a.x, y, a.w, 1 }, TUI_ROLE_CURSOR);
		char s[64];
		if (tm && !sv->per_prompt)
			snprintf(s, sizeof s, "%3d", tm->rank);
		else
			s[0] = '\0';
		tui_grid_put_field(g, a.x, y, 3, role, 0, s, true);
		if (tm && tm->pareto)
			tui_grid_put(g, a.x + 4, y, 1, sel ? role : TUI_ROLE_MARK, 0,
				     tui_glyph(TUI_GLYPH_MARK));
		/* A model a gate excludes keeps its rank (the weights rank it) but may not be
		 * picked: its row is marked, the banner and the gates below say which gate. */
		const char *mark = tm && tm->excluded ? tui_glyph(TUI_GLYPH_CROSS) : "";
		const char *sep = *mark ? " " : "";
		char name[200];
		if (r->prompt)
			snprintf(name, sizeof name, "%s%s%s @%s", mark, sep, tui_short_name(r->model),
				 r->prompt);
		else
			snprintf(name, sizeof name, "%s%s%s", mark, sep, r->model);
		bool win = tm && (int)(tm - d->tri.models) == d->winner;
		tui_grid_put_field(g, a.x + 6, y, name_w - 1,
				   tm && tm->excluded && !sel ? TUI_ROLE_ERROR : role,
				   win ? TUI_A_BOLD : 0, name, false);
		for (int c = sv->first_col; c < last; c++) {
			char v[64];
			format_cell(d, &sv->cols[c], r, v, sizeof v);
			tui_grid_put_field(g, xs[c], y, sv->cols[c].w, role, 0, v,
					   !sv->cols[c].quality);
		}
	}
}

static void draw_gates(struct tui_grid *g, struct tui_rect a, const struct tui_rundata *d)
{
	int y = a.y;
	if (!d->n_gates) {
		tui_grid_put(g, a.x, y, a.w, TUI_ROLE_DIM, 0,
			     "no gates in this run's suite (\"gates\": [\"accuracy>=0.85\"])");
		return;
	}
	bool fold = d->gate_report.n > (size_t)a.h;
	for (size_t i = 0; i < d->gate_report.n && y < a.y + a.h; i++) {
		const struct sl_gate_result *gr = &d->gate_report.results[i];
		/* Passing gates fold into one line when space is short; failures never do. */
		if (gr->passed && fold)
			continue;
		tui_grid_put(g, a.x, y, 1, gr->passed ? TUI_ROLE_YES : TUI_ROLE_NO, TUI_A_BOLD,
			     tui_glyph(gr->passed ? TUI_GLYPH_CHECK : TUI_GLYPH_CROSS));
		tui_grid_put_field(g, a.x + 2, y, a.w - 2, TUI_ROLE_DEFAULT, 0, gr->detail, false);
		y++;
	}
	size_t passed = d->gate_report.n - d->gate_report.n_failed;
	if (fold && passed && y < a.y + a.h) {
		char line[96];
		snprintf(line, sizeof line, "%s %zu passing gate%s (shown on a taller screen)",
			 tui_glyph(TUI_GLYPH_CHECK), passed, passed == 1 ? "" : "s");
		tui_grid_put(g, a.x, y, a.w, TUI_ROLE_YES, 0, line);
	}
}

static void sv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct scorecard_view *sv = sv_of(v);
	struct tui_rundata *d = tui_app_rundata(v->app);
	rebuild(sv);
	struct tui_rect a = { area.x + 1, area.y, area.w - 2, area.h };
	if (!d->run_id || !d->sc.n_rows) {
		tui_wrap_draw(g, (struct tui_rect){ a.x, a.y + 1, a.w, a.h - 1 }, TUI_ROLE_UNKNOWN, 0,
			      d->note, 0);
		return;
	}
	draw_header(sv, g, a, d);
	int y = a.y + 1;
	/* The recommendation whole where there is room: its end names the models a gate
	 * excluded, which must not be cut off in a meeting. */
	y += draw_banner(g, (struct tui_rect){ a.x, y, a.w, a.h >= 20 ? 5 : 3 }, d) + 1;
	/* Gates and the legend take the bottom; the table the rest. */
	int gate_h = d->n_gates ? (int)d->gate_report.n : 1;
	int bottom = gate_h + 1 > a.h / 3 ? a.h / 3 : gate_h + 1;
	int table_h = a.y + a.h - y - bottom - 1;
	draw_table(sv, g, (struct tui_rect){ a.x, y, a.w, table_h }, d);
	y += table_h + 1;
	char legend[200];
	snprintf(legend, sizeof legend, "%s Pareto (speed, precision, cost)  "
		 "bold: the pick  %s fails a gate  %s unknown", tui_glyph(TUI_GLYPH_MARK),
		 tui_glyph(TUI_GLYPH_CROSS), tui_glyph(TUI_GLYPH_UNKNOWN));
	tui_grid_put(g, a.x, y - 1, a.w, TUI_ROLE_DIM, 0, legend);
	draw_gates(g, (struct tui_rect){ a.x, y, a.w, a.y + a.h - y }, d);
}

static int sv_action(struct tui_view *v, enum tui_action act)
{
	struct scorecard_view *sv = sv_of(v);
	struct tui_rundata *d = tui_app_rundata(v->app);
	switch (act) {
	case TUI_ACT_SC_DOWN:
		if (sv->cursor + 1 < sv->n_rows)
			sv->cursor++;
		break;
	case TUI_ACT_SC_UP:
		if (sv->cursor > 0)
			sv->cursor--;
		break;
	case TUI_ACT_SC_LEFT:
		if (sv->first_col > 0)
			sv->first_col--;
		break;
	case TUI_ACT_SC_RIGHT:
		if (sv->first_col + 1 < sv->n_cols)
			sv->first_col++;
		break;
	case TUI_ACT_SC_SORT_NEXT:
		sv->sort = sv->sort + 1 < sv->n_cols ? sv->sort + 1 : -1;
		sv->reverse = false;
		break;
	case TUI_ACT_SC_SORT_PREV:
		sv->sort = sv->sort < 0 ? sv->n_cols - 1 : sv->sort - 1;
		sv->reverse = false;
		break;
	case TUI_ACT_SC_SORT_REVERSE:
		sv->reverse = !sv->reverse;
		break;
	case TUI_ACT_SC_PROMPTS:
		if (d->sc.n_rows > d->sc.n_models)
			sv->per_prompt = !sv->per_prompt;
		else
			tui_app_message(v->app, false, "this run has one prompt version: no "
						       "per-prompt rows");
		sv->cursor = 0;
		break;
	case TUI_ACT_SC_OPEN: {
		if (!sv->n_rows)
			return TUI_HANDLED;
		const struct sl_scorecard_row *r = &d->sc.rows[sv->rows[sv->cursor]];
		tui_app_push(v->app, tui_cases_view_new(v->app, r->model_idx, r->prompt_idx));
		return TUI_HANDLED | TUI_REDRAW;
	}
	default:
		return tui_weights_action(v->app, act);
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int sv_event(struct tui_view *v, const struct tui_event *ev)
{
	struct scorecard_view *sv = sv_of(v);
	if (ev->key == TK_MOUSE) {
		struct tui_rect t = sv->table;
		if (ev->mouse == TUI_MOUSE_CLICK && ev->my >= t.y && ev->my < t.y + t.h &&
		    sv->top + (size_t)(ev->my - t.y) < sv->n_rows) {
			sv->cursor = sv->top + (size_t)(ev->my - t.y);
			return TUI_HANDLED | TUI_REDRAW;
		}
		if (ev->mouse == TUI_MOUSE_WHEEL_DOWN || ev->mouse == TUI_MOUSE_WHEEL_UP)
			return sv_action(v, ev->mouse == TUI_MOUSE_WHEEL_DOWN ? TUI_ACT_SC_DOWN
									      : TUI_ACT_SC_UP);
		return 0;
	}
	return tui_weights_action(v->app, tui_action_for_key(TUI_CTX_WEIGHTS, ev->key));
}

static enum tui_context sv_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_SCORECARD;
}

static void sv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct scorecard_view *sv = sv_of(v);
	struct tui_rundata *d = tui_app_rundata(v->app);
	if (!d->sc.n_rows) {
		sl_buf_puts(left, d->run_id ? "no finished cells" : "no run");
		return;
	}
	sl_buf_printf(left, "sorted by %s  s/S p/P c/C weights  = equal",
		      sv->sort < 0 ? "rank" : sv->cols[sv->sort].title);
	if (d->sc.n_models)
		sl_buf_printf(right, "%zu model%s%s", d->sc.n_models, d->sc.n_models == 1 ? "" : "s",
			      sv->per_prompt ? " x prompt" : "");
}

static void sv_destroy(struct tui_view *v)
{
	free(sv_of(v)->rows);
	free(v);
}

static const struct tui_view_ops scorecard_ops = {
	.name = "scorecard",
	.context = sv_context,
	.draw = sv_draw,
	.action = sv_action,
	.event = sv_event,
	.status = sv_status,
	.destroy = sv_destroy,
};

struct tui_view *tui_scorecard_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct scorecard_view *sv = sl_xcalloc(1, sizeof *sv);
	sv->base.ops = &scorecard_ops;
	sv->base.app = app;
	sv->sort = -1;
	return &sv->base;
}
