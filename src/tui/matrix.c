#include "matrix.h"

#include "charts.h"
#include "glyph.h"
#include "shortlist/scorecard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int64_t tui_matrix_index(const struct tui_matrix *d, int model, int prompt, int case_index,
			  int sample)
{
	return (((int64_t)model * d->n_prompts + prompt) * d->n_cases + case_index) * d->samples +
	       sample;
}

void tui_matrix_split(const struct tui_matrix *d, int64_t cell, int *model, int *prompt,
		       int *case_index, int *sample)
{
	*sample = (int)(cell % d->samples);
	cell /= d->samples;
	*case_index = (int)(cell % d->n_cases);
	cell /= d->n_cases;
	*prompt = (int)(cell % d->n_prompts);
	*model = (int)(cell / d->n_prompts);
}

void tui_matrix_add_error(struct tui_matrix *d, int64_t cell, bool retrying,
			   const char *text)
{
	/* A cell's newer message replaces its older one (retry 1, retry 2, failed). */
	for (int i = 0; i < d->n_errors; i++)
		if (d->errors[i].cell == cell) {
			memmove(&d->errors[i], &d->errors[i + 1],
				(size_t)(d->n_errors - i - 1) * sizeof d->errors[0]);
			d->n_errors--;
			break;
		}
	if (d->n_errors == TUI_RUN_ERRORS) {
		memmove(&d->errors[0], &d->errors[1], (size_t)(TUI_RUN_ERRORS - 1) * sizeof d->errors[0]);
		d->n_errors--;
	}
	struct tui_run_error *e = &d->errors[d->n_errors++];
	e->cell = cell;
	e->retrying = retrying;
	snprintf(e->text, sizeof e->text, "%s", text);
}

/* Cell states are read from the store a block of cases at a time, when first drawn: a
 * replay of a million cells reads the few hundred it shows, not every cell. */
#define BLOCK_CASES 256

static void set_state(void *ud, int model, int prompt, int case_index, int sample, bool failed,
		      bool cached)
{
	struct tui_matrix *d = ud;
	if (model < 0 || model >= d->n_models || prompt < 0 || prompt >= d->n_prompts ||
	    case_index < 0 || case_index >= d->n_cases || sample < 0 || sample >= d->samples)
		return;
	uint8_t *st = &d->state[tui_matrix_index(d, model, prompt, case_index, sample)];
	/* A live run's events are newer than the store (a failed cell being retried). */
	if (*st == TUI_CELL_NONE)
		*st = failed ? TUI_CELL_FAILED : cached ? TUI_CELL_CACHED : TUI_CELL_DONE;
}

uint8_t tui_matrix_state(struct tui_matrix *d, int64_t cell)
{
	if (cell < 0 || cell >= d->n_cells)
		return TUI_CELL_NONE;
	int model, prompt, case_index, sample;
	tui_matrix_split(d, cell, &model, &prompt, &case_index, &sample);
	int b = case_index / BLOCK_CASES;
	if (d->store && !d->block_read[b]) {
		d->block_read[b] = true;
		struct sl_error err = { 0 };
		sl_run_cell_states(d->store, d->run_id, b * BLOCK_CASES, (b + 1) * BLOCK_CASES,
				   set_state, d, &err);
	}
	return d->state[cell];
}

static int add_failed(void *ud, const struct sl_cell *c)
{
	struct tui_matrix *d = ud;
	if (c->model_idx < 0 || c->model_idx >= d->n_models || c->prompt_idx < 0 ||
	    c->prompt_idx >= d->n_prompts || c->case_idx < 0 || c->case_idx >= d->n_cases ||
	    c->sample < 0 || c->sample >= d->samples)
		return 0;
	char line[240];
	snprintf(line, sizeof line, "%s case %d: %s", tui_short_name(c->model), c->case_idx + 1,
		 c->error_msg ? c->error_msg : c->error_kind ? c->error_kind : "failed");
	/* newest first: each goes before the ones already there */
	if (d->n_errors == TUI_RUN_ERRORS)
		return 1;
	memmove(&d->errors[1], &d->errors[0], (size_t)d->n_errors * sizeof d->errors[0]);
	d->n_errors++;
	d->errors[0].cell = tui_matrix_index(d, c->model_idx, c->prompt_idx, c->case_idx, c->sample);
	d->errors[0].retrying = false;
	snprintf(d->errors[0].text, sizeof d->errors[0].text, "%s", line);
	return 0;
}

int tui_matrix_load(struct tui_matrix *d, struct sl_store *store, int64_t run_id,
		     struct sl_error *err)
{
	memset(d, 0, sizeof *d);
	struct sl_run run;
	if (sl_run_get(store, run_id, &run, err) != 0)
		return -1;
	d->run_id = run_id;
	snprintf(d->name, sizeof d->name, "%s", run.suite_name ? run.suite_name : "");
	snprintf(d->status, sizeof d->status, "%s", run.status ? run.status : "");
	d->n_models = (int)run.n_models;
	d->n_prompts = (int)run.n_prompts;
	d->samples = run.samples > 0 ? run.samples : 1;
	d->n_cells = run.n_cells;
	int64_t per_case = (int64_t)d->n_models * d->n_prompts * d->samples;
	d->n_cases = per_case > 0 ? (int)(run.n_cells / per_case) : 0;
	d->models = sl_xcalloc((size_t)d->n_models + 1, sizeof *d->models);
	d->prompts = sl_xcalloc((size_t)d->n_prompts + 1, sizeof *d->prompts);
	for (int m = 0; m < d->n_models; m++)
		d->models[m] = sl_xstrdup(run.models[m].requested ? run.models[m].requested : "?");
	for (int p = 0; p < d->n_prompts; p++)
		d->prompts[p] = sl_xasprintf("%s@%d", run.prompts[p].name, run.prompts[p].version);
	sl_run_free(&run);
	d->store = store;
	d->state = sl_xcalloc((size_t)d->n_cells + 1, 1);
	d->block_read = sl_xcalloc((size_t)d->n_cases / BLOCK_CASES + 1, sizeof *d->block_read);
	d->stats = sl_xcalloc((size_t)d->n_models + 1, sizeof *d->stats);
	for (int m = 0; m < d->n_models; m++) {
		d->stats[m].total = (int64_t)d->n_prompts * d->n_cases * d->samples;
		d->stats[m].ttft_p50_ms = d->stats[m].tokens_per_s_p50 = NAN;
		d->stats[m].requests_per_s = NAN;
	}
	/* Per-model totals and medians: the scorecard's rows (cell_stats and the kept
	 * percentiles), so a replay costs the same at 300 cells as at 1M. */
	struct sl_scorecard sc;
	if (sl_scorecard_build_rows(store, run_id, &sc, err) != 0) {
		tui_matrix_free(d);
		return -1;
	}
	for (size_t i = 0; i < sc.n_models; i++) {
		const struct sl_scorecard_row *r = &sc.rows[i];
		if (r->model_idx < 0 || r->model_idx >= d->n_models)
			continue;
		struct tui_model_stats *st = &d->stats[r->model_idx];
		st->done = r->n;
		st->errors = r->n_errors;
		st->cached = r->n_cached;
		st->cost = r->cost_known;
		st->cost_unknown = r->n_cost_unknown;
		st->ttft_p50_ms = r->ttft_p50 * 1000;
		st->tokens_per_s_p50 = r->tokens_per_s;
		d->errors_total += r->n_errors;
	}
	sl_scorecard_free(&sc);
	if (sl_run_failed_cells_last(store, run_id, TUI_RUN_ERRORS, add_failed, d, err) != 0) {
		tui_matrix_free(d);
		return -1;
	}
	return 0;
}

void tui_matrix_free(struct tui_matrix *d)
{
	for (int m = 0; d->models && m < d->n_models; m++)
		free(d->models[m]);
	for (int p = 0; d->prompts && p < d->n_prompts; p++)
		free(d->prompts[p]);
	free(d->models);
	free(d->prompts);
	free(d->state);
	free(d->block_read);
	free(d->stats);
	memset(d, 0, sizeof *d);
}

const char *tui_fmt_ms(double ms, bool redact, char *buf, size_t n)
{
	if (isnan(ms))
		return tui_glyph(TUI_GLYPH_UNKNOWN);
	if (redact)
		snprintf(buf, n, "~ ms");
	else if (ms < 1000)
		snprintf(buf, n, "%.0f ms", ms);
	else
		snprintf(buf, n, "%.1f s", ms / 1000);
	return buf;
}

const char *tui_fmt_rate(double per_s, bool redact, char *buf, size_t n)
{
	if (isnan(per_s))
		return tui_glyph(TUI_GLYPH_UNKNOWN);
	if (redact)
		snprintf(buf, n, "~");
	else
		snprintf(buf, n, per_s < 100 ? "%.1f" : "%.0f", per_s);
	return buf;
}

const char *tui_fmt_duration(double s, bool redact, char *buf, size_t n)
{
	if (isnan(s) || s < 0)
		return tui_glyph(TUI_GLYPH_UNKNOWN);
	if (redact) {
		snprintf(buf, n, "~:~~");
		return buf;
	}
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
	return buf;
}

const char *tui_fmt_cost(double usd, int64_t unknown, char *buf, size_t n)
{
	if (isnan(usd))
		return tui_glyph(TUI_GLYPH_UNKNOWN);
	const char *more = unknown ? "+" : ""; /* some cells have no price */
	if (usd == 0)
		snprintf(buf, n, "$0%s", more);
	else if (usd < 0.000005)
		snprintf(buf, n, "<$0.00001%s", more);
	else if (usd < 0.01)
		snprintf(buf, n, "$%.5f%s", usd, more);
	else if (usd < 100)
		snprintf(buf, n, "$%.4f%s", usd, more);
	else
		snprintf(buf, n, "$%.2f%s", usd, more);
	return buf;
}

const char *tui_path_display(const char *path, char *cwd, size_t n)
{
	if (!path || !getcwd(cwd, n))
		return path ? path : "?";
	size_t l = strlen(cwd);
	if (strncmp(path, cwd, l) == 0 && path[l] == '/')
		return path + l + 1;
	return path;
}
