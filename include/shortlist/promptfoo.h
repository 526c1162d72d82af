/* Importing a promptfoo config (YAML, read with libyaml): its prompts, providers, tests and
 * assertions become shortlist prompt files, a JSONL dataset and a suite. What has no
 * shortlist equivalent is listed as a note with its config path and why: never dropped. */
#ifndef SHORTLIST_PROMPTFOO_H
#define SHORTLIST_PROMPTFOO_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "shortlist/util.h"

struct sl_import_note {
	char *path; /* "tests[2].assert[0]" */
	char *why;
};

struct sl_promptfoo {
	cJSON *prompts; /* array of prompt files' JSON ({"name", "user"}) */
	cJSON *cases;   /* array of dataset rows */
	cJSON *suite;   /* the suite, "dataset": "cases.jsonl" */
	struct sl_import_note *notes;
	size_t n_notes;
};

/* Read and convert a config. Fails (exit 2) only when the file cannot be read or parsed. */
int sl_promptfoo_convert(const char *config_path, struct sl_promptfoo *out,
			 struct sl_error *err);
void sl_promptfoo_free(struct sl_promptfoo *p);
/* YAML text as JSON (scalars stay strings unless plain numbers/booleans/null). */
cJSON *sl_yaml_parse(const char *text, size_t len, const char *origin, struct sl_error *err);

#endif
