#include "helpers.h"

#include "test.h"

char *store_digest(struct sl_store *s)
{
	static const char *const tables[] = { "catalog_meta", "providers", "base_models",
					      "benchmarks", "models", "annotations", "shortlist" };
	struct sl_buf b;
	sl_buf_init(&b);
	for (size_t t = 0; t < SL_ARRAY_LEN(tables); t++) {
		char *sql = sl_xasprintf("SELECT * FROM %s ORDER BY rowid", tables[t]);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "digest: %s\n", sqlite3_errmsg(sl_store_db(s)));
			exit(99);
		}
		sl_buf_printf(&b, "[%s]", tables[t]);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++)
				sl_buf_printf(&b, "%s\x1f", sqlite3_column_type(st, c) == SQLITE_NULL
							? "\x01NULL"
							: (const char *)sqlite3_column_text(st, c));
			sl_buf_putc(&b, '\n');
		}
		sqlite3_finalize(st);
		free(sql);
	}
	char hex[65];
	sl_sha256_hex(b.data, b.len, hex);
	sl_buf_free(&b);
	return sl_xstrdup(hex);
}

struct sl_store *store_with(const char *name, const char *fixture_relative)
{
	struct sl_error err = { 0 };
	char *path = test_path(name);
	struct sl_store *s = sl_store_open(path, 0, &err);
	free(path);
	if (!s) {
		fprintf(stderr, "open %s: %s\n", name, err.msg);
		exit(99);
	}
	if (fixture_relative) {
		char *src = test_source_path(fixture_relative);
		if (sl_catalog_import_file(s, src, &err) != 0) {
			fprintf(stderr, "import %s: %s\n", src, err.msg);
			exit(99);
		}
		free(src);
	}
	return s;
}
