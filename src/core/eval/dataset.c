/* Dataset parsing: JSONL here, CSV through csv.h. Both must be valid UTF-8 (rejected with
 * file:line:col otherwise: bytes that are not text would reach JSON request bodies). */
#include "shortlist/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shortlist/csv.h"
#include "shortlist/utf8.h"
#include "eval_internal.h"

static int fail_usage(struct sl_error *err)
{
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

struct sl_dataset_reader {
	struct sl_dataset *ds;     /* the summary: path, format, hash, fields, rows so far */
	FILE *f;                   /* a file, read a line (JSONL) or a record (CSV) at a time */
	char *linebuf;
	size_t linecap;
	struct sl_sha256 *sha;     /* of the file's bytes as they are read */
	const char *text;          /* JSONL or CSV in memory: text[off..len) is unread */
	size_t len, off;
	int line;
	struct sl_csv_reader csv;
	struct sl_csv_record header;
	struct sl_case row;        /* the row handed out last */
	bool started, ended, failed;
};

static void case_clear(struct sl_case *c)
{
	cJSON_Delete(c->vars);
	free(c->expected);
	free(c->reference);
	free(c->label);
	memset(c, 0, sizeof *c);
}

/* Spools holding rows in their store's temp table, in every store. */
static size_t live_spools;

void sl_dataset_free(struct sl_dataset *ds)
{
	if (!ds)
		return;
	free(ds->path);
	for (size_t i = 0; i < ds->n_fields; i++)
		free(ds->fields[i]);
	free(ds->fields);
	free(ds->missing_row);
	free(ds->missing_line);
	/* The last spool's rows are left to the next spool's start (or to the connection's
	 * close, which drops the temp file): emptying them costs a page freed per few rows,
	 * 15 ms CPU for 33k rows, and the end of a run must not grow with its dataset. */
	if (ds->spool && --live_spools > 0) {
		sqlite3_stmt *st = sl_store_prepare(ds->spool,
			"DELETE FROM temp.dataset_spool WHERE spool = ?", NULL);
		if (st) {
			sqlite3_bind_int64(st, 1, ds->spool_id);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	}
	for (size_t i = 0; ds->cases && i < ds->n_cases; i++)
		case_clear(&ds->cases[i]);
	free(ds->cases);
	free(ds);
}

static void note_field(struct sl_dataset *ds, const char *name)
{
	for (size_t i = 0; i < ds->n_fields; i++)
		if (strcmp(ds->fields[i], name) == 0)
			return;
	ds->fields = sl_xrealloc(ds->fields, (ds->n_fields + 1) * sizeof *ds->fields);
	ds->missing_row = sl_xrealloc(ds->missing_row, (ds->n_fields + 1) * sizeof(size_t));
	ds->missing_line = sl_xrealloc(ds->missing_line, (ds->n_fields + 1) * sizeof(int));
	/* first seen after the first row: the first row lacks it */
	ds->missing_row[ds->n_fields] = ds->n_cases > 1 ? 1 : 0;
	ds->missing_line[ds->n_fields] = ds->first_line;
	ds->fields[ds->n_fields++] = sl_xstrdup(name);
}

static char *scoring_field(const cJSON *vars, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(vars, key);
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return *v->valuestring ? sl_xstrdup(v->valuestring) : NULL;
	char *s = cJSON_PrintUnformatted(v);
	char *r = sl_xstrdup(s);
	cJSON_free(s);
	return r;
}

/* The next row is vars: keep it as the reader's row and note what the summary needs
 * (fields, and for each the first row without a value: prompts are checked against it). */
static void take_row(struct sl_dataset_reader *rd, int line, cJSON *vars)
{
	struct sl_dataset *ds = rd->ds;
	case_clear(&rd->row);
	struct sl_case *c = &rd->row;
	c->line = line;
	c->vars = vars;
	c->expected = scoring_field(vars, "expected");
	c->reference = scoring_field(vars, "reference");
	c->label = scoring_field(vars, "label");
	if (!ds->n_cases++)
		ds->first_line = line;
	for (size_t i = 0; i < ds->n_fields; i++) {
		const cJSON *v;
		if (!ds->missing_row[i] &&
		    (!(v = cJSON_GetObjectItemCaseSensitive(vars, ds->fields[i])) ||
		     cJSON_IsNull(v))) {
			ds->missing_row[i] = ds->n_cases;
			ds->missing_line[i] = line;
		}
	}
	for (const cJSON *it = vars->child; it; it = it->next) {
		size_t had = ds->n_fields;
		note_field(ds, it->string);
		if (ds->n_fields > had && !ds->missing_row[had] && cJSON_IsNull(it)) {
			ds->missing_row[had] = ds->n_cases;
			ds->missing_line[had] = line;
		}
	}
}

/* The next line of a JSONL dataset (without its newline), or NULL at the end. */
static const char *next_line(struct sl_dataset_reader *rd, size_t *n, struct sl_error *err)
{
	const char *start;
	if (rd->f) {
		ssize_t got = getline(&rd->linebuf, &rd->linecap, rd->f);
		if (got < 0) {
			if (ferror(rd->f)) {
				sl_error_set(err, "%s: read error", rd->ds->path);
				rd->failed = true;
				fail_usage(err);
			}
			return NULL;
		}
		sl_sha256_update(rd->sha, rd->linebuf, (size_t)got);
		start = rd->linebuf;
		*n = (size_t)got;
		if (*n && start[*n - 1] == '\n')
			--*n;
	} else {
		if (rd->off >= rd->len)
			return NULL;
		start = rd->text + rd->off;
		const char *nl = memchr(start, '\n', rd->len - rd->off);
		*n = nl ? (size_t)(nl - start) : rd->len - rd->off;
		rd->off += *n + (nl ? 1 : 0);
	}
	rd->line++;
	if (memchr(start, 0, *n)) {
		sl_error_set(err, "%s: contains a NUL byte: not a text dataset", rd->ds->path);
		rd->failed = true;
		fail_usage(err);
		return NULL;
	}
	if (rd->line == 1 && *n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
		start += 3;
		*n -= 3;
	}
	size_t bad = sl_utf8_check(start, *n);
	if (bad < *n) {
		int l, col;
		sl_utf8_position(start, bad, &l, &col);
		sl_error_set(err, "%s:%d:%d: not valid UTF-8 (byte 0x%02x): save the file as UTF-8",
			     rd->ds->path, rd->line, col, (unsigned char)start[bad]);
		rd->failed = true;
		fail_usage(err);
		return NULL;
	}
	return start;
}

static int next_jsonl(struct sl_dataset_reader *rd, struct sl_error *err)
{
	const char *start;
	size_t m;
	while ((start = next_line(rd, &m, err))) {
		if (m && start[m - 1] == '\r')
			m--;
		size_t skip = 0;
		while (skip < m && (start[skip] == ' ' || start[skip] == '\t'))
			skip++;
		if (skip == m)
			continue; /* blank line */
		const char *end = NULL;
		cJSON *obj = cJSON_ParseWithLengthOpts(start, m, &end, 0);
		if (obj) {
			/* only whitespace may follow the object on its line */
			const char *p = end;
			while (p < start + m && (*p == ' ' || *p == '\t'))
				p++;
			if (p < start + m) {
				cJSON_Delete(obj);
				obj = NULL;
				end = p;
			}
		}
		if (!obj) {
			size_t col = end && end >= start ? (size_t)(end - start) + 1 : 1;
			sl_error_set(err, "%s:%d:%zu: not valid JSON (each line of a .jsonl dataset "
				     "must be one JSON object)", rd->ds->path, rd->line, col);
			return fail_usage(err);
		}
		if (!cJSON_IsObject(obj)) {
			cJSON_Delete(obj);
			sl_error_set(err, "%s:%d:%zu: expected a JSON object ({\"field\": value, ...})",
				     rd->ds->path, rd->line, skip + 1);
			return fail_usage(err);
		}
		take_row(rd, rd->line, obj);
		return 1;
	}
	return rd->failed ? -1 : 0;
}

/* The CSV reader's bytes from the file, hashed as they go by; what a pipe has so far
 * (read(2): fread would wait for a whole buffer). */
static long csv_read_file(void *ud, char *buf, size_t n, struct sl_error *err)
{
	struct sl_dataset_reader *rd = ud;
	ssize_t got;
	while ((got = read(fileno(rd->f), buf, n)) < 0 && errno == EINTR)
		;
	if (got < 0) {
		sl_error_set(err, "%s: read error: %s", rd->ds->path, strerror(errno));
		return fail_usage(err);
	}
	if (memchr(buf, 0, (size_t)got)) {
		sl_error_set(err, "%s: contains a NUL byte: not a text dataset", rd->ds->path);
		return fail_usage(err);
	}
	sl_sha256_update(rd->sha, buf, (size_t)got);
	return (long)got;
}

static int csv_header(struct sl_dataset_reader *rd, struct sl_error *err)
{
	struct sl_dataset *ds = rd->ds;
	struct sl_csv_record *h = &rd->header;
	int rc;
	if (rd->f)
		sl_csv_reader_stream(&rd->csv, csv_read_file, rd, ds->path);
	else if (sl_csv_reader_init(&rd->csv, rd->text, rd->len, ds->path, err) != 0)
		return -1;
	while ((rc = sl_csv_read(&rd->csv, h, err)) == 1 && sl_csv_record_blank(h))
		sl_csv_record_clear(h);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sl_error_set(err, "%s: empty CSV file (the first line must name the columns)", ds->path);
		return fail_usage(err);
	}
	for (size_t i = 0; i < h->n; i++) {
		if (!h->fields[i][0]) {
			sl_error_set(err, "%s:%d: column %zu has an empty name in the header row",
				     ds->path, h->line, i + 1);
			return fail_usage(err);
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(h->fields[k], h->fields[i]) == 0) {
				sl_error_set(err, "%s:%d: column name '%s' appears twice in the header "
					     "row (columns %zu and %zu)", ds->path, h->line,
					     h->fields[i], k + 1, i + 1);
				return fail_usage(err);
			}
		note_field(ds, h->fields[i]);
	}
	return 0;
}

static int next_csv(struct sl_dataset_reader *rd, struct sl_error *err)
{
	struct sl_csv_record rec;
	int rc;
	while ((rc = sl_csv_read(&rd->csv, &rec, err)) == 1) {
		if (sl_csv_record_blank(&rec)) {
			sl_csv_record_clear(&rec);
			continue;
		}
		if (rec.n != rd->header.n) {
			sl_error_set(err, "%s:%d: %zu field%s, but the header has %zu columns",
				     rd->ds->path, rec.line, rec.n, rec.n == 1 ? "" : "s",
				     rd->header.n);
			sl_csv_record_clear(&rec);
			return fail_usage(err);
		}
		cJSON *vars = cJSON_CreateObject();
		for (size_t i = 0; i < rec.n; i++)
			cJSON_AddItemToObject(vars, rd->header.fields[i],
					      cJSON_CreateString(rec.fields[i]));
		take_row(rd, rec.line, vars);
		sl_csv_record_clear(&rec);
		return 1;
	}
	return rc;
}

static int reader_next(struct sl_dataset_reader *rd, const struct sl_case **row,
		       struct sl_error *err)
{
	*row = NULL;
	if (rd->ended)
		return 0;
	struct sl_dataset *ds = rd->ds;
	if (!rd->started) {
		rd->started = true;
		if (strcmp(ds->format, "csv") == 0 && csv_header(rd, err) != 0)
			return -1;
	}
	int rc = strcmp(ds->format, "csv") == 0 ? next_csv(rd, err) : next_jsonl(rd, err);
	if (rc != 0) {
		if (rc == 1)
			*row = &rd->row;
		return rc;
	}
	rd->ended = true;
	case_clear(&rd->row);
	if (rd->sha)
		sl_sha256_end(rd->sha, ds->hash);
	rd->sha = NULL;
	if (ds->n_cases == 0) {
		sl_error_set(err, "%s: the dataset has no rows", ds->path);
		return fail_usage(err);
	}
	return 0;
}

static void reader_close(struct sl_dataset_reader *rd)
{
	if (!rd)
		return;
	if (rd->f)
		fclose(rd->f);
	free(rd->linebuf);
	if (rd->sha) {
		char ignored[65];
		sl_sha256_end(rd->sha, ignored);
	}
	sl_csv_reader_free(&rd->csv);
	sl_csv_record_clear(&rd->header);
	case_clear(&rd->row);
	sl_dataset_free(rd->ds);
	free(rd);
}

static struct sl_dataset_reader *reader_new(const char *path, const char *format)
{
	struct sl_dataset_reader *rd = sl_xcalloc(1, sizeof *rd);
	rd->ds = sl_xcalloc(1, sizeof *rd->ds);
	rd->ds->path = sl_xstrdup(path);
	rd->ds->format = strcmp(format, "csv") == 0 ? "csv" : "jsonl";
	return rd;
}

/* A reader over text in memory (the caller keeps it). */
static struct sl_dataset_reader *open_text(const char *text, size_t len, const char *path,
					   const char *format, struct sl_error *err)
{
	struct sl_dataset_reader *rd = reader_new(path, format);
	sl_sha256_hex(text, len, rd->ds->hash);
	if (memchr(text, 0, len)) {
		sl_error_set(err, "%s: contains a NUL byte: not a text dataset", path);
		fail_usage(err);
		reader_close(rd);
		return NULL;
	}
	rd->text = text;
	rd->len = len;
	return rd;
}

static struct sl_dataset_reader *reader_open(const char *path, struct sl_error *err)
{
	const char *format;
	if (sl_str_ends_with(path, ".jsonl") || sl_str_ends_with(path, ".ndjson"))
		format = "jsonl";
	else if (sl_str_ends_with(path, ".csv"))
		format = "csv";
	else {
		sl_error_set(err, "%s: unknown dataset format: name the file *.jsonl (one JSON object "
			     "per line) or *.csv (RFC 4180 with a header row)", path);
		fail_usage(err);
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		sl_error_set(err, "cannot open %s: %s", path, strerror(errno));
		fail_usage(err);
		return NULL;
	}
	struct sl_dataset_reader *rd = reader_new(path, format);
	rd->f = f;
	rd->sha = sl_sha256_begin();
	return rd;
}

/* Read every row; keep them in ds->cases when keep, else hand each to fn (if any). */
static struct sl_dataset *read_all(struct sl_dataset_reader *rd, bool keep,
				   int (*fn)(void *ud, size_t k, const struct sl_case *c,
					     struct sl_error *err),
				   void *ud, struct sl_error *err)
{
	if (!rd)
		return NULL;
	const struct sl_case *row;
	int rc;
	size_t cap = 0;
	struct sl_dataset *ds = rd->ds;
	while ((rc = reader_next(rd, &row, err)) == 1) {
		if (!keep) {
			if (fn && fn(ud, ds->n_cases - 1, row, err) != 0) {
				rc = -1;
				break;
			}
			continue;
		}
		if (ds->n_cases > cap) {
			cap = cap ? cap * 2 : 64;
			ds->cases = sl_xrealloc(ds->cases, cap * sizeof *ds->cases);
		}
		ds->cases[ds->n_cases - 1] = rd->row; /* taken over */
		memset(&rd->row, 0, sizeof rd->row);
	}
	if (rc < 0) {
		reader_close(rd);
		return NULL;
	}
	rd->ds = NULL;
	reader_close(rd);
	return ds;
}

struct sl_dataset *sl_dataset_parse(const char *text, size_t len, const char *path,
				    const char *format, struct sl_error *err)
{
	return read_all(open_text(text, len, path, format, err), true, NULL, NULL, err);
}

struct sl_dataset *sl_dataset_load(const char *path, struct sl_error *err)
{
	return read_all(reader_open(path, err), true, NULL, NULL, err);
}

struct sl_dataset *sl_dataset_scan(const char *path,
				   int (*fn)(void *ud, size_t k, const struct sl_case *c,
					     struct sl_error *err),
				   void *ud, struct sl_error *err)
{
	return read_all(reader_open(path, err), false, fn, ud, err);
}

static int spool_fail(struct sl_store *store, struct sl_error *err)
{
	sqlite3_exec(sl_store_db(store), "ROLLBACK TO spool; RELEASE spool", NULL, NULL, NULL);
	if (err && !err->msg[0])
		sl_store_error(store, err, "spooling a dataset");
	return -1;
}

struct sl_dataset *sl_dataset_spool(struct sl_store *store, const char *path,
				    struct sl_error *err)
{
	static int64_t last_id; /* a spool per dataset in use: a TUI may run two suites */
	struct sl_dataset_reader *rd = reader_open(path, err);
	if (!rd)
		return NULL;
	sqlite3 *db = sl_store_db(store);
	/* a savepoint on the temp table alone: the store itself is not locked */
	if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS dataset_spool(spool INTEGER NOT "
			 "NULL, idx INTEGER NOT NULL, line INTEGER NOT NULL, vars TEXT NOT NULL, "
			 "expected TEXT, reference TEXT, label TEXT, PRIMARY KEY (spool, idx)) "
			 "WITHOUT ROWID; SAVEPOINT spool", NULL, NULL, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "spooling a dataset");
		reader_close(rd);
		return NULL;
	}
	/* the rows a spool freed before left behind (sl_dataset_free) */
	if (!live_spools &&
	    sqlite3_exec(db, "DELETE FROM temp.dataset_spool", NULL, NULL, NULL) != SQLITE_OK) {
		spool_fail(store, err);
		reader_close(rd);
		return NULL;
	}
	int64_t id = ++last_id;
	sqlite3_stmt *st = sl_store_prepare(store, "INSERT INTO temp.dataset_spool(spool, idx, "
		"line, vars, expected, reference, label) VALUES (?, ?, ?, ?, ?, ?, ?)", err);
	const struct sl_case *c;
	int rc = st ? 1 : -1;
	for (size_t k = 0; rc == 1 && (rc = reader_next(rd, &c, err)) == 1; k++) {
		char *vars = cJSON_PrintUnformatted(c->vars);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
		sqlite3_bind_int(st, 3, c->line);
		sl_bind_text(st, 4, vars);
		sl_bind_text(st, 5, c->expected);
		sl_bind_text(st, 6, c->reference);
		sl_bind_text(st, 7, c->label);
		if (sl_store_step(store, st, err) < 0)
			rc = -1;
		sqlite3_reset(st);
		cJSON_free(vars);
	}
	if (rc < 0 || sqlite3_exec(db, "RELEASE spool", NULL, NULL, NULL) != SQLITE_OK) {
		spool_fail(store, err);
		reader_close(rd);
		return NULL;
	}
	struct sl_dataset *ds = rd->ds;
	rd->ds = NULL;
	reader_close(rd);
	ds->spool = store;
	ds->spool_id = id;
	live_spools++;
	return ds;
}

int sl_dataset_each(const struct sl_dataset *ds,
		    int (*fn)(void *ud, size_t k, const struct sl_case *c, struct sl_error *err),
		    void *ud, struct sl_error *err)
{
	if (!ds->spool) {
		for (size_t k = 0; k < ds->n_cases; k++) {
			int rc = fn(ud, k, &ds->cases[k], err);
			if (rc)
				return rc;
		}
		return 0;
	}
	enum { WINDOW = 256 };
	struct sl_case *rows = sl_xcalloc(WINDOW, sizeof *rows);
	int rc = 0;
	for (size_t lo = 0; rc == 0 && lo < ds->n_cases; lo += WINDOW) {
		/* read a window, then call fn: fn may use the store itself */
		sqlite3_stmt *st = sl_store_prepare(ds->spool, SL_DATASET_SPOOL_ROWS, err);
		if (!st)
			rc = -1;
		size_t n = 0;
		if (st) {
			sqlite3_bind_int64(st, 1, ds->spool_id);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)lo);
			sqlite3_bind_int(st, 3, WINDOW);
			while (n < WINDOW && sl_store_step(ds->spool, st, err) == SQLITE_ROW) {
				struct sl_case *c = &rows[n++];
				c->line = sqlite3_column_int(st, 1);
				c->vars = cJSON_Parse(sl_col_text(st, 2));
				c->expected = sl_col_dup(st, 3);
				c->reference = sl_col_dup(st, 4);
				c->label = sl_col_dup(st, 5);
			}
			sqlite3_reset(st);
		}
		if (rc == 0 && n == 0) {
			sl_error_set(err, "%s: the rows of %s are gone from the store's spool",
				     sl_store_path(ds->spool), ds->path);
			rc = -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (rc == 0)
				rc = fn(ud, lo + i, &rows[i], err);
			case_clear(&rows[i]);
		}
	}
	free(rows);
	return rc;
}

int sl_dataset_check_prompt(const struct sl_dataset *ds, const struct sl_prompt_version *pv,
			    struct sl_error *err)
{
	for (size_t m = 0; m < pv->n_messages; m++) {
		char **names;
		size_t n;
		struct sl_error terr = { 0 };
		if (sl_template_vars(pv->messages[m].content, &names, &n, &terr) != 0) {
			sl_error_set(err, "prompt %s@%d, %s message: %s", pv->name, pv->version,
				     pv->messages[m].role, terr.msg);
			return fail_usage(err);
		}
		int rc = 0;
		for (size_t k = 0; k < n && rc == 0; k++) {
			bool known = false;
			for (size_t f = 0; f < ds->n_fields && !known; f++)
				known = strcmp(ds->fields[f], names[k]) == 0;
			if (!known) {
				struct sl_buf fl;
				sl_buf_init(&fl);
				for (size_t f = 0; f < ds->n_fields; f++)
					sl_buf_printf(&fl, "%s%s", f ? ", " : "", ds->fields[f]);
				sl_error_set(err, "prompt %s@%d uses {{%s}}, but dataset %s has no such "
					     "field in any row (fields: %s)", pv->name, pv->version,
					     names[k], ds->path, fl.data ? fl.data : "none");
				sl_buf_free(&fl);
				rc = fail_usage(err);
				break;
			}
			size_t f = 0;
			while (strcmp(ds->fields[f], names[k]) != 0)
				f++;
			if (ds->missing_row[f]) {
				sl_error_set(err, "prompt %s@%d uses {{%s}}, but row %zu of %s (line %d) "
					     "has no value for '%s'", pv->name, pv->version, names[k],
					     ds->missing_row[f], ds->path, ds->missing_line[f],
					     names[k]);
				rc = fail_usage(err);
			}
		}
		for (size_t k = 0; k < n; k++)
			free(names[k]);
		free(names);
		if (rc)
			return rc;
	}
	return 0;
}

int sl_dataset_save(struct sl_store *store, const struct sl_dataset *ds, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT 1 FROM datasets WHERE hash = ?", err);
	if (!st)
		return -1;
	sl_bind_text(st, 1, ds->hash);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return 0;
	cJSON *fields = cJSON_CreateArray();
	for (size_t i = 0; i < ds->n_fields; i++)
		cJSON_AddItemToArray(fields, cJSON_CreateString(ds->fields[i]));
	char *fs = cJSON_PrintUnformatted(fields);
	cJSON_Delete(fields);
	st = sl_store_prepare(store, "INSERT INTO datasets(hash, path, format, fields, n_cases, "
				     "loaded_at) VALUES (?, ?, ?, ?, ?, ?)", err);
	if (st) {
		sl_bind_text(st, 1, ds->hash);
		sl_bind_text(st, 2, ds->path);
		sl_bind_text(st, 3, ds->format);
		sl_bind_text(st, 4, fs);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ds->n_cases);
		sl_bind_text(st, 6, sl_eval_now());
		rc = sl_store_step(store, st, err);
	}
	cJSON_free(fs);
	if (!st || rc < 0)
		return -1;
	st = sl_store_prepare(store, "INSERT INTO dataset_cases(dataset_hash, idx, line, vars, "
				     "expected, reference, label) VALUES (?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	if (ds->spool) { /* one statement: the rows never pass through memory */
		sqlite3_stmt *cp = sl_store_prepare(store, "INSERT INTO dataset_cases(dataset_hash, "
			"idx, line, vars, expected, reference, label) SELECT ?, idx, line, vars, "
			"expected, reference, label FROM temp.dataset_spool WHERE spool = ?", err);
		if (!cp)
			return -1;
		sl_bind_text(cp, 1, ds->hash);
		sqlite3_bind_int64(cp, 2, ds->spool_id);
		rc = sl_store_step(store, cp, err);
		sqlite3_reset(cp);
		return rc < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < ds->n_cases; i++) {
		const struct sl_case *c = &ds->cases[i];
		char *vars = cJSON_PrintUnformatted(c->vars);
		sqlite3_reset(st);
		sl_bind_text(st, 1, ds->hash);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_int(st, 3, c->line);
		sl_bind_text(st, 4, vars);
		sl_bind_text(st, 5, c->expected);
		sl_bind_text(st, 6, c->reference);
		sl_bind_text(st, 7, c->label);
		rc = sl_store_step(store, st, err);
		cJSON_free(vars);
		if (rc < 0)
			return -1;
	}
	sqlite3_reset(st);
	return 0;
}

static char *dup_or_null(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? sl_xstrdup((const char *)t) : NULL;
}

struct sl_dataset *sl_dataset_load_stored(struct sl_store *store, const char *hash,
					  struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT path, format FROM datasets WHERE hash = ?1",
					    err);
	if (!st)
		return NULL;
	sl_bind_text(st, 1, hash);
	int rc = sl_store_step(store, st, err);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			sl_error_set(err, "no dataset %.12s in the store", hash);
		return NULL;
	}
	struct sl_dataset *ds = sl_xcalloc(1, sizeof *ds);
	ds->path = sl_xstrdup(sl_col_text(st, 0));
	ds->format = strcmp(sl_col_text(st, 1), "csv") == 0 ? "csv" : "jsonl";
	snprintf(ds->hash, sizeof ds->hash, "%s", hash);
	sqlite3_reset(st);
	st = sl_store_prepare(store, "SELECT line, vars, expected, reference, label FROM "
				     "dataset_cases WHERE dataset_hash = ?1 ORDER BY idx", err);
	if (!st) {
		sl_dataset_free(ds);
		return NULL;
	}
	sl_bind_text(st, 1, hash);
	size_t cap = 0;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (ds->n_cases == cap) {
			cap = cap ? cap * 2 : 64;
			ds->cases = sl_xrealloc(ds->cases, cap * sizeof *ds->cases);
		}
		struct sl_case *c = &ds->cases[ds->n_cases++];
		c->line = sqlite3_column_int(st, 0);
		c->vars = cJSON_Parse(sl_col_text(st, 1));
		if (!cJSON_IsObject(c->vars)) {
			cJSON_Delete(c->vars);
			c->vars = cJSON_CreateObject();
		}
		const cJSON *f;
		cJSON_ArrayForEach(f, c->vars)
			note_field(ds, f->string);
		c->expected = dup_or_null(st, 2);
		c->reference = dup_or_null(st, 3);
		c->label = dup_or_null(st, 4);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sl_dataset_free(ds);
		return NULL;
	}
	return ds;
}
