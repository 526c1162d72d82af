/* Provider configuration: built-in defaults, the SDKs' environment variables, and
 * providers.json. Keys are never read here: only the names of the variables that hold them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "net_internal.h"
#include "shortlist/paths.h"
#include "shortlist/providers_config.h"
#include "shortlist/utf8.h"

struct builtin {
	const char *name;
	const struct sl_provider_ops *kind;
	const char *base_url;
	const char *key_env;
	const char *url_env; /* environment variable overriding base_url, as the SDK does */
};

/* The well-known providers: setting the key variable is all a user must do. Each protocol
 * brings its own (named like it: openai, anthropic, ...); these are the other services. */
static const struct builtin builtins[] = {
	{ "groq", &sl_openai_ops, "https://api.groq.com/openai/v1", "GROQ_API_KEY", NULL },
	{ "together", &sl_openai_ops, "https://api.together.xyz/v1", "TOGETHER_API_KEY", NULL },
	{ "mistral", &sl_openai_ops, "https://api.mistral.ai/v1", "MISTRAL_API_KEY", NULL },
	{ "deepseek", &sl_openai_ops, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", NULL },
	{ "openrouter", &sl_openai_ops, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", NULL },
	{ "xai", &sl_openai_ops, "https://api.x.ai/v1", "XAI_API_KEY", NULL },
	{ "fireworks", &sl_openai_ops, "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY",
	  NULL },
	{ "gemini-openai", &sl_openai_ops, "https://generativelanguage.googleapis.com/v1beta/openai",
	  "GEMINI_API_KEY", NULL },
	{ "cerebras", &sl_openai_ops, "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", NULL },
	{ "huggingface", &sl_openai_ops, "https://router.huggingface.co/v1", "HF_TOKEN", NULL },
};

/* models.dev provider ids that differ from ours (catalogue keys "provider/model"). */
static const struct {
	const char *catalog, *ours;
} catalog_aliases[] = {
	/* models.dev's ids first (sl_provider_catalog_id returns the first match)... */
	{ "amazon-bedrock", "bedrock" }, { "togetherai", "together" },
	{ "fireworks-ai", "fireworks" }, { "google", "gemini-openai" },
	/* ...then spellings users type. */
	{ "gemini", "gemini-openai" },
};

char *sl_url_strip_slash(char *url)
{
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	return url;
}

char *sl_env_nonempty(const char *name)
{
	const char *v = name ? getenv(name) : NULL;
	return v && *v ? (char *)v : NULL;
}

static void limits_default(struct sl_provider_limits *l, const struct sl_provider_ops *kind)
{
	*l = (struct sl_provider_limits){
		.concurrency = kind->default_concurrency,
		.rpm = 0,
		.tpm = 0,
		.max_tries = 4,
		.connect_ms = 10000,
		.first_byte_ms = 120000, /* reasoning models think a long time before a byte */
		.idle_ms = 60000,
		.total_ms = 600000,
		.max_retry_wait_ms = 60000,
	};
}

static void conf_from_builtin(struct sl_provider_conf *c, const struct builtin *b)
{
	memset(c, 0, sizeof *c);
	c->name = sl_xstrdup(b->name);
	c->kind = b->kind;
	c->builtin = true;
	const char *url = sl_env_nonempty(b->url_env);
	if (url || b->base_url)
		c->base_url = sl_url_strip_slash(sl_xstrdup(url ? url : b->base_url));
	c->api_key_env = b->key_env ? sl_xstrdup(b->key_env) : NULL;
	if (b->kind->conf_from_env)
		b->kind->conf_from_env(c);
	limits_default(&c->limits, b->kind);
}

void sl_providers_defaults(struct sl_providers *out)
{
	memset(out, 0, sizeof *out);
	size_t n = 0;
	while (sl_protocol_at(n))
		n++;
	out->items = sl_xcalloc(n + SL_ARRAY_LEN(builtins), sizeof *out->items);
	for (const struct sl_provider_ops *k; (k = sl_protocol_at(out->len));) {
		struct builtin b = { k->name, k, k->base_url, k->key_env, k->url_env };
		conf_from_builtin(&out->items[out->len++], &b);
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(builtins); i++)
		conf_from_builtin(&out->items[out->len++], &builtins[i]);
}

static void conf_free(struct sl_provider_conf *c)
{
	free(c->name);
	free(c->base_url);
	free(c->api_key_env);
	free(c->region);
	free(c->profile);
	free(c->batch);
	free(c->batch_origin);
	for (size_t i = 0; i < c->n_headers; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	free(c->headers);
}

static char *dup0(const char *s)
{
	return s ? sl_xstrdup(s) : NULL;
}

static void conf_copy(struct sl_provider_conf *d, const struct sl_provider_conf *s)
{
	*d = *s;
	d->name = dup0(s->name);
	d->base_url = dup0(s->base_url);
	d->api_key_env = dup0(s->api_key_env);
	d->region = dup0(s->region);
	d->profile = dup0(s->profile);
	d->batch = dup0(s->batch);
	d->batch_origin = dup0(s->batch_origin);
	d->headers = s->n_headers ? sl_xcalloc(s->n_headers, sizeof *d->headers) : NULL;
	for (size_t i = 0; i < s->n_headers; i++) {
		d->headers[i].name = sl_xstrdup(s->headers[i].name);
		d->headers[i].value = sl_xstrdup(s->headers[i].value);
	}
}

void sl_providers_copy(struct sl_providers *dst, const struct sl_providers *src)
{
	dst->len = src->len;
	dst->items = sl_xcalloc(src->len ? src->len : 1, sizeof *dst->items);
	for (size_t i = 0; i < src->len; i++)
		conf_copy(&dst->items[i], &src->items[i]);
	dst->origin = dup0(src->origin);
}

void sl_providers_free(struct sl_providers *p)
{
	for (size_t i = 0; i < p->len; i++)
		conf_free(&p->items[i]);
	free(p->items);
	free(p->origin);
	memset(p, 0, sizeof *p);
}

const struct sl_provider_conf *sl_providers_find(const struct sl_providers *p, const char *name)
{
	for (size_t i = 0; i < p->len; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return &p->items[i];
	return NULL;
}

/* --- host checks ------------------------------------------------------------------- */

bool sl_host_is_local(const char *host)
{
	if (!host || !*host)
		return false;
	if (strcasecmp(host, "localhost") == 0 || sl_str_ends_with(host, ".localhost") ||
	    sl_str_ends_with(host, ".local") || sl_str_ends_with(host, ".lan") ||
	    sl_str_ends_with(host, ".internal"))
		return true;
	if (host[0] == '[' || strchr(host, ':')) {
		/* IPv6 literal: loopback, link-local fe80::/10, unique-local fc00::/7 */
		const char *h = host[0] == '[' ? host + 1 : host;
		return strncmp(h, "::1", 3) == 0 || strncasecmp(h, "fe8", 3) == 0 ||
		       strncasecmp(h, "fe9", 3) == 0 || strncasecmp(h, "fea", 3) == 0 ||
		       strncasecmp(h, "feb", 3) == 0 || strncasecmp(h, "fc", 2) == 0 ||
		       strncasecmp(h, "fd", 2) == 0;
	}
	unsigned a, b, c, d;
	char tail;
	if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4) {
		if (a > 255 || b > 255 || c > 255 || d > 255)
			return false;
		return a == 127 || a == 10 || (a == 172 && b >= 16 && b <= 31) ||
		       (a == 192 && b == 168) || (a == 169 && b == 254);
	}
	/* A single-label name ("gpu-box") resolves on the LAN only. */
	return strchr(host, '.') == NULL;
}

/* Host part of a URL into out (brackets kept for IPv6). */
static bool url_host(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	if (!p)
		return false;
	p += 3;
	const char *at = NULL;
	for (const char *q = p; *q && *q != '/'; q++)
		if (*q == '@')
			at = q;
	if (at)
		p = at + 1;
	size_t n;
	if (*p == '[') {
		const char *e = strchr(p, ']');
		if (!e)
			return false;
		n = (size_t)(e - p) + 1;
	} else {
		n = strcspn(p, ":/?#");
	}
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

bool sl_url_scheme_allowed(const char *url)
{
	char host[256];
	if (!url || !url_host(url, host, sizeof host))
		return false;
	if (strncasecmp(url, "https://", 8) == 0)
		return true;
	if (strncasecmp(url, "http://", 7) == 0)
		return sl_host_is_local(host);
	return false;
}

/* --- providers.json ------------------------------------------------------------------ */

static bool check_keys(const cJSON *obj, const char *const *allowed, const char *path,
		       const char *origin, struct sl_error *err)
{
	for (const cJSON *it = obj->child; it; it = it->next) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(it->string, allowed[i]) == 0)
				ok = true;
		if (!ok) {
			struct sl_buf b;
			sl_buf_init(&b);
			for (size_t i = 0; allowed[i]; i++)
				sl_buf_printf(&b, "%s%s", i ? ", " : "", allowed[i]);
			sl_error_set(err, "%s: %s%s%s: unknown key (expected one of: %s)", origin,
				     path, *path ? "." : "", it->string, b.data);
			sl_buf_free(&b);
			return false;
		}
	}
	return true;
}

static int get_string(const cJSON *obj, const char *key, char **dst, const char *path,
		      const char *origin, struct sl_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v)
		return 0;
	if (cJSON_IsNull(v)) {
		free(*dst);
		*dst = NULL;
		return 0;
	}
	if (!cJSON_IsString(v)) {
		sl_error_set(err, "%s: %s.%s: must be a string", origin, path, key);
		return -1;
	}
	free(*dst);
	*dst = sl_xstrdup(v->valuestring);
	return 0;
}

static int get_int(const cJSON *obj, const char *key, int64_t *dst, int64_t max,
		   const char *path, const char *origin, struct sl_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)max ||
	    v->valuedouble != (double)(int64_t)v->valuedouble) {
		sl_error_set(err, "%s: %s.%s: must be a whole number from 0 to %lld", origin, path,
			     key, (long long)max);
		return -1;
	}
	*dst = (int64_t)v->valuedouble;
	return 0;
}

static bool valid_env_name(const char *s)
{
	if (!s || !*s || isdigit((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int merge_provider(struct sl_providers *p, const char *name, const cJSON *obj,
			  const char *origin, struct sl_error *err)
{
	static const char *const keys[] = { "kind",    "base_url", "api_key_env", "region",
					    "profile", "headers",  "limits",      "timeouts",
					    "batch",   NULL };
	static const char *const limit_keys[] = { "concurrency", "rpm", "tpm", "max_tries",
						  "max_retry_wait_s", NULL };
	static const char *const timeout_keys[] = { "connect_ms", "first_byte_ms", "idle_ms",
						    "total_ms", NULL };
	char path[300];
	snprintf(path, sizeof path, "providers.%s", name);
	if (!cJSON_IsObject(obj)) {
		sl_error_set(err, "%s: %s: must be an object", origin, path);
		return -1;
	}
	if (!check_keys(obj, keys, path, origin, err))
		return -1;

	struct sl_provider_conf c;
	const struct sl_provider_conf *existing = sl_providers_find(p, name);
	if (existing) {
		conf_copy(&c, existing);
	} else {
		memset(&c, 0, sizeof c);
		c.name = sl_xstrdup(name);
	}
	c.configured = true;

	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	struct sl_buf kinds;
	sl_buf_init(&kinds);
	sl_protocol_names(&kinds);
	if (kind) {
		const struct sl_provider_ops *k =
			sl_protocol_find(cJSON_IsString(kind) ? kind->valuestring : NULL);
		if (!k) {
			sl_error_set(err, "%s: %s.kind: must be one of %s", origin, path, kinds.data);
			goto fail_kinds;
		}
		if (existing && existing->builtin && k != existing->kind) {
			sl_error_set(err, "%s: %s.kind: \"%s\" is a built-in %s provider; pick "
				     "another name for a %s provider", origin, path, name,
				     existing->kind->name, k->name);
			goto fail_kinds;
		}
		if (c.kind != k)
			limits_default(&c.limits, k);
		c.kind = k;
	}
	if (!c.kind) {
		sl_error_set(err, "%s: %s.kind: missing (one of %s)", origin, path, kinds.data);
		goto fail_kinds;
	}
	sl_buf_free(&kinds);
	if (get_string(obj, "base_url", &c.base_url, path, origin, err) ||
	    get_string(obj, "api_key_env", &c.api_key_env, path, origin, err) ||
	    get_string(obj, "region", &c.region, path, origin, err) ||
	    get_string(obj, "profile", &c.profile, path, origin, err))
		goto fail;
	if (c.base_url) {
		sl_url_strip_slash(c.base_url);
		if (!sl_url_scheme_allowed(c.base_url)) {
			sl_error_set(err, "%s: %s.base_url: \"%s\" must be https:// (plain http:// "
				     "only to a loopback or LAN host)", origin, path, c.base_url);
			goto fail;
		}
	}
	if (c.api_key_env && !valid_env_name(c.api_key_env)) {
		sl_error_set(err, "%s: %s.api_key_env: must be the NAME of an environment variable "
			     "(like MY_API_KEY), not the key itself", origin, path);
		goto fail;
	}
	if (!c.base_url && !c.kind->base_url_optional) {
		sl_error_set(err, "%s: %s.base_url: missing", origin, path);
		goto fail;
	}
	const cJSON *headers = cJSON_GetObjectItemCaseSensitive(obj, "headers");
	if (headers) {
		if (!cJSON_IsObject(headers)) {
			sl_error_set(err, "%s: %s.headers: must be an object of strings", origin, path);
			goto fail;
		}
		for (const cJSON *h = headers->child; h; h = h->next) {
			if (!cJSON_IsString(h) || !*h->string || strpbrk(h->string, ": \r\n") ||
			    strpbrk(h->valuestring, "\r\n")) {
				sl_error_set(err, "%s: %s.headers.%s: must be a one-line string with a "
					     "valid header name", origin, path, h->string);
				goto fail;
			}
			c.headers = sl_xrealloc(c.headers, (c.n_headers + 1) * sizeof *c.headers);
			c.headers[c.n_headers].name = sl_xstrdup(h->string);
			c.headers[c.n_headers].value = sl_xstrdup(h->valuestring);
			c.n_headers++;
		}
	}
	const cJSON *batch = cJSON_GetObjectItemCaseSensitive(obj, "batch");
	if (batch) {
		/* Its keys are the protocol's batch module's to check (before a batch is sent). */
		if (!cJSON_IsObject(batch)) {
			sl_error_set(err, "%s: %s.batch: must be an object", origin, path);
			goto fail;
		}
		free(c.batch);
		free(c.batch_origin);
		c.batch = cJSON_PrintUnformatted(batch);
		c.batch_origin = sl_xstrdup(origin);
	}
	char sub[340];
	const cJSON *limits = cJSON_GetObjectItemCaseSensitive(obj, "limits");
	if (limits) {
		snprintf(sub, sizeof sub, "%s.limits", path);
		if (!cJSON_IsObject(limits)) {
			sl_error_set(err, "%s: %s: must be an object", origin, sub);
			goto fail;
		}
		int64_t conc = c.limits.concurrency, rpm = c.limits.rpm, tries = c.limits.max_tries;
		int64_t max_wait_s = c.limits.max_retry_wait_ms / 1000;
		if (!check_keys(limits, limit_keys, sub, origin, err) ||
		    get_int(limits, "concurrency", &conc, 100000, sub, origin, err) ||
		    get_int(limits, "rpm", &rpm, 10000000, sub, origin, err) ||
		    get_int(limits, "tpm", &c.limits.tpm, INT64_MAX / 4, sub, origin, err) ||
		    get_int(limits, "max_tries", &tries, 100, sub, origin, err) ||
		    get_int(limits, "max_retry_wait_s", &max_wait_s, 86400, sub, origin, err))
			goto fail;
		if (tries < 1) {
			sl_error_set(err, "%s: %s.max_tries: must be at least 1", origin, sub);
			goto fail;
		}
		if (max_wait_s < 1) { /* 0 would retry a throttled server at once */
			sl_error_set(err, "%s: %s.max_retry_wait_s: must be at least 1", origin, sub);
			goto fail;
		}
		c.limits.concurrency = (int)conc;
		if (cJSON_GetObjectItemCaseSensitive(limits, "concurrency"))
			c.limits.concurrency_set = true;
		c.limits.rpm = (int)rpm;
		c.limits.max_tries = (int)tries;
		c.limits.max_retry_wait_ms = (long)max_wait_s * 1000;
	}
	const cJSON *timeouts = cJSON_GetObjectItemCaseSensitive(obj, "timeouts");
	if (timeouts) {
		snprintf(sub, sizeof sub, "%s.timeouts", path);
		if (!cJSON_IsObject(timeouts)) {
			sl_error_set(err, "%s: %s: must be an object", origin, sub);
			goto fail;
		}
		int64_t v[4] = { c.limits.connect_ms, c.limits.first_byte_ms, c.limits.idle_ms,
				 c.limits.total_ms };
		if (!check_keys(timeouts, timeout_keys, sub, origin, err))
			goto fail;
		for (int i = 0; i < 4; i++)
			if (get_int(timeouts, timeout_keys[i], &v[i], 86400000, sub, origin, err))
				goto fail;
		c.limits.connect_ms = (long)v[0];
		c.limits.first_byte_ms = (long)v[1];
		c.limits.idle_ms = (long)v[2];
		c.limits.total_ms = (long)v[3];
	}

	if (existing) {
		size_t idx = (size_t)(existing - p->items);
		conf_free(&p->items[idx]);
		p->items[idx] = c;
	} else {
		p->items = sl_xrealloc(p->items, (p->len + 1) * sizeof *p->items);
		p->items[p->len++] = c;
	}
	return 0;
fail_kinds:
	sl_buf_free(&kinds);
fail:
	conf_free(&c);
	return -1;
}

int sl_providers_merge_json(struct sl_providers *p, const char *json, size_t len,
			    const char *origin, struct sl_error *err)
{
	/* cJSON keeps bytes that are not UTF-8: they would reach headers and request bodies */
	if (sl_utf8_require(json, len, origin, err) != 0)
		return -1;
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		size_t line = 1;
		for (const char *q = json; at && q < at && q < json + len; q++)
			line += *q == '\n';
		sl_error_set(err, "%s: line %zu: not valid JSON", origin, line);
		return -1;
	}
	char key[128];
	long dup = sl_json_duplicate_key(json, len, key, sizeof key);
	if (dup >= 0) {
		size_t line = 1;
		for (long i = 0; i < dup; i++)
			line += json[i] == '\n';
		sl_error_set(err, "%s: line %zu: duplicate key \"%s\": each key may appear once in "
			     "an object (remove one)", origin, line, key);
		cJSON_Delete(root);
		return -1;
	}
	static const char *const top_keys[] = { "providers", NULL };
	int rc = -1;
	if (!cJSON_IsObject(root)) {
		sl_error_set(err, "%s: must be a JSON object {\"providers\": {...}}", origin);
		goto out;
	}
	if (!check_keys(root, top_keys, "", origin, err))
		goto out;
	const cJSON *provs = cJSON_GetObjectItemCaseSensitive(root, "providers");
	if (provs && !cJSON_IsObject(provs)) {
		sl_error_set(err, "%s: providers: must be an object of provider name -> settings",
			     origin);
		goto out;
	}
	/* All or nothing: merge into a copy. */
	struct sl_providers work;
	sl_providers_copy(&work, p);
	for (const cJSON *it = provs ? provs->child : NULL; it; it = it->next) {
		if (!*it->string || strpbrk(it->string, ":/ \t")) {
			sl_error_set(err, "%s: providers.%s: a provider name may not be empty or "
				     "contain ':', '/' or spaces", origin, it->string);
			sl_providers_free(&work);
			goto out;
		}
		if (merge_provider(&work, it->string, it, origin, err) != 0) {
			sl_providers_free(&work);
			goto out;
		}
	}
	free(work.origin);
	work.origin = sl_xstrdup(origin);
	sl_providers_free(p);
	*p = work;
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

int sl_providers_load(struct sl_providers *out, const char *path, struct sl_error *err)
{
	sl_providers_defaults(out);
	char *file = NULL;
	if (path) {
		file = sl_xstrdup(path);
	} else {
		char *dir = sl_paths_config_dir();
		file = sl_xasprintf("%s/providers.json", dir);
		free(dir);
		struct stat st;
		if (stat(file, &st) != 0 && errno == ENOENT) {
			free(file);
			return 0;
		}
	}
	size_t len;
	char *json = sl_read_file(file, &len, err);
	int rc = -1;
	if (json)
		rc = sl_providers_merge_json(out, json, len, file, err);
	free(json);
	free(file);
	if (rc != 0)
		sl_providers_free(out);
	return rc;
}

/* --- model names and keys ------------------------------------------------------------ */

static void list_names(const struct sl_providers *p, struct sl_buf *b)
{
	for (size_t i = 0; i < p->len; i++)
		sl_buf_printf(b, "%s%s", i ? ", " : "", p->items[i].name);
}

int sl_providers_resolve_model(const struct sl_providers *p, const char *spec,
			       const struct sl_provider_conf **conf, char **model_id,
			       struct sl_error *err)
{
	size_t colon = strcspn(spec, ":"), slash = strcspn(spec, "/");
	size_t cut = colon < slash ? colon : slash;
	if (!spec[cut] || cut == 0 || !spec[cut + 1]) {
		struct sl_buf b;
		sl_buf_init(&b);
		list_names(p, &b);
		sl_error_set(err, "model \"%s\": name it as PROVIDER:MODEL-ID (e.g. "
			     "openai:gpt-4o-mini) or by catalogue key (openai/gpt-4o-mini); "
			     "providers: %s", spec, b.data);
		sl_buf_free(&b);
		return -1;
	}
	char *prov = sl_xstrndup(spec, cut);
	const struct sl_provider_conf *c = sl_providers_find(p, prov);
	if (!c && spec[cut] == '/') {
		for (size_t i = 0; i < SL_ARRAY_LEN(catalog_aliases) && !c; i++)
			if (strcmp(prov, catalog_aliases[i].catalog) == 0)
				c = sl_providers_find(p, catalog_aliases[i].ours);
	}
	if (!c) {
		struct sl_buf b;
		sl_buf_init(&b);
		list_names(p, &b);
		sl_error_set(err, "model \"%s\": no provider named \"%s\" (configured: %s; add one "
			     "in providers.json)", spec, prov, b.data);
		sl_buf_free(&b);
		free(prov);
		return -1;
	}
	free(prov);
	*conf = c;
	*model_id = sl_xstrdup(spec + cut + 1);
	return 0;
}

const char *sl_provider_catalog_id(const char *name)
{
	/* The first alias listed for each of our names is the catalogue's own id. */
	for (size_t i = 0; i < SL_ARRAY_LEN(catalog_aliases); i++)
		if (strcmp(name, catalog_aliases[i].ours) == 0)
			return catalog_aliases[i].catalog;
	return name;
}

int sl_provider_api_key(const struct sl_provider_conf *c, const char **key, struct sl_error *err)
{
	*key = NULL;
	if (c->kind->key_optional) {
		/* Bedrock: bearer token or SigV4 credentials (engine); Ollama: none, unless
		 * a proxy in front of it wants one. */
		if (c->api_key_env)
			*key = sl_env_nonempty(c->api_key_env);
		return 0;
	}
	if (!c->api_key_env)
		return 0;
	*key = sl_env_nonempty(c->api_key_env);
	if (*key)
		return 0;
	/* A built-in pointed at a local server (OPENAI_BASE_URL=http://localhost:8080/v1 for
	 * llama.cpp, vLLM, LM Studio) rarely needs a key; a key variable named in
	 * providers.json is always required. */
	char host[256];
	if (c->builtin && !c->configured && c->base_url &&
	    url_host(c->base_url, host, sizeof host) && sl_host_is_local(host))
		return 0;
	sl_error_set(err, "provider %s needs an API key: set the environment variable %s",
		     c->name, c->api_key_env);
	return -1;
}
