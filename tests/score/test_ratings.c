/* Ratings storage, blind pairs, CSV round trip with validation, and the agreement report,
 * on a small run written straight into the runs schema. */
#include "test.h"

#include <cjson/cJSON.h>

#include "shortlist/agreement.h"
#include "shortlist/classify_run.h"
#include "shortlist/ratings.h"
#include "shortlist/stats.h"
#include "shortlist/store.h"

static struct sl_store *store;

/* ---- the heap this process holds, counted at the allocator (not under AddressSanitizer,
 * which owns malloc) ---- */
#if !TEST_UNDER_ASAN
#include <malloc.h>
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t count, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
static bool heap_counting;
static long long heap_live, heap_peak;

static void heap_count(void *p, long long sign)
{
	if (!p || !heap_counting)
		return;
	heap_live += sign * (long long)malloc_usable_size(p);
	if (heap_live > heap_peak)
		heap_peak = heap_live;
}

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);
	heap_count(p, 1);
	return p;
}

void *calloc(size_t count, size_t n)
{
	void *p = __libc_calloc(count, n);
	heap_count(p, 1);
	return p;
}

void *realloc(void *q, size_t n)
{
	heap_count(q, -1);
	void *p = __libc_realloc(q, n);
	heap_count(p ? p : q, 1);
	return p;
}

void free(void *p)
{
	heap_count(p, -1);
	__libc_free(p);
}
#endif

/* Run 1: 3 models x 1 prompt x 4 cases x 1 sample; model 2 failed on case 3. */
static void make_run(void)
{
	struct sl_error err = { 0 };
	char *path = test_path("ratings.db");
	store = sl_store_open(path, 0, &err);
	free(path);
	if (!store) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	const char *sql =
		"INSERT INTO prompts VALUES ('qa', '', '2026-01-01T00:00:00Z');"
		"INSERT INTO prompt_versions (name, version, messages, params, author, note, "
		"created_at, hash) VALUES ('qa', 1, '[]', '{}', NULL, NULL, '2026-01-01T00:00:00Z', 'h');"
		"INSERT INTO datasets VALUES ('d', 'd.jsonl', 'jsonl', '[\"q\"]', 4, '2026-01-01T00:00:00Z');"
		"INSERT INTO dataset_cases VALUES ('d', 0, 1, '{\"q\":\"one\"}', '1', NULL, NULL),"
		" ('d', 1, 2, '{\"q\":\"two, \\\"quoted\\\"\"}', '2', NULL, NULL),"
		" ('d', 2, 3, '{\"q\":\"three\"}', '3', NULL, NULL), ('d', 3, 4, '{\"q\":\"four\"}', '4', NULL, NULL);"
		"INSERT INTO runs (id, suite_name, suite_path, suite_hash, suite_json, dataset_hash,"
		" dataset_path, status, n_cells, samples, concurrency, params, shortlist_version, user,"
		" started_at) VALUES (1, 's', 's.json', 'h', '{}', 'd', 'd.jsonl', 'complete', 12, 1, 1,"
		" '{}', '0.1', 'me', '2026-01-01T00:00:00Z');"
		"INSERT INTO run_models (run_id, idx, requested) VALUES (1, 0, 'fm1'), (1, 1, 'fm2'), (1, 2, 'fm3');"
		"INSERT INTO run_prompts VALUES (1, 0, 'qa', 1, 'h');";
	if (sl_store_exec(store, sql, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	for (int m = 0; m < 3; m++)
		for (int c = 0; c < 4; c++) {
			char *s;
			if (m == 2 && c == 3)
				s = sl_xasprintf("INSERT INTO cells (run_id, model_idx, prompt_idx, case_idx, sample,"
						 " model, error_kind, finished_at) VALUES (1, %d, 0, %d, 0, 'fm%d',"
						 " 'http', 'x');", m, c, m + 1);
			else
				s = sl_xasprintf("INSERT INTO cells (run_id, model_idx, prompt_idx, case_idx, sample,"
						 " model, output, expected, finished_at) VALUES (1, %d, 0, %d, 0, 'fm%d',"
						 " 'answer %d by fm%d\nline two', '%d', 'x');", m, c, m + 1,
						 m == 1 && c == 0 ? 9 : c, m + 1, c);
			CHECK_INT(sl_store_exec(store, s, &err), 0);
			free(s);
		}
}

static void test_keys(void)
{
	struct sl_cell_key k;
	CHECK_INT(sl_cell_key_parse("1:2:0:3:0", &k), 0);
	CHECK_INT(k.model_idx, 2);
	CHECK_INT(k.case_idx, 3);
	char s[80];
	sl_cell_key_format(&k, s);
	CHECK_STR(s, "1:2:0:3:0");
	CHECK_INT(sl_cell_key_parse("1:2:0:3", &k), -1);
	CHECK_INT(sl_cell_key_parse("1:2:0:3:0x", &k), -1);
	CHECK_INT(sl_cell_key_parse("0:2:0:3:0", &k), -1);
	enum sl_vote_value v;
	CHECK_INT(sl_vote_parse("A", &v), 0);
	CHECK_INT(v, SL_VOTE_LEFT);
	CHECK_INT(sl_vote_parse("tie", &v), 0);
	CHECK_INT(sl_vote_parse("maybe", &v), -1);
}

static void test_put(void)
{
	struct sl_error err = { 0 };
	struct sl_cell_key k = { 1, 0, 0, 0, 0 };
	CHECK_INT(sl_rating_put(store, &k, "ann", 4, "fine", &err), 0);
	CHECK_INT(sl_rating_put(store, &k, "ann", 5, NULL, &err), 0); /* replaces */
	CHECK_INT(sl_rating_put(store, &k, "ann", 6, NULL, &err), -1);
	CHECK_CONTAINS(err.msg, "1 to 5");
	struct sl_cell_key missing = { 1, 0, 0, 9, 0 }, failed = { 1, 2, 0, 3, 0 };
	CHECK_INT(sl_rating_put(store, &missing, "ann", 3, NULL, &err), -1);
	CHECK_CONTAINS(err.msg, "cell 1:0:0:9:0 does not exist");
	CHECK_INT(sl_rating_put(store, &failed, "ann", 3, NULL, &err), -1);
	CHECK_CONTAINS(err.msg, "failed and has no output");
	struct sl_cell_key a = { 1, 0, 0, 1, 0 }, b = { 1, 1, 0, 1, 0 };
	CHECK_INT(sl_vote_put(store, &a, &b, "ann", SL_VOTE_LEFT, 7, NULL, &err), 0);
	CHECK_INT(sl_vote_put(store, &a, &a, "ann", SL_VOTE_LEFT, 7, NULL, &err), -1);
	/* Undo: a rating or a vote taken back is gone; taking back nothing says so. */
	struct sl_cell_key u = { 1, 1, 0, 2, 0 };
	CHECK_INT(sl_rating_put(store, &u, "ann", 2, NULL, &err), 0);
	CHECK_INT(sl_rating_delete(store, &u, "bob", &err), 0);
	CHECK_INT(sl_rating_delete(store, &u, "ann", &err), 1);
	CHECK_INT(sl_rating_delete(store, &u, "ann", &err), 0);
	struct sl_pair ab = { a, b }, ba = { b, a };
	CHECK_INT(sl_vote_exists(store, &ab, "ann", &err), 1);
	CHECK_INT(sl_vote_delete(store, &ba, "ann", &err), 1); /* either order */
	CHECK_INT(sl_vote_exists(store, &ab, "ann", &err), 0);
	CHECK_INT(sl_vote_put(store, &a, &b, "ann", SL_VOTE_LEFT, 7, NULL, &err), 0);
}

static void test_pairs(void)
{
	struct sl_error err = { 0 };
	struct sl_pair *p1, *p2;
	size_t n1, n2;
	CHECK_INT(sl_ratings_pairs(store, 1, 99, &p1, &n1, &err), 0);
	/* cases 0-2: 3 models -> 3 pairs each; case 3: 2 successful models -> 1 pair */
	CHECK_INT(n1, 10);
	CHECK_INT(sl_ratings_pairs(store, 1, 99, &p2, &n2, &err), 0);
	CHECK_INT(n2, n1);
	int same = 0, swapped = 0;
	for (size_t i = 0; i < n1; i++) {
		same += memcmp(&p1[i], &p2[i], sizeof p1[i]) == 0;
		swapped += p1[i].left.model_idx > p1[i].right.model_idx;
		CHECK(p1[i].left.case_idx == p1[i].right.case_idx);
		CHECK(p1[i].left.model_idx != p1[i].right.model_idx);
	}
	CHECK_INT(same, (int)n1); /* the seed fixes the order */
	CHECK(swapped > 0 && swapped < (int)n1); /* some pairs shown reversed, not all */
	free(p1);
	free(p2);
}

static char *slurp(const char *path)
{
	return sl_read_file(path, NULL, NULL);
}

static void test_csv(void)
{
	struct sl_error err = { 0 };
	char *path = test_path("ratings.csv");
	FILE *f = fopen(path, "w");
	CHECK_INT(sl_ratings_export(store, 1, false, "bob", 1, f, &err), 0);
	fclose(f);
	char *text = slurp(path);
	CHECK_CONTAINS(text, "cell,case_line,rater,score,comment,input,output\r\n");
	CHECK_CONTAINS(text, "\"answer 0 by fm1\nline two\"");
	CHECK_CONTAINS(text, "\"{\"\"q\"\":\"\"two, \\\"\"quoted\\\"\"\"\"}\"");
	CHECK(strstr(text, "1:2:0:3:0") == NULL); /* the failed cell is not offered */
	CHECK(strstr(text, "model") == NULL);      /* model names are not shown */
	/* Bob fills in three rows: rewrite scores in the exported file. */
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "cell,case_line,rater,score,comment,input,output\r\n"
			"1:0:0:0:0,1,bob,4,\"good, short\",x,y\r\n"
			"1:1:0:0:0,1,,2,,x,y\r\n"
			"1:2:0:0:0,1,bob,,,x,y\r\n"
			"1:0:0:1:0,2,bob,5,,x,\"multi\nline\"\r\n");
	char *good = test_write_file("good.csv", b.data);
	struct sl_import_counts counts;
	CHECK_INT(sl_ratings_import(store, good, "carol", &counts, &err), 0);
	CHECK_INT(counts.rows, 4);
	CHECK_INT(counts.imported, 3);
	CHECK_INT(counts.skipped, 1);
	sl_buf_free(&b);

	/* A bad row anywhere rejects the file, naming line and column; nothing is written. */
	const struct {
		const char *csv, *msg;
	} bad[] = {
		{ "cell,score\n1:0:0:2:0,3\n1:0:0:3:0,7\n", "bad.csv:3: column score: '7' is not an integer from 1 to 5" },
		{ "cell,score\n1:0:0:2:0,3\nnope,2\n", "bad.csv:3: column cell: 'nope' is not a cell id" },
		{ "cell,score\n1:0:0:2:0,3\n1:0:0:8:0,2\n", "bad.csv:3: column cell: cell 1:0:0:8:0 does not exist" },
		{ "cell,score\n\"1:0:0:2:0,3\n", "bad.csv:2:1: quoted field is never closed" },
		{ "cell,score,comment\n1:0:0:2:0,3,tr\xe8s bien\n", "bad.csv:2:15: not valid UTF-8 (byte 0xe8)" },
		{ "cell,score\n1:0:0:2:0,3,4\n", "bad.csv:2: 3 fields, but the header has 2" },
		{ "cell,rating\n", "bad.csv:1: the header needs" },
		{ "left_cell,right_cell,vote\n1:0:0:2:0,1:1:0:2:0,maybe\n", "bad.csv:2: column vote: 'maybe'" },
		{ "left_cell,right_cell,vote\n1:0:0:2:0,1:0:0:1:0,a\n", "two different models" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		char *p = test_write_file("bad.csv", bad[i].csv);
		CHECK_INT(sl_ratings_import(store, p, "carol", &counts, &err), -1);
		CHECK_CONTAINS(err.msg, bad[i].msg);
		CHECK_INT(err.code, SL_EXIT_USAGE);
		free(p);
	}
	sqlite3_stmt *st;
	sqlite3_prepare_v2(sl_store_db(store), "SELECT count(*) FROM ratings WHERE case_idx = 2", -1, &st, NULL);
	sqlite3_step(st);
	CHECK_INT(sqlite3_column_int(st, 0), 0); /* the first, valid row of each bad file: not written */
	sqlite3_finalize(st);

	/* Pairwise export and import. */
	f = fopen(path, "w");
	CHECK_INT(sl_ratings_export(store, 1, true, "dan", 5, f, &err), 0);
	fclose(f);
	free(text);
	text = slurp(path);
	CHECK_CONTAINS(text, "pair,case_line,rater,vote,comment,input,left_output,right_output\r\n");
	CHECK(strstr(text, "model") == NULL); /* blind: no model column, no model names */
	CHECK(strstr(text, "1:0:0:") == NULL); /* nor cell ids that would tell the models apart */
	CHECK_CONTAINS(text, "\r\n1:5:0:"); /* pair ids carry the run and the order seed */
	/* Dan votes on the first exported pair: the file round-trips. */
	char *first = strstr(text, "\r\n1:5:0:") + 2;
	char id[64];
	CHECK(sscanf(first, "%63[^,]", id) == 1);
	char *one = sl_xasprintf("pair,rater,vote\n%s,dan,tie\n", id);
	char *onepath = test_write_file("one.csv", one);
	CHECK_INT(sl_ratings_import(store, onepath, "x", &counts, &err), 0);
	CHECK(counts.pairwise);
	CHECK_INT(counts.imported, 1);
	/* a pair id whose check does not match (run changed, or edited by hand) */
	id[strlen(id) - 1] = id[strlen(id) - 1] == '0' ? '1' : '0';
	free(one);
	one = sl_xasprintf("pair,rater,vote\n%s,dan,tie\n", id);
	free(onepath);
	onepath = test_write_file("one.csv", one);
	CHECK_INT(sl_ratings_import(store, onepath, "x", &counts, &err), -1);
	CHECK_CONTAINS(err.msg, "one.csv:2: column pair:");
	CHECK_CONTAINS(err.msg, "export it again");
	free(one);
	free(onepath);
	/* undo Dan's tie so the counts below stay as they were */
	CHECK_INT(sl_store_exec(store, "DELETE FROM pairwise_votes WHERE rater = 'dan'", &err), 0);
	free(text);
	char *pw = test_write_file("pw.csv",
		"left_cell,right_cell,order_seed,vote,rater\n"
		"1:1:0:2:0,1:0:0:2:0,5,right,dan\n"
		"1:0:0:2:0,1:2:0:2:0,5,a,dan\n"
		"1:1:0:2:0,1:2:0:2:0,5,tie,dan\n"
		"1:1:0:2:0,1:0:0:2:0,5,b,eve\n"
		"1:0:0:2:0,1:2:0:2:0,5,left,eve\n");
	CHECK_INT(sl_ratings_import(store, pw, "x", &counts, &err), 0);
	CHECK(counts.pairwise);
	CHECK_INT(counts.imported, 5);
	free(pw);
	free(good);
	free(path);
}

static void test_report(void)
{
	struct sl_error err = { 0 };
	/* A second rater for the agreement numbers. */
	struct sl_cell_key k[] = { { 1, 0, 0, 0, 0 }, { 1, 1, 0, 0, 0 }, { 1, 0, 0, 1, 0 }, { 1, 2, 0, 1, 0 } };
	int ann[] = { 5, 2, 5, 3 };
	for (int i = 0; i < 4; i++)
		CHECK_INT(sl_rating_put(store, &k[i], "ann", ann[i], NULL, &err), 0);
	struct sl_ratings_report r;
	CHECK_INT(sl_ratings_report(store, 1, &r, &err), 0);
	CHECK_INT(r.n_raters, 3); /* ann, bob, carol */
	CHECK_INT(r.n_ratings, 7);
	CHECK_INT(r.n_cells_rated, 4);
	CHECK_INT(r.n_models, 3);
	CHECK_STR(r.models[0].model, "fm1");
	CHECK_INT(r.models[0].n, 4);
	CHECK_NEAR(r.models[0].mean.estimate, (5 + 5 + 4 + 5) / 4.0, 1e-12);
	CHECK(!isnan(r.alpha_interval));
	CHECK(r.n_kappas == 3);
	/* ann vs bob: both rated 1:0:0:0:0 (5/4) and 1:0:0:1:0 (5/5) */
	bool found = false;
	for (size_t i = 0; i < r.n_kappas; i++)
		if (!strcmp(r.kappas[i].rater_a, "ann") && !strcmp(r.kappas[i].rater_b, "bob")) {
			found = true;
			CHECK_INT(r.kappas[i].n, 2);
		}
	CHECK(found);
	/* votes: earlier put (fm1 beat fm2 on case 1) + 5 imported */
	CHECK_INT(r.n_votes, 6);
	CHECK_INT(r.models[0].wins, 5);
	CHECK_INT(r.models[0].losses, 0);
	CHECK_INT(r.models[1].ties, 1);
	CHECK_NEAR(r.bt_prior, 0.5, 0); /* fm1 is unbeaten */
	CHECK(r.models[0].bt_strength > r.models[1].bt_strength);
	CHECK(r.models[0].bt_ci.lo <= r.models[0].bt_strength && r.models[0].bt_strength <= r.models[0].bt_ci.hi);
	CHECK_INT(r.votes_left + r.votes_right + r.votes_tie, 6);
	sl_ratings_report_free(&r);

	/* A judge metric against the humans: judge 5 / 2 / 5 / 4 on the four rated cells. */
	CHECK_INT(sl_store_exec(store,
		"INSERT INTO cell_scores (run_id, metric, model_idx, prompt_idx, case_idx, sample, kind,"
		" value, scored_at) VALUES (1, 'judge', 0, 0, 0, 0, 'mean', 5, 't'),"
		" (1, 'judge', 1, 0, 0, 0, 'mean', 2, 't'), (1, 'judge', 0, 0, 1, 0, 'mean', 5, 't'),"
		" (1, 'judge', 2, 0, 1, 0, 'mean', 4, 't'), (1, 'len', 0, 0, 0, 0, 'mean', 250, 't');", &err), 0);
	struct sl_metric_vs_humans vs;
	CHECK_INT(sl_ratings_against(store, 1, "judge", &vs, &err), 0);
	CHECK_INT(vs.n, 4);
	CHECK(vs.on_rating_scale);
	/* mean human per cell: 1:0:0:0:0 ann 5, bob 4 -> 4.5; 1:1:0:0:0 carol 2, ann 2 -> 2;
	 * 1:0:0:1:0 bob 5, ann 5 -> 5; 1:2:0:1:0 ann 3 -> 3 */
	double judge[] = { 5, 2, 5, 4 }, human[] = { 4.5, 2, 5, 3 };
	CHECK_NEAR(vs.pearson, sl_stats_pearson(judge, human, 4), 1e-12);
	CHECK_NEAR(vs.spearman, sl_stats_spearman(judge, human, 4), 1e-12);
	CHECK(!isnan(vs.alpha_interval));
	free(vs.metric);
	CHECK_INT(sl_ratings_against(store, 1, "len", &vs, &err), 0);
	CHECK(!vs.on_rating_scale && isnan(vs.alpha_interval));
	free(vs.metric);
	CHECK_INT(sl_ratings_against(store, 1, "nope", &vs, &err), -1);
	CHECK_CONTAINS(err.msg, "no scores for metric \"nope\" (scored metrics: judge, len)");
	free(vs.metric);
	CHECK_INT(sl_ratings_report(store, 42, &r, &err), -1);
	CHECK_CONTAINS(err.msg, "run 42 does not exist");
}

static void test_run_accuracy(void)
{
	struct sl_error err = { 0 };
	cJSON *spec = cJSON_Parse("{\"name\": \"regex_capture\", \"pattern\": \"answer ([0-9])\"}");
	struct sl_scorer *s = sl_scorer_new(spec, "t", &err);
	cJSON_Delete(spec);
	CHECK(s != NULL);
	struct sl_model_accuracy *m;
	size_t n;
	CHECK_INT(sl_run_accuracy(store, 1, s, &m, &n, &err), 0);
	CHECK_INT(n, 3);
	CHECK_STR(m[0].model, "fm1");
	CHECK_INT(m[0].report.correct, 4);
	CHECK_NEAR(m[0].accuracy.estimate, 1.0, 0);
	CHECK_INT(m[1].report.correct, 3); /* fm2 answered 9 on case 0 */
	CHECK_INT(m[1].report.n, 4);
	CHECK_INT(m[2].failed, 1);         /* fm3 failed case 3 */
	CHECK_INT(m[2].scored, 3);
	CHECK(m[1].accuracy.lo < 0.75 && m[1].accuracy.hi > 0.75);
	sl_run_accuracy_free(m, n);
	sl_scorer_free(s);
	spec = cJSON_Parse("{\"name\": \"max_length\", \"max\": 3}");
	s = sl_scorer_new(spec, "t", &err);
	cJSON_Delete(spec);
	CHECK_INT(sl_run_accuracy(store, 1, s, &m, &n, &err), -1);
	CHECK_CONTAINS(err.msg, "not an accuracy match");
	sl_scorer_free(s);
}

/* Run `run`: 3 models x `cases` cells, rated 1-5 by ann (every cell), bob (every other),
 * carol (every third) and dan (every fifth, from 1), who mostly agree. */
static void rated_run(int run, int cases)
{
	struct sl_error err = { 0 };
	char *sql = sl_xasprintf(
		"INSERT INTO runs (id, suite_name, suite_path, suite_hash, suite_json, dataset_hash,"
		" dataset_path, status, n_cells, samples, concurrency, params, shortlist_version, user,"
		" started_at) VALUES (%d, 's', 's.json', 'h', '{}', 'd', 'd.jsonl', 'complete', %d, 1,"
		" 1, '{}', '0.1', 'me', '2026-01-01T00:00:00Z');"
		"INSERT INTO run_models (run_id, idx, requested) VALUES (%d, 0, 'fm1'), (%d, 1, 'fm2'),"
		" (%d, 2, 'fm3');"
		"INSERT INTO run_prompts VALUES (%d, 0, 'qa', 1, 'h');"
		"WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < %d),"
		" m(j) AS (VALUES (0), (1), (2))"
		" INSERT INTO cells (run_id, model_idx, prompt_idx, case_idx, sample, model, output,"
		" finished_at) SELECT %d, j, 0, i, 0, 'fm' || (j + 1), 'out', 'x' FROM c, m;"
		"WITH r(name, k, every, first) AS (VALUES ('ann', 0, 1, 0), ('bob', 1, 2, 0),"
		" ('carol', 2, 3, 0), ('dan', 3, 5, 1))"
		" INSERT INTO ratings (run_id, model_idx, prompt_idx, case_idx, sample, rater, score,"
		" rated_at) SELECT %d, model_idx, 0, case_idx, 0, name, 1 + (case_idx * 7 + model_idx"
		" * 3 + (case_idx %% 4 = k) * (1 + k)) %% 5, 't' FROM cells, r WHERE run_id = %d AND"
		" case_idx %% every = first",
		run, 3 * cases, run, run, run, run, cases, run, run, run);
	CHECK_INT(sl_store_exec(store, sql, &err), 0);
	free(sql);
}

/* The 1-5 ratings are read as a stream (issue 15): alpha and kappa are the matrix methods'
 * to the last bit, the mean's interval is the bootstrap of the counts per level (the same
 * law as the per-rating bootstrap it replaced: its draws differ, its ends by Monte Carlo
 * error), and the heap it holds does not grow with the ratings. */
static void test_report_streamed(void)
{
	struct sl_error err = { 0 };
	rated_run(2, 600);
	struct sl_ratings_report r;
	CHECK_INT(sl_ratings_report(store, 2, &r, &err), 0);
	CHECK_INT(r.n_raters, 4);
	CHECK_INT(r.n_cells_rated, 1800);
	/* every rating into a raters x cells matrix, as the report did before */
	size_t nu = 1800, nr = 4;
	double *mat = sl_xmalloc(nr * nu * sizeof *mat), *per_model[3];
	size_t n_per_model[3] = { 0 };
	for (size_t i = 0; i < nr * nu; i++)
		mat[i] = NAN;
	for (int m = 0; m < 3; m++)
		per_model[m] = sl_xmalloc(nu * nr * sizeof **per_model);
	sqlite3_stmt *st;
	CHECK(sqlite3_prepare_v2(sl_store_db(store), "SELECT model_idx * 600 + case_idx, rater, "
				 "score, model_idx FROM ratings WHERE run_id = 2 ORDER BY model_idx, "
				 "case_idx, rater", -1, &st, NULL) == SQLITE_OK);
	int64_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t rater = 0;
		while (rater < nr && strcmp(r.raters[rater], (const char *)sqlite3_column_text(st, 1)))
			rater++;
		CHECK(rater < nr);
		double v = sqlite3_column_int(st, 2);
		int m = sqlite3_column_int(st, 3);
		mat[rater * nu + (size_t)sqlite3_column_int(st, 0)] = v;
		per_model[m][n_per_model[m]++] = v;
		n++;
	}
	sqlite3_finalize(st);
	CHECK_INT(r.n_ratings, n);
	size_t pairable;
	CHECK(r.alpha_nominal == sl_krippendorff_alpha(mat, nr, nu, SL_ALPHA_NOMINAL, &pairable));
	CHECK_INT(r.alpha_pairable, pairable);
	CHECK(r.alpha_ordinal == sl_krippendorff_alpha(mat, nr, nu, SL_ALPHA_ORDINAL, NULL));
	CHECK(r.alpha_interval == sl_krippendorff_alpha(mat, nr, nu, SL_ALPHA_INTERVAL, NULL));
	CHECK(r.alpha_interval > 0.1 && r.alpha_interval < 0.9);
	CHECK_INT(r.n_kappas, 6);
	for (size_t i = 0; i < r.n_kappas; i++) {
		size_t a = 0, b = 0;
		while (strcmp(r.raters[a], r.kappas[i].rater_a))
			a++;
		while (strcmp(r.raters[b], r.kappas[i].rater_b))
			b++;
		const double *x = mat + a * nu, *y = mat + b * nu;
		CHECK(r.kappas[i].kappa == sl_cohen_kappa(x, y, nu, SL_KAPPA_UNWEIGHTED));
		CHECK(r.kappas[i].kappa_linear == sl_cohen_kappa(x, y, nu, SL_KAPPA_LINEAR));
		CHECK(r.kappas[i].kappa_quadratic == sl_cohen_kappa(x, y, nu, SL_KAPPA_QUADRATIC));
	}
	for (int m = 0; m < 3; m++) {
		const struct sl_interval *iv = &r.models[m].mean;
		CHECK_INT(r.models[m].n, (int64_t)n_per_model[m]);
		double values[5] = { 1, 2, 3, 4, 5 };
		uint64_t counts[5] = { 0 };
		for (size_t i = 0; i < n_per_model[m]; i++)
			counts[(int)per_model[m][i] - 1]++;
		struct sl_interval h = sl_stats_bootstrap_mean_counts(values, counts, 5,
			SL_BOOTSTRAP_RESAMPLES, 0.95, r.seed + (uint64_t)m);
		CHECK(iv->estimate == h.estimate && iv->lo == h.lo && iv->hi == h.hi);
		struct sl_interval old = sl_stats_bootstrap_mean(per_model[m], n_per_model[m],
			SL_BOOTSTRAP_RESAMPLES, 0.95, r.seed + (uint64_t)m);
		double half = (old.hi - old.lo) / 2;
		printf("model %d: mean %.4f [%.4f, %.4f], per rating [%.4f, %.4f]\n", m,
		       iv->estimate, iv->lo, iv->hi, old.lo, old.hi);
		CHECK(iv->estimate == old.estimate);
		CHECK(fabs(iv->lo - old.lo) < 0.2 * half && fabs(iv->hi - old.hi) < 0.2 * half);
		free(per_model[m]);
	}
	free(mat);
	sl_ratings_report_free(&r);

#if TEST_UNDER_ASAN
	printf("heap bound not checked under AddressSanitizer\n");
#else
	/* the heap the report holds at its peak, for 20x the ratings: the second report of
	 * each run, once SQLite's page cache holds what the first read */
	rated_run(3, 12000);
	long long peak[2];
	for (int i = 0; i < 2; i++) {
		int64_t run = i ? 3 : 2;
		CHECK_INT(sl_ratings_report(store, run, &r, &err), 0);
		sl_ratings_report_free(&r);
		heap_live = heap_peak = 0;
		heap_counting = true;
		CHECK_INT(sl_ratings_report(store, run, &r, &err), 0);
		heap_counting = false;
		peak[i] = heap_peak;
		printf("run %lld: %lld ratings, heap peak %lld bytes\n", (long long)run,
		       (long long)r.n_ratings, peak[i]);
		sl_ratings_report_free(&r);
	}
	CHECK(peak[1] < peak[0] + 16384);
#endif
}

TEST_MAIN_BEGIN
	make_run();
	RUN_TEST(test_keys);
	RUN_TEST(test_put);
	RUN_TEST(test_pairs);
	RUN_TEST(test_csv);
	RUN_TEST(test_report);
	RUN_TEST(test_report_streamed);
	RUN_TEST(test_run_accuracy);
	sl_store_close(store);
TEST_MAIN_END
