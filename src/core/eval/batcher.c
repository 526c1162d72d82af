/* The batcher (batcher.h): one state machine per batch, stepped from the runner's pump,
 * each network step a plain transfer on the engine (transfer.h). The run_batches row is
 * written before the first byte is sent and after every answer, so whatever the process
 * dies of, the store says where each batch is. */
#include "batcher.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval_internal.h"
#include "shortlist/transfer.h"

#define POLL_FIRST_MS 250
#define POLL_MAX_MS 60000
#define MAX_TRIES 4 /* a step that fails at the network this often stops the run */

enum step { ST_NONE, ST_UPLOAD, ST_SUBMIT, ST_FIND, ST_POLL, ST_FETCH, ST_CANCEL };
static const char *const step_names[] = { "", "uploading", "submitting", "finding", "polling",
					  "collecting", "cancelling" };

struct job {
	struct sl_batcher *bt;
	struct sl_batch b;
	int model;
	int64_t first, last, n;
	FILE *fp;            /* the input being written (preparing, not sealed) */
	char *path;          /* the input file, until the API has it */
	bool sealed, stored, opened;
	enum step step;      /* the transfer in flight, if xfer */
	uint64_t xfer;
	int64_t due_ns;
	int64_t poll_ms;
	int tries;
	int fetch_i;
	bool fetch_over;     /* every results stream read: store the end once cells are in */
	bool cancel_asked;
	bool find_first;     /* a create may have reached the API: look for it before resending */
	bool cancel_later;   /* runs cancel came while its create's answer was lost: once found */
	enum sl_batch_state end_state;
	struct sl_buf line;
	uint8_t *answered;   /* a result line came for (idx - first) */
	uint8_t *member;     /* (idx - first) is one of its requests; NULL for a batch loaded
			      * from the store (then: a cell without a successful row) */
	size_t member_cap;
	/* where the last `ring` records start in the input (at their separator) and their
	 * cells: a full batch gives its last records to the next one if that one would
	 * stay under the API's minimum (rebalance) */
	long *rec_off;
	int64_t *rec_idx;
	size_t ring;
	int64_t n_ok, n_failed, n_malformed;
	char *key;           /* the API key, wiped when freed */
	struct job *next;
};

struct sl_batcher {
	struct sl_store *store;
	int64_t run_id;
	struct sl_engine *eng;
	struct sl_batcher_host host;
	const struct sl_batcher_model *models;
	size_t n_models;
	struct job *jobs;
	struct job **open; /* per model: the batch being prepared */
	struct job **held; /* per model: a full batch kept open until the next has the minimum */
	bool failed;
	struct sl_error err;
	int64_t malformed;
};

/* ---- store ---- */

static int store_insert(struct sl_batcher *bt, struct job *j, struct sl_error *err)
{
	if (sl_store_begin(bt->store, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(bt->store,
		"INSERT INTO run_batches(run_id, model_idx, protocol, provider, first_cell, "
		"last_cell, n_requests, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, bt->run_id);
	sqlite3_bind_int(st, 2, j->model);
	sl_bind_text(st, 3, j->b.ops->name);
	sl_bind_text(st, 4, j->b.conf->name);
	sqlite3_bind_int64(st, 5, j->first);
	sqlite3_bind_int64(st, 6, j->last);
	sqlite3_bind_int64(st, 7, j->n);
	sl_bind_text(st, 8, sl_batch_state_name(j->b.state));
	sl_bind_text(st, 9, sl_eval_now());
	int rc = sl_store_step(bt->store, st, err);
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	j->b.id = sqlite3_last_insert_rowid(sl_store_db(bt->store));
	if (sl_store_commit(bt->store, err) != 0)
		goto fail;
	j->stored = true;
	return 0;
fail:
	sl_store_rollback(bt->store);
	return -1;
}

static int store_update(struct sl_batcher *bt, struct job *j, struct sl_error *err)
{
	if (sl_store_begin(bt->store, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(bt->store,
		"UPDATE run_batches SET state = ?, remote_id = ?, input_ref = ?, output_ref = ?, "
		"error_ref = ?, api_status = ?, message = ?, expires_at = ?, n_ok = ?, "
		"n_failed = ?, n_malformed = ?, "
		"submitted_at = COALESCE(submitted_at, iif(?12 IS NULL, NULL, ?13)), "
		"ended_at = iif(?14, ?13, ended_at) WHERE id = ?15", err);
	if (!st)
		goto fail;
	const struct sl_batch *b = &j->b;
	sl_bind_text(st, 1, sl_batch_state_name(b->state));
	sl_bind_text(st, 2, b->remote_id);
	sl_bind_text(st, 3, b->input_ref);
	sl_bind_text(st, 4, b->output_ref);
	sl_bind_text(st, 5, b->error_ref);
	sl_bind_text(st, 6, b->api_status);
	sl_bind_text(st, 7, b->message);
	sl_bind_text(st, 8, b->expires_at);
	sqlite3_bind_int64(st, 9, j->n_ok);
	sqlite3_bind_int64(st, 10, j->n_failed);
	sqlite3_bind_int64(st, 11, j->n_malformed);
	sl_bind_text(st, 12, b->remote_id);
	sl_bind_text(st, 13, sl_eval_now());
	sqlite3_bind_int(st, 14, sl_batch_state_final(b->state));
	sqlite3_bind_int64(st, 15, b->id);
	int rc = sl_store_step(bt->store, st, err);
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	return sl_store_commit(bt->store, err);
fail:
	sl_store_rollback(bt->store);
	return -1;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : sl_xstrdup(sl_col_text(st, i));
}

int sl_batches_list(struct sl_store *store, int64_t run_id, struct sl_batch_row **out,
		    size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT id, model_idx, protocol, provider, state, remote_id, api_status, message, "
		"created_at, submitted_at, expires_at, ended_at, first_cell, last_cell, n_requests, "
		"n_ok, n_failed, n_malformed FROM run_batches WHERE run_id = ? ORDER BY id", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	int rc;
	size_t cap = 0;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (*n_out == cap) {
			cap = cap ? cap * 2 : 8;
			*out = sl_xrealloc(*out, cap * sizeof **out);
		}
		struct sl_batch_row *r = &(*out)[(*n_out)++];
		r->id = sqlite3_column_int64(st, 0);
		r->model_idx = sqlite3_column_int(st, 1);
		r->protocol = col_dup(st, 2);
		r->provider = col_dup(st, 3);
		r->state = col_dup(st, 4);
		r->remote_id = col_dup(st, 5);
		r->api_status = col_dup(st, 6);
		r->message = col_dup(st, 7);
		r->created_at = col_dup(st, 8);
		r->submitted_at = col_dup(st, 9);
		r->expires_at = col_dup(st, 10);
		r->ended_at = col_dup(st, 11);
		r->first_cell = sqlite3_column_int64(st, 12);
		r->last_cell = sqlite3_column_int64(st, 13);
		r->n_requests = sqlite3_column_int64(st, 14);
		r->n_ok = sqlite3_column_int64(st, 15);
		r->n_failed = sqlite3_column_int64(st, 16);
		r->n_malformed = sqlite3_column_int64(st, 17);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

void sl_batch_rows_free(struct sl_batch_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sl_batch_row *r = &rows[i];
		free(r->protocol);
		free(r->provider);
		free(r->state);
		free(r->remote_id);
		free(r->api_status);
		free(r->message);
		free(r->created_at);
		free(r->submitted_at);
		free(r->expires_at);
		free(r->ended_at);
	}
	free(rows);
}

/* ---- jobs ---- */

static void fail_run(struct sl_batcher *bt, const char *fmt, ...) SL_PRINTF(2, 3);
static void fail_run(struct sl_batcher *bt, const char *fmt, ...)
{
	if (bt->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(bt->err.msg, sizeof bt->err.msg, fmt, ap);
	va_end(ap);
	bt->err.code = SL_EXIT_USAGE;
	bt->failed = true;
}

static void job_free(struct job *j)
{
	if (j->fp)
		fclose(j->fp);
	if (j->path) {
		unlink(j->path);
		free(j->path);
	}
	if (j->key) {
		memset(j->key, 0, strlen(j->key));
		free(j->key);
	}
	sl_batch_clear(&j->b);
	sl_buf_free(&j->line);
	free(j->answered);
	free(j->member);
	free(j->rec_off);
	free(j->rec_idx);
	free(j);
}

static struct job *job_new(struct sl_batcher *bt, int model)
{
	const struct sl_batcher_model *bm = &bt->models[model];
	struct job *j = sl_xcalloc(1, sizeof *j);
	j->bt = bt;
	j->model = model;
	j->b.ops = bm->ops;
	j->b.conf = bm->conf;
	j->b.base_url = bm->conf->base_url;
	j->b.model_id = bm->model_id;
	j->b.api_ok = j->b.api_failed = -1;
	j->poll_ms = POLL_FIRST_MS;
	j->first = -1;
	if (bm->min_requests > 1) {
		j->ring = (size_t)bm->min_requests;
		j->rec_off = sl_xcalloc(j->ring, sizeof *j->rec_off);
		j->rec_idx = sl_xcalloc(j->ring, sizeof *j->rec_idx);
	}
	sl_buf_init(&j->line);
	j->next = bt->jobs;
	bt->jobs = j;
	return j;
}

static void job_unlink(struct sl_batcher *bt, struct job *j)
{
	for (struct job **pp = &bt->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			return;
		}
}

struct sl_batcher *sl_batcher_new(struct sl_store *store, int64_t run_id, struct sl_engine *eng,
				  const struct sl_batcher_host *host,
				  const struct sl_batcher_model *models, size_t n_models)
{
	struct sl_batcher *bt = sl_xcalloc(1, sizeof *bt);
	bt->store = store;
	bt->run_id = run_id;
	bt->eng = eng;
	bt->host = *host;
	bt->models = models;
	bt->n_models = n_models;
	bt->open = sl_xcalloc(n_models ? n_models : 1, sizeof *bt->open);
	bt->held = sl_xcalloc(n_models ? n_models : 1, sizeof *bt->held);
	return bt;
}

void sl_batcher_free(struct sl_batcher *bt)
{
	if (!bt)
		return;
	sl_batcher_stop(bt);
	while (bt->jobs) {
		struct job *j = bt->jobs;
		bt->jobs = j->next;
		job_free(j);
	}
	free(bt->open);
	free(bt->held);
	free(bt);
}

const struct sl_error *sl_batcher_error(const struct sl_batcher *bt)
{
	return &bt->err;
}

size_t sl_batcher_active(const struct sl_batcher *bt)
{
	size_t n = 0;
	for (const struct job *j = bt ? bt->jobs : NULL; j; j = j->next)
		n += j->stored && !sl_batch_state_final(j->b.state);
	return n;
}

int64_t sl_batcher_cells(const struct sl_batcher *bt)
{
	int64_t n = 0;
	for (const struct job *j = bt ? bt->jobs : NULL; j; j = j->next)
		if (!sl_batch_state_final(j->b.state))
			n += j->n;
	return n;
}

int64_t sl_batcher_malformed(const struct sl_batcher *bt)
{
	return bt ? bt->malformed : 0;
}

bool sl_batcher_claimed(const struct sl_batcher *bt, int64_t idx)
{
	for (const struct job *j = bt->jobs; j; j = j->next)
		if (j->stored && !sl_batch_state_final(j->b.state) && idx >= j->first &&
		    idx <= j->last)
			return true;
	return false;
}

/* ---- preparing ---- */

static int job_open_file(struct job *j, struct sl_error *err)
{
	const char *dir = getenv("TMPDIR");
	j->path = sl_xasprintf("%s/shortlist-batch-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(j->path);
	if (fd < 0 || !(j->fp = fdopen(fd, "w"))) {
		sl_error_set(err, "cannot create a batch input file in %s: %s",
			     dir && *dir ? dir : "/tmp", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(j->path);
		j->path = NULL;
		return -1;
	}
	fputs(j->b.ops->file_head, j->fp);
	return 0;
}

static void seal_job(struct sl_batcher *bt, struct job *j)
{
	fputs(j->b.ops->file_tail, j->fp);
	bool bad = fflush(j->fp) != 0 || ferror(j->fp);
	fclose(j->fp);
	j->fp = NULL;
	if (bad) {
		fail_run(bt, "cannot write the batch input file %s: %s", j->path, strerror(errno));
		return;
	}
	j->b.input_path = j->path;
	j->sealed = true;
}

static bool member_has(const struct job *j, int64_t idx)
{
	size_t bit = (size_t)(idx - j->first);
	return idx >= j->first && bit / 8 < j->member_cap && (j->member[bit / 8] >> (bit & 7) & 1);
}

static void member_set(struct job *j, int64_t idx)
{
	size_t bit = (size_t)(idx - j->first);
	if (bit / 8 >= j->member_cap) {
		size_t cap = j->member_cap ? j->member_cap * 2 : 1024;
		while (bit / 8 >= cap)
			cap *= 2;
		j->member = sl_xrealloc(j->member, cap);
		memset(j->member + j->member_cap, 0, cap - j->member_cap);
		j->member_cap = cap;
	}
	j->member[bit / 8] |= (uint8_t)(1u << (bit & 7));
}

static char *read_span(FILE *fp, long from, long to)
{
	char *buf = sl_xmalloc((size_t)(to - from) + 1);
	if (pread(fileno(fp), buf, (size_t)(to - from), from) != to - from) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The model's last batch b is under the API's minimum: move the last records of the full
 * batch a before it into b, so that both are valid (a keeps at least the minimum whenever
 * max_requests >= 2 * min_requests). When that cannot be, b stays as it is and the API's
 * check refuses it, saying why. */
static void rebalance(struct sl_batcher *bt, struct job *a, struct job *b)
{
	const struct sl_batch_ops *ops = a->b.ops;
	int64_t min = bt->models[a->model].min_requests;
	int64_t t = min - b->n;
	if (t <= 0 || a->n - t < min || (size_t)t + 1 > a->ring)
		return;
	int64_t k0 = a->n - t; /* a's first record to move */
	long cut = a->rec_off[(size_t)k0 % a->ring];
	int64_t first = a->rec_idx[(size_t)k0 % a->ring];
	int64_t a_last = a->rec_idx[(size_t)(k0 - 1) % a->ring];
	long head = (long)strlen(ops->file_head), sep = (long)strlen(ops->file_sep);
	if (fflush(a->fp) != 0 || fflush(b->fp) != 0) {
		fail_run(bt, "cannot write a batch input file: %s", strerror(errno));
		return;
	}
	long a_end = ftell(a->fp), b_end = ftell(b->fp);
	char *moved = read_span(a->fp, cut + sep, a_end); /* records joined by sep */
	char *rest = read_span(b->fp, head, b_end);
	if (!moved || !rest || ftruncate(fileno(a->fp), cut) != 0 ||
	    fseek(a->fp, cut, SEEK_SET) != 0 || ftruncate(fileno(b->fp), head) != 0 ||
	    fseek(b->fp, head, SEEK_SET) != 0) {
		fail_run(bt, "cannot rewrite the batch input files %s and %s: %s", a->path,
			 b->path, strerror(errno));
		free(moved);
		free(rest);
		return;
	}
	fwrite(moved, 1, (size_t)(a_end - cut - sep), b->fp);
	fputs(ops->file_sep, b->fp);
	fwrite(rest, 1, (size_t)(b_end - head), b->fp);
	free(moved);
	free(rest);
	/* b's members: a's moved cells, then its own, from the new first cell */
	struct job old = *b;
	b->member = NULL;
	b->member_cap = 0;
	b->first = first;
	for (int64_t idx = first; idx <= a->last; idx++)
		if (member_has(a, idx))
			member_set(b, idx);
	for (int64_t idx = old.first; idx <= old.last; idx++)
		if (member_has(&old, idx))
			member_set(b, idx);
	free(old.member);
	for (int64_t idx = first; idx <= a->last; idx++) {
		size_t bit = (size_t)(idx - a->first);
		a->member[bit / 8] &= (uint8_t)~(1u << (bit & 7));
	}
	a->last = a_last;
	a->n = a->b.n_requests = k0;
	a->b.input_bytes = cut;
	b->n = b->b.n_requests = b->n + t;
	b->b.input_bytes = ftell(b->fp);
}

/* Close the model's batches being prepared (they are then sent). */
static void seal(struct sl_batcher *bt, int model)
{
	struct job *a = bt->held[model], *b = bt->open[model];
	bt->held[model] = bt->open[model] = NULL;
	if (a && b && b->n < bt->models[model].min_requests)
		rebalance(bt, a, b);
	if (a)
		seal_job(bt, a);
	if (b)
		seal_job(bt, b);
}

void sl_batcher_seal(struct sl_batcher *bt)
{
	for (size_t m = 0; m < bt->n_models; m++)
		seal(bt, (int)m);
}

/* A stored batch still at the API whose cells lie between a and b. */
static bool spans_active(const struct sl_batcher *bt, const struct job *self, int64_t a, int64_t b)
{
	for (const struct job *j = bt->jobs; j; j = j->next)
		if (j != self && j->stored && !sl_batch_state_final(j->b.state) && j->first <= b &&
		    j->last >= a)
			return true;
	return false;
}

int sl_batcher_add(struct sl_batcher *bt, int64_t idx, int model, const struct sl_message *msgs,
		   size_t n_msgs, const struct sl_params *params, struct sl_error *err)
{
	const struct sl_batcher_model *bm = &bt->models[model];
	for (size_t i = 0; i < bt->n_models; i++)
		if ((int)i != model)
			seal(bt, (int)i); /* cells come model by model */
	int m, p, c, s;
	bt->host.coords(bt->host.ud, idx, &m, &p, &c, &s);
	char id[64];
	sl_batch_custom_id(id, m, p, c, s);
	struct sl_call call = { .conf = bm->conf, .model_id = bm->model_id, .kind = SL_REQ_CHAT,
				.messages = msgs, .n_messages = n_msgs, .params = params,
				.base_url = bm->conf->base_url };
	struct sl_buf rec;
	sl_buf_init(&rec);
	if (bm->ops->write_record(&rec, id, &call, err) != 0) {
		sl_buf_free(&rec);
		return -1;
	}
	struct job *j = bt->open[model];
	int64_t max = bm->max_requests > 0 ? bm->max_requests : bm->ops->max_requests;
	/* a new batch at the API's limits (the full one kept open while the next one is under
	 * the minimum: it may have to give it records), or when this one would span the cells
	 * of a stored batch still at the API (its range must hold only its own cells) */
	if (j && !bt->held[model] && j->ring &&
	    (j->n + 1 > max || j->b.input_bytes + (int64_t)rec.len + 8 > bm->ops->max_bytes)) {
		bt->held[model] = j;
		bt->open[model] = j = NULL;
	} else if (j && (j->n + 1 > max ||
			 j->b.input_bytes + (int64_t)rec.len + 8 > bm->ops->max_bytes ||
			 spans_active(bt, j, j->first, idx))) {
		seal(bt, model);
		j = NULL;
	}
	if (!j) {
		j = job_new(bt, model);
		if (job_open_file(j, err) != 0) {
			job_unlink(bt, j);
			job_free(j);
			sl_buf_free(&rec);
			return -1;
		}
		j->b.input_bytes = (int64_t)strlen(bm->ops->file_head);
		j->first = idx;
		bt->open[model] = j;
	}
	member_set(j, idx);
	if (j->ring) {
		j->rec_off[(size_t)j->n % j->ring] = ftell(j->fp);
		j->rec_idx[(size_t)j->n % j->ring] = idx;
	}
	if (j->n)
		fputs(bm->ops->file_sep, j->fp);
	fwrite(rec.data, 1, rec.len, j->fp);
	j->b.input_bytes += (int64_t)(rec.len + strlen(bm->ops->file_sep));
	j->last = idx;
	j->n++;
	j->b.n_requests = j->n;
	sl_buf_free(&rec);
	struct job *full = bt->held[model];
	if (full && j->n >= bm->min_requests) { /* this one can no longer end under it */
		bt->held[model] = NULL;
		seal_job(bt, full);
	}
	return 0;
}

/* ---- results ---- */

static void give(struct job *j, int64_t idx, const struct sl_result *res)
{
	struct sl_batcher *bt = j->bt;
	j->answered[(idx - j->first) >> 3] |= (uint8_t)(1u << ((idx - j->first) & 7));
	bt->host.result(bt->host.ud, idx, res, j->b.ops->price_factor);
}

static bool was_answered(const struct job *j, int64_t idx)
{
	return j->answered[(idx - j->first) >> 3] & (1u << ((idx - j->first) & 7));
}

/* One of the batch's requests (cells of its range that were answered from the cache or
 * done before are not). */
static bool is_member(const struct job *j, int64_t idx)
{
	size_t bit = (size_t)(idx - j->first);
	if (j->member)
		return bit / 8 < j->member_cap && (j->member[bit / 8] & (1u << (bit & 7)));
	return j->bt->host.in_batch(j->bt->host.ud, idx) && !j->bt->host.done(j->bt->host.ud, idx);
}

static void on_line(void *ud, const char *line, size_t len)
{
	struct job *j = ud;
	struct sl_batch_item it;
	memset(&it, 0, sizeof it);
	int m, p, c, s;
	int64_t idx = -1;
	if (j->b.ops->parse_line(&j->b, line, len, &it) == 0 &&
	    sl_batch_parse_custom_id(it.custom_id, &m, &p, &c, &s) && m == j->model)
		idx = j->bt->host.index(j->bt->host.ud, m, p, c, s);
	if (idx >= j->first && idx <= j->last && was_answered(j, idx)) {
		/* read again after a broken download was retried: already stored */
	} else if (idx < j->first || idx > j->last || !j->bt->host.in_batch(j->bt->host.ud, idx)) {
		/* not a line of ours: broken JSON, an unknown shape, a foreign id */
		j->n_malformed++;
		j->bt->malformed++;
	} else {
		if (it.ok) {
			it.result.status = SL_OK;
			j->n_ok++;
		} else {
			if (it.result.status == SL_OK)
				it.result.status = SL_ERR_PROVIDER;
			j->n_failed++;
		}
		give(j, idx, &it.result);
	}
	sl_batch_item_clear(&it);
}

static void on_data(void *ud, const char *data, size_t len)
{
	struct job *j = ud;
	sl_lines_feed(&j->line, data, len, on_line, j);
}

/* Every results stream is read: the requests nobody answered fail with the reason. */
static void fail_missing(struct job *j)
{
	const struct sl_batch *b = &j->b;
	char *why;
	switch (j->end_state) {
	case SL_BATCH_EXPIRED:
		why = sl_xasprintf("batch %s expired before this request ran%s%s", b->remote_id,
				   b->message ? ": " : "", b->message ? b->message : "");
		break;
	case SL_BATCH_CANCELLED:
		why = sl_xasprintf("batch %s was cancelled before this request ran", b->remote_id);
		break;
	case SL_BATCH_FAILED:
		why = b->remote_id ? sl_xasprintf("batch %s failed: %s", b->remote_id,
						  b->message ? b->message : "(the API gave no reason)")
				   : sl_xasprintf("the batch was refused: %s",
						  b->message ? b->message : "(no reason given)");
		break;
	default:
		why = sl_xasprintf("batch %s returned no result for this request", b->remote_id);
	}
	for (int64_t idx = j->first; idx <= j->last; idx++) {
		if (was_answered(j, idx) || !is_member(j, idx))
			continue;
		struct sl_result r;
		memset(&r, 0, sizeof r);
		r.status = SL_ERR_PROVIDER;
		r.error = why;
		r.error_type = (char *)sl_batch_state_name(j->end_state);
		r.tokens_in = r.tokens_out = r.tokens_cached = r.tokens_cache_write = -1;
		give(j, idx, &r);
		j->n_failed++;
	}
	free(why);
}

/* ---- steps ---- */

static void job_store(struct job *j)
{
	struct sl_error e = { 0 };
	if (store_update(j->bt, j, &e) != 0)
		fail_run(j->bt, "%s", e.msg);
}

static void backoff(struct job *j)
{
	j->due_ns = sl_now_ns() + (int64_t)(500LL << (j->tries < 6 ? j->tries : 6)) * 1000000;
}

/* The API refused the batch as a whole (upload or submit): its cells fail with the
 * API's reason (and run again on --resume). */
static void refuse(struct job *j, const char *msg)
{
	sl_batch_set(&j->b.message, msg);
	j->b.state = SL_BATCH_COLLECTING;
	j->end_state = SL_BATCH_FAILED;
	j->fetch_over = true;
	free(j->answered);
	j->answered = sl_xcalloc((size_t)((j->last - j->first) / 8 + 1), 1);
	fail_missing(j);
}

/* Whether a batch of the store (any run) is already this remote batch. */
static bool remote_claimed(struct sl_batcher *bt, const struct job *j, const char *remote_id)
{
	sqlite3_stmt *st = sl_store_prepare(bt->store, "SELECT 1 FROM run_batches WHERE "
					    "provider = ? AND remote_id = ? LIMIT 1", NULL);
	if (!st)
		return true; /* unsure: do not take it */
	sl_bind_text(st, 1, j->b.conf->name);
	sl_bind_text(st, 2, remote_id);
	bool claimed = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return claimed;
}

/* The API's batches that may be this one were listed: take the first nobody claims (the
 * create reached the API), or send the create (again) when there is none. A create that
 * carried its input cannot be sent again after a restart: its cells fail with the reason
 * (and run again on --resume), as for a refused batch. */
static void take_found(struct job *j)
{
	struct sl_batch *b = &j->b;
	for (size_t i = 0; i < b->n_found && !b->remote_id; i++)
		if (!remote_claimed(j->bt, j, b->found[i]))
			sl_batch_set(&b->remote_id, b->found[i]);
	for (size_t i = 0; i < b->n_found; i++)
		free(b->found[i]);
	free(b->found);
	b->found = NULL;
	b->n_found = 0;
	sl_batch_set(&b->cursor, NULL);
	j->find_first = false;
	if (b->remote_id) {
		b->state = SL_BATCH_SUBMITTED;
		b->api_ended = false;
		j->due_ns = sl_now_ns();
		if (j->path) { /* the API holds the input */
			unlink(j->path);
			free(j->path);
			j->path = NULL;
			b->input_path = NULL;
		}
	} else if (j->cancel_later) {
		refuse(j, "cancelled before the batch was created (the API has no such batch): its "
			  "cells run again on --resume");
	} else if (b->ops->submit_sends_input && !j->path) {
		refuse(j, "the process stopped while the batch was being submitted and the API has "
			  "no such batch: its cells run again on --resume");
	}
}

static void step_done(void *ud, const struct sl_xfer_result *r)
{
	struct job *j = ud;
	struct sl_batcher *bt = j->bt;
	enum step step = j->step;
	j->xfer = 0;
	j->step = ST_NONE;
	if (r->status == SL_ERR_CANCELLED)
		return;
	const char *pname = j->b.conf->name;
	bool transient = r->status != SL_OK || r->http_status == 429 || r->http_status >= 500;
	if (transient && step == ST_SUBMIT)
		j->find_first = true; /* the API may have created it before the answer was lost */
	if (transient) {
		if (++j->tries < MAX_TRIES) {
			backoff(j);
			return;
		}
		const char *what = r->error ? r->error : "";
		char status[32] = "";
		if (r->status == SL_OK)
			snprintf(status, sizeof status, "HTTP %ld", r->http_status);
		fail_run(bt, "provider %s (%s): %s batch %s failed %d times: %s%s%s; the batch is "
			 "stored (%s): `shortlist runs poll %lld` picks it up when the provider "
			 "answers again", pname, j->b.base_url, step_names[step],
			 j->b.remote_id ? j->b.remote_id : "(not yet created)", j->tries, status,
			 *status && *what ? ": " : "", what, sl_batch_state_name(j->b.state),
			 (long long)bt->run_id);
		return;
	}
	if (step == ST_FETCH && r->http_status >= 200 && r->http_status < 300) {
		sl_lines_end(&j->line, on_line, j);
		j->tries = 0;
		j->fetch_i++;
		return;
	}
	if (r->http_status < 200 || r->http_status >= 300) {
		struct sl_provider_error pe = { 0 };
		j->b.conf->kind->classify_error(r->http_status, r->headers, strlen(r->headers),
						r->body, r->body_len, &pe);
		char *msg = sl_xasprintf("HTTP %ld from %s%s%s", r->http_status, pname,
					 pe.message ? ": " : "", pe.message ? pe.message : "");
		free(pe.message);
		free(pe.type);
		if ((step == ST_UPLOAD || step == ST_SUBMIT) && r->http_status != 401 &&
		    r->http_status != 403) {
			refuse(j, msg);
			job_store(j);
		} else if (step == ST_CANCEL) {
			j->due_ns = sl_now_ns(); /* it may have ended already: poll says */
		} else {
			fail_run(bt, "%s batch %s: %s", step_names[step],
				 j->b.remote_id ? j->b.remote_id : "", msg);
		}
		free(msg);
		return;
	}
	j->tries = 0;
	struct sl_error e = { 0 };
	int rc = 0;
	enum sl_batch_state before = j->b.state;
	switch (step) {
	case ST_UPLOAD:
		rc = j->b.ops->upload_done(&j->b, r->body, r->body_len, &e);
		if (rc == 0)
			j->b.state = SL_BATCH_UPLOADED;
		break;
	case ST_SUBMIT:
		rc = j->b.ops->submit_done(&j->b, r->body, r->body_len, &e);
		if (rc == 0) {
			j->b.state = SL_BATCH_SUBMITTED;
			j->b.api_ended = false;
			j->due_ns = sl_now_ns() + j->poll_ms * 1000000;
			/* the API holds the input now */
			unlink(j->path);
			free(j->path);
			j->path = NULL;
			j->b.input_path = NULL;
		}
		break;
	case ST_FIND:
		rc = j->b.ops->find_done(&j->b, r->body, r->body_len, &e);
		if (rc == 0)
			take_found(j);
		break;
	case ST_POLL:
	case ST_CANCEL:
		j->b.state = SL_BATCH_SUBMITTED;
		rc = j->b.ops->poll_done(&j->b, r->body, r->body_len, &e);
		if (rc == 0 && j->b.api_ended) {
			j->end_state = sl_batch_state_final(j->b.state) ? j->b.state : SL_BATCH_DONE;
			j->b.state = SL_BATCH_COLLECTING;
		} else {
			j->b.state = j->cancel_asked ? SL_BATCH_CANCELLING : before;
			j->due_ns = sl_now_ns() + j->poll_ms * 1000000;
			j->poll_ms = j->poll_ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : j->poll_ms * 2;
		}
		break;
	default:
		break;
	}
	if (rc < 0) {
		fail_run(bt, "provider %s: %s", pname, e.msg);
		return;
	}
	j->b.step_n = rc == 1 ? j->b.step_n + 1 : 0;
	job_store(j);
}

static void start(struct job *j, enum step step)
{
	struct sl_batcher *bt = j->bt;
	struct sl_batch_call c = { 0 };
	struct sl_error e = { 0 };
	int rc;
	switch (step) {
	case ST_UPLOAD: rc = j->b.ops->upload(&j->b, &c, &e); break;
	case ST_SUBMIT: rc = j->b.ops->submit(&j->b, &c, &e); break;
	case ST_FIND: rc = j->b.ops->find(&j->b, &c, &e); break;
	case ST_POLL: rc = j->b.ops->poll(&j->b, &c, &e); break;
	case ST_CANCEL: rc = j->b.ops->cancel(&j->b, &c, &e); break;
	case ST_FETCH: rc = j->b.ops->fetch(&j->b, j->fetch_i, &c, &e); break;
	default: return;
	}
	if (rc == 1 && step == ST_FETCH) {
		j->fetch_over = true;
		fail_missing(j);
		sl_batch_call_free(&c);
		return;
	}
	if (rc != 0) {
		fail_run(bt, "provider %s: %s", j->b.conf->name, e.msg);
		sl_batch_call_free(&c);
		return;
	}
	/* the provider's configured extra headers go with every call, as with model calls */
	for (size_t i = 0; i < j->b.conf->n_headers; i++)
		sl_http_request_add_header(&c.http, "%s: %s", j->b.conf->headers[i].name,
					   j->b.conf->headers[i].value);
	struct sl_xfer x = {
		.method = c.method,
		.url = c.http.url,
		.headers = (const char *const *)c.http.headers,
		.n_headers = c.http.n_headers,
		.body = c.http.body,
		.body_len = c.http.body ? strlen(c.http.body) : 0,
		.body_file = c.body_file,
		.form_fields = c.form_fields,
		.n_form_fields = c.n_form_fields,
		.form_file = c.form_file,
		.form_filename = "batch-input.jsonl",
		.on_data = c.results ? on_data : NULL,
		.connect_ms = j->b.conf->limits.connect_ms,
	};
	if (c.results)
		sl_buf_reset(&j->line);
	j->step = step;
	j->xfer = sl_engine_xfer(bt->eng, &x, step_done, j, &e);
	if (!j->xfer) {
		j->step = ST_NONE;
		fail_run(bt, "provider %s: %s", j->b.conf->name, e.msg);
	}
	sl_batch_call_free(&c);
}

static int job_open(struct job *j, struct sl_error *err)
{
	if (j->opened)
		return 0;
	const char *key = NULL;
	if (sl_provider_api_key(j->b.conf, &key, err) != 0)
		return -1;
	if (key) {
		j->key = sl_xstrdup(key);
		j->b.api_key = j->key;
	}
	if (j->b.ops->open && j->b.ops->open(&j->b, err) != 0)
		return -1;
	j->opened = true;
	return 0;
}

/* One create at a time per provider: a create whose answer was lost is then the only
 * candidate the API's list can show for it (Anthropic's batches carry nothing of ours). */
static bool creating(const struct sl_batcher *bt, const struct job *self)
{
	for (const struct job *j = bt->jobs; j; j = j->next)
		if (j != self && j->xfer && (j->step == ST_SUBMIT || j->step == ST_FIND) &&
		    j->b.conf == self->b.conf)
			return true;
	return false;
}

/* The create call: 'submitting' is stored before it is sent. */
static void submit(struct sl_batcher *bt, struct job *j)
{
	if (creating(bt, j))
		return;
	if (j->b.state != SL_BATCH_SUBMITTING) {
		j->b.state = SL_BATCH_SUBMITTING;
		j->find_first = false;
		job_store(j);
		if (bt->failed)
			return;
	}
	start(j, j->find_first && j->b.ops->find ? ST_FIND : ST_SUBMIT);
}

static void job_step(struct sl_batcher *bt, struct job *j)
{
	if (j->xfer || (j->b.state == SL_BATCH_PREPARING && !j->sealed) ||
	    sl_batch_state_final(j->b.state))
		return;
	if (!j->stored) {
		struct sl_error e = { 0 };
		if (store_insert(bt, j, &e) != 0) {
			fail_run(bt, "%s", e.msg);
			return;
		}
	}
	if (sl_now_ns() < j->due_ns)
		return;
	struct sl_error e = { 0 };
	if (job_open(j, &e) != 0) {
		fail_run(bt, "%s", e.msg);
		return;
	}
	switch (j->b.state) {
	case SL_BATCH_PREPARING:
		if (j->b.ops->upload)
			start(j, ST_UPLOAD);
		else
			submit(bt, j);
		break;
	case SL_BATCH_UPLOADED:
	case SL_BATCH_SUBMITTING:
		submit(bt, j);
		break;
	case SL_BATCH_SUBMITTED:
	case SL_BATCH_CANCELLING:
		if (j->cancel_later) { /* found after runs cancel asked */
			j->cancel_later = false;
			j->cancel_asked = true;
			j->b.state = SL_BATCH_CANCELLING;
			job_store(j);
			if (!bt->failed)
				start(j, ST_CANCEL);
			break;
		}
		start(j, ST_POLL);
		break;
	case SL_BATCH_COLLECTING:
		if (!j->answered)
			j->answered = sl_xcalloc((size_t)((j->last - j->first) / 8 + 1), 1);
		if (!j->fetch_over) {
			start(j, ST_FETCH);
			break;
		}
		/* the end is stored only once every cell of it is */
		if (bt->host.pending(bt->host.ud) == 0) {
			j->b.state = j->end_state;
			job_store(j);
		}
		break;
	default:
		break;
	}
}

bool sl_batcher_pump(struct sl_batcher *bt)
{
	for (struct job *j = bt->jobs; j && !bt->failed; j = j->next)
		job_step(bt, j);
	if (bt->failed)
		return false;
	/* drop the finished ones */
	for (struct job **pp = &bt->jobs; *pp;) {
		struct job *j = *pp;
		if (j->stored && sl_batch_state_final(j->b.state) && !j->xfer) {
			*pp = j->next;
			job_free(j);
		} else {
			pp = &j->next;
		}
	}
	return bt->jobs != NULL;
}

void sl_batcher_stop(struct sl_batcher *bt)
{
	for (struct job **pp = &bt->jobs; *pp;) {
		struct job *j = *pp;
		if (j->xfer) {
			sl_engine_xfer_cancel(bt->eng, j->xfer);
			j->xfer = 0;
		}
		if (!j->stored) { /* never told anyone: gone, its cells stay missing */
			for (size_t m = 0; m < bt->n_models; m++)
				if (bt->open[m] == j)
					bt->open[m] = NULL;
				else if (bt->held[m] == j)
					bt->held[m] = NULL;
			*pp = j->next;
			job_free(j);
		} else {
			pp = &j->next;
		}
	}
}

/* ---- stored batches ---- */

int sl_batcher_load(struct sl_batcher *bt, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(bt->store,
		"SELECT id, model_idx, state, remote_id, input_ref, output_ref, error_ref, "
		"api_status, message, expires_at, first_cell, last_cell, n_requests, n_ok, "
		"n_failed, n_malformed FROM run_batches WHERE run_id = ? AND state NOT IN "
		"('done', 'failed', 'expired', 'cancelled') ORDER BY id", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, bt->run_id);
	int rc;
	while ((rc = sl_store_step(bt->store, st, err)) == SQLITE_ROW) {
		int m = sqlite3_column_int(st, 1);
		int state = sl_batch_state_parse(sl_col_text(st, 2));
		if (m < 0 || (size_t)m >= bt->n_models || !bt->models[m].ops || state < 0)
			continue; /* a model no longer batched: its row stays as it is */
		struct job *j = job_new(bt, m);
		j->b.id = sqlite3_column_int64(st, 0);
		j->b.state = (enum sl_batch_state)state;
		j->b.remote_id = col_dup(st, 3);
		j->b.input_ref = col_dup(st, 4);
		j->b.output_ref = col_dup(st, 5);
		j->b.error_ref = col_dup(st, 6);
		j->b.api_status = col_dup(st, 7);
		j->b.message = col_dup(st, 8);
		j->b.expires_at = col_dup(st, 9);
		j->first = sqlite3_column_int64(st, 10);
		j->last = sqlite3_column_int64(st, 11);
		j->n = j->b.n_requests = sqlite3_column_int64(st, 12);
		j->stored = j->sealed = true;
		j->find_first = j->b.state == SL_BATCH_SUBMITTING;
		j->cancel_asked = j->b.state == SL_BATCH_CANCELLING;
		/* collecting again from the start: results are idempotent (REPLACE) */
		if (j->b.state == SL_BATCH_COLLECTING) {
			j->b.state = SL_BATCH_SUBMITTED;
			j->cancel_asked = false;
		}
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	/* killed before the API had it: the input file is gone; the cells run again */
	for (struct job *j = bt->jobs; j; j = j->next)
		if (j->b.state == SL_BATCH_PREPARING || j->b.state == SL_BATCH_UPLOADED) {
			sl_batch_set(&j->b.message, "interrupted before it was submitted: its cells "
				     "were sent again");
			j->b.state = SL_BATCH_FAILED;
			if (store_update(bt, j, err) != 0)
				return -1;
		}
	return 0;
}

int sl_batcher_cancel_all(struct sl_batcher *bt, struct sl_error *err)
{
	for (struct job *j = bt->jobs; j; j = j->next) {
		if (j->stored && !j->b.remote_id && j->b.state == SL_BATCH_SUBMITTING)
			j->cancel_later = true; /* found (or not) first, then cancelled */
		if (!j->stored || !j->b.remote_id || sl_batch_state_final(j->b.state) ||
		    j->b.state == SL_BATCH_COLLECTING)
			continue;
		if (job_open(j, err) != 0)
			return -1;
		j->cancel_asked = true;
		j->b.state = SL_BATCH_CANCELLING;
		if (store_update(bt, j, err) != 0)
			return -1;
		if (j->xfer)
			sl_engine_xfer_cancel(bt->eng, j->xfer);
		start(j, ST_CANCEL);
	}
	return bt->failed ? (*err = bt->err, -1) : 0;
}
