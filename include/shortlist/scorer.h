/* The scorer registry: every way shortlist scores one cell, by name, with its parameters
 * checked up front. A suite's "scorers" entries are JSON objects such as
 *   {"name": "contains", "values": ["Paris", "France"], "mode": "all"}
 *   {"name": "rouge", "type": "rougeL", "stem": true, "threshold": 0.4}
 *   {"name": "label", "labels": ["positive", "negative", "neutral"]}
 * sl_scorer_validate (an sl_scorer_validate_fn for sl_suite_load) refuses an unknown name
 * or parameter, naming it with the entry's path. sl_scorer_new builds an instance
 * (compiling regexes once), sl_scorer_apply scores one cell.
 *
 * Kinds: a MATCH compares the output with the case's expected answer (1 correct, 0 wrong)
 * and reports what it extracted; an ASSERT is a pass/fail check of the output alone (or its
 * latency or cost); a SIMILARITY is a number in [0, 1] against the reference, passing when
 * it reaches its "threshold" (default: any value passes). Every scorer accepts "as" (the
 * name shown in reports, default the scorer's name) and "field" (which case field is the
 * expected answer: "expected", "reference" or "label"; defaults per scorer). */
#ifndef SHORTLIST_SCORER_H
#define SHORTLIST_SCORER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "shortlist/runs.h"
#include "shortlist/util.h"

enum sl_scorer_kind {
	SL_SCORER_MATCH,
	SL_SCORER_ASSERT,
	SL_SCORER_SIMILARITY,
};

enum sl_param_type {
	SL_PARAM_STRING,
	SL_PARAM_NUMBER,
	SL_PARAM_BOOL,
	SL_PARAM_STRINGS, /* a list of strings */
	SL_PARAM_OBJECT,
};

struct sl_param_def {
	const char *name;
	enum sl_param_type type;
	bool required;
	const char *help;
};

enum sl_score_status {
	SL_SCORE_OK,
	SL_SCORE_SKIPPED, /* the cell failed (no output): counted in the error rate instead */
	SL_SCORE_ERROR,   /* cannot score: no expected answer, unknown latency or price... */
};

struct sl_score {
	enum sl_score_status status;
	double value;        /* OK: 1/0 for MATCH and ASSERT, [0, 1] for SIMILARITY; else NAN */
	bool pass;
	char predicted[128]; /* MATCH: what was extracted from the output ("" = nothing) */
	char truth[128];     /* MATCH: the expected answer as a class (label, letter, trimmed text) */
	char detail[256];    /* why it failed or could not score; similarity details */
};

struct sl_scorer;
struct sl_scorer_def;

/* Check one suite entry (matches suite.h's sl_scorer_validate_fn; ud is unused). */
int sl_scorer_validate(void *ud, const char *name, const cJSON *spec, const char *path,
		       struct sl_error *err);

/* Build a scorer from its JSON object; path names it in messages ("suite.scorers[1]"). */
struct sl_scorer *sl_scorer_new(const cJSON *spec, const char *path, struct sl_error *err);
void sl_scorer_free(struct sl_scorer *s);
const char *sl_scorer_name(const struct sl_scorer *s); /* the registry name, "contains" */
const char *sl_scorer_id(const struct sl_scorer *s);   /* "as", or the name */
enum sl_scorer_kind sl_scorer_kind(const struct sl_scorer *s);
/* A check has a pass or fail worth counting in a pass rate: every MATCH and ASSERT, and a
 * SIMILARITY only with a "threshold" (without one it is a measurement that always passes). */
bool sl_scorer_is_check(const struct sl_scorer *s);
/* A label for the number, e.g. "rougeL F1 (stemmed)", "cosine (tfidf, lexical)". */
const char *sl_scorer_metric_label(const struct sl_scorer *s);

void sl_scorer_apply(struct sl_scorer *s, const struct sl_cell *cell, struct sl_score *out);

/* A cosine with an embedding model needs two vectors from a provider; sl_scorer_apply gets
 * them with a blocking call. A caller with an event loop scores it in two steps instead:
 * sl_scorer_embed_texts gives the cell's expected text (the output is the other), or false
 * with out filled when the cell cannot be scored; sl_scorer_finish_cosine turns the
 * vectors' cosine, or why there is none, into the score. */
const char *sl_scorer_embedding_model(const struct sl_scorer *s); /* NULL: no embeddings */
bool sl_scorer_embed_texts(const struct sl_scorer *s, const struct sl_cell *cell,
			   const char **expected, struct sl_score *out);
void sl_scorer_finish_cosine(const struct sl_scorer *s, double cosine, const char *why,
			     struct sl_score *out);

/* The labels a "label" scorer allows (NULL and 0 for other scorers): the class set of a
 * classification report. */
const char *const *sl_scorer_labels(const struct sl_scorer *s, size_t *n);

/* The registry, for help texts: name, kind, summary, parameters (NULL-terminated). */
struct sl_scorer_info {
	const char *name;
	enum sl_scorer_kind kind;
	const char *summary;
	const struct sl_param_def *params;
};
size_t sl_scorer_list(const struct sl_scorer_info **out);
const char *sl_scorer_kind_name(enum sl_scorer_kind kind); /* "match", "assert", "similarity" */

#endif
