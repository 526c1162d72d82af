/* Anthropic Messages (/v1/messages): named SSE events (message_start, content_block_*,
 * message_delta with CUMULATIVE usage — the last value is the total, ping, error,
 * message_stop). New event types are ignored, as Anthropic asks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"
#include "shortlist/probe.h"

#define ANTHROPIC_VERSION "2023-06-01"
#define DEFAULT_MAX_TOKENS 1024 /* the API requires max_tokens */

static int anth_build(const struct sl_call *call, struct sl_http_request *out,
		      struct sl_error *err)
{
	if (call->kind == SL_REQ_EMBED) {
		sl_error_set(err, "provider %s: Anthropic has no embeddings API; use an OpenAI, "
			     "Ollama or Bedrock embedding model", call->conf->name);
		return -1;
	}
	if (!call->base_url) {
		sl_error_set(err, "provider %s has no base_url", call->conf->name);
		return -1;
	}
	const struct sl_params *pr = call->params;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "model", call->model_id);
	cJSON_AddNumberToObject(body, "max_tokens", pr->max_tokens > 0 ? pr->max_tokens
									: DEFAULT_MAX_TOKENS);
	struct sl_buf sys;
	sl_buf_init(&sys);
	cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
	for (size_t i = 0; i < call->n_messages; i++) {
		const struct sl_message *m = &call->messages[i];
		if (m->role == SL_ROLE_SYSTEM) {
			/* The system prompt is a top-level field, not a message. */
			if (sys.len)
				sl_buf_puts(&sys, "\n\n");
			sl_buf_puts(&sys, m->content);
			continue;
		}
		cJSON *jm = cJSON_CreateObject();
		cJSON_AddStringToObject(jm, "role", m->role == SL_ROLE_ASSISTANT ? "assistant" : "user");
		cJSON_AddStringToObject(jm, "content", m->content);
		cJSON_AddItemToArray(msgs, jm);
	}
	if (pr->json) {
		/* No JSON mode: prefill the answer with "{" is the documented technique, but it
		 * changes the text; say it in the system prompt instead. */
		if (sys.len)
			sl_buf_puts(&sys, "\n\n");
		sl_buf_puts(&sys, "Answer with a single JSON object and nothing else.");
	}
	if (sys.len)
		cJSON_AddStringToObject(body, "system", sys.data);
	sl_buf_free(&sys);
	if (!isnan(pr->temperature))
		cJSON_AddNumberToObject(body, "temperature", pr->temperature);
	if (!isnan(pr->top_p))
		cJSON_AddNumberToObject(body, "top_p", pr->top_p);
	if (pr->n_stop) {
		cJSON *stop = cJSON_AddArrayToObject(body, "stop_sequences");
		for (size_t i = 0; i < pr->n_stop; i++)
			cJSON_AddItemToArray(stop, cJSON_CreateString(pr->stop[i]));
	}
	if (call->stream)
		cJSON_AddBoolToObject(body, "stream", 1);
	out->body = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	out->url = sl_xasprintf("%s/v1/messages", call->base_url);
	sl_http_request_add_header(out, "anthropic-version: %s", ANTHROPIC_VERSION);
	if (call->api_key)
		sl_http_request_add_header(out, "x-api-key: %s", call->api_key);
	return 0;
}

/* Input tokens are reported without the cached part; shortlist counts all input and the
 * cached share separately (as OpenAI does), so cost can price each. */
static void parse_usage(struct sl_stream *s, const cJSON *u)
{
	if (!cJSON_IsObject(u))
		return;
	int64_t in = sl_json_int(u, "input_tokens");
	int64_t cr = sl_json_int(u, "cache_read_input_tokens");
	int64_t cw = sl_json_int(u, "cache_creation_input_tokens");
	if (in >= 0)
		in += (cr > 0 ? cr : 0) + (cw > 0 ? cw : 0);
	sl_stream_usage(s, in, sl_json_int(u, "output_tokens"), cr, -1);
	sl_stream_cache_write(s, cw);
}

struct anth_state {
	struct sl_sse sse;
	bool any_event;
	struct sl_buf raw;
};

static void anth_free(void *p)
{
	struct anth_state *st = p;
	sl_sse_free(&st->sse);
	sl_buf_free(&st->raw);
	free(st);
}

static void anth_event(void *ud, const char *event, const char *data, size_t len)
{
	struct sl_stream *s = ud;
	struct anth_state *st = s->proto;
	st->any_event = true;
	if (s->failed || s->done)
		return;
	cJSON *root = cJSON_ParseWithLength(data, len);
	if (!root) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON in the stream: %.120s", data);
		return;
	}
	const char *type = sl_json_str(root, "type");
	if (!type)
		type = event;
	if (strcmp(type, "message_start") == 0) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");
		sl_stream_set_model(s, sl_json_str(m, "model"));
		parse_usage(s, cJSON_GetObjectItemCaseSensitive(m, "usage"));
	} else if (strcmp(type, "content_block_start") == 0) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "content_block");
		const char *bt = sl_json_str(b, "type");
		if (bt && strcmp(bt, "tool_use") == 0)
			sl_stream_tool_delta(s);
		const char *t = sl_json_str(b, "text");
		if (t)
			sl_stream_content(s, t, strlen(t), false);
	} else if (strcmp(type, "content_block_delta") == 0) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "delta");
		const char *dt = sl_json_str(d, "type");
		const char *t;
		if ((t = sl_json_str(d, "text")))
			sl_stream_content(s, t, strlen(t), false);
		else if ((t = sl_json_str(d, "thinking")))
			sl_stream_content(s, t, strlen(t), true);
		else if (dt && strcmp(dt, "input_json_delta") == 0)
			sl_stream_tool_delta(s);
	} else if (strcmp(type, "message_delta") == 0) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "delta");
		sl_stream_set_finish(s, sl_json_str(d, "stop_reason"));
		parse_usage(s, cJSON_GetObjectItemCaseSensitive(root, "usage"));
	} else if (strcmp(type, "message_stop") == 0) {
		s->done = true;
	} else if (strcmp(type, "error") == 0) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
		const char *msg = sl_json_str(e, "message");
		sl_stream_fail(s, SL_ERR_PROVIDER, sl_json_str(e, "type"), "error in the answer: %s",
			       msg ? msg : "(no message)");
	}
	/* ping, content_block_stop and future event types carry nothing we need. */
	cJSON_Delete(root);
}

static void anth_stream_begin(struct sl_stream *s, const struct sl_call *call)
{
	struct anth_state *st = sl_xcalloc(1, sizeof *st);
	sl_sse_init(&st->sse);
	sl_buf_init(&st->raw);
	s->proto = st;
	s->proto_free = anth_free;
}

static void anth_stream_feed(struct sl_stream *s, const char *data, size_t len)
{
	struct anth_state *st = s->proto;
	if (!st->any_event && st->raw.len < 65536)
		sl_buf_append(&st->raw, data, len);
	sl_sse_feed(&st->sse, data, len, anth_event, s);
}

static void anth_parse_body(struct sl_stream *s, const struct sl_call *call, const char *body,
			    size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!root) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON answer: %.120s", body);
		return;
	}
	const char *type = sl_json_str(root, "type");
	if (type && strcmp(type, "error") == 0) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
		const char *msg = sl_json_str(e, "message");
		sl_stream_fail(s, SL_ERR_PROVIDER, sl_json_str(e, "type"), "error in the answer: %s",
			       msg ? msg : "(no message)");
		goto out;
	}
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(root, "content");
	if (!cJSON_IsArray(content)) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "answer without content: %.200s", body);
		goto out;
	}
	sl_stream_set_model(s, sl_json_str(root, "model"));
	const cJSON *b;
	cJSON_ArrayForEach(b, content)
	{
		const char *bt = sl_json_str(b, "type");
		const char *t;
		if (bt && strcmp(bt, "thinking") == 0 && (t = sl_json_str(b, "thinking")))
			sl_stream_content(s, t, strlen(t), true);
		else if ((t = sl_json_str(b, "text")))
			sl_stream_content(s, t, strlen(t), false);
		else if (bt && strcmp(bt, "tool_use") == 0)
			sl_stream_tool_delta(s);
	}
	sl_stream_set_finish(s, sl_json_str(root, "stop_reason"));
	parse_usage(s, cJSON_GetObjectItemCaseSensitive(root, "usage"));
	s->done = true;
out:
	cJSON_Delete(root);
}

static void anth_stream_end(struct sl_stream *s)
{
	struct anth_state *st = s->proto;
	if (s->failed || s->done)
		return;
	if (!st->any_event && st->raw.len) {
		anth_parse_body(s, NULL, st->raw.data, st->raw.len);
		return;
	}
	sl_stream_fail(s, SL_ERR_NETWORK, NULL,
		       "the stream ended before the answer was complete (no message_stop)");
}

static void anth_classify(long status, const char *headers, size_t headers_len,
			const char *body, size_t len, struct sl_provider_error *pe)
{
	sl_net_error_from_json(body, len, pe);
	/* A spend limit looks like a rate limit but will not pass by waiting. */
	if (body && len && strstr(body, "enforced_spend_limit"))
		pe->retry = 0;
}

/* A request the API must refuse after checking the key (no messages): 400 proves the key,
 * 401 rejects it, and it never costs a token. */
static int anth_ping_build(const struct sl_provider_conf *c, const char *key, void **state,
			   struct sl_http_request *out, struct sl_error *err)
{
	out->url = sl_xasprintf("%s/v1/messages", c->base_url);
	out->body = sl_xstrdup("{\"model\":\"shortlist-ping\",\"max_tokens\":1,\"messages\":[]}");
	sl_http_request_add_header(out, "Content-Type: application/json");
	sl_http_request_add_header(out, "x-api-key: %s", key ? key : "");
	sl_http_request_add_header(out, "anthropic-version: %s", ANTHROPIC_VERSION);
	return 0;
}

static bool anth_ping_explain(const struct sl_provider_conf *c, const struct sl_ping_answer *a,
			      struct sl_ping_result *r)
{
	if (!a->reached || (a->status != 400 && a->status != 404))
		return false;
	r->state = SL_PING_OK;
	r->message = sl_xstrdup("reachable, key accepted");
	return true;
}

const struct sl_provider_ops sl_anthropic_ops = {
	.name = "anthropic",
	.base_url = "https://api.anthropic.com",
	.key_env = "ANTHROPIC_API_KEY",
	.url_env = "ANTHROPIC_BASE_URL",
	.default_concurrency = 64,
	.stream_accept = "text/event-stream",
	.ping_build = anth_ping_build,
	.ping_list_key = "data",
	.ping_explain = anth_ping_explain,
	.build = anth_build,
	.stream_begin = anth_stream_begin,
	.stream_feed = anth_stream_feed,
	.stream_end = anth_stream_end,
	.parse_body = anth_parse_body,
	.classify_error = anth_classify,
};
