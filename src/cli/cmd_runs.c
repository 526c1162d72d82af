/* shortlist runs list|show|diff: evaluation runs and their lineage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/batch.h"
#include "shortlist/format.h"
#include "shortlist/runs.h"
#include "shortlist/utf8.h"

static void runs_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist runs list [--limit N] [--json]\n"
		"       shortlist runs show RUN [--cells] [--json]\n"
		"       shortlist runs diff RUN_A RUN_B [--metric NAME]\n"
		"       shortlist runs poll RUN [--json]\n"
		"       shortlist runs cancel RUN [--json]\n"
		"       shortlist runs export RUN -o FILE.slrun [--force]\n"
		"       shortlist runs import FILE.slrun\n\n"
		"RUN is a run id, 'latest', or -N (the N-th newest). show prints the lineage: suite,\n"
		"dataset and prompt version hashes, models requested and reported, parameters,\n"
		"shortlist version, user and times. diff matches cells by model, prompt name, case\n"
		"and sample and lists those whose output, error or score (--metric, default the\n"
		"first scored metric) changed. export writes the run with its cells, scores,\n"
		"ratings, votes, promotions, prompt versions and dataset to one file (a run\n"
		"bundle); import adds a bundle to this store under a new run id (a run already\n"
		"here is refused). 'shortlist tui --open FILE.slrun' shows one without importing.\n\n"
		"poll waits for the run's batches at the providers' batch APIs (run --batch) and\n"
		"collects their results into the run, after the process that sent them was\n"
		"stopped or killed; nothing is sent again. cancel asks the APIs to cancel them,\n"
		"then collects what had finished; the rest stays missing (run --resume runs it).\n");
}

static cJSON *run_json(const struct sl_run *r);

static int runs_list(struct sl_store *store, int limit, bool json)
{
	struct sl_error err = { 0 };
	struct sl_run *runs;
	size_t n;
	if (sl_runs_list(store, limit, &runs, &n, &err) != 0)
		return cli_fail(&err);
	if (json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			/* the list does not load models and prompts: leave them out, not empty */
			cJSON *x = run_json(&runs[i]);
			cJSON_DeleteItemFromObject(x, "models");
			cJSON_DeleteItemFromObject(x, "prompts");
			cJSON_AddItemToArray(a, x);
		}
		char *text = cJSON_Print(a);
		puts(text);
		cJSON_free(text);
		cJSON_Delete(a);
		sl_runs_free(runs, n);
		return 0;
	}
	if (n == 0) {
		printf("no runs yet: start one with 'shortlist run SUITE'\n");
		return 0;
	}
	printf("%5s  %-20s  %-24s  %-10s  %11s  %6s  %6s  %s\n", "RUN", "STARTED", "SUITE", "STATUS",
	       "CELLS", "ERRORS", "CACHED", "COST");
	for (size_t i = 0; i < n; i++) {
		const struct sl_run *r = &runs[i];
		char cells[32], cost[SL_FMT_LEN];
		snprintf(cells, sizeof cells, "%lld/%lld", (long long)r->n_done, (long long)r->n_cells);
		sl_fmt_usd_partial(r->cost, r->n_cost_unknown, cost);
		printf("%5lld  %-20s  %-24.24s  %-10s  %11s  %6lld  %6lld  %s\n", (long long)r->id,
		       r->started_at, r->suite_name, r->status, cells, (long long)r->n_errors,
		       (long long)r->n_cached, cost);
	}
	sl_runs_free(runs, n);
	return 0;
}

static int print_cell(void *ud, const struct sl_cell *c)
{
	(void)ud;
	printf("%-28.28s %-20.20s %5d %3d  ", c->model, c->prompt_name, c->case_idx + 1, c->sample);
	/* 80 columns of the text on one line, shown safely (no control character or bad
	 * byte of a model's answer reaches the terminal as it is). */
	const char *text = c->error_kind ? (c->error_msg ? c->error_msg : "") : c->output ? c->output : "";
	struct sl_buf b;
	sl_buf_init(&b);
	for (const char *p = text; *p && b.len < 400; p++)
		sl_buf_putc(&b, *p == '\n' || *p == '\t' || *p == '\r' ? ' ' : *p);
	sl_buf_puts(&b, "");
	struct sl_buf shown;
	sl_buf_init(&shown);
	sl_utf8_sanitize(&shown, b.data, b.len);
	sl_buf_puts(&shown, "");
	shown.data[sl_utf8_fit(shown.data, 80)] = '\0';
	if (c->error_kind)
		printf("ERROR %s: %s\n", c->error_kind, shown.data);
	else
		printf("%s%s\n", c->cached ? "(cached) " : "", shown.data);
	sl_buf_free(&b);
	sl_buf_free(&shown);
	return 0;
}

static cJSON *run_json(const struct sl_run *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "suite", r->suite_name);
	cJSON_AddStringToObject(o, "suite_path", r->suite_path);
	cJSON_AddStringToObject(o, "suite_hash", r->suite_hash);
	cJSON_AddStringToObject(o, "dataset_path", r->dataset_path);
	cJSON_AddStringToObject(o, "dataset_hash", r->dataset_hash);
	cJSON_AddStringToObject(o, "status", r->status);
	if (r->stop_reason)
		cJSON_AddStringToObject(o, "stop_reason", r->stop_reason);
	cJSON_AddStringToObject(o, "shortlist_version", r->shortlist_version);
	cJSON_AddStringToObject(o, "user", r->user);
	if (r->host)
		cJSON_AddStringToObject(o, "host", r->host);
	cJSON_AddStringToObject(o, "started_at", r->started_at);
	if (r->ended_at)
		cJSON_AddStringToObject(o, "ended_at", r->ended_at);
	cJSON_AddItemToObject(o, "params", cJSON_Parse(r->params_json));
	cJSON_AddNumberToObject(o, "samples", r->samples);
	cJSON_AddNumberToObject(o, "cells", (double)r->n_cells);
	cJSON_AddNumberToObject(o, "done", (double)r->n_done);
	cJSON_AddNumberToObject(o, "errors", (double)r->n_errors);
	cJSON_AddNumberToObject(o, "cached", (double)r->n_cached);
	if (r->n_cost_unknown)
		cJSON_AddNullToObject(o, "cost_usd");
	else
		cJSON_AddNumberToObject(o, "cost_usd", r->cost);
	cJSON *models = cJSON_AddArrayToObject(o, "models");
	for (size_t i = 0; i < r->n_models; i++) {
		const struct sl_run_model *m = &r->models[i];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "requested", m->requested);
		if (m->provider)
			cJSON_AddStringToObject(x, "provider", m->provider);
		if (m->model_id)
			cJSON_AddStringToObject(x, "model_id", m->model_id);
		if (m->endpoint)
			cJSON_AddStringToObject(x, "endpoint", m->endpoint);
		cJSON_AddStringToObject(x, "reported", m->reported);
		if (isnan(m->price_in))
			cJSON_AddNullToObject(x, "price_in");
		else
			cJSON_AddNumberToObject(x, "price_in", m->price_in);
		if (isnan(m->price_out))
			cJSON_AddNullToObject(x, "price_out");
		else
			cJSON_AddNumberToObject(x, "price_out", m->price_out);
		cJSON_AddItemToArray(models, x);
	}
	cJSON *prompts = cJSON_AddArrayToObject(o, "prompts");
	for (size_t i = 0; i < r->n_prompts; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", r->prompts[i].name);
		cJSON_AddNumberToObject(x, "version", r->prompts[i].version);
		cJSON_AddStringToObject(x, "hash", r->prompts[i].hash);
		cJSON_AddItemToArray(prompts, x);
	}
	return o;
}

/* The run's batches at the providers' batch APIs (run --batch), one line each. */
static int print_batches(struct sl_store *store, const struct sl_run *r, struct sl_error *err)
{
	struct sl_batch_row *b;
	size_t n;
	if (sl_batches_list(store, r->id, &b, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *model = (size_t)b[i].model_idx < r->n_models
					    ? r->models[b[i].model_idx].requested : "?";
		printf("batch      %s %s %s (%s%s%s): %lld requests, %lld answered, %lld failed",
		       model, b[i].protocol, b[i].remote_id ? b[i].remote_id : "(not submitted)",
		       b[i].state, b[i].api_status ? ", API: " : "",
		       b[i].api_status ? b[i].api_status : "", (long long)b[i].n_requests,
		       (long long)b[i].n_ok, (long long)b[i].n_failed);
		if (b[i].n_malformed)
			printf(", %lld malformed result lines", (long long)b[i].n_malformed);
		if (b[i].message)
			printf("; %s", b[i].message);
		if (b[i].expires_at && !b[i].ended_at)
			printf("; expires %s", b[i].expires_at);
		putchar('\n');
	}
	if (n)
		printf("           batch cells cost the batch price (50%% of the interactive price, "
		       "the documented discount); their latency is not measured\n");
	sl_batch_rows_free(b, n);
	return 0;
}

static int runs_show(struct sl_store *store, const char *ref, bool cells, bool json)
{
	struct sl_error err = { 0 };
	int64_t id;
	struct sl_run r;
	if (sl_run_resolve(store, ref, &id, &err) != 0 || sl_run_get(store, id, &r, &err) != 0)
		return cli_fail(&err);
	if (json) {
		cJSON *o = run_json(&r);
		char *s = cJSON_Print(o);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(o);
		sl_run_free(&r);
		return 0;
	}
	char cost[SL_FMT_LEN];
	sl_fmt_usd_partial(r.cost, r.n_cost_unknown, cost);
	printf("run %lld: %s (%s%s%s)\n", (long long)r.id, r.suite_name, r.status,
	       r.stop_reason ? ": " : "", r.stop_reason ? r.stop_reason : "");
	printf("suite      %s  sha256 %s\n", r.suite_path, r.suite_hash);
	printf("dataset    %s  sha256 %s\n", r.dataset_path, r.dataset_hash);
	for (size_t i = 0; i < r.n_prompts; i++)
		printf("prompt     %s@%d  sha256 %s\n", r.prompts[i].name, r.prompts[i].version,
		       r.prompts[i].hash);
	for (size_t i = 0; i < r.n_models; i++) {
		const struct sl_run_model *m = &r.models[i];
		printf("model      %s -> %s %s at %s; reported: %s; price in/out per 1M: ",
		       m->requested, m->provider ? m->provider : "?", m->model_id ? m->model_id : "?",
		       m->endpoint ? m->endpoint : "?", *m->reported ? m->reported : "(none yet)");
		if (isnan(m->price_in) || isnan(m->price_out))
			printf("%s\n", SL_FMT_UNKNOWN);
		else
			printf("$%g / $%g\n", m->price_in, m->price_out);
	}
	printf("params     %s\n", r.params_json);
	printf("samples    %d per case, concurrency %d\n", r.samples, r.concurrency);
	printf("cells      %lld/%lld done, %lld errors, %lld cached\n", (long long)r.n_done,
	       (long long)r.n_cells, (long long)r.n_errors, (long long)r.n_cached);
	char spent[SL_FMT_LEN];
	printf("cost       %s (spent on API calls in this run: %s)%s\n", cost, sl_fmt_usd(r.cost_spent, spent),
	       r.n_cost_unknown ? "; unknown prices: set them in the suite's \"prices\"" : "");
	printf("shortlist  %s, run by %s%s%s\n", r.shortlist_version, r.user, r.host ? " on " : "",
	       r.host ? r.host : "");
	printf("time       %s -> %s%s%s\n", r.started_at, r.ended_at ? r.ended_at : "(not ended)",
	       r.resumed_at ? ", last resumed " : "", r.resumed_at ? r.resumed_at : "");
	if (print_batches(store, &r, &err) != 0) {
		sl_run_free(&r);
		return cli_fail(&err);
	}
	if (cells) {
		printf("\n%-28s %-20s %5s %3s  %s\n", "MODEL", "PROMPT", "CASE", "S", "OUTPUT");
		if (sl_run_cells_foreach(store, id, print_cell, NULL, &err) != 0) {
			sl_run_free(&r);
			return cli_fail(&err);
		}
	}
	sl_run_free(&r);
	return 0;
}

static void one_line(char *dst, size_t n, const struct sl_cell *c)
{
	if (!c)
		snprintf(dst, n, "(missing)");
	else if (c->error_kind)
		snprintf(dst, n, "ERROR %s: %s", c->error_kind, c->error_msg ? c->error_msg : "");
	else
		snprintf(dst, n, "%s", c->output ? c->output : "");
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
}

static void print_diff(void *ud, unsigned changes, const struct sl_cell *a,
		       const struct sl_cell *b, double sa, double sb)
{
	(void)ud;
	const struct sl_cell *k = a ? a : b;
	char la[120], lb[120];
	one_line(la, sizeof la, a);
	one_line(lb, sizeof lb, b);
	printf("%s  %s@%d->%d  case %d sample %d:", k->model, k->prompt_name,
	       a ? a->prompt_version : 0, b ? b->prompt_version : 0, k->case_idx + 1, k->sample);
	if (changes & SL_CELL_OUTPUT)
		printf(" output");
	if (changes & SL_CELL_ERROR)
		printf(" error");
	if (changes & SL_CELL_SCORE)
		printf(" score %.3g -> %.3g", sa, sb);
	if (changes & SL_CELL_ONLY_A)
		printf(" only in A");
	if (changes & SL_CELL_ONLY_B)
		printf(" only in B");
	printf("\n  - %s\n  + %s\n", la, lb);
}

static int runs_diff(struct sl_store *store, const char *ra, const char *rb, const char *metric)
{
	struct sl_error err = { 0 };
	int64_t a, b;
	if (sl_run_resolve(store, ra, &a, &err) != 0 || sl_run_resolve(store, rb, &b, &err) != 0)
		return cli_fail(&err);
	struct sl_run run_a, run_b;
	if (sl_run_get(store, a, &run_a, &err) != 0)
		return cli_fail(&err);
	if (sl_run_get(store, b, &run_b, &err) != 0) {
		sl_run_free(&run_a);
		return cli_fail(&err);
	}
	if (strcmp(run_a.dataset_hash, run_b.dataset_hash) != 0)
		printf("note: the runs used different datasets (%.12s, %.12s): cases are matched "
		       "by their position\n", run_a.dataset_hash, run_b.dataset_hash);
	sl_run_free(&run_a);
	sl_run_free(&run_b);
	struct sl_run_diff_stats st;
	/* the metric asked for, else the first one either run has */
	char *m = metric ? sl_xstrdup(metric) : sl_runs_diff_metric(store, a, b);
	printf("--- run %lld\n+++ run %lld\n", (long long)a, (long long)b);
	if (sl_runs_diff(store, a, b, m, print_diff, NULL, &st, &err) != 0) {
		free(m);
		return cli_fail(&err);
	}
	printf("%lld cells matched: %lld same, %lld output changed, %lld error changed, "
	       "%lld score changed; %lld only in run %lld, %lld only in run %lld%s\n",
	       (long long)st.matched, (long long)st.same, (long long)st.changed_output,
	       (long long)st.changed_error, (long long)st.changed_score, (long long)st.only_a,
	       (long long)a, (long long)st.only_b, (long long)b,
	       m ? "" : " (no scores in either run: outputs and errors compared)");
	if (m)
		printf("score compared: %s\n", m);
	free(m);
	return 0;
}

static bool looks_numeric(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* poll and cancel are a resume of the run that only collects its stored batches (and
 * cancels them first): the same summary, scoring and exit codes as `run`. */
static int runs_batches(struct cli *cli, const char *ref, bool cancel, bool json)
{
	struct sl_store *store = cli_store(cli);
	struct sl_error err = { 0 };
	int64_t id;
	struct sl_run run;
	if (sl_run_resolve(store, ref, &id, &err) != 0 || sl_run_get(store, id, &run, &err) != 0)
		return cli_fail(&err);
	struct sl_batch_row *rows;
	size_t n;
	if (sl_batches_list(store, id, &rows, &n, &err) != 0) {
		sl_run_free(&run);
		return cli_fail(&err);
	}
	size_t active = 0;
	for (size_t i = 0; i < n; i++) {
		int st = sl_batch_state_parse(rows[i].state);
		active += st >= 0 && !sl_batch_state_final((enum sl_batch_state)st);
	}
	sl_batch_rows_free(rows, n);
	if (!active) {
		printf("run %lld has no batch at a provider's batch API%s\n", (long long)id,
		       n ? " (all of them ended: see 'shortlist runs show')" : "");
		sl_run_free(&run);
		return 0;
	}
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	char *args[] = { "run", run.suite_path, "--resume", idbuf,
			 cancel ? "--cancel-batches" : "--collect-batches", json ? "--json" : NULL,
			 NULL };
	int rc = cmd_run(cli, json ? 6 : 5, args);
	sl_run_free(&run);
	return rc;
}

int cmd_runs(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		runs_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SL_EXIT_USAGE : 0;
	}
	for (int i = 2; i < argc; i++)
		if (cli_is_help(argv[i])) {
			runs_usage(stdout);
			return 0;
		}
	const char *sub = argv[1];
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) {
		int limit = 0;
		bool json = false;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
				limit = atoi(argv[++i]);
			else if (strcmp(argv[i], "--json") == 0)
				json = true;
			else
				return cli_usage_error("runs", "list: unexpected '%s'", argv[i]);
		}
		return runs_list(cli_store(cli), limit, json);
	}
	if (strcmp(sub, "show") == 0) {
		const char *ref = NULL;
		bool cells = false, json = false;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--cells") == 0)
				cells = true;
			else if (strcmp(argv[i], "--json") == 0)
				json = true;
			else if (!ref)
				ref = argv[i];
			else
				return cli_usage_error("runs", "show: unexpected '%s'", argv[i]);
		}
		if (!ref)
			return cli_usage_error("runs", "show needs a RUN (id, 'latest' or -N)");
		return runs_show(cli_store(cli), ref, cells, json);
	}
	if (strcmp(sub, "diff") == 0) {
		const char *refs[2] = { NULL, NULL }, *metric = NULL;
		int n = 0;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--metric") == 0 && i + 1 < argc)
				metric = argv[++i];
			else if (n < 2 && (argv[i][0] != '-' || looks_numeric(argv[i])))
				refs[n++] = argv[i];
			else
				return cli_usage_error("runs", "diff: unexpected '%s'", argv[i]);
		}
		if (n != 2)
			return cli_usage_error("runs", "diff needs RUN_A RUN_B");
		return runs_diff(cli_store(cli), refs[0], refs[1], metric);
	}
	if (strcmp(sub, "poll") == 0 || strcmp(sub, "cancel") == 0) {
		const char *ref = NULL;
		bool json = false;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				json = true;
			else if (!ref)
				ref = argv[i];
			else
				return cli_usage_error("runs", "%s: unexpected '%s'", sub, argv[i]);
		}
		if (!ref)
			return cli_usage_error("runs", "%s needs a RUN (id, 'latest' or -N)", sub);
		return runs_batches(cli, ref, strcmp(sub, "cancel") == 0, json);
	}
	if (strcmp(sub, "export") == 0)
		return cli_runs_export(cli, argc, argv);
	if (strcmp(sub, "import") == 0)
		return cli_runs_import(cli, argc, argv);
	return cli_usage_error("runs", "unknown subcommand '%s'", sub);
}
