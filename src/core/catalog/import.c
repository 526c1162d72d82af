/* Import models.dev JSON into the store, all or nothing.
 *
 * Two shapes exist: the snapshot shipped in data/ ({"models": {canonical id: {...}},
 * "providers": {id: {..., "models": {...}}}, "source": {...}}) and the live api.json
 * ({provider id: {..., "models": {...}}}). Both go through the same validation: every value
 * we store is type-checked, and the first bad one stops the import with the file and the JSON
 * path (providers.openai.models.gpt-4o.limit.context). The old catalogue is deleted and the new
 * one inserted inside one BEGIN IMMEDIATE transaction, so a failure rolls back to exactly what
 * was there. The user's annotations and shortlist live in other tables and are not touched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog_internal.h"
#include "shortlist/paths.h"
#include "shortlist/utf8.h"

struct importer {
	struct sl_store *store;
	struct sl_error *err;
	const char *origin;
	char path[1024]; /* JSON path of the value being read */
	size_t path_len;
	long n_providers, n_models, n_base, n_bench;
	struct sl_buf scratch;
};

static size_t path_push(struct importer *im, const char *seg, bool index)
{
	size_t old = im->path_len;
	int n = index ? snprintf(im->path + old, sizeof im->path - old, "[%s]", seg)
		      : snprintf(im->path + old, sizeof im->path - old, "%s%s", old ? "." : "", seg);
	if (n > 0)
		im->path_len = old + (size_t)n < sizeof im->path ? old + (size_t)n : sizeof im->path - 1;
	return old;
}

static void path_pop(struct importer *im, size_t old)
{
	im->path_len = old;
	im->path[old] = '\0';
}

static const char *json_type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsNull(v))
		return "null";
	return "an invalid value";
}

static int fail_type(struct importer *im, const char *key, const cJSON *v, const char *want)
{
	size_t old = key ? path_push(im, key, false) : im->path_len;
	char shown[48] = "";
	if (cJSON_IsString(v))
		snprintf(shown, sizeof shown, " (\"%.32s\")", v->valuestring);
	sl_error_set(im->err, "%s: %s: expected %s, found %s%s", im->origin,
		     im->path[0] ? im->path : "(top level)", want, json_type_name(v), shown);
	im->err->code = SL_EXIT_USAGE;
	path_pop(im, old);
	return -1;
}

/* Optional members: JSON null or absent means unknown. Each returns -1 on a wrong type. */
static int get_str(struct importer *im, const cJSON *obj, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return fail_type(im, key, v, "a string");
	*out = v->valuestring;
	return 0;
}

/* -1 unknown, 0, 1 */
static int get_bool(struct importer *im, const cJSON *obj, const char *key, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = -1;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return fail_type(im, key, v, "true or false");
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return 0;
}

static int get_num(struct importer *im, const cJSON *obj, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NAN;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
		return fail_type(im, key, v, "a non-negative number");
	*out = v->valuedouble;
	return 0;
}

static int get_obj(struct importer *im, const cJSON *obj, const char *key, const cJSON **out,
		   bool required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		size_t old = path_push(im, key, false);
		sl_error_set(im->err, "%s: %s: missing (expected an object)", im->origin, im->path);
		path_pop(im, old);
		return -1;
	}
	if (!cJSON_IsObject(v))
		return fail_type(im, key, v, "an object");
	*out = v;
	return 0;
}

/* An array of strings joined with ',' into im->scratch; *out NULL when absent. */
static int get_str_list(struct importer *im, const cJSON *obj, const char *key, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return fail_type(im, key, v, "an array of strings");
	struct sl_buf b;
	sl_buf_init(&b);
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			size_t old = path_push(im, key, false);
			char idx[16];
			snprintf(idx, sizeof idx, "%d", i);
			path_push(im, idx, true);
			fail_type(im, NULL, e, "a string");
			path_pop(im, old);
			sl_buf_free(&b);
			return -1;
		}
		if (b.len)
			sl_buf_putc(&b, ',');
		sl_buf_puts(&b, e->valuestring);
		i++;
	}
	*out = sl_buf_steal(&b);
	return 0;
}

static void bind_num(sqlite3_stmt *st, int idx, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_double(st, idx, v);
}

static void bind_int(sqlite3_stmt *st, int idx, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int64(st, idx, (sqlite3_int64)llround(v));
}

static void bind_tri(sqlite3_stmt *st, int idx, int v)
{
	if (v < 0)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int(st, idx, v);
}

static void bind_raw(struct importer *im, sqlite3_stmt *st, int idx, const cJSON *v)
{
	char *raw = cJSON_PrintUnformatted(v);
	if (!raw) {
		fprintf(stderr, "shortlist: out of memory printing JSON\n");
		abort();
	}
	sqlite3_bind_text(st, idx, raw, -1, cJSON_free);
	(void)im;
}

/* Step an insert; a primary-key clash is a duplicate id in the file. */
static int step_insert(struct importer *im, sqlite3_stmt *st, const char *what, const char *id)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	int ext = sqlite3_extended_errcode(sl_store_db(im->store));
	sqlite3_reset(st);
	if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE) {
		sl_error_set(im->err, "%s: %s: duplicate %s id '%s'", im->origin, im->path, what, id);
		im->err->code = SL_EXIT_USAGE;
		return -1;
	}
	char *doing = sl_xasprintf("importing %s at %s", what, im->path);
	sl_store_error(im->store, im->err, doing);
	free(doing);
	return -1;
}

static const char SQL_BASE[] =
	"INSERT INTO base_models (id, name, family, open_weights, license, release_date, raw) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_BENCH[] =
	"INSERT INTO benchmarks (base_model, name, metric, score, date, source) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_PROVIDER[] =
	"INSERT INTO providers (id, name, api, doc, env, npm) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_MODEL[] =
	"INSERT INTO models (key, provider_id, model_id, name, family, base_model, open_weights,"
	" reasoning, tool_call, attachment, temperature, structured_output, context, max_input,"
	" max_output, price_in, price_out, price_cache_read, price_cache_write, modalities_in,"
	" modalities_out, knowledge, release_date, last_updated, status, params_b,"
	" params_derived, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)";

static int import_benchmarks(struct importer *im, const char *base_id, const cJSON *model)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(model, "benchmarks");
	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return fail_type(im, "benchmarks", list, "an array");
	sqlite3_stmt *st = sl_store_prepare(im->store, SQL_BENCH, im->err);
	if (!st)
		return -1;
	size_t old = path_push(im, "benchmarks", false);
	int i = 0, rc = 0;
	const cJSON *b;
	cJSON_ArrayForEach(b, list) {
		char idx[16];
		snprintf(idx, sizeof idx, "%d", i++);
		size_t o2 = path_push(im, idx, true);
		const char *name, *metric, *date, *source;
		double score;
		if (!cJSON_IsObject(b)) {
			rc = fail_type(im, NULL, b, "an object");
		} else if (get_str(im, b, "name", &name) || get_str(im, b, "metric", &metric) ||
			   get_str(im, b, "date", &date) || get_str(im, b, "source", &source) ||
			   get_num(im, b, "score", &score)) {
			rc = -1;
		} else if (!name || isnan(score)) {
			sl_error_set(im->err, "%s: %s: a benchmark needs a \"name\" and a \"score\"",
				     im->origin, im->path);
			rc = -1;
		} else {
			sqlite3_bind_text(st, 1, base_id, -1, SQLITE_STATIC);
			sl_bind_text(st, 2, name);
			sl_bind_text(st, 3, metric);
			sqlite3_bind_double(st, 4, score);
			sl_bind_text(st, 5, date);
			sl_bind_text(st, 6, source);
			rc = step_insert(im, st, "benchmark", name);
			im->n_bench++;
		}
		path_pop(im, o2);
		if (rc)
			break;
	}
	path_pop(im, old);
	return rc;
}

static int import_base_model(struct importer *im, const cJSON *m)
{
	size_t old = path_push(im, m->string, false);
	int rc = -1;
	const char *id, *name, *family, *license, *release;
	int open_weights;
	if (!cJSON_IsObject(m)) {
		fail_type(im, NULL, m, "an object");
		goto out;
	}
	if (get_str(im, m, "id", &id) || get_str(im, m, "name", &name) ||
	    get_str(im, m, "family", &family) || get_str(im, m, "license", &license) ||
	    get_str(im, m, "release_date", &release) || get_bool(im, m, "open_weights", &open_weights))
		goto out;
	if (!id)
		id = m->string;
	sqlite3_stmt *st = sl_store_prepare(im->store, SQL_BASE, im->err);
	if (!st)
		goto out;
	sl_bind_text(st, 1, id);
	sl_bind_text(st, 2, name);
	sl_bind_text(st, 3, family);
	bind_tri(st, 4, open_weights);
	sl_bind_text(st, 5, license);
	sl_bind_text(st, 6, release);
	bind_raw(im, st, 7, m);
	if (step_insert(im, st, "canonical model", id) != 0)
		goto out;
	im->n_base++;
	rc = import_benchmarks(im, id, m);
out:
	path_pop(im, old);
	return rc;
}

static int import_model(struct importer *im, const char *provider_id, const cJSON *m,
			sqlite3_stmt *st)
{
	size_t old = path_push(im, m->string, false);
	int rc = -1;
	char *mod_in = NULL, *mod_out = NULL, *key = NULL;
	const char *id, *name, *family, *base, *knowledge, *release, *updated, *status;
	int open_weights, reasoning, tool_call, attachment, temperature, structured;
	double context, max_in, max_out, p_in = NAN, p_out = NAN, p_cr = NAN, p_cw = NAN;
	const cJSON *limit, *cost, *modalities;
	if (!cJSON_IsObject(m)) {
		fail_type(im, NULL, m, "an object");
		goto out;
	}
	if (get_str(im, m, "id", &id) || get_str(im, m, "name", &name) ||
	    get_str(im, m, "family", &family) || get_str(im, m, "base_model", &base) ||
	    get_str(im, m, "knowledge", &knowledge) || get_str(im, m, "release_date", &release) ||
	    get_str(im, m, "last_updated", &updated) || get_str(im, m, "status", &status) ||
	    get_bool(im, m, "open_weights", &open_weights) ||
	    get_bool(im, m, "reasoning", &reasoning) || get_bool(im, m, "tool_call", &tool_call) ||
	    get_bool(im, m, "attachment", &attachment) ||
	    get_bool(im, m, "temperature", &temperature) ||
	    get_bool(im, m, "structured_output", &structured) ||
	    get_obj(im, m, "limit", &limit, false) || get_obj(im, m, "cost", &cost, false) ||
	    get_obj(im, m, "modalities", &modalities, false))
		goto out;
	context = max_in = max_out = NAN;
	if (limit) {
		size_t o2 = path_push(im, "limit", false);
		int r = get_num(im, limit, "context", &context) || get_num(im, limit, "input", &max_in) ||
			get_num(im, limit, "output", &max_out);
		path_pop(im, o2);
		if (r)
			goto out;
	}
	if (cost) {
		size_t o2 = path_push(im, "cost", false);
		int r = get_num(im, cost, "input", &p_in) || get_num(im, cost, "output", &p_out) ||
			get_num(im, cost, "cache_read", &p_cr) ||
			get_num(im, cost, "cache_write", &p_cw);
		path_pop(im, o2);
		if (r)
			goto out;
	}
	if (modalities) {
		size_t o2 = path_push(im, "modalities", false);
		int r = get_str_list(im, modalities, "input", &mod_in) ||
			get_str_list(im, modalities, "output", &mod_out);
		path_pop(im, o2);
		if (r)
			goto out;
	}
	if (!id)
		id = m->string;
	if (!name)
		name = id;
	key = sl_xasprintf("%s/%s", provider_id, id);
	/* Provider models name their canonical model in base_model; many that do not are
	 * themselves the canonical entry (anthropic/claude-... under anthropic). */
	const char *base_link = base;
	if (!base_link) {
		sqlite3_stmt *q = sl_store_prepare(im->store, "SELECT 1 FROM base_models WHERE id = ?1",
						   im->err);
		if (!q)
			goto out;
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			base_link = key;
		sqlite3_reset(q);
	}
	double params = sl_derive_params(id, name, base_link, open_weights);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, provider_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sl_bind_text(st, 5, family);
	sl_bind_text(st, 6, base_link);
	bind_tri(st, 7, open_weights);
	bind_tri(st, 8, reasoning);
	bind_tri(st, 9, tool_call);
	bind_tri(st, 10, attachment);
	bind_tri(st, 11, temperature);
	bind_tri(st, 12, structured);
	bind_int(st, 13, context);
	bind_int(st, 14, max_in);
	bind_int(st, 15, max_out);
	bind_num(st, 16, p_in);
	bind_num(st, 17, p_out);
	bind_num(st, 18, p_cr);
	bind_num(st, 19, p_cw);
	sl_bind_text(st, 20, mod_in);
	sl_bind_text(st, 21, mod_out);
	sl_bind_text(st, 22, knowledge);
	sl_bind_text(st, 23, release);
	sl_bind_text(st, 24, updated);
	sl_bind_text(st, 25, status);
	bind_num(st, 26, params);
	sqlite3_bind_int(st, 27, isnan(params) ? 0 : 1);
	bind_raw(im, st, 28, m);
	if (step_insert(im, st, "model", key) != 0)
		goto out;
	im->n_models++;
	rc = 0;
out:
	free(mod_in);
	free(mod_out);
	free(key);
	path_pop(im, old);
	return rc;
}

static int import_provider(struct importer *im, const cJSON *p)
{
	size_t old = path_push(im, p->string, false);
	int rc = -1;
	char *env = NULL;
	const char *id, *name, *api, *doc, *npm;
	const cJSON *models;
	if (!cJSON_IsObject(p)) {
		fail_type(im, NULL, p, "an object (a provider)");
		goto out;
	}
	if (get_str(im, p, "id", &id) || get_str(im, p, "name", &name) ||
	    get_str(im, p, "api", &api) || get_str(im, p, "doc", &doc) ||
	    get_str(im, p, "npm", &npm) || get_str_list(im, p, "env", &env) ||
	    get_obj(im, p, "models", &models, true))
		goto out;
	if (!id)
		id = p->string;
	if (!*id || strchr(id, '/')) {
		sl_error_set(im->err, "%s: %s: provider id '%s' must be non-empty without '/'",
			     im->origin, im->path, id);
		goto out;
	}
	sqlite3_stmt *st = sl_store_prepare(im->store, SQL_PROVIDER, im->err);
	if (!st)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name ? name : id, -1, SQLITE_STATIC);
	sl_bind_text(st, 3, api);
	sl_bind_text(st, 4, doc);
	sl_bind_text(st, 5, env);
	sl_bind_text(st, 6, npm);
	if (step_insert(im, st, "provider", id) != 0)
		goto out;
	im->n_providers++;

	sqlite3_stmt *ms = sl_store_prepare(im->store, SQL_MODEL, im->err);
	if (!ms)
		goto out;
	size_t o2 = path_push(im, "models", false);
	const cJSON *m;
	cJSON_ArrayForEach(m, models) {
		if (import_model(im, id, m, ms) != 0) {
			path_pop(im, o2);
			goto out;
		}
	}
	path_pop(im, o2);
	rc = 0;
out:
	free(env);
	path_pop(im, old);
	return rc;
}

static int set_meta(struct importer *im, const char *key, const char *value)
{
	sqlite3_stmt *st = sl_store_prepare(
		im->store, "INSERT OR REPLACE INTO catalog_meta (key, value) VALUES (?1, ?2)", im->err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value ? value : "", -1, SQLITE_TRANSIENT);
	return step_insert(im, st, "meta", key);
}

/* Unbalanced brackets or an open string at the end: the text was cut short. */
static bool looks_truncated(const char *json, size_t len)
{
	long depth = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < len; i++) {
		char c = json[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return in_str || depth > 0 || len == 0;
}

static void describe_parse_error(struct importer *im, const char *json, size_t len,
				 const char *at)
{
	bool truncated = looks_truncated(json, len);
	size_t off = at && at >= json && at <= json + len ? (size_t)(at - json) : len;
	if (truncated)
		off = len;
	long line = 1, col = 1;
	for (size_t i = 0; i < off; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	sl_error_set(im->err, "%s: invalid JSON at line %ld, column %ld%s", im->origin, line, col,
		     truncated ? ": the file ends early (truncated or a partial download)"
			       : ": malformed value");
	im->err->code = SL_EXIT_USAGE;
}

static int run_import(struct importer *im, const cJSON *root, const char *json, size_t len)
{
	if (!cJSON_IsObject(root))
		return fail_type(im, NULL, root, "an object (models.dev catalogue)");
	const cJSON *providers = cJSON_GetObjectItemCaseSensitive(root, "providers");
	const cJSON *canon = cJSON_GetObjectItemCaseSensitive(root, "models");
	/* The live api.json has no top-level "providers" object of providers: a provider
	 * object has its own string "id". A {"providers": {...}} wrapper without canonical
	 * models (as some descriptions of api.json show it) reads like the snapshot. */
	bool snapshot = cJSON_IsObject(providers) &&
			!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(providers, "id"));
	const char *src_name = NULL, *src_commit = NULL, *src_date = NULL;
	if (snapshot) {
		const cJSON *source;
		if (canon && !cJSON_IsObject(canon) && !cJSON_IsNull(canon))
			return fail_type(im, "models", canon, "an object of canonical models");
		if (get_obj(im, root, "source", &source, false))
			return -1;
		if (source) {
			size_t old = path_push(im, "source", false);
			int r = get_str(im, source, "name", &src_name) ||
				get_str(im, source, "commit", &src_commit) ||
				get_str(im, source, "date", &src_date);
			path_pop(im, old);
			if (r)
				return -1;
		}
	}

	if (sl_store_begin(im->store, im->err) != 0)
		return -1;
	if (sl_store_exec(im->store,
			  "DELETE FROM benchmarks; DELETE FROM models; DELETE FROM base_models;"
			  "DELETE FROM providers; DELETE FROM catalog_meta;",
			  im->err) != 0)
		goto fail;
	const cJSON *it;
	if (snapshot) {
		if (canon && cJSON_IsObject(canon)) {
			size_t old = path_push(im, "models", false);
			cJSON_ArrayForEach(it, canon) {
				if (import_base_model(im, it) != 0)
					goto fail;
			}
			path_pop(im, old);
		}
		size_t old = path_push(im, "providers", false);
		cJSON_ArrayForEach(it, providers) {
			if (import_provider(im, it) != 0)
				goto fail;
		}
		path_pop(im, old);
	} else {
		cJSON_ArrayForEach(it, root) {
			if (import_provider(im, it) != 0)
				goto fail;
		}
	}
	if (im->n_providers == 0 || im->n_models == 0) {
		sl_error_set(im->err, "%s: no providers with models found: not a models.dev catalogue "
			     "(expected {\"providers\": {...}} or {\"<provider>\": {\"models\": {...}}})",
			     im->origin);
		goto fail;
	}

	char hex[65], now[32], num[32];
	sl_sha256_hex(json, len, hex);
	sl_iso8601(sl_wall_ms(), now);
	if (set_meta(im, "source_name", src_name ? src_name : "models.dev") ||
	    set_meta(im, "source_commit", src_commit) || set_meta(im, "source_date", src_date) ||
	    set_meta(im, "origin", im->origin) ||
	    set_meta(im, "shape", !snapshot ? "api.json"
				  : (canon || src_name || src_commit || src_date) ? "snapshot"
				  : "api.json") ||
	    set_meta(im, "imported_at", now) || set_meta(im, "sha256", hex))
		goto fail;
	snprintf(num, sizeof num, "%ld", im->n_models);
	if (set_meta(im, "model_count", num))
		goto fail;
	return sl_store_commit(im->store, im->err);
fail:
	im->path[0] = '\0';
	sl_store_rollback(im->store);
	return -1;
}

int sl_catalog_import_buffer(struct sl_store *store, const char *json, size_t len,
			     const char *origin, struct sl_error *err)
{
	struct sl_error local = { 0 };
	if (!err)
		err = &local;
	struct importer im = { .store = store, .err = err, .origin = origin ? origin : "(buffer)" };
	int64_t t0 = sl_now_ns();
	const char *whole = json;
	size_t whole_len = len;
	/* A UTF-8 byte order mark is legal in a file and meaningless to JSON. */
	if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0) {
		json += 3;
		len -= 3;
	}
	/* cJSON keeps bytes that are not UTF-8: they would be stored and drawn half-decoded */
	if (sl_utf8_require(json, len, im.origin, err) != 0)
		return -1;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root) {
		describe_parse_error(&im, json, len, end ? end : cJSON_GetErrorPtr());
		return -1;
	}
	for (const char *p = end; p && p < json + len; p++) {
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t' && *p != '\0') {
			describe_parse_error(&im, json, len, p);
			snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
				 " (text after the end of the JSON value)");
			cJSON_Delete(root);
			return -1;
		}
	}
	int rc = run_import(&im, root, whole, whole_len);
	cJSON_Delete(root);
	if (rc == 0) {
		/* Record how long it took outside the transaction: informational only. */
		char ms[32];
		snprintf(ms, sizeof ms, "%.1f", (double)(sl_now_ns() - t0) / 1e6);
		sqlite3_stmt *st = sl_store_prepare(
			store, "INSERT OR REPLACE INTO catalog_meta (key, value) VALUES ('import_ms', ?1)",
			NULL);
		if (st) {
			sqlite3_bind_text(st, 1, ms, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	} else if (err->code == 0) {
		err->code = SL_EXIT_USAGE;
	}
	return rc;
}

int sl_catalog_import_file(struct sl_store *store, const char *path, struct sl_error *err)
{
	size_t len;
	char *data = sl_read_file(path, &len, err);
	if (!data)
		return -1;
	int rc = sl_catalog_import_buffer(store, data, len, path, err);
	free(data);
	return rc;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int sl_catalog_ensure_loaded(struct sl_store *store, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(
		store, "SELECT 1 FROM catalog_meta WHERE key = 'sha256'", err);
	if (!st)
		return -1;
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return 0;
	char *path = sl_paths_share_file("data/models.dev-catalog.json");
	rc = sl_catalog_import_file(store, path, err);
	if (rc != 0 && err) {
		char *msg = sl_xasprintf("loading the shipped catalogue failed: %s (set "
					 "SHORTLIST_DATADIR to the directory holding data/, or run "
					 "'shortlist catalog update')", err->msg);
		copy_str(err->msg, sizeof err->msg, msg);
		free(msg);
	}
	free(path);
	return rc;
}

int sl_catalog_info(struct sl_store *store, struct sl_catalog_info *out, struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT key, value FROM catalog_meta", err);
	if (!st)
		return -1;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		const char *k = sl_col_text(st, 0), *v = sl_col_text(st, 1);
		if (!strcmp(k, "source_name"))
			copy_str(out->source_name, sizeof out->source_name, v);
		else if (!strcmp(k, "source_commit"))
			copy_str(out->source_commit, sizeof out->source_commit, v);
		else if (!strcmp(k, "source_date"))
			copy_str(out->source_date, sizeof out->source_date, v);
		else if (!strcmp(k, "origin"))
			copy_str(out->origin, sizeof out->origin, v);
		else if (!strcmp(k, "shape"))
			copy_str(out->shape, sizeof out->shape, v);
		else if (!strcmp(k, "imported_at"))
			copy_str(out->imported_at, sizeof out->imported_at, v);
		else if (!strcmp(k, "sha256"))
			copy_str(out->sha256, sizeof out->sha256, v);
		else if (!strcmp(k, "import_ms"))
			out->import_ms = atof(v);
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	static const char *const counts[] = {
		"SELECT count(*) FROM providers", "SELECT count(*) FROM models",
		"SELECT count(*) FROM base_models", "SELECT count(*) FROM benchmarks",
		"SELECT count(*) FROM annotations", "SELECT count(*) FROM shortlist",
	};
	long *dst[] = { &out->providers, &out->models, &out->base_models, &out->benchmarks,
			&out->annotations, &out->shortlisted };
	for (size_t i = 0; i < SL_ARRAY_LEN(counts); i++) {
		st = sl_store_prepare(store, counts[i], err);
		if (!st || sl_store_step(store, st, err) != SQLITE_ROW)
			return -1;
		*dst[i] = (long)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return 0;
}
