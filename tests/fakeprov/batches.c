/* fakeprov: the batch APIs. OpenAI files + batches (/v1/files, /v1/batches) and Anthropic
 * Message Batches (/v1/messages/batches), with the script's "batch" section deciding how
 * long a batch takes and how it ends. Every request of a batch is answered like the same
 * request sent interactively (fp_answer: the models' script, sequences and faults included;
 * a status fault becomes that request's error). See README.md. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp.h"

struct ffile {
	char id[48];
	char *data;
	size_t len;
	struct ffile *next;
};

struct fbatch {
	char id[48];
	bool anthropic;
	cJSON *requests;     /* [{"custom_id", "model", "body"}] in input order */
	int n;
	char input_file[48];
	int64_t created_ns, cancel_ns;
	bool ended, failed;
	cJSON *opts;         /* the script's "batch" section when it was created */
	char *fail_message;
	int n_ok, n_failed, n_expired, n_canceled;
	char out_file[48], err_file[48];
	char *results;       /* anthropic: the results JSONL */
	size_t results_len;
	struct fbatch *next;
};

static pthread_mutex_t g_blk = PTHREAD_MUTEX_INITIALIZER;
static struct ffile *g_files;
static struct fbatch *g_batches;
static unsigned g_next;

static int opt_int(const cJSON *o, const char *k, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valueint : dflt;
}

int fp_batch_check_script(const cJSON *b, char *err, size_t errsz)
{
	static const char *const keys[] = { "complete_ms", "expire", "expire_after", "malformed",
					    "drop", "fail", "create_delay_ms", NULL };
	if (!cJSON_IsObject(b)) {
		snprintf(err, errsz, "batch must be an object");
		return -1;
	}
	for (const cJSON *k = b->child; k; k = k->next) {
		bool known = false;
		for (size_t i = 0; keys[i]; i++)
			known |= strcmp(keys[i], k->string) == 0;
		if (!known) {
			snprintf(err, errsz, "batch: unknown key \"%s\" (complete_ms, expire, "
				 "expire_after, malformed, drop, fail, create_delay_ms)", k->string);
			return -1;
		}
	}
	return 0;
}

static struct ffile *file_add(char *data, size_t len)
{
	struct ffile *f = sl_xcalloc(1, sizeof *f);
	snprintf(f->id, sizeof f->id, "file-fp%06u", ++g_next);
	f->data = data;
	f->len = len;
	f->next = g_files;
	g_files = f;
	return f;
}

static struct ffile *file_find(const char *id)
{
	for (struct ffile *f = g_files; f; f = f->next)
		if (strcmp(f->id, id) == 0)
			return f;
	return NULL;
}

static struct fbatch *batch_find(const char *id, bool anthropic)
{
	for (struct fbatch *b = g_batches; b; b = b->next)
		if (strcmp(b->id, id) == 0 && b->anthropic == anthropic)
			return b;
	return NULL;
}

static void reply_error(struct fp_reply *r, const char *provider, int status, const char *msg)
{
	fp_error_reply(r, provider, status, status == 404 ? "not_found_error"
					    : "invalid_request_error", msg);
}

static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t k)
{
	for (size_t i = 0; k && i + k <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/* The file part of a multipart/form-data body. */
static bool multipart_file(const char *ctype, const char *body, size_t len, const char **data,
			   size_t *dlen, bool *purpose_batch)
{
	const char *b = ctype ? strstr(ctype, "boundary=") : NULL;
	if (!b)
		return false;
	b += 9;
	char delim[256];
	snprintf(delim, sizeof delim, "--%.*s", (int)strcspn(b, "; \""), b);
	size_t dl = strlen(delim);
	bool found = false;
	*purpose_batch = false;
	for (const char *p = body; p && p < body + len;) {
		const char *part = find_bytes(p, (size_t)(body + len - p), delim, dl);
		if (!part)
			break;
		part += dl;
		if (part + 2 <= body + len && part[0] == '-' && part[1] == '-')
			break;
		const char *hdr_end = find_bytes(part, (size_t)(body + len - part), "\r\n\r\n", 4);
		if (!hdr_end)
			break;
		const char *content = hdr_end + 4;
		const char *next = find_bytes(content, (size_t)(body + len - content), delim, dl);
		if (!next)
			break;
		size_t clen = (size_t)(next - content);
		if (clen >= 2)
			clen -= 2; /* the CRLF before the delimiter */
		size_t hlen = (size_t)(hdr_end - part);
		if (find_bytes(part, hlen, "name=\"file\"", 11)) {
			*data = content;
			*dlen = clen;
			found = true;
		} else if (find_bytes(part, hlen, "name=\"purpose\"", 14)) {
			*purpose_batch = clen == 5 && memcmp(content, "batch", 5) == 0;
		}
		p = next;
	}
	return found;
}

static cJSON *openai_batch_json(const struct fbatch *b, int64_t now)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", b->id);
	cJSON_AddStringToObject(j, "object", "batch");
	cJSON_AddStringToObject(j, "endpoint", "/v1/chat/completions");
	cJSON_AddStringToObject(j, "input_file_id", b->input_file);
	cJSON_AddStringToObject(j, "completion_window", "24h");
	const char *status = b->failed ? "failed"
			     : !b->ended ? (b->cancel_ns ? "cancelling" : "in_progress")
			     : b->cancel_ns ? "cancelled"
			     : b->n_expired ? "expired" : "completed";
	(void)now;
	cJSON_AddStringToObject(j, "status", status);
	if (b->failed) {
		cJSON *e = cJSON_AddObjectToObject(j, "errors");
		cJSON_AddStringToObject(e, "object", "list");
		cJSON *d = cJSON_AddArrayToObject(e, "data");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", "invalid_request");
		cJSON_AddStringToObject(x, "message", b->fail_message);
		cJSON_AddNumberToObject(x, "line", 1);
		cJSON_AddItemToArray(d, x);
	} else {
		cJSON_AddNullToObject(j, "errors");
	}
	if (b->out_file[0])
		cJSON_AddStringToObject(j, "output_file_id", b->out_file);
	else
		cJSON_AddNullToObject(j, "output_file_id");
	if (b->err_file[0])
		cJSON_AddStringToObject(j, "error_file_id", b->err_file);
	else
		cJSON_AddNullToObject(j, "error_file_id");
	cJSON_AddNumberToObject(j, "created_at", 1767225600);
	cJSON_AddNumberToObject(j, "expires_at", 1767225600 + 86400);
	cJSON *rc = cJSON_AddObjectToObject(j, "request_counts");
	cJSON_AddNumberToObject(rc, "total", b->n);
	cJSON_AddNumberToObject(rc, "completed", b->n_ok);
	cJSON_AddNumberToObject(rc, "failed", b->n_failed + b->n_expired + b->n_canceled);
	return j;
}

static cJSON *anthropic_batch_json(const struct fbatch *b, const char *host)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", b->id);
	cJSON_AddStringToObject(j, "type", "message_batch");
	cJSON_AddStringToObject(j, "processing_status", b->ended ? "ended"
							 : b->cancel_ns ? "canceling" : "in_progress");
	cJSON *rc = cJSON_AddObjectToObject(j, "request_counts");
	cJSON_AddNumberToObject(rc, "processing", b->ended ? 0 : b->n);
	cJSON_AddNumberToObject(rc, "succeeded", b->n_ok);
	cJSON_AddNumberToObject(rc, "errored", b->n_failed);
	cJSON_AddNumberToObject(rc, "canceled", b->n_canceled);
	cJSON_AddNumberToObject(rc, "expired", b->n_expired);
	cJSON_AddStringToObject(j, "created_at", "2026-01-01T00:00:00Z");
	cJSON_AddStringToObject(j, "expires_at", "2026-01-02T00:00:00Z");
	if (b->cancel_ns)
		cJSON_AddStringToObject(j, "cancel_initiated_at", "2026-01-01T00:00:01Z");
	else
		cJSON_AddNullToObject(j, "cancel_initiated_at");
	if (b->ended) {
		cJSON_AddStringToObject(j, "ended_at", "2026-01-01T00:00:02Z");
		char *url = sl_xasprintf("http://%s/v1/messages/batches/%s/results", host, b->id);
		cJSON_AddStringToObject(j, "results_url", url);
		free(url);
	} else {
		cJSON_AddNullToObject(j, "ended_at");
		cJSON_AddNullToObject(j, "results_url");
	}
	return j;
}

/* Answer every request (the batch ended): the output and error files, or the results. */
static void finish(struct fbatch *b, int64_t now)
{
	int complete_ms = opt_int(b->opts, "complete_ms", 300);
	bool expire = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b->opts, "expire"));
	int processed = b->n;
	if (expire)
		processed = opt_int(b->opts, "expire_after", b->n / 2);
	if (b->cancel_ns) {
		double frac = complete_ms > 0 ? (double)(b->cancel_ns - b->created_ns) / 1e6 /
							complete_ms : 1;
		processed = frac >= 1 ? b->n : (int)(frac * b->n);
	}
	int drop = opt_int(b->opts, "drop", 0), malformed = opt_int(b->opts, "malformed", 0);
	struct sl_buf out, errs;
	sl_buf_init(&out);
	sl_buf_init(&errs);
	const char *provider = b->anthropic ? "anthropic" : "openai";
	for (int i = 0; i < b->n - drop; i++) {
		const cJSON *rq = cJSON_GetArrayItem(b->requests, i);
		const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(rq, "custom_id"));
		cJSON *line = cJSON_CreateObject();
		if (!b->anthropic) {
			char rid[48];
			snprintf(rid, sizeof rid, "batch_req_fp%d", i);
			cJSON_AddStringToObject(line, "id", rid);
		}
		cJSON_AddStringToObject(line, "custom_id", cid);
		bool to_err = false;
		if (i >= processed) {
			const char *what = b->cancel_ns ? "canceled" : "expired";
			if (b->anthropic) {
				cJSON *res = cJSON_AddObjectToObject(line, "result");
				cJSON_AddStringToObject(res, "type", what);
			} else {
				cJSON_AddNullToObject(line, "response");
				cJSON *e = cJSON_AddObjectToObject(line, "error");
				cJSON_AddStringToObject(e, "code", b->cancel_ns ? "batch_cancelled"
										: "batch_expired");
				cJSON_AddStringToObject(e, "message", b->cancel_ns
					? "This request was not executed because the batch was cancelled."
					: "This request could not be executed before the completion "
					  "window expired.");
			}
			if (b->cancel_ns)
				b->n_canceled++;
			else
				b->n_expired++;
			to_err = true;
		} else {
			struct fp_reply r = { 0 };
			fp_answer(provider, cJSON_GetStringValue(cJSON_GetObjectItem(rq, "model")),
				  cJSON_GetObjectItem(rq, "body"), (uint64_t)i + 1, &r);
			cJSON *body = cJSON_ParseWithLength(r.body ? r.body : "", r.body_len);
			bool ok = r.status == 200;
			if (b->anthropic) {
				cJSON *res = cJSON_AddObjectToObject(line, "result");
				cJSON_AddStringToObject(res, "type", ok ? "succeeded" : "errored");
				cJSON_AddItemToObject(res, ok ? "message" : "error", body);
			} else {
				cJSON *resp = cJSON_AddObjectToObject(line, "response");
				cJSON_AddNumberToObject(resp, "status_code", r.status);
				cJSON_AddStringToObject(resp, "request_id", "req_fp");
				cJSON_AddItemToObject(resp, "body", body);
				cJSON_AddNullToObject(line, "error");
			}
			if (ok)
				b->n_ok++;
			else
				b->n_failed++;
			to_err = !ok;
			fp_reply_free(&r);
		}
		char *text = cJSON_PrintUnformatted(line);
		struct sl_buf *dst = b->anthropic || !to_err ? &out : &errs;
		sl_buf_printf(dst, "%s\n", text);
		cJSON_free(text);
		cJSON_Delete(line);
	}
	for (int i = 0; i < malformed; i++)
		sl_buf_printf(&out, i % 2 ? "not json at all\n"
					  : "{\"custom_id\": \"m0-p0-c0-s0\", \"respo\n");
	if (b->anthropic) {
		b->results = out.data ? out.data : sl_xstrdup("");
		b->results_len = out.len;
	} else {
		if (out.len)
			snprintf(b->out_file, sizeof b->out_file, "%s",
				 file_add(out.data, out.len)->id);
		else
			sl_buf_free(&out);
		if (errs.len)
			snprintf(b->err_file, sizeof b->err_file, "%s",
				 file_add(errs.data, errs.len)->id);
		else
			sl_buf_free(&errs);
	}
	b->ended = true;
	(void)now;
}

/* Advance a batch on the clock: it ends complete_ms after creation (or at once after a
 * cancel). */
static void tick(struct fbatch *b)
{
	if (b->ended || b->failed)
		return;
	int64_t now = fp_now_ns();
	int complete_ms = opt_int(b->opts, "complete_ms", 300);
	if (b->cancel_ns || now - b->created_ns >= (int64_t)complete_ms * 1000000)
		finish(b, now);
}

static struct fbatch *batch_new(bool anthropic, cJSON *requests)
{
	struct fbatch *b = sl_xcalloc(1, sizeof *b);
	snprintf(b->id, sizeof b->id, "%sfp%06u", anthropic ? "msgbatch_" : "batch_", ++g_next);
	b->anthropic = anthropic;
	b->requests = requests;
	b->n = cJSON_GetArraySize(requests);
	b->created_ns = fp_now_ns();
	b->opts = fp_script_section("batch");
	const cJSON *fail = cJSON_GetObjectItemCaseSensitive(b->opts, "fail");
	if (cJSON_IsString(fail)) {
		b->failed = true;
		b->fail_message = sl_xstrdup(fail->valuestring);
	}
	b->next = g_batches;
	g_batches = b;
	return b;
}

/* OpenAI input lines -> requests; NULL with why on the first bad line. */
static cJSON *openai_requests(const char *data, size_t len, char *why, size_t whysz)
{
	cJSON *reqs = cJSON_CreateArray();
	int line_no = 0;
	for (const char *p = data; p < data + len;) {
		const char *nl = memchr(p, '\n', (size_t)(data + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
		line_no++;
		if (n) {
			cJSON *l = cJSON_ParseWithLength(p, n);
			const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(l, "custom_id"));
			const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(l, "url"));
			cJSON *body = cJSON_GetObjectItem(l, "body");
			const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(body, "model"));
			if (!cid || !url || strcmp(url, "/v1/chat/completions") != 0 || !model) {
				snprintf(why, whysz, "line %d: needs custom_id, url "
					 "/v1/chat/completions and body.model", line_no);
				cJSON_Delete(l);
				cJSON_Delete(reqs);
				return NULL;
			}
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "custom_id", cid);
			cJSON_AddStringToObject(r, "model", model);
			cJSON_AddItemToObject(r, "body", cJSON_DetachItemFromObject(l, "body"));
			cJSON_AddItemToArray(reqs, r);
			cJSON_Delete(l);
		}
		p += n + 1;
	}
	return reqs;
}

static bool custom_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

const char *fp_batch_route(const char *method, const char *path)
{
	bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
	if (sl_str_starts_with(path, "/v1/messages/batches")) {
		const char *rest = path + strlen("/v1/messages/batches");
		if (post && !*rest)
			return "anthropic.batches.create";
		if (get && !*rest)
			return "anthropic.batches.list";
		if (get && *rest == '/' && strstr(rest, "/results"))
			return "anthropic.batches.results";
		if (post && *rest == '/' && strstr(rest, "/cancel"))
			return "anthropic.batches.cancel";
		if (get && *rest == '/')
			return "anthropic.batches.get";
		return NULL;
	}
	if (post && strcmp(path, "/v1/files") == 0)
		return "openai.files.upload";
	if (get && sl_str_starts_with(path, "/v1/files/") && strstr(path, "/content"))
		return "openai.files.content";
	if (post && strcmp(path, "/v1/batches") == 0)
		return "openai.batches.create";
	if (get && strcmp(path, "/v1/batches") == 0)
		return "openai.batches.list";
	if (post && sl_str_starts_with(path, "/v1/batches/") && strstr(path, "/cancel"))
		return "openai.batches.cancel";
	if (get && sl_str_starts_with(path, "/v1/batches/"))
		return "openai.batches.get";
	return NULL;
}

/* The id in /PREFIX/ID[/...]. */
static void path_id(const char *path, const char *prefix, char *out, size_t outsz)
{
	const char *s = path + strlen(prefix);
	snprintf(out, outsz, "%.*s", (int)strcspn(s, "/"), s);
}

/* A query argument ("" when absent). */
static void query_arg(const char *query, const char *key, char *out, size_t outsz)
{
	size_t k = strlen(key);
	out[0] = 0;
	for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == '=') {
			snprintf(out, outsz, "%.*s", (int)strcspn(p + k + 1, "&"), p + k + 1);
			return;
		}
}

/* GET /v1/batches and /v1/messages/batches: newest first (g_batches is), `limit` a page;
 * OpenAI pages with `after` (older than), Anthropic with `after_id` (older) or `before_id`
 * (newer: the page next to it). */
static cJSON *list_batches(bool anthropic, const char *query, const char *host)
{
	char arg[64];
	query_arg(query, "limit", arg, sizeof arg);
	int limit = *arg ? atoi(arg) : 20;
	struct fbatch *all[4096];
	int n = 0;
	for (struct fbatch *b = g_batches; b && n < 4096; b = b->next)
		if (b->anthropic == anthropic)
			all[n++] = b;
	int from = 0, to = n; /* [from, to) of all, newest first */
	query_arg(query, anthropic ? "after_id" : "after", arg, sizeof arg);
	for (int i = 0; *arg && i < n; i++)
		if (strcmp(all[i]->id, arg) == 0)
			from = i + 1;
	char before[64];
	query_arg(query, "before_id", before, sizeof before);
	for (int i = 0; anthropic && *before && i < n; i++)
		if (strcmp(all[i]->id, before) == 0)
			to = i;
	if (anthropic && *before && to - from > limit)
		from = to - limit; /* the page next to before_id */
	else if (to - from > limit)
		to = from + limit;
	cJSON *j = cJSON_CreateObject(), *data = cJSON_AddArrayToObject(j, "data");
	if (!anthropic)
		cJSON_AddStringToObject(j, "object", "list");
	for (int i = from; i < to; i++) {
		tick(all[i]);
		cJSON_AddItemToArray(data, anthropic ? anthropic_batch_json(all[i], host)
						     : openai_batch_json(all[i], fp_now_ns()));
	}
	if (to > from) {
		cJSON_AddStringToObject(j, "first_id", all[from]->id);
		cJSON_AddStringToObject(j, "last_id", all[to - 1]->id);
	} else {
		cJSON_AddNullToObject(j, "first_id");
		cJSON_AddNullToObject(j, "last_id");
	}
	cJSON_AddBoolToObject(j, "has_more", anthropic && *before ? from > 0 : to < n);
	return j;
}

void fp_batch_request(const char *route, const char *path, const char *query, const char *ctype,
		      const char *host, const char *body, size_t len, struct fp_reply *r,
		      int *delay_out)
{
	bool anthropic = sl_str_starts_with(route, "anthropic.");
	const char *provider = anthropic ? "anthropic" : "openai";
	char id[64], why[256];
	int delay_ms = 0; /* create_delay_ms: the batch exists, its answer comes late */
	pthread_mutex_lock(&g_blk);
	if (strcmp(route, "openai.batches.list") == 0 || strcmp(route, "anthropic.batches.list") == 0) {
		fp_reply_json(r, 200, list_batches(anthropic, query, host));
	} else if (strcmp(route, "openai.files.upload") == 0) {
		const char *data = NULL;
		size_t dlen = 0;
		bool purpose = false;
		if (!multipart_file(ctype, body, len, &data, &dlen, &purpose) || !purpose) {
			reply_error(r, provider, 400, "expected multipart/form-data with purpose=batch "
				    "and a file part");
		} else {
			struct ffile *f = file_add(sl_xstrndup(data, dlen), dlen);
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "id", f->id);
			cJSON_AddStringToObject(j, "object", "file");
			cJSON_AddNumberToObject(j, "bytes", (double)dlen);
			cJSON_AddStringToObject(j, "purpose", "batch");
			cJSON_AddStringToObject(j, "filename", "input.jsonl");
			fp_reply_json(r, 200, j);
		}
	} else if (strcmp(route, "openai.files.content") == 0) {
		path_id(path, "/v1/files/", id, sizeof id);
		struct ffile *f = file_find(id);
		if (!f) {
			reply_error(r, provider, 404, "No such File object");
		} else {
			r->status = 200;
			r->content_type = "application/octet-stream";
			r->body = sl_xstrndup(f->data, f->len);
			r->body_len = f->len;
		}
	} else if (strcmp(route, "openai.batches.create") == 0) {
		cJSON *j = cJSON_ParseWithLength(body, len);
		const char *fid = cJSON_GetStringValue(cJSON_GetObjectItem(j, "input_file_id"));
		const char *ep = cJSON_GetStringValue(cJSON_GetObjectItem(j, "endpoint"));
		const char *win = cJSON_GetStringValue(cJSON_GetObjectItem(j, "completion_window"));
		struct ffile *f = fid ? file_find(fid) : NULL;
		cJSON *reqs = NULL;
		if (!f || !ep || strcmp(ep, "/v1/chat/completions") != 0 || !win ||
		    strcmp(win, "24h") != 0) {
			reply_error(r, provider, 400, "input_file_id (an uploaded file), endpoint "
				    "/v1/chat/completions and completion_window 24h are required");
		} else if (!(reqs = openai_requests(f->data, f->len, why, sizeof why))) {
			reply_error(r, provider, 400, why);
		} else {
			struct fbatch *b = batch_new(false, reqs);
			snprintf(b->input_file, sizeof b->input_file, "%s", fid);
			fp_reply_json(r, 200, openai_batch_json(b, fp_now_ns()));
			delay_ms = opt_int(b->opts, "create_delay_ms", 0);
		}
		cJSON_Delete(j);
	} else if (strcmp(route, "openai.batches.get") == 0 ||
		   strcmp(route, "openai.batches.cancel") == 0) {
		path_id(path, "/v1/batches/", id, sizeof id);
		struct fbatch *b = batch_find(id, false);
		if (!b) {
			reply_error(r, provider, 404, "No batch found with that id");
		} else {
			if (strcmp(route, "openai.batches.cancel") == 0 && !b->ended && !b->cancel_ns)
				b->cancel_ns = fp_now_ns();
			cJSON *j = openai_batch_json(b, fp_now_ns()); /* cancelling, first */
			if (strcmp(route, "openai.batches.get") == 0) {
				cJSON_Delete(j);
				tick(b);
				j = openai_batch_json(b, fp_now_ns());
			}
			fp_reply_json(r, 200, j);
		}
	} else if (strcmp(route, "anthropic.batches.create") == 0) {
		cJSON *j = cJSON_ParseWithLength(body, len);
		cJSON *in = cJSON_GetObjectItem(j, "requests");
		int n = cJSON_GetArraySize(in);
		why[0] = 0;
		if (!cJSON_IsArray(in) || n < 1)
			snprintf(why, sizeof why, "requests: Field required (1 or more)");
		cJSON *reqs = cJSON_CreateArray(), *x;
		int i = 0;
		cJSON_ArrayForEach(x, in) {
			const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(x, "custom_id"));
			cJSON *params = cJSON_GetObjectItem(x, "params");
			const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(params, "model"));
			if (!why[0] && (!custom_id_ok(cid) || !model ||
					!cJSON_IsNumber(cJSON_GetObjectItem(params, "max_tokens"))))
				snprintf(why, sizeof why, "requests.%d: custom_id must match "
					 "^[a-zA-Z0-9_-]{1,64}$ and params need model and max_tokens",
					 i);
			cJSON *rq = cJSON_CreateObject();
			cJSON_AddStringToObject(rq, "custom_id", cid ? cid : "");
			cJSON_AddStringToObject(rq, "model", model ? model : "");
			cJSON_AddItemToObject(rq, "body", cJSON_Duplicate(params, 1));
			cJSON_AddItemToArray(reqs, rq);
			i++;
		}
		if (why[0]) {
			cJSON_Delete(reqs);
			reply_error(r, provider, 400, why);
		} else {
			struct fbatch *b = batch_new(true, reqs);
			fp_reply_json(r, 200, anthropic_batch_json(b, host));
			delay_ms = opt_int(b->opts, "create_delay_ms", 0);
		}
		cJSON_Delete(j);
	} else {
		path_id(path, "/v1/messages/batches/", id, sizeof id);
		struct fbatch *b = batch_find(id, true);
		if (!b) {
			reply_error(r, provider, 404, "message batch not found");
		} else if (strcmp(route, "anthropic.batches.cancel") == 0) {
			if (!b->ended && !b->cancel_ns)
				b->cancel_ns = fp_now_ns();
			fp_reply_json(r, 200, anthropic_batch_json(b, host));
		} else if (strcmp(route, "anthropic.batches.get") == 0) {
			tick(b);
			fp_reply_json(r, 200, anthropic_batch_json(b, host));
		} else if (!b->ended) {
			reply_error(r, provider, 400, "the batch has not ended: no results yet");
		} else {
			r->status = 200;
			r->content_type = "application/binary";
			r->body = sl_xstrndup(b->results, b->results_len);
			r->body_len = b->results_len;
		}
	}
	pthread_mutex_unlock(&g_blk);
	*delay_out = delay_ms;
}
