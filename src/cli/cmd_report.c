/* shortlist report: a run's scorecard in six formats, with optional gates (the figures come
 * from the core's pipeline.h); and how the CLI tells what scoring did. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shortlist/gates.h"
#include "shortlist/pipeline.h"
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

void cli_print_score_stats(int64_t run_id, const struct sl_score_stats *st)
{
	if (st->metrics_scored)
		fprintf(stderr, "scored run %lld: %lld cells, %zu metric%s%s", (long long)run_id,
			(long long)st->cells, st->metrics_scored, st->metrics_scored == 1 ? "" : "s",
			st->unscored ? "" : "\n");
	if (st->metrics_scored && st->unscored)
		fprintf(stderr, ", %lld score%s could not be computed (see the cells' detail)\n",
			(long long)st->unscored, st->unscored == 1 ? "" : "s");
	if (st->judge_failed)
		fprintf(stderr, "warning: %lld judge call%s got no answer (%s); they are asked again "
				"on the next report or run\n", (long long)st->judge_failed,
			st->judge_failed == 1 ? "" : "s", st->judge_error);
}

int cli_score_run(struct sl_store *store, int64_t run_id, struct sl_error *err)
{
	struct sl_score_stats st;
	if (sl_pipeline_score(store, run_id, &st, err) != 0)
		return -1;
	cli_print_score_stats(run_id, &st);
	return 0;
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
	/* Bad gates and weights are usage errors before anything is opened or scored. */
	if (sl_gates_parse(exprs, n_exprs, &gates, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	sl_gates_free(gates, n_exprs);
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
	struct sl_run_view_options vo = { .weights = weights ? &ro.weights : NULL,
					   .metric = ro.metric, .gates = exprs,
					   .n_gates = n_exprs, .score = true };
	struct sl_run_view v;
	if (sl_run_view_build(store, run_id, &vo, &v, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	cli_print_score_stats(run_id, &v.score);
	ro.weights = v.weights;
	ro.scorecard = &v.scorecard;
	if (v.gate_report.n)
		ro.gates = &v.gate_report;
	/* -o writes a temp file and renames it, so a failed report never leaves half a file. */
	struct sl_outfile out;
	int wrc = sl_outfile_open(&out, out_path, &err);
	if (wrc == 0) {
		wrc = sl_report_write(store, run_id, &ro, out.f, &err);
		if (sl_outfile_close(&out, wrc == 0, &err) != 0)
			wrc = -1;
	}
	if (wrc != 0) {
		rc = cli_fail(&err);
	} else {
		if (v.gate_report.n) {
			struct sl_buf b;
			sl_buf_init(&b);
			sl_gate_report_render(&v.gate_report, false, &b);
			fputs(b.data ? b.data : "", stderr);
			sl_buf_free(&b);
		}
		rc = v.gate_report.n_failed ? SL_EXIT_GATE : SL_EXIT_OK;
	}
	sl_run_view_free(&v);
out:
	free(exprs);
	return rc;
}

