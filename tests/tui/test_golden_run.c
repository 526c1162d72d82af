/* Golden screens of a stored run: a fixture run (four models, two prompts, twelve cases,
 * accuracy and judge scores with explanations, one failed cell) is written straight into a
 * copy of the catalogue database, then the scripts in tests/tui/scripts-run run headless at
 * 80x24 and 120x40 (and those in tests/tui/scripts-ascii with --ascii). Every number on
 * those screens is one this fixture put there. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"
#include "tui_harness.h"
#include "../report/fixture.h"
#include "shortlist/prompts.h"
#include "shortlist/stats.h"
#include "shortlist/store.h"

static const char *shortlist_bin;
static bool update;

static const char *const reviews[12] = {
	"The battery died after two days and support never answered.",
	"Works exactly as described, setup took five minutes.",
	"It is a phone case. It holds the phone.",
	"Absolutely love it, bought a second one for my sister.",
	"Arrived broken, the replacement is broken too.",
	"Fine for the price, nothing special.",
	"The app crashes every time I open the settings.",
	"Best headphones I have owned, the noise cancelling is superb.",
	"Delivery was late but the product is good.",
	"Stopped working after a week. Waste of money.",
	"Does what it says on the box.",
	"Exceeded my expectations in every way.",
};
static const char *const labels[12] = { "negative", "positive", "neutral", "positive",
					"negative", "neutral", "negative", "positive",
					"positive", "negative", "neutral", "positive" };

static void exec(struct sl_store *s, const char *sql)
{
	struct sl_error err = { 0 };
	if (sl_store_exec(s, sql, &err) != 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(99);
	}
}

/* model: name, price (USD per cell), latency base and spread (ms), cases it gets wrong. */
static const struct fx_model {
	const char *name;
	double price_in, cell_cost, lat, spread, ttft;
	unsigned wrong; /* bit per case */
} fx_models[] = {
	{ "openai:gpt-4o-mini", 0.15, 0.000021, 420, 500, 300, 0x024 },
	{ "anthropic:claude-haiku-4-5", 1.0, 0.000094, 650, 900, 560, 0x004 },
	{ "ollama:llama3.2", 0.0, 0.0, 210, 300, 180, 0x2a5 },
	{ "openai:gpt-4o", 2.5, 0.00031, 800, 1700, 520, 0x000 },
};

static char *fixture_db(const char *template_db)
{
	char *path = test_path("run-template.db");
	remove(path);
	if (harness_copy(template_db, path) != 0)
		exit(99);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(path, 0, &err);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	const char *models[4];
	double price[4];
	for (int m = 0; m < 4; m++) {
		models[m] = fx_models[m].name;
		price[m] = fx_models[m].price_in;
	}
	const char *prompts[] = { "sentiment", "sentiment-terse" };
	struct sl_rng rng;
	sl_rng_seed(&rng, 14);
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 4, prompts, 2);
	/* The suite as it would have been run: its gates and weights are the screens'. */
	exec(s, "UPDATE runs SET suite_name = 'review-sentiment', n_cells = 96, suite_json = '"
		"{\"name\": \"review-sentiment\", \"models\": [\"openai:gpt-4o-mini\", "
		"\"anthropic:claude-haiku-4-5\", \"ollama:llama3.2\", \"openai:gpt-4o\"], "
		"\"prompts\": [\"sentiment@1\", \"sentiment-terse@1\"], \"dataset\": "
		"\"cases.jsonl\", \"scorers\": [{\"name\": \"label\", \"as\": \"accuracy\", "
		"\"labels\": [\"positive\", \"negative\", \"neutral\"]}], \"weights\": "
		"{\"speed\": 0.2, \"precision\": 0.5, \"cost\": 0.3}, \"gates\": "
		"[\"error_rate<=0.05\", \"accuracy>=0.85\", "
		"\"model=openai:gpt-4o-mini:p95_latency<=1s\"]}'");
	for (int c = 0; c < 12; c++) {
		char *sql = sl_xasprintf("INSERT INTO dataset_cases (dataset_hash, idx, line, vars, "
					 "expected) VALUES ('dshash', %d, %d, json_object('text', "
					 "'%s'), '%s')", c, c + 1, reviews[c], labels[c]);
		exec(s, sql);
		free(sql);
	}
	for (int m = 0; m < 4; m++) {
		const struct fx_model *fm = &fx_models[m];
		for (int p = 0; p < 2; p++) {
			for (int c = 0; c < 12; c++) {
				bool fail = m == 1 && p == 0 && c == 6;
				bool wrong = (fm->wrong >> c) & 1;
				double lat = fm->lat + fm->spread * sl_rng_double(&rng) * (p ? 0.8 : 1);
				double ttft = fm->ttft * (0.8 + 0.4 * sl_rng_double(&rng));
				const char *out = wrong ? (strcmp(labels[c], "neutral") == 0
							   ? "positive" : "neutral")
							: labels[c];
				fixture_cell(s, run, m, p, c, 0, fail ? NULL : out,
					     fail ? "HTTP 529: overloaded" : NULL, fail ? NAN : lat,
					     fail ? NAN : ttft, 12, fail ? NAN : fm->cell_cost);
				if (fail)
					continue;
				fixture_score(s, run, "accuracy", true, m, p, c, 0, wrong ? 0 : 1, NULL,
					      NAN);
				fixture_score(s, run, "judge", false, m, p, c, 0, wrong ? 2 : 4 + (c % 2),
					      "openai:gpt-4o", 0.00004);
			}
		}
	}
	exec(s, "UPDATE cells SET expected = (SELECT expected FROM dataset_cases d WHERE "
		"d.dataset_hash = 'dshash' AND d.idx = cells.case_idx)");
	exec(s, "UPDATE cell_scores SET detail = CASE WHEN value >= 4 THEN 'The answer names the "
		"sentiment the reviewer expressed, in one word as asked.' ELSE 'The review is "
		"clearly of another sentiment; the answer misreads it.' END WHERE metric = 'judge'");
	exec(s, "UPDATE cell_scores SET detail = 'label found: ' || (SELECT output FROM cells c "
		"WHERE c.run_id = cell_scores.run_id AND c.model_idx = cell_scores.model_idx AND "
		"c.prompt_idx = cell_scores.prompt_idx AND c.case_idx = cell_scores.case_idx) "
		"WHERE metric = 'accuracy'");
	fixture_commit(s);
	/* The example prompt catalogue, and the example dataset's path as the run's file, for
	 * the Prompts screen's versions, diff and preview (of the cases stored above: their
	 * field is the prompts' {{text}}). */
	char *prompts_dir = test_source_path("data/examples/prompts");
	char *csv = test_source_path("data/examples/sentiment/reviews.csv");
	if (sl_prompts_import(s, prompts_dir, NULL, NULL, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	char *sql = sl_xasprintf("UPDATE runs SET dataset_path = '%s'", csv);
	exec(s, sql);
	free(sql);
	free(prompts_dir);
	free(csv);
	sl_store_close(s);
	return path;
}

/* A rating session survives quitting: ratings and votes given in one process are there
 * (counted, and not asked again) when the next one opens the same database. */
static void test_rating_survives_restart(const char *run_db)
{
	char *db = test_path("rate-restart.db");
	remove(db);
	CHECK_INT(harness_copy(run_db, db), 0);
	char *first = test_write_file("rate-first.keys", "7\n453\nma\n:dump\n");
	char *second = test_write_file("rate-second.keys", "7\n:dump scores\nm\n:dump pairs\n");
	char *argv1[] = { (char *)shortlist_bin, "--db", db, "tui", "--script", first, "--size",
			  "80x24", NULL };
	char *argv2[] = { (char *)shortlist_bin, "--db", db, "tui", "--script", second, "--size",
			  "80x24", NULL };
	char *out = NULL, *err = NULL;
	CHECK_INT(harness_run(argv1, &out, &err, NULL), 0);
	CHECK_CONTAINS(out, "1 of 141 pairs voted");
	free(out);
	free(err);
	CHECK_INT(harness_run(argv2, &out, &err, NULL), 0);
	CHECK_CONTAINS(out, "3 of 95 outputs rated");
	CHECK_CONTAINS(out, "output 1 of 92 in this queue");
	CHECK_CONTAINS(out, "1 of 141 pairs voted");
	CHECK_CONTAINS(out, "pair 2 of 141");
	test_failures += harness_golden("tests/golden/rate-restart-80x24.txt", out, update);
	free(out);
	free(err);
	free(first);
	free(second);
	free(db);
}

/* The catalogue with four models shortlisted and no run: the priors. */
static char *priors_db(const char *template_db)
{
	char *path = test_path("priors-template.db");
	remove(path);
	if (harness_copy(template_db, path) != 0)
		exit(99);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(path, 0, &err);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	exec(s, "INSERT INTO shortlist (model_key, added_at) VALUES "
		"('anthropic/claude-haiku-4-5', '2026-11-28T00:00:00Z'), "
		"('google/gemini-3-flash-preview', '2026-11-28T00:00:00Z'), "
		"('openai/gpt-5', '2026-11-28T00:00:00Z'), "
		"('deepseek/deepseek-v4-pro', '2026-11-28T00:00:00Z')");
	sl_store_close(s);
	return path;
}

/* Run keys (a script's text) headless at 80x24 on db with $EDITOR set; the screens. */
static char *run_with_editor(const char *db, const char *editor, const char *keys)
{
	char *script = test_write_file("edit.keys", keys);
	setenv("EDITOR", editor, 1);
	const char *user = getenv("USER");
	char *old_user = user ? sl_xstrdup(user) : NULL;
	setenv("USER", "tester", 1); /* the new version's author */
	unsetenv("VISUAL");
	char *argv[] = { (char *)shortlist_bin, "--db", (char *)db, "tui", "--script", script,
			 "--size", "80x24", NULL };
	char *out = NULL, *err = NULL;
	CHECK_INT(harness_run(argv, &out, &err, NULL), 0);
	unsetenv("EDITOR");
	if (old_user)
		setenv("USER", old_user, 1);
	else
		unsetenv("USER");
	free(old_user);
	free(err);
	free(script);
	return out ? out : sl_xstrdup("");
}

/* The files the editor was given that are still there (kept after a failure). */
static int kept_files(const char *dir, const char *containing)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, "shortlist-", 10) == 0) {
			char *path = sl_xasprintf("%s/%s", dir, e->d_name);
			char *text = sl_read_file(path, NULL, NULL);
			n += text && strstr(text, containing) != NULL;
			free(text);
			free(path);
		}
	if (d)
		closedir(d);
	return n;
}

/* Editing on the Prompts screen with $EDITOR a script: an edit of the older @1 stores @3
 * with its lineage; an editor that changes nothing stores nothing; one that exits 1 or is
 * missing says so and stores nothing, the text kept in its file; then tags on the prompt
 * and the version, and the list filtered by a tag. */
static void test_prompt_edit(const char *run_db)
{
	char *db = test_path("prompt-edit.db");
	remove(db);
	CHECK_INT(harness_copy(run_db, db), 0);
	char *tmp = test_path("edit-tmp");
	mkdir(tmp, 0700);
	setenv("TMPDIR", tmp, 1);
	char *change = test_write_file("change.sh", "#!/bin/sh\nsed -i 's/You classify product "
				       "reviews\\./You sort product reviews./' \"$1\"\n");
	char *same = test_write_file("same.sh", "#!/bin/sh\nexit 0\n");
	/* Fails on its first go; the second `e` must bring back the text it left. */
	char *fail = test_write_file("fail.sh", "#!/bin/sh\ngrep -q 'You shout at' \"$1\" && "
				     "exit 0\nsed -i 's/You sort/You shout at/' \"$1\"\nexit 1\n");
	chmod(change, 0755);
	chmod(same, 0755);
	chmod(fail, 0755);
	char *a = run_with_editor(db, change, "2\njj\nh\ne\n:dump @1 edited: saved as @3\nd\n"
				  ":dump the diff of @3 with @1, the version it was edited from\n");
	CHECK_CONTAINS(a, "saved review-sentiment@3, edited from @1");
	char *b = run_with_editor(db, same, "2\njj\ne\n:dump an editor that changes nothing\n");
	CHECK_CONTAINS(b, "review-sentiment@3 unchanged: no new version");
	char *c = run_with_editor(db, fail, "2\njj\ne\n:dump an editor that exits 1\ne\n"
				  ":dump e again: the text it left is saved\n");
	CHECK_CONTAINS(c, "the editor exited with status 1: nothing saved; e opens the text");
	CHECK_CONTAINS(c, "saved review-sentiment@4, edited from @3");
	CHECK_INT(kept_files(tmp, "You shout at"), 0); /* saved, so removed */
	char *c2 = run_with_editor(db, fail, "2\njj\nh\ne\n:dump exits 1, then quit\n");
	CHECK_INT(kept_files(tmp, "You shout at"), 1); /* kept for the user */
	free(c2);
	char *d = run_with_editor(db, "no-such-editor-here", "2\njj\ne\n:dump a missing editor\n");
	CHECK_CONTAINS(d, "editor 'no-such-editor-here' not found (set VISUAL or EDITOR)");
	char *e = run_with_editor(db, same, "2\njj\nt\nreviewed<Enter>\nT\nprod<Enter>\n"
				  ":dump tags on the prompt and on @3\n<Colon>tagged prod<Enter>\n"
				  ":dump only prompts tagged prod\n");
	CHECK_CONTAINS(e, "tags of review-sentiment@4: prod");
	CHECK_CONTAINS(e, "version tags: prod");
	/* The screens that do not show a temporary file's name are the golden. */
	char *golden = sl_xasprintf("%s%s%s", a, b, e);
	/* (c's first screen names a temporary file: checked above, not in the golden) */
	test_failures += harness_golden("tests/golden/prompts-edit-80x24.txt", golden, update);
	free(golden);
	/* What the store holds: @3 from @1, @4 from @3, nothing from the failed edits. */
	char *argv[] = { (char *)shortlist_bin, "--db", db, "prompts", "show", "review-sentiment@3",
			 NULL };
	char *out = NULL;
	CHECK_INT(harness_run(argv, &out, NULL, NULL), 0);
	CHECK_CONTAINS(out, "edited   from @1");
	CHECK_CONTAINS(out, "You sort product reviews.");
	free(out);
	argv[5] = "review-sentiment";
	CHECK_INT(harness_run(argv, &out, NULL, NULL), 0);
	CHECK_CONTAINS(out, "review-sentiment@4  [");
	CHECK_CONTAINS(out, "reviewed]");
	CHECK_CONTAINS(out, "edited   from @3");
	CHECK_CONTAINS(out, "tagged   prod");
	CHECK_CONTAINS(out, "You shout at product reviews.");
	free(out);
	unsetenv("TMPDIR");
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
	free(change);
	free(same);
	free(fail);
	free(tmp);
	free(db);
}

int test_failures;
const char *test_current;

int main(int argc, char **argv)
{
	test_env_pin();
	if (argc < 2) {
		fprintf(stderr, "usage: test_golden_run PATH-TO-SHORTLIST\n");
		return 2;
	}
	shortlist_bin = argv[1];
	const char *u = getenv("SHORTLIST_UPDATE_GOLDEN");
	update = u && *u && strcmp(u, "0") != 0;
	char *template_db = harness_template_db(shortlist_bin);
	char *run_db = fixture_db(template_db);
	test_current = "scripts-run";
	CHECK(harness_golden_scripts(shortlist_bin, "tests/tui/scripts-run", run_db, NULL,
				     update) >= 2);
	char *ascii[] = { "--ascii", NULL };
	test_current = "scripts-ascii";
	CHECK(harness_golden_scripts(shortlist_bin, "tests/tui/scripts-ascii", run_db, ascii,
				     update) >= 1);
	char *pdb = priors_db(template_db);
	test_current = "scripts-priors";
	CHECK(harness_golden_scripts(shortlist_bin, "tests/tui/scripts-priors", pdb, NULL,
				     update) >= 1);
	test_current = "scripts-priors-ascii";
	CHECK(harness_golden_scripts(shortlist_bin, "tests/tui/scripts-priors-ascii", pdb, ascii,
				     update) >= 1);
	/* The ASCII screens (equal to their goldens above) hold no byte outside ASCII. */
	static const char *const ascii_goldens[] = { "tests/golden/charts-ascii-80x24.txt",
						     "tests/golden/charts-ascii-120x40.txt",
						     "tests/golden/priors-ascii-80x24.txt",
						     "tests/golden/priors-ascii-120x40.txt" };
	for (size_t i = 0; i < SL_ARRAY_LEN(ascii_goldens); i++) {
		char *path = test_source_path(ascii_goldens[i]);
		char *text = sl_read_file(path, NULL, NULL);
		CHECK(text != NULL);
		for (const unsigned char *p = (const unsigned char *)text; text && *p; p++)
			if (*p >= 0x80) {
				fprintf(stderr, "%s: non-ASCII byte at offset %ld\n", ascii_goldens[i],
					(long)((const char *)p - text));
				test_failures++;
				break;
			}
		free(text);
		free(path);
	}
	/* The same run handed over in a bundle from another machine (its dataset file is not
	 * here: Compare shows the stored cases) and opened from a store without runs. */
	char *bundle = test_path("review.slrun"), *src_db = test_path("bundle-src.db");
	CHECK_INT(harness_copy(run_db, src_db), 0);
	struct sl_error err = { 0 };
	struct sl_store *src = sl_store_open(src_db, 0, &err);
	CHECK(src != NULL);
	exec(src, "UPDATE runs SET dataset_path = '/home/ana/evals/reviews.csv'");
	sl_store_close(src);
	char *export_argv[] = { (char *)shortlist_bin, "--db", src_db, "runs", "export", "1", "-o",
				bundle, NULL };
	char *said = NULL;
	CHECK_INT(harness_run(export_argv, &said, NULL, NULL), 0);
	free(said);
	char *open[] = { "--open", bundle, NULL };
	test_current = "scripts-bundle";
	CHECK(harness_golden_scripts(shortlist_bin, "tests/tui/scripts-bundle", template_db, open,
				     update) >= 1);
	free(bundle);
	free(src_db);
	free(pdb);
	test_current = "prompt_edit";
	test_prompt_edit(run_db);
	test_current = "rating_survives_restart";
	test_rating_survives_restart(run_db);
	free(run_db);
	free(template_db);
	if (test_failures)
		fprintf(stderr, "%d check(s) failed\n", test_failures);
	return test_failures ? 1 : 0;
}
