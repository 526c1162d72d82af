/* Plain HTTP transfers on the engine's event loop: uploads streamed from a file (raw or as
 * multipart/form-data), downloads streamed to a callback, small JSON calls. The batch
 * protocols (batch.h) use them for files, jobs and results; they share the engine's libcurl
 * multi handle, so they progress inside sl_engine_perform() next to model calls, with no
 * thread and no blocking wait. The caller builds every header itself (keys and signatures
 * included): nothing here knows a provider. */
#ifndef SHORTLIST_TRANSFER_H
#define SHORTLIST_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/engine.h"
#include "shortlist/util.h"

struct sl_xfer {
	const char *method;       /* "GET", "POST", "PUT" */
	const char *url;
	const char *const *headers; /* "Name: value" lines; may hold keys: never logged */
	size_t n_headers;
	/* The body: at most one of these (none: no body). */
	const char *body;         /* in memory (JSON), body_len bytes */
	size_t body_len;
	const char *body_file;    /* sent straight from this file as it is read */
	/* multipart/form-data: the fields (name, value pairs), then the file body_file as the
	 * part form_file named form_filename (application/jsonl). */
	const char *const *form_fields;
	size_t n_form_fields;     /* pairs */
	const char *form_file, *form_filename;
	/* A 2xx body goes here piece by piece (downloads); without it, and for every non-2xx
	 * body, it is collected (at most 4 MiB) and handed to on_done. */
	void (*on_data)(void *ud, const char *data, size_t len);
	long connect_ms;          /* 0 = 10 s */
	long stall_ms;            /* abort when under 1 byte/s for this long; 0 = 120 s */
	long total_ms;            /* 0 = none */
};

struct sl_xfer_result {
	uint64_t id;
	enum sl_status status;    /* SL_OK for any HTTP answer (check http_status),
				     SL_ERR_NETWORK / SL_ERR_TIMEOUT / SL_ERR_CANCELLED otherwise */
	long http_status;
	const char *error;        /* what went wrong at the transport, NULL if it answered */
	const char *body;         /* collected body ("" when streamed to on_data) */
	size_t body_len;
	const char *headers;      /* raw response header block */
	double ms;                /* how long it took */
	bool aborted;             /* on_data asked to stop (sl_engine_xfer_abort) */
};

typedef void (*sl_xfer_done_fn)(void *ud, const struct sl_xfer_result *r);

/* Start a transfer (everything is copied). done runs exactly once, inside
 * sl_engine_perform. Returns its id (> 0), or 0 with err set when it cannot start (a URL
 * scheme refused: plain http only to loopback or LAN hosts, like model calls). */
uint64_t sl_engine_xfer(struct sl_engine *eng, const struct sl_xfer *x, sl_xfer_done_fn done,
			void *ud, struct sl_error *err);
/* Cancel a transfer: its done runs at the next perform with SL_ERR_CANCELLED. */
bool sl_engine_xfer_cancel(struct sl_engine *eng, uint64_t id);
/* Transfers not finished yet. */
size_t sl_engine_xfers(const struct sl_engine *eng);

#endif
