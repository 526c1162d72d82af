/* The Rate screen: a run's outputs to rate 1-5 with an optional comment, or blind A/B pairs
 * (model names hidden, order shuffled with a seed fixed per run and rater, so a rater who
 * comes back sees the same order). Every rating or vote is stored the moment it is given
 * (sl_rating_put / sl_vote_put): quitting loses nothing, and the queue skips what is done.
 * Undo takes the last one of this session back out of the store. The results panel shows
 * agreement (Krippendorff's alpha, Cohen's kappa) and Bradley-Terry strengths from the
 * core's ratings report; it names models, so it is hidden until asked for. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "glyph.h"
#include "shortlist/ratings.h"
#include "wrap.h"

#define MAX_UNDO 256

struct rate_view {
	struct tui_view base;
	bool loaded;
	int64_t run_id;           /* the queues' run */
	const char *rater;
	uint64_t seed;
	bool pairs, results, typing;
	char comment[512], before[512];
	/* 1-5: the cells this rater had not rated when the screen opened. */
	struct sl_cell_key *todo;
	size_t n_todo, pos;
	bool *rated;             /* per todo entry, this session */
	int64_t n_outputs, n_done; /* successful cells, and those rated by this rater */
	/* Pairs: every pair in the seeded order, and which this rater has voted on. */
	struct sl_pair *pair;
	size_t n_pairs, ppos;
	bool *voted;
	int64_t n_voted;
	/* Undo: what this session stored, newest last. */
	struct { bool pair; size_t index; } undo[MAX_UNDO];
	size_t n_undo;
	/* The text of the item shown (fetched once per item). */
	size_t text_for;         /* item + 1 the texts belong to, 0 none */
	bool text_pairs;
	char *input, *out_a, *out_b;
	int line;
	int scroll;
	struct sl_ratings_report rep;
	bool have_rep;
};

static struct rate_view *rv_of(struct tui_view *v)
{
	return (struct rate_view *)v;
}

/* The agreement report is rebuilt after each rating: free the old one first. */
static void drop_report(struct rate_view *rv)
{
	if (rv->have_rep)
		sl_ratings_report_free(&rv->rep);
	rv->have_rep = false;
}

static void free_text(struct rate_view *rv)
{
	free(rv->input);
	free(rv->out_a);
	free(rv->out_b);
	rv->input = rv->out_a = rv->out_b = NULL;
	rv->text_for = 0;
}

static void free_queues(struct rate_view *rv)
{
	free(rv->todo);
	free(rv->rated);
	free(rv->pair);
	free(rv->voted);
	rv->todo = NULL;
	rv->rated = NULL;
	rv->pair = NULL;
	rv->voted = NULL;
	rv->n_todo = rv->n_pairs = rv->pos = rv->ppos = 0;
	rv->n_undo = 0;
	drop_report(rv);
	free_text(rv);
}

/* FNV-1a of the rater mixed with the run: the same blind order every time this rater opens
 * this run, a different one for another rater. */
static uint64_t pair_seed(int64_t run_id, const char *rater)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)run_id;
	for (const unsigned char *p = (const unsigned char *)rater; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h % 1000000007ull;
}

static void next_pair(struct rate_view *rv)
{
	while (rv->ppos < rv->n_pairs && rv->voted[rv->ppos])
		rv->ppos++;
}

/* The queues are built when the run changes; ratings given here do not rebuild them (the
 * scorecard is only marked stale), so the position and the undo history survive. */
static void load(struct rate_view *rv)
{
	struct tui_rundata *d = tui_app_rundata_peek(rv->base.app);
	rv->n_outputs = 0;
	for (size_t i = 0; i < d->sc.n_models; i++)
		rv->n_outputs += d->sc.rows[i].n_ok;
	if (rv->loaded && rv->run_id == d->run_id)
		return;
	free_queues(rv);
	rv->loaded = true;
	rv->run_id = d->run_id;
	if (!d->run_id)
		return;
	struct sl_store *store = rv->base.app->store;
	struct sl_error err = { 0 };
	if (sl_ratings_todo(store, d->run_id, rv->rater, &rv->todo, &rv->n_todo, &err) != 0) {
		tui_app_message(rv->base.app, true, "%s", err.msg);
		rv->n_todo = 0;
	}
	rv->rated = sl_xcalloc(rv->n_todo + 1, sizeof *rv->rated);
	rv->n_done = rv->n_outputs - (int64_t)rv->n_todo;
	rv->seed = pair_seed(d->run_id, rv->rater);
	if (sl_ratings_pairs(store, d->run_id, rv->seed, &rv->pair, &rv->n_pairs, &err) != 0) {
		tui_app_message(rv->base.app, true, "%s", err.msg);
		rv->n_pairs = 0;
	}
	rv->voted = sl_xcalloc(rv->n_pairs + 1, sizeof *rv->voted);
	rv->n_voted = 0;
	for (size_t i = 0; i < rv->n_pairs; i++) {
		rv->voted[i] = sl_vote_exists(store, &rv->pair[i], rv->rater, &err) == 1;
		rv->n_voted += rv->voted[i];
	}
	next_pair(rv);
}

static void load_report(struct rate_view *rv)
{
	drop_report(rv);
	struct sl_error err = { 0 };
	rv->have_rep = sl_ratings_report(rv->base.app->store, rv->run_id, &rv->rep, &err) == 0;
	if (!rv->have_rep)
		tui_app_message(rv->base.app, true, "%s", err.msg);
}

static void load_text(struct rate_view *rv)
{
	size_t item = rv->pairs ? rv->ppos : rv->pos;
	bool done = rv->pairs ? item >= rv->n_pairs : item >= rv->n_todo;
	if (done || (rv->text_for == item + 1 && rv->text_pairs == rv->pairs))
		return;
	free_text(rv);
	struct sl_error err = { 0 };
	struct sl_store *store = rv->base.app->store;
	const struct sl_cell_key *a = rv->pairs ? &rv->pair[item].left : &rv->todo[item];
	if (sl_ratings_cell_text(store, a, &rv->line, &rv->input, &rv->out_a, &err) != 0)
		tui_app_message(rv->base.app, true, "%s", err.msg);
	if (rv->pairs) {
		char *in2 = NULL;
		int line2;
		if (sl_ratings_cell_text(store, &rv->pair[item].right, &line2, &in2, &rv->out_b,
					 &err) != 0)
			tui_app_message(rv->base.app, true, "%s", err.msg);
		free(in2);
	}
	rv->text_for = item + 1;
	rv->text_pairs = rv->pairs;
	rv->scroll = 0;
}

/* ---- drawing ---- */

static void draw_results(struct rate_view *rv, struct tui_grid *g, struct tui_rect a)
{
	if (!rv->have_rep)
		load_report(rv);
	if (!rv->have_rep)
		return;
	const struct sl_ratings_report *r = &rv->rep;
	int y = a.y;
	char line[256];
	tui_grid_put(g, a.x, y++, a.w, TUI_ROLE_LABEL, TUI_A_BOLD,
		     "results (these name the models)");
	snprintf(line, sizeof line, "%lld rating%s of %lld cell%s by %zu rater%s; %lld vote%s",
		 (long long)r->n_ratings, r->n_ratings == 1 ? "" : "s", (long long)r->n_cells_rated,
		 r->n_cells_rated == 1 ? "" : "s", r->n_raters, r->n_raters == 1 ? "" : "s",
		 (long long)r->n_votes, r->n_votes == 1 ? "" : "s");
	tui_grid_put(g, a.x, y++, a.w, TUI_ROLE_DEFAULT, 0, line);
	if (isnan(r->alpha_ordinal))
		snprintf(line, sizeof line, "agreement: needs two raters on the same cells");
	else
		snprintf(line, sizeof line, "Krippendorff's alpha: ordinal %.2f, interval %.2f "
			 "(%zu pairable)", r->alpha_ordinal, r->alpha_interval, r->alpha_pairable);
	tui_grid_put(g, a.x, y++, a.w, TUI_ROLE_DEFAULT, 0, line);
	for (size_t k = 0; k < r->n_kappas && y < a.y + a.h; k++) {
		snprintf(line, sizeof line, "Cohen's kappa %s / %s: %.2f (quadratic %.2f, n=%lld)",
			 r->kappas[k].rater_a, r->kappas[k].rater_b, r->kappas[k].kappa,
			 r->kappas[k].kappa_quadratic, (long long)r->kappas[k].n);
		tui_grid_put(g, a.x, y++, a.w, TUI_ROLE_DEFAULT, 0, line);
	}
	y++;
	if (y < a.y + a.h)
		tui_grid_put(g, a.x, y++, a.w, TUI_ROLE_HEADER, 0,
			     "model                       mean [95%]         W/L/T    Bradley-Terry");
	for (size_t m = 0; m < r->n_models && y < a.y + a.h; m++) {
		const struct sl_model_rating *x = &r->models[m];
		char mean[48], bt[48];
		if (x->n)
			snprintf(mean, sizeof mean, "%.2f [%.2f,%.2f]", x->mean.estimate, x->mean.lo,
				 x->mean.hi);
		else
			snprintf(mean, sizeof mean, "%s", tui_glyph(TUI_GLYPH_UNKNOWN));
		if (isfinite(x->bt_strength))
			snprintf(bt, sizeof bt, "%.2f", x->bt_strength);
		else
			snprintf(bt, sizeof bt, "%s", tui_glyph(TUI_GLYPH_UNKNOWN));
		tui_grid_put_field(g, a.x, y, 27, TUI_ROLE_DEFAULT, 0, tui_short_name(x->model), false);
		snprintf(line, sizeof line, "%-18s %3lld/%lld/%lld  %s", mean, (long long)x->wins,
			 (long long)x->losses, (long long)x->ties, bt);
		tui_grid_put(g, a.x + 28, y++, a.w - 28, TUI_ROLE_DEFAULT, 0, line);
	}
	if (r->n_votes == 0 && y < a.y + a.h)
		tui_grid_put(g, a.x, y, a.w, TUI_ROLE_DIM, 0,
			     "strengths need blind A/B votes (m switches to pairs)");
}

static int put_block(struct tui_grid *g, struct tui_rect r, const char *label, const char *text,
		     int skip)
{
	tui_grid_put(g, r.x, r.y, r.w, TUI_ROLE_LABEL, TUI_A_BOLD, label);
	return tui_wrap_draw(g, (struct tui_rect){ r.x, r.y + 1, r.w, r.h - 1 }, TUI_ROLE_DEFAULT,
			     0, text ? text : tui_glyph(TUI_GLYPH_UNKNOWN), skip);
}

static void rv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct rate_view *rv = rv_of(v);
	load(rv);
	struct tui_rundata *d = tui_app_rundata_peek(v->app);
	struct tui_rect a = { area.x + 1, area.y, area.w - 2, area.h };
	if (!d->run_id) {
		tui_wrap_draw(g, (struct tui_rect){ a.x, a.y + 1, a.w, a.h - 1 }, TUI_ROLE_UNKNOWN, 0,
			      d->note, 0);
		return;
	}
	char head[256];
	if (rv->pairs)
		snprintf(head, sizeof head, "run %lld  blind A/B as %s  %lld of %zu pairs voted  "
			 "(order seed %llu)", (long long)rv->run_id, rv->rater, (long long)rv->n_voted,
			 rv->n_pairs, (unsigned long long)rv->seed);
	else
		snprintf(head, sizeof head, "run %lld  rating 1-5 as %s  %lld of %lld outputs rated",
			 (long long)rv->run_id, rv->rater, (long long)rv->n_done,
			 (long long)rv->n_outputs);
	tui_grid_put(g, a.x, a.y, a.w, TUI_ROLE_LABEL, TUI_A_BOLD, head);
	/* Progress bar under the header. */
	int64_t total = rv->pairs ? (int64_t)rv->n_pairs : rv->n_outputs;
	int64_t done = rv->pairs ? rv->n_voted : rv->n_done;
	int bw = a.w;
	int fill = total ? (int)((double)done / (double)total * bw + 0.5) : 0;
	for (int x = 0; x < bw; x++)
		tui_grid_put(g, a.x + x, a.y + 1, 1, x < fill ? TUI_ROLE_BAR : TUI_ROLE_BAR_EMPTY, 0,
			     tui_glyph(x < fill ? TUI_GLYPH_BAR_FULL : TUI_GLYPH_BAR_EMPTY));
	struct tui_rect body = { a.x, a.y + 3, a.w, a.h - 4 };
	if (rv->results) {
		draw_results(rv, g, body);
		return;
	}
	size_t item = rv->pairs ? rv->ppos : rv->pos;
	if (rv->pairs ? item >= rv->n_pairs : item >= rv->n_todo) {
		char msg[200];
		snprintf(msg, sizeof msg, "%s. u takes the last one back; i shows the results.",
			 rv->pairs ? (rv->n_pairs ? "every pair is voted on or skipped"
						  : "no pairs: blind A/B needs two models answering "
						    "the same case")
				   : "every output is rated or skipped");
		tui_wrap_draw(g, body, TUI_ROLE_DIM, 0, msg, 0);
		return;
	}
	load_text(rv);
	char label[128];
	if (rv->pairs)
		snprintf(label, sizeof label, "pair %zu of %zu  %s  dataset line %d", item + 1,
			 rv->n_pairs, tui_glyph(TUI_GLYPH_DOT), rv->line);
	else
		snprintf(label, sizeof label, "output %zu of %zu in this queue  %s  dataset line %d",
			 item + 1, rv->n_todo, tui_glyph(TUI_GLYPH_DOT), rv->line);
	tui_grid_put(g, body.x, body.y, body.w, TUI_ROLE_DIM, 0, label);
	int in_h = body.h / 4 > 2 ? body.h / 4 : 2;
	put_block(g, (struct tui_rect){ body.x, body.y + 1, body.w, in_h }, "input", rv->input, 0);
	int oy = body.y + 1 + in_h;
	int oh = body.y + body.h - oy - 1;
	if (rv->pairs) {
		int hw = (body.w - 1) / 2;
		put_block(g, (struct tui_rect){ body.x, oy, hw, oh }, "A", rv->out_a, rv->scroll);
		for (int y = oy; y < oy + oh; y++)
			tui_grid_put(g, body.x + hw, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_VLINE));
		put_block(g, (struct tui_rect){ body.x + hw + 2, oy, body.w - hw - 2, oh }, "B",
			  rv->out_b, rv->scroll);
	} else {
		put_block(g, (struct tui_rect){ body.x, oy, body.w, oh }, "output", rv->out_a,
			  rv->scroll);
	}
	char c[600];
	if (rv->typing || rv->comment[0]) {
		snprintf(c, sizeof c, "comment: %s%s", rv->comment, rv->typing ? tui_glyph(TUI_GLYPH_CARET) : "");
		tui_grid_put(g, body.x, body.y + body.h - 1, body.w,
			     rv->typing ? TUI_ROLE_SEARCH : TUI_ROLE_DIM, 0, c);
	}
}

/* ---- acting ---- */

static void remember(struct rate_view *rv, bool pair, size_t index)
{
	if (rv->n_undo == MAX_UNDO) {
		memmove(rv->undo, rv->undo + 1, (MAX_UNDO - 1) * sizeof rv->undo[0]);
		rv->n_undo--;
	}
	rv->undo[rv->n_undo].pair = pair;
	rv->undo[rv->n_undo++].index = index;
}

static int rate(struct rate_view *rv, int score)
{
	if (rv->pairs || rv->pos >= rv->n_todo)
		return TUI_HANDLED;
	struct sl_error err = { 0 };
	if (sl_rating_put(rv->base.app->store, &rv->todo[rv->pos], rv->rater, score, rv->comment,
			  &err) != 0) {
		tui_app_message(rv->base.app, true, "not stored: %s", err.msg);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (!rv->rated[rv->pos])
		rv->n_done++;
	rv->rated[rv->pos] = true;
	remember(rv, false, rv->pos);
	rv->pos++;
	rv->comment[0] = '\0';
	drop_report(rv);
	/* The human metric joins the scorecard: reload it when the user looks. */
	tui_app_rundata_peek(rv->base.app)->stale = true;
	return TUI_HANDLED | TUI_REDRAW;
}

static int vote(struct rate_view *rv, enum sl_vote_value v)
{
	if (!rv->pairs || rv->ppos >= rv->n_pairs)
		return TUI_HANDLED;
	struct sl_error err = { 0 };
	const struct sl_pair *p = &rv->pair[rv->ppos];
	if (sl_vote_put(rv->base.app->store, &p->left, &p->right, rv->rater, v, (int64_t)rv->seed,
			rv->comment, &err) != 0) {
		tui_app_message(rv->base.app, true, "not stored: %s", err.msg);
		return TUI_HANDLED | TUI_REDRAW;
	}
	rv->voted[rv->ppos] = true;
	rv->n_voted++;
	remember(rv, true, rv->ppos);
	rv->comment[0] = '\0';
	drop_report(rv);
	next_pair(rv);
	return TUI_HANDLED | TUI_REDRAW;
}

static int undo(struct rate_view *rv)
{
	if (!rv->n_undo) {
		tui_app_message(rv->base.app, false, "nothing to undo in this session");
		return TUI_HANDLED | TUI_REDRAW;
	}
	struct sl_error err = { 0 };
	size_t i = rv->undo[rv->n_undo - 1].index;
	bool pair = rv->undo[rv->n_undo - 1].pair;
	int rc = pair ? sl_vote_delete(rv->base.app->store, &rv->pair[i], rv->rater, &err)
		      : sl_rating_delete(rv->base.app->store, &rv->todo[i], rv->rater, &err);
	if (rc < 0) {
		tui_app_message(rv->base.app, true, "%s", err.msg);
		return TUI_HANDLED | TUI_REDRAW;
	}
	rv->n_undo--;
	if (pair) {
		rv->voted[i] = false;
		rv->n_voted--;
		rv->ppos = i;
	} else {
		rv->rated[i] = false;
		rv->n_done--;
		rv->pos = i;
		tui_app_rundata_peek(rv->base.app)->stale = true;
	}
	rv->pairs = pair;
	drop_report(rv);
	tui_app_message(rv->base.app, false, "taken back: %s %zu", pair ? "pair" : "output", i + 1);
	return TUI_HANDLED | TUI_REDRAW;
}

static int rv_action(struct tui_view *v, enum tui_action a)
{
	struct rate_view *rv = rv_of(v);
	load(rv);
	switch (a) {
	case TUI_ACT_RATE_1: case TUI_ACT_RATE_2: case TUI_ACT_RATE_3: case TUI_ACT_RATE_4:
	case TUI_ACT_RATE_5:
		if (rv->pairs) {
			tui_app_message(v->app, false, "blind pairs take a, b or t (m: 1-5 ratings)");
			return TUI_HANDLED | TUI_REDRAW;
		}
		return rate(rv, 1 + (int)(a - TUI_ACT_RATE_1));
	case TUI_ACT_VOTE_A: case TUI_ACT_VOTE_B: case TUI_ACT_VOTE_TIE:
		if (!rv->pairs) {
			tui_app_message(v->app, false, "ratings take 1-5 (m: blind A/B pairs)");
			return TUI_HANDLED | TUI_REDRAW;
		}
		return vote(rv, a == TUI_ACT_VOTE_A ? SL_VOTE_LEFT
			      : a == TUI_ACT_VOTE_B ? SL_VOTE_RIGHT : SL_VOTE_TIE);
	case TUI_ACT_RATE_SKIP:
		if (rv->pairs && rv->ppos < rv->n_pairs) {
			rv->ppos++;
			next_pair(rv);
		} else if (!rv->pairs && rv->pos < rv->n_todo) {
			rv->pos++;
		}
		rv->comment[0] = '\0';
		break;
	case TUI_ACT_RATE_UNDO: return undo(rv);
	case TUI_ACT_RATE_COMMENT:
		rv->typing = true;
		snprintf(rv->before, sizeof rv->before, "%s", rv->comment);
		break;
	case TUI_ACT_RATE_MODE: rv->pairs = !rv->pairs; break;
	case TUI_ACT_RATE_RESULTS: rv->results = !rv->results; break;
	case TUI_ACT_RATE_SCROLL_DOWN: rv->scroll += 3; break;
	case TUI_ACT_RATE_SCROLL_UP: rv->scroll = rv->scroll > 3 ? rv->scroll - 3 : 0; break;
	case TUI_ACT_SEARCH_ACCEPT: rv->typing = false; break;
	case TUI_ACT_SEARCH_CANCEL:
		rv->typing = false;
		snprintf(rv->comment, sizeof rv->comment, "%s", rv->before);
		break;
	case TUI_ACT_SEARCH_ERASE: tui_text_erase_last(rv->comment); break;
	case TUI_ACT_SEARCH_CLEAR: rv->comment[0] = '\0'; break;
	default: return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int rv_event(struct tui_view *v, const struct tui_event *ev)
{
	struct rate_view *rv = rv_of(v);
	if (rv->typing && ev->key >= 0x20 && ev->key < TK_SPECIAL && ev->key != 0x7F) {
		tui_text_append(rv->comment, sizeof rv->comment, ev->key);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

static enum tui_context rv_context(struct tui_view *v)
{
	return rv_of(v)->typing ? TUI_CTX_SEARCH : TUI_CTX_RATE;
}

static void rv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct rate_view *rv = rv_of(v);
	if (rv->typing)
		sl_buf_puts(left, "comment: Enter keeps it for the next rating, Esc cancels");
	else if (!rv->run_id)
		sl_buf_puts(left, "no run");
	else
		sl_buf_printf(left, "%s  stored as given: quit any time",
			      rv->pairs ? "a A better  b B better  t tie" : "1 bad .. 5 excellent");
	if (rv->n_undo)
		sl_buf_printf(right, "%zu this session", rv->n_undo);
}

static void rv_destroy(struct tui_view *v)
{
	free_queues(rv_of(v));
	free(v);
}

static const struct tui_view_ops rate_ops = {
	.name = "rate",
	.context = rv_context,
	.draw = rv_draw,
	.action = rv_action,
	.event = rv_event,
	.status = rv_status,
	.destroy = rv_destroy,
};

struct tui_view *tui_rate_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct rate_view *rv = sl_xcalloc(1, sizeof *rv);
	rv->base.ops = &rate_ops;
	rv->base.app = app;
	rv->rater = sl_ratings_default_rater();
	return &rv->base;
}
