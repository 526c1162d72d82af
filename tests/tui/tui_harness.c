#include "tui_harness.h"

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
