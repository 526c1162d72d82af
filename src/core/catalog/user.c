/* The user's own data about models: annotations and the shortlist. Both are keyed by the
 * model key without a foreign key to the catalogue, so a catalogue update (which replaces
 * every catalogue row) never deletes them; a model that disappears keeps its entries until
 * it comes back or the user removes them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_internal.h"

static int model_exists(struct sl_store *store, const char *key, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT 1 FROM models WHERE key = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		sl_error_set(err, "no model '%s' in the catalogue (see 'shortlist models')", key);
		return -1;
	}
	return 0;
}

static int in_shortlist(struct sl_store *store, const char *key, bool *in, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT 1 FROM shortlist WHERE model_key = ?1",
					    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	*in = rc == SQLITE_ROW;
	return 0;
}

int sl_shortlist_add(struct sl_store *store, const char *model_key, struct sl_error *err)
{
	if (model_exists(store, model_key, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(
		store, "INSERT OR IGNORE INTO shortlist (model_key, added_at) VALUES (?1, ?2)", err);
	if (!st)
		return -1;
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	sqlite3_bind_text(st, 1, model_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sl_shortlist_remove(struct sl_store *store, const char *model_key, struct sl_error *err)
{
	bool in;
	if (in_shortlist(store, model_key, &in, err) != 0)
		return -1;
	if (!in) {
		sl_error_set(err, "'%s' is not in the shortlist (see 'shortlist shortlist list')",
			     model_key);
		return -1;
	}
	sqlite3_stmt *st = sl_store_prepare(store, "DELETE FROM shortlist WHERE model_key = ?1",
					    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, model_key, -1, SQLITE_TRANSIENT);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sl_shortlist_toggle(struct sl_store *store, const char *model_key, bool *now_in,
			struct sl_error *err)
{
	bool in;
	if (in_shortlist(store, model_key, &in, err) != 0)
		return -1;
	int rc = in ? sl_shortlist_remove(store, model_key, err)
		    : sl_shortlist_add(store, model_key, err);
	if (rc == 0 && now_in)
		*now_in = !in;
	return rc;
}

int sl_shortlist_keys(struct sl_store *store, char ***keys_out, size_t *n_out,
		      struct sl_error *err)
{
	*keys_out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = sl_store_prepare(
		store, "SELECT model_key FROM shortlist ORDER BY added_at, rowid", err);
	if (!st)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (*n_out == cap) {
			cap = cap ? cap * 2 : 16;
			*keys_out = sl_xrealloc(*keys_out, cap * sizeof **keys_out);
		}
		(*keys_out)[(*n_out)++] = sl_xstrdup(sl_col_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc < 0) {
		for (size_t i = 0; i < *n_out; i++)
			free((*keys_out)[i]);
		free(*keys_out);
		*keys_out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

/* Read-modify-write in one transaction: only the fields being set change. */
int sl_annotation_apply(struct sl_store *store, const char *model_key,
			const struct sl_annotation_edit *e, struct sl_error *err)
{
	if (model_exists(store, model_key, err) != 0)
		return -1;
	if (e->set_params && !isnan(e->params_b) && !(e->params_b > 0 && e->params_b < 1e6)) {
		sl_error_set(err, "parameter count %g B is out of range", e->params_b);
		return -1;
	}
	if (sl_store_begin(store, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(
		store, "INSERT OR IGNORE INTO annotations (model_key, updated_at) VALUES (?1, '')",
		err);
	if (!st || (sqlite3_bind_text(st, 1, model_key, -1, SQLITE_TRANSIENT),
		    sl_store_step(store, st, err)) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	st = sl_store_prepare(
		store,
		"UPDATE annotations SET"
		" license = CASE WHEN ?2 THEN ?3 ELSE license END,"
		" params_b = CASE WHEN ?4 THEN ?5 ELSE params_b END,"
		" fine_tunable = CASE WHEN ?6 THEN ?7 ELSE fine_tunable END,"
		" commercial_use = CASE WHEN ?8 THEN ?9 ELSE commercial_use END,"
		" domains = CASE WHEN ?10 THEN ?11 ELSE domains END,"
		" notes = CASE WHEN ?12 THEN ?13 ELSE notes END,"
		" updated_at = ?14 WHERE model_key = ?1",
		err);
	if (!st)
		goto fail;
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	sqlite3_bind_text(st, 1, model_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, e->set_license);
	sl_bind_text(st, 3, e->license && *e->license ? e->license : NULL);
	sqlite3_bind_int(st, 4, e->set_params);
	if (isnan(e->params_b))
		sqlite3_bind_null(st, 5);
	else
		sqlite3_bind_double(st, 5, e->params_b);
	sqlite3_bind_int(st, 6, e->set_fine_tunable);
	if (e->fine_tunable < 0)
		sqlite3_bind_null(st, 7);
	else
		sqlite3_bind_int(st, 7, e->fine_tunable);
	sqlite3_bind_int(st, 8, e->set_commercial);
	if (e->commercial_use < 0)
		sqlite3_bind_null(st, 9);
	else
		sqlite3_bind_int(st, 9, e->commercial_use);
	sqlite3_bind_int(st, 10, e->set_domains);
	sl_bind_text(st, 11, e->domains && *e->domains ? e->domains : NULL);
	sqlite3_bind_int(st, 12, e->set_notes);
	sl_bind_text(st, 13, e->notes && *e->notes ? e->notes : NULL);
	sqlite3_bind_text(st, 14, now, -1, SQLITE_TRANSIENT);
	if (sl_store_step(store, st, err) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	/* An annotation with every field cleared is no annotation. */
	if (sl_store_exec(store,
			  "DELETE FROM annotations WHERE license IS NULL AND params_b IS NULL AND "
			  "fine_tunable IS NULL AND commercial_use IS NULL AND domains IS NULL AND "
			  "notes IS NULL",
			  err) != 0)
		goto fail;
	return sl_store_commit(store, err);
fail:
	sl_store_rollback(store);
	return -1;
}
