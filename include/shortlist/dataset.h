/* Evaluation datasets: JSONL (one object per line) or CSV (RFC 4180 with a header row).
 * Every field is a template variable; `expected`, `reference` and `label` are also kept
 * apart for scoring. A dataset is identified by the SHA-256 of the file's bytes. Errors
 * name the file, line and column. */
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
	struct sl_case *cases;
	size_t n_cases;
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

/* Every placeholder of the prompt must be a field of every row: the error names the prompt
 * (name@version), the variable and the row (case number and file line). */
int sl_dataset_check_prompt(const struct sl_dataset *ds, const struct sl_prompt_version *pv,
			    struct sl_error *err);

/* Store the dataset and its cases once per hash (inside the caller's transaction). */
int sl_dataset_save(struct sl_store *store, const struct sl_dataset *ds, struct sl_error *err);

#endif
