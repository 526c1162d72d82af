/* The store: one SQLite file holding the catalogue, the user's annotations and shortlist,
 * prompts, datasets, runs and their cells. Opening it applies pending migrations. */
#ifndef SHORTLIST_STORE_H
#define SHORTLIST_STORE_H

#include <sqlite3.h>

#include "shortlist/util.h"

struct sl_store;

/* One schema step; applied in its own transaction together with the user_version bump. */
struct sl_migration {
	const char *name;
	const char *sql;
};

/* All migrations in order; index i upgrades user_version i to i+1 (schema.c). */
extern const struct sl_migration sl_migrations[];
extern const int sl_migration_count;

enum {
	SL_STORE_READONLY = 1 << 0,   /* open for reading only; never migrates */
	SL_STORE_NO_MIGRATE = 1 << 1, /* tests: open without migrating */
};

/* Open (creating directories and the file if needed) and migrate to the current schema.
 * Corrupt, locked, read-only and newer-schema databases fail with a message naming the
 * file and what to do, and err->code = SL_EXIT_USAGE. Nothing is ever deleted. */
struct sl_store *sl_store_open(const char *path, int flags, struct sl_error *err);
void sl_store_close(struct sl_store *store);
sqlite3 *sl_store_db(struct sl_store *store);
const char *sl_store_path(const struct sl_store *store);

int sl_store_schema_version(struct sl_store *store);
/* Apply migrations up to (and including) target version; used by tests of old schemas. */
int sl_store_migrate_to(struct sl_store *store, int target, struct sl_error *err);

/* Run SQL with no results (may hold several statements). */
int sl_store_exec(struct sl_store *store, const char *sql, struct sl_error *err);
/* A prepared statement cached for the life of the store, reset and with bindings cleared.
 * Keep SQL in string literals: the cache is keyed by the text. NULL + err on failure. */
sqlite3_stmt *sl_store_prepare(struct sl_store *store, const char *sql, struct sl_error *err);
/* sqlite3_step with the store's error reporting: returns SQLITE_ROW, SQLITE_DONE or -1. */
int sl_store_step(struct sl_store *store, sqlite3_stmt *stmt, struct sl_error *err);

/* Write transactions: BEGIN IMMEDIATE so a busy database fails at the start, not midway.
 * sl_store_begin waits up to the busy timeout (5 s) for another process's transaction. */
int sl_store_begin(struct sl_store *store, struct sl_error *err);
/* The same without waiting, for event loops: 1 (and no error) when another connection
 * holds the write lock, so the caller keeps its writes and tries again from its loop;
 * 0 when the transaction started; -1 on any other error. WAL readers never block it. */
int sl_store_try_begin(struct sl_store *store, struct sl_error *err);
/* How long statements wait for another connection's lock (ms; 0 = fail at once). */
void sl_store_set_busy_timeout(struct sl_store *store, int ms);
int sl_store_commit(struct sl_store *store, struct sl_error *err);
void sl_store_rollback(struct sl_store *store);

/* Fill err from the connection's last error, prefixed with what we were doing. */
void sl_store_error(struct sl_store *store, struct sl_error *err, const char *doing);

/* sqlite3_column_text as a C string (never NULL: "" for NULL). */
const char *sl_col_text(sqlite3_stmt *stmt, int col);
/* A copy of a text column, NULL for SQL NULL. */
char *sl_col_dup(sqlite3_stmt *stmt, int col);
/* Bind a C string, NULL binding SQL NULL. */
void sl_bind_text(sqlite3_stmt *stmt, int idx, const char *s);

#endif
