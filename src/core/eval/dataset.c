/* Dataset parsing: JSONL here, CSV through csv.h. Both must be valid UTF-8 (rejected with
 * file:line:col otherwise: bytes that are not text would reach JSON request bodies). */
#include "shortlist/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/csv.h"
#include "shortlist/utf8.h"
#include "eval_internal.h"

static int fail_usage(struct sl_error *err)
{
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

void sl_dataset_free(struct sl_dataset *ds)
{
	if (!ds)
		return;
	free(ds->path);
	for (size_t i = 0; i < ds->n_fields; i++)
		free(ds->fields[i]);
	free(ds->fields);
	for (size_t i = 0; i < ds->n_cases; i++) {
		cJSON_Delete(ds->cases[i].vars);
		free(ds->cases[i].expected);
		free(ds->cases[i].reference);
		free(ds->cases[i].label);
	}
	free(ds->cases);
	free(ds);
}

static void note_field(struct sl_dataset *ds, const char *name)
{
	for (size_t i = 0; i < ds->n_fields; i++)
		if (strcmp(ds->fields[i], name) == 0)
			return;
	ds->fields = sl_xrealloc(ds->fields, (ds->n_fields + 1) * sizeof *ds->fields);
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

static void add_case(struct sl_dataset *ds, int line, cJSON *vars)
{
	ds->cases = sl_xrealloc(ds->cases, (ds->n_cases + 1) * sizeof *ds->cases);
	struct sl_case *c = &ds->cases[ds->n_cases++];
	c->line = line;
	c->vars = vars;
	c->expected = scoring_field(vars, "expected");
	c->reference = scoring_field(vars, "reference");
	c->label = scoring_field(vars, "label");
	for (const cJSON *it = vars->child; it; it = it->next)
		note_field(ds, it->string);
}

static int parse_jsonl(struct sl_dataset *ds, const char *text, size_t len, struct sl_error *err)
{
	size_t off = 0;
	int line = 0;
	while (off < len) {
		line++;
		const char *start = text + off;
		const char *nl = memchr(start, '\n', len - off);
		size_t n = nl ? (size_t)(nl - start) : len - off;
		off += n + (nl ? 1 : 0);
		size_t m = n;
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
				     "must be one JSON object)", ds->path, line, col);
			return fail_usage(err);
		}
		if (!cJSON_IsObject(obj)) {
			cJSON_Delete(obj);
			sl_error_set(err, "%s:%d:%zu: expected a JSON object ({\"field\": value, ...})",
				     ds->path, line, skip + 1);
			return fail_usage(err);
		}
		add_case(ds, line, obj);
	}
	return 0;
}

static int parse_csv(struct sl_dataset *ds, const char *text, size_t len, struct sl_error *err)
{
	struct sl_csv_reader c;
	struct sl_csv_record header = { 0 }, rec;
	int rc;
	if (sl_csv_reader_init(&c, text, len, ds->path, err) != 0)
		return -1;
	while ((rc = sl_csv_read(&c, &header, err)) == 1 && sl_csv_record_blank(&header))
		sl_csv_record_clear(&header);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sl_error_set(err, "%s: empty CSV file (the first line must name the columns)", ds->path);
		return fail_usage(err);
	}
	for (size_t i = 0; i < header.n; i++) {
		if (!header.fields[i][0]) {
			sl_error_set(err, "%s:%d: column %zu has an empty name in the header row",
				     ds->path, header.line, i + 1);
			sl_csv_record_clear(&header);
			return fail_usage(err);
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(header.fields[k], header.fields[i]) == 0) {
				sl_error_set(err, "%s:%d: column name '%s' appears twice in the header "
					     "row (columns %zu and %zu)", ds->path, header.line,
					     header.fields[i], k + 1, i + 1);
				sl_csv_record_clear(&header);
				return fail_usage(err);
			}
		note_field(ds, header.fields[i]);
	}
	while ((rc = sl_csv_read(&c, &rec, err)) == 1) {
		if (sl_csv_record_blank(&rec)) {
			sl_csv_record_clear(&rec);
			continue;
		}
		if (rec.n != header.n) {
			sl_error_set(err, "%s:%d: %zu field%s, but the header has %zu columns", ds->path,
				     rec.line, rec.n, rec.n == 1 ? "" : "s", header.n);
			sl_csv_record_clear(&rec);
			sl_csv_record_clear(&header);
			return fail_usage(err);
		}
		cJSON *vars = cJSON_CreateObject();
		for (size_t i = 0; i < rec.n; i++)
			cJSON_AddItemToObject(vars, header.fields[i], cJSON_CreateString(rec.fields[i]));
		add_case(ds, rec.line, vars);
		sl_csv_record_clear(&rec);
	}
	sl_csv_record_clear(&header);
	return rc < 0 ? -1 : 0;
}

struct sl_dataset *sl_dataset_parse(const char *text, size_t len, const char *path,
				    const char *format, struct sl_error *err)
{
	struct sl_dataset *ds = sl_xcalloc(1, sizeof *ds);
	ds->path = sl_xstrdup(path);
	sl_sha256_hex(text, len, ds->hash);
	if (memchr(text, 0, len)) {
		sl_error_set(err, "%s: contains a NUL byte: not a text dataset", path);
		fail_usage(err);
		goto fail;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	int rc;
	if (sl_utf8_require(text, len, path, err) != 0) {
		rc = -1;
	} else if (strcmp(format, "csv") == 0) {
		ds->format = "csv";
		rc = parse_csv(ds, text, len, err);
	} else {
		ds->format = "jsonl";
		rc = parse_jsonl(ds, text, len, err);
	}
	if (rc != 0)
		goto fail;
	if (ds->n_cases == 0) {
		sl_error_set(err, "%s: the dataset has no rows", path);
		fail_usage(err);
		goto fail;
	}
	return ds;
fail:
	sl_dataset_free(ds);
	return NULL;
}

struct sl_dataset *sl_dataset_load(const char *path, struct sl_error *err)
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
	size_t len;
	char *text = sl_read_file(path, &len, err);
	if (!text) {
		fail_usage(err);
		return NULL;
	}
	struct sl_dataset *ds = sl_dataset_parse(text, len, path, format, err);
	free(text);
	return ds;
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
			for (size_t i = 0; i < ds->n_cases; i++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(ds->cases[i].vars,
										  names[k]);
				if (!v || cJSON_IsNull(v)) {
					sl_error_set(err, "prompt %s@%d uses {{%s}}, but row %zu of %s "
						     "(line %d) has no value for '%s'", pv->name,
						     pv->version, names[k], i + 1, ds->path,
						     ds->cases[i].line, names[k]);
					rc = fail_usage(err);
					break;
				}
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
