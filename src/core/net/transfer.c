/* Plain HTTP transfers on the engine's multi handle (transfer.h). The engine hands every
 * finished easy handle to sl_xfer_finished() first; done callbacks run from
 * sl_xfer_dispatch() at the end of sl_engine_perform(), like the model calls' on_done. */
#include "shortlist/transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "net_internal.h"
#include "shortlist/providers_config.h"
#include "shortlist/tls.h"

#define MAX_COLLECT (4u << 20)

struct xfer {
	uint64_t id;
	CURL *easy;
	struct curl_slist *hdrs;
	curl_mime *mime;
	FILE *fp;
	char *url, *body;
	void (*on_data)(void *ud, const char *data, size_t len);
	sl_xfer_done_fn done;
	void *ud;
	struct sl_buf resp, headers;
	long status;
	bool finished, cancel, too_big;
	CURLcode code;
	int64_t t0_ns;
	char errbuf[CURL_ERROR_SIZE];
	struct xfer *next;
};

static uint64_t g_next_id;

static struct xfer *find(struct sl_engine *eng, uint64_t id)
{
	for (struct xfer *x = *sl_engine_xfer_list(eng); x; x = x->next)
		if (x->id == id)
			return x;
	return NULL;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		sl_buf_reset(&x->headers); /* a new response (after 100 Continue) */
	if (x->headers.len < 65536)
		sl_buf_append(&x->headers, data, len);
	return len;
}

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (x->cancel)
		return 0;
	if (!x->status)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->on_data && x->status >= 200 && x->status < 300) {
		x->on_data(x->ud, data, len);
		return x->cancel ? 0 : len;
	}
	if (x->resp.len + len > MAX_COLLECT) {
		x->too_big = true;
		return 0;
	}
	sl_buf_append(&x->resp, data, len);
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t got = fread(buf, 1, size * n, x->fp);
	if (got == 0 && ferror(x->fp))
		return CURL_READFUNC_ABORT;
	return got;
}

static void xfer_free(struct xfer *x)
{
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	curl_mime_free(x->mime);
	if (x->fp)
		fclose(x->fp);
	free(x->url);
	free(x->body);
	sl_buf_free(&x->resp);
	sl_buf_free(&x->headers);
	free(x);
}

static int setup_body(struct xfer *x, const struct sl_xfer *in, struct sl_error *err)
{
	CURL *c = x->easy;
	if (in->form_file) {
		x->mime = curl_mime_init(c);
		for (size_t i = 0; i < in->n_form_fields; i++) {
			curl_mimepart *p = curl_mime_addpart(x->mime);
			curl_mime_name(p, in->form_fields[2 * i]);
			curl_mime_data(p, in->form_fields[2 * i + 1], CURL_ZERO_TERMINATED);
		}
		curl_mimepart *p = curl_mime_addpart(x->mime);
		curl_mime_name(p, in->form_file);
		/* libcurl reads the file as it sends it: the upload is never in memory */
		if (curl_mime_filedata(p, in->body_file) != CURLE_OK) {
			sl_error_set(err, "cannot read %s", in->body_file);
			return -1;
		}
		curl_mime_filename(p, in->form_filename ? in->form_filename : "input.jsonl");
		curl_mime_type(p, "application/jsonl");
		curl_easy_setopt(c, CURLOPT_MIMEPOST, x->mime);
		return 0;
	}
	bool put = strcmp(in->method, "PUT") == 0;
	if (in->body_file) {
		struct stat st;
		x->fp = fopen(in->body_file, "rb");
		if (!x->fp || fstat(fileno(x->fp), &st) != 0) {
			sl_error_set(err, "cannot read %s", in->body_file);
			return -1;
		}
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		if (put) {
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
		} else {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size);
		}
		return 0;
	}
	if (in->body || strcmp(in->method, "POST") == 0) {
		x->body = sl_xstrndup(in->body ? in->body : "", in->body ? in->body_len : 0);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(in->body ? in->body_len : 0));
	}
	return 0;
}

uint64_t sl_engine_xfer(struct sl_engine *eng, const struct sl_xfer *in, sl_xfer_done_fn done,
			void *ud, struct sl_error *err)
{
	if (!sl_url_scheme_allowed(in->url)) {
		sl_error_set(err, "refusing %s: plain http is only allowed to loopback or LAN hosts "
			     "(use https)", in->url);
		return 0;
	}
	struct xfer *x = sl_xcalloc(1, sizeof *x);
	sl_buf_init(&x->resp);
	sl_buf_init(&x->headers);
	x->id = ++g_next_id;
	x->url = sl_xstrdup(in->url);
	x->on_data = in->on_data;
	x->done = done;
	x->ud = ud;
	CURL *c = x->easy = curl_easy_init();
	for (size_t i = 0; i < in->n_headers; i++)
		x->hdrs = curl_slist_append(x->hdrs, in->headers[i]);
	x->hdrs = curl_slist_append(x->hdrs, "Expect:"); /* no 100-continue round trip */
	if (setup_body(x, in, err) != 0) {
		xfer_free(x);
		return 0;
	}
	if (strcmp(in->method, "GET") != 0 && strcmp(in->method, "POST") != 0 &&
	    strcmp(in->method, "PUT") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, in->method);
	curl_easy_setopt(c, CURLOPT_URL, x->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	sl_tls_setup(c);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "shortlist/" "0.1");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, in->connect_ms > 0 ? in->connect_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
			 (in->stall_ms > 0 ? in->stall_ms : 120000L) / 1000 + 1);
	if (in->total_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, in->total_ms);
	curl_easy_setopt(c, CURLOPT_PRIVATE, NULL);
	x->t0_ns = sl_now_ns();
	if (curl_multi_add_handle(sl_engine_multi(eng), c) != CURLM_OK) {
		sl_error_set(err, "could not start the transfer to %s (libcurl refused it)", in->url);
		xfer_free(x);
		return 0;
	}
	struct xfer **list = sl_engine_xfer_list(eng);
	x->next = *list;
	*list = x;
	return x->id;
}

bool sl_engine_xfer_cancel(struct sl_engine *eng, uint64_t id)
{
	struct xfer *x = find(eng, id);
	if (!x || x->finished)
		return false;
	x->cancel = true;
	return true;
}

size_t sl_engine_xfers(const struct sl_engine *eng)
{
	size_t n = 0;
	for (struct xfer *x = *sl_engine_xfer_list((struct sl_engine *)eng); x; x = x->next)
		n++;
	return n;
}

bool sl_xfer_finished(struct sl_engine *eng, CURL *easy, CURLcode code)
{
	for (struct xfer *x = *sl_engine_xfer_list(eng); x; x = x->next)
		if (x->easy == easy) {
			x->finished = true;
			x->code = code;
			return true;
		}
	return false;
}

bool sl_xfer_ready(struct sl_engine *eng)
{
	for (struct xfer *x = *sl_engine_xfer_list(eng); x; x = x->next)
		if (x->finished || x->cancel)
			return true;
	return false;
}

static void report(struct sl_engine *eng, struct xfer *x)
{
	curl_multi_remove_handle(sl_engine_multi(eng), x->easy);
	if (!x->status)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	struct sl_xfer_result r = {
		.id = x->id,
		.status = SL_OK,
		.http_status = x->status,
		.body = x->resp.data ? x->resp.data : "",
		.body_len = x->resp.len,
		.headers = x->headers.data ? x->headers.data : "",
		.ms = (double)(sl_now_ns() - x->t0_ns) / 1e6,
	};
	char *msg = NULL;
	if (x->cancel) {
		r.status = SL_ERR_CANCELLED;
		r.aborted = x->finished;
		r.error = "cancelled";
	} else if (x->too_big) {
		r.status = SL_ERR_PROTOCOL;
		r.error = msg = sl_xasprintf("%s: answer larger than %u MiB", x->url,
					     MAX_COLLECT >> 20);
	} else if (x->code != CURLE_OK) {
		r.status = x->code == CURLE_OPERATION_TIMEDOUT ? SL_ERR_TIMEOUT : SL_ERR_NETWORK;
		r.error = msg = sl_xasprintf("%s: %s", x->url,
					     x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->code));
	}
	if (x->done)
		x->done(x->ud, &r);
	free(msg);
}

void sl_xfer_dispatch(struct sl_engine *eng)
{
	/* unlink the ready ones first: a callback may start new transfers */
	struct xfer **list = sl_engine_xfer_list(eng), *ready = NULL;
	for (struct xfer **pp = list; *pp;) {
		struct xfer *x = *pp;
		if (x->finished || x->cancel) {
			*pp = x->next;
			x->next = ready;
			ready = x;
		} else {
			pp = &x->next;
		}
	}
	while (ready) {
		struct xfer *x = ready;
		ready = x->next;
		report(eng, x);
		xfer_free(x);
	}
}

void sl_xfer_free_all(struct sl_engine *eng)
{
	struct xfer **list = sl_engine_xfer_list(eng);
	while (*list) {
		struct xfer *x = *list;
		*list = x->next;
		curl_multi_remove_handle(sl_engine_multi(eng), x->easy);
		xfer_free(x);
	}
}
