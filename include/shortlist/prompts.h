/* The prompt catalogue: named prompts with immutable numbered versions kept in the store.
 * A version holds messages with {{var}} placeholders and default request parameters; its
 * content hash (messages + params) identifies it across databases, exports and imports. */
#ifndef SHORTLIST_PROMPTS_H
#define SHORTLIST_PROMPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "shortlist/store.h"
#include "shortlist/util.h"

struct sl_prompt_message {
	char *role;    /* "system", "user" or "assistant" */
	char *content; /* with {{var}} placeholders */
};

/* Default parameters; unset numbers are NAN / -1. */
struct sl_prompt_params {
	double temperature;     /* NAN: provider default */
	double top_p;           /* NAN: provider default */
	int64_t max_tokens;     /* -1: provider default */
	char **stop;
	size_t n_stop;
	char *response_format;  /* NULL/"text" or "json" */
};

struct sl_prompt_version {
	char *name;
	int version;            /* 1, 2, ...; 0 before it is stored */
	char **tags;            /* the prompt's tags */
	size_t n_tags;
	char **version_tags;    /* this version's own tags ("prod", "candidate"), sorted */
	size_t n_version_tags;
	int parent;             /* the version an edit started from; 0: added or imported */
	struct sl_prompt_message *messages;
	size_t n_messages;
	struct sl_prompt_params params;
	char *author, *note, *created_at;
	char hash[65];
};

/* Summary row for `prompts list`. */
struct sl_prompt_info {
	char *name, *tags, *latest_created_at, *latest_hash;
	char *version_tags;     /* every tag of any of its versions, comma-separated, sorted */
	int latest_version, n_versions;
};

/* Parse a prompt version from JSON (the `prompts add` file format):
 *   {"name": "...", "tags": [...], "system": "...", "user": "...",
 *    or "messages": [{"role": ..., "content": ...}], "params": {...}, "author", "note"}
 * Unknown keys and malformed placeholders are errors naming `origin` and the key path. */
int sl_prompt_from_json(const cJSON *obj, const char *origin, const char *path,
			struct sl_prompt_version *out, struct sl_error *err);
/* The add-file JSON for one version (what `prompts edit` hands to $EDITOR). */
cJSON *sl_prompt_to_json(const struct sl_prompt_version *pv, bool with_meta);
/* Compute pv->hash from the messages and params. */
void sl_prompt_hash(struct sl_prompt_version *pv);
void sl_prompt_version_free(struct sl_prompt_version *pv);

/* Store a new version unless the latest version has the same hash (then *created = false
 * and pv->version is that version). Fills pv->version and created_at. */
int sl_prompts_add(struct sl_store *store, struct sl_prompt_version *pv, bool *created,
		   struct sl_error *err);
/* Add (add true) or remove a tag of a prompt (version 0) or of one of its versions. A tag
 * is 1-64 bytes of letters, digits and "-_.:/"; adding one it has, or removing one it has
 * not, changes nothing and is no error. Fails naming the prompt or version if unknown. */
int sl_prompts_tag(struct sl_store *store, const char *name, int version, const char *tag,
		   bool add, struct sl_error *err);
/* version <= 0: the latest. Fails naming the prompt (and listing known names if unknown). */
int sl_prompts_get(struct sl_store *store, const char *name, int version,
		   struct sl_prompt_version *out, struct sl_error *err);
/* "name" or "name@3" (also "name@latest"). */
int sl_prompts_get_ref(struct sl_store *store, const char *ref, struct sl_prompt_version *out,
		       struct sl_error *err);
int sl_prompts_list(struct sl_store *store, struct sl_prompt_info **out, size_t *n_out,
		    struct sl_error *err);
void sl_prompt_infos_free(struct sl_prompt_info *list, size_t n);
/* All versions of a prompt, oldest first. */
int sl_prompts_versions(struct sl_store *store, const char *name,
			struct sl_prompt_version **out, size_t *n_out, struct sl_error *err);
void sl_prompt_versions_free(struct sl_prompt_version *list, size_t n);

/* Parse the add-file JSON of one version (what `prompts add` reads and an editor saves):
 * UTF-8, one JSON object, no duplicate key; errors name origin with line and column. */
int sl_prompt_parse(const char *text, size_t len, const char *origin,
		    struct sl_prompt_version *out, struct sl_error *err);

/* Export writes DIR/NAME.json per prompt with every version; import reads every *.json in
 * DIR (export files or single add-format files), adding versions whose hash is new.
 * Import is all or nothing: one bad file and nothing is stored. Counts may be NULL. */
int sl_prompts_export(struct sl_store *store, const char *dir, int *n_files,
		      struct sl_error *err);
int sl_prompts_import(struct sl_store *store, const char *dir, int *n_added, int *n_same,
		      struct sl_error *err);

/* A readable text form of a version (messages, then parameters): what diff compares. */
char *sl_prompt_render_text(const struct sl_prompt_version *pv);

/* ---- templates ---- */

/* Placeholders used by a text, in order of first use; a malformed one ("{{ }}", "{{1x}}",
 * an unclosed "{{") is an error naming the offset. Caller frees the names and array. */
int sl_template_vars(const char *text, char ***names_out, size_t *n_out, struct sl_error *err);
/* Substitute {{var}} from a JSON object (strings verbatim, other values as JSON). A variable
 * missing from vars is an error naming it. */
char *sl_template_render(const char *text, const cJSON *vars, struct sl_error *err);

/* ---- unified line diff ---- */

/* Unified diff (3 lines of context) of two texts; "" when equal. Caller frees. */
char *sl_text_diff(const char *a, const char *b, const char *label_a, const char *label_b);

#endif
