#include "rundata.h"

#include "charts.h"
#include "run_live.h"
#include "shortlist/pipeline.h"
#include "shortlist/priors.h"
#include "shortlist/judge.h"
#include "shortlist/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Steps of the sampled simplex behind region shares (the shading samples on its own). */
#define REGION_STEPS 60

void tui_rundata_init(struct tui_rundata *d)
{
	memset(d, 0, sizeof *d);
	sl_triangle_init(&d->tri);
	sl_buf_init(&d->recommendation);
	sl_buf_init(&d->change);
	d->w = sl_tri_weights_default();
	d->winner = -1;
}

static void clear(struct tui_rundata *d)
{
	if (d->loaded)
		sl_run_free(&d->run);
	sl_scorecard_free(&d->sc);
	sl_triangle_free(&d->tri);
	sl_triangle_free(&d->priors);
	d->priors_loaded = d->has_priors = false;
	sl_gates_free(d->gates, d->n_gates);
	sl_gate_report_free(&d->gate_report);
	free(d->lat);
	free(d->ttft);
	free(d->front_cost);
	free(d->front_p95);
	d->gates = NULL;
	d->n_gates = 0;
	memset(&d->gate_report, 0, sizeof d->gate_report);
	d->lat = d->ttft = NULL;
	d->front_cost = d->front_p95 = NULL;
	d->loaded = d->has_tri = false;
	d->note[0] = '\0';
	d->winner = -1;
	sl_buf_reset(&d->recommendation);
	sl_buf_reset(&d->change);
}

void tui_rundata_free(struct tui_rundata *d)
{
	clear(d);
	sl_buf_free(&d->recommendation);
	sl_buf_free(&d->change);
}

const struct sl_triangle *tui_rundata_priors(struct tui_rundata *d, struct sl_store *store)
{
	if (!d->priors_loaded) {
		struct sl_error err = { 0 };
		d->priors_loaded = true;
		sl_triangle_init(&d->priors);
		d->has_priors = sl_priors_triangle(store, &d->priors, &err) == 0;
		if (!d->has_priors)
			snprintf(d->priors_note, sizeof d->priors_note, "%s", err.msg);
	}
	return d->has_priors ? &d->priors : NULL;
}

double tui_rundata_quality(const struct tui_rundata *d, size_t i, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!d->sc.headline || i >= d->sc.n_models)
		return NAN;
	double v;
	const struct sl_metric_value *q;
	if (!sl_scorecard_metric(&d->sc.rows[i], d->sc.headline, &v, &q))
		return NAN;
	if (q) {
		*lo = q->lo;
		*hi = q->hi;
	}
	return v;
}

/* Box plots and the two 2-D frontiers of every model row. */
static int load_charts(struct tui_rundata *d, struct sl_store *store, struct sl_error *err)
{
	size_t n = d->sc.n_models;
	d->lat = sl_xcalloc(n ? n : 1, sizeof *d->lat);
	d->ttft = sl_xcalloc(n ? n : 1, sizeof *d->ttft);
	d->front_cost = sl_xcalloc(n ? n : 1, sizeof *d->front_cost);
	d->front_p95 = sl_xcalloc(n ? n : 1, sizeof *d->front_p95);
	double *x = sl_xcalloc(n ? n : 1, sizeof *x), *y = sl_xcalloc(n ? n : 1, sizeof *y);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sl_scorecard_row *r = &d->sc.rows[i];
		rc = sl_scorecard_dist(store, &d->sc, r, false, &d->lat[i], err);
		if (rc == 0)
			rc = sl_scorecard_dist(store, &d->sc, r, true, &d->ttft[i], err);
		double lo, hi;
		y[i] = tui_rundata_quality(d, i, &lo, &hi);
		x[i] = r->cost_per_1k;
	}
	sl_pareto_front_2d(x, y, n, d->front_cost);
	for (size_t i = 0; i < n; i++)
		x[i] = d->sc.rows[i].latency_p95;
	sl_pareto_front_2d(x, y, n, d->front_p95);
	free(x);
	free(y);
	return rc;
}

int tui_rundata_load(struct tui_rundata *d, struct sl_store *store, int64_t run_id)
{
	int64_t t0 = sl_now_ns();
	clear(d);
	d->version++;
	struct sl_error err = { 0 };
	if (run_id == 0 && sl_run_resolve(store, "latest", &run_id, &err) != 0)
		run_id = 0;
	if (run_id != d->run_id)
		d->seen_weights = false; /* another run: its suite's weights first */
	d->run_id = run_id;
	if (run_id == 0) {
		snprintf(d->note, sizeof d->note, "no runs yet: run a suite (shortlist run SUITE) "
						  "or start one from the Models screen");
		/* Before any run the triangle is the shortlist's catalogue priors, labelled so. */
		if (sl_priors_triangle(store, &d->tri, &err) == 0) {
			d->has_tri = true;
			sl_triangle_regions(&d->tri, REGION_STEPS);
			struct sl_tri_weights w = d->w;
			tui_rundata_set_weights(d, &w);
		} else {
			size_t used = strlen(d->note);
			snprintf(d->note + used, sizeof d->note - used, ". Priors: %s", err.msg);
		}
		d->loaded_ns = sl_now_ns();
		return 0;
	}
	err = (struct sl_error){ 0 };
	if (sl_run_get(store, run_id, &d->run, &err) != 0) {
		snprintf(d->note, sizeof d->note, "%s", err.msg);
		return -1;
	}
	d->loaded = true;
	/* The core's one view of a run: scorecard, triangle with its regions, the suite's
	 * gates. The weights are the suite's when a run is first shown, then the user's. */
	struct sl_run_view_options vo = { .weights = d->seen_weights ? &d->w : NULL,
					  .region_steps = REGION_STEPS };
	struct sl_run_view v;
	if (sl_run_view_build(store, run_id, &vo, &v, &err) != 0) {
		snprintf(d->note, sizeof d->note, "%s", err.msg);
		return -1;
	}
	d->w = v.weights;
	d->seen_weights = true;
	d->sc = v.scorecard;
	d->tri = v.triangle;
	d->gates = v.gates;
	d->n_gates = v.n_gates;
	d->gate_report = v.gate_report;
	memset(&v.scorecard, 0, sizeof v.scorecard);
	sl_triangle_init(&v.triangle);
	v.gates = NULL;
	v.n_gates = 0;
	memset(&v.gate_report, 0, sizeof v.gate_report);
	if (d->sc.n_models == 0)
		snprintf(d->note, sizeof d->note, "run %lld has no finished cells yet",
			 (long long)run_id);
	else if (d->tri.n == 0)
		snprintf(d->note, sizeof d->note, "%s", v.no_triangle.msg);
	else
		d->has_tri = true;
	sl_run_view_free(&v);
	if (load_charts(d, store, &err) != 0) {
		snprintf(d->note, sizeof d->note, "%s", err.msg);
		return -1;
	}
	struct sl_tri_weights w = d->w;
	tui_rundata_set_weights(d, &w);
	d->loaded_ns = sl_now_ns();
	d->load_cost_ns = d->loaded_ns - t0;
	return 0;
}

struct tui_rundata *tui_app_rundata(struct tui_app *app)
{
	struct tui_rundata *d = app->rundata;
	if (!d) {
		d = app->rundata = sl_xmalloc(sizeof *d);
		tui_rundata_init(d);
		d->seen_run = -1;
	}
	if (d->seen_run == app->run_id && d->seen_version == app->run_version && !d->stale)
		return d;
	/* While cells stream in, reload at most every quarter second and never for more than
	 * a fifth of the time; a finished run (no longer live) reloads at once. A reload put
	 * off asks for another frame, so the screen catches up even if no event follows. Key
	 * scripts reload every time: their screens must not depend on the clock. */
	int64_t gap = 5 * d->load_cost_ns > 250000000 ? 5 * d->load_cost_ns : 250000000;
	if (app->live && !app->script_mode && d->seen_run == app->run_id &&
	    sl_now_ns() - d->loaded_ns < gap) {
		app->dirty = true;
		return d;
	}
	d->seen_run = app->run_id;
	d->seen_version = app->run_version;
	d->stale = false;
	/* Like the Run screen's figures: a golden screen of a run measured in this process
	 * must not depend on how fast the machine was. */
	d->redact_clock = app->script_mode && app->run_id && app->measured_run == app->run_id;
	int64_t t0 = sl_now_ns();
	if (app->live && app->run_id && app->run_id == app->live->data.run_id) {
		/* The cells finished since the last reload scored as they come, with the
		 * scorers that need no network (judges and embedding cosines answer at the end
		 * of the run, so the loop never waits on a request here): the same numbers a
		 * report would show, filling in. A failure here is for the final scoring to
		 * report. */
		struct sl_score_stats st;
		struct sl_error err = { 0 };
		sl_report_score_live(app->store, app->run_id, &app->live->score_since, &st, &err);
	}
	tui_rundata_load(d, app->store, app->run_id);
	d->load_cost_ns = d->loaded_ns - t0; /* scoring included: it paces the next reload */
	return d;
}

struct tui_rundata *tui_app_rundata_peek(struct tui_app *app)
{
	struct tui_rundata *d = app->rundata;
	if (d && d->seen_run == app->run_id && d->seen_version == app->run_version)
		return d;
	return tui_app_rundata(app);
}

void tui_app_rundata_free(struct tui_app *app)
{
	if (app->rundata)
		tui_rundata_free(app->rundata);
	free(app->rundata);
	app->rundata = NULL;
}

/* "2.1x faster than" becomes "~x faster than" (and slower): a ratio of latencies. */
static void redact_ratios(struct sl_buf *b)
{
	struct sl_buf out;
	sl_buf_init(&out);
	const char *p = b->data;
	for (;;) {
		const char *f = strstr(p, "x faster than"), *s = strstr(p, "x slower than");
		const char *x = f && (!s || f < s) ? f : s;
		if (!x)
			break;
		const char *n = x;
		while (n > p && (n[-1] == '.' || (n[-1] >= '0' && n[-1] <= '9')))
			n--;
		sl_buf_printf(&out, "%.*s~", (int)(n - p), p);
		p = x;
		sl_buf_puts(&out, "x");
		p++;
	}
	sl_buf_puts(&out, p);
	sl_buf_reset(b);
	sl_buf_puts(b, out.data);
	sl_buf_free(&out);
}

void tui_rundata_set_weights(struct tui_rundata *d, const struct sl_tri_weights *w)
{
	d->w = *w;
	sl_buf_reset(&d->recommendation);
	sl_buf_reset(&d->change);
	d->winner = -1;
	if (!d->has_tri)
		return;
	sl_triangle_rank(&d->tri, &d->w);
	d->winner = sl_triangle_winner(&d->tri, &d->w);
	sl_triangle_recommend(&d->tri, &d->w, &d->recommendation);
	if (d->redact_clock)
		redact_ratios(&d->recommendation);
	struct sl_tri_change c;
	if (sl_triangle_nearest_change(&d->tri, &d->w, &c))
		sl_tri_change_format(&d->tri, &c, &d->change);
}
