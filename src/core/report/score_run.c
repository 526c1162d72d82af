/* Scoring a finished run: the suite's scorers over every successful cell, written to
 * cell_scores in batched transactions. Failed cells get no score (they count in the error
 * rate); a cell a scorer cannot score gets a NULL value with the reason, never a zero. */
#include "shortlist/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/case_checks.h"
#include "shortlist/engine.h"
#include "shortlist/judge.h"
#include "shortlist/runs.h"
#include "shortlist/scorer.h"
#include "shortlist/similarity.h"
#include "shortlist/stats_batch.h"
#include "shortlist/suite.h"

/* Cells scored per write transaction: scoring happens outside it, so the write lock is held
 * only while a page's rows are inserted (milliseconds), never for the scorers' CPU time (a
 * 7 s transaction on long outputs stopped a run writing its cells). */
#define PAGE 256
/* Texts per embeddings request at most (below the provider's own limit), and their bytes:
 * about 64k tokens, under every provider's per-request token limit. */
#define EMBED_BATCH 256
#define EMBED_BATCH_BYTES (256 * 1024)

int sl_report_validate_scorer(void *ud, const char *name, const cJSON *spec, const char *path,
			      struct sl_error *err)
{
	if (sl_judge_is_judge_scorer(name))
		return sl_judge_validate(spec, path, err);
	/* placeholders are filled per case: here only the shape is checked */
	cJSON *shape = sl_case_spec_shape(spec);
	int rc = sl_scorer_validate(ud, name, shape, path, err);
	cJSON_Delete(shape);
	return rc;
}

char *sl_report_metric_id(const cJSON *spec)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
	if (cJSON_IsString(name) && sl_judge_is_judge_scorer(name->valuestring))
		return sl_judge_metric_id(spec);
	/* The registry decides (a "rouge" entry reports "rougeL"): ask it, do not guess. */
	struct sl_error err = { 0 };
	cJSON *shape = sl_case_spec_shape(spec);
	struct sl_scorer *s = sl_scorer_new(shape, "suite.scorers[]", &err);
	char *id = s ? sl_xstrdup(sl_scorer_id(s)) : NULL;
	sl_scorer_free(s);
	cJSON_Delete(shape);
	return id;
}

struct slot {
	struct sl_scorer *scorer; /* NULL for judge scorers */
	const cJSON *spec;
	char *id;
	bool proportion;
	bool needed;              /* not yet scored for every successful cell */
	bool has_pass;            /* takes part in pass_rate */
	bool per_case;            /* its parameters name the case's fields: built per cell */
	bool embed;               /* a cosine of embeddings: scored through the engine */
	bool later;               /* cosines to come: marked scored at finish */
	struct sl_judge_task *task; /* a judge scorer's verdicts in flight */
};

/* A text to embed with a model: its vector once known, or why there is none. */
struct embed_text {
	char *model;
	char *text;
	char key[65];             /* sha256(model, NUL, text): the embedding cache's key */
	float *vec;
	size_t dim;
	char *error;
	bool done;
	bool asked;               /* in a request */
};

/* A cell's embedding cosine waiting for its two vectors. */
struct embed_job {
	struct sl_scorer *scorer; /* the slot's, or its own (built for the case) */
	bool owned;
	const char *metric;       /* NULL: the metric is fresh, only the pass counts */
	bool proportion, check;
	int key[4];
	size_t text[2];           /* the expected text, the output */
	long pass;                /* its cell's deferred pass rate, -1 none */
	bool done;
};

/* A cell's pass rate waiting for its embedding checks. */
struct deferred_pass {
	int key[4];
	bool all_pass, any_error;
	int waiting;
};

/* A score computed and waiting for its page's write. */
struct pending_score {
	const char *metric; /* a slot's id or "pass_rate": outlives the page */
	bool proportion;
	int key[4];         /* model, prompt, case, sample */
	double value;
	char *detail;
};

struct score_ctx {
	struct sl_store *store;
	int64_t run_id;
	struct slot *slots;
	size_t n_slots;
	bool pass_rate;           /* write the combined pass_rate metric */
	bool case_checks;         /* score the rows' own "assert" checks */
	char **case_ids;          /* their metric names (outlive the pages) */
	size_t n_case_ids;
	struct sl_score_stats *stats;
	struct pending_score *pending;
	size_t n_pending, cap_pending;
	int last[4];              /* the page's last cell: the next page starts after it */
	int page_cells;
	char now[32];
	struct sl_error *err;
	bool local_only;          /* judge->local_only: no request, no mark */
	/* embedding cosines through an engine: the caller's, else one made at first need */
	struct sl_engine *engine, *own;
	struct embed_text *texts;
	size_t n_texts, cap_texts;
	size_t *index;            /* open addressing over texts by key: i + 1, 0 = free */
	size_t index_cap;
	struct embed_job *jobs;
	size_t n_jobs, cap_jobs;
	struct deferred_pass *passes;
	size_t n_passes, cap_passes;
	size_t *to_cache;         /* fetched texts whose vectors the next write caches */
	size_t n_to_cache, cap_to_cache;
};

static void add_score_at(struct score_ctx *x, const char *metric, bool proportion,
			 const int key[4], double value, const char *detail)
{
	if (x->n_pending == x->cap_pending) {
		x->cap_pending = x->cap_pending ? x->cap_pending * 2 : 1024;
		x->pending = sl_xrealloc(x->pending, x->cap_pending * sizeof *x->pending);
	}
	x->pending[x->n_pending++] = (struct pending_score){
		.metric = metric, .proportion = proportion,
		.key = { key[0], key[1], key[2], key[3] }, .value = value,
		.detail = detail && *detail ? sl_xstrdup(detail) : NULL,
	};
	x->stats->scores++;
	if (isnan(value))
		x->stats->unscored++;
}

static void add_score(struct score_ctx *x, const char *metric, bool proportion,
		      const struct sl_cell *c, double value, const char *detail)
{
	int key[4] = { c->model_idx, c->prompt_idx, c->case_idx, c->sample };
	add_score_at(x, metric, proportion, key, value, detail);
}

static void add_pass_rate(struct score_ctx *x, int m, int p, int c, int s, bool all_pass,
			  bool any_error)
{
	int key[4] = { m, p, c, s };
	add_score_at(x, "pass_rate", true, key, any_error ? NAN : all_pass ? 1 : 0,
		     any_error ? "a scorer could not score this cell" : NULL);
}

static void drop_pending(struct score_ctx *x)
{
	for (size_t i = 0; i < x->n_pending; i++)
		free(x->pending[i].detail);
	x->n_pending = 0;
}

/* Vectors fetched since the last write, into the embedding cache. */
static int write_embed_cache(struct score_ctx *x)
{
	sqlite3_stmt *st = x->n_to_cache ? sl_store_prepare(x->store,
		"INSERT OR REPLACE INTO embedding_cache (key, model, dim, vector, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", x->err) : NULL;
	if (x->n_to_cache && !st)
		return -1;
	for (size_t i = 0; i < x->n_to_cache; i++) {
		const struct embed_text *e = &x->texts[x->to_cache[i]];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, e->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, e->model, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)e->dim);
		sqlite3_bind_blob(st, 4, e->vec, (int)(e->dim * sizeof *e->vec), SQLITE_STATIC);
		sqlite3_bind_text(st, 5, x->now, -1, SQLITE_STATIC);
		if (sl_store_step(x->store, st, x->err) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	if (st)
		sqlite3_reset(st);
	x->n_to_cache = 0;
	return 0;
}

/* A score row: new (ON CONFLICT DO NOTHING, its statistics added up by the batch), or one
 * scored before written again with its triggers on (stats_batch.h). */
#define SCORE_COLS "cell_scores (run_id, metric, model_idx, prompt_idx, case_idx, sample, kind," \
	" value, detail, scored_at) VALUES "
#define SCORE_ROW SCORE_COLS "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"

/* New rows go in by chunks of up to 32, one multi-row INSERT each: a statement runs the
 * cell_scores triggers (deferred: their WHEN is all they do) in frames it allocates once,
 * where a statement per row allocated and zeroed two frames a row (36k -> 22k instructions a
 * row). A chunk with a row that is there fails as a whole (its changes undone) and goes row
 * by row. Chunk i holds 32 >> i rows, in key order: a statement keeps a copy of each page it
 * changes (to undo them), in a temporary file above 64 kB; 64 rows in cell order touched a
 * leaf per metric and model and spilled at most commits (6x the pwrite calls). */
#define V1 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define TWICE(v) v ", " v
#define V4 TWICE(TWICE(V1))
#define V32 TWICE(TWICE(TWICE(V4)))
static const char *const chunk_sql[] = {
	"INSERT INTO " SCORE_COLS V32,
	"INSERT INTO " SCORE_COLS TWICE(TWICE(V4)), "INSERT INTO " SCORE_COLS TWICE(V4),
	"INSERT INTO " SCORE_COLS V4, "INSERT INTO " SCORE_COLS TWICE(V1),
	"INSERT INTO " SCORE_COLS V1,
};
enum { SCORE_CHUNK = 32, SCORE_ROW_PARAMS = 10 };
_Static_assert(SCORE_CHUNK >> (SL_ARRAY_LEN(chunk_sql) - 1) == 1, "a chunk per power of two");

/* Bind p as the row whose parameters start after `base`. */
static void bind_score_row(const struct score_ctx *x, sqlite3_stmt *st, int base,
			   const struct pending_score *p)
{
	sqlite3_bind_int64(st, base + 1, x->run_id);
	sqlite3_bind_text(st, base + 2, p->metric, -1, SQLITE_STATIC);
	for (int k = 0; k < 4; k++)
		sqlite3_bind_int(st, base + 3 + k, p->key[k]);
	sqlite3_bind_text(st, base + 7, p->proportion ? "proportion" : "mean", -1, SQLITE_STATIC);
	if (isnan(p->value))
		sqlite3_bind_null(st, base + 8);
	else
		sqlite3_bind_double(st, base + 8, p->value);
	sqlite3_bind_text(st, base + 9, p->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, base + 10, x->now, -1, SQLITE_STATIC);
}

static int insert_pending(struct score_ctx *x, struct sl_stats_batch *into);

/* Write the page's scores (and fetched vectors) in one short transaction. */
static int write_pending(struct score_ctx *x)
{
	if (!x->n_pending && !x->n_to_cache)
		return 0;
	if (sl_store_begin(x->store, x->err) != 0)
		return -1;
	if (write_embed_cache(x) != 0) {
		drop_pending(x);
		sl_store_rollback(x->store);
		return -1;
	}
	if (insert_pending(x, NULL) != 0) {
		sl_store_rollback(x->store);
		return -1;
	}
	return sl_store_commit(x->store, x->err);
}

/* One row: new (its statistics into sb) or written again with its triggers on. */
static int insert_one(struct score_ctx *x, struct sl_stats_batch *sb, const struct pending_score *p)
{
	sqlite3_stmt *st = sl_store_prepare(x->store,
		"INSERT INTO " SCORE_ROW " ON CONFLICT DO NOTHING", x->err);
	if (!st)
		return -1;
	bind_score_row(x, st, 0, p);
	int rc = sl_store_step(x->store, st, x->err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (sqlite3_changes(sl_store_db(x->store)) == 1) {
		sl_stats_batch_add_score(sb, x->run_id, p->metric, p->key[0], p->key[1],
					 p->proportion, p->value);
		return 0;
	}
	sqlite3_stmt *rs = sl_store_prepare(x->store, "INSERT OR REPLACE INTO " SCORE_ROW, x->err);
	if (!rs)
		return -1;
	bind_score_row(x, rs, 0, p);
	return sl_stats_batch_replace(x->store, sb, rs, x->err);
}

/* n (a chunk's size) rows from p in one statement: 0 in, 1 one of them was there (nothing
 * written), -1 error. */
static int insert_chunk(struct score_ctx *x, struct sl_stats_batch *sb,
			const struct pending_score *p, size_t n, size_t chunk)
{
	sqlite3_stmt *st = sl_store_prepare(x->store, chunk_sql[chunk], x->err);
	if (!st)
		return -1;
	for (size_t j = 0; j < n; j++)
		bind_score_row(x, st, (int)j * SCORE_ROW_PARAMS, &p[j]);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE) {
		sl_store_error(x->store, x->err, "writing scores");
		return -1;
	}
	for (size_t j = 0; j < n; j++)
		sl_stats_batch_add_score(sb, x->run_id, p[j].metric, p[j].key[0], p[j].key[1],
					 p[j].proportion, p[j].value);
	return 0;
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pending_score *p = a, *q = b;
	int c = strcmp(p->metric, q->metric);
	for (int k = 0; !c && k < 4; k++)
		c = (p->key[k] > q->key[k]) - (p->key[k] < q->key[k]);
	return c;
}

/* The pending scores' rows, in the caller's transaction; none pending after. Their
 * statistics go into `into`, the transaction's own batch, else one written here. */
static int insert_pending(struct score_ctx *x, struct sl_stats_batch *into)
{
	if (x->n_pending > 1) /* none pending: the array may be NULL */
		qsort(x->pending, x->n_pending, sizeof *x->pending, cmp_pending);
	struct sl_stats_batch *sb = into ? into : sl_stats_batch_new();
	int rc = !into && sl_stats_batch_begin(x->store, sb, x->err) != 0 ? -1 : 0;
	size_t i = 0;
	for (size_t chunk = 0; rc == 0 && i < x->n_pending; ) {
		size_t n = (size_t)SCORE_CHUNK >> chunk;
		if (x->n_pending - i < n) {
			chunk++;
			continue;
		}
		int c = insert_chunk(x, sb, &x->pending[i], n, chunk);
		for (size_t j = 0; c == 1 && rc == 0 && j < n; j++)
			rc = insert_one(x, sb, &x->pending[i + j]) != 0 ? -1 : rc;
		rc = c < 0 ? -1 : rc;
		i += n;
	}
	if (rc == 0 && !into && sl_stats_batch_write(x->store, sb, x->err) != 0)
		rc = -1;
	if (!into)
		sl_stats_batch_free(sb);
	drop_pending(x);
	return rc;
}

/* A scorer whose parameters name the case's fields, built for this cell. id: its name.
 * One that needs embeddings is not applied when the task has an engine: it is returned
 * (the caller's) for defer_cosine. */
/* The engine for embeddings: the caller's, else our own (NULL if none can be made: the
 * scorer's blocking call then says why, cell by cell). */
static struct sl_engine *embed_engine(struct score_ctx *x)
{
	if (!x->engine && !x->own) {
		struct sl_engine_options opts = { 0 };
		struct sl_error e = { 0 };
		x->own = sl_engine_new(&opts, &e);
	}
	return x->engine ? x->engine : x->own;
}

static struct sl_scorer *apply_for_case(struct score_ctx *x, const cJSON *spec,
					const struct sl_cell *c, struct sl_score *sc, char **id,
					bool *proportion)
{
	struct sl_error e = { 0 };
	cJSON *vars = cJSON_Parse(c->vars_json ? c->vars_json : "{}");
	cJSON *r = sl_case_spec_render(spec, vars, "scorer", &e);
	struct sl_scorer *s = r ? sl_scorer_new(r, "scorer", &e) : NULL;
	struct sl_scorer *deferred = NULL;
	if (s) {
		if (sl_scorer_embedding_model(s) && x->local_only)
			sc->status = SL_SCORE_SKIPPED; /* its vectors come with the final scoring */
		else if (sl_scorer_embedding_model(s) && embed_engine(x))
			deferred = s;
		else
			sl_scorer_apply(s, c, sc);
		if (id)
			*id = sl_xstrdup(sl_scorer_id(s));
		if (proportion)
			*proportion = sl_scorer_kind(s) != SL_SCORER_SIMILARITY;
	} else {
		sc->status = SL_SCORE_ERROR;
		sc->value = NAN;
		snprintf(sc->detail, sizeof sc->detail, "%.255s", e.msg);
	}
	if (!deferred)
		sl_scorer_free(s);
	cJSON_Delete(r);
	cJSON_Delete(vars);
	return deferred;
}

/* ---- embedding cosines: texts deduplicated, fetched in batches through the engine ---- */

/* The key's first 16 hex digits: SHA-256 spreads them evenly. */
static size_t key_hash(const char *key)
{
	size_t h = 0;
	for (int i = 0; i < 16; i++)
		h = h << 4 | (size_t)(key[i] <= '9' ? key[i] - '0' : key[i] - 'a' + 10);
	return h;
}

static void index_put(struct score_ctx *x, size_t i)
{
	size_t m = x->index_cap - 1, h = key_hash(x->texts[i].key) & m;
	while (x->index[h])
		h = (h + 1) & m;
	x->index[h] = i + 1;
}

/* The text's slot (one per model and text: a reference shared by every model is embedded
 * once). */
static size_t intern_text(struct score_ctx *x, const char *model, const char *text)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, model);
	sl_buf_putc(&b, '\0');
	sl_buf_puts(&b, text);
	char key[65];
	sl_sha256_hex(b.data, b.len, key);
	sl_buf_free(&b);
	if (x->index_cap) {
		size_t m = x->index_cap - 1;
		for (size_t h = key_hash(key) & m; x->index[h]; h = (h + 1) & m)
			if (strcmp(x->texts[x->index[h] - 1].key, key) == 0)
				return x->index[h] - 1;
	}
	if (x->n_texts == x->cap_texts) {
		x->cap_texts = x->cap_texts ? 2 * x->cap_texts : 256;
		x->texts = sl_xrealloc(x->texts, x->cap_texts * sizeof *x->texts);
	}
	size_t i = x->n_texts++;
	struct embed_text *e = &x->texts[i];
	memset(e, 0, sizeof *e);
	e->model = sl_xstrdup(model);
	e->text = sl_xstrdup(text);
	memcpy(e->key, key, sizeof key);
	if (2 * x->n_texts > x->index_cap) { /* grow: rehash every text, this one included */
		free(x->index);
		x->index_cap = x->index_cap ? 2 * x->index_cap : 1024;
		x->index = sl_xcalloc(x->index_cap, sizeof *x->index);
		for (size_t k = 0; k < x->n_texts; k++)
			index_put(x, k);
	} else {
		index_put(x, i);
	}
	return i;
}

/* Score this cell's cosine once both vectors are in (the scorer is the job's from now).
 * metric NULL: written only into the cell's pass rate. */
static void defer_cosine(struct score_ctx *x, struct sl_scorer *scorer, bool owned,
			 const char *metric, bool proportion, bool check, const struct sl_cell *c,
			 const char *expected)
{
	if (!metric && !(check && x->pass_rate)) {
		if (owned)
			sl_scorer_free(scorer);
		return;
	}
	if (x->n_jobs == x->cap_jobs) {
		x->cap_jobs = x->cap_jobs ? 2 * x->cap_jobs : 256;
		x->jobs = sl_xrealloc(x->jobs, x->cap_jobs * sizeof *x->jobs);
	}
	const char *model = sl_scorer_embedding_model(scorer);
	x->jobs[x->n_jobs++] = (struct embed_job){
		.scorer = scorer, .owned = owned, .metric = metric, .proportion = proportion,
		.check = check, .key = { c->model_idx, c->prompt_idx, c->case_idx, c->sample },
		.text = { intern_text(x, model, expected), intern_text(x, model, c->output) },
		.pass = -1,
	};
}

static const char *case_id(struct score_ctx *x, char *id)
{
	for (size_t i = 0; i < x->n_case_ids; i++)
		if (strcmp(x->case_ids[i], id) == 0) {
			free(id);
			return x->case_ids[i];
		}
	x->case_ids = sl_xrealloc(x->case_ids, (x->n_case_ids + 1) * sizeof *x->case_ids);
	return x->case_ids[x->n_case_ids++] = id;
}

/* The row's own checks: scored like the suite's, under their names, for this case only. */
static void score_case_asserts(struct score_ctx *x, const struct sl_cell *c, bool *all_pass,
			       bool *any_error)
{
	/* No "assert" key can hide in a text without that word or a \u escape: most rows
	 * have no checks of their own, and parsing their fields would cost more than the
	 * suite's scorers. */
	if (!c->vars_json || (!strstr(c->vars_json, "assert") && !strstr(c->vars_json, "\\u")))
		return;
	cJSON *vars = cJSON_Parse(c->vars_json);
	struct sl_error e = { 0 };
	cJSON *list = sl_case_asserts(vars, "case", &e);
	cJSON_Delete(vars);
	const cJSON *spec;
	cJSON_ArrayForEach(spec, list) {
		struct sl_score sc;
		memset(&sc, 0, sizeof sc);
		char *id = NULL;
		bool proportion = true;
		struct sl_scorer *later = apply_for_case(x, spec, c, &sc, &id, &proportion);
		const char *expected;
		if (later && sl_scorer_embed_texts(later, c, &expected, &sc)) {
			defer_cosine(x, later, true, x->case_checks ? case_id(x, id) : NULL,
				     proportion, sl_scorer_is_check(later), c, expected);
			if (!x->case_checks)
				free(id);
			continue;
		}
		sl_scorer_free(later);
		if (sc.status == SL_SCORE_SKIPPED || !id) {
			free(id);
			*any_error = true;
			continue;
		}
		if (sc.status != SL_SCORE_OK)
			*any_error = true;
		else if (!sc.pass)
			*all_pass = false;
		const char *metric = case_id(x, id);
		if (x->case_checks)
			add_score(x, metric, proportion, c, sc.status == SL_SCORE_OK ? sc.value : NAN,
				  sc.detail);
	}
	cJSON_Delete(list);
}

static int score_cell(void *ud, const struct sl_cell *c)
{
	struct score_ctx *x = ud;
	x->last[0] = c->model_idx;
	x->last[1] = c->prompt_idx;
	x->last[2] = c->case_idx;
	x->last[3] = c->sample;
	x->page_cells++;
	if (c->error_kind || !c->output)
		return 0;
	x->stats->cells++;
	bool all_pass = true, any_error = false;
	size_t first_job = x->n_jobs;
	for (size_t i = 0; i < x->n_slots; i++) {
		struct slot *s = &x->slots[i];
		if (!s->scorer || (s->embed && x->local_only))
			continue;
		struct sl_score sc;
		memset(&sc, 0, sizeof sc);
		struct sl_scorer *later = NULL;
		if (s->per_case)
			later = apply_for_case(x, s->spec, c, &sc, NULL, NULL);
		else if (s->embed && embed_engine(x))
			later = s->scorer;
		else
			sl_scorer_apply(s->scorer, c, &sc);
		const char *expected;
		if (later && sl_scorer_embed_texts(later, c, &expected, &sc)) {
			defer_cosine(x, later, later != s->scorer, s->needed ? s->id : NULL,
				     s->proportion, s->has_pass, c, expected);
			continue;
		}
		if (later != s->scorer)
			sl_scorer_free(later);
		if (sc.status == SL_SCORE_SKIPPED)
			continue;
		double v = sc.status == SL_SCORE_OK ? sc.value : NAN;
		if (s->has_pass && sc.status != SL_SCORE_OK)
			any_error = true;
		else if (s->has_pass && !sc.pass)
			all_pass = false;
		if (!s->needed)
			continue;
		char detail[400];
		if (sc.predicted[0] && sc.detail[0])
			snprintf(detail, sizeof detail, "predicted: %s; %s", sc.predicted, sc.detail);
		else if (sc.predicted[0])
			snprintf(detail, sizeof detail, "predicted: %s", sc.predicted);
		add_score(x, s->id, s->proportion, c, v, sc.predicted[0] ? detail : sc.detail);
	}
	score_case_asserts(x, c, &all_pass, &any_error);
	int waiting = 0;
	for (size_t j = first_job; j < x->n_jobs; j++)
		waiting += x->jobs[j].check;
	if (x->pass_rate && waiting) { /* the rest of the checks come with their vectors */
		if (x->n_passes == x->cap_passes) {
			x->cap_passes = x->cap_passes ? 2 * x->cap_passes : 256;
			x->passes = sl_xrealloc(x->passes, x->cap_passes * sizeof *x->passes);
		}
		for (size_t j = first_job; j < x->n_jobs; j++)
			if (x->jobs[j].check)
				x->jobs[j].pass = (long)x->n_passes;
		x->passes[x->n_passes++] = (struct deferred_pass){
			.key = { c->model_idx, c->prompt_idx, c->case_idx, c->sample },
			.all_pass = all_pass, .any_error = any_error, .waiting = waiting };
	} else if (x->pass_rate) {
		add_pass_rate(x, c->model_idx, c->prompt_idx, c->case_idx, c->sample, all_pass,
			      any_error);
	}
	return 0;
}

/* What the scorers read of a page of successful cells, through one statement the store
 * keeps: no prompt or provider columns, no failed cells (they get no score), the case's
 * fields and dataset line for templated scorers, the rows' own checks and error details. */
static const char score_cells_sql[] =
	"SELECT c.model_idx, c.prompt_idx, c.case_idx, c.sample, c.output, c.expected, "
	"c.reference, c.label, c.latency_ms, c.cost, d.vars, d.line FROM cells c CROSS JOIN runs r "
	"ON r.id = c.run_id CROSS JOIN dataset_cases d ON d.dataset_hash = r.dataset_hash AND "
	"d.idx = c.case_idx WHERE c.run_id = ?1 AND c.error_kind IS NULL AND (c.model_idx, "
	"c.prompt_idx, c.case_idx, c.sample) > (?2, ?3, ?4, ?5) ORDER BY c.model_idx, "
	"c.prompt_idx, c.case_idx, c.sample LIMIT ?6";

static const char *col_text(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL
							   : (const char *)sqlite3_column_text(st, col);
}

static double col_real(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static int score_page(struct score_ctx *x, bool first)
{
	sqlite3_stmt *st = sl_store_prepare(x->store, score_cells_sql, x->err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, x->run_id);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_int(st, 2 + i, first ? (i == 0 ? -1 : 0) : x->last[i]);
	sqlite3_bind_int(st, 6, PAGE);
	int rc;
	while ((rc = sl_store_step(x->store, st, x->err)) == SQLITE_ROW) {
		struct sl_cell c = {
			.run_id = x->run_id, .model_idx = sqlite3_column_int(st, 0),
			.prompt_idx = sqlite3_column_int(st, 1), .case_idx = sqlite3_column_int(st, 2),
			.sample = sqlite3_column_int(st, 3), .output = col_text(st, 4),
			.expected = col_text(st, 5), .reference = col_text(st, 6),
			.label = col_text(st, 7), .latency_ms = col_real(st, 8),
			.cost = col_real(st, 9), .vars_json = col_text(st, 10),
			.case_line = sqlite3_column_int(st, 11), .tokens_in = -1, .tokens_out = -1,
			.ttft_ms = NAN,
		};
		score_cell(x, &c);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Score every cell page by page, each page written in its own short transaction. A crash
 * midway leaves the metric unmarked (delete_metric took the mark), so the next report
 * scores it again. */
static int score_pages(struct score_ctx *x)
{
	for (bool first = true;; first = false) {
		x->page_cells = 0;
		if (score_page(x, first) != 0 || write_pending(x) != 0) {
			drop_pending(x);
			return -1;
		}
		if (x->page_cells < PAGE)
			return 0;
	}
}

/* Only the cells written since *since (live scoring, nothing cleared first): each page
 * written in its own short transaction, *since moved past it once it is. */
static int score_since(struct score_ctx *x, int64_t *since)
{
	do {
		int64_t at = *since;
		x->page_cells = 0;
		if (sl_run_cells_foreach_since(x->store, x->run_id, &at, PAGE, score_cell, x,
					       x->err) != 0 ||
		    write_pending(x) != 0) {
			drop_pending(x);
			return -1;
		}
		*since = at;
	} while (x->page_cells == PAGE);
	return 0;
}

/* The number of successful cells the metric was last scored against; -2 if never. */
static int64_t scored_against(struct sl_store *store, int64_t run, const char *metric,
			      struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT ok_cells FROM score_marks WHERE run_id = ?1 AND metric = ?2", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	int rc = sl_store_step(store, st, err);
	int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? -2 : -1;
	sqlite3_reset(st);
	return n;
}

static int mark_scored(struct sl_store *store, int64_t run, const char *metric, int64_t ok_cells,
		       struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT OR REPLACE INTO score_marks (run_id, metric, ok_cells, scored_at)"
		" VALUES (?1, ?2, ?3, ?4)", err);
	if (!st)
		return -1;
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ok_cells);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static int64_t count_ok_cells(struct sl_store *store, int64_t run, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT COALESCE(SUM(n - n_err), 0) FROM cell_stats WHERE run_id = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int64_t n = sl_store_step(store, st, err) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

/* Its scores and its mark (the caller writes both again, or leaves it gone). */
static int delete_metric(struct sl_store *store, int64_t run, const char *metric,
			 struct sl_error *err)
{
	static const char *const sql[] = {
		"DELETE FROM cell_scores WHERE run_id = ?1 AND metric = ?2",
		"DELETE FROM score_marks WHERE run_id = ?1 AND metric = ?2",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(sql); i++) {
		sqlite3_stmt *st = sl_store_prepare(store, sql[i], err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
		int rc = sl_store_step(store, st, err);
		sqlite3_reset(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* One embeddings request at the engine. */
struct embed_call {
	struct sl_score_task *t;  /* NULL once the task was freed: drop the answer */
	size_t *texts;
	size_t n;
	uint64_t id;
	struct embed_call *prev, *next;
};

struct sl_score_task {
	struct score_ctx x;
	struct sl_suite *suite;   /* the scorers' specs live in it */
	int64_t ok_cells;
	struct embed_call *calls; /* embeddings requests in flight */
	size_t outstanding;
	bool arrived;             /* vectors came in since the last settle */
	size_t jobs_done;
	int64_t embed_failed;     /* texts whose request got no vector */
	bool marks_later;         /* pass_rate and case-check marks wait for the vectors */
	struct sl_error failed;   /* a write that failed inside pump, reported by finish */
	bool write_failed;
};

void sl_report_score_free(struct sl_score_task *t)
{
	if (!t)
		return;
	for (struct embed_call *c = t->calls; c; c = c->next) {
		c->t = NULL;
		sl_engine_cancel(embed_engine(&t->x), c->id);
	}
	if (t->x.own) {
		sl_engine_perform(t->x.own); /* runs the cancelled calls' callbacks */
		sl_engine_free(t->x.own);
	}
	for (size_t i = 0; i < t->x.n_slots; i++) {
		sl_judge_free(t->x.slots[i].task);
		sl_scorer_free(t->x.slots[i].scorer);
		free(t->x.slots[i].id);
	}
	free(t->x.slots);
	for (size_t i = 0; i < t->x.n_case_ids; i++)
		free(t->x.case_ids[i]);
	free(t->x.case_ids);
	drop_pending(&t->x);
	free(t->x.pending);
	for (size_t i = 0; i < t->x.n_jobs; i++)
		if (t->x.jobs[i].owned)
			sl_scorer_free(t->x.jobs[i].scorer);
	free(t->x.jobs);
	for (size_t i = 0; i < t->x.n_texts; i++) {
		free(t->x.texts[i].model);
		free(t->x.texts[i].text);
		free(t->x.texts[i].vec);
		free(t->x.texts[i].error);
	}
	free(t->x.texts);
	free(t->x.index);
	free(t->x.passes);
	free(t->x.to_cache);
	sl_suite_free(t->suite);
	free(t);
}

static void on_embedded(void *ud, const struct sl_result *r)
{
	struct embed_call *c = ud;
	struct sl_score_task *t = c->t;
	if (t) {
		if (c->prev)
			c->prev->next = c->next;
		else
			t->calls = c->next;
		if (c->next)
			c->next->prev = c->prev;
		t->outstanding--;
		t->arrived = true;
		for (size_t i = 0; i < c->n; i++) {
			struct embed_text *e = &t->x.texts[c->texts[i]];
			e->done = true;
			if (r->status != SL_OK)
				e->error = sl_xasprintf("embedding model %s: %s (%s)", e->model,
							r->error ? r->error : "failed",
							sl_status_name(r->status));
			else if (r->n_embeddings != c->n || !r->dim)
				e->error = sl_xasprintf("embedding model %s answered %zu vectors for "
							"%zu texts", e->model, r->n_embeddings, c->n);
			if (e->error) {
				t->embed_failed++;
				continue;
			}
			e->dim = r->dim;
			e->vec = sl_xmalloc(r->dim * sizeof *e->vec);
			memcpy(e->vec, r->embeddings[i], r->dim * sizeof *e->vec);
			struct score_ctx *x = &t->x;
			if (x->n_to_cache == x->cap_to_cache) {
				x->cap_to_cache = x->cap_to_cache ? 2 * x->cap_to_cache : 256;
				x->to_cache = sl_xrealloc(x->to_cache,
							  x->cap_to_cache * sizeof *x->to_cache);
			}
			x->to_cache[x->n_to_cache++] = c->texts[i];
		}
	}
	free(c->texts);
	free(c);
}

static void submit_embeddings(struct sl_score_task *t, const char *model, size_t *texts,
			      size_t n)
{
	struct score_ctx *x = &t->x;
	const char **inputs = sl_xcalloc(n, sizeof *inputs);
	for (size_t i = 0; i < n; i++)
		inputs[i] = x->texts[texts[i]].text;
	struct embed_call *c = sl_xcalloc(1, sizeof *c);
	*c = (struct embed_call){ .t = t, .texts = sl_xmalloc(n * sizeof *texts), .n = n };
	memcpy(c->texts, texts, n * sizeof *texts);
	struct sl_request req = { .model = model, .kind = SL_REQ_EMBED, .inputs = inputs,
				  .n_inputs = n, .on_done = on_embedded, .user_data = c };
	sl_params_init(&req.params);
	struct sl_error err = { 0 };
	c->id = sl_engine_submit(embed_engine(x), &req, &err); /* copies the request */
	free(inputs);
	if (!c->id) { /* a malformed call: its texts are errors now */
		for (size_t i = 0; i < n; i++) {
			struct embed_text *e = &x->texts[texts[i]];
			e->done = true;
			e->error = sl_xasprintf("embedding model %s: %s", model, err.msg);
			t->embed_failed++;
		}
		t->arrived = true;
		free(c->texts);
		free(c);
		return;
	}
	c->next = t->calls;
	if (t->calls)
		t->calls->prev = c;
	t->calls = c;
	t->outstanding++;
}

/* Vectors from the embedding cache; the rest asked for in batches, all submitted at once
 * (the engine keeps each provider within its limits). */
static int start_embeddings(struct sl_score_task *t, struct sl_error *err)
{
	struct score_ctx *x = &t->x;
	sqlite3_stmt *st = x->n_texts ? sl_store_prepare(x->store,
		"SELECT dim, vector FROM embedding_cache WHERE key = ?1", err) : NULL;
	if (x->n_texts && !st)
		return -1;
	for (size_t i = 0; i < x->n_texts; i++) {
		struct embed_text *e = &x->texts[i];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, e->key, -1, SQLITE_STATIC);
		if (sl_store_step(x->store, st, NULL) != SQLITE_ROW)
			continue;
		int64_t dim = sqlite3_column_int64(st, 0);
		if (dim <= 0 || sqlite3_column_bytes(st, 1) != (int)(dim * (int64_t)sizeof(float)))
			continue; /* not what we wrote: ask again */
		e->dim = (size_t)dim;
		e->vec = sl_xmalloc(e->dim * sizeof *e->vec);
		memcpy(e->vec, sqlite3_column_blob(st, 1), e->dim * sizeof *e->vec);
		e->done = true;
		x->stats->embed_cached++;
	}
	if (st)
		sqlite3_reset(st);
	t->arrived = true;
	size_t *batch = sl_xcalloc(EMBED_BATCH, sizeof *batch);
	for (size_t i = 0; i < x->n_texts; i++) {
		const char *model = x->texts[i].model;
		if (x->texts[i].done || x->texts[i].asked)
			continue;
		size_t limit = sl_engine_embed_batch(embed_engine(x), model);
		limit = limit == 0 ? 1 : limit < EMBED_BATCH ? limit : EMBED_BATCH;
		size_t n = 0, bytes = 0;
		/* this text and every later one of the same model, batch by batch */
		for (size_t k = i; k < x->n_texts; k++) {
			struct embed_text *e = &x->texts[k];
			if (e->done || e->asked || strcmp(e->model, model) != 0)
				continue;
			size_t len = strlen(e->text);
			if (n && (n == limit || bytes + len > EMBED_BATCH_BYTES)) {
				submit_embeddings(t, model, batch, n);
				n = bytes = 0;
			}
			e->asked = true;
			batch[n++] = k;
			bytes += len;
			x->stats->embed_texts++;
		}
		if (n)
			submit_embeddings(t, model, batch, n);
	}
	free(batch);
	return 0;
}

/* Score the jobs whose vectors are all in. */
static void settle_embeddings(struct sl_score_task *t)
{
	struct score_ctx *x = &t->x;
	for (size_t j = 0; j < x->n_jobs; j++) {
		struct embed_job *jb = &x->jobs[j];
		const struct embed_text *a = &x->texts[jb->text[0]], *b = &x->texts[jb->text[1]];
		if (jb->done || !a->done || !b->done)
			continue;
		jb->done = true;
		t->jobs_done++;
		double v = NAN;
		struct sl_error e = { 0 };
		const char *why = a->error ? a->error : b->error;
		if (!why && a->dim != b->dim) {
			sl_error_set(&e, "embedding model %s gave vectors of %zu and %zu dimensions",
				     a->model, a->dim, b->dim);
			why = e.msg;
		} else if (!why && sl_cosine_f32(a->vec, b->vec, a->dim, &v, &e) != 0) {
			char inner[sizeof e.msg];
			snprintf(inner, sizeof inner, "%s", e.msg);
			sl_error_set(&e, "embedding model %s: %s", a->model, inner);
			why = e.msg;
		}
		struct sl_score sc;
		sl_scorer_finish_cosine(jb->scorer, v, why, &sc);
		if (jb->metric)
			add_score_at(x, jb->metric, jb->proportion, jb->key,
				     sc.status == SL_SCORE_OK ? sc.value : NAN, sc.detail);
		if (jb->pass >= 0) {
			struct deferred_pass *p = &x->passes[jb->pass];
			if (sc.status != SL_SCORE_OK)
				p->any_error = true;
			else if (!sc.pass)
				p->all_pass = false;
			if (--p->waiting == 0)
				add_pass_rate(x, p->key[0], p->key[1], p->key[2], p->key[3],
					      p->all_pass, p->any_error);
		}
		if (jb->owned) {
			sl_scorer_free(jb->scorer);
			jb->scorer = NULL;
			jb->owned = false;
		}
	}
}

/* Mark what start scored in full: every metric but those with cosines still to come. */
static int mark_fresh(struct score_ctx *x, bool marks_later, int64_t ok_cells)
{
	for (size_t j = 0; j < x->n_jobs; j++)
		for (size_t i = 0; i < x->n_slots; i++)
			x->slots[i].later |= x->jobs[j].metric == x->slots[i].id;
	for (size_t i = 0; i < x->n_slots; i++)
		if (x->slots[i].needed && x->slots[i].scorer && !x->slots[i].later &&
		    mark_scored(x->store, x->run_id, x->slots[i].id, ok_cells, x->err) != 0)
			return -1;
	if (x->pass_rate && !marks_later &&
	    mark_scored(x->store, x->run_id, "pass_rate", ok_cells, x->err) != 0)
		return -1;
	if (x->case_checks && !marks_later &&
	    mark_scored(x->store, x->run_id, "(case checks)", ok_cells, x->err) != 0)
		return -1;
	return 0;
}

/* A suite scorer's slot: its registry scorer (none for a judge), metric id and kind. */
static int slot_build(struct slot *s, const struct sl_suite_scorer *sc, int64_t run_id,
		      struct sl_error *err)
{
	const cJSON *spec = sc->params;
	s->spec = spec;
	if (sl_judge_is_judge_scorer(sc->name)) {
		s->id = sl_judge_metric_id(spec);
		s->proportion = false;
		return 0;
	}
	s->per_case = sl_case_spec_templated(spec);
	cJSON *shape = sl_case_spec_shape(spec);
	s->scorer = sl_scorer_new(shape, sc->path, err);
	cJSON_Delete(shape);
	if (!s->scorer) {
		char inner[sizeof err->msg];
		snprintf(inner, sizeof inner, "%s", err->msg);
		sl_error_set(err, "run %lld, %s: %s", (long long)run_id, sc->path, inner);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	s->id = sl_xstrdup(sl_scorer_id(s->scorer));
	s->proportion = sl_scorer_kind(s->scorer) != SL_SCORER_SIMILARITY;
	s->has_pass = sl_scorer_is_check(s->scorer);
	s->embed = !s->per_case && sl_scorer_embedding_model(s->scorer);
	return 0;
}

/* since: NULL, or live scoring's mark (sl_report_score_live). */
static struct sl_score_task *score_start(struct sl_store *store, int64_t run_id,
					 const struct sl_judge_options *judge, int64_t *since,
					 struct sl_score_stats *stats, struct sl_error *err)
{
	memset(stats, 0, sizeof *stats);
	/* the last cell written before this scoring: what a full scoring covers */
	int64_t newest = since && *since < 0 ? sl_run_cells_newest(store, err) : 0;
	if (newest < 0)
		return NULL;
	struct sl_run run;
	if (sl_run_get(store, run_id, &run, err) != 0)
		return NULL;
	struct sl_suite *suite = sl_run_suite(&run, err);
	if (!suite) {
		sl_run_free(&run);
		return NULL;
	}
	struct sl_score_task *t = sl_xcalloc(1, sizeof *t);
	t->suite = suite;
	size_t n = suite->n_scorers;
	struct score_ctx x = { .store = store, .run_id = run_id, .stats = stats, .err = err,
			       .engine = judge ? judge->engine : NULL,
			       .local_only = judge && judge->local_only };
	x.slots = sl_xcalloc(n ? n : 1, sizeof *x.slots);
	sl_iso8601(sl_wall_ms(), x.now);
	int64_t ok_cells = count_ok_cells(store, run_id, err);
	t->ok_cells = ok_cells;
	if (ok_cells < 0)
		goto out;
	size_t n_pass = 0, n_judge = 0;
	bool any_needed = false;
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &x.slots[x.n_slots];
		if (slot_build(s, &suite->scorers[i], run_id, err) != 0)
			goto out;
		n_judge += !s->scorer;
		n_pass += s->has_pass;
		x.n_slots++;
		int64_t have = scored_against(store, run_id, s->id, err);
		if (have == -1)
			goto out;
		s->needed = have != ok_cells && !(x.local_only && (!s->scorer || s->embed));
		if (s->needed) {
			any_needed = true;
			stats->metrics_scored++;
		} else {
			stats->metrics_fresh++;
		}
	}
	/* A pass rate is worth showing when there is more than one check to pass (a similarity
	 * without a threshold passes every cell: counting it would show 100%). */
	if (n_pass >= 2) {
		int64_t have = scored_against(store, run_id, "pass_rate", err);
		if (have == -1)
			goto out;
		x.pass_rate = have != ok_cells || any_needed;
		for (size_t i = 0; x.local_only && i < x.n_slots; i++)
			if (x.slots[i].embed && x.slots[i].has_pass)
				x.pass_rate = false; /* it needs every check's outcome */
	} else {
		/* Written by a version that counted measurements as checks: drop it. */
		int64_t have = scored_against(store, run_id, "pass_rate", err);
		if (have == -1 || (have >= 0 && delete_metric(store, run_id, "pass_rate", err) != 0))
			goto out;
	}
	/* a pass rate scored again needs every check's outcome, fresh or not */
	for (size_t i = 0; x.pass_rate && i < x.n_slots; i++) {
		struct slot *s = &x.slots[i];
		if (s->embed && s->has_pass && !s->needed) {
			s->needed = true;
			stats->metrics_scored++;
			stats->metrics_fresh--;
		}
	}
	int64_t have_cc = scored_against(store, run_id, "(case checks)", err);
	if (have_cc == -1)
		goto out;
	x.case_checks = have_cc != ok_cells;
	bool registry_needed = x.pass_rate || x.case_checks;
	for (size_t i = 0; i < x.n_slots; i++)
		registry_needed |= x.slots[i].needed && x.slots[i].scorer;
	if (registry_needed && since && *since >= 0) {
		/* the cells scored before keep their scores: score the new ones on top */
		if (score_since(&x, since) != 0)
			goto out;
	} else if (registry_needed) {
		if (sl_store_begin(store, err) != 0)
			goto out;
		for (size_t i = 0; i < x.n_slots; i++)
			if (x.slots[i].needed && x.slots[i].scorer &&
			    delete_metric(store, run_id, x.slots[i].id, err) != 0)
				goto rollback;
		if (x.pass_rate && delete_metric(store, run_id, "pass_rate", err) != 0)
			goto rollback;
		if (sl_store_commit(store, err) != 0 || score_pages(&x) != 0 ||
		    sl_store_begin(store, err) != 0)
			goto rollback;
		/* metrics with cosines still to come are marked when they are in (finish) */
		t->marks_later = x.n_jobs > 0;
		if (!x.local_only && mark_fresh(&x, t->marks_later, ok_cells) != 0)
			goto rollback;
		if (sl_store_commit(store, err) != 0)
			goto rollback;
	}
	/* the judges' verdicts: requests submitted now, answered in the engine's callbacks */
	for (size_t i = 0; i < x.n_slots; i++) {
		struct slot *s = &x.slots[i];
		if (s->scorer || !s->needed)
			continue;
		struct sl_judge_options jo = judge ? *judge : (struct sl_judge_options){ 0 };
		if (!jo.model)
			jo.model = suite->judge; /* lives in t->suite, as long as the task */
		s->task = sl_judge_start(store, &run, s->spec, s->id, &jo, err);
		if (!s->task)
			goto out;
	}
	(void)n_judge;
	if (since && *since < 0)
		*since = newest;
	t->x = x;
	t->x.err = &t->failed; /* the caller's err need not outlive start */
	sl_run_free(&run);
	if (start_embeddings(t, err) != 0) {
		sl_report_score_free(t);
		return NULL;
	}
	return t;
rollback:
	sl_store_rollback(store);
out:
	t->x = x;
	sl_run_free(&run);
	sl_report_score_free(t);
	return NULL;
}

bool sl_report_score_pump(struct sl_score_task *t)
{
	if (t->x.own)
		sl_engine_perform(t->x.own); /* our own engine: the caller's loop does not */
	if (t->arrived) {
		t->arrived = false;
		settle_embeddings(t);
	}
	/* scores are written as they come, a page at a time, so quitting loses none */
	if (!t->write_failed && (t->x.n_pending >= PAGE ||
				 (!t->outstanding && (t->x.n_pending || t->x.n_to_cache))))
		t->write_failed = write_pending(&t->x) != 0;
	if (t->outstanding)
		return true;
	for (size_t i = 0; i < t->x.n_slots; i++)
		if (t->x.slots[i].task && sl_judge_pump(t->x.slots[i].task))
			return true;
	return false;
}

bool sl_report_score_progress(const struct sl_score_task *t, struct sl_score_progress *p)
{
	if (t->outstanding) {
		*p = (struct sl_score_progress){ "embeddings", t->jobs_done, t->x.n_jobs };
		return true;
	}
	for (size_t i = 0; i < t->x.n_slots; i++) {
		const struct slot *s = &t->x.slots[i];
		if (s->task && sl_judge_pump(s->task)) {
			p->what = s->id;
			sl_judge_progress(s->task, &p->done, &p->total);
			return true;
		}
	}
	return false;
}

int sl_report_score_finish(struct sl_score_task *t, struct sl_error *err)
{
	struct sl_score_stats *stats = t->x.stats;
	int ret = 0;
	if (t->outstanding) {
		sl_error_set(err, "run %lld: scoring still waits for %zu embeddings requests",
			     (long long)t->x.run_id, t->outstanding);
		ret = -1;
	}
	settle_embeddings(t);
	if (ret == 0 && (t->write_failed || write_pending(&t->x) != 0)) {
		*err = t->failed;
		ret = -1;
	}
	for (size_t i = 0; ret == 0 && i < t->x.n_slots; i++) {
		struct slot *s = &t->x.slots[i];
		if (!s->task)
			continue;
		int64_t failed_before = stats->judge_failed;
		struct sl_judge_task *jt = s->task;
		s->task = NULL; /* finish frees it */
		if (sl_judge_finish(jt, stats, err) != 0) {
			ret = -1;
			break;
		}
		/* Calls that got no answer are asked again next time (after a fix of the key or
		 * the network); malformed verdicts were retried already and stay judge errors. */
		if (stats->judge_failed == failed_before &&
		    mark_scored(t->x.store, t->x.run_id, s->id, t->ok_cells, err) != 0)
			ret = -1;
	}
	/* The same for embeddings: a cosine that got no vectors is asked again next time. */
	for (size_t i = 0; ret == 0 && !t->embed_failed && i < t->x.n_slots; i++)
		if (t->x.slots[i].later &&
		    mark_scored(t->x.store, t->x.run_id, t->x.slots[i].id, t->ok_cells, err) != 0)
			ret = -1;
	if (ret == 0 && !t->embed_failed && t->marks_later) {
		if ((t->x.pass_rate &&
		     mark_scored(t->x.store, t->x.run_id, "pass_rate", t->ok_cells, err) != 0) ||
		    (t->x.case_checks &&
		     mark_scored(t->x.store, t->x.run_id, "(case checks)", t->ok_cells, err) != 0))
			ret = -1;
	}
	sl_report_score_free(t);
	return ret;
}

struct sl_score_task *sl_report_score_start(struct sl_store *store, int64_t run_id,
					    const struct sl_judge_options *judge,
					    struct sl_score_stats *stats, struct sl_error *err)
{
	return score_start(store, run_id, judge, NULL, stats, err);
}

/* Pump a started task until nothing is out, then finish it. */
static int score_to_end(struct sl_score_task *t, struct sl_error *err)
{
	if (!t)
		return -1;
	while (sl_report_score_pump(t)) {
		struct sl_engine *eng = t->x.engine ? t->x.engine : t->x.own;
		sl_engine_wait(eng, NULL, 0, -1, NULL);
		if (eng != t->x.own) /* pump performs its own engine */
			sl_engine_perform(eng);
	}
	return sl_report_score_finish(t, err);
}

int sl_report_score_run(struct sl_store *store, int64_t run_id,
			const struct sl_judge_options *judge, struct sl_score_stats *stats,
			struct sl_error *err)
{
	struct sl_score_stats local;
	return score_to_end(sl_report_score_start(store, run_id, judge, stats ? stats : &local,
						  err), err);
}

int sl_report_score_live(struct sl_store *store, int64_t run_id, int64_t *since,
			 struct sl_score_stats *stats, struct sl_error *err)
{
	struct sl_judge_options local = { .local_only = true };
	struct sl_score_stats st;
	return score_to_end(score_start(store, run_id, &local, since, stats ? stats : &st, err),
			    err);
}

/* ---- scoring as the run commits its cells ---- */

struct sl_score_commit {
	bool ready, off;
	int64_t run_id;
	struct score_ctx x;         /* needed slots: counted up at commit */
	bool case_checks_mark;      /* "(case checks)" counted up (no row has checks) */
	struct sl_score_stats stats;
};

struct sl_score_commit *sl_report_score_commit_new(void)
{
	return sl_xcalloc(1, sizeof(struct sl_score_commit));
}

void sl_report_score_commit_free(struct sl_score_commit *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->x.n_slots; i++) {
		sl_scorer_free(c->x.slots[i].scorer);
		free(c->x.slots[i].id);
	}
	free(c->x.slots);
	drop_pending(&c->x);
	free(c->x.pending);
	free(c);
}

const struct sl_score_stats *sl_report_score_commit_stats(const struct sl_score_commit *c)
{
	return &c->stats;
}

/* Whether the metric's mark covers every successful cell so far (made for a run that has
 * none yet), so that counting it up with each commit keeps it true: 1 yes, 0 no, -1 error. */
static int mark_follows(struct sl_store *store, int64_t run, const char *metric, int64_t ok,
			struct sl_error *err)
{
	int64_t have = scored_against(store, run, metric, err);
	if (have == -2 && ok == 0)
		return mark_scored(store, run, metric, 0, err) != 0 ? -1 : 1;
	return have == -1 ? -1 : have == ok;
}

static int mark_add(struct score_ctx *x, const char *metric, int64_t cells)
{
	sqlite3_stmt *st = sl_store_prepare(x->store,
		"UPDATE score_marks SET ok_cells = ok_cells + ?3, scored_at = ?4 WHERE run_id = ?1 "
		"AND metric = ?2", x->err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, x->run_id);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, cells);
	sqlite3_bind_text(st, 4, x->now, -1, SQLITE_STATIC);
	int rc = sl_store_step(x->store, st, x->err);
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* The slots scored at commit and the marks that follow them, in the first commit's
 * transaction (the successful cells counted before its cells go in). */
static int commit_start(struct sl_score_commit *cs, struct sl_store *store, int64_t run_id,
			const struct sl_suite *suite, const struct sl_dataset *ds,
			struct sl_error *err)
{
	cs->ready = cs->off = true;
	cs->run_id = run_id;
	struct score_ctx *x = &cs->x;
	*x = (struct score_ctx){ .store = store, .run_id = run_id, .stats = &cs->stats,
				 .err = err, .local_only = true };
	x->slots = sl_xcalloc(suite->n_scorers ? suite->n_scorers : 1, sizeof *x->slots);
	int64_t ok = count_ok_cells(store, run_id, err);
	if (ok < 0)
		return -1;
	size_t n_pass = 0;
	bool pass_local = true, any = false;
	for (size_t i = 0; i < suite->n_scorers; i++) {
		struct slot *s = &x->slots[x->n_slots];
		struct sl_error e = { 0 }; /* the end-of-run scoring reports a broken scorer */
		if (slot_build(s, &suite->scorers[i], run_id, &e) != 0)
			return 0;
		n_pass += s->has_pass;
		if (!s->scorer || s->per_case || s->embed) { /* left to the end of the run */
			pass_local &= !s->has_pass;
			sl_scorer_free(s->scorer);
			free(s->id);
			memset(s, 0, sizeof *s);
			continue;
		}
		x->n_slots++;
		int f = mark_follows(store, run_id, s->id, ok, err);
		if (f < 0)
			return -1;
		s->needed = f;
		any |= f;
		cs->stats.metrics_scored += (size_t)f;
	}
	bool asserts = false;
	for (size_t i = 0; i < ds->n_fields; i++)
		asserts |= strcmp(ds->fields[i], "assert") == 0;
	if (!asserts) {
		int f = n_pass >= 2 && pass_local ? mark_follows(store, run_id, "pass_rate", ok, err)
						  : 0;
		int g = f < 0 ? -1 : mark_follows(store, run_id, "(case checks)", ok, err);
		if (g < 0)
			return -1;
		x->pass_rate = f;
		cs->case_checks_mark = g;
	}
	cs->off = !any && !x->pass_rate && !cs->case_checks_mark;
	return 0;
}

int sl_report_score_commit(void *ud, struct sl_store *store, struct sl_stats_batch *stats,
			   int64_t run_id,
			   const struct sl_suite *suite, const struct sl_dataset *ds,
			   const struct sl_cell *cells, size_t n, struct sl_error *err)
{
	struct sl_score_commit *cs = ud;
	if (!cs->ready && commit_start(cs, store, run_id, suite, ds, err) != 0)
		return -1;
	if (cs->off || run_id != cs->run_id)
		return 0;
	struct score_ctx *x = &cs->x;
	x->err = err;
	sl_iso8601(sl_wall_ms(), x->now);
	int64_t ok = 0;
	for (size_t i = 0; i < n; i++) {
		ok += !cells[i].error_kind; /* what count_ok_cells counts */
		score_cell(x, &cells[i]);
	}
	if (insert_pending(x, stats) != 0)
		return -1;
	for (size_t i = 0; i < x->n_slots; i++)
		if (x->slots[i].needed && mark_add(x, x->slots[i].id, ok) != 0)
			return -1;
	if ((x->pass_rate && mark_add(x, "pass_rate", ok) != 0) ||
	    (cs->case_checks_mark && mark_add(x, "(case checks)", ok) != 0))
		return -1;
	return 0;
}
