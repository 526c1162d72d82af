/* Provider batch APIs as the engine of a run: the cells of a model marked for batch go to
 * the provider's batch API (half price, answers within 24 h) instead of one call each, and
 * come back as ordinary cells of the same run.
 *
 * HOW IT WORKS (src/core/eval/batcher.c drives it; nothing blocks, nothing threads):
 *   prepare  the runner hands each batch cell to the batcher, which writes the protocol's
 *            record for it to a temporary input file (streamed: never the whole input in
 *            memory), cutting a new batch at the protocol's max_requests / max_bytes;
 *   store    before anything is sent, a run_batches row (schema.c) records the batch: its
 *            model, its cells (first_cell..last_cell of the run's grid), its state; every
 *            step below updates the row the moment the API answers, so a killed process
 *            loses nothing: `shortlist runs poll RUN` or `run --resume` picks up from the
 *            stored state, `shortlist runs cancel RUN` cancels;
 *   upload   (optional) the input file goes up, streamed from disk (OpenAI /v1/files, S3);
 *   submit   the batch is created: 'submitting' is stored before the call, its remote id
 *            the moment it comes back; a create whose answer was lost (a kill, the
 *            network) is looked for with find() before it is ever sent again;
 *   poll     until the API says it ended (backing off from 0.25 s to 60 s);
 *   collect  each results stream (output file, error file, results URL, S3 object) is read
 *            line by line as it downloads; every line becomes one cell (by custom_id);
 *            malformed lines are counted and reported, never fatal; requests the API never
 *            answered (expired, cancelled, missing) become failed cells with the reason,
 *            which --resume runs again.
 * Each network step is one plain transfer (transfer.h) on the engine's libcurl multi
 * handle, next to the model calls of interactive cells.
 *
 * HOW A PROTOCOL PLUGS IN (one file per protocol in src/core/net/, e.g. batch_openai.c):
 *   1. define `const struct sl_batch_ops sl_NAME_batch_ops` where NAME is the provider
 *      protocol it serves (the `kind` of providers.json: openai, anthropic, bedrock);
 *   2. add X(NAME) to SL_BATCH_PROTOCOLS below and the file to src/core/net/meson.build.
 * Nothing else names a protocol: the batcher, the store, the CLI and the reports go through
 * this table. The ops are pure: they build the HTTP call of a step (struct sl_batch_call:
 * method, URL, every header including auth/signatures, a body in memory or a file to stream)
 * and read its 2xx answer into struct sl_batch; the batcher sends it, stores the result and
 * handles errors (a non-2xx answer is explained with the provider's classify_error; a
 * network failure is retried 3 times, then the run stops with everything stored). A step
 * may need several calls (S3 multipart, a job then its manifest): return the next call from
 * the same step while b->step_n counts them (the batcher re-invokes a step whose *_done
 * returned 1 = "call me again").
 *   - Credentials come from b->conf / b->api_key (or the protocol's own lookup in open());
 *     they go into headers only, NEVER into b's stored strings (remote_id, input_ref,
 *     output_ref, error_ref, message are written to the store) nor into records.
 *   - Records: write_record() renders one request from a struct sl_call, the same call the
 *     interactive engine would make (reuse the provider ops' build() with stream off).
 *   - custom_id: "m-p-c-s" (model, prompt, case, sample indexes; sl_batch_custom_id), at
 *     most 64 characters of [A-Za-z0-9_-], which every provider accepts (Bedrock: recordId).
 *   - Results: parse_line() turns one results line into a struct sl_batch_item, with the
 *     answer parsed exactly as an interactive non-streamed answer (reuse parse_body()).
 *
 * PRICES: a batch cell costs the catalogue's batch price when it knows one, else the
 * interactive price times the protocol's documented price_factor (0.5); the scorecard and
 * report say which. Latency and TTFT of batch cells are not measured (NULL, shown as
 * "batch"); the triangle's speed axis uses interactive cells only (`--batch-sample N` runs N
 * cells per model interactively alongside). The response cache records the price share of
 * each answer: a hit is priced as the cell that takes it, and an interactive cell never
 * takes a batch answer (it has no latency to reuse). */
#ifndef SHORTLIST_BATCH_H
#define SHORTLIST_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/provider.h"
#include "shortlist/store.h"
#include "shortlist/util.h"

enum sl_batch_state {
	SL_BATCH_PREPARING = 0, /* records being written; nothing at the API yet */
	SL_BATCH_UPLOADED,      /* input uploaded (input_ref), batch not created */
	SL_BATCH_SUBMITTING,    /* the create call is (or was) on its way: stored BEFORE it is
				 * sent, so that a create whose answer was lost (a kill, the
				 * network) is looked for at the API (find) and never sent twice */
	SL_BATCH_SUBMITTED,     /* created (remote_id): polling */
	SL_BATCH_CANCELLING,    /* cancel asked: polling until the API says it ended */
	SL_BATCH_COLLECTING,    /* the API ended it: reading the results */
	SL_BATCH_DONE,          /* every result read (some may have failed) */
	SL_BATCH_FAILED,        /* the API refused or failed the batch as a whole (message) */
	SL_BATCH_EXPIRED,       /* ended by the API's deadline; collected what finished */
	SL_BATCH_CANCELLED,     /* cancelled; collected what finished */
};
const char *sl_batch_state_name(enum sl_batch_state s); /* "submitted", ... */
int sl_batch_state_parse(const char *name);             /* -1 if unknown */
bool sl_batch_state_final(enum sl_batch_state s);       /* done, failed, expired, cancelled */

struct sl_batch_ops;

/* One batch: what the store keeps (the strings) and what the API said last. */
struct sl_batch {
	int64_t id;                         /* run_batches.id */
	const struct sl_batch_ops *ops;
	const struct sl_provider_conf *conf; /* the provider it goes to */
	const char *api_key;                /* from the environment, or NULL: never stored */
	const char *base_url;               /* conf->base_url */
	const char *model_id;               /* the model id sent to the API */
	enum sl_batch_state state;
	char *remote_id;                    /* the API's batch / job id */
	char *input_ref;                    /* uploaded input (file id, s3:// URI) */
	char *output_ref, *error_ref;       /* where the results are (file ids, URL, URI) */
	char *api_status;                   /* the API's status word as last seen */
	char *message;                      /* the API's reason for a failed/expired batch */
	char *expires_at;                   /* as the API gives it, or NULL */
	const char *input_path;             /* the local input file (while preparing/uploading) */
	int64_t input_bytes;
	int64_t n_requests;
	int64_t api_ok, api_failed;         /* the API's own counts while it runs, -1 unknown */
	bool api_ended;                     /* poll_done: processing is over, collect */
	int step_n;                         /* calls made in the current step (multi-call steps) */
	char *cursor;                       /* find: the next page of the API's list */
	char **found;                       /* find_done: the API's batches that may be this */
	size_t n_found;                     /* one, oldest first */
	void *proto;                        /* the protocol's own state (open/proto_free) */
	void (*proto_free)(void *proto);
};

/* One HTTP call of a step. Everything is owned by the call (sl_batch_call_free). */
struct sl_batch_call {
	const char *method;         /* "GET", "POST", "PUT" */
	struct sl_http_request http; /* url, body (in memory; NULL = none), headers */
	const char *body_file;      /* instead of http.body: stream this file (b->input_path) */
	/* multipart/form-data: fields ("name", "value" pairs, static strings), then body_file
	 * as the part form_file */
	const char *form_fields[8];
	size_t n_form_fields;
	const char *form_file;
	bool results;               /* fetch: the 2xx body is results, fed to parse_line */
};
void sl_batch_call_free(struct sl_batch_call *c);

/* One results line, parsed. */
struct sl_batch_item {
	char custom_id[80];
	bool ok;                    /* answered: result.text etc.; else failed: result.error */
	struct sl_result result;    /* status, http_status, error, error_type, text, tokens... */
};

struct sl_batch_ops {
	const char *name;           /* the provider protocol it serves: "openai" */
	int64_t max_requests;       /* per batch, as the API documents it */
	int64_t max_bytes;          /* input size per batch (with some margin) */
	double price_factor;        /* the documented batch price / interactive price */
	bool submit_sends_input;    /* the create call carries the input (nothing uploaded): after
				     * a restart the input is gone and cannot be sent again */
	const char *turnaround;     /* for messages: "within 24 h" */
	/* The input file: head, records joined by sep, tail. */
	const char *file_head, *file_sep, *file_tail;
	/* One request as a record (no separator). -1 with err if it cannot be made. */
	int (*write_record)(struct sl_buf *out, const char *custom_id, const struct sl_call *call,
			    struct sl_error *err);
	/* Once per batch before its first call in this process (credentials, configuration);
	 * may be NULL. */
	int (*open)(struct sl_batch *b, struct sl_error *err);
	/* The account's records per batch, from the provider's settings (quotas differ per
	 * account): checked before anything is sent. NULL: 1 to max_requests. */
	int (*limits)(const struct sl_provider_conf *conf, int64_t *min_requests,
		      int64_t *max_requests, struct sl_error *err);

	/* The steps. build: fill c; return 0, or -1 with err (a configuration problem).
	 * done: read the 2xx body; return 0 (step over), 1 (call build again: next call of the
	 * step), -1 with err (an answer we cannot use). */
	/* preparing -> uploaded (NULL: nothing to upload, submit sends the records) */
	int (*upload)(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err);
	int (*upload_done)(struct sl_batch *b, const char *body, size_t len, struct sl_error *err);
	/* uploaded -> submitted: set b->remote_id (and expires_at) */
	int (*submit)(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err);
	int (*submit_done)(struct sl_batch *b, const char *body, size_t len, struct sl_error *err);
	/* submitted/cancelling: set api_status, counts, api_ended, output_ref/error_ref, and
	 * message when the batch as a whole failed or expired. poll_done may set b->state to
	 * SL_BATCH_FAILED / _EXPIRED / _CANCELLED for how it ended (results are still read). */
	int (*poll)(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err);
	int (*poll_done)(struct sl_batch *b, const char *body, size_t len, struct sl_error *err);
	/* collecting: the i-th results stream (i = 0, 1, ...); return 1 when there is none. */
	int (*fetch)(struct sl_batch *b, int i, struct sl_batch_call *c, struct sl_error *err);
	/* One line of a results stream: 0 filled, -1 malformed (counted, reported). */
	int (*parse_line)(struct sl_batch *b, const char *line, size_t len,
			  struct sl_batch_item *out);
	/* submitting, when the create call's answer was lost: list the API's batches and add
	 * those that may be this one to b->found (sl_batch_add_found), oldest first; return 1
	 * from find_done for the next page (b->cursor). The batcher takes the first that no
	 * batch in the store claims, or sends the create again when none is found. */
	int (*find)(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err);
	int (*find_done)(struct sl_batch *b, const char *body, size_t len, struct sl_error *err);
	/* Ask the API to cancel (its answer is read by poll_done). */
	int (*cancel)(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err);
};

/* THE BATCH PROTOCOL TABLE: X(name) for `sl_name_batch_ops` in src/core/net/batch_name.c. */
#define SL_BATCH_PROTOCOLS(X)                                                              \
	X(openai)    /* OpenAI /v1/files + /v1/batches, and compatible servers */          \
	X(anthropic) /* Anthropic Message Batches */                                      \
	X(bedrock)   /* Bedrock model invocation jobs, records in S3 (batch_bedrock.c) */

#define SL_BATCH_DECLARE(name) extern const struct sl_batch_ops sl_##name##_batch_ops;
SL_BATCH_PROTOCOLS(SL_BATCH_DECLARE)

/* The batch protocol for a provider protocol, or NULL when it has none. */
const struct sl_batch_ops *sl_batch_ops_for(const struct sl_provider_ops *kind);
/* "openai, anthropic": the protocols with a batch API, for messages. */
void sl_batch_protocol_names(struct sl_buf *out);

/* custom_id of a cell, and back (false for an id that is not ours). */
void sl_batch_custom_id(char out[64], int model, int prompt, int case_idx, int sample);
bool sl_batch_parse_custom_id(const char *id, int *model, int *prompt, int *case_idx,
			      int *sample);

/* Replace an owned string of a batch (value may be NULL). */
void sl_batch_set(char **dst, const char *value);
/* find_done: one more of the API's batches that may be this one (oldest first). */
void sl_batch_add_found(struct sl_batch *b, const char *remote_id);
/* Free what an item holds (not the item). */
void sl_batch_item_clear(struct sl_batch_item *it);
/* Free the strings and protocol state of a batch (not the batch). */
void sl_batch_clear(struct sl_batch *b);

/* ---- a run's batches in the store (runs show, runs cancel) ---- */
struct sl_batch_row {
	int64_t id;
	int model_idx;
	char *protocol, *provider, *state, *remote_id, *api_status, *message;
	char *created_at, *submitted_at, *expires_at, *ended_at;
	int64_t first_cell, last_cell, n_requests, n_ok, n_failed, n_malformed;
};
int sl_batches_list(struct sl_store *store, int64_t run_id, struct sl_batch_row **out,
		    size_t *n_out, struct sl_error *err);
void sl_batch_rows_free(struct sl_batch_row *rows, size_t n);

#endif
