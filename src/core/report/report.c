/* Reports of a run in six formats. The scorecard, triangle, gates and lineage are small and
 * built in memory; cells are streamed from the store one at a time (JSON, JSONL, CSV,
 * JUnit), so a million-cell run is written in constant memory. */
#include "shortlist/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/runs.h"
#include "version.h"

static const char *const format_names[] = { "json", "jsonl", "csv", "md", "html", "junit",
					    "text" };

int sl_report_format_parse(const char *name, enum sl_report_format *out, struct sl_error *err)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(format_names); i++) {
		if (strcmp(name, format_names[i]) == 0 ||
		    (i == SL_REPORT_MD && strcmp(name, "markdown") == 0)) {
			*out = (enum sl_report_format)i;
			return 0;
		}
	}
	sl_error_set(err, "unknown report format '%s' (formats: json, jsonl, csv, md, html, junit, "
			  "text)", name);
	err->code = SL_EXIT_USAGE;
	return -1;
}

/* Everything but the cells. */
struct report {
	struct sl_store *store;
	struct sl_run run;
	struct sl_scorecard sc;
	struct sl_triangle tri;
	bool has_tri;
	char *tri_note;        /* why there is no triangle */
	struct sl_buf recommendation;
	const struct sl_report_options *opts;
	size_t n_metrics;      /* quality metrics, in the scorecard's order */
	FILE *out;
	int64_t n_cells;
	struct sl_error *err;
};

static void report_free(struct report *r)
{
	sl_run_free(&r->run);
	sl_scorecard_free(&r->sc);
	sl_triangle_free(&r->tri);
	free(r->tri_note);
	sl_buf_free(&r->recommendation);
}

static int report_load(struct report *r, struct sl_store *store, int64_t run_id,
		       const struct sl_report_options *opts, FILE *out, struct sl_error *err)
{
	memset(r, 0, sizeof *r);
	r->store = store;
	r->opts = opts;
	r->out = out;
	r->err = err;
	sl_triangle_init(&r->tri);
	sl_buf_init(&r->recommendation);
	if (sl_run_get(store, run_id, &r->run, err) != 0)
		return -1;
	if (sl_scorecard_build(store, run_id, &r->sc, err) != 0)
		return -1;
	if (r->sc.n_rows)
		r->n_metrics = r->sc.rows[0].n_metrics;
	struct sl_error terr = { 0 };
	if (r->sc.n_models && sl_scorecard_triangle(&r->sc, opts->metric, &r->tri, &terr) == 0) {
		r->has_tri = true;
		sl_triangle_rank(&r->tri, &opts->weights);
		sl_triangle_regions(&r->tri, 60);
		sl_triangle_recommend(&r->tri, &opts->weights, &r->recommendation);
	} else {
		r->tri_note = sl_xstrdup(r->sc.n_models ? terr.msg : "no finished cells");
	}
	return 0;
}

static const char *metric_name(const struct report *r, size_t m)
{
	return r->sc.rows[0].metrics[m].name;
}

/* ---- cell scores ---- */

/* The cell's value for each quality metric (NAN when not scored) and detail text. */
static int cell_scores(struct report *r, const struct sl_cell *c, double *values)
{
	for (size_t m = 0; m < r->n_metrics; m++) {
		values[m] = NAN;
		sqlite3_stmt *st = sl_store_prepare(r->store,
			"SELECT value FROM cell_scores WHERE run_id = ?1 AND metric = ?2 AND "
			"model_idx = ?3 AND prompt_idx = ?4 AND case_idx = ?5 AND sample = ?6", r->err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, c->run_id);
		sqlite3_bind_text(st, 2, metric_name(r, m), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, c->model_idx);
		sqlite3_bind_int(st, 4, c->prompt_idx);
		sqlite3_bind_int(st, 5, c->case_idx);
		sqlite3_bind_int(st, 6, c->sample);
		if (sl_store_step(r->store, st, r->err) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			values[m] = sqlite3_column_double(st, 0);
		sqlite3_reset(st);
	}
	return 0;
}

static void json_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void json_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *cell_json(struct report *r, const struct sl_cell *c, const double *values)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "run", (double)c->run_id);
	json_str(o, "model", c->model);
	json_str(o, "reported_model", c->reported_model);
	char pv[160];
	snprintf(pv, sizeof pv, "%s@%d", c->prompt_name ? c->prompt_name : "?", c->prompt_version);
	cJSON_AddStringToObject(o, "prompt", pv);
	json_str(o, "prompt_hash", c->prompt_hash);
	cJSON_AddNumberToObject(o, "case", c->case_idx);
	cJSON_AddNumberToObject(o, "case_line", c->case_line);
	cJSON_AddNumberToObject(o, "sample", c->sample);
	cJSON *vars = cJSON_Parse(c->vars_json ? c->vars_json : "null");
	cJSON_AddItemToObject(o, "vars", vars ? vars : cJSON_CreateNull());
	json_str(o, "expected", c->expected);
	json_str(o, "reference", c->reference);
	json_str(o, "label", c->label);
	json_str(o, "output", c->output);
	json_str(o, "finish_reason", c->finish_reason);
	json_str(o, "error_kind", c->error_kind);
	json_str(o, "error", c->error_msg);
	if (c->http_status)
		cJSON_AddNumberToObject(o, "http_status", c->http_status);
	cJSON_AddBoolToObject(o, "cached", c->cached);
	json_num(o, "latency_ms", c->latency_ms);
	json_num(o, "ttft_ms", c->ttft_ms);
	json_num(o, "tokens_in", c->tokens_in >= 0 ? (double)c->tokens_in : NAN);
	json_num(o, "tokens_out", c->tokens_out >= 0 ? (double)c->tokens_out : NAN);
	cJSON_AddBoolToObject(o, "tokens_estimated", c->tokens_estimated);
	json_num(o, "cost_usd", c->cost);
	cJSON *s = cJSON_AddObjectToObject(o, "scores");
	for (size_t m = 0; m < r->n_metrics; m++)
		json_num(s, metric_name(r, m), values[m]);
	return o;
}

/* ---- the summary parts as JSON ---- */

static cJSON *run_json(const struct sl_run *run)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)run->id);
	json_str(o, "suite", run->suite_name);
	json_str(o, "suite_path", run->suite_path);
	json_str(o, "suite_hash", run->suite_hash);
	json_str(o, "dataset_path", run->dataset_path);
	json_str(o, "dataset_hash", run->dataset_hash);
	json_str(o, "status", run->status);
	json_str(o, "stop_reason", run->stop_reason);
	json_str(o, "shortlist_version", run->shortlist_version);
	json_str(o, "user", run->user);
	json_str(o, "host", run->host);
	json_str(o, "started_at", run->started_at);
	json_str(o, "ended_at", run->ended_at);
	json_str(o, "resumed_at", run->resumed_at);
	cJSON_AddNumberToObject(o, "samples", run->samples);
	cJSON_AddNumberToObject(o, "concurrency", run->concurrency);
	json_num(o, "max_cost", run->max_cost);
	cJSON_AddNumberToObject(o, "cells_planned", (double)run->n_cells);
	cJSON_AddNumberToObject(o, "cells_done", (double)run->n_done);
	cJSON_AddNumberToObject(o, "cells_failed", (double)run->n_errors);
	cJSON_AddNumberToObject(o, "cells_cached", (double)run->n_cached);
	json_num(o, "cost_usd", run->n_cost_unknown ? NAN : run->cost);
	cJSON_AddNumberToObject(o, "cells_cost_unknown", (double)run->n_cost_unknown);
	cJSON *ms = cJSON_AddArrayToObject(o, "models");
	for (size_t i = 0; i < run->n_models; i++) {
		const struct sl_run_model *m = &run->models[i];
		cJSON *x = cJSON_CreateObject();
		json_str(x, "requested", m->requested);
		json_str(x, "provider", m->provider);
		json_str(x, "model_id", m->model_id);
		json_str(x, "endpoint", m->endpoint);
		json_str(x, "catalog_key", m->catalog_key);
		json_num(x, "price_in_per_1m", m->price_in);
		json_num(x, "price_out_per_1m", m->price_out);
		json_str(x, "reported", m->reported);
		cJSON_AddItemToArray(ms, x);
	}
	cJSON *ps = cJSON_AddArrayToObject(o, "prompts");
	for (size_t i = 0; i < run->n_prompts; i++) {
		cJSON *x = cJSON_CreateObject();
		json_str(x, "name", run->prompts[i].name);
		cJSON_AddNumberToObject(x, "version", run->prompts[i].version);
		json_str(x, "hash", run->prompts[i].hash);
		cJSON_AddItemToArray(ps, x);
	}
	cJSON *suite = cJSON_Parse(run->suite_json ? run->suite_json : "null");
	cJSON_AddItemToObject(o, "suite_file", suite ? suite : cJSON_CreateNull());
	cJSON *params = cJSON_Parse(run->params_json ? run->params_json : "null");
	cJSON_AddItemToObject(o, "params", params ? params : cJSON_CreateNull());
	return o;
}

static cJSON *scorecard_json(const struct sl_scorecard *sc)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < sc->n_rows; i++) {
		const struct sl_scorecard_row *r = &sc->rows[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "model", r->model);
		json_str(o, "prompt", r->prompt);
		cJSON_AddNumberToObject(o, "n", (double)r->n);
		cJSON_AddNumberToObject(o, "errors", (double)r->n_errors);
		cJSON_AddNumberToObject(o, "cached", (double)r->n_cached);
		json_num(o, "error_rate", r->error_rate);
		cJSON *q = cJSON_AddObjectToObject(o, "quality");
		for (size_t m = 0; m < r->n_metrics; m++) {
			const struct sl_metric_value *mv = &r->metrics[m];
			cJSON *x = cJSON_CreateObject();
			json_num(x, "value", mv->value);
			json_num(x, "ci95_low", mv->lo);
			json_num(x, "ci95_high", mv->hi);
			cJSON_AddStringToObject(x, "interval", mv->method);
			cJSON_AddStringToObject(x, "kind", mv->kind == SL_METRIC_PROPORTION
								   ? "proportion" : "mean");
			cJSON_AddNumberToObject(x, "n", (double)mv->n);
			cJSON_AddNumberToObject(x, "unscored", (double)mv->n_unscored);
			cJSON_AddItemToObject(q, mv->name, x);
		}
		json_num(o, "latency_p50_s", r->latency_p50);
		json_num(o, "latency_p95_s", r->latency_p95);
		json_num(o, "latency_p99_s", r->latency_p99);
		json_num(o, "latency_mean_s", r->latency_mean);
		json_num(o, "ttft_p50_s", r->ttft_p50);
		json_num(o, "ttft_p95_s", r->ttft_p95);
		json_num(o, "output_tokens_per_s", r->tokens_per_s);
		json_num(o, "cost_usd", r->cost_total);
		json_num(o, "cost_per_request_usd", r->cost_per_request);
		json_num(o, "cost_per_1k_requests_usd", r->cost_per_1k);
		cJSON_AddNumberToObject(o, "cells_cost_unknown", (double)r->n_cost_unknown);
		cJSON_AddNumberToObject(o, "judge_calls", (double)r->judge_calls);
		json_num(o, "judge_cost_usd", r->judge_calls ? r->judge_cost : 0);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *triangle_json(const struct report *r)
{
	if (r->has_tri)
		return sl_triangle_json(&r->tri, &r->opts->weights);
	cJSON *o = cJSON_CreateObject();
	json_str(o, "unavailable", r->tri_note);
	return o;
}

static cJSON *gates_json(const struct sl_gate_report *g)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; g && i < g->n; i++) {
		const struct sl_gate_result *res = &g->results[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "gate", res->gate->expr);
		cJSON_AddStringToObject(o, "model", res->model);
		json_str(o, "prompt", res->prompt);
		cJSON_AddBoolToObject(o, "passed", res->passed);
		json_num(o, "value", res->value);
		cJSON_AddStringToObject(o, "detail", res->detail);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* ---- streaming cells ---- */

struct stream {
	struct report *r;
	int (*emit)(struct stream *s, const struct sl_cell *c, const double *values);
	double *values;
	bool first;
	int64_t n;
};

static int stream_cell(void *ud, const struct sl_cell *c)
{
	struct stream *s = ud;
	if (cell_scores(s->r, c, s->values) != 0)
		return -1;
	s->n++;
	return s->emit(s, c, s->values);
}

static int for_cells(struct report *r, int (*emit)(struct stream *, const struct sl_cell *,
						   const double *))
{
	struct stream s = { .r = r, .emit = emit, .first = true };
	s.values = sl_xcalloc(r->n_metrics ? r->n_metrics : 1, sizeof *s.values);
	int rc = sl_run_cells_foreach(r->store, r->run.id, stream_cell, &s, r->err);
	free(s.values);
	r->n_cells = s.n;
	return rc;
}

static int emit_json_cell(struct stream *s, const struct sl_cell *c, const double *values)
{
	cJSON *o = cell_json(s->r, c, values);
	char *t = cJSON_PrintUnformatted(o);
	fprintf(s->r->out, "%s\n  %s", s->first ? "" : ",", t);
	s->first = false;
	cJSON_free(t);
	cJSON_Delete(o);
	return ferror(s->r->out) ? -1 : 0;
}

static int emit_jsonl_cell(struct stream *s, const struct sl_cell *c, const double *values)
{
	cJSON *o = cell_json(s->r, c, values);
	char *t = cJSON_PrintUnformatted(o);
	fprintf(s->r->out, "%s\n", t);
	cJSON_free(t);
	cJSON_Delete(o);
	return ferror(s->r->out) ? -1 : 0;
}

static int write_json(struct report *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", "shortlist-report/1");
	cJSON_AddStringToObject(o, "generated_by", "shortlist " SL_VERSION);
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	cJSON_AddStringToObject(o, "generated_at", now);
	cJSON_AddItemToObject(o, "run", run_json(&r->run));
	cJSON_AddItemToObject(o, "scorecard", scorecard_json(&r->sc));
	json_str(o, "headline_metric", r->sc.headline);
	json_str(o, "price_hint", r->sc.price_hint);
	cJSON *j = cJSON_AddObjectToObject(o, "judge");
	cJSON_AddNumberToObject(j, "judged_cells", (double)r->sc.judge_calls);
	json_num(j, "cost_usd", r->sc.judge_cost);
	cJSON_AddItemToObject(o, "triangle", triangle_json(r));
	cJSON_AddItemToObject(o, "gates", gates_json(r->opts->gates));
	char *head = cJSON_Print(o);
	cJSON_Delete(o);
	/* Stream the cells into the object: drop its closing brace and append them. */
	size_t len = strlen(head);
	while (len && head[len - 1] != '}')
		len--;
	fwrite(head, 1, len ? len - 1 : 0, r->out);
	cJSON_free(head);
	fputs(",\n\"cells\": [", r->out);
	int rc = for_cells(r, emit_json_cell);
	fputs("\n]}\n", r->out);
	return rc;
}

/* ---- CSV (RFC 4180) ---- */

static void csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.10g", v);
}

static int emit_csv_cell(struct stream *s, const struct sl_cell *c, const double *values)
{
	FILE *f = s->r->out;
	fprintf(f, "%lld,", (long long)c->run_id);
	csv_field(f, c->model);
	fputc(',', f);
	csv_field(f, c->reported_model);
	fputc(',', f);
	csv_field(f, c->prompt_name);
	fprintf(f, ",%d,%d,%d,%d,%s,", c->prompt_version, c->case_idx, c->case_line, c->sample,
		c->error_kind ? "error" : "ok");
	csv_field(f, c->error_kind);
	fputc(',', f);
	csv_field(f, c->error_msg);
	fprintf(f, ",%d,", c->cached ? 1 : 0);
	csv_num(f, c->latency_ms);
	fputc(',', f);
	csv_num(f, c->ttft_ms);
	fputc(',', f);
	if (c->tokens_in >= 0)
		fprintf(f, "%lld", (long long)c->tokens_in);
	fputc(',', f);
	if (c->tokens_out >= 0)
		fprintf(f, "%lld", (long long)c->tokens_out);
	fputc(',', f);
	csv_num(f, c->cost);
	for (size_t m = 0; m < s->r->n_metrics; m++) {
		fputc(',', f);
		csv_num(f, values[m]);
	}
	fputc(',', f);
	csv_field(f, c->vars_json);
	fputc(',', f);
	csv_field(f, c->expected ? c->expected : c->reference ? c->reference : c->label);
	fputc(',', f);
	csv_field(f, c->output);
	fputs("\r\n", f);
	return ferror(f) ? -1 : 0;
}

static int write_csv(struct report *r)
{
	FILE *f = r->out;
	if (r->opts->csv_per_model) {
		fputs("model,prompt,n,errors,error_rate", f);
		for (size_t m = 0; m < r->n_metrics; m++)
			fprintf(f, ",%s,%s_ci95_low,%s_ci95_high", metric_name(r, m), metric_name(r, m),
				metric_name(r, m));
		fputs(",latency_p50_s,latency_p95_s,latency_p99_s,ttft_p50_s,ttft_p95_s,"
		      "output_tokens_per_s,cost_per_request_usd,cost_per_1k_usd,judge_cost_usd\r\n", f);
		for (size_t i = 0; i < r->sc.n_rows; i++) {
			const struct sl_scorecard_row *row = &r->sc.rows[i];
			csv_field(f, row->model);
			fputc(',', f);
			csv_field(f, row->prompt);
			fprintf(f, ",%lld,%lld,", (long long)row->n, (long long)row->n_errors);
			csv_num(f, row->error_rate);
			for (size_t m = 0; m < row->n_metrics; m++) {
				const struct sl_metric_value *mv = &row->metrics[m];
				fputc(',', f);
				csv_num(f, mv->value);
				fputc(',', f);
				csv_num(f, mv->lo);
				fputc(',', f);
				csv_num(f, mv->hi);
			}
			double v[] = { row->latency_p50, row->latency_p95, row->latency_p99,
				       row->ttft_p50, row->ttft_p95, row->tokens_per_s,
				       row->cost_per_request, row->cost_per_1k,
				       row->judge_calls ? row->judge_cost : NAN };
			for (size_t k = 0; k < SL_ARRAY_LEN(v); k++) {
				fputc(',', f);
				csv_num(f, v[k]);
			}
			fputs("\r\n", f);
		}
		return ferror(f) ? -1 : 0;
	}
	fputs("run,model,reported_model,prompt,prompt_version,case,case_line,sample,status,"
	      "error_kind,error,cached,latency_ms,ttft_ms,tokens_in,tokens_out,cost_usd", f);
	for (size_t m = 0; m < r->n_metrics; m++) {
		fputc(',', f);
		csv_field(f, metric_name(r, m));
	}
	fputs(",vars,expected,output\r\n", f);
	return for_cells(r, emit_csv_cell);
}

/* ---- Markdown ---- */

static void fmt_s(double s, char out[24])
{
	if (!isfinite(s))
		snprintf(out, 24, "–");
	else if (s < 1)
		snprintf(out, 24, "%.0f ms", s * 1000);
	else
		snprintf(out, 24, "%.2f s", s);
}

/* Two significant digits for small amounts: $0.0000082, not $0.0000. */
static void fmt_usd(double c, char out[24])
{
	if (!isfinite(c))
		snprintf(out, 24, "unknown");
	else if (c >= 1 || c == 0)
		snprintf(out, 24, "$%.2f", c);
	else
		snprintf(out, 24, "$%.*f", (int)fmin(12, ceil(-log10(c)) + 1), c);
}

static void md_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static int write_md(struct report *r)
{
	FILE *f = r->out;
	fprintf(f, "### shortlist run %lld: ", (long long)r->run.id);
	md_escape(f, r->run.suite_name);
	fprintf(f, "\n\n%lld/%lld cells, %lld failed, %lld cached; status %s; shortlist %s\n\n",
		(long long)r->run.n_done, (long long)r->run.n_cells, (long long)r->run.n_errors,
		(long long)r->run.n_cached, r->run.status ? r->run.status : "?",
		r->run.shortlist_version ? r->run.shortlist_version : "?");
	fputs("| model | n | errors |", f);
	for (size_t m = 0; m < r->n_metrics; m++) {
		fputc(' ', f);
		md_escape(f, metric_name(r, m));
		fputs(" (95% CI) |", f);
	}
	fputs(" p50 | p95 | p99 | TTFT p50 | tok/s | $/request | $/1k requests |\n|---|--:|--:|", f);
	for (size_t m = 0; m < r->n_metrics; m++)
		fputs("--:|", f);
	fputs("--:|--:|--:|--:|--:|--:|--:|\n", f);
	for (size_t i = 0; i < r->sc.n_rows; i++) {
		const struct sl_scorecard_row *row = &r->sc.rows[i];
		fputs("| ", f);
		md_escape(f, row->model);
		if (row->prompt) {
			fputs(" · ", f);
			md_escape(f, row->prompt);
		}
		fprintf(f, " | %lld | %.1f%% |", (long long)row->n,
			100 * (isfinite(row->error_rate) ? row->error_rate : 0));
		for (size_t m = 0; m < row->n_metrics; m++) {
			const struct sl_metric_value *mv = &row->metrics[m];
			if (isnan(mv->value) && mv->n_unscored)
				fprintf(f, " – (%lld unscored) |", (long long)mv->n_unscored);
			else if (isnan(mv->value))
				fputs(" – |", f);
			else
				fprintf(f, " %.3f (%.3f–%.3f) |", mv->value, mv->lo, mv->hi);
		}
		char a[24], b[24], c[24], d[24], e[24], g[24];
		fmt_s(row->latency_p50, a);
		fmt_s(row->latency_p95, b);
		fmt_s(row->latency_p99, c);
		fmt_s(row->ttft_p50, d);
		fmt_usd(row->cost_per_request, e);
		fmt_usd(row->cost_per_1k, g);
		char tps[24];
		if (isfinite(row->tokens_per_s))
			snprintf(tps, sizeof tps, "%.1f", row->tokens_per_s);
		else
			snprintf(tps, sizeof tps, "–");
		fprintf(f, " %s | %s | %s | %s | %s | %s | %s |\n", a, b, c, d, tps, e, g);
	}
	if (r->has_tri) {
		fputs("\n**Recommendation:** ", f);
		md_escape(f, r->recommendation.data);
		fputs("\n\nPareto frontier (not beaten on speed, precision and cost at once): ", f);
		bool first = true;
		for (size_t i = 0; i < r->tri.n; i++) {
			if (!r->tri.models[i].pareto)
				continue;
			fputs(first ? "" : ", ", f);
			md_escape(f, r->tri.models[i].name);
			first = false;
		}
		fputs("\n", f);
	}
	const struct sl_gate_report *g = r->opts->gates;
	if (g && g->n) {
		fprintf(f, "\n**Gates:** %zu of %zu checks failed\n\n", g->n_failed, g->n);
		for (size_t i = 0; i < g->n; i++) {
			fprintf(f, "- %s `%s` — ", g->results[i].passed ? "✅" : "❌",
				g->results[i].gate->expr);
			md_escape(f, g->results[i].detail);
			fputc('\n', f);
		}
	}
	if (r->sc.judge_calls) {
		char jc[24];
		fmt_usd(r->sc.judge_cost, jc);
		fprintf(f, "\nJudge: %lld judged cells, %s (not in the models' cost).\n",
			(long long)r->sc.judge_calls, jc);
	}
	if (r->sc.price_hint) {
		fputs("\nNote: ", f);
		md_escape(f, r->sc.price_hint);
		fputc('\n', f);
	}
	fprintf(f, "\n<sub>suite %.12s · dataset %.12s · prompts:", r->run.suite_hash
		? r->run.suite_hash : "?", r->run.dataset_hash ? r->run.dataset_hash : "?");
	for (size_t i = 0; i < r->run.n_prompts; i++)
		fprintf(f, " %s@%d (%.12s)", r->run.prompts[i].name, r->run.prompts[i].version,
			r->run.prompts[i].hash);
	fprintf(f, " · started %s by %s</sub>\n", r->run.started_at ? r->run.started_at : "?",
		r->run.user ? r->run.user : "?");
	return ferror(f) ? -1 : 0;
}

/* ---- HTML ---- */

static void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *const colors[] = { "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
				      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };

/* Quality against cost per 1,000 requests, with the quality-cost Pareto frontier. */
static void svg_scatter(struct report *r, FILE *f)
{
	const struct sl_triangle *t = &r->tri;
	double W = 560, H = 340, L = 60, R = 140, T = 20, B = 50;
	double xmax = 0, ymin = INFINITY, ymax = -INFINITY;
	for (size_t i = 0; i < t->n; i++) {
		if (isfinite(t->models[i].cost))
			xmax = fmax(xmax, t->models[i].cost);
		if (isfinite(t->models[i].precision)) {
			ymin = fmin(ymin, t->models[i].precision);
			ymax = fmax(ymax, t->models[i].precision);
		}
	}
	if (!isfinite(ymin)) {
		ymin = 0;
		ymax = 1;
	}
	if (ymin >= 0 && ymax <= 1) { /* proportions and similarities: show the whole 0-1 */
		ymin = 0;
		ymax = 1;
	} else if (ymax - ymin < 1e-9) {
		ymin -= 1;
		ymax += 1;
	}
	if (xmax <= 0)
		xmax = 1;
	xmax *= 1.1;
	double pw = W - L - R, ph = H - T - B;
#define PX(c) (L + (c) / xmax * pw)
#define PY(q) (T + ph - ((q) - ymin) / (ymax - ymin) * ph)
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "role=\"img\" aria-label=\"quality against cost\">\n", W, H);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
		   "stroke=\"#ccc\"/>\n", L, T, pw, ph);
	for (int k = 0; k <= 4; k++) {
		double q = ymin + (ymax - ymin) * k / 4, c = xmax * k / 4;
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%.2f</text>\n",
			L - 6, PY(q) + 4, q);
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" class=\"ax\" text-anchor=\"middle\">$%.3g"
			   "</text>\n", PX(c), T + ph + 16, c);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"lbl\" text-anchor=\"middle\">cost per 1,000 "
		   "requests (USD)</text>\n", L + pw / 2, H - 8);
	fprintf(f, "<text x=\"14\" y=\"%.0f\" class=\"lbl\" text-anchor=\"middle\" "
		   "transform=\"rotate(-90 14 %.0f)\">", T + ph / 2, T + ph / 2);
	html_escape(f, t->precision_label);
	fputs("</text>\n", f);
	/* The frontier in this plane: sorted by cost, keep each model better than all cheaper. */
	size_t *idx = sl_xmalloc((t->n ? t->n : 1) * sizeof *idx);
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (isfinite(t->models[i].cost) && isfinite(t->models[i].precision))
			idx[n++] = i;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && (t->models[idx[b]].cost < t->models[idx[b - 1]].cost ||
					    (t->models[idx[b]].cost == t->models[idx[b - 1]].cost &&
					     t->models[idx[b]].precision >
						     t->models[idx[b - 1]].precision)); b--) {
			size_t tmp = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = tmp;
		}
	double best = -INFINITY;
	bool started = false;
	for (size_t k = 0; k < n; k++) {
		const struct sl_tri_model *m = &t->models[idx[k]];
		if (m->precision <= best)
			continue;
		if (!started)
			fputs("<polyline class=\"frontier\" points=\"", f);
		else /* step: keep quality until the next frontier point's cost */
			fprintf(f, "%.1f,%.1f ", PX(m->cost), PY(best));
		fprintf(f, "%.1f,%.1f ", PX(m->cost), PY(m->precision));
		best = m->precision;
		started = true;
	}
	if (started)
		fputs("\"/>\n", f);
	free(idx);
	size_t unknown = 0;
	/* Labels of points that land on top of each other are stacked, not overprinted. */
	double *label_y = sl_xmalloc((t->n ? t->n : 1) * 2 * sizeof *label_y);
	size_t n_labels = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct sl_tri_model *m = &t->models[i];
		if (!isfinite(m->precision))
			continue;
		double x = isfinite(m->cost) ? PX(m->cost) : L + pw + 20;
		double y = PY(m->precision);
		double ly = y + 4;
		for (bool moved = true; moved;) {
			moved = false;
			for (size_t k = 0; k < n_labels; k++) {
				if (fabs(label_y[2 * k] - x) < 90 && fabs(label_y[2 * k + 1] - ly) < 12) {
					ly = label_y[2 * k + 1] + 12;
					moved = true;
				}
			}
		}
		label_y[2 * n_labels] = x;
		label_y[2 * n_labels + 1] = ly;
		n_labels++;
		if (!isfinite(m->cost))
			unknown++;
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"%s><title>", x, y,
			colors[i % SL_ARRAY_LEN(colors)],
			isfinite(m->cost) ? "" : " fill-opacity=\"0.4\" stroke=\"#333\"");
		html_escape(f, m->name);
		fprintf(f, ": %.3f, %s</title></circle>\n", m->precision,
			isfinite(m->cost) ? "" : "cost unknown");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"pt\">", x + 9, ly);
		html_escape(f, m->name);
		fputs("</text>\n", f);
	}
	free(label_y);
	if (unknown)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">cost unknown →</text>\n",
			L + pw - 80, T + 12);
	fputs("</svg>\n", f);
#undef PX
#undef PY
}

/* p50 and p95 latency per model, horizontal bars. */
static void svg_latency(struct report *r, FILE *f)
{
	double W = 560, L = 200, bar = 14, gap = 10, T = 10;
	double xmax = 0;
	for (size_t i = 0; i < r->sc.n_models; i++)
		if (isfinite(r->sc.rows[i].latency_p95))
			xmax = fmax(xmax, r->sc.rows[i].latency_p95);
	if (xmax <= 0)
		xmax = 1;
	double H = T + (double)r->sc.n_models * (2 * bar + gap) + 30;
	double pw = W - L - 70;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "role=\"img\" aria-label=\"latency per model\">\n", W, H);
	for (size_t i = 0; i < r->sc.n_models; i++) {
		const struct sl_scorecard_row *row = &r->sc.rows[i];
		double y = T + (double)i * (2 * bar + gap);
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"pt\" text-anchor=\"end\">", L - 8,
			y + bar + 4);
		html_escape(f, row->model);
		fputs("</text>\n", f);
		double v[2] = { row->latency_p50, row->latency_p95 };
		for (int k = 0; k < 2; k++) {
			double w = isfinite(v[k]) ? v[k] / xmax * pw : 0;
			fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" "
				   "fill=\"%s\"/>", L, y + k * bar, w, bar - 2,
				k ? "#f28e2b" : "#4e79a7");
			char t[24];
			fmt_s(v[k], t);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ax\">%s %s</text>\n", L + w + 4,
				y + k * bar + bar - 4, k ? "p95" : "p50", t);
		}
	}
	fputs("</svg>\n", f);
}

static int write_html(struct report *r)
{
	FILE *f = r->out;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	fprintf(f, "shortlist run %lld: ", (long long)r->run.id);
	html_escape(f, r->run.suite_name);
	fputs("</title>\n<style>\n"
	      "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
	      "max-width:1100px;color:#222;padding:0 16px}\n"
	      "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;"
	      "border-bottom:1px solid #ddd;padding-bottom:4px}\n"
	      "table{border-collapse:collapse;font-size:13px;margin:8px 0}"
	      "th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}"
	      "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\n"
	      ".ci{color:#777;font-size:11px}.unknown{color:#b00}.meta{color:#666}\n"
	      ".rec{background:#eef6ee;border-left:4px solid #59a14f;padding:8px 12px}\n"
	      ".pass{color:#2a7d2a}.fail{color:#b00;font-weight:600}\n"
	      ".charts{display:flex;flex-wrap:wrap;gap:24px}\n"
	      "svg .ax{font-size:10px;fill:#555}svg .lbl{font-size:12px;fill:#333}"
	      "svg .pt{font-size:11px;fill:#222}"
	      "svg .frontier{fill:none;stroke:#59a14f;stroke-width:2;stroke-dasharray:5 3}\n"
	      ".priors{background:#fff4e0;padding:6px 10px}\n"
	      "</style></head><body>\n<h1>shortlist run ", f);
	fprintf(f, "%lld: ", (long long)r->run.id);
	html_escape(f, r->run.suite_name);
	fprintf(f, "</h1>\n<p class=\"meta\">%lld/%lld cells, %lld failed, %lld cached · status %s "
		   "· started ", (long long)r->run.n_done, (long long)r->run.n_cells,
		(long long)r->run.n_errors, (long long)r->run.n_cached,
		r->run.status ? r->run.status : "?");
	html_escape(f, r->run.started_at);
	fputs(" by ", f);
	html_escape(f, r->run.user);
	fputs("</p>\n", f);
	if (r->has_tri) {
		fputs("<p class=\"rec\"><b>Recommendation:</b> ", f);
		html_escape(f, r->recommendation.data);
		fputs("</p>\n", f);
	}
	fputs("<h2>Scorecard</h2>\n<table><tr><th>model</th><th>n</th><th>errors</th>", f);
	for (size_t m = 0; m < r->n_metrics; m++) {
		fputs("<th>", f);
		html_escape(f, metric_name(r, m));
		fputs(" <span class=\"ci\">95% CI</span></th>", f);
	}
	fputs("<th>p50</th><th>p95</th><th>p99</th><th>TTFT p50</th><th>TTFT p95</th>"
	      "<th>tok/s</th><th>$/request</th><th>$/1k requests</th></tr>\n", f);
	for (size_t i = 0; i < r->sc.n_rows; i++) {
		const struct sl_scorecard_row *row = &r->sc.rows[i];
		fputs("<tr><td>", f);
		if (row->prompt)
			fputs("&nbsp;&nbsp;", f);
		html_escape(f, row->model);
		if (row->prompt) {
			fputs(" · ", f);
			html_escape(f, row->prompt);
		}
		fprintf(f, "</td><td>%lld</td><td>%.1f%%</td>", (long long)row->n,
			100 * (isfinite(row->error_rate) ? row->error_rate : 0));
		for (size_t m = 0; m < row->n_metrics; m++) {
			const struct sl_metric_value *mv = &row->metrics[m];
			if (isnan(mv->value) && mv->n_unscored)
				fprintf(f, "<td class=\"unknown\">– <span class=\"ci\">%lld unscored"
					   "</span></td>", (long long)mv->n_unscored);
			else if (isnan(mv->value))
				fputs("<td>–</td>", f);
			else
				fprintf(f, "<td>%.3f <span class=\"ci\">%.3f–%.3f</span></td>", mv->value,
					mv->lo, mv->hi);
		}
		double s[] = { row->latency_p50, row->latency_p95, row->latency_p99, row->ttft_p50,
			       row->ttft_p95 };
		for (size_t k = 0; k < SL_ARRAY_LEN(s); k++) {
			char t[24];
			fmt_s(s[k], t);
			fprintf(f, "<td>%s</td>", t);
		}
		if (isfinite(row->tokens_per_s))
			fprintf(f, "<td>%.1f</td>", row->tokens_per_s);
		else
			fputs("<td>–</td>", f);
		double c[] = { row->cost_per_request, row->cost_per_1k };
		for (size_t k = 0; k < 2; k++) {
			char t[24];
			fmt_usd(c[k], t);
			fprintf(f, "<td%s>%s</td>", isfinite(c[k]) ? "" : " class=\"unknown\"", t);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (r->sc.price_hint) {
		fputs("<p class=\"unknown\">", f);
		html_escape(f, r->sc.price_hint);
		fputs("</p>\n", f);
	}
	if (r->sc.judge_calls) {
		char jc[24];
		fmt_usd(r->sc.judge_cost, jc);
		fprintf(f, "<p class=\"meta\">Judge: %lld judged cells, %s (not included in the models' "
			   "cost).</p>\n", (long long)r->sc.judge_calls, jc);
	}
	if (r->has_tri) {
		fputs("<h2>Speed, precision, cost</h2>\n<div class=\"charts\"><div>", f);
		svg_scatter(r, f);
		fputs("<p class=\"meta\">Dashed line: the Pareto frontier of quality against cost."
		      "</p></div><div>", f);
		struct sl_buf map;
		sl_buf_init(&map);
		sl_triangle_render_map_svg(&r->tri, 300, &map);
		fputs(map.data ? map.data : "", f);
		sl_buf_free(&map);
		fputs("<p class=\"meta\">Which model ranks first for every weighting of speed, "
		      "precision and cost.</p></div></div>\n<table><tr><th>rank</th><th>map</th>"
		      "<th>model</th><th>score</th><th>speed</th><th>precision</th><th>cost</th>"
		      "<th>Pareto</th><th>wins</th></tr>\n", f);
		for (size_t k = 0; k < r->tri.n; k++) {
			size_t i = r->tri.order[k];
			const struct sl_tri_model *m = &r->tri.models[i];
			fprintf(f, "<tr><td>%d</td><td><span style=\"color:%s\">■</span> %c</td><td>",
				m->rank, colors[i % SL_ARRAY_LEN(colors)], sl_tri_letter(i));
			html_escape(f, m->name);
			fprintf(f, "</td><td>%.3f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>"
				   "<td>%s</td><td>%.0f%%</td></tr>\n", m->score, m->norm[0], m->norm[1],
				m->norm[2], m->pareto ? "yes" : "–", 100 * m->region_share);
		}
		char wt[64];
		sl_tri_weights_format(&r->opts->weights, wt);
		fprintf(f, "</table>\n<p class=\"meta\">Weights: %s. Axes normalised 0–1 across these "
			   "models (1 = best).</p>\n", wt);
	}
	fputs("<h2>Latency</h2>\n", f);
	svg_latency(r, f);
	const struct sl_gate_report *g = r->opts->gates;
	if (g && g->n) {
		fprintf(f, "<h2>Gates</h2>\n<p>%zu of %zu checks failed</p><ul>\n", g->n_failed, g->n);
		for (size_t i = 0; i < g->n; i++) {
			fprintf(f, "<li class=\"%s\">%s <code>", g->results[i].passed ? "pass" : "fail",
				g->results[i].passed ? "pass" : "FAIL");
			html_escape(f, g->results[i].gate->expr);
			fputs("</code>: ", f);
			html_escape(f, g->results[i].detail);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	fputs("<h2>Lineage</h2>\n<table>", f);
	const char *k[] = { "suite", "suite hash", "dataset", "dataset hash", "shortlist",
			    "started", "ended" };
	const char *v[] = { r->run.suite_path, r->run.suite_hash, r->run.dataset_path,
			    r->run.dataset_hash, r->run.shortlist_version, r->run.started_at,
			    r->run.ended_at };
	for (size_t i = 0; i < SL_ARRAY_LEN(k); i++) {
		fprintf(f, "<tr><th>%s</th><td style=\"text-align:left\">", k[i]);
		html_escape(f, v[i] ? v[i] : "–");
		fputs("</td></tr>\n", f);
	}
	for (size_t i = 0; i < r->run.n_prompts; i++) {
		fputs("<tr><th>prompt</th><td style=\"text-align:left\">", f);
		html_escape(f, r->run.prompts[i].name);
		fprintf(f, "@%d (%s)</td></tr>\n", r->run.prompts[i].version,
			r->run.prompts[i].hash ? r->run.prompts[i].hash : "");
	}
	for (size_t i = 0; i < r->run.n_models; i++) {
		fputs("<tr><th>model</th><td style=\"text-align:left\">", f);
		html_escape(f, r->run.models[i].requested);
		fputs(" → ", f);
		html_escape(f, r->run.models[i].reported && *r->run.models[i].reported
				       ? r->run.models[i].reported : "(no id reported)");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"meta\">Generated by shortlist " SL_VERSION
	      ". Self-contained: no scripts, no external resources.</p>\n</body></html>\n", f);
	return ferror(f) ? -1 : 0;
}

/* ---- JUnit XML ---- */

static void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
			continue; /* not allowed in XML 1.0 */
		switch (ch) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(ch, f);
		}
	}
}

/* A cell fails when it errored or a proportion metric (a check) scored 0 on it. */
static bool cell_failed(struct report *r, const struct sl_cell *c, const double *values,
			struct sl_buf *why)
{
	if (c->error_kind) {
		sl_buf_printf(why, "%s: %s", c->error_kind, c->error_msg ? c->error_msg : "");
		return true;
	}
	bool failed = false;
	for (size_t m = 0; m < r->n_metrics; m++) {
		if (r->sc.rows[0].metrics[m].kind != SL_METRIC_PROPORTION || values[m] != 0)
			continue;
		sl_buf_printf(why, "%s%s failed", failed ? ", " : "", metric_name(r, m));
		failed = true;
	}
	return failed;
}

static int emit_junit_cell(struct stream *s, const struct sl_cell *c, const double *values)
{
	struct sl_buf why;
	sl_buf_init(&why);
	if (cell_failed(s->r, c, values, &why)) {
		FILE *f = s->r->out;
		fputs("    <testcase classname=\"shortlist.cells.", f);
		xml_escape(f, c->model);
		fprintf(f, "\" name=\"%s@%d case %d (line %d) sample %d\">\n", c->prompt_name
			? c->prompt_name : "?", c->prompt_version, c->case_idx, c->case_line,
			c->sample);
		fprintf(f, "      <failure type=\"%s\" message=\"", c->error_kind ? "error" : "check");
		xml_escape(f, why.data);
		fputs("\">output: ", f);
		xml_escape(f, c->output ? c->output : "(none)");
		fputs("\nexpected: ", f);
		xml_escape(f, c->expected ? c->expected : c->reference ? c->reference
					 : c->label ? c->label : "(none)");
		fputs("</failure>\n    </testcase>\n", f);
	}
	sl_buf_free(&why);
	return ferror(s->r->out) ? -1 : 0;
}

static int write_junit(struct report *r)
{
	FILE *f = r->out;
	const struct sl_gate_report *g = r->opts->gates;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"shortlist run ", f);
	fprintf(f, "%lld\">\n", (long long)r->run.id);
	size_t ng = g ? g->n : 0, nf = g ? g->n_failed : 0;
	fprintf(f, "  <testsuite name=\"shortlist.gates\" tests=\"%zu\" failures=\"%zu\">\n", ng, nf);
	for (size_t i = 0; i < ng; i++) {
		const struct sl_gate_result *res = &g->results[i];
		fputs("    <testcase classname=\"shortlist.gates\" name=\"", f);
		xml_escape(f, res->gate->expr);
		fputs(" [", f);
		xml_escape(f, res->model);
		if (res->prompt) {
			fputc(' ', f);
			xml_escape(f, res->prompt);
		}
		fputs("]\"", f);
		if (res->passed) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n      <failure type=\"gate\" message=\"", f);
		xml_escape(f, res->detail);
		fputs("\"/>\n    </testcase>\n", f);
	}
	fputs("  </testsuite>\n  <testsuite name=\"shortlist.cells\">\n", f);
	int rc = for_cells(r, emit_junit_cell);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return rc;
}

static int write_text(struct report *r)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_printf(&b, "run %lld: %s, %lld/%lld cells, %lld failed, %lld cached\n\n",
		      (long long)r->run.id, r->run.suite_name ? r->run.suite_name : "?",
		      (long long)r->run.n_done, (long long)r->run.n_cells, (long long)r->run.n_errors,
		      (long long)r->run.n_cached);
	sl_scorecard_render_text(&r->sc, &b);
	if (r->has_tri)
		sl_buf_printf(&b, "\n%s\n", r->recommendation.data);
	else if (r->tri_note)
		sl_buf_printf(&b, "\nno recommendation: %s\n", r->tri_note);
	if (r->opts->gates && r->opts->gates->n) {
		sl_buf_putc(&b, '\n');
		sl_gate_report_render(r->opts->gates, true, &b);
	}
	fputs(b.data ? b.data : "", r->out);
	sl_buf_free(&b);
	return ferror(r->out) ? -1 : 0;
}

int sl_report_write(struct sl_store *store, int64_t run_id, const struct sl_report_options *opts,
		    FILE *out, struct sl_error *err)
{
	struct report r;
	if (report_load(&r, store, run_id, opts, out, err) != 0) {
		report_free(&r);
		return -1;
	}
	int rc;
	switch (opts->format) {
	case SL_REPORT_JSON: rc = write_json(&r); break;
	case SL_REPORT_JSONL: rc = for_cells(&r, emit_jsonl_cell); break;
	case SL_REPORT_CSV: rc = write_csv(&r); break;
	case SL_REPORT_MD: rc = write_md(&r); break;
	case SL_REPORT_HTML: rc = write_html(&r); break;
	case SL_REPORT_TEXT: rc = write_text(&r); break;
	default: rc = write_junit(&r); break;
	}
	if (rc == 0 && (fflush(out) != 0 || ferror(out))) {
		sl_error_set(err, "writing the report failed (disk full or the output closed?)");
		rc = -1;
	}
	report_free(&r);
	return rc;
}
