/* The Runs screen: earlier runs with their lineage (suite and dataset hashes, the models the
 * APIs reported, prompt versions, who ran it where). Enter makes a run the current one, so
 * Run, Compare, Scorecard and Charts replay it from the store with no network; m and d diff
 * two runs with the same logic as `shortlist runs diff`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "charts.h"
#include "glyph.h"
#include "matrix.h"
#include "shortlist/runs.h"
#include "wrap.h"

struct runs_view {
	struct tui_view base;
	struct sl_run *runs;
	size_t n;
	size_t cursor, top;
	int64_t marked;      /* the old side of a diff, 0 = none */
	int64_t detail_id;   /* whose lineage is in detail */
	struct sl_buf detail;
	bool diffing;
	struct sl_buf diff;  /* the diff text, when diffing */
	int scroll;
	char error[1024];
};

static struct runs_view *rv_of(struct tui_view *v)
{
	return (struct runs_view *)v;
}

static void reload(struct runs_view *rv)
{
	int64_t keep = rv->cursor < rv->n ? rv->runs[rv->cursor].id : 0;
	sl_runs_free(rv->runs, rv->n);
	rv->runs = NULL;
	rv->n = 0;
	struct sl_error err = { 0 };
	rv->error[0] = '\0';
	if (sl_runs_list(rv->base.app->store, 0, &rv->runs, &rv->n, &err) != 0)
		snprintf(rv->error, sizeof rv->error, "%s", err.msg);
	rv->cursor = 0;
	for (size_t i = 0; i < rv->n; i++)
		if (rv->runs[i].id == (keep ? keep : rv->base.app->run_id))
			rv->cursor = i;
	rv->detail_id = 0;
}

/* Clock and machine details differ on every run; golden screens show "~" for them. */
static const char *when(const char *iso, bool redact)
{
	if (!iso)
		return tui_glyph(TUI_GLYPH_UNKNOWN);
	return redact ? "~" : iso;
}

static void build_detail(struct runs_view *rv)
{
	const struct sl_run *sel = &rv->runs[rv->cursor];
	if (rv->detail_id == sel->id)
		return;
	rv->detail_id = sel->id;
	sl_buf_reset(&rv->detail);
	struct sl_run r;
	struct sl_error err = { 0 };
	if (sl_run_get(rv->base.app->store, sel->id, &r, &err) != 0) {
		sl_buf_printf(&rv->detail, "%s", err.msg);
		return;
	}
	bool redact = rv->base.app->script_mode;
	struct sl_buf *b = &rv->detail;
	char cwd[4096];
	sl_buf_printf(b, "suite    %s  (%s, sha256 %.12s)\n", r.suite_name ? r.suite_name : "",
		      tui_path_display(r.suite_path, cwd, sizeof cwd),
		      r.suite_hash ? r.suite_hash : "?");
	sl_buf_printf(b, "dataset  %s  (sha256 %.12s)\n",
		      tui_path_display(r.dataset_path, cwd, sizeof cwd),
		      r.dataset_hash ? r.dataset_hash : "?");
	for (size_t i = 0; i < r.n_models; i++) {
		const struct sl_run_model *m = &r.models[i];
		sl_buf_printf(b, "%s %s", i ? "        " : "models  ", m->requested);
		if (m->reported && *m->reported && (!m->model_id || strcmp(m->reported, m->model_id)))
			sl_buf_printf(b, "  answered as %s", m->reported);
		if (!isnan(m->price_in))
			sl_buf_printf(b, "  $%g/$%g per 1M", m->price_in, m->price_out);
		sl_buf_putc(b, '\n');
	}
	for (size_t i = 0; i < r.n_prompts; i++)
		sl_buf_printf(b, "%s %s@%d  (%.12s)\n", i ? "        " : "prompts ", r.prompts[i].name,
			      r.prompts[i].version, r.prompts[i].hash ? r.prompts[i].hash : "?");
	sl_buf_printf(b, "run      %s%s%s, %d sample%s, concurrency %d\n", r.status,
		      r.stop_reason ? ": " : "", r.stop_reason ? r.stop_reason : "", r.samples,
		      r.samples == 1 ? "" : "s", r.concurrency);
	sl_buf_printf(b, "started  %s", when(r.started_at, redact));
	if (r.resumed_at)
		sl_buf_printf(b, "  resumed %s", when(r.resumed_at, redact));
	if (r.ended_at)
		sl_buf_printf(b, "  ended %s", when(r.ended_at, redact));
	sl_buf_printf(b, "\nby       %s@%s with shortlist %s\n", redact ? "~" : r.user ? r.user : "?",
		      redact ? "~" : r.host ? r.host : "?",
		      redact ? "~" : r.shortlist_version ? r.shortlist_version : "?");
	if (r.params_json && *r.params_json)
		sl_buf_printf(b, "params   %s\n", r.params_json);
	sl_run_free(&r);
}

struct diff_out {
	struct sl_buf *b;
	int shown;
};

static void one_line(char *out, size_t n, const struct sl_cell *c)
{
	const char *s = !c ? "(no cell)" : c->output ? c->output
					     : c->error_msg ? c->error_msg : "(failed)";
	size_t i = 0;
	for (; *s && i + 1 < n; s++)
		out[i++] = *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s;
	out[i] = '\0';
}

static void on_diff(void *ud, unsigned changes, const struct sl_cell *a, const struct sl_cell *b,
		    double sa, double sb)
{
	struct diff_out *d = ud;
	if (d->shown++ >= 2000)
		return; /* the stats line still counts them all */
	const struct sl_cell *k = a ? a : b;
	sl_buf_printf(d->b, "%s %s case %d%s:", tui_short_name(k->model), k->prompt_name,
		      k->case_idx + 1, k->sample ? " sample" : "");
	if (changes & SL_CELL_OUTPUT)
		sl_buf_puts(d->b, " output");
	if (changes & SL_CELL_ERROR)
		sl_buf_puts(d->b, " error");
	if (changes & SL_CELL_SCORE)
		sl_buf_printf(d->b, " score %.3g %s %.3g", sa, tui_glyph(TUI_GLYPH_ARROW_RIGHT), sb);
	if (changes & SL_CELL_ONLY_A)
		sl_buf_puts(d->b, " only in the marked run");
	if (changes & SL_CELL_ONLY_B)
		sl_buf_puts(d->b, " only in this run");
	char la[200], lb[200];
	one_line(la, sizeof la, a);
	one_line(lb, sizeof lb, b);
	sl_buf_printf(d->b, "\n  - %s\n  + %s\n", la, lb);
}

static void run_diff(struct runs_view *rv)
{
	const struct sl_run *sel = &rv->runs[rv->cursor];
	struct tui_app *app = rv->base.app;
	if (!rv->marked || rv->marked == sel->id) {
		tui_app_message(app, true, "mark a run with m, then d on another one diffs them");
		return;
	}
	sl_buf_reset(&rv->diff);
	struct sl_buf cells;
	sl_buf_init(&cells);
	struct diff_out d = { &cells, 0 };
	struct sl_run_diff_stats st;
	char *metric = NULL;
	struct sl_error err = { 0 };
	metric = sl_runs_diff_metric(app->store, rv->marked, sel->id);
	if (sl_runs_diff(app->store, rv->marked, sel->id, metric, on_diff, &d, &st, &err) != 0) {
		free(metric);
		tui_app_message(app, true, "%s", err.msg);
		sl_buf_free(&cells);
		return;
	}
	sl_buf_printf(&rv->diff, "run %lld %s run %lld: %lld cells matched, %lld same, %lld output "
				 "changed, %lld error changed, %lld score changed (%s); %lld only "
				 "in %lld, %lld only in %lld\n\n",
		      (long long)rv->marked, tui_glyph(TUI_GLYPH_ARROW_RIGHT), (long long)sel->id,
		      (long long)st.matched, (long long)st.same, (long long)st.changed_output,
		      (long long)st.changed_error, (long long)st.changed_score,
		      metric ? metric : "no scores", (long long)st.only_a, (long long)rv->marked,
		      (long long)st.only_b, (long long)sel->id);
	sl_buf_puts(&rv->diff, cells.len ? cells.data : "No cell changed.\n");
	sl_buf_free(&cells);
	free(metric);
	rv->diffing = true;
	rv->scroll = 0;
}

static enum tui_context rv_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_RUNS;
}

static int rv_action(struct tui_view *v, enum tui_action a)
{
	struct runs_view *rv = rv_of(v);
	struct tui_app *app = v->app;
	switch (a) {
	case TUI_ACT_RUNS_DOWN:
		if (rv->cursor + 1 < rv->n)
			rv->cursor++;
		rv->scroll = 0;
		break;
	case TUI_ACT_RUNS_UP:
		if (rv->cursor > 0)
			rv->cursor--;
		rv->scroll = 0;
		break;
	case TUI_ACT_RUNS_OPEN:
		if (rv->cursor < rv->n) {
			if (app->live && app->run_id != rv->runs[rv->cursor].id) {
				tui_app_message(app, true, "run %lld is in progress: cancel it on 3 Run "
							   "before opening another", (long long)app->run_id);
				break;
			}
			app->run_id = rv->runs[rv->cursor].id;
			app->run_version++;
			app->compare_case = 0;
			tui_app_show(app, TUI_SCREEN_RUN);
		}
		break;
	case TUI_ACT_RUNS_MARK:
		if (rv->cursor < rv->n) {
			int64_t id = rv->runs[rv->cursor].id;
			rv->marked = rv->marked == id ? 0 : id;
		}
		break;
	case TUI_ACT_RUNS_DIFF:
		if (rv->diffing)
			rv->diffing = false;
		else if (rv->cursor < rv->n)
			run_diff(rv);
		break;
	case TUI_ACT_RUNS_SCROLL_DOWN: rv->scroll += 5; break;
	case TUI_ACT_RUNS_SCROLL_UP: rv->scroll = rv->scroll > 5 ? rv->scroll - 5 : 0; break;
	case TUI_ACT_RUNS_RELOAD: reload(rv); break;
	default: return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static void rv_show(struct tui_view *v)
{
	reload(rv_of(v)); /* a run may have started or finished since */
}

static void draw_table(struct runs_view *rv, struct tui_grid *g, struct tui_rect r)
{
	bool redact = rv->base.app->script_mode;
	int w_id = 5, w_status = 11, w_cells = 11, w_err = 5, w_cost = 11, w_when = 16;
	bool show_when = r.w >= 100;
	int fixed = 2 + w_id + 1 + w_status + 1 + w_cells + 1 + w_err + 1 + w_cost + 1 +
		    (show_when ? w_when + 1 : 0);
	int w_name = r.w - fixed - 1;
	int y = r.y;
	tui_grid_fill(g, (struct tui_rect){ r.x, y, r.w, 1 }, TUI_ROLE_HEADER);
	int x = r.x + 2;
#define COL(title, w, right)                                                                 \
	do {                                                                                 \
		tui_grid_put_field(g, x, y, w, TUI_ROLE_HEADER, 0, title, right);            \
		x += (w) + 1;                                                                \
	} while (0)
	COL("run", w_id, true);
	COL("suite", w_name, false);
	COL("status", w_status, false);
	COL("cells", w_cells, true);
	COL("err", w_err, true);
	COL("cost", w_cost, true);
	if (show_when)
		COL("started", w_when, false);
#undef COL
	int rows = r.h - 1;
	if (rv->cursor < rv->top)
		rv->top = rv->cursor;
	if (rv->cursor >= rv->top + (size_t)rows)
		rv->top = rv->cursor - (size_t)rows + 1;
	for (size_t i = rv->top; i < rv->n && (int)(i - rv->top) < rows; i++) {
		const struct sl_run *run = &rv->runs[i];
		y = r.y + 1 + (int)(i - rv->top);
		bool sel = i == rv->cursor;
		enum tui_role role = sel ? TUI_ROLE_CURSOR : TUI_ROLE_DEFAULT;
		if (sel) {
			tui_grid_fill(g, (struct tui_rect){ r.x, y, r.w, 1 }, TUI_ROLE_CURSOR);
			tui_grid_put(g, r.x, y, 1, TUI_ROLE_CURSOR, 0, tui_glyph(TUI_GLYPH_CURSOR));
		}
		if (run->id == rv->marked)
			tui_grid_put(g, r.x + 1, y, 1, sel ? TUI_ROLE_CURSOR : TUI_ROLE_MARK, 0, "A");
		else if (run->id == rv->base.app->run_id)
			tui_grid_put(g, r.x + 1, y, 1, sel ? TUI_ROLE_CURSOR : TUI_ROLE_MARK, 0,
				     tui_glyph(TUI_GLYPH_BULLET));
		char buf[64], c[32];
		x = r.x + 2;
		snprintf(buf, sizeof buf, "%lld", (long long)run->id);
		tui_grid_put_field(g, x, y, w_id, role, 0, buf, true);
		x += w_id + 1;
		tui_grid_put_field(g, x, y, w_name, role, 0, run->suite_name, false);
		x += w_name + 1;
		bool done = run->status && strcmp(run->status, "complete") == 0;
		tui_grid_put_field(g, x, y, w_status, sel ? role : done ? TUI_ROLE_CELL_DONE
								    : TUI_ROLE_WARNING,
				   0, run->status, false);
		x += w_status + 1;
		snprintf(buf, sizeof buf, "%lld/%lld", (long long)run->n_done, (long long)run->n_cells);
		tui_grid_put_field(g, x, y, w_cells, role, 0, buf, true);
		x += w_cells + 1;
		snprintf(buf, sizeof buf, "%lld", (long long)run->n_errors);
		tui_grid_put_field(g, x, y, w_err, sel ? role : run->n_errors ? TUI_ROLE_CELL_FAILED
									 : TUI_ROLE_DIM,
				   0, buf, true);
		x += w_err + 1;
		tui_grid_put_field(g, x, y, w_cost, role, 0,
				   tui_fmt_cost(run->n_done > run->n_errors ? run->cost : NAN,
						run->n_cost_unknown, c, sizeof c),
				   true);
		x += w_cost + 1;
		if (show_when) {
			char t[32];
			snprintf(t, sizeof t, "%.16s", when(run->started_at, redact));
			for (char *p = t; *p; p++)
				if (*p == 'T')
					*p = ' ';
			tui_grid_put_field(g, x, y, w_when, role, 0, t, false);
		}
	}
}

static void rv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct runs_view *rv = rv_of(v);
	if (!rv->runs && !rv->error[0])
		reload(rv);
	if (rv->error[0]) {
		tui_wrap_draw(g, (struct tui_rect){ area.x + 2, area.y + 1, area.w - 4, area.h - 2 },
			      TUI_ROLE_ERROR, 0, rv->error, 0);
		return;
	}
	if (!rv->n) {
		tui_grid_put(g, area.x + 2, area.y + 1, area.w - 4, TUI_ROLE_LABEL, TUI_A_BOLD,
			     "No runs yet");
		tui_grid_put(g, area.x + 2, area.y + 3, area.w - 4, TUI_ROLE_DIM, 0,
			     "Start one on 3 Run (n for a new evaluation, or :open SUITE.json).");
		return;
	}
	int table_h = (int)rv->n + 1;
	int max_h = area.h * 2 / 5 > 4 ? area.h * 2 / 5 : 4;
	if (table_h > max_h)
		table_h = max_h;
	draw_table(rv, g, (struct tui_rect){ area.x, area.y, area.w, table_h });
	int y = area.y + table_h;
	for (int x = area.x; x < area.x + area.w; x++)
		tui_grid_put(g, x, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
	const char *title;
	const char *text;
	char t[96];
	if (rv->diffing) {
		title = " Diff ";
		text = rv->diff.data;
	} else {
		build_detail(rv);
		snprintf(t, sizeof t, " Lineage of run %lld ", (long long)rv->runs[rv->cursor].id);
		title = t;
		text = rv->detail.data;
	}
	tui_grid_put(g, area.x + 2, y, area.w - 4, TUI_ROLE_LABEL, TUI_A_BOLD, title);
	struct tui_rect body = { area.x + 1, y + 1, area.w - 2, area.y + area.h - y - 1 };
	int lines = tui_wrap_draw(g, body, TUI_ROLE_DEFAULT, 0, text, 1 << 30);
	if (rv->scroll > lines - body.h)
		rv->scroll = lines - body.h > 0 ? lines - body.h : 0;
	tui_wrap_draw(g, body, TUI_ROLE_DEFAULT, 0, text, rv->scroll);
	if (lines - rv->scroll > body.h)
		tui_grid_put(g, area.x + area.w - 2, area.y + area.h - 1, 1, TUI_ROLE_DIM, 0,
			     tui_glyph(TUI_GLYPH_MORE_DOWN));
}

static void rv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct runs_view *rv = rv_of(v);
	if (rv->marked)
		sl_buf_printf(left, "marked run %lld: d diffs it with the selected run",
			      (long long)rv->marked);
	else
		sl_buf_puts(left, "Enter replays a run from the store (no network)");
	sl_buf_printf(right, "%zu run%s", rv->n, rv->n == 1 ? "" : "s");
}

static void rv_destroy(struct tui_view *v)
{
	struct runs_view *rv = rv_of(v);
	sl_runs_free(rv->runs, rv->n);
	sl_buf_free(&rv->detail);
	sl_buf_free(&rv->diff);
	free(rv);
}

static const struct tui_view_ops runs_ops = {
	.name = "runs",
	.context = rv_context,
	.draw = rv_draw,
	.action = rv_action,
	.status = rv_status,
	.show = rv_show,
	.destroy = rv_destroy,
};

struct tui_view *tui_runs_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct runs_view *rv = sl_xcalloc(1, sizeof *rv);
	rv->base.ops = &runs_ops;
	rv->base.app = app;
	sl_buf_init(&rv->detail);
	sl_buf_init(&rv->diff);
	return &rv->base;
}
