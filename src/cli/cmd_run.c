/* shortlist run SUITE: the headless evaluation for CI. Progress goes to stderr (a live bar
 * on a terminal, plain lines otherwise), the summary to stdout (a table, or JSON). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/report.h"
#include "shortlist/engine.h"
#include "shortlist/gates.h"
#include "shortlist/pipeline.h"
#include "shortlist/scorecard.h"
#include "shortlist/runner.h"
#include "shortlist/format.h"
#include "shortlist/runs.h"

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist run SUITE [-j N] [--check] [--json] [--resume [RUN]] [--no-cache]\n"
		"                     [--refresh] [--max-cost USD] [--gate EXPR]...\n"
		"                     [--batch [--batch-sample N]]\n\n"
		"Run an evaluation suite: every model x prompt x dataset row x sample, answered from\n"
		"the response cache when the same request was made before, else through the APIs.\n"
		"Everything is checked before the first call (suite keys, prompts, placeholders\n"
		"against every dataset row, providers and keys).\n\n"
		"  -j N            requests in flight at once (default: the suite's concurrency, 8);\n"
		"                  lifts a provider's default cap, not a providers.json limit\n"
		"  --check         check everything and say what a run would do; send nothing\n"
		"  --json          print the summary as JSON on stdout\n"
		"  --resume [RUN]  finish an unfinished run (default: the newest one of this suite);\n"
		"                  only missing and failed cells are run again, in the run's cache\n"
		"                  mode; a complete run is left as it is (exit 0)\n"
		"  --no-cache      neither read nor write the response cache\n"
		"  --refresh       ask the APIs again and overwrite the cached responses\n"
		"  --max-cost USD  stop scheduling new cells once this much was spent\n"
		"  --gate EXPR     a quality gate (added to the suite's), evaluated by scoring\n"
		"  --batch         send the cells to the providers' batch APIs (half price, answers\n"
		"                  within 24 h; the suite's \"batch\" picks models); ^C leaves the\n"
		"                  batches running: 'shortlist runs poll RUN' collects them\n"
		"  --batch-sample N  also run the first N cases of each batch model interactively,\n"
		"                  so the speed axis has measurements (default 0: speed unmeasured)\n\n"
		"exit codes: 0 every cell done and gates passed, 1 a gate failed, 2 usage or\n"
		"configuration error (nothing was sent), 3 run incomplete (failed or missing cells:\n"
		"resume it with --resume)\n");
}

static volatile sig_atomic_t interrupted;

static void on_warning(void *ud, const char *msg)
{
	(void)ud;
	fprintf(stderr, "shortlist: warning: %s\n", msg);
}

/* ^C (or a CI runner's SIGTERM) stops scheduling, cancels what is in flight and ends the
 * run as incomplete, resumable; a second signal kills at once. */
static void on_stop_signal(int sig)
{
	interrupted = 1;
	signal(sig, SIG_DFL);
}

struct progress_state {
	bool tty;
	bool drawn;
	double last_line_s;
	double last_pct;
};

static void on_progress(void *ud, const struct sl_run_progress *p)
{
	struct progress_state *ps = ud;
	int64_t remaining = p->total - p->done;
	double eta = p->rate > 0 ? (double)(remaining > p->in_flight ? remaining : p->in_flight) /
					   p->rate
				 : NAN;
	if (p->done >= p->total)
		eta = 0;
	double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100;
	char etas[SL_FMT_LEN], cost[SL_FMT_LEN];
	sl_fmt_clock(eta, etas);
	sl_fmt_usd_partial(p->cost, p->cost_unknown, cost);
	if (ps->tty) {
		char bar[31];
		int fill = (int)(pct * 30 / 100);
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = 0;
		fprintf(stderr, "\r\033[K[%s] %lld/%lld %3.0f%%  %.1f cells/s  ETA %s  %s  "
			"errors %lld  cached %lld%s", bar, (long long)p->done, (long long)p->total, pct,
			p->rate, etas, cost, (long long)p->errors, (long long)p->cached,
			p->budget_hit ? "  BUDGET REACHED" : "");
		if (p->batched)
			fprintf(stderr, "  at batch APIs %lld", (long long)p->batched);
		if (p->finished)
			fputc('\n', stderr);
		ps->drawn = true;
	} else {
		/* a line every 10% or 5 s, so CI logs stay readable */
		if (!p->finished && pct - ps->last_pct < 10 && p->elapsed_s - ps->last_line_s < 5 &&
		    p->done != 0)
			return;
		if (!p->finished && p->done == 0 && ps->last_line_s > 0)
			return;
		ps->last_pct = pct;
		ps->last_line_s = p->elapsed_s > 0 ? p->elapsed_s : 1e-9;
		fprintf(stderr, "progress: %lld/%lld cells (%.0f%%), %.1f cells/s, ETA %s, cost %s, "
			"%lld errors, %lld cached%s", (long long)p->done, (long long)p->total, pct,
			p->rate, etas, cost, (long long)p->errors, (long long)p->cached,
			p->budget_hit ? ", budget reached" : "");
		if (p->batched)
			fprintf(stderr, ", %lld at batch APIs", (long long)p->batched);
		fputc('\n', stderr);
	}
	fflush(stderr);
}

/* ---- summary ---- */

/* The groups' counts from the run's statistics and their latency and TTFT percentiles from
 * the scorecard's rows (kept, or read off the indexes): never a walk of every cell, so the
 * end of a run costs the same at 1M cells as at 1k. */
struct summary {
	struct sl_run_group *g;
	size_t n;
	struct sl_run run;
	const struct sl_scorecard *card; /* NULL: no successful cell, no percentile */
};

static void summary_free(struct summary *s)
{
	free(s->g);
	sl_run_free(&s->run);
}

static const char *group_model(const struct summary *s, const struct sl_run_group *g)
{
	for (size_t i = 0; i < s->run.n_models; i++)
		if (s->run.models[i].idx == g->model_idx)
			return s->run.models[i].requested;
	return NULL;
}

static const struct sl_run_prompt *group_prompt(const struct summary *s,
						const struct sl_run_group *g)
{
	for (size_t i = 0; i < s->run.n_prompts; i++)
		if (s->run.prompts[i].idx == g->prompt_idx)
			return &s->run.prompts[i];
	return NULL;
}

/* A group's p50 and p95 latency and p50 TTFT, in ms (NAN when it has none): its scorecard
 * row (the model's row when the run has one prompt). */
static void group_percentiles(const struct summary *s, const struct sl_run_group *g,
			      double v[3])
{
	v[0] = v[1] = v[2] = NAN;
	const struct sl_scorecard *sc = s->card;
	for (size_t i = 0; sc && i < sc->n_rows; i++) {
		const struct sl_scorecard_row *r = &sc->rows[i];
		if (r->model_idx == g->model_idx &&
		    r->prompt_idx == (sc->only_prompt ? -1 : g->prompt_idx)) {
			v[0] = r->latency_p50 * 1000;
			v[1] = r->latency_p95 * 1000;
			v[2] = r->ttft_p50 * 1000;
			return;
		}
	}
}

static void print_table(struct summary *s)
{
	printf("\n%-34s %-24s %6s %6s %6s %8s %8s %8s %10s\n", "MODEL", "PROMPT", "CELLS", "ERRORS",
	       "CACHED", "P50", "P95", "TTFT50", "COST");
	for (size_t i = 0; i < s->n; i++) {
		const struct sl_run_group *g = &s->g[i];
		const struct sl_run_prompt *p = group_prompt(s, g);
		const char *model = group_model(s, g);
		char prompt[64], p50[SL_FMT_LEN], p95[SL_FMT_LEN], t50[SL_FMT_LEN], cost[SL_FMT_LEN];
		snprintf(prompt, sizeof prompt, "%s@%d", p ? p->name : "?", p ? p->version : 0);
		double v[3];
		group_percentiles(s, g, v);
		sl_fmt_seconds(v[0] / 1000, p50);
		sl_fmt_seconds(v[1] / 1000, p95);
		sl_fmt_seconds(v[2] / 1000, t50);
		sl_fmt_usd_partial(g->cost, g->cost_unknown, cost);
		printf("%-34.34s %-24.24s %6lld %6lld %6lld %8s %8s %8s %10s\n",
		       model ? model : "?", prompt, (long long)g->n, (long long)g->errors,
		       (long long)g->cached, p50, p95, t50, cost);
	}
}

static cJSON *summary_json(struct summary *s, const struct sl_run_outcome *o, int code)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "run", (double)s->run.id);
	cJSON_AddStringToObject(j, "suite", s->run.suite_name);
	cJSON_AddStringToObject(j, "status", s->run.status);
	if (s->run.stop_reason)
		cJSON_AddStringToObject(j, "stop_reason", s->run.stop_reason);
	cJSON_AddNumberToObject(j, "exit_code", code);
	cJSON_AddNumberToObject(j, "cells", (double)s->run.n_cells);
	cJSON_AddNumberToObject(j, "done", (double)s->run.n_done);
	cJSON_AddNumberToObject(j, "errors", (double)s->run.n_errors);
	cJSON_AddNumberToObject(j, "cached", (double)s->run.n_cached);
	cJSON_AddNumberToObject(j, "missing", (double)o->missing);
	cJSON_AddNumberToObject(j, "requests", (double)o->requests);
	cJSON_AddNumberToObject(j, "batch_results", (double)o->batch_results);
	if (s->run.n_cost_unknown)
		cJSON_AddNullToObject(j, "cost_usd");
	else
		cJSON_AddNumberToObject(j, "cost_usd", s->run.cost);
	cJSON_AddNumberToObject(j, "spent_usd", o->spent);
	cJSON_AddBoolToObject(j, "budget_reached", o->budget_hit);
	cJSON *groups = cJSON_AddArrayToObject(j, "groups");
	for (size_t i = 0; i < s->n; i++) {
		const struct sl_run_group *g = &s->g[i];
		const struct sl_run_prompt *p = group_prompt(s, g);
		const char *model = group_model(s, g);
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "model", model ? model : "");
		cJSON_AddStringToObject(x, "prompt", p && p->name ? p->name : "");
		cJSON_AddNumberToObject(x, "prompt_version", p ? p->version : 0);
		cJSON_AddNumberToObject(x, "cells", (double)g->n);
		cJSON_AddNumberToObject(x, "errors", (double)g->errors);
		cJSON_AddNumberToObject(x, "cached", (double)g->cached);
		double v[3];
		group_percentiles(s, g, v);
		const char *names[3] = { "latency_p50_ms", "latency_p95_ms", "ttft_p50_ms" };
		for (int k = 0; k < 3; k++)
			if (isnan(v[k]))
				cJSON_AddNullToObject(x, names[k]);
			else
				cJSON_AddNumberToObject(x, names[k], v[k]);
		cJSON_AddNumberToObject(x, "tokens_out", (double)g->tokens_out);
		if (g->cost_unknown)
			cJSON_AddNullToObject(x, "cost_usd");
		else
			cJSON_AddNumberToObject(x, "cost_usd", g->cost);
		cJSON_AddItemToArray(groups, x);
	}
	return j;
}

/* The verdicts as text (out) and as a JSON array (json). */
static void gates_output(const struct sl_gate_report *rep, struct sl_buf *out, cJSON *json)
{
	sl_gate_report_render(rep, true, out);
	for (size_t i = 0; i < rep->n; i++) {
		const struct sl_gate_result *g = &rep->results[i];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "gate", g->gate->expr);
		if (g->model)
			cJSON_AddStringToObject(x, "model", g->model);
		if (g->prompt)
			cJSON_AddStringToObject(x, "prompt", g->prompt);
		cJSON_AddBoolToObject(x, "passed", g->passed);
		if (isnan(g->value))
			cJSON_AddNullToObject(x, "value");
		else
			cJSON_AddNumberToObject(x, "value", g->value);
		if (g->detail)
			cJSON_AddStringToObject(x, "detail", g->detail);
		cJSON_AddItemToArray(json, x);
	}
}

static bool looks_like_run_ref(const char *s)
{
	if (strcmp(s, "latest") == 0 || strcmp(s, "last") == 0)
		return true;
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	/* Scorers (the registry's and the judge's) are checked before any API call. */
	struct sl_runner_opts opts = { .max_cost = NAN, .validate = sl_report_validate_scorer };
	bool json = false, no_cache = false, refresh = false, check = false;
	char **gates = NULL;
	size_t n_gates = 0;
	struct sl_gate *parsed = NULL;
	struct sl_suite *suite = NULL;
	struct sl_score_commit *commit = NULL;
	int rc = SL_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			run_usage(stdout);
			free(gates);
			return 0;
		} else if (strcmp(a, "-j") == 0 || strncmp(a, "-j", 2) == 0 ||
			   strcmp(a, "--jobs") == 0) {
			const char *v = a[2] && a[1] == 'j' ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			char *end;
			long j = v ? strtol(v, &end, 10) : 0;
			if (!v || *end || j < 1 || j > 1024) {
				rc = cli_usage_error("run", "-j needs a number of requests from 1 to 1024");
				goto out;
			}
			opts.concurrency = (int)j;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--check") == 0) {
			check = true;
		} else if (strcmp(a, "--resume") == 0) {
			opts.resume = true;
			if (i + 1 < argc && looks_like_run_ref(argv[i + 1]))
				opts.resume_ref = argv[++i];
		} else if (strncmp(a, "--resume=", 9) == 0) {
			opts.resume = true;
			opts.resume_ref = a + 9;
		} else if (strcmp(a, "--no-cache") == 0) {
			no_cache = true;
			opts.cache = SL_CACHE_OFF;
		} else if (strcmp(a, "--refresh") == 0) {
			refresh = true;
			opts.cache = SL_CACHE_REFRESH;
		} else if (strcmp(a, "--max-cost") == 0 || strncmp(a, "--max-cost=", 11) == 0) {
			const char *v = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
			char *end;
			double usd = v ? strtod(v, &end) : NAN;
			if (!v || *end || !(usd > 0) || !isfinite(usd)) {
				rc = cli_usage_error("run", "--max-cost needs a positive amount of US "
							    "dollars, e.g. --max-cost 2.50");
				goto out;
			}
			opts.max_cost = usd;
		} else if (strcmp(a, "--batch") == 0) {
			opts.batch = true;
		} else if (strcmp(a, "--batch-sample") == 0 || strncmp(a, "--batch-sample=", 15) == 0) {
			const char *v = a[14] == '=' ? a + 15 : (i + 1 < argc ? argv[++i] : NULL);
			char *end;
			long n = v ? strtol(v, &end, 10) : -1;
			if (!v || *end || n < 0 || n > 1000000) {
				rc = cli_usage_error("run", "--batch-sample needs a number of cases "
							    "(0 or more) run interactively per model");
				goto out;
			}
			opts.batch_sample = (int)n;
		} else if (strcmp(a, "--collect-batches") == 0) { /* runs poll */
			opts.batch_collect = opts.resume = true;
		} else if (strcmp(a, "--cancel-batches") == 0) { /* runs cancel */
			opts.batch_collect = opts.batch_cancel = opts.resume = true;
		} else if (strcmp(a, "--gate") == 0 && i + 1 < argc) {
			gates = sl_xrealloc(gates, (n_gates + 1) * sizeof *gates);
			gates[n_gates++] = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			rc = cli_usage_error("run", "unknown option '%s'", a);
			goto out;
		} else if (!opts.suite_path) {
			opts.suite_path = a;
		} else {
			rc = cli_usage_error("run", "one SUITE only ('%s' is extra)", a);
			goto out;
		}
	}
	if (!opts.suite_path) {
		rc = cli_usage_error("run", "a SUITE file is needed");
		goto out;
	}
	if (no_cache && refresh) {
		rc = cli_usage_error("run", "--no-cache and --refresh exclude each other");
		goto out;
	}
	/* the suite's gates and the command line's, all parsed before anything is sent */
	struct sl_error err = { 0 };
	size_t n_cli_gates = n_gates; /* the view adds the suite's own after the run */
	if (opts.batch_collect && opts.resume_ref) { /* runs poll / cancel: the run's own suite */
		int64_t id;
		if (sl_run_resolve(cli_store(cli), opts.resume_ref, &id, &err) == 0)
			suite = sl_run_suite_load(cli_store(cli), id, &err);
	} else {
		suite = sl_suite_load(opts.suite_path, NULL, NULL, &err);
	}
	for (size_t i = 0; suite && i < suite->n_gates; i++) {
		gates = sl_xrealloc(gates, (n_gates + 1) * sizeof *gates);
		gates[n_gates++] = suite->gates[i];
	}
	if (sl_gates_parse(gates, n_gates, &parsed, &err) != 0) {
		sl_suite_free(suite);
		suite = NULL;
		rc = cli_fail(&err);
		goto out;
	}
	/* the rest of the check needs the dataset: the runner calls it with the one it loads */
	struct sl_pipeline_gates cli_gates = { gates, n_cli_gates };
	opts.check = sl_pipeline_check_run;
	opts.check_ud = &cli_gates;
	struct sl_store *store = cli_store(cli);
	opts.warn = on_warning;
	if (check) {
		struct sl_run_plan plan;
		if (sl_runner_plan(store, &opts, &plan, &err) != 0) {
			rc = cli_fail(&err);
			goto out;
		}
		if (json) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddBoolToObject(j, "ok", 1);
			cJSON_AddNumberToObject(j, "cells", (double)plan.cells);
			cJSON_AddNumberToObject(j, "cached", (double)plan.cached);
			cJSON_AddNumberToObject(j, "to_request", (double)plan.to_request);
			if (plan.resume_run) {
				cJSON_AddNumberToObject(j, "resume_run", (double)plan.resume_run);
				cJSON_AddNumberToObject(j, "done", (double)plan.done);
			}
			cJSON_AddStringToObject(j, "prompts", plan.prompts);
			char *text = cJSON_Print(j);
			puts(text);
			cJSON_free(text);
			cJSON_Delete(j);
		} else {
			printf("%s: ok: %zu model%s x %zu prompt%s (%s) x %zu cases x %d sample%s = "
			       "%lld cells\n", opts.suite_path, plan.n_models, plan.n_models == 1 ? "" : "s",
			       plan.n_prompts, plan.n_prompts == 1 ? "" : "s", plan.prompts, plan.n_cases,
			       plan.samples, plan.samples == 1 ? "" : "s", (long long)plan.cells);
			if (plan.resume_run)
				printf("resuming run %lld: %lld cells already done\n",
				       (long long)plan.resume_run, (long long)plan.done);
			printf("%lld cells from the response cache, %lld API requests; %zu gate%s; "
			       "nothing was sent\n", (long long)plan.cached, (long long)plan.to_request,
			       n_gates, n_gates == 1 ? "" : "s");
		}
		rc = 0;
		goto out;
	}
	struct progress_state ps = { .tty = isatty(STDERR_FILENO) && getenv("TERM") &&
					   strcmp(getenv("TERM"), "dumb") != 0 };
	opts.progress = on_progress;
	opts.progress_ud = &ps;
	opts.progress_ms = ps.tty ? 100 : 50; /* plain lines are thinned to 10% steps */
	opts.stop = &interrupted;
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
	/* the cheap scorers go in with each batch of cells: the end-of-run scoring finds
	 * them done */
	commit = sl_report_score_commit_new();
	opts.on_commit = sl_report_score_commit;
	opts.commit_ud = commit;
	struct sl_run_outcome o;
	if (sl_runner_run(store, &opts, &o, &err) != 0) {
		if (ps.drawn)
			fputc('\n', stderr);
		rc = cli_fail(&err);
		goto out;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	struct summary s = { 0 };
	if (sl_run_get(store, o.run_id, &s.run, &err) != 0 ||
	    sl_run_groups(store, o.run_id, &s.g, &s.n, &err) != 0) {
		summary_free(&s);
		rc = cli_fail(&err);
		goto out;
	}
	rc = o.complete ? SL_EXIT_OK : SL_EXIT_INCOMPLETE;
	struct sl_buf notes;
	sl_buf_init(&notes);
	if (o.budget_hit)
		sl_buf_printf(&notes, "budget reached: spent $%.4f of $%.4f; %lld cells were not "
			      "run (finish them with --resume and a higher --max-cost)\n", o.spent,
			      o.max_cost, (long long)o.missing);
	else if (o.batches_pending)
		sl_buf_printf(&notes, "%lld cells are in %lld batches still at the providers: "
			      "collect them with 'shortlist runs poll %lld' (or cancel them with "
			      "'shortlist runs cancel %lld')\n", (long long)o.batched,
			      (long long)o.batches_pending, (long long)o.run_id, (long long)o.run_id);
	else if (o.missing && opts.batch_collect)
		sl_buf_printf(&notes, "%lld cells were in no batch (finish with 'shortlist run %s "
			      "--resume %lld')\n", (long long)o.missing, opts.suite_path,
			      (long long)o.run_id);
	else if (o.missing)
		sl_buf_printf(&notes, "interrupted: %lld cells were not run (finish with "
			      "'shortlist run %s --resume %lld')\n", (long long)o.missing,
			      opts.suite_path, (long long)o.run_id);
	if (o.malformed)
		sl_buf_printf(&notes, "%lld malformed lines in the batch results were skipped "
			      "(their cells failed: --resume runs them again)\n",
			      (long long)o.malformed);
	if (o.already_complete)
		sl_buf_printf(&notes, "run %lld is already complete: nothing to resume\n",
			      (long long)o.run_id);
	if (o.errors)
		sl_buf_printf(&notes, "%lld cells failed (see 'shortlist runs show %lld --cells'; "
			      "--resume %lld runs them again)\n", (long long)o.errors,
			      (long long)o.run_id, (long long)o.run_id);
	/* Score now, so the summary, `runs diff` and every report see the scores. */
	bool scorable = s.run.n_done > s.run.n_errors;
	struct sl_run_view v;
	memset(&v, 0, sizeof v);
	struct sl_run_view_options vo = { .gates = gates, .n_gates = n_cli_gates, .score = true };
	if (scorable && sl_run_view_build(store, o.run_id, &vo, &v, &err) != 0) {
		summary_free(&s);
		sl_buf_free(&notes);
		rc = cli_fail(&err);
		goto out;
	}
	if (scorable) { /* what was scored at commit and at the end, once each */
		const struct sl_score_stats *cst = sl_report_score_commit_stats(commit);
		v.score.cells = v.score.cells > cst->cells ? v.score.cells : cst->cells;
		v.score.metrics_scored += cst->metrics_scored;
		v.score.unscored += cst->unscored;
		cli_print_score_stats(o.run_id, &v.score);
		s.card = &v.scorecard;
	}
	int gate_rc = v.gate_report.n_failed ? 1 : 0;
	struct sl_buf gate_text;
	sl_buf_init(&gate_text);
	cJSON *gate_json = cJSON_CreateArray();
	if (n_gates && scorable)
		gates_output(&v.gate_report, &gate_text, gate_json);
	else if (n_gates)
		sl_buf_printf(&notes, "gates not checked: no successful cells\n");
	if (rc == SL_EXIT_OK && gate_rc == 1)
		rc = SL_EXIT_GATE;
	if (json) {
		cJSON *j = summary_json(&s, &o, rc);
		cJSON_AddItemToObject(j, "gates", gate_json);
		gate_json = NULL;
		char *text = cJSON_Print(j);
		puts(text);
		cJSON_free(text);
		cJSON_Delete(j);
		if (gate_text.len)
			fputs(gate_text.data, stderr);
		if (notes.len)
			fputs(notes.data, stderr);
	} else {
		char cost[SL_FMT_LEN];
		sl_fmt_usd_partial(s.run.cost, s.run.n_cost_unknown, cost);
		/* a batch run's cells went out in a few batch calls, not as API requests */
		char batch[64] = "";
		if (o.batch_results)
			snprintf(batch, sizeof batch, ", %lld from batch APIs",
				 (long long)o.batch_results);
		printf("run %lld: %s, %lld/%lld cells, %lld errors, %lld cached, %lld API requests%s, "
		       "cost %s\n", (long long)o.run_id, s.run.status, (long long)s.run.n_done,
		       (long long)s.run.n_cells, (long long)s.run.n_errors, (long long)s.run.n_cached,
		       (long long)o.requests, batch, cost);
		print_table(&s);
		struct sl_buf card;
		sl_buf_init(&card);
		struct sl_report_options ro = { .format = SL_REPORT_TEXT, .weights = v.weights,
						 .scorecard = scorable ? &v.scorecard : NULL };
		if (scorable && sl_report_scorecard_text(store, o.run_id, &ro, &card, &err) == 0)
			printf("\nscorecard (every format: shortlist report %lld --format FORMAT)\n%s",
			       (long long)o.run_id, card.data);
		else if (scorable)
			fprintf(stderr, "shortlist: no scorecard: %s\n", err.msg);
		sl_buf_free(&card);
		if (gate_text.len)
			printf("\n%s", gate_text.data);
		if (notes.len)
			printf("\n%s", notes.data);
	}
	cJSON_Delete(gate_json);
	sl_buf_free(&gate_text);
	sl_buf_free(&notes);
	summary_free(&s);
	sl_run_view_free(&v);
out:
	sl_report_score_commit_free(commit);
	sl_gates_free(parsed, n_gates);
	sl_suite_free(suite);
	free(gates);
	return rc;
}
