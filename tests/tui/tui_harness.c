#include "tui_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shortlist/util.h"
#include "test.h"

double harness_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int harness_run(char *const argv[], char **out, char **err_out, struct rusage *ru)
{
	int po[2], pe[2];
	if (pipe(po) != 0 || pipe(pe) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	struct sl_buf bo, be;
	sl_buf_init(&bo);
	sl_buf_init(&be);
	struct pollfd fds[2] = { { .fd = po[0], .events = POLLIN }, { .fd = pe[0], .events = POLLIN } };
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[65536];
			ssize_t n = read(fds[i].fd, buf, sizeof buf);
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			} else {
				sl_buf_append(i == 0 ? &bo : &be, buf, (size_t)n);
			}
		}
	}
	int status;
	struct rusage usage;
	if (wait4(pid, &status, 0, &usage) < 0)
		return -1;
	if (ru)
		*ru = usage;
	*out = sl_buf_steal(&bo);
	if (err_out)
		*err_out = sl_buf_steal(&be);
	else
		sl_buf_free(&be);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int harness_copy(const char *from, const char *to)
{
	struct sl_error err = { 0 };
	size_t len;
	char *data = sl_read_file(from, &len, &err);
	if (!data)
		return -1;
	FILE *f = fopen(to, "wb");
	int rc = f && fwrite(data, 1, len, f) == len ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	free(data);
	return rc;
}

char *harness_template_db(const char *shortlist)
{
	char *db = test_path("template.db");
	char *empty = test_write_file("empty.keys", "# load the catalogue, then quit\n");
	char *argv[] = { (char *)shortlist, "--db", db, "tui", "--script", empty, NULL };
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err, NULL);
	if (rc != 0) {
		fprintf(stderr, "creating the template database failed (exit %d): %s\n", rc,
			err ? err : "");
		exit(1);
	}
	free(out);
	free(err);
	free(empty);
	return db;
}

/* Screens have a fixed shape, so a positional diff is the readable one: which screen line
 * changed, and how. */
static void print_diff(const char *name, const char *expected, const char *actual)
{
	fprintf(stderr, "--- %s (expected)\n+++ %s (actual)\n", name, name);
	const char *e = expected, *a = actual;
	int line = 1, shown = 0;
	while ((*e || *a) && shown < 60) {
		const char *ee = strchr(e, '\n'), *ae = strchr(a, '\n');
		size_t el = ee ? (size_t)(ee - e) : strlen(e);
		size_t al = ae ? (size_t)(ae - a) : strlen(a);
		if (el != al || memcmp(e, a, el) != 0) {
			fprintf(stderr, "@@ line %d\n-%.*s\n+%.*s\n", line, (int)el, e, (int)al, a);
			shown++;
		}
		e = ee ? ee + 1 : e + el;
		a = ae ? ae + 1 : a + al;
		line++;
	}
	if (shown == 60)
		fprintf(stderr, "(more differences not shown)\n");
}

int harness_golden(const char *golden_rel, const char *actual, bool update)
{
	char *golden = test_source_path(golden_rel);
	struct sl_error e = { 0 };
	int failures = 0;
	if (!actual)
		actual = "";
	if (update) {
		if (sl_write_file_atomic(golden, actual, strlen(actual), &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			failures++;
		} else {
			fprintf(stderr, "updated %s\n", golden_rel);
		}
	} else {
		size_t len;
		char *expected = sl_read_file(golden, &len, &e);
		if (!expected) {
			fprintf(stderr, "%s missing: create it with SHORTLIST_UPDATE_GOLDEN=1\n",
				golden_rel);
			failures++;
		} else if (strcmp(expected, actual) != 0) {
			print_diff(golden_rel, expected, actual);
			fprintf(stderr, "if the change is intended: SHORTLIST_UPDATE_GOLDEN=1 meson "
					"test -C build\n");
			failures++;
		}
		free(expected);
	}
	free(golden);
	return failures;
}

static void run_case(const char *shortlist, const char *script, const char *name,
		     const char *template_db, char *const *extra, int cols, int lines, bool update)
{
	char size[32], golden_rel[256];
	snprintf(size, sizeof size, "%dx%d", cols, lines);
	snprintf(golden_rel, sizeof golden_rel, "tests/golden/%s-%s.txt", name, size);
	char *db = test_path("case.db");
	remove(db);
	CHECK_INT(harness_copy(template_db, db), 0);
	char *argv[16] = { (char *)shortlist, "--db", db, "tui", "--script", (char *)script,
			   "--size", size };
	int argc = 8;
	for (int i = 0; extra && extra[i] && argc < 15; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err, NULL);
	if (rc != 0)
		fprintf(stderr, "%s: exit %d: %s\n", golden_rel, rc, err ? err : "");
	CHECK_INT(rc, 0);
	test_failures += harness_golden(golden_rel, out, update);
	free(out);
	free(err);
	free(db);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t harness_list_scripts(const char *dir, char **names, size_t max)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < max)
		if (sl_str_ends_with(de->d_name, ".keys"))
			names[n++] = sl_xstrndup(de->d_name, strlen(de->d_name) - 5);
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	return n;
}

int harness_golden_scripts(const char *shortlist, const char *dir_rel, const char *template_db,
			   char *const *extra_args, bool update)
{
	char *dir = test_source_path(dir_rel);
	char *names[64];
	size_t n = harness_list_scripts(dir, names, SL_ARRAY_LEN(names));
	for (size_t i = 0; i < n; i++) {
		char *script = sl_xasprintf("%s/%s.keys", dir, names[i]);
		test_current = names[i];
		run_case(shortlist, script, names[i], template_db, extra_args, 80, 24, update);
		run_case(shortlist, script, names[i], template_db, extra_args, 120, 40, update);
		free(script);
		free(names[i]);
	}
	free(dir);
	return (int)n;
}
