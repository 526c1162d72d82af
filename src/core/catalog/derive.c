/* Facts the catalogue does not state but that users filter on, derived only where certain:
 * parameter count, size class, and the one headline benchmark score shown per model.
 *
 * Parameter count rule. For a model whose open_weights is true, split its id, its name and
 * its canonical base_model id into tokens at '-', '_', ' ', ':', '/', '@' and ','. A token of
 * the exact form NNb or NN.Nb (case-insensitive, e.g. "70b", "1.5B") is a parameter count in
 * billions. The count is derived only if:
 *   - at least one such token exists, and every such token in the three strings agrees;
 *   - no token is an expert count NNe ("17b-16e": Llama 4 names active parameters there);
 * Tokens such as "a22b" (active parameters), "e4b" (effective), "8x7b" (mixture) never
 * match, so "qwen3-235b-a22b" gives 235 (the total) and "mixtral-8x7b" gives nothing.
 * Closed models are never derived: a "mini" id says nothing about size.
 *
 * Size class: SLM when the count is <= SL_SLM_MAX_PARAMS_B (10B: fits one 24 GB GPU at 16-bit
 * precision), LLM above it, unknown without a count.
 *
 * Headline benchmark: models.dev publishes scores from different benchmarks per model. To
 * keep one column as comparable as possible, the headline is the first benchmark in
 * HEADLINE_ORDER the model reports (0-100 benchmarks ordered by how many canonical models in
 * the shipped catalogue report each one; names compare ignoring case, spaces and dashes); if
 * none is listed, the most recently dated score. Among several scores of the same benchmark the
 * latest date wins. Its name, date and source URL travel with it. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_internal.h"

bool sl_str_ieq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == ' ' || c == ':' || c == '/' || c == '@' || c == ',';
}

/* Scan one string; returns -1 if it makes derivation impossible (conflict, expert token). */
static int scan_params(const char *s, double *found)
{
	if (!s)
		return 0;
	const char *p = s;
	while (*p) {
		while (*p && is_sep(*p))
			p++;
		const char *start = p;
		while (*p && !is_sep(*p))
			p++;
		size_t n = (size_t)(p - start);
		if (n < 2)
			continue;
		char last = (char)tolower((unsigned char)start[n - 1]);
		bool digits = true, dot = false;
		for (size_t i = 0; i < n - 1; i++) {
			if (start[i] == '.' && i > 0 && i < n - 2 && !dot)
				dot = true;
			else if (!isdigit((unsigned char)start[i]))
				digits = false;
		}
		if (!digits)
			continue;
		if (last == 'e' && !dot)
			return -1; /* "16e": expert count, the NNb beside it is ambiguous */
		if (last != 'b')
			continue;
		double v = strtod(start, NULL);
		if (!(v > 0 && v < 100000))
			continue;
		if (!isnan(*found) && fabs(*found - v) > 1e-9)
			return -1;
		*found = v;
	}
	return 0;
}

double sl_derive_params(const char *model_id, const char *name, const char *base_model,
			int open_weights)
{
	if (open_weights != 1)
		return NAN;
	double found = NAN;
	if (scan_params(model_id, &found) != 0 || scan_params(name, &found) != 0 ||
	    scan_params(base_model, &found) != 0)
		return NAN;
	return found;
}

const char *sl_size_class(double params_b)
{
	if (isnan(params_b))
		return NULL;
	return params_b <= SL_SLM_MAX_PARAMS_B ? "SLM" : "LLM";
}

/* Benchmarks scored 0-100, most widely reported first (canonical models reporting each in
 * the shipped snapshot: 40, 31, 28, 26, 26, 21, 18, 12, 11, 8). Composite indexes (the
 * Artificial Analysis indexes) are left out: they are not percentages. */
static const char *const HEADLINE_ORDER[] = {
	"SWE-Bench Pro",
	"Aider Polyglot",
	"SciCode",
	"SWE-Bench Verified",
	"SWE-Atlas Codebase QnA",
	"Terminal-Bench Hard",
	"Terminal-Bench",
	"SWE-Atlas Test Writing",
	"SWE-Atlas Refactoring",
	"Terminal-Bench 2.1",
};

const char *sl_bench_headline_order(void)
{
	static char text[512];
	if (!text[0]) {
		size_t off = 0;
		for (size_t i = 0; i < SL_ARRAY_LEN(HEADLINE_ORDER) && off < sizeof text; i++)
			off += (size_t)snprintf(text + off, sizeof text - off, "%s%s", i ? ", " : "",
						HEADLINE_ORDER[i]);
	}
	return text;
}

/* Compare benchmark names ignoring case, spaces and dashes ("SWE Bench Pro" matches). */
bool sl_bench_name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '-')
			a++;
		while (*b == ' ' || *b == '-')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
}

int sl_bench_rank(const char *name)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(HEADLINE_ORDER); i++)
		if (name && sl_bench_name_eq(name, HEADLINE_ORDER[i]))
			return (int)i;
	return (int)SL_ARRAY_LEN(HEADLINE_ORDER);
}

bool sl_bench_better(const char *name, const char *date, const char *cur_name,
		     const char *cur_date)
{
	if (!cur_name)
		return true;
	int r = sl_bench_rank(name), cr = sl_bench_rank(cur_name);
	if (r != cr)
		return r < cr;
	return strcmp(date ? date : "", cur_date ? cur_date : "") > 0;
}

static int parse_scaled(const char *s, double *out, const char *what, const char *units,
			struct sl_error *err)
{
	char *end = NULL;
	if (!s || !*s)
		goto bad;
	double v = strtod(s, &end);
	if (end == s || !(v >= 0) || isinf(v))
		goto bad;
	double scale = 1;
	if (*end) {
		const char *u = strchr(units, *end);
		if (!u || end[1])
			goto bad;
		switch (*u) {
		case 'k': case 'K': scale = 1e3; break;
		case 'm': case 'M': scale = 1e6; break;
		case 'b': case 'B': scale = 1e9; break;
		case 't': case 'T': scale = 1e12; break;
		}
	}
	*out = v * scale;
	return 0;
bad:
	sl_error_set(err, "bad %s '%s'", what, s ? s : "");
	return -1;
}

int sl_parse_params(const char *s, double *out_b, struct sl_error *err)
{
	double v;
	if (parse_scaled(s, &v, "parameter count", "mMbBtT", err) != 0) {
		if (err)
			strncat(err->msg, ": use a number of billions like 70, 70B, 1.5b, 135M or 1.2T",
				sizeof err->msg - strlen(err->msg) - 1);
		return -1;
	}
	/* A bare number means billions: that is how people say model sizes. */
	const char *end = s + strlen(s) - 1;
	*out_b = isdigit((unsigned char)*end) || *end == '.' ? v : v / 1e9;
	return 0;
}

int sl_parse_count(const char *s, int64_t *out, struct sl_error *err)
{
	double v;
	if (parse_scaled(s, &v, "count", "kKmM", err) != 0) {
		if (err)
			strncat(err->msg, ": use a whole number like 128000, 128k or 1M",
				sizeof err->msg - strlen(err->msg) - 1);
		return -1;
	}
	if (v > 9e15) {
		sl_error_set(err, "count '%s' is too large", s);
		return -1;
	}
	*out = (int64_t)llround(v);
	return 0;
}
