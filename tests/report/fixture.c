#include "fixture.h"
#include "test.h"
#include "shortlist/scorecard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void must(struct sl_store *store, int rc, const char *what)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW && rc != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", what, sqlite3_errmsg(sl_store_db(store)));
		exit(99);
	}
}

static void exec(struct sl_store *store, const char *sql)
{
	struct sl_error err = { 0 };
	if (sl_store_exec(store, sql, &err) != 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(99);
	}
}

void fixture_begin(struct sl_store *store)
{
	exec(store, "BEGIN");
}

void fixture_commit(struct sl_store *store)
{
	exec(store, "COMMIT");
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

struct sl_store *fixture_open(const char *name)
{
	struct sl_error err = { 0 };
	char *path = test_path(name);
	struct sl_store *s = sl_store_open(path, 0, &err);
	free(path);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	return s;
}

int64_t fixture_run(struct sl_store *store, const char *const *models, const double *price_in,
		    int n_models, const char *const *prompts, int n_prompts)
{
	sqlite3 *db = sl_store_db(store);
	exec(store, "INSERT OR IGNORE INTO datasets (hash, path, format, fields, n_cases, loaded_at)"
		    " VALUES ('dshash', 'cases.jsonl', 'jsonl', '[\"q\"]', 0, '2026-11-28T00:00:00Z')");
	exec(store, "INSERT INTO runs (suite_name, suite_path, suite_hash, suite_json, dataset_hash,"
		    " dataset_path, status, n_cells, samples, concurrency, params, shortlist_version,"
		    " user, started_at, ended_at) VALUES ('fixture', 'suite.json', 'shash',"
		    " '{\"name\":\"fixture\"}', 'dshash', 'cases.jsonl', 'complete', 0, 1, 4, '{}',"
		    " 'test', 'tester', '2026-11-28T10:00:00Z', '2026-11-28T10:01:00Z')");
	int64_t run = sqlite3_last_insert_rowid(db);
	sqlite3_stmt *st;
	for (int i = 0; i < n_models; i++) {
		sqlite3_prepare_v2(db, "INSERT INTO run_models (run_id, idx, requested, provider,"
				       " model_id, price_in, price_out) VALUES (?, ?, ?, 'fake', ?, ?, ?)",
				   -1, &st, NULL);
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, models[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, models[i], -1, SQLITE_STATIC);
		bind_real(st, 5, price_in ? price_in[i] : NAN);
		bind_real(st, 6, price_in ? price_in[i] * 4 : NAN);
		must(store, sqlite3_step(st), "run_models");
		sqlite3_finalize(st);
	}
	for (int i = 0; i < n_prompts; i++) {
		sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO prompts (name, created_at) VALUES (?,"
				       " '2026-11-28T00:00:00Z')", -1, &st, NULL);
		sqlite3_bind_text(st, 1, prompts[i], -1, SQLITE_STATIC);
		must(store, sqlite3_step(st), "prompts");
		sqlite3_finalize(st);
		sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO prompt_versions (name, version, messages,"
				       " params, created_at, hash) VALUES (?, 1, '[]', '{}',"
				       " '2026-11-28T00:00:00Z', ?)", -1, &st, NULL);
		sqlite3_bind_text(st, 1, prompts[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, prompts[i], -1, SQLITE_STATIC);
		must(store, sqlite3_step(st), "prompt_versions");
		sqlite3_finalize(st);
		sqlite3_prepare_v2(db, "INSERT INTO run_prompts (run_id, idx, name, version, hash)"
				       " VALUES (?, ?, ?, 1, ?)", -1, &st, NULL);
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, prompts[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, prompts[i], -1, SQLITE_STATIC);
		must(store, sqlite3_step(st), "run_prompts");
		sqlite3_finalize(st);
	}
	return run;
}

void fixture_cell(struct sl_store *store, int64_t run, int model, int prompt, int case_idx,
		  int sample, const char *output, const char *error, double latency_ms,
		  double ttft_ms, int64_t tokens_out, double cost)
{
	struct sl_error err = { 0 };
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT INTO cells (run_id, model_idx, prompt_idx, case_idx, sample, model, output,"
		" error_kind, error_msg, latency_ms, ttft_ms, tokens_in, tokens_out, cost, expected,"
		" finished_at) SELECT ?1, ?2, ?3, ?4, ?5, requested, ?6, ?7, ?8, ?9, ?10, 10, ?11, ?12,"
		" 'yes', '2026-11-28T10:00:30Z' FROM run_models WHERE run_id = ?1 AND idx = ?2", &err);
	if (!st) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(99);
	}
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, model);
	sqlite3_bind_int(st, 3, prompt);
	sqlite3_bind_int(st, 4, case_idx);
	sqlite3_bind_int(st, 5, sample);
	sl_bind_text(st, 6, output);
	sl_bind_text(st, 7, error ? "http" : NULL);
	sl_bind_text(st, 8, error);
	bind_real(st, 9, latency_ms);
	bind_real(st, 10, ttft_ms);
	sqlite3_bind_int64(st, 11, tokens_out);
	bind_real(st, 12, cost);
	must(store, sl_store_step(store, st, &err), "cells");
	sqlite3_reset(st);
}

void fixture_score(struct sl_store *store, int64_t run, const char *metric, bool proportion,
		   int model, int prompt, int case_idx, int sample, double value,
		   const char *judge_model, double judge_cost)
{
	struct sl_error err = { 0 };
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT INTO cell_scores (run_id, metric, model_idx, prompt_idx, case_idx, sample,"
		" kind, value, judge_model, judge_cost, scored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" ?8, ?9, ?10, '2026-11-28T10:02:00Z')", &err);
	if (!st) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(99);
	}
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, model);
	sqlite3_bind_int(st, 4, prompt);
	sqlite3_bind_int(st, 5, case_idx);
	sqlite3_bind_int(st, 6, sample);
	sqlite3_bind_text(st, 7, proportion ? "proportion" : "mean", -1, SQLITE_STATIC);
	bind_real(st, 8, value);
	sl_bind_text(st, 9, judge_model);
	bind_real(st, 10, judge_cost);
	must(store, sl_store_step(store, st, &err), "cell_scores");
	sqlite3_reset(st);
}

/* A large run in a few statements (the triggers still fire per row, as for the runner's
 * writes): every model answers every case; one cell in 50 fails; latency spreads over
 * [x/e, x*e] around x = 300 ms + 40 ms per model, TTFT a quarter of it; the scores of
 * bench_run's suite per successful cell (contains, rouge1, levenshtein, latency, pass_rate),
 * marked as scored so that no reader scores the run again; the run's suite names them. */
void fixture_bulk(struct sl_store *store, int64_t run, int n_models, int n_prompts, long cases)
{
	char *sql = sl_xasprintf(
		"INSERT OR IGNORE INTO dataset_cases (dataset_hash, idx, line, vars, expected) "
		"WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < %ld) "
		"SELECT 'dshash', i, i + 1, json_object('q', 'question ' || i), 'yes' FROM k; "
		"UPDATE datasets SET n_cases = %ld WHERE hash = 'dshash'; "
		"UPDATE runs SET n_cells = %ld, suite_json = json_object('name', 'bench', 'models', "
		"  (SELECT json_group_array(requested) FROM run_models WHERE run_id = id), "
		"  'prompts', (SELECT json_group_array(name) FROM run_prompts WHERE run_id = id), "
		"  'dataset', 'cases.jsonl', 'scorers', json('[{\"name\": \"contains\", "
		"  \"value\": \"yes\"}, {\"name\": \"rouge\", \"type\": \"rouge1\"}, "
		"  \"levenshtein\", {\"name\": \"latency\", \"max_ms\": 1000}]')) WHERE id = %lld; "
		"INSERT INTO cells (run_id, model_idx, prompt_idx, case_idx, sample, model, "
		"  reported_model, output, error_kind, error_msg, latency_ms, ttft_ms, tokens_in, "
		"  tokens_out, cost, expected, finished_at) "
		"WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < %ld) "
		"SELECT run_id, idx, pidx, i, 0, requested, requested, iif(f, NULL, "
		"  'yes, answer ' || i), iif(f, 'http', NULL), iif(f, 'HTTP 500', NULL), lat, "
		"  lat / 4, 10, 20, price_in / 1000, 'yes', '2026-11-28T10:00:30Z' "
		"FROM (SELECT m.run_id, m.idx, m.requested, m.price_in, p.idx AS pidx, k.i, "
		"  (k.i * 7 + m.idx * 3 + p.idx) %% 50 = 0 AS f, (300 + 40 * m.idx) * "
		"  exp(((k.i * 2654435761 + m.idx * 97 + p.idx * 13) %% 10007) / 10007.0 * 2 - 1) "
		"  AS lat FROM run_models m JOIN run_prompts p ON p.run_id = m.run_id CROSS JOIN k) "
		"WHERE run_id = %lld ORDER BY idx, pidx, i; "
		"INSERT INTO cell_scores (run_id, metric, model_idx, prompt_idx, case_idx, sample, kind, "
		"  value, scored_at) "
		"SELECT c.run_id, s.metric, c.model_idx, c.prompt_idx, c.case_idx, 0, s.kind, "
		"  iif(s.kind = 'proportion', (c.case_idx * 37 + s.salt) %% 100 < 60 + 5 * "
		"  c.model_idx, ((c.case_idx * 7919 + s.salt * 31 + c.model_idx) %% 1000) / 1000.0), "
		"  '2026-11-28T10:02:00Z' "
		"FROM cells c CROSS JOIN (SELECT 'contains' AS metric, 'proportion' AS kind, 1 AS salt "
		"  UNION ALL SELECT 'rouge1', 'mean', 2 UNION ALL SELECT 'levenshtein', 'mean', 3 "
		"  UNION ALL SELECT 'latency', 'proportion', 4 UNION ALL SELECT 'pass_rate', "
		"  'proportion', 5) s "
		"WHERE c.run_id = %lld AND c.error_kind IS NULL; "
		/* scored: a reader does not score the run again */
		"INSERT OR REPLACE INTO score_marks (run_id, metric, ok_cells, scored_at) "
		"SELECT %lld, m.metric, (SELECT SUM(n - n_err) FROM cell_stats WHERE run_id = %lld), "
		"  '2026-11-28T10:02:00Z' FROM (SELECT DISTINCT metric FROM score_stats WHERE "
		"  run_id = %lld UNION SELECT '(case checks)') m;",
		cases, cases, (long)n_models * n_prompts * cases, (long long)run, cases,
		(long long)run, (long long)run, (long long)run, (long long)run, (long long)run);
	exec(store, sql);
	free(sql);
}

int64_t fixture_bench_run(struct sl_store *store, long cases)
{
	const char *models[] = { "fake:m1", "fake:m2", "fake:m3" };
	double price[] = { 0.5, 1.0, 2.0 };
	const char *prompts[] = { "bench" };
	fixture_begin(store);
	int64_t run = fixture_run(store, models, price, 3, prompts, 1);
	fixture_bulk(store, run, 3, 1, cases);
	fixture_commit(store);
	/* as a run's end does: its readers read the percentiles and intervals back */
	struct sl_error err = { 0 };
	if (sl_scorecard_keep(store, run, &err) != 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(99);
	}
	return run;
}
