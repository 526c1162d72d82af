/* The provider protocols: what differs between model APIs, and nothing else. The engine
 * owns HTTP, queueing, retries, timing and callbacks; the configuration owns files and the
 * environment; ping owns its fetches. A protocol module (one file per protocol in
 * src/core/net/) holds one `const struct sl_provider_ops` entry with everything the
 * protocol decides: its defaults, key and URL rules, headers, request building, response
 * and stream parsing, error classification, streaming quirks, embeddings and ping.
 * The table of protocols and how to add one: src/core/net/provider.c. */
#ifndef SHORTLIST_PROVIDER_H
#define SHORTLIST_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/engine.h"
#include "shortlist/providers_config.h"
#include "shortlist/util.h"

/* What a provider sees of one request. */
struct sl_call {
	const struct sl_provider_conf *conf;
	const char *model_id;
	enum sl_request_kind kind;
	const struct sl_message *messages;
	size_t n_messages;
	const char *const *inputs;
	size_t n_inputs;
	const struct sl_params *params;
	bool stream;
	const char *api_key; /* from the environment, or NULL */
	const char *base_url; /* resolved endpoint (conf->base_url, or Bedrock's regional one) */
	const char *region;   /* Bedrock */
	unsigned quirks;      /* the protocol's own bits: what this server was found to want */
};

/* The HTTP request a provider builds. */
struct sl_http_request {
	char *url;
	char *body;          /* JSON */
	char **headers;      /* "Name: value" lines (keys included: never log these) */
	size_t n_headers;
	bool sign;           /* sign with the protocol's sign() before each try */
};

void sl_http_request_add_header(struct sl_http_request *r, const char *fmt, ...) SL_PRINTF(2, 3);
void sl_http_request_free(struct sl_http_request *r);

/* Parsed response state, filled through the sl_stream_* functions below so that the
 * engine's clocks see every content arrival. now_ns is the monotonic time the bytes being
 * parsed arrived (set by the engine in its write callback, before parsing). */
struct sl_stream {
	int64_t now_ns;
	int64_t t0_ns;            /* request handed to the network */
	int64_t first_content_ns; /* 0 until the first content/reasoning/tool chunk */
	int64_t last_content_ns;
	double *gaps_ms;
	size_t n_gaps, cap_gaps;

	struct sl_buf text, reasoning;
	char *model, *finish_reason;
	int64_t tokens_in, tokens_out, tokens_cached, tokens_reasoning; /* -1 = not given */
	int64_t tokens_cache_write; /* input tokens written to the prompt cache, -1 = not given */
	double server_ms;

	struct sl_token_logprob *logprobs;
	size_t n_logprobs, cap_logprobs;
	float **embeddings;
	size_t n_embeddings, dim;

	bool done;                /* the protocol's end marker was seen ([DONE], message_stop) */
	bool failed;              /* an error event or a parse failure: stop feeding */
	enum sl_status fail_status; /* SL_ERR_PROVIDER (error event), SL_ERR_PROTOCOL (bad
				       data) or SL_ERR_NETWORK (ended before its end marker) */
	char *error, *error_type;
	bool error_transient;     /* the protocol's error events are worth another try */

	void *proto;              /* the provider's own incremental state */
	void (*proto_free)(void *proto);

	sl_delta_fn on_delta;     /* called for each content/reasoning piece; may be NULL */
	void *user_data;
	uint64_t id;
};

void sl_stream_init(struct sl_stream *s);
void sl_stream_free(struct sl_stream *s);
/* Content arrived: text (may be empty for a tool-call delta, which still counts as the
 * first token). */
void sl_stream_content(struct sl_stream *s, const char *text, size_t len, bool reasoning);
void sl_stream_tool_delta(struct sl_stream *s);
/* Usage counts; pass -1 to leave a field as it is. Cumulative reports simply overwrite. */
/* Input tokens written to the prompt cache (Anthropic, Bedrock), part of the input. */
void sl_stream_cache_write(struct sl_stream *s, int64_t tokens);
void sl_stream_usage(struct sl_stream *s, int64_t in, int64_t out, int64_t cached,
		     int64_t reasoning);
void sl_stream_set_model(struct sl_stream *s, const char *model);
void sl_stream_set_finish(struct sl_stream *s, const char *reason);
/* An error reported inside the response (mid-stream error event). */
void sl_stream_fail(struct sl_stream *s, enum sl_status st, const char *type,
		    const char *fmt, ...) SL_PRINTF(4, 5);
/* Takes ownership of token and top (n_top entries). */
void sl_stream_add_logprob(struct sl_stream *s, char *token, double logprob,
			   struct sl_top_logprob *top, size_t n_top);
/* Copies the vector; every vector of a result must have the same dim. */
void sl_stream_add_embedding(struct sl_stream *s, const float *v, size_t dim);

/* Move the parsed answer into r and compute the measurements (see engine.h):
 * TTFT/E2E from the content clocks, tokens from usage else estimated (flagged),
 * TPOT = (E2E - TTFT) / (N - 1), speed = N / (E2E - TTFT). For a non-streamed body the
 * content clocks are the body's arrival (end_ns), and TTFT, TPOT and speed are NAN. */
void sl_stream_to_result(struct sl_stream *s, bool streamed, int64_t end_ns,
			 struct sl_result *r);
/* Free the fields of a result (not r itself). */
void sl_result_clear(struct sl_result *r);

/* An HTTP error, as the provider explains it. */
struct sl_provider_error {
	char *message;   /* the provider's message (or the body, shortened) */
	char *type;      /* "insufficient_quota", "ThrottlingException", ... or NULL */
	int retry;       /* 1 retry, 0 never (even if the status says so), -1 by status */
};

struct sl_ping_result;

/* What a ping fetch got back, for the protocol to read (ping_explain). */
struct sl_ping_answer {
	bool reached;          /* an HTTP answer came back */
	bool refused;          /* the connection was refused */
	long status;
	const char *message;   /* the provider's error message, for non-2xx answers */
};

struct sl_provider_ops {
	const char *name;      /* the "kind" in providers.json */

	/* --- configuration (providers_config.c) --- */
	/* Its built-in provider, named like the protocol: the endpoint, the variable holding
	 * the key and the SDK's variable that moves the endpoint (each NULL: none). */
	const char *base_url, *key_env, *url_env;
	int default_concurrency;  /* requests in flight at once unless configured */
	bool base_url_optional;   /* the endpoint comes from elsewhere (Bedrock: the region) */
	bool key_optional;        /* a key is used when its variable is set, never required */
	/* A built-in provider of this protocol reads its SDK's environment (OLLAMA_HOST,
	 * AWS_REGION); may be NULL. */
	void (*conf_from_env)(struct sl_provider_conf *c);

	/* --- requests (engine.c) --- */
	const char *stream_accept; /* Accept header of a streamed call; NULL: application/json */
	/* Once per provider before its first request (credentials, endpoint); *state is the
	 * provider's, freed with state_free. May be NULL. */
	int (*prepare)(const struct sl_provider_conf *conf, void **state, struct sl_call *call,
		       struct sl_error *err);
	void (*state_free)(void *state);
	/* Sign a built request (http->sign set) before each try: headers go into extra. */
	int (*sign)(void *state, const struct sl_provider_conf *conf,
		    const struct sl_http_request *http, int64_t wall_ms,
		    struct sl_http_request *extra, struct sl_error *err);
	/* Quirks a server of this protocol is known to want from the start (may be NULL). */
	unsigned (*quirks_for)(const struct sl_provider_conf *conf);
	/* An error answer that says how to ask instead: the quirk bits to add (the request is
	 * sent again, not counted as a try, and the provider remembers), or 0. May be NULL. */
	unsigned (*quirks_from_error)(const struct sl_call *call, long status, const char *body);

	/* The most texts one embeddings request of model_id takes (the API's limit); NULL:
	 * the protocol has no embeddings. */
	size_t (*embed_batch)(const char *model_id);
	/* Build the request for a call; -1 with err set if the call cannot be made. */
	int (*build)(const struct sl_call *call, struct sl_http_request *out,
		     struct sl_error *err);
	/* Prepare s->proto for a streamed body. */
	void (*stream_begin)(struct sl_stream *s, const struct sl_call *call);
	/* Feed a piece of a streamed 2xx body; sets s->failed on error events or bad data. */
	void (*stream_feed)(struct sl_stream *s, const char *data, size_t len);
	/* The body ended: flag a stream that stopped before its end marker. */
	void (*stream_end)(struct sl_stream *s);
	/* Parse a whole non-streamed 2xx body. */
	void (*parse_body)(struct sl_stream *s, const struct sl_call *call, const char *body,
			   size_t len);
	/* Explain an HTTP error body. headers: the raw response header lines. */
	void (*classify_error)(long status, const char *headers, size_t headers_len,
			       const char *body, size_t len, struct sl_provider_error *out);

	/* --- ping (probe.c) --- */
	/* The cheapest request that proves the endpoint and the credentials (body NULL: GET).
	 * Returns 0, or a ping state (SL_PING_NO_KEY, SL_PING_FAILED) with err set. */
	int (*ping_build)(const struct sl_provider_conf *c, const char *key, void **state,
			  struct sl_http_request *out, struct sl_error *err);
	const char *ping_list_key; /* the array of models in a 2xx answer ("data") */
	const char *ping_404_hint; /* added to "is base_url right?" */
	/* Read the answer where the protocol knows better than the common rules: set r->state
	 * and r->message and return true, or return false. May be NULL. */
	bool (*ping_explain)(const struct sl_provider_conf *c, const struct sl_ping_answer *a,
			     struct sl_ping_result *r);
};

/* THE PROTOCOL TABLE: one line per protocol, X(name) for the entry `sl_name_ops` defined
 * in src/core/net/name.c; "name" is its kind in providers.json. Adding a protocol is
 * writing that file (list it in src/core/net/meson.build) and adding its line here:
 *     X(gemini)                 -> gemini.c: const struct sl_provider_ops sl_gemini_ops
 * Nothing else in the engine, the configuration or ping names a protocol. */
#define SL_PROTOCOLS(X)                                                                    \
	X(openai)    /* OpenAI Chat Completions and every compatible server */             \
	X(anthropic) /* Anthropic Messages */                                              \
	X(bedrock)   /* AWS Bedrock Runtime Converse / ConverseStream */                   \
	X(ollama)    /* Ollama native /api/chat */

#define SL_PROTOCOL_DECLARE(name) extern const struct sl_provider_ops sl_##name##_ops;
SL_PROTOCOLS(SL_PROTOCOL_DECLARE)

/* OpenAI's streamed chunks are read by jscan (jscan.h) when they are in its subset, by
 * cJSON otherwise. Tests and tests/fuzz/fuzz_provider_openai turn it off to compare. */
extern bool sl_openai_scan_chunks;

/* The protocol named name ("openai"), or NULL. */
const struct sl_provider_ops *sl_protocol_find(const char *name);
/* The i-th protocol of the table, NULL past its end. */
const struct sl_provider_ops *sl_protocol_at(size_t i);
/* "openai, anthropic, bedrock, ollama": every protocol's name, for messages. */
void sl_protocol_names(struct sl_buf *out);

/* Incremental Server-Sent Events parser (WHATWG rules): fields split at the first ':',
 * one optional space stripped, CR, LF or CRLF line ends (even across feeds), ':' comments,
 * multi-line data joined by '\n', dispatch on a blank line, nothing dispatched when data
 * is empty. */
typedef void (*sl_sse_event_fn)(void *user_data, const char *event, const char *data,
				size_t data_len);
struct sl_sse {
	struct sl_buf line;
	struct sl_buf event;
	struct sl_buf data;
	bool have_data;
	bool last_was_cr;
	bool bom_checked;
};
void sl_sse_init(struct sl_sse *p);
void sl_sse_free(struct sl_sse *p);
void sl_sse_feed(struct sl_sse *p, const char *data, size_t len, sl_sse_event_fn fn,
		 void *user_data);

/* Incremental line splitter for NDJSON (LF or CRLF; empty lines skipped). */
typedef void (*sl_line_fn)(void *user_data, const char *line, size_t len);
void sl_lines_feed(struct sl_buf *pending, const char *data, size_t len, sl_line_fn fn,
		   void *user_data);
/* Deliver a final line without a newline, if any. */
void sl_lines_end(struct sl_buf *pending, sl_line_fn fn, void *user_data);

/* Estimate tokens of text when the API reports none (~4 bytes a token, at least 1 for
 * non-empty text). */
int64_t sl_estimate_tokens(const char *text, size_t len);

#endif
