/* Evaluation datasets: JSONL (one object per line) or CSV (RFC 4180 with a header row).
 * Every field is a template variable; `expected`, `reference` and `label` are also kept
 * apart for scoring. A dataset is identified by the SHA-256 of the file's bytes. Errors
 * name the file, line and column. A run never holds every row: it checks the file with
 * sl_dataset_scan (one row at a time), stores the rows, and reads them back in windows. */
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
	struct sl_case *cases; /* NULL after sl_dataset_scan: read the rows with a reader */
	size_t n_cases;
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

/* The checking pass: every row parsed and checked (file:line:col errors), then dropped.
 * Fills everything but cases, in memory that does not grow with the rows (a CSV file's
 * bytes excepted: quoted fields may span lines, so CSV is read whole). */
struct sl_dataset *sl_dataset_scan(const char *path, struct sl_error *err);

/* Rows one at a time. sl_dataset_next gives 1 and the row (the reader's, valid until the
 * next call), 0 at the end (then sl_dataset_reader_summary has the hash and fields), -1
 * with err (exit code 2). */
struct sl_dataset_reader;
struct sl_dataset_reader *sl_dataset_open(const char *path, struct sl_error *err);
int sl_dataset_next(struct sl_dataset_reader *rd, const struct sl_case **row,
		    struct sl_error *err);
const struct sl_dataset *sl_dataset_reader_summary(const struct sl_dataset_reader *rd);
void sl_dataset_close(struct sl_dataset_reader *rd);

/* Every placeholder of the prompt must be a field of every row: the error names the prompt
 * (name@version), the variable and the row (case number and file line). */
int sl_dataset_check_prompt(const struct sl_dataset *ds, const struct sl_prompt_version *pv,
			    struct sl_error *err);

/* Store the dataset and its cases once per hash (inside the caller's transaction). A
 * scanned dataset's rows are read from its file again, which must not have changed. */
int sl_dataset_save(struct sl_store *store, const struct sl_dataset *ds, struct sl_error *err);

#endif
