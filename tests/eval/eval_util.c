#include "eval_util.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test.h"
#include "shortlist/store.h"
#include "shortlist/util.h"

static int counter;

static void exec_cli(const char *db, const char *const *argv, const char *const *env)
{
	const char *bin = getenv("SHORTLIST_BIN");
	for (const char *const *e = env; e && e[0]; e += 2)
		setenv(e[0], e[1], 1);
	const char *args[64];
	int n = 0;
	args[n++] = bin;
	args[n++] = "--db";
	args[n++] = db;
	for (const char *const *a = argv; *a && n < 62; a++)
		args[n++] = *a;
	args[n] = NULL;
	execv(bin, (char *const *)args);
	_exit(127);
}

pid_t spawn_cli_watch(const char *db, const char *const *argv, const char *tag, int *err_fd)
{
	char name[64];
	snprintf(name, sizeof name, "%s.out", tag);
	char *out = test_path(name);
	int p[2];
	if (pipe(p) != 0) {
		perror("pipe");
		exit(99);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fi = open("/dev/null", O_RDONLY);
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		exec_cli(db, argv, NULL);
	}
	close(p[1]);
	free(out);
	*err_fd = p[0];
	return pid;
}

long wait_progress(int fd, long n)
{
	char buf[4096];
	size_t len = 0;
	long done = -1;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 20000) <= 0)
			return -1;
		ssize_t k = read(fd, buf + len, sizeof buf - 1 - len);
		if (k <= 0)
			return -1;
		len += (size_t)k;
		buf[len] = 0;
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = 0;
			long d, t;
			if (sscanf(buf, "progress: %ld/%ld", &d, &t) == 2)
				done = d;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
			if (done >= n)
				return done;
		}
		if (len == sizeof buf - 1)
			len = 0; /* an overlong line: drop it */
	}
}

pid_t spawn_cli(const char *db, const char *const *argv, const char *const *env, const char *tag)
{
	const char *bin = getenv("SHORTLIST_BIN");
	if (!bin) {
		fprintf(stderr, "SHORTLIST_BIN is not set (meson sets it)\n");
		exit(99);
	}
	char name[64];
	snprintf(name, sizeof name, "%s.out", tag);
	char *out = test_path(name);
	snprintf(name, sizeof name, "%s.err", tag);
	char *errp = test_path(name);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fi = open("/dev/null", O_RDONLY);
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		for (const char *const *e = env; e && e[0]; e += 2)
			setenv(e[0], e[1], 1);
		const char *args[64];
		int n = 0;
		args[n++] = bin;
		args[n++] = "--db";
		args[n++] = db;
		for (const char *const *a = argv; *a && n < 62; a++)
			args[n++] = *a;
		args[n] = NULL;
		execv(bin, (char *const *)args);
		_exit(127);
	}
	free(out);
	free(errp);
	return pid;
}

struct run_result run_cli(const char *db, const char *const *argv, const char *const *env)
{
	char tag[32];
	snprintf(tag, sizeof tag, "cli-%d", counter++);
	pid_t pid = spawn_cli(db, argv, env, tag);
	int st = 0;
	waitpid(pid, &st, 0);
	struct run_result r = { 0 };
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	char name[64];
	snprintf(name, sizeof name, "%s.out", tag);
	char *p = test_path(name);
	r.out = sl_read_file(p, NULL, NULL);
	free(p);
	snprintf(name, sizeof name, "%s.err", tag);
	p = test_path(name);
	r.err = sl_read_file(p, NULL, NULL);
	free(p);
	if (!r.out)
		r.out = sl_xstrdup("");
	if (!r.err)
		r.err = sl_xstrdup("");
	if (getenv("SHORTLIST_TEST_VERBOSE"))
		fprintf(stderr, "[%s] exit %d\n--- stdout\n%s--- stderr\n%s", tag, r.status, r.out,
			r.err);
	return r;
}

void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

sqlite3 *db_open(const char *path)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(99);
	}
	sqlite3_busy_timeout(h, 5000);
	return h;
}

static sqlite3_stmt *db_first_row(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(h));
		return NULL;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

long long db_query_int(const char *path, const char *sql)
{
	sqlite3 *h = db_open(path);
	sqlite3_stmt *st = db_first_row(h, sql);
	long long v = st ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

int db_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : sqlite3_errmsg(h));
	sqlite3_free(msg);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

long long db_query_runs(const char *path, const char *fmt, long long a, long long b)
{
	int k = 0;
	struct sl_buf sql;
	sl_buf_init(&sql);
	for (const char *p = fmt; *p; p++) {
		if (strncmp(p, "%lld", 4) == 0) {
			sl_buf_printf(&sql, "%lld", k++ ? b : a);
			p += 3;
		} else if (strncmp(p, "%%", 2) == 0) {
			sl_buf_putc(&sql, '%');
			p++;
		} else {
			sl_buf_putc(&sql, *p);
		}
	}
	long long v = db_query_int(path, sql.data);
	sl_buf_free(&sql);
	return v;
}

char *db_query_text(const char *path, const char *sql)
{
	sqlite3 *h = db_open(path);
	sqlite3_stmt *st = db_first_row(h, sql);
	const unsigned char *t = st ? sqlite3_column_text(st, 0) : NULL;
	char *v = sl_xstrdup(t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

void write_fake_provider(const char *base)
{
	struct sl_error err = { 0 };
	char *dir = test_path("config/shortlist");
	sl_mkdirs(dir, &err);
	free(dir);
	char *json = sl_xasprintf("{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": "
				  "\"%s/v1\", \"api_key_env\": \"FAKE_KEY\"}}}", base);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	setenv("FAKE_KEY", "sk-fake", 1);
}

long long db_wait_run_after(const char *path, long long prev)
{
	for (int i = 0; i < 2000; i++) {
		long long r = db_query_int(path, "SELECT MAX(id) FROM runs");
		if (r > prev)
			return r;
		usleep(10000);
	}
	return -1;
}

bool db_wait_batches_submitted(const char *path, long long run, int n)
{
	for (int i = 0; i < 2000; i++) {
		if (db_query_runs(path, "SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND "
				  "state = 'submitted'", run, run) >= n)
			return true;
		usleep(10000);
	}
	return false;
}

static long subjournals;
static sqlite3_vfs counting_vfs, *real_vfs;

static int counting_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
			 int *out)
{
	(void)vfs;
	subjournals += (flags & SQLITE_OPEN_SUBJOURNAL) != 0;
	return real_vfs->xOpen(real_vfs, name, f, flags, out);
}

long *count_subjournals(void)
{
	if (!real_vfs) {
		real_vfs = sqlite3_vfs_find(NULL);
		counting_vfs = *real_vfs;
		counting_vfs.zName = "counting";
		counting_vfs.xOpen = counting_open;
		sqlite3_vfs_register(&counting_vfs, 1);
	}
	return &subjournals;
}
