#include "shortlist/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

struct cached_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct sl_store {
	sqlite3 *db;
	char *path;
	int flags;
	int busy_ms;
	struct cached_stmt *stmts;
	size_t n_stmts, cap_stmts;
};

sqlite3 *sl_store_db(struct sl_store *store)
{
	return store->db;
}

const char *sl_store_path(const struct sl_store *store)
{
	return store->path;
}

void sl_store_error(struct sl_store *store, struct sl_error *err, const char *doing)
{
	int code = sqlite3_extended_errcode(store->db);
	const char *hint = "";
	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		hint = " (another shortlist process holds the database; wait for it or use --db "
		       "to choose another file)";
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		hint = " (check the file's permissions, or use --db to choose a writable file)";
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		hint = " (the file is damaged or not a shortlist database; it was left untouched: "
		       "move it aside or use --db to choose another file)";
		break;
	case SQLITE_FULL:
		hint = " (the disk is full)";
		break;
	}
	sl_error_set(err, "database %s: %s: %s%s", store->path, doing, sqlite3_errmsg(store->db), hint);
	if (err)
		err->code = SL_EXIT_USAGE;
}

int sl_store_exec(struct sl_store *store, const char *sql, struct sl_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		sl_store_error(store, err, "executing SQL");
		return -1;
	}
	return 0;
}

sqlite3_stmt *sl_store_prepare(struct sl_store *store, const char *sql, struct sl_error *err)
{
	for (size_t i = 0; i < store->n_stmts; i++) {
		struct cached_stmt *c = &store->stmts[i];
		if (c->sql == sql || strcmp(c->sql, sql) == 0) {
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return c->stmt;
		}
	}
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "preparing a statement");
		return NULL;
	}
	if (store->n_stmts == store->cap_stmts) {
		store->cap_stmts = store->cap_stmts ? store->cap_stmts * 2 : 32;
		store->stmts = sl_xrealloc(store->stmts, store->cap_stmts * sizeof *store->stmts);
	}
	store->stmts[store->n_stmts++] = (struct cached_stmt){ .sql = sql, .stmt = stmt };
	return stmt;
}

int sl_store_step(struct sl_store *store, sqlite3_stmt *stmt, struct sl_error *err)
{
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	sl_store_error(store, err, "running a query");
	sqlite3_reset(stmt);
	return -1;
}

int sl_store_begin(struct sl_store *store, struct sl_error *err)
{
	if (sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "starting a write");
		return -1;
	}
	return 0;
}

int sl_store_try_begin(struct sl_store *store, struct sl_error *err)
{
	sqlite3_busy_timeout(store->db, 0);
	int rc = sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(store->db, store->busy_ms);
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY)
		return 1;
	sl_store_error(store, err, "starting a write");
	return -1;
}

void sl_store_set_busy_timeout(struct sl_store *store, int ms)
{
	store->busy_ms = ms;
	sqlite3_busy_timeout(store->db, ms);
}

int sl_store_commit(struct sl_store *store, struct sl_error *err)
{
	if (sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "committing");
		sl_store_rollback(store);
		return -1;
	}
	return 0;
}

void sl_store_rollback(struct sl_store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

const char *sl_col_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	return t ? (const char *)t : "";
}

char *sl_col_dup(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? NULL
							      : sl_xstrdup(sl_col_text(stmt, col));
}

void sl_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, idx);
}

int sl_store_schema_version(struct sl_store *store)
{
	sqlite3_stmt *stmt;
	int v = -1;
	if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

int sl_store_migrate_to(struct sl_store *store, int target, struct sl_error *err)
{
	int version = sl_store_schema_version(store);
	if (version < 0) {
		sl_store_error(store, err, "reading the schema version");
		return -1;
	}
	if (version > sl_migration_count) {
		sl_error_set(err, "database %s has schema version %d, newer than this shortlist "
			     "understands (%d): upgrade shortlist, or use --db to choose another file",
			     store->path, version, sl_migration_count);
		return -1;
	}
	for (int v = version; v < target && v < sl_migration_count; v++) {
		if (store->flags & SL_STORE_READONLY) {
			sl_error_set(err, "database %s needs upgrading to schema version %d but was "
				     "opened read-only", store->path, sl_migration_count);
			return -1;
		}
		if (sl_store_begin(store, err) != 0)
			return -1;
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
		char *msg = NULL;
		if (sqlite3_exec(store->db, sl_migrations[v].sql, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(store->db, bump, NULL, NULL, NULL) != SQLITE_OK) {
			char doing[256];
			snprintf(doing, sizeof doing, "applying migration %d (%s)", v + 1,
				 sl_migrations[v].name);
			sl_store_error(store, err, doing);
			sqlite3_free(msg);
			sl_store_rollback(store);
			return -1;
		}
		if (sl_store_commit(store, err) != 0)
			return -1;
	}
	return 0;
}

static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return sl_xstrdup(".");
	if (slash == path)
		return sl_xstrdup("/");
	return sl_xstrndup(path, (size_t)(slash - path));
}

struct sl_store *sl_store_open(const char *path, int flags, struct sl_error *err)
{
	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		sl_error_set(err, "database %s is a directory: give a file path with --db", path);
		return NULL;
	}
	if (!exists && !(flags & SL_STORE_READONLY)) {
		char *dir = parent_dir(path);
		int rc = sl_mkdirs(dir, err);
		free(dir);
		if (rc != 0)
			return NULL;
	}
	if (exists && !(flags & SL_STORE_READONLY) && access(path, W_OK) != 0) {
		sl_error_set(err, "database %s is read-only (%s): fix its permissions, or use --db "
			     "to choose a writable file", path, strerror(errno));
		return NULL;
	}

	/* The store holds prompts and answers: readable by its owner only (SQLite gives its
	 * -wal and -shm files the database's mode). A store an older version created with
	 * the umask's 0644/0664 is tightened; any other mode was chosen, and is kept. */
	if (!exists && !(flags & SL_STORE_READONLY)) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	} else if (exists && !(flags & SL_STORE_READONLY) && st.st_uid == geteuid() &&
		   ((st.st_mode & 0777) == 0644 || (st.st_mode & 0777) == 0664)) {
		(void)chmod(path, 0600);
	}

	struct sl_store *store = sl_xcalloc(1, sizeof *store);
	store->path = sl_xstrdup(path);
	store->flags = flags;
	int oflags = (flags & SL_STORE_READONLY) ? SQLITE_OPEN_READONLY
						  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &store->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sl_store_error(store, err, "opening");
		sl_store_close(store);
		return NULL;
	}
	sqlite3_extended_result_codes(store->db, 1);
	sl_store_set_busy_timeout(store, 5000);

	/* Reading the schema touches page 1: a corrupt or foreign file fails here, before
	 * anything could write to it. */
	if (sqlite3_exec(store->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		sl_store_error(store, err, "reading");
		sl_store_close(store);
		return NULL;
	}
	/* Check the version before any pragma: switching journal_mode to WAL writes to the
	 * file, and a newer shortlist's database must stay byte-for-byte as it was. */
	int version = sl_store_schema_version(store);
	if (version > sl_migration_count) {
		sl_error_set(err, "database %s has schema version %d, newer than this shortlist "
			     "understands (%d): upgrade shortlist, or use --db to choose another file",
			     path, version, sl_migration_count);
		sl_store_close(store);
		return NULL;
	}
	const char *pragmas = (flags & SL_STORE_READONLY)
		? "PRAGMA foreign_keys = ON;"
		: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";
	if (sl_store_exec(store, pragmas, err) != 0) {
		sl_store_close(store);
		return NULL;
	}
	if (!(flags & SL_STORE_NO_MIGRATE) &&
	    sl_store_migrate_to(store, sl_migration_count, err) != 0) {
		sl_store_close(store);
		return NULL;
	}
	return store;
}

void sl_store_close(struct sl_store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < store->n_stmts; i++)
		sqlite3_finalize(store->stmts[i].stmt);
	free(store->stmts);
	if (store->db)
		sqlite3_close(store->db);
	free(store->path);
	free(store);
}
