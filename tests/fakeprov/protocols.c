/* The providers' wire shapes, as their public docs show them: OpenAI Chat Completions (and
 * the llama.cpp server's variant), Anthropic Messages, Bedrock Converse/ConverseStream,
 * Ollama /api/chat. Every id and timestamp is derived from the request number, so a run is
 * reproducible byte for byte. */
#include "fp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shortlist/eventstream.h"

#define CREATED 1764288000 /* 2025-11-28T00:00:00Z: fixed so bodies are deterministic */

/* cJSON prints every number with "%1.15g" and reads it back with sscanf to check (about 5k
 * instructions, a third of a streamed answer's CPU here): integers go out as raw text,
 * the same bytes. */
static cJSON *add_number(cJSON *o, const char *name, double v)
{
	if (fabs(v) < 1e15 && v == (double)(long long)v && !(v == 0 && signbit(v))) {
		char t[32];
		snprintf(t, sizeof t, "%lld", (long long)v);
		return cJSON_AddRawToObject(o, name, t);
	}
	return cJSON_AddNumberToObject(o, name, v);
}

int64_t fp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void fp_behaviour_free(struct fp_behaviour *b)
{
	free(b->text);
	free(b->reasoning);
	free(b->retry_after);
	free(b->retry_after_ms);
	free(b->error_type);
	free(b->message);
	free(b->finish_reason);
	free(b->variant);
	cJSON_Delete(b->headers);
	cJSON_Delete(b->logprobs);
	memset(b, 0, sizeof *b);
}

void fp_stream_add(struct fp_stream *s, int64_t at_ns, int content, const void *data, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->ev = sl_xrealloc(s->ev, s->cap * sizeof *s->ev);
	}
	struct fp_event *e = &s->ev[s->n++];
	e->kind = FP_EV_DATA;
	e->data = sl_xmalloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	e->at_ns = at_ns;
	e->content = content;
}

void fp_stream_add_str(struct fp_stream *s, int64_t at_ns, int content, const char *str)
{
	fp_stream_add(s, at_ns, content, str, strlen(str));
}

void fp_stream_free(struct fp_stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->ev[i].data);
	free(s->ev);
	memset(s, 0, sizeof *s);
}

void fp_reply_header(struct fp_reply *r, const char *name, const char *value)
{
	if (r->n_hdr >= (int)SL_ARRAY_LEN(r->hdr_name))
		return;
	r->hdr_name[r->n_hdr] = sl_xstrdup(name);
	r->hdr_value[r->n_hdr] = sl_xstrdup(value);
	r->n_hdr++;
}

void fp_reply_json(struct fp_reply *r, int status, cJSON *json)
{
	r->status = status;
	r->content_type = "application/json";
	free(r->body);
	r->body = cJSON_PrintUnformatted(json);
	r->body_len = strlen(r->body);
	cJSON_Delete(json);
}

void fp_reply_free(struct fp_reply *r)
{
	free(r->body);
	for (int i = 0; i < r->n_hdr; i++) {
		free(r->hdr_name[i]);
		free(r->hdr_value[i]);
	}
	memset(r, 0, sizeof *r);
}

/* ---- errors ------------------------------------------------------------------------- */

static const char *openai_code(int status)
{
	switch (status) {
	case 401: return "invalid_api_key";
	case 404: return "model_not_found";
	case 429: return "rate_limit_exceeded";
	default: return NULL;
	}
}

static const char *openai_type(int status)
{
	if (status == 429)
		return "requests";
	if (status >= 500)
		return "server_error";
	return "invalid_request_error";
}

static const char *llamacpp_type(int status)
{
	switch (status) {
	case 401: return "authentication_error";
	case 404: return "not_found_error";
	case 501: return "not_supported_error";
	case 503: return "unavailable_error";
	default: return status >= 500 ? "server_error" : "invalid_request_error";
	}
}

static const char *anthropic_type(int status)
{
	switch (status) {
	case 400: return "invalid_request_error";
	case 401: return "authentication_error";
	case 402: return "billing_error";
	case 403: return "permission_error";
	case 404: return "not_found_error";
	case 413: return "request_too_large";
	case 429: return "rate_limit_error";
	case 504: return "timeout_error";
	case 529: return "overloaded_error";
	default: return status >= 500 ? "api_error" : "invalid_request_error";
	}
}

static const char *bedrock_type(int status)
{
	switch (status) {
	case 400: return "ValidationException";
	case 403: return "AccessDeniedException";
	case 404: return "ResourceNotFoundException";
	case 408: return "ModelTimeoutException";
	case 424: return "ModelErrorException";
	case 429: return "ThrottlingException";
	case 503: return "ServiceUnavailableException";
	default: return status >= 500 ? "InternalServerException" : "ValidationException";
	}
}

static const char *default_message(const char *provider, int status)
{
	bool anth = strcmp(provider, "anthropic") == 0, bed = strcmp(provider, "bedrock") == 0;
	switch (status) {
	case 429:
		return anth ? "Number of request tokens has exceeded your per-minute rate limit"
		       : bed ? "Too many requests, please wait before trying again."
			     : "Rate limit reached for requests";
	case 529: return "Overloaded";
	case 503:
		return bed ? "Bedrock is unable to process your request."
			   : "The server is overloaded or not ready yet.";
	case 500:
		return anth ? "Internal server error"
		       : bed ? "The server encountered an internal error while processing the request."
			     : "The server had an error while processing your request. Sorry about that!";
	case 502: return "Bad gateway.";
	case 504: return "Gateway timeout.";
	case 408: return "Model has timed out in processing the request. Try your request again.";
	case 409: return "Conflict.";
	default: return status >= 500 ? "Internal server error" : "Invalid request";
	}
}

void fp_error_reply(struct fp_reply *r, const char *provider, int status, const char *type,
		    const char *message)
{
	if (!message)
		message = default_message(provider, status);
	cJSON *j = cJSON_CreateObject();
	if (strcmp(provider, "anthropic") == 0) {
		cJSON_AddStringToObject(j, "type", "error");
		cJSON *e = cJSON_AddObjectToObject(j, "error");
		cJSON_AddStringToObject(e, "type", type ? type : anthropic_type(status));
		cJSON_AddStringToObject(e, "message", message);
		cJSON_AddStringToObject(j, "request_id", "req_fakeprov");
		fp_reply_header(r, "request-id", "req_fakeprov");
	} else if (strcmp(provider, "bedrock") == 0) {
		cJSON_AddStringToObject(j, "message", message);
		/* The real header carries a coral namespace after ':'; clients must strip it. */
		char *v = sl_xasprintf("%s:http://internal.amazon.com/coral/com.amazon.bedrock/",
				       type ? type : bedrock_type(status));
		fp_reply_header(r, "x-amzn-ErrorType", v);
		fp_reply_header(r, "x-amzn-RequestId", "00000000-0000-4000-8000-fakeprov0000");
		free(v);
	} else if (strcmp(provider, "ollama") == 0) {
		cJSON_AddStringToObject(j, "error", message);
	} else if (strcmp(provider, "llamacpp") == 0) {
		cJSON *e = cJSON_AddObjectToObject(j, "error");
		add_number(e, "code", status);
		cJSON_AddStringToObject(e, "message", message);
		cJSON_AddStringToObject(e, "type", type ? type : llamacpp_type(status));
	} else {
		cJSON *e = cJSON_AddObjectToObject(j, "error");
		cJSON_AddStringToObject(e, "message", message);
		/* type "" asks for "code": null (OpenAI's missing-key answer) */
		const char *code = type ? (*type ? type : NULL) : openai_code(status);
		const char *etype = type && strcmp(type, "insufficient_quota") == 0
					    ? type : openai_type(status);
		cJSON_AddStringToObject(e, "type", etype);
		cJSON_AddNullToObject(e, "param");
		if (code)
			cJSON_AddStringToObject(e, "code", code);
		else
			cJSON_AddNullToObject(e, "code");
	}
	fp_reply_json(r, status, j);
}

void fp_fault_reply(struct fp_reply *r, const char *provider, const struct fp_behaviour *b,
		    const char *model)
{
	int status = b->status > 0 ? b->status : 500;
	char msg[512];
	const char *m = b->message;
	if (!m && status == 429 && strcmp(provider, "openai") == 0) {
		snprintf(msg, sizeof msg, "Rate limit reached for %s in organization org-fakeprov "
			 "on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try "
			 "again in 20s.", model);
		m = msg;
	}
	fp_error_reply(r, provider, status, b->error_type, m);
	if (b->retry_after)
		fp_reply_header(r, "retry-after", b->retry_after);
	if (b->retry_after_ms)
		fp_reply_header(r, "retry-after-ms", b->retry_after_ms);
}

/* ---- helpers -------------------------------------------------------------------------- */

static int64_t chunk_at(const struct fp_request *q, const struct fp_behaviour *b, int i)
{
	return q->t0_ns + (int64_t)llround((b->ttft_ms + i * b->token_ms) * 1e6);
}

static char *joined(const struct fp_request *q, int from, int to)
{
	struct sl_buf t;
	sl_buf_init(&t);
	sl_buf_puts(&t, "");
	for (int i = from; i < to; i++)
		sl_buf_puts(&t, q->pieces[i]);
	return sl_buf_steal(&t);
}

/* The answer text (the pieces after the reasoning). */
static char *joined_text(const struct fp_request *q)
{
	return joined(q, q->n_reasoning, q->n_pieces);
}

static char *joined_reasoning(const struct fp_request *q)
{
	return joined(q, 0, q->n_reasoning);
}

/* Reasoning signatures are opaque to clients; a fixed one keeps bodies deterministic. */
#define SIGNATURE "ZmFrZXByb3Ygc2lnbmF0dXJl"


static const char *finish(const struct fp_behaviour *b)
{
	return b->finish_reason ? b->finish_reason : "stop";
}

static const char *anthropic_stop(const struct fp_behaviour *b)
{
	const char *f = finish(b);
	if (strcmp(f, "length") == 0)
		return "max_tokens";
	if (strcmp(f, "tool_calls") == 0)
		return "tool_use";
	return strcmp(f, "stop") == 0 ? "end_turn" : f;
}

static const char *bedrock_stop(const struct fp_behaviour *b)
{
	const char *f = finish(b);
	if (strcmp(f, "length") == 0)
		return "max_tokens";
	if (strcmp(f, "tool_calls") == 0)
		return "tool_use";
	if (strcmp(f, "content_filter") == 0)
		return "content_filtered";
	return strcmp(f, "stop") == 0 ? "end_turn" : f;
}

static double scripted_gen_ms(const struct fp_request *q, const struct fp_behaviour *b)
{
	return q->n_pieces > 1 ? (q->n_pieces - 1) * b->token_ms : 0;
}

static void sse(struct fp_stream *s, int64_t at, int content, const char *event, cJSON *data)
{
	char *j = cJSON_PrintUnformatted(data);
	struct sl_buf line;
	sl_buf_init(&line);
	if (event) {
		sl_buf_puts(&line, "event: ");
		sl_buf_puts(&line, event);
		sl_buf_putc(&line, '\n');
	}
	sl_buf_puts(&line, "data: ");
	sl_buf_puts(&line, j);
	sl_buf_puts(&line, "\n\n");
	fp_stream_add(s, at, content, line.data, line.len);
	sl_buf_free(&line);
	free(j);
	cJSON_Delete(data);
}

/* ---- OpenAI and llama.cpp ------------------------------------------------------------- */

static cJSON *openai_usage(const struct fp_request *q, const struct fp_behaviour *b,
			   bool llamacpp)
{
	cJSON *u = cJSON_CreateObject();
	add_number(u, llamacpp ? "completion_tokens" : "prompt_tokens",
				llamacpp ? q->out_tokens : q->input_tokens);
	add_number(u, llamacpp ? "prompt_tokens" : "completion_tokens",
				llamacpp ? q->input_tokens : q->out_tokens);
	add_number(u, "total_tokens", q->input_tokens + q->out_tokens);
	if (!llamacpp) {
		cJSON *p = cJSON_AddObjectToObject(u, "prompt_tokens_details");
		add_number(p, "cached_tokens", b->cached_tokens);
		add_number(p, "audio_tokens", 0);
		cJSON *c = cJSON_AddObjectToObject(u, "completion_tokens_details");
		add_number(c, "reasoning_tokens", b->reasoning_tokens);
		add_number(c, "audio_tokens", 0);
		add_number(c, "accepted_prediction_tokens", 0);
		add_number(c, "rejected_prediction_tokens", 0);
	}
	return u;
}

static cJSON *llamacpp_timings(const struct fp_request *q, const struct fp_behaviour *b)
{
	cJSON *t = cJSON_CreateObject();
	double pms = b->ttft_ms > 0 ? b->ttft_ms : 0.001;
	double gms = scripted_gen_ms(q, b) > 0 ? scripted_gen_ms(q, b) : 0.001;
	add_number(t, "prompt_n", q->input_tokens);
	add_number(t, "prompt_ms", pms);
	add_number(t, "prompt_per_token_ms", pms / (q->input_tokens ? q->input_tokens : 1));
	add_number(t, "prompt_per_second", q->input_tokens * 1000.0 / pms);
	add_number(t, "predicted_n", q->out_tokens);
	add_number(t, "predicted_ms", gms);
	add_number(t, "predicted_per_token_ms", gms / (q->out_tokens ? q->out_tokens : 1));
	add_number(t, "predicted_per_second", q->out_tokens * 1000.0 / gms);
	return t;
}

static cJSON *openai_chunk(const struct fp_request *q, bool llamacpp, cJSON *delta,
			   const char *finish_reason, bool usage_null)
{
	char id[64];
	snprintf(id, sizeof id, "chatcmpl-fakeprov%llu", (unsigned long long)q->seq);
	cJSON *j = cJSON_CreateObject();
	cJSON *choices;
	if (llamacpp) {
		choices = cJSON_AddArrayToObject(j, "choices");
		add_number(j, "created", CREATED);
		cJSON_AddStringToObject(j, "id", id);
		cJSON_AddStringToObject(j, "model", q->model);
		cJSON_AddStringToObject(j, "system_fingerprint", "b5000-fakeprov");
		cJSON_AddStringToObject(j, "object", "chat.completion.chunk");
	} else {
		cJSON_AddStringToObject(j, "id", id);
		cJSON_AddStringToObject(j, "object", "chat.completion.chunk");
		add_number(j, "created", CREATED);
		cJSON_AddStringToObject(j, "model", q->model);
		cJSON_AddStringToObject(j, "service_tier", "default");
		cJSON_AddStringToObject(j, "system_fingerprint", "fp_fakeprov");
		choices = cJSON_AddArrayToObject(j, "choices");
		if (usage_null)
			cJSON_AddNullToObject(j, "usage");
	}
	if (delta) {
		cJSON *c = cJSON_CreateObject();
		if (llamacpp) {
			if (finish_reason)
				cJSON_AddStringToObject(c, "finish_reason", finish_reason);
			else
				cJSON_AddNullToObject(c, "finish_reason");
			add_number(c, "index", 0);
			cJSON_AddItemToObject(c, "delta", delta);
		} else {
			add_number(c, "index", 0);
			cJSON_AddItemToObject(c, "delta", delta);
			cJSON_AddNullToObject(c, "logprobs");
			if (finish_reason)
				cJSON_AddStringToObject(c, "finish_reason", finish_reason);
			else
				cJSON_AddNullToObject(c, "finish_reason");
		}
		cJSON_AddItemToArray(choices, c);
	}
	return j;
}

void fp_openai_stream(struct fp_stream *s, const struct fp_request *q,
		      const struct fp_behaviour *b, bool llamacpp)
{
	bool un = q->include_usage && !llamacpp;
	if (!llamacpp) {
		/* The role-only prelude: carries no content, must not start the TTFT clock. */
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "role", "assistant");
		cJSON_AddStringToObject(d, "content", "");
		cJSON_AddNullToObject(d, "refusal");
		sse(s, q->t0_ns, -1, NULL, openai_chunk(q, false, d, NULL, un));
	}
	int64_t last = q->t0_ns;
	for (int i = 0; i < q->n_pieces; i++) {
		int64_t at = chunk_at(q, b, i);
		last = at;
		if (i == b->after_chunks && b->fault == FP_FAULT_ERROR_EVENT) {
			cJSON *j = cJSON_CreateObject();
			cJSON *e = cJSON_AddObjectToObject(j, "error");
			if (llamacpp)
				add_number(e, "code", 500);
			cJSON_AddStringToObject(e, "message", b->message ? b->message :
						"The server had an error while processing your request.");
			cJSON_AddStringToObject(e, "type", b->error_type ? b->error_type : "server_error");
			if (!llamacpp) {
				cJSON_AddNullToObject(e, "param");
				cJSON_AddNullToObject(e, "code");
			}
			sse(s, at, i, NULL, j);
			return;
		}
		if (i == b->after_chunks && b->fault == FP_FAULT_MALFORMED) {
			char *line = sl_xasprintf("data: {\"id\":\"chatcmpl-fakeprov%llu\",\"object\":"
						  "\"chat.completion.chunk\",\"choices\":[{\"delta\":"
						  "{\"content\":\"%s\n\n", (unsigned long long)q->seq,
						  "broken");
			fp_stream_add_str(s, at, i, line);
			free(line);
			continue;
		}
		cJSON *d = cJSON_CreateObject();
		/* vLLM, DeepSeek and llama.cpp put reasoning in delta.reasoning_content */
		cJSON_AddStringToObject(d, i < q->n_reasoning ? "reasoning_content" : "content",
					q->pieces[i]);
		sse(s, at, i, NULL, openai_chunk(q, llamacpp, d, NULL, un));
	}
	cJSON *fin = openai_chunk(q, llamacpp, cJSON_CreateObject(), finish(b), un);
	if (llamacpp) {
		cJSON_AddItemToObject(fin, "usage", openai_usage(q, b, true));
		cJSON_AddItemToObject(fin, "timings", llamacpp_timings(q, b));
	}
	sse(s, last, -1, NULL, fin);
	if (un) {
		cJSON *u = openai_chunk(q, false, NULL, NULL, false);
		cJSON_AddItemToObject(u, "usage", openai_usage(q, b, false));
		sse(s, last, -1, NULL, u);
	}
	fp_stream_add_str(s, last, -1, "data: [DONE]\n\n");
}

/* choices[0].logprobs: null unless the request set "logprobs": true; then the script's
 * entries, or one per text piece with probability 1 (top_logprobs as many as asked). */
static cJSON *openai_logprobs(const struct fp_request *q, const struct fp_behaviour *b)
{
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(q->body, "logprobs")))
		return cJSON_CreateNull();
	cJSON *lp = cJSON_CreateObject();
	cJSON *content;
	if (b->logprobs) {
		content = cJSON_Duplicate(b->logprobs, 1);
	} else {
		const cJSON *tl = cJSON_GetObjectItemCaseSensitive(q->body, "top_logprobs");
		content = cJSON_CreateArray();
		for (int i = q->n_reasoning; i < q->n_pieces; i++) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "token", q->pieces[i]);
			add_number(t, "logprob", 0);
			cJSON_AddNullToObject(t, "bytes");
			cJSON *top = cJSON_AddArrayToObject(t, "top_logprobs");
			if (cJSON_IsNumber(tl) && tl->valueint > 0) {
				cJSON *e = cJSON_CreateObject();
				cJSON_AddStringToObject(e, "token", q->pieces[i]);
				add_number(e, "logprob", 0);
				cJSON_AddNullToObject(e, "bytes");
				cJSON_AddItemToArray(top, e);
			}
			cJSON_AddItemToArray(content, t);
		}
	}
	cJSON_AddItemToObject(lp, "content", content);
	cJSON_AddNullToObject(lp, "refusal");
	return lp;
}

void fp_openai_chat(struct fp_reply *r, const struct fp_request *q, const struct fp_behaviour *b,
		    bool llamacpp)
{
	char id[64];
	snprintf(id, sizeof id, "chatcmpl-fakeprov%llu", (unsigned long long)q->seq);
	char *text = joined_text(q);
	cJSON *j = cJSON_CreateObject();
	cJSON *choices = cJSON_CreateArray(), *c = cJSON_CreateObject(), *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddStringToObject(m, "content", text);
	if (q->n_reasoning) {
		char *rt = joined_reasoning(q);
		cJSON_AddStringToObject(m, "reasoning_content", rt);
		free(rt);
	}
	if (!llamacpp) {
		cJSON_AddNullToObject(m, "refusal");
		cJSON_AddArrayToObject(m, "annotations");
	}
	add_number(c, "index", 0);
	cJSON_AddItemToObject(c, "message", m);
	if (!llamacpp)
		cJSON_AddItemToObject(c, "logprobs", openai_logprobs(q, b));
	cJSON_AddStringToObject(c, "finish_reason", finish(b));
	cJSON_AddItemToArray(choices, c);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "object", "chat.completion");
	add_number(j, "created", CREATED);
	cJSON_AddStringToObject(j, "model", q->model);
	cJSON_AddItemToObject(j, "choices", choices);
	cJSON_AddItemToObject(j, "usage", openai_usage(q, b, llamacpp));
	if (llamacpp) {
		cJSON_AddStringToObject(j, "system_fingerprint", "b5000-fakeprov");
		cJSON_AddItemToObject(j, "timings", llamacpp_timings(q, b));
	} else {
		cJSON_AddStringToObject(j, "service_tier", "default");
		cJSON_AddStringToObject(j, "system_fingerprint", "fp_fakeprov");
	}
	fp_reply_json(r, 200, j);
	free(text);
}

/* ---- Anthropic ------------------------------------------------------------------------ */

static cJSON *anthropic_message_obj(const struct fp_request *q, const struct fp_behaviour *b,
				    bool streaming)
{
	char id[64];
	snprintf(id, sizeof id, "msg_fakeprov%llu", (unsigned long long)q->seq);
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "id", id);
	cJSON_AddStringToObject(m, "type", "message");
	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddStringToObject(m, "model", q->model);
	cJSON *content = cJSON_AddArrayToObject(m, "content");
	if (!streaming) {
		char *text = joined_text(q);
		if (q->n_reasoning) {
			char *rt = joined_reasoning(q);
			cJSON *th = cJSON_CreateObject();
			cJSON_AddStringToObject(th, "type", "thinking");
			cJSON_AddStringToObject(th, "thinking", rt);
			cJSON_AddStringToObject(th, "signature", SIGNATURE);
			cJSON_AddItemToArray(content, th);
			free(rt);
		}
		cJSON *blk = cJSON_CreateObject();
		cJSON_AddStringToObject(blk, "type", "text");
		cJSON_AddStringToObject(blk, "text", text);
		cJSON_AddItemToArray(content, blk);
		free(text);
		cJSON_AddStringToObject(m, "stop_reason", anthropic_stop(b));
	} else {
		cJSON_AddNullToObject(m, "stop_reason");
	}
	cJSON_AddNullToObject(m, "stop_sequence");
	cJSON *u = cJSON_AddObjectToObject(m, "usage");
	add_number(u, "input_tokens", q->input_tokens);
	add_number(u, "cache_creation_input_tokens", b->cache_write_tokens);
	add_number(u, "cache_read_input_tokens", b->cached_tokens);
	/* message_start carries a provisional output count; the final one is in message_delta. */
	add_number(u, "output_tokens", streaming ? 1 : q->out_tokens);
	return m;
}

void fp_anthropic_message(struct fp_reply *r, const struct fp_request *q,
			  const struct fp_behaviour *b)
{
	fp_reply_json(r, 200, anthropic_message_obj(q, b, false));
	fp_reply_header(r, "request-id", "req_fakeprov");
}

static cJSON *typed(const char *type)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", type);
	return j;
}

void fp_anthropic_stream(struct fp_stream *s, const struct fp_request *q,
			 const struct fp_behaviour *b)
{
	int64_t t0 = q->t0_ns;
	cJSON *ms = typed("message_start");
	cJSON_AddItemToObject(ms, "message", anthropic_message_obj(q, b, true));
	sse(s, t0, -1, "message_start", ms);
	/* With reasoning: a thinking block (index 0, closed by a signature_delta) before the
	 * text block (index 1), each opened by content_block_start. */
	int text_index = q->n_reasoning ? 1 : 0;
	cJSON *cbs = typed("content_block_start");
	add_number(cbs, "index", 0);
	cJSON *blk = cJSON_AddObjectToObject(cbs, "content_block");
	cJSON_AddStringToObject(blk, "type", q->n_reasoning ? "thinking" : "text");
	cJSON_AddStringToObject(blk, q->n_reasoning ? "thinking" : "text", "");
	sse(s, t0, -1, "content_block_start", cbs);
	sse(s, t0, -1, "ping", typed("ping"));
	int64_t last = t0;
	for (int i = 0; i < q->n_pieces; i++) {
		int64_t at = chunk_at(q, b, i);
		last = at;
		if (q->n_reasoning && i == q->n_reasoning) {
			cJSON *sd = typed("content_block_delta");
			add_number(sd, "index", 0);
			cJSON *sdd = cJSON_AddObjectToObject(sd, "delta");
			cJSON_AddStringToObject(sdd, "type", "signature_delta");
			cJSON_AddStringToObject(sdd, "signature", SIGNATURE);
			sse(s, at, -1, "content_block_delta", sd);
			cJSON *st = typed("content_block_stop");
			add_number(st, "index", 0);
			sse(s, at, -1, "content_block_stop", st);
			cJSON *tb = typed("content_block_start");
			add_number(tb, "index", 1);
			cJSON *tbb = cJSON_AddObjectToObject(tb, "content_block");
			cJSON_AddStringToObject(tbb, "type", "text");
			cJSON_AddStringToObject(tbb, "text", "");
			sse(s, at, -1, "content_block_start", tb);
		}
		if (i == b->after_chunks && b->fault == FP_FAULT_ERROR_EVENT) {
			cJSON *e = typed("error");
			cJSON *ee = cJSON_AddObjectToObject(e, "error");
			cJSON_AddStringToObject(ee, "type", b->error_type ? b->error_type
									  : "overloaded_error");
			cJSON_AddStringToObject(ee, "message", b->message ? b->message : "Overloaded");
			sse(s, at, i, "error", e);
			return;
		}
		if (i == b->after_chunks && b->fault == FP_FAULT_MALFORMED) {
			fp_stream_add_str(s, at, i, "event: content_block_delta\ndata: {\"type\":"
					  "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
					  "\"text_delta\",\"text\":\"broken\n\n");
			continue;
		}
		if (i == 1)
			sse(s, at, -1, "ping", typed("ping"));
		bool thinking = i < q->n_reasoning;
		cJSON *d = typed("content_block_delta");
		add_number(d, "index", thinking ? 0 : text_index);
		cJSON *dd = cJSON_AddObjectToObject(d, "delta");
		cJSON_AddStringToObject(dd, "type", thinking ? "thinking_delta" : "text_delta");
		cJSON_AddStringToObject(dd, thinking ? "thinking" : "text", q->pieces[i]);
		sse(s, at, i, "content_block_delta", d);
	}
	if (q->n_reasoning && q->n_reasoning == q->n_pieces) {
		/* thinking only: close it; no text block was opened */
		cJSON *sd = typed("content_block_delta");
		add_number(sd, "index", 0);
		cJSON *sdd = cJSON_AddObjectToObject(sd, "delta");
		cJSON_AddStringToObject(sdd, "type", "signature_delta");
		cJSON_AddStringToObject(sdd, "signature", SIGNATURE);
		sse(s, last, -1, "content_block_delta", sd);
		text_index = 0;
	}
	cJSON *stop = typed("content_block_stop");
	add_number(stop, "index", text_index);
	sse(s, last, -1, "content_block_stop", stop);
	cJSON *md = typed("message_delta");
	cJSON *dd = cJSON_AddObjectToObject(md, "delta");
	cJSON_AddStringToObject(dd, "stop_reason", anthropic_stop(b));
	cJSON_AddNullToObject(dd, "stop_sequence");
	cJSON *u = cJSON_AddObjectToObject(md, "usage");
	add_number(u, "output_tokens", q->out_tokens); /* cumulative */
	sse(s, last, -1, "message_delta", md);
	sse(s, last, -1, "message_stop", typed("message_stop"));
}

/* ---- Bedrock -------------------------------------------------------------------------- */

static cJSON *bedrock_usage(const struct fp_request *q, const struct fp_behaviour *b)
{
	cJSON *u = cJSON_CreateObject();
	add_number(u, "inputTokens", q->input_tokens);
	add_number(u, "outputTokens", q->out_tokens);
	add_number(u, "totalTokens", q->input_tokens + q->out_tokens);
	if (b->cached_tokens)
		add_number(u, "cacheReadInputTokens", b->cached_tokens);
	if (b->cache_write_tokens)
		add_number(u, "cacheWriteInputTokens", b->cache_write_tokens);
	return u;
}

static double bedrock_latency(const struct fp_request *q, const struct fp_behaviour *b)
{
	return round(b->ttft_ms + scripted_gen_ms(q, b));
}

void fp_bedrock_converse(struct fp_reply *r, const struct fp_request *q,
			 const struct fp_behaviour *b)
{
	char *text = joined_text(q);
	cJSON *j = cJSON_CreateObject();
	cJSON *metrics = cJSON_AddObjectToObject(j, "metrics");
	add_number(metrics, "latencyMs", b->latency_ms >= 0 ? round(b->latency_ms)
									 : bedrock_latency(q, b));
	cJSON *out = cJSON_AddObjectToObject(j, "output");
	cJSON *msg = cJSON_AddObjectToObject(out, "message");
	cJSON *content = cJSON_AddArrayToObject(msg, "content");
	if (q->n_reasoning) {
		char *rt = joined_reasoning(q);
		cJSON *rb = cJSON_CreateObject();
		cJSON *rc = cJSON_AddObjectToObject(rb, "reasoningContent");
		cJSON *rtx = cJSON_AddObjectToObject(rc, "reasoningText");
		cJSON_AddStringToObject(rtx, "text", rt);
		cJSON_AddStringToObject(rtx, "signature", SIGNATURE);
		cJSON_AddItemToArray(content, rb);
		free(rt);
	}
	cJSON *blk = cJSON_CreateObject();
	cJSON_AddStringToObject(blk, "text", text);
	cJSON_AddItemToArray(content, blk);
	cJSON_AddStringToObject(msg, "role", "assistant");
	cJSON_AddStringToObject(j, "stopReason", bedrock_stop(b));
	cJSON_AddItemToObject(j, "usage", bedrock_usage(q, b));
	fp_reply_json(r, 200, j);
	fp_reply_header(r, "x-amzn-RequestId", "00000000-0000-4000-8000-fakeprov0000");
	free(text);
}

/* Bedrock pads event payloads with a field "p" of varying length (to hide token sizes). */
static void pad(cJSON *j, const struct fp_request *q, int i)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123";
	size_t n = (size_t)((q->seq * 7 + (uint64_t)(i + 2) * 13) % 40) + 1;
	char p[64];
	memcpy(p, alpha, n);
	p[n] = '\0';
	cJSON_AddStringToObject(j, "p", p);
}

static void frame(struct fp_stream *s, int64_t at, int content, const char *event_type,
		  const char *message_type, const char *exception_type, const char *payload,
		  bool bad_crc)
{
	struct sl_es_header hs[3];
	size_t n = 0;
	if (strcmp(message_type, "exception") == 0) {
		hs[n++] = sl_es_header_string(":exception-type", exception_type);
	} else {
		hs[n++] = sl_es_header_string(":event-type", event_type);
	}
	hs[n++] = sl_es_header_string(":content-type", "application/json");
	hs[n++] = sl_es_header_string(":message-type", message_type);
	struct sl_buf out;
	sl_buf_init(&out);
	struct sl_error err = { 0 };
	if (sl_es_encode(&out, hs, n, payload, strlen(payload), &err) != 0) {
		fprintf(stderr, "fakeprov: %s\n", err.msg);
		abort();
	}
	if (bad_crc)
		out.data[out.len - 1] ^= 0x5a;
	fp_stream_add(s, at, content, out.data, out.len);
	sl_buf_free(&out);
}

static void json_frame(struct fp_stream *s, int64_t at, int content, const char *event_type,
		       cJSON *j, bool bad_crc)
{
	char *p = cJSON_PrintUnformatted(j);
	frame(s, at, content, event_type, "event", NULL, p, bad_crc);
	free(p);
	cJSON_Delete(j);
}

/* The reasoning block (index 0) ends with its signature, then contentBlockStop. */
static void bedrock_close_reasoning(struct fp_stream *s, const struct fp_request *q, int64_t at)
{
	cJSON *j = cJSON_CreateObject();
	add_number(j, "contentBlockIndex", 0);
	cJSON *d = cJSON_AddObjectToObject(j, "delta");
	cJSON *rc = cJSON_AddObjectToObject(d, "reasoningContent");
	cJSON_AddStringToObject(rc, "signature", SIGNATURE);
	pad(j, q, 90);
	json_frame(s, at, -1, "contentBlockDelta", j, false);
	j = cJSON_CreateObject();
	add_number(j, "contentBlockIndex", 0);
	pad(j, q, 91);
	json_frame(s, at, -1, "contentBlockStop", j, false);
}

void fp_bedrock_stream(struct fp_stream *s, const struct fp_request *q,
		       const struct fp_behaviour *b)
{
	cJSON *j = cJSON_CreateObject();
	pad(j, q, -1);
	cJSON_AddStringToObject(j, "role", "assistant");
	json_frame(s, q->t0_ns, -1, "messageStart", j, false);
	int64_t last = q->t0_ns;
	for (int i = 0; i < q->n_pieces; i++) {
		int64_t at = chunk_at(q, b, i);
		last = at;
		bool here = i == b->after_chunks;
		if (here && b->fault == FP_FAULT_ERROR_EVENT) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "message", b->message ? b->message :
						"The system encountered an unexpected error during "
						"processing. Try your request again.");
			char *p = cJSON_PrintUnformatted(e);
			frame(s, at, i, NULL, "exception",
			      b->error_type ? b->error_type : "internalServerException", p, false);
			free(p);
			cJSON_Delete(e);
			return;
		}
		if (here && b->fault == FP_FAULT_MALFORMED) {
			frame(s, at, i, "contentBlockDelta", "event", NULL,
			      "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"broken", false);
			continue;
		}
		if (q->n_reasoning && i == q->n_reasoning)
			bedrock_close_reasoning(s, q, at);
		bool thinking = i < q->n_reasoning;
		j = cJSON_CreateObject();
		add_number(j, "contentBlockIndex", thinking || !q->n_reasoning ? 0 : 1);
		cJSON *d = cJSON_AddObjectToObject(j, "delta");
		if (thinking) {
			cJSON *rc = cJSON_AddObjectToObject(d, "reasoningContent");
			cJSON_AddStringToObject(rc, "text", q->pieces[i]);
		} else {
			cJSON_AddStringToObject(d, "text", q->pieces[i]);
		}
		pad(j, q, i);
		json_frame(s, at, i, "contentBlockDelta", j, here && b->fault == FP_FAULT_BAD_CRC);
	}
	bool text_open = q->n_pieces > q->n_reasoning;
	if (q->n_reasoning && !text_open)
		bedrock_close_reasoning(s, q, last);
	j = cJSON_CreateObject();
	add_number(j, "contentBlockIndex", q->n_reasoning && text_open ? 1 : 0);
	pad(j, q, q->n_pieces);
	if (text_open || !q->n_reasoning)
		json_frame(s, last, -1, "contentBlockStop", j, false);
	else
		cJSON_Delete(j);
	j = cJSON_CreateObject();
	pad(j, q, q->n_pieces + 1);
	cJSON_AddStringToObject(j, "stopReason", bedrock_stop(b));
	json_frame(s, last, -1, "messageStop", j, false);
	j = cJSON_CreateObject();
	cJSON *metrics = cJSON_AddObjectToObject(j, "metrics");
	add_number(metrics, "latencyMs", bedrock_latency(q, b));
	pad(j, q, q->n_pieces + 2);
	cJSON_AddItemToObject(j, "usage", bedrock_usage(q, b));
	json_frame(s, last, -1, "metadata", j, false);
}

/* ---- Ollama --------------------------------------------------------------------------- */

static cJSON *ollama_obj(const struct fp_request *q, const char *content, const char *thinking,
			 bool done, const struct fp_behaviour *b)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "model", q->model);
	cJSON_AddStringToObject(j, "created_at", "2025-11-28T00:00:00.000000000Z");
	cJSON *m = cJSON_AddObjectToObject(j, "message");
	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddStringToObject(m, "content", content);
	if (thinking && *thinking)
		cJSON_AddStringToObject(m, "thinking", thinking); /* thinking models */
	if (done) {
		double gen_ms = q->out_tokens * (b->token_ms > 0 ? b->token_ms : 0.001);
		double prompt_ms = b->ttft_ms > 0 ? b->ttft_ms : 0.001;
		cJSON_AddStringToObject(j, "done_reason", strcmp(finish(b), "length") == 0
								 ? "length" : "stop");
		cJSON_AddBoolToObject(j, "done", 1);
		add_number(j, "total_duration", llround((prompt_ms + gen_ms) * 1e6));
		add_number(j, "load_duration", 0);
		add_number(j, "prompt_eval_count", q->input_tokens);
		add_number(j, "prompt_eval_duration", llround(prompt_ms * 1e6));
		add_number(j, "eval_count", q->out_tokens);
		add_number(j, "eval_duration", llround(gen_ms * 1e6));
	} else {
		cJSON_AddBoolToObject(j, "done", 0);
	}
	return j;
}

static void ndjson(struct fp_stream *s, int64_t at, int content, cJSON *j)
{
	char *p = cJSON_PrintUnformatted(j);
	char *line = sl_xasprintf("%s\n", p);
	fp_stream_add_str(s, at, content, line);
	free(line);
	free(p);
	cJSON_Delete(j);
}

void fp_ollama_stream(struct fp_stream *s, const struct fp_request *q,
		      const struct fp_behaviour *b)
{
	int64_t last = q->t0_ns;
	for (int i = 0; i < q->n_pieces; i++) {
		int64_t at = chunk_at(q, b, i);
		last = at;
		if (i == b->after_chunks && b->fault == FP_FAULT_ERROR_EVENT) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "error", b->message ? b->message :
						"an error was encountered while running the model: "
						"unexpected EOF");
			ndjson(s, at, i, e);
			return;
		}
		if (i == b->after_chunks && b->fault == FP_FAULT_MALFORMED) {
			fp_stream_add_str(s, at, i, "{\"model\":\"x\",\"message\":{\"role\":"
					  "\"assistant\",\"content\":\"broken\n");
			continue;
		}
		bool thinking = i < q->n_reasoning;
		ndjson(s, at, i, ollama_obj(q, thinking ? "" : q->pieces[i],
					    thinking ? q->pieces[i] : NULL, false, b));
	}
	ndjson(s, last, -1, ollama_obj(q, "", NULL, true, b));
}

void fp_ollama_chat(struct fp_reply *r, const struct fp_request *q, const struct fp_behaviour *b)
{
	char *text = joined_text(q), *rt = joined_reasoning(q);
	fp_reply_json(r, 200, ollama_obj(q, text, rt, true, b));
	free(text);
	free(rt);
}

/* ---- embeddings ----------------------------------------------------------------------- */

void fp_embed(const char *text, int dims, double *out)
{
	for (int i = 0; i < dims; i++)
		out[i] = 0;
	size_t n = strlen(text);
	for (size_t i = 0; i + 3 <= n || (i == 0 && n > 0); i++) {
		uint32_t h = 2166136261u; /* FNV-1a */
		for (size_t k = i; k < i + 3 && k < n; k++) {
			h ^= (unsigned char)(text[k] | 0x20);
			h *= 16777619u;
		}
		out[h % (uint32_t)dims] += (h & 0x80000000u) ? -1.0 : 1.0;
		if (n < 3)
			break;
	}
	double norm = 0;
	for (int i = 0; i < dims; i++)
		norm += out[i] * out[i];
	norm = sqrt(norm);
	for (int i = 0; i < dims; i++)
		out[i] = norm > 0 ? out[i] / norm : 0;
}
