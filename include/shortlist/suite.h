/* Evaluation suites: a JSON file naming models, prompt versions, a dataset, scorers, judge,
 * triangle weights, samples per case, concurrency, gates and a budget. Loading checks every
 * key (unknown keys are errors with their path, e.g. "suite.scorers[1].tresh") and, with the
 * prompts and the dataset, every placeholder against every row, before any API call. */
#ifndef SHORTLIST_SUITE_H
#define SHORTLIST_SUITE_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "shortlist/store.h"
#include "shortlist/util.h"

struct sl_suite_scorer {
	char *name;
	cJSON *params; /* the scorer's whole JSON object (name included), owned by the suite */
	char *path;    /* "suite.scorers[1]", for messages */
};

/* A price the user sets for a model the catalogue does not price (local or private). */
struct sl_suite_price {
	char *model;        /* as in models[] */
	double in, out;     /* USD per 1M tokens */
};

struct sl_suite {
	char *path;         /* the suite file as given */
	char *dir;          /* its directory (dataset paths are relative to it) */
	char *hash;         /* sha256 of the file's bytes */
	char *text;         /* the file's bytes */
	char *name;         /* "name", else the file's base name without .json */
	char *description;
	char **models;      /* as written: catalogue ids or provider:model */
	size_t n_models;
	char **prompts;     /* "name@version" or "name" (= latest at run time) */
	size_t n_prompts;
	char *dataset;      /* resolved against dir */
	struct sl_suite_scorer *scorers;
	size_t n_scorers;
	char *judge;        /* judge model, NULL if none */
	bool has_weights;
	double w_speed, w_precision, w_cost; /* sum to 1 when has_weights */
	int samples;        /* >= 1, default 1 */
	int concurrency;    /* >= 1, default 8 */
	char **gates;       /* gate expressions, evaluated by scoring */
	size_t n_gates;
	double max_cost;    /* USD, NAN when none */
	cJSON *params;      /* request parameter overrides (temperature...), NULL if none */
	struct sl_suite_price *prices; /* "prices": {"MODEL": {"in": USD, "out": USD}} */
	size_t n_prices;
	/* "stream": false (every model) or {"MODEL": false} (some): for providers that do not
	 * offer streaming. NULL when absent (stream everything); points into root. */
	const cJSON *stream;
	/* "batch": true (every model) or {"MODEL": true} (some): send their cells to the
	 * provider's batch API (batch.h). NULL when absent; points into root. */
	const cJSON *batch;
	cJSON *root;        /* the whole parsed file (scorer params point into it) */
};

/* Validates one scorer object (name and parameters). Provided by scoring; it must report
 * unknown names and parameters with `path` (e.g. "suite.scorers[1]") in the message. */
typedef int (*sl_scorer_validate_fn)(void *ud, const char *name, const cJSON *scorer,
				     const char *path, struct sl_error *err);

/* Parse and check a suite file. validate may be NULL (scorers are then only required to
 * have a string "name"). Returns NULL with err naming the file and the key path. */
struct sl_suite *sl_suite_load(const char *path, sl_scorer_validate_fn validate, void *ud,
			       struct sl_error *err);
struct sl_suite *sl_suite_parse(const char *text, size_t len, const char *path,
				sl_scorer_validate_fn validate, void *ud, struct sl_error *err);
void sl_suite_free(struct sl_suite *suite);
/* Whether requests to model (as written in models[]) are streamed; TTFT is only measured
 * when they are. */
bool sl_suite_streams(const struct sl_suite *suite, const char *model);
/* Whether model's cells go to its provider's batch API ("batch" in the suite). */
bool sl_suite_batches(const struct sl_suite *suite, const char *model);

#endif
