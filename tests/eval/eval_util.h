/* Helpers for the eval tests: run the shortlist binary and capture what it says. */
#ifndef SHORTLIST_TEST_EVAL_UTIL_H
#define SHORTLIST_TEST_EVAL_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

struct run_result {
	int status;  /* exit code, or 128 + signal */
	char *out, *err;
};

/* Run `shortlist --db DB ARGV...` (argv NULL-terminated) with extra environment
 * variables (NAME, VALUE pairs, NULL-terminated; may be NULL). Waits for it. */
struct run_result run_cli(const char *db, const char *const *argv, const char *const *env);
/* Start it without waiting; stdout/stderr go to files named after tag in the test dir. */
pid_t spawn_cli(const char *db, const char *const *argv, const char *const *env, const char *tag);
/* Like spawn_cli, but its stderr comes back through *err_fd (a pipe) to watch progress. */
pid_t spawn_cli_watch(const char *db, const char *const *argv, const char *tag, int *err_fd);
/* Read the plain progress lines ("progress: DONE/TOTAL cells ...") from fd until DONE >= n;
 * returns the last DONE seen, or -1 at end of file or after 20 s without output. Cells in
 * a progress line are already committed. */
long wait_progress(int fd, long n);
void run_result_free(struct run_result *r);
/* providers.json in the test's config dir with one OpenAI-style provider "fake" at base
 * (key in $FAKE_KEY, set here). */
void write_fake_provider(const char *base);

/* The database at path opened read-only for a test's own queries (exits 99 if it cannot). */
struct sqlite3;
struct sqlite3 *db_open(const char *path);
/* The first column of the first row of sql: an integer (-1 if none), or text (caller frees;
 * "(null)" if none). */
long long db_query_int(const char *path, const char *sql);
char *db_query_text(const char *path, const char *sql);
/* Run SQL statements (a test's edit of the store); 0 or -1 (the error printed). */
int db_exec(const char *path, const char *sql);
/* db_query_int of fmt with its first %lld replaced by a, the others by b ("%%": '%'). */
long long db_query_runs(const char *path, const char *fmt, long long a, long long b);
/* For a run started in another process: the id of the first run after prev (-1 after 20 s),
 * and whether n of the run's batches reached the API within 20 s. */
long long db_wait_run_after(const char *path, long long prev);
bool db_wait_batches_submitted(const char *path, long long run, int n);

/* Statement journals SQLite moved to a file (a statement keeps a copy of each page it
 * changes, in memory up to 64 kB): counted by the default VFS, wrapped on the first call to
 * count_subjournals, which returns the count's address (zero it to start over). */
long *count_subjournals(void);

#endif
