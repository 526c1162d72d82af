#include "matrix.h"

#include "charts.h"
#include "glyph.h"

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

struct loader {
	struct tui_matrix *d;
	double **ttft, **tps; /* per model samples, for the medians */
	size_t *n_ttft, *n_tps;
};

static void push(double **v, size_t *n, double x)
{
	if (isnan(x))
		return;
	if ((*n & (*n + 1)) == 0 || *n == 0)
		*v = sl_xrealloc(*v, (*n * 2 + 2) * sizeof **v);
	(*v)[(*n)++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int load_cell(void *ud, const struct sl_cell *c)
{
	struct loader *l = ud;
	struct tui_matrix *d = l->d;
	if (c->model_idx < 0 || c->model_idx >= d->n_models || c->prompt_idx < 0 ||
	    c->prompt_idx >= d->n_prompts || c->case_idx < 0 || c->case_idx >= d->n_cases ||
	    c->sample < 0 || c->sample >= d->samples)
		return 0;
	int64_t idx = tui_matrix_index(d, c->model_idx, c->prompt_idx, c->case_idx, c->sample);
	struct tui_model_stats *st = &d->stats[c->model_idx];
	st->done++;
	if (!c->output) {
		d->state[idx] = TUI_CELL_FAILED;
		st->errors++;
		d->errors_total++;
		char line[240];
		snprintf(line, sizeof line, "%s case %d: %s", tui_short_name(c->model),
			 c->case_idx + 1, c->error_msg ? c->error_msg : c->error_kind ? c->error_kind
										    : "failed");
		tui_matrix_add_error(d, idx, false, line);
		return 0;
	}
	d->state[idx] = c->cached ? TUI_CELL_CACHED : TUI_CELL_DONE;
	st->cached += c->cached;
	if (isnan(c->cost))
		st->cost_unknown++;
	else
		st->cost += c->cost;
	int m = c->model_idx;
	push(&l->ttft[m], &l->n_ttft[m], c->ttft_ms);
	double gen_ms = c->latency_ms - (isnan(c->ttft_ms) ? 0 : c->ttft_ms);
	if (c->tokens_out > 0 && gen_ms > 0)
		push(&l->tps[m], &l->n_tps[m], (double)c->tokens_out * 1000.0 / gen_ms);
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
	d->state = sl_xcalloc((size_t)d->n_cells + 1, 1);
	d->stats = sl_xcalloc((size_t)d->n_models + 1, sizeof *d->stats);
	for (int m = 0; m < d->n_models; m++) {
		d->stats[m].total = (int64_t)d->n_prompts * d->n_cases * d->samples;
		d->stats[m].ttft_p50_ms = d->stats[m].tokens_per_s_p50 = NAN;
		d->stats[m].requests_per_s = NAN;
	}
	struct loader l = { .d = d };
	l.ttft = sl_xcalloc((size_t)d->n_models + 1, sizeof *l.ttft);
	l.tps = sl_xcalloc((size_t)d->n_models + 1, sizeof *l.tps);
	l.n_ttft = sl_xcalloc((size_t)d->n_models + 1, sizeof *l.n_ttft);
	l.n_tps = sl_xcalloc((size_t)d->n_models + 1, sizeof *l.n_tps);
	int rc = sl_run_cells_foreach(store, run_id, load_cell, &l, err);
	for (int m = 0; m < d->n_models; m++) {
		d->stats[m].ttft_p50_ms = median(l.ttft[m], l.n_ttft[m]);
		d->stats[m].tokens_per_s_p50 = median(l.tps[m], l.n_tps[m]);
		free(l.ttft[m]);
		free(l.tps[m]);
	}
	free(l.ttft);
	free(l.tps);
	free(l.n_ttft);
	free(l.n_tps);
	if (rc != 0) {
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
