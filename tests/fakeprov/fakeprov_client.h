/* Start and drive tests/fakeprov from a test: a child process on a free 127.0.0.1 port,
 * killed when the test ends (or dies). */
#ifndef FAKEPROV_CLIENT_H
#define FAKEPROV_CLIENT_H

#include <sys/types.h>

#include <cjson/cJSON.h>

struct fakeprov {
	pid_t pid;
	int port;
	char base[64]; /* http://127.0.0.1:PORT */
};

/* Start with an optional script (JSON text; NULL for the defaults). Exits the test with a
 * message if the server cannot start within 5 s. */
struct fakeprov *fakeprov_start(const char *script_json);
void fakeprov_stop(struct fakeprov *fp);
/* Replace the script at runtime (resets each model's sequence position). 0 on success. */
int fakeprov_set_script(struct fakeprov *fp, const char *script_json);
/* Zero the request counters. */
int fakeprov_reset(struct fakeprov *fp);
/* GET /_fake/stats or /_fake/last; caller cJSON_Delete()s. NULL on failure. */
cJSON *fakeprov_stats(struct fakeprov *fp);
cJSON *fakeprov_last(struct fakeprov *fp);
/* Requests seen on a route ("openai.chat", "bedrock.converse_stream", ...) since the last
 * reset; -1 if the stats could not be read. */
long fakeprov_route_count(struct fakeprov *fp, const char *route);

/* GET /_fake/log: when the server handed each piece of each response to the network. */
cJSON *fakeprov_log(struct fakeprov *fp);
/* From the log, the latest request to `path` (as sent: "/v1/chat/completions",
 * "/llamacpp/v1/chat/completions", "/model/ID/converse-stream"; NULL = the latest of any):
 * milliseconds after the server had the whole request. A client's TTFT and E2E for the same
 * request can only be longer than first_ms and last_ms: compare against these, never
 * against an absolute window. For a non-streamed reply, first = last = the reply. */
struct fakeprov_times {
	double first_ms, last_ms;         /* first and last content chunk handed to the network */
	double due_first_ms, due_last_ms; /* when the script allowed them */
	int n_content, n_sent;            /* content chunks scheduled, and handed so far */
	int writes;                       /* times the body was handed to the network */
};
/* 0 if found (times NAN where nothing was handed), -1 if not. */
int fakeprov_times(struct fakeprov *fp, const char *path, struct fakeprov_times *out);

/* A plain blocking HTTP call for tests that do not go through the engine: method, path
 * (appended to base), extra headers (NULL-terminated "Name: value" list), body. Returns the
 * HTTP status (or -1 on a transport error, with *curl_code set) and the body in *out. */
struct fakeprov_http {
	long status;
	int curl_code;
	char *body;
	size_t body_len;
	char *headers; /* raw response header block */
};
int fakeprov_http(struct fakeprov *fp, const char *method, const char *path,
		  const char *const *headers, const char *body, struct fakeprov_http *out);
void fakeprov_http_free(struct fakeprov_http *h);

#endif
