/* The provider engine: many model API calls at once on ONE thread, driven by the caller's
 * event loop (libcurl multi underneath), with client-side measurements of every call.
 *
 * Life of a request: sl_engine_submit() copies the request and returns its id; the engine
 * queues it behind the provider's limits (concurrency, requests/min, tokens/min), sends it,
 * retries what is worth retrying, calls on_delta() for each piece of streamed text, and
 * calls on_done() exactly once with the result (success, failure or cancellation). Callbacks
 * run only inside sl_engine_perform() (or sl_engine_run_until_idle()), never inside submit.
 *
 * Event loop (the TUI's):
 *     for (;;) {
 *         struct sl_waitfd fds[2] = {{ STDIN_FILENO, SL_WAIT_IN }, { winch_pipe, SL_WAIT_IN }};
 *         sl_engine_wait(eng, fds, 2, 100);   // curl's sockets + these fds + engine timers
 *         sl_engine_perform(eng);             // progress transfers, run callbacks
 *         if (fds[0].revents) ... read keys ...
 *     }
 * The CLI just calls sl_engine_run_until_idle(). No threads anywhere.
 * Callbacks may submit and cancel requests, but must not call sl_engine_perform, _wait,
 * _run_until_idle or _free. */
#ifndef SHORTLIST_ENGINE_H
#define SHORTLIST_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/providers_config.h"
#include "shortlist/util.h"

struct sl_engine;

enum sl_role { SL_ROLE_SYSTEM, SL_ROLE_USER, SL_ROLE_ASSISTANT };

struct sl_message {
	enum sl_role role;
	const char *content;
};

enum sl_request_kind {
	SL_REQ_CHAT = 0,  /* chat completion: messages in, text out */
	SL_REQ_EMBED,     /* embeddings: inputs in, vectors out */
};

/* Generation parameters. Zero-initialised means "provider default" for every field
 * except temperature and top_p, which use NAN for "unset": call sl_params_init(). */
struct sl_params {
	double temperature;      /* NAN = provider default */
	double top_p;            /* NAN = provider default */
	int max_tokens;          /* 0 = default (Anthropic needs one: 1024 is sent) */
	const char *const *stop; /* stop sequences */
	size_t n_stop;
	bool json;               /* ask for a JSON object answer (response_format / format) */
	bool has_seed;
	int64_t seed;
	bool logprobs;           /* OpenAI-compatible only: return output token logprobs */
	int top_logprobs;        /* alternatives per token (0..20), with logprobs */
};

void sl_params_init(struct sl_params *p);

struct sl_result;

/* A streamed piece of the answer. reasoning is true for thinking/reasoning text. */
typedef void (*sl_delta_fn)(void *user_data, uint64_t id, const char *text, size_t len,
			    bool reasoning);
/* The one final callback. result is valid only during the call: copy what you keep
 * (sl_result_dup). */
typedef void (*sl_done_fn)(void *user_data, const struct sl_result *result);
/* A try was handed to the network (try is 1-based; a silent re-send after a provider quirk
 * repeats the number). */
typedef void (*sl_send_fn)(void *user_data, uint64_t id, int try);
/* A try failed and another follows after wait_ms: attempt is the failed try (1-based),
 * reason says why (never a key). Text that try streamed is void: the next try starts over. */
typedef void (*sl_retry_fn)(void *user_data, uint64_t id, int attempt, double wait_ms,
			    const char *reason);

struct sl_request {
	const char *model; /* "provider:model-id" ("bedrock:amazon.nova-pro-v1:0") or a
			      catalogue key ("openai/gpt-4o-mini") */
	enum sl_request_kind kind;
	const struct sl_message *messages; /* chat */
	size_t n_messages;
	const char *const *inputs;         /* embeddings */
	size_t n_inputs;
	struct sl_params params;
	bool stream;       /* stream the answer (needed for TTFT, TPOT, gaps) */
	int max_tries;     /* 0 = the provider's configured limit */
	/* A stream that breaks after content arrived is retried from scratch when tries
	 * remain (the caller discards the partial text it was given). Without it, a request
	 * is retried only before its first content. */
	bool restart_broken_stream;
	sl_delta_fn on_delta; /* may be NULL */
	sl_done_fn on_done;   /* may be NULL */
	sl_send_fn on_send;   /* may be NULL */
	sl_retry_fn on_retry; /* may be NULL */
	void *user_data;
};

enum sl_status {
	SL_OK = 0,
	SL_ERR_CONFIG,    /* unknown provider, missing key, bad model name: fix the setup */
	SL_ERR_HTTP,      /* the API answered with an HTTP error status */
	SL_ERR_NETWORK,   /* DNS, connect, TLS, reset: no usable answer */
	SL_ERR_TIMEOUT,   /* connect, first byte, idle gap or total timeout */
	SL_ERR_PROTOCOL,  /* the answer could not be parsed (malformed JSON, bad CRC, truncated) */
	SL_ERR_PROVIDER,  /* an error reported inside an otherwise OK stream */
	SL_ERR_CANCELLED, /* sl_engine_cancel() */
};

const char *sl_status_name(enum sl_status s); /* "ok", "http", "timeout", ... */

struct sl_top_logprob {
	char *token;
	double logprob;
};

struct sl_token_logprob {
	char *token;
	double logprob;
	struct sl_top_logprob *top; /* alternatives, most likely first */
	size_t n_top;
};

/* Everything known about one finished request. Times are milliseconds from the client's
 * monotonic clock; NAN when not measured (e.g. TTFT of a non-streamed call). Latency
 * figures come from the final try only; queue_ms covers everything before it (waiting for
 * a slot, earlier failed tries and their backoff). */
struct sl_result {
	uint64_t id;
	void *user_data;
	enum sl_status status;
	long http_status;      /* last HTTP status, 0 if none */
	char *error;           /* what went wrong, with the provider's own message; NULL if ok.
				  Never contains a key. */
	char *error_type;      /* provider error type/code ("rate_limit_error"), or NULL */

	char *provider;        /* configured provider name ("openai") */
	char *model_id;        /* model id sent to the API */
	char *reported_model;  /* model id the API says answered, or NULL */
	char *text;            /* the answer ("" if none) */
	char *reasoning;       /* reasoning/thinking text ("" if none) */
	char *finish_reason;   /* "stop", "length", "end_turn", ... or NULL */

	int64_t tokens_in;     /* -1 = unknown */
	int64_t tokens_out;    /* from usage, else an estimate (out_estimated) */
	int64_t tokens_cached; /* cached input tokens read, -1 = unknown */
	int64_t tokens_cache_write; /* input tokens written to the cache (Anthropic, Bedrock),
				       part of tokens_in; -1 = unknown */
	int64_t tokens_reasoning; /* -1 = unknown */
	bool out_estimated;

	double queue_ms;  /* submit -> final try handed to the network */
	double ttfb_ms;   /* -> first response byte */
	double ttft_ms;   /* -> first chunk with content, reasoning or a tool call (stream only) */
	double e2e_ms;    /* -> last content chunk (stream) or last byte (non-stream) */
	double tpot_ms;   /* (e2e - ttft) / (N - 1), N = tokens_out, less hidden reasoning
			     tokens (generated before the first visible token) */
	double tokens_per_s; /* N / (e2e - ttft) */
	double *gaps_ms;  /* gaps between content arrivals after the first (TTFT excluded);
			     arrivals in the same network read count once */
	size_t n_gaps;
	double server_ms; /* latency the server reports (Bedrock metrics.latencyMs, Ollama
			     total_duration, llama.cpp timings), NAN if none */

	double connect_ms; /* DNS + TCP + TLS setup inside the final try (0 when an open
			      connection was reused): part of TTFB/TTFT on a cold start */
	int http_version; /* of the final try: 1 (HTTP/1.x), 2 or 3; 0 if nothing answered */
	bool connection_reused; /* the final try went over an already open connection */
	int tries;        /* attempts made, >= 1 once anything was sent */
	double cost_usd;  /* from the catalogue's prices; NAN when a price is unknown */

	struct sl_token_logprob *logprobs; /* output tokens, when asked and given */
	size_t n_logprobs;

	float **embeddings;   /* SL_REQ_EMBED: n_embeddings vectors of dim floats */
	size_t n_embeddings;
	size_t dim;
};

struct sl_result *sl_result_dup(const struct sl_result *r);
void sl_result_free(struct sl_result *r); /* frees a sl_result_dup() copy */

/* Prices in USD per million tokens for a model; NAN for unknown. */
struct sl_price {
	double in, out, cache_read, cache_write;
};
/* Return true and fill *out if prices are known for provider + model_id. */
typedef bool (*sl_price_fn)(void *user_data, const char *provider, const char *model_id,
			    struct sl_price *out);

/* Cost of one call per million tokens: input at p_in, except the cached part (read) at the
 * cache-read price and the part written to the cache at the cache-write price (each at p_in
 * when its price is unknown), plus out at p_out. tokens_in includes both parts; -1 = none.
 * NAN when a needed price or count is unknown. */
double sl_cost_usd(const struct sl_price *p, int64_t tokens_in, int64_t tokens_out,
		   int64_t tokens_cached, int64_t tokens_cache_write);

struct sl_engine_options {
	const struct sl_providers *providers; /* copied; NULL = built-ins + providers.json */
	sl_price_fn price_fn;                 /* NULL = costs are NAN */
	void *price_user_data;
	int max_in_flight;                    /* total cap over all providers; 0 = 1024 */
	uint64_t rng_seed;                    /* backoff jitter; 0 = seeded from the clock */
	int backoff_base_ms;                  /* first retry waits up to this; 0 = 500 */
	int backoff_cap_ms;                   /* longest backoff; 0 = 30000 */
};

/* Create an engine. With opts->providers NULL the configuration is loaded from
 * providers.json (errors name the file and key). */
struct sl_engine *sl_engine_new(const struct sl_engine_options *opts, struct sl_error *err);
void sl_engine_free(struct sl_engine *eng); /* cancels what is still running, silently */

/* Queue a request (all of it is copied). Returns its id (> 0). Problems with the request
 * itself (unknown provider, missing key) are reported through on_done like any other
 * failure; 0 is returned only for a malformed call (no model, no messages) with err set. */
uint64_t sl_engine_submit(struct sl_engine *eng, const struct sl_request *req,
			  struct sl_error *err);

/* Cancel one request (its on_done runs at the next perform with SL_ERR_CANCELLED);
 * returns false if the id is not active. */
bool sl_engine_cancel(struct sl_engine *eng, uint64_t id);
void sl_engine_cancel_all(struct sl_engine *eng);

/* The answer text an active request's current try has streamed so far: the engine's own
 * buffer, not a copy, valid until the next perform. NULL if the id is not active. */
const char *sl_engine_text(struct sl_engine *eng, uint64_t id, size_t *len);

/* Extra descriptors for sl_engine_wait (same meaning as curl_waitfd / pollfd). */
enum { SL_WAIT_IN = 0x0001, SL_WAIT_PRI = 0x0002, SL_WAIT_OUT = 0x0004 };
struct sl_waitfd {
	int fd;
	short events;
	short revents; /* set on return */
};

/* Sleep until network activity, one of the extra fds is ready, an engine timer (retry
 * backoff, rate-limit window, timeout) is due, or timeout_ms passes (-1: at most 1 s).
 * At most 16 extra fds. Returns 0, or -1 with err set if polling failed. */
int sl_engine_wait(struct sl_engine *eng, struct sl_waitfd *extra, unsigned n_extra,
		   int timeout_ms, struct sl_error *err);
/* Make a sl_engine_wait in progress (or the next one) return at once. The one engine call
 * that another thread may make (the runner's writer thread says a commit is done). */
void sl_engine_wakeup(struct sl_engine *eng);
/* Make progress without blocking: start queued requests, read and parse data, run the
 * callbacks. Returns the number of requests still active (queued, waiting or in flight). */
size_t sl_engine_perform(struct sl_engine *eng);
/* Wait and perform until nothing is active. */
void sl_engine_run_until_idle(struct sl_engine *eng);

/* The adaptive concurrency cap of a provider right now (lowered while it rate-limits,
 * raised again as calls succeed): 0 = unlimited, -1 = no such provider. */
int sl_engine_provider_cap(const struct sl_engine *eng, const char *provider);

/* The most texts one embeddings request to model takes (its protocol's limit); 0 when the
 * model resolves to no provider or its protocol has no embeddings. */
size_t sl_engine_embed_batch(const struct sl_engine *eng, const char *model);

size_t sl_engine_active(const struct sl_engine *eng);
size_t sl_engine_in_flight(const struct sl_engine *eng);

/* Percentile by linear interpolation between closest ranks (numpy's default):
 * rank = p/100 * (n-1). Sorts values in place. NAN for n == 0. */
double sl_percentile(double *values, size_t n, double p);

#endif
