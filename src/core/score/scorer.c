/* The scorer registry (see scorer.h): one table of scorers, each with its parameters, an
 * init that checks and compiles them once, and a per-cell score function. */
#include "shortlist/scorer.h"

#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shortlist/accuracy.h"
#include "shortlist/bleu.h"
#include "shortlist/engine.h"
#include "shortlist/jsonschema.h"
#include "shortlist/rouge.h"
#include "shortlist/similarity.h"
#include "shortlist/utf8.h"

struct scorer_def {
	struct sl_scorer_info info;
	const char *default_field; /* "expected", "reference", "label" or NULL (none needed) */
	int (*init)(struct sl_scorer *s, struct sl_error *err);
	void (*score)(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
		      struct sl_score *out);
	void (*fini)(struct sl_scorer *s);
};

struct sl_scorer {
	const struct scorer_def *def;
	cJSON *spec; /* a copy */
	char *path;
	char *id;
	char *field;
	double threshold; /* NAN = none */
	char metric_label[96];
	/* state used by some scorers */
	regex_t re;
	bool re_ok;
	char **strings;
	size_t n_strings;
	bool flag_a, flag_b; /* case_sensitive / normalize / strict / stem ... */
	int mode;
	double number;
	const cJSON *schema; /* inside spec */
	struct sl_rouge *rouge;
	int rouge_type;
	char *text;
	struct sl_engine *engine; /* cosine with an embedding model, made at first use */
};

/* ---- helpers ---- */

static void set_detail(struct sl_score *out, const char *fmt, ...) SL_PRINTF(2, 3);
static void set_detail(struct sl_score *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof out->detail, fmt, ap);
	va_end(ap);
	/* JSON output must stay valid UTF-8: never end inside a character */
	out->detail[sl_utf8_prefix(out->detail, sizeof out->detail - 1)] = '\0';
}

/* At most max bytes of s for "%.*s", without cutting a character. */
static int quote_len(const char *s, size_t max)
{
	return (int)sl_utf8_prefix(s ? s : "", max);
}

static void set_bool(struct sl_score *out, bool ok)
{
	out->status = SL_SCORE_OK;
	out->value = ok ? 1 : 0;
	out->pass = ok;
}

static void set_predicted(struct sl_score *out, const char *s)
{
	snprintf(out->predicted, sizeof out->predicted, "%.*s",
		 quote_len(s, sizeof out->predicted - 1), s ? s : "");
}

static const cJSON *param(const struct sl_scorer *s, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(s->spec, name);
}

static const char *param_str(const struct sl_scorer *s, const char *name, const char *def)
{
	const cJSON *j = param(s, name);
	return cJSON_IsString(j) ? j->valuestring : def;
}

static bool param_bool(const struct sl_scorer *s, const char *name, bool def)
{
	const cJSON *j = param(s, name);
	return cJSON_IsBool(j) ? cJSON_IsTrue(j) : def;
}

static double param_num(const struct sl_scorer *s, const char *name, double def)
{
	const cJSON *j = param(s, name);
	return cJSON_IsNumber(j) ? j->valuedouble : def;
}

/* "value" or "values" into s->strings. */
static int load_values(struct sl_scorer *s, struct sl_error *err)
{
	const cJSON *v = param(s, "value"), *vs = param(s, "values");
	if ((v != NULL) == (vs != NULL)) {
		sl_error_set(err, "%s: give exactly one of \"value\" (a string) or \"values\" (a list)",
			     s->path);
		return -1;
	}
	if (v) {
		s->strings = sl_xcalloc(1, sizeof *s->strings);
		s->strings[0] = sl_xstrdup(v->valuestring);
		s->n_strings = 1;
		return 0;
	}
	int n = cJSON_GetArraySize(vs);
	if (n == 0) {
		sl_error_set(err, "%s.values: the list is empty", s->path);
		return -1;
	}
	s->strings = sl_xcalloc((size_t)n, sizeof *s->strings);
	const cJSON *e;
	cJSON_ArrayForEach(e, vs) s->strings[s->n_strings++] = sl_xstrdup(e->valuestring);
	return 0;
}

static int load_mode(struct sl_scorer *s, const char *def, struct sl_error *err)
{
	const char *m = param_str(s, "mode", def);
	if (strcmp(m, "any") == 0)
		s->mode = 0;
	else if (strcmp(m, "all") == 0)
		s->mode = 1;
	else {
		sl_error_set(err, "%s.mode: '%s' is not \"any\" or \"all\"", s->path, m);
		return -1;
	}
	return 0;
}

/* glibc's regcomp copies a repeated atom once per count ("b+" is "bb*", "b{2,5}" five
 * b's) and its matcher's memory grows with the square of the copies: "ab+++…+c" doubles
 * per "+" (24 GB at 40). Count the copies before compiling; 2,000 cost about 30 MB. */
#define REGEX_MAX_POSITIONS 2000.0

/* The copies an interval at *p ("{n}", "{n,}", "{n,m}") makes, moving *p to its '}';
 * -1 if it is not one (regcomp judges it), 0 beyond RE_DUP_MAX (regcomp refuses it). */
static double interval_copies(const char **p)
{
	char *end;
	const char *q = *p + 1;
	unsigned long n = strtoul(q, &end, 10), m = n;
	if (end == q)
		return -1;
	if (*end == ',') {
		q = end + 1;
		m = strtoul(q, &end, 10);
		if (end == q)
			m = n + 1;
	}
	if (*end != '}')
		return -1;
	*p = end;
	if (n > RE_DUP_MAX || m > RE_DUP_MAX + 1)
		return 0;
	return (double)(m > n ? m : n);
}

/* The end of a bracket expression starting at p: its ']', or the string's end. */
static const char *bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++)
		if (*p == '[' && p[1] && strchr(":=.", p[1])) {
			const char *close = strchr(p + 2, p[1]);
			if (close && close[1] == ']')
				p = close + 1;
		}
	return p;
}

/* Positions of an ERE once its repetitions are expanded (stops counting past the limit). */
static double regex_positions(const char *p)
{
	enum { DEPTH = 64 };
	double total[DEPTH], last[DEPTH]; /* per open group: what is summed, the last atom */
	int d = 0;
	total[0] = last[0] = 0;
	for (; *p && total[d] + last[d] <= REGEX_MAX_POSITIONS; p++) {
		double atom = 1;
		switch (*p) {
		case '*':
		case '?':
			continue;
		case '+':
			last[d] *= 2;
			continue;
		case '{': {
			double copies = interval_copies(&p);
			if (copies == 0)
				return 0;
			if (copies > 0) {
				last[d] *= copies;
				continue;
			}
			break;
		}
		case '\\':
			if (p[1])
				p++;
			break;
		case '[':
			p = bracket_end(p);
			if (!*p)
				return 0;
			break;
		case '(':
			if (d + 1 == DEPTH)
				return REGEX_MAX_POSITIONS + 1;
			total[d] += last[d];
			last[d] = 0;
			d++;
			total[d] = last[d] = 0;
			continue;
		case ')':
			if (d > 0)
				atom = total[d] + last[d] + 1, d--;
			break;
		case '|':
			total[d] += last[d] + 1;
			last[d] = 0;
			continue;
		default:
			break;
		}
		total[d] += last[d];
		last[d] = atom;
	}
	double sum = 0;
	for (int i = 0; i <= d; i++)
		sum += total[i] + last[i];
	return sum;
}

static int compile_regex(struct sl_scorer *s, struct sl_error *err)
{
	const char *pattern = param_str(s, "pattern", "");
	const char *flags = param_str(s, "flags", "");
	int cflags = REG_EXTENDED;
	for (const char *f = flags; *f; f++) {
		if (*f == 'i')
			cflags |= REG_ICASE;
		else if (*f == 'm')
			cflags |= REG_NEWLINE;
		else {
			sl_error_set(err, "%s.flags: unknown flag '%c' (use i for case-insensitive, m for "
					  "multi-line)", s->path, *f);
			return -1;
		}
	}
	double positions = regex_positions(pattern);
	if (positions > REGEX_MAX_POSITIONS) {
		sl_error_set(err, "%s.pattern: regex too large once its repetitions are expanded "
			     "(over %.0f positions): write \"b+\" instead of stacked quantifiers "
			     "like \"b++\", and use smaller {n,m} counts", s->path,
			     REGEX_MAX_POSITIONS);
		return -1;
	}
	int rc = regcomp(&s->re, pattern, cflags);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &s->re, msg, sizeof msg);
		sl_error_set(err, "%s.pattern: invalid POSIX extended regex \"%s\": %s", s->path,
			     pattern, msg);
		return -1;
	}
	s->re_ok = true;
	return 0;
}

static bool has_substring(const char *hay, const char *needle, bool case_sensitive)
{
	return case_sensitive ? strstr(hay, needle) != NULL : sl_strcasestr(hay, needle) != NULL;
}

/* ---- MATCH scorers ---- */

/* The expected answer without surrounding spaces, tabs and line ends (as exact trims it). */
static const char *trim(const char *s, size_t *len)
{
	const char *e;
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'); e--)
		;
	*len = (size_t)(e - s);
	return s;
}

/* The expected answer, trimmed, as the class a classification report counts. */
static void set_truth(struct sl_score *out, const char *expected)
{
	size_t n;
	const char *b = trim(expected, &n);
	if (n > sizeof out->truth - 1)
		n = sl_utf8_prefix(b, sizeof out->truth - 1);
	snprintf(out->truth, sizeof out->truth, "%.*s", (int)n, b);
}

static void score_exact(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			struct sl_score *out)
{
	set_bool(out, sl_match_exact(c->output, expected));
	size_t n;
	set_predicted(out, trim(c->output, &n));
}

static void score_normalized(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			     struct sl_score *out)
{
	char *n = sl_text_normalize(c->output);
	set_predicted(out, n);
	free(n);
	set_bool(out, sl_match_normalized(c->output, expected));
}

static int init_label(struct sl_scorer *s, struct sl_error *err)
{
	const cJSON *labels = param(s, "labels"), *e;
	if (cJSON_GetArraySize(labels) == 0) {
		sl_error_set(err, "%s.labels: give the allowed labels, e.g. [\"positive\", \"negative\"]",
			     s->path);
		return -1;
	}
	s->strings = sl_xcalloc((size_t)cJSON_GetArraySize(labels), sizeof *s->strings);
	cJSON_ArrayForEach(e, labels) s->strings[s->n_strings++] = sl_xstrdup(e->valuestring);
	return 0;
}

static void score_label(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			struct sl_score *out)
{
	int k = sl_extract_label(c->output, (const char *const *)s->strings, s->n_strings);
	set_predicted(out, k >= 0 ? s->strings[k] : "");
	size_t tl;
	const char *t = trim(expected, &tl);
	bool ok = k >= 0 && strlen(s->strings[k]) == tl && strncasecmp(s->strings[k], t, tl) == 0;
	set_bool(out, ok);
	/* the truth as spelled in the label list, so case differences do not split classes */
	for (size_t i = 0; i < s->n_strings; i++)
		if (strlen(s->strings[i]) == tl && strncasecmp(s->strings[i], t, tl) == 0)
			snprintf(out->truth, sizeof out->truth, "%s", s->strings[i]);
	if (k < 0)
		set_detail(out, "none of the %zu labels appears in the output", s->n_strings);
}

static int init_choice(struct sl_scorer *s, struct sl_error *err)
{
	s->text = sl_xstrdup(param_str(s, "letters", "ABCD"));
	for (const char *p = s->text; *p; p++)
		if (*p < 'A' || *p > 'Z') {
			sl_error_set(err, "%s.letters: \"%s\" must be capital letters, e.g. \"ABCD\"",
				     s->path, s->text);
			return -1;
		}
	if (!*s->text) {
		sl_error_set(err, "%s.letters: must not be empty", s->path);
		return -1;
	}
	return 0;
}

static void score_choice(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			 struct sl_score *out)
{
	char got = sl_extract_choice(c->output, s->text);
	char want = sl_extract_choice(expected, s->text);
	char buf[2] = { got, 0 };
	set_predicted(out, buf);
	if (!want) {
		out->status = SL_SCORE_ERROR;
		out->value = NAN;
		set_detail(out, "the expected answer \"%.*s\" is not one of %s", quote_len(expected, 60),
			   expected, s->text);
		return;
	}
	set_bool(out, got == want);
	out->truth[0] = want;
	out->truth[1] = '\0';
	if (!got)
		set_detail(out, "no choice among %s found in the output", s->text);
}

static int init_regex(struct sl_scorer *s, struct sl_error *err)
{
	s->flag_a = param_bool(s, "normalize", false);
	return compile_regex(s, err);
}

static bool compare_answer(const char *got, const char *expected, bool normalize)
{
	return normalize ? sl_match_normalized(got, expected) : sl_match_exact(got, expected);
}

static void score_regex_capture(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
				struct sl_score *out)
{
	char *cap = sl_regex_capture(&s->re, c->output);
	set_predicted(out, cap);
	set_bool(out, cap && compare_answer(cap, expected, s->flag_a));
	if (!cap)
		set_detail(out, "the pattern does not match the output");
	free(cap);
}

static int init_json_field(struct sl_scorer *s, struct sl_error *err)
{
	s->flag_a = param_bool(s, "normalize", false);
	return 0;
}

static void score_json_field(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			     struct sl_score *out)
{
	const char *why = NULL;
	char *got = sl_json_field(c->output, param_str(s, "path", ""), &why);
	set_predicted(out, got);
	if (!got) {
		set_bool(out, false);
		set_detail(out, "%s", why);
		return;
	}
	bool ok = compare_answer(got, expected, s->flag_a);
	if (!ok) {
		/* Numbers and structures compare as JSON: 42 == 42.0, key order ignored. */
		cJSON *a = cJSON_Parse(got), *b = cJSON_Parse(expected);
		ok = a && b && cJSON_Compare(a, b, true);
		if (!ok && a && b && cJSON_IsNumber(a) && cJSON_IsNumber(b))
			ok = a->valuedouble == b->valuedouble;
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	set_bool(out, ok);
	free(got);
}

/* ---- ASSERT scorers ---- */

static int init_contains(struct sl_scorer *s, struct sl_error *err)
{
	s->flag_a = param_bool(s, "case_sensitive", true);
	return load_values(s, err) ? -1 : load_mode(s, "any", err);
}

static void score_contains(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			   struct sl_score *out)
{
	size_t found = 0;
	const char *missing = NULL;
	for (size_t i = 0; i < s->n_strings; i++) {
		if (has_substring(c->output, s->strings[i], s->flag_a))
			found++;
		else if (!missing)
			missing = s->strings[i];
	}
	bool ok = s->mode ? found == s->n_strings : found > 0;
	set_bool(out, ok);
	if (!ok)
		set_detail(out, s->mode ? "missing \"%.*s\"" : "contains none of the values (first: \"%.*s\")",
			   quote_len(s->mode ? missing : s->strings[0], 80), s->mode ? missing : s->strings[0]);
}

static void score_not_contains(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			       struct sl_score *out)
{
	size_t found = 0;
	const char *hit = NULL;
	for (size_t i = 0; i < s->n_strings; i++)
		if (has_substring(c->output, s->strings[i], s->flag_a)) {
			found++;
			if (!hit)
				hit = s->strings[i];
		}
	/* any: none of them may appear; all: they may not all appear together */
	bool ok = s->mode ? found < s->n_strings : found == 0;
	set_bool(out, ok);
	if (!ok)
		set_detail(out, s->mode ? "contains every value" : "contains \"%.*s\"",
			   quote_len(s->mode ? "" : hit, 80), s->mode ? "" : hit);
}

static int init_starts_with(struct sl_scorer *s, struct sl_error *err)
{
	s->flag_a = param_bool(s, "case_sensitive", true);
	return load_values(s, err);
}

static void score_starts_with(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			      struct sl_score *out)
{
	const char *o = c->output;
	while (*o == ' ' || *o == '\n' || *o == '\t' || *o == '\r')
		o++;
	bool ok = false;
	for (size_t i = 0; i < s->n_strings && !ok; i++) {
		size_t n = strlen(s->strings[i]);
		ok = s->flag_a ? strncmp(o, s->strings[i], n) == 0 : strncasecmp(o, s->strings[i], n) == 0;
	}
	set_bool(out, ok);
	if (!ok)
		set_detail(out, "starts with \"%.*s\"", quote_len(o, 40), o);
}

static void score_regex(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			struct sl_score *out)
{
	set_bool(out, regexec(&s->re, c->output, 0, NULL, 0) == 0);
	if (!out->pass)
		set_detail(out, "no match for /%.*s/", quote_len(param_str(s, "pattern", ""), 80),
			   param_str(s, "pattern", ""));
}

static int init_is_json(struct sl_scorer *s, struct sl_error *err)
{
	s->flag_a = param_bool(s, "strict", false);
	if (param(s, "schema")) {
		s->schema = param(s, "schema");
		char *sub = sl_xasprintf("%s.schema", s->path);
		int rc = sl_jsonschema_check(s->schema, sub, err);
		free(sub);
		return rc;
	}
	return 0;
}

static cJSON *output_json(struct sl_scorer *s, const char *output)
{
	return s->flag_a ? cJSON_Parse(output) : sl_json_from_output(output);
}

static void score_is_json(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			  struct sl_score *out)
{
	cJSON *j = output_json(s, c->output);
	set_bool(out, j != NULL);
	if (!j)
		set_detail(out, s->flag_a ? "the output is not a JSON document"
					  : "no JSON document found in the output");
	cJSON_Delete(j);
}

static void score_json_schema(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			      struct sl_score *out)
{
	cJSON *j = output_json(s, c->output);
	if (!j) {
		set_bool(out, false);
		set_detail(out, "no JSON document found in the output");
		return;
	}
	set_bool(out, sl_jsonschema_validate(s->schema, j, out->detail, sizeof out->detail));
	cJSON_Delete(j);
}

static int init_max_length(struct sl_scorer *s, struct sl_error *err)
{
	s->number = param_num(s, "max", -1);
	if (s->number < 0) {
		sl_error_set(err, "%s.max: must be a number >= 0", s->path);
		return -1;
	}
	const char *unit = param_str(s, "unit", "chars");
	if (strcmp(unit, "chars") == 0)
		s->mode = 0;
	else if (strcmp(unit, "words") == 0)
		s->mode = 1;
	else if (strcmp(unit, "bytes") == 0)
		s->mode = 2;
	else {
		sl_error_set(err, "%s.unit: '%s' is not chars, words or bytes", s->path, unit);
		return -1;
	}
	return 0;
}

static void score_max_length(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			     struct sl_score *out)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)c->output;
	if (s->mode == 2) {
		n = strlen(c->output);
	} else if (s->mode == 0) {
		n = sl_utf8_count(c->output);
	} else {
		bool in = false;
		for (; *p; p++) {
			bool sp = *p == ' ' || (*p >= '\t' && *p <= '\r');
			if (!sp && !in)
				n++;
			in = !sp;
		}
	}
	set_bool(out, (double)n <= s->number);
	set_detail(out, "%zu %s (max %g)", n, s->mode == 0 ? "chars" : s->mode == 1 ? "words" : "bytes",
		   s->number);
}

static int init_limit(struct sl_scorer *s, struct sl_error *err)
{
	const char *key = strcmp(s->def->info.name, "latency") == 0 ? "max_ms" : "max_usd";
	s->number = param_num(s, key, -1);
	if (s->number < 0) {
		sl_error_set(err, "%s.%s: must be a number >= 0", s->path, key);
		return -1;
	}
	return 0;
}

static void score_latency(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			  struct sl_score *out)
{
	if (isnan(c->latency_ms)) {
		out->status = SL_SCORE_ERROR;
		set_detail(out, "the cell has no latency measurement");
		return;
	}
	set_bool(out, c->latency_ms <= s->number);
	set_detail(out, "%.0f ms (max %g ms)", c->latency_ms, s->number);
}

static void score_cost(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
		       struct sl_score *out)
{
	if (isnan(c->cost)) {
		out->status = SL_SCORE_ERROR;
		set_detail(out, "cost unknown: the model's price is not known, so no cost "
				"limit can be checked (never counted as $0)");
		return;
	}
	set_bool(out, c->cost <= s->number);
	set_detail(out, "$%.6f (max $%g)", c->cost, s->number);
}

/* ---- SIMILARITY scorers ---- */

static int init_rouge(struct sl_scorer *s, struct sl_error *err)
{
	if (sl_rouge_type_parse(param_str(s, "type", "rougeL"), &s->rouge_type, err) != 0) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err->msg);
		sl_error_set(err, "%s.type: %s", s->path, msg);
		return -1;
	}
	/* Named after what it measures ("rougeL", "rouge2") unless the suite says otherwise. */
	if (!cJSON_GetObjectItemCaseSensitive(s->spec, "as")) {
		free(s->id);
		s->id = sl_xstrdup(param_str(s, "type", "rougeL"));
	}
	s->flag_a = param_bool(s, "stem", false);
	const char *measure = param_str(s, "measure", "f");
	if (strcmp(measure, "f") == 0)
		s->mode = 0;
	else if (strcmp(measure, "precision") == 0)
		s->mode = 1;
	else if (strcmp(measure, "recall") == 0)
		s->mode = 2;
	else {
		sl_error_set(err, "%s.measure: '%s' is not f, precision or recall", s->path, measure);
		return -1;
	}
	s->rouge = sl_rouge_new(s->flag_a, err);
	if (!s->rouge)
		return -1;
	snprintf(s->metric_label, sizeof s->metric_label, "%s %s%s", sl_rouge_type_name(s->rouge_type),
		 s->mode == 0 ? "F1" : s->mode == 1 ? "precision" : "recall",
		 s->flag_a ? " (stemmed)" : "");
	return 0;
}

static void finish_similarity(const struct sl_scorer *s, double v, struct sl_score *out)
{
	out->status = SL_SCORE_OK;
	out->value = v;
	out->pass = isnan(s->threshold) || v >= s->threshold;
	if (!out->pass)
		set_detail(out, "%.4f < threshold %g", v, s->threshold);
}

static void score_rouge(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			struct sl_score *out)
{
	struct sl_prf r = sl_rouge_score(s->rouge, s->rouge_type, expected, c->output);
	finish_similarity(s, s->mode == 0 ? r.f : s->mode == 1 ? r.precision : r.recall, out);
}

static int init_bleu(struct sl_scorer *s, struct sl_error *err)
{
	enum sl_bleu_tokenizer tok;
	if (sl_bleu_tokenizer_parse(param_str(s, "tokenize", "13a"), &tok, err) != 0) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err->msg);
		sl_error_set(err, "%s.tokenize: %s", s->path, msg);
		return -1;
	}
	s->mode = (int)tok;
	snprintf(s->metric_label, sizeof s->metric_label, "sentence BLEU/100 (tok:%s, smooth:exp, eff:yes)",
		 tok == SL_BLEU_TOK_13A ? "13a" : "none");
	return 0;
}

static void score_bleu(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
		       struct sl_score *out)
{
	/* Sentence level: sacreBLEU's sentence_bleu advice is effective order, so short
	 * outputs are not zeroed by a missing 4-gram. */
	struct sl_bleu_opts o = { .tokenize = (enum sl_bleu_tokenizer)s->mode,
				  .smooth = SL_BLEU_SMOOTH_EXP, .smooth_value = -1,
				  .effective_order = true };
	struct sl_bleu *b = sl_bleu_new(&o);
	sl_bleu_add(b, c->output, &expected, 1);
	struct sl_bleu_result r;
	sl_bleu_result(b, &r);
	sl_bleu_free(b);
	finish_similarity(s, r.score / 100, out);
}

static int init_levenshtein(struct sl_scorer *s, struct sl_error *err)
{
	const char *m = param_str(s, "mode", "ratio");
	if (strcmp(m, "ratio") == 0)
		s->mode = 0;
	else if (strcmp(m, "normalized") == 0)
		s->mode = 1;
	else {
		sl_error_set(err, "%s.mode: '%s' is not ratio or normalized", s->path, m);
		return -1;
	}
	snprintf(s->metric_label, sizeof s->metric_label, "%s",
		 s->mode ? "1 - levenshtein/max_len" : "levenshtein ratio (indel)");
	return 0;
}

static void score_levenshtein(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			      struct sl_score *out)
{
	finish_similarity(s, s->mode ? sl_levenshtein_normalized(c->output, expected)
				     : sl_levenshtein_ratio(c->output, expected), out);
}

static int init_tfidf(struct sl_scorer *s, struct sl_error *err)
{
	snprintf(s->metric_label, sizeof s->metric_label, "cosine (tfidf, lexical)");
	return 0;
}

static void score_tfidf(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			struct sl_score *out)
{
	/* The pair is its own corpus: deterministic per cell, whatever else the run holds. */
	struct sl_tfidf *t = sl_tfidf_new();
	sl_tfidf_add(t, expected);
	sl_tfidf_add(t, c->output);
	finish_similarity(s, sl_tfidf_cosine(t, expected, c->output), out);
	sl_tfidf_free(t);
}

static int init_cosine(struct sl_scorer *s, struct sl_error *err)
{
	const char *model = param_str(s, "model", sl_embedding_model_default());
	if (model)
		s->text = sl_xstrdup(model);
	if (model)
		snprintf(s->metric_label, sizeof s->metric_label, "cosine (embedding, %.60s)", model);
	else
		snprintf(s->metric_label, sizeof s->metric_label, "cosine (tfidf, lexical)");
	return 0;
}

static void score_cosine(struct sl_scorer *s, const struct sl_cell *c, const char *expected,
			 struct sl_score *out)
{
	if (!s->text) {
		score_tfidf(s, c, expected, out);
		return;
	}
	struct sl_error err = { 0 };
	if (!s->engine) {
		struct sl_engine_options opts;
		memset(&opts, 0, sizeof opts);
		s->engine = sl_engine_new(&opts, &err);
	}
	double v;
	if (!s->engine || sl_embedding_cosine(s->engine, s->text, expected, c->output, &v, &err) != 0) {
		/* an embedding failure is not a similarity of 0 */
		out->status = SL_SCORE_ERROR;
		set_detail(out, "%s", err.msg);
		return;
	}
	finish_similarity(s, v, out);
}

static void fini_cosine(struct sl_scorer *s)
{
	sl_engine_free(s->engine);
	s->engine = NULL;
}

/* ---- the table ---- */

#define COMMON_MATCH { "normalize", SL_PARAM_BOOL, false, "compare after normalising case, spaces, punctuation" }
#define VALUES                                                                             \
	{ "value", SL_PARAM_STRING, false, "one string" },                                 \
	{ "values", SL_PARAM_STRINGS, false, "several strings" }

static const struct sl_param_def p_none[] = { { NULL, 0, false, NULL } };
static const struct sl_param_def p_label[] = {
	{ "labels", SL_PARAM_STRINGS, true, "the allowed labels" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_choice[] = {
	{ "letters", SL_PARAM_STRING, false, "allowed letters (default ABCD)" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_regex_capture[] = {
	{ "pattern", SL_PARAM_STRING, true, "POSIX extended regex; group 1 is the answer" },
	{ "flags", SL_PARAM_STRING, false, "i: ignore case, m: multi-line" },
	COMMON_MATCH, { NULL, 0, false, NULL } };
static const struct sl_param_def p_json_field[] = {
	{ "path", SL_PARAM_STRING, true, "field path, e.g. answer or result.items[0]" },
	COMMON_MATCH, { NULL, 0, false, NULL } };
static const struct sl_param_def p_contains[] = {
	VALUES, { "mode", SL_PARAM_STRING, false, "any (default) or all" },
	{ "case_sensitive", SL_PARAM_BOOL, false, "default true" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_starts_with[] = {
	VALUES, { "case_sensitive", SL_PARAM_BOOL, false, "default true" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_regex[] = {
	{ "pattern", SL_PARAM_STRING, true, "POSIX extended regex the output must match" },
	{ "flags", SL_PARAM_STRING, false, "i: ignore case, m: multi-line" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_is_json[] = {
	{ "strict", SL_PARAM_BOOL, false, "the whole output must be JSON (default: a fenced or embedded document counts)" },
	{ NULL, 0, false, NULL } };
static const struct sl_param_def p_json_schema[] = {
	{ "schema", SL_PARAM_OBJECT, true, "a JSON Schema (subset)" },
	{ "strict", SL_PARAM_BOOL, false, "the whole output must be JSON" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_max_length[] = {
	{ "max", SL_PARAM_NUMBER, true, "the largest allowed length" },
	{ "unit", SL_PARAM_STRING, false, "chars (default), words or bytes" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_latency[] = {
	{ "max_ms", SL_PARAM_NUMBER, true, "end-to-end latency limit in ms" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_cost[] = {
	{ "max_usd", SL_PARAM_NUMBER, true, "cost limit per request in USD" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_rouge[] = {
	{ "type", SL_PARAM_STRING, false, "rouge1..rouge9, rougeL (default), rougeLsum" },
	{ "stem", SL_PARAM_BOOL, false, "Porter-stem tokens longer than 3" },
	{ "measure", SL_PARAM_STRING, false, "f (default), precision or recall" },
	{ "threshold", SL_PARAM_NUMBER, false, "pass at or above this" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_bleu[] = {
	{ "tokenize", SL_PARAM_STRING, false, "13a (default) or none" },
	{ "threshold", SL_PARAM_NUMBER, false, "pass at or above this (0-1)" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_levenshtein[] = {
	{ "mode", SL_PARAM_STRING, false, "ratio (default, InDel) or normalized" },
	{ "threshold", SL_PARAM_NUMBER, false, "pass at or above this" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_cosine[] = {
	{ "model", SL_PARAM_STRING, false, "embedding model (default $SHORTLIST_EMBEDDING_MODEL; none: tfidf)" },
	{ "threshold", SL_PARAM_NUMBER, false, "pass at or above this" }, { NULL, 0, false, NULL } };
static const struct sl_param_def p_tfidf[] = {
	{ "threshold", SL_PARAM_NUMBER, false, "pass at or above this" }, { NULL, 0, false, NULL } };

static const struct scorer_def defs[] = {
	{ { "exact", SL_SCORER_MATCH, "output equals the expected answer (surrounding whitespace ignored)", p_none }, "expected", NULL, score_exact, NULL },
	{ { "normalized", SL_SCORER_MATCH, "equal after lowercasing, removing punctuation, collapsing spaces", p_none }, "expected", NULL, score_normalized, NULL },
	{ { "label", SL_SCORER_MATCH, "the first allowed label in the output is the expected label", p_label }, "label", init_label, score_label, NULL },
	{ { "choice", SL_SCORER_MATCH, "the letter choice (A-D) in the output is the expected one", p_choice }, "expected", init_choice, score_choice, NULL },
	{ { "regex_capture", SL_SCORER_MATCH, "a regex capture of the output equals the expected answer", p_regex_capture }, "expected", init_regex, score_regex_capture, NULL },
	{ { "json_field", SL_SCORER_MATCH, "a field of the output's JSON equals the expected answer", p_json_field }, "expected", init_json_field, score_json_field, NULL },
	{ { "contains", SL_SCORER_ASSERT, "the output contains the value (any/all of values)", p_contains }, NULL, init_contains, score_contains, NULL },
	{ { "not_contains", SL_SCORER_ASSERT, "the output contains none (any) / not all (all) of the values", p_contains }, NULL, init_contains, score_not_contains, NULL },
	{ { "starts_with", SL_SCORER_ASSERT, "the output (after leading whitespace) starts with a value", p_starts_with }, NULL, init_starts_with, score_starts_with, NULL },
	{ { "regex", SL_SCORER_ASSERT, "the output matches a POSIX extended regex", p_regex }, NULL, compile_regex, score_regex, NULL },
	{ { "is_json", SL_SCORER_ASSERT, "the output is (or contains) a JSON document", p_is_json }, NULL, init_is_json, score_is_json, NULL },
	{ { "json_schema", SL_SCORER_ASSERT, "the output's JSON satisfies a JSON Schema subset", p_json_schema }, NULL, init_is_json, score_json_schema, NULL },
	{ { "max_length", SL_SCORER_ASSERT, "the output is at most max chars/words/bytes", p_max_length }, NULL, init_max_length, score_max_length, NULL },
	{ { "latency", SL_SCORER_ASSERT, "end-to-end latency <= max_ms", p_latency }, NULL, init_limit, score_latency, NULL },
	{ { "cost", SL_SCORER_ASSERT, "request cost <= max_usd (unknown price: cannot score)", p_cost }, NULL, init_limit, score_cost, NULL },
	{ { "rouge", SL_SCORER_SIMILARITY, "ROUGE against the reference (rouge_score compatible)", p_rouge }, "reference", init_rouge, score_rouge, NULL },
	{ { "bleu", SL_SCORER_SIMILARITY, "sentence BLEU/100 against the reference (sacreBLEU compatible)", p_bleu }, "reference", init_bleu, score_bleu, NULL },
	{ { "levenshtein", SL_SCORER_SIMILARITY, "Levenshtein ratio against the reference", p_levenshtein }, "reference", init_levenshtein, score_levenshtein, NULL },
	{ { "cosine", SL_SCORER_SIMILARITY, "cosine of embeddings against the reference, or TF-IDF when no embedding model is set (labelled)", p_cosine }, "reference", init_cosine, score_cosine, fini_cosine },
	{ { "tfidf", SL_SCORER_SIMILARITY, "lexical TF-IDF cosine against the reference (not embeddings)", p_tfidf }, "reference", init_tfidf, score_tfidf, NULL },
};

static struct sl_scorer_info infos[SL_ARRAY_LEN(defs)];

size_t sl_scorer_list(const struct sl_scorer_info **out)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(defs); i++)
		infos[i] = defs[i].info;
	*out = infos;
	return SL_ARRAY_LEN(defs);
}

const char *sl_scorer_kind_name(enum sl_scorer_kind kind)
{
	return kind == SL_SCORER_MATCH ? "match" : kind == SL_SCORER_ASSERT ? "assert" : "similarity";
}

static const struct scorer_def *find_def(const char *name)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(defs); i++)
		if (strcmp(defs[i].info.name, name) == 0)
			return &defs[i];
	return NULL;
}

static const char *type_name(enum sl_param_type t)
{
	switch (t) {
	case SL_PARAM_STRING: return "a string";
	case SL_PARAM_NUMBER: return "a number";
	case SL_PARAM_BOOL: return "true or false";
	case SL_PARAM_STRINGS: return "a list of strings";
	case SL_PARAM_OBJECT: return "an object";
	}
	return "?";
}

static bool type_ok(enum sl_param_type t, const cJSON *v)
{
	switch (t) {
	case SL_PARAM_STRING: return cJSON_IsString(v);
	case SL_PARAM_NUMBER: return cJSON_IsNumber(v);
	case SL_PARAM_BOOL: return cJSON_IsBool(v);
	case SL_PARAM_OBJECT: return cJSON_IsObject(v);
	case SL_PARAM_STRINGS: {
		if (!cJSON_IsArray(v))
			return false;
		const cJSON *e;
		cJSON_ArrayForEach(e, v) if (!cJSON_IsString(e)) return false;
		return true;
	}
	}
	return false;
}

/* Names and types of every key; what the values mean is checked by init. */
static int check_params(const struct scorer_def *d, const cJSON *spec, const char *path,
			struct sl_error *err)
{
	const cJSON *k;
	cJSON_ArrayForEach(k, spec)
	{
		const char *key = k->string;
		if (strcmp(key, "name") == 0)
			continue;
		if (strcmp(key, "as") == 0 || strcmp(key, "field") == 0) {
			if (!cJSON_IsString(k) || !*k->valuestring) {
				sl_error_set(err, "%s.%s: must be a non-empty string", path, key);
				return -1;
			}
			if (strcmp(key, "field") == 0 && strcmp(k->valuestring, "expected") != 0 &&
			    strcmp(k->valuestring, "reference") != 0 && strcmp(k->valuestring, "label") != 0) {
				sl_error_set(err, "%s.field: '%s' is not expected, reference or label", path,
					     k->valuestring);
				return -1;
			}
			continue;
		}
		const struct sl_param_def *p = d->info.params;
		while (p->name && strcmp(p->name, key) != 0)
			p++;
		if (!p->name) {
			struct sl_buf known;
			sl_buf_init(&known);
			for (p = d->info.params; p->name; p++)
				sl_buf_printf(&known, "%s, ", p->name);
			sl_buf_puts(&known, "as, field");
			sl_error_set(err, "%s: unknown parameter \"%s\" for scorer \"%s\" (known: %s)", path,
				     key, d->info.name, known.data);
			sl_buf_free(&known);
			return -1;
		}
		if (!type_ok(p->type, k)) {
			sl_error_set(err, "%s.%s: must be %s", path, key, type_name(p->type));
			return -1;
		}
	}
	for (const struct sl_param_def *p = d->info.params; p->name; p++)
		if (p->required && !cJSON_GetObjectItemCaseSensitive(spec, p->name)) {
			sl_error_set(err, "%s: scorer \"%s\" needs \"%s\" (%s)", path, d->info.name, p->name,
				     p->help);
			return -1;
		}
	return 0;
}

struct sl_scorer *sl_scorer_new(const cJSON *spec, const char *path, struct sl_error *err)
{
	if (!path)
		path = "scorer";
	err->code = SL_EXIT_USAGE;
	if (!cJSON_IsObject(spec)) {
		sl_error_set(err, "%s: a scorer is an object like {\"name\": \"exact\"}", path);
		return NULL;
	}
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
	if (!cJSON_IsString(name)) {
		sl_error_set(err, "%s: a scorer needs a \"name\"", path);
		return NULL;
	}
	const struct scorer_def *d = find_def(name->valuestring);
	if (!d) {
		struct sl_buf known;
		sl_buf_init(&known);
		for (size_t i = 0; i < SL_ARRAY_LEN(defs); i++)
			sl_buf_printf(&known, "%s%s", i ? ", " : "", defs[i].info.name);
		sl_error_set(err, "%s: unknown scorer \"%s\" (known: %s)", path, name->valuestring,
			     known.data);
		sl_buf_free(&known);
		return NULL;
	}
	if (check_params(d, spec, path, err) != 0)
		return NULL;
	struct sl_scorer *s = sl_xcalloc(1, sizeof *s);
	s->def = d;
	s->spec = cJSON_Duplicate(spec, true);
	s->path = sl_xstrdup(path);
	s->id = sl_xstrdup(param_str(s, "as", d->info.name));
	const char *field = param_str(s, "field", d->default_field);
	s->field = field ? sl_xstrdup(field) : NULL;
	s->threshold = param_num(s, "threshold", NAN);
	snprintf(s->metric_label, sizeof s->metric_label, "%s", d->info.kind == SL_SCORER_ASSERT
		 ? "pass rate" : d->info.kind == SL_SCORER_MATCH ? "accuracy" : d->info.name);
	if (d->init && d->init(s, err) != 0) {
		err->code = SL_EXIT_USAGE;
		sl_scorer_free(s);
		return NULL;
	}
	return s;
}

int sl_scorer_validate(void *ud, const char *name, const cJSON *spec, const char *path,
		       struct sl_error *err)
{
	(void)ud;
	(void)name;
	struct sl_scorer *s = sl_scorer_new(spec, path, err);
	if (!s)
		return -1;
	sl_scorer_free(s);
	return 0;
}

void sl_scorer_free(struct sl_scorer *s)
{
	if (!s)
		return;
	if (s->def->fini)
		s->def->fini(s);
	if (s->re_ok)
		regfree(&s->re);
	for (size_t i = 0; i < s->n_strings; i++)
		free(s->strings[i]);
	free(s->strings);
	sl_rouge_free(s->rouge);
	free(s->text);
	cJSON_Delete(s->spec);
	free(s->path);
	free(s->id);
	free(s->field);
	free(s);
}

const char *sl_scorer_name(const struct sl_scorer *s)
{
	return s->def->info.name;
}

const char *sl_scorer_id(const struct sl_scorer *s)
{
	return s->id;
}

enum sl_scorer_kind sl_scorer_kind(const struct sl_scorer *s)
{
	return s->def->info.kind;
}

bool sl_scorer_is_check(const struct sl_scorer *s)
{
	return s->def->info.kind != SL_SCORER_SIMILARITY || !isnan(s->threshold);
}

const char *sl_scorer_metric_label(const struct sl_scorer *s)
{
	return s->metric_label;
}

static const char *cell_field(const struct sl_cell *c, const char *field)
{
	if (strcmp(field, "reference") == 0)
		return c->reference ? c->reference : c->expected;
	if (strcmp(field, "label") == 0)
		return c->label ? c->label : c->expected;
	return c->expected;
}

/* The cell's expected answer (NULL when the scorer needs none); false with out filled when
 * the cell cannot be scored. */
static bool cell_expected(const struct sl_scorer *s, const struct sl_cell *cell,
			  const char **expected, struct sl_score *out)
{
	memset(out, 0, sizeof *out);
	out->value = NAN;
	*expected = NULL;
	if (!cell->output) {
		out->status = SL_SCORE_SKIPPED;
		set_detail(out, "the cell failed: %s", cell->error_kind ? cell->error_kind : "no output");
		return false;
	}
	if (s->field) {
		*expected = cell_field(cell, s->field);
		if (!*expected) {
			out->status = SL_SCORE_ERROR;
			set_detail(out, "case %d (dataset line %d) has no \"%s\" field to compare with",
				   cell->case_idx, cell->case_line, s->field);
			return false;
		}
	}
	return true;
}

void sl_scorer_apply(struct sl_scorer *s, const struct sl_cell *cell, struct sl_score *out)
{
	const char *expected;
	if (!cell_expected(s, cell, &expected, out))
		return;
	if (s->def->info.kind == SL_SCORER_MATCH && expected)
		set_truth(out, expected);
	s->def->score(s, cell, expected ? expected : "", out);
}

const char *sl_scorer_embedding_model(const struct sl_scorer *s)
{
	return s->def->score == score_cosine ? s->text : NULL;
}

bool sl_scorer_embed_texts(const struct sl_scorer *s, const struct sl_cell *cell,
			   const char **expected, struct sl_score *out)
{
	if (!cell_expected(s, cell, expected, out))
		return false;
	if (!*expected)
		*expected = "";
	return true;
}

void sl_scorer_finish_cosine(const struct sl_scorer *s, double cosine, const char *why,
			     struct sl_score *out)
{
	memset(out, 0, sizeof *out);
	out->value = NAN;
	if (why) { /* an embedding failure is not a similarity of 0 */
		out->status = SL_SCORE_ERROR;
		set_detail(out, "%s", why);
		return;
	}
	finish_similarity(s, cosine, out);
}

const char *const *sl_scorer_labels(const struct sl_scorer *s, size_t *n)
{
	if (strcmp(s->def->info.name, "label") != 0) {
		*n = 0;
		return NULL;
	}
	*n = s->n_strings;
	return (const char *const *)s->strings;
}
