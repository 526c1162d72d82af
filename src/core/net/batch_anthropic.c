/* Anthropic Message Batches: the requests go in the body of POST /v1/messages/batches
 * ({"requests": [{"custom_id", "params"}, ...]}, streamed from the input file), the batch
 * is polled with GET /v1/messages/batches/ID until processing_status is "ended", then its
 * results_url streams JSONL: {"custom_id", "result": {"type": "succeeded", "message"} |
 * {"type": "errored", "error": {"type": "error", "error": {"type", "message"}}} |
 * {"type": "canceled"} | {"type": "expired"}}.
 * Limits: the guide says 100,000 requests or 256 MB per batch, the API reference lists
 * 1-10,000 requests for the body: we cut at 10,000 (unconfirmed which one the API enforces).
 * Price: 50% of the interactive price.
 * A message batch carries nothing of ours but its requests, so before the create the
 * "upload" step notes the newest batch of the workspace (input_ref "after:ID"; the list is
 * newest first): a create whose answer was lost is the batch created after it with as many
 * requests (the batcher sends one create at a time per provider, and skips batches the
 * store already has). */
#include "shortlist/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

#define VERSION "2023-06-01"

static void auth(const struct sl_batch *b, struct sl_http_request *h)
{
	sl_http_request_add_header(h, "anthropic-version: %s", VERSION);
	if (b->api_key)
		sl_http_request_add_header(h, "x-api-key: %s", b->api_key);
}

static int anb_record(struct sl_buf *out, const char *custom_id, const struct sl_call *call,
		      struct sl_error *err)
{
	struct sl_http_request h = { 0 };
	struct sl_call c = *call;
	c.stream = false;
	if (sl_anthropic_ops.build(&c, &h, err) != 0) {
		sl_http_request_free(&h);
		return -1;
	}
	sl_buf_printf(out, "{\"custom_id\":\"%s\",\"params\":%s}", custom_id, h.body);
	sl_http_request_free(&h);
	return 0;
}

static int anb_submit(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "POST";
	c->http.url = sl_xasprintf("%s/v1/messages/batches", b->base_url);
	auth(b, &c->http);
	sl_http_request_add_header(&c->http, "Content-Type: application/json");
	c->body_file = b->input_path;
	return 0;
}

/* The results URL gets our key: only on the endpoint we were configured with. */
static bool same_origin(const char *url, const char *base)
{
	const char *p = strstr(base, "://");
	if (!p)
		return false;
	const char *end = strchr(p + 3, '/');
	size_t n = end ? (size_t)(end - base) : strlen(base);
	return strncmp(url, base, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

static int read_batch(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const char *id = sl_json_str(j, "id"), *status = sl_json_str(j, "processing_status");
	if (!cJSON_IsObject(j) || !id || !status) {
		sl_error_set(err, "message batch: no id or processing_status in the answer: %.120s",
			     body);
		cJSON_Delete(j);
		return -1;
	}
	if (!b->remote_id)
		sl_batch_set(&b->remote_id, id);
	sl_batch_set(&b->api_status, status);
	const char *exp = sl_json_str(j, "expires_at");
	if (exp)
		sl_batch_set(&b->expires_at, exp);
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(j, "request_counts");
	b->api_ok = sl_json_int(rc, "succeeded");
	int64_t errored = sl_json_int(rc, "errored"), expired = sl_json_int(rc, "expired");
	int64_t canceled = sl_json_int(rc, "canceled");
	b->api_failed = (errored > 0 ? errored : 0) + (expired > 0 ? expired : 0) +
			(canceled > 0 ? canceled : 0);
	b->api_ended = strcmp(status, "ended") == 0;
	const char *url = sl_json_str(j, "results_url");
	if (b->api_ended && url) {
		if (!same_origin(url, b->base_url)) {
			sl_error_set(err, "message batch %s: results_url %s is not on %s: not sending "
				     "the key there", id, url, b->base_url);
			cJSON_Delete(j);
			return -1;
		}
		sl_batch_set(&b->output_ref, url);
	}
	const cJSON *ci = cJSON_GetObjectItemCaseSensitive(j, "cancel_initiated_at");
	if (b->api_ended && cJSON_IsString(ci)) {
		b->state = SL_BATCH_CANCELLED;
	} else if (b->api_ended && expired > 0) {
		char *m = sl_xasprintf("%lld requests expired before the batch's 24 h deadline",
				       (long long)expired);
		sl_batch_set(&b->message, m);
		free(m);
		b->state = SL_BATCH_EXPIRED;
	}
	cJSON_Delete(j);
	return 0;
}

static int anb_poll(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "GET";
	c->http.url = sl_xasprintf("%s/v1/messages/batches/%s", b->base_url, b->remote_id);
	auth(b, &c->http);
	return 0;
}

static int anb_fetch(struct sl_batch *b, int i, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	if (i > 0 || !b->output_ref)
		return 1;
	c->method = "GET";
	c->http.url = sl_xstrdup(b->output_ref);
	auth(b, &c->http);
	c->results = true;
	return 0;
}

static int anb_line(struct sl_batch *b, const char *line, size_t len, struct sl_batch_item *it)
{
	cJSON *j = cJSON_ParseWithLength(line, len);
	const char *id = sl_json_str(j, "custom_id");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "result");
	const char *type = sl_json_str(res, "type");
	if (!cJSON_IsObject(j) || !id || strlen(id) >= sizeof it->custom_id || !type) {
		cJSON_Delete(j);
		return -1;
	}
	snprintf(it->custom_id, sizeof it->custom_id, "%s", id);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(res, "message");
	if (strcmp(type, "succeeded") == 0 && cJSON_IsObject(msg)) {
		sl_batch_item_answer(b, msg, it);
	} else if (strcmp(type, "errored") == 0) {
		/* an error response: {"type": "error", "error": {"type", "message"}} */
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(res, "error");
		const cJSON *inner = cJSON_GetObjectItemCaseSensitive(e, "error");
		if (cJSON_IsObject(inner))
			e = inner;
		sl_batch_item_fail(it, SL_ERR_PROVIDER, 0, sl_json_str(e, "type"),
				   sl_json_str(e, "message"));
	} else if (strcmp(type, "canceled") == 0 || strcmp(type, "expired") == 0) {
		sl_batch_item_fail(it, SL_ERR_PROVIDER, 0, type,
				   strcmp(type, "expired") == 0
					   ? "expired: the batch ended (24 h) before this request ran"
					   : "canceled before this request ran");
	} else {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_Delete(j);
	return 0;
}

static int anb_mark(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "GET";
	c->http.url = sl_xasprintf("%s/v1/messages/batches?limit=1", b->base_url);
	auth(b, &c->http);
	return 0;
}

/* A page of the batch list: the parsed answer (*data its "data"), or NULL with err. */
static cJSON *list_page(const char *body, size_t len, const cJSON **data, struct sl_error *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	*data = cJSON_GetObjectItemCaseSensitive(j, "data");
	if (!cJSON_IsArray(*data)) {
		sl_error_set(err, "message batch list: no data in the answer: %.120s", body);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static int anb_mark_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	const cJSON *data;
	cJSON *j = list_page(body, len, &data, err);
	if (!j)
		return -1;
	const char *id = sl_json_str(cJSON_GetArrayItem(data, 0), "id");
	char *mark = sl_xasprintf("after:%s", id ? id : "");
	sl_batch_set(&b->input_ref, mark);
	free(mark);
	cJSON_Delete(j);
	return 0;
}

/* The batches created after the mark, a page of up to 1000 at a time (before_id: newer). */
static int anb_find(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	const char *mark = b->input_ref && sl_str_starts_with(b->input_ref, "after:")
				   ? b->input_ref + 6 : "";
	const char *from = b->cursor ? b->cursor : mark;
	c->method = "GET";
	c->http.url = *from ? sl_xasprintf("%s/v1/messages/batches?limit=1000&before_id=%s",
					   b->base_url, from)
			    : sl_xasprintf("%s/v1/messages/batches?limit=1000", b->base_url);
	auth(b, &c->http);
	return 0;
}

static int anb_find_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	const cJSON *data;
	cJSON *j = list_page(body, len, &data, err);
	if (!j)
		return -1;
	for (int i = cJSON_GetArraySize(data) - 1; i >= 0; i--) { /* oldest first */
		const cJSON *it = cJSON_GetArrayItem(data, i);
		const cJSON *rc = cJSON_GetObjectItemCaseSensitive(it, "request_counts");
		int64_t n = 0;
		for (const cJSON *k = rc ? rc->child : NULL; k; k = k->next)
			n += cJSON_IsNumber(k) ? (int64_t)k->valuedouble : 0;
		const char *id = sl_json_str(it, "id");
		if (id && n == b->n_requests)
			sl_batch_add_found(b, id);
	}
	const char *first = sl_json_str(j, "first_id");
	bool marked = b->input_ref && strlen(b->input_ref) > 6;
	bool more = marked && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "has_more")) &&
		    first && b->step_n < 20;
	if (more)
		sl_batch_set(&b->cursor, first);
	cJSON_Delete(j);
	return more ? 1 : 0;
}

static int anb_cancel(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "POST";
	c->http.url = sl_xasprintf("%s/v1/messages/batches/%s/cancel", b->base_url, b->remote_id);
	auth(b, &c->http);
	return 0;
}

const struct sl_batch_ops sl_anthropic_batch_ops = {
	.name = "anthropic",
	.max_requests = 10000,
	.max_bytes = 250 * 1000 * 1000, /* documented 256 MB, with a margin */
	.price_factor = 0.5,
	.turnaround = "most within 1 h, all within 24 h",
	.file_head = "{\"requests\":[",
	.file_sep = ",\n",
	.file_tail = "]}\n",
	.write_record = anb_record,
	.submit_sends_input = true,
	.upload = anb_mark,
	.upload_done = anb_mark_done,
	.submit = anb_submit,
	.submit_done = read_batch,
	.poll = anb_poll,
	.poll_done = read_batch,
	.find = anb_find,
	.find_done = anb_find_done,
	.fetch = anb_fetch,
	.parse_line = anb_line,
	.cancel = anb_cancel,
};
