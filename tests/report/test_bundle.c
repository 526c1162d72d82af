/* Run bundles through the shortlist binary: a run exported with its cells, scores, judge
 * explanations, ratings, votes and promotion, imported into a fresh store, reads back the
 * same (runs show, report --format json, triangle, promotions, ratings agreement, and the
 * statistics tables the triggers rebuild); ids are remapped and prompt versions matched by
 * content; a second import, and every kind of broken file, is refused with exit 2 and a
 * message naming the file, and leaves the store exactly as it was; tui --open shows a
 * bundle without opening the user's store. */
#include "test.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval_util.h"
#include "fixture.h"
#include "shortlist/bundle.h"
#include "shortlist/pipeline.h"
#include "shortlist/store.h"

static char *src_db, *bundle, *tmpdir;

static void exec(struct sl_store *s, const char *sql)
{
	struct sl_error err = { 0 };
	if (sl_store_exec(s, sql, &err) != 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		exit(99);
	}
}

/* The shortlist binary on db with TMPDIR private to this test (to see that no working copy
 * is left behind) and the promoter named. */
static struct run_result cli(const char *db, const char *const *argv)
{
	const char *const env[] = { "TMPDIR", tmpdir, "SHORTLIST_USER", "alice", NULL };
	return run_cli(db, argv, env);
}

/* What a command prints on db (exit 0 expected); caller frees. */
static char *said(const char *db, const char *const *argv)
{
	struct run_result r = cli(db, argv);
	if (r.status != 0)
		fprintf(stderr, "%s %s: exit %d: %s\n", argv[0], argv[1] ? argv[1] : "", r.status,
			r.err);
	CHECK_INT(r.status, 0);
	char *out = r.out;
	r.out = NULL;
	run_result_free(&r);
	return out;
}

/* Two models on ten cases: accuracy and judge scores (with explanations), one failed cell,
 * three ratings by two raters, two blind votes, a promotion. */
static void make_source(void)
{
	src_db = test_path("src.db");
	struct sl_store *s = fixture_open("src.db");
	const char *models[] = { "fake:alpha", "fake:beta" };
	double price[] = { 1.0, 2.0 };
	const char *prompts[] = { "classify" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 2, prompts, 1);
	for (int c = 0; c < 10; c++) {
		fixture_cell(s, run, 0, 0, c, 0, "yes", NULL, 100.0 * (c + 1), 40, 50, 0.001);
		fixture_score(s, run, "accuracy", true, 0, 0, c, 0, c < 9 ? 1 : 0, NULL, NAN);
		fixture_score(s, run, "judge", false, 0, 0, c, 0, 3 + c % 3, "fake:judge", 0.0002);
		bool fail = c == 9;
		fixture_cell(s, run, 1, 0, c, 0, fail ? NULL : "no", fail ? "HTTP 529" : NULL,
			     fail ? NAN : 300, fail ? NAN : 90, 40, fail ? NAN : 0.002);
		if (!fail) {
			fixture_score(s, run, "accuracy", true, 1, 0, c, 0, c < 6 ? 1 : 0, NULL, NAN);
			fixture_score(s, run, "judge", false, 1, 0, c, 0, 2 + c % 2, "fake:judge",
				      0.0002);
		}
		char *sql = sl_xasprintf("INSERT INTO dataset_cases VALUES ('dshash', %d, %d, "
					 "json_object('q', 'question %d'), 'yes', NULL, NULL)", c,
					 c + 2, c);
		exec(s, sql);
		free(sql);
	}
	exec(s, "UPDATE cells SET reported_model = model || '-2026'");
	exec(s, "UPDATE cell_scores SET detail = 'the answer ' || CASE WHEN value >= 4 THEN "
		"'names the label' ELSE 'misses the point' END WHERE metric = 'judge'");
	exec(s, "INSERT INTO ratings VALUES (1, 0, 0, 0, 0, 'ana', 4, 'clear', '2026-11-29T09:00:00Z'),"
		" (1, 1, 0, 0, 0, 'ana', 2, NULL, '2026-11-29T09:01:00Z'),"
		" (1, 0, 0, 1, 0, 'bo', 5, 'spot on', '2026-11-29T09:02:00Z')");
	exec(s, "INSERT INTO pairwise_votes (run_id, left_model_idx, left_prompt_idx, "
		"left_case_idx, left_sample, right_model_idx, right_prompt_idx, right_case_idx, "
		"right_sample, rater, vote, order_seed, voted_at) VALUES "
		"(1, 0, 0, 2, 0, 1, 0, 2, 0, 'ana', 'left', 7, '2026-11-29T09:03:00Z'),"
		"(1, 1, 0, 3, 0, 0, 0, 3, 0, 'bo', 'tie', 7, '2026-11-29T09:04:00Z')");
	exec(s, "UPDATE runs SET suite_json = '{\"name\": \"fixture\", \"models\": [\"fake:alpha\","
		" \"fake:beta\"], \"prompts\": [\"classify\"], \"dataset\": \"cases.jsonl\","
		" \"gates\": [\"accuracy>=0.6\"]}', n_cells = 20");
	fixture_commit(s);
	sl_store_close(s);
	free(said(src_db, (const char *[]){ "promote", "1", "--model", "fake:alpha", "--prompt",
					    "classify@1", "--stage", "pre-prod", "--note",
					    "ticket 7", NULL }));
	/* a report scores and marks what it scored: the bundle carries the marks */
	free(said(src_db, (const char *[]){ "report", "1", "--format", "json", NULL }));
}

/* Every table's row count: equal before and after means the store did not change. */
static char *fingerprint(const char *db)
{
	sqlite3 *h = db_open(db);
	sqlite3_stmt *st;
	struct sl_buf b;
	sl_buf_init(&b);
	sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
			   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *sql = sl_xasprintf("SELECT count(*) FROM \"%s\"", sl_col_text(st, 0));
		sqlite3_stmt *c;
		if (sqlite3_prepare_v2(h, sql, -1, &c, NULL) == SQLITE_OK && sqlite3_step(c) == SQLITE_ROW)
			sl_buf_printf(&b, "%s=%lld ", sl_col_text(st, 0), sqlite3_column_int64(c, 0));
		sqlite3_finalize(c);
		free(sql);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	sl_buf_puts(&b, "");
	return sl_buf_steal(&b);
}

/* The rows of a statistics table as text, for comparing two stores. */
static char *table_text(const char *db, const char *sql)
{
	sqlite3 *h = db_open(db);
	sqlite3_stmt *st;
	struct sl_buf b;
	sl_buf_init(&b);
	CHECK(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++)
			sl_buf_printf(&b, "%s|", sl_col_text(st, i));
		sl_buf_putc(&b, '\n');
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	sl_buf_puts(&b, "");
	return sl_buf_steal(&b);
}

static bool tmpdir_empty(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			fprintf(stderr, "left behind in TMPDIR: %s\n", de->d_name);
			n++;
		}
	if (d)
		closedir(d);
	return n == 0;
}

static void test_export(void)
{
	bundle = test_path("run1.slrun");
	char *out = said(src_db, (const char *[]){ "runs", "export", "1", "-o", bundle, NULL });
	CHECK_CONTAINS(out, "wrote run 1 to ");
	free(out);
	/* recognisable, one self-contained file, just this run and what it refers to */
	CHECK_INT(db_query_int(bundle, "PRAGMA application_id"), SL_BUNDLE_APPLICATION_ID);
	char *v = db_query_text(bundle, "SELECT value FROM bundle_meta WHERE key = 'format'");
	CHECK_STR(v, "1");
	free(v);
	CHECK_INT(db_query_int(bundle, "SELECT value FROM bundle_meta WHERE key = 'schema_version'"),
		  sl_migration_count);
	v = db_query_text(bundle, "PRAGMA journal_mode");
	CHECK_STR(v, "delete");
	free(v);
	char *wal = sl_xasprintf("%s-wal", bundle);
	CHECK(access(wal, F_OK) != 0);
	free(wal);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM runs"), 1);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM cells"), 20);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM cell_scores"), 38);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM ratings"), 3);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM pairwise_votes"), 2);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM promotions"), 1);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM dataset_cases"), 10);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM prompt_versions"), 1);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM score_marks"), 1);
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM models"), 0); /* no catalogue */
	CHECK_INT(db_query_int(bundle, "SELECT count(*) FROM cell_scores WHERE detail LIKE "
				       "'the answer names the label'"), 6);

	/* never over a file without --force; written whole or not at all */
	struct run_result r = cli(src_db, (const char *[]){ "runs", "export", "1", "-o", bundle,
							    NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, bundle);
	CHECK_CONTAINS(r.err, "exists: choose another -o FILE, or add --force to replace it");
	run_result_free(&r);
	char *again = test_path("again.slrun");
	free(test_write_file("again.slrun", "old"));
	free(said(src_db, (const char *[]){ "runs", "export", "latest", "-o", again, "--force",
					    NULL }));
	CHECK_INT(db_query_int(again, "SELECT count(*) FROM cells"), 20);
	r = cli(src_db, (const char *[]){ "runs", "export", "7", "-o", again, "--force", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "7");
	run_result_free(&r);
	CHECK_INT(db_query_int(again, "SELECT count(*) FROM cells"), 20); /* the old one stays */
	free(again);
	/* no temporary file left beside the bundles */
	DIR *d = opendir(test_env_pin());
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".slrun.")) {
			fprintf(stderr, "left behind: %s\n", de->d_name);
			test_failures++;
		}
	if (d)
		closedir(d);
}

/* What the two stores print for one command, equal. */
static void check_same(const char *db_a, const char *db_b, const char *const *argv)
{
	char *a = said(db_a, argv), *b = said(db_b, argv);
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "%s %s differs:\n--- original\n%s\n--- imported\n%s\n", argv[0],
			argv[1] ? argv[1] : "", a, b);
		test_failures++;
	}
	free(a);
	free(b);
}

static char *report_json(const char *db)
{
	char *out = said(db, (const char *[]){ "report", "1", "--format", "json", NULL });
	/* the one line that says when the report was made */
	char *at = strstr(out, "\"generated_at\"");
	if (at)
		memmove(at, strchr(at, '\n'), strlen(strchr(at, '\n')) + 1);
	return out;
}

static void test_import_fresh(void)
{
	char *dst = test_path("fresh.db");
	char *out = said(dst, (const char *[]){ "runs", "import", bundle, NULL });
	CHECK_CONTAINS(out, "as run 1 (run 1 where it was exported): 20 cells, 38 scores, 3 "
			    "ratings, 2 votes, 1 promotions; prompt versions: 1 added, 0 already here");
	free(out);
	CHECK(tmpdir_empty());
	const char *const *cmds[] = {
		(const char *[]){ "runs", "show", "1", NULL },
		(const char *[]){ "runs", "show", "1", "--cells", NULL },
		(const char *[]){ "runs", "show", "1", "--json", NULL },
		(const char *[]){ "runs", "list", NULL },
		(const char *[]){ "triangle", "1", NULL },
		(const char *[]){ "report", "1", "--format", "text", NULL },
		(const char *[]){ "report", "1", "--format", "jsonl", NULL },
		(const char *[]){ "promotions", "--json", NULL },
		(const char *[]){ "promotions", "current", NULL },
		(const char *[]){ "ratings", "agreement", "1", "--against", "judge", "--json", NULL },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cmds); i++)
		check_same(src_db, dst, cmds[i]);
	char *ja = report_json(src_db), *jb = report_json(dst);
	CHECK_STR(jb, ja);
	free(ja);
	free(jb);
	/* the statistics the triggers keep, rebuilt row for row */
	static const char *const stats[] = {
		"SELECT * FROM cell_stats ORDER BY 1, 2, 3",
		"SELECT * FROM score_stats ORDER BY 1, 2, 3, 4, 5",
		"SELECT * FROM cell_reported ORDER BY 1, 2, 3",
		"SELECT * FROM score_intervals ORDER BY 1, 2, 3, 4",
		"SELECT uid FROM runs",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(stats); i++) {
		char *a = table_text(src_db, stats[i]), *b = table_text(dst, stats[i]);
		CHECK(strlen(a) > 0);
		CHECK_STR(b, a);
		free(a);
		free(b);
	}

	/* the same run again, into that store or back into its own: refused, nothing changed */
	const char *const stores[] = { dst, src_db };
	for (size_t i = 0; i < SL_ARRAY_LEN(stores); i++) {
		char *before = fingerprint(stores[i]);
		struct run_result r = cli(stores[i], (const char *[]){ "runs", "import", bundle, NULL });
		CHECK_INT(r.status, 2);
		CHECK_CONTAINS(r.err, bundle);
		CHECK_CONTAINS(r.err, "is already in this store as run 1: it was imported before, "
				      "or exported from here; nothing was imported");
		run_result_free(&r);
		char *after = fingerprint(stores[i]);
		CHECK_STR(after, before);
		free(before);
		free(after);
	}
	CHECK(tmpdir_empty());

	/* Shell completion knows the new subcommands and what they take. */
	const struct {
		const char *const *argv;
		const char *want;
	} comp[] = {
		{ (const char *[]){ "__complete", "--", "runs", "", NULL }, "export\nimport\n" },
		{ (const char *[]){ "__complete", "--", "runs", "export", "", NULL }, "1\n" },
		{ (const char *[]){ "__complete", "--", "runs", "export", "1", "-o", "", NULL },
		  "__files__\n" },
		{ (const char *[]){ "__complete", "--", "runs", "export", "1", "--f", NULL },
		  "--force\n" },
		{ (const char *[]){ "__complete", "--", "runs", "import", "", NULL }, "__files__\n" },
		{ (const char *[]){ "__complete", "--", "tui", "--op", NULL }, "--open\n" },
		{ (const char *[]){ "__complete", "--", "tui", "--open", "", NULL }, "__files__\n" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(comp); i++) {
		struct run_result r = cli(dst, comp[i].argv);
		CHECK_INT(r.status, 0);
		CHECK_CONTAINS(r.out, comp[i].want);
		run_result_free(&r);
	}
	free(dst);
}

/* Into a store with its own runs and its own classify@1 (other content): a new run id, the
 * bundle's prompt version added as classify@2, and everything pointing at it renumbered.
 * Into a store with the very same classify@1: reused, not duplicated. */
static void test_import_remaps(void)
{
	char *busy = test_path("busy.db");
	struct sl_store *s = fixture_open("busy.db");
	const char *models[] = { "fake:gamma" };
	const char *prompts[] = { "classify" };
	fixture_begin(s);
	fixture_run(s, models, NULL, 1, prompts, 1);
	fixture_run(s, models, NULL, 1, prompts, 1);
	fixture_commit(s);
	sl_store_close(s);
	/* the fixture's classify@1 has hash 'classify': make this store's differ */
	sqlite3 *h;
	CHECK(sqlite3_open(busy, &h) == SQLITE_OK);
	CHECK(sqlite3_exec(h, "DROP TRIGGER prompt_versions_no_update; UPDATE prompt_versions SET "
			      "hash = 'mine', messages = '[{\"role\":\"user\",\"content\":\"x\"}]'; "
			      "UPDATE run_prompts SET hash = 'mine'", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(h);
	char *out = said(busy, (const char *[]){ "runs", "import", bundle, NULL });
	CHECK_CONTAINS(out, "as run 3 (run 1 where it was exported)");
	CHECK_CONTAINS(out, "prompt versions: 1 added, 0 already here");
	free(out);
	CHECK_INT(db_query_int(busy, "SELECT count(*) FROM prompt_versions WHERE name = 'classify'"),
		  2);
	CHECK_INT(db_query_int(busy, "SELECT version FROM prompt_versions WHERE hash = 'classify'"), 2);
	CHECK_INT(db_query_int(busy, "SELECT version FROM run_prompts WHERE run_id = 3"), 2);
	CHECK_INT(db_query_int(busy, "SELECT prompt_version FROM promotions WHERE run_id = 3"), 2);
	CHECK_INT(db_query_int(busy, "SELECT count(*) FROM cells WHERE run_id = 3"), 20);
	CHECK_INT(db_query_int(busy, "SELECT count(*) FROM ratings WHERE run_id = 3"), 3);
	CHECK_INT(db_query_int(busy, "SELECT count(*) FROM pairwise_votes WHERE run_id = 3"), 2);
	char *show = said(busy, (const char *[]){ "runs", "show", "3", NULL });
	CHECK_CONTAINS(show, "prompt     classify@2  sha256 classify");
	CHECK_CONTAINS(show, "cells      20/20 done, 1 errors, 0 cached");
	free(show);
	char *orig = said(src_db, (const char *[]){ "triangle", "1", NULL });
	char *here = said(busy, (const char *[]){ "triangle", "3", NULL });
	sl_str_redact(&orig, "run 1", "run 3");
	CHECK_STR(here, orig);
	free(orig);
	free(here);

	char *same = test_path("same.db");
	s = fixture_open("same.db");
	fixture_begin(s);
	fixture_run(s, models, NULL, 1, prompts, 1);
	fixture_commit(s);
	sl_store_close(s);
	out = said(same, (const char *[]){ "runs", "import", bundle, NULL });
	CHECK_CONTAINS(out, "as run 2 (run 1 where it was exported)");
	CHECK_CONTAINS(out, "prompt versions: 0 added, 1 already here");
	free(out);
	CHECK_INT(db_query_int(same, "SELECT count(*) FROM prompt_versions"), 1);
	CHECK_INT(db_query_int(same, "SELECT version FROM run_prompts WHERE run_id = 2"), 1);
	free(same);
	free(busy);
}

/* A copy of the bundle, changed by sql (NULL: none). */
static char *broken_copy(const char *name, const char *sql)
{
	char *path = test_path(name);
	struct sl_error err = { 0 };
	size_t len;
	char *data = sl_read_file(bundle, &len, &err);
	CHECK(data && sl_write_file_atomic(path, data, len, &err) == 0);
	free(data);
	if (sql) {
		sqlite3 *h;
		CHECK(sqlite3_open(path, &h) == SQLITE_OK);
		CHECK(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(h);
	}
	return path;
}

/* A copy of the bundle damaged past its schema: an index's root page overwritten. */
static char *deep_damaged_copy(void)
{
	char *path = test_path("deep.slrun");
	int page = (int)db_query_int(bundle, "PRAGMA page_size");
	int root = (int)db_query_int(bundle, "SELECT rootpage FROM sqlite_master WHERE name = "
					     "'cells_failed'");
	CHECK(root > 1);
	struct sl_error err = { 0 };
	size_t len;
	char *data = sl_read_file(bundle, &len, &err);
	CHECK(data && (size_t)root * (size_t)page <= len);
	memset(data + (size_t)(root - 1) * (size_t)page, 0x5a, (size_t)page);
	CHECK_INT(sl_write_file_atomic(path, data, len, &err), 0);
	free(data);
	return path;
}

static void test_refused(void)
{
	struct sl_error err = { 0 };
	size_t len;
	char *data = sl_read_file(bundle, &len, &err);
	CHECK(data != NULL && len > 8192);
	char *truncated = test_path("truncated.slrun");
	CHECK_INT(sl_write_file_atomic(truncated, data, len / 2, &err), 0);
	/* the schema's page overwritten past the file header: the header is fine, the b-tree
	 * is not */
	char *damaged = test_path("damaged.slrun");
	memset(data + 100, 0x5a, 1000);
	CHECK_INT(sl_write_file_atomic(damaged, data, len, &err), 0);
	free(data);
	char *text = test_write_file("notes.slrun", "minutes of the meeting: pick gpt-4o-mini\n");
	char *newer_format = broken_copy("newer-format.slrun",
					 "UPDATE bundle_meta SET value = '2' WHERE key = 'format'");
	char *newer_schema = broken_copy("newer-schema.slrun", "PRAGMA user_version = 999");
	char *no_ratings = broken_copy("no-ratings.slrun", "DROP TABLE ratings");
	char *no_meta = broken_copy("no-meta.slrun", "DROP TABLE bundle_meta");
	char *two_runs = broken_copy("two-runs.slrun",
				     "INSERT INTO runs (suite_name, suite_path, suite_hash, suite_json,"
				     " dataset_hash, dataset_path, n_cells, samples, concurrency, "
				     "params, shortlist_version, user, started_at) SELECT suite_name,"
				     " suite_path, suite_hash, suite_json, dataset_hash, dataset_path,"
				     " n_cells, samples, concurrency, params, shortlist_version, user,"
				     " started_at FROM runs");
	char *missing = test_path("nosuch.slrun");
	char *deep = deep_damaged_copy();
	const struct {
		const char *path, *want;
	} cases[] = {
		{ truncated, "is truncated (shorter than its header says): copy it again" },
		{ damaged, "is damaged (" },
		{ text, "is not a shortlist run bundle: it is not an SQLite database (a bundle is "
			"written by 'shortlist runs export RUN -o FILE.slrun')" },
		{ src_db, "is an SQLite database but not a shortlist run bundle" },
		{ newer_format, "is run bundle format 2, newer than this shortlist reads (1): "
				"upgrade shortlist to read it" },
		{ newer_schema, "was written by a newer shortlist (store schema 999; this one "
				"reads up to" },
		{ no_ratings, "is not a complete run bundle: table ratings is missing" },
		{ no_meta, "is not a complete run bundle: it has no format in table bundle_meta" },
		{ two_runs, "is not a run bundle: it holds 2 runs, a bundle holds one" },
		{ missing, "cannot open " },
		{ deep, "is damaged (" },
	};
	char *dst = test_path("refusing.db");
	free(said(dst, (const char *[]){ "runs", "list", NULL }));
	char *before = fingerprint(dst);
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct run_result r = cli(dst, (const char *[]){ "runs", "import", cases[i].path,
								 NULL });
		if (r.status != 2 || !strstr(r.err, cases[i].path) || !strstr(r.err, cases[i].want))
			fprintf(stderr, "case %zu (%s): exit %d: %s\n", i, cases[i].want, r.status,
				r.err);
		CHECK_INT(r.status, 2);
		CHECK_CONTAINS(r.err, cases[i].path);
		CHECK_CONTAINS(r.err, cases[i].want);
		run_result_free(&r);
		/* the TUI refuses the same files the same way (the deep damage once its check
		 * has run beside the screen: test_tui_open_checks_meanwhile) */
		if (cases[i].path == deep)
			continue;
		r = cli(dst, (const char *[]){ "tui", "--open", cases[i].path, NULL });
		CHECK_INT(r.status, 2);
		CHECK_CONTAINS(r.err, cases[i].want);
		run_result_free(&r);
	}
	char *after = fingerprint(dst);
	CHECK_STR(after, before);
	CHECK(tmpdir_empty());
	free(before);
	free(after);
	free(dst);
	free(truncated);
	free(damaged);
	free(text);
	free(newer_format);
	free(newer_schema);
	free(no_ratings);
	free(no_meta);
	free(two_runs);
	free(missing);
	free(deep);
}

/* tui --open reads a private copy: the user's store is not even created, the bundle's
 * bytes do not change, and the copy is gone afterwards. */
static void test_tui_open(void)
{
	char *keys = test_write_file("open.keys", ":dump runs\n<Enter>\n:dump matrix\n5\n:dump sc\n");
	char *store = test_path("never/shortlist.db");
	struct sl_error err = { 0 };
	size_t n0, n1;
	char *before = sl_read_file(bundle, &n0, &err);
	struct run_result r = cli(store, (const char *[]){ "tui", "--open", bundle, "--script", keys,
							   NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "bundle run1.slrun: a private copy; nothing is written to it or to "
			      "your store");
	CHECK_CONTAINS(r.out, "fake:alpha");
	CHECK_CONTAINS(r.out, "2 models × 1 prompt × 10 cases");
	CHECK_CONTAINS(r.out, "accuracy");
	run_result_free(&r);
	CHECK(access(store, F_OK) != 0);
	char *after = sl_read_file(bundle, &n1, &err);
	CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
	CHECK(tmpdir_empty());
	free(before);
	free(after);
	free(store);
	free(keys);
}

/* Such a bundle (runs import and tui refuse it: test_refused): tui --open shows the run at
 * once, while SQLite's check of every page runs beside the screen; the check's finding then
 * ends the app with exit 2 and the message naming the file. Before, the screen waited for
 * the check (seconds for a million cells), so nothing was shown. */
static void test_tui_open_checks_meanwhile(void)
{
	char *damaged = deep_damaged_copy();
	char *keys = test_write_file("deep.keys", ":snap first\n:dump checked\n");
	char *store = test_path("never/shortlist.db");
	struct run_result r = cli(store, (const char *[]){ "tui", "--open", damaged, "--script",
							   keys, NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.out, "=== first");
	CHECK_CONTAINS(r.out, "fake:alpha"); /* the first frame showed the run */
	CHECK_CONTAINS(r.err, damaged);
	CHECK_CONTAINS(r.err, "is damaged (");
	CHECK_CONTAINS(r.err, "copy it again, or export it again");
	run_result_free(&r);
	CHECK(access(store, F_OK) != 0);
	CHECK(tmpdir_empty());
	free(store);
	free(keys);
	free(damaged);
}

/* Statements of the run view (triangle, report, gates, the TUI's Scorecard) on the bundle's
 * working copy that compute a figure a run keeps: a bootstrap's read of a metric's every
 * score (percentiles of rows this small are walked, never kept: test_run_scale has those). */
static int count_computing(const char *bundle_path)
{
	struct sl_error err = { 0 };
	char *copy = sl_bundle_open_copy(bundle_path, &err);
	struct sl_store *s = copy ? sl_store_open(copy, 0, &err) : NULL;
	CHECK(s != NULL);
	if (!s)
		return -1;
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, test_trace_stmt, NULL);
	struct sl_run_view v;
	CHECK_INT(sl_run_view_build(s, 1, NULL, &v, &err), 0);
	sl_run_view_free(&v);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	int n = 0;
	for (size_t i = 0; i < test_n_traced; i++) {
		const char *q = test_traced[i];
		n += strstr(q, "SELECT value FROM cell_scores WHERE run_id = ?1 AND metric = ?2") != NULL;
		free(test_traced[i]);
	}
	test_n_traced = 0;
	sl_store_close(s);
	sl_bundle_copy_remove(copy);
	return n;
}

/* A run nobody has looked at yet (no interval kept): its bundle is written with the
 * scorecard's kept figures (the judge's bootstrap intervals), so the first view of it opened
 * with tui --open computes nothing. A bundle without them (as written before) is read as
 * before: its first view computes them. */
static void test_bundle_keeps_figures(void)
{
	char *unviewed = test_path("unviewed.db"), *out = test_path("unviewed.slrun");
	sqlite3 *h = db_open(src_db);
	char *sql = sl_xasprintf("VACUUM INTO '%s'", unviewed);
	CHECK(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
	free(sql);
	sqlite3_close(h);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(unviewed, 0, &err);
	CHECK(s != NULL);
	exec(s, "DELETE FROM score_intervals; DELETE FROM cell_percentiles");
	sl_store_close(s);
	free(said(unviewed, (const char *[]){ "runs", "export", "1", "-o", out, NULL }));
	CHECK_INT(db_query_int(out, "SELECT count(*) FROM score_intervals"), 2);
	CHECK_INT(count_computing(out), 0);
	/* the same bundle without them: read, and computed on its first view */
	CHECK(sqlite3_open(out, &h) == SQLITE_OK &&
	      sqlite3_exec(h, "DELETE FROM score_intervals", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(h);
	CHECK(count_computing(out) > 0);
	CHECK(tmpdir_empty());
	free(unviewed);
	free(out);
}

/* Every table with a run_id column is carried, rebuilt, or deliberately left behind. */
static void test_every_run_table_covered(void)
{
	sqlite3 *h = db_open(src_db);
	sqlite3_stmt *st;
	CHECK(sqlite3_prepare_v2(h, "SELECT DISTINCT m.name FROM sqlite_master m, "
				    "pragma_table_info(m.name) c WHERE m.type = 'table' AND "
				    "c.name = 'run_id'", -1, &st, NULL) == SQLITE_OK);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		if (!sl_bundle_covers_table(sl_col_text(st, 0))) {
			fprintf(stderr, "table %s has a run_id but bundles do not know it: carry it "
					"(run_tables in src/core/report/bundle.c) or say why not\n",
				sl_col_text(st, 0));
			test_failures++;
		}
	}
	CHECK(n >= 10);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* Runs stored before uids existed get one each when the store is upgraded, and every run
 * inserted after gets its own. */
static void test_uid_migration(void)
{
	char *path = test_path("old.db");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(path, SL_STORE_NO_MIGRATE, &err);
	CHECK(s != NULL);
	CHECK_INT(sl_store_migrate_to(s, sl_migration_count - 1, &err), 0);
	const char *models[] = { "fake:a" };
	const char *prompts[] = { "p" };
	fixture_run(s, models, NULL, 1, prompts, 1);
	fixture_run(s, models, NULL, 1, prompts, 1);
	CHECK_INT(sl_store_migrate_to(s, sl_migration_count, &err), 0);
	fixture_run(s, models, NULL, 1, prompts, 1);
	sl_store_close(s);
	CHECK_INT(db_query_int(path, "SELECT count(DISTINCT uid) FROM runs WHERE length(uid) = 32"),
		  3);
	free(path);
}

/* A bundle written at schema 20 (the first with run uids) by an older shortlist: upgraded in
 * the private copy and imported; the file itself is left as it was. */
static void test_older_bundle(void)
{
	char *path = test_path("old.slrun");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(path, SL_STORE_NO_MIGRATE, &err);
	CHECK(s != NULL);
	CHECK_INT(sl_store_migrate_to(s, 20, &err), 0);
	const char *models[] = { "fake:old" };
	const char *prompts[] = { "legacy" };
	int64_t run = fixture_run(s, models, NULL, 1, prompts, 1);
	fixture_cell(s, run, 0, 0, 0, 0, "fine", NULL, 120, 30, 5, NAN);
	char *sql = sl_xasprintf("PRAGMA journal_mode = DELETE; PRAGMA application_id = %d;"
				 "CREATE TABLE bundle_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
				 "INSERT INTO bundle_meta VALUES ('format', '1')",
				 SL_BUNDLE_APPLICATION_ID);
	exec(s, sql);
	free(sql);
	sl_store_close(s);
	CHECK_INT(db_query_int(path, "PRAGMA user_version"), 20);
	char *dst = test_path("gets-old.db");
	char *out = said(dst, (const char *[]){ "runs", "import", path, NULL });
	CHECK_CONTAINS(out, "as run 1 (run 1 where it was exported): 1 cells");
	free(out);
	char *show = said(dst, (const char *[]){ "runs", "show", "1", NULL });
	CHECK_CONTAINS(show, "prompt     legacy@1");
	CHECK_CONTAINS(show, "cells      1/0 done, 0 errors, 0 cached");
	free(show);
	CHECK_INT(db_query_int(path, "PRAGMA user_version"), 20);
	CHECK(tmpdir_empty());
	free(dst);
	free(path);
}

/* The work SQLite does for a bundle, on every connection: virtual machine steps (a
 * trigger's steps count in the statement that fired it) and trigger programs run. */
static long long vm_steps, triggers_run;

static int count_work(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	if (type == SQLITE_TRACE_PROFILE)
		vm_steps += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 1);
	else if (type == SQLITE_TRACE_STMT && x && strncmp(x, "-- TRIGGER", 10) == 0)
		triggers_run++;
	return 0;
}

/* Export and import of a run of 3 x cases cells written by SQL; the steps per row copied
 * (cells and score rows) and the triggers run, of each. */
static void measure_bundle(long cases, double *export_steps, long long *export_triggers,
			   double *import_steps, long long *import_triggers)
{
	char *name = sl_xasprintf("work%ld.db", cases), *dst_name = sl_xasprintf("into%ld.db", cases);
	char *out_name = sl_xasprintf("work%ld.slrun", cases);
	char *out = test_path(out_name), *db = test_path(name);
	struct sl_store *s = fixture_open(name);
	int64_t run = fixture_bench_run(s, cases);
	struct sl_error err = { 0 };
	long long rows = 3 * cases + db_query_int(db, "SELECT count(*) FROM cell_scores");
	free(db);
	vm_steps = triggers_run = 0;
	CHECK_INT(sl_bundle_export(s, run, out, false, &err), 0);
	*export_steps = (double)vm_steps / (double)rows;
	*export_triggers = triggers_run;
	sl_store_close(s);
	s = fixture_open(dst_name);
	struct sl_bundle_import r;
	vm_steps = triggers_run = 0;
	CHECK_INT(sl_bundle_import(s, out, &r, &err), 0);
	CHECK_INT(r.cells, 3 * cases);
	*import_steps = (double)vm_steps / (double)rows;
	*import_triggers = triggers_run;
	sl_store_close(s);
	printf("  %ld cells, %lld rows: export %.1f steps a row, %lld triggers run; import %.1f "
	       "steps a row, %lld triggers run\n", 3 * cases, rows, *export_steps,
	       *export_triggers, *import_steps, *import_triggers);
	free(name);
	free(dst_name);
	free(out_name);
	free(out);
}

/* Export and import cost the same per row copied whatever the size of the run, and not much
 * more than the copy itself (70 to 100 steps a row): no trigger runs per row, as the
 * statistics travel with the rows. Before, every row ran two statistics triggers both
 * ways, about 330 steps a row. */
static void test_bundle_work_per_row(void)
{
	test_trace_new_connections(SQLITE_TRACE_PROFILE | SQLITE_TRACE_STMT, count_work, NULL);
	double ex_small, ex_big, im_small, im_big;
	long long tr_ex_small, tr_ex_big, tr_im_small, tr_im_big;
	measure_bundle(100, &ex_small, &tr_ex_small, &im_small, &tr_im_small);
	measure_bundle(2000, &ex_big, &tr_ex_big, &im_big, &tr_im_big);
	test_trace_new_connections(0, NULL, NULL);
	CHECK(tr_ex_big == tr_ex_small);
	CHECK(tr_im_big == tr_im_small);
	CHECK(ex_big <= ex_small * 1.1);
	CHECK(im_big <= im_small * 1.1);
	CHECK(ex_big < 150);
	CHECK(im_big < 150);
}

TEST_MAIN_BEGIN
	tmpdir = test_path("tmp");
	struct sl_error err = { 0 };
	CHECK_INT(sl_mkdirs(tmpdir, &err), 0);
	make_source();
	RUN_TEST(test_export);
	RUN_TEST(test_import_fresh);
	RUN_TEST(test_import_remaps);
	RUN_TEST(test_refused);
	RUN_TEST(test_tui_open);
	RUN_TEST(test_tui_open_checks_meanwhile);
	RUN_TEST(test_bundle_keeps_figures);
	RUN_TEST(test_every_run_table_covered);
	RUN_TEST(test_uid_migration);
	RUN_TEST(test_older_bundle);
	RUN_TEST(test_bundle_work_per_row);
	free(src_db);
	free(bundle);
	free(tmpdir);
TEST_MAIN_END
