/* Reading runs back (runs.h). Cell iteration uses its own statements, not the store's
 * cache, so a callback may query the store while we step. */
#include "shortlist/runs.h"
#include "shortlist/dataset.h"
#include "shortlist/suite.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dup_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : sl_xstrdup(sl_col_text(st, col));
}

static double real_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

#define RUN_COLUMNS                                                                          \
	"SELECT r.id, r.suite_name, r.suite_path, r.suite_hash, r.suite_json, r.dataset_path, " \
	"r.dataset_hash, r.status, r.stop_reason, r.params, r.shortlist_version, r.user, "      \
	"r.host, r.started_at, r.ended_at, r.resumed_at, r.samples, r.concurrency, "           \
	"r.max_cost, r.n_cells, "                                                              \
	"(SELECT TOTAL(n) FROM cell_stats s WHERE s.run_id = r.id), "                          \
	"(SELECT TOTAL(n_err) FROM cell_stats s WHERE s.run_id = r.id), "                      \
	"(SELECT TOTAL(n_cached) FROM cell_stats s WHERE s.run_id = r.id), "                   \
	"(SELECT TOTAL(sum_cost + cost_err) FROM cell_stats s WHERE s.run_id = r.id), "        \
	"(SELECT TOTAL(sum_cost + cost_err - cost_cached) FROM cell_stats s "                  \
	"  WHERE s.run_id = r.id), "                                                           \
	"(SELECT TOTAL(n - n_err - n_cost) FROM cell_stats s WHERE s.run_id = r.id), "         \
	"r.owner_pid, r.owner_host, r.heartbeat_ms FROM runs r "

static void run_from_row(sqlite3_stmt *st, struct sl_run *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->suite_name = dup_col(st, 1);
	r->suite_path = dup_col(st, 2);
	r->suite_hash = dup_col(st, 3);
	r->suite_json = dup_col(st, 4);
	r->dataset_path = dup_col(st, 5);
	r->dataset_hash = dup_col(st, 6);
	r->status = dup_col(st, 7);
	r->stop_reason = dup_col(st, 8);
	r->params_json = dup_col(st, 9);
	r->shortlist_version = dup_col(st, 10);
	r->user = dup_col(st, 11);
	r->host = dup_col(st, 12);
	r->started_at = dup_col(st, 13);
	r->ended_at = dup_col(st, 14);
	r->resumed_at = dup_col(st, 15);
	r->samples = sqlite3_column_int(st, 16);
	r->concurrency = sqlite3_column_int(st, 17);
	r->max_cost = real_col(st, 18);
	r->n_cells = sqlite3_column_int64(st, 19);
	r->n_done = sqlite3_column_int64(st, 20);
	r->n_errors = sqlite3_column_int64(st, 21);
	r->n_cached = sqlite3_column_int64(st, 22);
	r->cost = sqlite3_column_double(st, 23);
	r->cost_spent = sqlite3_column_double(st, 24);
	r->n_cost_unknown = sqlite3_column_int64(st, 25);
	r->owner_pid = sqlite3_column_int64(st, 26);
	r->owner_host = dup_col(st, 27);
	r->heartbeat_ms = sqlite3_column_int64(st, 28);
	if (strcmp(r->status ? r->status : "", "running") == 0 &&
	    !sl_run_owner_alive(r->owner_pid, r->owner_host, r->heartbeat_ms)) {
		free(r->status);
		r->status = sl_xstrdup("interrupted");
	}
}

bool sl_run_owner_alive(int64_t pid, const char *host, int64_t heartbeat_ms)
{
	if (pid <= 0 || pid > INT_MAX)
		return false;
	if (sl_wall_ms() - heartbeat_ms > SL_RUN_STALE_MS)
		return false;
	char here[256] = "";
	gethostname(here, sizeof here - 1);
	if (!host || strcmp(host, here) != 0)
		return true; /* another machine: only its heartbeat tells */
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

void sl_run_free(struct sl_run *r)
{
	if (!r)
		return;
	char **strs[] = { &r->suite_name, &r->suite_path, &r->suite_hash, &r->suite_json,
			  &r->dataset_path, &r->dataset_hash, &r->status, &r->stop_reason,
			  &r->params_json, &r->shortlist_version, &r->user, &r->host,
			  &r->started_at, &r->ended_at, &r->resumed_at, &r->owner_host };
	for (size_t i = 0; i < SL_ARRAY_LEN(strs); i++)
		free(*strs[i]);
	for (size_t i = 0; i < r->n_models; i++) {
		struct sl_run_model *m = &r->models[i];
		free(m->requested);
		free(m->provider);
		free(m->model_id);
		free(m->endpoint);
		free(m->catalog_key);
		free(m->reported);
	}
	free(r->models);
	for (size_t i = 0; i < r->n_prompts; i++) {
		free(r->prompts[i].name);
		free(r->prompts[i].hash);
	}
	free(r->prompts);
	memset(r, 0, sizeof *r);
}

void sl_runs_free(struct sl_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sl_run_free(&runs[i]);
	free(runs);
}

int sl_runs_list(struct sl_store *store, int limit, struct sl_run **out, size_t *n_out,
		 struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, RUN_COLUMNS "ORDER BY r.id DESC LIMIT ?", err);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	struct sl_run *runs = NULL;
	size_t n = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		runs = sl_xrealloc(runs, (n + 1) * sizeof *runs);
		run_from_row(st, &runs[n++]);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sl_runs_free(runs, n);
		return -1;
	}
	*out = runs;
	*n_out = n;
	return 0;
}

int sl_run_resolve(struct sl_store *store, const char *ref, int64_t *id_out,
		   struct sl_error *err)
{
	long long nth = 0, id = 0;
	char *end;
	if (strcmp(ref, "latest") == 0 || strcmp(ref, "last") == 0) {
		nth = 1;
	} else if (ref[0] == '-') {
		nth = strtoll(ref + 1, &end, 10);
		if (!ref[1] || *end || nth < 1)
			goto bad;
	} else {
		id = strtoll(ref, &end, 10);
		if (!ref[0] || *end || id < 1)
			goto bad;
	}
	sqlite3_stmt *st = nth
		? sl_store_prepare(store, "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", err)
		: sl_store_prepare(store, "SELECT id FROM runs WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, nth ? nth - 1 : id);
	int rc = sl_store_step(store, st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		sl_error_set(err, "no run %s (see 'shortlist runs list')", ref);
		if (err)
			err->code = SL_EXIT_USAGE;
		return -1;
	}
	*id_out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
bad:
	sl_error_set(err, "bad run reference '%s': use a run id, 'latest', or -N for the N-th "
		     "newest", ref);
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

int sl_run_groups(struct sl_store *store, int64_t run_id, struct sl_run_group **out,
		  size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	/* the runner writes no failed cell as cached (a cached answer is a success) */
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT model_idx, prompt_idx, n, n_err, n_cached, n - n_err - n_cost, "
		"sum_tok + tok_rest, sum_cost FROM cell_stats WHERE run_id = ? AND n > 0 "
		"ORDER BY model_idx, prompt_idx", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		*out = sl_xrealloc(*out, (*n_out + 1) * sizeof **out);
		(*out)[(*n_out)++] = (struct sl_run_group){
			.model_idx = sqlite3_column_int(st, 0), .prompt_idx = sqlite3_column_int(st, 1),
			.n = sqlite3_column_int64(st, 2), .errors = sqlite3_column_int64(st, 3),
			.cached = sqlite3_column_int64(st, 4),
			.cost_unknown = sqlite3_column_int64(st, 5),
			.tokens_out = (int64_t)sqlite3_column_double(st, 6),
			.cost = sqlite3_column_double(st, 7),
		};
	}
	sqlite3_reset(st);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

int sl_run_get(struct sl_store *store, int64_t id, struct sl_run *out, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, RUN_COLUMNS "WHERE r.id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sl_store_step(store, st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		sl_error_set(err, "no run %lld (see 'shortlist runs list')", (long long)id);
		if (err)
			err->code = SL_EXIT_USAGE;
		return -1;
	}
	run_from_row(st, out);
	sqlite3_reset(st);
	st = sl_store_prepare(store,
		"SELECT m.idx, m.requested, m.provider, m.model_id, m.endpoint, m.catalog_key, "
		"m.price_in, m.price_out, (SELECT group_concat(rm, ',') FROM (SELECT "
		"c.reported_model AS rm FROM cell_reported c WHERE c.run_id = m.run_id AND "
		"c.model_idx = m.idx AND c.n > 0 ORDER BY 1)) "
		"FROM run_models m WHERE m.run_id = ? ORDER BY m.idx", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		out->models = sl_xrealloc(out->models, (out->n_models + 1) * sizeof *out->models);
		struct sl_run_model *m = &out->models[out->n_models++];
		m->idx = sqlite3_column_int(st, 0);
		m->requested = dup_col(st, 1);
		m->provider = dup_col(st, 2);
		m->model_id = dup_col(st, 3);
		char *endpoint = dup_col(st, 4);
		m->endpoint = sl_url_redact(endpoint); /* runs stored before credentials were hidden */
		free(endpoint);
		m->catalog_key = dup_col(st, 5);
		m->price_in = real_col(st, 6);
		m->price_out = real_col(st, 7);
		m->reported = sl_xstrdup(sl_col_text(st, 8));
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	st = sl_store_prepare(store, "SELECT idx, name, version, hash FROM run_prompts "
				     "WHERE run_id = ? ORDER BY idx", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		out->prompts = sl_xrealloc(out->prompts, (out->n_prompts + 1) * sizeof *out->prompts);
		struct sl_run_prompt *p = &out->prompts[out->n_prompts++];
		p->idx = sqlite3_column_int(st, 0);
		p->name = dup_col(st, 1);
		p->version = sqlite3_column_int(st, 2);
		p->hash = dup_col(st, 3);
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	sl_run_free(out);
	return -1;
}

#define CELL_COLUMNS                                                                          \
	"SELECT run_id, model_idx, prompt_idx, case_idx, sample, model, reported_model, "     \
	"prompt_name, prompt_version, prompt_hash, vars, case_line, expected, reference, "    \
	"label, output, finish_reason, error_kind, error_msg, http_status, cached, "          \
	"latency_ms, ttft_ms, tokens_in, tokens_out, tokens_estimated, cost FROM cell_details "

/* The same columns, the cells first: through the view, SQLite turns a window's case range
 * into a range of dataset_cases and then searches each case's cells by that range again
 * (512 cases x 512 x models). CROSS JOIN keeps cells the outer loop. */
#define CELL_SELECT_BY_CELL                                                                   \
	"SELECT c.run_id, c.model_idx, c.prompt_idx, c.case_idx, c.sample, c.model, "         \
	"c.reported_model, p.name, p.version, p.hash, d.vars, d.line, c.expected, "           \
	"c.reference, c.label, c.output, c.finish_reason, c.error_kind, c.error_msg, "        \
	"c.http_status, c.cached, c.latency_ms, c.ttft_ms, c.tokens_in, c.tokens_out, "       \
	"c.tokens_estimated, c.cost"
#define CELL_FROM_BY_CELL                                                                     \
	" FROM cells c CROSS JOIN runs r ON r.id = c.run_id "                                 \
	"CROSS JOIN run_prompts p ON p.run_id = c.run_id AND p.idx = c.prompt_idx "           \
	"CROSS JOIN dataset_cases d ON d.dataset_hash = r.dataset_hash AND d.idx = c.case_idx "
#define CELL_COLUMNS_BY_CELL CELL_SELECT_BY_CELL CELL_FROM_BY_CELL

static const char *opt_text(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL
							   : (const char *)sqlite3_column_text(st, col);
}

static void cell_from_row(sqlite3_stmt *st, struct sl_cell *c)
{
	c->run_id = sqlite3_column_int64(st, 0);
	c->model_idx = sqlite3_column_int(st, 1);
	c->prompt_idx = sqlite3_column_int(st, 2);
	c->case_idx = sqlite3_column_int(st, 3);
	c->sample = sqlite3_column_int(st, 4);
	c->model = opt_text(st, 5);
	c->reported_model = opt_text(st, 6);
	c->prompt_name = opt_text(st, 7);
	c->prompt_version = sqlite3_column_int(st, 8);
	c->prompt_hash = opt_text(st, 9);
	c->vars_json = opt_text(st, 10);
	c->case_line = sqlite3_column_int(st, 11);
	c->expected = opt_text(st, 12);
	c->reference = opt_text(st, 13);
	c->label = opt_text(st, 14);
	c->output = opt_text(st, 15);
	c->finish_reason = opt_text(st, 16);
	c->error_kind = opt_text(st, 17);
	c->error_msg = opt_text(st, 18);
	c->http_status = sqlite3_column_int(st, 19);
	c->cached = sqlite3_column_int(st, 20) != 0;
	c->latency_ms = real_col(st, 21);
	c->ttft_ms = real_col(st, 22);
	c->tokens_in = sqlite3_column_type(st, 23) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 23);
	c->tokens_out = sqlite3_column_type(st, 24) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 24);
	c->tokens_estimated = sqlite3_column_int(st, 25) != 0;
	c->cost = real_col(st, 26);
}

static sqlite3_stmt *prepare_own(struct sl_store *store, const char *sql, struct sl_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(sl_store_db(store), sql, -1, &st, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "reading cells");
		return NULL;
	}
	return st;
}

/* since: NULL, or where the rowid after the cell columns goes, cell by cell. */
static int cells_each_since(struct sl_store *store, sqlite3_stmt *st, sl_cell_fn fn, void *ud,
			    int64_t *since, struct sl_error *err)
{
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sl_cell c;
		cell_from_row(st, &c);
		if (since)
			*since = sqlite3_column_int64(st, 27);
		if ((ret = fn(ud, &c)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sl_store_error(store, err, "reading cells");
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

static int cells_each(struct sl_store *store, sqlite3_stmt *st, sl_cell_fn fn, void *ud,
		      struct sl_error *err)
{
	return cells_each_since(store, st, fn, ud, NULL, err);
}

int sl_run_cells_foreach(struct sl_store *store, int64_t run_id, sl_cell_fn fn, void *ud,
			 struct sl_error *err)
{
	return sl_run_cells_foreach_page(store, run_id, NULL, 0, fn, ud, err);
}

int sl_run_cells_foreach_page(struct sl_store *store, int64_t run_id, const int after[4],
			      int limit, sl_cell_fn fn, void *ud, struct sl_error *err)
{
	sqlite3_stmt *st = prepare_own(store, CELL_COLUMNS "WHERE run_id = ?1 AND (model_idx, "
				       "prompt_idx, case_idx, sample) > (?2, ?3, ?4, ?5) ORDER BY "
				       "model_idx, prompt_idx, case_idx, sample LIMIT ?6", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_int(st, 2 + i, after ? after[i] : (i == 0 ? -1 : 0));
	sqlite3_bind_int(st, 6, limit > 0 ? limit : -1);
	return cells_each(store, st, fn, ud, err);
}

int64_t sl_run_cells_newest(struct sl_store *store, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT COALESCE(MAX(rowid), 0) FROM cells",
					    err);
	if (!st)
		return -1;
	int64_t n = sl_store_step(store, st, err) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

int sl_run_cells_foreach_since(struct sl_store *store, int64_t run_id, int64_t *since,
			       int limit, sl_cell_fn fn, void *ud, struct sl_error *err)
{
	/* cells outermost, walked by rowid from the mark (+run_id: not by the run's key, which
	 * would read the whole run and sort it): only rows written since are read */
	sqlite3_stmt *st = prepare_own(store, CELL_SELECT_BY_CELL ", c.rowid" CELL_FROM_BY_CELL
				       "WHERE c.rowid > ?2 AND +c.run_id = ?1 ORDER BY c.rowid "
				       "LIMIT ?3", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, *since);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	return cells_each_since(store, st, fn, ud, since, err);
}

/* "model_idx IN (the run's models)" lets SQLite seek the primary key per model instead of
 * reading the run's every cell. */
#define EACH_MODEL "model_idx IN (SELECT idx FROM run_models WHERE run_id = ?1) "

int sl_run_cells_foreach_cases(struct sl_store *store, int64_t run_id, int prompt_idx,
			       int case_from, int case_to, sl_cell_fn fn, void *ud,
			       struct sl_error *err)
{
	sqlite3_stmt *st = prepare_own(store, CELL_COLUMNS_BY_CELL "WHERE c.run_id = ?1 AND "
				       "c." EACH_MODEL "AND c.prompt_idx = ?2 AND c.case_idx >= ?3 "
				       "AND c.case_idx < ?4 ORDER BY c.case_idx, c.model_idx, "
				       "c.sample", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, prompt_idx);
	sqlite3_bind_int(st, 3, case_from);
	sqlite3_bind_int(st, 4, case_to);
	return cells_each(store, st, fn, ud, err);
}

int sl_run_failed_cells_last(struct sl_store *store, int64_t run_id, int limit, sl_cell_fn fn,
			     void *ud, struct sl_error *err)
{
	/* cells_failed holds only failed cells: read from its end. */
	sqlite3_stmt *st = prepare_own(store, CELL_COLUMNS_BY_CELL "WHERE c.run_id = ?1 AND "
				       "c.error_kind IS NOT NULL ORDER BY c.model_idx DESC, "
				       "c.prompt_idx DESC, c.case_idx DESC, c.sample DESC LIMIT ?2",
				       err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, limit);
	return cells_each(store, st, fn, ud, err);
}

int sl_run_next_failed_case(struct sl_store *store, int64_t run_id, int n_models,
			    int prompt_idx, int after, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT case_idx FROM cells INDEXED BY cells_failed WHERE run_id = ?1 AND "
		"model_idx = ?2 AND prompt_idx = ?3 AND case_idx > ?4 AND sample = 0 AND "
		"error_kind IS NOT NULL ORDER BY case_idx LIMIT 1", err);
	if (!st)
		return -1;
	/* the first failure after `after`, else the first of all (which may be `after`) */
	for (int bound = after; ; bound = -1) {
		int found = -1;
		for (int m = 0; m < n_models; m++) {
			sqlite3_bind_int64(st, 1, run_id);
			sqlite3_bind_int(st, 2, m);
			sqlite3_bind_int(st, 3, prompt_idx);
			sqlite3_bind_int(st, 4, bound);
			int rc = sl_store_step(store, st, err);
			int c = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
			sqlite3_reset(st);
			if (rc < 0)
				return -1;
			if (c >= 0 && (found < 0 || c < found))
				found = c;
		}
		if (found >= 0 || bound < 0)
			return found;
	}
}

int sl_run_next_differing_case(struct sl_store *store, int64_t run_id, int n_models,
			       int prompt_idx, int case_from, int case_to,
			       bool (*same)(const char *a, const char *b), struct sl_error *err)
{
	if (n_models <= 0)
		return -1;
	sqlite3_stmt **st = sl_xcalloc((size_t)n_models, sizeof *st);
	bool *more = sl_xcalloc((size_t)n_models, sizeof *more);
	int found = -1, rc = 0;
	for (int m = 0; m < n_models && rc == 0; m++) {
		st[m] = prepare_own(store, "SELECT case_idx, output FROM cells WHERE run_id = ?1 AND "
					   "model_idx = ?2 AND prompt_idx = ?3 AND case_idx >= ?4 AND "
					   "case_idx < ?5 AND sample = 0 ORDER BY case_idx", err);
		if (!st[m]) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(st[m], 1, run_id);
		sqlite3_bind_int(st[m], 2, m);
		sqlite3_bind_int(st[m], 3, prompt_idx);
		sqlite3_bind_int(st[m], 4, case_from);
		sqlite3_bind_int(st[m], 5, case_to);
		int s = sqlite3_step(st[m]);
		more[m] = s == SQLITE_ROW;
		if (s != SQLITE_ROW && s != SQLITE_DONE)
			rc = -1;
	}
	/* merge the models' cursors by case; each cursor steps past the case once compared */
	while (rc == 0 && found < 0) {
		int c = -1;
		for (int m = 0; m < n_models; m++)
			if (more[m] && (c < 0 || sqlite3_column_int(st[m], 0) < c))
				c = sqlite3_column_int(st[m], 0);
		if (c < 0)
			break;
		const char *first = NULL;
		for (int m = 0; m < n_models && found < 0; m++) {
			if (!more[m] || sqlite3_column_int(st[m], 0) != c)
				continue;
			const char *a = (const char *)sqlite3_column_text(st[m], 1);
			if (a && !first)
				first = a;
			else if (a && !same(first, a))
				found = c;
		}
		for (int m = 0; m < n_models && found < 0; m++) {
			if (!more[m] || sqlite3_column_int(st[m], 0) != c)
				continue;
			int s = sqlite3_step(st[m]);
			more[m] = s == SQLITE_ROW;
			if (s != SQLITE_ROW && s != SQLITE_DONE)
				rc = -1;
		}
	}
	if (rc != 0 && err && !err->msg[0])
		sl_store_error(store, err, "reading cells");
	for (int m = 0; m < n_models; m++)
		sqlite3_finalize(st[m]);
	free(st);
	free(more);
	return rc != 0 ? -1 : found;
}

int sl_run_cell_states(struct sl_store *store, int64_t run_id, int case_from, int case_to,
		       sl_cell_state_fn fn, void *ud, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT model_idx, prompt_idx, case_idx, sample, error_kind IS NOT NULL, cached "
		"FROM cells WHERE run_id = ?1 AND " EACH_MODEL "AND prompt_idx IN (SELECT idx "
		"FROM run_prompts WHERE run_id = ?1) AND case_idx >= ?2 AND case_idx < ?3", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, case_from);
	sqlite3_bind_int(st, 3, case_to);
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW)
		fn(ud, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		   sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
		   sqlite3_column_int(st, 4) != 0, sqlite3_column_int(st, 5) != 0);
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int sl_run_case_get(struct sl_store *store, int64_t run_id, int case_idx, struct sl_case *out,
		    struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT d.line, d.vars, d.expected, d.reference, d.label FROM runs r JOIN "
		"dataset_cases d ON d.dataset_hash = r.dataset_hash AND d.idx = ?2 WHERE r.id = ?1",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, case_idx);
	int rc = sl_store_step(store, st, err);
	if (rc == SQLITE_ROW) {
		out->line = sqlite3_column_int(st, 0);
		out->vars = cJSON_Parse(sl_col_text(st, 1));
		out->expected = dup_col(st, 2);
		out->reference = dup_col(st, 3);
		out->label = dup_col(st, 4);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : rc == SQLITE_ROW ? 0 : 1;
}

void sl_run_case_clear(struct sl_case *c)
{
	cJSON_Delete(c->vars);
	free(c->expected);
	free(c->reference);
	free(c->label);
	memset(c, 0, sizeof *c);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

char *sl_runs_diff_metric(struct sl_store *store, int64_t run_a, int64_t run_b)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT MIN(metric) FROM cell_scores "
						   "WHERE run_id IN (?, ?)", NULL);
	if (!st)
		return NULL; /* no scoring tables: compare outputs and errors only */
	sqlite3_bind_int64(st, 1, run_a);
	sqlite3_bind_int64(st, 2, run_b);
	char *m = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		m = sl_xstrdup(sl_col_text(st, 0));
	sqlite3_reset(st);
	return m;
}

/* One run's side of a diff. Cells are matched by what they mean (model and prompt names,
 * case, sample), not by index: the run's (model, prompt) groups are walked in name order
 * and each group's cells and scores in key order, so the diff is a merge that reads each
 * cell once, sorts nothing and looks nothing up per cell. */
struct diff_side {
	sqlite3_stmt *groups; /* (model_idx, prompt_idx, model, prompt) by name */
	sqlite3_stmt *cells;  /* one group's cells by case and sample */
	sqlite3_stmt *scores; /* one group's scores of the metric, the same order; NULL: none */
	int g, c, s;          /* the last step of each */
	struct sl_cell cell;
};

static int side_open(struct sl_store *store, struct diff_side *d, int64_t run,
		     const char *metric, struct sl_error *err)
{
	memset(d, 0, sizeof *d);
	d->groups = prepare_own(store, "SELECT m.idx, p.idx, m.requested, p.name FROM run_models m "
				"JOIN run_prompts p ON p.run_id = m.run_id WHERE m.run_id = ?1 "
				"ORDER BY m.requested, p.name, m.idx, p.idx", err);
	d->cells = d->groups ? prepare_own(store, CELL_COLUMNS "WHERE run_id = ?1 AND model_idx = "
					   "?2 AND prompt_idx = ?3 ORDER BY case_idx, sample",
					   err) : NULL;
	if (!d->cells)
		return -1;
	if (metric && sqlite3_prepare_v2(sl_store_db(store), "SELECT case_idx, sample, value FROM "
					 "cell_scores WHERE run_id = ?1 AND metric = ?4 AND "
					 "model_idx = ?2 AND prompt_idx = ?3 ORDER BY case_idx, "
					 "sample", -1, &d->scores, NULL) != SQLITE_OK) {
		sqlite3_finalize(d->scores); /* no scoring tables: no scores */
		d->scores = NULL;
	}
	sqlite3_bind_int64(d->groups, 1, run);
	sqlite3_bind_int64(d->cells, 1, run);
	if (d->scores) {
		sqlite3_bind_int64(d->scores, 1, run);
		sqlite3_bind_text(d->scores, 4, metric, -1, SQLITE_TRANSIENT);
	}
	d->c = d->s = SQLITE_DONE;
	d->g = sqlite3_step(d->groups);
	return 0;
}

static void side_close(struct diff_side *d)
{
	sqlite3_finalize(d->groups);
	sqlite3_finalize(d->cells);
	sqlite3_finalize(d->scores);
}

static int side_group_cmp(const struct diff_side *a, const struct diff_side *b)
{
	if (a->g != SQLITE_ROW || b->g != SQLITE_ROW)
		return a->g == SQLITE_ROW ? -1 : b->g == SQLITE_ROW ? 1 : 0;
	int c = strcmp(sl_col_text(a->groups, 2), sl_col_text(b->groups, 2));
	return c ? c : strcmp(sl_col_text(a->groups, 3), sl_col_text(b->groups, 3));
}

static void side_next_cell(struct diff_side *d)
{
	d->c = sqlite3_step(d->cells);
	if (d->c == SQLITE_ROW)
		cell_from_row(d->cells, &d->cell);
}

/* Start the current group's cells and scores (in: this side has the group). */
static void side_start_group(struct diff_side *d, bool in)
{
	d->c = d->s = SQLITE_DONE;
	if (!in)
		return;
	sqlite3_stmt *st[] = { d->cells, d->scores };
	for (size_t i = 0; i < SL_ARRAY_LEN(st) && st[i]; i++) {
		sqlite3_reset(st[i]);
		sqlite3_bind_int(st[i], 2, sqlite3_column_int(d->groups, 0));
		sqlite3_bind_int(st[i], 3, sqlite3_column_int(d->groups, 1));
	}
	side_next_cell(d);
	if (d->scores)
		d->s = sqlite3_step(d->scores);
}

static int case_cmp(int case_a, int sample_a, int case_b, int sample_b)
{
	if (case_a != case_b)
		return case_a < case_b ? -1 : 1;
	return (sample_a > sample_b) - (sample_a < sample_b);
}

/* The current cell's score (NAN: none), its scores' cursor moved up to it. */
static double side_score(struct diff_side *d)
{
	int cmp = -1;
	while (d->s == SQLITE_ROW && (cmp = case_cmp(sqlite3_column_int(d->scores, 0),
						     sqlite3_column_int(d->scores, 1),
						     d->cell.case_idx, d->cell.sample)) < 0)
		d->s = sqlite3_step(d->scores);
	if (d->s != SQLITE_ROW || cmp != 0 || sqlite3_column_type(d->scores, 2) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(d->scores, 2);
}

static bool side_failed(const struct diff_side *d)
{
	return (d->g != SQLITE_ROW && d->g != SQLITE_DONE) ||
	       (d->c != SQLITE_ROW && d->c != SQLITE_DONE) ||
	       (d->s != SQLITE_ROW && d->s != SQLITE_DONE);
}

/* The cells of one group in either run or both (a or b without it is at SQLITE_DONE). */
static void diff_group(struct diff_side *a, struct diff_side *b, sl_cell_diff_fn diff_fn,
		       void *diff_ud, struct sl_run_diff_stats *stats)
{
	while ((a->c == SQLITE_ROW || b->c == SQLITE_ROW) && !side_failed(a) && !side_failed(b)) {
		int cmp = a->c != SQLITE_ROW ? 1 : b->c != SQLITE_ROW ? -1
			: case_cmp(a->cell.case_idx, a->cell.sample, b->cell.case_idx, b->cell.sample);
		if (cmp < 0) {
			stats->only_a++;
			if (diff_fn)
				diff_fn(diff_ud, SL_CELL_ONLY_A, &a->cell, NULL, NAN, NAN);
			side_next_cell(a);
			continue;
		}
		if (cmp > 0) {
			stats->only_b++;
			if (diff_fn)
				diff_fn(diff_ud, SL_CELL_ONLY_B, NULL, &b->cell, NAN, NAN);
			side_next_cell(b);
			continue;
		}
		stats->matched++;
		unsigned changes = 0;
		if (!str_eq(a->cell.error_kind, b->cell.error_kind) ||
		    !str_eq(a->cell.error_msg, b->cell.error_msg))
			changes |= SL_CELL_ERROR;
		if (!str_eq(a->cell.output, b->cell.output))
			changes |= SL_CELL_OUTPUT;
		double sca = side_score(a), scb = side_score(b);
		if (isnan(sca) != isnan(scb) || (!isnan(sca) && fabs(sca - scb) > 1e-12))
			changes |= SL_CELL_SCORE;
		if (!changes) {
			stats->same++;
		} else {
			stats->changed_output += (changes & SL_CELL_OUTPUT) != 0;
			stats->changed_score += (changes & SL_CELL_SCORE) != 0;
			stats->changed_error += (changes & SL_CELL_ERROR) != 0;
			if (diff_fn)
				diff_fn(diff_ud, changes, &a->cell, &b->cell, sca, scb);
		}
		side_next_cell(a);
		side_next_cell(b);
	}
}

int sl_runs_diff(struct sl_store *store, int64_t run_a, int64_t run_b, const char *metric,
		 sl_cell_diff_fn diff_fn, void *diff_ud, struct sl_run_diff_stats *stats,
		 struct sl_error *err)
{
	memset(stats, 0, sizeof *stats);
	struct diff_side a, b;
	int rc = side_open(store, &a, run_a, metric, err);
	if (rc == 0 && side_open(store, &b, run_b, metric, err) != 0) {
		side_close(&b);
		rc = -1;
	}
	if (rc != 0) {
		side_close(&a);
		return -1;
	}
	while ((a.g == SQLITE_ROW || b.g == SQLITE_ROW) && !side_failed(&a) && !side_failed(&b)) {
		int cmp = side_group_cmp(&a, &b);
		side_start_group(&a, cmp <= 0);
		side_start_group(&b, cmp >= 0);
		diff_group(&a, &b, diff_fn, diff_ud, stats);
		if (cmp <= 0)
			a.g = sqlite3_step(a.groups);
		if (cmp >= 0)
			b.g = sqlite3_step(b.groups);
	}
	if (side_failed(&a) || side_failed(&b)) {
		sl_store_error(store, err, "comparing runs");
		rc = -1;
	}
	side_close(&a);
	side_close(&b);
	return rc;
}

struct sl_suite *sl_run_suite(const struct sl_run *run, struct sl_error *err)
{
	const char *text = run->suite_json ? run->suite_json : "";
	struct sl_error e = { 0 };
	struct sl_suite *s = sl_suite_parse(text, strlen(text), run->suite_path ? run->suite_path
					    : "suite.json", NULL, NULL, &e);
	if (!s) {
		sl_error_set(err, "run %lld: its stored suite: %s", (long long)run->id, e.msg);
		if (err)
			err->code = SL_EXIT_USAGE;
	}
	return s;
}

struct sl_suite *sl_run_suite_load(struct sl_store *store, int64_t run_id, struct sl_error *err)
{
	struct sl_run run;
	if (sl_run_get(store, run_id, &run, err) != 0)
		return NULL;
	struct sl_suite *s = sl_run_suite(&run, err);
	sl_run_free(&run);
	return s;
}
