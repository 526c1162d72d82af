/* What the Run and Compare screens draw of a run: its shape (models x prompts x cases x
 * samples), the state of every cell, per-model totals and the latest errors. Filled from
 * the store (a past run: replay) or, for the live run, from the store at start and then by
 * the runner's events (run_live.c). One byte per cell, so a 10,000-cell run costs 10 KB. */
#ifndef SHORTLIST_TUI_MATRIX_H
#define SHORTLIST_TUI_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/runs.h"
#include "shortlist/store.h"

enum tui_cell_state {
	TUI_CELL_NONE,      /* not run (yet) */
	TUI_CELL_QUEUED,
	TUI_CELL_SENT,      /* request sent, nothing back yet */
	TUI_CELL_STREAMING, /* first token arrived */
	TUI_CELL_DONE,
	TUI_CELL_CACHED,
	TUI_CELL_FAILED,
	TUI_CELL_STATE_COUNT
};

struct tui_model_stats {
	int64_t total, done, errors, cached, in_flight;
	double cost;            /* known cost of done cells */
	int64_t cost_unknown;
	double ttft_p50_ms, tokens_per_s_p50, requests_per_s; /* NAN when none */
	/* live: tokens_per_s_p50 is the median cell's; replayed: the scorecard's tokens over
	 * generation time (no index gives a median of a ratio) */
};

#define TUI_RUN_ERRORS 6

struct tui_run_error {
	int64_t cell;
	char text[240]; /* "model case 3: HTTP 529 overloaded, retry 2/4 in 1.8 s" */
	bool retrying;  /* a try failed and will be retried */
};

struct tui_matrix {
	int64_t run_id;
	char name[128];     /* the suite's name */
	char status[24];    /* running, complete, incomplete */
	int n_models, n_prompts, n_cases, samples;
	int64_t n_cells;
	char **models;      /* as requested */
	char **prompts;     /* "name@version" */
	uint8_t *state;     /* enum tui_cell_state per cell index: read it through
			     * tui_matrix_state (a stored run's are read when first needed);
			     * a live run's events write it */
	struct sl_store *store; /* where unread states come from (NULL: all in state) */
	bool *block_read;   /* per block of cases: its states were read */
	struct tui_model_stats *stats; /* per model */
	struct tui_run_error errors[TUI_RUN_ERRORS]; /* newest last */
	int n_errors;
	int64_t errors_total;
};

/* Load a run's shape, per-model totals and latest errors from the store; cell states are
 * read a block at a time by tui_matrix_state. The store must outlive the matrix. */
int tui_matrix_load(struct tui_matrix *d, struct sl_store *store, int64_t run_id,
		     struct sl_error *err);
uint8_t tui_matrix_state(struct tui_matrix *d, int64_t cell);
void tui_matrix_free(struct tui_matrix *d);
int64_t tui_matrix_index(const struct tui_matrix *d, int model, int prompt, int case_index,
			  int sample);
void tui_matrix_split(const struct tui_matrix *d, int64_t cell, int *model, int *prompt,
		       int *case_index, int *sample);
/* Remember an error line (the oldest shown one goes). */
void tui_matrix_add_error(struct tui_matrix *d, int64_t cell, bool retrying,
			   const char *text);



/* Figures for the screens. Measured times and rates are drawn as "~" when redact is set
 * (the headless golden runs); unknown values give the unknown glyph. */
const char *tui_fmt_ms(double ms, bool redact, char *buf, size_t n);
const char *tui_fmt_rate(double per_s, bool redact, char *buf, size_t n);
const char *tui_fmt_duration(double s, bool redact, char *buf, size_t n);
const char *tui_fmt_cost(double usd, int64_t unknown, char *buf, size_t n);
/* A path as the user would type it here: relative when it is under the working directory
 * (cwd is scratch space for the working directory). */
const char *tui_path_display(const char *path, char *cwd, size_t n);

#endif
