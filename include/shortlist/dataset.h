/* Evaluation datasets: JSONL (one object per line) or CSV (RFC 4180 with a header row).
 * Every field is a template variable; `expected`, `reference` and `label` are also kept
 * apart for scoring. A dataset is identified by the SHA-256 of the file's bytes. Errors
 * name the file, line and column. A run never holds every row: it reads the file once,
 * a row at a time, into a temporary table of its store connection (sl_dataset_spool), and
 * reads the rows back from there in windows. */
#ifndef SHORTLIST_DATASET_H
#define SHORTLIST_DATASET_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "shortlist/prompts.h"
#include "shortlist/store.h"
#include "shortlist/util.h"

struct sl_case {
	int line;        /* 1-based line where the row starts */
	cJSON *vars;     /* object: every field of the row (CSV values are strings) */
	char *expected, *reference, *label; /* NULL when absent or empty */
};

struct sl_dataset {
	char *path;
	const char *format; /* "jsonl" or "csv" */
	char hash[65];
	char **fields;      /* every field name, in first-seen order */
	size_t n_fields;
	struct sl_case *cases; /* NULL when spooled: see sl_dataset_each */
	size_t n_cases;
	struct sl_store *spool; /* spooled: its rows are in this connection's temp.dataset_spool */
	int64_t spool_id;       /* ... under this id */
	/* per field: the first row (1-based; 0 = none) with no value for it, and its line */
	size_t *missing_row;
	int *missing_line;
	int first_line;     /* line of the first row */
};

/* The format comes from the extension: .jsonl/.ndjson or .csv. */
struct sl_dataset *sl_dataset_load(const char *path, struct sl_error *err);
struct sl_dataset *sl_dataset_parse(const char *text, size_t len, const char *path,
				    const char *format, struct sl_error *err);
void sl_dataset_free(struct sl_dataset *ds);
/* The cases as the store keeps them (saved by the run that used them, or carried by a run
 * bundle): what a run used, when its file has changed or is on another machine. */
struct sl_dataset *sl_dataset_load_stored(struct sl_store *store, const char *hash,
					  struct sl_error *err);

/* The checking pass of a run: every row parsed and checked (file:line:col errors), read
 * once (a named pipe works) and written to a temporary table of the store's connection
 * (no lock on the store, nothing kept if it fails). Fills everything but cases, in memory
 * that does not grow with the rows. Free it before closing the store. */
struct sl_dataset *sl_dataset_spool(struct sl_store *store, const char *path,
				    struct sl_error *err);
/* Read a dataset file once, a row at a time, keeping none: fn (may be NULL) sees every row
 * in order (k from 0; the row is valid during the call; non-zero stops with fn's err). The
 * summary as sl_dataset_spool's (hash, fields, n_cases), without cases. */
struct sl_dataset *sl_dataset_scan(const char *path,
				   int (*fn)(void *ud, size_t k, const struct sl_case *c,
					     struct sl_error *err),
				   void *ud, struct sl_error *err);
/* Call fn for every row in order (k from 0), in memory or spooled (read back in windows);
 * the row is valid during the call. Stops at fn's first non-zero return, which it returns. */
int sl_dataset_each(const struct sl_dataset *ds,
		    int (*fn)(void *ud, size_t k, const struct sl_case *c, struct sl_error *err),
		    void *ud, struct sl_error *err);
/* The spool's statement for rows idx >= ?2 in order, ?1 bound to the spool (for windows). */
#define SL_DATASET_SPOOL_ROWS "SELECT idx, line, vars, expected, reference, label FROM " \
	"temp.dataset_spool WHERE spool = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3"

/* Every placeholder of the prompt must be a field of every row: the error names the prompt
 * (name@version), the variable and the row (case number and file line). */
int sl_dataset_check_prompt(const struct sl_dataset *ds, const struct sl_prompt_version *pv,
			    struct sl_error *err);

/* Store the dataset and its cases once per hash (inside the caller's transaction); a
 * spooled dataset's rows are copied from the spool. */
int sl_dataset_save(struct sl_store *store, const struct sl_dataset *ds, struct sl_error *err);

#endif
