/* Promotion records: check a request against its run, re-check the run's gates on the
 * stored scores, and append the record with its evidence. */
#include "shortlist/util.h"
#include "shortlist/promotions.h"

#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "shortlist/pipeline.h"
#include "shortlist/runs.h"

const char *const sl_promotion_stages[SL_PROMOTION_N_STAGES] = { "pre-prod", "prod" };

bool sl_promotion_stage_valid(const char *stage)
{
	for (int i = 0; i < SL_PROMOTION_N_STAGES; i++)
		if (stage && strcmp(stage, sl_promotion_stages[i]) == 0)
			return true;
	return false;
}

static int usage(struct sl_error *err)
{
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

static int bad_stage(const char *stage, struct sl_error *err)
{
	sl_error_set(err, "unknown stage '%s' (stages: pre-prod, prod)", stage ? stage : "");
	return usage(err);
}

/* Who promotes: $SHORTLIST_USER (for CI bots acting for someone), else the OS account. */
static const char *promotion_user(void)
{
	const char *u = getenv("SHORTLIST_USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	u = getenv("USER");
	return u && *u ? u : "unknown";
}

/* The run's model the user means: as requested, else by API id or catalogue key when that
 * names exactly one. */
static const struct sl_run_model *find_model(const struct sl_run *run, const char *want,
					     struct sl_error *err)
{
	const struct sl_run_model *hit = NULL;
	int n_hits = 0;
	for (size_t i = 0; i < run->n_models; i++)
		if (strcmp(run->models[i].requested, want) == 0)
			return &run->models[i];
	for (size_t i = 0; i < run->n_models; i++) {
		const struct sl_run_model *m = &run->models[i];
		if ((m->model_id && strcmp(m->model_id, want) == 0) ||
		    (m->catalog_key && strcmp(m->catalog_key, want) == 0)) {
			hit = m;
			n_hits++;
		}
	}
	if (n_hits == 1)
		return hit;
	struct sl_buf b;
	sl_buf_init(&b);
	for (size_t i = 0; i < run->n_models; i++)
		sl_buf_printf(&b, "%s%s", i ? ", " : "", run->models[i].requested);
	sl_error_set(err, "run %lld has no model '%s'%s (its models: %s)", (long long)run->id, want,
		     n_hits > 1 ? " (it names several: use the full name)" : "",
		     b.data ? b.data : "none");
	sl_buf_free(&b);
	return NULL;
}

static const struct sl_run_prompt *find_prompt(const struct sl_run *run, const char *want,
					       struct sl_error *err)
{
	const char *at = strchr(want, '@');
	size_t name_len = at ? (size_t)(at - want) : strlen(want);
	char *end = NULL;
	long version = at ? strtol(at + 1, &end, 10) : 0;
	bool bad_version = at && (!at[1] || *end || version <= 0);
	const struct sl_run_prompt *hit = NULL;
	int n_hits = 0;
	for (size_t i = 0; i < run->n_prompts && !bad_version; i++) {
		const struct sl_run_prompt *p = &run->prompts[i];
		if (strlen(p->name) == name_len && strncmp(p->name, want, name_len) == 0 &&
		    (!at || p->version == version)) {
			hit = p;
			n_hits++;
		}
	}
	if (n_hits == 1)
		return hit;
	struct sl_buf b;
	sl_buf_init(&b);
	for (size_t i = 0; i < run->n_prompts; i++)
		sl_buf_printf(&b, "%s%s@%d", i ? ", " : "", run->prompts[i].name,
			      run->prompts[i].version);
	sl_error_set(err, "run %lld has no prompt version '%s'%s (its prompts: %s)",
		     (long long)run->id, want,
		     n_hits > 1 ? " (it ran several versions: say NAME@VERSION)" : "",
		     b.data ? b.data : "none");
	sl_buf_free(&b);
	return NULL;
}

/* The scorecard row of this model with this prompt version: its own row when the run had
 * several prompts, else the per-model row (which is that prompt's). */
static const struct sl_scorecard_row *evidence_row(const struct sl_scorecard *sc, int model_idx,
						   const char *prompt)
{
	for (size_t i = 0; i < sc->n_rows; i++)
		if (sc->rows[i].model_idx == model_idx && sc->rows[i].prompt &&
		    strcmp(sc->rows[i].prompt, prompt) == 0)
			return &sc->rows[i];
	return sl_scorecard_model_row(sc, model_idx);
}

static cJSON *row_json(const struct sl_scorecard_row *row)
{
	static const char *const builtins[] = { "n", "errors", "error_rate", "p50_latency",
						"p95_latency", "p50_ttft", "tokens_per_s",
						"cost_per_1k" };
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < SL_ARRAY_LEN(builtins); i++) {
		double v = NAN;
		const struct sl_metric_value *q;
		sl_scorecard_metric(row, builtins[i], &v, &q);
		sl_json_add_number(o, builtins[i], v);
	}
	cJSON *metrics = cJSON_AddObjectToObject(o, "metrics");
	for (size_t i = 0; i < row->n_metrics; i++) {
		const struct sl_metric_value *m = &row->metrics[i];
		cJSON *mo = cJSON_AddObjectToObject(metrics, m->name);
		sl_json_add_number(mo, "value", m->value);
		sl_json_add_number(mo, "lo", m->lo);
		sl_json_add_number(mo, "hi", m->hi);
		cJSON_AddNumberToObject(mo, "n", (double)m->n);
	}
	return o;
}

/* A gate check is about this promotion when it judged this model, either over all its
 * prompts or over this prompt version. */
static bool check_applies(const struct sl_gate_result *r, const char *model, const char *prompt)
{
	return strcmp(r->model, model) == 0 && (!r->prompt || strcmp(r->prompt, prompt) == 0);
}

static int insert(struct sl_store *store, const struct sl_promotion *p, struct sl_error *err)
{
	if (sl_store_begin(store, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT INTO promotions (stage, run_id, model, prompt_name, prompt_version,"
		" prompt_hash, user, note, forced, reason, gates_checked, gates_failed, evidence,"
		" promoted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		goto fail;
	sl_bind_text(st, 1, p->stage);
	sqlite3_bind_int64(st, 2, p->run_id);
	sl_bind_text(st, 3, p->model);
	sl_bind_text(st, 4, p->prompt_name);
	sqlite3_bind_int(st, 5, p->prompt_version);
	sl_bind_text(st, 6, p->prompt_hash);
	sl_bind_text(st, 7, p->user);
	sl_bind_text(st, 8, p->note);
	sqlite3_bind_int(st, 9, p->forced);
	sl_bind_text(st, 10, p->reason);
	sqlite3_bind_int(st, 11, p->gates_checked);
	sqlite3_bind_int(st, 12, p->gates_failed);
	sl_bind_text(st, 13, p->evidence);
	sl_bind_text(st, 14, p->promoted_at);
	if (sl_store_step(store, st, err) != SQLITE_DONE)
		goto fail;
	if (sl_store_commit(store, err) != 0)
		goto fail;
	return 0;
fail:
	sl_store_rollback(store);
	return -1;
}

int sl_promote(struct sl_store *store, const struct sl_promotion_request *req,
	       struct sl_promotion *out, struct sl_error *err)
{
	if (!sl_promotion_stage_valid(req->stage))
		return bad_stage(req->stage, err);
	if (req->force && (!req->reason || !*req->reason)) {
		sl_error_set(err, "--force needs --reason TEXT: the record keeps why the gates "
				  "were overridden");
		return usage(err);
	}
	struct sl_run run;
	if (sl_run_get(store, req->run_id, &run, err) != 0)
		return usage(err);
	int rc = -1;
	struct sl_run_view v = { 0 };
	bool have_view = false;
	struct sl_buf failed;
	sl_buf_init(&failed);
	cJSON *ev = NULL;
	char *prompt_ref = NULL;
	const struct sl_run_model *m = find_model(&run, req->model, err);
	const struct sl_run_prompt *p = m ? find_prompt(&run, req->prompt, err) : NULL;
	if (!p) {
		usage(err);
		goto out;
	}
	prompt_ref = sl_xasprintf("%s@%d", p->name, p->version);
	/* The gates are judged now, on the scores stored now: a verdict shown when the run
	 * ended may predate a re-score or a human rating. */
	struct sl_run_view_options vo = { .score = false };
	if (sl_run_view_build(store, run.id, &vo, &v, err) != 0)
		goto out;
	have_view = true;

	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "run", (double)run.id);
	cJSON_AddStringToObject(ev, "run_status", run.status ? run.status : "");
	cJSON_AddStringToObject(ev, "suite", run.suite_name ? run.suite_name : "");
	if (v.scorecard.headline)
		cJSON_AddStringToObject(ev, "headline", v.scorecard.headline);
	cJSON *gates = cJSON_AddArrayToObject(ev, "gates");
	int checked = 0, n_failed = 0;
	for (size_t i = 0; i < v.gate_report.n; i++) {
		const struct sl_gate_result *r = &v.gate_report.results[i];
		if (!check_applies(r, m->requested, prompt_ref))
			continue;
		checked++;
		cJSON *g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "gate", r->gate->expr);
		cJSON_AddBoolToObject(g, "passed", r->passed);
		sl_json_add_number(g, "value", r->value);
		cJSON_AddStringToObject(g, "detail", r->detail ? r->detail : "");
		cJSON_AddItemToArray(gates, g);
		if (!r->passed) {
			n_failed++;
			sl_buf_printf(&failed, "\n  FAIL  %s: %s", r->gate->expr,
				      r->detail ? r->detail : "");
		}
	}
	const struct sl_scorecard_row *row = evidence_row(&v.scorecard, m->idx, prompt_ref);
	if (row)
		cJSON_AddItemToObject(ev, "scorecard", row_json(row));

	if (n_failed && !req->force) {
		sl_error_set(err, "not promoted: %d of %d gate check%s failed for %s with %s on "
				  "run %lld:%s\n(promote another run, or record an override with "
				  "--force --reason TEXT)", n_failed, checked, checked == 1 ? "" : "s",
			     m->requested, prompt_ref, (long long)run.id, failed.data);
		err->code = SL_EXIT_GATE;
		goto out;
	}
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	struct sl_promotion rec = {
		.run_id = run.id, .stage = (char *)req->stage, .model = m->requested,
		.prompt_name = p->name, .prompt_version = p->version, .prompt_hash = p->hash,
		.user = (char *)(req->user ? req->user : promotion_user()),
		.note = (char *)(req->note && *req->note ? req->note : NULL),
		.forced = req->force && n_failed, .gates_checked = checked,
		.gates_failed = n_failed, .evidence = cJSON_PrintUnformatted(ev),
		.promoted_at = now,
	};
	/* --force on passing gates overrides nothing: keep the record honest. */
	rec.reason = rec.forced ? (char *)req->reason : NULL;
	rc = insert(store, &rec, err);
	if (rc == 0 && out) {
		memset(out, 0, sizeof *out);
		out->id = sqlite3_last_insert_rowid(sl_store_db(store));
		out->run_id = rec.run_id;
		out->stage = sl_xstrdup(rec.stage);
		out->model = sl_xstrdup(rec.model);
		out->prompt_name = sl_xstrdup(rec.prompt_name);
		out->prompt_version = rec.prompt_version;
		out->prompt_hash = rec.prompt_hash ? sl_xstrdup(rec.prompt_hash) : NULL;
		out->user = sl_xstrdup(rec.user);
		out->note = rec.note ? sl_xstrdup(rec.note) : NULL;
		out->forced = rec.forced;
		out->reason = rec.reason ? sl_xstrdup(rec.reason) : NULL;
		out->gates_checked = checked;
		out->gates_failed = n_failed;
		out->evidence = rec.evidence;
		rec.evidence = NULL;
		out->promoted_at = sl_xstrdup(now);
	}
	free(rec.evidence);
out:
	cJSON_Delete(ev);
	free(prompt_ref);
	sl_buf_free(&failed);
	if (have_view)
		sl_run_view_free(&v);
	sl_run_free(&run);
	return rc;
}

#define PROMOTION_COLUMNS                                                                   \
	"SELECT id, run_id, stage, model, prompt_name, prompt_version, prompt_hash, user, note," \
	" forced, reason, gates_checked, gates_failed, evidence, promoted_at FROM promotions "

static char *col_dup(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : sl_xstrdup(sl_col_text(st, col));
}

static void read_row(sqlite3_stmt *st, struct sl_promotion *p)
{
	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(st, 0);
	p->run_id = sqlite3_column_int64(st, 1);
	p->stage = col_dup(st, 2);
	p->model = col_dup(st, 3);
	p->prompt_name = col_dup(st, 4);
	p->prompt_version = sqlite3_column_int(st, 5);
	p->prompt_hash = col_dup(st, 6);
	p->user = col_dup(st, 7);
	p->note = col_dup(st, 8);
	p->forced = sqlite3_column_int(st, 9) != 0;
	p->reason = col_dup(st, 10);
	p->gates_checked = sqlite3_column_int(st, 11);
	p->gates_failed = sqlite3_column_int(st, 12);
	p->evidence = col_dup(st, 13);
	p->promoted_at = col_dup(st, 14);
}

/* Every record of one stage (or all), newest first. */
static int read_all(struct sl_store *store, const char *stage, struct sl_promotion **out,
		    size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = stage
		? sl_store_prepare(store, PROMOTION_COLUMNS "WHERE stage = ? ORDER BY id DESC", err)
		: sl_store_prepare(store, PROMOTION_COLUMNS "ORDER BY id DESC", err);
	if (!st)
		return -1;
	if (stage)
		sl_bind_text(st, 1, stage);
	size_t cap = 0;
	int step;
	while ((step = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (*n_out == cap) {
			cap = cap ? cap * 2 : 8;
			*out = sl_xrealloc(*out, cap * sizeof **out);
		}
		read_row(st, &(*out)[(*n_out)++]);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		sl_promotions_free(*out, *n_out);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

int sl_promotions_list(struct sl_store *store, const char *stage, struct sl_promotion **out,
		       size_t *n_out, struct sl_error *err)
{
	if (stage && !sl_promotion_stage_valid(stage)) {
		*out = NULL;
		*n_out = 0;
		return bad_stage(stage, err);
	}
	return read_all(store, stage, out, n_out, err);
}

static bool same_release(const struct sl_promotion *a, const struct sl_promotion *b)
{
	return strcmp(a->model, b->model) == 0 && strcmp(a->prompt_name, b->prompt_name) == 0 &&
	       a->prompt_version == b->prompt_version;
}

int sl_promotions_current(struct sl_store *store,
			  struct sl_promotion out[SL_PROMOTION_N_STAGES], struct sl_error *err)
{
	memset(out, 0, SL_PROMOTION_N_STAGES * sizeof *out);
	for (int s = 0; s < SL_PROMOTION_N_STAGES; s++) {
		struct sl_promotion *list;
		size_t n;
		if (read_all(store, sl_promotion_stages[s], &list, &n, err) != 0) {
			for (int k = 0; k < s; k++)
				sl_promotion_free(&out[k]);
			return -1;
		}
		if (n) {
			/* Promoting the same model and prompt again on a newer run renews the
			 * evidence; it has been live since its first record in a row. */
			size_t first = 0;
			while (first + 1 < n && same_release(&list[first + 1], &list[0]))
				first++;
			char *since = sl_xstrdup(list[first].promoted_at);
			out[s] = list[0];
			memset(&list[0], 0, sizeof list[0]);
			out[s].live_since = since;
		}
		sl_promotions_free(list, n);
	}
	return 0;
}

void sl_promotion_free(struct sl_promotion *p)
{
	if (!p)
		return;
	free(p->stage);
	free(p->model);
	free(p->prompt_name);
	free(p->prompt_hash);
	free(p->user);
	free(p->note);
	free(p->reason);
	free(p->evidence);
	free(p->promoted_at);
	free(p->live_since);
	memset(p, 0, sizeof *p);
}

void sl_promotions_free(struct sl_promotion *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sl_promotion_free(&list[i]);
	free(list);
}
