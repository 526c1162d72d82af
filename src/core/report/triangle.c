/* The speed-precision-cost triangle. Min-max normalisation keeps the axes comparable
 * whatever their units; the weighted sum is linear in the weights, so each model's winning
 * region is a convex patch of the simplex, which a modest sampling grid shows faithfully. */
#include "shortlist/util.h"
#include "shortlist/triangle.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "shortlist/format.h"

static const char *const axis_names[SL_TRI_AXES] = { "speed", "precision", "cost" };

void sl_triangle_init(struct sl_triangle *tri)
{
	memset(tri, 0, sizeof *tri);
}

void sl_triangle_free(struct sl_triangle *tri)
{
	for (size_t i = 0; i < tri->n; i++) {
		free(tri->models[i].name);
		free(tri->models[i].excluded);
	}
	free(tri->models);
	free(tri->precision_label);
	free(tri->cost_label);
	free(tri->speed_label);
	free(tri->source);
	free(tri->order);
	free(tri->region_winner);
	sl_triangle_init(tri);
}

struct sl_tri_model *sl_triangle_add(struct sl_triangle *tri, const char *name)
{
	if (tri->n == tri->cap) {
		tri->cap = tri->cap ? tri->cap * 2 : 8;
		tri->models = sl_xrealloc(tri->models, tri->cap * sizeof *tri->models);
	}
	struct sl_tri_model *m = &tri->models[tri->n++];
	memset(m, 0, sizeof *m);
	m->name = sl_xstrdup(name);
	m->latency_s = NAN;
	m->precision = NAN;
	m->cost = NAN;
	/* The order array is sized to n; a new model invalidates it. */
	free(tri->order);
	tri->order = NULL;
	return m;
}

static void replace_str(char **slot, const char *s)
{
	free(*slot);
	*slot = s ? sl_xstrdup(s) : NULL;
}

void sl_triangle_set_labels(struct sl_triangle *tri, const char *precision, const char *cost,
			    const char *speed, const char *source)
{
	replace_str(&tri->precision_label, precision);
	replace_str(&tri->cost_label, cost);
	replace_str(&tri->speed_label, speed);
	replace_str(&tri->source, source);
}

/* ---- weights ---- */

struct sl_tri_weights sl_tri_weights_default(void)
{
	struct sl_tri_weights w = { { 1.0 / 3, 1.0 / 3, 1.0 / 3 } };
	return w;
}

int sl_tri_weights_parse(const char *text, struct sl_tri_weights *out, struct sl_error *err)
{
	double v[SL_TRI_AXES];
	const char *p = text;
	for (int a = 0; a < SL_TRI_AXES; a++) {
		while (isspace((unsigned char)*p))
			p++;
		char *end;
		errno = 0;
		v[a] = strtod(p, &end);
		if (end == p || errno || !isfinite(v[a])) {
			sl_error_set(err, "weights '%s': expected a number for %s at position %d "
					  "(format: speed,precision,cost, e.g. 0.2,0.3,0.5 or 20,30,50)",
				     text, axis_names[a], (int)(p - text) + 1);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
		if (v[a] < 0) {
			sl_error_set(err, "weights '%s': the %s weight %g is negative", text,
				     axis_names[a], v[a]);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		if (a < SL_TRI_AXES - 1) {
			if (*p != ',' && *p != '/') {
				sl_error_set(err, "weights '%s': expected ',' after the %s weight at "
						  "position %d (format: speed,precision,cost)",
					     text, axis_names[a], (int)(p - text) + 1);
				err->code = SL_EXIT_USAGE;
				return -1;
			}
			p++;
		}
	}
	if (*p) {
		sl_error_set(err, "weights '%s': unexpected '%s' after the cost weight (three "
				  "weights: speed,precision,cost)", text, p);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	double sum = v[0] + v[1] + v[2];
	double scale;
	if (fabs(sum - 1.0) <= 1e-6)
		scale = 1.0;
	else if (fabs(sum - 100.0) <= 1e-4)
		scale = 100.0;
	else {
		sl_error_set(err, "weights '%s' sum to %g; they must sum to 1 (or 100 as percent)",
			     text, sum);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	for (int a = 0; a < SL_TRI_AXES; a++)
		out->w[a] = v[a] / scale;
	return 0;
}

void sl_tri_weights_format(const struct sl_tri_weights *w, char out[64])
{
	snprintf(out, 64, "speed %.2f / precision %.2f / cost %.2f", w->w[SL_TRI_SPEED],
		 w->w[SL_TRI_PRECISION], w->w[SL_TRI_COST]);
}

/* ---- normalisation and the frontier ---- */

static double raw_value(const struct sl_tri_model *m, int axis)
{
	switch (axis) {
	case SL_TRI_SPEED: return m->latency_s;
	case SL_TRI_PRECISION: return m->precision;
	default: return m->cost;
	}
}

/* Speed and cost are better when smaller. */
static bool lower_is_better(int axis)
{
	return axis != SL_TRI_PRECISION;
}

void sl_triangle_normalise(struct sl_triangle *tri)
{
	for (int a = 0; a < SL_TRI_AXES; a++) {
		double lo = INFINITY, hi = -INFINITY;
		for (size_t i = 0; i < tri->n; i++) {
			double v = raw_value(&tri->models[i], a);
			tri->models[i].known[a] = isfinite(v);
			if (!isfinite(v))
				continue;
			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
		for (size_t i = 0; i < tri->n; i++) {
			struct sl_tri_model *m = &tri->models[i];
			double v = raw_value(m, a);
			if (!m->known[a])
				m->norm[a] = 0; /* unknown is never rewarded */
			else if (hi - lo <= 1e-12 * fmax(1.0, fabs(hi)))
				m->norm[a] = 1; /* nobody is worse: the axis does not separate */
			else if (lower_is_better(a))
				m->norm[a] = (hi - v) / (hi - lo);
			else
				m->norm[a] = (v - lo) / (hi - lo);
		}
	}
	for (size_t i = 0; i < tri->n; i++) {
		struct sl_tri_model *m = &tri->models[i];
		m->pareto = true;
		for (size_t j = 0; j < tri->n && m->pareto; j++) {
			if (j == i)
				continue;
			const struct sl_tri_model *o = &tri->models[j];
			bool all_ge = true, one_gt = false;
			for (int a = 0; a < SL_TRI_AXES; a++) {
				if (o->norm[a] < m->norm[a])
					all_ge = false;
				if (o->norm[a] > m->norm[a])
					one_gt = true;
			}
			if (all_ge && one_gt)
				m->pareto = false;
		}
	}
}

void sl_pareto_front_2d(const double *x, const double *y, size_t n, bool *front)
{
	for (size_t i = 0; i < n; i++) {
		front[i] = isfinite(x[i]) && isfinite(y[i]);
		for (size_t j = 0; j < n && front[i]; j++)
			if (j != i && isfinite(x[j]) && isfinite(y[j]) && x[j] <= x[i] &&
			    y[j] >= y[i] && (x[j] < x[i] || y[j] > y[i]))
				front[i] = false;
	}
}

/* ---- ranking ---- */

/* True if model a should rank above model b given their scores. */
static bool ranks_above(const struct sl_tri_model *a, double sa, const struct sl_tri_model *b,
			double sb)
{
	if (fabs(sa - sb) > 1e-12)
		return sa > sb;
	if (a->norm[SL_TRI_PRECISION] != b->norm[SL_TRI_PRECISION])
		return a->norm[SL_TRI_PRECISION] > b->norm[SL_TRI_PRECISION];
	if (a->norm[SL_TRI_COST] != b->norm[SL_TRI_COST])
		return a->norm[SL_TRI_COST] > b->norm[SL_TRI_COST];
	if (a->norm[SL_TRI_SPEED] != b->norm[SL_TRI_SPEED])
		return a->norm[SL_TRI_SPEED] > b->norm[SL_TRI_SPEED];
	return strcmp(a->name, b->name) < 0;
}

static double weighted(const struct sl_tri_model *m, const double w[SL_TRI_AXES])
{
	return w[0] * m->norm[0] + w[1] * m->norm[1] + w[2] * m->norm[2];
}

void sl_triangle_rank(struct sl_triangle *tri, const struct sl_tri_weights *w)
{
	if (!tri->order && tri->n)
		tri->order = sl_xmalloc(tri->n * sizeof *tri->order);
	for (size_t i = 0; i < tri->n; i++)
		tri->models[i].score = weighted(&tri->models[i], w->w);
	/* Insertion sort: n is a shortlist (tens), and it is stable and allocation-free. */
	for (size_t i = 0; i < tri->n; i++) {
		size_t j = i;
		while (j > 0) {
			const struct sl_tri_model *prev = &tri->models[tri->order[j - 1]];
			if (!ranks_above(&tri->models[i], tri->models[i].score, prev, prev->score))
				break;
			tri->order[j] = tri->order[j - 1];
			j--;
		}
		tri->order[j] = i;
	}
	for (size_t r = 0; r < tri->n; r++)
		tri->models[tri->order[r]].rank = (int)r + 1;
}

/* The winner among the models not excluded by gates (among all when every one is). */
static int winner_at(const struct sl_triangle *tri, const double w[SL_TRI_AXES])
{
	int best = -1;
	double best_s = 0;
	bool any_eligible = false;
	for (size_t i = 0; i < tri->n; i++)
		any_eligible |= !tri->models[i].excluded;
	for (size_t i = 0; i < tri->n; i++) {
		if (any_eligible && tri->models[i].excluded)
			continue;
		double s = weighted(&tri->models[i], w);
		if (best < 0 || ranks_above(&tri->models[i], s, &tri->models[best], best_s)) {
			best = (int)i;
			best_s = s;
		}
	}
	return best;
}

int sl_triangle_winner(const struct sl_triangle *tri, const struct sl_tri_weights *w)
{
	return winner_at(tri, w->w);
}

/* ---- where the winner changes ---- */

/* Weights with axis at x and the other two in the ratio they have in w. */
static void along(const struct sl_tri_weights *w, int axis, double x, double out[SL_TRI_AXES])
{
	int b = (axis + 1) % SL_TRI_AXES, c = (axis + 2) % SL_TRI_AXES;
	double rest = w->w[b] + w->w[c];
	double rb = rest > 1e-12 ? w->w[b] / rest : 0.5;
	out[axis] = x;
	out[b] = (1 - x) * rb;
	out[c] = (1 - x) * (1 - rb);
}

bool sl_triangle_next_change(const struct sl_triangle *tri, const struct sl_tri_weights *w,
			     int axis, bool up, struct sl_tri_change *out)
{
	int win = winner_at(tri, w->w);
	if (win < 0 || axis < 0 || axis >= SL_TRI_AXES)
		return false;
	int b = (axis + 1) % SL_TRI_AXES, c = (axis + 2) % SL_TRI_AXES;
	double x0 = w->w[axis];
	double rest = w->w[b] + w->w[c];
	double rb = rest > 1e-12 ? w->w[b] / rest : 0.5;
	/* Along the path a model scores k + x (n_axis - k), k its score on the other two. */
	const struct sl_tri_model *W = &tri->models[win];
	double kw = rb * W->norm[b] + (1 - rb) * W->norm[c];
	double best = NAN;
	for (size_t i = 0; i < tri->n; i++) {
		const struct sl_tri_model *m = &tri->models[i];
		double km = rb * m->norm[b] + (1 - rb) * m->norm[c];
		double d0 = km - kw, d1 = (m->norm[axis] - km) - (W->norm[axis] - kw);
		if ((int)i == win || fabs(d1) < 1e-12 || (up ? d1 < 0 : d1 > 0))
			continue;
		double x = -d0 / d1;
		if (up ? (x < x0 - 1e-12 || x >= 1 - 1e-9) : (x > x0 + 1e-12 || x <= 1e-9))
			continue;
		if (isnan(best) || fabs(x - x0) < fabs(best - x0))
			best = x;
	}
	if (isnan(best))
		return false;
	double beyond[SL_TRI_AXES];
	along(w, axis, up ? fmin(1, best + 1e-9) : fmax(0, best - 1e-9), beyond);
	out->axis = axis;
	out->up = up;
	out->at = best;
	out->winner = winner_at(tri, beyond);
	return out->winner != win;
}

bool sl_triangle_nearest_change(const struct sl_triangle *tri, const struct sl_tri_weights *w,
				struct sl_tri_change *out)
{
	bool found = false;
	for (int a = 0; a < SL_TRI_AXES; a++) {
		for (int up = 0; up < 2; up++) {
			struct sl_tri_change c;
			if (!sl_triangle_next_change(tri, w, a, up, &c))
				continue;
			if (!found || fabs(c.at - w->w[a]) < fabs(out->at - w->w[out->axis])) {
				*out = c;
				found = true;
			}
		}
	}
	return found;
}

void sl_tri_change_format(const struct sl_triangle *tri, const struct sl_tri_change *c,
			  struct sl_buf *out)
{
	sl_buf_printf(out, "%s wins when %s weight %s %.2f", tri->models[c->winner].name,
		      axis_names[c->axis], c->up ? ">" : "<", c->at);
}

/* ---- moving the weights ---- */

void sl_tri_weights_nudge(struct sl_tri_weights *w, int axis, double delta)
{
	struct sl_tri_weights old = *w;
	along(&old, axis, fmin(1, fmax(0, old.w[axis] + delta)), w->w);
}

void sl_tri_weights_to_plane(const struct sl_tri_weights *w, double *x, double *y)
{
	*y = w->w[SL_TRI_PRECISION];
	*x = w->w[SL_TRI_COST] + w->w[SL_TRI_PRECISION] / 2;
}

struct sl_tri_weights sl_tri_weights_from_plane(double x, double y)
{
	double v[SL_TRI_AXES];
	v[SL_TRI_PRECISION] = y;
	v[SL_TRI_COST] = x - y / 2;
	v[SL_TRI_SPEED] = 1 - v[SL_TRI_PRECISION] - v[SL_TRI_COST];
	/* Outside the triangle: drop the negative parts and rescale onto the nearest edge. */
	double sum = 0;
	for (int a = 0; a < SL_TRI_AXES; a++) {
		v[a] = fmax(0, v[a]);
		sum += v[a];
	}
	struct sl_tri_weights w;
	for (int a = 0; a < SL_TRI_AXES; a++)
		w.w[a] = sum > 0 ? v[a] / sum : 1.0 / SL_TRI_AXES;
	return w;
}

size_t sl_tri_grid_index(int steps, int i, int j)
{
	return (size_t)i * (size_t)(steps + 1) - (size_t)i * (size_t)(i - 1) / 2 + (size_t)j;
}

void sl_triangle_regions(struct sl_triangle *tri, int steps)
{
	if (steps < 1)
		steps = 1;
	size_t points = (size_t)(steps + 1) * (size_t)(steps + 2) / 2;
	free(tri->region_winner);
	tri->region_winner = sl_xmalloc(points * sizeof *tri->region_winner);
	tri->region_steps = steps;
	size_t *wins = sl_xcalloc(tri->n ? tri->n : 1, sizeof *wins);
	for (int i = 0; i <= steps; i++) {
		for (int j = 0; j <= steps - i; j++) {
			double w[SL_TRI_AXES] = { (double)i / steps, (double)j / steps,
						  (double)(steps - i - j) / steps };
			int win = winner_at(tri, w);
			tri->region_winner[sl_tri_grid_index(steps, i, j)] = win;
			if (win >= 0)
				wins[win]++;
		}
	}
	for (size_t m = 0; m < tri->n; m++)
		tri->models[m].region_share = (double)wins[m] / (double)points;
	free(wins);
}

/* ---- the recommendation ---- */

static void describe_precision(const struct sl_triangle *tri, const struct sl_tri_model *m,
			       struct sl_buf *out)
{
	const char *label = tri->precision_label ? tri->precision_label : "precision";
	if (!isfinite(m->precision))
		sl_buf_printf(out, "%s unknown", label);
	else if (m->total > 0 && m->total <= 20)
		sl_buf_printf(out, "%ld/%ld %s", m->correct, m->total, label);
	else if (m->total > 0)
		sl_buf_printf(out, "%s %.1f%% (%ld/%ld)", label, 100.0 * m->precision, m->correct,
			      m->total);
	else
		sl_buf_printf(out, "%s %.3g", label, m->precision);
}

static void precision_short(const struct sl_tri_model *m, struct sl_buf *out)
{
	if (!isfinite(m->precision))
		sl_buf_puts(out, SL_FMT_UNKNOWN);
	else if (m->total > 0 && m->total <= 20)
		sl_buf_printf(out, "%ld/%ld", m->correct, m->total);
	else if (m->total > 0)
		sl_buf_printf(out, "%.1f%%", 100.0 * m->precision);
	else
		sl_buf_printf(out, "%.3g", m->precision);
}

/* "a fifth of", "37% of", "2.4x" — how a's cost compares to b's. */
static void describe_cost_ratio(double a, double b, const char *b_name, const char *unit,
				struct sl_buf *out)
{
	static const char *const fractions[] = { NULL, NULL, "half", "a third", "a quarter",
						 "a fifth", "a sixth", "a seventh", "an eighth",
						 "a ninth", "a tenth" };
	/* Say whose price is missing: the pick's own cost is known when only b's is not. */
	if (!isfinite(a) && !isfinite(b)) {
		sl_buf_puts(out, "cost unknown for both");
		return;
	}
	if (!isfinite(a)) {
		sl_buf_puts(out, "its cost unknown");
		return;
	}
	if (!isfinite(b)) {
		sl_buf_printf(out, "at $%.4g%s, %s's cost unknown", a, unit, b_name);
		return;
	}
	if (b <= 0 && a <= 0) {
		sl_buf_printf(out, "at the same cost as %s", b_name);
		return;
	}
	if (a <= 0) {
		sl_buf_printf(out, "at no cost, where %s costs $%.4g%s", b_name, b, unit);
		return;
	}
	if (b <= 0) {
		sl_buf_printf(out, "at $%.4g%s, where %s costs nothing", a, unit, b_name);
		return;
	}
	double r = a / b;
	if (fabs(r - 1) < 0.02) {
		sl_buf_printf(out, "at the same cost as %s", b_name);
	} else if (r < 1) {
		double inv = 1 / r;
		long k = lround(inv);
		if (k >= 2 && k <= 10 && fabs(inv - (double)k) <= 0.03 * inv)
			sl_buf_printf(out, "at %s of %s's cost", fractions[k], b_name);
		else
			sl_buf_printf(out, "at %.0f%% of %s's cost", 100 * r, b_name);
	} else {
		sl_buf_printf(out, "at %.1fx %s's cost", r, b_name);
	}
}

static void describe_speed_ratio(double a, double b, const char *b_name, struct sl_buf *out)
{
	if (!isfinite(a) || !isfinite(b) || a <= 0 || b <= 0)
		return;
	double r = b / a;
	if (r >= 1.1)
		sl_buf_printf(out, ", %.1fx faster than %s", r, b_name);
	else if (r <= 1 / 1.1)
		sl_buf_printf(out, ", %.1fx slower than %s", 1 / r, b_name);
}

void sl_triangle_exclude(struct sl_triangle *tri, const char *name, const char *why)
{
	for (size_t i = 0; i < tri->n; i++) {
		struct sl_tri_model *m = &tri->models[i];
		if (strcmp(m->name, name) != 0)
			continue;
		if (!m->excluded) {
			m->excluded = sl_xstrdup(why);
		} else if (!strstr(m->excluded, why)) {
			char *both = sl_xasprintf("%s, %s", m->excluded, why);
			free(m->excluded);
			m->excluded = both;
		}
	}
}

/* "; excluded by gates: A (accuracy>=0.85), B (p95_latency<=2)" */
static void describe_excluded(const struct sl_triangle *tri, struct sl_buf *out)
{
	size_t n = 0;
	for (size_t k = 0; k < tri->n; k++) {
		const struct sl_tri_model *m = &tri->models[tri->order[k]];
		if (m->excluded)
			sl_buf_printf(out, "%s%s (%s)", n++ ? ", " : "; excluded by gates: ", m->name,
				      m->excluded);
	}
}

void sl_triangle_recommend(const struct sl_triangle *tri, const struct sl_tri_weights *w,
			   struct sl_buf *out)
{
	char wt[64];
	sl_tri_weights_format(w, wt);
	if (tri->n == 0 || !tri->order) {
		sl_buf_puts(out, "no models to compare: shortlist some models or run a suite");
		return;
	}
	/* The pick: the first in rank order that passes the gates; if none does, the first,
	 * shown as failing. Comparisons are with the models still eligible. */
	const struct sl_tri_model *win = NULL;
	size_t eligible = 0;
	for (size_t k = 0; k < tri->n; k++) {
		const struct sl_tri_model *m = &tri->models[tri->order[k]];
		if (!m->excluded) {
			eligible++;
			if (!win)
				win = m;
		}
	}
	bool none_pass = !win;
	if (none_pass)
		win = &tri->models[tri->order[0]];
	/* " per 1k requests" from "USD per 1k requests": the unit of the costs quoted. */
	const char *unit = tri->cost_label ? strstr(tri->cost_label, " per ") : NULL;
	if (!unit)
		unit = "";
	/* The precision leader is the natural yardstick: what does the pick give up, and what
	 * does it save? If the pick is the leader, compare it with the runner-up instead. */
	const struct sl_tri_model *lead = NULL, *next = NULL;
	size_t n_compared = none_pass ? tri->n : eligible;
	for (size_t k = 0; k < tri->n; k++) {
		const struct sl_tri_model *m = &tri->models[tri->order[k]];
		if (m->excluded && !none_pass)
			continue;
		if (isfinite(m->precision) && (!lead || m->precision > lead->precision))
			lead = m;
		if (m != win && !next)
			next = m;
	}
	if (none_pass)
		sl_buf_printf(out, "no model passes the gates; under %s the best is %s, which "
			      "fails %s: ", wt, win->name, win->excluded);
	else
		sl_buf_printf(out, "under %s pick %s: ", wt, win->name);
	if (!lead && n_compared > 1) {
		/* Nothing measured the quality: say so rather than quote "unknown" twice. */
		const char *label = tri->precision_label ? tri->precision_label : "precision";
		sl_buf_printf(out, "no model has %s %s score, so speed and cost decide; ",
			      strchr("aeiou", label[0]) ? "an" : "a", label);
		describe_cost_ratio(win->cost, next->cost, next->name, unit, out);
		describe_speed_ratio(win->latency_s, next->latency_s, next->name, out);
		if (tri->priors)
			sl_buf_puts(out, " [catalogue priors, not measured]");
		if (!none_pass)
			describe_excluded(tri, out);
		return;
	}
	describe_precision(tri, win, out);
	if (n_compared == 1) {
		sl_buf_puts(out, tri->n == 1 ? " (the only model compared)"
					     : " (the only model that passes the gates)");
		if (!none_pass)
			describe_excluded(tri, out);
		return;
	}
	const struct sl_tri_model *other;
	if (lead && lead != win && (isnan(win->precision) || lead->precision > win->precision)) {
		other = lead;
		if (isnan(win->precision))
			sl_buf_putc(out, ',');
	} else {
		other = next;
		size_t ties = 0;
		for (size_t i = 0; i < tri->n; i++)
			ties += &tri->models[i] != win && tri->models[i].precision == win->precision &&
				(none_pass || !tri->models[i].excluded);
		if (lead == win || (lead && lead->precision == win->precision))
			sl_buf_puts(out, ties ? ", tied for the most precise," : ", the most precise,");
	}
	sl_buf_putc(out, ' ');
	describe_cost_ratio(win->cost, other->cost, other->name, unit, out);
	describe_speed_ratio(win->latency_s, other->latency_s, other->name, out);
	sl_buf_printf(out, " (%s: ", other->name);
	precision_short(other, out);
	sl_buf_putc(out, ')');
	if (tri->priors)
		sl_buf_puts(out, " [catalogue priors, not measured]");
	if (!none_pass)
		describe_excluded(tri, out);
}

/* ---- rendering ---- */

char sl_tri_letter(size_t i)
{
	static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	return i < sizeof letters - 1 ? letters[i] : '?';
}

void sl_triangle_render_map(const struct sl_triangle *tri, int rows,
			    const struct sl_tri_weights *here, struct sl_buf *out)
{
	if (tri->n == 0)
		return;
	if (rows < 2)
		rows = 2;
	int steps = rows - 1;
	int indent = 8;
	/* The grid cell nearest the user's weights is marked '*'. */
	int here_r = -1, here_k = -1;
	if (here) {
		here_r = (int)lround((1.0 - here->w[SL_TRI_PRECISION]) * steps);
		here_k = (int)lround(here->w[SL_TRI_COST] * steps);
		if (here_k > here_r)
			here_k = here_r;
	}
	sl_buf_printf(out, "%*s%*s\n", indent, "", steps + 5, "precision");
	for (int r = 0; r <= steps; r++) {
		sl_buf_printf(out, "%*s", indent + steps - r, "");
		for (int k = 0; k <= r; k++) {
			double w[SL_TRI_AXES] = { (double)(r - k) / steps, 1.0 - (double)r / steps,
						  (double)k / steps };
			int win = winner_at(tri, w);
			if (r == here_r && k == here_k)
				sl_buf_putc(out, '*');
			else
				sl_buf_putc(out, win < 0 ? '.' : sl_tri_letter((size_t)win));
			if (k < r)
				sl_buf_putc(out, ' ');
		}
		sl_buf_putc(out, '\n');
	}
	sl_buf_printf(out, "%*sspeed%*scost\n", indent - 5, "", 2 * steps + 1, "");
}

static const char *const palette[] = { "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
				       "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };

void sl_triangle_render_map_svg(const struct sl_triangle *tri, int width, struct sl_buf *out)
{
	if (tri->n == 0)
		return;
	int steps = 24;
	double side = width - 40.0, h = side * sqrt(3) / 2;
	double ox = 20, oy = 24;
	sl_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
			   "viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"weight regions\">\n",
		      width, h + 72, width, h + 72);
	/* Barycentric (speed, precision, cost) to the plane: precision at the top. */
#define TRI_X(s, p, c) (ox + side * ((c) + (p) / 2))
#define TRI_Y(s, p, c) (oy + h * (1 - (p)))
	for (int r = 0; r < steps; r++) {
		for (int k = 0; k <= r; k++) {
			/* Upward small triangle with apex at row r, then the downward one beside. */
			for (int down = 0; down < 2; down++) {
				if (down && k == r)
					break;
				/* Vertices as (row, k): up (r,k) (r+1,k) (r+1,k+1); down (r,k)
				 * (r,k+1) (r+1,k+1). */
				const int vr[3] = { r, down ? r : r + 1, r + 1 };
				const int vk[3] = { k, down ? k + 1 : k, k + 1 };
				double pts[3][3];
				for (int q = 0; q < 3; q++) {
					pts[q][1] = 1.0 - (double)vr[q] / steps;
					pts[q][2] = (double)vk[q] / steps;
					pts[q][0] = 1.0 - pts[q][1] - pts[q][2];
				}
				double c[SL_TRI_AXES];
				for (int a = 0; a < SL_TRI_AXES; a++)
					c[a] = (pts[0][a] + pts[1][a] + pts[2][a]) / 3;
				int win = winner_at(tri, c);
				sl_buf_printf(out, "<polygon points=\"");
				for (int q = 0; q < 3; q++)
					sl_buf_printf(out, "%.1f,%.1f ", TRI_X(0, pts[q][1], pts[q][2]),
						      TRI_Y(0, pts[q][1], pts[q][2]));
				sl_buf_printf(out, "\" fill=\"%s\" stroke=\"%s\" stroke-width=\"0.3\"/>\n",
					      palette[(size_t)win % SL_ARRAY_LEN(palette)],
					      palette[(size_t)win % SL_ARRAY_LEN(palette)]);
			}
		}
	}
	sl_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">"
			   "precision</text>\n", ox + side / 2, oy - 8);
	sl_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\" font-size=\"12\">"
			   "speed</text>\n", ox - 10, oy + h + 16);
	sl_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">"
			   "cost</text>\n", ox + side + 10, oy + h + 16);
	double lx = ox;
	for (size_t i = 0; i < tri->n && i < 12; i++) {
		if (tri->models[i].region_share <= 0 && tri->region_winner)
			continue;
		sl_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
				   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%c</text>\n",
			      lx, oy + h + 28, palette[i % SL_ARRAY_LEN(palette)], lx + 13,
			      oy + h + 37, sl_tri_letter(i));
		lx += 30;
	}
#undef TRI_X
#undef TRI_Y
	sl_buf_puts(out, "</svg>\n");
}

void sl_triangle_render_text(const struct sl_triangle *tri, const struct sl_tri_weights *w,
			     struct sl_buf *out)
{
	char wt[64];
	sl_tri_weights_format(w, wt);
	if (tri->priors)
		sl_buf_puts(out, "PRIORS - catalogue values (published benchmark score, list price), "
				 "not measured on your prompts\n");
	sl_buf_printf(out, "triangle of %zu model%s%s%s, weights %s\n", tri->n,
		      tri->n == 1 ? "" : "s", tri->source ? " from " : "",
		      tri->source ? tri->source : "", wt);
	if (tri->n == 0) {
		sl_buf_puts(out, "no models: shortlist some (shortlist shortlist add MODEL) or give "
				 "a run\n");
		return;
	}
	size_t name_w = 5;
	for (size_t i = 0; i < tri->n; i++)
		name_w = strlen(tri->models[i].name) > name_w ? strlen(tri->models[i].name) : name_w;
	if (name_w > 40)
		name_w = 40;
	sl_buf_printf(out, "\n%4s  %-*s  %-2s %10s %5s  %10s %5s  %10s %5s  %5s  %-8s  %5s\n", "rank",
		      (int)name_w, "model", "", "speed", "norm", "precision", "norm", "cost",
		      "norm", "score", "frontier", "wins");
	for (size_t r = 0; r < tri->n; r++) {
		size_t i = tri->order ? tri->order[r] : r;
		const struct sl_tri_model *m = &tri->models[i];
		char lat[SL_FMT_LEN], cost[SL_FMT_LEN];
		sl_fmt_seconds(m->latency_s, lat);
		sl_fmt_usd(m->cost, cost);
		struct sl_buf prec;
		sl_buf_init(&prec);
		precision_short(m, &prec);
		sl_buf_printf(out, "%4d  %-*.*s  %c  %10s %5.2f  %10s %5.2f  %10s %5.2f  %5.3f  %-8s  "
				   "%4.0f%%\n",
			      m->rank, (int)name_w, (int)name_w, m->name, sl_tri_letter(i), lat,
			      m->norm[SL_TRI_SPEED], prec.data, m->norm[SL_TRI_PRECISION], cost,
			      m->norm[SL_TRI_COST], m->score, m->pareto ? "yes" : "-",
			      100 * m->region_share);
		sl_buf_free(&prec);
	}
	sl_buf_printf(out, "\nspeed = %s, precision = %s, cost = %s; norm 1 = best of these models.\n",
		      tri->speed_label ? tri->speed_label : "p50 latency",
		      tri->precision_label ? tri->precision_label : "quality score",
		      tri->cost_label ? tri->cost_label : "USD per 1k requests");
	for (int a = 0; a < SL_TRI_AXES; a++) {
		size_t unknown = 0;
		for (size_t i = 0; i < tri->n; i++)
			unknown += !tri->models[i].known[a];
		if (unknown == tri->n)
			sl_buf_printf(out, "%s is unknown for every model: its weight changes nothing.\n",
				      axis_names[a]);
		else if (unknown)
			sl_buf_printf(out, "%s is unknown for %zu model%s, scored as the worst.\n",
				      axis_names[a], unknown, unknown == 1 ? "" : "s");
	}
	sl_buf_puts(out, "frontier = not beaten on all three axes by another model; wins = share "
			 "of all weight settings under which it ranks first.\n\n");
	sl_triangle_recommend(tri, w, out);
	sl_buf_puts(out, "\n\nwhich model wins where (letters as in the table, * = these weights):\n");
	sl_triangle_render_map(tri, 16, w, out);
}

cJSON *sl_triangle_json(const struct sl_triangle *tri, const struct sl_tri_weights *w)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "priors", tri->priors);
	if (tri->source)
		cJSON_AddStringToObject(o, "source", tri->source);
	cJSON *wj = cJSON_AddObjectToObject(o, "weights");
	for (int a = 0; a < SL_TRI_AXES; a++)
		cJSON_AddNumberToObject(wj, axis_names[a], w->w[a]);
	cJSON *lj = cJSON_AddObjectToObject(o, "axes");
	cJSON_AddStringToObject(lj, "speed", tri->speed_label ? tri->speed_label : "p50 latency");
	cJSON_AddStringToObject(lj, "precision", tri->precision_label ? tri->precision_label
								      : "quality score");
	cJSON_AddStringToObject(lj, "cost", tri->cost_label ? tri->cost_label
							    : "USD per 1k requests");
	struct sl_buf rec;
	sl_buf_init(&rec);
	sl_triangle_recommend(tri, w, &rec);
	cJSON_AddStringToObject(o, "recommendation", rec.data ? rec.data : "");
	sl_buf_free(&rec);
	cJSON *ms = cJSON_AddArrayToObject(o, "ranking");
	for (size_t r = 0; r < tri->n; r++) {
		const struct sl_tri_model *m = &tri->models[tri->order ? tri->order[r] : r];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "rank", m->rank);
		cJSON_AddStringToObject(x, "model", m->name);
		cJSON_AddNumberToObject(x, "score", m->score);
		sl_json_add_number(x, "latency_s", m->latency_s);
		sl_json_add_number(x, "precision", m->precision);
		sl_json_add_number(x, "cost", m->cost);
		cJSON *nj = cJSON_AddObjectToObject(x, "normalised");
		for (int a = 0; a < SL_TRI_AXES; a++)
			sl_json_add_number(nj, axis_names[a], m->known[a] ? m->norm[a] : NAN);
		cJSON_AddBoolToObject(x, "pareto", m->pareto);
		if (m->excluded) /* the gates it failed: never the recommendation */
			cJSON_AddStringToObject(x, "excluded", m->excluded);
		sl_json_add_number(x, "weight_region_share", tri->region_winner ? m->region_share : NAN);
		cJSON_AddItemToArray(ms, x);
	}
	return o;
}
