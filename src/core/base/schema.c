/* The schema, as the list of migrations that builds it. Never edit a migration that has
 * shipped: add a new one at the end. Each area owns its own section. */
#include "shortlist/store.h"

/* ---- 1: catalogue, the user's annotations and shortlist (catalog/) ---- */
static const char catalog_v1[] =
	"CREATE TABLE catalog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE providers ("
	"  id TEXT PRIMARY KEY, name TEXT NOT NULL, api TEXT, doc TEXT, env TEXT, npm TEXT);"
	/* Canonical (base) models carry licence, links and published benchmark scores. */
	"CREATE TABLE base_models ("
	"  id TEXT PRIMARY KEY, name TEXT, family TEXT, open_weights INTEGER, license TEXT,"
	"  release_date TEXT, raw TEXT NOT NULL);"
	"CREATE TABLE benchmarks ("
	"  base_model TEXT NOT NULL REFERENCES base_models(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, metric TEXT, score REAL NOT NULL, date TEXT, source TEXT);"
	"CREATE INDEX benchmarks_base ON benchmarks(base_model);"
	/* One row per (provider, model): what a user can call and what it costs. */
	"CREATE TABLE models ("
	"  key TEXT PRIMARY KEY,"                 /* provider_id/model_id */
	"  provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,"
	"  model_id TEXT NOT NULL, name TEXT NOT NULL, family TEXT, base_model TEXT,"
	"  open_weights INTEGER, reasoning INTEGER, tool_call INTEGER, attachment INTEGER,"
	"  temperature INTEGER, structured_output INTEGER,"
	"  context INTEGER, max_input INTEGER, max_output INTEGER,"
	"  price_in REAL, price_out REAL, price_cache_read REAL, price_cache_write REAL,"
	"  modalities_in TEXT, modalities_out TEXT,"
	"  knowledge TEXT, release_date TEXT, last_updated TEXT, status TEXT,"
	"  params_b REAL, params_derived INTEGER NOT NULL DEFAULT 0,"
	"  raw TEXT NOT NULL);"
	"CREATE INDEX models_provider ON models(provider_id);"
	"CREATE INDEX models_model_id ON models(model_id);"
	"CREATE INDEX models_base ON models(base_model);"
	/* The user's own knowledge: never touched by a catalogue update. */
	"CREATE TABLE annotations ("
	"  model_key TEXT PRIMARY KEY, license TEXT, params_b REAL, fine_tunable INTEGER,"
	"  domains TEXT, commercial_use INTEGER, notes TEXT, updated_at TEXT NOT NULL);"
	"CREATE TABLE shortlist ("
	"  model_key TEXT PRIMARY KEY, added_at TEXT NOT NULL, note TEXT);";

const struct sl_migration sl_migrations[] = {
	{ "catalogue", catalog_v1 },
};

const int sl_migration_count = (int)SL_ARRAY_LEN(sl_migrations);
