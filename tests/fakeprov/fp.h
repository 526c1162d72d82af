/* fakeprov internals shared by the server (fakeprov.c) and the protocol renderers
 * (protocols.c). See README.md in this directory for the scripting interface. */
#ifndef FAKEPROV_FP_H
#define FAKEPROV_FP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "shortlist/util.h"

enum fp_fault {
	FP_FAULT_NONE,
	FP_FAULT_STATUS,     /* an HTTP error in the provider's shape (429, 5xx, 529, ...) */
	FP_FAULT_RESET,      /* TCP reset after `after_chunks` content chunks */
	FP_FAULT_STALL,      /* pause `stall_ms` after `after_chunks` chunks, then go on */
	FP_FAULT_TRUNCATE,   /* clean end of the HTTP body without the protocol's terminator */
	FP_FAULT_MALFORMED,  /* chunk `after_chunks` (or the whole body) is broken JSON */
	FP_FAULT_BAD_CRC,    /* Bedrock: frame `after_chunks` has a wrong message CRC */
	FP_FAULT_ERROR_EVENT, /* a mid-stream error in the provider's shape */
	FP_FAULT_TRICKLE,    /* the whole response trickles out in tiny pieces */
};

/* What one request should do: defaults, overlaid by the script's "default", the model's
 * entry and the model's sequence entry for this request. */
struct fp_behaviour {
	char *text;
	char *reasoning;  /* reasoning/thinking text streamed before the text, or NULL */
	int tokens;       /* output tokens reported in usage; <=0: same as chunks */
	int chunks;       /* content chunks; <=0: one per word of text (or per token) */
	int input_tokens; /* <=0: estimated from the request (bytes of message text / 4) */
	int cached_tokens;
	int cache_write_tokens; /* Anthropic/Bedrock: input tokens written to the prompt cache */
	int reasoning_tokens;
	double ttft_ms;   /* request received -> first content chunk */
	double token_ms;  /* between content chunks */
	double latency_ms; /* non-streaming: request received -> response; <0: ttft+chunks*token */
	enum fp_fault fault;
	int status;
	char *retry_after;    /* Retry-After header value, verbatim */
	char *retry_after_ms; /* retry-after-ms header value, verbatim */
	char *error_type;     /* override the provider's error type/code/exception name */
	char *message;        /* override the error message */
	int after_chunks;
	double stall_ms;
	double trickle_ms;
	int trickle_bytes;
	bool exists;          /* false: the provider's "model not found" error */
	char *finish_reason;  /* OpenAI-style; mapped per provider */
	char *variant;        /* "openai" (default) or "llamacpp" for /v1/chat/completions */
	int dims;             /* embedding dimensions */
	cJSON *headers;       /* extra response headers (owned) */
	cJSON *logprobs;      /* OpenAI choices[0].logprobs.content when asked for (owned) */
};

void fp_behaviour_free(struct fp_behaviour *b);

/* One scheduled piece of a response body. */
enum fp_ev_kind { FP_EV_DATA, FP_EV_RESET, FP_EV_END };

struct fp_event {
	enum fp_ev_kind kind;
	char *data;
	size_t len;
	int64_t at_ns;    /* CLOCK_MONOTONIC time before which it must not be sent */
	int content;      /* index of the content chunk it carries, or -1 */
};

struct fp_stream {
	struct fp_event *ev;
	size_t n, cap;
};

void fp_stream_add(struct fp_stream *s, int64_t at_ns, int content, const void *data,
		   size_t len);
void fp_stream_add_str(struct fp_stream *s, int64_t at_ns, int content, const char *str);
void fp_stream_free(struct fp_stream *s);

/* The request as the renderers see it. */
struct fp_request {
	const char *route;    /* "openai.chat", "anthropic.messages", ... */
	const char *model;
	cJSON *body;          /* parsed JSON body (may be NULL for GET) */
	bool stream;
	bool include_usage;   /* OpenAI stream_options.include_usage */
	int64_t t0_ns;        /* when the whole request had arrived */
	uint64_t seq;         /* global request number, for deterministic ids */
	int input_tokens;     /* resolved */
	/* The reasoning (pieces[0..n_reasoning)) and then the text split into chunks. */
	char **pieces;
	int n_pieces;
	int n_reasoning;
	int out_tokens;
};

/* A complete (non-streaming) response or an error. */
struct fp_reply {
	int status;
	const char *content_type;
	char *body;
	size_t body_len;
	/* extra headers, "Name: value" pairs */
	char *hdr_name[8];
	char *hdr_value[8];
	int n_hdr;
};

void fp_reply_header(struct fp_reply *r, const char *name, const char *value);
void fp_reply_json(struct fp_reply *r, int status, cJSON *json); /* takes json */
void fp_reply_free(struct fp_reply *r);

/* protocols.c: errors in each provider's real shape. `provider` is "openai", "llamacpp",
 * "anthropic", "bedrock" or "ollama". */
void fp_error_reply(struct fp_reply *r, const char *provider, int status, const char *type,
		    const char *message);
/* Status fault: fill r from the behaviour (status, retry headers, shape). */
void fp_fault_reply(struct fp_reply *r, const char *provider, const struct fp_behaviour *b,
		    const char *model);

/* Non-streaming bodies. */
void fp_openai_chat(struct fp_reply *r, const struct fp_request *q, const struct fp_behaviour *b,
		    bool llamacpp);
void fp_anthropic_message(struct fp_reply *r, const struct fp_request *q,
			  const struct fp_behaviour *b);
void fp_bedrock_converse(struct fp_reply *r, const struct fp_request *q,
			 const struct fp_behaviour *b);
void fp_ollama_chat(struct fp_reply *r, const struct fp_request *q, const struct fp_behaviour *b);

/* Streaming schedules (content chunk i at t0 + ttft + i * token_ms). The fault kinds that
 * change the bytes (malformed, bad_crc, error_event) are rendered here; reset, truncate,
 * stall and trickle are applied to the schedule by the server. */
void fp_openai_stream(struct fp_stream *s, const struct fp_request *q,
		      const struct fp_behaviour *b, bool llamacpp);
void fp_anthropic_stream(struct fp_stream *s, const struct fp_request *q,
			 const struct fp_behaviour *b);
void fp_bedrock_stream(struct fp_stream *s, const struct fp_request *q,
		       const struct fp_behaviour *b);
void fp_ollama_stream(struct fp_stream *s, const struct fp_request *q,
		      const struct fp_behaviour *b);

/* Deterministic embeddings: hashed character trigrams, L2-normalised, so similar texts get
 * similar vectors (cosine similarity means something in tests). */
void fp_embed(const char *text, int dims, double *out);

/* fakeprov.c: the answer to one chat request body as an interactive non-streamed call of
 * provider ("openai", "anthropic") would get it, after the model's script (sequence, faults:
 * a status fault is an error reply). seq numbers its ids. */
void fp_answer(const char *provider, const char *model, const cJSON *body, uint64_t seq,
	       struct fp_reply *out);
/* A copy of a top-level section of the current script, or NULL. */
cJSON *fp_script_section(const char *key);

/* batches.c: the batch APIs (OpenAI files + batches, Anthropic message batches). */
int fp_batch_check_script(const cJSON *batch, char *err, size_t errsz);
/* The route name of a batch API request ("openai.batches.create"), or NULL. */
const char *fp_batch_route(const char *method, const char *path);
/* *delay_ms: how long the server holds the reply (create_delay_ms: the batch exists
 * meanwhile, as when an answer is lost). */
void fp_batch_request(const char *route, const char *path, const char *query,
		      const char *content_type, const char *host, const char *body, size_t len,
		      struct fp_reply *r, int *delay_ms);
/* aws_batch.c: S3 objects on path-style buckets (PUT/GET /s3/BUCKET/KEY) and Bedrock's batch
 * jobs (POST /model-invocation-job, GET /model-invocation-job/ID, POST .../ID/stop).
 * fp_aws_route: the route name of method + url and the SigV4 service it must be signed for
 * ("s3" or "bedrock"), or NULL when it is not one of them. fp_aws_handle answers it; section
 * is the script's "bedrock_batch" object (or NULL). */
const char *fp_aws_route(const char *method, const char *url, const char **service);
/* query: the request's arguments ("a=b&c=d"); *delay_ms: how long to hold the reply
 * (create_delay_ms: the job exists meanwhile, as when an answer is lost). */
void fp_aws_handle(const char *route, const char *method, const char *url, const char *query,
		   int *delay_ms,
		   const struct sl_buf *body, const cJSON *section, struct fp_reply *r);
int fp_aws_check_script(const cJSON *section, char *err, size_t errsz);
/* A refused signature on route, in its service's shape (S3: XML, echoing canonical). */
void fp_aws_auth_error(struct fp_reply *r, const char *route, const char *type,
		       const char *msg, const char *canonical);

/* fakeprov.c: the Converse answer an interactive call to model with this request body would
 * get (the model's script behaviour, advancing its sequence): *answer, or for a `fault:
 * status` behaviour *err_status and *err_message (caller frees). */
void fp_converse_answer(const char *model, const cJSON *body, cJSON **answer, int *err_status,
			char **err_message);

/* Ticks for timing fields (ns since request start). */
int64_t fp_now_ns(void);

#endif
