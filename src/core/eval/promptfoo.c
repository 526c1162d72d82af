/* promptfoo configs to shortlist suites. libyaml parses (a well-kept YAML parser beats a
 * hand-written one); the mapping follows promptfoo's documented keys: prompts, providers,
 * tests, defaultTest, vars, assert (type, value, threshold). */
#include "shortlist/promptfoo.h"

#include <glob.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "shortlist/prompts.h"

/* ---- YAML to cJSON ---- */

static cJSON *scalar(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (!strcmp(v, "true") || !strcmp(v, "True"))
			return cJSON_CreateTrue();
		if (!strcmp(v, "false") || !strcmp(v, "False"))
			return cJSON_CreateFalse();
		if (!strcmp(v, "null") || !strcmp(v, "~") || !*v)
			return cJSON_CreateNull();
		char *end;
		double d = strtod(v, &end);
		if (end != v && !*end)
			return cJSON_CreateNumber(d);
	}
	return cJSON_CreateString(v);
}

static cJSON *node_json(yaml_document_t *doc, yaml_node_t *n, int depth)
{
	if (!n || depth > 64)
		return cJSON_CreateNull();
	if (n->type == YAML_SCALAR_NODE)
		return scalar(n);
	if (n->type == YAML_SEQUENCE_NODE) {
		cJSON *a = cJSON_CreateArray();
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++)
			cJSON_AddItemToArray(a, node_json(doc, yaml_document_get_node(doc, *i),
							  depth + 1));
		return a;
	}
	cJSON *o = cJSON_CreateObject();
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value
								    : "?";
		cJSON_AddItemToObject(o, key, node_json(doc, yaml_document_get_node(doc, p->value),
							depth + 1));
	}
	return o;
}

cJSON *sl_yaml_parse(const char *text, size_t len, const char *origin, struct sl_error *err)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		sl_error_set(err, "%s:%zu:%zu: %s", origin, p.problem_mark.line + 1,
			     p.problem_mark.column + 1, p.problem ? p.problem : "bad YAML");
		if (err)
			err->code = SL_EXIT_USAGE;
		yaml_parser_delete(&p);
		return NULL;
	}
	cJSON *j = node_json(&doc, yaml_document_get_root_node(&doc), 0);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return j;
}

/* ---- the mapping ---- */

struct ctx {
	struct sl_promptfoo *out;
	const char *dir; /* the config's directory: file:// paths are relative to it */
};

static void note(struct ctx *c, const char *path, const char *fmt, ...) SL_PRINTF(3, 4);
static void note(struct ctx *c, const char *path, const char *fmt, ...)
{
	char why[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	struct sl_promptfoo *o = c->out;
	o->notes = sl_xrealloc(o->notes, (o->n_notes + 1) * sizeof *o->notes);
	o->notes[o->n_notes++] = (struct sl_import_note){ sl_xstrdup(path), sl_xstrdup(why) };
}

static char *rel_path(struct ctx *c, const char *p)
{
	return p[0] == '/' ? sl_xstrdup(p) : sl_xasprintf("%s/%s", c->dir, p);
}

static void add_prompt(struct ctx *c, const char *path, const char *name, const char *text)
{
	/* shortlist's {{var}} is promptfoo's Nunjucks without logic: filters, tags and
	 * expressions have no equivalent. */
	char **vars;
	size_t n;
	struct sl_error e = { 0 };
	if (strstr(text, "{%") || sl_template_vars(text, &vars, &n, &e) != 0) {
		note(c, path, "Nunjucks beyond {{var}} (%s): rewrite it with plain {{var}} "
			      "placeholders", e.msg[0] ? e.msg : "a {% tag %}");
		return;
	}
	for (size_t i = 0; i < n; i++)
		free(vars[i]);
	free(vars);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "user", text);
	cJSON_AddItemToArray(c->out->prompts, p);
}

static void prompt_file(struct ctx *c, const char *path, const char *file)
{
	char *full = rel_path(c, file);
	glob_t g;
	int rc = glob(full, 0, NULL, &g);
	if (rc != 0) {
		note(c, path, "file://%s matches no file", file);
		free(full);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct sl_error e = { 0 };
		size_t len;
		char *text = sl_read_file(g.gl_pathv[i], &len, &e);
		if (!text) {
			note(c, path, "%s", e.msg);
			continue;
		}
		char *b = sl_xstrdup(g.gl_pathv[i]);
		char *base = basename(b), *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = 0;
		if (sl_str_ends_with(g.gl_pathv[i], ".json"))
			note(c, path, "%s: chat-format JSON prompts are not imported: write it as "
				      "a shortlist prompt file (system/user/messages)", g.gl_pathv[i]);
		else
			add_prompt(c, path, base, text);
		free(b);
		free(text);
	}
	globfree(&g);
	free(full);
}

static void map_prompts(struct ctx *c, const cJSON *prompts)
{
	const cJSON *p;
	int i = 0;
	if (cJSON_IsString(prompts)) {
		if (!strncmp(prompts->valuestring, "file://", 7))
			prompt_file(c, "prompts", prompts->valuestring + 7);
		else
			add_prompt(c, "prompts", "prompt1", prompts->valuestring);
		return;
	}
	cJSON_ArrayForEach(p, prompts) {
		char path[64], name[32];
		snprintf(path, sizeof path, "prompts[%d]", i);
		snprintf(name, sizeof name, "prompt%d", ++i);
		const cJSON *raw = p;
		if (cJSON_IsObject(p)) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id");
			const cJSON *label = cJSON_GetObjectItemCaseSensitive(p, "label");
			raw = cJSON_IsString(id) ? id : cJSON_GetObjectItemCaseSensitive(p, "raw");
			if (cJSON_IsString(label))
				snprintf(name, sizeof name, "%.31s", label->valuestring);
		}
		if (!cJSON_IsString(raw))
			note(c, path, "not a prompt text or file:// path");
		else if (!strncmp(raw->valuestring, "file://", 7))
			prompt_file(c, path, raw->valuestring + 7);
		else
			add_prompt(c, path, name, raw->valuestring);
	}
}

static void map_provider(struct ctx *c, const char *path, const cJSON *p, cJSON *models)
{
	const cJSON *id = cJSON_IsString(p) ? p : cJSON_GetObjectItemCaseSensitive(p, "id");
	if (!cJSON_IsString(id)) {
		note(c, path, "a provider without an id");
		return;
	}
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(p, "config");
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(conf, "apiBaseUrl");
	static const struct { const char *prefix, *as; } map[] = {
		{ "openai:chat:", "openai:" }, { "anthropic:messages:", "anthropic:" },
		{ "bedrock:", "bedrock:" }, { "ollama:chat:", "ollama:" }, { "ollama:", "ollama:" },
	};
	const char *v = id->valuestring;
	for (size_t i = 0; i < SL_ARRAY_LEN(map); i++) {
		size_t n = strlen(map[i].prefix);
		if (strncmp(v, map[i].prefix, n) != 0)
			continue;
		if (cJSON_IsString(base)) {
			/* an OpenAI-compatible server: a providers.json entry names it */
			char *m = sl_xasprintf("imported:%s", v + n);
			cJSON_AddItemToArray(models, cJSON_CreateString(m));
			free(m);
			note(c, path, "apiBaseUrl %s: the suite calls it \"imported\"; add to "
				      "providers.json: \"imported\": {\"kind\": \"openai\", "
				      "\"base_url\": \"%s\", \"api_key_env\": \"...\"}",
			     base->valuestring, base->valuestring);
			return;
		}
		char *m = sl_xasprintf("%s%s", map[i].as, v + n);
		cJSON_AddItemToArray(models, cJSON_CreateString(m));
		free(m);
		if (cJSON_GetArraySize(conf) > 0)
			note(c, path, "provider config (temperature, max_tokens...) is not carried "
				      "over: set it in the suite's \"params\"");
		return;
	}
	note(c, path, "provider \"%s\" has no shortlist equivalent (openai:chat:, "
		      "anthropic:messages:, bedrock:, ollama:chat: and OpenAI-compatible ones with "
		      "apiBaseUrl are mapped)", v);
}

/* Keys of obj outside known: listed, since dropping them would change what is checked. */
static void note_extra_keys(struct ctx *c, const char *path, const cJSON *obj,
			    const char *const *known)
{
	const cJSON *k, *keys = cJSON_IsObject(obj) ? obj : NULL;
	cJSON_ArrayForEach(k, keys) {
		bool ok = false;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(known[i], k->string);
		if (!ok)
			note(c, path, "\"%s\" is not imported", k->string);
	}
}

static cJSON *scorer(const char *name)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	return o;
}

/* Put a reference-like value on the row; refuse a second, different one. */
static bool set_field(struct ctx *c, const char *path, cJSON *row, const char *field,
		      const cJSON *value)
{
	if (!row) {
		note(c, path, "only per-test (the value becomes the case's \"%s\"), not in "
			      "defaultTest", field);
		return false;
	}
	if (!cJSON_IsString(value)) {
		note(c, path, "needs a string value");
		return false;
	}
	const cJSON *have = cJSON_GetObjectItemCaseSensitive(row, field);
	if (cJSON_IsString(have) && strcmp(have->valuestring, value->valuestring) != 0) {
		note(c, path, "a second, different \"%s\" for one case", field);
		return false;
	}
	if (!have)
		cJSON_AddStringToObject(row, field, value->valuestring);
	return true;
}

static cJSON *values_of(const cJSON *v)
{
	if (cJSON_IsArray(v))
		return cJSON_Duplicate(v, 1);
	cJSON *a = cJSON_CreateArray();
	if (cJSON_IsString(v)) { /* promptfoo also takes "a,b,c" */
		char *copy = sl_xstrdup(v->valuestring), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ')
				t++;
			cJSON_AddItemToArray(a, cJSON_CreateString(t));
		}
		free(copy);
	}
	return a;
}

/* One assertion as a shortlist scorer object; NULL (with a note) when it has none. row is
 * the case for a test's own assertion, NULL in defaultTest. *judge: it needs the judge. */
static cJSON *map_assert(struct ctx *c, const char *path, const cJSON *a, cJSON *row,
			 bool *judge)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(a, "type");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "value");
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(a, "threshold");
	if (!cJSON_IsString(t)) {
		note(c, path, "an assertion without a type");
		return NULL;
	}
	static const char *const akeys[] = { "type", "value", "threshold", "metric", NULL };
	note_extra_keys(c, path, a, akeys);
	const char *type = t->valuestring;
	bool neg = !strncmp(type, "not-", 4);
	const char *base = neg ? type + 4 : type;
	bool icase = base[0] == 'i' && !strncmp(base, "icontains", 9);
	const char *kind = icase ? base + 1 : base;
	cJSON *o = NULL;
	if (!strcmp(kind, "contains") || !strcmp(kind, "contains-any") ||
	    !strcmp(kind, "contains-all")) {
		o = scorer(neg ? "not_contains" : "contains");
		if (!strcmp(kind, "contains")) {
			if (!cJSON_IsString(v))
				goto need_string;
			cJSON_AddStringToObject(o, "value", v->valuestring);
		} else {
			cJSON_AddItemToObject(o, "values", values_of(v));
			cJSON_AddStringToObject(o, "mode", strstr(kind, "-all") ? "all" : "any");
		}
		if (icase)
			cJSON_AddFalseToObject(o, "case_sensitive");
	} else if (neg) {
		note(c, path, "\"%s\": shortlist negates only contains checks (not_contains)", type);
		return NULL;
	} else if (!strcmp(type, "equals")) {
		if (!set_field(c, path, row, "expected", v))
			return NULL;
		o = scorer("exact");
	} else if (!strcmp(type, "starts-with")) {
		if (!cJSON_IsString(v))
			goto need_string;
		o = scorer("starts_with");
		cJSON_AddStringToObject(o, "value", v->valuestring);
	} else if (!strcmp(type, "regex")) {
		if (!cJSON_IsString(v))
			goto need_string;
		o = scorer("regex");
		cJSON_AddStringToObject(o, "pattern", v->valuestring);
	} else if (!strcmp(type, "is-json") || !strcmp(type, "contains-json")) {
		if (v)
			note(c, path, "the JSON schema of %s is not carried over (only that the "
				      "output holds JSON is checked)", type);
		o = scorer("is_json");
	} else if (!strcmp(type, "rouge-n") || !strcmp(type, "bleu") || !strcmp(type, "similar")) {
		if (!set_field(c, path, row, "reference", v))
			return NULL;
		o = scorer(!strcmp(type, "bleu") ? "bleu" : !strcmp(type, "similar") ? "cosine"
										   : "rouge");
		if (!strcmp(type, "rouge-n"))
			cJSON_AddStringToObject(o, "type", "rouge1");
		/* promptfoo's defaults: rouge-n 0.75, bleu 0.5, similar 0.75 */
		cJSON_AddNumberToObject(o, "threshold", cJSON_IsNumber(th) ? th->valuedouble
						       : !strcmp(type, "bleu") ? 0.5 : 0.75);
		th = NULL;
	} else if (!strcmp(type, "levenshtein")) {
		note(c, path, "promptfoo's levenshtein threshold is an edit distance, shortlist's "
			      "a ratio in [0, 1]: add a \"levenshtein\" scorer with a ratio threshold");
		return NULL;
	} else if (!strcmp(type, "latency") || !strcmp(type, "cost")) {
		if (!cJSON_IsNumber(th)) {
			note(c, path, "%s needs a numeric threshold", type);
			return NULL;
		}
		o = scorer(type);
		cJSON_AddNumberToObject(o, !strcmp(type, "latency") ? "max_ms" : "max_usd",
					th->valuedouble);
		th = NULL;
	} else if (!strcmp(type, "llm-rubric") || !strcmp(type, "model-graded-closedqa")) {
		if (!cJSON_IsString(v))
			goto need_string;
		*judge = true;
		if (row) /* the judge reads a case's own "rubric" */
			return set_field(c, path, row, "rubric", v), NULL;
		o = scorer("judge");
		cJSON_AddStringToObject(o, "rubric", v->valuestring);
		th = NULL;
	} else {
		note(c, path, "\"%s\" has no shortlist equivalent%s", type,
		     !strcmp(type, "javascript") || !strcmp(type, "python")
			     ? " (shortlist runs no code from a suite)"
			     : !strcmp(type, "select-best")
			     ? " (compare models with judge_pairwise or `shortlist rate` instead)" : "");
		return NULL;
	}
	if (th)
		note(c, path, "threshold %g ignored: %s is pass/fail", th->valuedouble, type);
	/* reported under promptfoo's metric, else its type ("icontains_any"), so two checks
	 * of one case never share a name */
	const cJSON *metric = cJSON_GetObjectItemCaseSensitive(a, "metric");
	char as[128];
	snprintf(as, sizeof as, "%s", cJSON_IsString(metric) ? metric->valuestring : type);
	for (char *q = as; *q; q++)
		if (*q == '-')
			*q = '_';
	cJSON_AddStringToObject(o, "as", as);
	return o;
need_string:
	cJSON_Delete(o);
	note(c, path, "\"%s\" needs a string value", type);
	return NULL;
}

/* A test's or defaultTest's asserts: into list (scorer objects). */
static void map_asserts(struct ctx *c, const char *path, const cJSON *asserts, cJSON *row,
			cJSON *list, bool *judge)
{
	int i = 0;
	const cJSON *a;
	cJSON_ArrayForEach(a, asserts) {
		char ap[128];
		snprintf(ap, sizeof ap, "%s.assert[%d]", path, i++);
		cJSON *o = map_assert(c, ap, a, row, judge);
		if (!o)
			continue;
		/* a second check of one type: "contains_2" */
		const char *as = cJSON_GetObjectItemCaseSensitive(o, "as")->valuestring;
		char *name = sl_xstrdup(as);
		for (int k = 2;; k++) {
			bool taken = false;
			const cJSON *x;
			cJSON_ArrayForEach(x, list)
				taken |= !strcmp(cJSON_GetObjectItemCaseSensitive(x, "as")->valuestring,
						 name);
			if (!taken)
				break;
			free(name);
			name = sl_xasprintf("%s_%d", as, k);
		}
		cJSON_ReplaceItemInObjectCaseSensitive(o, "as", cJSON_CreateString(name));
		free(name);
		cJSON_AddItemToArray(list, o);
	}
}

static void copy_vars(struct ctx *c, const char *path, const cJSON *vars, cJSON *row)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, vars) {
		char vp[256];
		snprintf(vp, sizeof vp, "%s.vars.%s", path, v->string);
		if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
			note(c, vp, "a list or object value (promptfoo expands lists into several "
				    "tests): write one case per value");
			continue;
		}
		if (cJSON_IsString(v) && !strncmp(v->valuestring, "file://", 7)) {
			note(c, vp, "a file:// variable: put the file's text in the dataset");
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(row, v->string);
		if (cJSON_IsString(v))
			cJSON_AddStringToObject(row, v->string, v->valuestring);
		else
			cJSON_AddItemToObject(row, v->string, cJSON_Duplicate(v, 1));
	}
}

void sl_promptfoo_free(struct sl_promptfoo *p)
{
	cJSON_Delete(p->prompts);
	cJSON_Delete(p->cases);
	cJSON_Delete(p->suite);
	for (size_t i = 0; i < p->n_notes; i++) {
		free(p->notes[i].path);
		free(p->notes[i].why);
	}
	free(p->notes);
	memset(p, 0, sizeof *p);
}

int sl_promptfoo_convert(const char *config_path, struct sl_promptfoo *out,
			 struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	size_t len;
	char *text = sl_read_file(config_path, &len, err);
	if (!text) {
		if (err)
			err->code = SL_EXIT_USAGE;
		return -1;
	}
	cJSON *cfg = sl_yaml_parse(text, len, config_path, err);
	free(text);
	if (!cfg)
		return -1;
	if (!cJSON_IsObject(cfg)) {
		cJSON_Delete(cfg);
		sl_error_set(err, "%s: a promptfoo config is a YAML mapping (prompts, providers, "
			     "tests)", config_path);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	char *d = sl_xstrdup(config_path);
	struct ctx c = { out, dirname(d) };
	out->prompts = cJSON_CreateArray();
	out->cases = cJSON_CreateArray();
	out->suite = cJSON_CreateObject();
	static const char *const known[] = { "description", "prompts", "providers", "tests",
					     "defaultTest", NULL };
	const cJSON *k;
	cJSON_ArrayForEach(k, cfg) {
		bool ok = false;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(known[i], k->string);
		if (!ok)
			note(&c, k->string, "not imported (shortlist maps description, prompts, "
					    "providers, tests and defaultTest)");
	}
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(cfg, "description");
	if (cJSON_IsString(desc))
		cJSON_AddStringToObject(out->suite, "description", desc->valuestring);
	map_prompts(&c, cJSON_GetObjectItemCaseSensitive(cfg, "prompts"));
	cJSON *models = cJSON_CreateArray();
	const cJSON *provs = cJSON_GetObjectItemCaseSensitive(cfg, "providers"), *p;
	int i = 0;
	if (cJSON_IsString(provs))
		map_provider(&c, "providers", provs, models);
	const cJSON *prov_list = cJSON_IsArray(provs) ? provs : NULL;
	cJSON_ArrayForEach(p, prov_list) {
		char pp[64];
		snprintf(pp, sizeof pp, "providers[%d]", i++);
		map_provider(&c, pp, p, models);
	}
	cJSON *prompt_names = cJSON_CreateArray();
	const cJSON *pr;
	cJSON_ArrayForEach(pr, out->prompts)
		cJSON_AddItemToArray(prompt_names, cJSON_CreateString(
			cJSON_GetObjectItemCaseSensitive(pr, "name")->valuestring));
	cJSON_AddItemToObject(out->suite, "models", models);
	cJSON_AddItemToObject(out->suite, "prompts", prompt_names);
	cJSON_AddStringToObject(out->suite, "dataset", "cases.jsonl");
	cJSON *scorers = cJSON_AddArrayToObject(out->suite, "scorers");

	bool judge = false;
	const cJSON *dt = cJSON_GetObjectItemCaseSensitive(cfg, "defaultTest");
	static const char *const dkeys[] = { "vars", "assert", "options", NULL };
	note_extra_keys(&c, "defaultTest", dt, dkeys);
	map_asserts(&c, "defaultTest", cJSON_GetObjectItemCaseSensitive(dt, "assert"), NULL,
		    scorers, &judge);
	const cJSON *tests = cJSON_GetObjectItemCaseSensitive(cfg, "tests"), *t;
	if (cJSON_IsString(tests))
		note(&c, "tests", "tests from a file (%s) are not imported: list them inline",
		     tests->valuestring);
	bool rubric = false;
	i = 0;
	const cJSON *test_list = cJSON_IsArray(tests) ? tests : NULL;
	cJSON_ArrayForEach(t, test_list) {
		char tp[64];
		snprintf(tp, sizeof tp, "tests[%d]", i++);
		if (!cJSON_IsObject(t)) {
			note(&c, tp, "a test from a file: list it inline");
			continue;
		}
		static const char *const tkeys[] = { "vars", "assert", "description", NULL };
		note_extra_keys(&c, tp, t, tkeys);
		cJSON *row = cJSON_CreateObject();
		copy_vars(&c, "defaultTest", cJSON_GetObjectItemCaseSensitive(dt, "vars"), row);
		copy_vars(&c, tp, cJSON_GetObjectItemCaseSensitive(t, "vars"), row);
		cJSON *own = cJSON_CreateArray();
		map_asserts(&c, tp, cJSON_GetObjectItemCaseSensitive(t, "assert"), row, own, &judge);
		rubric |= cJSON_GetObjectItemCaseSensitive(row, "rubric") != NULL;
		if (cJSON_GetArraySize(own) > 0)
			cJSON_AddItemToObject(row, "assert", own);
		else
			cJSON_Delete(own);
		cJSON_AddItemToArray(out->cases, row);
	}
	/* cases' rubrics are read by the suite's judge scorer (a case's own rubric wins) */
	bool have_judge = false;
	const cJSON *sc;
	cJSON_ArrayForEach(sc, scorers)
		have_judge |= !strcmp(cJSON_GetObjectItemCaseSensitive(sc, "name")->valuestring,
				      "judge");
	if (rubric && !have_judge) {
		cJSON *j = scorer("judge");
		cJSON_AddStringToObject(j, "as", "llm_rubric");
		cJSON_AddItemToArray(scorers, j);
	}
	if (judge) {
		const cJSON *opt = cJSON_GetObjectItemCaseSensitive(dt, "options");
		const cJSON *jp = cJSON_GetObjectItemCaseSensitive(opt, "provider");
		cJSON *jm = cJSON_CreateArray();
		if (jp)
			map_provider(&c, "defaultTest.options.provider", jp, jm);
		const cJSON *pick = cJSON_GetArrayItem(jm, 0);
		if (!pick) {
			pick = cJSON_GetArrayItem(models, 0);
			note(&c, "defaultTest.options.provider", "no grading provider: the suite's "
				 "judge is the first model; set \"judge\" in the suite to choose");
		}
		if (pick)
			cJSON_AddStringToObject(out->suite, "judge", pick->valuestring);
		cJSON_Delete(jm);
	}
	free(d);
	cJSON_Delete(cfg);
	return 0;
}
