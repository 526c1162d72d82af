/* The run in progress: the TUI's own engine and runner, driven from the one event loop
 * (never blocking), the runner's events folded into a tui_matrix the screens draw, and
 * the app's waiter that sleeps on curl's sockets and the terminal at once. */
#ifndef SHORTLIST_TUI_RUN_LIVE_H
#define SHORTLIST_TUI_RUN_LIVE_H

#include <stdbool.h>

#include "app.h"
#include "engine_waiter.h"
#include "matrix.h"
#include "shortlist/report.h"
#include "shortlist/run_events.h"
#include "shortlist/runner.h"

struct tui_live {
	struct tui_app *app;
	struct sl_runner_opts opts;
	char *suite_path, *resume_ref;
	struct sl_engine *eng;
	struct tui_engine_waiter ew;
	struct sl_runner *runner;
	struct tui_matrix data;
	bool paused, cancelled;
	int64_t started_ns;
	/* Live scoring's mark (sl_report_score_live): -1 until the first reload scored every
	 * finished cell, then each reload scores only the cells written since. */
	int64_t score_since;
	/* The cheap scorers' rows and marks go in with each batch of cells, as in `shortlist
	 * run`: a reload finds them scored, and a run quit and resumed starts from what is
	 * stored instead of scoring every finished cell again. */
	struct sl_score_commit *commit;
	/* Once the runner ended: the run's scoring in the same loop (the judge's and the
	 * embeddings' requests on eng), then the end. runner is NULL from then on. */
	struct sl_score_task *scoring;
	struct sl_score_stats score_stats;
	struct sl_score_progress shown; /* the progress last drawn */
	struct sl_run_outcome outcome;
	struct sl_run_progress last;    /* the runner's final progress */
	int64_t committed;              /* the runner's committed cells last seen */
	/* The Compare screen's hook for streamed pieces of the cells it follows. */
	void (*on_delta)(void *ud, int64_t cell, const char *text, size_t len);
	void *delta_ud;
};

/* `run --check` for a suite file: validation and counts, nothing sent. */
int tui_live_plan(struct sl_store *store, const char *suite_path, bool resume,
		  const char *resume_ref, struct sl_run_plan *plan, struct sl_error *err);
/* Start (or resume) the run; it becomes app->live and app->run_id. */
int tui_live_start(struct tui_app *app, const char *suite_path, bool resume,
		   const char *resume_ref, struct sl_error *err);
void tui_live_pause(struct tui_live *l, bool paused);
/* Stop scheduling and cancel what is in flight; the run ends incomplete (resumable). While
 * scoring: stop scoring (what is written stays; `report` scores the rest). */
void tui_live_cancel(struct tui_live *l);
/* "scoring: judge 12/40" while the run is being scored, else false. */
bool tui_live_scoring(const struct tui_live *l, char *out, size_t n);
/* Drop the live run without finishing it (quitting): it stays resumable. */
void tui_live_free(struct tui_live *l);
double tui_live_elapsed_s(const struct tui_live *l);
const struct sl_run_progress *tui_live_progress(const struct tui_live *l);

/* The app's waiter: poll() while nothing runs, the engine while a run is live. */
void tui_live_waiter_init(struct tui_waiter *w, struct tui_app *app);

#endif
