/* Shared by the TUI tests and benchmarks: run the real binary, prepare databases. */
#ifndef SHORTLIST_TEST_TUI_HARNESS_H
#define SHORTLIST_TEST_TUI_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

/* Run argv (argv[0] a path) with stdout captured into *out (caller frees) and stderr
 * into *err_out (may be NULL). Returns the exit status, or -1; ru gets the child's usage. */
int harness_run(char *const argv[], char **out, char **err_out, struct rusage *ru);
/* A database with the shipped catalogue loaded once, created by running the binary;
 * each test copies it so every scenario starts from the same fresh store. */
char *harness_template_db(const char *shortlist);
/* Copy a file; returns 0 or -1. */
int harness_copy(const char *from, const char *to);
/* Compare text with the golden file at golden_rel (relative to the source tree), printing
 * a positional diff, or rewrite the file when update is set. Returns the failures (0/1). */
int harness_golden(const char *golden_rel, const char *actual, bool update);
/* Run every dir_rel/NAME.keys headless at 80x24 and 120x40 on a fresh copy of template_db
 * (plus extra_args, NULL-terminated, may be NULL) and compare each with
 * tests/golden/NAME-COLSxLINES.txt. Failures go to test_failures; returns the scripts run. */
int harness_golden_scripts(const char *shortlist, const char *dir_rel, const char *template_db,
			   char *const *extra_args, bool update);
/* The NAMEs of dir/NAME.keys, sorted; caller frees each. */
size_t harness_list_scripts(const char *dir, char **names, size_t max);
/* Milliseconds from a monotonic clock. */
double harness_ms(void);

#endif
