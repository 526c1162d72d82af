/* Live events of a run, for any number of subscribers (the TUI's screens, the CLI's
 * progress line, tests). The runner emits them from inside sl_runner_pump() and the engine's
 * callbacks, on the caller's one thread: a subscriber must not block, and must copy what it
 * keeps (pointers in an event are valid only during the call).
 *
 * Streamed text is not copied per chunk: a SL_EV_DELTA event is emitted only for cells a
 * subscriber follows (sl_runner_follow), and carries just the new piece; the whole text so far
 * of a cell in flight is read as a window with sl_runner_cell_text().
 *
 * Order, per cell: QUEUED, then either CACHED, or SENT [[FIRST_TOKEN DELTA*] RETRY SENT]*
 * [FIRST_TOKEN DELTA*] then DONE or ERROR: a stream that breaks after content is restarted
 * from scratch. A retried cell's earlier partial text is discarded (RETRY says so).
 * MODEL_PROGRESS follows every DONE, CACHED or ERROR; RUN_FINISHED is the last event.
 * QUEUED goes out for every cell still to do at the first sl_runner_pump(), so subscribe
 * between sl_runner_start() and the first pump. A request the engine refuses before
 * sending (a provider misconfigured since the check) gets ERROR without SENT; a cell
 * cancelled by sl_runner_stop() gets no final event (it stays missing, resumable): its
 * model's MODEL_PROGRESS shows in_flight drop. */
#ifndef SHORTLIST_RUN_EVENTS_H
#define SHORTLIST_RUN_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sl_run_event_kind {
	SL_EV_QUEUED = 0,   /* planned in this invocation (not yet done) */
	SL_EV_SENT,         /* a try went to the network: attempt (1-based) */
	SL_EV_FIRST_TOKEN,  /* first content (or reasoning) of this try; metrics->ttft_ms is set,
			       measured from SENT (DONE carries the engine's exact figure) */
	SL_EV_DELTA,        /* text/len: the new piece (followed cells only) */
	SL_EV_DONE,         /* answered; the cell's metrics are set */
	SL_EV_CACHED,       /* answered from the response cache or an earlier run; metrics set */
	SL_EV_RETRY,        /* a try failed and will be retried: reason, attempt, retry_in_ms */
	SL_EV_ERROR,        /* failed for good: reason; metrics (tries, times) when it was sent */
	SL_EV_MODEL_PROGRESS, /* a model's totals changed: model_progress */
	SL_EV_RUN_FINISHED, /* nothing left to do (or stopped) */
	SL_EV_KIND_COUNT
};

/* Subscribe to a subset with a mask of these bits; 0 = every kind. */
#define SL_EV_BIT(kind) (1u << (kind))

/* Where a cell sits in the run's plan (indexes into the suite's models, prompts, cases). */
struct sl_cell_ref {
	int64_t cell;  /* 0 .. cells-1, stable for the run (resume keeps it); -1 = no cell */
	int model, prompt, case_index, sample;
};

struct sl_cell_metrics {
	double ttft_ms, e2e_ms, tokens_per_s; /* NAN when not measured */
	int64_t tokens_in, tokens_out;        /* -1 = unknown */
	double cost_usd;                      /* NAN = unknown */
	int tries;
	bool cached;
};

struct sl_model_progress {
	int model;
	int64_t total, done, errors, cached, in_flight;
	double cost;          /* known cost of done cells */
	int64_t cost_unknown; /* done cells with unknown cost */
	double ttft_p50_ms, tokens_per_s_p50; /* cells finished in this invocation (cached ones
						 with their stored figures), NAN when none */
	double requests_per_s; /* this invocation */
};

struct sl_run_event {
	enum sl_run_event_kind kind;
	int64_t run_id;
	struct sl_cell_ref ref;           /* cell events */
	const char *text;                 /* DELTA: new piece (not NUL-terminated) */
	size_t len;
	const char *reason;               /* RETRY, ERROR */
	int attempt;                      /* RETRY: the try that failed; SENT: this try (1-based) */
	double retry_in_ms;               /* RETRY: wait before the next try, NAN if unknown */
	const struct sl_cell_metrics *metrics;         /* DONE, CACHED, ERROR, FIRST_TOKEN (ttft) */
	const struct sl_model_progress *model_progress; /* MODEL_PROGRESS */
};

typedef void (*sl_run_event_fn)(void *ud, const struct sl_run_event *ev);

struct sl_runner;

/* Add a subscriber for the kinds in mask (0 = all). Returns an id > 0 for unsubscribe. */
int sl_runner_subscribe(struct sl_runner *r, unsigned mask, sl_run_event_fn fn, void *ud);
void sl_runner_unsubscribe(struct sl_runner *r, int id);
/* Deliver SL_EV_DELTA for this cell (on) or stop (off). Any number of cells may be followed. */
void sl_runner_follow(struct sl_runner *r, int64_t cell, bool on);
/* The answer text streamed so far by a cell in flight (the engine's buffer, not a copy:
 * valid until the next sl_engine_perform); "" before its try starts and between a RETRY and
 * the next try; NULL when the cell is not in flight. */
const char *sl_runner_cell_text(const struct sl_runner *r, int64_t cell, size_t *len);
/* Per-model totals right now (model 0 .. n-1); NULL for an unknown index. */
const struct sl_model_progress *sl_runner_model_progress(const struct sl_runner *r, int model);
/* Pause scheduling new cells, cache hits included (requests in flight finish); false
 * continues. sl_runner_pump() keeps returning true while paused. */
void sl_runner_pause(struct sl_runner *r, bool paused);

#endif
