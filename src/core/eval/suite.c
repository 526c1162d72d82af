/* Suite files. Every key is checked: a typo in a suite would otherwise silently change
 * what a CI gate measures. Messages carry the key path ("suite.scorers[1].tresh"). */
#include "shortlist/suite.h"

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

void sl_suite_free(struct sl_suite *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->dir);
	free(s->hash);
	free(s->text);
	free(s->name);
	free(s->description);
	for (size_t i = 0; i < s->n_models; i++)
		free(s->models[i]);
	free(s->models);
	for (size_t i = 0; i < s->n_prompts; i++)
		free(s->prompts[i]);
	free(s->prompts);
	free(s->dataset);
	for (size_t i = 0; i < s->n_scorers; i++) {
		free(s->scorers[i].name);
		free(s->scorers[i].path);
	}
	free(s->scorers);
	free(s->judge);
	for (size_t i = 0; i < s->n_gates; i++)
		free(s->gates[i]);
	free(s->gates);
	cJSON_Delete(s->params);
	for (size_t i = 0; i < s->n_prices; i++)
		free(s->prices[i].model);
	free(s->prices);
	cJSON_Delete(s->root);
	free(s);
}

struct ctx {
	const char *origin;
	struct sl_error *err;
};

static int bad(struct ctx *c, const char *fmt, ...) SL_PRINTF(2, 3);
static int bad(struct ctx *c, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sl_error_set(c->err, "%s: %s", c->origin, msg);
	if (c->err)
		c->err->code = SL_EXIT_USAGE;
	return -1;
}

static int string_list(struct ctx *c, const cJSON *v, const char *key, bool required,
		       char ***out, size_t *n)
{
	if (!v) {
		if (required)
			return bad(c, "suite.%s is missing", key);
		return 0;
	}
	if (cJSON_IsString(v)) {
		*out = sl_xmalloc(sizeof **out);
		(*out)[(*n)++] = sl_xstrdup(v->valuestring);
	} else if (cJSON_IsArray(v)) {
		int i = 0;
		const cJSON *s;
		cJSON_ArrayForEach(s, v) {
			if (!cJSON_IsString(s) || !*s->valuestring)
				return bad(c, "suite.%s[%d] must be a non-empty string", key, i);
			*out = sl_xrealloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = sl_xstrdup(s->valuestring);
			i++;
		}
	} else {
		return bad(c, "suite.%s must be an array of strings", key);
	}
	if (required && *n == 0)
		return bad(c, "suite.%s is empty", key);
	for (size_t i = 0; i < *n; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp((*out)[i], (*out)[k]) == 0)
				return bad(c, "suite.%s[%zu] \"%s\" repeats suite.%s[%zu]", key, i,
					   (*out)[i], key, k);
	return 0;
}

static int int_in(struct ctx *c, const cJSON *v, const char *key, int lo, int hi, int *out)
{
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
	    v->valuedouble > hi)
		return bad(c, "suite.%s must be an integer from %d to %d", key, lo, hi);
	*out = (int)v->valuedouble;
	return 0;
}

static int check_prompt_ref(struct ctx *c, const char *ref, size_t i)
{
	const char *at = strrchr(ref, '@');
	if (!at)
		return 0;
	if (at == ref)
		return bad(c, "suite.prompts[%zu] \"%s\" has no prompt name before '@'", i, ref);
	if (strcmp(at + 1, "latest") == 0)
		return 0;
	char *end;
	long v = strtol(at + 1, &end, 10);
	if (!at[1] || *end || v < 1)
		return bad(c, "suite.prompts[%zu] \"%s\": write NAME, NAME@VERSION (a number from 1) "
			   "or NAME@latest", i, ref);
	return 0;
}

/* "KEY": true, false or {"MODEL": bool} over suite.models; *out points into root. */
static int per_model_bool(struct ctx *c, const struct sl_suite *s, const cJSON *root,
			  const char *key, const char *what, const cJSON **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	if (v && !cJSON_IsBool(v) && !cJSON_IsObject(v)) {
		bad(c, "suite.%s must be true, false or {\"MODEL\": %s} (%s)", key,
		    strcmp(key, "stream") == 0 ? "false" : "true", what);
		return -1;
	}
	const cJSON *sm, *per_model = cJSON_IsObject(v) ? v : NULL;
	cJSON_ArrayForEach(sm, per_model) {
		bool known = false;
		for (size_t k = 0; k < s->n_models && !known; k++)
			known = strcmp(s->models[k], sm->string) == 0;
		if (!known) {
			bad(c, "suite.%s.%s: \"%s\" is not one of suite.models", key, sm->string,
			    sm->string);
			return -1;
		}
		if (!cJSON_IsBool(sm)) {
			bad(c, "suite.%s.%s must be true or false", key, sm->string);
			return -1;
		}
	}
	*out = v;
	return 0;
}

static bool per_model_is(const cJSON *v, const char *model, bool dflt)
{
	if (!v)
		return dflt;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, model);
	return m ? cJSON_IsTrue(m) : dflt;
}

struct sl_suite *sl_suite_parse(const char *text, size_t len, const char *path,
				sl_scorer_validate_fn validate, void *ud, struct sl_error *err)
{
	static const char *const keys[] = { "name", "description", "models", "prompts", "dataset",
					    "scorers", "judge", "weights", "samples",
					    "concurrency", "gates", "max_cost", "params", "prices",
					    "stream", "batch", NULL };
	struct ctx c = { path, err };
	struct sl_suite *s = sl_xcalloc(1, sizeof *s);
	s->path = sl_xstrdup(path);
	char *tmp = sl_xstrdup(path);
	s->dir = sl_xstrdup(dirname(tmp));
	free(tmp);
	s->text = sl_xstrndup(text, len);
	char hash[65];
	sl_sha256_hex(text, len, hash);
	s->hash = sl_xstrdup(hash);
	s->samples = 1;
	s->concurrency = 8;
	s->max_cost = NAN;

	cJSON *root = sl_json_parse_doc(text, len, path, err);
	if (!root)
		goto fail;
	s->root = root;
	if (!cJSON_IsObject(root)) {
		bad(&c, "a suite is a JSON object");
		goto fail;
	}
	if (sl_json_check_keys(root, keys, path, "suite", err) != 0)
		goto fail;

	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "name");
	if (v && (!cJSON_IsString(v) || !*v->valuestring)) {
		bad(&c, "suite.name must be a non-empty string");
		goto fail;
	}
	if (v) {
		s->name = sl_xstrdup(v->valuestring);
	} else {
		tmp = sl_xstrdup(path);
		char *base = basename(tmp);
		if (sl_str_ends_with(base, ".json"))
			base[strlen(base) - 5] = 0;
		s->name = sl_xstrdup(base);
		free(tmp);
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (v && !cJSON_IsString(v)) {
		bad(&c, "suite.description must be a string");
		goto fail;
	}
	if (v)
		s->description = sl_xstrdup(v->valuestring);
	if (string_list(&c, cJSON_GetObjectItemCaseSensitive(root, "models"), "models", true,
			&s->models, &s->n_models) != 0 ||
	    string_list(&c, cJSON_GetObjectItemCaseSensitive(root, "prompts"), "prompts", true,
			&s->prompts, &s->n_prompts) != 0 ||
	    string_list(&c, cJSON_GetObjectItemCaseSensitive(root, "gates"), "gates", false,
			&s->gates, &s->n_gates) != 0)
		goto fail;
	for (size_t i = 0; i < s->n_prompts; i++)
		if (check_prompt_ref(&c, s->prompts[i], i) != 0)
			goto fail;

	v = cJSON_GetObjectItemCaseSensitive(root, "dataset");
	if (!v) {
		bad(&c, "suite.dataset is missing (a .jsonl or .csv file, relative to the suite)");
		goto fail;
	}
	if (!cJSON_IsString(v) || !*v->valuestring) {
		bad(&c, "suite.dataset must be a file path (relative to the suite file)");
		goto fail;
	}
	s->dataset = v->valuestring[0] == '/' ? sl_xstrdup(v->valuestring)
					      : sl_xasprintf("%s/%s", s->dir, v->valuestring);

	cJSON *scorers = cJSON_GetObjectItemCaseSensitive(root, "scorers");
	if (scorers && !cJSON_IsArray(scorers)) {
		bad(&c, "suite.scorers must be an array of objects ({\"name\": ..., parameters})");
		goto fail;
	}
	int i = 0;
	cJSON *sc;
	cJSON_ArrayForEach(sc, scorers) {
		char spath[64];
		snprintf(spath, sizeof spath, "suite.scorers[%d]", i++);
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(sc, "name");
		if (cJSON_IsString(sc)) {
			/* shorthand: "accuracy" == {"name": "accuracy"} */
			cJSON *obj = cJSON_CreateObject();
			cJSON_AddStringToObject(obj, "name", sc->valuestring);
			cJSON_ReplaceItemViaPointer(scorers, sc, obj);
			sc = obj;
			name = cJSON_GetObjectItemCaseSensitive(sc, "name");
		}
		if (!cJSON_IsObject(sc)) {
			bad(&c, "%s must be an object {\"name\": ..., parameters} or a name", spath);
			goto fail;
		}
		if (!cJSON_IsString(name) || !*name->valuestring) {
			bad(&c, "%s.name is missing (the scorer to use)", spath);
			goto fail;
		}
		if (validate && validate(ud, name->valuestring, sc, spath, err) != 0) {
			char inner[sizeof err->msg];
			snprintf(inner, sizeof inner, "%s", err->msg);
			if (!strstr(inner, path))
				sl_error_set(err, "%s: %s", path, inner);
			err->code = SL_EXIT_USAGE;
			goto fail;
		}
		s->scorers = sl_xrealloc(s->scorers, (s->n_scorers + 1) * sizeof *s->scorers);
		s->scorers[s->n_scorers++] = (struct sl_suite_scorer){
			.name = sl_xstrdup(name->valuestring), .params = sc, .path = sl_xstrdup(spath)
		};
	}

	v = cJSON_GetObjectItemCaseSensitive(root, "judge");
	if (v && (!cJSON_IsString(v) || !*v->valuestring)) {
		bad(&c, "suite.judge must be a model id (catalogue id or provider:model)");
		goto fail;
	}
	if (v)
		s->judge = sl_xstrdup(v->valuestring);

	v = cJSON_GetObjectItemCaseSensitive(root, "weights");
	if (v) {
		static const char *const wkeys[] = { "speed", "precision", "cost", NULL };
		if (!cJSON_IsObject(v)) {
			bad(&c, "suite.weights must be an object {\"speed\": w, \"precision\": w, "
				"\"cost\": w}");
			goto fail;
		}
		if (sl_json_check_keys(v, wkeys, path, "suite.weights", err) != 0)
			goto fail;
		double w[3];
		for (int k = 0; k < 3; k++) {
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, wkeys[k]);
			if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 1) {
				bad(&c, "suite.weights.%s must be a number from 0 to 1", wkeys[k]);
				goto fail;
			}
			w[k] = x->valuedouble;
		}
		if (fabs(w[0] + w[1] + w[2] - 1.0) > 1e-6) {
			bad(&c, "suite.weights must sum to 1 (they sum to %g)", w[0] + w[1] + w[2]);
			goto fail;
		}
		s->has_weights = true;
		s->w_speed = w[0];
		s->w_precision = w[1];
		s->w_cost = w[2];
	}
	if (int_in(&c, cJSON_GetObjectItemCaseSensitive(root, "samples"), "samples", 1, 1000,
		   &s->samples) != 0 ||
	    int_in(&c, cJSON_GetObjectItemCaseSensitive(root, "concurrency"), "concurrency", 1, 1024,
		   &s->concurrency) != 0)
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(root, "max_cost");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble <= 0) {
			bad(&c, "suite.max_cost must be a positive number of US dollars");
			goto fail;
		}
		s->max_cost = v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "params");
	if (v) {
		static const char *const pkeys[] = { "temperature", "top_p", "max_tokens", "stop",
						     "response_format", NULL };
		if (!cJSON_IsObject(v)) {
			bad(&c, "suite.params must be an object (temperature, top_p, max_tokens, stop, "
				"response_format)");
			goto fail;
		}
		if (sl_json_check_keys(v, pkeys, path, "suite.params", err) != 0)
			goto fail;
		s->params = cJSON_Duplicate(v, 1);
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "prices");
	if (v && !cJSON_IsObject(v)) {
		bad(&c, "suite.prices must be an object {\"MODEL\": {\"in\": USD, \"out\": USD}} "
			"(USD per million tokens)");
		goto fail;
	}
	const cJSON *pr;
	cJSON_ArrayForEach(pr, v) {
		static const char *const prkeys[] = { "in", "out", NULL };
		char ppath[300];
		snprintf(ppath, sizeof ppath, "suite.prices.%s", pr->string);
		bool known = s->judge && strcmp(s->judge, pr->string) == 0;
		for (size_t k = 0; k < s->n_models && !known; k++)
			known = strcmp(s->models[k], pr->string) == 0;
		if (!known) {
			bad(&c, "%s: \"%s\" is not one of suite.models nor suite.judge", ppath,
			    pr->string);
			goto fail;
		}
		if (!cJSON_IsObject(pr)) {
			bad(&c, "%s must be {\"in\": USD, \"out\": USD} per million tokens", ppath);
			goto fail;
		}
		if (sl_json_check_keys(pr, prkeys, path, ppath, err) != 0)
			goto fail;
		const cJSON *pin = cJSON_GetObjectItemCaseSensitive(pr, "in");
		const cJSON *pout = cJSON_GetObjectItemCaseSensitive(pr, "out");
		if (!cJSON_IsNumber(pin) || !cJSON_IsNumber(pout) || pin->valuedouble < 0 ||
		    pout->valuedouble < 0) {
			bad(&c, "%s needs \"in\" and \"out\": USD per million tokens, >= 0", ppath);
			goto fail;
		}
		s->prices = sl_xrealloc(s->prices, (s->n_prices + 1) * sizeof *s->prices);
		s->prices[s->n_prices++] = (struct sl_suite_price){ sl_xstrdup(pr->string),
								    pin->valuedouble,
								    pout->valuedouble };
	}
	if (per_model_bool(&c, s, root, "stream", "models whose provider does not stream",
			   &s->stream) != 0 ||
	    per_model_bool(&c, s, root, "batch", "models sent to the provider's batch API",
			   &s->batch) != 0)
		goto fail;
	return s;
fail:
	sl_suite_free(s);
	return NULL;
}

bool sl_suite_streams(const struct sl_suite *s, const char *model)
{
	return per_model_is(s->stream, model, true);
}

bool sl_suite_batches(const struct sl_suite *s, const char *model)
{
	return per_model_is(s->batch, model, false);
}

struct sl_suite *sl_suite_load(const char *path, sl_scorer_validate_fn validate, void *ud,
			       struct sl_error *err)
{
	size_t len;
	char *text = sl_read_file(path, &len, err);
	if (!text) {
		if (err)
			err->code = SL_EXIT_USAGE;
		return NULL;
	}
	struct sl_suite *s = sl_suite_parse(text, len, path, validate, ud, err);
	if (s && sl_json_check_unique_keys(text, len, path, err) != 0) {
		sl_suite_free(s);
		s = NULL;
	}
	free(text);
	return s;
}
