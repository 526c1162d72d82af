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

/* ---- prompts and datasets (eval/) ----
 * A prompt version is immutable: the triggers refuse any UPDATE or DELETE, so an edit can
 * only ever add a version. The hash covers the content (messages + params), not the author,
 * note or time, so importing the same prompt twice adds nothing. A dataset is stored once
 * per content hash; its cases keep the file line they came from for error messages. */
static const char eval_prompts_v1[] =
	"CREATE TABLE prompts ("
	"  name TEXT PRIMARY KEY, tags TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);"
	"CREATE TABLE prompt_versions ("
	"  name TEXT NOT NULL REFERENCES prompts(name),"
	"  version INTEGER NOT NULL,"
	"  messages TEXT NOT NULL,"        /* JSON [{role, content}] with {{var}} placeholders */
	"  params TEXT NOT NULL,"          /* JSON {temperature, max_tokens, stop, response_format} */
	"  author TEXT, note TEXT, created_at TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"            /* sha256 of the canonical {messages, params} */
	"  PRIMARY KEY (name, version));"
	"CREATE INDEX prompt_versions_hash ON prompt_versions(hash);"
	"CREATE TRIGGER prompt_versions_no_update BEFORE UPDATE ON prompt_versions BEGIN"
	"  SELECT RAISE(ABORT, 'prompt versions are immutable: add a new version'); END;"
	"CREATE TRIGGER prompt_versions_no_delete BEFORE DELETE ON prompt_versions BEGIN"
	"  SELECT RAISE(ABORT, 'prompt versions are immutable'); END;"
	"CREATE TABLE datasets ("
	"  hash TEXT PRIMARY KEY,"         /* sha256 of the file's bytes */
	"  path TEXT NOT NULL, format TEXT NOT NULL,"  /* 'jsonl' or 'csv' */
	"  fields TEXT NOT NULL,"          /* JSON array of the field names seen */
	"  n_cases INTEGER NOT NULL, loaded_at TEXT NOT NULL);"
	"CREATE TABLE dataset_cases ("
	"  dataset_hash TEXT NOT NULL REFERENCES datasets(hash) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"          /* 0-based case index */
	"  line INTEGER NOT NULL,"         /* 1-based line in the file where the case starts */
	"  vars TEXT NOT NULL,"            /* JSON object: every field of the row */
	"  expected TEXT, reference TEXT, label TEXT,"
	"  PRIMARY KEY (dataset_hash, idx)) WITHOUT ROWID;";

/* ---- runs, cells and the response cache (eval/) ----
 * A cell is one (model, prompt, case, sample). Everything scoring needs is on the cell row
 * (output, the case's expected/reference/label, measurements, error, cached flag, reported
 * model); cell_details adds the prompt version and the case's variables. cost is NULL when
 * the model's price is unknown, never 0. Cached cells keep the measurements taken when the
 * response was fetched. */
static const char eval_runs_v1[] =
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  suite_name TEXT NOT NULL, suite_path TEXT NOT NULL,"
	"  suite_hash TEXT NOT NULL,"      /* sha256 of the suite file's bytes */
	"  suite_json TEXT NOT NULL,"      /* the suite file as run */
	"  dataset_hash TEXT NOT NULL REFERENCES datasets(hash),"
	"  dataset_path TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'running'"
	"    CHECK (status IN ('running', 'complete', 'incomplete')),"
	"  stop_reason TEXT,"              /* why an incomplete run stopped (budget, errors, ...) */
	"  n_cells INTEGER NOT NULL, samples INTEGER NOT NULL, concurrency INTEGER NOT NULL,"
	"  params TEXT NOT NULL,"          /* JSON: suite params, cache mode, max_cost */
	"  max_cost REAL,"
	"  shortlist_version TEXT NOT NULL, user TEXT NOT NULL, host TEXT,"
	"  started_at TEXT NOT NULL, ended_at TEXT, resumed_at TEXT);"
	"CREATE INDEX runs_suite ON runs(suite_path);"
	"CREATE TABLE run_models ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  requested TEXT NOT NULL,"       /* as the suite names it */
	"  provider TEXT, model_id TEXT, endpoint TEXT,"
	"  catalog_key TEXT,"              /* NULL when not in the catalogue */
	"  price_in REAL, price_out REAL," /* USD per 1M tokens; NULL unknown */
	"  PRIMARY KEY (run_id, idx));"
	"CREATE TABLE run_prompts ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  name TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, idx),"
	"  FOREIGN KEY (name, version) REFERENCES prompt_versions(name, version));"
	"CREATE TABLE cells ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  model_idx INTEGER NOT NULL, prompt_idx INTEGER NOT NULL,"
	"  case_idx INTEGER NOT NULL, sample INTEGER NOT NULL,"
	"  model TEXT NOT NULL,"           /* requested model id (denormalised for SQL) */
	"  reported_model TEXT,"           /* the model id the API answered with */
	"  output TEXT, finish_reason TEXT,"
	"  error_kind TEXT, error_msg TEXT, http_status INTEGER," /* NULL error_kind = success */
	"  cached INTEGER NOT NULL DEFAULT 0,"
	"  latency_ms REAL, ttft_ms REAL,"
	"  tokens_in INTEGER, tokens_out INTEGER,"
	"  tokens_estimated INTEGER NOT NULL DEFAULT 0,"
	"  cost REAL,"                     /* USD; NULL when the price is unknown */
	"  expected TEXT, reference TEXT, label TEXT,"
	"  cache_key TEXT,"
	"  finished_at TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, model_idx, prompt_idx, case_idx, sample));"
	"CREATE TABLE response_cache ("
	"  key TEXT PRIMARY KEY,"          /* sha256(endpoint, model, messages, params, sample) */
	"  endpoint TEXT NOT NULL, model TEXT NOT NULL,"
	"  reported_model TEXT, output TEXT NOT NULL, finish_reason TEXT,"
	"  latency_ms REAL, ttft_ms REAL, tokens_in INTEGER, tokens_out INTEGER,"
	"  tokens_estimated INTEGER NOT NULL DEFAULT 0, cost REAL,"
	"  created_at TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE VIEW cell_details AS"
	"  SELECT c.*, p.name AS prompt_name, p.version AS prompt_version,"
	"         p.hash AS prompt_hash, d.vars AS vars, d.line AS case_line"
	"  FROM cells c"
	"  JOIN runs r ON r.id = c.run_id"
	"  JOIN run_prompts p ON p.run_id = c.run_id AND p.idx = c.prompt_idx"
	"  JOIN dataset_cases d ON d.dataset_hash = r.dataset_hash AND d.idx = c.case_idx;";

/* ---- scores, judge cache and scorecard indexes (report/) ----
 * One row per (cell, metric). value NULL means the scorer could not score the cell (a judge
 * that never gave a valid verdict): it counts as unscored, never as zero. Judge calls keep
 * their own cost so the scorecard reports it apart from the models' cost. The partial
 * indexes let the scorecard read latency and TTFT percentiles straight off an index. */
static const char report_scores_v1[] =
	"CREATE TABLE cell_scores ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL,"          /* 'accuracy', 'rougeL', 'judge' ... */
	"  model_idx INTEGER NOT NULL, prompt_idx INTEGER NOT NULL,"
	"  case_idx INTEGER NOT NULL, sample INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('proportion', 'mean')),"
	"  value REAL,"                    /* NULL: could not be scored */
	"  detail TEXT,"                   /* extracted label, judge explanation, error */
	"  judge_model TEXT, judge_cost REAL,"
	"  judge_cached INTEGER NOT NULL DEFAULT 0,"
	"  scored_at TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, metric, model_idx, prompt_idx, case_idx, sample)) WITHOUT ROWID;"
	"CREATE INDEX cells_latency ON cells(run_id, model_idx, latency_ms)"
	"  WHERE error_kind IS NULL;"
	"CREATE INDEX cells_ttft ON cells(run_id, model_idx, ttft_ms) WHERE error_kind IS NULL;"
	"CREATE TABLE judge_cache ("
	"  key TEXT PRIMARY KEY,"          /* sha256(judge model, prompt hash, rendered messages) */
	"  judge_model TEXT NOT NULL, verdict TEXT NOT NULL,"
	"  score REAL, weighted REAL, explanation TEXT,"
	"  tokens_in INTEGER, tokens_out INTEGER, cost REAL,"
	"  created_at TEXT NOT NULL) WITHOUT ROWID;";

const struct sl_migration sl_migrations[] = {
	{ "catalogue", catalog_v1 },
	{ "prompts and datasets", eval_prompts_v1 },
	{ "runs, cells and response cache", eval_runs_v1 },
	{ "scores and judge cache", report_scores_v1 },
};

const int sl_migration_count = (int)SL_ARRAY_LEN(sl_migrations);
