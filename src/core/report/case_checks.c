/* Per-case checks: scorer parameters filled from the case's fields, and a row's own
 * "assert" list. Rendering reuses the prompt templates so one {{var}} syntax holds
 * everywhere, and every case is checked before the first request. */
#include "shortlist/case_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/judge.h"
#include "shortlist/prompts.h"
#include "shortlist/report.h"
#include "shortlist/scorer.h"

static bool has_placeholder(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strstr(v->valuestring, "{{") != NULL;
	const cJSON *c, *kids = cJSON_IsArray(v) || cJSON_IsObject(v) ? v : NULL;
	cJSON_ArrayForEach(c, kids)
		if (has_placeholder(c))
			return true;
	return false;
}

bool sl_case_spec_templated(const cJSON *spec)
{
	return has_placeholder(spec);
}

/* The registry's type of a scorer's parameter (a string when unknown). */
static enum sl_param_type param_type(const cJSON *spec, const char *key)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
	const struct sl_scorer_info *all;
	size_t n = sl_scorer_list(&all);
	for (size_t i = 0; cJSON_IsString(name) && i < n; i++) {
		if (strcmp(all[i].name, name->valuestring) != 0)
			continue;
		for (const struct sl_param_def *p = all[i].params; p && p->name; p++)
			if (strcmp(p->name, key) == 0)
				return p->type;
	}
	return SL_PARAM_STRING;
}

/* Fill the placeholders of v in place; vars NULL: the shape only (numbers become 0). */
static int fill(const cJSON *spec, cJSON *v, const char *key, const cJSON *vars,
		const char *path, struct sl_error *err)
{
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		cJSON *c;
		cJSON_ArrayForEach(c, v)
			if (fill(spec, c, cJSON_IsObject(v) ? c->string : key, vars, path, err) != 0)
				return -1;
		return 0;
	}
	if (!cJSON_IsString(v) || !strstr(v->valuestring, "{{"))
		return 0;
	bool number = key && param_type(spec, key) == SL_PARAM_NUMBER;
	if (!vars) {
		if (number) {
			v->type = cJSON_Number;
			cJSON_SetNumberValue(v, 0);
		}
		return 0;
	}
	struct sl_error e = { 0 };
	char *text = sl_template_render(v->valuestring, vars, &e);
	if (!text) {
		sl_error_set(err, "%s.%s: %s", path, key ? key : "?", e.msg);
		return -1;
	}
	if (number) {
		char *end;
		double d = strtod(text, &end);
		if (end == text || *end) {
			sl_error_set(err, "%s.%s: \"%s\" gave \"%s\", not a number", path, key,
				     v->valuestring, text);
			free(text);
			return -1;
		}
		free(v->valuestring);
		v->valuestring = NULL;
		v->type = cJSON_Number;
		cJSON_SetNumberValue(v, d);
		free(text);
		return 0;
	}
	free(v->valuestring);
	v->valuestring = text;
	return 0;
}

cJSON *sl_case_spec_render(const cJSON *spec, const cJSON *vars, const char *path,
			   struct sl_error *err)
{
	cJSON *c = cJSON_Duplicate(spec, 1);
	if (fill(spec, c, NULL, vars, path, err) != 0) {
		cJSON_Delete(c);
		if (err)
			err->code = SL_EXIT_USAGE;
		return NULL;
	}
	return c;
}

cJSON *sl_case_spec_shape(const cJSON *spec)
{
	cJSON *c = cJSON_Duplicate(spec, 1);
	fill(spec, c, NULL, NULL, "", NULL);
	return c;
}

cJSON *sl_case_asserts(const cJSON *vars, const char *where, struct sl_error *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(vars, "assert");
	if (!a || (cJSON_IsString(a) && !*a->valuestring))
		return NULL;
	cJSON *list = cJSON_IsString(a) ? cJSON_Parse(a->valuestring) : cJSON_Duplicate(a, 1);
	if (cJSON_IsObject(list)) { /* one check without the list around it */
		cJSON *arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, list);
		list = arr;
	}
	bool ok = cJSON_IsArray(list);
	const cJSON *c, *items = ok ? list : NULL;
	cJSON_ArrayForEach(c, items)
		ok = ok && cJSON_IsObject(c) &&
		     cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c, "name"));
	if (!ok) {
		cJSON_Delete(list);
		sl_error_set(err, "%s: \"assert\" must be a list of scorer objects "
			     "([{\"name\": \"contains\", \"value\": \"...\"}]; in CSV, that JSON as "
			     "text)", where);
		if (err)
			err->code = SL_EXIT_USAGE;
		return NULL;
	}
	return list;
}

static void add_name(char ***names, size_t *n, const char *id)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], id) == 0)
			return;
	*names = sl_xrealloc(*names, (*n + 1) * sizeof **names);
	(*names)[(*n)++] = sl_xstrdup(id);
}

/* Render one scorer object for a case and build it: the errors name the case. */
static int check_one(const cJSON *spec, const cJSON *vars, const char *path, char ***names,
		     size_t *n_names, struct sl_error *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
	if (cJSON_IsString(name) && sl_judge_is_judge_scorer(name->valuestring)) {
		sl_error_set(err, "%s: a judge scorer cannot be a per-case check (put it in the "
			     "suite's scorers)", path);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	cJSON *r = sl_case_spec_render(spec, vars, path, err);
	if (!r)
		return -1;
	struct sl_scorer *s = sl_scorer_new(r, path, err);
	cJSON_Delete(r);
	if (!s) {
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	if (names)
		add_name(names, n_names, sl_scorer_id(s));
	sl_scorer_free(s);
	return 0;
}

struct validate {
	const struct sl_suite *suite;
	const char *path;
	char ***names;
	size_t *n_names;
};

static int validate_case(void *ud, size_t k, const struct sl_case *c, struct sl_error *err)
{
	const struct validate *v = ud;
	char where[1200];
	snprintf(where, sizeof where, "%s:%d (case %zu)", v->path, c->line, k + 1);
	for (size_t i = 0; i < v->suite->n_scorers; i++) {
		const struct sl_suite_scorer *sc = &v->suite->scorers[i];
		if (sl_judge_is_judge_scorer(sc->name) || !sl_case_spec_templated(sc->params))
			continue;
		char path[1400];
		snprintf(path, sizeof path, "%s: %s", where, sc->path);
		if (check_one(sc->params, c->vars, path, NULL, NULL, err) != 0)
			return -1;
	}
	struct sl_error e = { 0 };
	cJSON *list = sl_case_asserts(c->vars, where, &e);
	if (!list && e.msg[0]) {
		*err = e;
		return -1;
	}
	int i = 0;
	const cJSON *spec;
	cJSON_ArrayForEach(spec, list) {
		char path[1400];
		snprintf(path, sizeof path, "%s: assert[%d]", where, i++);
		if (check_one(spec, c->vars, path, v->names, v->n_names, err) != 0) {
			cJSON_Delete(list);
			return -1;
		}
	}
	cJSON_Delete(list);
	return 0;
}

int sl_case_checks_validate(const struct sl_suite *suite, const struct sl_dataset *ds,
			    char ***names, size_t *n_names, struct sl_error *err)
{
	struct validate v = { suite, ds->path, names, n_names };
	return sl_dataset_each(ds, validate_case, &v, err);
}
