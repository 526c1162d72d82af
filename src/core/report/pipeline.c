/* From a run's cells to its recommendation (pipeline.h). */
#include "shortlist/pipeline.h"

#include "shortlist/case_checks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/engine.h"
#include "shortlist/judge.h"
#include "shortlist/price.h"
#include "shortlist/providers_config.h"
#include "shortlist/runs.h"
#include "shortlist/scorer.h"

/* The metric ids scoring will write for this suite (score_run.c names them the same way). */
static size_t suite_metrics(const struct sl_suite *suite, char ***out)
{
	size_t n = 0, n_pass = 0;
	*out = sl_xcalloc(suite->n_scorers + 2, sizeof **out);
	for (size_t i = 0; i < suite->n_scorers; i++) {
		const struct sl_suite_scorer *sc = &suite->scorers[i];
		if (sl_judge_is_judge_scorer(sc->name)) {
			(*out)[n++] = sl_judge_metric_id(sc->params);
			continue;
		}
		struct sl_error e = { 0 };
		cJSON *shape = sl_case_spec_shape(sc->params);
		struct sl_scorer *s = sl_scorer_new(shape, sc->path, &e);
		cJSON_Delete(shape);
		if (!s)
			continue; /* the runner reports an invalid scorer with its own message */
		(*out)[n++] = sl_xstrdup(sl_scorer_id(s));
		n_pass += sl_scorer_is_check(s);
		sl_scorer_free(s);
	}
	if (n_pass >= 2)
		(*out)[n++] = sl_xstrdup("pass_rate");
	(*out)[n++] = sl_xstrdup("human"); /* from ratings, whenever there are some */
	return n;
}

int sl_pipeline_check_suite(const struct sl_suite *suite, const struct sl_dataset *ds,
			    const struct sl_gate *gates, size_t n_gates, struct sl_error *err)
{
	for (size_t i = 0; !suite->judge && i < suite->n_scorers; i++) {
		const struct sl_suite_scorer *sc = &suite->scorers[i];
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(sc->params, "model");
		if (sl_judge_is_judge_scorer(sc->name) && !cJSON_IsString(m)) {
			sl_error_set(err, "%s: %s (\"%s\") needs a judge model: set \"judge\": "
				     "\"PROVIDER:MODEL\" in the suite or \"model\" in the scorer",
				     suite->path, sc->path, sc->name);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
	}
	char **names;
	size_t n = suite_metrics(suite, &names);
	int rc = 0;
	/* every case's own checks and filled-in parameters, before any request */
	if (ds) {
		free(names[--n]); /* "human" stays last */
		rc = sl_case_checks_validate(suite, ds, &names, &n, err);
		names = sl_xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = sl_xstrdup("human");
	}
	for (size_t g = 0; rc == 0 && g < n_gates; g++) {
		bool known = sl_gate_metric_builtin(gates[g].metric);
		for (size_t i = 0; !known && i < n; i++)
			known = strcmp(names[i], gates[g].metric) == 0;
		if (known)
			continue;
		struct sl_buf b;
		sl_buf_init(&b);
		for (size_t i = 0; i + 1 < n; i++) /* "human" only with ratings: not offered */
			sl_buf_printf(&b, "%s, ", names[i]);
		sl_error_set(err, "%s: gate '%s' is on metric '%s', which this suite does not "
			     "score: its scorers give %sand every run has n, errors, error_rate, "
			     "p50_latency, p95_latency, p99_latency, mean_latency, p50_ttft, p95_ttft, "
			     "tokens_per_s, cost_per_request, cost_per_1k, total_cost", suite->path,
			     gates[g].expr, gates[g].metric, b.data ? b.data : "nothing; ");
		sl_buf_free(&b);
		err->code = SL_EXIT_USAGE;
		rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int sl_pipeline_check_run(void *ud, const struct sl_suite *suite, const struct sl_dataset *ds,
			  struct sl_error *err)
{
	const struct sl_pipeline_gates *extra = ud;
	size_t n_extra = extra ? extra->n : 0, n = n_extra + suite->n_gates;
	char **exprs = sl_xcalloc(n ? n : 1, sizeof *exprs);
	for (size_t i = 0; i < n_extra; i++)
		exprs[i] = extra->exprs[i];
	for (size_t i = 0; i < suite->n_gates; i++)
		exprs[n_extra + i] = suite->gates[i];
	struct sl_gate *gates = NULL;
	int rc = sl_gates_parse(exprs, n, &gates, err);
	if (rc == 0)
		rc = sl_pipeline_check_suite(suite, ds, gates, n, err);
	else
		err->code = SL_EXIT_USAGE;
	sl_gates_free(gates, n); /* NULL after a parse error */
	free(exprs);
	return rc;
}

int sl_pipeline_score(struct sl_store *store, int64_t run_id, struct sl_score_stats *stats,
		      struct sl_error *err)
{
	struct sl_suite *suite = sl_run_suite_load(store, run_id, err);
	if (!suite)
		return -1;
	bool judged = false;
	for (size_t i = 0; i < suite->n_scorers; i++)
		judged |= sl_judge_is_judge_scorer(suite->scorers[i].name);
	struct sl_judge_options jo = { .model = suite->judge };
	struct sl_providers providers = { 0 };
	struct sl_price_source prices = { store, suite, &providers };
	int rc = -1;
	if (judged) {
		if (sl_providers_load(&providers, NULL, err) != 0) {
			err->code = SL_EXIT_USAGE;
			goto out;
		}
		struct sl_engine_options eo = { .providers = &providers,
						.price_fn = sl_price_source_fn,
						.price_user_data = &prices };
		jo.engine = sl_engine_new(&eo, err);
		if (!jo.engine)
			goto out;
	}
	rc = sl_report_score_run(store, run_id, &jo, stats, err);
out:
	sl_engine_free(jo.engine);
	sl_providers_free(&providers);
	sl_suite_free(suite);
	return rc;
}

struct sl_tri_weights sl_pipeline_weights(struct sl_store *store, int64_t run_id)
{
	struct sl_tri_weights w = sl_tri_weights_default();
	struct sl_suite *suite = sl_run_suite_load(store, run_id, NULL);
	if (suite && suite->has_weights)
		w = (struct sl_tri_weights){ { suite->w_speed, suite->w_precision, suite->w_cost } };
	sl_suite_free(suite);
	return w;
}

/* The caller's gates, then the suite's, parsed. */
static int view_gates(struct sl_store *store, int64_t run_id,
		      const struct sl_run_view_options *o, struct sl_run_view *v,
		      struct sl_error *err)
{
	struct sl_suite *suite = sl_run_suite_load(store, run_id, err);
	if (!suite)
		return -1;
	size_t n_suite = o->no_suite_gates ? 0 : suite->n_gates;
	size_t n = n_suite + o->n_gates;
	char **exprs = sl_xcalloc(n ? n : 1, sizeof *exprs);
	for (size_t i = 0; i < o->n_gates; i++)
		exprs[i] = o->gates[i];
	for (size_t i = 0; i < n_suite; i++)
		exprs[o->n_gates + i] = suite->gates[i];
	int rc = sl_gates_parse(exprs, n, &v->gates, err);
	if (rc == 0)
		v->n_gates = n;
	free(exprs);
	sl_suite_free(suite);
	return rc;
}

int sl_run_view_build(struct sl_store *store, int64_t run_id,
		      const struct sl_run_view_options *opts, struct sl_run_view *v,
		      struct sl_error *err)
{
	static const struct sl_run_view_options none = { 0 };
	const struct sl_run_view_options *o = opts ? opts : &none;
	memset(v, 0, sizeof *v);
	v->run_id = run_id;
	sl_triangle_init(&v->triangle);
	/* bad gates are usage errors before anything is scored */
	if (view_gates(store, run_id, o, v, err) != 0)
		goto fail;
	if (o->score && sl_pipeline_score(store, run_id, &v->score, err) != 0)
		goto fail;
	v->weights = o->weights ? *o->weights : sl_pipeline_weights(store, run_id);
	if (sl_scorecard_build(store, run_id, &v->scorecard, err) != 0)
		goto fail;
	if (sl_scorecard_triangle(&v->scorecard, o->metric, &v->triangle,
				  o->metric ? err : &v->no_triangle) != 0) {
		if (o->metric)
			goto fail;
		sl_triangle_free(&v->triangle); /* whatever it had added */
		sl_triangle_init(&v->triangle);
	}
	/* the gates before the recommendation: it is made among the models that pass them */
	if (v->n_gates && sl_gates_evaluate(v->gates, v->n_gates, &v->scorecard, &v->gate_report,
					    err) != 0)
		goto fail;
	if (v->triangle.n) {
		sl_gate_report_exclude(&v->gate_report, &v->triangle);
		sl_triangle_rank(&v->triangle, &v->weights);
		sl_triangle_regions(&v->triangle, o->region_steps > 0 ? o->region_steps : 60);
		struct sl_buf b;
		sl_buf_init(&b);
		sl_triangle_recommend(&v->triangle, &v->weights, &b);
		v->recommendation = sl_buf_steal(&b);
	}
	return 0;
fail:
	sl_run_view_free(v);
	return -1;
}

void sl_run_view_free(struct sl_run_view *v)
{
	sl_gate_report_free(&v->gate_report);
	sl_gates_free(v->gates, v->n_gates);
	sl_triangle_free(&v->triangle);
	sl_scorecard_free(&v->scorecard);
	free(v->recommendation);
	memset(v, 0, sizeof *v);
}
