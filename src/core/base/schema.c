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

/* ---- scores, judge cache and scorecard statistics (report/) ----
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

/* What one new row adds to its statistics, shared by the migrations that made the insert
 * and update triggers and by the one that lets a bulk writer defer them. */
#define CELLS_STATS_ADD \
	"INSERT INTO cell_stats (run_id, model_idx, prompt_idx, n, n_err, n_cached, n_lat, " \
	"  n_ttft, n_cost, sum_lat, sum_cost, sum_tok, sum_gen_ms) " \
	"VALUES (NEW.run_id, NEW.model_idx, NEW.prompt_idx, 1, NEW.error_kind IS NOT NULL, " \
	"  NEW.cached != 0, NEW.error_kind IS NULL AND NEW.latency_ms IS NOT NULL, NEW.error_kind " \
	"  IS NULL AND NEW.ttft_ms IS NOT NULL, NEW.error_kind IS NULL AND NEW.cost IS NOT NULL, " \
	"  iif(NEW.error_kind IS NULL, COALESCE(NEW.latency_ms, 0), 0), iif(NEW.error_kind IS " \
	"  NULL, COALESCE(NEW.cost, 0), 0), iif(NEW.error_kind IS NULL AND NEW.tokens_out > 0 AND " \
	"  NEW.latency_ms > COALESCE(NEW.ttft_ms, 0), NEW.tokens_out, 0), iif(NEW.error_kind IS " \
	"  NULL AND NEW.tokens_out > 0 AND NEW.latency_ms > COALESCE(NEW.ttft_ms, 0), " \
	"  NEW.latency_ms - COALESCE(NEW.ttft_ms, 0), 0)) " \
	"ON CONFLICT DO UPDATE SET n = cell_stats.n + excluded.n, n_err = cell_stats.n_err + " \
	"  excluded.n_err, n_cached = cell_stats.n_cached + excluded.n_cached, n_lat = " \
	"  cell_stats.n_lat + excluded.n_lat, n_ttft = cell_stats.n_ttft + excluded.n_ttft, " \
	"  n_cost = cell_stats.n_cost + excluded.n_cost, sum_lat = cell_stats.sum_lat + " \
	"  excluded.sum_lat, sum_cost = cell_stats.sum_cost + excluded.sum_cost, sum_tok = " \
	"  cell_stats.sum_tok + excluded.sum_tok, sum_gen_ms = cell_stats.sum_gen_ms + " \
	"  excluded.sum_gen_ms; "
/* COLS, VALS and SETS add columns to the insert and its update (the range:
 * report_score_range_v1). */
#define SCORES_STATS_ADD_X(COLS, VALS, SETS) \
	"INSERT INTO score_stats (run_id, metric, model_idx, prompt_idx, kind, n, sum, sumsq, " \
	"  n_null, judge_n, judge_cost, judge_cost_unknown, judge_cached" COLS ") " \
	"VALUES (NEW.run_id, NEW.metric, NEW.model_idx, NEW.prompt_idx, NEW.kind, NEW.value IS " \
	"  NOT NULL, COALESCE(NEW.value, 0), COALESCE(NEW.value * NEW.value, 0), NEW.value IS " \
	"  NULL, NEW.judge_model IS NOT NULL, COALESCE(NEW.judge_cost, 0), NEW.judge_model IS NOT " \
	"  NULL AND NEW.judge_cost IS NULL, NEW.judge_model IS NOT NULL AND NEW.judge_cached != " \
	"  0" VALS ") " \
	"ON CONFLICT DO UPDATE SET n = score_stats.n + excluded.n, sum = score_stats.sum + " \
	"  excluded.sum, sumsq = score_stats.sumsq + excluded.sumsq, n_null = score_stats.n_null " \
	"  + excluded.n_null, judge_n = score_stats.judge_n + excluded.judge_n, judge_cost = " \
	"  score_stats.judge_cost + excluded.judge_cost, judge_cost_unknown = " \
	"  score_stats.judge_cost_unknown + excluded.judge_cost_unknown, judge_cached = " \
	"  score_stats.judge_cached + excluded.judge_cached" SETS "; "
#define SCORES_STATS_ADD SCORES_STATS_ADD_X("", "", "")

/* cell_stats and score_stats hold running counts and sums per (run, model, prompt), kept by
 * triggers, so the scorecard of a million cells reads a few hundred rows instead of scanning
 * them all. The BEFORE INSERT triggers take out the row an INSERT OR REPLACE is about to
 * replace: REPLACE does not fire DELETE triggers while recursive_triggers is off (SQLite's
 * default, which the store keeps). Split in parts to keep each string literal portable. */
static const char report_cell_stats_v1[] =
	"CREATE TABLE cell_stats ( "
	"run_id INTEGER NOT NULL, model_idx INTEGER NOT NULL, prompt_idx INTEGER NOT NULL, "
	"n INTEGER NOT NULL DEFAULT 0, n_err INTEGER NOT NULL DEFAULT 0, n_cached INTEGER NOT "
	"  NULL DEFAULT 0, n_lat INTEGER NOT NULL DEFAULT 0, n_ttft INTEGER NOT NULL DEFAULT 0, "
	"  n_cost INTEGER NOT NULL DEFAULT 0, sum_lat REAL NOT NULL DEFAULT 0, sum_cost REAL NOT "
	"  NULL DEFAULT 0, sum_tok REAL NOT NULL DEFAULT 0, sum_gen_ms REAL NOT NULL DEFAULT 0, "
	"PRIMARY KEY (run_id, model_idx, prompt_idx)) WITHOUT ROWID; "
	"CREATE TRIGGER cells_stats_insert AFTER INSERT ON cells BEGIN "
	CELLS_STATS_ADD
	"END; "
	"CREATE TRIGGER cells_stats_delete AFTER DELETE ON cells BEGIN "
	"UPDATE cell_stats SET n = cell_stats.n - (1), n_err = cell_stats.n_err - (OLD.error_kind "
	"  IS NOT NULL), n_cached = cell_stats.n_cached - (OLD.cached != 0), n_lat = "
	"  cell_stats.n_lat - (OLD.error_kind IS NULL AND OLD.latency_ms IS NOT NULL), n_ttft = "
	"  cell_stats.n_ttft - (OLD.error_kind IS NULL AND OLD.ttft_ms IS NOT NULL), n_cost = "
	"  cell_stats.n_cost - (OLD.error_kind IS NULL AND OLD.cost IS NOT NULL), sum_lat = "
	"  cell_stats.sum_lat - (iif(OLD.error_kind IS NULL, COALESCE(OLD.latency_ms, 0), 0)), "
	"  sum_cost = cell_stats.sum_cost - (iif(OLD.error_kind IS NULL, COALESCE(OLD.cost, 0), "
	"  0)), sum_tok = cell_stats.sum_tok - (iif(OLD.error_kind IS NULL AND OLD.tokens_out > 0 "
	"  AND OLD.latency_ms > COALESCE(OLD.ttft_ms, 0), OLD.tokens_out, 0)), sum_gen_ms = "
	"  cell_stats.sum_gen_ms - (iif(OLD.error_kind IS NULL AND OLD.tokens_out > 0 AND "
	"  OLD.latency_ms > COALESCE(OLD.ttft_ms, 0), OLD.latency_ms - COALESCE(OLD.ttft_ms, 0), "
	"  0)) "
	"WHERE cell_stats.run_id = OLD.run_id AND cell_stats.model_idx = OLD.model_idx AND "
	"  cell_stats.prompt_idx = OLD.prompt_idx; "
	"END; "
	"INSERT INTO cell_stats (run_id, model_idx, prompt_idx, n, n_err, n_cached, n_lat, "
	"  n_ttft, n_cost, sum_lat, sum_cost, sum_tok, sum_gen_ms) "
	"SELECT R.run_id, R.model_idx, R.prompt_idx, SUM(1), SUM(R.error_kind IS NOT NULL), "
	"  SUM(R.cached != 0), SUM(R.error_kind IS NULL AND R.latency_ms IS NOT NULL), "
	"  SUM(R.error_kind IS NULL AND R.ttft_ms IS NOT NULL), SUM(R.error_kind IS NULL AND "
	"  R.cost IS NOT NULL), SUM(iif(R.error_kind IS NULL, COALESCE(R.latency_ms, 0), 0)), "
	"  SUM(iif(R.error_kind IS NULL, COALESCE(R.cost, 0), 0)), SUM(iif(R.error_kind IS NULL "
	"  AND R.tokens_out > 0 AND R.latency_ms > COALESCE(R.ttft_ms, 0), R.tokens_out, 0)), "
	"  SUM(iif(R.error_kind IS NULL AND R.tokens_out > 0 AND R.latency_ms > "
	"  COALESCE(R.ttft_ms, 0), R.latency_ms - COALESCE(R.ttft_ms, 0), 0)) "
	"FROM cells R GROUP BY R.run_id, R.model_idx, R.prompt_idx;";

/* The bodies of the triggers that take out the row an INSERT OR REPLACE is about to
 * replace, shared by the migration that made them and the one that gated them. */
#define CELLS_STATS_REPLACE_BODY \
	"UPDATE cell_stats SET n = cell_stats.n - (1), n_err = cell_stats.n_err - (o.error_kind " \
	"  IS NOT NULL), n_cached = cell_stats.n_cached - (o.cached != 0), n_lat = " \
	"  cell_stats.n_lat - (o.error_kind IS NULL AND o.latency_ms IS NOT NULL), n_ttft = " \
	"  cell_stats.n_ttft - (o.error_kind IS NULL AND o.ttft_ms IS NOT NULL), n_cost = " \
	"  cell_stats.n_cost - (o.error_kind IS NULL AND o.cost IS NOT NULL), sum_lat = " \
	"  cell_stats.sum_lat - (iif(o.error_kind IS NULL, COALESCE(o.latency_ms, 0), 0)), " \
	"  sum_cost = cell_stats.sum_cost - (iif(o.error_kind IS NULL, COALESCE(o.cost, 0), 0)), " \
	"  sum_tok = cell_stats.sum_tok - (iif(o.error_kind IS NULL AND o.tokens_out > 0 AND " \
	"  o.latency_ms > COALESCE(o.ttft_ms, 0), o.tokens_out, 0)), sum_gen_ms = " \
	"  cell_stats.sum_gen_ms - (iif(o.error_kind IS NULL AND o.tokens_out > 0 AND " \
	"  o.latency_ms > COALESCE(o.ttft_ms, 0), o.latency_ms - COALESCE(o.ttft_ms, 0), 0)) " \
	"FROM (SELECT * FROM cells o WHERE o.run_id = NEW.run_id AND o.model_idx = NEW.model_idx " \
	"  AND o.prompt_idx = NEW.prompt_idx AND o.case_idx = NEW.case_idx AND o.sample = " \
	"  NEW.sample) AS o " \
	"WHERE cell_stats.run_id = o.run_id AND cell_stats.model_idx = o.model_idx AND " \
	"  cell_stats.prompt_idx = o.prompt_idx; "

/* What the row R takes out of its statistics; SETS adds columns, FROM the row's source. */
#define SCORES_STATS_SUB_X(R, SETS, FROM) \
	"UPDATE score_stats SET n = score_stats.n - (" R ".value IS NOT NULL), sum = " \
	"  score_stats.sum - (COALESCE(" R ".value, 0)), sumsq = score_stats.sumsq - " \
	"  (COALESCE(" R ".value * " R ".value, 0)), n_null = score_stats.n_null - (" R ".value " \
	"  IS NULL), judge_n = score_stats.judge_n - (" R ".judge_model IS NOT NULL), judge_cost " \
	"  = score_stats.judge_cost - (COALESCE(" R ".judge_cost, 0)), judge_cost_unknown = " \
	"  score_stats.judge_cost_unknown - (" R ".judge_model IS NOT NULL AND " R ".judge_cost " \
	"  IS NULL), judge_cached = score_stats.judge_cached - (" R ".judge_model IS NOT NULL " \
	"  AND " R ".judge_cached != 0)" SETS " " FROM \
	"WHERE score_stats.run_id = " R ".run_id AND score_stats.metric = " R ".metric AND " \
	"  score_stats.model_idx = " R ".model_idx AND score_stats.prompt_idx = " R ".prompt_idx " \
	"  AND score_stats.kind = " R ".kind; "
#define SCORES_STATS_SUB(R) SCORES_STATS_SUB_X(R, "", "")
#define SCORES_REPLACED_ROW \
	"FROM (SELECT * FROM cell_scores o WHERE o.run_id = NEW.run_id AND o.metric = NEW.metric " \
	"  AND o.model_idx = NEW.model_idx AND o.prompt_idx = NEW.prompt_idx AND o.case_idx = " \
	"  NEW.case_idx AND o.sample = NEW.sample) AS o "
#define SCORES_STATS_REPLACE_BODY SCORES_STATS_SUB_X("o", "", SCORES_REPLACED_ROW)

static const char report_cell_stats_v2[] =
	"CREATE TRIGGER cells_stats_update AFTER UPDATE ON cells BEGIN "
	"UPDATE cell_stats SET n = cell_stats.n - (1), n_err = cell_stats.n_err - (OLD.error_kind "
	"  IS NOT NULL), n_cached = cell_stats.n_cached - (OLD.cached != 0), n_lat = "
	"  cell_stats.n_lat - (OLD.error_kind IS NULL AND OLD.latency_ms IS NOT NULL), n_ttft = "
	"  cell_stats.n_ttft - (OLD.error_kind IS NULL AND OLD.ttft_ms IS NOT NULL), n_cost = "
	"  cell_stats.n_cost - (OLD.error_kind IS NULL AND OLD.cost IS NOT NULL), sum_lat = "
	"  cell_stats.sum_lat - (iif(OLD.error_kind IS NULL, COALESCE(OLD.latency_ms, 0), 0)), "
	"  sum_cost = cell_stats.sum_cost - (iif(OLD.error_kind IS NULL, COALESCE(OLD.cost, 0), "
	"  0)), sum_tok = cell_stats.sum_tok - (iif(OLD.error_kind IS NULL AND OLD.tokens_out > 0 "
	"  AND OLD.latency_ms > COALESCE(OLD.ttft_ms, 0), OLD.tokens_out, 0)), sum_gen_ms = "
	"  cell_stats.sum_gen_ms - (iif(OLD.error_kind IS NULL AND OLD.tokens_out > 0 AND "
	"  OLD.latency_ms > COALESCE(OLD.ttft_ms, 0), OLD.latency_ms - COALESCE(OLD.ttft_ms, 0), "
	"  0)) "
	"WHERE cell_stats.run_id = OLD.run_id AND cell_stats.model_idx = OLD.model_idx AND "
	"  cell_stats.prompt_idx = OLD.prompt_idx; "
	CELLS_STATS_ADD
	"END; "
	"CREATE TRIGGER cells_stats_replace BEFORE INSERT ON cells BEGIN "
	CELLS_STATS_REPLACE_BODY
	"END; "
	"CREATE TRIGGER runs_stats_delete AFTER DELETE ON runs BEGIN "
	"DELETE FROM cell_stats WHERE run_id = OLD.id; "
	"DELETE FROM score_stats WHERE run_id = OLD.id; "
	"END;";

static const char report_score_stats_v1[] =
	"CREATE TABLE score_stats ( "
	"run_id INTEGER NOT NULL, metric TEXT NOT NULL, model_idx INTEGER NOT NULL, "
	"prompt_idx INTEGER NOT NULL, kind TEXT NOT NULL, "
	"n INTEGER NOT NULL DEFAULT 0, sum REAL NOT NULL DEFAULT 0, sumsq REAL NOT NULL DEFAULT "
	"  0, n_null INTEGER NOT NULL DEFAULT 0, judge_n INTEGER NOT NULL DEFAULT 0, judge_cost "
	"  REAL NOT NULL DEFAULT 0, judge_cost_unknown INTEGER NOT NULL DEFAULT 0, judge_cached "
	"  INTEGER NOT NULL DEFAULT 0, "
	"PRIMARY KEY (run_id, metric, model_idx, prompt_idx)) WITHOUT ROWID; "
	"CREATE TRIGGER cell_scores_stats_insert AFTER INSERT ON cell_scores BEGIN "
	SCORES_STATS_ADD
	"END; "
	"CREATE TRIGGER cell_scores_stats_delete AFTER DELETE ON cell_scores BEGIN "
	SCORES_STATS_SUB("OLD")
	"END; "
	"INSERT INTO score_stats (run_id, metric, model_idx, prompt_idx, kind, n, sum, sumsq, "
	"  n_null, judge_n, judge_cost, judge_cost_unknown, judge_cached) "
	"SELECT R.run_id, R.metric, R.model_idx, R.prompt_idx, R.kind, SUM(R.value IS NOT NULL), "
	"  SUM(COALESCE(R.value, 0)), SUM(COALESCE(R.value * R.value, 0)), SUM(R.value IS NULL), "
	"  SUM(R.judge_model IS NOT NULL), SUM(COALESCE(R.judge_cost, 0)), SUM(R.judge_model IS "
	"  NOT NULL AND R.judge_cost IS NULL), SUM(R.judge_model IS NOT NULL AND R.judge_cached "
	"  != 0) "
	"FROM cell_scores R GROUP BY R.run_id, R.metric, R.model_idx, R.prompt_idx, R.kind;";

static const char report_score_stats_v2[] =
	"CREATE TRIGGER cell_scores_stats_update AFTER UPDATE ON cell_scores BEGIN "
	SCORES_STATS_SUB("OLD")
	SCORES_STATS_ADD
	"END; "
	"CREATE TRIGGER cell_scores_stats_replace BEFORE INSERT ON cell_scores BEGIN "
	SCORES_STATS_REPLACE_BODY
	"END;";

/* Which metrics of a run have been scored, against how many successful cells: scoring again
 * is needed only when that number changes (a resumed run), so reports stay free. */
static const char report_score_marks_v1[] =
	"CREATE TABLE score_marks ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL, ok_cells INTEGER NOT NULL, scored_at TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, metric)) WITHOUT ROWID;";

/* ---- human ratings and pairwise votes (score/) ----
 * Ratings are keyed to cells of the runs schema. One rating per (cell, rater): rating
 * again replaces it. A pairwise vote keeps both cells in the order they were SHOWN (left
 * first) and the vote by position, so position bias can be measured; order_seed is the
 * seed that chose the order (NULL when the order came from an imported file). */
static const char score_ratings_v1[] =
	"CREATE TABLE ratings ("
	"  run_id INTEGER NOT NULL, model_idx INTEGER NOT NULL, prompt_idx INTEGER NOT NULL,"
	"  case_idx INTEGER NOT NULL, sample INTEGER NOT NULL,"
	"  rater TEXT NOT NULL,"
	"  score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),"
	"  comment TEXT,"
	"  rated_at TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, model_idx, prompt_idx, case_idx, sample, rater),"
	"  FOREIGN KEY (run_id, model_idx, prompt_idx, case_idx, sample)"
	"    REFERENCES cells(run_id, model_idx, prompt_idx, case_idx, sample) ON DELETE CASCADE);"
	"CREATE INDEX ratings_rater ON ratings(run_id, rater);"
	"CREATE TABLE pairwise_votes ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL,"
	"  left_model_idx INTEGER NOT NULL, left_prompt_idx INTEGER NOT NULL,"
	"  left_case_idx INTEGER NOT NULL, left_sample INTEGER NOT NULL,"
	"  right_model_idx INTEGER NOT NULL, right_prompt_idx INTEGER NOT NULL,"
	"  right_case_idx INTEGER NOT NULL, right_sample INTEGER NOT NULL,"
	"  rater TEXT NOT NULL,"
	"  vote TEXT NOT NULL CHECK (vote IN ('left', 'right', 'tie')),"
	"  order_seed INTEGER,"
	"  comment TEXT,"
	"  voted_at TEXT NOT NULL,"
	"  UNIQUE (run_id, left_model_idx, left_prompt_idx, left_case_idx, left_sample,"
	"          right_model_idx, right_prompt_idx, right_case_idx, right_sample, rater),"
	"  FOREIGN KEY (run_id, left_model_idx, left_prompt_idx, left_case_idx, left_sample)"
	"    REFERENCES cells(run_id, model_idx, prompt_idx, case_idx, sample) ON DELETE CASCADE,"
	"  FOREIGN KEY (run_id, right_model_idx, right_prompt_idx, right_case_idx, right_sample)"
	"    REFERENCES cells(run_id, model_idx, prompt_idx, case_idx, sample) ON DELETE CASCADE);"
	"CREATE INDEX pairwise_votes_run ON pairwise_votes(run_id, rater);";

/* The replace triggers ran their UPDATE ... FROM (subquery) for every insert, building a
 * temporary table each time: 80k instructions per score row, a third of a run's CPU. Almost
 * every insert is new (scores are cleared before scoring, cells written once), so run them
 * only when a row is really replaced. */
static const char report_stats_replace_v3[] =
	"DROP TRIGGER cells_stats_replace; "
	"CREATE TRIGGER cells_stats_replace BEFORE INSERT ON cells WHEN EXISTS (SELECT 1 FROM "
	"  cells x WHERE x.run_id = NEW.run_id AND x.model_idx = NEW.model_idx AND x.prompt_idx "
	"  = NEW.prompt_idx AND x.case_idx = NEW.case_idx AND x.sample = NEW.sample) BEGIN "
	CELLS_STATS_REPLACE_BODY
	"END; "
	"DROP TRIGGER cell_scores_stats_replace; "
	"CREATE TRIGGER cell_scores_stats_replace BEFORE INSERT ON cell_scores WHEN EXISTS (SELECT "
	"  1 FROM cell_scores x WHERE x.run_id = NEW.run_id AND x.metric = NEW.metric AND "
	"  x.model_idx = NEW.model_idx AND x.prompt_idx = NEW.prompt_idx AND x.case_idx = "
	"  NEW.case_idx AND x.sample = NEW.sample) BEGIN "
	SCORES_STATS_REPLACE_BODY
	"END;";

/* Who is running a run: the process (pid on host) and when it last said it was alive
 * (heartbeat, Unix ms). A 'running' run whose owner is gone is shown as interrupted, and
 * only one process at a time may resume a run (the owner fields are its lease). */
static const char eval_run_owner_v1[] =
	"ALTER TABLE runs ADD COLUMN owner_pid INTEGER;"
	"ALTER TABLE runs ADD COLUMN owner_host TEXT;"
	"ALTER TABLE runs ADD COLUMN heartbeat_ms INTEGER;";

/* What `runs list` and `runs show` add up besides cell_stats: the cost of failed cells
 * (they may have used tokens) and of cached cells (not spent by this run), and which model
 * ids each model's API reported (with a count, so a replaced cell takes its id out). The
 * triggers fire only for the rows that carry such a value, so a plain insert pays one
 * upsert into cell_reported. */
#define CELLS_EXTRA_ADD(R) \
	"INSERT INTO cell_stats (run_id, model_idx, prompt_idx, cost_err, cost_cached) SELECT " \
	"  " R ".run_id, " R ".model_idx, " R ".prompt_idx, iif(" R ".error_kind IS NOT NULL, " \
	"  " R ".cost, 0), iif(" R ".cached != 0, " R ".cost, 0) WHERE " R ".cost IS NOT NULL " \
	"  AND (" R ".error_kind IS NOT NULL OR " R ".cached != 0) " \
	"ON CONFLICT DO UPDATE SET cost_err = cell_stats.cost_err + excluded.cost_err, " \
	"  cost_cached = cell_stats.cost_cached + excluded.cost_cached; " \
	"INSERT INTO cell_reported (run_id, model_idx, reported_model, n) SELECT " R ".run_id, " \
	"  " R ".model_idx, " R ".reported_model, 1 WHERE " R ".reported_model IS NOT NULL " \
	"ON CONFLICT DO UPDATE SET n = cell_reported.n + 1; "
#define CELLS_EXTRA_SUB(R) \
	"UPDATE cell_stats SET cost_err = cost_err - iif(" R ".error_kind IS NOT NULL, " \
	"  COALESCE(" R ".cost, 0), 0), cost_cached = cost_cached - iif(" R ".cached != 0, " \
	"  COALESCE(" R ".cost, 0), 0) WHERE run_id = " R ".run_id AND model_idx = " \
	"  " R ".model_idx AND prompt_idx = " R ".prompt_idx; " \
	"UPDATE cell_reported SET n = n - 1 WHERE run_id = " R ".run_id AND model_idx = " \
	"  " R ".model_idx AND reported_model = " R ".reported_model; "
#define CELLS_EXTRA_WHEN(R) \
	"(" R ".reported_model IS NOT NULL OR (" R ".cost IS NOT NULL AND (" R ".error_kind IS " \
	"  NOT NULL OR " R ".cached != 0)))"
#define CELLS_REPLACED \
	"EXISTS (SELECT 1 FROM cells x WHERE x.run_id = NEW.run_id AND x.model_idx = " \
	"  NEW.model_idx AND x.prompt_idx = NEW.prompt_idx AND x.case_idx = NEW.case_idx AND " \
	"  x.sample = NEW.sample)"
static const char report_run_totals_v1[] =
	"ALTER TABLE cell_stats ADD COLUMN cost_err REAL NOT NULL DEFAULT 0; "
	"ALTER TABLE cell_stats ADD COLUMN cost_cached REAL NOT NULL DEFAULT 0; "
	"UPDATE cell_stats SET cost_err = (SELECT TOTAL(c.cost) FROM cells c WHERE c.run_id = "
	"  cell_stats.run_id AND c.model_idx = cell_stats.model_idx AND c.prompt_idx = "
	"  cell_stats.prompt_idx AND c.error_kind IS NOT NULL), cost_cached = (SELECT "
	"  TOTAL(c.cost) FROM cells c WHERE c.run_id = cell_stats.run_id AND c.model_idx = "
	"  cell_stats.model_idx AND c.prompt_idx = cell_stats.prompt_idx AND c.cached != 0); "
	"CREATE TABLE cell_reported (run_id INTEGER NOT NULL, model_idx INTEGER NOT NULL, "
	"  reported_model TEXT NOT NULL, n INTEGER NOT NULL, "
	"  PRIMARY KEY (run_id, model_idx, reported_model)) WITHOUT ROWID; "
	"INSERT INTO cell_reported SELECT run_id, model_idx, reported_model, COUNT(*) FROM cells "
	"  WHERE reported_model IS NOT NULL GROUP BY 1, 2, 3; "
	"CREATE TRIGGER runs_reported_delete AFTER DELETE ON runs BEGIN "
	"DELETE FROM cell_reported WHERE run_id = OLD.id; END;";
static const char report_run_totals_v2[] =
	"CREATE TRIGGER cells_extra_insert AFTER INSERT ON cells WHEN " CELLS_EXTRA_WHEN("NEW")
	" BEGIN " CELLS_EXTRA_ADD("NEW") "END; "
	"CREATE TRIGGER cells_extra_delete AFTER DELETE ON cells WHEN " CELLS_EXTRA_WHEN("OLD")
	" BEGIN " CELLS_EXTRA_SUB("OLD") "END; "
	"CREATE TRIGGER cells_extra_update AFTER UPDATE ON cells WHEN " CELLS_EXTRA_WHEN("OLD")
	" OR " CELLS_EXTRA_WHEN("NEW") " BEGIN " CELLS_EXTRA_SUB("OLD") CELLS_EXTRA_ADD("NEW")
	"END;";
#define CELLS_EXTRA_REPLACE_BODY \
	"UPDATE cell_stats SET cost_err = cost_err - iif(o.error_kind IS NOT NULL, " \
	"  COALESCE(o.cost, 0), 0), cost_cached = cost_cached - iif(o.cached != 0, " \
	"  COALESCE(o.cost, 0), 0) FROM (SELECT * FROM cells o WHERE o.run_id = NEW.run_id AND " \
	"  o.model_idx = NEW.model_idx AND o.prompt_idx = NEW.prompt_idx AND o.case_idx = " \
	"  NEW.case_idx AND o.sample = NEW.sample) AS o WHERE cell_stats.run_id = o.run_id AND " \
	"  cell_stats.model_idx = o.model_idx AND cell_stats.prompt_idx = o.prompt_idx; " \
	"UPDATE cell_reported SET n = cell_reported.n - 1 FROM (SELECT * FROM cells o WHERE " \
	"  o.run_id = NEW.run_id AND o.model_idx = NEW.model_idx AND o.prompt_idx = " \
	"  NEW.prompt_idx AND o.case_idx = NEW.case_idx AND o.sample = NEW.sample) AS o WHERE " \
	"  cell_reported.run_id = o.run_id AND cell_reported.model_idx = o.model_idx AND " \
	"  cell_reported.reported_model = o.reported_model; "
static const char report_run_totals_v3[] =
	/* REPLACE fires no DELETE trigger: take the replaced row out first */
	"CREATE TRIGGER cells_extra_replace BEFORE INSERT ON cells WHEN " CELLS_REPLACED " BEGIN "
	CELLS_EXTRA_REPLACE_BODY
	"END;";

/* Bootstrap intervals of the scorecard, kept by the first build that computed them and
 * valid while the metric's n, sum and sum of squares (score_stats) are unchanged. */
static const char report_score_intervals_v1[] =
	"CREATE TABLE score_intervals ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL, model_idx INTEGER NOT NULL, prompt_idx INTEGER NOT NULL,"
	"  n INTEGER NOT NULL, sum REAL NOT NULL, sumsq REAL NOT NULL, resamples INTEGER NOT NULL,"
	"  lo REAL, hi REAL,"
	"  PRIMARY KEY (run_id, metric, model_idx, prompt_idx)) WITHOUT ROWID;";

/* Promotion records (report/promotions.c): who put which model and prompt version live at
 * a stage, on which run and evidence. Append-only: history is never rewritten, and a run
 * that carries a promotion cannot be deleted (no ON DELETE). */
static const char report_promotions_v1[] =
	"CREATE TABLE promotions ("
	"  id INTEGER PRIMARY KEY,"
	"  stage TEXT NOT NULL CHECK (stage IN ('pre-prod', 'prod')),"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  model TEXT NOT NULL,"           /* as the run requested it */
	"  prompt_name TEXT NOT NULL, prompt_version INTEGER NOT NULL, prompt_hash TEXT,"
	"  user TEXT NOT NULL, note TEXT,"
	"  forced INTEGER NOT NULL DEFAULT 0, reason TEXT,"
	"  gates_checked INTEGER NOT NULL, gates_failed INTEGER NOT NULL,"
	"  evidence TEXT NOT NULL,"        /* JSON: run status, gate checks, scorecard row */
	"  promoted_at TEXT NOT NULL);"
	"CREATE INDEX promotions_stage ON promotions(stage, id);"
	"CREATE TRIGGER promotions_no_update BEFORE UPDATE ON promotions BEGIN"
	"  SELECT RAISE(ABORT, 'promotion records are history: promote again instead'); END;"
	"CREATE TRIGGER promotions_no_delete BEFORE DELETE ON promotions BEGIN"
	"  SELECT RAISE(ABORT, 'promotion records are history: promote again instead'); END;";

/* Provider batch jobs of a run (eval/batcher.c, include/shortlist/batch.h): one row per batch
 * handed to a provider's batch API, written before anything is sent and updated at each step,
 * so `runs poll`, `run --resume` and `runs cancel` find it after the process is gone. A batch
 * covers the cells of one model from first_cell to last_cell (grid indexes of the run, model-
 * major); its requests carry custom_id "m-p-c-s" (sl_batch_custom_id). Never a credential:
 * remote ids, file ids and object URIs only. */
static const char eval_run_batches_v1[] =
	"CREATE TABLE run_batches ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  model_idx INTEGER NOT NULL,"
	"  protocol TEXT NOT NULL,"        /* the batch protocol: 'openai', 'anthropic', 'bedrock' */
	"  provider TEXT NOT NULL,"        /* the configured provider name */
	"  first_cell INTEGER NOT NULL, last_cell INTEGER NOT NULL,"
	"  n_requests INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('preparing', 'uploaded', 'submitted',"
	"    'cancelling', 'collecting', 'done', 'failed', 'expired', 'cancelled')),"
	"  remote_id TEXT,"                /* the API's batch / job id */
	"  input_ref TEXT,"                /* uploaded input: file id, object URI */
	"  output_ref TEXT, error_ref TEXT," /* where results are: file ids, URL, object URI */
	"  api_status TEXT,"               /* the API's own status word, as last seen */
	"  message TEXT,"                  /* the API's reason when it failed or expired */
	"  n_ok INTEGER NOT NULL DEFAULT 0, n_failed INTEGER NOT NULL DEFAULT 0,"
	"  n_malformed INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL, submitted_at TEXT, expires_at TEXT, ended_at TEXT);"
	"CREATE INDEX run_batches_run ON run_batches(run_id, state);";

/* Prompt lineage and version tags (eval/prompts.c): parent is the version an edit started
 * from (NULL for versions added from a file or imported), so a version edited from @1
 * while @3 exists says so. Versions are immutable (the triggers above), so tags on one
 * version ("prod", "candidate") live in their own table; the prompt's tags stay on prompts. */
static const char eval_prompt_lineage_v1[] =
	"ALTER TABLE prompt_versions ADD COLUMN parent INTEGER;"
	"CREATE TABLE prompt_version_tags ("
	"  name TEXT NOT NULL, version INTEGER NOT NULL, tag TEXT NOT NULL,"
	"  PRIMARY KEY (name, version, tag),"
	"  FOREIGN KEY (name, version) REFERENCES prompt_versions(name, version)) WITHOUT ROWID;";

/* A run's identity across stores (report/bundle.c): a bundle imported twice, or into the
 * store it came from, is recognised by it. Runs get one when inserted without one. */
static const char eval_run_uid_v1[] =
	"ALTER TABLE runs ADD COLUMN uid TEXT;"
	"UPDATE runs SET uid = lower(hex(randomblob(16)));"
	"CREATE UNIQUE INDEX runs_uid ON runs(uid);"
	"CREATE TRIGGER runs_uid_default AFTER INSERT ON runs WHEN NEW.uid IS NULL BEGIN"
	"  UPDATE runs SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id; END;";

/* Embedding vectors by model and text (report/score_run.c): a rescored run, or the same
 * reference in another run, needs no new request. */
static const char report_embedding_cache_v1[] =
	"CREATE TABLE embedding_cache ("
	"  key TEXT PRIMARY KEY,"          /* sha256(model, NUL, text) */
	"  model TEXT NOT NULL, dim INTEGER NOT NULL,"
	"  vector BLOB NOT NULL,"          /* dim float32 in host order */
	"  created_at TEXT NOT NULL) WITHOUT ROWID;";

/* Latency and TTFT percentiles of a scorecard row (prompt_idx -1: the model's row), kept by
 * the first build that walked the indexes for them (a p50 of 333k cells walks half the
 * index: tens of ms). Valid while the row's n_lat, sum_lat, n_ttft and sum_gen_ms in
 * cell_stats are those they were computed from, so any new, replaced or deleted cell with
 * a latency makes them stale. Seconds; NULL when the row has none. The partial index finds
 * a run's failed cells (the Run screen's latest errors, Compare's f) without a walk of
 * every cell; it costs a write only for a failed cell. */
static const char report_percentiles_v1[] =
	"CREATE TABLE cell_percentiles ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  model_idx INTEGER NOT NULL, prompt_idx INTEGER NOT NULL,"
	"  n_lat INTEGER NOT NULL, sum_lat REAL NOT NULL, n_ttft INTEGER NOT NULL,"
	"  sum_gen_ms REAL NOT NULL,"
	"  lat_min REAL, lat_p50 REAL, lat_p95 REAL, lat_p99 REAL, lat_max REAL,"
	"  ttft_min REAL, ttft_p50 REAL, ttft_p95 REAL, ttft_p99 REAL, ttft_max REAL,"
	"  PRIMARY KEY (run_id, model_idx, prompt_idx)) WITHOUT ROWID;"
	"CREATE INDEX cells_failed ON cells(run_id, model_idx, prompt_idx, case_idx, sample)"
	"  WHERE error_kind IS NOT NULL;";

/* Bulk writers (the runner's commits, scoring's pages; shortlist/stats_batch.h) add up their
 * rows' statistics in memory and write one UPSERT per group at the end of the transaction,
 * instead of one per row here (most of a committed cell's SQLite CPU). While its
 * transaction is open such a writer sets stats_deferred.deferred to 1, and clears it before
 * COMMIT: no other connection ever sees it set, so every other write (the sqlite3 shell, a
 * deleted run) keeps its triggers (a bundle import copies the statistics with its rows, the
 * triggers set aside inside its transaction: bundle.c). Update and delete triggers are never
 * deferred; the replace triggers are from v3 on. A missing row reads as NULL: triggers on.
 * The insert triggers of cells are one trigger now, so a deferred insert pays one check. */
#define STATS_NOT_DEFERRED "(SELECT deferred FROM stats_deferred) IS NOT 1"
#define SCORES_REPLACED \
	"EXISTS (SELECT 1 FROM cell_scores x WHERE x.run_id = NEW.run_id AND x.metric = " \
	"  NEW.metric AND x.model_idx = NEW.model_idx AND x.prompt_idx = NEW.prompt_idx AND " \
	"  x.case_idx = NEW.case_idx AND x.sample = NEW.sample)"
static const char report_stats_deferred_v1[] =
	"CREATE TABLE stats_deferred (deferred INTEGER NOT NULL); "
	"INSERT INTO stats_deferred VALUES (0); "
	"DROP TRIGGER cells_stats_insert; "
	"DROP TRIGGER cells_extra_insert; "
	"CREATE TRIGGER cells_stats_insert AFTER INSERT ON cells WHEN " STATS_NOT_DEFERRED
	" BEGIN " CELLS_STATS_ADD CELLS_EXTRA_ADD("NEW") "END;";
static const char report_stats_deferred_v2[] =
	"DROP TRIGGER cell_scores_stats_insert; "
	"CREATE TRIGGER cell_scores_stats_insert AFTER INSERT ON cell_scores WHEN "
	STATS_NOT_DEFERRED " BEGIN " SCORES_STATS_ADD "END;";
/* The replace triggers' probe for an existing row cost more than the rest of a deferred
 * insert's triggers (about 9k instructions per score row, two probes per cell): deferred
 * too. A bulk writer inserts with ON CONFLICT DO NOTHING, and a row that was there it writes
 * again with INSERT OR REPLACE with the triggers on (sl_stats_batch_replace). The replace
 * triggers of cells are one trigger now: one probe. */
static const char report_stats_deferred_v3[] =
	"DROP TRIGGER cells_stats_replace; "
	"DROP TRIGGER cells_extra_replace; "
	"CREATE TRIGGER cells_stats_replace BEFORE INSERT ON cells WHEN " STATS_NOT_DEFERRED
	" AND " CELLS_REPLACED " BEGIN " CELLS_STATS_REPLACE_BODY CELLS_EXTRA_REPLACE_BODY "END;";
static const char report_stats_deferred_v4[] =
	"DROP TRIGGER cell_scores_stats_replace; "
	"CREATE TRIGGER cell_scores_stats_replace BEFORE INSERT ON cell_scores WHEN "
	STATS_NOT_DEFERRED " AND " SCORES_REPLACED " BEGIN " SCORES_STATS_REPLACE_BODY "END;";

/* The range of a metric's scores per row (vmin, vmax), so the scorecard keeps a large
 * row's interval inside the values it saw (sl_stats_bounded_mean) without reading them. A
 * new score widens the range; a deleted or replaced score at an end of it makes that end
 * NULL, "not known" (finding the next one would read the row's every score, and clearing a
 * run's scores deletes every one: O(n^2)), unless the replacing value is as far out; the
 * next scorecard build finds it again with one query (sl_scorecard_build). An empty row
 * (n = 0) takes the range of what comes next. A bulk writer keeps the same range
 * (stats_batch.c). */
#define SCORES_RANGE_ADD \
	", vmin = CASE WHEN excluded.n = 0 THEN score_stats.vmin WHEN score_stats.n = 0 THEN " \
	"  excluded.vmin ELSE min(score_stats.vmin, excluded.vmin) END, vmax = CASE WHEN " \
	"  excluded.n = 0 THEN score_stats.vmax WHEN score_stats.n = 0 THEN excluded.vmax ELSE " \
	"  max(score_stats.vmax, excluded.vmax) END"
/* R leaves the row and NEWV (a value or NULL) joins it in the same statement */
#define SCORES_RANGE_SUB(R, NEWV) \
	", vmin = iif(" R ".value IS NULL OR " R ".value > score_stats.vmin OR " NEWV " <= " \
	R ".value, score_stats.vmin, NULL), vmax = iif(" R ".value IS NULL OR " R ".value < " \
	"  score_stats.vmax OR " NEWV " >= " R ".value, score_stats.vmax, NULL)"
#define SCORES_SAME_ROW \
	"iif(NEW.run_id = OLD.run_id AND NEW.metric = OLD.metric AND NEW.model_idx = " \
	"  OLD.model_idx AND NEW.prompt_idx = OLD.prompt_idx AND NEW.kind = OLD.kind, NEW.value, " \
	"  NULL)"
#define SCORES_STATS_ADD_RANGE SCORES_STATS_ADD_X(", vmin, vmax", ", NEW.value, NEW.value", \
						  SCORES_RANGE_ADD)
static const char report_score_range_v1[] =
	"ALTER TABLE score_stats ADD COLUMN vmin REAL; "
	"ALTER TABLE score_stats ADD COLUMN vmax REAL; "
	"UPDATE score_stats SET (vmin, vmax) = (SELECT MIN(c.value), MAX(c.value) FROM "
	"  cell_scores c WHERE c.run_id = score_stats.run_id AND c.metric = score_stats.metric "
	"  AND c.model_idx = score_stats.model_idx AND c.prompt_idx = score_stats.prompt_idx); "
	"DROP TRIGGER cell_scores_stats_insert; "
	"CREATE TRIGGER cell_scores_stats_insert AFTER INSERT ON cell_scores WHEN "
	STATS_NOT_DEFERRED " BEGIN " SCORES_STATS_ADD_RANGE "END;";
static const char report_score_range_v2[] =
	"DROP TRIGGER cell_scores_stats_delete; "
	"CREATE TRIGGER cell_scores_stats_delete AFTER DELETE ON cell_scores BEGIN "
	SCORES_STATS_SUB_X("OLD", SCORES_RANGE_SUB("OLD", "NULL"), "") "END; "
	"DROP TRIGGER cell_scores_stats_update; "
	"CREATE TRIGGER cell_scores_stats_update AFTER UPDATE ON cell_scores BEGIN "
	SCORES_STATS_SUB_X("OLD", SCORES_RANGE_SUB("OLD", SCORES_SAME_ROW), "")
	SCORES_STATS_ADD_RANGE "END;";
static const char report_score_range_v3[] =
	"DROP TRIGGER cell_scores_stats_replace; "
	"CREATE TRIGGER cell_scores_stats_replace BEFORE INSERT ON cell_scores WHEN "
	STATS_NOT_DEFERRED " AND " SCORES_REPLACED " BEGIN "
	SCORES_STATS_SUB_X("o", SCORES_RANGE_SUB("o", "NEW.value"), SCORES_REPLACED_ROW) "END;";

/* The response cache keyed by SHA-256: a random key puts every insert and every lookup on a
 * random page, and with the answers in the key's B-tree (WITHOUT ROWID) that tree was the
 * size of every answer ever cached (56 MB after a 300k-cell run), far beyond the page
 * cache: each cell read a page from disk and wrote one back, and the run got slower as the
 * store grew. The answers now go in rowid order (appended) and only an index on the key's
 * first 8 hex digits is random: about 18 bytes an answer, so a million fit in the page
 * cache. The key is not unique in SQL: the runner checks for it in the same write. */
static const char eval_response_cache_v2[] =
	"CREATE TABLE response_cache_v2 ("
	"  key TEXT NOT NULL,"             /* sha256(endpoint, model, messages, params, sample) */
	"  endpoint TEXT NOT NULL, model TEXT NOT NULL,"
	"  reported_model TEXT, output TEXT NOT NULL, finish_reason TEXT,"
	"  latency_ms REAL, ttft_ms REAL, tokens_in INTEGER, tokens_out INTEGER,"
	"  tokens_estimated INTEGER NOT NULL DEFAULT 0, cost REAL,"
	"  created_at TEXT NOT NULL);"
	"INSERT INTO response_cache_v2 SELECT * FROM response_cache ORDER BY created_at;"
	"DROP TABLE response_cache;"
	"ALTER TABLE response_cache_v2 RENAME TO response_cache;"
	"CREATE INDEX response_cache_key ON response_cache(substr(key, 1, 8));";

/* The price an answer in the response cache was charged at, as a share of the list price
 * (1 interactive, the protocol's price_factor for a batch answer), so that a hit is priced
 * as the cell that takes it will be charged. Until now only batch answers were stored
 * without a latency (never measured), at the batch discount of every batch protocol: 0.5. */
static const char eval_response_cache_price_v1[] =
	"ALTER TABLE response_cache ADD COLUMN price_factor REAL NOT NULL DEFAULT 1;"
	"UPDATE response_cache SET price_factor = 0.5 WHERE latency_ms IS NULL;";

/* The output tokens of every successful cell, which `shortlist run`'s summary gives per model
 * and prompt: sum_tok counts only the cells with a generation time (latency after the first
 * token), so tok_rest holds the others' (batch answers have no latency) and sum_tok +
 * tok_rest is the total, read from a few rows instead of every cell. Only a row with such
 * tokens pays a trigger step; the insert and replace triggers take it in their one body, so
 * a deferred insert still pays one check. */
#define TOK_REST(R) \
	"(" R ".error_kind IS NULL AND " R ".tokens_out > 0 AND (" R ".latency_ms > " \
	"  COALESCE(" R ".ttft_ms, 0)) IS NOT 1)"
#define CELLS_TOK_ADD(R) \
	"INSERT INTO cell_stats (run_id, model_idx, prompt_idx, tok_rest) SELECT " R ".run_id, " \
	"  " R ".model_idx, " R ".prompt_idx, " R ".tokens_out WHERE " TOK_REST(R) " " \
	"ON CONFLICT DO UPDATE SET tok_rest = cell_stats.tok_rest + excluded.tok_rest; "
#define CELLS_TOK_SUB(R) \
	"UPDATE cell_stats SET tok_rest = tok_rest - " R ".tokens_out WHERE " TOK_REST(R) \
	"  AND run_id = " R ".run_id AND model_idx = " R ".model_idx AND prompt_idx = " \
	"  " R ".prompt_idx; "
static const char report_tok_rest_v1[] =
	"ALTER TABLE cell_stats ADD COLUMN tok_rest REAL NOT NULL DEFAULT 0; "
	"UPDATE cell_stats SET tok_rest = (SELECT TOTAL(c.tokens_out) FROM cells c WHERE "
	"  c.run_id = cell_stats.run_id AND c.model_idx = cell_stats.model_idx AND c.prompt_idx "
	"  = cell_stats.prompt_idx AND " TOK_REST("c") "); "
	"DROP TRIGGER cells_stats_insert; "
	"CREATE TRIGGER cells_stats_insert AFTER INSERT ON cells WHEN " STATS_NOT_DEFERRED
	" BEGIN " CELLS_STATS_ADD CELLS_EXTRA_ADD("NEW") CELLS_TOK_ADD("NEW") "END;";
static const char report_tok_rest_v2[] =
	"DROP TRIGGER cells_stats_replace; "
	"CREATE TRIGGER cells_stats_replace BEFORE INSERT ON cells WHEN " STATS_NOT_DEFERRED
	" AND " CELLS_REPLACED " BEGIN " CELLS_STATS_REPLACE_BODY CELLS_EXTRA_REPLACE_BODY
	"UPDATE cell_stats SET tok_rest = tok_rest - o.tokens_out FROM (SELECT * FROM cells o "
	"  WHERE o.run_id = NEW.run_id AND o.model_idx = NEW.model_idx AND o.prompt_idx = "
	"  NEW.prompt_idx AND o.case_idx = NEW.case_idx AND o.sample = NEW.sample) AS o WHERE "
	"  " TOK_REST("o") " AND cell_stats.run_id = o.run_id AND cell_stats.model_idx = "
	"  o.model_idx AND cell_stats.prompt_idx = o.prompt_idx; "
	"END;";
static const char report_tok_rest_v3[] =
	"CREATE TRIGGER cells_tok_delete AFTER DELETE ON cells WHEN " TOK_REST("OLD")
	" BEGIN " CELLS_TOK_SUB("OLD") "END; "
	"CREATE TRIGGER cells_tok_update AFTER UPDATE ON cells WHEN " TOK_REST("OLD") " OR "
	TOK_REST("NEW") " BEGIN " CELLS_TOK_SUB("OLD") CELLS_TOK_ADD("NEW") "END;";

/* A batch's create call is recorded as 'submitting' before it is sent: a create whose
 * answer was lost (a kill, the network) is looked for at the API, never sent twice. The
 * state's CHECK changes, so the table is copied (same columns, same order). */
static const char eval_run_batches_v2[] =
	"CREATE TABLE run_batches_v2 ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  model_idx INTEGER NOT NULL,"
	"  protocol TEXT NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  first_cell INTEGER NOT NULL, last_cell INTEGER NOT NULL,"
	"  n_requests INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('preparing', 'uploaded', 'submitting', "
	"    'submitted', 'cancelling', 'collecting', 'done', 'failed', 'expired', 'cancelled')),"
	"  remote_id TEXT, input_ref TEXT, output_ref TEXT, error_ref TEXT, api_status TEXT,"
	"  message TEXT,"
	"  n_ok INTEGER NOT NULL DEFAULT 0, n_failed INTEGER NOT NULL DEFAULT 0,"
	"  n_malformed INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL, submitted_at TEXT, expires_at TEXT, ended_at TEXT);"
	"INSERT INTO run_batches_v2 SELECT * FROM run_batches;"
	"DROP TABLE run_batches;"
	"ALTER TABLE run_batches_v2 RENAME TO run_batches;"
	"CREATE INDEX run_batches_run ON run_batches(run_id, state);";

/* The response cache's key index (response_cache_key, random in SHA-256) took a random page
 * for every answer stored: a page written to the WAL and copied back by the checkpoint, per
 * answer once the index outgrew a commit's batch, so a run's CPU per cell grew with the
 * cache (0.92 WAL frames a cell at 100k). The keys are a table now, merged in sorted bulk
 * (the runner's cache_merge): every page once per merge. Rows above
 * response_cache_merged.upto are not in it yet; a run merges them when it starts, and the
 * runner finds its own unmerged answers by their row ids (runner.c staged_*). A deleted
 * answer takes its key along, and lowers upto when the top row ids become free again (a new
 * row may take them). The key is checked against the row: an id reused after a VACUUM or
 * a delete only misses. */
static const char eval_response_cache_keys_v1[] =
	"CREATE TABLE response_cache_keys ("
	"  k TEXT NOT NULL,"               /* substr(key, 1, 8) */
	"  id INTEGER NOT NULL,"           /* response_cache's rowid */
	"  PRIMARY KEY (k, id)) WITHOUT ROWID;"
	"INSERT INTO response_cache_keys SELECT substr(key, 1, 8), rowid FROM response_cache "
	"  ORDER BY 1, 2;"
	"DROP INDEX response_cache_key;"
	"CREATE TABLE response_cache_merged (upto INTEGER NOT NULL);"
	"INSERT INTO response_cache_merged SELECT COALESCE(MAX(rowid), 0) FROM response_cache;"
	"CREATE TRIGGER response_cache_unkey AFTER DELETE ON response_cache BEGIN "
	"  DELETE FROM response_cache_keys WHERE k = substr(OLD.key, 1, 8) AND id = OLD.rowid; "
	"  UPDATE response_cache_merged SET upto = (SELECT COALESCE(MAX(rowid), 0) FROM "
	"    response_cache) WHERE upto > (SELECT COALESCE(MAX(rowid), 0) FROM response_cache); "
	"END;";

const struct sl_migration sl_migrations[] = {
	{ "catalogue", catalog_v1 },
	{ "prompts and datasets", eval_prompts_v1 },
	{ "runs, cells and response cache", eval_runs_v1 },
	{ "scores and judge cache", report_scores_v1 },
	{ "human ratings and pairwise votes", score_ratings_v1 },
	{ "cell statistics", report_cell_stats_v1 },
	{ "cell statistics, update and replace", report_cell_stats_v2 },
	{ "score statistics", report_score_stats_v1 },
	{ "score statistics, update and replace", report_score_stats_v2 },
	{ "score marks", report_score_marks_v1 },
	{ "run owner and heartbeat", eval_run_owner_v1 },
	{ "statistics triggers: replace step only for replaced rows", report_stats_replace_v3 },
	{ "run totals: cost of failed and cached cells, reported model ids", report_run_totals_v1 },
	{ "run totals: insert, delete and update triggers", report_run_totals_v2 },
	{ "run totals: replace trigger", report_run_totals_v3 },
	{ "bootstrap intervals of scorecards", report_score_intervals_v1 },
	{ "promotion records", report_promotions_v1 },
	{ "run batches", eval_run_batches_v1 },
	{ "prompt lineage and version tags", eval_prompt_lineage_v1 },
	{ "run uid", eval_run_uid_v1 },
	{ "embedding cache", report_embedding_cache_v1 },
	{ "kept percentiles of scorecards, index of failed cells", report_percentiles_v1 },
	{ "statistics deferred by bulk writers: cells", report_stats_deferred_v1 },
	{ "statistics deferred by bulk writers: scores", report_stats_deferred_v2 },
	{ "response cache: answers appended, a short index on the key", eval_response_cache_v2 },
	{ "statistics deferred by bulk writers: replaced cells", report_stats_deferred_v3 },
	{ "statistics deferred by bulk writers: replaced scores", report_stats_deferred_v4 },
	{ "response cache: the price share an answer was charged at", eval_response_cache_price_v1 },
	{ "cell statistics: output tokens of every successful cell", report_tok_rest_v1 },
	{ "cell statistics: output tokens of replaced cells", report_tok_rest_v2 },
	{ "cell statistics: output tokens of deleted and updated cells", report_tok_rest_v3 },
	{ "run batches: 'submitting' recorded before the create call", eval_run_batches_v2 },
	{ "score statistics: the range of each row's scores", report_score_range_v1 },
	{ "score statistics: the range, delete and update triggers", report_score_range_v2 },
	{ "score statistics: the range, replace trigger", report_score_range_v3 },
	{ "response cache: keys merged in sorted bulk", eval_response_cache_keys_v1 },
};

const int sl_migration_count = (int)SL_ARRAY_LEN(sl_migrations);
