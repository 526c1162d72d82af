/* End to end: the real binary in a pseudo-terminal, rendered by libvterm. Start and wait
 * for the models table, see a key send only what it changed, resize and see the layout
 * follow, shrink below 80x24 and see the too-small notice, quit with q: exit 0 and the
 * terminal given back (normal screen, cursor visible). Every wait is on a condition with a timeout. */
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "pty_harness.h"
#include "test.h"
#include "tui_harness.h"
#include "shortlist/util.h"

#define TIMEOUT_MS 5000

static const char *shortlist_bin;
static char *template_db;

/* Read until nothing more comes for 200 ms (an upper bound: later output only adds). */
static void pump_until_quiet(struct pty_session *s)
{
	for (unsigned long long before = ~0ULL; before != s->bytes_read;) {
		before = s->bytes_read;
		pty_pump(s, 200);
	}
}

static void test_start_resize_quit(void)
{
	char *db = test_path("pty.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", NULL };
	struct pty_session s;
	CHECK_INT(pty_start(&s, argv, 30, 100), 0);

	/* The table with its header, and the status bar on the last row. */
	CHECK(pty_wait_text(&s, "Released", 1, TIMEOUT_MS));
	CHECK(pty_wait_text(&s, "shortlisted", 28, TIMEOUT_MS));
	CHECK(s.altscreen);

	/* Redraws send what changed: moving the selection one row costs a small part of the
	 * bytes of the first full frame (a full repaint costs about as much as that frame). */
	CHECK(pty_wait_text(&s, "\u25b6", 2, TIMEOUT_MS));
	pump_until_quiet(&s);
	unsigned long long frame = s.bytes_read;
	pty_send(&s, "j");
	CHECK(pty_wait_text(&s, "\u25b6", 3, TIMEOUT_MS));
	pump_until_quiet(&s);
	unsigned long long moved = s.bytes_read - frame;
	if (moved * 4 >= frame)
		fprintf(stderr, "first frame %llu bytes, one row down %llu bytes\n", frame, moved);
	CHECK(moved * 4 < frame);

	/* Larger: the status bar follows to the new last row. */
	pty_resize(&s, 40, 140);
	CHECK(pty_wait_text(&s, "shortlisted", 38, TIMEOUT_MS));
	char *header = pty_row(&s, 1);
	CHECK_CONTAINS(header, "Released");
	/* The wide layout gives the provider column room: the header is not squeezed. */
	CHECK(strlen(header) > 100);
	free(header);

	/* Below 80x24: the notice, not a broken layout. */
	pty_resize(&s, 20, 60);
	CHECK(pty_wait_text(&s, "terminal too small (need 80x24)", -1, TIMEOUT_MS));

	/* Back to exactly 80x24: the table again. */
	pty_resize(&s, 24, 80);
	CHECK(pty_wait_text(&s, "shortlisted", 22, TIMEOUT_MS));
	CHECK(pty_wait_text(&s, "Released", 1, TIMEOUT_MS));

	/* The mouse, as xterm reports it in the SGR mode (1006) ncurses asks for: a click on
	 * screen row 5 selects that row, the wheel moves the selection by three. Positions in
	 * the reports count from 1. */
	pty_send(&s, "\033[<0;11;6M\033[<0;11;6m");
	CHECK(pty_wait_text(&s, "\u25b6", 5, TIMEOUT_MS));
	pty_send(&s, "\033[<65;11;6M");
	CHECK(pty_wait_text(&s, "\u25b6", 8, TIMEOUT_MS));

	/* A key goes through: the search line shows what was typed. */
	pty_send(&s, "/claude");
	CHECK(pty_wait_text(&s, "/claude", 21, TIMEOUT_MS));
	pty_send(&s, "\r");

	pty_send(&s, "q");
	CHECK(pty_wait_exit(&s, TIMEOUT_MS));
	CHECK_INT(s.exit_status, 0);
	/* Terminal restored: back on the normal screen with the cursor shown. */
	CHECK(!s.altscreen);
	CHECK(s.cursor_visible);
	pty_free(&s);
	free(db);
}

/* SIGWINCH and q while the filter panel is open: q closes the panel, a second q quits. */
static void test_filter_panel_then_quit(void)
{
	char *db = test_path("pty2.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", "--theme", "mono", NULL };
	struct pty_session s;
	CHECK_INT(pty_start(&s, argv, 24, 80), 0);
	CHECK(pty_wait_text(&s, "Released", 1, TIMEOUT_MS));
	pty_send(&s, "f");
	CHECK(pty_wait_text(&s, "Open weights", -1, TIMEOUT_MS));
	pty_send(&s, " ");
	CHECK(pty_wait_text(&s, "open_weights=true", -1, TIMEOUT_MS));
	pty_send(&s, "q");
	CHECK(pty_wait_text(&s, "filters: open_weights=true", 22, TIMEOUT_MS));
	pty_send(&s, "q");
	CHECK(pty_wait_exit(&s, TIMEOUT_MS));
	CHECK_INT(s.exit_status, 0);
	pty_free(&s);
	free(db);
}

/* Colours: the default theme on 256 colours, NO_COLOR -> mono (attributes only), an
 * explicit --theme beating NO_COLOR, and an 8-colour terminal getting the 8-colour
 * fallbacks. The title bar's first cell tells. */
static void run_title_cell(const char *const env[], const char *theme, VTermScreenCell *out)
{
	char *db = test_path("colour.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", theme ? "--theme" : NULL,
			 (char *)theme, NULL };
	struct pty_session s;
	CHECK_INT(pty_start_env(&s, argv, env, 24, 80), 0);
	CHECK(pty_wait_text(&s, "shortlisted", 22, TIMEOUT_MS));
	*out = pty_cell(&s, 0, 0);
	pty_send(&s, "q");
	CHECK(pty_wait_exit(&s, TIMEOUT_MS));
	CHECK_INT(s.exit_status, 0);
	pty_free(&s);
	free(db);
}

static void test_colours_and_no_color(void)
{
	VTermScreenCell c;
	const char *const plain[] = { "NO_COLOR", NULL };
	run_title_cell(plain, NULL, &c);
	/* default.theme: title = 231/bright-white/white on 24/blue/blue bold */
	CHECK(VTERM_COLOR_IS_INDEXED(&c.bg));
	CHECK_INT(c.bg.indexed.idx, 24);
	CHECK(c.attrs.bold);

	const char *const no_color[] = { "NO_COLOR=1", NULL };
	run_title_cell(no_color, NULL, &c);
	CHECK(VTERM_COLOR_IS_DEFAULT_BG(&c.bg));
	CHECK(VTERM_COLOR_IS_DEFAULT_FG(&c.fg));
	CHECK(c.attrs.reverse); /* mono: title = reverse bold */

	run_title_cell(no_color, "light", &c);
	CHECK(VTERM_COLOR_IS_INDEXED(&c.bg));
	CHECK_INT(c.bg.indexed.idx, 25);

	/* A terminal without colours gets the designed monochrome table, not a colour
	 * theme's attributes alone (which would leave the cursor row unmarked). */
	const char *const mono_term[] = { "NO_COLOR", "TERM=xterm-mono", NULL };
	run_title_cell(mono_term, "default", &c);
	CHECK(VTERM_COLOR_IS_DEFAULT_BG(&c.bg));
	CHECK(c.attrs.reverse);

	const char *const eight[] = { "NO_COLOR", "TERM=xterm", NULL };
	run_title_cell(eight, NULL, &c);
	CHECK(VTERM_COLOR_IS_INDEXED(&c.bg));
	CHECK_INT(c.bg.indexed.idx, 4); /* blue: the 8-colour fallback */
}

/* A locale that is not UTF-8: every glyph has its ASCII twin, nothing else is sent. */
static void test_ascii_locale(void)
{
	char *db = test_path("ascii.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", NULL };
	const char *const env[] = { "LANG=C", "LC_ALL=C", "LC_CTYPE", NULL };
	struct pty_session s;
	CHECK_INT(pty_start_env(&s, argv, env, 24, 80), 0);
	CHECK(pty_wait_text(&s, "shortlisted", 22, TIMEOUT_MS));
	char *row = pty_row(&s, 2);
	CHECK(row[0] == '>'); /* the cursor glyph's twin */
	free(row);
	char *screen = pty_screen(&s);
	for (const unsigned char *p = (const unsigned char *)screen; *p; p++)
		if (*p >= 0x80) {
			fprintf(stderr, "non-ASCII on screen: %s\n", screen);
			test_failures++;
			break;
		}
	free(screen);
	pty_send(&s, "q");
	CHECK(pty_wait_exit(&s, TIMEOUT_MS));
	pty_free(&s);
	free(db);
}

/* While curses runs, stderr goes to a temp file printed at exit: a missing theme
 * directory gives a warning in the status bar, and the same text on the normal screen
 * after quitting, never in the middle of the drawn screen. */
static void test_stderr_held_until_exit(void)
{
	char *db = test_path("stderr.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", NULL };
	char *nothemes = test_path("nothemes");
	char *env_dir = sl_xasprintf("SHORTLIST_DATADIR=%s", nothemes);
	const char *const env[] = { env_dir, "NO_COLOR", NULL };
	struct pty_session s;
	CHECK_INT(pty_start_env(&s, argv, env, 24, 80), 0);
	CHECK(pty_wait_text(&s, "no theme 'default'", 22, TIMEOUT_MS));
	char *screen = pty_screen(&s);
	CHECK(strstr(screen, "shortlist: no theme") == NULL);
	free(screen);
	pty_send(&s, "\003"); /* Ctrl-C: a clean exit too */
	CHECK(pty_wait_exit(&s, TIMEOUT_MS));
	CHECK_INT(s.exit_status, 0);
	CHECK(!s.altscreen);
	CHECK(pty_wait_text(&s, "shortlist: no theme 'default'", -1, 100));
	pty_free(&s);
	free(env_dir);
	free(nothemes);
	free(db);
}

/* A terminal type ncurses does not know: exit 2 naming TERM, the terminal untouched. */
static void test_unknown_term(void)
{
	char *db = test_path("term.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", NULL };
	const char *const env[] = { "TERM=no-such-terminal", NULL };
	struct pty_session s;
	CHECK_INT(pty_start_env(&s, argv, env, 24, 80), 0);
	CHECK(pty_wait_exit(&s, TIMEOUT_MS));
	CHECK_INT(s.exit_status, 2);
	CHECK(pty_wait_text(&s, "cannot use terminal type 'no-such-terminal'", -1, 100));
	CHECK(!s.altscreen);
	pty_free(&s);
	free(db);
}

int test_failures;
const char *test_current;

/* e on the Prompts screen hands the real terminal to $EDITOR: curses steps aside (the
 * editor sees the normal screen, in cooked mode: a line typed reaches its `read`), and on
 * return the screen is repainted with the saved version's message. */
static void test_editor_suspends_curses(void)
{
	char *db = test_path("pty-edit.db");
	CHECK_INT(harness_copy(template_db, db), 0);
	char *prompts = test_source_path("data/examples/prompts");
	char *imp[] = { (char *)shortlist_bin, "--db", db, "prompts", "import", prompts, NULL };
	char *out = NULL;
	CHECK_INT(harness_run(imp, &out, NULL, NULL), 0);
	free(out);
	char *editor = test_write_file("pty-editor.sh",
				       "#!/bin/sh\nprintf 'EDITOR RUNNING, type a line: '\nread line\n"
				       "sed -i \"s/clear, accurate/$line/\" \"$1\"\n");
	chmod(editor, 0755);
	char *env_editor = sl_xasprintf("EDITOR=%s", editor);
	const char *env[] = { env_editor, "VISUAL", NULL };
	char *argv[] = { (char *)shortlist_bin, "--db", db, "tui", NULL };
	struct pty_session s;
	CHECK_INT(pty_start_env(&s, argv, env, 24, 80), 0);
	CHECK(pty_wait_text(&s, "Released", 1, TIMEOUT_MS));
	pty_send(&s, "2");
	CHECK(pty_wait_text(&s, "explain@1", -1, TIMEOUT_MS));
	CHECK(s.altscreen);
	pty_send(&s, "e");
	CHECK(pty_wait_text(&s, "EDITOR RUNNING, type a line:", -1, TIMEOUT_MS));
	CHECK(!s.altscreen); /* curses gave the terminal back for the editor */
	pty_send(&s, "patient\r");
	CHECK(pty_wait_text(&s, "saved explain@2, edited from @1", 22, TIMEOUT_MS));
	CHECK(s.altscreen);
	CHECK(pty_wait_text(&s, "You are a patient explainer.", -1, TIMEOUT_MS));
	char *screen = pty_screen(&s);
	CHECK(strstr(screen, "EDITOR RUNNING") == NULL); /* repainted over the editor's text */
	free(screen);
	pty_send(&s, "q");
	CHECK(pty_wait_text(&s, "Released", 1, TIMEOUT_MS));
	pty_send(&s, "q");
	CHECK(pty_wait_exit(&s, TIMEOUT_MS));
	CHECK_INT(s.exit_status, 0);
	pty_free(&s);
	free(env_editor);
	free(editor);
	free(prompts);
	free(db);
}

int main(int argc, char **argv)
{
	test_env_pin();
	if (argc < 2) {
		fprintf(stderr, "usage: test_pty PATH-TO-SHORTLIST\n");
		return 2;
	}
	shortlist_bin = argv[1];
	template_db = harness_template_db(shortlist_bin);
	RUN_TEST(test_start_resize_quit);
	RUN_TEST(test_filter_panel_then_quit);
	RUN_TEST(test_colours_and_no_color);
	RUN_TEST(test_ascii_locale);
	RUN_TEST(test_stderr_held_until_exit);
	RUN_TEST(test_unknown_term);
	RUN_TEST(test_editor_suspends_curses);
	free(template_db);
	if (test_failures)
		fprintf(stderr, "%d check(s) failed\n", test_failures);
	return test_failures ? 1 : 0;
}
