#include "run_live.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "loop.h"
#include "shortlist/gates.h"
#include "shortlist/judge.h"
#include "shortlist/pipeline.h"
#include "shortlist/report.h"
#include "shortlist/scorecard.h"

int tui_live_plan(struct sl_store *store, const char *suite_path, bool resume,
		  const char *resume_ref, struct sl_run_plan *plan, struct sl_error *err)
{
	/* what the CLI refuses before sending (a judge scorer with no judge model, a gate on a
	 * metric the suite does not score): the runner alone would send, then fail to score */
	struct sl_runner_opts opts = { .suite_path = suite_path, .max_cost = NAN,
				       .check = sl_pipeline_check_run,
				       .validate = sl_report_validate_scorer, .resume = resume,
				       .resume_ref = resume_ref };
	return sl_runner_plan(store, &opts, plan, err);
}

static void describe_cell(const struct tui_matrix *d, int64_t cell, char *out, size_t n)
{
	int m, p, c, s;
	tui_matrix_split(d, cell, &m, &p, &c, &s);
	snprintf(out, n, "%s%s%s case %d", tui_short_name(d->models[m]),
		 d->n_prompts > 1 ? " " : "", d->n_prompts > 1 ? d->prompts[p] : "", c + 1);
}

static void on_event(void *ud, const struct sl_run_event *ev)
{
	struct tui_live *l = ud;
	struct tui_matrix *d = &l->data;
	bool cell_event = ev->kind != SL_EV_MODEL_PROGRESS && ev->kind != SL_EV_RUN_FINISHED;
	if (cell_event && (ev->ref.cell < 0 || ev->ref.cell >= d->n_cells))
		return;
	uint8_t *st = cell_event ? &d->state[ev->ref.cell] : NULL;
	char where[160], line[240];
	switch (ev->kind) {
	case SL_EV_QUEUED: *st = TUI_CELL_QUEUED; break;
	case SL_EV_SENT: *st = TUI_CELL_SENT; break;
	case SL_EV_FIRST_TOKEN: *st = TUI_CELL_STREAMING; break;
	case SL_EV_DELTA:
		if (l->on_delta)
			l->on_delta(l->delta_ud, ev->ref.cell, ev->text, ev->len);
		break;
	case SL_EV_DONE: *st = TUI_CELL_DONE; break;
	case SL_EV_CACHED: *st = TUI_CELL_CACHED; break;
	case SL_EV_RETRY:
		*st = TUI_CELL_QUEUED;
		describe_cell(d, ev->ref.cell, where, sizeof where);
		if (isnan(ev->retry_in_ms))
			snprintf(line, sizeof line, "%s: %s, try %d failed, retrying", where,
				 ev->reason ? ev->reason : "failed", ev->attempt);
		else
			snprintf(line, sizeof line, "%s: %s, try %d failed, retry in %.1f s", where,
				 ev->reason ? ev->reason : "failed", ev->attempt,
				 ev->retry_in_ms / 1000.0);
		tui_matrix_add_error(d, ev->ref.cell, true, line);
		break;
	case SL_EV_ERROR:
		*st = TUI_CELL_FAILED;
		d->errors_total++;
		describe_cell(d, ev->ref.cell, where, sizeof where);
		snprintf(line, sizeof line, "%s: %s", where, ev->reason ? ev->reason : "failed");
		tui_matrix_add_error(d, ev->ref.cell, false, line);
		break;
	case SL_EV_MODEL_PROGRESS: {
		const struct sl_model_progress *mp = ev->model_progress;
		if (!mp || mp->model < 0 || mp->model >= d->n_models)
			break;
		struct tui_model_stats *s = &d->stats[mp->model];
		*s = (struct tui_model_stats){ mp->total, mp->done, mp->errors, mp->cached,
					       mp->in_flight, mp->cost, mp->cost_unknown,
					       mp->ttft_p50_ms, mp->tokens_per_s_p50,
					       mp->requests_per_s };
		break;
	}
	case SL_EV_RUN_FINISHED:
	case SL_EV_KIND_COUNT: break;
	}
	l->app->dirty = true;
}

int tui_live_start(struct tui_app *app, const char *suite_path, bool resume,
		   const char *resume_ref, struct sl_error *err)
{
	if (app->live) {
		sl_error_set(err, "run %lld is still in progress: cancel it (c on the Run screen) "
				  "first", (long long)app->run_id);
		return -1;
	}
	struct tui_live *l = sl_xcalloc(1, sizeof *l);
	l->app = app;
	l->score_since = -1;
	l->suite_path = sl_xstrdup(suite_path);
	l->resume_ref = resume_ref ? sl_xstrdup(resume_ref) : NULL;
	/* checked again by the runner: the file may have changed since its plan */
	l->opts = (struct sl_runner_opts){ .suite_path = l->suite_path, .max_cost = NAN,
					   .check = sl_pipeline_check_run,
					   .validate = sl_report_validate_scorer, .resume = resume,
					   .resume_ref = l->resume_ref };
	l->commit = sl_report_score_commit_new();
	l->opts.on_commit = sl_report_score_commit;
	l->opts.commit_ud = l->commit;
	struct sl_engine_options eo = { 0 };
	l->eng = sl_engine_new(&eo, err);
	if (!l->eng)
		goto fail;
	tui_engine_waiter_init(&l->ew, l->eng);
	l->runner = sl_runner_start(app->store, &l->opts, l->eng, err);
	if (!l->runner)
		goto fail;
	if (tui_matrix_load(&l->data, app->store, sl_runner_run_id(l->runner), err) != 0)
		goto fail;
	/* Cells planned in this invocation arrive as QUEUED events; the rest were loaded. */
	sl_runner_subscribe(l->runner, 0, on_event, l);
	l->started_ns = sl_now_ns();
	app->live = l;
	app->run_id = l->data.run_id;
	app->measured_run = l->data.run_id;
	app->run_version++;
	app->dirty = true;
	return 0;
fail:
	tui_live_free(l);
	return -1;
}

void tui_live_pause(struct tui_live *l, bool paused)
{
	if (!l->runner)
		return; /* scoring: nothing to pause */
	l->paused = paused;
	sl_runner_pause(l->runner, paused);
	l->app->dirty = true;
}

void tui_live_cancel(struct tui_live *l)
{
	l->cancelled = true;
	if (l->runner) {
		sl_runner_stop(l->runner);
	} else {
		/* its requests are cancelled: the scores written stay, the rest is unmarked */
		sl_report_score_free(l->scoring);
		l->scoring = NULL;
	}
	l->app->dirty = true;
}

bool tui_live_scoring(const struct tui_live *l, char *out, size_t n)
{
	if (!l || !l->scoring)
		return false;
	const struct sl_score_progress *p = &l->shown;
	if (p->what)
		snprintf(out, n, "scoring: %s %zu/%zu", p->what, p->done, p->total);
	else
		snprintf(out, n, "scoring");
	return true;
}

void tui_live_free(struct tui_live *l)
{
	if (!l)
		return;
	if (l->app && l->app->live == l)
		l->app->live = NULL;
	sl_report_score_free(l->scoring);
	sl_runner_free(l->runner);
	sl_report_score_commit_free(l->commit);
	/* its cancelled requests report (and free their cells) at the next perform */
	if (l->eng)
		sl_engine_run_until_idle(l->eng);
	sl_engine_free(l->eng);
	tui_matrix_free(&l->data);
	free(l->suite_path);
	free(l->resume_ref);
	free(l);
}

double tui_live_elapsed_s(const struct tui_live *l)
{
	return (double)(sl_now_ns() - l->started_ns) / 1e9;
}

const struct sl_run_progress *tui_live_progress(const struct tui_live *l)
{
	return l->runner ? sl_runner_progress(l->runner) : &l->last;
}

/* The scoring ended (or could not start): say how the run went, roll into the
 * scorecard. */
static void end_scoring(struct tui_app *app, struct tui_live *l, const char *score_error)
{
	int64_t id = l->data.run_id;
	bool cancelled = l->cancelled;
	const struct sl_run_outcome *o = &l->outcome;
	/* kept now, at the run's end, so that no screen (nor a later reader) computes them */
	sl_scorecard_keep(app->store, id, &(struct sl_error){ 0 });
	app->run_id = id;
	app->run_version++;
	if (score_error)
		tui_app_message(app, true, "run %lld finished; scoring failed: %s", (long long)id,
				score_error);
	else if (cancelled && !o->missing)
		tui_app_message(app, false, "run %lld: scoring stopped (`shortlist report %lld` "
					    "scores the rest)", (long long)id, (long long)id);
	else if (cancelled || o->missing)
		tui_app_message(app, false, "run %lld stopped: %lld cells not run (:resume %lld "
					    "continues it)", (long long)id, (long long)o->missing,
				(long long)id);
	else
		tui_app_message(app, false, "run %lld finished: %s%s", (long long)id,
				o->complete ? "every cell answered" : "some cells failed",
				o->errors ? " (see the errors on 3 Run)" : "");
	tui_live_free(l);
	if (!cancelled)
		tui_app_show(app, TUI_SCREEN_SCORECARD);
}

/* The runner ended: record the run, then score it in this loop (registry scorers at once,
 * the judge's and the embeddings' requests through the engine). */
static void end_run(struct tui_app *app, struct tui_live *l)
{
	struct sl_error err = { 0 };
	int64_t id = l->data.run_id;
	struct sl_runner *r = l->runner;
	l->last = *sl_runner_progress(r);
	l->runner = NULL;
	int rc = sl_runner_finish(r, &l->outcome, &err);
	app->run_id = id;
	app->run_version++;
	if (rc != 0) {
		tui_live_free(l);
		tui_app_message(app, true, "run %lld: %s", (long long)id, err.msg);
		return;
	}
	l->paused = false;
	l->scoring = sl_report_score_start(app->store, id,
					   &(struct sl_judge_options){ .engine = l->eng },
					   &l->score_stats, &err);
	if (!l->scoring) {
		end_scoring(app, l, err.msg);
		return;
	}
	sl_report_score_progress(l->scoring, &l->shown);
	app->dirty = true;
}

static void pump_scoring(struct tui_app *app, struct tui_live *l)
{
	struct sl_error err = { 0 };
	if (!l->scoring) { /* stopped (c) */
		end_scoring(app, l, NULL);
		return;
	}
	if (sl_report_score_pump(l->scoring)) {
		struct sl_score_progress p = { 0 };
		sl_report_score_progress(l->scoring, &p);
		if (p.what != l->shown.what || p.done != l->shown.done) {
			l->shown = p;
			app->dirty = true;
		}
		return;
	}
	struct sl_score_task *t = l->scoring;
	l->scoring = NULL;
	int rc = sl_report_score_finish(t, &err);
	end_scoring(app, l, rc != 0 ? err.msg : NULL);
}

static int lw_wait(void *ud, struct pollfd *fds, int nfds, int timeout_ms)
{
	struct tui_app *app = ud;
	if (app->live)
		return app->live->ew.waiter.wait(&app->live->ew, fds, nfds, timeout_ms);
	return tui_poll_waiter.wait(NULL, fds, nfds, timeout_ms);
}

static bool lw_progress(void *ud)
{
	struct tui_app *app = ud;
	struct tui_live *l = app->live;
	if (!l)
		return false;
	bool changed = l->ew.waiter.progress(&l->ew);
	if (!l->runner) {
		pump_scoring(app, l); /* marks the app dirty when its progress moved */
		return changed;
	}
	if (!sl_runner_pump(l->runner)) {
		end_run(app, l);
		return true;
	}
	/* Stored cells changed (the runner's writer commits them a little after their events):
	 * Scorecard and Charts reload (at their own pace). */
	int64_t committed = sl_runner_committed(l->runner, NULL);
	if (committed != l->committed) {
		l->committed = committed;
		app->run_version++;
		app->dirty = changed = true;
	}
	return changed;
}

static int lw_pending(void *ud)
{
	struct tui_app *app = ud;
	struct tui_live *l = app->live;
	if (!l)
		return 0;
	/* Paused: only what is in flight or not committed yet; running (or scoring): until it
	 * ends. */
	int active = (int)sl_engine_active(l->eng);
	int64_t waiting = 0;
	if (l->runner)
		sl_runner_committed(l->runner, &waiting);
	return l->paused ? active + (waiting > 0) : active + 1;
}

void tui_live_waiter_init(struct tui_waiter *w, struct tui_app *app)
{
	*w = (struct tui_waiter){ .wait = lw_wait, .progress = lw_progress,
				  .pending = lw_pending, .ud = app };
}
