/* Model prices: the one place that says what a call costs, for the runner, `ask` and the
 * judge alike. USD per million tokens; a part nobody knows stays NAN.
 *
 * Where a price comes from, first match wins for input and output: the suite's "prices"
 * (by the model as the suite writes it, or by provider:model-id), then the catalogue under
 * the model's own catalogue key ("openai/gpt-4o-mini"), under the models.dev id of its
 * provider ("amazon-bedrock/...", "togetherai/...") and under our provider's name. The cache
 * read and write prices come from the catalogue. A model of the "ollama" provider (local)
 * is free. */
#ifndef SHORTLIST_PRICE_H
#define SHORTLIST_PRICE_H

#include <stdbool.h>

#include "shortlist/engine.h"
#include "shortlist/providers_config.h"
#include "shortlist/store.h"
#include "shortlist/suite.h"

struct sl_price_source {
	struct sl_store *store;               /* the catalogue; NULL = none */
	const struct sl_suite *suite;         /* its "prices"; NULL = none */
	const struct sl_providers *providers; /* resolves the suite's spellings; NULL = exact
						 "provider:model-id" spellings only */
};

/* spec: the model as the user wrote it (may be NULL); provider and model_id as resolved.
 * Fills *out (NAN parts unknown) and, when catalog_key is given, the catalogue key the
 * model was found under (NULL if none; caller frees). True when in and out are known. */
bool sl_price_find(const struct sl_price_source *src, const char *spec, const char *provider,
		   const char *model_id, struct sl_price *out, char **catalog_key);

/* An sl_price_fn (engine.h) over a struct sl_price_source, for an engine's price_fn. */
bool sl_price_source_fn(void *src, const char *provider, const char *model_id,
			struct sl_price *out);

#endif
