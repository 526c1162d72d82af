/* Minimal test helpers: each check reports file:line and the values, and the test binary
 * exits non-zero if any check failed. No framework, no sleeps. */
#ifndef SHORTLIST_TEST_H
#define SHORTLIST_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

extern int test_failures;
extern const char *test_current;

/* The distinct statements a connection ran, for EXPLAIN QUERY PLAN checks: pass
 * test_trace_stmt to sqlite3_trace_v2(db, SQLITE_TRACE_STMT, test_trace_stmt, NULL). The
 * steps of triggers are left out; at most TEST_MAX_TRACED are kept (caller frees them). */
#define TEST_MAX_TRACED 256

/* AddressSanitizer keeps freed memory in quarantine (256 MB by default), so a process's
 * peak RSS says nothing about what the code holds: RSS bounds are checked without it. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif
#ifndef TEST_UNDER_ASAN
#define TEST_UNDER_ASAN 0
#endif
extern char *test_traced[TEST_MAX_TRACED];
extern size_t test_n_traced;
int test_trace_stmt(unsigned type, void *ud, void *p, void *x);
/* Trace every SQLite connection opened from now on as sqlite3_trace_v2(db, mask, cb, ud)
 * would (the runner's writer thread opens its own: its callbacks run on that thread);
 * mask 0 stops. test_trace_stmt may be given: it takes a lock. */
void test_trace_new_connections(unsigned mask, int (*cb)(unsigned, void *, void *, void *),
				void *ud);

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: [%s] check failed: %s\n", __FILE__, __LINE__,   \
				test_current, #cond);                                      \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

#define CHECK_INT(a, b)                                                                    \
	do {                                                                               \
		long long va_ = (long long)(a), vb_ = (long long)(b);                      \
		if (va_ != vb_) {                                                          \
			fprintf(stderr, "%s:%d: [%s] %s == %lld, expected %s == %lld\n",         \
				__FILE__, __LINE__, test_current, #a, va_, #b, vb_);         \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *sa_ = (a), *sb_ = (b);                                         \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                               \
			fprintf(stderr, "%s:%d: [%s] %s == \"%s\", expected \"%s\"\n",           \
				__FILE__, __LINE__, test_current, #a, sa_ ? sa_ : "(null)",   \
				sb_ ? sb_ : "(null)");                                        \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                              \
	do {                                                                               \
		double va_ = (double)(a), vb_ = (double)(b);                               \
		if (!(fabs(va_ - vb_) <= (tol))) {                                         \
			fprintf(stderr, "%s:%d: [%s] %s == %.9g, expected %.9g (+-%g)\n",        \
				__FILE__, __LINE__, test_current, #a, va_, vb_, (double)(tol)); \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

/* Substring check: the message names what the user must fix. */
#define CHECK_CONTAINS(hay, needle)                                                        \
	do {                                                                               \
		const char *h_ = (hay), *n_ = (needle);                                    \
		if (!h_ || !strstr(h_, n_)) {                                              \
			fprintf(stderr, "%s:%d: [%s] \"%s\" does not contain \"%s\"\n",          \
				__FILE__, __LINE__, test_current, h_ ? h_ : "(null)", n_);    \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

#define RUN_TEST(fn)                                                                       \
	do {                                                                               \
		test_current = #fn;                                                        \
		fn();                                                                      \
	} while (0)

#define TEST_MAIN_BEGIN                                                                    \
	int test_failures;                                                                 \
	const char *test_current;                                                          \
	int main(void)                                                                     \
	{                                                                                  \
		test_env_pin();

#define TEST_MAIN_END                                                                      \
		if (test_failures)                                                         \
			fprintf(stderr, "%d check(s) failed\n", test_failures);            \
		return test_failures ? 1 : 0;                                              \
	}

/* A fresh private directory for this test (removed at exit); HOME and XDG_* point into
 * it, LANG=C.UTF-8, TZ=UTC. Returns the directory path. */
const char *test_env_pin(void);
/* Path inside the test directory; caller frees. */
char *test_path(const char *name);
/* Path of a file in the source tree (tests/..., data/...); caller frees. */
char *test_source_path(const char *relative);
/* An engine for the providers in json (providers.json format, over the built-in defaults)
 * with the other options from opts (may be NULL); a refused configuration exits 99. */
struct sl_engine;
struct sl_engine_options;
struct sl_engine *test_engine_new(const char *json, const struct sl_engine_options *opts);
/* Write a file in the test directory and return its path; caller frees. */
char *test_write_file(const char *name, const char *content);

#endif
