/* The real binary in a pseudo-terminal, its output rendered by libvterm, so tests can
 * wait for what a user would see (with a timeout, never a fixed sleep). */
#ifndef SHORTLIST_TEST_PTY_HARNESS_H
#define SHORTLIST_TEST_PTY_HARNESS_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <vterm.h>

struct pty_session {
	pid_t pid;
	int master;
	VTerm *vt;
	VTermScreen *screen;
	int rows, cols;
	bool altscreen, cursor_visible;
	bool eof;
	unsigned long long bytes_read; /* everything the program wrote to the terminal */
	int exit_status; /* after pty_wait_exit */
	struct rusage usage;
};

/* Start argv (argv[0] a path) on a rows x cols terminal with TERM=xterm-256color. */
int pty_start(struct pty_session *s, char *const argv[], int rows, int cols);
/* The same with environment changes for the child: "NAME=VALUE" sets, "NAME" unsets. */
int pty_start_env(struct pty_session *s, char *const argv[], const char *const env[], int rows,
		  int cols);
/* The cell at (row, col) as libvterm sees it. */
VTermScreenCell pty_cell(struct pty_session *s, int row, int col);
/* Read whatever the program wrote, for at most timeout_ms; returns false at EOF. */
bool pty_pump(struct pty_session *s, int timeout_ms);
/* The screen row as UTF-8 text (trailing blanks trimmed); caller frees. */
char *pty_row(struct pty_session *s, int row);
/* The whole screen, rows joined by newlines; caller frees. */
char *pty_screen(struct pty_session *s);
/* Pump until the screen contains text (anywhere, or on row if row >= 0); false on
 * timeout, after printing the screen. */
bool pty_wait_text(struct pty_session *s, const char *text, int row, int timeout_ms);
void pty_send(struct pty_session *s, const char *keys);
/* TIOCSWINSZ on the pty (the kernel sends SIGWINCH) and the same size for vterm. */
void pty_resize(struct pty_session *s, int rows, int cols);
/* Pump until EOF and reap the child; false if it did not exit within timeout_ms (then it
 * is killed). */
bool pty_wait_exit(struct pty_session *s, int timeout_ms);
void pty_free(struct pty_session *s);

#endif
