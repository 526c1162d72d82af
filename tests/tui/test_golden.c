/* Golden screens: each script in tests/tui/scripts runs headless at 80x24 and 120x40 on a
 * fresh copy of a database loaded from the shipped catalogue; the text of every :dump step
 * must equal tests/golden/NAME-COLSxLINES.txt. A difference prints a line-by-line diff.
 * SHORTLIST_UPDATE_GOLDEN=1 rewrites the files instead (then review `git diff`). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tui_harness.h"
#include "shortlist/util.h"

static const char *shortlist_bin;
static char *template_db;
static bool update;

static void test_all_scripts(void)
{
	CHECK(harness_golden_scripts(shortlist_bin, "tests/tui/scripts", template_db, NULL, update)
	      >= 8);
}

/* Bad scripts and sizes are usage errors with a message naming the line. */
static void test_bad_script(void)
{
	char *db = test_path("bad.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *script = test_write_file("bad.keys", "j\n<Dwon>\n");
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", "--script", script, NULL };
	char *out = NULL, *err = NULL;
	CHECK_INT(harness_run(argv, &out, &err, NULL), 2);
	CHECK_CONTAINS(err, "bad.keys:2: unknown key <Dwon>");
	free(out);
	free(err);
	char *argv2[] = { (char *)shortlist_bin, "--db", db, "tui", "--script", script,
			  "--size", "80by24", NULL };
	CHECK_INT(harness_run(argv2, &out, &err, NULL), 2);
	CHECK_CONTAINS(err, "bad --size '80by24'");
	free(out);
	free(err);
	/* No terminal and no script: a clear message, not a garbled screen. */
	char *argv4[] = { (char *)shortlist_bin, "--db", db, "tui", NULL };
	CHECK_INT(harness_run(argv4, &out, &err, NULL), 2);
	CHECK_CONTAINS(err, "the TUI needs a terminal");
	free(out);
	free(err);
	char *argv3[] = { (char *)shortlist_bin, "--db", db, "tui", "--theme", "nope", NULL };
	CHECK_INT(harness_run(argv3, &out, &err, NULL), 2);
	CHECK_CONTAINS(err, "no theme 'nope'");
	free(out);
	free(err);
	free(script);
	free(db);
}

/* The ASCII glyph set: nothing outside ASCII reaches the screen. */
static void test_ascii_mode(void)
{
	char *db = test_path("ascii.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *script = test_write_file("ascii.keys", "<Space>f\n:dump\n<Esc><Enter>\n:dump\n");
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", "--ascii", "--script", script,
			 "--size", "100x30", NULL };
	char *out = NULL, *err = NULL;
	CHECK_INT(harness_run(argv, &out, &err, NULL), 0);
	for (const unsigned char *p = (const unsigned char *)out; p && *p; p++)
		if (*p >= 0x80) {
			fprintf(stderr, "non-ASCII byte at offset %ld\n", (long)((const char *)p - out));
			test_failures++;
			break;
		}
	CHECK_CONTAINS(out, "Filters");
	free(out);
	free(err);
	free(script);
	free(db);
}

/* Space writes the shortlist to the store: a second run on the same database shows it. */
static void test_shortlist_persists(void)
{
	char *db = test_path("persist.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *toggle = test_write_file("toggle.keys", "jj<Space>\n");
	char *show = test_write_file("show.keys", "m\n:dump\n");
	char *argv1[] = { (char *)shortlist_bin, "--db", db, "tui", "--script", toggle, NULL };
	char *argv2[] = { (char *)shortlist_bin, "--db", db, "tui", "--script", show, NULL };
	char *out = NULL, *err = NULL;
	CHECK_INT(harness_run(argv1, &out, &err, NULL), 0);
	free(out);
	free(err);
	CHECK_INT(harness_run(argv2, &out, &err, NULL), 0);
	CHECK_CONTAINS(out, "1 of 5276 \u00b7 1 shortlisted");
	CHECK_CONTAINS(out, "1 shortlisted");
	CHECK_CONTAINS(out, "\u2605 Agent Max");
	free(out);
	free(err);
	free(toggle);
	free(show);
	free(db);
}

int test_failures;
const char *test_current;

int main(int argc, char **argv)
{
	test_env_pin();
	if (argc < 2) {
		fprintf(stderr, "usage: test_golden PATH-TO-SHORTLIST\n");
		return 2;
	}
	shortlist_bin = argv[1];
	const char *u = getenv("SHORTLIST_UPDATE_GOLDEN");
	update = u && *u && strcmp(u, "0") != 0;
	template_db = harness_template_db(shortlist_bin);
	RUN_TEST(test_all_scripts);
	RUN_TEST(test_bad_script);
	RUN_TEST(test_ascii_mode);
	RUN_TEST(test_shortlist_persists);
	free(template_db);
	if (test_failures)
		fprintf(stderr, "%d check(s) failed\n", test_failures);
	return test_failures ? 1 : 0;
}
