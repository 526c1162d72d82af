/* The prompt catalogue. Versions are append-only (the schema's triggers enforce it); the
 * content hash is over a canonical JSON of messages and params so the same prompt has the
 * same hash in every database, export and import. */
#include "shortlist/prompts.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval_internal.h"

static void params_init(struct sl_prompt_params *p)
{
	memset(p, 0, sizeof *p);
	p->temperature = NAN;
	p->top_p = NAN;
	p->max_tokens = -1;
}

void sl_prompt_version_free(struct sl_prompt_version *pv)
{
	if (!pv)
		return;
	free(pv->name);
	for (size_t i = 0; i < pv->n_tags; i++)
		free(pv->tags[i]);
	free(pv->tags);
	for (size_t i = 0; i < pv->n_version_tags; i++)
		free(pv->version_tags[i]);
	free(pv->version_tags);
	for (size_t i = 0; i < pv->n_messages; i++) {
		free(pv->messages[i].role);
		free(pv->messages[i].content);
	}
	free(pv->messages);
	for (size_t i = 0; i < pv->params.n_stop; i++)
		free(pv->params.stop[i]);
	free(pv->params.stop);
	free(pv->params.response_format);
	free(pv->author);
	free(pv->note);
	free(pv->created_at);
	memset(pv, 0, sizeof *pv);
}

static void add_message(struct sl_prompt_version *pv, const char *role, const char *content)
{
	pv->messages = sl_xrealloc(pv->messages, (pv->n_messages + 1) * sizeof *pv->messages);
	pv->messages[pv->n_messages++] =
		(struct sl_prompt_message){ sl_xstrdup(role), sl_xstrdup(content) };
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 100)
		return false;
	for (const char *p = s; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

static int fail_usage(struct sl_error *err)
{
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

static int params_from_json(const cJSON *obj, const char *origin, const char *path,
			    struct sl_prompt_params *p, struct sl_error *err)
{
	static const char *const keys[] = { "temperature", "top_p", "max_tokens", "stop",
					    "response_format", NULL };
	if (!cJSON_IsObject(obj)) {
		sl_error_set(err, "%s: %s must be an object", origin, path);
		return fail_usage(err);
	}
	if (sl_json_check_keys(obj, keys, origin, path, err) != 0)
		return -1;
	const cJSON *v;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "temperature"))) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 2) {
			sl_error_set(err, "%s: %s.temperature must be a number from 0 to 2", origin, path);
			return fail_usage(err);
		}
		p->temperature = v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "top_p"))) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1) {
			sl_error_set(err, "%s: %s.top_p must be a number from 0 to 1", origin, path);
			return fail_usage(err);
		}
		p->top_p = v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "max_tokens"))) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e7 ||
		    v->valuedouble != floor(v->valuedouble)) {
			sl_error_set(err, "%s: %s.max_tokens must be a positive integer", origin, path);
			return fail_usage(err);
		}
		p->max_tokens = (int64_t)v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "stop"))) {
		if (cJSON_IsString(v)) {
			p->stop = sl_xmalloc(sizeof *p->stop);
			p->stop[p->n_stop++] = sl_xstrdup(v->valuestring);
		} else if (cJSON_IsArray(v)) {
			const cJSON *s;
			cJSON_ArrayForEach(s, v) {
				if (!cJSON_IsString(s) || !*s->valuestring) {
					sl_error_set(err, "%s: %s.stop must hold non-empty strings", origin,
						     path);
					return fail_usage(err);
				}
				p->stop = sl_xrealloc(p->stop, (p->n_stop + 1) * sizeof *p->stop);
				p->stop[p->n_stop++] = sl_xstrdup(s->valuestring);
			}
		} else {
			sl_error_set(err, "%s: %s.stop must be a string or an array of strings", origin,
				     path);
			return fail_usage(err);
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "response_format"))) {
		if (!cJSON_IsString(v) ||
		    (strcmp(v->valuestring, "text") != 0 && strcmp(v->valuestring, "json") != 0)) {
			sl_error_set(err, "%s: %s.response_format must be \"text\" or \"json\"", origin,
				     path);
			return fail_usage(err);
		}
		if (strcmp(v->valuestring, "json") == 0)
			p->response_format = sl_xstrdup("json");
	}
	return 0;
}

static const char *opt_string(const cJSON *obj, const char *key, const char *origin,
			      const char *path, struct sl_error *err, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		sl_error_set(err, "%s: %s.%s must be a string", origin, path, key);
		fail_usage(err);
		*bad = true;
		return NULL;
	}
	return v->valuestring;
}

int sl_prompt_from_json(const cJSON *obj, const char *origin, const char *path,
			struct sl_prompt_version *out, struct sl_error *err)
{
	static const char *const keys[] = { "name", "tags", "system", "user", "messages",
					    "params", "author", "note", "version", "created_at",
					    "hash", NULL };
	memset(out, 0, sizeof *out);
	params_init(&out->params);
	if (!cJSON_IsObject(obj)) {
		sl_error_set(err, "%s: %s must be a JSON object", origin, path);
		return fail_usage(err);
	}
	if (sl_json_check_keys(obj, keys, origin, path, err) != 0)
		goto fail;
	bool bad = false;
	const char *name = opt_string(obj, "name", origin, path, err, &bad);
	const char *system = opt_string(obj, "system", origin, path, err, &bad);
	const char *user = opt_string(obj, "user", origin, path, err, &bad);
	const char *author = opt_string(obj, "author", origin, path, err, &bad);
	const char *note = opt_string(obj, "note", origin, path, err, &bad);
	if (bad)
		goto fail;
	if (!name) {
		sl_error_set(err, "%s: %s.name is missing (a prompt needs a name)", origin, path);
		goto fail_u;
	}
	if (!valid_name(name)) {
		sl_error_set(err, "%s: %s.name \"%s\" must be 1-100 letters, digits, '-', '_' or '.'",
			     origin, path, name);
		goto fail_u;
	}
	out->name = sl_xstrdup(name);
	out->author = author ? sl_xstrdup(author) : NULL;
	out->note = note ? sl_xstrdup(note) : NULL;
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(obj, "tags");
	if (tags) {
		if (!cJSON_IsArray(tags)) {
			sl_error_set(err, "%s: %s.tags must be an array of strings", origin, path);
			goto fail_u;
		}
		const cJSON *t;
		cJSON_ArrayForEach(t, tags) {
			if (!cJSON_IsString(t) || !*t->valuestring || strchr(t->valuestring, ',')) {
				sl_error_set(err, "%s: %s.tags must hold non-empty strings without ','",
					     origin, path);
				goto fail_u;
			}
			out->tags = sl_xrealloc(out->tags, (out->n_tags + 1) * sizeof *out->tags);
			out->tags[out->n_tags++] = sl_xstrdup(t->valuestring);
		}
	}
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(obj, "messages");
	if (msgs && (system || user)) {
		sl_error_set(err, "%s: %s has both \"messages\" and \"system\"/\"user\": use one form",
			     origin, path);
		goto fail_u;
	}
	if (msgs) {
		if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0) {
			sl_error_set(err, "%s: %s.messages must be a non-empty array", origin, path);
			goto fail_u;
		}
		int i = 0;
		const cJSON *m;
		cJSON_ArrayForEach(m, msgs) {
			static const char *const mkeys[] = { "role", "content", NULL };
			char mpath[256];
			snprintf(mpath, sizeof mpath, "%s.messages[%d]", path, i++);
			if (!cJSON_IsObject(m)) {
				sl_error_set(err, "%s: %s must be an object", origin, mpath);
				goto fail_u;
			}
			if (sl_json_check_keys(m, mkeys, origin, mpath, err) != 0)
				goto fail;
			const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
			const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
			if (!cJSON_IsString(role) || (strcmp(role->valuestring, "system") != 0 &&
						      strcmp(role->valuestring, "user") != 0 &&
						      strcmp(role->valuestring, "assistant") != 0)) {
				sl_error_set(err, "%s: %s.role must be \"system\", \"user\" or "
					     "\"assistant\"", origin, mpath);
				goto fail_u;
			}
			if (!cJSON_IsString(content)) {
				sl_error_set(err, "%s: %s.content must be a string", origin, mpath);
				goto fail_u;
			}
			add_message(out, role->valuestring, content->valuestring);
		}
	} else {
		if (!user) {
			sl_error_set(err, "%s: %s needs \"user\" (and optionally \"system\") or "
				     "\"messages\"", origin, path);
			goto fail_u;
		}
		if (system)
			add_message(out, "system", system);
		add_message(out, "user", user);
	}
	bool has_user = false;
	for (size_t i = 0; i < out->n_messages; i++) {
		has_user |= strcmp(out->messages[i].role, "user") == 0;
		char **names;
		size_t n;
		struct sl_error terr = { 0 };
		if (sl_template_vars(out->messages[i].content, &names, &n, &terr) != 0) {
			sl_error_set(err, "%s: prompt %s, %s message: %s", origin, out->name,
				     out->messages[i].role, terr.msg);
			goto fail_u;
		}
		for (size_t k = 0; k < n; k++)
			free(names[k]);
		free(names);
	}
	if (!has_user) {
		sl_error_set(err, "%s: %s.messages has no \"user\" message", origin, path);
		goto fail_u;
	}
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(obj, "params");
	if (params) {
		char ppath[256];
		snprintf(ppath, sizeof ppath, "%s.params", path);
		if (params_from_json(params, origin, ppath, &out->params, err) != 0)
			goto fail;
	}
	sl_prompt_hash(out);
	return 0;
fail_u:
	fail_usage(err);
fail:
	sl_prompt_version_free(out);
	return -1;
}

static cJSON *params_to_json(const struct sl_prompt_params *p)
{
	cJSON *o = cJSON_CreateObject();
	if (!isnan(p->temperature))
		cJSON_AddNumberToObject(o, "temperature", p->temperature);
	if (!isnan(p->top_p))
		cJSON_AddNumberToObject(o, "top_p", p->top_p);
	if (p->max_tokens > 0)
		cJSON_AddNumberToObject(o, "max_tokens", (double)p->max_tokens);
	if (p->n_stop) {
		cJSON *a = cJSON_AddArrayToObject(o, "stop");
		for (size_t i = 0; i < p->n_stop; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(p->stop[i]));
	}
	if (p->response_format)
		cJSON_AddStringToObject(o, "response_format", p->response_format);
	return o;
}

static cJSON *messages_to_json(const struct sl_prompt_version *pv)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < pv->n_messages; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", pv->messages[i].role);
		cJSON_AddStringToObject(m, "content", pv->messages[i].content);
		cJSON_AddItemToArray(a, m);
	}
	return a;
}

void sl_prompt_hash(struct sl_prompt_version *pv)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "messages", messages_to_json(pv));
	cJSON_AddItemToObject(o, "params", params_to_json(&pv->params));
	char *s = cJSON_PrintUnformatted(o);
	sl_sha256_hex(s, strlen(s), pv->hash);
	cJSON_free(s);
	cJSON_Delete(o);
}

/* system + user is written in the short form, anything else as a messages array. */
static void add_content_json(cJSON *o, const struct sl_prompt_version *pv)
{
	bool short_form = (pv->n_messages == 1 && strcmp(pv->messages[0].role, "user") == 0) ||
			  (pv->n_messages == 2 && strcmp(pv->messages[0].role, "system") == 0 &&
			   strcmp(pv->messages[1].role, "user") == 0);
	if (short_form) {
		for (size_t i = 0; i < pv->n_messages; i++)
			cJSON_AddStringToObject(o, pv->messages[i].role, pv->messages[i].content);
	} else {
		cJSON_AddItemToObject(o, "messages", messages_to_json(pv));
	}
	cJSON *params = params_to_json(&pv->params);
	if (params->child)
		cJSON_AddItemToObject(o, "params", params);
	else
		cJSON_Delete(params);
}

cJSON *sl_prompt_to_json(const struct sl_prompt_version *pv, bool with_meta)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", pv->name);
	cJSON *tags = cJSON_AddArrayToObject(o, "tags");
	for (size_t i = 0; i < pv->n_tags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(pv->tags[i]));
	add_content_json(o, pv);
	if (with_meta) {
		if (pv->author)
			cJSON_AddStringToObject(o, "author", pv->author);
		if (pv->note)
			cJSON_AddStringToObject(o, "note", pv->note);
	}
	return o;
}

char *sl_prompt_render_text(const struct sl_prompt_version *pv)
{
	struct sl_buf b;
	sl_buf_init(&b);
	for (size_t i = 0; i < pv->n_messages; i++) {
		sl_buf_printf(&b, "[%s]\n%s", pv->messages[i].role, pv->messages[i].content);
		if (!sl_str_ends_with(pv->messages[i].content, "\n"))
			sl_buf_putc(&b, '\n');
	}
	sl_buf_puts(&b, "[params]\n");
	const struct sl_prompt_params *p = &pv->params;
	if (!isnan(p->temperature))
		sl_buf_printf(&b, "temperature = %g\n", p->temperature);
	if (!isnan(p->top_p))
		sl_buf_printf(&b, "top_p = %g\n", p->top_p);
	if (p->max_tokens > 0)
		sl_buf_printf(&b, "max_tokens = %lld\n", (long long)p->max_tokens);
	for (size_t i = 0; i < p->n_stop; i++) {
		cJSON *s = cJSON_CreateString(p->stop[i]);
		char *q = cJSON_PrintUnformatted(s);
		sl_buf_printf(&b, "stop = %s\n", q);
		cJSON_free(q);
		cJSON_Delete(s);
	}
	if (p->response_format)
		sl_buf_printf(&b, "response_format = %s\n", p->response_format);
	return sl_buf_steal(&b);
}

/* ---- store ---- */

static char *join_tags(const struct sl_prompt_version *pv)
{
	struct sl_buf b;
	sl_buf_init(&b);
	for (size_t i = 0; i < pv->n_tags; i++)
		sl_buf_printf(&b, "%s%s", i ? "," : "", pv->tags[i]);
	return sl_buf_steal(&b);
}

static void split_tags(const char *s, char ***tags, size_t *n_tags)
{
	while (s && *s) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		if (n) {
			*tags = sl_xrealloc(*tags, (*n_tags + 1) * sizeof **tags);
			(*tags)[(*n_tags)++] = sl_xstrndup(s, n);
		}
		s = c ? c + 1 : NULL;
	}
}

static int latest_version(struct sl_store *store, const char *name, int *version, char hash[65],
			  struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT version, hash FROM prompt_versions WHERE name = ? "
		"ORDER BY version DESC LIMIT 1", err);
	if (!st)
		return -1;
	sl_bind_text(st, 1, name);
	int rc = sl_store_step(store, st, err);
	if (rc < 0)
		return -1;
	*version = 0;
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		snprintf(hash, 65, "%s", sl_col_text(st, 1));
	}
	sqlite3_reset(st);
	return 0;
}

/* Add without a transaction of its own (import wraps many). */
/* Add without a transaction of its own (import wraps many). Tags belong to the prompt, not
 * to a version: given tags replace the prompt's even when no new version is needed. */
static int add_locked(struct sl_store *store, struct sl_prompt_version *pv, bool only_if_new_hash,
		      bool *created, struct sl_error *err)
{
	*created = false;
	char *tags = join_tags(pv);
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT INTO prompts(name, tags, created_at) VALUES (?, ?, ?) "
		"ON CONFLICT(name) DO UPDATE SET tags = CASE WHEN ?4 THEN excluded.tags ELSE tags END",
		err);
	if (!st) {
		free(tags);
		return -1;
	}
	sl_bind_text(st, 1, pv->name);
	sl_bind_text(st, 2, tags);
	sl_bind_text(st, 3, sl_eval_now());
	sqlite3_bind_int(st, 4, pv->n_tags > 0);
	int rc = sl_store_step(store, st, err);
	free(tags);
	if (rc < 0)
		return -1;
	int latest;
	char hash[65] = "";
	if (latest_version(store, pv->name, &latest, hash, err) != 0)
		return -1;
	if (only_if_new_hash) {
		st = sl_store_prepare(store,
			"SELECT version FROM prompt_versions WHERE name = ? AND hash = ? "
			"ORDER BY version DESC LIMIT 1", err);
		if (!st)
			return -1;
		sl_bind_text(st, 1, pv->name);
		sl_bind_text(st, 2, pv->hash);
		rc = sl_store_step(store, st, err);
		if (rc < 0)
			return -1;
		if (rc == SQLITE_ROW) {
			pv->version = sqlite3_column_int(st, 0);
			sqlite3_reset(st);
			return 0;
		}
	} else if (latest && strcmp(hash, pv->hash) == 0) {
		pv->version = latest;
		return 0;
	}
	if (!pv->created_at) /* set: an imported version keeps the time it was first made */
		pv->created_at = sl_xstrdup(sl_eval_now());
	if (!pv->author)
		pv->author = sl_xstrdup(sl_eval_user());
	pv->version = latest + 1;
	cJSON *m = messages_to_json(pv), *p = params_to_json(&pv->params);
	char *ms = cJSON_PrintUnformatted(m), *ps = cJSON_PrintUnformatted(p);
	cJSON_Delete(m);
	cJSON_Delete(p);
	st = sl_store_prepare(store,
		"INSERT INTO prompt_versions(name, version, messages, params, author, note, "
		"created_at, hash, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (st) {
		sl_bind_text(st, 1, pv->name);
		sqlite3_bind_int(st, 2, pv->version);
		sl_bind_text(st, 3, ms);
		sl_bind_text(st, 4, ps);
		sl_bind_text(st, 5, pv->author);
		sl_bind_text(st, 6, pv->note);
		sl_bind_text(st, 7, pv->created_at);
		sl_bind_text(st, 8, pv->hash);
		if (pv->parent > 0)
			sqlite3_bind_int(st, 9, pv->parent);
		else
			sqlite3_bind_null(st, 9);
		rc = sl_store_step(store, st, err);
	}
	cJSON_free(ms);
	cJSON_free(ps);
	if (!st || rc < 0)
		return -1;
	*created = true;
	return 0;
}

int sl_prompts_add(struct sl_store *store, struct sl_prompt_version *pv, bool *created,
		   struct sl_error *err)
{
	if (sl_store_begin(store, err) != 0)
		return -1;
	free(pv->created_at); /* a version added now is made now */
	pv->created_at = NULL;
	if (add_locked(store, pv, false, created, err) != 0) {
		sl_store_rollback(store);
		return -1;
	}
	return sl_store_commit(store, err);
}

static int row_to_version(sqlite3_stmt *st, struct sl_prompt_version *out, struct sl_error *err)
{
	/* columns: name, version, messages, params, author, note, created_at, hash, tags,
	 * parent, version tags */
	memset(out, 0, sizeof *out);
	params_init(&out->params);
	out->name = sl_xstrdup(sl_col_text(st, 0));
	out->version = sqlite3_column_int(st, 1);
	cJSON *m = cJSON_Parse(sl_col_text(st, 2));
	const cJSON *it;
	cJSON_ArrayForEach(it, m) {
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(it, "role");
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(it, "content");
		if (cJSON_IsString(role) && cJSON_IsString(content))
			add_message(out, role->valuestring, content->valuestring);
	}
	cJSON_Delete(m);
	cJSON *p = cJSON_Parse(sl_col_text(st, 3));
	int rc = params_from_json(p, "database", "params", &out->params, err);
	cJSON_Delete(p);
	if (sqlite3_column_type(st, 4) != SQLITE_NULL)
		out->author = sl_xstrdup(sl_col_text(st, 4));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		out->note = sl_xstrdup(sl_col_text(st, 5));
	out->created_at = sl_xstrdup(sl_col_text(st, 6));
	snprintf(out->hash, sizeof out->hash, "%s", sl_col_text(st, 7));
	split_tags(sl_col_text(st, 8), &out->tags, &out->n_tags);
	out->parent = sqlite3_column_int(st, 9);
	split_tags(sl_col_text(st, 10), &out->version_tags, &out->n_version_tags);
	return rc;
}

#define VERSION_COLUMNS                                                                     \
	"SELECT v.name, v.version, v.messages, v.params, v.author, v.note, v.created_at, "  \
	"v.hash, p.tags, v.parent, (SELECT group_concat(tag, ',') FROM (SELECT tag FROM "   \
	"prompt_version_tags t WHERE t.name = v.name AND t.version = v.version ORDER BY "   \
	"tag)) FROM prompt_versions v JOIN prompts p ON p.name = v.name "

static void unknown_prompt(struct sl_store *store, const char *name, struct sl_error *err)
{
	struct sl_buf names;
	sl_buf_init(&names);
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT name FROM prompts ORDER BY name", NULL);
	int n = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW && n < 20)
		sl_buf_printf(&names, "%s%s", n++ ? ", " : "", sl_col_text(st, 0));
	if (st)
		sqlite3_reset(st);
	if (n)
		sl_error_set(err, "no prompt named '%s' (known: %s)", name, names.data);
	else
		sl_error_set(err, "no prompt named '%s': the prompt catalogue is empty (add one "
			     "with 'shortlist prompts add FILE' or 'shortlist prompts import DIR')",
			     name);
	sl_buf_free(&names);
	fail_usage(err);
}

int sl_prompts_get(struct sl_store *store, const char *name, int version,
		   struct sl_prompt_version *out, struct sl_error *err)
{
	sqlite3_stmt *st = version > 0
		? sl_store_prepare(store, VERSION_COLUMNS "WHERE v.name = ? AND v.version = ?", err)
		: sl_store_prepare(store, VERSION_COLUMNS "WHERE v.name = ? "
					  "ORDER BY v.version DESC LIMIT 1", err);
	if (!st)
		return -1;
	sl_bind_text(st, 1, name);
	if (version > 0)
		sqlite3_bind_int(st, 2, version);
	int rc = sl_store_step(store, st, err);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		int latest;
		char hash[65];
		if (latest_version(store, name, &latest, hash, err) != 0)
			return -1;
		if (latest == 0) {
			unknown_prompt(store, name, err);
		} else {
			sl_error_set(err, "prompt '%s' has no version %d (versions 1 to %d)", name,
				     version, latest);
			fail_usage(err);
		}
		return -1;
	}
	rc = row_to_version(st, out, err);
	sqlite3_reset(st);
	if (rc != 0)
		sl_prompt_version_free(out);
	return rc;
}

int sl_prompts_get_ref(struct sl_store *store, const char *ref, struct sl_prompt_version *out,
		       struct sl_error *err)
{
	const char *at = strrchr(ref, '@');
	if (!at)
		return sl_prompts_get(store, ref, 0, out, err);
	char *name = sl_xstrndup(ref, (size_t)(at - ref));
	int version = 0;
	if (strcmp(at + 1, "latest") != 0) {
		char *end;
		long v = strtol(at + 1, &end, 10);
		if (!at[1] || *end || v < 1 || v > 1000000) {
			sl_error_set(err, "bad prompt reference '%s': use NAME, NAME@VERSION (a number "
				     "from 1) or NAME@latest", ref);
			free(name);
			return fail_usage(err);
		}
		version = (int)v;
	}
	int rc = sl_prompts_get(store, name, version, out, err);
	free(name);
	return rc;
}

static bool valid_tag(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || strchr("-_.:/", *p)))
			return false;
	return true;
}

/* The prompt's tags are one comma-separated column (what `prompts list` prints). */
static int tag_prompt(struct sl_store *store, const struct sl_prompt_version *pv,
		      const char *tag, bool add, struct sl_error *err)
{
	struct sl_buf b;
	sl_buf_init(&b);
	bool had = false;
	for (size_t i = 0; i < pv->n_tags; i++) {
		if (strcmp(pv->tags[i], tag) == 0) {
			had = true;
			if (!add)
				continue;
		}
		sl_buf_printf(&b, "%s%s", b.len ? "," : "", pv->tags[i]);
	}
	if (add && !had)
		sl_buf_printf(&b, "%s%s", b.len ? "," : "", tag);
	int rc = 0;
	if (had != add) {
		sqlite3_stmt *st = sl_store_prepare(store,
			"UPDATE prompts SET tags = ? WHERE name = ?", err);
		rc = -1;
		if (st) {
			sl_bind_text(st, 1, b.data);
			sl_bind_text(st, 2, pv->name);
			rc = sl_store_step(store, st, err) < 0 ? -1 : 0;
			sqlite3_reset(st);
		}
	}
	sl_buf_free(&b);
	return rc;
}

int sl_prompts_tag(struct sl_store *store, const char *name, int version, const char *tag,
		   bool add, struct sl_error *err)
{
	if (!valid_tag(tag)) {
		sl_error_set(err, "bad tag '%s': use 1-64 letters, digits or - _ . : /", tag);
		return fail_usage(err);
	}
	struct sl_prompt_version pv;
	if (sl_prompts_get(store, name, version, &pv, err) != 0)
		return -1;
	int rc;
	if (version <= 0) {
		rc = tag_prompt(store, &pv, tag, add, err);
	} else {
		sqlite3_stmt *st = sl_store_prepare(store, add
			? "INSERT OR IGNORE INTO prompt_version_tags (name, version, tag) "
			  "VALUES (?, ?, ?)"
			: "DELETE FROM prompt_version_tags WHERE name = ? AND version = ? AND tag = ?",
			err);
		rc = -1;
		if (st) {
			sl_bind_text(st, 1, name);
			sqlite3_bind_int(st, 2, version);
			sl_bind_text(st, 3, tag);
			rc = sl_store_step(store, st, err) < 0 ? -1 : 0;
			sqlite3_reset(st);
		}
	}
	sl_prompt_version_free(&pv);
	return rc;
}

int sl_prompt_parse(const char *text, size_t len, const char *origin,
		    struct sl_prompt_version *out, struct sl_error *err)
{
	cJSON *root = sl_json_parse_doc(text, len, origin, err);
	if (!root)
		return -1;
	if (sl_json_check_unique_keys(text, len, origin, err) != 0) {
		cJSON_Delete(root);
		return -1;
	}
	if (cJSON_HasObjectItem(root, "versions")) {
		sl_error_set(err, "%s holds several versions (an export file): add it with 'shortlist "
			     "prompts import DIR' on its directory", origin);
		cJSON_Delete(root);
		return fail_usage(err);
	}
	int rc = sl_prompt_from_json(root, origin, "prompt", out, err);
	cJSON_Delete(root);
	return rc;
}

int sl_prompts_list(struct sl_store *store, struct sl_prompt_info **out, size_t *n_out,
		    struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT p.name, p.tags, v.version, v.created_at, v.hash, "
		"  (SELECT COUNT(*) FROM prompt_versions c WHERE c.name = p.name), "
		"  (SELECT group_concat(tag, ',') FROM (SELECT DISTINCT tag FROM "
		"   prompt_version_tags t WHERE t.name = p.name ORDER BY tag)) "
		"FROM prompts p JOIN prompt_versions v ON v.name = p.name AND v.version = "
		"  (SELECT MAX(version) FROM prompt_versions m WHERE m.name = p.name) "
		"ORDER BY p.name", err);
	if (!st)
		return -1;
	struct sl_prompt_info *list = NULL;
	size_t n = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		list = sl_xrealloc(list, (n + 1) * sizeof *list);
		list[n++] = (struct sl_prompt_info){
			.name = sl_xstrdup(sl_col_text(st, 0)),
			.tags = sl_xstrdup(sl_col_text(st, 1)),
			.latest_version = sqlite3_column_int(st, 2),
			.latest_created_at = sl_xstrdup(sl_col_text(st, 3)),
			.latest_hash = sl_xstrdup(sl_col_text(st, 4)),
			.n_versions = sqlite3_column_int(st, 5),
			.version_tags = sl_xstrdup(sl_col_text(st, 6)),
		};
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sl_prompt_infos_free(list, n);
		return -1;
	}
	*out = list;
	*n_out = n;
	return 0;
}

void sl_prompt_infos_free(struct sl_prompt_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].tags);
		free(list[i].latest_created_at);
		free(list[i].latest_hash);
		free(list[i].version_tags);
	}
	free(list);
}

int sl_prompts_versions(struct sl_store *store, const char *name,
			struct sl_prompt_version **out, size_t *n_out, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, VERSION_COLUMNS
		"WHERE v.name = ? ORDER BY v.version", err);
	if (!st)
		return -1;
	sl_bind_text(st, 1, name);
	struct sl_prompt_version *list = NULL;
	size_t n = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		list = sl_xrealloc(list, (n + 1) * sizeof *list);
		if (row_to_version(st, &list[n++], err) != 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sl_prompt_versions_free(list, n);
		return -1;
	}
	if (n == 0) {
		unknown_prompt(store, name, err);
		return -1;
	}
	*out = list;
	*n_out = n;
	return 0;
}

void sl_prompt_versions_free(struct sl_prompt_version *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sl_prompt_version_free(&list[i]);
	free(list);
}

/* ---- export / import ---- */

int sl_prompts_export(struct sl_store *store, const char *dir, int *n_files,
		      struct sl_error *err)
{
	if (sl_mkdirs(dir, err) != 0)
		return -1;
	struct sl_prompt_info *infos;
	size_t n;
	if (sl_prompts_list(store, &infos, &n, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct sl_prompt_version *vs;
		size_t nv;
		if (sl_prompts_versions(store, infos[i].name, &vs, &nv, err) != 0) {
			rc = -1;
			break;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", infos[i].name);
		cJSON *tags = cJSON_AddArrayToObject(o, "tags");
		for (size_t t = 0; t < vs[0].n_tags; t++)
			cJSON_AddItemToArray(tags, cJSON_CreateString(vs[0].tags[t]));
		cJSON *arr = cJSON_AddArrayToObject(o, "versions");
		for (size_t k = 0; k < nv; k++) {
			cJSON *v = cJSON_CreateObject();
			cJSON_AddNumberToObject(v, "version", vs[k].version);
			cJSON_AddStringToObject(v, "hash", vs[k].hash);
			cJSON_AddStringToObject(v, "created_at", vs[k].created_at);
			if (vs[k].author)
				cJSON_AddStringToObject(v, "author", vs[k].author);
			if (vs[k].note)
				cJSON_AddStringToObject(v, "note", vs[k].note);
			/* lineage and the version's own tags travel with it (import maps them) */
			if (vs[k].parent > 0)
				cJSON_AddNumberToObject(v, "parent", vs[k].parent);
			if (vs[k].n_version_tags) {
				cJSON *vt = cJSON_AddArrayToObject(v, "version_tags");
				for (size_t t = 0; t < vs[k].n_version_tags; t++)
					cJSON_AddItemToArray(vt, cJSON_CreateString(vs[k].version_tags[t]));
			}
			add_content_json(v, &vs[k]);
			cJSON_AddItemToArray(arr, v);
		}
		char *text = cJSON_Print(o);
		cJSON_Delete(o);
		char *path = sl_xasprintf("%s/%s.json", dir, infos[i].name);
		size_t len = strlen(text);
		text = sl_xrealloc(text, len + 2);
		text[len++] = '\n';
		text[len] = 0;
		rc = sl_write_file_atomic(path, text, len, err);
		free(path);
		free(text);
		sl_prompt_versions_free(vs, nv);
		if (rc == 0 && n_files)
			(*n_files)++;
	}
	sl_prompt_infos_free(infos, n);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An export's version k (v): its number in the file, its parent (a version listed before
 * it in the same file, mapped to its number in this store) and its version tags, checked. */
static int lineage_of(const cJSON *v, const cJSON *parent, const cJSON *vtags, int *file_no,
		      const int *stored_no, int k, const char *path, const char *vpath,
		      int *parent_stored, struct sl_error *err)
{
	const cJSON *no = cJSON_GetObjectItemCaseSensitive(v, "version");
	file_no[k] = cJSON_IsNumber(no) ? no->valueint : 0;
	if (parent) {
		int j = 0;
		if (cJSON_IsNumber(parent) && parent->valuedouble == (double)parent->valueint)
			while (j < k && file_no[j] != parent->valueint)
				j++;
		if (!cJSON_IsNumber(parent) || j == k || parent->valueint < 1) {
			sl_error_set(err, "%s: %s.parent must be the number of a version listed "
				     "before it in the file", path, vpath);
			return fail_usage(err);
		}
		*parent_stored = stored_no[j];
	}
	const cJSON *made = cJSON_GetObjectItemCaseSensitive(v, "created_at");
	int y, mo, d, h, mi, sec;
	if (made && (!cJSON_IsString(made) || sscanf(made->valuestring, "%4d-%2d-%2dT%2d:%2d:%2d",
						     &y, &mo, &d, &h, &mi, &sec) != 6)) {
		sl_error_set(err, "%s: %s.created_at must be a time like 2026-12-03T16:04:50Z",
			     path, vpath);
		return fail_usage(err);
	}
	if (vtags) {
		const cJSON *t;
		bool ok = cJSON_IsArray(vtags);
		cJSON_ArrayForEach(t, vtags)
			ok = ok && cJSON_IsString(t);
		if (!ok) {
			sl_error_set(err, "%s: %s.version_tags must be an array of strings", path,
				     vpath);
			return fail_usage(err);
		}
	}
	return 0;
}

/* One import file: an export ({name, tags, versions: [...]}) or a single add-format prompt. */
static int import_file(struct sl_store *store, const char *path, int *n_added, int *n_same,
		       struct sl_error *err)
{
	size_t len;
	char *text = sl_read_file(path, &len, err);
	if (!text)
		return fail_usage(err);
	cJSON *root = sl_json_parse_doc(text, len, path, err);
	if (root && sl_json_check_unique_keys(text, len, path, err) != 0) {
		cJSON_Delete(root);
		root = NULL;
	}
	free(text);
	if (!root)
		return -1;
	int rc = 0;
	const cJSON *versions = cJSON_GetObjectItemCaseSensitive(root, "versions");
	if (!versions) {
		struct sl_prompt_version pv;
		bool created;
		rc = sl_prompt_from_json(root, path, "prompt", &pv, err);
		if (rc == 0) {
			rc = add_locked(store, &pv, true, &created, err);
			if (rc == 0)
				(*(created ? n_added : n_same))++;
			sl_prompt_version_free(&pv);
		}
		cJSON_Delete(root);
		return rc;
	}
	static const char *const keys[] = { "name", "tags", "versions", NULL };
	if (!cJSON_IsObject(root) || sl_json_check_keys(root, keys, path, "prompt", err) != 0) {
		if (!cJSON_IsObject(root))
			sl_error_set(err, "%s: expected a JSON object", path);
		cJSON_Delete(root);
		return fail_usage(err);
	}
	if (!cJSON_IsArray(versions)) {
		sl_error_set(err, "%s: prompt.versions must be an array", path);
		cJSON_Delete(root);
		return fail_usage(err);
	}
	int i = 0, n_versions = cJSON_GetArraySize(versions);
	/* the file's version numbers -> this store's (they differ when the store had some) */
	int *file_no = sl_xcalloc((size_t)n_versions + 1, sizeof *file_no);
	int *stored_no = sl_xcalloc((size_t)n_versions + 1, sizeof *stored_no);
	cJSON *v;
	cJSON_ArrayForEach(v, versions) {
		char vpath[64];
		snprintf(vpath, sizeof vpath, "prompt.versions[%d]", i++);
		if (!cJSON_IsObject(v)) {
			sl_error_set(err, "%s: %s must be an object", path, vpath);
			rc = fail_usage(err);
			break;
		}
		cJSON *parent = cJSON_DetachItemFromObjectCaseSensitive(v, "parent");
		cJSON *vtags = cJSON_DetachItemFromObjectCaseSensitive(v, "version_tags");
		int parent_stored = 0;
		if (lineage_of(v, parent, vtags, file_no, stored_no, i - 1, path, vpath,
			       &parent_stored, err) != 0) {
			cJSON_Delete(parent);
			cJSON_Delete(vtags);
			rc = -1;
			break;
		}
		/* name and tags live at the top of an export file */
		cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
		cJSON *tags = cJSON_GetObjectItemCaseSensitive(root, "tags");
		if (name && !cJSON_HasObjectItem(v, "name"))
			cJSON_AddItemToObject(v, "name", cJSON_Duplicate(name, 1));
		if (tags && !cJSON_HasObjectItem(v, "tags"))
			cJSON_AddItemToObject(v, "tags", cJSON_Duplicate(tags, 1));
		struct sl_prompt_version pv;
		bool created;
		if (sl_prompt_from_json(v, path, vpath, &pv, err) != 0) {
			cJSON_Delete(parent);
			cJSON_Delete(vtags);
			rc = -1;
			break;
		}
		pv.parent = parent_stored;
		const cJSON *created_at = cJSON_GetObjectItemCaseSensitive(v, "created_at");
		if (cJSON_IsString(created_at))
			pv.created_at = sl_xstrdup(created_at->valuestring);
		rc = add_locked(store, &pv, true, &created, err);
		stored_no[i - 1] = pv.version;
		const cJSON *tag;
		cJSON_ArrayForEach(tag, vtags) {
			if (rc == 0)
				rc = sl_prompts_tag(store, pv.name, pv.version, tag->valuestring, true,
						    err);
		}
		if (rc == 0)
			(*(created ? n_added : n_same))++;
		sl_prompt_version_free(&pv);
		cJSON_Delete(parent);
		cJSON_Delete(vtags);
		if (rc != 0)
			break;
	}
	free(file_no);
	free(stored_no);
	cJSON_Delete(root);
	return rc;
}

int sl_prompts_import(struct sl_store *store, const char *dir, int *n_added, int *n_same,
		      struct sl_error *err)
{
	int added = 0, same = 0;
	DIR *d = opendir(dir);
	if (!d) {
		sl_error_set(err, "cannot read directory %s: %s", dir, strerror(errno));
		return fail_usage(err);
	}
	char **files = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !sl_str_ends_with(e->d_name, ".json"))
			continue;
		files = sl_xrealloc(files, (n + 1) * sizeof *files);
		files[n++] = sl_xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(files, n, sizeof *files, cmp_str);
	int rc = 0;
	if (n == 0) {
		sl_error_set(err, "%s holds no *.json prompt files", dir);
		rc = fail_usage(err);
	}
	if (rc == 0 && sl_store_begin(store, err) != 0)
		rc = -1;
	else if (rc == 0) {
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = import_file(store, files[i], &added, &same, err);
		if (rc == 0)
			rc = sl_store_commit(store, err);
		else
			sl_store_rollback(store);
	}
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (rc == 0) {
		if (n_added)
			*n_added = added;
		if (n_same)
			*n_same = same;
	}
	return rc;
}
