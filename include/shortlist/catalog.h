/* The model catalogue: models.dev data imported into the store, queried with filters, plus
 * the user's annotations and shortlist (kept in their own tables, never clobbered). */
#ifndef SHORTLIST_CATALOG_H
#define SHORTLIST_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/store.h"
#include "shortlist/util.h"

/* A model as a user sees it: the catalogue row merged with their annotations.
 * Unknown numbers are NAN (prices, params, bench) or -1 (context, max_output, tri-states). */
struct sl_model {
	char *key;          /* "provider_id/model_id", unique */
	char *provider_id;
	char *provider_name;
	char *model_id;     /* as the provider's API names it */
	char *name;
	char *family;
	char *base_model;   /* canonical model id, e.g. "meta/llama-3.3-70b-instruct" */
	int open_weights;   /* 1, 0, or -1 unknown */
	bool reasoning, tool_call, attachment, structured_output;
	int64_t context, max_output;
	double price_in, price_out;             /* USD per 1M tokens */
	double price_cache_read, price_cache_write;
	char *modalities_in, *modalities_out;   /* "text,image" */
	char *release_date, *knowledge, *last_updated, *status;
	char *license;          /* annotation, else catalogue */
	bool license_annotated;
	double params_b;        /* billions of parameters */
	bool params_derived;    /* derived from the id (e.g. "70b"), not stated */
	const char *size_class; /* "SLM", "LLM" or NULL when params unknown */
	double bench_score;     /* headline published score (see derive.c), NAN if none */
	char *bench_name;
	int fine_tunable;       /* annotation: 1, 0, -1 unknown */
	int commercial_use;     /* annotation: 1, 0, -1 unknown */
	char *domains;          /* annotation: "legal,code" */
	char *notes;            /* annotation */
	bool shortlisted;
	/* Extensions (catalog helper): where the headline score comes from. */
	char *bench_source;     /* URL of the headline score, NULL if none */
	char *bench_date;
	bool params_annotated;  /* params_b comes from the user's annotation */
};

struct sl_model_list {
	struct sl_model *items;
	size_t len;
};

struct sl_benchmark {
	char *name, *metric, *date, *source;
	double score;
};

/* Parsed --filter expressions ("open_weights=true", "context>=128000"), ANDed together. */
struct sl_filter_set;

struct sl_filter_set *sl_filter_set_new(void);
void sl_filter_set_free(struct sl_filter_set *set);
/* Unknown keys or bad values fail with a message listing the valid keys or values. */
int sl_filter_set_add(struct sl_filter_set *set, const char *expr, struct sl_error *err);
/* Free-text search over key, name, family, provider (the TUI's "/"): every whitespace-
 * separated word must appear in one of them, any case. NULL clears it. */
void sl_filter_set_search(struct sl_filter_set *set, const char *text);
bool sl_filter_matches(const struct sl_filter_set *set, const struct sl_model *m);
/* Human-readable list of filter keys with their syntax (for --help and errors). */
const char *sl_filter_help(void);

/* Sort keys: name, provider, context, price_in, price_out, release, bench, params, open_weights
 * (open first), key (the default for NULL). A leading '-' sorts descending. Unknown values
 * sort last either way; ties go by key. Not reentrant (qsort without a context). */
int sl_model_list_sort(struct sl_model_list *list, const char *key, struct sl_error *err);
const char *sl_sort_keys(void);

/* Import models.dev JSON: the snapshot shape {models, providers, source} or the live api.json
 * shape {provider_id: {..., models: {...}}}. All or nothing: on any error the store keeps its
 * previous catalogue, and err names the file and the JSON path at fault. */
int sl_catalog_import_file(struct sl_store *store, const char *path, struct sl_error *err);
int sl_catalog_import_buffer(struct sl_store *store, const char *json, size_t len,
			     const char *origin, struct sl_error *err);
/* Load the shipped data/ catalogue when the store has none yet. */
int sl_catalog_ensure_loaded(struct sl_store *store, struct sl_error *err);
/* Download from URL (default https://models.dev/api.json) and import; progress goes to
 * progress_cb (may be NULL). The old catalogue stays on any failure. */
#define SL_CATALOG_DEFAULT_URL "https://models.dev/api.json"
int sl_catalog_update_url(struct sl_store *store, const char *url, long timeout_s,
			  void (*progress_cb)(void *ud, int64_t now, int64_t total), void *ud,
			  struct sl_error *err);

/* All models (annotations and shortlist merged), then filter and sort in memory. */
int sl_catalog_load(struct sl_store *store, const struct sl_filter_set *filters,
		    struct sl_model_list *out, struct sl_error *err);
void sl_model_list_free(struct sl_model_list *list);
void sl_model_free(struct sl_model *m);

/* Find one model by key ("openai/gpt-4o-mini"), "provider:model-id", a model id that is
 * unique across providers, or the key/id ignoring case. Fails naming the candidates
 * (ambiguous) or the closest keys (not found). */
int sl_catalog_find(struct sl_store *store, const char *id, struct sl_model *out,
		    struct sl_error *err);
/* Exactly the model with this key ("openai/gpt-4o"), no guessing: for code that already holds
 * a key (price lookups), where find's fallbacks could pick another provider's model. */
int sl_catalog_get(struct sl_store *store, const char *key, struct sl_model *out,
		   struct sl_error *err);
int sl_catalog_benchmarks(struct sl_store *store, const char *model_key,
			  struct sl_benchmark **out, size_t *n_out, struct sl_error *err);
void sl_benchmarks_free(struct sl_benchmark *list, size_t n);
/* One benchmark to compare these models on: scores of different benchmarks say nothing
 * about each other. The one the most of them report (ties: the headline order, then name),
 * if at least two do (or the one model, alone). scores[i] gets model i's latest score on it,
 * NAN when it does not report it; *name is NULL (all scores NAN) when none is shared.
 * *n_with counts the models reporting it. Caller frees *name. */
int sl_catalog_shared_benchmark(struct sl_store *store, const struct sl_model *models, size_t n,
				char **name, double *scores, size_t *n_with, struct sl_error *err);
/* The stored JSON of a model and of its canonical model (links, weights, cost tiers...);
 * either may come back NULL. Caller frees both. */
int sl_catalog_raw(struct sl_store *store, const char *model_key, char **model_json,
		   char **base_json, struct sl_error *err);

/* What the loaded catalogue is: from catalog_meta plus table counts. Strings are "" when
 * not recorded. */
struct sl_catalog_info {
	char source_name[128], source_commit[64], source_date[32];
	char origin[1024];      /* file path or URL it was imported from */
	char shape[16];         /* "snapshot" or "api.json" */
	char imported_at[32], sha256[65];
	long providers, models, base_models, benchmarks, annotations, shortlisted;
	double import_ms;
};
int sl_catalog_info(struct sl_store *store, struct sl_catalog_info *out, struct sl_error *err);

/* The user's annotations: each set_* flag says the field is being changed; a NULL string,
 * NAN params or -1 tri-state clears it. Unset fields keep their stored value. */
struct sl_annotation_edit {
	bool set_license, set_params, set_fine_tunable, set_commercial, set_domains, set_notes;
	const char *license;
	double params_b;
	int fine_tunable, commercial_use;
	const char *domains, *notes;
};
int sl_annotation_apply(struct sl_store *store, const char *model_key,
			const struct sl_annotation_edit *edit, struct sl_error *err);

/* Parse "70B", "1.5b", "135M", "1.2T", "70" (billions) into billions of parameters. */
int sl_parse_params(const char *s, double *out_b, struct sl_error *err);
/* Parse "128000", "128k", "1M" (k = 1000, M = 1000000) into a count. */
int sl_parse_count(const char *s, int64_t *out, struct sl_error *err);
/* Parameter count derived from an open-weights model's id/name (see derive.c for the rule);
 * NAN when not certain. */
double sl_derive_params(const char *model_id, const char *name, const char *base_model,
			int open_weights);
/* The benchmarks tried, in order, for the headline score ("SWE-Bench Pro, Aider ..."). */
const char *sl_bench_headline_order(void);
/* "SLM" when params_b <= SL_SLM_MAX_PARAMS_B, "LLM" above, NULL when unknown. */
#define SL_SLM_MAX_PARAMS_B 10.0
const char *sl_size_class(double params_b);

/* The user's shortlist. */
int sl_shortlist_add(struct sl_store *store, const char *model_key, struct sl_error *err);
int sl_shortlist_remove(struct sl_store *store, const char *model_key, struct sl_error *err);
int sl_shortlist_toggle(struct sl_store *store, const char *model_key, bool *now_in,
			struct sl_error *err);
/* Every shortlisted key, in the order added (including models an update removed). */
int sl_shortlist_keys(struct sl_store *store, char ***keys_out, size_t *n_out,
		      struct sl_error *err);

#endif
