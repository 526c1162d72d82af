/* Live events of a run (run_events.h) against a scripted tests/fakeprov: the order of every
 * cell's events, a retry and a permanent failure with their reasons, streamed deltas that
 * add up to the stored answer (and go only to followed cells), the text window of a cell in
 * flight, cached cells on a rerun, per-model totals, RUN_FINISHED last, and pause. */
#include "test.h"

#include <math.h>
#include <regex.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/engine.h"
#include "shortlist/run_events.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"

static struct fakeprov *fp;
static char *db;

#define ANSWER "alpha beta gamma delta"

struct rec {
	enum sl_run_event_kind kind;
	struct sl_cell_ref ref;
	char *text; /* DELTA piece, RETRY/ERROR reason */
	int attempt;
	double retry_in_ms;
	struct sl_cell_metrics m;
	struct sl_model_progress mp;
};

struct log {
	struct sl_runner *r;
	struct rec *ev;
	size_t n;
	char **streamed; /* per cell: DELTA pieces joined */
	int window_mismatch; /* DELTA pieces disagreeing with sl_runner_cell_text */
	int pause_on_done;   /* pause the run at this many DONE events (0 = never) */
	int n_done;
};

static void on_event(void *ud, const struct sl_run_event *ev)
{
	struct log *lg = ud;
	lg->ev = sl_xrealloc(lg->ev, (lg->n + 1) * sizeof *lg->ev);
	struct rec *e = &lg->ev[lg->n++];
	memset(e, 0, sizeof *e);
	e->kind = ev->kind;
	e->ref = ev->ref;
	e->attempt = ev->attempt;
	e->retry_in_ms = ev->retry_in_ms;
	if (ev->metrics)
		e->m = *ev->metrics;
	if (ev->model_progress)
		e->mp = *ev->model_progress;
	if (ev->kind == SL_EV_DELTA) {
		e->text = sl_xasprintf("%.*s", (int)ev->len, ev->text);
		char **s = &lg->streamed[ev->ref.cell];
		char *joined = sl_xasprintf("%s%s", *s ? *s : "", e->text);
		free(*s);
		*s = joined;
		/* the window already holds this piece: it is the whole text so far */
		size_t len;
		const char *w = sl_runner_cell_text(lg->r, ev->ref.cell, &len);
		if (!w || len != strlen(joined) || memcmp(w, joined, len) != 0)
			lg->window_mismatch++;
	} else if (ev->reason) {
		e->text = sl_xstrdup(ev->reason);
	}
	if (ev->kind == SL_EV_RETRY) { /* the contract: that try's text is void */
		free(lg->streamed[ev->ref.cell]);
		lg->streamed[ev->ref.cell] = NULL;
	}
	if (ev->kind == SL_EV_DONE && ++lg->n_done == lg->pause_on_done)
		sl_runner_pause(lg->r, true);
}

static void log_free(struct log *lg, int64_t cells)
{
	for (size_t i = 0; i < lg->n; i++)
		free(lg->ev[i].text);
	free(lg->ev);
	for (int64_t i = 0; i < cells; i++)
		free(lg->streamed[i]);
	free(lg->streamed);
}

/* The letters of one cell's events: Q S F d D C R E. */
static char *cell_trace(const struct log *lg, int64_t cell)
{
	static const char letters[] = "QSFdDCRE";
	char *out = sl_xcalloc(lg->n + 1, 1);
	size_t k = 0;
	for (size_t i = 0; i < lg->n; i++)
		if (lg->ev[i].kind < SL_EV_MODEL_PROGRESS && lg->ev[i].ref.cell == cell)
			out[k++] = letters[lg->ev[i].kind];
	return out;
}

static bool matches(const char *s, const char *pattern)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* What holds for every run: each cell follows the documented order, each final event is
 * followed by its model's MODEL_PROGRESS, and RUN_FINISHED comes once, last. */
static void check_grammar(const struct log *lg, int64_t cells)
{
	for (int64_t c = 0; c < cells; c++) {
		char *t = cell_trace(lg, c);
		if (!matches(t, "^Q(C|S((Fd*)?RS)*(Fd*)?(D|E))$")) {
			fprintf(stderr, "cell %lld: events %s\n", (long long)c, t);
			CHECK(!"cell events out of order");
		}
		free(t);
	}
	size_t finished = 0;
	for (size_t i = 0; i < lg->n; i++) {
		enum sl_run_event_kind k = lg->ev[i].kind;
		if (k == SL_EV_RUN_FINISHED)
			finished++;
		if (k == SL_EV_DONE || k == SL_EV_CACHED || k == SL_EV_ERROR) {
			CHECK(i + 1 < lg->n && lg->ev[i + 1].kind == SL_EV_MODEL_PROGRESS &&
			      lg->ev[i + 1].ref.model == lg->ev[i].ref.model);
		}
	}
	CHECK_INT(finished, 1);
	CHECK(lg->n > 0 && lg->ev[lg->n - 1].kind == SL_EV_RUN_FINISHED);
}

static const struct sl_model_progress *last_progress(const struct log *lg, int model)
{
	for (size_t i = lg->n; i-- > 0;)
		if (lg->ev[i].kind == SL_EV_MODEL_PROGRESS && lg->ev[i].mp.model == model)
			return &lg->ev[i].mp;
	return NULL;
}

static const struct rec *find(const struct log *lg, enum sl_run_event_kind kind, int64_t cell)
{
	for (size_t i = 0; i < lg->n; i++)
		if (lg->ev[i].kind == kind && lg->ev[i].ref.cell == cell)
			return &lg->ev[i];
	return NULL;
}

static size_t count(const struct log *lg, enum sl_run_event_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < lg->n; i++)
		n += lg->ev[i].kind == kind;
	return n;
}

static char *stored_output(long long run, int model, int case_index)
{
	sqlite3 *h = NULL;
	sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	sqlite3_stmt *st;
	char *out = NULL;
	if (sqlite3_prepare_v2(h, "SELECT output FROM cells WHERE run_id = ? AND model_idx = ? AND "
				  "case_idx = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int(st, 2, model);
		sqlite3_bind_int(st, 3, case_index);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			out = sl_xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return out;
}

struct session {
	struct sl_store *store;
	struct sl_engine *eng;
	struct sl_runner_opts opts;
	struct sl_runner *r;
	struct log lg;
	int64_t cells;
};

static bool session_start(struct session *s, const char *suite, enum sl_cache_mode cache)
{
	memset(s, 0, sizeof *s);
	struct sl_error err = { 0 };
	s->store = sl_store_open(db, 0, &err);
	s->eng = sl_engine_new(&(struct sl_engine_options){ .backoff_base_ms = 1,
							   .backoff_cap_ms = 5 }, &err);
	s->opts = (struct sl_runner_opts){ .suite_path = suite, .cache = cache, .max_cost = NAN };
	if (s->store && s->eng)
		s->r = sl_runner_start(s->store, &s->opts, s->eng, &err);
	if (!s->r) {
		fprintf(stderr, "start: %s\n", err.msg);
		CHECK(s->r != NULL);
		return false;
	}
	s->cells = sl_runner_progress(s->r)->total;
	s->lg.r = s->r;
	s->lg.streamed = sl_xcalloc((size_t)s->cells, sizeof *s->lg.streamed);
	CHECK(sl_runner_subscribe(s->r, 0, on_event, &s->lg) > 0);
	return true;
}

/* Drive the loop as the TUI would; returns false once the runner has nothing left. */
static bool session_pump(struct session *s, int rounds)
{
	struct sl_error err = { 0 };
	for (int i = 0; i < rounds; i++) {
		if (!sl_runner_pump(s->r))
			return false;
		sl_engine_wait(s->eng, NULL, 0, 20, &err);
		sl_engine_perform(s->eng);
	}
	return true;
}

static int64_t session_finish(struct session *s)
{
	struct sl_error err = { 0 };
	struct sl_run_outcome o;
	int64_t run = sl_runner_run_id(s->r);
	CHECK(sl_runner_finish(s->r, &o, &err) == 0);
	sl_engine_free(s->eng);
	sl_store_close(s->store);
	return run;
}

static char *write_suite(const char *name)
{
	char rel[256];
	char *dir = test_path(name);
	sl_mkdirs(dir, &(struct sl_error){ 0 });
	free(dir);
	snprintf(rel, sizeof rel, "%s/cases.csv", name);
	free(test_write_file(rel, "text,label\none,a\ntwo,b\nthree,c\n"));
	snprintf(rel, sizeof rel, "%s/suite.json", name);
	return test_write_file(rel, "{\"name\": \"events\", \"models\": [\"fake:model-a\", "
				    "\"fake:model-b\"], \"prompts\": [\"echo@1\"], \"dataset\": "
				    "\"cases.csv\", \"concurrency\": 1, \"scorers\": [{\"name\": "
				    "\"exact\"}]}");
}

/* model-a: its first request fails with 503 (retried), then answers ANSWER in 4 chunks
 * 20 ms apart (a decode phase to give tokens/s: fakeprov sends chunks due at one instant in
 * one write); model-b: always 400 (not retried). Cells 0-2 are model-a's, 3-5 model-b's. */
static void test_order_retry_error_deltas(void)
{
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"" ANSWER "\", "
				"\"ttft_ms\": 5, \"token_ms\": 20, \"sequence\": [{\"fault\": \"status\", \"status\": 503}]},"
				" \"model-b\": {\"fault\": \"status\", \"status\": 400, \"message\": "
				"\"bad model input\"}}}");
	char *suite = write_suite("order");
	struct session s;
	if (!session_start(&s, suite, SL_CACHE_USE))
		return;
	CHECK_INT(s.cells, 6);
	for (int64_t c = 0; c < s.cells; c++)
		sl_runner_follow(s.r, c, true);
	CHECK(sl_runner_cell_text(s.r, 0, &(size_t){ 0 }) == NULL); /* not in flight yet */
	while (session_pump(&s, 1000))
		;
	check_grammar(&s.lg, s.cells);
	char *t = cell_trace(&s.lg, 0);
	CHECK_STR(t, "QSRSFddddD");
	free(t);
	for (int64_t c = 1; c < 3; c++) {
		t = cell_trace(&s.lg, c);
		CHECK_STR(t, "QSFddddD");
		free(t);
	}
	for (int64_t c = 3; c < 6; c++) {
		t = cell_trace(&s.lg, c);
		CHECK_STR(t, "QSE");
		free(t);
		const struct rec *e = find(&s.lg, SL_EV_ERROR, c);
		CHECK(e && e->ref.model == 1 && e->ref.case_index == (int)c - 3);
		CHECK_CONTAINS(e ? e->text : NULL, "HTTP 400");
		CHECK_CONTAINS(e ? e->text : NULL, "bad model input");
	}
	const struct rec *retry = find(&s.lg, SL_EV_RETRY, 0);
	CHECK(retry && retry->attempt == 1 && isfinite(retry->retry_in_ms) &&
	      retry->retry_in_ms >= 0);
	CHECK_CONTAINS(retry ? retry->text : NULL, "HTTP 503");
	const struct rec *sent2 = NULL;
	for (size_t i = 0; i < s.lg.n; i++)
		if (s.lg.ev[i].kind == SL_EV_SENT && s.lg.ev[i].ref.cell == 0)
			sent2 = &s.lg.ev[i];
	CHECK(sent2 && sent2->attempt == 2);
	const struct rec *done = find(&s.lg, SL_EV_DONE, 0);
	CHECK(done && done->m.tries == 2 && done->m.tokens_out == 4 && !done->m.cached &&
	      done->m.ttft_ms >= 0);
	const struct rec *ft = find(&s.lg, SL_EV_FIRST_TOKEN, 1);
	CHECK(ft && ft->m.ttft_ms >= 0);
	CHECK_INT(s.lg.window_mismatch, 0);
	int64_t run = session_finish(&s);
	/* the pieces add up to the answer, as stored */
	for (int c = 0; c < 3; c++) {
		CHECK_STR(s.lg.streamed[c], ANSWER);
		char *out = stored_output(run, 0, c);
		CHECK_STR(out, s.lg.streamed[c]);
		free(out);
	}
	for (int c = 3; c < 6; c++)
		CHECK(s.lg.streamed[c] == NULL);
	const struct sl_model_progress *a = last_progress(&s.lg, 0), *b = last_progress(&s.lg, 1);
	CHECK(a && b);
	if (a && b) {
		CHECK_INT(a->total, 3);
		CHECK_INT(a->done, 3);
		CHECK_INT(a->errors, 0);
		CHECK_INT(a->cached, 0);
		CHECK_INT(a->in_flight, 0);
		CHECK_INT(a->cost_unknown, 3); /* no price for a fake model */
		CHECK(!isnan(a->ttft_p50_ms) && !isnan(a->tokens_per_s_p50));
		CHECK(a->requests_per_s > 0);
		CHECK_INT(b->total, 3);
		CHECK_INT(b->done, 3);
		CHECK_INT(b->errors, 3);
		CHECK(isnan(b->ttft_p50_ms));
	}
	log_free(&s.lg, s.cells);

	/* the rerun answers model-a from the cache; model-b's failures are asked again */
	fakeprov_reset(fp);
	if (!session_start(&s, suite, SL_CACHE_USE))
		return;
	while (session_pump(&s, 1000))
		;
	check_grammar(&s.lg, s.cells);
	for (int64_t c = 0; c < 3; c++) {
		t = cell_trace(&s.lg, c);
		CHECK_STR(t, "QC");
		free(t);
		const struct rec *e = find(&s.lg, SL_EV_CACHED, c);
		CHECK(e && e->m.cached && e->m.tokens_out == 4 && e->m.tries == 0);
	}
	for (int64_t c = 3; c < 6; c++) {
		t = cell_trace(&s.lg, c);
		CHECK_STR(t, "QSE");
		free(t);
	}
	a = last_progress(&s.lg, 0);
	CHECK(a && a->cached == 3 && a->done == 3 && !isnan(a->ttft_p50_ms));
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 3);
	session_finish(&s);
	log_free(&s.lg, s.cells);
	free(suite);
}

/* Issue 14 item 5: a stream that breaks after its first content is restarted from scratch
 * in a run: RETRY, then the whole answer again; the window and the stored answer hold the
 * last try's text only. */
static void test_restart_after_content(void)
{
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"" ANSWER "\", "
				"\"sequence\": [{\"fault\": \"reset\", \"after_chunks\": 2}]},"
				" \"model-b\": {\"text\": \"" ANSWER "\"}}}");
	char *suite = write_suite("restart");
	struct session s;
	if (!session_start(&s, suite, SL_CACHE_OFF))
		return;
	for (int64_t c = 0; c < s.cells; c++)
		sl_runner_follow(s.r, c, true);
	while (session_pump(&s, 1000))
		;
	check_grammar(&s.lg, s.cells);
	char *t = cell_trace(&s.lg, 0);
	CHECK_STR(t, "QSFddRSFddddD");
	free(t);
	const struct rec *retry = find(&s.lg, SL_EV_RETRY, 0);
	CHECK(retry && retry->attempt == 1);
	CHECK_CONTAINS(retry ? retry->text : NULL, "connection failed");
	const struct rec *done = find(&s.lg, SL_EV_DONE, 0);
	CHECK(done && done->m.tries == 2);
	CHECK_INT(s.lg.window_mismatch, 0);
	int64_t run = session_finish(&s);
	CHECK_STR(s.lg.streamed[0], ANSWER);
	char *out = stored_output(run, 0, 0);
	CHECK_STR(out, ANSWER);
	free(out);
	log_free(&s.lg, s.cells);
	free(suite);
}

/* Following one cell gives DELTA for that cell only; everything else still arrives. */
static void test_follow_some_cells(void)
{
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"" ANSWER "\"},"
				" \"model-b\": {\"text\": \"one two\"}}}");
	char *suite = write_suite("follow");
	struct session s;
	if (!session_start(&s, suite, SL_CACHE_OFF))
		return;
	sl_runner_follow(s.r, 1, true);
	sl_runner_follow(s.r, 4, true);
	sl_runner_follow(s.r, 4, false);
	while (session_pump(&s, 1000))
		;
	check_grammar(&s.lg, s.cells);
	for (size_t i = 0; i < s.lg.n; i++)
		if (s.lg.ev[i].kind == SL_EV_DELTA)
			CHECK_INT(s.lg.ev[i].ref.cell, 1);
	CHECK_STR(s.lg.streamed[1], ANSWER);
	CHECK_INT(count(&s.lg, SL_EV_DONE), 6);
	CHECK_INT(count(&s.lg, SL_EV_FIRST_TOKEN), 6);
	CHECK_INT(s.lg.window_mismatch, 0);
	session_finish(&s);
	log_free(&s.lg, s.cells);
	free(suite);
}

static void count_kind(void *ud, const struct sl_run_event *ev)
{
	((size_t *)ud)[ev->kind]++;
}

/* Masks and unsubscribe: each subscriber gets exactly the kinds it asked for. */
static void test_masks(void)
{
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"x y\"},"
				" \"model-b\": {\"text\": \"z\"}}}");
	char *suite = write_suite("masks");
	struct session s;
	if (!session_start(&s, suite, SL_CACHE_OFF))
		return;
	size_t done_only[SL_EV_KIND_COUNT] = { 0 }, gone[SL_EV_KIND_COUNT] = { 0 };
	sl_runner_subscribe(s.r, SL_EV_BIT(SL_EV_DONE) | SL_EV_BIT(SL_EV_RUN_FINISHED), count_kind,
			    done_only);
	int id = sl_runner_subscribe(s.r, 0, count_kind, gone);
	sl_runner_unsubscribe(s.r, id);
	while (session_pump(&s, 1000))
		;
	session_finish(&s);
	for (int k = 0; k < SL_EV_KIND_COUNT; k++) {
		CHECK_INT(gone[k], 0);
		if (k != SL_EV_DONE && k != SL_EV_RUN_FINISHED)
			CHECK_INT(done_only[k], 0);
	}
	CHECK_INT(done_only[SL_EV_DONE], 6);
	CHECK_INT(done_only[SL_EV_RUN_FINISHED], 1);
	CHECK_INT(count(&s.lg, SL_EV_QUEUED), 6);
	log_free(&s.lg, s.cells);
	free(suite);
}

/* Paused, nothing new is sent (the cell in flight finishes); resumed, the run completes. */
static void test_pause(void)
{
	fakeprov_set_script(fp, "{\"default\": {\"ttft_ms\": 5}, \"models\": {\"model-a\": "
				"{\"text\": \"" ANSWER "\"}, \"model-b\": {\"text\": \"one two\"}}}");
	char *suite = write_suite("pause");
	struct session s;
	if (!session_start(&s, suite, SL_CACHE_OFF))
		return;
	sl_runner_pause(s.r, true);
	CHECK(session_pump(&s, 10)); /* still work to do */
	CHECK_INT(count(&s.lg, SL_EV_SENT), 0);
	CHECK_INT(count(&s.lg, SL_EV_QUEUED), 6);
	sl_runner_pause(s.r, false);
	s.lg.pause_on_done = 2; /* pauses from inside the event, as a screen would */
	while (s.lg.n_done < 2 && session_pump(&s, 1))
		;
	size_t sent = count(&s.lg, SL_EV_SENT);
	CHECK_INT(sent, 2); /* concurrency 1: the second DONE ended the only request */
	CHECK(session_pump(&s, 10));
	CHECK_INT(count(&s.lg, SL_EV_SENT), sent);
	CHECK_INT(sl_runner_progress(s.r)->in_flight, 0);
	const struct sl_model_progress *mp = sl_runner_model_progress(s.r, 0);
	CHECK(mp && mp->done == 2 && mp->in_flight == 0);
	CHECK(sl_runner_model_progress(s.r, 2) == NULL);
	sl_runner_pause(s.r, false);
	while (session_pump(&s, 1000))
		;
	CHECK_INT(count(&s.lg, SL_EV_DONE), 6);
	check_grammar(&s.lg, s.cells);
	session_finish(&s);
	log_free(&s.lg, s.cells);
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	free(dir);
	char *json = sl_xasprintf("{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": "
				  "\"%s/v1\", \"api_key_env\": \"FAKE_KEY\", \"limits\": "
				  "{\"max_tries\": 3}}}}", fp->base);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	setenv("FAKE_KEY", "sk-fake", 1);
	db = test_path("events.db");
	char *prompt = test_write_file("echo.json", "{\"name\": \"echo\", \"user\": \"{{text}}\"}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", prompt, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(prompt);
	RUN_TEST(test_order_retry_error_deltas);
	RUN_TEST(test_follow_some_cells);
	RUN_TEST(test_restart_after_content);
	RUN_TEST(test_masks);
	RUN_TEST(test_pause);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END
