/* shortlist report: a run's scorecard in six formats, with optional gates; and the hook
 * `shortlist run --gate` uses to score a finished run and check its gates. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shortlist/catalog.h"
#include "shortlist/engine.h"
#include "shortlist/gates.h"
#include "shortlist/judge.h"
#include "shortlist/providers_config.h"
#include "shortlist/report.h"
#include "shortlist/runs.h"

static void report_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist report [RUN] [--format json|jsonl|csv|md|html|junit|text]\n"
		"                        [-o FILE]\n"
		"                        [--by cell|model] [--weights S,P,C] [--metric NAME]\n"
		"                        [--gate EXPR]...\n\n"
		"Score a run (with its suite's scorers, judge included; cached) and write its\n"
		"report. RUN is a run id, 'latest' (the default) or -N.\n\n"
		"  --format F      json: everything incl. lineage; jsonl: one cell per line;\n"
		"                  csv: per cell (--by model: the scorecard); md: a scorecard table\n"
		"                  for a pull request (the default); html: one self-contained page\n"
		"                  with charts; junit: a test case per gate and per failing cell;\n"
		"                  text: the scorecard for a terminal\n"
		"  -o FILE         write to FILE (atomically) instead of standard output\n"
		"  --weights S,P,C triangle weights speed,precision,cost summing to 1 (or 100);\n"
		"                  default: the suite's, else equal thirds\n"
		"  --metric NAME   the quality metric for the triangle (default: the headline)\n"
		"  --gate EXPR     check a gate, e.g. 'accuracy>=0.85', 'model=X:p95_latency<=2s',\n"
		"                  'cost_per_1k<=1.50'; the suite's gates are checked too\n\n"
		"exit codes: 0 ok, 1 a gate failed, 2 usage or input error\n");
}

/* ---- the judge's engine, only when the suite has judge scorers ---- */

static bool suite_has_judge(const struct sl_run *run, char **judge_model)
{
	cJSON *suite = cJSON_Parse(run->suite_json ? run->suite_json : "{}");
	bool any = false;
	const cJSON *sc, *scorers = cJSON_GetObjectItemCaseSensitive(suite, "scorers");
	cJSON_ArrayForEach(sc, scorers) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(sc, "name");
		any |= cJSON_IsString(n) && sl_judge_is_judge_scorer(n->valuestring);
	}
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(suite, "judge");
	*judge_model = cJSON_IsString(j) ? sl_xstrdup(j->valuestring) : NULL;
	cJSON_Delete(suite);
	return any;
}

int cli_score_run(struct sl_store *store, int64_t run_id, struct sl_error *err)
{
	struct sl_run run;
	if (sl_run_get(store, run_id, &run, err) != 0)
		return -1;
	char *judge_model = NULL;
	struct sl_judge_options jo = { 0 };
	struct sl_engine *eng = NULL;
	if (suite_has_judge(&run, &judge_model)) {
		struct sl_engine_options eo = { .price_fn = cli_catalog_price,
						.price_user_data = store };
		eng = sl_engine_new(&eo, err);
		if (!eng) {
			free(judge_model);
			sl_run_free(&run);
			return -1;
		}
		jo.engine = eng;
		jo.model = judge_model;
	}
	struct sl_score_stats st;
	int rc = sl_report_score_run(store, run_id, &jo, &st, err);
	if (rc == 0 && st.metrics_scored)
		fprintf(stderr, "scored run %lld: %lld cells, %zu metric%s%s", (long long)run_id,
			(long long)st.cells, st.metrics_scored, st.metrics_scored == 1 ? "" : "s",
			st.unscored ? "" : "\n");
	if (rc == 0 && st.metrics_scored && st.unscored)
		fprintf(stderr, ", %lld score%s could not be computed (see the cells' detail)\n",
			(long long)st.unscored, st.unscored == 1 ? "" : "s");
	if (rc == 0 && st.judge_failed)
		fprintf(stderr, "warning: %lld judge call%s got no answer (%s); they are asked again "
				"on the next report or run\n", (long long)st.judge_failed,
			st.judge_failed == 1 ? "" : "s", st.judge_error);
	sl_engine_free(eng);
	free(judge_model);
	sl_run_free(&run);
	return rc;
}

void cli_suite_weights(struct sl_store *store, int64_t run_id, struct sl_tri_weights *w)
{
	*w = sl_tri_weights_default();
	struct sl_run run;
	if (sl_run_get(store, run_id, &run, NULL) != 0)
		return;
	cJSON *suite = cJSON_Parse(run.suite_json ? run.suite_json : "{}");
	const cJSON *wj = cJSON_GetObjectItemCaseSensitive(suite, "weights");
	const char *keys[] = { "speed", "precision", "cost" };
	double v[3], sum = 0;
	bool ok = cJSON_IsObject(wj);
	for (int i = 0; ok && i < 3; i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(wj, keys[i]);
		ok = cJSON_IsNumber(x);
		v[i] = ok ? x->valuedouble : 0;
		sum += v[i];
	}
	if (ok && sum > 0)
		for (int i = 0; i < 3; i++)
			w->w[i] = v[i] / sum;
	cJSON_Delete(suite);
	sl_run_free(&run);
}

static void add_suite_gates(struct sl_store *store, int64_t run_id, char ***gates, size_t *n,
			    cJSON **keep)
{
	struct sl_run run;
	*keep = NULL;
	if (sl_run_get(store, run_id, &run, NULL) != 0)
		return;
	*keep = cJSON_Parse(run.suite_json ? run.suite_json : "{}");
	const cJSON *g, *arr = cJSON_GetObjectItemCaseSensitive(*keep, "gates");
	cJSON_ArrayForEach(g, arr) {
		if (!cJSON_IsString(g))
			continue;
		*gates = sl_xrealloc(*gates, (*n + 1) * sizeof **gates);
		(*gates)[(*n)++] = g->valuestring;
	}
	sl_run_free(&run);
}

int cli_score_and_gate(struct sl_store *store, int64_t run_id, char **exprs, size_t n,
		       struct sl_error *err)
{
	struct sl_gate *gates;
	if (sl_gates_parse(exprs, n, &gates, err) != 0)
		return -1;
	int rc = -1;
	struct sl_scorecard sc;
	memset(&sc, 0, sizeof sc);
	struct sl_gate_report rep;
	memset(&rep, 0, sizeof rep);
	if (cli_score_run(store, run_id, err) != 0 || sl_scorecard_build(store, run_id, &sc, err) != 0 ||
	    sl_gates_evaluate(gates, n, &sc, &rep, err) != 0)
		goto out;
	struct sl_buf b;
	sl_buf_init(&b);
	sl_gate_report_render(&rep, false, &b);
	fputs(b.data ? b.data : "", stderr);
	sl_buf_free(&b);
	rc = rep.n_failed ? 1 : 0;
out:
	sl_gate_report_free(&rep);
	sl_scorecard_free(&sc);
	sl_gates_free(gates, n);
	return rc;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	struct sl_report_options ro = { .format = SL_REPORT_MD };
	const char *run_ref = "latest", *out_path = NULL, *weights = NULL;
	char **exprs = NULL;
	size_t n_exprs = 0;
	int rc = SL_EXIT_USAGE;
	struct sl_error err = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (cli_is_help(a)) {
			report_usage(stdout);
			free(exprs);
			return 0;
		} else if (strcmp(a, "--format") == 0 && val) {
			if (sl_report_format_parse(val, &ro.format, &err) != 0) {
				rc = cli_usage_error("report", "%s", err.msg);
				goto out;
			}
			i++;
		} else if (strcmp(a, "-o") == 0 && val) {
			out_path = val;
			i++;
		} else if (strcmp(a, "--by") == 0 && val) {
			if (strcmp(val, "model") != 0 && strcmp(val, "cell") != 0) {
				rc = cli_usage_error("report", "--by takes cell or model, not '%s'", val);
				goto out;
			}
			ro.csv_per_model = strcmp(val, "model") == 0;
			i++;
		} else if (strcmp(a, "--weights") == 0 && val) {
			weights = val;
			i++;
		} else if (strcmp(a, "--metric") == 0 && val) {
			ro.metric = val;
			i++;
		} else if (strcmp(a, "--gate") == 0 && val) {
			exprs = sl_xrealloc(exprs, (n_exprs + 1) * sizeof *exprs);
			exprs[n_exprs++] = argv[++i];
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			rc = cli_usage_error("report", "unknown option '%s' (or it needs a value)", a);
			goto out;
		} else {
			run_ref = a;
		}
	}
	if (ro.csv_per_model && ro.format != SL_REPORT_CSV) {
		rc = cli_usage_error("report", "--by applies to --format csv only");
		goto out;
	}
	struct sl_gate *gates = NULL;
	/* Bad gates and weights are usage errors before anything is scored. */
	if (sl_gates_parse(exprs, n_exprs, &gates, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	sl_gates_free(gates, n_exprs);
	gates = NULL;
	if (weights && sl_tri_weights_parse(weights, &ro.weights, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	struct sl_store *store = cli_store(cli);
	int64_t run_id;
	if (sl_run_resolve(store, run_ref, &run_id, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!weights)
		cli_suite_weights(store, run_id, &ro.weights);
	cJSON *suite_keep = NULL;
	add_suite_gates(store, run_id, &exprs, &n_exprs, &suite_keep);
	struct sl_scorecard sc;
	memset(&sc, 0, sizeof sc);
	struct sl_gate_report rep;
	memset(&rep, 0, sizeof rep);
	if (cli_score_run(store, run_id, &err) != 0) {
		rc = cli_fail(&err);
		goto done;
	}
	if (n_exprs) {
		if (sl_gates_parse(exprs, n_exprs, &gates, &err) != 0 ||
		    sl_scorecard_build(store, run_id, &sc, &err) != 0 ||
		    sl_gates_evaluate(gates, n_exprs, &sc, &rep, &err) != 0) {
			rc = cli_fail(&err);
			goto done;
		}
		ro.gates = &rep;
	}
	/* -o writes a temp file and renames it, so a failed report never leaves half a file. */
	struct sl_outfile out;
	if (sl_outfile_open(&out, out_path, &err) != 0) {
		rc = cli_fail(&err);
		goto done;
	}
	int wrc = sl_report_write(store, run_id, &ro, out.f, &err);
	if (sl_outfile_close(&out, wrc == 0, &err) != 0)
		wrc = -1;
	if (wrc != 0) {
		rc = cli_fail(&err);
		goto done;
	}
	if (rep.n) {
		struct sl_buf b;
		sl_buf_init(&b);
		sl_gate_report_render(&rep, false, &b);
		fputs(b.data ? b.data : "", stderr);
		sl_buf_free(&b);
	}
	rc = rep.n_failed ? SL_EXIT_GATE : SL_EXIT_OK;
done:
	sl_gate_report_free(&rep);
	sl_scorecard_free(&sc);
	sl_gates_free(gates, n_exprs);
	cJSON_Delete(suite_keep);
out:
	free(exprs);
	return rc;
}

