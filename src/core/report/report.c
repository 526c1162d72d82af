/* Reports of a run: JSON, JSONL, CSV, Markdown, JUnit and text here, HTML in report_html.c.
 * The scorecard, triangle, gates and lineage are small and built in memory; cells are streamed from the store one at a time (JSON, JSONL, CSV,
 * JUnit), so a million-cell run is written in constant memory. */
#include "shortlist/util.h"
#include "shortlist/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/csv.h"
#include "shortlist/format.h"
#include "shortlist/runs.h"
#include "shortlist/utf8.h"
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
#include "report_internal.h"


static void report_free(struct report *r)
{
	for (size_t m = 0; r->details && m < r->n_metrics; m++)
		free(r->details[m]);
	free(r->details);
	sl_run_free(&r->run);
	if (!r->opts || !r->opts->scorecard)
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
	if (opts->scorecard)
		r->sc = *opts->scorecard; /* borrowed: report_free leaves it */
	else if (sl_scorecard_build(store, run_id, &r->sc, err) != 0)
		return -1;
	if (r->sc.n_rows)
		r->n_metrics = r->sc.rows[0].n_metrics;
	struct sl_error terr = { 0 };
	if (r->sc.n_models && sl_scorecard_triangle(&r->sc, opts->metric, &r->tri, &terr) == 0) {
		r->has_tri = true;
		if (opts->gates) /* recommend among the models that pass */
			sl_gate_report_exclude(opts->gates, &r->tri);
		sl_triangle_rank(&r->tri, &opts->weights);
		sl_triangle_regions(&r->tri, 60);
		sl_triangle_recommend(&r->tri, &opts->weights, &r->recommendation);
	} else if (opts->metric && r->sc.n_models) {
		/* Asked for by name: a typo must not silently drop the triangle. */
		sl_error_set(err, "%s", terr.msg);
		err->code = SL_EXIT_USAGE;
		return -1;
	} else {
		r->tri_note = sl_xstrdup(r->sc.n_models ? terr.msg : "no finished cells");
	}
	return 0;
}


const char *sl_report_metric_name(const struct report *r, size_t m)
{
	return r->sc.rows[0].metrics[m].name;
}

/* ---- cell scores ---- */

/* The scores of streamed cells: one cursor per metric over cell_scores in key order, which
 * is the order cells stream in, so each cell's scores are the cursors' next rows (a merge)
 * instead of a search of the index per cell and metric. */
struct score_cursor {
	sqlite3_stmt *st;
	bool row; /* st is on a row */
};

static int cursors_open(struct report *r, struct score_cursor *cur)
{
	for (size_t m = 0; m < r->n_metrics; m++) {
		if (sqlite3_prepare_v2(sl_store_db(r->store),
				       "SELECT model_idx, prompt_idx, case_idx, sample, value, detail "
				       "FROM cell_scores WHERE run_id = ?1 AND metric = ?2 ORDER BY "
				       "model_idx, prompt_idx, case_idx, sample", -1, &cur[m].st,
				       NULL) != SQLITE_OK) {
			sl_store_error(r->store, r->err, "reading scores");
			return -1;
		}
		sqlite3_bind_int64(cur[m].st, 1, r->run.id);
		sqlite3_bind_text(cur[m].st, 2, sl_report_metric_name(r, m), -1, SQLITE_STATIC);
		cur[m].row = sqlite3_step(cur[m].st) == SQLITE_ROW;
	}
	return 0;
}

static void cursors_close(struct report *r, struct score_cursor *cur)
{
	for (size_t m = 0; m < r->n_metrics; m++)
		sqlite3_finalize(cur[m].st);
}

/* <0, 0, >0 as the cursor's row is before, at or after the cell */
static int cursor_cmp(sqlite3_stmt *st, const struct sl_cell *c)
{
	int key[4] = { c->model_idx, c->prompt_idx, c->case_idx, c->sample };
	for (int i = 0; i < 4; i++) {
		int v = sqlite3_column_int(st, i);
		if (v != key[i])
			return v < key[i] ? -1 : 1;
	}
	return 0;
}

/* The cell's value for each quality metric (NAN when not scored) and detail text. */
static void cell_scores(struct report *r, struct score_cursor *cur, const struct sl_cell *c,
			double *values)
{
	if (!r->details && r->n_metrics)
		r->details = sl_xcalloc(r->n_metrics, sizeof *r->details);
	for (size_t m = 0; m < r->n_metrics; m++) {
		values[m] = NAN;
		free(r->details[m]);
		r->details[m] = NULL;
		int cmp = -1;
		while (cur[m].row && (cmp = cursor_cmp(cur[m].st, c)) < 0)
			cur[m].row = sqlite3_step(cur[m].st) == SQLITE_ROW;
		if (!cur[m].row || cmp != 0)
			continue;
		sqlite3_stmt *st = cur[m].st;
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			values[m] = sqlite3_column_double(st, 4);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			r->details[m] = sl_xstrdup(sl_col_text(st, 5));
	}
}

/* Text as a JSON string that stays valid UTF-8 whatever bytes a model or a file sent. */
static void json_str(cJSON *o, const char *k, const char *v)
{
	char *fixed = v ? sl_utf8_repair(v) : NULL;
	if (v)
		cJSON_AddStringToObject(o, k, fixed ? fixed : v);
	else
		cJSON_AddNullToObject(o, k);
	free(fixed);
}

/* A cell is written as cJSON_PrintUnformatted wrote the object it used to build, byte for
 * byte, straight into a buffer: a tree a cell, freed again, and its numbers read back by
 * sscanf were most of what a JSON cell cost. */
static void put_key(struct sl_buf *b, const char *k)
{
	if (b->len && b->data[b->len - 1] != '{')
		sl_buf_putc(b, ',');
	sl_buf_json_string(b, k);
	sl_buf_putc(b, ':');
}

/* Text that stays valid UTF-8 whatever bytes a model or a file sent; null when absent. */
static void put_str(struct sl_buf *b, const char *k, const char *v)
{
	put_key(b, k);
	if (!v) {
		sl_buf_puts(b, "null");
		return;
	}
	char *fixed = sl_utf8_repair(v);
	sl_buf_json_string(b, fixed ? fixed : v);
	free(fixed);
}

static void put_num(struct sl_buf *b, const char *k, double v)
{
	put_key(b, k);
	sl_buf_json_number(b, v);
}

static void put_bool(struct sl_buf *b, const char *k, bool v)
{
	put_key(b, k);
	sl_buf_puts(b, v ? "true" : "false");
}

static void cell_json(struct report *r, const struct sl_cell *c, const double *values,
		      struct sl_buf *b)
{
	sl_buf_putc(b, '{');
	put_num(b, "run", (double)c->run_id);
	put_str(b, "model", c->model);
	put_str(b, "reported_model", c->reported_model);
	char pv[160];
	snprintf(pv, sizeof pv, "%s@%d", c->prompt_name ? c->prompt_name : "?", c->prompt_version);
	put_key(b, "prompt");
	sl_buf_json_string(b, pv);
	put_str(b, "prompt_hash", c->prompt_hash);
	put_num(b, "case", c->case_idx);
	put_num(b, "case_line", c->case_line);
	put_num(b, "sample", c->sample);
	/* the dataset's own JSON, as cJSON prints it */
	cJSON *vars = cJSON_Parse(c->vars_json ? c->vars_json : "null");
	char *vt = vars ? cJSON_PrintUnformatted(vars) : NULL;
	put_key(b, "vars");
	sl_buf_puts(b, vt ? vt : "null");
	cJSON_free(vt);
	cJSON_Delete(vars);
	put_str(b, "expected", c->expected);
	put_str(b, "reference", c->reference);
	put_str(b, "label", c->label);
	put_str(b, "output", c->output);
	put_str(b, "finish_reason", c->finish_reason);
	put_str(b, "error_kind", c->error_kind);
	put_str(b, "error", c->error_msg);
	if (c->http_status)
		put_num(b, "http_status", c->http_status);
	put_bool(b, "cached", c->cached);
	put_num(b, "latency_ms", c->latency_ms);
	put_num(b, "ttft_ms", c->ttft_ms);
	put_num(b, "tokens_in", c->tokens_in >= 0 ? (double)c->tokens_in : NAN);
	put_num(b, "tokens_out", c->tokens_out >= 0 ? (double)c->tokens_out : NAN);
	put_bool(b, "tokens_estimated", c->tokens_estimated);
	put_num(b, "cost_usd", c->cost);
	put_key(b, "scores");
	sl_buf_putc(b, '{');
	for (size_t m = 0; m < r->n_metrics; m++)
		put_num(b, sl_report_metric_name(r, m), values[m]);
	sl_buf_putc(b, '}');
	/* Why: the extracted label, the judge's explanation, why it could not be scored. */
	put_key(b, "score_details");
	sl_buf_putc(b, '{');
	for (size_t m = 0; m < r->n_metrics; m++)
		if (r->details && r->details[m])
			put_str(b, sl_report_metric_name(r, m), r->details[m]);
	sl_buf_puts(b, "}}");
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
	sl_json_add_number(o, "max_cost", run->max_cost);
	cJSON_AddNumberToObject(o, "cells_planned", (double)run->n_cells);
	cJSON_AddNumberToObject(o, "cells_done", (double)run->n_done);
	cJSON_AddNumberToObject(o, "cells_failed", (double)run->n_errors);
	cJSON_AddNumberToObject(o, "cells_cached", (double)run->n_cached);
	sl_json_add_number(o, "cost_usd", run->n_cost_unknown ? NAN : run->cost);
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
		sl_json_add_number(x, "price_in_per_1m", m->price_in);
		sl_json_add_number(x, "price_out_per_1m", m->price_out);
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
		sl_json_add_number(o, "error_rate", r->error_rate);
		cJSON *q = cJSON_AddObjectToObject(o, "quality");
		for (size_t m = 0; m < r->n_metrics; m++) {
			const struct sl_metric_value *mv = &r->metrics[m];
			cJSON *x = cJSON_CreateObject();
			sl_json_add_number(x, "value", mv->value);
			sl_json_add_number(x, "ci95_low", mv->lo);
			sl_json_add_number(x, "ci95_high", mv->hi);
			cJSON_AddStringToObject(x, "interval", mv->method);
			cJSON_AddStringToObject(x, "kind", mv->kind == SL_METRIC_PROPORTION
								   ? "proportion" : "mean");
			cJSON_AddNumberToObject(x, "n", (double)mv->n);
			cJSON_AddNumberToObject(x, "unscored", (double)mv->n_unscored);
			cJSON_AddItemToObject(q, mv->name, x);
		}
		if (r->batch)
			cJSON_AddBoolToObject(o, "batch", 1);
		sl_json_add_number(o, "latency_p50_s", r->latency_p50);
		sl_json_add_number(o, "latency_p95_s", r->latency_p95);
		sl_json_add_number(o, "latency_p99_s", r->latency_p99);
		sl_json_add_number(o, "latency_mean_s", r->latency_mean);
		sl_json_add_number(o, "ttft_p50_s", r->ttft_p50);
		sl_json_add_number(o, "ttft_p95_s", r->ttft_p95);
		sl_json_add_number(o, "output_tokens_per_s", r->tokens_per_s);
		sl_json_add_number(o, "cost_usd", r->cost_total);
		sl_json_add_number(o, "cost_per_request_usd", r->cost_per_request);
		sl_json_add_number(o, "cost_per_1k_requests_usd", r->cost_per_1k);
		cJSON_AddNumberToObject(o, "cells_cost_unknown", (double)r->n_cost_unknown);
		cJSON_AddNumberToObject(o, "judge_calls", (double)r->judge_calls);
		sl_json_add_number(o, "judge_cost_usd", r->judge_calls ? r->judge_cost : 0);
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
		sl_json_add_number(o, "value", res->value);
		cJSON_AddStringToObject(o, "detail", res->detail);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* ---- streaming cells ---- */

struct stream {
	struct report *r;
	struct score_cursor *cur;
	struct sl_buf line; /* a cell's text, reused */
	int (*emit)(struct stream *s, const struct sl_cell *c, const double *values);
	double *values;
	bool first;
	int64_t n;
};

static int stream_cell(void *ud, const struct sl_cell *c)
{
	struct stream *s = ud;
	cell_scores(s->r, s->cur, c, s->values);
	s->n++;
	return s->emit(s, c, s->values);
}

static int for_cells(struct report *r, int (*emit)(struct stream *, const struct sl_cell *,
						   const double *))
{
	struct stream s = { .r = r, .emit = emit, .first = true };
	sl_buf_init(&s.line);
	s.values = sl_xcalloc(r->n_metrics ? r->n_metrics : 1, sizeof *s.values);
	s.cur = sl_xcalloc(r->n_metrics ? r->n_metrics : 1, sizeof *s.cur);
	int rc = cursors_open(r, s.cur);
	if (rc == 0)
		rc = sl_run_cells_foreach(r->store, r->run.id, stream_cell, &s, r->err);
	cursors_close(r, s.cur);
	sl_buf_free(&s.line);
	free(s.cur);
	free(s.values);
	r->n_cells = s.n;
	return rc;
}

static int emit_json_cell(struct stream *s, const struct sl_cell *c, const double *values)
{
	sl_buf_reset(&s->line);
	sl_buf_puts(&s->line, s->first ? "\n  " : ",\n  ");
	cell_json(s->r, c, values, &s->line);
	fwrite(s->line.data, 1, s->line.len, s->r->out);
	s->first = false;
	return ferror(s->r->out) ? -1 : 0;
}

static int emit_jsonl_cell(struct stream *s, const struct sl_cell *c, const double *values)
{
	sl_buf_reset(&s->line);
	cell_json(s->r, c, values, &s->line);
	sl_buf_putc(&s->line, '\n');
	fwrite(s->line.data, 1, s->line.len, s->r->out);
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
	if (r->sc.batch_note) /* only batch runs have it: other reports stay as they were */
		json_str(o, "batch_note", r->sc.batch_note);
	cJSON *j = cJSON_AddObjectToObject(o, "judge");
	cJSON_AddNumberToObject(j, "judged_cells", (double)r->sc.judge_calls);
	sl_json_add_number(j, "cost_usd", r->sc.judge_cost);
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

/* ---- CSV (RFC 4180, through csv.h) ---- */

/* An integer field and its comma; empty when not known. */
static void csv_int(FILE *f, long long v, bool known)
{
	if (known)
		fprintf(f, "%lld", v);
	fputc(',', f);
}

static int emit_csv_cell(struct stream *s, const struct sl_cell *c, const double *values)
{
	FILE *f = s->r->out;
	csv_int(f, c->run_id, true);
	sl_csv_write_field(f, c->model, ',');
	sl_csv_write_field(f, c->reported_model, ',');
	sl_csv_write_field(f, c->prompt_name, ',');
	csv_int(f, c->prompt_version, true);
	csv_int(f, c->case_idx, true);
	csv_int(f, c->case_line, true);
	csv_int(f, c->sample, true);
	sl_csv_write_field(f, c->error_kind ? "error" : "ok", ',');
	sl_csv_write_field(f, c->error_kind, ',');
	sl_csv_write_field(f, c->error_msg, ',');
	csv_int(f, c->cached ? 1 : 0, true);
	sl_csv_write_num(f, c->latency_ms, ',');
	sl_csv_write_num(f, c->ttft_ms, ',');
	csv_int(f, c->tokens_in, c->tokens_in >= 0);
	csv_int(f, c->tokens_out, c->tokens_out >= 0);
	sl_csv_write_num(f, c->cost, ',');
	for (size_t m = 0; m < s->r->n_metrics; m++)
		sl_csv_write_num(f, values[m], ',');
	sl_csv_write_field(f, c->vars_json, ',');
	sl_csv_write_field(f, c->expected ? c->expected : c->reference ? c->reference : c->label, ',');
	sl_csv_write_field(f, c->output, '\n');
	return ferror(f) ? -1 : 0;
}

static int write_csv(struct report *r)
{
	FILE *f = r->out;
	if (r->opts->csv_per_model) {
		fputs("model,prompt,n,errors,error_rate", f);
		for (size_t m = 0; m < r->n_metrics; m++)
			fprintf(f, ",%s,%s_ci95_low,%s_ci95_high", sl_report_metric_name(r, m), sl_report_metric_name(r, m),
				sl_report_metric_name(r, m));
		fputs(",latency_p50_s,latency_p95_s,latency_p99_s,ttft_p50_s,ttft_p95_s,"
		      "output_tokens_per_s,cost_per_request_usd,cost_per_1k_usd,judge_cost_usd\r\n", f);
		for (size_t i = 0; i < r->sc.n_rows; i++) {
			const struct sl_scorecard_row *row = &r->sc.rows[i];
			sl_csv_write_field(f, row->model, ',');
			sl_csv_write_field(f, row->prompt, ',');
			csv_int(f, row->n, true);
			csv_int(f, row->n_errors, true);
			sl_csv_write_num(f, row->error_rate, 0);
			for (size_t m = 0; m < row->n_metrics; m++) {
				const struct sl_metric_value *mv = &row->metrics[m];
				fputc(',', f);
				sl_csv_write_num(f, mv->value, ',');
				sl_csv_write_num(f, mv->lo, ',');
				sl_csv_write_num(f, mv->hi, 0);
			}
			double v[] = { row->latency_p50, row->latency_p95, row->latency_p99,
				       row->ttft_p50, row->ttft_p95, row->tokens_per_s,
				       row->cost_per_request, row->cost_per_1k,
				       row->judge_calls ? row->judge_cost : NAN };
			for (size_t k = 0; k < SL_ARRAY_LEN(v); k++) {
				fputc(',', f);
				sl_csv_write_num(f, v[k], 0);
			}
			fputs("\r\n", f);
		}
		return ferror(f) ? -1 : 0;
	}
	fputs("run,model,reported_model,prompt,prompt_version,case,case_line,sample,status,"
	      "error_kind,error,cached,latency_ms,ttft_ms,tokens_in,tokens_out,cost_usd", f);
	for (size_t m = 0; m < r->n_metrics; m++) {
		fputc(',', f);
		sl_csv_write_field(f, sl_report_metric_name(r, m), 0);
	}
	fputs(",vars,expected,output\r\n", f);
	return for_cells(r, emit_csv_cell);
}

/* ---- Markdown ---- */

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
		(long long)r->run.n_cached, r->run.status ? r->run.status : SL_FMT_UNKNOWN,
		r->run.shortlist_version ? r->run.shortlist_version : SL_FMT_UNKNOWN);
	fputs("| model | n | errors |", f);
	for (size_t m = 0; m < r->n_metrics; m++) {
		fputc(' ', f);
		md_escape(f, sl_report_metric_name(r, m));
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
				fprintf(f, " %s (%lld unscored) |", SL_FMT_UNKNOWN, (long long)mv->n_unscored);
			else if (isnan(mv->value))
				fprintf(f, " %s |", SL_FMT_UNKNOWN);
			else
				fprintf(f, " %.3f (%.3f–%.3f) |", mv->value, mv->lo, mv->hi);
		}
		char a[SL_FMT_LEN], b[SL_FMT_LEN], c[SL_FMT_LEN], d[SL_FMT_LEN], e[SL_FMT_LEN],
			g[SL_FMT_LEN], tps[SL_FMT_LEN];
		fprintf(f, " %s | %s | %s | %s | %s | %s | %s |\n",
			sl_scorecard_fmt_seconds(row, row->latency_p50, a),
			sl_scorecard_fmt_seconds(row, row->latency_p95, b),
			sl_scorecard_fmt_seconds(row, row->latency_p99, c),
			sl_scorecard_fmt_seconds(row, row->ttft_p50, d),
			sl_fmt_number(row->tokens_per_s, 1, tps),
			sl_fmt_usd(row->cost_per_request, e), sl_fmt_usd(row->cost_per_1k, g));
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
		char jc[SL_FMT_LEN];
		sl_fmt_usd(r->sc.judge_cost, jc);
		fprintf(f, "\nJudge: %lld judged cells, %s (not in the models' cost).\n",
			(long long)r->sc.judge_calls, jc);
	}
	if (r->sc.price_hint) {
		fputs("\nNote: ", f);
		md_escape(f, r->sc.price_hint);
		fputc('\n', f);
	}
	if (r->sc.batch_note) {
		fputs("\nNote: ", f);
		md_escape(f, r->sc.batch_note);
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
		sl_buf_printf(why, "%s%s failed", failed ? ", " : "", sl_report_metric_name(r, m));
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

/* The scorecard and the triangle's recommendation: the body of the text report. */
static void scorecard_text(struct report *r, struct sl_buf *b)
{
	sl_scorecard_render_text(&r->sc, b);
	if (r->has_tri)
		sl_buf_printf(b, "\n%s\n", r->recommendation.data);
	else if (r->tri_note)
		sl_buf_printf(b, "\nno recommendation: %s\n", r->tri_note);
}

static int write_text(struct report *r)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_printf(&b, "run %lld: %s, %lld/%lld cells, %lld failed, %lld cached\n\n",
		      (long long)r->run.id, r->run.suite_name ? r->run.suite_name : "?",
		      (long long)r->run.n_done, (long long)r->run.n_cells, (long long)r->run.n_errors,
		      (long long)r->run.n_cached);
	scorecard_text(r, &b);
	if (r->opts->gates && r->opts->gates->n) {
		sl_buf_putc(&b, '\n');
		sl_gate_report_render(r->opts->gates, true, &b);
	}
	fputs(b.data ? b.data : "", r->out);
	sl_buf_free(&b);
	return ferror(r->out) ? -1 : 0;
}

int sl_report_scorecard_text(struct sl_store *store, int64_t run_id,
			     const struct sl_report_options *opts, struct sl_buf *out,
			     struct sl_error *err)
{
	struct report r;
	int rc = report_load(&r, store, run_id, opts, NULL, err);
	if (rc == 0)
		scorecard_text(&r, out);
	report_free(&r);
	return rc;
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
	case SL_REPORT_HTML: rc = sl_report_write_html(&r); break;
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
