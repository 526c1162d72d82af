#include "pty_harness.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shortlist/util.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct pty_session *s = user;
	if (prop == VTERM_PROP_ALTSCREEN)
		s->altscreen = val->boolean;
	else if (prop == VTERM_PROP_CURSORVISIBLE)
		s->cursor_visible = val->boolean;
	return 1;
}

static const VTermScreenCallbacks screen_cbs = { .settermprop = on_settermprop };

int pty_start(struct pty_session *s, char *const argv[], int rows, int cols)
{
	return pty_start_env(s, argv, NULL, rows, cols);
}

VTermScreenCell pty_cell(struct pty_session *s, int row, int col)
{
	VTermScreenCell cell;
	memset(&cell, 0, sizeof cell);
	vterm_screen_get_cell(s->screen, (VTermPos){ .row = row, .col = col }, &cell);
	return cell;
}

int pty_start_env(struct pty_session *s, char *const argv[], const char *const env[], int rows,
		  int cols)
{
	memset(s, 0, sizeof *s);
	s->rows = rows;
	s->cols = cols;
	s->cursor_visible = true;
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	s->pid = forkpty(&s->master, NULL, NULL, &ws);
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		for (size_t i = 0; env && env[i]; i++) {
			const char *eq = strchr(env[i], '=');
			if (!eq) {
				unsetenv(env[i]);
				continue;
			}
			char name[128];
			snprintf(name, sizeof name, "%.*s", (int)(eq - env[i]), env[i]);
			setenv(name, eq + 1, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	s->vt = vterm_new(rows, cols);
	vterm_set_utf8(s->vt, 1);
	s->screen = vterm_obtain_screen(s->vt);
	vterm_screen_set_callbacks(s->screen, &screen_cbs, s);
	vterm_screen_enable_altscreen(s->screen, 1);
	vterm_screen_reset(s->screen, 1);
	return 0;
}

bool pty_pump(struct pty_session *s, int timeout_ms)
{
	if (s->eof)
		return false;
	struct pollfd p = { .fd = s->master, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);
	if (n <= 0)
		return true;
	char buf[65536];
	ssize_t got = read(s->master, buf, sizeof buf);
	if (got <= 0) {
		if (got < 0 && errno == EINTR)
			return true;
		s->eof = true; /* EIO once the child has closed the terminal */
		return false;
	}
	s->bytes_read += (unsigned long long)got;
	vterm_input_write(s->vt, buf, (size_t)got);
	/* Answer the terminal queries the program made (device attributes etc.). */
	char reply[1024];
	size_t r;
	while ((r = vterm_output_read(s->vt, reply, sizeof reply)) > 0)
		if (write(s->master, reply, r) < 0)
			break;
	return true;
}

char *pty_row(struct pty_session *s, int row)
{
	char buf[4096];
	VTermRect rect = { .start_row = row, .end_row = row + 1, .start_col = 0, .end_col = s->cols };
	size_t n = vterm_screen_get_text(s->screen, buf, sizeof buf - 1, rect);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return sl_xstrdup(buf);
}

char *pty_screen(struct pty_session *s)
{
	struct sl_buf b;
	sl_buf_init(&b);
	for (int r = 0; r < s->rows; r++) {
		char *row = pty_row(s, r);
		sl_buf_printf(&b, "%s\n", row);
		free(row);
	}
	return sl_buf_steal(&b);
}

static bool screen_has(struct pty_session *s, const char *text, int row)
{
	char *t = row >= 0 ? pty_row(s, row) : pty_screen(s);
	bool found = strstr(t, text) != NULL;
	free(t);
	return found;
}

bool pty_wait_text(struct pty_session *s, const char *text, int row, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;
	while (!screen_has(s, text, row)) {
		double left = deadline - now_ms();
		if (left <= 0 || !pty_pump(s, (int)left)) {
			if (screen_has(s, text, row))
				return true;
			char *scr = pty_screen(s);
			fprintf(stderr, "timed out waiting for \"%s\"%s; the screen (%dx%d):\n%s", text,
				row >= 0 ? " on the given row" : "", s->cols, s->rows, scr);
			free(scr);
			return false;
		}
	}
	return true;
}

void pty_send(struct pty_session *s, const char *keys)
{
	size_t len = strlen(keys);
	while (len > 0) {
		ssize_t n = write(s->master, keys, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		keys += n;
		len -= (size_t)n;
	}
}

void pty_resize(struct pty_session *s, int rows, int cols)
{
	s->rows = rows;
	s->cols = cols;
	vterm_set_size(s->vt, rows, cols);
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	ioctl(s->master, TIOCSWINSZ, &ws);
}

bool pty_wait_exit(struct pty_session *s, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;
	int status;
	for (;;) {
		pid_t r = wait4(s->pid, &status, WNOHANG, &s->usage);
		if (r == s->pid) {
			while (pty_pump(s, 0) && !s->eof) /* take the last output */
				;
			s->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			s->pid = 0;
			return true;
		}
		double left = deadline - now_ms();
		if (left <= 0)
			break;
		/* Output arrives until the program exits; the pty read wakes us. */
		if (!pty_pump(s, left < 50 ? (int)left : 50)) {
			/* EOF: the child closed the terminal; reap it without spinning. */
			r = wait4(s->pid, &status, 0, &s->usage);
			if (r == s->pid) {
				s->exit_status = WIFEXITED(status) ? WEXITSTATUS(status)
								   : 128 + WTERMSIG(status);
				s->pid = 0;
				return true;
			}
		}
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	return false;
}

void pty_free(struct pty_session *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->vt)
		vterm_free(s->vt);
	if (s->master >= 0)
		close(s->master);
	memset(s, 0, sizeof *s);
}
