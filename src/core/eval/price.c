/* Model prices (price.h). */
#include "shortlist/price.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Does the suite's spelling of a model name this provider and model id? */
static bool same_model(const struct sl_price_source *src, const char *written, const char *spec,
		       const char *provider, const char *model_id)
{
	if (spec && strcmp(written, spec) == 0)
		return true;
	size_t pl = strlen(provider);
	if (strncmp(written, provider, pl) == 0 && written[pl] == ':' &&
	    strcmp(written + pl + 1, model_id) == 0)
		return true;
	const struct sl_provider_conf *conf;
	char *id = NULL;
	bool same = src->providers &&
		    sl_providers_resolve_model(src->providers, written, &conf, &id, NULL) == 0 &&
		    strcmp(conf->name, provider) == 0 && strcmp(id, model_id) == 0;
	free(id);
	return same;
}

static double col_price(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static void catalog_price(struct sl_store *store, const char *spec, const char *provider,
			  const char *model_id, struct sl_price *out, char **catalog_key)
{
	char *keys[3] = { NULL, NULL, NULL };
	/* a catalogue key as written: "provider/model", the '/' before any ':' */
	if (spec && strchr(spec, '/') &&
	    (!strchr(spec, ':') || strchr(spec, '/') < strchr(spec, ':')))
		keys[0] = sl_xstrdup(spec);
	const char *cat = sl_provider_catalog_id(provider);
	keys[1] = sl_xasprintf("%s/%s", cat, model_id);
	if (strcmp(cat, provider) != 0)
		keys[2] = sl_xasprintf("%s/%s", provider, model_id);
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT key, price_in, price_out, price_cache_read, price_cache_write FROM models "
		"WHERE key = ?", NULL);
	for (int i = 0; i < 3 && st; i++) {
		if (!keys[i])
			continue;
		sqlite3_reset(st);
		sl_bind_text(st, 1, keys[i]);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		if (catalog_key)
			*catalog_key = sl_xstrdup(sl_col_text(st, 0));
		*out = (struct sl_price){ col_price(st, 1), col_price(st, 2), col_price(st, 3),
					  col_price(st, 4) };
		break;
	}
	if (st)
		sqlite3_reset(st);
	for (int i = 0; i < 3; i++)
		free(keys[i]);
}

bool sl_price_find(const struct sl_price_source *src, const char *spec, const char *provider,
		   const char *model_id, struct sl_price *out, char **catalog_key)
{
	*out = (struct sl_price){ NAN, NAN, NAN, NAN };
	if (catalog_key)
		*catalog_key = NULL;
	if (!provider || !model_id)
		return false;
	if (strcmp(provider, "ollama") == 0) {
		*out = (struct sl_price){ 0, 0, 0, 0 };
		return true;
	}
	if (src->store)
		catalog_price(src->store, spec, provider, model_id, out, catalog_key);
	for (size_t i = 0; src->suite && i < src->suite->n_prices; i++) {
		const struct sl_suite_price *p = &src->suite->prices[i];
		if (same_model(src, p->model, spec, provider, model_id)) {
			out->in = p->in;
			out->out = p->out;
			break;
		}
	}
	return !isnan(out->in) && !isnan(out->out);
}

bool sl_price_source_fn(void *src, const char *provider, const char *model_id,
			struct sl_price *out)
{
	return sl_price_find(src, NULL, provider, model_id, out, NULL);
}
