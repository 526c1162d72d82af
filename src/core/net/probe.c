/* Provider health checks and local model discovery. A handful of small GETs run together
 * on a private curl multi handle: this is a blocking, one-shot tool for the CLI and the
 * TUI's "check providers" action, not a path the engine's measurements go through. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "net_internal.h"
#include "shortlist/probe.h"
#include "shortlist/retry.h"
#include "shortlist/tls.h"

struct fetch {
	char *url;
	char *post_body;        /* NULL: GET */
	struct curl_slist *hdrs;
	struct sl_buf body;
	struct sl_buf headers;
	long status;
	CURLcode code;
	char curl_err[CURL_ERROR_SIZE];
	double ms;
	bool refused;
};

static size_t fetch_write(char *d, size_t s, size_t n, void *ud)
{
	struct sl_buf *b = ud;
	if (b->len < (8u << 20))
		sl_buf_append(b, d, s * n);
	return s * n;
}

static void fetch_all(struct fetch *f, size_t n, long timeout_ms)
{
	CURLM *m = curl_multi_init();
	CURL **easy = sl_xcalloc(n + 1, sizeof *easy);
	for (size_t i = 0; i < n; i++) {
		if (!f[i].url)
			continue;
		sl_buf_init(&f[i].body);
		sl_buf_init(&f[i].headers);
		CURL *c = easy[i] = curl_easy_init();
		curl_easy_setopt(c, CURLOPT_URL, f[i].url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, f[i].hdrs);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &f[i].body);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fetch_write);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &f[i].headers);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f[i].curl_err);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		sl_tls_setup(c);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "shortlist/0.1");
		if (f[i].post_body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, f[i].post_body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)strlen(f[i].post_body));
		}
		curl_easy_setopt(c, CURLOPT_PRIVATE, &f[i]);
		curl_multi_add_handle(m, c);
	}
	int running = 1;
	while (running) {
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct fetch *fx;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&fx);
			fx->code = msg->data.result;
			fx->refused = msg->data.result == CURLE_COULDNT_CONNECT;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &fx->status);
			curl_off_t us = 0;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME_T, &us);
			fx->ms = (double)us / 1000.0;
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (!easy[i])
			continue;
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	free(easy);
	curl_multi_cleanup(m);
}

static void fetch_free(struct fetch *f)
{
	free(f->url);
	free(f->post_body);
	curl_slist_free_all(f->hdrs);
	sl_buf_free(&f->body);
	sl_buf_free(&f->headers);
}

static char *fetch_failure(const struct fetch *f)
{
	return sl_xasprintf("cannot reach %s: %s", f->url,
			    f->curl_err[0] ? f->curl_err : curl_easy_strerror(f->code));
}

static char *provider_message(const struct fetch *f)
{
	struct sl_provider_error pe = { 0 };
	sl_net_error_from_json(f->body.data ? f->body.data : "", f->body.len, &pe);
	char *m;
	if (pe.message)
		m = sl_xasprintf("%s%s%s%s", pe.type ? pe.type : "", pe.type ? ": " : "",
				 pe.message, "");
	else
		m = sl_xasprintf("%.200s", f->body.len ? f->body.data : "(empty body)");
	free(pe.message);
	free(pe.type);
	for (char *q = m; *q; q++)
		if (*q == '\n' || *q == '\r')
			*q = ' ';
	return m;
}

static int64_t count_array(const struct fetch *f, const char *key)
{
	cJSON *root = cJSON_ParseWithLength(f->body.data ? f->body.data : "", f->body.len);
	int64_t n = -1;
	const cJSON *a = root ? cJSON_GetObjectItemCaseSensitive(root, key) : NULL;
	if (cJSON_IsArray(a))
		n = cJSON_GetArraySize(a);
	cJSON_Delete(root);
	return n;
}

/* Headers as curl takes them. */
static struct curl_slist *header_list(const struct sl_http_request *http)
{
	struct curl_slist *h = NULL;
	for (size_t i = 0; i < http->n_headers; i++)
		h = curl_slist_append(h, http->headers[i]);
	return h;
}

/* The common reading of a ping answer, where the protocol did not explain it. */
static void ping_read(const struct sl_provider_conf *c, const struct fetch *fx, bool keyed,
		      struct sl_ping_result *r)
{
	const struct sl_provider_ops *ops = c->kind;
	struct sl_ping_answer a = { .reached = fx->code == CURLE_OK, .refused = fx->refused,
				    .status = fx->status };
	long st = fx->status;
	if (!a.reached) {
		if (!(ops->ping_explain && ops->ping_explain(c, &a, r))) {
			r->state = SL_PING_FAILED;
			r->message = fetch_failure(fx);
		}
		return;
	}
	if (st >= 200 && st < 300) {
		r->state = SL_PING_OK;
		r->n_models = count_array(fx, ops->ping_list_key ? ops->ping_list_key : "data");
		if (!(ops->ping_explain && ops->ping_explain(c, &a, r)))
			r->message = sl_xstrdup(keyed ? "reachable, key accepted" : "reachable");
		return;
	}
	char *pm = provider_message(fx);
	a.message = pm;
	if (ops->ping_explain && ops->ping_explain(c, &a, r)) {
		/* the protocol's own reading */
	} else if (st == 401 || st == 403) {
		r->state = SL_PING_FAILED;
		r->message = sl_xasprintf("the key in %s was rejected (HTTP %ld): %s",
					  c->api_key_env ? c->api_key_env : "(none)", st, pm);
	} else if (st == 404) {
		r->state = SL_PING_FAILED;
		r->message = sl_xasprintf("%s answered 404: is base_url \"%s\" right?%s", fx->url,
					  c->base_url, ops->ping_404_hint ? ops->ping_404_hint : "");
	} else {
		r->state = SL_PING_FAILED;
		r->message = sl_xasprintf("HTTP %ld: %s", st, pm);
	}
	free(pm);
}

int sl_ping(const struct sl_providers *p, const char *only, long timeout_ms,
	    struct sl_ping_result **out, size_t *n_out, struct sl_error *err)
{
	if (only && !sl_providers_find(p, only)) {
		struct sl_buf b;
		sl_buf_init(&b);
		for (size_t i = 0; i < p->len; i++)
			sl_buf_printf(&b, "%s%s", i ? ", " : "", p->items[i].name);
		sl_error_set(err, "no provider named \"%s\" (configured: %s)", only, b.data);
		sl_buf_free(&b);
		return -1;
	}
	struct sl_ping_result *res = sl_xcalloc(p->len + 1, sizeof *res);
	struct fetch *f = sl_xcalloc(p->len + 1, sizeof *f);
	void **state = sl_xcalloc(p->len + 1, sizeof *state);
	size_t n = 0;
	size_t *idx = sl_xcalloc(p->len + 1, sizeof *idx);
	bool *keyed = sl_xcalloc(p->len + 1, sizeof *keyed);
	for (size_t i = 0; i < p->len; i++) {
		const struct sl_provider_conf *c = &p->items[i];
		if (only && strcmp(c->name, only) != 0)
			continue;
		struct sl_ping_result *r = &res[n];
		idx[n] = i;
		n++;
		r->provider = sl_xstrdup(c->name);
		r->ms = NAN;
		r->n_models = -1;
		struct sl_error e = { 0 };
		const char *key = NULL;
		if (sl_provider_api_key(c, &key, &e) != 0) {
			r->state = SL_PING_NO_KEY;
			r->message = sl_xstrdup(e.msg);
			continue;
		}
		struct fetch *fx = &f[n - 1];
		keyed[n - 1] = key != NULL;
		struct sl_http_request http = { 0 };
		int st = c->kind->ping_build(c, key, &state[n - 1], &http, &e);
		if (st != 0) {
			r->state = (enum sl_ping_state)st;
			r->message = sl_xstrdup(e.msg);
			sl_http_request_free(&http);
			continue;
		}
		fx->hdrs = header_list(&http);
		fx->url = http.url;
		fx->post_body = http.body;
		http.url = http.body = NULL;
		sl_http_request_free(&http);
		if (fx->url && !sl_url_scheme_allowed(fx->url)) {
			r->state = SL_PING_FAILED;
			r->message = sl_xasprintf("refusing %s: plain http only to loopback/LAN hosts",
						  fx->url);
			free(fx->url);
			fx->url = NULL;
		}
	}
	fetch_all(f, n, timeout_ms);
	for (size_t k = 0; k < n; k++) {
		struct sl_ping_result *r = &res[k];
		struct fetch *fx = &f[k];
		if (!fx->url)
			continue;
		r->url = sl_xstrdup(fx->url);
		r->http_status = fx->status;
		r->ms = fx->ms;
		ping_read(&p->items[idx[k]], fx, keyed[k], r);
	}
	for (size_t k = 0; k < n; k++) {
		const struct sl_provider_conf *c = &p->items[idx[k]];
		/* a password in base_url is sent, never shown */
		char *userinfo = sl_url_userinfo(c->base_url);
		sl_str_redact(&res[k].url, userinfo, "[credentials]@");
		sl_str_redact(&res[k].message, userinfo, "[credentials]@");
		free(userinfo);
		fetch_free(&f[k]);
		if (state[k])
			c->kind->state_free(state[k]);
	}
	free(f);
	free(state);
	free(idx);
	free(keyed);
	*out = res;
	*n_out = n;
	return 0;
}

void sl_ping_results_free(struct sl_ping_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].provider);
		free(r[i].url);
		free(r[i].message);
	}
	free(r);
}

static void add_local(struct sl_local_scan *s, const char *prov, const char *id, const char *base,
		      int64_t size, const char *details)
{
	s->models = sl_xrealloc(s->models, (s->n + 1) * sizeof *s->models);
	s->models[s->n++] = (struct sl_local_model){ sl_xstrdup(prov), sl_xstrdup(id),
						     sl_url_redact(base), size,
						     sl_xstrdup(details ? details : "") };
}

void sl_local_discover(const struct sl_providers *p, long timeout_ms, struct sl_local_scan *out)
{
	memset(out, 0, sizeof *out);
	struct sl_buf notes;
	sl_buf_init(&notes);
	const struct sl_provider_conf *ol = sl_providers_find(p, "ollama");
	const char *oa_base = getenv("OPENAI_BASE_URL");
	struct fetch f[2] = { 0 };
	if (ol && ol->base_url)
		f[0].url = sl_xasprintf("%s/api/tags", ol->base_url);
	if (oa_base && *oa_base) {
		char *base = sl_xstrdup(oa_base);
		size_t n = strlen(base);
		while (n && base[n - 1] == '/')
			base[--n] = '\0';
		f[1].url = sl_xasprintf("%s/models", base);
		free(base);
		const char *key = getenv("OPENAI_API_KEY");
		if (key && *key) {
			char *h = sl_xasprintf("Authorization: Bearer %s", key);
			f[1].hdrs = curl_slist_append(NULL, h);
			free(h);
		}
	}
	for (int i = 0; i < 2; i++)
		if (f[i].url && !sl_url_scheme_allowed(f[i].url)) {
			sl_buf_printf(&notes, "refusing %s: plain http only to loopback/LAN hosts\n",
				      f[i].url);
			free(f[i].url);
			f[i].url = NULL;
		}
	fetch_all(f, 2, timeout_ms);
	if (f[0].url) {
		cJSON *root = f[0].code == CURLE_OK && f[0].status == 200
			? cJSON_ParseWithLength(f[0].body.data, f[0].body.len) : NULL;
		const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
		if (cJSON_IsArray(models)) {
			const cJSON *m;
			size_t before = out->n;
			cJSON_ArrayForEach(m, models)
			{
				const char *name = sl_json_str(m, "name");
				if (!name)
					name = sl_json_str(m, "model");
				if (!name)
					continue;
				const cJSON *d = cJSON_GetObjectItemCaseSensitive(m, "details");
				char details[256];
				snprintf(details, sizeof details, "%s%s%s%s%s",
					 sl_json_str(d, "parameter_size") ? sl_json_str(d, "parameter_size") : "",
					 sl_json_str(d, "quantization_level") ? " " : "",
					 sl_json_str(d, "quantization_level") ? sl_json_str(d, "quantization_level") : "",
					 sl_json_str(d, "family") ? " " : "",
					 sl_json_str(d, "family") ? sl_json_str(d, "family") : "");
				add_local(out, "ollama", name, ol->base_url, sl_json_int(m, "size"),
					  details[0] == ' ' ? details + 1 : details);
			}
			sl_buf_printf(&notes, "Ollama at %s: %zu model(s)\n", ol->base_url,
				      out->n - before);
		} else if (f[0].code != CURLE_OK) {
			sl_buf_printf(&notes, "no Ollama at %s (%s)\n", ol->base_url,
				      f[0].curl_err[0] ? f[0].curl_err : curl_easy_strerror(f[0].code));
		} else {
			sl_buf_printf(&notes, "%s answered HTTP %ld without a model list\n", f[0].url,
				      f[0].status);
		}
		cJSON_Delete(root);
	}
	if (f[1].url) {
		cJSON *root = f[1].code == CURLE_OK && f[1].status == 200
			? cJSON_ParseWithLength(f[1].body.data, f[1].body.len) : NULL;
		const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
		if (cJSON_IsArray(data)) {
			const cJSON *m;
			size_t before = out->n;
			cJSON_ArrayForEach(m, data)
			{
				const char *id = sl_json_str(m, "id");
				if (id)
					add_local(out, "openai", id, oa_base, -1, sl_json_str(m, "owned_by"));
			}
			sl_buf_printf(&notes, "OPENAI_BASE_URL %s: %zu model(s)\n", oa_base,
				      out->n - before);
		} else if (f[1].code != CURLE_OK) {
			sl_buf_printf(&notes, "OPENAI_BASE_URL %s not reachable (%s)\n", oa_base,
				      f[1].curl_err[0] ? f[1].curl_err : curl_easy_strerror(f[1].code));
		} else {
			char *pm = provider_message(&f[1]);
			sl_buf_printf(&notes, "%s answered HTTP %ld: %s\n", f[1].url, f[1].status, pm);
			free(pm);
		}
		cJSON_Delete(root);
	} else {
		sl_buf_puts(&notes, "OPENAI_BASE_URL not set: no OpenAI-compatible local server to list\n");
	}
	for (int i = 0; i < 2; i++)
		if (f[i].url)
			fetch_free(&f[i]);
		else
			curl_slist_free_all(f[i].hdrs);
	out->notes = sl_buf_steal(&notes);
	const char *bases[] = { ol ? ol->base_url : NULL, oa_base };
	for (int i = 0; i < 2; i++) {
		char *userinfo = sl_url_userinfo(bases[i]);
		sl_str_redact(&out->notes, userinfo, "[credentials]@");
		free(userinfo);
	}
}

void sl_local_scan_free(struct sl_local_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->models[i].provider);
		free(s->models[i].model_id);
		free(s->models[i].base_url);
		free(s->models[i].details);
	}
	free(s->models);
	free(s->notes);
	memset(s, 0, sizeof *s);
}
