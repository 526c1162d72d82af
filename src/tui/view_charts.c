/* The Charts screen: the speed-precision-cost triangle with its win regions and a priority
 * point the user moves (its position is the weights), quality against cost per 1,000
 * requests (log axis) and against p95 latency with their Pareto frontiers, latency and TTFT
 * box plots per model, and the catalogue priors before any run. Every number comes from
 * tui_rundata (core calls); this file only draws. One chart at a time on a small screen,
 * four at once from 160x46. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/format.h"
#include "app.h"
#include "canvas.h"
#include "charts.h"
#include "glyph.h"
#include "shortlist/format.h"
#include "rundata.h"
#include "wrap.h"

enum chart { CHART_TRIANGLE, CHART_COST, CHART_LATENCY, CHART_DIST, CHART_PRIORS, CHART_COUNT };

static const char *const chart_names[CHART_COUNT] = {
	"triangle", "quality vs cost", "quality vs p95 latency", "latency and TTFT",
	"catalogue priors",
};

#define WIDE_COLS 160
#define WIDE_LINES 46
#define POINT_STEP 0.05 /* a priority-point move by arrow key, in weight units */

struct charts_view {
	struct tui_view base;
	int chart;
	/* The triangle as last drawn, for mouse hits: its base's left cell, width, apex row
	 * and height in cells (w = 0 when not drawn). */
	struct tui_rect tri;
};

static struct charts_view *cv_of(struct tui_view *v)
{
	return (struct charts_view *)v;
}

enum tui_role tui_series_role(size_t i)
{
	return (enum tui_role)(TUI_ROLE_SERIES1 + (int)(i % 6));
}

/* ---- formatting ---- */

/* The core's display format (shortlist/format.h), as the plots' label callbacks want it. */
/* The core's one display format (format.h), with the signature tick labels use. */
void tui_fmt_seconds(double s, char *out, size_t n)
{
	char b[SL_FMT_LEN];
	snprintf(out, n, "%s", sl_fmt_seconds(s, b));
}

void tui_fmt_usd(double c, char *out, size_t n)
{
	char b[SL_FMT_LEN];
	snprintf(out, n, "%s", sl_fmt_usd(c, b));
}

static void fmt_quality(double v, char *out, size_t n)
{
	snprintf(out, n, "%.2f", v);
}

const char *tui_short_name(const char *name)
{
	const char *s = strrchr(name, '/');
	if (!s)
		s = strchr(name, ':');
	return s && s[1] ? s + 1 : name;
}

/* ---- the triangle ---- */

/* The cell rectangle of a triangle that fits in r with room for the corner labels: cells
 * are about twice as tall as wide, so an equilateral triangle of h rows is 2.31h wide. */
static struct tui_rect triangle_rect(struct tui_rect r)
{
	int h = r.h - 2;
	int w = (int)lround(h * 4 / sqrt(3));
	if (w > r.w) {
		w = r.w;
		h = (int)lround(w * sqrt(3) / 4);
	}
	if (h < 3 || w < 6)
		return (struct tui_rect){ 0, 0, 0, 0 };
	return (struct tui_rect){ r.x + (r.w - w) / 2, r.y + 1, w, h };
}

/* Barycentric weights of a point of the plane (x right, y up, both 0..1); false outside. */
static bool plane_inside(double x, double y, struct sl_tri_weights *w)
{
	w->w[SL_TRI_PRECISION] = y;
	w->w[SL_TRI_COST] = x - y / 2;
	w->w[SL_TRI_SPEED] = 1 - y - w->w[SL_TRI_COST];
	return y >= 0 && w->w[SL_TRI_COST] >= 0 && w->w[SL_TRI_SPEED] >= 0;
}

static void draw_triangle(struct charts_view *cv, struct tui_grid *g, struct tui_rect r)
{
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	const struct sl_triangle *tri = &d->tri;
	struct tui_rect t = triangle_rect(r);
	cv->tri = t;
	if (!t.w)
		return;
	bool ascii = tui_glyph_is_ascii();
	int dw = 2 * t.w, dh = 4 * t.h;
	/* The winner at every dot (-2 outside); a dot is on a boundary when a neighbour is
	 * outside or won by another model. */
	int *win = sl_xmalloc((size_t)dw * (size_t)dh * sizeof *win);
	long *cx = sl_xcalloc(tri->n ? tri->n : 1, sizeof *cx);
	long *cy = sl_xcalloc(tri->n ? tri->n : 1, sizeof *cy);
	long *cnt = sl_xcalloc(tri->n ? tri->n : 1, sizeof *cnt);
	for (int y = 0; y < dh; y++) {
		for (int x = 0; x < dw; x++) {
			struct sl_tri_weights w;
			int *slot = &win[(size_t)y * (size_t)dw + (size_t)x];
			if (!plane_inside((x + 0.5) / dw, 1 - (y + 0.5) / dh, &w)) {
				*slot = -2;
				continue;
			}
			*slot = sl_triangle_winner(tri, &w);
			if (*slot >= 0) {
				cx[*slot] += x;
				cy[*slot] += y;
				cnt[*slot]++;
			}
		}
	}
	struct tui_canvas c;
	tui_canvas_init(&c, t);
	for (int y = 0; y < dh; y++) {
		for (int x = 0; x < dw; x++) {
			int me = win[(size_t)y * (size_t)dw + (size_t)x];
			if (me == -2)
				continue;
			static const int nb[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
			bool edge = false;
			for (int k = 0; k < 4 && !edge; k++) {
				int nx = x + nb[k][0], ny = y + nb[k][1];
				int other = nx < 0 || ny < 0 || nx >= dw || ny >= dh
					? -2 : win[(size_t)ny * (size_t)dw + (size_t)nx];
				/* Each boundary between two regions is drawn once, from one side. */
				edge = other == -2 || (other != me && k % 2 == 0);
			}
			if (edge)
				tui_canvas_dot(&c, x, y, TUI_ROLE_BORDER, 0);
		}
	}
	/* Shade each cell by the winner at its centre; boundary cells show their dots. */
	for (int y = 0; y < t.h; y++) {
		for (int x = 0; x < t.w; x++) {
			int me = win[(size_t)(4 * y + 2) * (size_t)dw + (size_t)(2 * x + 1)];
			if (me == -2) {
				/* Edge cells: whoever wins any dot inside. */
				for (int k = 0; k < 8 && me == -2; k++)
					me = win[(size_t)(4 * y + k / 2) * (size_t)dw +
						 (size_t)(2 * x + k % 2)];
			}
			if (me < 0)
				continue;
			size_t ci = (size_t)y * (size_t)t.w + (size_t)x;
			if (ascii) { /* lower case: the region; its upper-case letter marks it */
				char s[2] = { (char)tolower(sl_tri_letter((size_t)me)), '\0' };
				tui_grid_put(g, t.x + x, t.y + y, 1, tui_series_role((size_t)me), 0, s);
				c.bits[ci] = 0; /* letters, not dots, in ASCII */
			} else if (!c.bits[ci]) {
				tui_grid_put(g, t.x + x, t.y + y, 1, tui_series_role((size_t)me), 0,
					     tui_glyph(TUI_GLYPH_BAR_EMPTY));
			}
		}
	}
	tui_canvas_blit(&c, g);
	tui_canvas_free(&c);
	/* Each region's letter at its centre of mass. */
	for (size_t m = 0; m < tri->n; m++) {
		if (cnt[m] < 16)
			continue;
		int x = t.x + (int)(cx[m] / cnt[m]) / 2, y = t.y + (int)(cy[m] / cnt[m]) / 4;
		char s[2] = { sl_tri_letter(m), '\0' };
		tui_grid_put(g, x, y, 1, tui_series_role(m), TUI_A_BOLD | TUI_A_REVERSE, s);
	}
	free(win);
	free(cx);
	free(cy);
	free(cnt);
	/* The priority point. */
	double px, py;
	sl_tri_weights_to_plane(&d->w, &px, &py);
	int pcx = t.x + (int)fmin(t.w - 1, floor(px * t.w));
	int pcy = t.y + (int)fmin(t.h - 1, floor((1 - py) * t.h));
	tui_grid_put(g, pcx, pcy, 1, TUI_ROLE_MARK, TUI_A_BOLD, tui_glyph(TUI_GLYPH_BULLET));
	/* Corners. */
	const char *top = "precision";
	tui_grid_put(g, t.x + t.w / 2 - 4, t.y - 1, 9, TUI_ROLE_LABEL, 0, top);
	tui_grid_put(g, t.x, t.y + t.h, 5, TUI_ROLE_LABEL, 0, "speed");
	tui_grid_put(g, t.x + t.w - 4, t.y + t.h, 4, TUI_ROLE_LABEL, 0, "cost");
}

/* The ranking, the pick and what would change it, beside (or under) the triangle. */
static void draw_triangle_info(struct charts_view *cv, struct tui_grid *g, struct tui_rect r)
{
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	const struct sl_triangle *tri = &d->tri;
	int y = r.y;
	char line[256];
	snprintf(line, sizeof line, r.w >= 46 ? "weights  speed %.2f  precision %.2f  cost %.2f"
						 : "weights  s %.2f  p %.2f  c %.2f",
		 d->w.w[SL_TRI_SPEED], d->w.w[SL_TRI_PRECISION], d->w.w[SL_TRI_COST]);
	tui_grid_put(g, r.x, y++, r.w, TUI_ROLE_LABEL, 0, line);
	if (tri->priors)
		tui_grid_put(g, r.x, y++, r.w, TUI_ROLE_WARNING, 0,
			     "PRIORS: catalogue values, not measured");
	if (d->winner >= 0) {
		snprintf(line, sizeof line, "winner   %c %s", sl_tri_letter((size_t)d->winner),
			 tri->models[d->winner].name);
		tui_grid_put(g, r.x, y++, r.w, TUI_ROLE_MARK, TUI_A_BOLD, line);
	}
	y++;
	int name_w = r.w - 22;
	for (size_t k = 0; k < tri->n && y < r.y + r.h - 5; k++) {
		size_t i = tri->order ? tri->order[k] : k;
		const struct sl_tri_model *m = &tri->models[i];
		char s[8];
		snprintf(s, sizeof s, "%c", sl_tri_letter(i));
		tui_grid_put(g, r.x, y, 1, tui_series_role(i), TUI_A_BOLD, s);
		/* The name without its provider when the whole one would be cut. */
		const char *nm = tui_text_width(m->name) > name_w ? tui_short_name(m->name) : m->name;
		tui_grid_put_field(g, r.x + 2, y, name_w, TUI_ROLE_DEFAULT, 0, nm, false);
		snprintf(line, sizeof line, "%.2f", m->score);
		tui_grid_put_field(g, r.x + 2 + name_w, y, 5, TUI_ROLE_DEFAULT, 0, line, true);
		if (m->pareto)
			tui_grid_put(g, r.x + 8 + name_w, y, 1, TUI_ROLE_MARK, 0,
				     tui_glyph(TUI_GLYPH_MARK));
		if ((int)i == d->winner) {
			tui_grid_put(g, r.x + 10 + name_w, y, 1, TUI_ROLE_MARK, 0,
				     tui_glyph(TUI_GLYPH_ARROW_LEFT));
			tui_grid_put(g, r.x + 12 + name_w, y, 4, TUI_ROLE_MARK, 0, "pick");
		} else if (m->excluded) { /* ranked by the weights, never picked: a gate fails */
			tui_grid_put(g, r.x + 10 + name_w, y, 1, TUI_ROLE_ERROR, 0,
				     tui_glyph(TUI_GLYPH_CROSS));
			tui_grid_put(g, r.x + 12 + name_w, y, 4, TUI_ROLE_ERROR, 0, "gate");
		}
		y++;
	}
	y++;
	if (d->change.len && y < r.y + r.h) {
		snprintf(line, sizeof line, "next: %s", d->change.data);
		y += tui_wrap_draw(g, (struct tui_rect){ r.x, y, r.w, 2 }, TUI_ROLE_LABEL, 0, line, 0);
	}
	if (d->recommendation.len && y < r.y + r.h)
		tui_wrap_draw(g, (struct tui_rect){ r.x, y, r.w, r.y + r.h - y }, TUI_ROLE_DEFAULT, 0,
			      d->recommendation.data, 0);
}

static void draw_triangle_chart(struct charts_view *cv, struct tui_grid *g, struct tui_rect r)
{
	/* Side by side when there is room for a readable ranking, else stacked. */
	int info_w = r.w >= 100 ? r.w * 45 / 100 : 40;
	if (r.w - info_w >= 30) {
		draw_triangle(cv, g, (struct tui_rect){ r.x, r.y, r.w - info_w - 1, r.h });
		draw_triangle_info(cv, g, (struct tui_rect){ r.x + r.w - info_w, r.y, info_w, r.h });
	} else {
		int th = r.h * 3 / 5;
		draw_triangle(cv, g, (struct tui_rect){ r.x, r.y, r.w, th });
		draw_triangle_info(cv, g, (struct tui_rect){ r.x, r.y + th, r.w, r.h - th });
	}
}

/* ---- quality against cost or latency ---- */

/* A log axis from the decade below the smallest positive value to the one above the
 * largest; false when no value is positive. */
static bool log_range(const double *v, size_t n, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > 0) {
			*lo = fmin(*lo, v[i]);
			*hi = fmax(*hi, v[i]);
		}
	if (!isfinite(*lo))
		return false;
	*lo = pow(10, floor(log10(*lo) + 1e-9));
	*hi = pow(10, ceil(log10(*hi) - 1e-9));
	if (*hi <= *lo)
		*hi = *lo * 10;
	return true;
}

/* One scatter: quality (with an interval) against a log x axis, the 2-D frontier joined in
 * order of x, points as letters with names beside them where there is room. */
struct scatter {
	size_t n;
	const double *x, *q, *lo, *hi;
	const bool *front;
	const char *const *names;
	const char *title, *xlabel, *what_x; /* what_x: "cost", "latency", "list price" */
	const char *front_note;
	tui_tick_fmt xfmt, yfmt;
	double y_round;                      /* the y axis is rounded out to this step */
};

static void fmt_score(double v, char *out, size_t n)
{
	snprintf(out, n, "%.0f", v);
}

static void draw_scatter_data(struct tui_grid *g, struct tui_rect r, const struct scatter *sp)
{
	size_t n = sp->n;
	const double *x = sp->x, *q = sp->q, *lo = sp->lo, *hi = sp->hi;
	double y0 = INFINITY, y1 = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (isfinite(q[i]) && isfinite(x[i]) && x[i] > 0) {
			y0 = fmin(y0, isfinite(lo[i]) ? lo[i] : q[i]);
			y1 = fmax(y1, isfinite(hi[i]) ? hi[i] : q[i]);
		}
	double x0, x1;
	tui_grid_put(g, r.x, r.y, r.w, TUI_ROLE_HEADER, 0, sp->title);
	if (!log_range(x, n, &x0, &x1) || !isfinite(y0)) {
		char msg[160];
		snprintf(msg, sizeof msg, "no model has both a quality score and a known %s",
			 sp->what_x);
		tui_grid_put(g, r.x, r.y + 2, r.w, TUI_ROLE_UNKNOWN, 0, msg);
		return;
	}
	y0 = floor(y0 / sp->y_round + 1e-9) * sp->y_round;
	y1 = ceil(y1 / sp->y_round - 1e-9) * sp->y_round;
	if (y1 <= y0)
		y1 = y0 + sp->y_round;
	/* Legend on the right when wide, else under the plot. */
	int legend_w = r.w >= 100 ? 40 : 0;
	int legend_h = legend_w ? 0 : (int)(n < 8 ? (n + 1) / 2 : 4) + 1;
	struct tui_plot p;
	tui_plot_init(&p, (struct tui_rect){ r.x, r.y + 1, r.w - legend_w, r.h - 1 - legend_h },
		      x0, x1, true, y0, y1);
	/* The frontier: frontier points joined in order of x. */
	size_t *idx = sl_xcalloc(n ? n : 1, sizeof *idx), nf = 0;
	for (size_t i = 0; i < n; i++)
		if (sp->front[i] && x[i] > 0)
			idx[nf++] = i;
	for (size_t a = 1; a < nf; a++)
		for (size_t b = a; b > 0 && x[idx[b]] < x[idx[b - 1]]; b--) {
			size_t t = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = t;
		}
	for (size_t k = 1; k < nf; k++) {
		int ax, ay, bx, by;
		if (tui_plot_dot(&p, x[idx[k - 1]], q[idx[k - 1]], &ax, &ay) &&
		    tui_plot_dot(&p, x[idx[k]], q[idx[k]], &bx, &by))
			tui_canvas_line(&p.cv, ax, ay, bx, by, TUI_ROLE_MARK, '*');
	}
	free(idx);
	/* 95% intervals as vertical dotted lines. */
	for (size_t i = 0; i < n; i++) {
		int ax, ay, bx, by;
		if (tui_plot_dot(&p, x[i], lo[i], &ax, &ay) && tui_plot_dot(&p, x[i], hi[i], &bx, &by))
			for (int yy = by; yy <= ay; yy += 2)
				tui_canvas_dot(&p.cv, ax, yy, tui_series_role(i), ':');
	}
	tui_plot_draw(&p, g, sp->xlabel, NULL, sp->xfmt, sp->yfmt);
	/* Points as letters first, then names beside them where the cells are still free. */
	size_t off = 0;
	char note[256] = "";
	for (size_t i = 0; i < n; i++) {
		int px, py;
		char s[2] = { sl_tri_letter(i), '\0' };
		if (!tui_plot_cell(&p, x[i], q[i], &px, &py)) {
			if (isfinite(q[i]) && strlen(note) < sizeof note - 40)
				snprintf(note + strlen(note), sizeof note - strlen(note), "%s%c",
					 off++ ? " " : "", sl_tri_letter(i));
			continue;
		}
		tui_grid_put(g, px, py, 1, tui_series_role(i), TUI_A_BOLD, s);
	}
	for (size_t i = 0; i < n; i++) {
		int px, py;
		if (!tui_plot_cell(&p, x[i], q[i], &px, &py))
			continue;
		const char *nm = tui_short_name(sp->names[i]);
		int w = tui_text_width(nm);
		bool free_cells = px + 2 + w < p.inner.x + p.inner.w;
		for (int k = 1; free_cells && k <= w + 1; k++) {
			struct tui_cell *c = tui_grid_at(g, px + k, py);
			/* A name may cover the frontier and interval lines, never a point; in
			 * ASCII those lines are '*' and ':'. */
			free_cells = c && (c->ch == L' ' || (c->ch >= 0x2800 && c->ch <= 0x28FF) ||
					   (tui_glyph_is_ascii() && (c->ch == L'*' || c->ch == L':')));
		}
		if (free_cells)
			tui_grid_put(g, px + 2, py, w, TUI_ROLE_DIM, 0, nm);
	}
	if (off) {
		char line[300];
		snprintf(line, sizeof line, "not on the axis (%s unknown or 0): %s", sp->what_x, note);
		tui_grid_put(g, p.inner.x, r.y + r.h - 1 - legend_h, p.inner.w, TUI_ROLE_UNKNOWN, 0,
			     line);
	}
	/* Legend. */
	struct tui_rect lr = legend_w ? (struct tui_rect){ r.x + r.w - legend_w + 1, r.y + 2,
							   legend_w - 1, r.h - 2 }
				      : (struct tui_rect){ r.x, r.y + r.h - legend_h, r.w, legend_h };
	int ly = lr.y, lx = lr.x;
	int col_w = legend_w ? lr.w : (r.w - 2) / 2;
	for (size_t i = 0; i < n && ly < lr.y + lr.h; i++) {
		char s[2] = { sl_tri_letter(i), '\0' };
		tui_grid_put(g, lx, ly, 1, tui_series_role(i), TUI_A_BOLD, s);
		if (sp->front[i])
			tui_grid_put(g, lx + 1, ly, 1, TUI_ROLE_MARK, 0, tui_glyph(TUI_GLYPH_MARK));
		tui_grid_put_field(g, lx + 3, ly, col_w - 4, TUI_ROLE_DEFAULT, 0, sp->names[i], false);
		if (!legend_w && lx == lr.x && i + 1 < n) {
			lx += col_w;
			continue;
		}
		lx = lr.x;
		ly++;
	}
	if (lx != lr.x)
		ly++;
	if (ly < lr.y + lr.h || legend_w) {
		char fl[120];
		snprintf(fl, sizeof fl, "%s on the frontier: %s", tui_glyph(TUI_GLYPH_MARK),
			 sp->front_note);
		tui_grid_put(g, lr.x, legend_w ? ly : lr.y + lr.h - 1, lr.w, TUI_ROLE_DIM, 0, fl);
	}
	tui_plot_free(&p);
}

static void draw_scatter(struct charts_view *cv, struct tui_grid *g, struct tui_rect r,
			 bool by_cost)
{
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	size_t n = d->sc.n_models;
	double *x = sl_xcalloc(n ? n : 1, sizeof *x), *q = sl_xcalloc(n ? n : 1, sizeof *q);
	double *lo = sl_xcalloc(n ? n : 1, sizeof *lo), *hi = sl_xcalloc(n ? n : 1, sizeof *hi);
	const char **names = sl_xcalloc(n ? n : 1, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		x[i] = by_cost ? d->sc.rows[i].cost_per_1k : d->sc.rows[i].latency_p95;
		q[i] = tui_rundata_quality(d, i, &lo[i], &hi[i]);
		names[i] = d->sc.rows[i].model;
	}
	char title[160];
	snprintf(title, sizeof title, "%s (95%% interval) vs %s",
		 d->sc.headline ? d->sc.headline : "quality",
		 by_cost ? "cost per 1,000 requests" : "p95 latency");
	struct scatter sp = {
		.n = n, .x = x, .q = q, .lo = lo, .hi = hi, .names = names,
		.front = by_cost ? d->front_cost : d->front_p95, .title = title,
		.xlabel = by_cost ? "USD per 1k requests (log)" : "p95 latency (log)",
		.what_x = by_cost ? "cost" : "latency",
		.front_note = by_cost ? "none cheaper and better" : "none faster and better",
		.xfmt = by_cost ? tui_fmt_usd : tui_fmt_seconds, .yfmt = fmt_quality,
		.y_round = 0.1,
	};
	draw_scatter_data(g, r, &sp);
	free(x);
	free(q);
	free(lo);
	free(hi);
	free(names);
}

/* Catalogue priors: published score against list price, for the shortlist, before (or
 * beside) any measurement. */
static void draw_priors(struct charts_view *cv, struct tui_grid *g, struct tui_rect r)
{
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	const struct sl_triangle *t = tui_rundata_priors(d, cv->base.app->store);
	if (!t) {
		tui_wrap_draw(g, r, TUI_ROLE_UNKNOWN, 0, d->priors_note, 0);
		return;
	}
	size_t n = t->n;
	double *x = sl_xcalloc(n ? n : 1, sizeof *x), *q = sl_xcalloc(n ? n : 1, sizeof *q);
	double *nan = sl_xcalloc(n ? n : 1, sizeof *nan);
	bool *front = sl_xcalloc(n ? n : 1, sizeof *front);
	const char **names = sl_xcalloc(n ? n : 1, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		x[i] = t->models[i].cost;
		q[i] = t->models[i].precision;
		nan[i] = NAN;
		names[i] = t->models[i].name;
	}
	sl_pareto_front_2d(x, q, n, front);
	char title[200];
	snprintf(title, sizeof title, "PRIORS, not measured: %s vs list price",
		 t->precision_label ? t->precision_label : "published score");
	struct scatter sp = {
		.n = n, .x = x, .q = q, .lo = nan, .hi = nan, .names = names, .front = front,
		.title = title, .xlabel = "list price USD per 1M tokens, 3:1 in:out (log)",
		.what_x = "list price", .front_note = "none cheaper and better on paper",
		.xfmt = tui_fmt_usd, .yfmt = fmt_score, .y_round = 10,
	};
	/* Published scores on a 0-1 scale get a finer axis. */
	for (size_t i = 0; i < n; i++)
		if (isfinite(q[i]) && q[i] <= 1) {
			sp.y_round = 0.1;
			sp.yfmt = fmt_quality;
		}
	draw_scatter_data(g, r, &sp);
	free(x);
	free(q);
	free(nan);
	free(front);
	free(names);
}

/* ---- distributions ---- */

static void draw_boxes(struct tui_rundata *d, struct tui_grid *g, const struct tui_plot *p,
		       int y, const struct sl_dist *dist, size_t i, int name_w, int x_name)
{
	char s[2] = { sl_tri_letter(i), '\0' };
	tui_grid_put(g, x_name, y, 1, tui_series_role(i), TUI_A_BOLD, s);
	tui_grid_put_field(g, x_name + 2, y, name_w - 2, TUI_ROLE_DEFAULT, 0,
			   tui_short_name(d->sc.rows[i].model), false);
	int a, b, cy;
	if (!dist->n || !tui_plot_cell(p, dist->min, p->y0, &a, &cy) ||
	    !tui_plot_cell(p, dist->max, p->y0, &b, &cy))
		return;
	for (int x = a; x <= b; x++)
		tui_grid_put(g, x, y, 1, tui_series_role(i), 0, tui_glyph(TUI_GLYPH_HLINE));
	if (tui_plot_cell(p, dist->p50, p->y0, &a, &cy) && tui_plot_cell(p, dist->p95, p->y0, &b, &cy))
		for (int x = a; x <= b; x++)
			tui_grid_put(g, x, y, 1, tui_series_role(i), 0, tui_glyph(TUI_GLYPH_BAR_FULL));
	if (tui_plot_cell(p, dist->p99, p->y0, &a, &cy))
		tui_grid_put(g, a, y, 1, TUI_ROLE_DEFAULT, TUI_A_BOLD, tui_glyph(TUI_GLYPH_P99));
	if (tui_plot_cell(p, dist->p50, p->y0, &a, &cy))
		tui_grid_put(g, a, y, 1, TUI_ROLE_DEFAULT, TUI_A_BOLD, tui_glyph(TUI_GLYPH_MEDIAN));
}

static void draw_dist(struct charts_view *cv, struct tui_grid *g, struct tui_rect r)
{
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	size_t n = d->sc.n_models;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		const struct sl_dist *ds[2] = { &d->lat[i], &d->ttft[i] };
		for (int k = 0; k < 2; k++)
			if (ds[k]->n && ds[k]->min > 0) {
				lo = fmin(lo, ds[k]->min);
				hi = fmax(hi, ds[k]->max);
			}
	}
	tui_grid_put(g, r.x, r.y, r.w, TUI_ROLE_HEADER, 0,
		     "latency and time to first token per model");
	char legend[200];
	snprintf(legend, sizeof legend, "%s min..max  %s p50..p95  %s p50  %s p99",
		 tui_glyph(TUI_GLYPH_HLINE), tui_glyph(TUI_GLYPH_BAR_FULL), tui_glyph(TUI_GLYPH_MEDIAN),
		 tui_glyph(TUI_GLYPH_P99));
	tui_grid_put(g, r.x, r.y + 1, r.w, TUI_ROLE_DIM, 0, legend);
	if (!isfinite(lo)) {
		tui_grid_put(g, r.x, r.y + 3, r.w, TUI_ROLE_UNKNOWN, 0, "no latencies measured");
		return;
	}
	double x0 = pow(10, floor(log10(lo) + 1e-9)), x1 = pow(10, ceil(log10(hi) - 1e-9));
	if (x1 <= x0)
		x1 = x0 * 10;
	/* Rows: a header and n boxes for latency, the same for TTFT; the plot's own axes take
	 * the last three rows. Names sit in the y-label column and the one beside it. */
	int name_w = 10;
	for (size_t i = 0; i < n; i++) {
		int w = tui_text_width(tui_short_name(d->sc.rows[i].model)) + 3;
		name_w = w > name_w ? w : name_w;
	}
	/* Wide enough (a quarter of 200x60 is): the percentiles in figures beside the boxes. */
	bool figures = r.w >= 90;
	if (name_w > (figures ? 26 : 20))
		name_w = figures ? 26 : 20;
	int rows = r.h - 2 - 3;
	int per = (int)n * 2 + 2 > rows ? (rows - 2) / 2 : (int)n;
	/* A blank row between models when the height allows: the room of a tall screen. */
	int step = per == (int)n && 4 * (int)n + 2 <= rows ? 2 : 1;
	struct tui_plot p;
	tui_plot_init(&p, (struct tui_rect){ r.x + name_w - 7, r.y + 1,
					     r.w - name_w + 7 - 36 * figures,
					     step * 2 * per + 2 + 4 },
		      x0, x1, true, 0, 1);
	tui_plot_draw(&p, g, "seconds (log)", NULL, tui_fmt_seconds, NULL);
	int y = p.inner.y;
	const char *titles[2] = { "end-to-end latency", "time to first token" };
	for (int k = 0; k < 2; k++) {
		tui_grid_put(g, p.inner.x, y++, p.inner.w, TUI_ROLE_LABEL, 0, titles[k]);
		for (size_t i = 0; i < (size_t)per && i < n; i++) {
			const struct sl_dist *ds = k ? &d->ttft[i] : &d->lat[i];
			draw_boxes(d, g, &p, y, ds, i, name_w, r.x);
			if (figures) {
				char a[16], b[16], c[16], line[80];
				tui_fmt_seconds(ds->p50, a, sizeof a);
				tui_fmt_seconds(ds->p95, b, sizeof b);
				tui_fmt_seconds(ds->p99, c, sizeof c);
				snprintf(line, sizeof line, "p50 %s p95 %s p99 %s", a, b, c);
				tui_grid_put(g, p.inner.x + p.inner.w + 2, y, 34, TUI_ROLE_DIM, 0, line);
			}
			y += step;
		}
	}
	if ((size_t)per < n)
		tui_grid_put(g, r.x, r.y + r.h - 1, r.w, TUI_ROLE_DIM, 0,
			     "more models than rows: enlarge the terminal");
	tui_plot_free(&p);
}

/* ---- the screen ---- */

static void draw_chart(struct charts_view *cv, int chart, struct tui_grid *g, struct tui_rect r)
{
	switch (chart) {
	case CHART_TRIANGLE: draw_triangle_chart(cv, g, r); break;
	case CHART_COST: draw_scatter(cv, g, r, true); break;
	case CHART_LATENCY: draw_scatter(cv, g, r, false); break;
	case CHART_PRIORS: draw_priors(cv, g, r); break;
	default: draw_dist(cv, g, r); break;
	}
}

/* With a run the measured charts; the catalogue priors are what there is before one (a
 * run that starts while they are in front brings the triangle). */
static int shown_chart(const struct charts_view *cv, const struct tui_rundata *d)
{
	if (d->run_id && cv->chart == CHART_PRIORS)
		return CHART_TRIANGLE;
	return cv->chart;
}

static void cv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct charts_view *cv = cv_of(v);
	struct tui_rundata *d = tui_app_rundata(v->app);
	int chart = shown_chart(cv, d);
	cv->tri.w = 0;
	char head[300];
	if (d->tri.priors)
		snprintf(head, sizeof head, "catalogue PRIORS for the shortlist (published score, "
					    "list price), not measured");
	else if (d->run_id)
		snprintf(head, sizeof head, "run %lld  %s  %s", (long long)d->run_id,
			 d->run.suite_name ? d->run.suite_name : "",
			 d->run.status ? d->run.status : "");
	else
		snprintf(head, sizeof head, "no run");
	tui_grid_put(g, area.x + 1, area.y, area.w - 2, d->tri.priors ? TUI_ROLE_WARNING
								      : TUI_ROLE_LABEL, 0, head);
	struct tui_rect body = { area.x + 1, area.y + 2, area.w - 2, area.h - 2 };
	if (!d->has_tri && !d->sc.n_models && chart != CHART_PRIORS) {
		tui_wrap_draw(g, body, TUI_ROLE_UNKNOWN, 0, d->note, 0);
		return;
	}
	if (!d->run_id && area.w >= WIDE_COLS && area.h >= WIDE_LINES) {
		/* Before any run: the priors' triangle beside their score/price chart. */
		int hw = body.w / 2;
		draw_chart(cv, CHART_TRIANGLE, g, (struct tui_rect){ body.x, body.y, hw - 1, body.h });
		draw_chart(cv, CHART_PRIORS, g, (struct tui_rect){ body.x + hw + 1, body.y,
								   body.w - hw - 1, body.h });
		return;
	}
	if (!d->run_id && chart != CHART_TRIANGLE && chart != CHART_PRIORS) {
		tui_wrap_draw(g, body, TUI_ROLE_UNKNOWN, 0, "measured charts appear once a run has "
			      "finished cells; before that, the triangle and the catalogue priors "
			      "(v) show published scores and list prices", 0);
		return;
	}
	if (area.w >= WIDE_COLS && area.h >= WIDE_LINES) {
		int hw = body.w / 2, hh = body.h / 2;
		draw_chart(cv, CHART_TRIANGLE, g, (struct tui_rect){ body.x, body.y, hw - 1, hh - 1 });
		draw_chart(cv, CHART_COST, g, (struct tui_rect){ body.x + hw + 1, body.y, body.w - hw - 1, hh - 1 });
		draw_chart(cv, CHART_DIST, g, (struct tui_rect){ body.x, body.y + hh, hw - 1, body.h - hh });
		draw_chart(cv, CHART_LATENCY, g, (struct tui_rect){ body.x + hw + 1, body.y + hh, body.w - hw - 1, body.h - hh });
		return;
	}
	if (!d->has_tri && chart == CHART_TRIANGLE) {
		tui_wrap_draw(g, body, TUI_ROLE_UNKNOWN, 0, d->note, 0);
		return;
	}
	draw_chart(cv, chart, g, body);
}

static int move_point(struct charts_view *cv, double dx, double dy)
{
	struct tui_rundata *d = tui_app_rundata(cv->base.app);
	double x, y;
	sl_tri_weights_to_plane(&d->w, &x, &y);
	struct sl_tri_weights w = sl_tri_weights_from_plane(x + dx, y + dy);
	tui_rundata_set_weights(d, &w);
	return TUI_HANDLED | TUI_REDRAW;
}

int tui_weights_action(struct tui_app *app, enum tui_action a)
{
	struct tui_rundata *d = tui_app_rundata(app);
	struct sl_tri_weights w = d->w;
	switch (a) {
	case TUI_ACT_SPEED_MORE: sl_tri_weights_nudge(&w, SL_TRI_SPEED, POINT_STEP); break;
	case TUI_ACT_SPEED_LESS: sl_tri_weights_nudge(&w, SL_TRI_SPEED, -POINT_STEP); break;
	case TUI_ACT_PRECISION_MORE: sl_tri_weights_nudge(&w, SL_TRI_PRECISION, POINT_STEP); break;
	case TUI_ACT_PRECISION_LESS: sl_tri_weights_nudge(&w, SL_TRI_PRECISION, -POINT_STEP); break;
	case TUI_ACT_COST_MORE: sl_tri_weights_nudge(&w, SL_TRI_COST, POINT_STEP); break;
	case TUI_ACT_COST_LESS: sl_tri_weights_nudge(&w, SL_TRI_COST, -POINT_STEP); break;
	case TUI_ACT_WEIGHTS_RESET: w = sl_tri_weights_default(); break;
	default: return 0;
	}
	tui_rundata_set_weights(d, &w);
	return TUI_HANDLED | TUI_REDRAW;
}

static int cv_action(struct tui_view *v, enum tui_action a)
{
	struct charts_view *cv = cv_of(v);
	switch (a) {
	case TUI_ACT_POINT_LEFT: return move_point(cv, -POINT_STEP, 0);
	case TUI_ACT_POINT_RIGHT: return move_point(cv, POINT_STEP, 0);
	case TUI_ACT_POINT_UP: return move_point(cv, 0, POINT_STEP);
	case TUI_ACT_POINT_DOWN: return move_point(cv, 0, -POINT_STEP);
	case TUI_ACT_CHART_NEXT:
	case TUI_ACT_CHART_PREV: {
		/* Before any run only the triangle and the priors have something to show;
		 * with a run, the four measured charts. */
		bool measured = tui_app_rundata(v->app)->run_id != 0;
		int step = a == TUI_ACT_CHART_NEXT ? 1 : CHART_COUNT - 1;
		cv->chart = shown_chart(cv, tui_app_rundata(v->app));
		do
			cv->chart = (cv->chart + step) % CHART_COUNT;
		while (measured ? cv->chart == CHART_PRIORS
				: cv->chart != CHART_TRIANGLE && cv->chart != CHART_PRIORS);
		return TUI_HANDLED | TUI_REDRAW;
	}
	default:
		return 0;
	}
}

static int cv_event(struct tui_view *v, const struct tui_event *ev)
{
	struct charts_view *cv = cv_of(v);
	if (ev->key == TK_MOUSE && ev->mouse == TUI_MOUSE_CLICK && cv->tri.w) {
		struct tui_rect t = cv->tri;
		if (ev->mx < t.x - 1 || ev->mx > t.x + t.w || ev->my < t.y || ev->my >= t.y + t.h)
			return 0;
		struct sl_tri_weights w = sl_tri_weights_from_plane(
			(ev->mx - t.x + 0.5) / t.w, 1 - (ev->my - t.y + 0.5) / t.h);
		tui_rundata_set_weights(tui_app_rundata(v->app), &w);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (ev->key == TK_MOUSE)
		return 0;
	return tui_weights_action(v->app, tui_action_for_key(TUI_CTX_WEIGHTS, ev->key));
}

static enum tui_context cv_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_CHARTS;
}

static void cv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct charts_view *cv = cv_of(v);
	struct tui_rundata *d = tui_app_rundata(v->app);
	const char *pt = tui_glyph(TUI_GLYPH_BULLET);
	if (!(v->app->grid.cols >= WIDE_COLS && v->app->grid.lines >= WIDE_LINES))
		sl_buf_printf(left, "%s %s ", chart_names[shown_chart(cv, d)], tui_glyph(TUI_GLYPH_DOT));
	sl_buf_printf(left, "arrows move %s", pt);
	if (d->winner >= 0)
		sl_buf_printf(right, "pick %s", d->tri.models[d->winner].name);
	/* The weight keys' reminder only where it is not cut (? lists them anyway). */
	if (tui_text_width(left->data) + tui_text_width(right->data) + 20 <= v->app->grid.cols)
		sl_buf_puts(left, "  s p c weights");
}

/* Before any run the priors follow the shortlist, which the Models screen may have changed
 * meanwhile: read it again (a catalogue query, cheap). */
static void cv_show(struct tui_view *v)
{
	struct tui_rundata *d = tui_app_rundata_peek(v->app);
	if (!d->run_id)
		d->stale = true;
}

static void cv_destroy(struct tui_view *v)
{
	free(v);
}

static const struct tui_view_ops charts_ops = {
	.name = "charts",
	.context = cv_context,
	.draw = cv_draw,
	.action = cv_action,
	.event = cv_event,
	.status = cv_status,
	.show = cv_show,
	.destroy = cv_destroy,
};

struct tui_view *tui_charts_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct charts_view *cv = sl_xcalloc(1, sizeof *cv);
	cv->base.ops = &charts_ops;
	cv->base.app = app;
	tui_app_rundata(app);
	return &cv->base;
}
