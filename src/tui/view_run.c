/* The Run screen: a run's models x cases matrix with per-model progress. Live while the
 * TUI runs it (cells change state as the runner's events arrive), replayed from the store
 * for a finished or earlier run. Before a run starts it shows the suite's check (`run
 * --check`): nothing is sent until Enter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "charts.h"
#include "glyph.h"
#include "matrix.h"
#include "run_live.h"
#include "wrap.h"

enum run_mode { MODE_SHOW, MODE_PLAN };

struct run_view {
	struct tui_view base;
	enum run_mode mode;
	/* MODE_PLAN: the suite checked, waiting for Enter. */
	char *plan_path, *plan_resume_ref;
	bool plan_resume, plan_ok;
	struct sl_run_plan plan;
	char plan_error[1024];
	/* A run from the store (when it is not the live one). */
	struct tui_matrix stored;
	unsigned long stored_version;
	bool stored_loaded;
	char load_error[1024];
	int row, col;          /* the cursor: matrix row (model x prompt), column (case x sample) */
	int row_top, col_left; /* scroll of the matrix */
};

static struct run_view *rv_of(struct tui_view *v)
{
	return (struct run_view *)v;
}

/* The run to draw: the live one, else the app's current run from the store. */
static struct tui_matrix *current_data(struct run_view *rv)
{
	struct tui_app *app = rv->base.app;
	if (app->live)
		return &app->live->data;
	if (!app->run_id)
		return NULL;
	if (!rv->stored_loaded || rv->stored_version != app->run_version ||
	    rv->stored.run_id != app->run_id) {
		tui_matrix_free(&rv->stored);
		rv->stored_loaded = true;
		rv->stored_version = app->run_version;
		struct sl_error err = { 0 };
		rv->load_error[0] = '\0';
		if (tui_matrix_load(&rv->stored, app->store, app->run_id, &err) != 0) {
			snprintf(rv->load_error, sizeof rv->load_error, "%s", err.msg);
			return NULL;
		}
	}
	return rv->load_error[0] ? NULL : &rv->stored;
}

static void plan_clear(struct run_view *rv)
{
	free(rv->plan_path);
	free(rv->plan_resume_ref);
	rv->plan_path = rv->plan_resume_ref = NULL;
	rv->mode = MODE_SHOW;
}

static void plan_check(struct run_view *rv, const char *path, bool resume, const char *ref)
{
	plan_clear(rv);
	rv->mode = MODE_PLAN;
	rv->plan_path = sl_xstrdup(path);
	rv->plan_resume = resume;
	rv->plan_resume_ref = ref ? sl_xstrdup(ref) : NULL;
	struct sl_error err = { 0 };
	rv->plan_ok = tui_live_plan(rv->base.app->store, path, resume, ref, &rv->plan, &err) == 0;
	snprintf(rv->plan_error, sizeof rv->plan_error, "%s", rv->plan_ok ? "" : err.msg);
}

static void start_planned(struct run_view *rv)
{
	struct tui_app *app = rv->base.app;
	if (!rv->plan_ok)
		return;
	struct sl_error err = { 0 };
	if (tui_live_start(app, rv->plan_path, rv->plan_resume, rv->plan_resume_ref, &err) != 0) {
		rv->plan_ok = false;
		snprintf(rv->plan_error, sizeof rv->plan_error, "%s", err.msg);
		return;
	}
	plan_clear(rv);
	rv->row = rv->col = rv->row_top = rv->col_left = 0;
	tui_app_message(app, false, "run %lld started", (long long)app->run_id);
}

static int rv_command(struct tui_view *v, const char *name, const char *arg)
{
	struct run_view *rv = rv_of(v);
	if (strcmp(name, "open") == 0) {
		plan_check(rv, arg, false, NULL);
	} else if (strcmp(name, "resume") == 0) {
		/* A run id names its own suite; without one, the current run's. */
		struct sl_run run;
		struct sl_error err = { 0 };
		int64_t id = 0;
		if (*arg ? sl_run_resolve(v->app->store, arg, &id, &err) != 0
			 : (id = v->app->run_id) == 0) {
			tui_app_message(v->app, true, "%s", *arg ? err.msg
								 : "no run to resume: :resume RUN");
			return TUI_HANDLED | TUI_REDRAW;
		}
		if (sl_run_get(v->app->store, id, &run, &err) != 0) {
			tui_app_message(v->app, true, "%s", err.msg);
			return TUI_HANDLED | TUI_REDRAW;
		}
		char ref[32];
		snprintf(ref, sizeof ref, "%lld", (long long)id);
		plan_check(rv, run.suite_path ? run.suite_path : "", true, ref);
		sl_run_free(&run);
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static enum tui_context rv_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_RUN;
}

static void clamp_cursor(struct run_view *rv, const struct tui_matrix *d)
{
	int rows = d ? d->n_models * d->n_prompts : 0;
	int cols = d ? d->n_cases * d->samples : 0;
	if (rv->row >= rows)
		rv->row = rows - 1;
	if (rv->col >= cols)
		rv->col = cols - 1;
	if (rv->row < 0)
		rv->row = 0;
	if (rv->col < 0)
		rv->col = 0;
}

static int rv_action(struct tui_view *v, enum tui_action a)
{
	struct run_view *rv = rv_of(v);
	struct tui_app *app = v->app;
	struct tui_live *l = app->live;
	struct tui_matrix *d = rv->mode == MODE_SHOW ? current_data(rv) : NULL;
	switch (a) {
	case TUI_ACT_RUN_START:
		if (rv->mode == MODE_PLAN) {
			start_planned(rv);
		} else if (d && d->n_cells) {
			int m, p, c, s;
			clamp_cursor(rv, d);
			int64_t cell = tui_matrix_index(d, rv->row / d->n_prompts,
							 rv->row % d->n_prompts,
							 rv->col / d->samples, rv->col % d->samples);
			tui_matrix_split(d, cell, &m, &p, &c, &s);
			app->compare_case = c;
			app->compare_prompt = p;
			tui_app_show(app, TUI_SCREEN_COMPARE);
		}
		break;
	case TUI_ACT_RUN_PAUSE:
		if (l && !l->cancelled)
			tui_live_pause(l, !l->paused);
		break;
	case TUI_ACT_RUN_CANCEL:
		if (rv->mode == MODE_PLAN)
			plan_clear(rv);
		else if (l && !l->cancelled)
			tui_live_cancel(l);
		break;
	case TUI_ACT_RUN_NEW:
		tui_app_push(app, tui_newrun_new(app));
		break;
	case TUI_ACT_RUN_LEFT: rv->col--; break;
	case TUI_ACT_RUN_RIGHT: rv->col++; break;
	case TUI_ACT_RUN_UP: rv->row--; break;
	case TUI_ACT_RUN_DOWN: rv->row++; break;
	case TUI_ACT_RUN_FIRST: rv->col = 0; break;
	case TUI_ACT_RUN_LAST: rv->col = 1 << 30; break;
	default: return 0;
	}
	clamp_cursor(rv, d);
	return TUI_HANDLED | TUI_REDRAW;
}

/* ---- drawing ---- */

static const struct {
	enum tui_glyph_id glyph;
	enum tui_role role;
	const char *label;
} cell_look[TUI_CELL_STATE_COUNT] = {
	[TUI_CELL_NONE] = { TUI_GLYPH_CELL_QUEUED, TUI_ROLE_DIM, "not run" },
	[TUI_CELL_QUEUED] = { TUI_GLYPH_CELL_QUEUED, TUI_ROLE_CELL_QUEUED, "queued" },
	[TUI_CELL_SENT] = { TUI_GLYPH_CELL_SENT, TUI_ROLE_CELL_STREAMING, "sent" },
	[TUI_CELL_STREAMING] = { TUI_GLYPH_CELL_STREAMING, TUI_ROLE_CELL_STREAMING, "streaming" },
	[TUI_CELL_DONE] = { TUI_GLYPH_CELL_DONE, TUI_ROLE_CELL_DONE, "done" },
	[TUI_CELL_CACHED] = { TUI_GLYPH_CELL_CACHED, TUI_ROLE_CELL_CACHED, "cached" },
	[TUI_CELL_FAILED] = { TUI_GLYPH_CELL_FAILED, TUI_ROLE_CELL_FAILED, "failed" },
};

static void draw_bar(struct tui_grid *g, int x, int y, int w, const struct tui_model_stats *s)
{
	if (w < 1)
		return;
	int ok = 0, bad = 0;
	if (s->total > 0) {
		bad = (int)((double)s->errors * w / (double)s->total + 0.5);
		ok = (int)((double)s->done * w / (double)s->total + 0.5) - bad;
		if (ok < 0)
			ok = 0;
	}
	for (int i = 0; i < w; i++) {
		bool full = i < ok + bad;
		tui_grid_put(g, x + i, y, 1,
			     i < ok ? TUI_ROLE_BAR : full ? TUI_ROLE_CELL_FAILED : TUI_ROLE_BAR_EMPTY, 0,
			     tui_glyph(full ? TUI_GLYPH_BAR_FULL : TUI_GLYPH_BAR_EMPTY));
	}
}

/* Columns of the per-model table, dropped from the right end of this list when narrow. */
enum { MC_DONE, MC_ERR, MC_COST, MC_TTFT, MC_TPS, MC_RPS, MC_COUNT };
static const struct {
	const char *title;
	int w;
} model_cols[MC_COUNT] = {
	[MC_DONE] = { "done", 11 }, [MC_ERR] = { "err", 4 },    [MC_COST] = { "cost so far", 11 },
	[MC_TTFT] = { "TTFT p50", 8 }, [MC_TPS] = { "tok/s", 6 }, [MC_RPS] = { "req/s", 6 },
};
/* Drawn left to right in this order. */
static const int model_col_order[MC_COUNT] = { MC_DONE, MC_ERR, MC_RPS, MC_TTFT, MC_TPS,
					       MC_COST };

static int draw_models(struct run_view *rv, const struct tui_matrix *d, struct tui_grid *g,
		       struct tui_rect r)
{
	bool redact = rv->base.app->script_mode;
	int shown = MC_COUNT, name_w = 0, bar_w = 0;
	for (; shown > 0; shown--) {
		int fixed = 0;
		for (int c = 0; c < shown; c++)
			fixed += model_cols[c].w + 1;
		int rest = r.w - 2 - fixed;
		name_w = rest * 2 / 5;
		if (name_w > 34)
			name_w = 34;
		bar_w = rest - name_w - 1;
		if (name_w >= 14 && bar_w >= 8)
			break;
	}
	int y = r.y;
	tui_grid_fill(g, (struct tui_rect){ r.x, y, r.w, 1 }, TUI_ROLE_HEADER);
	tui_grid_put(g, r.x + 1, y, name_w, TUI_ROLE_HEADER, 0, "model");
	tui_grid_put(g, r.x + 2 + name_w, y, bar_w, TUI_ROLE_HEADER, 0, "progress");
	int x0 = r.x + 2 + name_w + bar_w + 1;
	for (int i = 0, x = x0; i < MC_COUNT; i++) {
		int c = model_col_order[i];
		if (c >= shown)
			continue;
		tui_grid_put_field(g, x, y, model_cols[c].w, TUI_ROLE_HEADER, 0, model_cols[c].title,
				   true);
		x += model_cols[c].w + 1;
	}
	y++;
	for (int m = 0; m < d->n_models && y < r.y + r.h; m++, y++) {
		const struct tui_model_stats *s = &d->stats[m];
		char buf[64];
		enum tui_role role = (enum tui_role)(TUI_ROLE_SERIES1 + m % 4);
		/* "gpt-4.1-mini" reads better than "openai/gpt-4.1-…" when the column is short. */
		const char *name = tui_text_width(d->models[m]) <= name_w ? d->models[m]
									   : tui_short_name(d->models[m]);
		tui_grid_put_field(g, r.x + 1, y, name_w, role, 0, name, false);
		draw_bar(g, r.x + 2 + name_w, y, bar_w, s);
		for (int i = 0, x = x0; i < MC_COUNT; i++) {
			int c = model_col_order[i];
			if (c >= shown)
				continue;
			const char *text = buf;
			enum tui_role cr = TUI_ROLE_DEFAULT;
			switch (c) {
			case MC_DONE:
				snprintf(buf, sizeof buf, "%lld/%lld", (long long)s->done,
					 (long long)s->total);
				break;
			case MC_ERR:
				snprintf(buf, sizeof buf, "%lld", (long long)s->errors);
				cr = s->errors ? TUI_ROLE_CELL_FAILED : TUI_ROLE_DIM;
				break;
			case MC_COST:
				/* Nothing priced yet: unknown, not "$0". */
				text = tui_fmt_cost(s->done - s->errors > s->cost_unknown ? s->cost : NAN,
						    s->cost_unknown, buf, sizeof buf);
				break;
			case MC_TTFT: text = tui_fmt_ms(s->ttft_p50_ms, redact, buf, sizeof buf); break;
			case MC_TPS:
				text = tui_fmt_rate(s->tokens_per_s_p50, redact, buf, sizeof buf);
				break;
			case MC_RPS:
				text = tui_fmt_rate(s->requests_per_s, redact, buf, sizeof buf);
				break;
			}
			tui_grid_put_field(g, x, y, model_cols[c].w, cr, 0, text, true);
			x += model_cols[c].w + 1;
		}
	}
	return y - r.y;
}

static int draw_matrix(struct run_view *rv, struct tui_matrix *d, struct tui_grid *g,
		       struct tui_rect r)
{
	int rows = d->n_models * d->n_prompts;
	int cols = d->n_cases * d->samples;
	if (r.h < 2 || rows == 0 || cols == 0)
		return 0;
	clamp_cursor(rv, d);
	int label_w = r.w / 3 < 30 ? r.w / 3 : 30;
	int cx = r.x + 1 + label_w + 1;
	int vis_cols = (r.x + r.w - cx) / 2;
	int vis_rows = r.h - 1;
	if (vis_cols < 1 || vis_rows < 1)
		return 0;
	if (rv->col < rv->col_left)
		rv->col_left = rv->col;
	if (rv->col >= rv->col_left + vis_cols)
		rv->col_left = rv->col - vis_cols + 1;
	if (rv->row < rv->row_top)
		rv->row_top = rv->row;
	if (rv->row >= rv->row_top + vis_rows)
		rv->row_top = rv->row - vis_rows + 1;
	/* Header: case numbers where they fit (each cell is two columns). */
	char head[32];
	snprintf(head, sizeof head, "case %s", tui_glyph(TUI_GLYPH_ARROW_RIGHT));
	tui_grid_put_field(g, r.x + 1, r.y, label_w, TUI_ROLE_DIM, 0, head, true);
	int next_free = cx;
	for (int i = 0; i < vis_cols && rv->col_left + i < cols; i++) {
		int col = rv->col_left + i;
		if (col % d->samples)
			continue;
		int c = col / d->samples + 1;
		char num[16];
		snprintf(num, sizeof num, "%d", c);
		int x = cx + i * 2;
		if (x < next_free || (c != 1 && c % 5 && col != rv->col))
			continue;
		next_free = x + tui_grid_put(g, x, r.y, r.x + r.w - x,
					     col / d->samples == rv->col / d->samples ? TUI_ROLE_LABEL
										  : TUI_ROLE_DIM,
					     0, num) + 1;
	}
	int y = r.y + 1;
	for (int row = rv->row_top; row < rows && y < r.y + r.h; row++, y++) {
		int m = row / d->n_prompts, p = row % d->n_prompts;
		char label[200];
		if (d->n_prompts > 1)
			snprintf(label, sizeof label, "%s %s", tui_short_name(d->models[m]),
				 d->prompts[p]);
		else
			snprintf(label, sizeof label, "%s", tui_short_name(d->models[m]));
		tui_grid_put_field(g, r.x + 1, y, label_w, (enum tui_role)(TUI_ROLE_SERIES1 + m % 4),
				   row == rv->row ? TUI_A_BOLD : 0, label, false);
		for (int i = 0; i < vis_cols && rv->col_left + i < cols; i++) {
			int col = rv->col_left + i;
			int64_t cell = tui_matrix_index(d, m, p, col / d->samples, col % d->samples);
			int st = tui_matrix_state(d, cell);
			bool cursor = row == rv->row && col == rv->col;
			tui_grid_put(g, cx + i * 2, y, 1, cell_look[st].role,
				     cursor ? TUI_A_REVERSE : 0, tui_glyph(cell_look[st].glyph));
		}
	}
	if (rv->col_left > 0)
		tui_grid_put(g, cx - 1, r.y, 1, TUI_ROLE_DIM, 0, tui_glyph(TUI_GLYPH_ARROW_LEFT));
	if (rv->col_left + vis_cols < cols)
		tui_grid_put(g, r.x + r.w - 1, r.y, 1, TUI_ROLE_DIM, 0,
			     tui_glyph(TUI_GLYPH_ARROW_RIGHT));
	return y - r.y;
}

static void draw_legend(struct tui_grid *g, int x, int y, int w)
{
	static const int order[] = { TUI_CELL_DONE,   TUI_CELL_CACHED, TUI_CELL_STREAMING,
				     TUI_CELL_SENT,   TUI_CELL_QUEUED, TUI_CELL_FAILED };
	int end = x + w;
	for (size_t i = 0; i < SL_ARRAY_LEN(order); i++) {
		int st = order[i];
		int need = 2 + (int)strlen(cell_look[st].label) + 2;
		if (x + need > end)
			break;
		x += tui_grid_put(g, x, y, 1, cell_look[st].role, 0, tui_glyph(cell_look[st].glyph)) + 1;
		x += tui_grid_put(g, x, y, end - x, TUI_ROLE_DIM, 0, cell_look[st].label) + 2;
	}
}

static void draw_plan(struct run_view *rv, struct tui_grid *g, struct tui_rect r)
{
	char cwd[4096];
	int x = r.x + 2, w = r.w - 4, y = r.y + 1;
	char line[1200];
	snprintf(line, sizeof line, "%s %s", rv->plan_resume ? "Resume" : "Run",
		 tui_path_display(rv->plan_path, cwd, sizeof cwd));
	tui_grid_put(g, x, y, w, TUI_ROLE_LABEL, TUI_A_BOLD, line);
	y += 2;
	if (!rv->plan_ok) {
		tui_grid_put(g, x, y, w, TUI_ROLE_CELL_FAILED, TUI_A_BOLD, "The check failed:");
		y += 1 + tui_wrap_draw(g, (struct tui_rect){ x + 2, y + 1, w - 2, r.h - 6 },
				       TUI_ROLE_DEFAULT, 0, rv->plan_error, 0) + 1;
		tui_grid_put(g, x, y + 1, w, TUI_ROLE_DIM, 0,
			     "Nothing was sent. Fix the file, then :open it again.");
		return;
	}
	const struct sl_run_plan *p = &rv->plan;
	snprintf(line, sizeof line, "%s ok: %zu model%s %s %zu prompt%s (%s) %s %zu cases %s %d "
				    "sample%s = %lld cells",
		 tui_glyph(TUI_GLYPH_CHECK), p->n_models, p->n_models == 1 ? "" : "s",
		 tui_glyph(TUI_GLYPH_TIMES), p->n_prompts, p->n_prompts == 1 ? "" : "s", p->prompts,
		 tui_glyph(TUI_GLYPH_TIMES), p->n_cases, tui_glyph(TUI_GLYPH_TIMES), p->samples,
		 p->samples == 1 ? "" : "s", (long long)p->cells);
	y += tui_wrap_draw(g, (struct tui_rect){ x, y, w, 3 }, TUI_ROLE_CELL_DONE, 0, line, 0);
	if (p->resume_run) {
		snprintf(line, sizeof line, "resuming run %lld: %lld cells already done",
			 (long long)p->resume_run, (long long)p->done);
		tui_grid_put(g, x, y++, w, TUI_ROLE_DEFAULT, 0, line);
	}
	snprintf(line, sizeof line, "%lld from the response cache, %lld API requests",
		 (long long)p->cached, (long long)p->to_request);
	tui_grid_put(g, x, y++, w, TUI_ROLE_DEFAULT, 0, line);
	tui_grid_put(g, x, y + 1, w, TUI_ROLE_DIM, 0,
		     "Checked: the suite, prompts, every placeholder against every row, providers "
		     "and keys. Nothing has been sent.");
	int kx = x;
	y += 3;
	kx += tui_grid_put(g, kx, y, 10, TUI_ROLE_KEY, 0, "Enter") + 1;
	kx += tui_grid_put(g, kx, y, 20, TUI_ROLE_DEFAULT, 0, "start the run") + 3;
	kx += tui_grid_put(g, kx, y, 10, TUI_ROLE_KEY, 0, "c") + 1;
	tui_grid_put(g, kx, y, 20, TUI_ROLE_DEFAULT, 0, "cancel");
}

static void draw_empty(struct run_view *rv, struct tui_grid *g, struct tui_rect r)
{
	int x = r.x + 2, w = r.w - 4;
	tui_grid_put(g, x, r.y + 1, w, TUI_ROLE_LABEL, TUI_A_BOLD, "No run yet");
	if (rv->load_error[0])
		tui_grid_put(g, x, r.y + 2, w, TUI_ROLE_ERROR, 0, rv->load_error);
	static const char *const lines[][2] = {
		{ "n", "a new evaluation of your shortlist (pick prompts, a dataset, scorers)" },
		{ ":open FILE", "check and run a suite file" },
		{ "8", "replay an earlier run from the Runs screen" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(lines); i++) {
		tui_grid_put(g, x + 2, r.y + 3 + (int)i, 12, TUI_ROLE_KEY, 0, lines[i][0]);
		tui_grid_put(g, x + 15, r.y + 3 + (int)i, w - 15, TUI_ROLE_DEFAULT, 0, lines[i][1]);
	}
}

static void rv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct run_view *rv = rv_of(v);
	struct tui_app *app = v->app;
	if (rv->mode == MODE_PLAN) {
		draw_plan(rv, g, area);
		return;
	}
	struct tui_matrix *d = current_data(rv);
	if (!d) {
		draw_empty(rv, g, area);
		return;
	}
	struct tui_live *l = app->live;
	char line[512], t1[32], t2[32];
	/* The run's identity and shape, then time on the right. */
	char samples[32] = "";
	if (d->samples > 1)
		snprintf(samples, sizeof samples, " %s %d samples", tui_glyph(TUI_GLYPH_TIMES),
			 d->samples);
	snprintf(line, sizeof line, "run %lld %s %s  %d model%s %s %d prompt%s %s %d cases%s",
		 (long long)d->run_id, tui_glyph(TUI_GLYPH_DOT), d->name, d->n_models,
		 d->n_models == 1 ? "" : "s", tui_glyph(TUI_GLYPH_TIMES), d->n_prompts,
		 d->n_prompts == 1 ? "" : "s", tui_glyph(TUI_GLYPH_TIMES), d->n_cases, samples);
	char right[96] = "";
	if (tui_live_scoring(l, right, sizeof right)) {
		/* the cells are in: what is left is their scoring */
	} else if (l) {
		const struct sl_run_progress *p = tui_live_progress(l);
		double left_cells = (double)(p->total - p->done);
		double eta = p->rate > 0 ? left_cells / p->rate : NAN;
		snprintf(right, sizeof right, "elapsed %s  ETA %s",
			 tui_fmt_duration(tui_live_elapsed_s(l), app->script_mode, t1, sizeof t1),
			 tui_fmt_duration(eta, app->script_mode || l->paused, t2, sizeof t2));
	} else {
		snprintf(right, sizeof right, "%s", d->status);
	}
	int rw = tui_text_width(right);
	tui_grid_put_field(g, area.x + 1, area.y, area.w - rw - 4, TUI_ROLE_LABEL, TUI_A_BOLD,
			   line, false);
	tui_grid_put(g, area.x + area.w - rw - 1, area.y, rw, TUI_ROLE_DIM, 0, right);

	int y = area.y + 2;
	int bottom = area.y + area.h;
	/* Errors get the last lines (at most three, fewer when short of room). */
	int n_err = d->n_errors < 3 ? d->n_errors : 3;
	if (area.h < 20 && n_err > 2)
		n_err = 2;
	int models_h = d->n_models + 1;
	int max_models = (bottom - y) / 3;
	if (models_h > max_models)
		models_h = max_models;
	y += draw_models(rv, d, g, (struct tui_rect){ area.x, y, area.w, models_h }) + 1;
	int matrix_h = bottom - y - 1 - n_err - (n_err ? 1 : 0);
	y += draw_matrix(rv, d, g, (struct tui_rect){ area.x, y, area.w, matrix_h });
	draw_legend(g, area.x + 2, y, area.w - 4);
	int ey = bottom - n_err;
	for (int i = d->n_errors - n_err; i < d->n_errors; i++, ey++) {
		const struct tui_run_error *e = &d->errors[i];
		tui_grid_put(g, area.x + 1, ey, 1, e->retrying ? TUI_ROLE_WARNING : TUI_ROLE_CELL_FAILED,
			     TUI_A_BOLD, "!");
		tui_grid_put_field(g, area.x + 3, ey, area.w - 4,
				   e->retrying ? TUI_ROLE_WARNING : TUI_ROLE_DEFAULT, 0, e->text, false);
	}
}

static void rv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct run_view *rv = rv_of(v);
	struct tui_live *l = v->app->live;
	if (rv->mode == MODE_PLAN) {
		sl_buf_puts(left, rv->plan_ok ? "checked, nothing sent: Enter starts"
					      : "check failed: nothing sent");
		return;
	}
	struct tui_matrix *d = current_data(rv);
	if (!d)
		return;
	char scoring[96];
	if (tui_live_scoring(l, scoring, sizeof scoring))
		sl_buf_puts(left, scoring);
	else if (l)
		sl_buf_puts(left, l->cancelled ? "cancelling: waiting for requests in flight"
				  : l->paused ? "paused (space resumes): requests in flight finish"
					      : "running");
	else
		sl_buf_printf(left, "run %lld %s", (long long)d->run_id, d->status);
	if (d->n_cells) {
		int m, p, c, s;
		int64_t cell = tui_matrix_index(d, rv->row / d->n_prompts, rv->row % d->n_prompts,
						 rv->col / d->samples, rv->col % d->samples);
		tui_matrix_split(d, cell, &m, &p, &c, &s);
		sl_buf_printf(left, "  %s case %d: %s", tui_short_name(d->models[m]), c + 1,
			      cell_look[tui_matrix_state(d, cell)].label);
	}
	int64_t done = 0, errors = 0, unknown = 0;
	double cost = 0;
	for (int m = 0; m < d->n_models; m++) {
		done += d->stats[m].done;
		errors += d->stats[m].errors;
		cost += d->stats[m].cost;
		unknown += d->stats[m].cost_unknown;
	}
	char c[32];
	sl_buf_printf(right, "%d model%s %s %lld/%lld %s %s", d->n_models,
		      d->n_models == 1 ? "" : "s", tui_glyph(TUI_GLYPH_DOT), (long long)done,
		      (long long)d->n_cells, tui_glyph(TUI_GLYPH_DOT),
		      tui_fmt_cost(cost, unknown, c, sizeof c));
	(void)errors;
}

static void rv_destroy(struct tui_view *v)
{
	struct run_view *rv = rv_of(v);
	plan_clear(rv);
	tui_matrix_free(&rv->stored);
	free(rv);
}

static const struct tui_view_ops run_ops = {
	.name = "run",
	.context = rv_context,
	.draw = rv_draw,
	.action = rv_action,
	.status = rv_status,
	.command = rv_command,
	.destroy = rv_destroy,
};

struct tui_view *tui_run_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct run_view *rv = sl_xcalloc(1, sizeof *rv);
	rv->base.ops = &run_ops;
	rv->base.app = app;
	return &rv->base;
}
