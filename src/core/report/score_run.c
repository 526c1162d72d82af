/* Scoring a finished run: the suite's scorers over every successful cell, written to
 * cell_scores in batched transactions. Failed cells get no score (they count in the error
 * rate); a cell a scorer cannot score gets a NULL value with the reason, never a zero. */
#include "shortlist/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/case_checks.h"
#include "shortlist/judge.h"
#include "shortlist/runs.h"
#include "shortlist/scorer.h"
#include "shortlist/suite.h"

/* Cells scored per write transaction: scoring happens outside it, so the write lock is held
 * only while a page's rows are inserted (milliseconds), never for the scorers' CPU time (a
 * 7 s transaction on long outputs stopped a run writing its cells). */
#define PAGE 256

int sl_report_validate_scorer(void *ud, const char *name, const cJSON *spec, const char *path,
			      struct sl_error *err)
{
	if (sl_judge_is_judge_scorer(name))
		return sl_judge_validate(spec, path, err);
	/* placeholders are filled per case: here only the shape is checked */
	cJSON *shape = sl_case_spec_shape(spec);
	int rc = sl_scorer_validate(ud, name, shape, path, err);
	cJSON_Delete(shape);
	return rc;
}

char *sl_report_metric_id(const cJSON *spec)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
	if (cJSON_IsString(name) && sl_judge_is_judge_scorer(name->valuestring))
		return sl_judge_metric_id(spec);
	/* The registry decides (a "rouge" entry reports "rougeL"): ask it, do not guess. */
	struct sl_error err = { 0 };
	cJSON *shape = sl_case_spec_shape(spec);
	struct sl_scorer *s = sl_scorer_new(shape, "suite.scorers[]", &err);
	char *id = s ? sl_xstrdup(sl_scorer_id(s)) : NULL;
	sl_scorer_free(s);
	cJSON_Delete(shape);
	return id;
}

struct slot {
	struct sl_scorer *scorer; /* NULL for judge scorers */
	const cJSON *spec;
	char *id;
	bool proportion;
	bool needed;              /* not yet scored for every successful cell */
	bool has_pass;            /* takes part in pass_rate */
	bool per_case;            /* its parameters name the case's fields: built per cell */
	struct sl_judge_task *task; /* a judge scorer's verdicts in flight */
};

/* A score computed and waiting for its page's write. */
struct pending_score {
	const char *metric; /* a slot's id or "pass_rate": outlives the page */
	bool proportion;
	int key[4];         /* model, prompt, case, sample */
	double value;
	char *detail;
};

struct score_ctx {
	struct sl_store *store;
	int64_t run_id;
	struct slot *slots;
	size_t n_slots;
	bool pass_rate;           /* write the combined pass_rate metric */
	bool case_checks;         /* score the rows' own "assert" checks */
	char **case_ids;          /* their metric names (outlive the pages) */
	size_t n_case_ids;
	struct sl_score_stats *stats;
	struct pending_score *pending;
	size_t n_pending, cap_pending;
	int last[4];              /* the page's last cell: the next page starts after it */
	int page_cells;
	char now[32];
	struct sl_error *err;
};

static void add_score(struct score_ctx *x, const char *metric, bool proportion,
		      const struct sl_cell *c, double value, const char *detail)
{
	if (x->n_pending == x->cap_pending) {
		x->cap_pending = x->cap_pending ? x->cap_pending * 2 : 1024;
		x->pending = sl_xrealloc(x->pending, x->cap_pending * sizeof *x->pending);
	}
	x->pending[x->n_pending++] = (struct pending_score){
		.metric = metric, .proportion = proportion,
		.key = { c->model_idx, c->prompt_idx, c->case_idx, c->sample }, .value = value,
		.detail = detail && *detail ? sl_xstrdup(detail) : NULL,
	};
	x->stats->scores++;
	if (isnan(value))
		x->stats->unscored++;
}

static void drop_pending(struct score_ctx *x)
{
	for (size_t i = 0; i < x->n_pending; i++)
		free(x->pending[i].detail);
	x->n_pending = 0;
}

/* Write the page's scores in one short transaction. */
static int write_pending(struct score_ctx *x)
{
	if (!x->n_pending)
		return 0;
	if (sl_store_begin(x->store, x->err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(x->store,
		"INSERT OR REPLACE INTO cell_scores (run_id, metric, model_idx, prompt_idx, case_idx,"
		" sample, kind, value, detail, scored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		" ?10)", x->err);
	for (size_t i = 0; st && i < x->n_pending; i++) {
		const struct pending_score *p = &x->pending[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, x->run_id);
		sqlite3_bind_text(st, 2, p->metric, -1, SQLITE_STATIC);
		for (int k = 0; k < 4; k++)
			sqlite3_bind_int(st, 3 + k, p->key[k]);
		sqlite3_bind_text(st, 7, p->proportion ? "proportion" : "mean", -1, SQLITE_STATIC);
		if (isnan(p->value))
			sqlite3_bind_null(st, 8);
		else
			sqlite3_bind_double(st, 8, p->value);
		sqlite3_bind_text(st, 9, p->detail, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, x->now, -1, SQLITE_STATIC);
		if (sl_store_step(x->store, st, x->err) < 0)
			st = NULL;
	}
	if (st)
		sqlite3_reset(st);
	drop_pending(x);
	if (!st) {
		sl_store_rollback(x->store);
		return -1;
	}
	return sl_store_commit(x->store, x->err);
}

/* A scorer whose parameters name the case's fields, built for this cell. id: its name. */
static void apply_for_case(const cJSON *spec, const struct sl_cell *c, struct sl_score *sc,
			   char **id, bool *proportion)
{
	struct sl_error e = { 0 };
	cJSON *vars = cJSON_Parse(c->vars_json ? c->vars_json : "{}");
	cJSON *r = sl_case_spec_render(spec, vars, "scorer", &e);
	struct sl_scorer *s = r ? sl_scorer_new(r, "scorer", &e) : NULL;
	if (s) {
		sl_scorer_apply(s, c, sc);
		if (id)
			*id = sl_xstrdup(sl_scorer_id(s));
		if (proportion)
			*proportion = sl_scorer_kind(s) != SL_SCORER_SIMILARITY;
	} else {
		sc->status = SL_SCORE_ERROR;
		sc->value = NAN;
		snprintf(sc->detail, sizeof sc->detail, "%.255s", e.msg);
	}
	sl_scorer_free(s);
	cJSON_Delete(r);
	cJSON_Delete(vars);
}

static const char *case_id(struct score_ctx *x, char *id)
{
	for (size_t i = 0; i < x->n_case_ids; i++)
		if (strcmp(x->case_ids[i], id) == 0) {
			free(id);
			return x->case_ids[i];
		}
	x->case_ids = sl_xrealloc(x->case_ids, (x->n_case_ids + 1) * sizeof *x->case_ids);
	return x->case_ids[x->n_case_ids++] = id;
}

/* The row's own checks: scored like the suite's, under their names, for this case only. */
static void score_case_asserts(struct score_ctx *x, const struct sl_cell *c, bool *all_pass,
			       bool *any_error)
{
	cJSON *vars = cJSON_Parse(c->vars_json ? c->vars_json : "{}");
	struct sl_error e = { 0 };
	cJSON *list = sl_case_asserts(vars, "case", &e);
	cJSON_Delete(vars);
	const cJSON *spec;
	cJSON_ArrayForEach(spec, list) {
		struct sl_score sc;
		memset(&sc, 0, sizeof sc);
		char *id = NULL;
		bool proportion = true;
		apply_for_case(spec, c, &sc, &id, &proportion);
		if (sc.status == SL_SCORE_SKIPPED || !id) {
			free(id);
			*any_error = true;
			continue;
		}
		if (sc.status != SL_SCORE_OK)
			*any_error = true;
		else if (!sc.pass)
			*all_pass = false;
		const char *metric = case_id(x, id);
		if (x->case_checks)
			add_score(x, metric, proportion, c, sc.status == SL_SCORE_OK ? sc.value : NAN,
				  sc.detail);
	}
	cJSON_Delete(list);
}

static int score_cell(void *ud, const struct sl_cell *c)
{
	struct score_ctx *x = ud;
	x->last[0] = c->model_idx;
	x->last[1] = c->prompt_idx;
	x->last[2] = c->case_idx;
	x->last[3] = c->sample;
	x->page_cells++;
	if (c->error_kind || !c->output)
		return 0;
	x->stats->cells++;
	bool all_pass = true, any_error = false;
	for (size_t i = 0; i < x->n_slots; i++) {
		struct slot *s = &x->slots[i];
		if (!s->scorer)
			continue;
		struct sl_score sc;
		memset(&sc, 0, sizeof sc);
		if (s->per_case)
			apply_for_case(s->spec, c, &sc, NULL, NULL);
		else
			sl_scorer_apply(s->scorer, c, &sc);
		if (sc.status == SL_SCORE_SKIPPED)
			continue;
		double v = sc.status == SL_SCORE_OK ? sc.value : NAN;
		if (s->has_pass && sc.status != SL_SCORE_OK)
			any_error = true;
		else if (s->has_pass && !sc.pass)
			all_pass = false;
		if (!s->needed)
			continue;
		char detail[400];
		if (sc.predicted[0] && sc.detail[0])
			snprintf(detail, sizeof detail, "predicted: %s; %s", sc.predicted, sc.detail);
		else if (sc.predicted[0])
			snprintf(detail, sizeof detail, "predicted: %s", sc.predicted);
		else
			snprintf(detail, sizeof detail, "%s", sc.detail);
		add_score(x, s->id, s->proportion, c, v, detail);
	}
	score_case_asserts(x, c, &all_pass, &any_error);
	if (x->pass_rate)
		add_score(x, "pass_rate", true, c, any_error ? NAN : all_pass ? 1 : 0,
			  any_error ? "a scorer could not score this cell" : NULL);
	return 0;
}

/* Score every cell page by page, each page written in its own short transaction. A crash
 * midway leaves the metric unmarked (delete_metric took the mark), so the next report
 * scores it again. */
static int score_pages(struct score_ctx *x)
{
	for (bool first = true;; first = false) {
		x->page_cells = 0;
		if (sl_run_cells_foreach_page(x->store, x->run_id, first ? NULL : x->last, PAGE,
					      score_cell, x, x->err) != 0 ||
		    write_pending(x) != 0) {
			drop_pending(x);
			return -1;
		}
		if (x->page_cells < PAGE)
			return 0;
	}
}

/* The number of successful cells the metric was last scored against; -2 if never. */
static int64_t scored_against(struct sl_store *store, int64_t run, const char *metric,
			      struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT ok_cells FROM score_marks WHERE run_id = ?1 AND metric = ?2", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	int rc = sl_store_step(store, st, err);
	int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? -2 : -1;
	sqlite3_reset(st);
	return n;
}

static int mark_scored(struct sl_store *store, int64_t run, const char *metric, int64_t ok_cells,
		       struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT OR REPLACE INTO score_marks (run_id, metric, ok_cells, scored_at)"
		" VALUES (?1, ?2, ?3, ?4)", err);
	if (!st)
		return -1;
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ok_cells);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static int64_t count_ok_cells(struct sl_store *store, int64_t run, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT COALESCE(SUM(n - n_err), 0) FROM cell_stats WHERE run_id = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int64_t n = sl_store_step(store, st, err) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

/* Its scores and its mark (the caller writes both again, or leaves it gone). */
static int delete_metric(struct sl_store *store, int64_t run, const char *metric,
			 struct sl_error *err)
{
	static const char *const sql[] = {
		"DELETE FROM cell_scores WHERE run_id = ?1 AND metric = ?2",
		"DELETE FROM score_marks WHERE run_id = ?1 AND metric = ?2",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(sql); i++) {
		sqlite3_stmt *st = sl_store_prepare(store, sql[i], err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
		int rc = sl_store_step(store, st, err);
		sqlite3_reset(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct sl_score_task {
	struct score_ctx x;
	struct sl_suite *suite;   /* the scorers' specs live in it */
	int64_t ok_cells;
};

void sl_report_score_free(struct sl_score_task *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->x.n_slots; i++) {
		sl_judge_free(t->x.slots[i].task);
		sl_scorer_free(t->x.slots[i].scorer);
		free(t->x.slots[i].id);
	}
	free(t->x.slots);
	for (size_t i = 0; i < t->x.n_case_ids; i++)
		free(t->x.case_ids[i]);
	free(t->x.case_ids);
	free(t->x.pending);
	sl_suite_free(t->suite);
	free(t);
}

struct sl_score_task *sl_report_score_start(struct sl_store *store, int64_t run_id,
					    const struct sl_judge_options *judge,
					    struct sl_score_stats *stats, struct sl_error *err)
{
	memset(stats, 0, sizeof *stats);
	struct sl_run run;
	if (sl_run_get(store, run_id, &run, err) != 0)
		return NULL;
	struct sl_suite *suite = sl_run_suite(&run, err);
	if (!suite) {
		sl_run_free(&run);
		return NULL;
	}
	struct sl_score_task *t = sl_xcalloc(1, sizeof *t);
	t->suite = suite;
	size_t n = suite->n_scorers;
	struct score_ctx x = { .store = store, .run_id = run_id, .stats = stats, .err = err };
	x.slots = sl_xcalloc(n ? n : 1, sizeof *x.slots);
	sl_iso8601(sl_wall_ms(), x.now);
	int64_t ok_cells = count_ok_cells(store, run_id, err);
	t->ok_cells = ok_cells;
	if (ok_cells < 0)
		goto out;
	size_t n_pass = 0, n_judge = 0;
	bool any_needed = false;
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &x.slots[x.n_slots];
		const cJSON *spec = suite->scorers[i].params;
		const char *path = suite->scorers[i].path, *nm = suite->scorers[i].name;
		s->spec = spec;
		if (sl_judge_is_judge_scorer(nm)) {
			s->id = sl_judge_metric_id(spec);
			s->proportion = false;
			n_judge++;
		} else {
			s->per_case = sl_case_spec_templated(spec);
			cJSON *shape = sl_case_spec_shape(spec);
			s->scorer = sl_scorer_new(shape, path, err);
			cJSON_Delete(shape);
			if (!s->scorer) {
				char inner[sizeof err->msg];
				snprintf(inner, sizeof inner, "%s", err->msg);
				sl_error_set(err, "run %lld, %s: %s", (long long)run_id, path, inner);
				err->code = SL_EXIT_USAGE;
				goto out;
			}
			s->id = sl_xstrdup(sl_scorer_id(s->scorer));
			enum sl_scorer_kind k = sl_scorer_kind(s->scorer);
			s->proportion = k != SL_SCORER_SIMILARITY;
			s->has_pass = sl_scorer_is_check(s->scorer);
			n_pass += s->has_pass;
		}
		x.n_slots++;
		int64_t have = scored_against(store, run_id, s->id, err);
		if (have == -1)
			goto out;
		s->needed = have != ok_cells;
		if (s->needed) {
			any_needed = true;
			stats->metrics_scored++;
		} else {
			stats->metrics_fresh++;
		}
	}
	/* A pass rate is worth showing when there is more than one check to pass (a similarity
	 * without a threshold passes every cell: counting it would show 100%). */
	if (n_pass >= 2) {
		int64_t have = scored_against(store, run_id, "pass_rate", err);
		if (have == -1)
			goto out;
		x.pass_rate = have != ok_cells || any_needed;
	} else {
		/* Written by a version that counted measurements as checks: drop it. */
		int64_t have = scored_against(store, run_id, "pass_rate", err);
		if (have == -1 || (have >= 0 && delete_metric(store, run_id, "pass_rate", err) != 0))
			goto out;
	}
	int64_t have_cc = scored_against(store, run_id, "(case checks)", err);
	if (have_cc == -1)
		goto out;
	x.case_checks = have_cc != ok_cells;
	bool registry_needed = x.pass_rate || x.case_checks;
	for (size_t i = 0; i < x.n_slots; i++)
		registry_needed |= x.slots[i].needed && x.slots[i].scorer;
	if (registry_needed) {
		if (sl_store_begin(store, err) != 0)
			goto out;
		for (size_t i = 0; i < x.n_slots; i++)
			if (x.slots[i].needed && x.slots[i].scorer &&
			    delete_metric(store, run_id, x.slots[i].id, err) != 0)
				goto rollback;
		if (x.pass_rate && delete_metric(store, run_id, "pass_rate", err) != 0)
			goto rollback;
		if (sl_store_commit(store, err) != 0 || score_pages(&x) != 0 ||
		    sl_store_begin(store, err) != 0)
			goto rollback;
		for (size_t i = 0; i < x.n_slots; i++)
			if (x.slots[i].needed && x.slots[i].scorer &&
			    mark_scored(store, run_id, x.slots[i].id, ok_cells, err) != 0)
				goto rollback;
		if (x.pass_rate && mark_scored(store, run_id, "pass_rate", ok_cells, err) != 0)
			goto rollback;
		if (x.case_checks && mark_scored(store, run_id, "(case checks)", ok_cells, err) != 0)
			goto rollback;
		if (sl_store_commit(store, err) != 0)
			goto rollback;
	}
	/* the judges' verdicts: requests submitted now, answered in the engine's callbacks */
	for (size_t i = 0; i < x.n_slots; i++) {
		struct slot *s = &x.slots[i];
		if (s->scorer || !s->needed)
			continue;
		s->task = sl_judge_start(store, &run, s->spec, s->id, judge, err);
		if (!s->task)
			goto out;
	}
	(void)n_judge;
	t->x = x;
	sl_run_free(&run);
	return t;
rollback:
	sl_store_rollback(store);
out:
	t->x = x;
	sl_run_free(&run);
	sl_report_score_free(t);
	return NULL;
}

bool sl_report_score_pump(const struct sl_score_task *t)
{
	for (size_t i = 0; i < t->x.n_slots; i++)
		if (t->x.slots[i].task && sl_judge_pump(t->x.slots[i].task))
			return true;
	return false;
}

int sl_report_score_finish(struct sl_score_task *t, struct sl_error *err)
{
	struct sl_score_stats *stats = t->x.stats;
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < t->x.n_slots; i++) {
		struct slot *s = &t->x.slots[i];
		if (!s->task)
			continue;
		int64_t failed_before = stats->judge_failed;
		struct sl_judge_task *jt = s->task;
		s->task = NULL; /* finish frees it */
		if (sl_judge_finish(jt, stats, err) != 0) {
			ret = -1;
			break;
		}
		/* Calls that got no answer are asked again next time (after a fix of the key or
		 * the network); malformed verdicts were retried already and stay judge errors. */
		if (stats->judge_failed == failed_before &&
		    mark_scored(t->x.store, t->x.run_id, s->id, t->ok_cells, err) != 0)
			ret = -1;
	}
	sl_report_score_free(t);
	return ret;
}

int sl_report_score_run(struct sl_store *store, int64_t run_id,
			const struct sl_judge_options *judge, struct sl_score_stats *stats,
			struct sl_error *err)
{
	struct sl_score_stats local;
	struct sl_score_task *t = sl_report_score_start(store, run_id, judge,
							stats ? stats : &local, err);
	if (!t)
		return -1;
	while (sl_report_score_pump(t)) {
		sl_engine_wait(judge->engine, NULL, 0, -1, NULL);
		sl_engine_perform(judge->engine);
	}
	return sl_report_score_finish(t, err);
}
