/* Run bundles (shortlist/bundle.h): a store holding one run, written from and read into
 * another store by copying rows between the two attached to one connection, one
 * INSERT ... SELECT per table. Columns are read from the schema, so a column a later
 * migration adds travels without a change here; a later table with a run_id column must be
 * named in run_tables or derived_tables (a test checks). */
#define _GNU_SOURCE /* copy_file_range */
#include "shortlist/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "shortlist/scorecard.h"
#include "version.h"

/* The run's own rows, in an order that satisfies their foreign keys. score_intervals and
 * cell_percentiles are the scorecard's kept figures, each keyed by the sums it was computed
 * from: export fills them in the bundle itself, against the sums its triggers added up, so
 * a bundle opened or imported (its rows added up again in the same order) reads them back
 * instead of walking a million cells; where a key misses, the reader computes as before. */
static const char *const run_tables[] = {
	"run_models", "run_prompts", "cells", "cell_scores", "score_marks", "score_intervals",
	"cell_percentiles", "ratings", "pairwise_votes", "promotions",
};
/* Kept by triggers on cells and cell_scores, or added up by a bulk writer: copied as they
 * are, with those triggers set aside while the rows go in. Adding a million rows up again
 * cost a trigger per row, and in another order its sums could differ in the last bit from
 * the ones the kept figures are keyed by. */
static const char *const derived_tables[] = { "cell_stats", "score_stats", "cell_reported" };
/* Left behind: a provider batch job belongs to the store that submitted it (collecting its
 * results twice, from two stores, would be wrong); an exported run carries its cells. */
static const char *const local_tables[] = { "run_batches" };
/* What a run refers to, carried with it. */
static const char *const shared_tables[] = {
	"datasets", "dataset_cases", "prompts", "prompt_versions", "runs",
};

bool sl_bundle_covers_table(const char *table)
{
	const char *const *lists[] = { run_tables, derived_tables, shared_tables, local_tables };
	const size_t lens[] = { SL_ARRAY_LEN(run_tables), SL_ARRAY_LEN(derived_tables),
				SL_ARRAY_LEN(shared_tables), SL_ARRAY_LEN(local_tables) };
	for (size_t l = 0; l < SL_ARRAY_LEN(lists); l++)
		for (size_t i = 0; i < lens[l]; i++)
			if (strcmp(lists[l][i], table) == 0)
				return true;
	return false;
}

struct override {
	const char *column, *expr; /* expr over the source row, aliased s */
};

/* INSERT INTO dst.table SELECT ... FROM src.table AS s WHERE where: every column of the
 * table, an override's expression in place of its column. ?1 is bound to p1. */
static int copy_table(struct sl_store *store, const char *dst, const char *src, const char *table,
		      bool ignore, const char *where, const struct override *ov, size_t n_ov,
		      int64_t p1, int64_t *copied, struct sl_error *err)
{
	sqlite3 *db = sl_store_db(store);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid", -1,
			       &st, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "reading a table's columns");
		return -1;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dst, -1, SQLITE_STATIC);
	struct sl_buf cols, exprs;
	sl_buf_init(&cols);
	sl_buf_init(&exprs);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = sl_col_text(st, 0);
		const char *e = NULL;
		for (size_t i = 0; i < n_ov; i++)
			if (strcmp(ov[i].column, c) == 0)
				e = ov[i].expr;
		sl_buf_printf(&cols, "%s\"%s\"", cols.len ? ", " : "", c);
		if (e)
			sl_buf_printf(&exprs, "%s%s", exprs.len ? ", " : "", e);
		else
			sl_buf_printf(&exprs, "%ss.\"%s\"", exprs.len ? ", " : "", c);
	}
	sqlite3_finalize(st);
	char *sql = sl_xasprintf("INSERT %sINTO %s.\"%s\" (%s) SELECT %s FROM %s.\"%s\" AS s%s%s",
				 ignore ? "OR IGNORE " : "", dst, table, cols.data ? cols.data : "",
				 exprs.data ? exprs.data : "", src, table, where ? " WHERE " : "",
				 where ? where : "");
	sl_buf_free(&cols);
	sl_buf_free(&exprs);
	int rc = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_int64(st, 1, p1);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	free(sql);
	if (rc != 0) {
		char doing[128];
		snprintf(doing, sizeof doing, "copying %s", table);
		sl_store_error(store, err, doing);
		return -1;
	}
	if (copied)
		*copied = sqlite3_changes(db);
	return 0;
}

static int attach(struct sl_store *store, const char *path, struct sl_error *err)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(sl_store_db(store), "ATTACH DATABASE ?1 AS bundle", -1, &st,
				    NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK) {
		sl_store_error(store, err, "attaching the bundle");
		return -1;
	}
	return 0;
}

static void detach(struct sl_store *store)
{
	sqlite3_exec(sl_store_db(store), "DETACH DATABASE bundle", NULL, NULL, NULL);
}

static void remove_with_journals(const char *path)
{
	static const char *const suffix[] = { "", "-journal", "-wal", "-shm" };
	for (size_t i = 0; i < SL_ARRAY_LEN(suffix); i++) {
		char *p = sl_xasprintf("%s%s", path, suffix[i]);
		unlink(p);
		free(p);
	}
}

/* Drop the schema objects of the store's main database that cond selects (SQL over
 * sqlite_master), their SQL appended to saved to make them again, in the order they were
 * made (the order a store's schema lists them, and its triggers fire in). Made again inside
 * the same transaction, no other connection ever sees them gone. */
static int set_aside(struct sl_store *store, const char *cond, struct sl_buf *saved,
		     struct sl_error *err)
{
	char *sql = sl_xasprintf("SELECT type, name, sql FROM main.sqlite_master WHERE sql IS NOT "
				 "NULL AND %s ORDER BY rowid", cond);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(sl_store_db(store), sql, -1, &st, NULL) == SQLITE_OK ? 0 : -1;
	free(sql);
	struct sl_buf drop;
	sl_buf_init(&drop);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		sl_buf_printf(&drop, "DROP %s main.\"%s\";", sl_col_text(st, 0), sl_col_text(st, 1));
		sl_buf_printf(saved, "%s;", sl_col_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != 0)
		sl_store_error(store, err, "reading the schema");
	else if (drop.len)
		rc = sl_store_exec(store, drop.data, err);
	sl_buf_free(&drop);
	return rc;
}

/* One value of a query on the store's connection as text (NULL if no row). */
static char *query_text(struct sl_store *store, const char *sql, int64_t p1, struct sl_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(sl_store_db(store), sql, -1, &st, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "reading the bundle");
		return NULL;
	}
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, p1);
	char *v = sqlite3_step(st) == SQLITE_ROW ? sl_xstrdup(sl_col_text(st, 0)) : NULL;
	sqlite3_finalize(st);
	return v;
}

/* ---- export ---- */

/* The bundle's own marks, on the freshly created store at tmp; and the bundle made ready for
 * the rows: its triggers and its indexes other than the keys set aside, to make again after
 * the rows. The triggers' statistics are copied (see derived_tables), and running them cost
 * four fifths of a row's copy. Each index is then built in one sorted pass: inserted row by
 * row, a million cells land at random places in an index by latency, each insert missing
 * the page cache more often as the run grows. */
static int prepare_bundle(const char *tmp, const char *uid, int64_t run_id,
			  struct sl_buf *schema, struct sl_error *err)
{
	struct sl_store *b = sl_store_open(tmp, 0, err);
	if (!b)
		return -1;
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	char *sql = sl_xasprintf(
		/* one self-contained file: no -wal beside it */
		"PRAGMA journal_mode = DELETE; PRAGMA application_id = %d;"
		"CREATE TABLE bundle_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		"INSERT INTO bundle_meta VALUES ('format', '%d'), ('schema_version', '%d'),"
		" ('run_uid', '%s'), ('source_run_id', '%lld'), ('exported_at', '%s'),"
		" ('shortlist_version', '%s');",
		SL_BUNDLE_APPLICATION_ID, SL_BUNDLE_FORMAT, sl_migration_count, uid,
		(long long)run_id, now, SL_VERSION);
	int rc = sl_store_exec(b, sql, err);
	free(sql);
	if (rc == 0)
		rc = set_aside(b, "type IN ('index', 'trigger')", schema, err);
	sl_store_close(b);
	return rc;
}

static int copy_out(struct sl_store *store, int64_t run_id, struct sl_error *err)
{
	static const struct {
		const char *table, *where;
	} rows[] = {
		{ "datasets", "s.hash = (SELECT dataset_hash FROM main.runs WHERE id = ?1)" },
		{ "dataset_cases", "s.dataset_hash = (SELECT dataset_hash FROM main.runs WHERE id = ?1)" },
		{ "prompts", "s.name IN (SELECT name FROM main.run_prompts WHERE run_id = ?1)" },
		{ "prompt_versions", "(s.name, s.version) IN (SELECT name, version FROM "
				     "main.run_prompts WHERE run_id = ?1)" },
		{ "runs", "s.id = ?1" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(rows); i++)
		if (copy_table(store, "bundle", "main", rows[i].table, false, rows[i].where, NULL, 0,
			       run_id, NULL, err) != 0)
			return -1;
	const char *const *lists[] = { run_tables, derived_tables };
	const size_t lens[] = { SL_ARRAY_LEN(run_tables), SL_ARRAY_LEN(derived_tables) };
	for (size_t l = 0; l < SL_ARRAY_LEN(lists); l++)
		for (size_t i = 0; i < lens[l]; i++)
			if (copy_table(store, "bundle", "main", lists[l][i], false, "s.run_id = ?1",
				       NULL, 0, run_id, NULL, err) != 0)
				return -1;
	return 0;
}

/* The bundle's indexes and triggers made again, as a store has them; then the scorecard's
 * kept figures, keyed by the bundle's own sums (see run_tables): whoever opens the bundle
 * reads them back. Keeping is best effort, like every keep: a bundle without them is whole,
 * its first reader computes them. */
static int finish_bundle(const char *tmp, int64_t run_id, const char *schema,
			 struct sl_error *err)
{
	struct sl_store *b = sl_store_open(tmp, 0, err);
	if (!b)
		return -1;
	int rc = sl_store_exec(b, schema, err);
	if (rc == 0)
		sl_scorecard_keep(b, run_id, &(struct sl_error){ 0 });
	if (rc == 0)
		rc = sl_store_exec(b, "PRAGMA journal_mode = DELETE", err);
	sl_store_close(b);
	return rc;
}

int sl_bundle_export(struct sl_store *store, int64_t run_id, const char *path, bool force,
		     struct sl_error *err)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			sl_error_set(err, "%s is a directory: give -o a file name, e.g. run.slrun", path);
			return -1;
		}
		if (!force) {
			sl_error_set(err, "%s exists: choose another -o FILE, or add --force to replace "
				     "it", path);
			return -1;
		}
	}
	char *uid = query_text(store, "SELECT uid FROM runs WHERE id = ?1", run_id, err);
	if (!uid) {
		if (!err->msg[0])
			sl_error_set(err, "no run %lld in the store", (long long)run_id);
		return -1;
	}
	/* beside the target, so the rename that publishes it cannot cross file systems */
	char *tmp = sl_xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		sl_error_set(err, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		free(uid);
		return -1;
	}
	close(fd);
	struct sl_buf schema;
	sl_buf_init(&schema);
	sl_buf_puts(&schema, "");
	int rc = prepare_bundle(tmp, uid, run_id, &schema, err);
	if (rc == 0 && (rc = attach(store, tmp, err)) == 0) {
		rc = sl_store_exec(store, "BEGIN", err);
		if (rc == 0 && (rc = copy_out(store, run_id, err)) == 0)
			rc = sl_store_commit(store, err);
		sl_store_rollback(store);
		detach(store);
	}
	if (rc == 0)
		rc = finish_bundle(tmp, run_id, schema.data, err);
	sl_buf_free(&schema);
	if (rc == 0 && rename(tmp, path) != 0) {
		sl_error_set(err, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		remove_with_journals(tmp);
	free(tmp);
	free(uid);
	return rc;
}

/* ---- reading a bundle ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define MAKE_ONE "(a bundle is written by 'shortlist runs export RUN -o FILE.slrun')"

/* What the file's 100-byte SQLite header says, before SQLite opens it; *version is its
 * store schema. */
static int check_header(const char *path, int *version, struct sl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		sl_error_set(err, "cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	unsigned char h[100];
	ssize_t n = S_ISREG(sb.st_mode) ? read(fd, h, sizeof h) : -1;
	close(fd);
	if (n != (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0) {
		sl_error_set(err, "%s is not a shortlist run bundle: it is not an SQLite database "
			     MAKE_ONE, path);
		return -1;
	}
	uint64_t page = (uint64_t)h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	uint64_t want = be32(h + 28) * page;
	/* the page count is valid when the change that wrote it wrote the header too */
	if (be32(h + 92) == be32(h + 24) && want > (uint64_t)sb.st_size) {
		sl_error_set(err, "%s is truncated (shorter than its header says): copy it again",
			     path);
		return -1;
	}
	if (be32(h + 68) != SL_BUNDLE_APPLICATION_ID) {
		sl_error_set(err, "%s is an SQLite database but not a shortlist run bundle " MAKE_ONE,
			     path);
		return -1;
	}
	*version = (int)be32(h + 60);
	if (*version > sl_migration_count) {
		sl_error_set(err, "%s was written by a newer shortlist (store schema %d; this one "
			     "reads up to %d): upgrade shortlist to read it", path, *version,
			     sl_migration_count);
		return -1;
	}
	return 0;
}

static int copy_file(const char *from, int to, struct sl_error *err)
{
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sl_error_set(err, "cannot open %s: %s", from, strerror(errno));
		return -1;
	}
	/* in the kernel (a reflink where the file system shares blocks), else through buf */
	ssize_t n;
	while ((n = copy_file_range(fd, NULL, to, NULL, (size_t)1 << 30, 0)) > 0)
		;
	if (n == 0) {
		close(fd);
		return 0;
	}
	if (lseek(fd, 0, SEEK_SET) != 0 || lseek(to, 0, SEEK_SET) != 0 || ftruncate(to, 0) != 0)
		n = -1;
	char buf[65536];
	while (n != -1 && (n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(to, buf + off, (size_t)(n - off));
			if (w < 0) {
				sl_error_set(err, "cannot copy %s: %s", from, strerror(errno));
				close(fd);
				return -1;
			}
			off += w;
		}
	if (n < 0)
		sl_error_set(err, "cannot read %s: %s", from, strerror(errno));
	close(fd);
	return n < 0 ? -1 : 0;
}

/* The message for a damaged bundle: SQLite's finding on one line, without its
 * "*** in database main ***" head. */
static void set_damaged(struct sl_error *err, const char *path, const char *finding)
{
	char *why = sl_xstrdup(finding);
	sl_str_redact(&why, "*** in database main ***\n", "");
	for (char *p = why; *p; p++)
		if (*p == '\n')
			*p = ' ';
	sl_error_set(err, "%s is damaged (%s): copy it again, or export it again", path, why);
	free(why);
}

/* SQLite's own check of every page of db: 0 if whole, else -1 with err naming path. */
static int check_pages(sqlite3 *db, const char *path, struct sl_error *err)
{
	sqlite3_stmt *st = NULL;
	bool row = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) == SQLITE_OK &&
		   sqlite3_step(st) == SQLITE_ROW;
	int rc = row && strcmp(sl_col_text(st, 0), "ok") == 0 ? 0 : -1;
	if (rc != 0)
		set_damaged(err, path, row ? sl_col_text(st, 0) : sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* SQLite's own check of every page (unless later), and the bundle format, on the copy. */
static int check_contents(const char *path, const char *copy, bool later, struct sl_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_open_v2(copy, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sl_error_set(err, "%s cannot be read: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	if (!later && check_pages(db, path, err) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT value FROM bundle_meta WHERE key = 'format'", -1, &st,
			       NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		int code = sqlite3_errcode(db);
		if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) /* its schema unreadable */
			set_damaged(err, path, sqlite3_errmsg(db));
		else
			sl_error_set(err, "%s is not a complete run bundle: it has no format in table "
				     "bundle_meta " MAKE_ONE, path);
		goto out;
	}
	int format = sqlite3_column_int(st, 0);
	if (format > SL_BUNDLE_FORMAT || format < 1) {
		sl_error_set(err, "%s is run bundle format %s, %s (%d): upgrade shortlist to read it",
			     path, sl_col_text(st, 0), format > 0 ? "newer than this shortlist reads"
								  : "not one this shortlist reads",
			     SL_BUNDLE_FORMAT);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* Every table a bundle carries is there, and one run with its uid. */
static int check_tables(struct sl_store *b, const char *path, struct sl_error *err)
{
	const char *const *lists[] = { shared_tables, run_tables };
	const size_t lens[] = { SL_ARRAY_LEN(shared_tables), SL_ARRAY_LEN(run_tables) };
	for (size_t l = 0; l < SL_ARRAY_LEN(lists); l++)
		for (size_t i = 0; i < lens[l]; i++) {
			sqlite3_stmt *st = sl_store_prepare(b,
				"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", err);
			if (!st)
				return -1;
			sqlite3_bind_text(st, 1, lists[l][i], -1, SQLITE_STATIC);
			bool found = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_reset(st); /* an open statement would keep a read open */
			if (!found) {
				sl_error_set(err, "%s is not a complete run bundle: table %s is missing "
					     MAKE_ONE, path, lists[l][i]);
				return -1;
			}
		}
	sqlite3_stmt *st = sl_store_prepare(b, "SELECT count(*), count(uid) FROM runs", err);
	if (!st || sqlite3_step(st) != SQLITE_ROW)
		return -1;
	int64_t runs = sqlite3_column_int64(st, 0), uids = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (runs != 1 || uids != 1) {
		sl_error_set(err, "%s is not a run bundle: it holds %lld runs%s, a bundle holds one "
			     MAKE_ONE, path, (long long)runs, uids < runs ? " without a uid" : "");
		return -1;
	}
	return 0;
}

/* The checked copy; with later, every check but SQLite's of every page, which is left to
 * the caller when the copy needs no upgrade (*later says if it was left). */
static char *open_copy(const char *path, bool *later, struct sl_error *err)
{
	int version;
	if (check_header(path, &version, err) != 0)
		return NULL;
	/* an older bundle is upgraded in the copy: checked whole before its migrations run */
	if (*later && version < sl_migration_count)
		*later = false;
	const char *dir = getenv("TMPDIR");
	char *copy = sl_xasprintf("%s/shortlist-bundle-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(copy);
	if (fd < 0) {
		sl_error_set(err, "cannot make a working copy of %s in %s: %s", path,
			     dir && *dir ? dir : "/tmp", strerror(errno));
		free(copy);
		return NULL;
	}
	int rc = copy_file(path, fd, err);
	close(fd);
	if (rc == 0)
		rc = check_contents(path, copy, *later, err);
	if (rc == 0) {
		struct sl_store *b = sl_store_open(copy, 0, err);
		rc = b ? check_tables(b, path, err) : -1;
		/* checked meanwhile: in WAL mode the check's reads and the screen's writes (a
		 * figure kept, a rating) do not wait for each other */
		if (rc == 0 && !*later)
			rc = sl_store_exec(b, "PRAGMA journal_mode = DELETE", err);
		sl_store_close(b);
		if (rc != 0) { /* name the user's file, not our copy */
			char *msg = sl_xstrdup(err->msg);
			sl_str_redact(&msg, copy, path);
			snprintf(err->msg, sizeof err->msg, "%s", msg);
			free(msg);
		}
	}
	if (rc != 0) {
		sl_bundle_copy_remove(copy);
		return NULL;
	}
	return copy;
}

char *sl_bundle_open_copy(const char *path, struct sl_error *err)
{
	bool later = false;
	return open_copy(path, &later, err);
}

/* ---- the check of every page, beside a screen ---- */

struct sl_bundle_check {
	pthread_t thread;
	sqlite3 *db;        /* the thread's own connection to the copy */
	char *path;         /* the user's file, named in the finding */
	int done[2];        /* a pipe: the thread writes one byte when it has finished */
	int rc;             /* then: 0 whole, -1 damaged (err), 1 stopped */
	bool finished;
	struct sl_error err;
};

static void *check_thread(void *arg)
{
	struct sl_bundle_check *c = arg;
	c->rc = check_pages(c->db, c->path, &c->err);
	if (c->rc != 0 && sqlite3_errcode(c->db) == SQLITE_INTERRUPT)
		c->rc = 1;
	ssize_t w;
	do
		w = write(c->done[1], "", 1);
	while (w < 0 && errno == EINTR);
	return NULL;
}

char *sl_bundle_open_copy_checking(const char *path, struct sl_bundle_check **check,
				   struct sl_error *err)
{
	*check = NULL;
	bool later = true;
	char *copy = open_copy(path, &later, err);
	if (!copy || !later)
		return copy;
	struct sl_bundle_check *c = sl_xcalloc(1, sizeof *c);
	c->path = sl_xstrdup(path);
	c->done[0] = c->done[1] = -1;
	if (sqlite3_open_v2(copy, &c->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    pipe(c->done) != 0 || pthread_create(&c->thread, NULL, check_thread, c) != 0) {
		sl_error_set(err, "cannot check %s: %s", path,
			     c->db ? sqlite3_errmsg(c->db) : strerror(errno));
		for (int i = 0; i < 2; i++)
			if (c->done[i] >= 0)
				close(c->done[i]);
		sqlite3_close(c->db);
		free(c->path);
		free(c);
		sl_bundle_copy_remove(copy);
		return NULL;
	}
	*check = c;
	return copy;
}

int sl_bundle_check_fd(const struct sl_bundle_check *c)
{
	return c->finished ? -1 : c->done[0];
}

int sl_bundle_check_poll(struct sl_bundle_check *c, struct sl_error *err)
{
	if (!c->finished) {
		struct pollfd p = { .fd = c->done[0], .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			return 1;
		pthread_join(c->thread, NULL);
		c->finished = true;
	}
	if (c->rc < 0)
		*err = c->err;
	return c->rc;
}

void sl_bundle_check_free(struct sl_bundle_check *c)
{
	if (!c)
		return;
	if (!c->finished) {
		sqlite3_interrupt(c->db);
		pthread_join(c->thread, NULL);
	}
	close(c->done[0]);
	close(c->done[1]);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

void sl_bundle_copy_remove(char *copy)
{
	if (!copy)
		return;
	remove_with_journals(copy);
	free(copy);
}

/* ---- import ---- */

#define MAPPED(name, version) \
	"(SELECT m.new FROM temp.bundle_prompt_map m WHERE m.name = s." name \
	" AND m.old = s." version ")"

/* Each prompt version of the bundle: the store's own when it has the same content under the
 * same name, else added, with its number if that is free and the next one if not. */
static int import_prompts(struct sl_store *store, struct sl_bundle_import *out,
			  struct sl_error *err)
{
	if (sl_store_exec(store, "CREATE TEMP TABLE bundle_prompt_map (name TEXT NOT NULL, old "
				 "INTEGER NOT NULL, new INTEGER NOT NULL, added INTEGER NOT NULL, "
				 "PRIMARY KEY (name, old))", err) != 0 ||
	    copy_table(store, "main", "bundle", "prompts", true, NULL, NULL, 0, 0, NULL, err) != 0)
		return -1;
	sqlite3 *db = sl_store_db(store);
	sqlite3_stmt *pv = NULL, *q = NULL, *ins = NULL;
	int rc = -1, k = 0;
	if (sqlite3_prepare_v2(db, "SELECT name, version, hash FROM bundle.prompt_versions "
				   "ORDER BY name, version", -1, &pv, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT COALESCE((SELECT min(version) FROM main.prompt_versions"
				   " WHERE name = ?1 AND hash = ?3), 0), EXISTS (SELECT 1 FROM "
				   "main.prompt_versions WHERE name = ?1 AND version = ?2), (SELECT "
				   "COALESCE(max(version), 0) + 1 FROM main.prompt_versions WHERE "
				   "name = ?1)", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO temp.bundle_prompt_map VALUES (?1, ?2, ?3, ?4)", -1,
			       &ins, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "matching prompt versions");
		goto out;
	}
	while (sqlite3_step(pv) == SQLITE_ROW) {
		int version = sqlite3_column_int(pv, 1);
		sqlite3_reset(q);
		sqlite3_bind_value(q, 1, sqlite3_column_value(pv, 0));
		sqlite3_bind_int(q, 2, version);
		sqlite3_bind_value(q, 3, sqlite3_column_value(pv, 2));
		if (sqlite3_step(q) != SQLITE_ROW) {
			sl_store_error(store, err, "matching prompt versions");
			goto out;
		}
		int same = sqlite3_column_int(q, 0);
		int v = same ? same : sqlite3_column_int(q, 1) ? sqlite3_column_int(q, 2) : version;
		int added = same ? 0 : ++k;
		sqlite3_reset(ins);
		sqlite3_bind_value(ins, 1, sqlite3_column_value(pv, 0));
		sqlite3_bind_int(ins, 2, version);
		sqlite3_bind_int(ins, 3, v);
		sqlite3_bind_int(ins, 4, added);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			sl_store_error(store, err, "matching prompt versions");
			goto out;
		}
		/* parent numbers a version of the source store: imported versions have none */
		const struct override ov[] = { { "version", MAPPED("name", "version") },
					       { "parent", "NULL" } };
		if (added && copy_table(store, "main", "bundle", "prompt_versions", false,
					"EXISTS (SELECT 1 FROM temp.bundle_prompt_map m WHERE m.name = "
					"s.name AND m.old = s.version AND m.added = ?1)", ov, 2, added,
					NULL, err) != 0)
			goto out;
		if (same)
			out->prompts_reused++;
		else
			out->prompts_added++;
	}
	rc = 0;
out:
	sqlite3_finalize(pv);
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	return rc;
}

static int import_rows(struct sl_store *store, const char *path, struct sl_bundle_import *out,
		       struct sl_error *err)
{
	char *src = query_text(store, "SELECT id FROM bundle.runs", 0, err);
	char *dup = src ? query_text(store, "SELECT id FROM main.runs WHERE uid = (SELECT uid FROM "
					    "bundle.runs)", 0, err) : NULL;
	int rc = src ? 0 : -1;
	if (dup) {
		sl_error_set(err, "%s: its run (run %s where it was exported) is already in this store "
			     "as run %s: it was imported before, or exported from here; nothing was "
			     "imported", path, src, dup);
		rc = -1;
	} else if (rc == 0) {
		out->source_run_id = atoll(src);
	}
	free(src);
	free(dup);
	if (rc != 0 || err->msg[0])
		return -1;
	if (copy_table(store, "main", "bundle", "datasets", true, NULL, NULL, 0, 0, NULL, err) != 0 ||
	    copy_table(store, "main", "bundle", "dataset_cases", true, NULL, NULL, 0, 0, NULL,
		       err) != 0 ||
	    import_prompts(store, out, err) != 0)
		return -1;
	const struct override run_id[] = { { "id", "NULL" } };
	if (copy_table(store, "main", "bundle", "runs", false, NULL, run_id, 1, 0, NULL, err) != 0)
		return -1;
	out->run_id = sqlite3_last_insert_rowid(sl_store_db(store));
	static const struct override ov[] = {
		{ "run_id", "?1" },
		{ "id", "NULL" }, /* pairwise_votes, promotions: numbered by this store */
		{ "version", MAPPED("name", "version") }, /* run_prompts */
		{ "prompt_version", "COALESCE(" MAPPED("prompt_name", "prompt_version")
				    ", s.prompt_version)" }, /* promotions */
	};
	/* the bundle's statistics with its rows (see derived_tables): the triggers of the
	 * tables the rows go in set aside for this transaction */
	struct sl_buf cond, triggers;
	sl_buf_init(&cond);
	sl_buf_init(&triggers);
	sl_buf_puts(&triggers, "");
	sl_buf_puts(&cond, "type = 'trigger' AND tbl_name IN (''");
	for (size_t i = 0; i < SL_ARRAY_LEN(run_tables); i++)
		sl_buf_printf(&cond, ", '%s'", run_tables[i]);
	sl_buf_puts(&cond, ")");
	rc = set_aside(store, cond.data, &triggers, err);
	sl_buf_free(&cond);
	const char *const *lists[] = { run_tables, derived_tables };
	const size_t lens[] = { SL_ARRAY_LEN(run_tables), SL_ARRAY_LEN(derived_tables) };
	for (size_t l = 0; l < SL_ARRAY_LEN(lists); l++)
		for (size_t i = 0; rc == 0 && i < lens[l]; i++) {
			const char *t = lists[l][i];
			int64_t *count = strcmp(t, "cells") == 0 ? &out->cells
				: strcmp(t, "cell_scores") == 0 ? &out->scores
				: strcmp(t, "ratings") == 0 ? &out->ratings
				: strcmp(t, "pairwise_votes") == 0 ? &out->votes
				: strcmp(t, "promotions") == 0 ? &out->promotions : NULL;
			rc = copy_table(store, "main", "bundle", t, false, NULL, ov,
					SL_ARRAY_LEN(ov), out->run_id, count, err);
		}
	if (rc == 0)
		rc = sl_store_exec(store, triggers.data, err);
	sl_buf_free(&triggers);
	if (rc != 0)
		return -1;
	return sl_store_exec(store, "DROP TABLE temp.bundle_prompt_map", err);
}

int sl_bundle_import(struct sl_store *store, const char *path, struct sl_bundle_import *out,
		     struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	char *copy = sl_bundle_open_copy(path, err);
	if (!copy)
		return -1;
	int rc = attach(store, copy, err);
	if (rc == 0) {
		rc = sl_store_begin(store, err);
		if (rc == 0 && (rc = import_rows(store, path, out, err)) == 0)
			rc = sl_store_commit(store, err);
		sl_store_rollback(store);
		detach(store);
	}
	sl_bundle_copy_remove(copy);
	/* the first reader of the imported run reads its percentiles and intervals back: a
	 * bundle's own are kept where its key still holds, the rest (an older bundle's) here */
	if (rc == 0)
		sl_scorecard_keep(store, out->run_id, &(struct sl_error){ 0 });
	return rc;
}
