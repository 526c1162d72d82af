/* Ollama's native API: /api/chat answers in NDJSON (one JSON object a line, usage and
 * server timings in the final `done` object, durations in nanoseconds); /api/embed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"
#include "shortlist/probe.h"

/* OLLAMA_HOST is "host", "host:port", "scheme://host:port" or ":port", like the CLI accepts. */
static void ollama_conf_from_env(struct sl_provider_conf *c)
{
	const char *h = sl_env_nonempty("OLLAMA_HOST");
	free(c->base_url);
	if (!h) {
		c->base_url = sl_xstrdup("http://127.0.0.1:11434");
		return;
	}
	struct sl_buf b;
	sl_buf_init(&b);
	const char *rest = h;
	if (strstr(h, "://")) {
		sl_buf_puts(&b, h);
		rest = strstr(h, "://") + 3;
	} else {
		sl_buf_puts(&b, "http://");
		if (h[0] == ':')
			sl_buf_puts(&b, "127.0.0.1");
		else if (strncmp(h, "0.0.0.0", 7) == 0)
			/* A server listening on all interfaces is reached on loopback. */
			h += 7, sl_buf_puts(&b, "127.0.0.1");
		sl_buf_puts(&b, h);
		rest = h;
	}
	/* No port given: Ollama's default, unless a scheme was given (then the scheme's
	 * default port, as the ollama CLI does). */
	const char *host_end = rest + strcspn(rest, "/");
	const char *colon = memchr(rest, ':', (size_t)(host_end - rest));
	if (!strstr(h, "://") && !colon && rest[0] != '[' && !strstr(b.data, "]:")) {
		size_t tail = strlen(host_end);
		char *path = sl_xstrdup(host_end);
		b.len -= tail;
		b.data[b.len] = '\0';
		sl_buf_puts(&b, ":11434");
		sl_buf_puts(&b, path);
		free(path);
	}
	c->base_url = sl_url_strip_slash(sl_buf_steal(&b));
}

static int ollama_build(const struct sl_call *call, struct sl_http_request *out,
			struct sl_error *err)
{
	if (!call->base_url) {
		sl_error_set(err, "provider %s has no base_url", call->conf->name);
		return -1;
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "model", call->model_id);
	if (call->kind == SL_REQ_EMBED) {
		cJSON *in = cJSON_AddArrayToObject(body, "input");
		for (size_t i = 0; i < call->n_inputs; i++)
			cJSON_AddItemToArray(in, cJSON_CreateString(call->inputs[i]));
		out->url = sl_xasprintf("%s/api/embed", call->base_url);
	} else {
		const struct sl_params *pr = call->params;
		cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
		for (size_t i = 0; i < call->n_messages; i++) {
			cJSON *m = cJSON_CreateObject();
			enum sl_role r = call->messages[i].role;
			cJSON_AddStringToObject(m, "role", r == SL_ROLE_SYSTEM ? "system"
						  : r == SL_ROLE_ASSISTANT ? "assistant" : "user");
			cJSON_AddStringToObject(m, "content", call->messages[i].content);
			cJSON_AddItemToArray(msgs, m);
		}
		cJSON_AddBoolToObject(body, "stream", call->stream);
		if (pr->json)
			cJSON_AddStringToObject(body, "format", "json");
		cJSON *opt = cJSON_AddObjectToObject(body, "options");
		if (!isnan(pr->temperature))
			cJSON_AddNumberToObject(opt, "temperature", pr->temperature);
		if (!isnan(pr->top_p))
			cJSON_AddNumberToObject(opt, "top_p", pr->top_p);
		if (pr->max_tokens > 0)
			cJSON_AddNumberToObject(opt, "num_predict", pr->max_tokens);
		if (pr->has_seed)
			cJSON_AddNumberToObject(opt, "seed", (double)pr->seed);
		if (pr->n_stop) {
			cJSON *stop = cJSON_AddArrayToObject(opt, "stop");
			for (size_t i = 0; i < pr->n_stop; i++)
				cJSON_AddItemToArray(stop, cJSON_CreateString(pr->stop[i]));
		}
		out->url = sl_xasprintf("%s/api/chat", call->base_url);
	}
	out->body = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (call->api_key)
		sl_http_request_add_header(out, "Authorization: Bearer %s", call->api_key);
	return 0;
}

static void ollama_object(struct sl_stream *s, const cJSON *root)
{
	const char *err = sl_json_str(root, "error");
	if (err) {
		/* Sent after a 200 when the model runner fails (crash, out of memory, a
		 * restarted server): the server's fault, worth another try. */
		sl_stream_fail(s, SL_ERR_PROVIDER, NULL, "error in the answer: %s", err);
		s->error_transient = true;
		return;
	}
	sl_stream_set_model(s, sl_json_str(root, "model"));
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");
	const char *t;
	if ((t = sl_json_str(m, "thinking")))
		sl_stream_content(s, t, strlen(t), true);
	if ((t = sl_json_str(m, "content")))
		sl_stream_content(s, t, strlen(t), false);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "tool_calls")) > 0)
		sl_stream_tool_delta(s);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "done"))) {
		sl_stream_set_finish(s, sl_json_str(root, "done_reason"));
		sl_stream_usage(s, sl_json_int(root, "prompt_eval_count"),
				sl_json_int(root, "eval_count"), -1, -1);
		double total = sl_json_num(root, "total_duration");
		if (!isnan(total))
			s->server_ms = total / 1e6;
		s->done = true;
	}
}

struct ollama_state {
	struct sl_buf pending;
};

static void ollama_free(void *p)
{
	struct ollama_state *st = p;
	sl_buf_free(&st->pending);
	free(st);
}

static void ollama_line(void *ud, const char *line, size_t len)
{
	struct sl_stream *s = ud;
	if (s->failed || s->done)
		return;
	cJSON *root = cJSON_ParseWithLength(line, len);
	if (!root) {
		/* line is not NUL-terminated: it points into the received data */
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON line in the stream: %.*s",
			       (int)(len < 120 ? len : 120), line);
		return;
	}
	ollama_object(s, root);
	cJSON_Delete(root);
}

static void ollama_stream_begin(struct sl_stream *s, const struct sl_call *call)
{
	struct ollama_state *st = sl_xcalloc(1, sizeof *st);
	sl_buf_init(&st->pending);
	s->proto = st;
	s->proto_free = ollama_free;
}

static void ollama_stream_feed(struct sl_stream *s, const char *data, size_t len)
{
	struct ollama_state *st = s->proto;
	sl_lines_feed(&st->pending, data, len, ollama_line, s);
}

static void ollama_stream_end(struct sl_stream *s)
{
	struct ollama_state *st = s->proto;
	sl_lines_end(&st->pending, ollama_line, s);
	if (!s->failed && !s->done)
		sl_stream_fail(s, SL_ERR_NETWORK, NULL,
			       "the stream ended before the answer was complete (no \"done\": true)");
}

static void ollama_parse_body(struct sl_stream *s, const struct sl_call *call, const char *body,
			      size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!root) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON answer: %.120s", body);
		return;
	}
	const cJSON *embs = cJSON_GetObjectItemCaseSensitive(root, "embeddings");
	if (cJSON_IsArray(embs)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, embs)
		{
			int dim = cJSON_GetArraySize(e);
			if (dim <= 0) {
				sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "empty embedding in the answer");
				break;
			}
			float *v = sl_xmalloc((size_t)dim * sizeof(float));
			int j = 0;
			const cJSON *x;
			cJSON_ArrayForEach(x, e) v[j++] = (float)x->valuedouble;
			sl_stream_add_embedding(s, v, (size_t)dim);
			free(v);
		}
		sl_stream_usage(s, sl_json_int(root, "prompt_eval_count"), 0, -1, -1);
		s->done = true;
	} else {
		ollama_object(s, root);
		if (!s->failed && !s->done)
			sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "answer without \"done\": %.200s", body);
	}
	cJSON_Delete(root);
}

static void ollama_classify(long status, const char *headers, size_t headers_len,
			const char *body, size_t len,
			    struct sl_provider_error *pe)
{
	sl_net_error_from_json(body, len, pe);
}

static int ollama_ping_build(const struct sl_provider_conf *c, const char *key, void **state,
			     struct sl_http_request *out, struct sl_error *err)
{
	out->url = sl_xasprintf("%s/api/tags", c->base_url);
	return 0;
}

/* No Ollama at the default address is "not set up", not a failure; at an address the
 * user gave (OLLAMA_HOST, providers.json), it is. */
static bool ollama_ping_explain(const struct sl_provider_conf *c, const struct sl_ping_answer *a,
				struct sl_ping_result *r)
{
	if (a->reached || !a->refused || c->configured || getenv("OLLAMA_HOST"))
		return false;
	r->state = SL_PING_NO_KEY;
	r->message = sl_xasprintf("no Ollama running at %s (start `ollama serve` or set "
				  "OLLAMA_HOST)", c->base_url);
	return true;
}

/* /api/embed takes a list of inputs (no documented limit: a long list holds the model's
 * one slot, so keep it moderate). */
static size_t ollama_embed_batch(const char *model_id)
{
	(void)model_id;
	return 256;
}

const struct sl_provider_ops sl_ollama_ops = {
	.name = "ollama",
	.default_concurrency = 4, /* Ollama runs few requests at once per model */
	.key_optional = true,
	.conf_from_env = ollama_conf_from_env,
	.embed_batch = ollama_embed_batch,
	.ping_build = ollama_ping_build,
	.ping_list_key = "models",
	.ping_explain = ollama_ping_explain,
	.build = ollama_build,
	.stream_begin = ollama_stream_begin,
	.stream_feed = ollama_stream_feed,
	.stream_end = ollama_stream_end,
	.parse_body = ollama_parse_body,
	.classify_error = ollama_classify,
};
