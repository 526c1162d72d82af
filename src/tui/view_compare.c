/* The Compare screen: one case, the answers of up to four models side by side. Finished
 * cells come from the store with their timings, cost and scores; cells in flight are
 * followed (sl_runner_follow) and drawn from a window of the runner's text, so nothing is
 * copied per streamed chunk. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "glyph.h"
#include "matrix.h"
#include "run_live.h"
#include "shortlist/dataset.h"
#include "shortlist/scorecard.h"
#include "wrap.h"

#define MAX_COLS 4

struct column {
	int model;
	int64_t cell;
	bool loaded;       /* the stored cell was read */
	char *output;      /* stored answer, NULL if none */
	char *error;
	double ttft_ms, latency_ms, tokens_per_s, cost;
	bool cached;
	char scores[512];
	int scroll;
	int lines;         /* wrapped lines at the last frame */
	int64_t followed;  /* the cell followed for streaming, -1 none */
};

struct compare_view {
	struct tui_view base;
	struct column cols[MAX_COLS];
	int n_cols, first_model, focus;
	bool apart;
	int scroll; /* together */
	int64_t run_id;
	unsigned long version;
	int loaded_case, loaded_prompt, loaded_first;
	struct sl_case kase; /* the current case's dataset row, from the store */
	int64_t case_run;
	int case_idx;
	struct tui_matrix stored;
	unsigned long stored_version;
	bool stored_loaded;
	char note[1024];
	int page;
};

static struct compare_view *cv_of(struct tui_view *v)
{
	return (struct compare_view *)v;
}

/* The live run's data, else the app's current run loaded from the store (once per
 * run_version). */
static struct tui_matrix *current(struct compare_view *cv)
{
	struct tui_app *app = cv->base.app;
	if (app->live)
		return &app->live->data;
	if (!app->run_id)
		return NULL;
	if (!cv->stored_loaded || cv->stored_version != app->run_version ||
	    cv->stored.run_id != app->run_id) {
		tui_matrix_free(&cv->stored);
		struct sl_error err = { 0 };
		cv->stored_loaded = true;
		cv->stored_version = app->run_version;
		cv->note[0] = '\0';
		if (tui_matrix_load(&cv->stored, app->store, app->run_id, &err) != 0)
			snprintf(cv->note, sizeof cv->note, "%s", err.msg);
	}
	return cv->note[0] ? NULL : &cv->stored;
}

static void unfollow(struct compare_view *cv, struct column *c)
{
	struct tui_live *l = cv->base.app->live;
	if (c->followed >= 0 && l)
		sl_runner_follow(l->runner, c->followed, false);
	c->followed = -1;
}

static void clear_columns(struct compare_view *cv)
{
	for (int i = 0; i < MAX_COLS; i++) {
		struct column *c = &cv->cols[i];
		unfollow(cv, c);
		free(c->output);
		free(c->error);
		*c = (struct column){ .followed = -1 };
	}
	cv->n_cols = 0;
}

struct case_load {
	struct compare_view *cv;
	struct tui_matrix *d;
	int case_index, prompt;
};

static int load_cell(void *ud, const struct sl_cell *cell)
{
	struct case_load *cl = ud;
	if (cell->case_idx != cl->case_index || cell->prompt_idx != cl->prompt || cell->sample)
		return 0;
	for (int i = 0; i < cl->cv->n_cols; i++) {
		struct column *c = &cl->cv->cols[i];
		if (c->model != cell->model_idx)
			continue;
		free(c->output);
		free(c->error);
		c->output = cell->output ? sl_xstrdup(cell->output) : NULL;
		c->error = cell->output ? NULL
					: sl_xasprintf("%s%s%s", cell->error_kind ? cell->error_kind : "error",
						       cell->error_msg ? ": " : "",
						       cell->error_msg ? cell->error_msg : "");
		c->ttft_ms = cell->ttft_ms;
		c->latency_ms = cell->latency_ms;
		double gen = cell->latency_ms - (isnan(cell->ttft_ms) ? 0 : cell->ttft_ms);
		c->tokens_per_s = cell->tokens_out > 0 && gen > 0 ? cell->tokens_out * 1000.0 / gen : NAN;
		c->cost = cell->cost;
		c->cached = cell->cached;
		c->loaded = true;
	}
	return 0;
}

static void load_scores(struct compare_view *cv, struct column *c, int case_index, int prompt)
{
	c->scores[0] = '\0';
	struct sl_cell_score *sc;
	size_t n, used = 0;
	if (sl_scorecard_cell_scores(cv->base.app->store, cv->run_id, c->model, prompt, case_index,
				     0, &sc, &n, NULL) != 0)
		return;
	for (size_t i = 0; i < n && used + 8 < sizeof c->scores; i++) {
		const char *detail = sc[i].detail;
		double v = sc[i].value;
		char val[32];
		if (isnan(v))
			snprintf(val, sizeof val, "%s", tui_glyph(TUI_GLYPH_UNKNOWN));
		else if (v == 1 || v == 0)
			snprintf(val, sizeof val, "%s",
				 tui_glyph(v == 1 ? TUI_GLYPH_CHECK : TUI_GLYPH_CROSS));
		else
			snprintf(val, sizeof val, "%.2f", v);
		int w = snprintf(c->scores + used, sizeof c->scores - used, "%s%s %s%s%s%s",
				 used ? "\n" : "", sc[i].metric, val, detail && *detail ? " (" : "",
				 detail && *detail ? detail : "", detail && *detail ? ")" : "");
		if (w < 0 || (size_t)w >= sizeof c->scores - used)
			break;
		used += (size_t)w;
	}
	sl_cell_scores_free(sc, n);
}

/* (Re)build the columns for the current case when the case, the models shown or the run
 * changed; read stored cells that finished since. */
static void refresh(struct compare_view *cv, struct tui_matrix *d)
{
	struct tui_app *app = cv->base.app;
	if (app->compare_case >= d->n_cases)
		app->compare_case = d->n_cases - 1;
	if (app->compare_case < 0)
		app->compare_case = 0;
	if (app->compare_prompt >= d->n_prompts || app->compare_prompt < 0)
		app->compare_prompt = 0;
	if (cv->first_model >= d->n_models)
		cv->first_model = 0;
	/* While live, finished cells are picked up below; a new version means new data only
	 * for a stored run. */
	bool rebuild = cv->run_id != d->run_id || (!app->live && cv->version != app->run_version) ||
		       cv->loaded_case != app->compare_case || cv->loaded_prompt != app->compare_prompt ||
		       cv->loaded_first != cv->first_model || cv->n_cols == 0;
	if (rebuild) {
		clear_columns(cv);
		cv->run_id = d->run_id;
		cv->version = app->run_version;
		cv->loaded_case = app->compare_case;
		cv->loaded_prompt = app->compare_prompt;
		cv->loaded_first = cv->first_model;
		cv->scroll = 0;
		for (int m = cv->first_model; m < d->n_models && cv->n_cols < MAX_COLS; m++) {
			struct column *c = &cv->cols[cv->n_cols++];
			c->model = m;
			c->cell = tui_matrix_index(d, m, app->compare_prompt, app->compare_case, 0);
			c->ttft_ms = c->latency_ms = c->tokens_per_s = c->cost = NAN;
		}
		if (cv->focus >= cv->n_cols)
			cv->focus = cv->n_cols - 1;
	}
	bool need_store = false;
	for (int i = 0; i < cv->n_cols; i++) {
		struct column *c = &cv->cols[i];
		int st = tui_matrix_state(d, c->cell);
		bool finished = st == TUI_CELL_DONE || st == TUI_CELL_CACHED || st == TUI_CELL_FAILED;
		if (finished && !c->loaded)
			need_store = true;
		struct tui_live *l = app->live;
		bool in_flight = st == TUI_CELL_SENT || st == TUI_CELL_STREAMING;
		if (l && in_flight && c->followed < 0) {
			sl_runner_follow(l->runner, c->cell, true);
			c->followed = c->cell;
		} else if (!in_flight && c->followed >= 0) {
			unfollow(cv, c);
		}
	}
	if (need_store) {
		struct case_load cl = { cv, d, app->compare_case, app->compare_prompt };
		struct sl_error err = { 0 };
		sl_run_cells_foreach_cases(app->store, d->run_id, app->compare_prompt,
					   app->compare_case, app->compare_case + 1, load_cell, &cl,
					   &err);
		for (int i = 0; i < cv->n_cols; i++)
			if (cv->cols[i].loaded)
				load_scores(cv, &cv->cols[i], app->compare_case, app->compare_prompt);
	}
	if (cv->case_run != d->run_id || cv->case_idx != app->compare_case) {
		sl_run_case_clear(&cv->kase);
		cv->case_run = d->run_id;
		cv->case_idx = app->compare_case;
		struct sl_error err = { 0 };
		sl_run_case_get(app->store, d->run_id, app->compare_case, &cv->kase, &err);
	}
}

/* ---- stepping through cases ---- */

/* Cells searched per key press: a jump over a million agreeing cells stops on the way and
 * says so (d again searches on) instead of freezing the screen. */
#define JUMP_MAX_CELLS 20000

/* The next character of an answer as compared: lower case, with runs of spaces and . ! ,
 * one space between words and none at either end. */
static int norm_next(const char **p, bool *started, bool *gap)
{
	for (;;) {
		unsigned char ch = (unsigned char)**p;
		if (!ch)
			return 0;
		if (isspace(ch) || ch == '.' || ch == '!' || ch == ',') {
			*gap = *started;
			(*p)++;
			continue;
		}
		if (*gap) {
			*gap = false;
			return ' ';
		}
		*started = true;
		(*p)++;
		return tolower(ch);
	}
}

/* Whether two answers are the same but for case, spacing and . ! , (no copy of either). */
static bool same_answer(const char *a, const char *b)
{
	bool sa = false, ga = false, sb = false, gb = false;
	for (;;) {
		int x = norm_next(&a, &sa, &ga), y = norm_next(&b, &sb, &gb);
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

/* The next case after the current one (wrapping) where answers differ or one failed, read
 * by index a window at a time. */
static void jump(struct compare_view *cv, bool failures)
{
	struct tui_app *app = cv->base.app;
	struct tui_matrix *d = current(cv);
	if (!d || !d->n_cases)
		return;
	struct sl_error err = { 0 };
	int found = -1, k = 1;
	if (failures) {
		found = sl_run_next_failed_case(app->store, d->run_id, d->n_models,
						app->compare_prompt, app->compare_case, &err);
	} else {
		/* k counts cases after the current one; the last (k = n_cases) is itself */
		int max = JUMP_MAX_CELLS / (d->n_models > 0 ? d->n_models : 1);
		/* on to the last case, then round from the first */
		while (found < 0 && k <= d->n_cases && k <= max) {
			int from = (app->compare_case + k) % d->n_cases;
			int n = d->n_cases - from;
			if (n > d->n_cases - k + 1)
				n = d->n_cases - k + 1;
			if (n > max - k + 1)
				n = max - k + 1;
			found = sl_run_next_differing_case(app->store, d->run_id, d->n_models,
							   app->compare_prompt, from, from + n,
							   same_answer, &err);
			k += n;
		}
	}
	if (found >= 0) {
		app->compare_case = found;
	} else if (!failures && k <= d->n_cases) {
		app->compare_case = (app->compare_case + k - 1) % d->n_cases;
		tui_app_message(app, false, "the answers agree in the next %d cases: d searches on",
				k - 1);
	} else {
		tui_app_message(app, false, failures ? "no case where a model failed"
						    : "no other case where the answers differ");
	}
}

static enum tui_context cv_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_COMPARE;
}

static int cv_action(struct tui_view *v, enum tui_action a)
{
	struct compare_view *cv = cv_of(v);
	struct tui_app *app = v->app;
	struct tui_matrix *d = current(cv);
	if (!d)
		return 0;
	struct column *f = cv->n_cols ? &cv->cols[cv->focus] : NULL;
	int *scroll = cv->apart && f ? &f->scroll : &cv->scroll;
	switch (a) {
	case TUI_ACT_CMP_NEXT: app->compare_case = (app->compare_case + 1) % (d->n_cases ? d->n_cases : 1); break;
	case TUI_ACT_CMP_PREV:
		app->compare_case = (app->compare_case + d->n_cases - 1) % (d->n_cases ? d->n_cases : 1);
		break;
	case TUI_ACT_CMP_DISAGREE: jump(cv, false); break;
	case TUI_ACT_CMP_FAILED: jump(cv, true); break;
	case TUI_ACT_CMP_SCROLL_MODE:
		cv->apart = !cv->apart;
		for (int i = 0; i < cv->n_cols; i++)
			cv->cols[i].scroll = cv->scroll;
		tui_app_message(app, false, cv->apart ? "columns scroll apart (h/l picks one)"
						      : "columns scroll together");
		break;
	case TUI_ACT_CMP_DOWN: (*scroll)++; break;
	case TUI_ACT_CMP_UP: (*scroll)--; break;
	case TUI_ACT_CMP_PAGE_DOWN: *scroll += cv->page; break;
	case TUI_ACT_CMP_PAGE_UP: *scroll -= cv->page; break;
	case TUI_ACT_CMP_LEFT:
		if (cv->focus > 0)
			cv->focus--;
		break;
	case TUI_ACT_CMP_RIGHT:
		if (cv->focus + 1 < cv->n_cols)
			cv->focus++;
		break;
	case TUI_ACT_CMP_MODELS_NEXT:
		if (cv->first_model + MAX_COLS < d->n_models)
			cv->first_model += MAX_COLS;
		break;
	case TUI_ACT_CMP_MODELS_PREV:
		cv->first_model = cv->first_model >= MAX_COLS ? cv->first_model - MAX_COLS : 0;
		break;
	case TUI_ACT_CMP_PROMPT:
		app->compare_prompt = (app->compare_prompt + 1) % (d->n_prompts ? d->n_prompts : 1);
		break;
	default: return 0;
	}
	if (*scroll < 0)
		*scroll = 0;
	return TUI_HANDLED | TUI_REDRAW;
}

/* ---- drawing ---- */

static void box(struct tui_grid *g, struct tui_rect r, enum tui_role role, const char *title,
		enum tui_role title_role)
{
	for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
		tui_grid_put(g, x, r.y, 1, role, 0, tui_glyph(TUI_GLYPH_HLINE));
		tui_grid_put(g, x, r.y + r.h - 1, 1, role, 0, tui_glyph(TUI_GLYPH_HLINE));
	}
	for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
		tui_grid_put(g, r.x, y, 1, role, 0, tui_glyph(TUI_GLYPH_VLINE));
		tui_grid_put(g, r.x + r.w - 1, y, 1, role, 0, tui_glyph(TUI_GLYPH_VLINE));
	}
	tui_grid_put(g, r.x, r.y, 1, role, 0, tui_glyph(TUI_GLYPH_CORNER_TL));
	tui_grid_put(g, r.x + r.w - 1, r.y, 1, role, 0, tui_glyph(TUI_GLYPH_CORNER_TR));
	tui_grid_put(g, r.x, r.y + r.h - 1, 1, role, 0, tui_glyph(TUI_GLYPH_CORNER_BL));
	tui_grid_put(g, r.x + r.w - 1, r.y + r.h - 1, 1, role, 0, tui_glyph(TUI_GLYPH_CORNER_BR));
	char t[256];
	snprintf(t, sizeof t, " %s ", title);
	tui_grid_put(g, r.x + 1, r.y, r.w - 3, title_role, TUI_A_BOLD, t);
}

/* The text a column shows: the stored answer, or a window of the streamed text so far
 * (its tail: a streaming column follows the newest words). */
static const char *column_text(struct compare_view *cv, struct column *c, int st, int window,
			       char **tmp)
{
	*tmp = NULL;
	struct tui_live *l = cv->base.app->live;
	if ((st == TUI_CELL_SENT || st == TUI_CELL_STREAMING) && l) {
		size_t len = 0;
		const char *t = sl_runner_cell_text(l->runner, c->cell, &len);
		if (!t)
			return "";
		size_t start = len > (size_t)window ? len - (size_t)window : 0;
		while (start < len && ((unsigned char)t[start] & 0xC0) == 0x80)
			start++;
		*tmp = sl_xstrndup(t + start, len - start);
		return *tmp;
	}
	if (c->output)
		return c->output;
	return "";
}

static void draw_column(struct compare_view *cv, struct tui_matrix *d, struct column *c,
			bool focus, struct tui_grid *g, struct tui_rect r)
{
	bool redact = cv->base.app->script_mode;
	int st = tui_matrix_state(d, c->cell);
	enum tui_role series = (enum tui_role)(TUI_ROLE_SERIES1 + c->model % 4);
	box(g, r, focus && cv->apart ? TUI_ROLE_FOCUS : TUI_ROLE_BORDER, d->models[c->model], series);
	int inner_w = r.w - 2;
	int foot_h = 3;
	struct tui_rect text = { r.x + 1, r.y + 1, inner_w, r.h - 2 - foot_h - 1 };
	if (text.h < 1)
		return;
	char *tmp;
	const char *s = column_text(cv, c, st, inner_w * text.h * 4 + 64, &tmp);
	enum tui_role role = TUI_ROLE_DEFAULT;
	if (st == TUI_CELL_FAILED && c->error) {
		s = c->error;
		role = TUI_ROLE_CELL_FAILED;
	} else if (st == TUI_CELL_NONE || st == TUI_CELL_QUEUED || (st == TUI_CELL_SENT && !*s)) {
		s = st == TUI_CELL_SENT ? "(waiting for the first token)" : st == TUI_CELL_NONE ? "(not run)"
												 : "(queued)";
		role = TUI_ROLE_DIM;
	}
	bool streaming = st == TUI_CELL_STREAMING || st == TUI_CELL_SENT;
	int lines, skip;
	if (streaming) { /* follow the newest words */
		lines = tui_wrap_draw_tail(g, text, role, 0, s);
		skip = lines > text.h ? lines - text.h : 0;
	} else {
		lines = tui_wrap_draw(g, text, role, 0, s, 1 << 30);
		int *scroll = cv->apart ? &c->scroll : &cv->scroll;
		skip = *scroll;
		if (skip > lines - text.h)
			skip = lines - text.h > 0 ? lines - text.h : 0;
		tui_wrap_draw(g, text, role, 0, s, skip);
	}
	c->lines = lines;
	if (streaming && *s) {
		/* The stream's cursor after the last character drawn. */
		int last = lines - 1 - skip;
		if (last >= 0 && last < text.h) {
			int x = text.x;
			while (x < text.x + text.w && tui_grid_at(g, x, text.y + last)->ch != L' ')
				x++;
			int end = text.x + text.w - 1;
			while (end > text.x && tui_grid_at(g, end, text.y + last)->ch == L' ')
				end--;
			if (end + 1 < text.x + text.w)
				tui_grid_put(g, end + 1, text.y + last, 1, TUI_ROLE_CELL_STREAMING, 0,
					     tui_glyph(TUI_GLYPH_CARET));
			(void)x;
		}
	}
	if (skip > 0)
		tui_grid_put(g, r.x + r.w - 2, r.y + 1, 1, TUI_ROLE_DIM, 0, tui_glyph(TUI_GLYPH_MORE_UP));
	if (lines - skip > text.h)
		tui_grid_put(g, r.x + r.w - 2, text.y + text.h - 1, 1, TUI_ROLE_DIM, 0,
			     tui_glyph(TUI_GLYPH_MORE_DOWN));
	free(tmp);
	/* Footer: timings, cost, scores. */
	int fy = text.y + text.h;
	for (int x = r.x + 1; x < r.x + r.w - 1; x++)
		tui_grid_put(g, x, fy, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
	char line[256], a[32], b[32], cbuf[32];
	if (streaming)
		snprintf(line, sizeof line, "%s", st == TUI_CELL_STREAMING ? "streaming" : "sent");
	else if (st == TUI_CELL_DONE || st == TUI_CELL_CACHED)
		snprintf(line, sizeof line, "TTFT %s  %s tok/s%s", tui_fmt_ms(c->ttft_ms, redact, a, sizeof a),
			 tui_fmt_rate(c->tokens_per_s, redact, b, sizeof b), c->cached ? "  cached" : "");
	else
		snprintf(line, sizeof line, "%s", st == TUI_CELL_FAILED ? "failed" : "");
	tui_grid_put_field(g, r.x + 1, fy + 1, inner_w, streaming ? TUI_ROLE_CELL_STREAMING : TUI_ROLE_DIM,
			   0, line, false);
	if (st == TUI_CELL_DONE || st == TUI_CELL_CACHED) {
		snprintf(line, sizeof line, "cost %s", tui_fmt_cost(c->cost, isnan(c->cost), cbuf, sizeof cbuf));
		tui_grid_put_field(g, r.x + 1, fy + 2, inner_w, TUI_ROLE_DIM, 0, line, false);
	}
	if (c->scores[0])
		tui_wrap_draw(g, (struct tui_rect){ r.x + 1, fy + 3, inner_w, 1 }, TUI_ROLE_LABEL, 0,
			      c->scores, 0);
}

static void cv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct compare_view *cv = cv_of(v);
	struct tui_app *app = v->app;
	struct tui_matrix *d = current(cv);
	if (!d || !d->n_cases || !d->n_models) {
		tui_grid_put(g, area.x + 2, area.y + 1, area.w - 4, TUI_ROLE_LABEL, TUI_A_BOLD,
			     "Nothing to compare yet");
		tui_grid_put(g, area.x + 2, area.y + 3, area.w - 4, TUI_ROLE_DIM, 0,
			     "Start a run on 3 Run (or open one on 8 Runs), then Enter on a case.");
		return;
	}
	refresh(cv, d);
	int c = app->compare_case;
	char head[256], right[512] = "";
	snprintf(head, sizeof head, "case %d/%d", c + 1, d->n_cases);
	if (d->n_prompts > 1)
		snprintf(head + strlen(head), sizeof head - strlen(head), "  %s", d->prompts[app->compare_prompt]);
	const struct sl_case *cs = cv->kase.vars && cv->case_idx == c ? &cv->kase : NULL;
	const char *expected = cs ? cs->expected ? cs->expected : cs->label ? cs->label : cs->reference : NULL;
	if (expected)
		snprintf(right, sizeof right, "expected: %s", expected);
	int hw = tui_grid_put(g, area.x + 1, area.y, area.w - 2, TUI_ROLE_LABEL, TUI_A_BOLD, head);
	int rw = tui_text_width(right);
	if (rw > area.w - hw - 6)
		rw = area.w - hw - 6;
	if (right[0] && rw > 0)
		tui_grid_put_field(g, area.x + area.w - rw - 1, area.y, rw, TUI_ROLE_CELL_DONE, 0, right, true);
	int y = area.y + 1;
	/* The case's input: its fields, wrapped, at most a few lines. */
	int in_h = area.h >= 30 ? 4 : 2;
	if (cs) {
		struct sl_buf b;
		sl_buf_init(&b);
		const cJSON *f;
		cJSON_ArrayForEach(f, cs->vars) {
			if (cJSON_IsString(f))
				sl_buf_printf(&b, "%s%s: %s", b.len ? "   " : "", f->string, f->valuestring);
		}
		tui_wrap_draw(g, (struct tui_rect){ area.x + 1, y, area.w - 2, in_h }, TUI_ROLE_DEFAULT, 0,
			      b.data, 0);
		sl_buf_free(&b);
	}
	y += in_h;
	int n = cv->n_cols;
	int h = area.y + area.h - y;
	cv->page = h - 8 > 1 ? h - 8 : 1;
	int w = area.w / (n ? n : 1);
	for (int i = 0; i < n; i++) {
		int x = area.x + i * w;
		int cw = i == n - 1 ? area.w - i * w : w;
		draw_column(cv, d, &cv->cols[i], i == cv->focus, g, (struct tui_rect){ x, y, cw, h });
	}
}

static void cv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct compare_view *cv = cv_of(v);
	struct tui_matrix *d = current(cv);
	if (!d)
		return;
	sl_buf_printf(left, "run %lld  scroll %s", (long long)d->run_id, cv->apart ? "apart" : "together");
	if (d->n_models > MAX_COLS)
		sl_buf_printf(left, "  models %d-%d of %d ([ ] for more)", cv->first_model + 1,
			      cv->first_model + cv->n_cols, d->n_models);
	sl_buf_printf(right, "case %d of %d", v->app->compare_case + 1, d->n_cases);
}

static void cv_destroy(struct tui_view *v)
{
	struct compare_view *cv = cv_of(v);
	clear_columns(cv);
	sl_run_case_clear(&cv->kase);
	tui_matrix_free(&cv->stored);
	free(cv);
}

static const struct tui_view_ops compare_ops = {
	.name = "compare",
	.context = cv_context,
	.draw = cv_draw,
	.action = cv_action,
	.status = cv_status,
	.destroy = cv_destroy,
};

struct tui_view *tui_compare_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct compare_view *cv = sl_xcalloc(1, sizeof *cv);
	cv->base.ops = &compare_ops;
	cv->base.app = app;
	cv->loaded_case = -1;
	for (int i = 0; i < MAX_COLS; i++)
		cv->cols[i].followed = -1;
	return &cv->base;
}
