/* TUI benchmarks (suite bench): they print figures and assert nothing about time.
 *  - cold start to first full frame with the full catalogue: the real binary in a pty
 *    (start until the status line is drawn), and headless (process start to
 *    exit after the first :dump, an upper bound for the frame itself);
 *  - peak RSS while browsing (ru_maxrss of the child), interactive and headless. */
#include <stdlib.h>
#include <string.h>

#include "pty_harness.h"
#include "shortlist/util.h"
#include "test.h"
#include "tui_harness.h"

#define RUNS 7

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char browse_keys[] =
	"jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj"
	"\033[6~\033[6~\033[6~\033[6~\033[6~\033[6~\033[6~\033[6~\033[6~\033[6~"
	"GgOOCBDN" "/llama\r" "\rJJJJJ\r" "x" "f jj  \033" "x" "?jjjj\033" "m";

/* The status line's row moves as the frame gains lines (tab bar, key hints), so wait for
 * its text anywhere on the screen: "shortlisted" and "shortlist only" appear nowhere else. */
#define STATUS_ROW (-1)

int test_failures;
const char *test_current;

int main(int argc, char **argv)
{
	test_env_pin();
	if (argc < 2) {
		fprintf(stderr, "usage: bench_tui PATH-TO-SHORTLIST\n");
		return 2;
	}
	const char *bin = argv[1];
	char *template_db = harness_template_db(bin);
	char *db = test_path("bench.db");
	if (harness_copy(template_db, db) != 0)
		return 1;

	/* How many models the frame shows (the status bar says "N of N models"). */
	char *first = test_write_file("first.keys", ":dump\n");
	char *argv_h[] = { (char *)bin, "--db", db, "tui", "--script", first, "--size", "120x40", NULL };
	char *out = NULL;
	if (harness_run(argv_h, &out, NULL, NULL) != 0)
		return 1;
	const char *of = strstr(out, " of ");
	long total = of ? strtol(of + 4, NULL, 10) : -1;
	free(out);

	/* Interactive cold start in a pty. */
	double t[RUNS];
	for (int i = 0; i < RUNS; i++) {
		char *argv_i[] = { (char *)bin, "--db", db, "tui", NULL };
		struct pty_session s;
		double t0 = harness_ms();
		if (pty_start(&s, argv_i, 40, 120) != 0)
			return 1;
		if (!pty_wait_text(&s, "shortlisted", STATUS_ROW, 10000)) {
			pty_free(&s);
			return 1;
		}
		t[i] = harness_ms() - t0;
		pty_send(&s, "q");
		pty_wait_exit(&s, 5000);
		pty_free(&s);
	}
	qsort(t, RUNS, sizeof *t, cmp_double);
	printf("tui cold start to first full frame (pty, 120x40, %ld models): median %.1f ms, "
	       "min %.1f ms, max %.1f ms over %d runs (goal <= 50 ms)\n",
	       total, t[RUNS / 2], t[0], t[RUNS - 1], RUNS);

	/* Headless: process start to exit after the first frame is dumped. Wall time suffers
	 * on a busy machine, so the child's CPU time (user + sys) is printed too. */
	double cpu[RUNS];
	for (int i = 0; i < RUNS; i++) {
		struct rusage ru;
		double t0 = harness_ms();
		if (harness_run(argv_h, &out, NULL, &ru) != 0)
			return 1;
		t[i] = harness_ms() - t0;
		cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
		free(out);
	}
	qsort(t, RUNS, sizeof *t, cmp_double);
	qsort(cpu, RUNS, sizeof *cpu, cmp_double);
	double load[1] = { -1 };
	getloadavg(load, 1);
	printf("tui headless start + first frame + exit (120x40): median %.1f ms wall, min %.1f ms; "
	       "median %.1f ms CPU (load average %.1f)\n",
	       t[RUNS / 2], t[0], cpu[RUNS / 2], load[0]);

	/* Peak RSS while browsing, interactively. */
	{
		char *argv_i[] = { (char *)bin, "--db", db, "tui", NULL };
		struct pty_session s;
		if (pty_start(&s, argv_i, 40, 120) != 0 || !pty_wait_text(&s, "shortlisted", STATUS_ROW, 10000))
			return 1;
		pty_send(&s, browse_keys);
		/* m (shortlist only) comes last: once the status says so, every key was handled. */
		pty_wait_text(&s, "shortlist only", STATUS_ROW, 10000);
		pty_send(&s, "q");
		pty_wait_exit(&s, 5000);
		printf("tui peak RSS while browsing (pty, 120x40): %.1f MB (goal <= 30 MB)\n",
		       (double)s.usage.ru_maxrss / 1024.0);
		pty_free(&s);
	}
	/* And headless, with every screen of the table paged through. */
	{
		struct sl_buf keys;
		sl_buf_init(&keys);
		for (int i = 0; i < 200; i++)
			sl_buf_puts(&keys, "<PgDn>");
		sl_buf_puts(&keys, "\n<Enter>");
		for (int i = 0; i < 100; i++)
			sl_buf_puts(&keys, "kJ");
		sl_buf_puts(&keys, "\n/gpt\n<Enter>f<Space>jj<Space><Esc>?<Esc>\n:dump\n");
		char *browse = test_write_file("browse.keys", keys.data);
		sl_buf_free(&keys);
		char *argv_b[] = { (char *)bin, "--db", db, "tui", "--script", browse, "--size", "120x40", NULL };
		struct rusage ru;
		if (harness_run(argv_b, &out, NULL, &ru) != 0)
			return 1;
		free(out);
		printf("tui peak RSS while browsing (headless, every page, 120x40): %.1f MB\n",
		       (double)ru.ru_maxrss / 1024.0);
		free(browse);
	}
	free(first);
	free(db);
	free(template_db);
	return 0;
}
