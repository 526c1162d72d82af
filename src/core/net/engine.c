/* The provider engine on libcurl's multi interface: one thread, the caller's event loop.
 * Requests wait in a FIFO per provider until its limits (concurrency, adaptive cap,
 * requests/min, tokens/min, a server-requested pause) let them go; each try gets its own
 * clock origin t0 taken just before the transfer is handed to curl; bytes are timestamped
 * in the write callback before any parsing. See engine.h for the contract. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "shortlist/engine.h"
#include "shortlist/tls.h"
#include "shortlist/provider.h"
#include "shortlist/retry.h"
#include "shortlist/transfer.h"
#include "net_internal.h"

#define MAX_BODY (64u << 20) /* an error or non-streamed body larger than this is a fault */
#define BACKOFF_BASE_MS 500
#define BACKOFF_CAP_MS 30000

enum req_state { RS_QUEUED, RS_WAITING, RS_RUNNING, RS_DONE };

struct prov_state {
	const struct sl_provider_conf *conf;
	const struct sl_provider_ops *ops;
	int in_flight;
	double limit;             /* adaptive concurrency cap (AIMD) */
	int64_t last_cut_ns;
	int64_t blocked_until_ns; /* the server asked everyone to wait (Retry-After on 429) */
	int64_t *starts;          /* ring of recent start times for requests/min */
	int n_starts, head_start;
	struct tpm_entry { int64_t at_ns, tokens; } *tpm;
	size_t n_tpm, cap_tpm;
	int64_t tpm_sum;
	struct req *qhead, *qtail;
	void *proto_state;         /* the protocol's prepare() state (Bedrock credentials) */
	unsigned quirks;           /* what this server was found to want (sl_call.quirks) */
	char *allowed_origin;      /* "scheme://authority" a request was last allowed to */
	char *accept[2];           /* "Accept: ..." lines: whole answer, stream */
	char **hdr_lines;          /* the configured headers as "Name: value" lines */
};

struct req {
	uint64_t id;
	struct sl_engine *eng;
	struct prov_state *prov;
	enum req_state state;
	struct req *next, *prev;   /* active / running / waiting / done lists */
	struct req *qnext;         /* provider FIFO */

	/* the copied request */
	char *spec;
	char *key_copy;            /* wiped before it is freed */
	struct sl_call call;
	struct sl_message *messages;
	char **inputs;
	char **stop;
	struct sl_params params;
	int max_tries;
	sl_delta_fn on_delta;
	sl_done_fn on_done;
	sl_send_fn on_send;
	sl_retry_fn on_retry;
	void *user_data;
	int64_t tokens_estimate;

	struct sl_http_request http;
	bool built;
	CURL *easy;
	struct curl_slist *hdrs;

	int64_t submit_ns, t0_ns, first_byte_ns, last_byte_ns, ready_ns, end_ns;
	int tries;
	bool delivered;            /* on_delta ran: a retry would repeat text to the caller */
	bool restart;              /* restart_broken_stream: the caller can take a fresh start */
	int64_t refused_wait_ms;   /* the server asked for a wait longer than allowed */
	bool cancel;
	long status;
	struct sl_buf resp_headers;
	struct sl_buf body;
	struct sl_stream stream;
	bool stream_active;        /* 2xx streamed body being parsed */
	size_t stream_bytes;
	enum sl_status abort_status; /* why we stopped the transfer ourselves */
	char *abort_msg;

	struct sl_result result;
};

struct req_list {
	struct req *head, *tail;
	size_t len;
};

struct sl_engine {
	CURLM *multi;
	struct sl_providers providers;
	struct prov_state *provs;
	sl_price_fn price_fn;
	void *price_ud;
	int max_in_flight;
	int in_flight;
	uint64_t next_id;
	uint64_t rng;
	struct req_list queued;   /* all requests not yet done, any state (for cancel) */
	struct req_list running;
	struct req_list waiting;
	struct req_list done;
	size_t active;
	CURL **pool;
	size_t n_pool;
	int64_t next_deadline_ns; /* earliest engine timer, from the last perform */
	int64_t backoff_base_ms, backoff_cap_ms;
	bool again;               /* perform stopped with work left: do not sleep */
	struct xfer *xfers;       /* plain transfers on the same multi (transfer.c) */
};

CURLM *sl_engine_multi(struct sl_engine *eng)
{
	return eng->multi;
}

struct xfer **sl_engine_xfer_list(struct sl_engine *eng)
{
	return &eng->xfers;
}

/* --- lists ----------------------------------------------------------------------------- */

static void list_push(struct req_list *l, struct req *r)
{
	r->prev = l->tail;
	r->next = NULL;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->len++;
}

static void list_remove(struct req_list *l, struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->next = r->prev = NULL;
	l->len--;
}

static struct req_list *list_of(struct sl_engine *eng, struct req *r)
{
	switch (r->state) {
	case RS_QUEUED: return &eng->queued;
	case RS_WAITING: return &eng->waiting;
	case RS_RUNNING: return &eng->running;
	case RS_DONE: return &eng->done;
	}
	return NULL;
}

static void set_state(struct sl_engine *eng, struct req *r, enum req_state st)
{
	list_remove(list_of(eng, r), r);
	r->state = st;
	list_push(list_of(eng, r), r);
}

static void fifo_push(struct prov_state *p, struct req *r)
{
	r->qnext = NULL;
	if (p->qtail)
		p->qtail->qnext = r;
	else
		p->qhead = r;
	p->qtail = r;
}

static void fifo_remove(struct prov_state *p, struct req *r)
{
	struct req **pp = &p->qhead, *prev = NULL;
	while (*pp && *pp != r) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (!*pp)
		return;
	*pp = r->qnext;
	if (p->qtail == r)
		p->qtail = prev;
	r->qnext = NULL;
}

/* --- engine life ----------------------------------------------------------------------- */

struct sl_engine *sl_engine_new(const struct sl_engine_options *opts, struct sl_error *err)
{
	static bool curl_ready;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			sl_error_set(err, "libcurl failed to initialise");
			return NULL;
		}
		curl_ready = true;
	}
	struct sl_engine *eng = sl_xcalloc(1, sizeof *eng);
	if (opts && opts->providers) {
		sl_providers_copy(&eng->providers, opts->providers);
	} else if (sl_providers_load(&eng->providers, NULL, err) != 0) {
		free(eng);
		return NULL;
	}
	eng->provs = sl_xcalloc(eng->providers.len ? eng->providers.len : 1, sizeof *eng->provs);
	for (size_t i = 0; i < eng->providers.len; i++) {
		struct prov_state *p = &eng->provs[i];
		p->conf = &eng->providers.items[i];
		p->ops = p->conf->kind;
		p->quirks = p->ops->quirks_for ? p->ops->quirks_for(p->conf) : 0;
		p->limit = p->conf->limits.concurrency > 0 ? p->conf->limits.concurrency : 1e9;
		if (p->conf->limits.rpm > 0)
			p->starts = sl_xcalloc((size_t)p->conf->limits.rpm, sizeof *p->starts);
		/* the constant header lines, written once rather than per request */
		p->accept[0] = sl_xstrdup("Accept: application/json");
		p->accept[1] = sl_xasprintf("Accept: %s", p->ops->stream_accept ? p->ops->stream_accept
								   : "application/json");
		p->hdr_lines = sl_xcalloc(p->conf->n_headers + 1, sizeof *p->hdr_lines);
		for (size_t k = 0; k < p->conf->n_headers; k++)
			p->hdr_lines[k] = sl_xasprintf("%s: %s", p->conf->headers[k].name,
						       p->conf->headers[k].value);
	}
	eng->price_fn = opts ? opts->price_fn : NULL;
	eng->price_ud = opts ? opts->price_user_data : NULL;
	eng->max_in_flight = opts && opts->max_in_flight > 0 ? opts->max_in_flight : 1024;
	eng->backoff_base_ms = opts && opts->backoff_base_ms > 0 ? opts->backoff_base_ms : BACKOFF_BASE_MS;
	eng->backoff_cap_ms = opts && opts->backoff_cap_ms > 0 ? opts->backoff_cap_ms : BACKOFF_CAP_MS;
	eng->rng = opts && opts->rng_seed ? opts->rng_seed : (uint64_t)sl_now_ns() | 1;
	eng->multi = curl_multi_init();
	curl_multi_setopt(eng->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	/* Keep a connection per in-flight request so bursts reuse them instead of reopening. */
	curl_multi_setopt(eng->multi, CURLMOPT_MAXCONNECTS, (long)eng->max_in_flight);
	return eng;
}

static void req_free(struct req *r)
{
	if (r->key_copy) {
		explicit_bzero(r->key_copy, strlen(r->key_copy));
		free(r->key_copy);
	}
	free(r->spec);
	free((char *)r->call.model_id);
	for (size_t i = 0; i < r->call.n_messages; i++)
		free((char *)r->messages[i].content);
	free(r->messages);
	for (size_t i = 0; i < r->call.n_inputs; i++)
		free(r->inputs[i]);
	free(r->inputs);
	for (size_t i = 0; i < r->params.n_stop; i++)
		free(r->stop[i]);
	free(r->stop);
	sl_http_request_free(&r->http);
	curl_slist_free_all(r->hdrs);
	sl_buf_free(&r->resp_headers);
	sl_buf_free(&r->body);
	sl_stream_free(&r->stream);
	free(r->abort_msg);
	sl_result_clear(&r->result);
	free(r);
}

static void release_easy(struct sl_engine *eng, struct req *r)
{
	if (!r->easy)
		return;
	curl_multi_remove_handle(eng->multi, r->easy);
	if (eng->n_pool < 64) {
		curl_easy_reset(r->easy);
		eng->pool = sl_xrealloc(eng->pool, (eng->n_pool + 1) * sizeof *eng->pool);
		eng->pool[eng->n_pool++] = r->easy;
	} else {
		curl_easy_cleanup(r->easy);
	}
	r->easy = NULL;
	/* r->hdrs stay until the next try: finish() hides their values from error messages */
	r->prov->in_flight--;
	eng->in_flight--;
}

void sl_engine_free(struct sl_engine *eng)
{
	if (!eng)
		return;
	struct req_list *lists[] = { &eng->queued, &eng->waiting, &eng->running, &eng->done };
	for (size_t i = 0; i < SL_ARRAY_LEN(lists); i++) {
		while (lists[i]->head) {
			struct req *r = lists[i]->head;
			list_remove(lists[i], r);
			release_easy(eng, r);
			req_free(r);
		}
	}
	for (size_t i = 0; i < eng->n_pool; i++)
		curl_easy_cleanup(eng->pool[i]);
	free(eng->pool);
	sl_xfer_free_all(eng); /* silently, like the requests */
	for (size_t i = 0; i < eng->providers.len; i++) {
		free(eng->provs[i].starts);
		free(eng->provs[i].tpm);
		free(eng->provs[i].allowed_origin);
		free(eng->provs[i].accept[0]);
		free(eng->provs[i].accept[1]);
		for (size_t k = 0; k < eng->provs[i].conf->n_headers; k++)
			free(eng->provs[i].hdr_lines[k]);
		free(eng->provs[i].hdr_lines);
		if (eng->provs[i].proto_state)
			eng->provs[i].ops->state_free(eng->provs[i].proto_state);
	}
	free(eng->provs);
	sl_providers_free(&eng->providers);
	curl_multi_cleanup(eng->multi);
	free(eng);
}

int sl_engine_provider_cap(const struct sl_engine *eng, const char *provider)
{
	for (size_t i = 0; i < eng->providers.len; i++)
		if (strcmp(eng->providers.items[i].name, provider) == 0)
			return eng->provs[i].limit >= 1e8 ? 0 : (int)eng->provs[i].limit;
	return -1;
}

size_t sl_engine_embed_batch(const struct sl_engine *eng, const char *model)
{
	const struct sl_provider_conf *conf;
	char *model_id = NULL;
	struct sl_error e = { 0 };
	size_t n = 0;
	if (sl_providers_resolve_model(&eng->providers, model, &conf, &model_id, &e) == 0 &&
	    conf->kind->embed_batch)
		n = conf->kind->embed_batch(model_id);
	free(model_id);
	return n;
}

size_t sl_engine_active(const struct sl_engine *eng)
{
	return eng->active;
}

size_t sl_engine_in_flight(const struct sl_engine *eng)
{
	return (size_t)eng->in_flight;
}

/* --- submit ---------------------------------------------------------------------------- */

static void finish(struct sl_engine *eng, struct req *r, enum sl_status st, const char *fmt, ...)
	SL_PRINTF(4, 5);

/* A server may echo what it was sent: no key, password in the URL, session token or
 * custom header value ever leaves in an error message. */
static void redact_secrets(const struct req *r, char **msg)
{
	static const char *const public_headers[] = { "content-type", "expect", "accept",
		"anthropic-version", "anthropic-beta", "x-amz-date", "x-amz-content-sha256",
		"host", "content-length", "user-agent" };
	if (!*msg)
		return;
	const char *key = r->call.api_key;
	if (key && strlen(key) >= 8)
		sl_str_redact(msg, key, "[key]");
	char *userinfo = sl_url_userinfo(r->call.base_url);
	if (userinfo)
		sl_str_redact(msg, userinfo, "[credentials]@");
	free(userinfo);
	for (const struct curl_slist *h = r->hdrs; h; h = h->next) {
		const char *colon = strchr(h->data, ':');
		if (!colon)
			continue;
		bool public = false;
		for (size_t i = 0; i < SL_ARRAY_LEN(public_headers); i++)
			public |= strlen(public_headers[i]) == (size_t)(colon - h->data) &&
				  strncasecmp(h->data, public_headers[i], (size_t)(colon - h->data)) == 0;
		const char *v = colon + 1 + strspn(colon + 1, " ");
		if (public || strlen(v) < 8)
			continue;
		sl_str_redact(msg, v, "[secret]");
		/* and its long parts: a bearer token, a SigV4 credential or signature */
		for (const char *t = v; *t; ) {
			size_t n = strcspn(t, " ,=/");
			if (n > 16) {
				char *part = sl_xstrndup(t, n);
				sl_str_redact(msg, part, "[secret]");
				free(part);
			}
			t += n + (t[n] != 0);
		}
	}
}

static void finish(struct sl_engine *eng, struct req *r, enum sl_status st, const char *fmt, ...)
{
	r->result.status = st;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		free(r->result.error);
		r->result.error = sl_xvasprintf(fmt, ap);
		va_end(ap);
	}
	redact_secrets(r, &r->result.error);
	if (r->state == RS_QUEUED && r->prov)
		fifo_remove(r->prov, r);
	set_state(eng, r, RS_DONE);
}

uint64_t sl_engine_submit(struct sl_engine *eng, const struct sl_request *in, struct sl_error *err)
{
	if (!in || !in->model || !*in->model) {
		sl_error_set(err, "a request needs a model");
		return 0;
	}
	if (in->kind == SL_REQ_CHAT && in->n_messages == 0) {
		sl_error_set(err, "a chat request needs at least one message");
		return 0;
	}
	if (in->kind == SL_REQ_EMBED && in->n_inputs == 0) {
		sl_error_set(err, "an embeddings request needs at least one input");
		return 0;
	}
	struct req *r = sl_xcalloc(1, sizeof *r);
	r->eng = eng;
	r->id = ++eng->next_id;
	r->spec = sl_xstrdup(in->model);
	r->messages = sl_xcalloc(in->n_messages + 1, sizeof *r->messages);
	for (size_t i = 0; i < in->n_messages; i++) {
		r->messages[i].role = in->messages[i].role;
		r->messages[i].content = sl_xstrdup(in->messages[i].content ? in->messages[i].content : "");
	}
	r->inputs = sl_xcalloc(in->n_inputs + 1, sizeof *r->inputs);
	for (size_t i = 0; i < in->n_inputs; i++)
		r->inputs[i] = sl_xstrdup(in->inputs[i] ? in->inputs[i] : "");
	r->params = in->params;
	r->stop = sl_xcalloc(in->params.n_stop + 1, sizeof *r->stop);
	for (size_t i = 0; i < in->params.n_stop; i++)
		r->stop[i] = sl_xstrdup(in->params.stop[i]);
	r->params.stop = (const char *const *)r->stop;
	r->call = (struct sl_call){
		.kind = in->kind,
		.messages = r->messages,
		.n_messages = in->n_messages,
		.inputs = (const char *const *)r->inputs,
		.n_inputs = in->n_inputs,
		.params = &r->params,
		.stream = in->stream && in->kind == SL_REQ_CHAT,
	};
	r->max_tries = in->max_tries;
	r->restart = in->restart_broken_stream;
	r->on_delta = in->on_delta;
	r->on_done = in->on_done;
	r->on_send = in->on_send;
	r->on_retry = in->on_retry;
	r->user_data = in->user_data;
	r->submit_ns = sl_now_ns();
	sl_buf_init(&r->resp_headers);
	sl_buf_init(&r->body);
	sl_stream_init(&r->stream);
	r->result.id = r->id;
	r->result.user_data = r->user_data;
	r->result.cost_usd = NAN;
	r->result.queue_ms = r->result.ttfb_ms = r->result.ttft_ms = r->result.e2e_ms = NAN;
	r->result.tpot_ms = r->result.tokens_per_s = r->result.server_ms = NAN;
	r->result.connect_ms = NAN;
	r->result.tokens_in = r->result.tokens_out = -1;
	r->result.tokens_cached = r->result.tokens_reasoning = -1;
	r->result.tokens_cache_write = -1;
	r->state = RS_QUEUED;
	list_push(&eng->queued, r);
	eng->active++;

	/* Resolve now; a failure is reported through on_done like any other. */
	struct sl_error e = { 0 };
	const struct sl_provider_conf *conf;
	char *model_id;
	if (sl_providers_resolve_model(&eng->providers, r->spec, &conf, &model_id, &e) != 0) {
		finish(eng, r, SL_ERR_CONFIG, "%s", e.msg);
		return r->id;
	}
	r->call.model_id = model_id;
	r->call.conf = conf;
	r->call.base_url = conf->base_url;
	r->call.region = conf->region;
	r->prov = &eng->provs[conf - eng->providers.items];
	r->result.provider = sl_xstrdup(conf->name);
	r->result.model_id = sl_xstrdup(model_id);
	const char *key = NULL;
	if (sl_provider_api_key(conf, &key, &e) != 0) {
		finish(eng, r, SL_ERR_CONFIG, "%s", e.msg);
		return r->id;
	}
	/* Our own copy: the environment may change while the request waits. */
	r->key_copy = key ? sl_xstrdup(key) : NULL;
	r->call.api_key = r->key_copy;
	if (r->max_tries <= 0)
		r->max_tries = conf->limits.max_tries > 0 ? conf->limits.max_tries : 1;
	/* tokens/min accounting uses what the request may consume at most. */
	size_t chars = 0;
	for (size_t i = 0; i < in->n_messages; i++)
		chars += strlen(r->messages[i].content);
	for (size_t i = 0; i < in->n_inputs; i++)
		chars += strlen(r->inputs[i]);
	r->tokens_estimate = (int64_t)(chars / 4) + (in->params.max_tokens > 0 ? in->params.max_tokens : 0);
	fifo_push(r->prov, r);
	return r->id;
}

/* --- cancel ---------------------------------------------------------------------------- */

static struct req *find_active(struct sl_engine *eng, uint64_t id)
{
	struct req_list *lists[] = { &eng->running, &eng->waiting, &eng->queued };
	for (size_t i = 0; i < SL_ARRAY_LEN(lists); i++)
		for (struct req *r = lists[i]->head; r; r = r->next)
			if (r->id == id)
				return r;
	return NULL;
}

/* Cancellation may be asked from inside a callback (on_delta runs in curl's write
 * callback), where removing a curl handle is forbidden: mark it, act in perform. */
bool sl_engine_cancel(struct sl_engine *eng, uint64_t id)
{
	struct req *r = find_active(eng, id);
	if (!r || r->cancel)
		return false;
	r->cancel = true;
	return true;
}

const char *sl_engine_text(struct sl_engine *eng, uint64_t id, size_t *len)
{
	struct req *r = find_active(eng, id);
	if (!r)
		return NULL;
	/* Waiting for a retry: the failed try's text is void, the next has none yet. */
	*len = r->state == RS_RUNNING ? r->stream.text.len : 0;
	return r->state == RS_RUNNING && r->stream.text.data ? r->stream.text.data : "";
}

void sl_engine_cancel_all(struct sl_engine *eng)
{
	struct req_list *lists[] = { &eng->running, &eng->waiting, &eng->queued };
	for (size_t i = 0; i < SL_ARRAY_LEN(lists); i++)
		for (struct req *r = lists[i]->head; r; r = r->next)
			r->cancel = true;
}

/* --- limits ---------------------------------------------------------------------------- */

static int64_t rpm_next_ns(struct prov_state *p, int64_t now)
{
	int rpm = p->conf->limits.rpm;
	if (rpm <= 0 || p->n_starts < rpm)
		return now;
	int64_t oldest = p->starts[p->head_start];
	int64_t free_at = oldest + 60 * (int64_t)1000000000;
	return free_at > now ? free_at : now;
}

static void rpm_record(struct prov_state *p, int64_t now)
{
	int rpm = p->conf->limits.rpm;
	if (rpm <= 0)
		return;
	if (p->n_starts < rpm) {
		p->starts[(p->head_start + p->n_starts) % rpm] = now;
		p->n_starts++;
	} else {
		p->starts[p->head_start] = now;
		p->head_start = (p->head_start + 1) % rpm;
	}
}

static void tpm_prune(struct prov_state *p, int64_t now)
{
	size_t k = 0;
	while (k < p->n_tpm && p->tpm[k].at_ns <= now - 60 * (int64_t)1000000000) {
		p->tpm_sum -= p->tpm[k].tokens;
		k++;
	}
	if (k) {
		memmove(p->tpm, p->tpm + k, (p->n_tpm - k) * sizeof *p->tpm);
		p->n_tpm -= k;
	}
}

static int64_t tpm_next_ns(struct prov_state *p, int64_t now, int64_t want)
{
	int64_t cap = p->conf->limits.tpm;
	if (cap <= 0)
		return now;
	tpm_prune(p, now);
	/* A request bigger than the whole budget goes alone rather than never. */
	if (p->n_tpm == 0 || p->tpm_sum + want <= cap)
		return now;
	int64_t sum = p->tpm_sum;
	for (size_t k = 0; k < p->n_tpm; k++) {
		sum -= p->tpm[k].tokens;
		if (sum + want <= cap || k + 1 == p->n_tpm)
			return p->tpm[k].at_ns + 60 * (int64_t)1000000000;
	}
	return now;
}

static void tpm_record(struct prov_state *p, int64_t now, int64_t tokens)
{
	if (p->conf->limits.tpm <= 0)
		return;
	if (p->n_tpm == p->cap_tpm) {
		p->cap_tpm = p->cap_tpm ? p->cap_tpm * 2 : 64;
		p->tpm = sl_xrealloc(p->tpm, p->cap_tpm * sizeof *p->tpm);
	}
	p->tpm[p->n_tpm++] = (struct tpm_entry){ now, tokens };
	p->tpm_sum += tokens;
}

/* AIMD: halve the cap at most once a second while 429s arrive; grow by one per cap's
 * worth of successes. */
static void limit_on_throttle(struct prov_state *p, int64_t now)
{
	if (now - p->last_cut_ns < 1000000000)
		return;
	p->last_cut_ns = now;
	double base = p->limit < 1e8 ? p->limit : (double)(p->in_flight > 0 ? p->in_flight : 1);
	p->limit = floor(base / 2);
	if (p->limit < 1)
		p->limit = 1;
}

static void limit_on_success(struct prov_state *p)
{
	double cap = p->conf->limits.concurrency > 0 ? p->conf->limits.concurrency : 1e9;
	if (p->limit >= cap)
		return;
	p->limit += 1.0 / p->limit;
	if (p->limit > cap)
		p->limit = cap;
}

/* --- one try --------------------------------------------------------------------------- */

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct req *r = ud;
	size_t len = size * n;
	if (!r->first_byte_ns)
		r->first_byte_ns = sl_now_ns();
	r->last_byte_ns = sl_now_ns();
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		sl_buf_reset(&r->resp_headers); /* a new response (after 100 Continue) */
	if (r->resp_headers.len < 65536)
		sl_buf_append(&r->resp_headers, data, len);
	return len;
}

static void on_stream_delta(void *ud, uint64_t id, const char *text, size_t len, bool reasoning)
{
	struct req *r = ud;
	r->delivered = true;
	if (r->on_delta && !r->cancel)
		r->on_delta(r->user_data, id, text, len, reasoning);
}

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
	struct req *r = ud;
	size_t len = size * n;
	int64_t now = sl_now_ns();
	if (!r->first_byte_ns)
		r->first_byte_ns = now;
	r->last_byte_ns = now;
	if (r->cancel)
		return 0;
	if (!r->status)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->call.stream && r->status >= 200 && r->status < 300) {
		if (!r->stream_active) {
			r->stream_active = true;
			r->prov->ops->stream_begin(&r->stream, &r->call);
		}
		r->stream_bytes += len;
		if (r->stream_bytes > 4 * (size_t)MAX_BODY) {
			r->abort_status = SL_ERR_PROTOCOL;
			free(r->abort_msg);
			r->abort_msg = sl_xasprintf("stream larger than %u MiB", 4 * (MAX_BODY >> 20));
			return 0;
		}
		r->stream.now_ns = now;
		r->prov->ops->stream_feed(&r->stream, data, len);
		/* An error event ends the answer: stop reading now. */
		return r->stream.failed ? 0 : len;
	}
	if (r->body.len + len > MAX_BODY) {
		r->abort_status = SL_ERR_PROTOCOL;
		free(r->abort_msg);
		r->abort_msg = sl_xasprintf("response body larger than %u MiB", MAX_BODY >> 20);
		return 0;
	}
	sl_buf_append(&r->body, data, len);
	return len;
}

/* sl_url_scheme_allowed, remembered per provider for the URL up to the first / after "://"
 * (all it reads) of the last URL it allowed: a provider sends every request there. */
static bool scheme_allowed(struct prov_state *p, const char *url)
{
	const char *sep = strstr(url, "://");
	size_t n = sep ? (size_t)(sep + 3 - url) + strcspn(sep + 3, "/") : 0;
	if (n && p->allowed_origin && strlen(p->allowed_origin) == n &&
	    strncmp(url, p->allowed_origin, n) == 0)
		return true;
	if (!sl_url_scheme_allowed(url))
		return false;
	if (n) {
		free(p->allowed_origin);
		p->allowed_origin = sl_xstrndup(url, n);
	}
	return true;
}

static CURL *take_easy(struct sl_engine *eng)
{
	if (eng->n_pool)
		return eng->pool[--eng->n_pool];
	return curl_easy_init();
}

static bool start_try(struct sl_engine *eng, struct req *r, int64_t now)
{
	struct prov_state *p = r->prov;
	struct sl_error e = { 0 };
	if (!r->built) {
		r->call.quirks = p->quirks;
		if (p->ops->prepare && p->ops->prepare(p->conf, &p->proto_state, &r->call, &e) != 0) {
			finish(eng, r, SL_ERR_CONFIG, "%s", e.msg);
			return false;
		}
		if (p->ops->build(&r->call, &r->http, &e) != 0) {
			finish(eng, r, SL_ERR_CONFIG, "%s", e.msg);
			return false;
		}
		r->built = true;
	}
	if (!scheme_allowed(p, r->http.url)) {
		finish(eng, r, SL_ERR_CONFIG, "provider %s: refusing %s: plain http is only allowed "
		       "to loopback or LAN hosts (use https)", p->conf->name, r->http.url);
		return false;
	}
	struct curl_slist *h = NULL;
	if (!r->http.sign) /* the signer adds (and signs) its own */
		h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
	h = curl_slist_append(h, p->accept[r->call.stream]);
	for (size_t i = 0; i < p->conf->n_headers; i++)
		h = curl_slist_append(h, p->hdr_lines[i]);
	if (r->http.sign) {
		struct sl_http_request extra = { 0 };
		int rc = p->ops->sign(p->proto_state, p->conf, &r->http, sl_wall_ms(), &extra, &e);
		for (size_t i = 0; i < extra.n_headers; i++)
			h = curl_slist_append(h, extra.headers[i]);
		sl_http_request_free(&extra);
		if (rc != 0) {
			curl_slist_free_all(h);
			finish(eng, r, SL_ERR_CONFIG, "%s", e.msg);
			return false;
		}
	}
	for (size_t i = 0; i < r->http.n_headers; i++)
		h = curl_slist_append(h, r->http.headers[i]);

	CURL *c = take_easy(eng);
	r->easy = c;
	curl_slist_free_all(r->hdrs);
	r->hdrs = h;
	curl_easy_setopt(c, CURLOPT_URL, r->http.url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->http.body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->http.body));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_PRIVATE, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	sl_tls_setup(c);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "shortlist/" "0.1");
	if (strncasecmp(r->http.url, "https:", 6) == 0)
		curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L); /* multiplex over one h2 connection */
	if (p->conf->limits.connect_ms > 0)
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, p->conf->limits.connect_ms);
	if (p->conf->limits.total_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, p->conf->limits.total_ms);

	/* Fresh per-try state. */
	sl_stream_free(&r->stream);
	r->stream.on_delta = on_stream_delta;
	r->stream.user_data = r;
	r->stream.id = r->id;
	r->stream_active = false;
	r->stream_bytes = 0;
	sl_buf_reset(&r->resp_headers);
	sl_buf_reset(&r->body);
	r->status = 0;
	r->first_byte_ns = r->last_byte_ns = 0;
	r->abort_status = SL_OK;
	free(r->abort_msg);
	r->abort_msg = NULL;
	r->tries++;

	r->t0_ns = sl_now_ns();
	r->stream.t0_ns = r->t0_ns;
	if (curl_multi_add_handle(eng->multi, c) != CURLM_OK) {
		curl_slist_free_all(h);
		r->hdrs = NULL;
		curl_easy_cleanup(c);
		r->easy = NULL;
		finish(eng, r, SL_ERR_NETWORK, "could not start the transfer (libcurl refused it)");
		return false;
	}
	p->in_flight++;
	eng->in_flight++;
	rpm_record(p, now);
	tpm_record(p, now, r->tokens_estimate);
	set_state(eng, r, RS_RUNNING);
	if (r->on_send)
		r->on_send(r->user_data, r->id, r->tries);
	return true;
}

/* Start whatever the limits allow; returns the earliest time something blocked could go
 * (INT64_MAX if nothing waits on a clock). */
static int64_t start_ready(struct sl_engine *eng, int64_t now)
{
	int64_t next = INT64_MAX;
	/* Backoff timers first: requests whose wait ended rejoin the front of their FIFO. */
	for (struct req *r = eng->waiting.head, *nx; r; r = nx) {
		nx = r->next;
		if (r->ready_ns <= now) {
			set_state(eng, r, RS_QUEUED);
			r->qnext = r->prov->qhead;
			r->prov->qhead = r;
			if (!r->prov->qtail)
				r->prov->qtail = r;
		} else if (r->ready_ns < next) {
			next = r->ready_ns;
		}
	}
	for (size_t i = 0; i < eng->providers.len; i++) {
		struct prov_state *p = &eng->provs[i];
		while (p->qhead && eng->in_flight < eng->max_in_flight) {
			if (p->in_flight >= (int)p->limit)
				break; /* a completion will wake us */
			int64_t at = p->blocked_until_ns > now ? p->blocked_until_ns : now;
			int64_t rpm_at = rpm_next_ns(p, now);
			int64_t tpm_at = tpm_next_ns(p, now, p->qhead->tokens_estimate);
			if (rpm_at > at)
				at = rpm_at;
			if (tpm_at > at)
				at = tpm_at;
			if (at > now) {
				if (at < next)
					next = at;
				break;
			}
			struct req *r = p->qhead;
			p->qhead = r->qnext;
			if (!p->qhead)
				p->qtail = NULL;
			r->qnext = NULL;
			start_try(eng, r, now);
		}
	}
	return next;
}

/* --- completion ------------------------------------------------------------------------ */

static void fill_measurements(struct sl_engine *eng, struct req *r, bool streamed)
{
	sl_stream_to_result(&r->stream, streamed, r->end_ns, &r->result);
	r->result.queue_ms = (double)(r->t0_ns - r->submit_ns) / 1e6;
	r->result.ttfb_ms = r->first_byte_ns ? (double)(r->first_byte_ns - r->t0_ns) / 1e6 : NAN;
	r->result.tries = r->tries;
	struct sl_price price;
	if (eng->price_fn && r->result.status == SL_OK &&
	    eng->price_fn(eng->price_ud, r->prov->conf->name, r->call.model_id, &price))
		r->result.cost_usd = sl_cost_usd(&price, r->result.tokens_in, r->result.tokens_out,
						 r->result.tokens_cached, r->result.tokens_cache_write);
}

/* Retry if tries remain and nothing was shown to the caller yet (or the caller takes a
 * restart); wait at least what the server asked for, but never longer than the provider's
 * max_retry_wait: a server asking for more fails the request now rather than stalling the
 * run silently. Tell the caller why (fmt). Returns true if a retry was scheduled. */
static bool maybe_retry(struct sl_engine *eng, struct req *r, int64_t server_wait_ms,
			bool throttled, const char *fmt, ...) SL_PRINTF(5, 6);
static bool maybe_retry(struct sl_engine *eng, struct req *r, int64_t server_wait_ms,
			bool throttled, const char *fmt, ...)
{
	if (r->cancel || (r->delivered && !r->restart) || r->tries >= r->max_tries)
		return false;
	int64_t cap = r->prov->conf->limits.max_retry_wait_ms;
	if (server_wait_ms > cap) {
		r->refused_wait_ms = server_wait_ms;
		return false;
	}
	int64_t now = sl_now_ns();
	int64_t wait = sl_backoff_ms(r->tries, eng->backoff_base_ms, eng->backoff_cap_ms, &eng->rng);
	if (wait > cap)
		wait = cap;
	if (server_wait_ms > wait)
		wait = server_wait_ms;
	if (throttled) {
		limit_on_throttle(r->prov, now);
		if (server_wait_ms > 0) {
			int64_t until = now + server_wait_ms * 1000000;
			if (until > r->prov->blocked_until_ns)
				r->prov->blocked_until_ns = until;
		}
	}
	r->ready_ns = now + wait * 1000000;
	set_state(eng, r, RS_WAITING);
	if (r->on_retry) {
		va_list ap;
		va_start(ap, fmt);
		char *why = sl_xvasprintf(fmt, ap);
		va_end(ap);
		redact_secrets(r, &why);
		r->on_retry(r->user_data, r->id, r->tries, (double)wait, why);
		free(why);
	}
	return true;
}

static void shorten(struct sl_buf *b, const char *s, size_t len, size_t max)
{
	for (size_t i = 0; i < len && i < max; i++)
		sl_buf_putc(b, (s[i] == '\n' || s[i] == '\r') ? ' ' : s[i]);
	if (len > max)
		sl_buf_puts(b, "...");
}

static void on_transfer_done(struct sl_engine *eng, struct req *r, CURLcode code)
{
	r->end_ns = r->last_byte_ns ? r->last_byte_ns : sl_now_ns();
	if (!r->status && r->easy)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	char curl_msg[CURL_ERROR_SIZE + 64];
	snprintf(curl_msg, sizeof curl_msg, "%s", curl_easy_strerror(code));
	if (r->easy) {
		curl_off_t app = 0, tcp = 0;
		curl_easy_getinfo(r->easy, CURLINFO_APPCONNECT_TIME_T, &app);
		curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &tcp);
		r->result.connect_ms = (double)(app > tcp ? app : tcp) / 1000.0;
		long ver = 0, conns = 0;
		curl_easy_getinfo(r->easy, CURLINFO_HTTP_VERSION, &ver);
		curl_easy_getinfo(r->easy, CURLINFO_NUM_CONNECTS, &conns);
		r->result.http_version = ver == CURL_HTTP_VERSION_3 ? 3
				       : ver == CURL_HTTP_VERSION_2_0 ? 2 : ver ? 1 : 0;
		r->result.connection_reused = ver && conns == 0;
	}
	release_easy(eng, r);
	r->result.http_status = r->status;
	struct prov_state *p = r->prov;
	const char *pname = p->conf->name;

	if (r->cancel) {
		finish(eng, r, SL_ERR_CANCELLED, "cancelled");
		fill_measurements(eng, r, r->call.stream);
		return;
	}
	if (r->abort_status != SL_OK) {
		enum sl_status st = r->abort_status;
		char *msg = r->abort_msg;
		r->abort_msg = NULL;
		bool transient = st == SL_ERR_TIMEOUT;
		if (!(transient && maybe_retry(eng, r, -1, false, "%s: %s", pname, msg))) {
			finish(eng, r, st, "%s: %s", pname, msg);
			fill_measurements(eng, r, r->call.stream);
		}
		free(msg);
		return;
	}
	if (r->stream.failed) {
		/* An error event inside the stream (or unparseable data). */
		bool transient = r->stream.fail_status == SL_ERR_PROVIDER &&
				 (r->stream.error_transient ||
				  sl_net_error_type_transient(r->stream.error_type));
		if (!(transient && maybe_retry(eng, r, -1, false, "%s: %s", pname, r->stream.error))) {
			free(r->result.error_type);
			r->result.error_type = r->stream.error_type ? sl_xstrdup(r->stream.error_type) : NULL;
			finish(eng, r, r->stream.fail_status, "%s: %s", pname, r->stream.error);
			fill_measurements(eng, r, r->call.stream);
		}
		return;
	}
	if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
		/* A certificate does not get better by asking again: say how to trust it. */
		const char *ca = sl_tls_ca_file();
		if (ca)
			finish(eng, r, SL_ERR_NETWORK, "%s: TLS certificate not trusted (%s); the "
			       "CA file trusted is %s (from SSL_CERT_FILE or CURL_CA_BUNDLE)", pname,
			       curl_msg, ca);
		else
			finish(eng, r, SL_ERR_NETWORK, "%s: TLS certificate not trusted (%s); for a "
			       "private CA set SSL_CERT_FILE to its PEM file", pname, curl_msg);
		fill_measurements(eng, r, r->call.stream);
		return;
	}
	if (code != CURLE_OK) {
		enum sl_status st = code == CURLE_OPERATION_TIMEDOUT ? SL_ERR_TIMEOUT : SL_ERR_NETWORK;
		if (!maybe_retry(eng, r, -1, false, "%s: %s (%s)", pname,
				 st == SL_ERR_TIMEOUT ? "timeout" : "connection failed", curl_msg)) {
			const char *what = st == SL_ERR_TIMEOUT
				? (r->first_byte_ns ? "total timeout" : "no answer in time")
				: "connection failed";
			finish(eng, r, st, "%s: %s (%s)%s", pname, what, curl_msg,
			       r->delivered ? " after part of the answer was received" : "");
			fill_measurements(eng, r, r->call.stream);
		}
		return;
	}
	unsigned learnt = r->status >= 400 && r->status < 500 && p->ops->quirks_from_error
		? p->ops->quirks_from_error(&r->call, r->status, r->body.data ? r->body.data : "")
		: 0;
	if (learnt & ~r->call.quirks) {
		/* The server says how it wants to be asked: ask again so, and remember for this
		 * provider. Not counted as a try. */
		p->quirks |= learnt;
		sl_http_request_free(&r->http);
		r->built = false;
		r->tries--;
		r->ready_ns = sl_now_ns();
		set_state(eng, r, RS_WAITING);
		return;
	}
	if (r->status < 200 || r->status >= 300) {
		struct sl_provider_error pe = { 0 };
		pe.retry = -1;
		p->ops->classify_error(r->status, r->resp_headers.data ? r->resp_headers.data : "",
				       r->resp_headers.len, r->body.data ? r->body.data : "",
				       r->body.len, &pe);
		bool retryable = pe.retry == 1 || (pe.retry == -1 && sl_retry_status(r->status));
		int64_t wait = sl_retry_after_ms(r->resp_headers.data ? r->resp_headers.data : "",
						 r->resp_headers.len, sl_wall_ms());
		bool throttled = r->status == 429 || r->status == 529 || r->status == 503;
		if (!(retryable && maybe_retry(eng, r, wait, throttled, "%s: HTTP %ld%s%s", pname,
						 r->status, pe.message ? ": " : "",
						 pe.message ? pe.message : ""))) {
			struct sl_buf b;
			sl_buf_init(&b);
			if (pe.message && *pe.message)
				sl_buf_puts(&b, pe.message);
			else
				shorten(&b, r->body.data ? r->body.data : "", r->body.len, 300);
			free(r->result.error_type);
			r->result.error_type = pe.type;
			pe.type = NULL;
			finish(eng, r, SL_ERR_HTTP, "%s: HTTP %ld%s%s%s: %s", pname, r->status,
			       r->result.error_type ? " (" : "",
			       r->result.error_type ? r->result.error_type : "",
			       r->result.error_type ? ")" : "", b.len ? b.data : "(no message)");
			if (r->refused_wait_ms > 0) {
				char *m = sl_xasprintf("%s [the server asked to wait %.0f s: more than "
						       "limits.max_retry_wait_s = %ld of provider %s]",
						       r->result.error,
						       ceil((double)r->refused_wait_ms / 1000.0),
						       p->conf->limits.max_retry_wait_ms / 1000, pname);
				free(r->result.error);
				r->result.error = m;
			} else if (r->tries > 1) {
				char *m = sl_xasprintf("%s [gave up after %d tries]", r->result.error,
						       r->tries);
				free(r->result.error);
				r->result.error = m;
			}
			fill_measurements(eng, r, r->call.stream);
			sl_buf_free(&b);
		}
		free(pe.message);
		free(pe.type);
		return;
	}
	/* 2xx */
	if (r->call.stream) {
		if (!r->stream_active) {
			r->stream_active = true;
			p->ops->stream_begin(&r->stream, &r->call);
		}
		p->ops->stream_end(&r->stream);
		if (r->stream.failed) {
			/* Ended before its end marker: the connection was cut. */
			bool truncated = r->stream.fail_status == SL_ERR_NETWORK;
			if (!(truncated && maybe_retry(eng, r, -1, false, "%s: %s", pname,
						       r->stream.error))) {
				finish(eng, r, r->stream.fail_status, "%s: %s", pname, r->stream.error);
				fill_measurements(eng, r, true);
			}
			return;
		}
	} else {
		r->stream.now_ns = r->end_ns;
		p->ops->parse_body(&r->stream, &r->call, r->body.data ? r->body.data : "", r->body.len);
		if (r->stream.failed) {
			finish(eng, r, r->stream.fail_status, "%s: %s", pname, r->stream.error);
			fill_measurements(eng, r, false);
			return;
		}
	}
	limit_on_success(p);
	/* The server says a limit is used up: hold this provider's queue until it resets. */
	int64_t pause = sl_ratelimit_pause_ms(r->resp_headers.data ? r->resp_headers.data : "",
					      r->resp_headers.len, sl_wall_ms());
	if (pause > p->conf->limits.max_retry_wait_ms)
		pause = p->conf->limits.max_retry_wait_ms;
	if (pause > 0) {
		int64_t until = sl_now_ns() + pause * 1000000;
		if (until > p->blocked_until_ns)
			p->blocked_until_ns = until;
	}
	finish(eng, r, SL_OK, NULL);
	fill_measurements(eng, r, r->call.stream);
}

/* Timeouts libcurl cannot express in milliseconds: first byte and idle gap (streams). */
static int64_t check_timeouts(struct sl_engine *eng, int64_t now)
{
	int64_t next = INT64_MAX;
	for (struct req *r = eng->running.head, *nx; r; r = nx) {
		nx = r->next;
		if (r->cancel) {
			on_transfer_done(eng, r, CURLE_ABORTED_BY_CALLBACK);
			continue;
		}
		if (!r->call.stream)
			continue;
		const struct sl_provider_limits *l = &r->prov->conf->limits;
		int64_t deadline = INT64_MAX;
		const char *what = NULL;
		long ms = 0;
		/* Servers often send headers at once and the body when the model starts:
		 * the first-byte limit runs until the first byte of the body. */
		if (!r->stream_active && l->first_byte_ms > 0) {
			deadline = r->t0_ns + (int64_t)l->first_byte_ms * 1000000;
			what = "no answer within";
			ms = l->first_byte_ms;
		} else if (r->stream_active && l->idle_ms > 0) {
			deadline = r->last_byte_ns + (int64_t)l->idle_ms * 1000000;
			what = "stream stalled: no data for";
			ms = l->idle_ms;
		}
		if (deadline <= now) {
			r->abort_status = SL_ERR_TIMEOUT;
			free(r->abort_msg);
			r->abort_msg = sl_xasprintf("%s %ld ms", what, ms);
			on_transfer_done(eng, r, CURLE_OPERATION_TIMEDOUT);
		} else if (deadline < next) {
			next = deadline;
		}
	}
	return next;
}

static void cancel_pending(struct sl_engine *eng)
{
	struct req_list *lists[] = { &eng->waiting, &eng->queued };
	for (size_t i = 0; i < SL_ARRAY_LEN(lists); i++)
		for (struct req *r = lists[i]->head, *nx; r; r = nx) {
			nx = r->next;
			if (r->cancel) {
				r->end_ns = sl_now_ns();
				finish(eng, r, SL_ERR_CANCELLED, "cancelled before it was sent");
				r->result.tries = r->tries;
			}
		}
}

static void dispatch_done(struct sl_engine *eng)
{
	while (eng->done.head) {
		struct req *r = eng->done.head;
		list_remove(&eng->done, r);
		eng->active--;
		if (!r->result.text)
			r->result.text = sl_xstrdup("");
		if (!r->result.reasoning)
			r->result.reasoning = sl_xstrdup("");
		if (r->on_done)
			r->on_done(r->user_data, &r->result);
		req_free(r);
	}
}

static size_t drain_messages(struct sl_engine *eng)
{
	size_t n = 0;
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(eng->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct req *r = NULL;
		CURLcode code = m->data.result;
		if (sl_xfer_finished(eng, m->easy_handle, code)) {
			n++;
			continue;
		}
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			on_transfer_done(eng, r, code);
		n++;
	}
	return n;
}

size_t sl_engine_perform(struct sl_engine *eng)
{
	/* Finished transfers start retries and queued requests, and a new transfer to a
	 * local server may finish within the same perform: go round until quiet, so that
	 * nothing waits for a poll that has nothing left to report. */
	eng->again = false;
	for (int round = 0; round < 8; round++) {
		int running;
		curl_multi_perform(eng->multi, &running);
		size_t finished = drain_messages(eng);
		int64_t now = sl_now_ns();
		cancel_pending(eng);
		int64_t t1 = check_timeouts(eng, now);
		int in_flight = eng->in_flight;
		int64_t t2 = start_ready(eng, now);
		eng->next_deadline_ns = t1 < t2 ? t1 : t2;
		bool started = eng->in_flight > in_flight;
		if (!finished && !started)
			break;
		if (round == 7)
			eng->again = true;
	}
	dispatch_done(eng);
	sl_xfer_dispatch(eng);
	return eng->active + sl_engine_xfers(eng);
}

int sl_engine_wait(struct sl_engine *eng, struct sl_waitfd *extra, unsigned n_extra,
		   int timeout_ms, struct sl_error *err)
{
	int64_t now = sl_now_ns();
	if (eng->done.head || eng->again || sl_xfer_ready(eng))
		timeout_ms = 0;
	/* Requests that arrived since the last perform may be startable now. */
	for (size_t i = 0; i < eng->providers.len && timeout_ms; i++)
		if (eng->provs[i].qhead && eng->provs[i].in_flight < (int)eng->provs[i].limit &&
		    eng->in_flight < eng->max_in_flight)
			timeout_ms = 0;
	for (struct req *r = eng->running.head; r && timeout_ms; r = r->next)
		if (r->cancel)
			timeout_ms = 0;
	if (eng->next_deadline_ns != INT64_MAX && eng->next_deadline_ns > 0 && timeout_ms) {
		int64_t ms = (eng->next_deadline_ns - now + 999999) / 1000000;
		if (ms < 0)
			ms = 0;
		if (timeout_ms < 0 || ms < timeout_ms)
			timeout_ms = (int)ms;
	}
	struct curl_waitfd fds[16];
	if (n_extra > SL_ARRAY_LEN(fds))
		n_extra = SL_ARRAY_LEN(fds);
	for (unsigned i = 0; i < n_extra; i++) {
		fds[i].fd = extra[i].fd;
		fds[i].events = extra[i].events;
		fds[i].revents = 0;
	}
	int numfds = 0;
	CURLMcode mc = curl_multi_poll(eng->multi, fds, n_extra, timeout_ms < 0 ? 1000 : timeout_ms,
				       &numfds);
	for (unsigned i = 0; i < n_extra; i++)
		extra[i].revents = fds[i].revents;
	if (mc != CURLM_OK) {
		sl_error_set(err, "waiting for network activity failed: %s", curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

void sl_engine_wakeup(struct sl_engine *eng)
{
	curl_multi_wakeup(eng->multi);
}

void sl_engine_run_until_idle(struct sl_engine *eng)
{
	while (sl_engine_perform(eng) > 0)
		sl_engine_wait(eng, NULL, 0, 1000, NULL);
}
