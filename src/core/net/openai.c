/* OpenAI Chat Completions and Embeddings, and every server that copies them (vLLM,
 * llama.cpp, Ollama /v1, LM Studio, OpenRouter, Groq, Together, Mistral, DeepSeek, Gemini's
 * OpenAI endpoint). Variants handled: OpenAI's role-only first chunk and usage in a last
 * chunk with empty choices (stream_options.include_usage); llama.cpp's usage in the finish
 * chunk plus `timings`; `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter,
 * Ollama); error objects mid-stream; servers that ignore stream:true and answer whole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"
#include "shortlist/jscan.h"
#include "shortlist/probe.h"

/* What a server was found to want (sl_call.quirks), learned from its errors. */
enum {
	QUIRK_NO_STREAM_OPTIONS = 1,      /* refuses stream_options.include_usage */
	QUIRK_MAX_COMPLETION_TOKENS = 2,  /* wants max_completion_tokens, not max_tokens */
};

static void add_params(cJSON *body, const struct sl_call *call)
{
	const struct sl_params *pr = call->params;
	if (!isnan(pr->temperature))
		cJSON_AddNumberToObject(body, "temperature", pr->temperature);
	if (!isnan(pr->top_p))
		cJSON_AddNumberToObject(body, "top_p", pr->top_p);
	/* OpenAI's own API wants max_completion_tokens (its reasoning models refuse
	 * max_tokens); compatible servers mostly know only max_tokens. */
	if (pr->max_tokens > 0)
		cJSON_AddNumberToObject(body, (call->quirks & QUIRK_MAX_COMPLETION_TOKENS) ? "max_completion_tokens"
									   : "max_tokens",
					pr->max_tokens);
	if (pr->n_stop) {
		cJSON *stop = cJSON_AddArrayToObject(body, "stop");
		for (size_t i = 0; i < pr->n_stop; i++)
			cJSON_AddItemToArray(stop, cJSON_CreateString(pr->stop[i]));
	}
	if (pr->has_seed)
		cJSON_AddNumberToObject(body, "seed", (double)pr->seed);
}

static const char *role_name(enum sl_role r)
{
	return r == SL_ROLE_SYSTEM ? "system" : r == SL_ROLE_ASSISTANT ? "assistant" : "user";
}

static int openai_build(const struct sl_call *call, struct sl_http_request *out,
			struct sl_error *err)
{
	if (!call->base_url) {
		sl_error_set(err, "provider %s has no base_url", call->conf->name);
		return -1;
	}
	if (call->kind == SL_REQ_EMBED) {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "model", call->model_id);
		cJSON *in = cJSON_AddArrayToObject(body, "input");
		for (size_t i = 0; i < call->n_inputs; i++)
			cJSON_AddItemToArray(in, cJSON_CreateString(call->inputs[i]));
		cJSON_AddStringToObject(body, "encoding_format", "float");
		out->url = sl_xasprintf("%s/embeddings", call->base_url);
		out->body = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
	} else {
		/* The model and the messages written directly (a tree of every message per
		 * request cost more than the rest of the request), the few fields after them by
		 * cJSON: the same text as one cJSON tree printed. */
		cJSON *rest = cJSON_CreateObject();
		add_params(rest, call);
		if (call->params->json) {
			cJSON *rf = cJSON_AddObjectToObject(rest, "response_format");
			cJSON_AddStringToObject(rf, "type", "json_object");
		}
		if (call->params->logprobs) {
			cJSON_AddBoolToObject(rest, "logprobs", 1);
			if (call->params->top_logprobs > 0)
				cJSON_AddNumberToObject(rest, "top_logprobs", call->params->top_logprobs);
		}
		if (call->stream) {
			cJSON_AddBoolToObject(rest, "stream", 1);
			/* Usage in the stream; a server that rejects the option is asked again
			 * without it (the engine remembers: quirks_from_error). */
			if (!(call->quirks & QUIRK_NO_STREAM_OPTIONS)) {
				cJSON *so = cJSON_AddObjectToObject(rest, "stream_options");
				cJSON_AddBoolToObject(so, "include_usage", 1);
			}
		}
		char *tail = cJSON_PrintUnformatted(rest);
		cJSON_Delete(rest);
		struct sl_buf b;
		sl_buf_init(&b);
		sl_buf_puts(&b, "{\"model\":");
		sl_buf_json_string(&b, call->model_id);
		sl_buf_puts(&b, ",\"messages\":[");
		for (size_t i = 0; i < call->n_messages; i++) {
			sl_buf_puts(&b, i ? ",{\"role\":" : "{\"role\":");
			sl_buf_json_string(&b, role_name(call->messages[i].role));
			sl_buf_puts(&b, ",\"content\":");
			sl_buf_json_string(&b, call->messages[i].content);
			sl_buf_putc(&b, '}');
		}
		sl_buf_puts(&b, strcmp(tail, "{}") != 0 ? "]," : "]");
		sl_buf_puts(&b, tail + 1);
		cJSON_free(tail);
		out->body = sl_buf_steal(&b);
		out->url = sl_xasprintf("%s/chat/completions", call->base_url);
	}
	if (call->api_key)
		sl_http_request_add_header(out, "Authorization: Bearer %s", call->api_key);
	return 0;
}

static void parse_usage(struct sl_stream *s, const cJSON *usage)
{
	if (!cJSON_IsObject(usage))
		return;
	/* Groq reports its own server time (seconds). */
	double total = sl_json_num(usage, "total_time");
	if (!isnan(total))
		s->server_ms = total * 1000.0;
	int64_t cached = -1, reasoning = -1;
	const cJSON *pd = cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens_details");
	if (cJSON_IsObject(pd))
		cached = sl_json_int(pd, "cached_tokens");
	const cJSON *cd = cJSON_GetObjectItemCaseSensitive(usage, "completion_tokens_details");
	if (cJSON_IsObject(cd))
		reasoning = sl_json_int(cd, "reasoning_tokens");
	sl_stream_usage(s, sl_json_int(usage, "prompt_tokens"),
			sl_json_int(usage, "completion_tokens"), cached, reasoning);
}

static void parse_logprobs(struct sl_stream *s, const cJSON *lp)
{
	const cJSON *content = lp ? cJSON_GetObjectItemCaseSensitive(lp, "content") : NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, content)
	{
		const char *tok = sl_json_str(t, "token");
		double v = sl_json_num(t, "logprob");
		if (!tok || isnan(v))
			continue;
		const cJSON *tops = cJSON_GetObjectItemCaseSensitive(t, "top_logprobs");
		size_t n = (size_t)cJSON_GetArraySize(tops), k = 0;
		struct sl_top_logprob *top = n ? sl_xcalloc(n, sizeof *top) : NULL;
		const cJSON *a;
		cJSON_ArrayForEach(a, tops)
		{
			const char *at = sl_json_str(a, "token");
			double av = sl_json_num(a, "logprob");
			if (at && !isnan(av))
				top[k++] = (struct sl_top_logprob){ sl_xstrdup(at), av };
		}
		sl_stream_add_logprob(s, sl_xstrdup(tok), v, top, k);
	}
}

static void parse_timings(struct sl_stream *s, const cJSON *timings)
{
	/* llama.cpp: server-side prompt and generation time. */
	double pm = sl_json_num(timings, "prompt_ms"), gm = sl_json_num(timings, "predicted_ms");
	if (!isnan(pm) || !isnan(gm))
		s->server_ms = (isnan(pm) ? 0 : pm) + (isnan(gm) ? 0 : gm);
}

static bool parse_error_object(struct sl_stream *s, const cJSON *root)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *object = sl_json_str(root, "object");
	if ((!e || cJSON_IsNull(e)) && object && strcmp(object, "error") == 0)
		e = root; /* vLLM: {"object":"error","message":...,"type":...,"code":...} */
	if (!e || cJSON_IsNull(e))
		return false;
	const char *msg = cJSON_IsString(e) ? e->valuestring : sl_json_str(e, "message");
	const char *type = sl_json_str(e, "type");
	if (!type)
		type = sl_json_str(e, "code");
	sl_stream_fail(s, SL_ERR_PROVIDER, type, "error in the answer: %s",
		       msg ? msg : "(no message)");
	return true;
}

struct oa_state {
	struct sl_sse sse;
	bool any_event;
	bool saw_finish;
	struct sl_buf raw; /* the first bytes, in case the server answered without SSE */
	struct sl_jscan js; /* the chunks' scanner, reused */
};

bool sl_openai_scan_chunks = true;

static void oa_free(void *p)
{
	struct oa_state *st = p;
	sl_sse_free(&st->sse);
	sl_buf_free(&st->raw);
	sl_jscan_free(&st->js);
	free(st);
}

static void oa_chunk(struct sl_stream *s, const cJSON *root)
{
	if (parse_error_object(s, root))
		return;
	sl_stream_set_model(s, sl_json_str(root, "model"));
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
	const cJSON *c = cJSON_GetArrayItem(choices, 0);
	if (c) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "delta");
		const char *reasoning = sl_json_str(d, "reasoning_content");
		if (!reasoning)
			reasoning = sl_json_str(d, "reasoning");
		if (reasoning)
			sl_stream_content(s, reasoning, strlen(reasoning), true);
		const char *text = sl_json_str(d, "content");
		if (!text)
			text = sl_json_str(d, "refusal"); /* a refusal is the visible answer */
		if (text)
			sl_stream_content(s, text, strlen(text), false);
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "tool_calls")) > 0)
			sl_stream_tool_delta(s);
		parse_logprobs(s, cJSON_GetObjectItemCaseSensitive(c, "logprobs"));
		const char *fin = sl_json_str(c, "finish_reason");
		if (fin) {
			sl_stream_set_finish(s, fin);
			((struct oa_state *)s->proto)->saw_finish = true;
		}
	}
	parse_usage(s, cJSON_GetObjectItemCaseSensitive(root, "usage"));
	/* Groq puts the streamed usage in x_groq.usage of the last chunk. */
	parse_usage(s, sl_json_path(root, "x_groq.usage"));
	parse_timings(s, cJSON_GetObjectItemCaseSensitive(root, "timings"));
}

/* jscan's twins of sl_json_str, sl_json_int and sl_json_num. */
static const char *js_str(struct sl_jscan *j, int obj, const char *key)
{
	return sl_jscan_str(j, sl_jscan_get(j, obj, key), NULL);
}

static int64_t js_int(struct sl_jscan *j, int obj, const char *key)
{
	double v = sl_jscan_num(j, sl_jscan_get(j, obj, key));
	return v >= 0 && v <= 1e12 ? (int64_t)v : -1;
}

static double js_num(struct sl_jscan *j, int obj, const char *key)
{
	return sl_jscan_num(j, sl_jscan_get(j, obj, key));
}

static void js_usage(struct sl_stream *s, struct sl_jscan *j, int usage)
{
	if (sl_jscan_type(j, usage) != SL_JOBJECT)
		return;
	double total = js_num(j, usage, "total_time");
	if (!isnan(total))
		s->server_ms = total * 1000.0;
	int64_t cached = -1, reasoning = -1;
	int pd = sl_jscan_get(j, usage, "prompt_tokens_details");
	if (sl_jscan_type(j, pd) == SL_JOBJECT)
		cached = js_int(j, pd, "cached_tokens");
	int cd = sl_jscan_get(j, usage, "completion_tokens_details");
	if (sl_jscan_type(j, cd) == SL_JOBJECT)
		reasoning = js_int(j, cd, "reasoning_tokens");
	sl_stream_usage(s, js_int(j, usage, "prompt_tokens"), js_int(j, usage, "completion_tokens"),
			cached, reasoning);
}

/* oa_chunk without a cJSON tree, for the chunks nearly every answer is made of: the same
 * reads in the same order. False, before doing anything: leave it to cJSON (not jscan's
 * subset, or an error, logprobs, or Groq's usage). */
static bool oa_chunk_scan(struct sl_stream *s, struct oa_state *st, const char *data, size_t len)
{
	struct sl_jscan *j = &st->js;
	if (!sl_openai_scan_chunks || !sl_jscan_parse(j, data, len) ||
	    sl_jscan_type(j, 0) != SL_JOBJECT)
		return false;
	int e = sl_jscan_get(j, 0, "error");
	const char *object = js_str(j, 0, "object");
	int c = sl_jscan_child(j, sl_jscan_get(j, 0, "choices"));
	int lp = sl_jscan_get(j, c, "logprobs");
	if ((e >= 0 && sl_jscan_type(j, e) != SL_JNULL) || (object && strcmp(object, "error") == 0) ||
	    sl_jscan_count(j, sl_jscan_get(j, lp, "content")) > 0 || sl_jscan_get(j, 0, "x_groq") >= 0)
		return false;
	sl_stream_set_model(s, js_str(j, 0, "model"));
	if (c >= 0) {
		int d = sl_jscan_get(j, c, "delta");
		size_t n;
		const char *text = sl_jscan_str(j, sl_jscan_get(j, d, "reasoning_content"), &n);
		if (!text)
			text = sl_jscan_str(j, sl_jscan_get(j, d, "reasoning"), &n);
		if (text)
			sl_stream_content(s, text, n, true);
		text = sl_jscan_str(j, sl_jscan_get(j, d, "content"), &n);
		if (!text)
			text = sl_jscan_str(j, sl_jscan_get(j, d, "refusal"), &n);
		if (text)
			sl_stream_content(s, text, n, false);
		if (sl_jscan_count(j, sl_jscan_get(j, d, "tool_calls")) > 0)
			sl_stream_tool_delta(s);
		const char *fin = js_str(j, c, "finish_reason");
		if (fin) {
			sl_stream_set_finish(s, fin);
			st->saw_finish = true;
		}
	}
	js_usage(s, j, sl_jscan_get(j, 0, "usage"));
	int t = sl_jscan_get(j, 0, "timings");
	double pm = js_num(j, t, "prompt_ms"), gm = js_num(j, t, "predicted_ms");
	if (!isnan(pm) || !isnan(gm))
		s->server_ms = (isnan(pm) ? 0 : pm) + (isnan(gm) ? 0 : gm);
	return true;
}

static void oa_event(void *ud, const char *event, const char *data, size_t len)
{
	struct sl_stream *s = ud;
	struct oa_state *st = s->proto;
	st->any_event = true;
	if (s->failed || s->done)
		return;
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		s->done = true;
		return;
	}
	if (strcmp(event, "error") != 0 && oa_chunk_scan(s, st, data, len))
		return;
	cJSON *root = cJSON_ParseWithLength(data, len);
	if (!root) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON in the stream: %.120s", data);
		return;
	}
	if (strcmp(event, "error") == 0 && !cJSON_GetObjectItemCaseSensitive(root, "error"))
		sl_stream_fail(s, SL_ERR_PROVIDER, NULL, "error event: %.300s", data);
	else
		oa_chunk(s, root);
	cJSON_Delete(root);
}

static void oa_stream_begin(struct sl_stream *s, const struct sl_call *call)
{
	struct oa_state *st = sl_xcalloc(1, sizeof *st);
	sl_sse_init(&st->sse);
	sl_buf_init(&st->raw);
	sl_jscan_init(&st->js);
	s->proto = st;
	s->proto_free = oa_free;
}

static void oa_stream_feed(struct sl_stream *s, const char *data, size_t len)
{
	struct oa_state *st = s->proto;
	if (!st->any_event && st->raw.len < 65536)
		sl_buf_append(&st->raw, data, len);
	sl_sse_feed(&st->sse, data, len, oa_event, s);
}

static void oa_parse_body(struct sl_stream *s, const struct sl_call *call, const char *body,
			  size_t len);

static void oa_stream_end(struct sl_stream *s)
{
	struct oa_state *st = s->proto;
	if (s->failed || s->done)
		return;
	if (!st->any_event && st->raw.len) {
		/* Not SSE at all: a server that answered the whole thing as JSON. */
		s->now_ns = s->now_ns ? s->now_ns : s->t0_ns;
		oa_parse_body(s, NULL, st->raw.data, st->raw.len);
		return;
	}
	/* Some servers omit [DONE]; a finish_reason means the answer is complete. */
	if (st->saw_finish) {
		s->done = true;
		return;
	}
	sl_stream_fail(s, SL_ERR_NETWORK, NULL,
		       "the stream ended before the answer was complete (no finish_reason, no [DONE])");
}

static void oa_parse_body(struct sl_stream *s, const struct sl_call *call, const char *body,
			  size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!root) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON answer: %.120s", body);
		return;
	}
	if (parse_error_object(s, root))
		goto out;
	sl_stream_set_model(s, sl_json_str(root, "model"));
	parse_usage(s, cJSON_GetObjectItemCaseSensitive(root, "usage"));
	parse_timings(s, cJSON_GetObjectItemCaseSensitive(root, "timings"));
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (cJSON_IsArray(data)) {
		/* Embeddings, placed by their index. */
		int n = cJSON_GetArraySize(data);
		const cJSON **order = sl_xcalloc((size_t)n + 1, sizeof *order);
		const cJSON *d;
		int k = 0;
		cJSON_ArrayForEach(d, data)
		{
			int64_t idx = sl_json_int(d, "index");
			if (idx < 0 || idx >= n || order[idx])
				idx = k;
			order[idx] = d;
			k++;
		}
		for (int i = 0; i < n && !s->failed; i++) {
			const cJSON *emb = cJSON_GetObjectItemCaseSensitive(order[i], "embedding");
			int dim = cJSON_GetArraySize(emb);
			if (!cJSON_IsArray(emb) || dim == 0) {
				sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "embedding %d is missing", i);
				break;
			}
			float *v = sl_xmalloc((size_t)dim * sizeof(float));
			int j = 0;
			const cJSON *x;
			cJSON_ArrayForEach(x, emb) v[j++] = (float)x->valuedouble;
			sl_stream_add_embedding(s, v, (size_t)dim);
			free(v);
		}
		free(order);
		s->done = true;
		goto out;
	}
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "choices"), 0);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "message");
	if (!cJSON_IsObject(m)) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "answer without choices[0].message: %.200s",
			       body);
		goto out;
	}
	const char *reasoning = sl_json_str(m, "reasoning_content");
	if (!reasoning)
		reasoning = sl_json_str(m, "reasoning");
	if (reasoning)
		sl_stream_content(s, reasoning, strlen(reasoning), true);
	const char *text = sl_json_str(m, "content");
	if (!text)
		text = sl_json_str(m, "refusal");
	if (text)
		sl_stream_content(s, text, strlen(text), false);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "tool_calls")) > 0)
		sl_stream_tool_delta(s);
	parse_logprobs(s, cJSON_GetObjectItemCaseSensitive(c, "logprobs"));
	sl_stream_set_finish(s, sl_json_str(c, "finish_reason"));
	s->done = true;
out:
	cJSON_Delete(root);
}

static void oa_classify(long status, const char *headers, size_t headers_len,
			const char *body, size_t len, struct sl_provider_error *pe)
{
	sl_net_error_from_json(body, len, pe);
	/* A 429 for an exhausted balance will not pass by waiting. */
	if (pe->type && (strcmp(pe->type, "insufficient_quota") == 0 ||
			 strcmp(pe->type, "billing_hard_limit_reached") == 0))
		pe->retry = 0;
}

/* OpenAI's own API refuses max_tokens for its reasoning models. */
static unsigned oa_quirks_for(const struct sl_provider_conf *conf)
{
	return conf->base_url && strstr(conf->base_url, "://api.openai.com")
		? QUIRK_MAX_COMPLETION_TOKENS : 0;
}

static unsigned oa_quirks_from_error(const struct sl_call *call, long status, const char *body)
{
	/* Some compatible servers refuse stream_options.include_usage: ask again without it
	 * (tokens are then estimated unless the stream reports them). */
	if ((status == 400 || status == 422) && call->stream &&
	    !(call->quirks & QUIRK_NO_STREAM_OPTIONS) && strstr(body, "stream_options"))
		return QUIRK_NO_STREAM_OPTIONS;
	/* "Unsupported parameter: 'max_tokens' ... Use 'max_completion_tokens'". */
	if (status == 400 && !(call->quirks & QUIRK_MAX_COMPLETION_TOKENS) &&
	    call->params->max_tokens > 0 && strstr(body, "max_completion_tokens"))
		return QUIRK_MAX_COMPLETION_TOKENS;
	return 0;
}

/* GET /models: lists the models when the key is accepted. */
static int oa_ping_build(const struct sl_provider_conf *c, const char *key, void **state,
			 struct sl_http_request *out, struct sl_error *err)
{
	out->url = sl_xasprintf("%s/models", c->base_url);
	if (key)
		sl_http_request_add_header(out, "Authorization: Bearer %s", key);
	return 0;
}

/* The embeddings endpoint takes up to 2048 inputs per request. */
static size_t oa_embed_batch(const char *model_id)
{
	(void)model_id;
	return 2048;
}

const struct sl_provider_ops sl_openai_ops = {
	.name = "openai",
	.base_url = "https://api.openai.com/v1",
	.key_env = "OPENAI_API_KEY",
	.url_env = "OPENAI_BASE_URL",
	.default_concurrency = 64,
	.stream_accept = "text/event-stream",
	.quirks_for = oa_quirks_for,
	.quirks_from_error = oa_quirks_from_error,
	.embed_batch = oa_embed_batch,
	.build = openai_build,
	.stream_begin = oa_stream_begin,
	.stream_feed = oa_stream_feed,
	.stream_end = oa_stream_end,
	.parse_body = oa_parse_body,
	.classify_error = oa_classify,
	.ping_build = oa_ping_build,
	.ping_list_key = "data",
	.ping_404_hint = " (OpenAI-compatible URLs usually end in /v1)",
};
