/* Download a catalogue and import it. The whole body is held in memory and imported only
 * after the transfer completed with a 2xx status and the announced length: a failed, cut or
 * timed-out download never reaches the store. A one-shot blocking transfer is fine here: it
 * runs from the `catalog update` command, not inside the TUI's event loop. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "catalog_internal.h"
#include "shortlist/tls.h"

struct fetch {
	struct sl_buf body;
	void (*progress_cb)(void *ud, int64_t now, int64_t total);
	void *ud;
	size_t limit;
	bool too_big;
};

/* A catalogue is a few MB; refuse to buffer something absurd. */
#define FETCH_MAX_BYTES ((size_t)256 * 1024 * 1024)

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct fetch *f = ud;
	size_t n = size * nmemb;
	if (f->body.len + n > f->limit) {
		f->too_big = true;
		return 0;
	}
	sl_buf_append(&f->body, ptr, n);
	return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct fetch *f = ud;
	(void)ultotal;
	(void)ulnow;
	if (f->progress_cb)
		f->progress_cb(f->ud, (int64_t)dlnow, (int64_t)dltotal);
	return 0;
}

int sl_catalog_update_url(struct sl_store *store, const char *url, long timeout_s,
			  void (*progress_cb)(void *ud, int64_t now, int64_t total), void *ud,
			  struct sl_error *err)
{
	if (!url || !*url)
		url = SL_CATALOG_DEFAULT_URL;
	if (timeout_s <= 0)
		timeout_s = 60;
	static bool global_done;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = true;
	}
	CURL *h = curl_easy_init();
	if (!h) {
		sl_error_set(err, "cannot start a download of %s (libcurl failed to initialise)", url);
		return -1;
	}
	struct fetch f = { .progress_cb = progress_cb, .ud = ud, .limit = FETCH_MAX_BYTES };
	sl_buf_init(&f.body);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &f);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	sl_tls_setup(h);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout_s < 15 ? timeout_s : 15L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "shortlist (catalog update)");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* A server must not redirect us into reading local files. */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif

	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);

	int ret = -1;
	if (f.too_big) {
		sl_error_set(err, "download of %s stopped: larger than %zu MB, not a catalogue; the "
			     "catalogue was not changed", url, FETCH_MAX_BYTES >> 20);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		sl_error_set(err, "download of %s timed out after %ld s (%zu bytes received); the "
			     "catalogue was not changed (try --timeout)", url, timeout_s, f.body.len);
	} else if (rc != CURLE_OK) {
		sl_error_set(err, "download of %s failed: %s; the catalogue was not changed", url,
			     errbuf[0] ? errbuf : curl_easy_strerror(rc));
	} else if (strncmp(url, "file:", 5) != 0 && (status < 200 || status > 299)) {
		sl_error_set(err, "download of %s failed: HTTP status %ld; the catalogue was not "
			     "changed", url, status);
	} else {
		/* curl itself fails a body shorter than its Content-Length (CURLE_PARTIAL_FILE),
		 * and the importer rejects JSON that ends early. */
		ret = sl_catalog_import_buffer(store, f.body.data ? f.body.data : "", f.body.len,
					       url, err);
	}
	if (ret != 0 && err)
		err->code = SL_EXIT_USAGE;
	sl_buf_free(&f.body);
	return ret;
}
