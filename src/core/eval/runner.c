/* The evaluation runner (runner.h).
 *
 * The caller's thread (the loop) hands cells to the engine up to the concurrency limit; the
 * engine's callbacks fill a batch of finished cells, and after every round of the loop that
 * batch goes to the writer thread, which commits it on its own connection while the loop
 * keeps serving the network (see "the writer thread"): a kill -9 loses only the cells in
 * flight and the few finished ones not committed yet. Cells are addressed by their index in
 * the models x prompts x cases x samples grid; a resumed run fills the holes of that grid. */
#include "shortlist/runner.h"

#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batcher.h"
#include "eval_internal.h"
#include "shortlist/dataset.h"
#include "shortlist/prompts.h"
#include "shortlist/price.h"
#include "shortlist/providers_config.h"
#include "shortlist/run_events.h"
#include "shortlist/runs.h"
#include "shortlist/stats.h"
#include "shortlist/stats_batch.h"
#include "version.h"

struct model_slot {
	char *requested;
	const struct sl_provider_conf *conf;
	char *model_id;
	char *catalog_key;
	char *endpoint; /* base_url without credentials: what is stored and shown */
	struct sl_price price; /* price.h: the suite's "prices", then the catalogue */
};

/* A case's answers, copied onto its cells for scoring: kept with each cell from its start
 * to its commit (the rows themselves are only in memory a window at a time). */
struct answers {
	char *expected, *reference, *label;
	int line; /* the row's dataset line, for a scorer's detail */
};

/* A finished cell waiting for the next commit. Strings are owned. */
struct cell_rec {
	int64_t idx;
	struct answers ans;
	char *reported_model, *output, *finish_reason, *error_kind, *error_msg, *cache_key;
	long http_status;
	bool cached;
	double latency_ms, ttft_ms, cost;
	double price_factor; /* cost's share of the list price: 1, or a batch API's discount */
	int64_t tokens_in, tokens_out;
	bool tokens_estimated;
	bool to_cache; /* also write it to the response cache */
	int64_t cache_id; /* its row there once stored (write_cells), else 0 */
};


/* A cell waiting for an identical request's answer. */
struct waiter {
	int64_t idx;
	struct answers ans;
};

/* A cell at the engine. Kept in a list so the runner can cancel its own requests on an
 * engine it shares with others (the TUI's). */
struct inflight {
	struct sl_runner *r;
	int64_t idx;
	struct answers ans;
	uint64_t req_id;
	char *cache_key;
	struct inflight *prev, *next;
	int tries_sent;      /* tries announced with SL_EV_SENT */
	int64_t sent_ns;     /* when the current try started */
	bool first_token;    /* SL_EV_FIRST_TOKEN emitted for the current try */
	bool retry_wait;     /* between a RETRY and the next try: no text */
	struct waiter *waiters; /* cells with the identical request, answered with this one */
	size_t n_waiters;
};

/* An answer in the response cache: its key's hash (key_hash's top half) and its row id as
 * an offset from the runner's staged_base (0 = an empty slot): 8 bytes. */
struct staged {
	uint32_t h, off;
};

/* Which cache keys a batch of uncommitted cells answers: one bit per key's hash, so that
 * starting a cell does not compare its key with every uncommitted answer (up to two
 * batches of 1024) when, as nearly always, none of them is its own. */
#define KEY_BITS 65536
struct key_filter {
	uint64_t bits[KEY_BITS / 64];
};

static void filter_clear(struct key_filter *f)
{
	if (f)
		memset(f, 0, sizeof *f);
}

/* The writer thread: it owns a second connection to the store (SQLite connections are
 * opened NOMUTEX: one thread each) and commits the batches the loop hands it, so the loop
 * never waits for SQLite or for scoring at commit, and both cores work. One batch at a time:
 * what finishes while it commits goes in the next transaction. The loop keeps owning the
 * cells it handed (it reads them for identical requests, and frees them once committed);
 * neither side changes them meanwhile. */
struct writer {
	pthread_t thread;
	bool started;
	bool off;       /* no second connection (":memory:", read-only): the loop commits */
	struct sl_store *store;
	struct sl_stats_batch *stats;
	struct cell_rec *cells; /* handed: changed by the loop only while it is not busy */
	size_t n, cap;
	struct key_filter *keys; /* of cells (the loop's) */
	struct sl_run_progress prog; /* the run's progress once these are committed */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	bool busy;    /* cells handed and not committed yet */
	bool quit;    /* end once idle */
	bool abandon; /* the runner is dropped: stop waiting for a busy store */
	int rc;       /* -1: a commit failed (err); nothing more is handed */
	struct sl_error err;
	char *warn;   /* for opts->warn, which is the loop's to call */
};

/* Live events (run_events.h). */
struct subscriber {
	int id; /* 0 = removed */
	unsigned mask;
	sl_run_event_fn fn;
	void *ud;
};

struct model_live {
	struct sl_model_progress p;
	struct sl_running_median ttft, tps;
	int64_t fetched; /* API answers in this invocation */
};

struct sl_runner {
	struct sl_store *store;
	const struct sl_runner_opts *opts;
	struct sl_suite *suite;
	struct sl_dataset *ds;
	struct sl_providers providers;
	struct model_slot *models;
	size_t n_models;
	struct sl_prompt_version *prompts;
	size_t n_prompts;
	char **key_params;      /* per prompt: its params as the cache key has them */
	int samples, concurrency;
	enum sl_cache_mode cache;
	bool cache_changed; /* resumed with another cache mode than the run started with */
	bool already_complete; /* --resume of a run with nothing left to do */
	double max_cost;
	int64_t run_id;
	int64_t total;
	int64_t next;   /* next grid index to consider */
	/* Memory must not grow with the run: the rows come from the store in windows, and
	 * a resumed run learns which cells are done from the store a window ahead of next. */
	struct sl_case *rows; /* rows win_lo.. of the dataset (row windows) */
	size_t n_rows;
	int64_t win_lo;
	bool resumed;   /* the run had cells before this invocation */
	int64_t *dense; /* per model x prompt: its first cells all have a row (load_done_cells) */
	int64_t *skip;  /* in grid order, the done cells of [skip_lo, skip_hi) (done windows), */
	size_t n_skip, skip_pos; /* or its cells not done, when skip_holes */
	int64_t skip_lo, skip_hi;
	bool skip_holes;
	struct cell_rec *batch;
	size_t n_batch, cap_batch;
	struct key_filter *batch_keys; /* the batch's answers to cache (NULL until one) */
	struct sl_stats_batch *stats; /* the batch's statistics, one UPSERT per group */
	struct writer w;
	bool cache_bumped; /* cache_pages_for_run set the run's page-cache budgets */
	struct sl_run_progress prog;
	struct sl_run_progress shown; /* prog as far as it is committed: what progress says */
	int64_t written; /* cells committed in this invocation */
	int64_t done_now; /* cells finished in this invocation */
	int64_t requests;
	int64_t batch_results; /* host_result calls: cells a batch answered */
	int64_t t0_ns, last_progress_ns;
	bool stopping;
	struct sl_engine *eng;
	bool own_engine;
	struct inflight *inflight; /* list of cells at the engine */
	bool failed;  /* the store failed: nothing more can be written */
	bool store_busy; /* the last commit found another process writing: retry soon */
	int64_t busy_since_ns; /* since when commits wait for another process; 0 if not */
	int64_t heartbeat_ms; /* wall time of the last heartbeat written */
	char **fetched;       /* --refresh: keys fetched by this invocation (keyset_add) */
	size_t n_fetched, fetched_cap;
	/* This invocation's answers in the response cache that are not in its key table yet
	 * (cache_merge): their row ids by key hash, the loop's (staged_*). */
	struct staged *staged;
	size_t n_staged, staged_cap;
	int64_t staged_base;
	int64_t cache_unmerged; /* answers stored since the last merge: the committing side's */
	bool cache_merged; /* the commit the loop collects next merged them */
	bool render_failed;
	bool finished;
	struct sl_run resume_run;
	char *suite_real;
	struct sl_error fail_err; /* why failed / render_failed */
	struct subscriber *subs;
	size_t n_subs;
	int last_sub_id;
	unsigned sub_mask;  /* union of the subscribers' masks: no work when nobody listens */
	int64_t *follow;    /* cells whose SL_EV_DELTA is delivered (a screen follows a few) */
	size_t n_follow;
	struct model_live *live; /* per model */
	bool paused;
	bool queued_emitted, finished_emitted;
	struct sl_batcher *batcher;        /* batch models' cells (batcher.h), or NULL */
	struct sl_batcher_model *bmodels;  /* per model; ops NULL = interactive */
	int batch_sample;  /* --batch-sample, or what the resumed run recorded */
	bool batch_failed; /* a batch step failed: finished cells are still stored */
};

static void bind_real(sqlite3_stmt *st, int i, double v);

static int usage_fail(struct sl_error *err)
{
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

static struct answers answers_of(const struct sl_case *row)
{
	return (struct answers){ row->expected ? sl_xstrdup(row->expected) : NULL,
				 row->reference ? sl_xstrdup(row->reference) : NULL,
				 row->label ? sl_xstrdup(row->label) : NULL, row->line };
}

static void answers_free(struct answers *a)
{
	free(a->expected);
	free(a->reference);
	free(a->label);
	memset(a, 0, sizeof *a);
}

/* An inflight record and what it owns (its runner may be gone). */
static void inflight_free(struct inflight *f)
{
	free(f->cache_key);
	answers_free(&f->ans);
	for (size_t i = 0; i < f->n_waiters; i++)
		answers_free(&f->waiters[i].ans);
	free(f->waiters);
	free(f);
}

/* ---- grid ---- */

static void cell_coords(const struct sl_runner *r, int64_t idx, int *m, int *p, int *c, int *s)
{
	int64_t C = (int64_t)r->ds->n_cases, S = r->samples, P = (int64_t)r->n_prompts;
	*s = (int)(idx % S);
	idx /= S;
	*c = (int)(idx % C);
	idx /= C;
	*p = (int)(idx % P);
	*m = (int)(idx / P);
}

/* Bind ?1 to the run and ?2..?5 to the cell's model, prompt, case and sample: the key of
 * every statement on one cell. */
static void bind_cell(const struct sl_runner *r, sqlite3_stmt *st, int64_t idx)
{
	int m, p, c, smp;
	cell_coords(r, idx, &m, &p, &c, &smp);
	sqlite3_bind_int64(st, 1, r->run_id);
	sqlite3_bind_int(st, 2, m);
	sqlite3_bind_int(st, 3, p);
	sqlite3_bind_int(st, 4, c);
	sqlite3_bind_int(st, 5, smp);
}

static int64_t cell_index(const struct sl_runner *r, int m, int p, int c, int s)
{
	return (((int64_t)m * (int64_t)r->n_prompts + p) * (int64_t)r->ds->n_cases + c) *
		       r->samples + s;
}

/* ---- rows and done cells, read from the store in windows ---- */

#define ROW_WINDOW 256   /* rows parsed at a time */
#define DONE_WINDOW 4096 /* done cells known ahead of the scheduler */

static void rows_clear(struct sl_runner *r)
{
	for (size_t i = 0; i < r->n_rows; i++) {
		cJSON_Delete(r->rows[i].vars);
		free(r->rows[i].expected);
		free(r->rows[i].reference);
		free(r->rows[i].label);
	}
	r->n_rows = 0;
}

/* Row c of the dataset (spooled by prepare): from the window, refilled with the rows from
 * c on when c is outside it (cells walk the rows in order, once per model and prompt). */
static const struct sl_case *row_at(struct sl_runner *r, int c, struct sl_error *err)
{
	if (r->ds->cases) /* the cases as the store holds them (runs poll) */
		return c >= 0 && (size_t)c < r->ds->n_cases ? &r->ds->cases[c] : NULL;
	if (c >= r->win_lo && c < r->win_lo + (int64_t)r->n_rows)
		return &r->rows[c - r->win_lo];
	rows_clear(r);
	if (!r->rows)
		r->rows = sl_xcalloc(ROW_WINDOW, sizeof *r->rows);
	r->win_lo = c;
	sqlite3_stmt *st = sl_store_prepare(r->store, SL_DATASET_SPOOL_ROWS, err);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, r->ds->spool_id);
	sqlite3_bind_int(st, 2, c);
	sqlite3_bind_int(st, 3, ROW_WINDOW);
	int rc;
	while (r->n_rows < ROW_WINDOW && (rc = sl_store_step(r->store, st, err)) == SQLITE_ROW &&
	       sqlite3_column_int64(st, 0) == c + (int64_t)r->n_rows) {
		cJSON *vars = cJSON_Parse(sl_col_text(st, 2));
		if (!cJSON_IsObject(vars)) {
			cJSON_Delete(vars);
			break;
		}
		struct sl_case *row = &r->rows[r->n_rows++];
		row->line = sqlite3_column_int(st, 1);
		row->vars = vars;
		row->expected = sl_col_dup(st, 3);
		row->reference = sl_col_dup(st, 4);
		row->label = sl_col_dup(st, 5);
	}
	sqlite3_reset(st);
	if (r->n_rows)
		return &r->rows[0];
	if (rc >= 0)
		sl_error_set(err, "%s: row %d of dataset %s is gone from the store's spool",
			     sl_store_path(r->store), c + 1, r->ds->path);
	return NULL;
}

/* A window of a resumed run's cells, in grid order, from idx to at most the end of its model
 * and prompt: where the block's first cells all have a row (r->dense), its cells not done
 * (the errors, off the cells_failed index), so a block done up to its last cells costs no
 * walk of them; else its done cells. -1 on a store error (idx is then asked again). */
static int fill_window(struct sl_runner *r, int64_t idx)
{
	static const char *const sql[2] = {
		"SELECT case_idx, sample FROM cells WHERE run_id = ?1 AND model_idx = ?2 AND "
		"prompt_idx = ?3 AND (case_idx, sample) >= (?4, ?5) AND error_kind IS NULL "
		"ORDER BY case_idx, sample LIMIT 4096",
		"SELECT case_idx, sample FROM cells INDEXED BY cells_failed WHERE run_id = ?1 AND "
		"model_idx = ?2 AND prompt_idx = ?3 AND (case_idx, sample) >= (?4, ?5) AND "
		"error_kind IS NOT NULL ORDER BY case_idx, sample LIMIT 4096",
	};
	int64_t per_block = (int64_t)r->ds->n_cases * r->samples;
	int64_t start = idx - idx % per_block, end = start + per_block;
	bool holes = idx < start + r->dense[idx / per_block];
	if (holes)
		end = start + r->dense[idx / per_block];
	if (!r->skip)
		r->skip = sl_xcalloc(DONE_WINDOW, sizeof *r->skip);
	r->n_skip = r->skip_pos = 0;
	r->skip_lo = idx;
	r->skip_hi = idx + 1; /* on error: ask again at the next cell */
	r->skip_holes = false;
	sqlite3_stmt *st = sl_store_prepare(r->store, sql[holes], NULL);
	if (!st)
		return -1;
	bind_cell(r, st, idx);
	int rc, rows = 0;
	int64_t last = idx;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows++;
		int c = sqlite3_column_int(st, 0), smp = sqlite3_column_int(st, 1);
		if (c < 0 || (size_t)c >= r->ds->n_cases || smp < 0 || smp >= r->samples)
			continue; /* not of this grid */
		last = start + (int64_t)c * r->samples + smp;
		if (last < end)
			r->skip[r->n_skip++] = last;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	/* fewer than asked: none after these in the range */
	r->skip_hi = rows < DONE_WINDOW ? end : last < end ? last + 1 : end;
	r->skip_holes = holes;
	return 0;
}

/* The first cell from idx on that has no result yet (r->total if none): from idx itself
 * when the run is not resumed. The scheduler asks in grid order, so the window moves
 * forward; it is filled again when idx leaves it (or a walk starts over). A store error
 * counts as not done: the cell is asked again, never lost. */
static int64_t next_todo(struct sl_runner *r, int64_t idx)
{
	if (!r->resumed)
		return idx;
	while (idx < r->total) {
		if ((idx < r->skip_lo || idx >= r->skip_hi ||
		     (r->skip_pos > 0 && r->skip[r->skip_pos - 1] >= idx)) &&
		    fill_window(r, idx) != 0)
			return idx;
		while (r->skip_pos < r->n_skip && r->skip[r->skip_pos] < idx)
			r->skip_pos++;
		if (r->skip_holes) { /* the window lists what is left to do */
			if (r->skip_pos < r->n_skip)
				return r->skip[r->skip_pos];
		} else { /* the window lists what is done */
			while (r->skip_pos < r->n_skip && r->skip[r->skip_pos] == idx) {
				r->skip_pos++;
				idx++;
			}
			if (idx < r->skip_hi)
				return idx;
		}
		idx = r->skip_hi;
	}
	return r->total;
}

/* ---- live events ---- */

static bool wants(const struct sl_runner *r, enum sl_run_event_kind kind)
{
	return r->sub_mask & SL_EV_BIT(kind);
}

static void emit(struct sl_runner *r, struct sl_run_event *ev)
{
	ev->run_id = r->run_id;
	/* by index, with a copy: a callback may subscribe (realloc) or unsubscribe */
	for (size_t i = 0; i < r->n_subs; i++) {
		struct subscriber sub = r->subs[i];
		if (sub.id && (sub.mask & SL_EV_BIT(ev->kind)))
			sub.fn(sub.ud, ev);
	}
}

static void emit_cell(struct sl_runner *r, enum sl_run_event_kind kind, int64_t idx,
		      const struct sl_cell_metrics *m, const char *reason)
{
	if (!wants(r, kind))
		return;
	struct sl_run_event ev = { .kind = kind, .ref.cell = idx, .metrics = m, .reason = reason,
				   .retry_in_ms = NAN };
	cell_coords(r, idx, &ev.ref.model, &ev.ref.prompt, &ev.ref.case_index, &ev.ref.sample);
	emit(r, &ev);
}

static const struct sl_model_progress *model_progress_now(const struct sl_runner *r, int m)
{
	struct model_live *l = &r->live[m];
	double s = (double)(sl_now_ns() - r->t0_ns) / 1e9;
	l->p.requests_per_s = s > 0 ? (double)l->fetched / s : 0;
	l->p.ttft_p50_ms = sl_running_median_get(&l->ttft);
	l->p.tokens_per_s_p50 = sl_running_median_get(&l->tps);
	return &l->p;
}

static void emit_model_progress(struct sl_runner *r, int m)
{
	if (!wants(r, SL_EV_MODEL_PROGRESS))
		return;
	struct sl_run_event ev = { .kind = SL_EV_MODEL_PROGRESS, .retry_in_ms = NAN,
				   .model_progress = model_progress_now(r, m) };
	ev.ref.cell = -1;
	ev.ref.model = m;
	emit(r, &ev);
}

/* A cell got its final result in this invocation: count it for its model, then tell. */
static void live_final(struct sl_runner *r, int64_t idx, const char *error,
		       const struct sl_cell_metrics *cm)
{
	int m, p, c, s;
	cell_coords(r, idx, &m, &p, &c, &s);
	struct model_live *l = &r->live[m];
	l->p.done++;
	if (error) {
		l->p.errors++;
		emit_cell(r, SL_EV_ERROR, idx, cm, error);
	} else {
		l->p.cached += cm->cached;
		if (isnan(cm->cost_usd))
			l->p.cost_unknown++;
		else
			l->p.cost += cm->cost_usd;
		sl_running_median_add(&l->ttft, cm->ttft_ms);
		sl_running_median_add(&l->tps, cm->tokens_per_s);
		emit_cell(r, cm->cached ? SL_EV_CACHED : SL_EV_DONE, idx, cm, NULL);
	}
	emit_model_progress(r, m);
}

static void emit_finished(struct sl_runner *r)
{
	if (r->finished_emitted || !r->live)
		return;
	r->finished_emitted = true;
	if (!wants(r, SL_EV_RUN_FINISHED))
		return;
	struct sl_run_event ev = { .kind = SL_EV_RUN_FINISHED, .retry_in_ms = NAN };
	ev.ref.cell = -1;
	emit(r, &ev);
}

/* ---- preparation ---- */

/* -j (or the suite's concurrency) is what the user asked for: it lifts our default cap of
 * a provider for this run. A limits.concurrency given in providers.json is a real limit
 * (a server's capacity, a plan's quota): it stays, and the run says so. */
static void apply_concurrency(struct sl_runner *r)
{
	for (size_t i = 0; i < r->providers.len; i++) {
		struct sl_provider_conf *c = &r->providers.items[i];
		bool used = false;
		for (size_t m = 0; m < r->n_models && !used; m++)
			used = r->models[m].conf == c;
		if (!used || c->limits.concurrency <= 0 || c->limits.concurrency >= r->concurrency)
			continue;
		if (!c->limits.concurrency_set) {
			c->limits.concurrency = r->concurrency;
		} else if (r->opts->warn) {
			char *msg = sl_xasprintf("provider %s: limits.concurrency = %d in %s caps this "
						 "run at %d requests in flight to it, not %d (raise it "
						 "there to go faster)", c->name,
						 c->limits.concurrency,
						 r->providers.origin ? r->providers.origin
								     : "providers.json",
						 c->limits.concurrency, r->concurrency);
			r->opts->warn(r->opts->warn_ud, msg);
			free(msg);
		}
	}
}

static int resolve_models(struct sl_runner *r, struct sl_error *err)
{
	r->models = sl_xcalloc(r->suite->n_models, sizeof *r->models);
	r->n_models = r->suite->n_models;
	for (size_t i = 0; i < r->n_models; i++) {
		struct model_slot *ms = &r->models[i];
		ms->requested = sl_xstrdup(r->suite->models[i]);
		struct sl_error e = { 0 };
		if (sl_providers_resolve_model(&r->providers, ms->requested, &ms->conf, &ms->model_id,
					       &e) != 0) {
			sl_error_set(err, "%s: suite.models[%zu]: %s", r->suite->path, i, e.msg);
			return usage_fail(err);
		}
		ms->endpoint = sl_url_redact(ms->conf->base_url);
		const char *key;
		if (sl_provider_api_key(ms->conf, &key, &e) != 0) {
			sl_error_set(err, "%s: suite.models[%zu] \"%s\": %s", r->suite->path, i,
				     ms->requested, e.msg);
			return usage_fail(err);
		}
		if (!sl_url_scheme_allowed(ms->conf->base_url)) {
			sl_error_set(err, "%s: suite.models[%zu] \"%s\": provider %s uses %s; plain "
				     "http is only allowed to local hosts", r->suite->path, i,
				     ms->requested, ms->conf->name, ms->endpoint);
			return usage_fail(err);
		}
		struct sl_price_source src = { r->store, r->suite, &r->providers };
		bool priced = sl_price_find(&src, ms->requested, ms->conf->name, ms->model_id,
					    &ms->price, &ms->catalog_key);
		if (!isnan(r->max_cost) && !priced) {
			sl_error_set(err, "%s: a budget (max_cost $%g) needs every model's price, but "
				     "\"%s\" has none in the catalogue: set it in the suite as "
				     "\"prices\": {\"%s\": {\"in\": USD, \"out\": USD}} (per million "
				     "tokens)", r->suite->path, r->max_cost, ms->requested,
				     ms->requested);
			return usage_fail(err);
		}
	}
	return 0;
}

/* The judge model is called later by scoring: check it now too, so a missing key does not
 * surface only after every cell was paid for. */
static int check_judge(struct sl_runner *r, struct sl_error *err)
{
	if (!r->suite->judge)
		return 0;
	const struct sl_provider_conf *conf;
	char *model_id = NULL;
	struct sl_error e = { 0 };
	const char *key;
	if (sl_providers_resolve_model(&r->providers, r->suite->judge, &conf, &model_id, &e) != 0 ||
	    sl_provider_api_key(conf, &key, &e) != 0) {
		free(model_id);
		sl_error_set(err, "%s: suite.judge \"%s\": %s", r->suite->path, r->suite->judge,
			     e.msg);
		return usage_fail(err);
	}
	free(model_id);
	return 0;
}

static int load_prompts_from_suite(struct sl_runner *r, struct sl_error *err)
{
	r->prompts = sl_xcalloc(r->suite->n_prompts, sizeof *r->prompts);
	for (size_t i = 0; i < r->suite->n_prompts; i++) {
		struct sl_error e = { 0 };
		if (sl_prompts_get_ref(r->store, r->suite->prompts[i], &r->prompts[i], &e) != 0) {
			sl_error_set(err, "%s: suite.prompts[%zu]: %s", r->suite->path, i, e.msg);
			return usage_fail(err);
		}
		r->n_prompts++;
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->prompts[k].name, r->prompts[i].name) == 0 &&
			    r->prompts[k].version == r->prompts[i].version) {
				sl_error_set(err, "%s: suite.prompts[%zu] and [%zu] are both %s@%d",
					     r->suite->path, k, i, r->prompts[i].name,
					     r->prompts[i].version);
				return usage_fail(err);
			}
	}
	return 0;
}

static int load_prompts_from_run(struct sl_runner *r, const struct sl_run *run,
				 struct sl_error *err)
{
	r->prompts = sl_xcalloc(run->n_prompts, sizeof *r->prompts);
	for (size_t i = 0; i < run->n_prompts; i++) {
		if (sl_prompts_get(r->store, run->prompts[i].name, run->prompts[i].version,
				   &r->prompts[i], err) != 0)
			return -1;
		r->n_prompts++;
	}
	return 0;
}

/* The effective request parameters: the prompt's defaults, then the suite's overrides. */
static void effective_params(const struct sl_runner *r, const struct sl_prompt_version *pv,
			     struct sl_params *out)
{
	sl_params_init(out);
	out->temperature = pv->params.temperature;
	out->top_p = pv->params.top_p;
	out->max_tokens = pv->params.max_tokens > 0 ? (int)pv->params.max_tokens : 0;
	out->stop = (const char *const *)pv->params.stop;
	out->n_stop = pv->params.n_stop;
	out->json = pv->params.response_format && strcmp(pv->params.response_format, "json") == 0;
	const cJSON *o = r->suite->params, *v;
	if (!o)
		return;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "temperature")) && cJSON_IsNumber(v))
		out->temperature = v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "top_p")) && cJSON_IsNumber(v))
		out->top_p = v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "max_tokens")) && cJSON_IsNumber(v))
		out->max_tokens = (int)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "response_format")) && cJSON_IsString(v))
		out->json = strcmp(v->valuestring, "json") == 0;
}

static int check_suite_params(struct sl_runner *r, struct sl_error *err)
{
	/* validate the suite's params exactly like a prompt's */
	if (!r->suite->params)
		return 0;
	cJSON *fake = cJSON_CreateObject();
	cJSON_AddStringToObject(fake, "name", "suite");
	cJSON_AddStringToObject(fake, "user", "x");
	cJSON_AddItemToObject(fake, "params", cJSON_Duplicate(r->suite->params, 1));
	struct sl_prompt_version pv;
	struct sl_error e = { 0 };
	int rc = sl_prompt_from_json(fake, r->suite->path, "suite", &pv, &e);
	cJSON_Delete(fake);
	if (rc != 0) {
		sl_error_set(err, "%s", e.msg);
		return usage_fail(err);
	}
	if (pv.params.n_stop) {
		sl_prompt_version_free(&pv);
		sl_error_set(err, "%s: suite.params.stop is not supported: set stop sequences on the "
			     "prompt", r->suite->path);
		return usage_fail(err);
	}
	sl_prompt_version_free(&pv);
	return 0;
}

/* ---- the run row ---- */

static const char *cache_mode_name(enum sl_cache_mode m)
{
	return m == SL_CACHE_USE ? "use" : m == SL_CACHE_OFF ? "off" : "refresh";
}

static char *params_json(const struct sl_runner *r)
{
	cJSON *o = cJSON_CreateObject();
	if (r->suite->params)
		cJSON_AddItemToObject(o, "suite_params", cJSON_Duplicate(r->suite->params, 1));
	cJSON_AddStringToObject(o, "cache", cache_mode_name(r->cache));
	if (!isnan(r->max_cost))
		cJSON_AddNumberToObject(o, "max_cost", r->max_cost);
	cJSON_AddNumberToObject(o, "concurrency", r->concurrency);
	cJSON_AddNumberToObject(o, "samples", r->samples);
	if (r->suite->stream)
		cJSON_AddItemToObject(o, "stream", cJSON_Duplicate(r->suite->stream, 1));
	else
		cJSON_AddBoolToObject(o, "stream", 1);
	if (r->bmodels) { /* lineage: which models went to a batch API, after how many cases */
		cJSON *b = cJSON_AddObjectToObject(o, "batch");
		cJSON *models = cJSON_AddArrayToObject(b, "models");
		for (size_t i = 0; i < r->n_models; i++)
			if (r->bmodels[i].ops)
				cJSON_AddItemToArray(models,
						     cJSON_CreateString(r->models[i].requested));
		cJSON_AddNumberToObject(b, "sample", r->batch_sample);
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int cache_merge(struct sl_store *store, struct sl_error *err);

/* A run starts with every answer in the cache findable by key: those another process left
 * unmerged (it was killed) are merged first. */
static int create_run(struct sl_runner *r, const char *suite_real, struct sl_error *err)
{
	if (sl_store_begin(r->store, err) != 0)
		return -1;
	if (cache_merge(r->store, err) != 0)
		goto fail;
	if (sl_dataset_save(r->store, r->ds, err) != 0)
		goto fail;
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	char *pj = params_json(r);
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"INSERT INTO runs(suite_name, suite_path, suite_hash, suite_json, dataset_hash, "
		"dataset_path, status, n_cells, samples, concurrency, params, max_cost, "
		"shortlist_version, user, host, started_at, owner_pid, owner_host, heartbeat_ms) "
		"VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	int rc = -1;
	if (st) {
		sl_bind_text(st, 1, r->suite->name);
		sl_bind_text(st, 2, suite_real);
		sl_bind_text(st, 3, r->suite->hash);
		sl_bind_text(st, 4, r->suite->text);
		sl_bind_text(st, 5, r->ds->hash);
		sl_bind_text(st, 6, r->ds->path);
		sqlite3_bind_int64(st, 7, r->total);
		sqlite3_bind_int(st, 8, r->samples);
		sqlite3_bind_int(st, 9, r->concurrency);
		sl_bind_text(st, 10, pj);
		if (isnan(r->max_cost))
			sqlite3_bind_null(st, 11);
		else
			sqlite3_bind_double(st, 11, r->max_cost);
		sl_bind_text(st, 12, SL_VERSION);
		sl_bind_text(st, 13, sl_eval_user());
		sl_bind_text(st, 14, host[0] ? host : NULL);
		sl_bind_text(st, 15, sl_eval_now());
		r->heartbeat_ms = sl_wall_ms();
		sqlite3_bind_int64(st, 16, (int64_t)getpid());
		sl_bind_text(st, 17, host);
		sqlite3_bind_int64(st, 18, r->heartbeat_ms);
		rc = sl_store_step(r->store, st, err);
	}
	free(pj);
	if (rc < 0)
		goto fail;
	r->run_id = sqlite3_last_insert_rowid(sl_store_db(r->store));
	st = sl_store_prepare(r->store,
		"INSERT INTO run_models(run_id, idx, requested, provider, model_id, endpoint, "
		"catalog_key, price_in, price_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		goto fail;
	for (size_t i = 0; i < r->n_models; i++) {
		const struct model_slot *ms = &r->models[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, r->run_id);
		sqlite3_bind_int(st, 2, (int)i);
		sl_bind_text(st, 3, ms->requested);
		sl_bind_text(st, 4, ms->conf->name);
		sl_bind_text(st, 5, ms->model_id);
		sl_bind_text(st, 6, ms->endpoint);
		sl_bind_text(st, 7, ms->catalog_key);
		bind_real(st, 8, ms->price.in);
		bind_real(st, 9, ms->price.out);
		if (sl_store_step(r->store, st, err) < 0)
			goto fail;
	}
	sqlite3_reset(st);
	st = sl_store_prepare(r->store, "INSERT INTO run_prompts(run_id, idx, name, version, hash) "
					"VALUES (?, ?, ?, ?, ?)", err);
	if (!st)
		goto fail;
	for (size_t i = 0; i < r->n_prompts; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, r->run_id);
		sqlite3_bind_int(st, 2, (int)i);
		sl_bind_text(st, 3, r->prompts[i].name);
		sqlite3_bind_int(st, 4, r->prompts[i].version);
		sl_bind_text(st, 5, r->prompts[i].hash);
		if (sl_store_step(r->store, st, err) < 0)
			goto fail;
	}
	sqlite3_reset(st);
	return sl_store_commit(r->store, err);
fail:
	sl_store_rollback(r->store);
	return -1;
}

/* Find the run to resume and check that it is the same evaluation. */
static int find_resume_run(struct sl_runner *r, const char *suite_real, struct sl_run *run,
			   struct sl_error *err)
{
	int64_t id = 0;
	if (r->opts->resume_ref) {
		if (sl_run_resolve(r->store, r->opts->resume_ref, &id, err) != 0)
			return -1;
	} else {
		/* the newest unfinished run; else the newest run, complete: nothing to do */
		sqlite3_stmt *st = sl_store_prepare(r->store,
			"SELECT id FROM runs WHERE suite_path = ? "
			"ORDER BY status = 'complete', id DESC LIMIT 1", err);
		if (!st)
			return -1;
		sl_bind_text(st, 1, suite_real);
		int rc = sl_store_step(r->store, st, err);
		if (rc < 0)
			return -1;
		if (rc == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (!id) {
			sl_error_set(err, "--resume: no unfinished run of %s (see 'shortlist runs "
				     "list'; run it without --resume to start one)", r->suite->path);
			return usage_fail(err);
		}
	}
	if (sl_run_get(r->store, id, run, err) != 0)
		return -1;
	if (strcmp(run->suite_hash, r->suite->hash) != 0) {
		sl_error_set(err, "--resume: %s changed since run %lld (sha256 %.12s, now %.12s): a "
			     "resumed run must be the same evaluation; run it without --resume",
			     r->suite->path, (long long)id, run->suite_hash, r->suite->hash);
		sl_run_free(run);
		return usage_fail(err);
	}
	if (strcmp(run->dataset_hash, r->ds->hash) != 0) {
		sl_error_set(err, "--resume: dataset %s changed since run %lld (sha256 %.12s, now "
			     "%.12s); run the suite without --resume", r->ds->path, (long long)id,
			     run->dataset_hash, r->ds->hash);
		sl_run_free(run);
		return usage_fail(err);
	}
	return 0;
}

/* A resumed run keeps the cache mode it started with, so its lineage stays true. Only an
 * explicit --no-cache or --refresh changes it, for the remaining cells: the run's params
 * then list that resume (see resume_params). */
static void resume_cache_mode(struct sl_runner *r, const struct sl_run *run)
{
	cJSON *pj = cJSON_Parse(run->params_json ? run->params_json : "{}");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(pj, "cache");
	enum sl_cache_mode was = SL_CACHE_USE;
	if (cJSON_IsString(c))
		was = strcmp(c->valuestring, "off") == 0 ? SL_CACHE_OFF
		      : strcmp(c->valuestring, "refresh") == 0 ? SL_CACHE_REFRESH : SL_CACHE_USE;
	cJSON_Delete(pj);
	if (r->opts->cache == SL_CACHE_USE) /* the default: nothing asked */
		r->cache = was;
	r->cache_changed = r->cache != was;
}

/* The run's params with this resume appended to "resumes" when it changed the cache mode;
 * NULL when nothing changed. */
static char *resume_params(const struct sl_runner *r)
{
	if (!r->cache_changed)
		return NULL;
	cJSON *pj = cJSON_Parse(r->resume_run.params_json ? r->resume_run.params_json : "{}");
	if (!cJSON_IsObject(pj)) {
		cJSON_Delete(pj);
		pj = cJSON_CreateObject();
	}
	cJSON *list = cJSON_GetObjectItemCaseSensitive(pj, "resumes");
	if (!cJSON_IsArray(list)) {
		cJSON_DeleteItemFromObjectCaseSensitive(pj, "resumes");
		list = cJSON_AddArrayToObject(pj, "resumes");
	}
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "at", sl_eval_now());
	cJSON_AddStringToObject(e, "cache", cache_mode_name(r->cache));
	cJSON_AddItemToArray(list, e);
	char *s = cJSON_PrintUnformatted(pj);
	cJSON_Delete(pj);
	return s;
}

/* How many of block b's first cells all have a row (done or failed), given n rows in the
 * block: walking its rows down from the last, the row at position y has n - walked rows at or
 * below it, so when that is y + 1 none below is missing. A run stopped midway has its holes
 * near the last cells it ran: the walk stops after those. 0 (unknown: the done windows
 * then walk the block) past DONE_WINDOW rows, or for a row outside the grid. */
static int dense_prefix(struct sl_runner *r, int m, int p, int64_t n, int64_t *out,
			struct sl_error *err)
{
	*out = 0;
	if (n <= 0)
		return 0;
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"SELECT case_idx, sample FROM cells WHERE run_id = ?1 AND model_idx = ?2 AND "
		"prompt_idx = ?3 ORDER BY case_idx DESC, sample DESC LIMIT 4096", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, r->run_id);
	sqlite3_bind_int(st, 2, m);
	sqlite3_bind_int(st, 3, p);
	int64_t walked = 0;
	int rc;
	while ((rc = sl_store_step(r->store, st, err)) == SQLITE_ROW) {
		int c = sqlite3_column_int(st, 0), smp = sqlite3_column_int(st, 1);
		if (c < 0 || smp < 0 || smp >= r->samples)
			break; /* not of this grid: unknown */
		int64_t y = (int64_t)c * r->samples + smp;
		if (c < (int)r->ds->n_cases && n - walked == y + 1) {
			*out = y + 1;
			break;
		}
		walked++;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* What a resumed run has done so far, per model, from the run's statistics (cell_stats),
 * and where each model x prompt's rows leave no hole (dense_prefix): rows read grow with
 * the models and prompts and the cells not done, not with the run. */
static int load_done_cells(struct sl_runner *r, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"SELECT model_idx, prompt_idx, n, n - n_err, n_cached, n - n_err - n_cost, sum_cost "
		"FROM cell_stats WHERE run_id = ?1 AND model_idx BETWEEN 0 AND ?2 "
		"AND prompt_idx BETWEEN 0 AND ?3 ORDER BY model_idx, prompt_idx", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, r->run_id);
	sqlite3_bind_int64(st, 2, (int64_t)r->n_models - 1);
	sqlite3_bind_int64(st, 3, (int64_t)r->n_prompts - 1);
	free(r->dense);
	r->dense = sl_xcalloc(r->n_models * r->n_prompts, sizeof *r->dense);
	int64_t *rows = sl_xcalloc(r->n_models * r->n_prompts, sizeof *rows);
	int rc;
	while ((rc = sl_store_step(r->store, st, err)) == SQLITE_ROW) {
		int m = sqlite3_column_int(st, 0), p = sqlite3_column_int(st, 1);
		struct sl_model_progress *mp = &r->live[m].p;
		rows[(size_t)m * r->n_prompts + (size_t)p] = sqlite3_column_int64(st, 2);
		int64_t n = sqlite3_column_int64(st, 3);
		int64_t cached = sqlite3_column_int64(st, 4);
		int64_t unknown = sqlite3_column_int64(st, 5);
		double cost = sqlite3_column_double(st, 6);
		r->prog.done += n;
		mp->done += n;
		r->prog.cached += cached;
		mp->cached += cached;
		r->prog.cost_unknown += unknown;
		mp->cost_unknown += unknown;
		r->prog.cost += cost;
		mp->cost += cost;
	}
	sqlite3_reset(st);
	/* a failed cell counts as not done, cached or not (the runner never caches one: this
	 * reads only the failed cells) */
	st = rc < 0 ? NULL : sl_store_prepare(r->store,
		"SELECT model_idx, COUNT(*) FROM cells INDEXED BY cells_failed WHERE run_id = ?1 "
		"AND error_kind IS NOT NULL AND cached != 0 AND model_idx BETWEEN 0 AND ?2 AND "
		"prompt_idx BETWEEN 0 AND ?3 GROUP BY model_idx", err);
	if (st) {
		sqlite3_bind_int64(st, 1, r->run_id);
		sqlite3_bind_int64(st, 2, (int64_t)r->n_models - 1);
		sqlite3_bind_int64(st, 3, (int64_t)r->n_prompts - 1);
		while ((rc = sl_store_step(r->store, st, err)) == SQLITE_ROW) {
			int64_t n = sqlite3_column_int64(st, 1);
			r->prog.cached -= n;
			r->live[sqlite3_column_int(st, 0)].p.cached -= n;
		}
		sqlite3_reset(st);
	} else {
		rc = -1;
	}
	for (size_t b = 0; rc >= 0 && b < r->n_models * r->n_prompts; b++)
		if (dense_prefix(r, (int)(b / r->n_prompts), (int)(b % r->n_prompts), rows[b],
				 &r->dense[b], err) != 0)
			rc = -1;
	free(rows);
	r->resumed = r->prog.done > 0;
	return rc < 0 ? -1 : 0;
}

/* ---- cells ---- */

static void rec_free(struct cell_rec *c)
{
	answers_free(&c->ans);
	free(c->reported_model);
	free(c->output);
	free(c->finish_reason);
	free(c->error_kind);
	free(c->error_msg);
	free(c->cache_key);
}

static struct cell_rec *batch_add(struct sl_runner *r)
{
	if (r->n_batch == r->cap_batch) {
		r->cap_batch = r->cap_batch ? r->cap_batch * 2 : 256;
		r->batch = sl_xrealloc(r->batch, r->cap_batch * sizeof *r->batch);
	}
	struct cell_rec *c = &r->batch[r->n_batch++];
	memset(c, 0, sizeof *c);
	return c;
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

static void bind_count(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Start writing. In the loop never wait in SQLite's busy handler (it would stop the
 * network and the screen): 1 says another process holds the write lock and the batch stays
 * in memory for the next round. At the end (wait) keep trying for as long as it takes:
 * giving up would lose finished answers. */
static int begin_write(struct sl_runner *r, bool wait, struct sl_error *err)
{
	for (;;) {
		int rc = sl_store_try_begin(r->store, err);
		r->store_busy = rc == 1;
		if (rc != 1) {
			r->busy_since_ns = 0;
			return rc;
		}
		int64_t now = sl_now_ns();
		if (!r->busy_since_ns) {
			r->busy_since_ns = now;
		} else if (now - r->busy_since_ns > 2000000000LL && r->opts->warn) {
			char *msg = sl_xasprintf("database %s is locked by another process: waiting "
						 "to store %zu finished cells", sl_store_path(r->store),
						 r->n_batch);
			r->opts->warn(r->opts->warn_ud, msg);
			free(msg);
			r->busy_since_ns = INT64_MAX / 2; /* once per wait */
		}
		if (!wait)
			return 1;
		poll(NULL, 0, 20);
	}
}

/* A cell's row: new (ON CONFLICT DO NOTHING, its statistics added up by the batch), or one
 * stored before (resumed, retried) written again with its triggers on (stats_batch.h). */
#define CELL_COLS "cells(run_id, model_idx, prompt_idx, case_idx, sample, model, "            \
	"reported_model, output, finish_reason, error_kind, error_msg, http_status, cached, "  \
	"latency_ms, ttft_ms, tokens_in, tokens_out, tokens_estimated, cost, expected, "      \
	"reference, label, cache_key, finished_at) VALUES "
#define CELL_ROW CELL_COLS "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, " \
	"?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"

/* New rows go in by chunks of up to 32, one multi-row INSERT each (as score rows do,
 * score_run.c): a statement per row set up its VDBE frames and statement journal for every
 * cell. A chunk with a row that is there fails as a whole (its changes undone) and goes row
 * by row. Chunk i holds 32 >> i rows, in key order (the primary key's leaves together). */
#define CELL_V1 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define CELL_TWICE(v) v ", " v
#define CELL_V4 CELL_TWICE(CELL_TWICE(CELL_V1))
static const char *const cell_chunk_sql[] = {
	"INSERT INTO " CELL_COLS CELL_TWICE(CELL_TWICE(CELL_TWICE(CELL_V4))),
	"INSERT INTO " CELL_COLS CELL_TWICE(CELL_TWICE(CELL_V4)),
	"INSERT INTO " CELL_COLS CELL_TWICE(CELL_V4),
	"INSERT INTO " CELL_COLS CELL_V4,
	"INSERT INTO " CELL_COLS CELL_TWICE(CELL_V1),
	"INSERT INTO " CELL_COLS CELL_V1,
};
enum { CELL_CHUNK = 32, CELL_ROW_PARAMS = 24 };
_Static_assert(CELL_CHUNK >> (SL_ARRAY_LEN(cell_chunk_sql) - 1) == 1, "a chunk per power of two");

/* Bind c as the row whose parameters start after `base`. */
static void bind_cell_row(const struct sl_runner *r, sqlite3_stmt *st, int base,
			  const struct cell_rec *c, const char *now)
{
	int m, p, k, smp;
	cell_coords(r, c->idx, &m, &p, &k, &smp);
	sqlite3_bind_int64(st, base + 1, r->run_id);
	sqlite3_bind_int(st, base + 2, m);
	sqlite3_bind_int(st, base + 3, p);
	sqlite3_bind_int(st, base + 4, k);
	sqlite3_bind_int(st, base + 5, smp);
	sl_bind_text(st, base + 6, r->models[m].requested);
	sl_bind_text(st, base + 7, c->reported_model);
	sl_bind_text(st, base + 8, c->output);
	sl_bind_text(st, base + 9, c->finish_reason);
	sl_bind_text(st, base + 10, c->error_kind);
	sl_bind_text(st, base + 11, c->error_msg);
	if (c->http_status) /* a reset statement keeps its bindings: the last cell's status */
		sqlite3_bind_int(st, base + 12, (int)c->http_status);
	else
		sqlite3_bind_null(st, base + 12);
	sqlite3_bind_int(st, base + 13, c->cached);
	bind_real(st, base + 14, c->latency_ms);
	bind_real(st, base + 15, c->ttft_ms);
	bind_count(st, base + 16, c->tokens_in);
	bind_count(st, base + 17, c->tokens_out);
	sqlite3_bind_int(st, base + 18, c->tokens_estimated);
	bind_real(st, base + 19, c->cost);
	sl_bind_text(st, base + 20, c->ans.expected);
	sl_bind_text(st, base + 21, c->ans.reference);
	sl_bind_text(st, base + 22, c->ans.label);
	sl_bind_text(st, base + 23, c->cache_key);
	sl_bind_text(st, base + 24, now);
}

static void add_cell_stat(const struct sl_runner *r, struct sl_stats_batch *stats,
			  const struct cell_rec *c)
{
	int m, p, k, smp;
	cell_coords(r, c->idx, &m, &p, &k, &smp);
	sl_stats_batch_add_cell(stats, &(struct sl_cell_stat){
		.run_id = r->run_id, .model_idx = m, .prompt_idx = p,
		.error = c->error_kind != NULL, .cached = c->cached,
		.latency_ms = c->latency_ms, .ttft_ms = c->ttft_ms, .cost = c->cost,
		.tokens_out = c->tokens_out, .reported_model = c->reported_model });
}

/* One cell's row: new (its statistics into stats) or written again with its triggers on. */
static int insert_cell(const struct sl_runner *r, struct sl_store *store,
		       struct sl_stats_batch *stats, const struct cell_rec *c, const char *now,
		       struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT INTO " CELL_ROW " ON CONFLICT DO NOTHING", err);
	if (!st)
		return -1;
	bind_cell_row(r, st, 0, c, now);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (sqlite3_changes(sl_store_db(store)) == 1) {
		add_cell_stat(r, stats, c);
		return 0;
	}
	sqlite3_stmt *rs = sl_store_prepare(store, "INSERT OR REPLACE INTO " CELL_ROW, err);
	if (!rs)
		return -1;
	bind_cell_row(r, rs, 0, c, now);
	return sl_stats_batch_replace(store, stats, rs, err);
}

/* n (a chunk's size) rows from cells in one statement: 0 in, 1 one of them was there
 * (nothing written), -1 error. */
static int insert_cell_chunk(const struct sl_runner *r, struct sl_store *store,
			     struct sl_stats_batch *stats, const struct cell_rec *const *cells,
			     size_t n, size_t chunk, const char *now, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, cell_chunk_sql[chunk], err);
	if (!st)
		return -1;
	for (size_t j = 0; j < n; j++)
		bind_cell_row(r, st, (int)j * CELL_ROW_PARAMS, cells[j], now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE) {
		sl_store_error(store, err, "writing cells");
		return -1;
	}
	for (size_t j = 0; j < n; j++)
		add_cell_stat(r, stats, cells[j]);
	return 0;
}

static int cmp_cell_idx(const void *a, const void *b)
{
	int64_t x = (*(const struct cell_rec *const *)a)->idx;
	int64_t y = (*(const struct cell_rec *const *)b)->idx;
	return (x > y) - (x < y);
}

/* The rows of cells [0, n) of batch, by chunks in key order. */
static int insert_cells(const struct sl_runner *r, struct sl_store *store,
			struct sl_stats_batch *stats, const struct cell_rec *batch, size_t n,
			const char *now, struct sl_error *err)
{
	const struct cell_rec **order = sl_xcalloc(n ? n : 1, sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = &batch[i];
	if (n > 1)
		qsort(order, n, sizeof *order, cmp_cell_idx);
	int rc = 0;
	for (size_t i = 0, chunk = 0; rc == 0 && i < n; ) {
		size_t k = (size_t)CELL_CHUNK >> chunk;
		if (n - i < k) {
			chunk++;
			continue;
		}
		int c = insert_cell_chunk(r, store, stats, &order[i], k, chunk, now, err);
		for (size_t j = 0; c == 1 && rc == 0 && j < k; j++)
			rc = insert_cell(r, store, stats, order[i + j], now, err);
		rc = c < 0 ? -1 : rc;
		i += k;
	}
	free(order);
	return rc;
}

/* The response cache's answers are appended; their keys go to response_cache_keys in sorted
 * bulk (cache_merge, see the schema), not one random page per answer. No probe before the
 * insert: the loop asked the API because its lookup found no answer (committed, staged or
 * uncommitted), or --refresh deleted it here first. Only another process writing the same
 * request meanwhile adds a second row, and a lookup takes the first (the lowest id): the
 * cache keeps the first answer to a request. A batch answer has no latency (never measured)
 * and interactive cells do not take it (see cache_lookup): an interactive answer to the
 * same request is added next to it. */
static int cache_store(struct sl_runner *r, struct sl_store *store, struct cell_rec *c,
		       const struct model_slot *ms, const char *now, struct sl_error *err)
{
	if (r->cache == SL_CACHE_REFRESH) {
		sqlite3_stmt *ds = sl_store_prepare(store,
			"DELETE FROM response_cache WHERE rowid IN (SELECT id FROM "
			"response_cache_keys WHERE k = substr(?1, 1, 8)) AND key = ?1", err);
		if (!ds)
			return -1;
		sl_bind_text(ds, 1, c->cache_key);
		int rc = sl_store_step(store, ds, err);
		sqlite3_reset(ds);
		if (rc < 0)
			return -1;
	}
	sqlite3_stmt *cs = sl_store_prepare(store,
		"INSERT INTO response_cache(key, endpoint, model, reported_model, output, "
		"finish_reason, latency_ms, ttft_ms, tokens_in, tokens_out, tokens_estimated, cost, "
		"created_at, price_factor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14)", err);
	if (!cs)
		return -1;
	sl_bind_text(cs, 1, c->cache_key);
	sl_bind_text(cs, 2, ms->endpoint);
	sl_bind_text(cs, 3, ms->model_id);
	sl_bind_text(cs, 4, c->reported_model);
	sl_bind_text(cs, 5, c->output ? c->output : "");
	sl_bind_text(cs, 6, c->finish_reason);
	bind_real(cs, 7, c->latency_ms);
	bind_real(cs, 8, c->ttft_ms);
	bind_count(cs, 9, c->tokens_in);
	bind_count(cs, 10, c->tokens_out);
	sqlite3_bind_int(cs, 11, c->tokens_estimated);
	bind_real(cs, 12, c->cost);
	sl_bind_text(cs, 13, now);
	sqlite3_bind_double(cs, 14, c->price_factor);
	int rc = sl_store_step(store, cs, err);
	sqlite3_reset(cs);
	if (rc < 0)
		return -1;
	c->cache_id = sqlite3_last_insert_rowid(sl_store_db(store));
	r->cache_unmerged++;
	return 0;
}

/* Answers stored before the writer merges their keys: a merge writes each page of the key
 * table once (about 3,800 pages at 1M answers: 0.23 a stored answer at this size), and
 * until then the loop keeps their ids, 8 bytes each in a table at most 3/4 full (256 kB).
 * 16,384 rather than 65,536: the merge's sort and the ids took 3 MB more of a run's memory,
 * and a run of 100k cells cost the same CPU either way (bench_run, alternated twice). */
#define CACHE_MERGE_ROWS 16384

/* The response cache's rows above response_cache_merged.upto into its key table, in key
 * order, in the caller's write transaction. A row at a time: one INSERT ... SELECT keeps a
 * copy of every page it changes until it ends (its statement journal, in memory on the
 * writer's connection: 15 MB of the run's peak RSS at 1M answers). */
static int cache_merge(struct sl_store *store, struct sl_error *err)
{
	sqlite3_stmt *rd = sl_store_prepare(store,
		"SELECT substr(key, 1, 8), rowid FROM response_cache WHERE rowid > (SELECT upto "
		"FROM response_cache_merged) ORDER BY 1, 2", err);
	sqlite3_stmt *wr = sl_store_prepare(store,
		"INSERT OR IGNORE INTO response_cache_keys (k, id) VALUES (?, ?)", err);
	if (!rd || !wr)
		return -1;
	int rc;
	while ((rc = sl_store_step(store, rd, err)) == SQLITE_ROW) {
		sqlite3_bind_value(wr, 1, sqlite3_column_value(rd, 0));
		sqlite3_bind_int64(wr, 2, sqlite3_column_int64(rd, 1));
		rc = sl_store_step(store, wr, err);
		sqlite3_reset(wr);
		if (rc < 0)
			break;
	}
	sqlite3_reset(rd);
	if (rc < 0)
		return -1;
	return sl_store_exec(store, "UPDATE response_cache_merged SET upto = (SELECT "
			     "COALESCE(MAX(rowid), 0) FROM response_cache)", err);
}

/* The batch as the store will hold it, for opts->on_commit inside the write. */
static int commit_hook(struct sl_runner *r, struct sl_store *store, struct sl_stats_batch *stats,
		       const struct cell_rec *batch, size_t n, struct sl_error *err)
{
	struct sl_cell *cells = sl_xcalloc(n ? n : 1, sizeof *cells);
	for (size_t i = 0; i < n; i++) {
		const struct cell_rec *c = &batch[i];
		int m, p, k, smp;
		cell_coords(r, c->idx, &m, &p, &k, &smp);
		cells[i] = (struct sl_cell){
			.run_id = r->run_id, .model_idx = m, .prompt_idx = p, .case_idx = k,
			.sample = smp, .model = r->models[m].requested, .reported_model = c->reported_model,
			.case_line = c->ans.line, .expected = c->ans.expected,
			.reference = c->ans.reference, .label = c->ans.label, .output = c->output,
			.finish_reason = c->finish_reason, .error_kind = c->error_kind,
			.error_msg = c->error_msg, .http_status = (int)c->http_status,
			.cached = c->cached, .latency_ms = c->latency_ms, .ttft_ms = c->ttft_ms,
			.tokens_in = c->tokens_in, .tokens_out = c->tokens_out,
			.tokens_estimated = c->tokens_estimated, .cost = c->cost,
		};
	}
	int rc = r->opts->on_commit(r->opts->commit_ud, store, stats, r->run_id, r->suite, r->ds,
				    cells, n, err);
	free(cells);
	return rc;
}

/* Cells [0, n) in the write transaction just begun on store (the loop's, or the writer's):
 * their rows, cache rows, statistics and the on_commit hook's rows. Committed (0), or
 * rolled back (-1). */
static int write_cells(struct sl_runner *r, struct sl_store *store, struct sl_stats_batch **stats,
		       struct cell_rec *batch, size_t n, struct sl_error *err)
{
	if (!*stats)
		*stats = sl_stats_batch_new();
	if (sl_stats_batch_begin(store, *stats, err) != 0 ||
	    (r->opts->on_commit && commit_hook(r, store, *stats, batch, n, err) != 0))
		goto fail;
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	if (insert_cells(r, store, *stats, batch, n, now, err) != 0)
		goto fail;
	/* in the batch's order: of two cells with one key, the cache keeps the first's answer */
	for (size_t i = 0; i < n; i++) {
		struct cell_rec *c = &batch[i];
		int m, p, k, s;
		cell_coords(r, c->idx, &m, &p, &k, &s);
		if (c->to_cache && cache_store(r, store, c, &r->models[m], now, err) != 0)
			goto fail;
	}
	bool merge = r->cache_unmerged >= CACHE_MERGE_ROWS;
	if ((merge && cache_merge(store, err) != 0) ||
	    sl_stats_batch_write(store, *stats, err) != 0 || sl_store_commit(store, err) != 0)
		goto fail;
	if (merge) {
		r->cache_unmerged = 0;
		r->cache_merged = true;
	}
	return 0;
fail:
	sl_store_rollback(store);
	if (*stats)
		sl_stats_batch_reset(*stats);
	return -1;
}

static uint64_t key_hash(const char *k);

/* The staged answers (struct staged): open addressing, at most 3/4 full. */
static void staged_add(struct sl_runner *r, const char *key, int64_t id)
{
	if (!r->n_staged)
		r->staged_base = id - 1;
	if (id <= r->staged_base || id - r->staged_base > UINT32_MAX)
		return; /* not after the others (another process's ids): found once merged */
	if (4 * (r->n_staged + 1) > 3 * r->staged_cap) {
		size_t cap = r->staged_cap ? r->staged_cap * 2 : 1024;
		struct staged *slots = sl_xcalloc(cap, sizeof *slots);
		for (size_t i = 0; i < r->staged_cap; i++) {
			if (!r->staged[i].off)
				continue;
			size_t j = r->staged[i].h & (cap - 1);
			while (slots[j].off)
				j = (j + 1) & (cap - 1);
			slots[j] = r->staged[i];
		}
		free(r->staged);
		r->staged = slots;
		r->staged_cap = cap;
	}
	uint32_t h = (uint32_t)(key_hash(key) >> 32); /* the key is checked against the row */
	size_t j = h & (r->staged_cap - 1);
	while (r->staged[j].off)
		j = (j + 1) & (r->staged_cap - 1);
	r->staged[j] = (struct staged){ h, (uint32_t)(id - r->staged_base) };
	r->n_staged++;
}

/* Cells just committed: the answers they stored are found by id until a commit merges
 * them all into the key table. */
static void staged_committed(struct sl_runner *r, const struct cell_rec *cells, size_t n)
{
	if (r->cache_merged) {
		if (r->staged)
			memset(r->staged, 0, r->staged_cap * sizeof *r->staged);
		r->n_staged = 0;
		r->cache_merged = false;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (cells[i].cache_id)
			staged_add(r, cells[i].cache_key, cells[i].cache_id);
}

/* Commit the finished cells on the loop's thread (no writer thread): 0 done (or nothing to
 * do), 1 the store was busy and they wait in memory (only when !wait), -1 error. */
static int flush(struct sl_runner *r, bool wait, struct sl_error *err)
{
	if (!r->n_batch)
		return 0;
	int brc = begin_write(r, wait, err);
	if (brc != 0)
		return brc;
	if (write_cells(r, r->store, &r->stats, r->batch, r->n_batch, err) != 0)
		return -1;
	staged_committed(r, r->batch, r->n_batch);
	r->written += (int64_t)r->n_batch;
	for (size_t i = 0; i < r->n_batch; i++)
		rec_free(&r->batch[i]);
	r->n_batch = 0;
	filter_clear(r->batch_keys);
	r->shown = r->prog;
	return 0;
}

/* ---- the writer thread ---- */

/* A run's page caches have fixed budgets that a run of 10,000 cells already fills, so that
 * its memory is the same for 10,000 cells as for a million (issue 15); a cache sized to
 * grow with the store (16 MB before) grew the run's memory with it. The writer appends at
 * the right edge of its tables and indexes (the response cache's keys go in by sorted
 * merges, cache_merge) and inserts at random only into the run's latency and TTFT indexes,
 * which outgrow any budget at 1M cells: 2 MB gave the same CPU a cell as 8 MB at 100k and
 * 1M cells, and a peak RSS of 22 MB instead of 36 (bench_run 2026-12-03, doc/benchmarks.md).
 * The loop's connection only reads once the writer runs, and its pages start over whenever
 * the writer commits: 512 kB keep the interior pages its cache lookups walk. The dataset's
 * spool (the temp database) is written once and read in order. Sizes the caller chose are
 * kept; sl_runner_free gives the caller's connection its defaults back. */
enum { RUN_CACHE_KB = 2048, LOOP_CACHE_KB = 512, SPOOL_CACHE_KB = 256, DEFAULT_CACHE_KB = 2000 };

static int cache_size(sqlite3 *db, const char *schema)
{
	char sql[48];
	snprintf(sql, sizeof sql, "PRAGMA %s.cache_size", schema);
	sqlite3_stmt *st;
	int n = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* n as PRAGMA cache_size takes it: pages, or kB if negative */
static void cache_size_set(sqlite3 *db, const char *schema, int n)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA %s.cache_size = %d", schema, n);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* BEGIN IMMEDIATE on the writer's connection, waiting as long as another process holds the
 * write lock (the loop runs on meanwhile; its backpressure bounds memory). */
static int writer_begin(struct sl_runner *r, struct writer *w, struct sl_error *err)
{
	int64_t since = 0;
	for (;;) {
		int rc = sl_store_try_begin(w->store, err);
		if (rc != 1)
			return rc;
		int64_t now = sl_now_ns();
		pthread_mutex_lock(&w->mu);
		bool give_up = w->abandon;
		if (!since) {
			since = now;
		} else if (since > 0 && now - since > 2000000000LL) {
			free(w->warn);
			w->warn = sl_xasprintf("database %s is locked by another process: waiting "
					       "to store %zu finished cells",
					       sl_store_path(w->store), w->n);
			since = -1; /* once per wait */
			sl_engine_wakeup(r->eng);
		}
		pthread_mutex_unlock(&w->mu);
		if (give_up) {
			sl_error_set(err, "database %s: stopped waiting for another process's write "
				     "lock", sl_store_path(w->store));
			return -1;
		}
		poll(NULL, 0, 5);
	}
}

static void *writer_main(void *arg)
{
	struct sl_runner *r = arg;
	struct writer *w = &r->w;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->mu);
		struct sl_error err = { 0 };
		int rc = writer_begin(r, w, &err);
		if (rc == 0)
			rc = write_cells(r, w->store, &w->stats, w->cells, w->n, &err);
		pthread_mutex_lock(&w->mu);
		if (rc != 0) {
			w->rc = -1;
			w->err = err;
		}
		w->busy = false;
		pthread_cond_broadcast(&w->cv);
		sl_engine_wakeup(r->eng); /* the loop collects them (progress, next batch) */
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The writer's connection and thread, at the first batch. -1 where a second connection
 * cannot share the store (in memory, temporary, read-only, not in WAL mode): then the
 * loop commits. */
static int writer_start(struct sl_runner *r)
{
	struct writer *w = &r->w;
	sqlite3 *db = sl_store_db(r->store);
	const char *file = sqlite3_db_filename(db, "main");
	if (!file || !*file || sqlite3_db_readonly(db, "main") != 0)
		return -1;
	w->store = sl_store_open(file, SL_STORE_NO_MIGRATE, &(struct sl_error){ 0 });
	if (!w->store)
		return -1;
	sqlite3_stmt *st;
	bool wal = false;
	if (sqlite3_prepare_v2(sl_store_db(w->store), "PRAGMA journal_mode", -1, &st, NULL) ==
	    SQLITE_OK) {
		wal = sqlite3_step(st) == SQLITE_ROW && strcmp(sl_col_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
	}
	if (!wal) {
		sl_store_close(w->store);
		w->store = NULL;
		return -1;
	}
	/* A multi-row INSERT of cells keeps a copy of each page it changes, the random leaves of
	 * cells_latency and cells_ttft included (write_cells): above 64 kB SQLite moves that
	 * statement journal to a temporary file for the rest of the transaction (1.5 pwrite64 a
	 * cell at 100k). In memory it is at most a chunk's pages; this connection sorts nothing. */
	sqlite3_exec(sl_store_db(w->store), "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
	sl_stats_batch_disable_triggers(w->store); /* it writes cells and scores by batches only */
	/* the loop's page cache size (cache_pages_for_run's, or the caller's) */
	cache_size_set(sl_store_db(w->store), "main", cache_size(db, "main"));
	if (r->cache_bumped)
		cache_size_set(db, "main", -LOOP_CACHE_KB);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, r) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		sl_store_close(w->store);
		w->store = NULL;
		return -1;
	}
	w->started = true;
	return 0;
}

/* What the writer finished: free its cells, count them, relay its messages. -1 if its
 * commit failed (fail_err says why). */
static int writer_collect(struct sl_runner *r)
{
	struct writer *w = &r->w;
	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->mu);
	bool busy = w->busy;
	int rc = w->rc;
	char *warn = w->warn;
	w->warn = NULL;
	if (rc != 0)
		r->fail_err = w->err;
	pthread_mutex_unlock(&w->mu);
	if (warn && r->opts->warn)
		r->opts->warn(r->opts->warn_ud, warn);
	free(warn);
	if (rc != 0)
		return -1;
	if (busy || !w->n)
		return 0;
	staged_committed(r, w->cells, w->n);
	for (size_t i = 0; i < w->n; i++)
		rec_free(&w->cells[i]);
	r->written += (int64_t)w->n;
	w->n = 0;
	filter_clear(w->keys);
	r->shown = w->prog;
	return 0;
}

/* Hand the finished cells to the writer if it is idle (else they wait for the next round:
 * its next transaction takes all of them). */
static void writer_hand(struct sl_runner *r)
{
	struct writer *w = &r->w;
	if (!r->n_batch || w->n || w->off)
		return;
	if (!w->started && writer_start(r) != 0) {
		w->off = true;
		return;
	}
	struct cell_rec *cells = w->cells;
	size_t cap = w->cap;
	struct key_filter *keys = w->keys;
	w->cells = r->batch;
	w->cap = r->cap_batch;
	w->n = r->n_batch;
	w->keys = r->batch_keys;
	w->prog = r->prog;
	r->batch = cells;
	r->cap_batch = cap;
	r->n_batch = 0;
	r->batch_keys = keys;
	pthread_mutex_lock(&w->mu);
	w->busy = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Wait until the writer has committed everything finished, then end it: 0, or -1 (err). */
static int writer_drain(struct sl_runner *r, struct sl_error *err)
{
	struct writer *w = &r->w;
	while (w->started) {
		pthread_mutex_lock(&w->mu);
		while (w->busy)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		if (writer_collect(r) != 0) {
			*err = r->fail_err;
			return -1;
		}
		if (!r->n_batch)
			break;
		writer_hand(r);
	}
	return 0;
}

/* End the thread (what is handed is committed first unless abandon) and close its
 * connection; cells it did not commit are freed. */
static void writer_stop(struct sl_runner *r, bool abandon)
{
	struct writer *w = &r->w;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		w->abandon |= abandon;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		free(w->warn);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		w->started = false;
	}
	for (size_t i = 0; i < w->n; i++)
		rec_free(&w->cells[i]);
	free(w->cells);
	w->cells = NULL;
	w->n = w->cap = 0;
	free(w->keys);
	w->keys = NULL;
	sl_stats_batch_free(w->stats);
	w->stats = NULL;
	sl_store_close(w->store);
	w->store = NULL;
}

/* Commit what finished: handed to the writer, or here when there is none. 0 ok, 1 the store
 * is busy (loop commits only), -1 error (fail_err). */
static int commit_finished(struct sl_runner *r)
{
	if (writer_collect(r) != 0)
		return -1;
	writer_hand(r);
	return r->w.off ? flush(r, false, &r->fail_err) : 0;
}

static void account(struct sl_runner *r, const struct cell_rec *c)
{
	r->prog.done++;
	r->done_now++;
	if (c->error_kind) {
		r->prog.errors++;
		return;
	}
	if (c->cached)
		r->prog.cached++;
	if (isnan(c->cost))
		r->prog.cost_unknown++;
	else
		r->prog.cost += c->cost;
	if (!c->cached && !isnan(c->cost))
		r->prog.spent += c->cost;
}

/* --refresh: the cache keys this invocation fetched, whose answers later identical cells
 * may share (the rest of the cache is to be asked again). Keys are SHA-256 hex: their first
 * 16 digits are a good hash. Open addressing, grown at half full. */
static uint64_t key_hash(const char *k)
{
	uint64_t h = 0;
	for (int i = 0; i < 16 && k[i]; i++)
		h = h * 16 + (uint64_t)(k[i] <= '9' ? k[i] - '0' : (k[i] | 0x20) - 'a' + 10);
	return h;
}

static bool keyset_has(const struct sl_runner *r, const char *key)
{
	if (!r->fetched_cap)
		return false;
	for (size_t i = key_hash(key) & (r->fetched_cap - 1); r->fetched[i];
	     i = (i + 1) & (r->fetched_cap - 1))
		if (strcmp(r->fetched[i], key) == 0)
			return true;
	return false;
}

static void keyset_add(struct sl_runner *r, const char *key)
{
	if (keyset_has(r, key))
		return;
	if (2 * (r->n_fetched + 1) > r->fetched_cap) {
		size_t cap = r->fetched_cap ? r->fetched_cap * 2 : 256;
		char **slots = sl_xcalloc(cap, sizeof *slots);
		for (size_t i = 0; i < r->fetched_cap; i++) {
			if (!r->fetched[i])
				continue;
			size_t j = key_hash(r->fetched[i]) & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = r->fetched[i];
		}
		free(r->fetched);
		r->fetched = slots;
		r->fetched_cap = cap;
	}
	size_t i = key_hash(key) & (r->fetched_cap - 1);
	while (r->fetched[i])
		i = (i + 1) & (r->fetched_cap - 1);
	r->fetched[i] = sl_xstrdup(key);
	r->n_fetched++;
}

static void filter_add(struct key_filter **f, const char *key)
{
	if (!*f)
		*f = sl_xcalloc(1, sizeof **f);
	uint64_t h = key_hash(key) % KEY_BITS;
	(*f)->bits[h / 64] |= 1ull << (h % 64);
}

static bool filter_has(const struct key_filter *f, const char *key)
{
	uint64_t h = key_hash(key) % KEY_BITS;
	return f && (f->bits[h / 64] >> (h % 64) & 1);
}

static char *dup_or_null(const char *s)
{
	return s ? sl_xstrdup(s) : NULL;
}

/* A finished cell's answer for another cell of the same request (shared, or fetched but not
 * yet committed): it counts as cached, with the measurements of the original. */
static void rec_copy_shared(struct cell_rec *to, const struct cell_rec *from)
{
	*to = *from;
	to->reported_model = dup_or_null(from->reported_model);
	to->output = dup_or_null(from->output);
	to->finish_reason = dup_or_null(from->finish_reason);
	to->error_kind = dup_or_null(from->error_kind);
	to->error_msg = dup_or_null(from->error_msg);
	to->cache_key = dup_or_null(from->cache_key);
	to->ans = (struct answers){ 0 }; /* a cell's own, set by the caller */
	to->cached = !from->error_kind;
	to->to_cache = false;
	to->cache_id = 0;
}

/* An identical request already at the engine answers this cell too (--no-cache excepted:
 * there every cell asks). */
static bool share_inflight(struct sl_runner *r, int64_t idx, const char *key,
			   const struct sl_case *row)
{
	for (struct inflight *f = r->inflight; f; f = f->next)
		if (strcmp(f->cache_key, key) == 0) {
			f->waiters = sl_xrealloc(f->waiters, (f->n_waiters + 1) * sizeof *f->waiters);
			f->waiters[f->n_waiters++] = (struct waiter){ idx, answers_of(row) };
			return true;
		}
	return false;
}

static void price_for_cell(const struct sl_runner *r, int64_t idx, struct cell_rec *c);

/* The cells that waited for f's request get its answer (or its error: --resume runs failed
 * cells again); cancelled, they stay missing. */
static void settle_waiters(struct sl_runner *r, struct inflight *f, const struct cell_rec *c,
			   const struct sl_cell_metrics *cm)
{
	size_t ci = c ? (size_t)(c - r->batch) : 0; /* batch_add may move the batch */
	for (size_t i = 0; c && i < f->n_waiters; i++) {
		struct cell_rec *w = batch_add(r);
		rec_copy_shared(w, &r->batch[ci]);
		w->idx = f->waiters[i].idx;
		w->ans = f->waiters[i].ans;
		f->waiters[i].ans = (struct answers){ 0 };
		price_for_cell(r, w->idx, w); /* a batch cell waiting for a sample cell */
		account(r, w);
		struct sl_cell_metrics wm = *cm;
		wm.cached = w->cached;
		wm.cost_usd = w->cost;
		live_final(r, w->idx, w->error_msg, &wm);
	}
	for (size_t i = 0; i < f->n_waiters; i++)
		answers_free(&f->waiters[i].ans);
	free(f->waiters);
	f->waiters = NULL;
	f->n_waiters = 0;
}

static struct cell_rec *record_result(struct sl_runner *r, int64_t idx, char *key,
				      const struct sl_result *res);

static void on_done(void *ud, const struct sl_result *res)
{
	struct inflight *f = ud;
	struct sl_runner *r = f->r;
	if (!r) { /* its runner was freed while it was cancelled on a shared engine */
		inflight_free(f);
		return;
	}
	if (f->prev)
		f->prev->next = f->next;
	else
		r->inflight = f->next;
	if (f->next)
		f->next->prev = f->prev;
	int m, p, k, smp;
	cell_coords(r, f->idx, &m, &p, &k, &smp);
	r->live[m].p.in_flight--;
	if (res->status == SL_ERR_CANCELLED) {
		/* we cancelled it (interrupt): the cell is missing, not failed */
		r->prog.in_flight--;
		inflight_free(f);
		emit_model_progress(r, m);
		return;
	}
	struct cell_rec *c = record_result(r, f->idx, f->cache_key, res);
	c->ans = f->ans;
	f->ans = (struct answers){ 0 };
	r->prog.in_flight--;
	r->prog.fetched++;
	r->live[m].fetched++;
	account(r, c);
	struct sl_cell_metrics cm = { res->ttft_ms, res->e2e_ms, res->tokens_per_s, res->tokens_in,
				      res->tokens_out, c->cost, res->tries, false };
	live_final(r, f->idx, c->error_msg, &cm);
	settle_waiters(r, f, c, &cm);
	free(f);
}

/* A finished request as a cell record (takes key). */
static struct cell_rec *record_result(struct sl_runner *r, int64_t idx, char *key,
				      const struct sl_result *res)
{
	int m, p, k, smp;
	cell_coords(r, idx, &m, &p, &k, &smp);
	struct cell_rec *c = batch_add(r);
	c->idx = idx;
	c->cache_key = key;
	c->reported_model = res->reported_model ? sl_xstrdup(res->reported_model) : NULL;
	c->finish_reason = res->finish_reason ? sl_xstrdup(res->finish_reason) : NULL;
	c->http_status = res->http_status;
	c->latency_ms = res->e2e_ms;
	c->ttft_ms = res->ttft_ms;
	c->tokens_in = res->tokens_in;
	c->tokens_out = res->tokens_out;
	c->tokens_estimated = res->out_estimated;
	/* our own prices (the suite's "prices" first), also on an engine we do not own */
	const struct model_slot *ms = &r->models[m];
	c->cost = sl_cost_usd(&ms->price, res->tokens_in, res->tokens_out, res->tokens_cached,
			      res->tokens_cache_write);
	c->price_factor = 1;
	if (res->status == SL_OK) {
		c->output = sl_xstrdup(res->text ? res->text : "");
		c->to_cache = r->cache != SL_CACHE_OFF && c->cache_key;
		if (c->to_cache)
			filter_add(&r->batch_keys, c->cache_key);
		if (r->cache == SL_CACHE_REFRESH)
			keyset_add(r, c->cache_key);
	} else {
		c->error_kind = sl_xstrdup(sl_status_name(res->status));
		c->error_msg = sl_xstrdup(res->error ? res->error : sl_status_name(res->status));
	}
	return c;
}

static void on_send(void *ud, uint64_t id, int try)
{
	(void)id;
	struct inflight *f = ud;
	struct sl_runner *r = f->r;
	if (!r || try <= f->tries_sent) /* a silent re-send is not a new try */
		return;
	f->tries_sent = try;
	f->sent_ns = sl_now_ns();
	f->first_token = f->retry_wait = false;
	if (!wants(r, SL_EV_SENT))
		return;
	struct sl_run_event ev = { .kind = SL_EV_SENT, .ref.cell = f->idx, .attempt = try,
				   .retry_in_ms = NAN };
	cell_coords(r, f->idx, &ev.ref.model, &ev.ref.prompt, &ev.ref.case_index, &ev.ref.sample);
	emit(r, &ev);
}

static bool followed(const struct sl_runner *r, int64_t idx)
{
	for (size_t i = 0; i < r->n_follow; i++)
		if (r->follow[i] == idx)
			return true;
	return false;
}

static void on_delta(void *ud, uint64_t id, const char *text, size_t len, bool reasoning)
{
	(void)id;
	struct inflight *f = ud;
	struct sl_runner *r = f->r;
	if (!r)
		return;
	if (!f->first_token) {
		f->first_token = true;
		struct sl_cell_metrics cm = { (double)(sl_now_ns() - f->sent_ns) / 1e6, NAN, NAN,
					      -1, -1, NAN, f->tries_sent, false };
		emit_cell(r, SL_EV_FIRST_TOKEN, f->idx, &cm, NULL);
	}
	if (reasoning || !followed(r, f->idx) || !wants(r, SL_EV_DELTA))
		return;
	struct sl_run_event ev = { .kind = SL_EV_DELTA, .ref.cell = f->idx, .text = text,
				   .len = len, .retry_in_ms = NAN };
	cell_coords(r, f->idx, &ev.ref.model, &ev.ref.prompt, &ev.ref.case_index, &ev.ref.sample);
	emit(r, &ev);
}

static void on_retry(void *ud, uint64_t id, int attempt, double wait_ms, const char *reason)
{
	(void)id;
	struct inflight *f = ud;
	struct sl_runner *r = f->r;
	if (!r)
		return;
	f->retry_wait = true; /* what that try streamed is void */
	f->first_token = false;
	if (!wants(r, SL_EV_RETRY))
		return;
	struct sl_run_event ev = { .kind = SL_EV_RETRY, .ref.cell = f->idx, .reason = reason,
				   .attempt = attempt, .retry_in_ms = wait_ms };
	cell_coords(r, f->idx, &ev.ref.model, &ev.ref.prompt, &ev.ref.case_index, &ev.ref.sample);
	emit(r, &ev);
}

static bool price_fn(void *ud, const char *provider, const char *model_id, struct sl_price *out)
{
	struct sl_runner *r = ud;
	for (size_t i = 0; i < r->n_models; i++) {
		const struct model_slot *ms = &r->models[i];
		if (strcmp(ms->conf->name, provider) == 0 && strcmp(ms->model_id, model_id) == 0 &&
		    !isnan(ms->price.in) && !isnan(ms->price.out)) {
			*out = ms->price;
			return true;
		}
	}
	return false;
}

/* A prompt's params in the key: the same for all its cells, so printed by cJSON once. */
static const char *key_params(struct sl_runner *r, int prompt, const struct sl_params *p)
{
	if (!r->key_params)
		r->key_params = sl_xcalloc(r->n_prompts, sizeof *r->key_params);
	if (r->key_params[prompt])
		return r->key_params[prompt];
	cJSON *pj = cJSON_CreateObject();
	if (!isnan(p->temperature))
		cJSON_AddNumberToObject(pj, "temperature", p->temperature);
	if (!isnan(p->top_p))
		cJSON_AddNumberToObject(pj, "top_p", p->top_p);
	if (p->max_tokens)
		cJSON_AddNumberToObject(pj, "max_tokens", p->max_tokens);
	if (p->n_stop) {
		cJSON *st = cJSON_AddArrayToObject(pj, "stop");
		for (size_t i = 0; i < p->n_stop; i++)
			cJSON_AddItemToArray(st, cJSON_CreateString(p->stop[i]));
	}
	if (p->json)
		cJSON_AddTrueToObject(pj, "json");
	r->key_params[prompt] = cJSON_PrintUnformatted(pj);
	cJSON_Delete(pj);
	return r->key_params[prompt];
}

/* The cache key: everything that determines the answer we would get, and whether it was
 * streamed (an unstreamed answer has no TTFT to reuse). Only "stream": false is written, so
 * the keys of streamed answers (the default) stay as they were. The text is what cJSON
 * printed of {endpoint, kind, model, messages, params, sample[, stream]}, written directly:
 * a tree per cell cost more than the hash (tests/eval/test_cache_key pins the keys). */
static char *cache_key(struct sl_runner *r, int m, int prompt, const struct sl_message *msgs,
		       size_t n, const struct sl_params *p, int sample, bool stream)
{
	static const char *const roles[] = { "system", "user", "assistant" };
	const struct model_slot *ms = &r->models[m];
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "{\"endpoint\":");
	sl_buf_json_string(&b, ms->endpoint ? ms->endpoint : "");
	sl_buf_puts(&b, ",\"kind\":");
	sl_buf_json_string(&b, sl_provider_kind_name(ms->conf->kind));
	sl_buf_puts(&b, ",\"model\":");
	sl_buf_json_string(&b, ms->model_id);
	sl_buf_puts(&b, ",\"messages\":[");
	for (size_t i = 0; i < n; i++) {
		sl_buf_puts(&b, i ? ",{\"role\":" : "{\"role\":");
		sl_buf_json_string(&b, roles[msgs[i].role]);
		sl_buf_puts(&b, ",\"content\":");
		sl_buf_json_string(&b, msgs[i].content);
		sl_buf_putc(&b, '}');
	}
	sl_buf_printf(&b, "],\"params\":%s,\"sample\":%d%s}", key_params(r, prompt, p), sample,
		      stream ? "" : ",\"stream\":false");
	char hex[65];
	sl_sha256_hex(b.data, b.len, hex);
	sl_buf_free(&b);
	return sl_xstrdup(hex);
}

/* An answer among finished cells not committed yet (the loop's batch, or the writer's);
 * measured: see cache_lookup. */
static bool uncommitted_lookup(const struct cell_rec *batch, size_t n,
			       const struct key_filter *keys, const char *key, bool measured,
			       struct cell_rec *c)
{
	for (size_t i = 0; filter_has(keys, key) && i < n; i++)
		if (batch[i].to_cache && strcmp(batch[i].cache_key, key) == 0 &&
		    !(measured && isnan(batch[i].latency_ms))) {
			rec_copy_shared(c, &batch[i]);
			free(c->cache_key);
			c->cache_key = NULL;
			return true;
		}
	return false;
}

#define CACHE_COLS \
	"c.reported_model, c.output, c.finish_reason, c.latency_ms, c.ttft_ms, c.tokens_in, " \
	"c.tokens_out, c.tokens_estimated, c.cost, c.price_factor"

/* The answer sql (CACHE_COLS of key ?1, and of row id ?2 if id) reads, into c. */
static bool cache_row(struct sl_runner *r, const char *sql, const char *key, int64_t id,
		      struct cell_rec *c)
{
	sqlite3_stmt *st = sl_store_prepare(r->store, sql, NULL);
	if (!st)
		return false;
	sl_bind_text(st, 1, key);
	if (id)
		sqlite3_bind_int64(st, 2, id);
	bool hit = sqlite3_step(st) == SQLITE_ROW;
	if (hit) {
		c->reported_model = sqlite3_column_type(st, 0) == SQLITE_NULL
			? NULL : sl_xstrdup(sl_col_text(st, 0));
		c->output = sl_xstrdup(sl_col_text(st, 1));
		c->finish_reason = sqlite3_column_type(st, 2) == SQLITE_NULL
			? NULL : sl_xstrdup(sl_col_text(st, 2));
		c->latency_ms = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN
									  : sqlite3_column_double(st, 3);
		c->ttft_ms = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN
								       : sqlite3_column_double(st, 4);
		c->tokens_in = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1
									 : sqlite3_column_int64(st, 5);
		c->tokens_out = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1
									  : sqlite3_column_int64(st, 6);
		c->tokens_estimated = sqlite3_column_int(st, 7) != 0;
		c->cost = sqlite3_column_type(st, 8) == SQLITE_NULL ? NAN
								    : sqlite3_column_double(st, 8);
		c->price_factor = sqlite3_column_double(st, 9);
		c->cached = true;
	}
	sqlite3_reset(st);
	return hit;
}

/* The response cache, including this invocation's answers not committed yet. With
 * --refresh only answers fetched by this invocation count (the rest is to be asked again).
 * measured: only answers with a latency, as an interactive cell needs (a batch answer has
 * none; reusing it would leave the speed of an interactive run unmeasured, or a
 * --batch-sample cell without the speed it is there for). The caller prices the hit
 * (price_for_cell). */
static bool cache_lookup(struct sl_runner *r, const char *key, bool measured, struct cell_rec *c)
{
	if (uncommitted_lookup(r->batch, r->n_batch, r->batch_keys, key, measured, c) ||
	    uncommitted_lookup(r->w.cells, r->w.n, r->w.keys, key, measured, c))
		return true;
	if (r->cache == SL_CACHE_REFRESH && !keyset_has(r, key))
		return false;
	/* merged answers are older than staged ones: the first answer is the lowest id */
	if (cache_row(r, measured
		? "SELECT " CACHE_COLS " FROM response_cache_keys x JOIN response_cache c ON "
		  "c.rowid = x.id WHERE x.k = substr(?1, 1, 8) AND c.key = ?1 AND c.latency_ms IS "
		  "NOT NULL ORDER BY x.id LIMIT 1"
		: "SELECT " CACHE_COLS " FROM response_cache_keys x JOIN response_cache c ON "
		  "c.rowid = x.id WHERE x.k = substr(?1, 1, 8) AND c.key = ?1 ORDER BY x.id LIMIT 1",
		key, 0, c))
		return true;
	if (!r->n_staged)
		return false;
	/* staged twice at most (a batch answer, then an interactive one): the lower id first */
	uint32_t h = (uint32_t)(key_hash(key) >> 32);
	int64_t ids[4];
	size_t n = 0;
	for (size_t j = h & (r->staged_cap - 1); r->staged[j].off; j = (j + 1) & (r->staged_cap - 1))
		if (r->staged[j].h == h && n < SL_ARRAY_LEN(ids)) {
			int64_t id = r->staged_base + r->staged[j].off;
			size_t i = n++;
			for (; i > 0 && ids[i - 1] > id; i--)
				ids[i] = ids[i - 1];
			ids[i] = id;
		}
	for (size_t i = 0; i < n; i++)
		if (cache_row(r, measured
			? "SELECT " CACHE_COLS " FROM response_cache c WHERE c.rowid = ?2 AND "
			  "c.key = ?1 AND c.latency_ms IS NOT NULL"
			: "SELECT " CACHE_COLS " FROM response_cache c WHERE c.rowid = ?2 AND "
			  "c.key = ?1", key, ids[i], c))
			return true;
	return false;
}

static void free_messages(struct sl_message *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)msgs[i].content);
	free(msgs);
}

static enum sl_role role_of(const char *s)
{
	return strcmp(s, "system") == 0 ? SL_ROLE_SYSTEM
	       : strcmp(s, "assistant") == 0 ? SL_ROLE_ASSISTANT : SL_ROLE_USER;
}

/* Render a cell's messages (row is its case) and compute its cache key. */
static int cell_request(struct sl_runner *r, int64_t idx, const struct sl_case *row,
			struct sl_message **msgs_out, struct sl_params *params, char **key_out,
			struct sl_error *err)
{
	int m, p, c, s;
	cell_coords(r, idx, &m, &p, &c, &s);
	const struct sl_prompt_version *pv = &r->prompts[p];
	struct sl_message *msgs = sl_xcalloc(pv->n_messages, sizeof *msgs);
	for (size_t i = 0; i < pv->n_messages; i++) {
		struct sl_error e = { 0 };
		char *text = sl_template_render(pv->messages[i].content, row->vars, &e);
		if (!text) {
			sl_error_set(err, "prompt %s@%d, row %d of %s (line %d): %s", pv->name,
				     pv->version, c + 1, r->ds->path, row->line, e.msg);
			free_messages(msgs, i);
			return usage_fail(err);
		}
		msgs[i] = (struct sl_message){ role_of(pv->messages[i].role), text };
	}
	effective_params(r, pv, params);
	*key_out = cache_key(r, m, p, msgs, pv->n_messages, params, s,
			     sl_suite_streams(r->suite, r->models[m].requested));
	*msgs_out = msgs;
	return 0;
}

/* ---- batch cells (batcher.h) ---- */

/* A cell of a batch model that goes to its batch API: all of them but the first
 * --batch-sample cases, which run interactively to measure speed. */
static bool is_batch_cell(const struct sl_runner *r, int64_t idx)
{
	int m, p, c, s;
	cell_coords(r, idx, &m, &p, &c, &s);
	return r->bmodels && r->bmodels[m].ops && c >= r->batch_sample;
}

/* A cached or shared answer priced as this cell is charged: the list price for a cell asked
 * interactively, the batch API's discount for a batch cell, whichever way the answer was
 * charged when it was fetched. An answer fetched before its model had a price (the suite's
 * "prices", a catalogue update) is priced now from its tokens. */
static void price_for_cell(const struct sl_runner *r, int64_t idx, struct cell_rec *c)
{
	int m, p, k, s;
	cell_coords(r, idx, &m, &p, &k, &s);
	double f = is_batch_cell(r, idx) ? r->bmodels[m].ops->price_factor : 1;
	if (isnan(c->cost))
		c->cost = sl_cost_usd(&r->models[m].price, c->tokens_in, c->tokens_out, -1, -1) * f;
	else if (c->price_factor > 0)
		c->cost = c->cost / c->price_factor * f;
	c->price_factor = f;
}

static int64_t host_index(void *ud, int m, int p, int c, int s)
{
	struct sl_runner *r = ud;
	if (m < 0 || (size_t)m >= r->n_models || p < 0 || (size_t)p >= r->n_prompts || c < 0 ||
	    (size_t)c >= r->ds->n_cases || s < 0 || s >= r->samples)
		return -1;
	return cell_index(r, m, p, c, s);
}

static void host_coords(void *ud, int64_t idx, int *m, int *p, int *c, int *s)
{
	cell_coords(ud, idx, m, p, c, s);
}

/* Whether the cell has a successful row in the store (asked only for cells of a stored
 * batch that got no result: few). */
static bool host_done(void *ud, int64_t idx)
{
	struct sl_runner *r = ud;
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"SELECT 1 FROM cells WHERE run_id = ? AND model_idx = ? AND prompt_idx = ? AND "
		"case_idx = ? AND sample = ? AND error_kind IS NULL", NULL);
	if (!st)
		return false;
	bind_cell(r, st, idx);
	bool done = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return done;
}

static bool host_in_batch(void *ud, int64_t idx)
{
	return is_batch_cell(ud, idx);
}

static size_t host_pending(void *ud)
{
	const struct sl_runner *r = ud;
	return r->n_batch + r->w.n;
}

/* A batch result: a cell like any other, at the batch price, its latency not measured. */
static void host_result(void *ud, int64_t idx, const struct sl_result *res, double factor)
{
	struct sl_runner *r = ud;
	int m, p, c, s;
	cell_coords(r, idx, &m, &p, &c, &s);
	struct sl_message *msgs;
	struct sl_params params;
	char *key = NULL;
	struct sl_error e = { 0 };
	const struct sl_case *row = row_at(r, c, &e);
	if (row && cell_request(r, idx, row, &msgs, &params, &key, &e) == 0)
		free_messages(msgs, r->prompts[p].n_messages);
	struct cell_rec *rec = record_result(r, idx, key, res);
	if (row)
		rec->ans = answers_of(row);
	rec->latency_ms = rec->ttft_ms = NAN;
	rec->cost *= factor; /* NAN stays NAN */
	rec->price_factor = factor;
	r->prog.fetched++;
	r->live[m].fetched++;
	r->batch_results++;
	account(r, rec);
	struct sl_cell_metrics cm = { NAN, NAN, NAN, res->tokens_in, res->tokens_out, rec->cost,
				      1, false };
	live_final(r, idx, rec->error_msg, &cm);
}

/* Which models go to a batch API (--batch, the suite's "batch"): checked with the suite,
 * before anything is sent (run --check too). */
static int check_batch_models(struct sl_runner *r, struct sl_error *err)
{
	/* a resumed run keeps batching the models it batched (--batch need not be repeated:
	 * their stored batches are collected, never sent again interactively) */
	uint8_t *had = sl_xcalloc(r->n_models ? r->n_models : 1, 1);
	sqlite3_stmt *st = r->opts->resume && r->run_id ? sl_store_prepare(r->store,
		"SELECT DISTINCT model_idx FROM run_batches WHERE run_id = ?", err) : NULL;
	if (st) {
		sqlite3_bind_int64(st, 1, r->run_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int m = sqlite3_column_int(st, 0);
			if (m >= 0 && (size_t)m < r->n_models)
				had[m] = 1;
		}
		sqlite3_reset(st);
	}
	bool any = r->opts->batch_collect;
	for (size_t i = 0; i < r->n_models; i++)
		any |= r->opts->batch || had[i] || sl_suite_batches(r->suite, r->models[i].requested);
	if (!any) {
		free(had);
		return 0;
	}
	r->bmodels = sl_xcalloc(r->n_models, sizeof *r->bmodels);
	for (size_t i = 0; i < r->n_models; i++) {
		const struct model_slot *ms = &r->models[i];
		struct sl_batcher_model *bm = &r->bmodels[i];
		bm->conf = ms->conf;
		bm->model_id = ms->model_id;
		bm->ops = sl_batch_ops_for(ms->conf->kind);
		bool wanted = r->opts->batch || had[i] || sl_suite_batches(r->suite, ms->requested);
		if (wanted && !bm->ops) {
			struct sl_buf names;
			sl_buf_init(&names);
			sl_batch_protocol_names(&names);
			sl_error_set(err, "%s: suite.models[%zu] \"%s\": provider %s (kind %s) has no "
				     "batch API; batch runs go to: %s (remove it from \"batch\", or "
				     "run without --batch)", r->suite->path, i, ms->requested,
				     ms->conf->name, sl_provider_kind_name(ms->conf->kind),
				     names.data);
			sl_buf_free(&names);
			free(had);
			return usage_fail(err);
		}
		if (!wanted && !r->opts->batch_collect)
			bm->ops = NULL;
		if (!bm->ops)
			continue;
		bm->min_requests = 1;
		bm->max_requests = bm->ops->max_requests;
		if (wanted && bm->ops->limits && bm->ops->limits(ms->conf, &bm->min_requests,
						       &bm->max_requests, err) != 0) {
			free(had);
			return usage_fail(err);
		}
	}
	free(had);
	r->batch_sample = r->opts->batch_sample;
	if (r->opts->resume && r->resume_run.params_json) { /* a resumed run keeps its split */
		cJSON *pj = cJSON_Parse(r->resume_run.params_json);
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(pj, "batch"), "sample");
		if (cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= 1e6)
			r->batch_sample = (int)n->valuedouble;
		cJSON_Delete(pj);
	}
	return 0;
}

/* The batcher, with the run's stored batches picked up (and cancelled: runs cancel). */
static int batch_setup(struct sl_runner *r, struct sl_error *err)
{
	if (!r->bmodels)
		return 0;
	struct sl_batcher_host host = { r, host_index, host_coords, host_done, host_in_batch,
					host_result, host_pending };
	r->batcher = sl_batcher_new(r->store, r->run_id, r->eng, &host, r->bmodels, r->n_models);
	if (sl_batcher_load(r->batcher, err) != 0)
		return -1;
	return r->opts->batch_cancel ? sl_batcher_cancel_all(r->batcher, err) : 0;
}

/* Start one cell: from the cache, or by submitting it. Returns 1 if it went to the engine,
 * 0 if it was answered from the cache, -1 on error. */
static int start_cell(struct sl_runner *r, struct sl_engine *eng, int64_t idx, struct sl_error *err)
{
	int m, p, c, s;
	cell_coords(r, idx, &m, &p, &c, &s);
	const struct sl_prompt_version *pv = &r->prompts[p];
	const struct model_slot *ms = &r->models[m];
	struct sl_message *msgs;
	struct sl_params params;
	char *key;
	const struct sl_case *row = row_at(r, c, err);
	if (!row || cell_request(r, idx, row, &msgs, &params, &key, err) != 0)
		return -1;
	if (r->cache != SL_CACHE_OFF && share_inflight(r, idx, key, row)) {
		free(key);
		free_messages(msgs, pv->n_messages);
		return 0;
	}
	if (r->cache != SL_CACHE_OFF) {
		struct cell_rec tmp;
		memset(&tmp, 0, sizeof tmp);
		if (cache_lookup(r, key, !is_batch_cell(r, idx), &tmp)) {
			price_for_cell(r, idx, &tmp);
			struct cell_rec *rec = batch_add(r);
			*rec = tmp;
			rec->idx = idx;
			rec->ans = answers_of(row);
			rec->cache_key = key;
			account(r, rec);
			double gen_ms = tmp.latency_ms - tmp.ttft_ms;
			struct sl_cell_metrics cm = {
				tmp.ttft_ms, tmp.latency_ms,
				tmp.tokens_out > 0 && gen_ms > 0 ? (double)tmp.tokens_out * 1000 / gen_ms
								 : NAN,
				tmp.tokens_in, tmp.tokens_out, tmp.cost, 0, true };
			live_final(r, idx, NULL, &cm);
			free_messages(msgs, pv->n_messages);
			return 0;
		}
	}
	if (is_batch_cell(r, idx)) {
		int rc = sl_batcher_add(r->batcher, idx, m, msgs, pv->n_messages, &params, err);
		free(key);
		free_messages(msgs, pv->n_messages);
		return rc < 0 ? -1 : 2;
	}
	struct inflight *f = sl_xcalloc(1, sizeof *f);
	f->r = r;
	f->idx = idx;
	f->cache_key = key;
	f->ans = answers_of(row);
	char *model = sl_xasprintf("%s:%s", ms->conf->name, ms->model_id);
	struct sl_request req = {
		.model = model,
		.kind = SL_REQ_CHAT,
		.messages = msgs,
		.n_messages = pv->n_messages,
		.params = params,
		.stream = sl_suite_streams(r->suite, ms->requested), /* off: TTFT unmeasured */
		.restart_broken_stream = true, /* no one has seen the text: start over */
		.on_done = on_done,
		.on_send = on_send,
		.on_delta = on_delta,
		.on_retry = on_retry,
		.user_data = f,
	};
	uint64_t id = sl_engine_submit(eng, &req, err);
	free(model);
	free_messages(msgs, pv->n_messages);
	if (!id) {
		inflight_free(f);
		return -1;
	}
	f->req_id = id;
	f->next = r->inflight;
	if (r->inflight)
		r->inflight->prev = f;
	r->inflight = f;
	r->prog.in_flight++;
	r->live[m].p.in_flight++;
	r->requests++;
	return 1;
}

static void report_progress(struct sl_runner *r, bool force)
{
	if (!r->opts->progress)
		return;
	int64_t now = sl_now_ns();
	int64_t every = (int64_t)(r->opts->progress_ms > 0 ? r->opts->progress_ms : 200) * 1000000;
	if (!force && now - r->last_progress_ns < every)
		return;
	r->last_progress_ns = now;
	/* the counts of committed cells; the state of the loop now */
	struct sl_run_progress p = r->shown;
	p.total = r->prog.total;
	p.in_flight = r->prog.in_flight;
	p.budget_hit = r->prog.budget_hit;
	p.batched = r->prog.batched;
	p.finished = r->prog.finished;
	p.elapsed_s = (double)(now - r->t0_ns) / 1e9;
	p.rate = p.elapsed_s > 0 ? (double)(r->done_now - (r->prog.done - p.done)) / p.elapsed_s
				 : 0;
	r->opts->progress(r->opts->progress_ud, &p);
}

static int finish_run(struct sl_runner *r, const char *status, const char *reason,
		      struct sl_error *err)
{
	if (begin_write(r, true, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"UPDATE runs SET status = ?, stop_reason = ?, ended_at = ? WHERE id = ?", err);
	int rc = -1;
	if (st) {
		sl_bind_text(st, 1, status);
		sl_bind_text(st, 2, reason);
		sl_bind_text(st, 3, sl_eval_now());
		sqlite3_bind_int64(st, 4, r->run_id);
		rc = sl_store_step(r->store, st, err);
		sqlite3_reset(st);
	}
	/* the answers it stored findable by key, so the next run need not merge them first */
	if (rc < 0 || (r->cache_unmerged && cache_merge(r->store, err) != 0)) {
		sl_store_rollback(r->store);
		return -1;
	}
	r->cache_unmerged = 0;
	return sl_store_commit(r->store, err);
}

/* Take the run for this process, in one write transaction so two resumes cannot both get
 * it: refused (exit 2) while another live process runs it; its done cells are read after
 * the check, so nothing another process stored is asked for again. */
static int take_run(struct sl_runner *r, struct sl_error *err)
{
	if (sl_store_begin(r->store, err) != 0)
		return -1;
	if (cache_merge(r->store, err) != 0)
		goto fail;
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"SELECT status, owner_pid, owner_host, heartbeat_ms FROM runs WHERE id = ?", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, r->run_id);
	if (sl_store_step(r->store, st, err) != SQLITE_ROW)
		goto fail;
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	int64_t pid = sqlite3_column_int64(st, 1), beat = sqlite3_column_int64(st, 3);
	char *status = sl_xstrdup(sl_col_text(st, 0)), *owner = sl_xstrdup(sl_col_text(st, 2));
	sqlite3_reset(st);
	bool mine = pid == (int64_t)getpid() && strcmp(owner, host) == 0;
	bool taken = strcmp(status, "running") == 0 && !mine &&
		     sl_run_owner_alive(pid, owner, beat);
	if (taken)
		sl_error_set(err, "--resume: run %lld is being run by process %lld on %s (alive "
			     "%llds ago): one process at a time resumes a run; wait for it to end, "
			     "or stop it and resume again", (long long)r->run_id, (long long)pid,
			     owner, (long long)((sl_wall_ms() - beat) / 1000));
	free(status);
	free(owner);
	if (taken) {
		sl_store_rollback(r->store);
		return usage_fail(err);
	}
	if (load_done_cells(r, err) != 0)
		goto fail;
	/* Resuming a complete run is not an error (a script may loop on --resume until it
	 * succeeds): nothing is sent and the run row stays as it was. */
	r->already_complete = r->prog.done == r->total &&
			      strcmp(r->resume_run.status, "complete") == 0;
	if (r->already_complete) {
		sl_store_rollback(r->store);
		return 0;
	}
	st = sl_store_prepare(r->store,
		"UPDATE runs SET status = 'running', stop_reason = NULL, ended_at = NULL, "
		"resumed_at = ?, params = COALESCE(?, params), owner_pid = ?, owner_host = ?, "
		"heartbeat_ms = ? WHERE id = ?", err);
	if (!st)
		goto fail;
	char *params = resume_params(r);
	r->heartbeat_ms = sl_wall_ms();
	sl_bind_text(st, 1, sl_eval_now());
	sl_bind_text(st, 2, params);
	sqlite3_bind_int64(st, 3, (int64_t)getpid());
	sl_bind_text(st, 4, host);
	sqlite3_bind_int64(st, 5, r->heartbeat_ms);
	sqlite3_bind_int64(st, 6, r->run_id);
	int rc = sl_store_step(r->store, st, err);
	sqlite3_reset(st);
	free(params);
	if (rc < 0)
		goto fail;
	return sl_store_commit(r->store, err);
fail:
	sl_store_rollback(r->store);
	return -1;
}

/* Say the run's process is alive, every SL_RUN_HEARTBEAT_MS; never waits for the store (a
 * missed beat is written next round). */
static void heartbeat(struct sl_runner *r)
{
	int64_t now = sl_wall_ms();
	if (now - r->heartbeat_ms < SL_RUN_HEARTBEAT_MS || sl_store_try_begin(r->store, NULL) != 0)
		return;
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"UPDATE runs SET heartbeat_ms = ? WHERE id = ?", NULL);
	int rc = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, r->run_id);
		rc = sl_store_step(r->store, st, NULL);
		sqlite3_reset(st);
	}
	if (rc < 0 || sl_store_commit(r->store, NULL) != 0)
		sl_store_rollback(r->store);
	else
		r->heartbeat_ms = now;
}

static void runner_free(struct sl_runner *r)
{
	sl_suite_free(r->suite);
	sl_dataset_free(r->ds);
	for (size_t i = 0; i < r->n_models; i++) {
		free(r->models[i].requested);
		free(r->models[i].model_id);
		free(r->models[i].catalog_key);
		free(r->models[i].endpoint);
	}
	free(r->models);
	for (size_t i = 0; r->key_params && i < r->n_prompts; i++)
		cJSON_free(r->key_params[i]);
	free(r->key_params);
	sl_prompt_versions_free(r->prompts, r->n_prompts);
	sl_providers_free(&r->providers);
	for (size_t i = 0; i < r->n_batch; i++)
		rec_free(&r->batch[i]);
	free(r->batch);
	free(r->batch_keys);
	sl_stats_batch_free(r->stats);
	rows_clear(r);
	free(r->rows);
	free(r->skip);
	free(r->dense);
	for (size_t i = 0; i < r->fetched_cap; i++)
		free(r->fetched[i]);
	free(r->fetched);
	free(r->staged);
	for (size_t i = 0; r->live && i < r->n_models; i++) {
		sl_running_median_free(&r->live[i].ttft);
		sl_running_median_free(&r->live[i].tps);
	}
	free(r->live);
	free(r->follow);
	free(r->subs);
}

/* A prompt that fills in the field scorers compare against makes the evaluation
 * meaningless; it may be deliberate (a judge prompt), so it is a warning. */
static void warn_answer_leaks(struct sl_runner *r)
{
	static const char *const answers[] = { "expected", "label", "reference" };
	if (!r->opts->warn)
		return;
	for (size_t i = 0; i < r->n_prompts; i++) {
		const struct sl_prompt_version *pv = &r->prompts[i];
		for (size_t m = 0; m < pv->n_messages; m++) {
			char **names;
			size_t n;
			if (sl_template_vars(pv->messages[m].content, &names, &n, NULL) != 0)
				continue;
			for (size_t k = 0; k < n; k++) {
				for (size_t a = 0; a < SL_ARRAY_LEN(answers); a++)
					if (strcmp(names[k], answers[a]) == 0) {
						char *msg = sl_xasprintf(
							"prompt %s@%d puts {{%s}} in its %s message: the "
							"model sees the answer it is scored against",
							pv->name, pv->version, names[k],
							pv->messages[m].role);
						r->opts->warn(r->opts->warn_ud, msg);
						free(msg);
					}
				free(names[k]);
			}
			free(names);
		}
	}
}

/* runs poll / runs cancel: the suite and the cases as the run stored them, so that the
 * suite file (or its dataset) may have moved, changed or gone. */
static int load_stored_inputs(struct sl_runner *r, struct sl_error *err)
{
	int64_t id;
	struct sl_run run;
	if (sl_run_resolve(r->store, r->opts->resume_ref, &id, err) != 0 ||
	    sl_run_get(r->store, id, &run, err) != 0)
		return -1;
	r->suite = sl_run_suite(&run, err);
	if (r->suite)
		r->ds = sl_dataset_load_stored(r->store, run.dataset_hash, err);
	sl_run_free(&run);
	return r->suite && r->ds ? 0 : -1;
}

static int prepare(struct sl_runner *r, struct sl_run *resume_run, char *suite_real,
		   struct sl_error *err)
{
	const struct sl_runner_opts *o = r->opts;
	bool stored = o->batch_collect && o->resume_ref;
	if (stored ? load_stored_inputs(r, err) != 0
		   : !(r->suite = sl_suite_load(o->suite_path, o->validate, o->validate_ud, err)))
		return -1;
	r->samples = r->suite->samples;
	r->concurrency = o->concurrency > 0 ? o->concurrency : r->suite->concurrency;
	r->cache = o->cache;
	/* 0 and NAN both mean "the suite's", so a zeroed opts struct does the obvious */
	r->max_cost = o->max_cost > 0 ? o->max_cost : r->suite->max_cost;
	if (check_suite_params(r, err) != 0)
		return -1;
	struct sl_error e = { 0 };
	char *real = stored ? NULL : realpath(r->suite->dataset, NULL); /* where it really is */
	if (real) {
		free(r->suite->dataset);
		r->suite->dataset = real;
	}
	if (!stored)
		r->ds = sl_dataset_spool(r->store, r->suite->dataset, &e);
	if (!r->ds) {
		sl_error_set(err, "%s: suite.dataset: %s", r->suite->path, e.msg);
		return usage_fail(err);
	}
	if (o->check && o->check(o->check_ud, r->suite, r->ds, err) != 0)
		return -1;
	if (o->resume) {
		if (find_resume_run(r, suite_real, resume_run, err) != 0)
			return -1;
		r->run_id = resume_run->id;
		resume_cache_mode(r, resume_run);
		if (load_prompts_from_run(r, resume_run, err) != 0)
			return -1;
	} else if (load_prompts_from_suite(r, err) != 0) {
		return -1;
	}
	warn_answer_leaks(r);
	for (size_t i = 0; i < r->n_prompts; i++)
		if (sl_dataset_check_prompt(r->ds, &r->prompts[i], err) != 0) {
			char inner[sizeof err->msg];
			snprintf(inner, sizeof inner, "%s", err->msg);
			sl_error_set(err, "%s: %s", r->suite->path, inner);
			return usage_fail(err);
		}
	if (o->providers)
		sl_providers_copy(&r->providers, o->providers);
	else if (sl_providers_load(&r->providers, NULL, err) != 0)
		return usage_fail(err);
	if (resolve_models(r, err) != 0 || check_judge(r, err) != 0 ||
	    check_batch_models(r, err) != 0)
		return -1;
	apply_concurrency(r);
	r->total = (int64_t)r->n_models * (int64_t)r->n_prompts * (int64_t)r->ds->n_cases *
		   r->samples;
	if (r->total > 50 * 1000 * 1000) {
		sl_error_set(err, "%s: %lld cells is more than shortlist runs at once (50 million)",
			     r->suite->path, (long long)r->total);
		return usage_fail(err);
	}
	r->prog.total = r->total;
	r->live = sl_xcalloc(r->n_models, sizeof *r->live);
	for (size_t i = 0; i < r->n_models; i++) {
		r->live[i].p.model = (int)i;
		r->live[i].p.total = r->total / (int64_t)r->n_models;
	}
	return 0;
}

static void cancel_own(struct sl_runner *r)
{
	/* collect ids first: a cancel may not call back now, but do not rely on it */
	size_t n = 0;
	for (struct inflight *f = r->inflight; f; f = f->next)
		n++;
	uint64_t *ids = sl_xcalloc(n ? n : 1, sizeof *ids);
	n = 0;
	for (struct inflight *f = r->inflight; f; f = f->next)
		ids[n++] = f->req_id;
	for (size_t i = 0; i < n; i++)
		sl_engine_cancel(r->eng, ids[i]);
	free(ids);
}

void sl_runner_free(struct sl_runner *r)
{
	if (!r)
		return;
	writer_stop(r, true); /* before the engine it wakes */
	if (r->eng) {
		if (r->own_engine) {
			sl_engine_free(r->eng); /* cancels silently: no callbacks */
		} else {
			cancel_own(r);
			/* the cancellations are reported at the owner's next perform: detach them */
			for (struct inflight *f = r->inflight; f; f = f->next)
				f->r = NULL;
		}
	}
	for (struct inflight *f = r->inflight, *next; f; f = next) {
		next = f->next;
		if (r->own_engine)
			inflight_free(f);
	}
	sl_batcher_free(r->batcher);
	free(r->bmodels);
	sl_run_free(&r->resume_run);
	free(r->suite_real);
	if (r->cache_bumped) { /* the caller's connection reads on (the TUI's): as it was */
		cache_size_set(sl_store_db(r->store), "main", -DEFAULT_CACHE_KB);
		cache_size_set(sl_store_db(r->store), "temp", -DEFAULT_CACHE_KB);
	}
	runner_free(r);
	free(r);
}

/* true: the run set its budgets on the store's connection (the caller had chosen none) */
static bool cache_pages_for_run(struct sl_store *store)
{
	sqlite3 *db = sl_store_db(store);
	int temp = cache_size(db, "temp"); /* 0: the temp database is not open yet */
	if (cache_size(db, "main") != -DEFAULT_CACHE_KB || (temp && temp != -DEFAULT_CACHE_KB))
		return false;
	cache_size_set(db, "main", -RUN_CACHE_KB);
	cache_size_set(db, "temp", -SPOOL_CACHE_KB);
	return true;
}

static struct sl_runner *runner_new(struct sl_store *store, const struct sl_runner_opts *opts)
{
	struct sl_runner *r = sl_xcalloc(1, sizeof *r);
	r->store = store;
	r->opts = opts;
	r->suite_real = realpath(opts->suite_path, NULL);
	if (!r->suite_real)
		r->suite_real = sl_xstrdup(opts->suite_path);
	return r;
}

struct sl_runner *sl_runner_start(struct sl_store *store, const struct sl_runner_opts *opts,
				  struct sl_engine *eng, struct sl_error *err)
{
	struct sl_runner *r = runner_new(store, opts);
	r->cache_bumped = cache_pages_for_run(store);
	if (prepare(r, &r->resume_run, r->suite_real, err) != 0)
		goto fail;
	if (opts->resume) {
		if (take_run(r, err) != 0)
			goto fail;
	} else if (create_run(r, r->suite_real, err) != 0) {
		goto fail;
	}
	if (eng) {
		r->eng = eng;
	} else {
		struct sl_engine_options eo = {
			.providers = &r->providers,
			.price_fn = price_fn,
			.price_user_data = r,
			.max_in_flight = r->concurrency,
		};
		r->eng = sl_engine_new(&eo, err);
		if (!r->eng)
			goto fail;
		r->own_engine = true;
	}
	if (batch_setup(r, err) != 0)
		goto fail;
	r->t0_ns = r->last_progress_ns = sl_now_ns();
	r->shown = r->prog;
	report_progress(r, true);
	return r;
fail:
	sl_runner_free(r);
	return NULL;
}

int64_t sl_runner_run_id(const struct sl_runner *r)
{
	return r->run_id;
}

const struct sl_run_progress *sl_runner_progress(const struct sl_runner *r)
{
	return &r->prog;
}

int64_t sl_runner_committed(const struct sl_runner *r, int64_t *waiting)
{
	if (waiting)
		*waiting = (int64_t)(r->n_batch + r->w.n);
	return r->written;
}

void sl_runner_stop(struct sl_runner *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	cancel_own(r);
	if (r->batcher)
		sl_batcher_stop(r->batcher);
}

bool sl_runner_pump(struct sl_runner *r)
{
	if (r->failed || r->render_failed) {
		emit_finished(r);
		return false;
	}
	if (r->opts->stop && *r->opts->stop)
		sl_runner_stop(r);
	if (!r->queued_emitted) { /* at the first pump: subscribers come after start */
		r->queued_emitted = true;
		for (int64_t idx = next_todo(r, 0); wants(r, SL_EV_QUEUED) && idx < r->total;
		     idx = next_todo(r, idx + 1))
			emit_cell(r, SL_EV_QUEUED, idx, NULL, NULL);
	}
	/* schedule: fill the free slots; cache hits and batch cells do not take a slot */
	int batched = 0;
	if (r->opts->batch_collect)
		r->next = r->total; /* runs poll: only what the stored batches bring */
	while (!r->stopping && !r->paused && r->next < r->total &&
	       r->prog.in_flight < r->concurrency && r->n_batch < 1024 && batched < 4096) {
		if (!isnan(r->max_cost) && r->prog.spent >= r->max_cost) {
			r->prog.budget_hit = true;
			break;
		}
		int64_t idx = next_todo(r, r->next);
		if (idx >= r->total) {
			r->next = r->total;
			break;
		}
		r->next = idx + 1;
		if (r->batcher && sl_batcher_claimed(r->batcher, idx))
			continue;
		int rc = start_cell(r, r->eng, idx, &r->fail_err);
		if (rc < 0) {
			r->render_failed = true;
			sl_runner_stop(r);
			return false;
		}
		batched += rc == 2;
	}
	int frc = commit_finished(r);
	if (frc < 0) {
		r->failed = true;
		return false;
	}
	bool batches = false;
	if (r->batcher && !r->stopping) {
		if (r->next >= r->total || r->prog.budget_hit)
			sl_batcher_seal(r->batcher);
		batches = sl_batcher_pump(r->batcher);
		const struct sl_error *be = sl_batcher_error(r->batcher);
		if (be->msg[0]) {
			r->fail_err = *be;
			r->failed = r->batch_failed = true;
			sl_runner_stop(r);
			return false;
		}
		r->prog.batched = sl_batcher_cells(r->batcher);
	}
	if (frc == 0) /* progress counts committed cells only */
		report_progress(r, false);
	heartbeat(r);
	bool more = !r->stopping && !r->prog.budget_hit && r->next < r->total;
	if (more || r->prog.in_flight > 0 || r->n_batch > 0 || r->w.n > 0 || batches)
		return true;
	emit_finished(r);
	return false;
}

int sl_runner_finish(struct sl_runner *r, struct sl_run_outcome *out, struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	out->run_id = r->run_id;
	out->requests = r->requests;
	out->batch_results = r->batch_results;
	int rc = -1;
	if (r->batch_failed) {
		/* keep what was collected; the run stays resumable (its batches are stored) */
		struct sl_error fe = { 0 };
		if (writer_drain(r, &fe) == 0 && flush(r, true, &fe) == 0)
			finish_run(r, "incomplete", "interrupted", &fe);
	}
	if (r->failed || r->render_failed) {
		*err = r->fail_err;
		goto done;
	}
	if (r->prog.in_flight > 0) /* finished early: what is in flight is missing */
		sl_runner_stop(r);
	if (writer_drain(r, err) != 0 || flush(r, true, err) != 0)
		goto done;
	writer_stop(r, false); /* on_commit's results are read after this returns */
	/* the run's statistics, not its cells: a few rows however long the run */
	sqlite3_stmt *st = sl_store_prepare(r->store,
		"SELECT TOTAL(n), TOTAL(n_err) FROM cell_stats WHERE run_id = ?", err);
	if (!st)
		goto done;
	sqlite3_bind_int64(st, 1, r->run_id);
	if (sl_store_step(r->store, st, err) != SQLITE_ROW)
		goto done;
	int64_t have = (int64_t)sqlite3_column_double(st, 0);
	int64_t errors = (int64_t)sqlite3_column_double(st, 1);
	sqlite3_reset(st);
	int64_t missing = r->total - have;
	bool complete = missing == 0 && errors == 0;
	const char *reason = complete ? NULL
			     : r->prog.budget_hit ? "budget"
			     : missing ? "interrupted" : "errors";
	if (!r->already_complete &&
	    finish_run(r, complete ? "complete" : "incomplete", reason, err) != 0)
		goto done;
	r->prog.finished = true;
	r->shown = r->prog;
	report_progress(r, true);
	emit_finished(r);
	out->complete = complete;
	out->missing = missing;
	out->errors = errors;
	out->budget_hit = r->prog.budget_hit;
	out->spent = r->prog.spent;
	out->max_cost = r->max_cost;
	out->already_complete = r->already_complete;
	if (r->batcher) {
		out->batches_pending = (int64_t)sl_batcher_active(r->batcher);
		out->batched = sl_batcher_cells(r->batcher);
		out->malformed = sl_batcher_malformed(r->batcher);
	}
	rc = 0;
done:
	sl_runner_free(r);
	return rc;
}

int sl_runner_run(struct sl_store *store, const struct sl_runner_opts *opts,
		  struct sl_run_outcome *out, struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	struct sl_runner *r = sl_runner_start(store, opts, NULL, err);
	if (!r)
		return -1;
	while (sl_runner_pump(r)) {
		bool batches = r->batcher && sl_batcher_active(r->batcher) > 0;
		if (r->prog.in_flight == 0 && !r->store_busy && !batches && !r->w.n)
			continue;
		/* don't sleep while finished cells wait to be written on this thread, except a
		 * little while another process holds the write lock; the writer thread wakes
		 * the wait when it has committed */
		struct sl_error we = { 0 };
		int ms = !r->n_batch || r->w.n ? 100 : r->store_busy ? 20 : 0;
		if (sl_engine_wait(r->eng, NULL, 0, ms, &we) != 0) {
			sl_error_set(&r->fail_err, "%s", we.msg);
			r->failed = true;
			break;
		}
		sl_engine_perform(r->eng);
	}
	return sl_runner_finish(r, out, err);
}

/* The plan counts the distinct requests in a temporary table of the store, not in memory. */
static int plan_start(struct sl_runner *r, struct sl_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(sl_store_db(r->store), "CREATE TEMP TABLE IF NOT EXISTS plan_keys(key "
			 "TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM temp.plan_keys", NULL, NULL,
			 &msg) != SQLITE_OK) {
		sl_error_set(err, "%s: %s", sl_store_path(r->store), msg ? msg : "temp table");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Count one cell of the plan: from the cache, shared with a request counted before, or to
 * be asked. */
static int plan_cell(struct sl_runner *r, struct sl_run_plan *plan, int64_t idx,
		     const struct sl_case *row, struct sl_error *err)
{
	struct sl_message *msgs;
	struct sl_params params;
	char *key;
	if (cell_request(r, idx, row, &msgs, &params, &key, err) != 0)
		return -1;
	int m, p, c, s;
	cell_coords(r, idx, &m, &p, &c, &s);
	free_messages(msgs, r->prompts[p].n_messages);
	/* a request asked once already in this plan is shared, as a run would */
	bool again = false;
	if (r->cache != SL_CACHE_OFF) {
		sqlite3_stmt *st = sl_store_prepare(r->store,
			"INSERT OR IGNORE INTO temp.plan_keys(key) VALUES (?)", err);
		if (st)
			sl_bind_text(st, 1, key);
		if (!st || sl_store_step(r->store, st, err) < 0) {
			free(key);
			return -1;
		}
		again = sqlite3_changes(sl_store_db(r->store)) == 0;
		sqlite3_reset(st);
	}
	struct cell_rec tmp;
	memset(&tmp, 0, sizeof tmp);
	if (again || (r->cache == SL_CACHE_USE && cache_lookup(r, key, !is_batch_cell(r, idx),
							      &tmp))) {
		plan->cached++;
		if (!again)
			rec_free(&tmp);
	} else {
		plan->to_request++;
	}
	free(key);
	return 0;
}

int sl_runner_plan(struct sl_store *store, const struct sl_runner_opts *opts,
		   struct sl_run_plan *plan, struct sl_error *err)
{
	memset(plan, 0, sizeof *plan);
	struct sl_runner *r = runner_new(store, opts);
	int rc = -1;
	if (prepare(r, &r->resume_run, r->suite_real, err) != 0)
		goto done;
	if (opts->resume) {
		r->run_id = r->resume_run.id;
		if (load_done_cells(r, err) != 0)
			goto done;
		plan->resume_run = r->run_id;
	}
	plan->n_models = r->n_models;
	plan->n_prompts = r->n_prompts;
	plan->n_cases = r->ds->n_cases;
	plan->samples = r->samples;
	plan->cells = r->total;
	plan->done = r->prog.done;
	for (size_t i = 0; i < r->n_prompts; i++) {
		size_t used = strlen(plan->prompts);
		snprintf(plan->prompts + used, sizeof plan->prompts - used, "%s%s@%d", i ? ", " : "",
			 r->prompts[i].name, r->prompts[i].version);
	}
	if (plan_start(r, err) != 0)
		goto done;
	for (int64_t idx = next_todo(r, 0); idx < r->total; idx = next_todo(r, idx + 1)) {
		int m, p, c, s;
		cell_coords(r, idx, &m, &p, &c, &s);
		const struct sl_case *row = row_at(r, c, err);
		if (!row || plan_cell(r, plan, idx, row, err) != 0)
			goto done;
	}
	rc = 0;
done:
	sl_runner_free(r);
	return rc;
}

/* ---- live events: the subscriber side ---- */

static void update_mask(struct sl_runner *r)
{
	r->sub_mask = 0;
	for (size_t i = 0; i < r->n_subs; i++)
		if (r->subs[i].id)
			r->sub_mask |= r->subs[i].mask;
}

int sl_runner_subscribe(struct sl_runner *r, unsigned mask, sl_run_event_fn fn, void *ud)
{
	if (!fn)
		return 0;
	r->subs = sl_xrealloc(r->subs, (r->n_subs + 1) * sizeof *r->subs);
	r->subs[r->n_subs++] = (struct subscriber){ ++r->last_sub_id,
		mask ? mask : (1u << SL_EV_KIND_COUNT) - 1, fn, ud };
	update_mask(r);
	return r->last_sub_id;
}

void sl_runner_unsubscribe(struct sl_runner *r, int id)
{
	/* only marked: emit() may be walking the array right now */
	for (size_t i = 0; i < r->n_subs; i++)
		if (r->subs[i].id == id && id > 0)
			r->subs[i].id = 0;
	update_mask(r);
}

void sl_runner_follow(struct sl_runner *r, int64_t cell, bool on)
{
	if (cell < 0 || cell >= r->total || followed(r, cell) == on)
		return;
	if (on) {
		r->follow = sl_xrealloc(r->follow, (r->n_follow + 1) * sizeof *r->follow);
		r->follow[r->n_follow++] = cell;
		return;
	}
	for (size_t i = 0; i < r->n_follow; i++)
		if (r->follow[i] == cell)
			r->follow[i] = r->follow[--r->n_follow];
}

const char *sl_runner_cell_text(const struct sl_runner *r, int64_t cell, size_t *len)
{
	*len = 0;
	for (const struct inflight *f = r->inflight; f; f = f->next) {
		if (f->idx != cell)
			continue;
		if (!f->tries_sent || f->retry_wait)
			return "";
		const char *t = sl_engine_text(r->eng, f->req_id, len);
		return t ? t : "";
	}
	return NULL;
}

const struct sl_model_progress *sl_runner_model_progress(const struct sl_runner *r, int model)
{
	if (model < 0 || (size_t)model >= r->n_models || !r->live)
		return NULL;
	return model_progress_now(r, model);
}

void sl_runner_pause(struct sl_runner *r, bool paused)
{
	r->paused = paused;
}
