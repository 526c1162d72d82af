/* shortlist triangle: the speed-precision-cost view of a run, or of the shortlist's
 * catalogue priors before any run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shortlist/pipeline.h"
#include "shortlist/priors.h"
#include "shortlist/runs.h"
#include "shortlist/scorecard.h"
#include "shortlist/triangle.h"

#include <cjson/cJSON.h>


static void triangle_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist triangle [RUN] [--weights S,P,C] [--metric NAME] [--priors] [--json]\n\n"
		"Rank models on speed, precision and cost under your weights, mark the Pareto\n"
		"frontier, recommend one with its reason, and map which model wins for every\n"
		"weighting. With a RUN (id, 'latest', -N): measured values. With --priors, or\n"
		"before any run: catalogue priors for your shortlisted models (published score on\n"
		"one benchmark they share, list price), clearly marked as priors.\n\n"
		"  --weights S,P,C  speed,precision,cost summing to 1 (or 100), e.g. 0.2,0.3,0.5;\n"
		"                   default: the suite's weights, else equal thirds\n"
		"  --metric NAME    the quality metric on the precision axis (default: the\n"
		"                   suite's first scorer)\n"
		"  --json           the ranking, frontier, regions and recommendation as JSON\n");
}

int cmd_triangle(struct cli *cli, int argc, char **argv)
{
	const char *run_ref = NULL, *weights = NULL, *metric = NULL;
	bool priors = false, json = false;
	struct sl_error err = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			triangle_usage(stdout);
			return 0;
		} else if (strcmp(a, "--weights") == 0 && i + 1 < argc) {
			weights = argv[++i];
		} else if (strcmp(a, "--metric") == 0 && i + 1 < argc) {
			metric = argv[++i];
		} else if (strcmp(a, "--priors") == 0) {
			priors = true;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			return cli_usage_error("triangle", "unknown option '%s' (or it needs a value)", a);
		} else if (!run_ref) {
			run_ref = a;
		} else {
			return cli_usage_error("triangle", "one RUN only ('%s' is extra)", a);
		}
	}
	if (priors && run_ref)
		return cli_usage_error("triangle", "--priors uses the catalogue, not a run: give "
						   "one or the other");
	struct sl_tri_weights w = sl_tri_weights_default();
	if (weights && sl_tri_weights_parse(weights, &w, &err) != 0)
		return cli_fail(&err);
	struct sl_store *store = cli_store(cli);
	struct sl_triangle tri;
	sl_triangle_init(&tri);
	int rc = SL_EXIT_OK;
	int64_t run_id = 0;
	if (!priors) {
		struct sl_run *runs = NULL;
		size_t n = 0;
		if (!run_ref && sl_runs_list(store, 1, &runs, &n, &err) == 0 && n == 0)
			priors = true; /* before any run, the priors are all there is */
		sl_runs_free(runs, n);
	}
	if (priors) {
		if (sl_priors_triangle(store, &tri, &err) != 0) {
			rc = cli_fail(&err);
			goto out;
		}
	} else {
		struct sl_run_view v;
		struct sl_run_view_options vo = { .weights = weights ? &w : NULL, .metric = metric,
						   .score = true, .no_suite_gates = true };
		if (sl_run_resolve(store, run_ref ? run_ref : "latest", &run_id, &err) != 0 ||
		    sl_run_view_build(store, run_id, &vo, &v, &err) != 0) {
			rc = cli_fail(&err);
			goto out;
		}
		cli_print_score_stats(run_id, &v.score);
		if (v.no_triangle.msg[0]) {
			rc = cli_fail(&v.no_triangle);
			sl_run_view_free(&v);
			goto out;
		}
		if (v.scorecard.price_hint)
			fprintf(stderr, "note: %s\n", v.scorecard.price_hint);
		w = v.weights;
		sl_triangle_free(&tri);
		tri = v.triangle; /* ranked, with its regions: taken over */
		sl_triangle_init(&v.triangle);
		sl_run_view_free(&v);
	}
	if (priors) {
		sl_triangle_rank(&tri, &w);
		sl_triangle_regions(&tri, 60);
	}
	if (json) {
		cJSON *j = sl_triangle_json(&tri, &w);
		char *t = cJSON_Print(j);
		puts(t);
		cJSON_free(t);
		cJSON_Delete(j);
	} else {
		struct sl_buf b;
		sl_buf_init(&b);
		sl_triangle_render_text(&tri, &w, &b);
		fputs(b.data, stdout);
		sl_buf_free(&b);
	}
out:
	sl_triangle_free(&tri);
	return rc;
}
