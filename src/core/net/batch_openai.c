/* OpenAI Batch API (and compatible servers): the input is JSONL uploaded to /v1/files
 * (multipart, purpose "batch"), the batch is POST /v1/batches over it, polled with
 * GET /v1/batches/ID; results are the output file (answers) and the error file (failed
 * requests), each GET /v1/files/ID/content, one JSON object per line:
 *   {"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}.
 * Limits: 50,000 requests and 200 MB per input file; price: 50% of the interactive price. */
#include "shortlist/batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

static void auth(const struct sl_batch *b, struct sl_http_request *h)
{
	if (b->api_key)
		sl_http_request_add_header(h, "Authorization: Bearer %s", b->api_key);
}

static int oab_record(struct sl_buf *out, const char *custom_id, const struct sl_call *call,
		      struct sl_error *err)
{
	struct sl_http_request h = { 0 };
	struct sl_call c = *call;
	c.stream = false;
	if (sl_openai_ops.build(&c, &h, err) != 0) {
		sl_http_request_free(&h);
		return -1;
	}
	sl_buf_printf(out, "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":"
		      "\"/v1/chat/completions\",\"body\":%s}", custom_id, h.body);
	sl_http_request_free(&h);
	return 0;
}

static int oab_upload(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "POST";
	c->http.url = sl_xasprintf("%s/files", b->base_url);
	auth(b, &c->http);
	c->form_fields[0] = "purpose";
	c->form_fields[1] = "batch";
	c->n_form_fields = 1;
	c->form_file = "file";
	c->body_file = b->input_path;
	return 0;
}

static cJSON *parse_object(const char *body, size_t len, const char *what, struct sl_error *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		sl_error_set(err, "%s: the answer is not a JSON object: %.120s", what, body);
		return NULL;
	}
	return j;
}

static int oab_upload_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	cJSON *j = parse_object(body, len, "file upload", err);
	if (!j)
		return -1;
	const char *id = sl_json_str(j, "id");
	if (!id || !*id) {
		sl_error_set(err, "file upload: no file id in the answer: %.120s", body);
		cJSON_Delete(j);
		return -1;
	}
	sl_batch_set(&b->input_ref, id);
	cJSON_Delete(j);
	return 0;
}

static int oab_submit(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "POST";
	c->http.url = sl_xasprintf("%s/batches", b->base_url);
	auth(b, &c->http);
	sl_http_request_add_header(&c->http, "Content-Type: application/json");
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "input_file_id", b->input_ref);
	cJSON_AddStringToObject(j, "endpoint", "/v1/chat/completions");
	cJSON_AddStringToObject(j, "completion_window", "24h");
	c->http.body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return 0;
}

static void set_expiry(struct sl_batch *b, const cJSON *j)
{
	double t = sl_json_num(j, "expires_at");
	if (isnan(t) || t <= 0)
		return;
	char buf[32];
	sl_iso8601((int64_t)t * 1000, buf);
	sl_batch_set(&b->expires_at, buf);
}

/* The batch object: status, counts, result files. */
static int read_batch(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	cJSON *j = parse_object(body, len, "batch", err);
	if (!j)
		return -1;
	const char *id = sl_json_str(j, "id"), *status = sl_json_str(j, "status");
	if (!id || !status) {
		sl_error_set(err, "batch: no id or status in the answer: %.120s", body);
		cJSON_Delete(j);
		return -1;
	}
	if (!b->remote_id)
		sl_batch_set(&b->remote_id, id);
	sl_batch_set(&b->api_status, status);
	set_expiry(b, j);
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(j, "request_counts");
	b->api_ok = sl_json_int(rc, "completed");
	b->api_failed = sl_json_int(rc, "failed");
	const char *out = sl_json_str(j, "output_file_id"), *errf = sl_json_str(j, "error_file_id");
	if (out && *out)
		sl_batch_set(&b->output_ref, out);
	if (errf && *errf)
		sl_batch_set(&b->error_ref, errf);
	/* errors.data[]: why the batch as a whole failed (validation) */
	const cJSON *e0 = sl_json_path(j, "errors.data.0");
	if (e0) {
		const char *msg = sl_json_str(e0, "message"), *code = sl_json_str(e0, "code");
		int64_t line = sl_json_int(e0, "line");
		char *m = line > 0 ? sl_xasprintf("%s%s%s (input line %lld)", code ? code : "",
						  code ? ": " : "", msg ? msg : "", (long long)line)
				   : sl_xasprintf("%s%s%s", code ? code : "", code ? ": " : "",
						  msg ? msg : "");
		sl_batch_set(&b->message, m);
		free(m);
	}
	bool ended = strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0 ||
		     strcmp(status, "expired") == 0 || strcmp(status, "cancelled") == 0;
	b->api_ended = ended;
	if (strcmp(status, "failed") == 0)
		b->state = SL_BATCH_FAILED;
	else if (strcmp(status, "expired") == 0)
		b->state = SL_BATCH_EXPIRED;
	else if (strcmp(status, "cancelled") == 0)
		b->state = SL_BATCH_CANCELLED;
	cJSON_Delete(j);
	return 0;
}

static int oab_poll(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "GET";
	c->http.url = sl_xasprintf("%s/batches/%s", b->base_url, b->remote_id);
	auth(b, &c->http);
	return 0;
}

static int oab_fetch(struct sl_batch *b, int i, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	/* the output file (answers), then the error file (failed requests): either may be
	 * absent */
	const char *refs[2] = { b->output_ref, b->error_ref }, *ref = NULL;
	for (int k = 0, seen = 0; k < 2 && !ref; k++)
		if (refs[k] && seen++ == i)
			ref = refs[k];
	if (!ref)
		return 1;
	c->method = "GET";
	c->http.url = sl_xasprintf("%s/files/%s/content", b->base_url, ref);
	auth(b, &c->http);
	c->results = true;
	return 0;
}

static int oab_line(struct sl_batch *b, const char *line, size_t len, struct sl_batch_item *it)
{
	cJSON *j = cJSON_ParseWithLength(line, len);
	const char *id = sl_json_str(j, "custom_id");
	if (!cJSON_IsObject(j) || !id || strlen(id) >= sizeof it->custom_id) {
		cJSON_Delete(j);
		return -1;
	}
	snprintf(it->custom_id, sizeof it->custom_id, "%s", id);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(j, "response");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(resp, "body");
	int64_t status = sl_json_int(resp, "status_code");
	if (cJSON_IsObject(e)) {
		/* the request never ran: expired, cancelled, or refused as a whole */
		sl_batch_item_fail(it, SL_ERR_PROVIDER, 0, sl_json_str(e, "code"),
				   sl_json_str(e, "message"));
	} else if (status >= 200 && status < 300 && cJSON_IsObject(body)) {
		sl_batch_item_answer(b, body, it);
	} else if (cJSON_IsObject(resp)) {
		struct sl_provider_error pe = { 0 };
		char *text = body ? cJSON_PrintUnformatted(body) : NULL;
		sl_net_error_from_json(text ? text : "", text ? strlen(text) : 0, &pe);
		char *msg = sl_xasprintf("HTTP %lld in the batch: %s", (long long)status,
					 pe.message ? pe.message : "(no message)");
		sl_batch_item_fail(it, SL_ERR_HTTP, (long)status, pe.type, msg);
		free(msg);
		free(pe.message);
		free(pe.type);
		cJSON_free(text);
	} else {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_Delete(j);
	return 0;
}

/* A create whose answer was lost: the batch over our uploaded input file, if the API made
 * it (GET /v1/batches lists the newest first, 100 a page, `after` the last id). */
static int oab_find(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "GET";
	c->http.url = b->cursor ? sl_xasprintf("%s/batches?limit=100&after=%s", b->base_url,
					       b->cursor)
				: sl_xasprintf("%s/batches?limit=100", b->base_url);
	auth(b, &c->http);
	return 0;
}

static int oab_find_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	cJSON *j = parse_object(body, len, "batch list", err);
	if (!j)
		return -1;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "data")) {
		const char *id = sl_json_str(it, "id"), *in = sl_json_str(it, "input_file_id");
		if (id && in && b->input_ref && strcmp(in, b->input_ref) == 0)
			sl_batch_add_found(b, id);
	}
	const char *last = sl_json_str(j, "last_id");
	bool more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "has_more")) && last &&
		    !b->n_found && b->step_n < 100;
	if (more)
		sl_batch_set(&b->cursor, last);
	cJSON_Delete(j);
	return more ? 1 : 0;
}

static int oab_cancel(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	(void)err;
	c->method = "POST";
	c->http.url = sl_xasprintf("%s/batches/%s/cancel", b->base_url, b->remote_id);
	auth(b, &c->http);
	return 0;
}

const struct sl_batch_ops sl_openai_batch_ops = {
	.name = "openai",
	.max_requests = 50000,
	.max_bytes = 190 * 1000 * 1000, /* documented 200 MB, with a margin */
	.price_factor = 0.5,
	.turnaround = "within 24 h",
	.file_head = "",
	.file_sep = "\n",
	.file_tail = "\n",
	.write_record = oab_record,
	.upload = oab_upload,
	.upload_done = oab_upload_done,
	.submit = oab_submit,
	.submit_done = read_batch,
	.poll = oab_poll,
	.poll_done = read_batch,
	.find = oab_find,
	.find_done = oab_find_done,
	.fetch = oab_fetch,
	.parse_line = oab_line,
	.cancel = oab_cancel,
};
