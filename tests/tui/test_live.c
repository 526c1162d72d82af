/* Golden screens of live runs: the TUI runs a suite against tests/fakeprov with scripted
 * answers and timing. Snapshots are taken at fixed points of the run (`:wait TEXT` for a
 * state, `:dump` once nothing is in flight, `:snap` on a stalled stream), never after a
 * sleep; clock-dependent figures are drawn as "~" in script mode. Each script in
 * tests/tui/live runs at 80x24 and 120x40 on a fresh database and a reset fakeprov, and
 * must equal tests/golden/live-NAME-COLSxLINES.txt. Also: quitting mid-run and resuming in
 * a second process, and a model answer full of escape sequences never reaching the
 * terminal. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakeprov_client.h"
#include "pty_harness.h"
#include "shortlist/store.h"
#include "shortlist/util.h"
#include "test.h"
#include "tui_harness.h"

static const char *shortlist_bin;
static char *template_db;
static bool update;
static struct fakeprov *fp;

/* Model a answers instantly; model b streams, stalls on its third request (case 3) until
 * the run is cancelled, answers case 3 on the resumed run, and fails case 5. Model a's
 * fifth answer is hostile: terminal escapes, a title change, BEL, CR and a NUL. */
static const char fake_script[] =
	"{\"default\": {\"token_ms\": 2},"
	" \"models\": {"
	"  \"model-a\": {\"sequence\": ["
	"    {\"text\": \"positive\"}, {\"text\": \"negative\"}, {\"text\": \"neutral\"},"
	"    {\"text\": \"positive\"},"
	"    {\"text\": \"\\u001b[2J\\u001b[H\\u001b[31mnegative\\u0007 \\u001b]0;pwned\\u0007"
	"done\\r\\nnext \\u001b[?1049l line \\u009b31m end\"},"
	"    {\"text\": \"neutral\"}]},"
	"  \"model-b\": {\"sequence\": ["
	"    {\"text\": \"Positive.\"}, {\"text\": \"Negative, clearly.\"},"
	"    {\"text\": \"The customer sounds neutral overall\", \"fault\": \"stall\","
	"     \"after_chunks\": 1, \"stall_ms\": 60000},"
	"    {\"text\": \"Neutral: the review neither praises nor blames, it simply states that "
	"the product arrived and works as described, which reads as a neutral opinion.\"},"
	"    {\"text\": \"Positive!\"},"
	"    {\"fault\": \"status\", \"status\": 500},"
	"    {\"text\": \"Neutral.\"}]},"
	"  \"judge\": {\"latency_ms\": 2000,"
	"   \"text\": \"{\\\"explanation\\\": \\\"Right.\\\", \\\"score\\\": 4}\"}}}";

static void write_fixtures(void)
{
	struct sl_error err = { 0 };
	char *dir = test_path("config/shortlist");
	sl_mkdirs(dir, &err);
	free(dir);
	char *json = sl_xasprintf(
		"{\"providers\": {"
		" \"fake\": {\"kind\": \"openai\", \"base_url\": \"%s/v1\", \"api_key_env\": \"FAKE_KEY\","
		"   \"limits\": {\"max_tries\": 1}},"
		" \"fakeant\": {\"kind\": \"anthropic\", \"base_url\": \"%s\", \"api_key_env\": "
		"   \"FAKE_ANT_KEY\", \"limits\": {\"max_tries\": 1}},"
		" \"openai\": {\"base_url\": \"%s/v1\", \"api_key_env\": \"FAKE_KEY\"}}}",
		fp->base, fp->base, fp->base);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	setenv("FAKE_KEY", "sk-fake", 1);
	setenv("FAKE_ANT_KEY", "sk-ant-fake", 1);
	free(test_write_file("cases.csv", "text,label\n"
					  "\"I loved it, truly\",positive\n"
					  "Terrible service,negative\n"
					  "\"It arrived, it works\",neutral\n"
					  "Best day ever,positive\n"
					  "Never again,negative\n"
					  "Meh,neutral\n"));
	free(test_write_file("suite.json",
			     "{\"name\": \"sentiment-demo\", \"models\": [\"fake:model-a\", "
			     "\"fakeant:model-b\"], \"prompts\": [\"sentiment@1\"], \"dataset\": "
			     "\"cases.csv\", \"concurrency\": 1, \"scorers\": [{\"name\": \"label\", "
			     "\"labels\": [\"positive\", \"negative\", \"neutral\"]}], \"prices\": "
			     "{\"fake:model-a\": {\"in\": 1, \"out\": 2}, \"fakeant:model-b\": "
			     "{\"in\": 3, \"out\": 15}}}"));
	free(test_write_file("p1.json", "{\"name\": \"sentiment\", \"system\": \"Answer with one "
					"word.\", \"user\": \"Sentiment of: {{text}}\"}"));
	free(test_write_file("p2.json", "{\"name\": \"sentiment\", \"system\": \"Answer with "
					"positive, negative or neutral.\", \"user\": \"{{text}}\"}"));
	/* Suites the core's check refuses before sending (tests/tui/live/refused.keys). */
	free(test_write_file("suite-nojudge.json",
			     "{\"name\": \"no-judge\", \"models\": [\"fake:model-a\"], \"prompts\": "
			     "[\"sentiment@1\"], \"dataset\": \"cases.csv\", \"scorers\": [{\"name\": "
			     "\"judge\", \"rubric\": \"Is the label right?\"}]}"));
	free(test_write_file("suite-badgate.json",
			     "{\"name\": \"bad-gate\", \"models\": [\"fake:model-a\"], \"prompts\": "
			     "[\"sentiment@1\"], \"dataset\": \"cases.csv\", \"scorers\": [{\"name\": "
			     "\"label\", \"labels\": [\"positive\", \"negative\", \"neutral\"]}], "
			     "\"gates\": [\"accurcy >= 0.8\"]}"));
	/* A judge scorer: the run is scored in the TUI's loop, the judge slow to answer
	 * (tests/tui/live/score.keys). */
	free(test_write_file("suite-judge.json",
			     "{\"name\": \"judged\", \"models\": [\"fake:model-a\"], \"prompts\": "
			     "[\"sentiment@1\"], \"dataset\": \"cases.csv\", \"judge\": \"fake:judge\", "
			     "\"concurrency\": 1, "
			     "\"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", "
			     "\"negative\", \"neutral\"]}, {\"name\": \"judge\", \"rubric\": "
			     "\"Is the label right?\"}]}"));
	/* One model, two prompt versions: two runs to replay and diff on the Runs screen. */
	for (int v = 1; v <= 2; v++) {
		char name[32];
		snprintf(name, sizeof name, "suite-a%d.json", v);
		char *suite = sl_xasprintf(
			"{\"name\": \"sentiment-v%d\", \"models\": [\"fake:model-a\"], \"prompts\": "
			"[\"sentiment@%d\"], \"dataset\": \"cases.csv\", \"concurrency\": 1, "
			"\"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", "
			"\"negative\", \"neutral\"]}], \"prices\": {\"fake:model-a\": {\"in\": 1, "
			"\"out\": 2}}}", v, v);
		free(test_write_file(name, suite));
		free(suite);
	}
}

/* A fresh database with the prompt, and fakeprov back at the start of its sequences. */
static char *fresh_db(void)
{
	char *db = test_path("live.db");
	remove(db);
	CHECK_INT(harness_copy(template_db, db), 0);
	char *p1 = test_path("p1.json");
	char *p2 = test_path("p2.json");
	char *out = NULL, *err = NULL;
	for (int i = 0; i < 2; i++) {
		char *argv[] = { (char *)shortlist_bin, "--db", db, "prompts", "add", i ? p2 : p1,
				 NULL };
		CHECK_INT(harness_run(argv, &out, &err, NULL), 0);
		free(out);
		free(err);
	}
	free(p1);
	free(p2);
	/* The shortlist the "new evaluation" form starts from (Space on Models is tested by
	 * test_golden). */
	char *argv2[] = { (char *)shortlist_bin, "--db", db, "shortlist", "add",
			  "openai/gpt-4.1-mini", "openai/gpt-4.1-nano", NULL };
	CHECK_INT(harness_run(argv2, &out, &err, NULL), 0);
	free(out);
	free(err);
	CHECK_INT(fakeprov_set_script(fp, fake_script), 0);
	return db;
}

static char *run_script(const char *db, const char *script, const char *size, int want_rc)
{
	char *argv[] = { (char *)shortlist_bin, "--db", (char *)db, "tui", "--script",
			 (char *)script, "--size", (char *)size, NULL };
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err, NULL);
	if (rc != want_rc)
		fprintf(stderr, "%s at %s: exit %d: %s\n%s", script, size, rc, err ? err : "",
			out ? out : "");
	CHECK_INT(rc, want_rc);
	free(err);
	return out ? out : sl_xstrdup("");
}

/* Nothing a model said may reach the terminal as a control character: the dump is the
 * grid, so any byte below 0x20 other than newline means the sanitiser let it through. */
static void check_no_controls(const char *name, const char *out)
{
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 && *p != '\n') {
			fprintf(stderr, "%s: control byte 0x%02x at offset %ld\n", name, *p,
				(long)((const char *)p - out));
			test_failures++;
			return;
		}
	if (strstr(out, "\xc2\x9b")) { /* the C1 CSI, as UTF-8 */
		fprintf(stderr, "%s: a C1 control reached the screen\n", name);
		test_failures++;
	}
}

static void test_live_scripts(void)
{
	char *dir = test_source_path("tests/tui/live");
	char *names[32];
	size_t n = harness_list_scripts(dir, names, SL_ARRAY_LEN(names));
	CHECK(n >= 1);
	static const char *const sizes[] = { "80x24", "120x40" };
	for (size_t i = 0; i < n; i++) {
		test_current = names[i];
		char *script = sl_xasprintf("%s/%s.keys", dir, names[i]);
		for (size_t s = 0; s < SL_ARRAY_LEN(sizes); s++) {
			char *db = fresh_db();
			char *out = run_script(db, script, sizes[s], 0);
			char rel[256];
			snprintf(rel, sizeof rel, "tests/golden/live-%s-%s.txt", names[i], sizes[s]);
			check_no_controls(rel, out);
			test_failures += harness_golden(rel, out, update);
			free(out);
			free(db);
		}
		free(script);
		free(names[i]);
	}
	free(dir);
}

/* Quit while the run streams (the question, then y), then a second TUI resumes the same
 * run: the cells done before the quit are kept, and the rest run. */
static void test_quit_then_resume(void)
{
	char *quit = test_write_file("quit.keys",
				     "<Colon>open suite.json<Enter>\n<Enter>\njll\n"
				     ":wait model-b case 3: streaming\n"
				     "Q\n:snap quit asks first\ny\n");
	char *resume = test_write_file("resume.keys",
				       "3\n:dump the run after quitting\n<Colon>resume 1<Enter>\n"
				       ":dump resume checked\n<Enter>\n:wait run 1 finished\n"
				       "3\n:dump the run complete\n");
	static const char *const sizes[] = { "80x24", "120x40" };
	for (size_t s = 0; s < SL_ARRAY_LEN(sizes); s++) {
		char *db = fresh_db();
		char *a = run_script(db, quit, sizes[s], 0);
		char *b = run_script(db, resume, sizes[s], 0);
		char *both = sl_xasprintf("%s%s", a, b);
		char rel[256];
		snprintf(rel, sizeof rel, "tests/golden/live-quit-resume-%s.txt", sizes[s]);
		test_failures += harness_golden(rel, both, update);
		CHECK_CONTAINS(b, "resuming run 1: 8 cells already done");
		free(a);
		free(b);
		free(both);
		free(db);
	}
	free(quit);
	free(resume);
}

/* A run whose suite has a judge is scored in the same loop once its cells are in, the
 * judge slow to answer: the Run screen shows the scoring's progress, a key pressed while
 * the verdicts are out (Q) is handled at once (the quit question, answered no), then the
 * scores arrive and the Scorecard shows the judge's metric. The screens up to the
 * Scorecard are golden; the Scorecard's timing columns are measured, so it is checked
 * for the metric instead. */
static void test_scoring_in_the_loop(void)
{
	char *keys = test_write_file("score.keys",
				     "3\n<Colon>open suite-judge.json<Enter>\n<Enter>\n"
				     ":wait scoring: judge\n"
				     ":snap scoring: the judge's verdicts are out\n"
				     "Q\n:snap a key during scoring: quit asks first\nn\n"
				     ":wait run 1 finished\n:dump the scorecard\n");
	static const char *const sizes[] = { "80x24", "120x40" };
	for (size_t s = 0; s < SL_ARRAY_LEN(sizes); s++) {
		char *db = fresh_db();
		char *out = run_script(db, keys, sizes[s], 0);
		char *card = strstr(out, "=== the scorecard");
		CHECK(card != NULL);
		if (!card)
			card = out + strlen(out);
		/* the key's screen came before the scores: still 0 of 6 verdicts under it */
		const char *asked = strstr(out, "Run 1 is being scored. Quit now?");
		CHECK(asked != NULL && asked < card);
		CHECK_CONTAINS(card, "judge [95%]");
		CHECK_CONTAINS(card, "4.00 [4.00,4.00]");
		char *before = sl_xasprintf("%.*s", (int)(card - out), out);
		char rel[256];
		snprintf(rel, sizeof rel, "tests/golden/live-score-%s.txt", sizes[s]);
		test_failures += harness_golden(rel, before, update);
		free(before);
		free(out);
		free(db);
	}
	free(keys);
}

/* The first column of sql's first row, on the database at path; -1 if none. */
static long long db_count(const char *path, const char *sql)
{
	struct sl_error err = { 0 };
	struct sl_store *store = sl_store_open(path, 0, &err);
	long long n = -1;
	sqlite3_stmt *st = store ? sl_store_prepare(store, sql, &err) : NULL;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	sl_store_close(store);
	return n;
}

/* Quitting while the judge's verdicts are out (Q, then y) loses nothing: the label scores
 * written before stay, and `shortlist report` scores the rest (the judge) afterwards. */
static void test_quit_while_scoring(void)
{
	char *db = fresh_db();
	char *quit = test_write_file("quit-scoring.keys",
				     "3\n<Colon>open suite-judge.json<Enter>\n<Enter>\n"
				     ":wait scoring: judge\nQ\ny\n");
	char *out = run_script(db, quit, "80x24", 0);
	free(out);
	CHECK_INT(db_count(db, "SELECT COUNT(*) FROM cells WHERE output IS NOT NULL"), 6);
	CHECK_INT(db_count(db, "SELECT COUNT(*) FROM cell_scores WHERE metric = 'label'"), 6);
	CHECK_INT(db_count(db, "SELECT COUNT(*) FROM cell_scores WHERE metric = 'judge'"), 0);
	char *argv[] = { (char *)shortlist_bin, "--db", db, "report", "1", "--format", "json",
			 NULL };
	char *rout = NULL, *rerr = NULL;
	CHECK_INT(harness_run(argv, &rout, &rerr, NULL), 0);
	CHECK_CONTAINS(rout, "\"judge\"");
	free(rout);
	free(rerr);
	CHECK_INT(db_count(db, "SELECT COUNT(*) FROM cell_scores WHERE metric = 'judge' AND "
			       "value IS NOT NULL"), 6);
	free(quit);
	free(db);
}

/* A run quit mid-way and resumed starts from what is stored: the label scores of the cells
 * done before the quit went in with them (as `shortlist run` writes them, marks included),
 * and neither the resumed run's live reloads nor its end score those cells again (they
 * deleted and rewrote every score of the metric: the stored rows, marked here, were gone). */
static void test_resume_keeps_scores(void)
{
	char *db = fresh_db();
	char *quit = test_write_file("quit-kept.keys",
				     "<Colon>open suite.json<Enter>\n<Enter>\njll\n"
				     ":wait model-b case 3: streaming\nQ\ny\n");
	char *resume = test_write_file("resume-kept.keys",
				       "3\n<Colon>resume 1<Enter>\n<Enter>\n:wait run 1 finished\n");
	free(run_script(db, quit, "80x24", 0));
	long long ok = db_count(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS NULL");
	CHECK(ok > 0);
	CHECK_INT(db_count(db, "SELECT COUNT(*) FROM cell_scores WHERE metric = 'label'"), ok);
	CHECK_INT(db_count(db, "SELECT ok_cells FROM score_marks WHERE metric = 'label'"), ok);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s && sl_store_exec(s, "UPDATE cell_scores SET detail = 'stored before the quit' "
				    "WHERE metric = 'label'", &err) == 0);
	sl_store_close(s);
	free(run_script(db, resume, "80x24", 0));
	CHECK_INT(db_count(db, "SELECT COUNT(*) FROM cell_scores WHERE detail = 'stored before "
			       "the quit'"), ok);
	long long all = db_count(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS NULL");
	CHECK(all > ok);
	CHECK_INT(db_count(db, "SELECT COUNT(*) FROM cell_scores WHERE metric = 'label'"), all);
	CHECK_INT(db_count(db, "SELECT ok_cells FROM score_marks WHERE metric = 'label'"), all);
	free(quit);
	free(resume);
	free(db);
}

/* The ASCII twins: a live run, its matrix, the answers side by side (one of them full of
 * escapes) and the Runs screen with --ascii put nothing but ASCII on the screen. */
static void test_ascii_live(void)
{
	char *db = fresh_db();
	char *script = test_source_path("tests/tui/live/run.keys");
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", "--ascii", "--script", script,
			 "--size", "200x60", NULL };
	char *out = NULL, *err = NULL;
	CHECK_INT(harness_run(argv, &out, &err, NULL), 0);
	for (const unsigned char *p = (const unsigned char *)out; p && *p; p++)
		if (*p >= 0x80) {
			fprintf(stderr, "non-ASCII byte 0x%02x at offset %ld\n", *p,
				(long)((const char *)p - out));
			test_failures++;
			break;
		}
	CHECK_CONTAINS(out, "+ done  = cached  ~ streaming  o sent  . queued  x failed");
	check_no_controls("ascii run", out ? out : "");
	free(out);
	free(err);
	free(script);
	free(db);
}

/* A suite the CLI refuses before sending (a judge scorer without a judge model, a gate on a
 * metric the suite does not score) is refused at the Run screen's check: its message shown,
 * Enter starts nothing, and fakeprov sees no request. */
static void test_refused_sends_nothing(void)
{
	char *db = fresh_db();
	char *script = test_source_path("tests/tui/live/refused.keys");
	CHECK_INT(fakeprov_reset(fp), 0);
	char *out = run_script(db, script, "120x40", 0);
	CHECK_CONTAINS(out, "needs a judge model");
	CHECK_CONTAINS(out, "gate 'accurcy >= 0.8' is on metric 'accurcy'");
	CHECK(strstr(out, "run 1") == NULL);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 0);
	free(out);
	free(script);
	free(db);
}

/* The real terminal path: the binary in a pseudo-terminal (libvterm), a suite opened,
 * checked and run to the end against fakeprov, with real (unredacted) timings on screen. */
static void test_pty_live_run(void)
{
	char *db = fresh_db();
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", NULL };
	struct pty_session s;
	CHECK_INT(pty_start(&s, argv, 30, 100), 0);
	CHECK(pty_wait_text(&s, "Released", 1, 5000));
	pty_send(&s, "3");
	CHECK(pty_wait_text(&s, "No run yet", -1, 5000));
	pty_send(&s, ":open suite-a1.json\r");
	CHECK(pty_wait_text(&s, "Enter start the run", -1, 5000));
	pty_send(&s, "\r");
	CHECK(pty_wait_text(&s, "run 1 finished", -1, 20000));
	pty_send(&s, "3");
	CHECK(pty_wait_text(&s, "\u2713 \u2713 \u2713 \u2713 \u2713 \u2713", -1, 5000));
	CHECK(pty_wait_text(&s, "6/6", -1, 5000));
	char *screen = pty_screen(&s);
	CHECK(strstr(screen, " ms") != NULL);   /* TTFT measured and shown... */
	CHECK(strstr(screen, "~ ms") == NULL);  /* ...not redacted as in golden runs */
	free(screen);
	pty_send(&s, "Q");
	CHECK(pty_wait_exit(&s, 5000));
	CHECK_INT(s.exit_status, 0);
	CHECK(!s.altscreen);
	pty_free(&s);
	free(db);
}
/* The Scorecard and Charts follow a live run: tests/tui/live-decide.keys pauses the run at
 * fixed points and dumps both screens; model-a answers at once (one label wrong), model-b
 * 80 ms late (all right), so the speed axis and the labels are the same on every machine. */
static const char decide_script[] =
	"{\"default\": {\"token_ms\": 1},"
	" \"models\": {"
	"  \"model-a\": {\"sequence\": [{\"text\": \"positive\"}, {\"text\": \"negative\"},"
	"    {\"text\": \"positive\"}, {\"text\": \"positive\"}, {\"text\": \"negative\"},"
	"    {\"text\": \"neutral\"}]},"
	"  \"model-b\": {\"ttft_ms\": 80, \"sequence\": [{\"text\": \"Positive.\"},"
	"    {\"text\": \"Negative.\"}, {\"text\": \"Neutral.\"}, {\"text\": \"Positive.\"},"
	"    {\"text\": \"Negative.\"}, {\"text\": \"Neutral.\"}]}}}";

static void test_live_decide(void)
{
	char *script = test_source_path("tests/tui/live-decide.keys");
	static const char *const sizes[] = { "80x24", "120x40" };
	for (size_t s = 0; s < SL_ARRAY_LEN(sizes); s++) {
		char *db = fresh_db();
		CHECK_INT(fakeprov_set_script(fp, decide_script), 0);
		char *out = run_script(db, script, sizes[s], 0);
		/* What changes from one point to the next, said outright (the golden has it all). */
		char *p1 = strstr(out, "=== scorecard: three cells");
		char *p2 = strstr(out, "=== scorecard: model-a done");
		char *p3 = strstr(out, "=== scorecard: the run finished");
		CHECK(p1 && p2 && p3);
		if (p1 && p2 && p3) {
			CHECK(strstr(p1, "2/3 label") && strstr(p1, "2/3 label") < p2);
			CHECK(strstr(p1, "fakeant:model-b") > p2);  /* not yet in the scorecard */
			CHECK(strstr(p2, "5/6 label") && strstr(p2, "5/6 label") < p3);
			CHECK(strstr(p2, "fakeant:model-b") && strstr(p2, "fakeant:model-b") < p3);
			CHECK_CONTAINS(p3, "fakeant:model-b");
		}
		char rel[256];
		snprintf(rel, sizeof rel, "tests/golden/live-decide-%s.txt", sizes[s]);
		test_failures += harness_golden(rel, out, update);
		free(out);
		free(db);
	}
	free(script);
}

/* e on the Prompts screen while a run goes on: the editor has the terminal, and the run
 * keeps going meanwhile. The editor waits (up to 30 s) for the run to show as complete in
 * the store, says whether it did, and changes nothing. Before, the loop stopped while the
 * editor ran: the run could not finish until the editor exited. */
static void test_edit_during_run(void)
{
	char *db = fresh_db();
	char *marker = test_path("edit-during-run.marker");
	remove(marker);
	char *text = sl_xasprintf("#!/bin/sh\n"
				  "i=0\n"
				  "while [ $i -lt 300 ]; do\n"
				  "  if '%s' --db '%s' runs show 1 2>/dev/null | grep -q '(complete'; then\n"
				  "    echo finished > '%s'; exit 0\n"
				  "  fi\n"
				  "  sleep 0.1; i=$((i+1))\n"
				  "done\n"
				  "echo 'still running' > '%s'\n",
				  shortlist_bin, db, marker, marker);
	char *editor = test_write_file("edit-during-run.sh", text);
	chmod(editor, 0755);
	char *keys = test_write_file("edit-during-run.keys",
				     "<Colon>open suite-a1.json<Enter>\n<Enter>\n2e\n"
				     ":dump after the edit\n");
	setenv("EDITOR", editor, 1);
	unsetenv("VISUAL");
	char *out = run_script(db, keys, "80x24", 0);
	unsetenv("EDITOR");
	char *said = sl_read_file(marker, NULL, NULL);
	CHECK(said != NULL);
	CHECK_STR(said ? said : "", "finished\n");
	CHECK_CONTAINS(out, "sentiment@2 unchanged: no new version");
	CHECK_CONTAINS(out, "5/6 label"); /* the run ended on its Scorecard meanwhile */
	free(said);
	free(out);
	free(keys);
	free(editor);
	free(text);
	free(marker);
	free(db);
}

int test_failures;
const char *test_current;

int main(int argc, char **argv)
{
	test_env_pin();
	if (argc < 2) {
		fprintf(stderr, "usage: test_live PATH-TO-SHORTLIST\n");
		return 2;
	}
	/* Absolute: the scripts run from the test directory. */
	static char bin[4096];
	if (!realpath(argv[1], bin))
		return 99;
	shortlist_bin = bin;
	const char *u = getenv("SHORTLIST_UPDATE_GOLDEN");
	update = u && *u && strcmp(u, "0") != 0;
	template_db = harness_template_db(shortlist_bin);
	fp = fakeprov_start(NULL);
	write_fixtures();
	/* Scripts name the suite relative to here. */
	if (chdir(test_env_pin()) != 0)
		return 99;
	RUN_TEST(test_live_scripts);
	RUN_TEST(test_live_decide);
	RUN_TEST(test_quit_then_resume);
	RUN_TEST(test_scoring_in_the_loop);
	RUN_TEST(test_quit_while_scoring);
	RUN_TEST(test_resume_keeps_scores);
	RUN_TEST(test_refused_sends_nothing);
	RUN_TEST(test_pty_live_run);
	RUN_TEST(test_ascii_live);
	RUN_TEST(test_edit_during_run);
	fakeprov_stop(fp);
	free(template_db);
	if (test_failures)
		fprintf(stderr, "%d check(s) failed\n", test_failures);
	return test_failures ? 1 : 0;
}
