#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>
#include <string.h>

#include "config.h"
#include "shortlist/engine.h"
#include "shortlist/util.h"

static char test_dir[256];

static void remove_test_dir(void)
{
	if (!test_dir[0] || getenv("SHORTLIST_KEEP_TEST_DIR"))
		return;
	char *cmd = sl_xasprintf("rm -rf '%s'", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", test_dir);
	free(cmd);
}

const char *test_env_pin(void)
{
	if (test_dir[0])
		return test_dir;
	const char *tmp = getenv("TMPDIR");
	snprintf(test_dir, sizeof test_dir, "%s/shortlist-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(test_dir)) {
		perror("mkdtemp");
		exit(99);
	}
	atexit(remove_test_dir);
	setenv("HOME", test_dir, 1);
	char *p;
	p = sl_xasprintf("%s/data", test_dir);
	setenv("XDG_DATA_HOME", p, 1);
	free(p);
	p = sl_xasprintf("%s/config", test_dir);
	setenv("XDG_CONFIG_HOME", p, 1);
	free(p);
	p = sl_xasprintf("%s/cache", test_dir);
	setenv("XDG_CACHE_HOME", p, 1);
	free(p);
	setenv("LANG", "C.UTF-8", 1);
	setenv("TZ", "UTC", 1);
	setenv("SHORTLIST_DATADIR", SL_SOURCE_ROOT, 1);
	unsetenv("NO_COLOR");
	return test_dir;
}

char *test_path(const char *name)
{
	return sl_xasprintf("%s/%s", test_env_pin(), name);
}

char *test_source_path(const char *relative)
{
	return sl_xasprintf("%s/%s", SL_SOURCE_ROOT, relative);
}

char *test_write_file(const char *name, const char *content)
{
	char *path = test_path(name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(99);
	}
	fputs(content, f);
	fclose(f);
	return path;
}

struct sl_engine *test_engine_new(const char *json, const struct sl_engine_options *opts)
{
	struct sl_providers p;
	sl_providers_defaults(&p);
	struct sl_error err = { 0 };
	if (sl_providers_merge_json(&p, json, strlen(json), "test", &err) != 0) {
		fprintf(stderr, "providers: %s\n", err.msg);
		exit(99);
	}
	struct sl_engine_options o = opts ? *opts : (struct sl_engine_options){ 0 };
	o.providers = &p;
	struct sl_engine *e = sl_engine_new(&o, &err);
	sl_providers_free(&p);
	if (!e) {
		fprintf(stderr, "engine: %s\n", err.msg);
		exit(99);
	}
	return e;
}

char *test_traced[TEST_MAX_TRACED];
size_t test_n_traced;
static pthread_mutex_t traced_lock = PTHREAD_MUTEX_INITIALIZER;

int test_trace_stmt(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	(void)p;
	const char *sql = x;
	if (type != SQLITE_TRACE_STMT || !sql || strncmp(sql, "--", 2) == 0) /* trigger steps */
		return 0;
	pthread_mutex_lock(&traced_lock);
	bool seen = false;
	for (size_t i = 0; i < test_n_traced && !seen; i++)
		seen = strcmp(test_traced[i], sql) == 0;
	if (!seen && test_n_traced < TEST_MAX_TRACED)
		test_traced[test_n_traced++] = sl_xstrdup(sql);
	pthread_mutex_unlock(&traced_lock);
	return 0;
}

static unsigned trace_mask;
static int (*trace_cb)(unsigned, void *, void *, void *);
static void *trace_ud;

static int trace_new(sqlite3 *db, char **msg, const struct sqlite3_api_routines *api)
{
	(void)msg;
	(void)api;
	if (trace_mask)
		sqlite3_trace_v2(db, trace_mask, trace_cb, trace_ud);
	return SQLITE_OK;
}

void test_trace_new_connections(unsigned mask, int (*cb)(unsigned, void *, void *, void *),
				void *ud)
{
	trace_mask = mask;
	trace_cb = cb;
	trace_ud = ud;
	/* registered once: void (*)(void) is how SQLite takes any entry point */
	sqlite3_auto_extension((void (*)(void))trace_new);
}
