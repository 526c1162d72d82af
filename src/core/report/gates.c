/* Gates: a small expression parser with caret-pointing errors, and their evaluation
 * against a scorecard. */
#include "shortlist/gates.h"
#include "shortlist/triangle.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What unit a metric is measured in decides which units a threshold may carry. */
enum metric_class { CLASS_QUALITY, CLASS_TIME, CLASS_COST, CLASS_COUNT, CLASS_RATE };

static const struct {
	const char *name, *alias;
	enum metric_class cls;
} builtin[] = {
	{ "n", NULL, CLASS_COUNT },
	{ "errors", NULL, CLASS_COUNT },
	{ "error_rate", NULL, CLASS_QUALITY },
	{ "p50_latency", "latency_p50", CLASS_TIME },
	{ "p95_latency", "latency_p95", CLASS_TIME },
	{ "p99_latency", "latency_p99", CLASS_TIME },
	{ "mean_latency", "latency_mean", CLASS_TIME },
	{ "p50_ttft", "ttft_p50", CLASS_TIME },
	{ "p95_ttft", "ttft_p95", CLASS_TIME },
	{ "tokens_per_s", "tps", CLASS_RATE },
	{ "cost_per_request", NULL, CLASS_COST },
	{ "cost_per_1k", "cost_per_1000", CLASS_COST },
	{ "total_cost", "cost", CLASS_COST },
};

static int builtin_find(const char *name)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(builtin); i++)
		if (strcmp(name, builtin[i].name) == 0 ||
		    (builtin[i].alias && strcmp(name, builtin[i].alias) == 0))
			return (int)i;
	return -1;
}

bool sl_gate_metric_builtin(const char *name)
{
	return builtin_find(name) >= 0;
}

const char *sl_gate_op_str(enum sl_gate_op op)
{
	static const char *const s[] = { ">=", "<=", ">", "<", "==", "!=" };
	return s[op];
}

/* The message, then the expression with a caret under byte `pos`. */
SL_PRINTF(4, 5)
static int fail_at(struct sl_error *err, const char *expr, size_t pos, const char *fmt, ...)
{
	if (!err)
		return -1;
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "bad gate: ");
	va_list ap;
	va_start(ap, fmt);
	sl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	sl_buf_printf(&b, "\n  %s\n  %*s^\n  (syntax: [model=ID[,prompt=NAME]:]METRIC OP VALUE, "
			  "e.g. accuracy>=0.85, model=X:p95_latency<=2s, cost_per_1k<=$1.50)",
		      expr, (int)pos, "");
	sl_error_set(err, "%s", b.data);
	err->code = SL_EXIT_USAGE;
	sl_buf_free(&b);
	return -1;
}

static const char *last_colon(const char *s, size_t n)
{
	while (n > 0)
		if (s[--n] == ':')
			return s + n;
	return NULL;
}

static bool metric_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static int parse_scope(const char *expr, size_t end, struct sl_gate *g, struct sl_error *err)
{
	size_t i = 0;
	while (i < end) {
		while (i < end && isspace((unsigned char)expr[i]))
			i++;
		size_t key = i;
		while (i < end && expr[i] != '=' && expr[i] != ',')
			i++;
		size_t key_len = i - key;
		while (key_len && isspace((unsigned char)expr[key + key_len - 1]))
			key_len--;
		char **slot = NULL;
		if (key_len == 5 && strncmp(expr + key, "model", 5) == 0)
			slot = &g->model;
		else if (key_len == 6 && strncmp(expr + key, "prompt", 6) == 0)
			slot = &g->prompt;
		else
			return fail_at(err, expr, key, "unknown scope '%.*s' before ':' (use model=ID "
						      "or prompt=NAME)", (int)key_len, expr + key);
		if (i >= end || expr[i] != '=')
			return fail_at(err, expr, i, "expected '=' after '%.*s'", (int)key_len,
				       expr + key);
		i++;
		size_t val = i;
		while (i < end && expr[i] != ',')
			i++;
		size_t val_end = i;
		while (val < val_end && isspace((unsigned char)expr[val]))
			val++;
		while (val_end > val && isspace((unsigned char)expr[val_end - 1]))
			val_end--;
		if (val_end == val)
			return fail_at(err, expr, val, "empty %.*s name", (int)key_len, expr + key);
		if (*slot)
			return fail_at(err, expr, key, "%.*s given twice", (int)key_len, expr + key);
		*slot = sl_xstrndup(expr + val, val_end - val);
		if (i < end)
			i++; /* the comma */
	}
	return 0;
}

int sl_gate_parse(const char *expr, struct sl_gate *out, struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	size_t len = strlen(expr);
	/* The comparison ends the metric; model ids may hold ':' and '/', so the scope is
	 * everything up to the last ':' before it. */
	size_t op = len;
	for (size_t i = 0; i < len; i++) {
		if (expr[i] == '<' || expr[i] == '>' || expr[i] == '!' ||
		    (expr[i] == '=' && expr[i + 1] == '=')) {
			op = i;
			break;
		}
	}
	if (op == len) {
		const char *colon = last_colon(expr, len);
		const char *eq = strchr(colon ? colon : expr, '=');
		if (eq)
			return fail_at(err, expr, (size_t)(eq - expr),
				       "'=' is not a comparison: use ==, >=, <=, >, < or !=");
		return fail_at(err, expr, len, "expected a comparison (>=, <=, >, <, ==, !=) and "
					       "a value");
	}
	const char *colon = op ? last_colon(expr, op) : NULL;
	size_t m_start = 0;
	if (colon) {
		if (parse_scope(expr, (size_t)(colon - expr), out, err) != 0)
			goto fail;
		m_start = (size_t)(colon - expr) + 1;
	}
	while (m_start < op && isspace((unsigned char)expr[m_start]))
		m_start++;
	size_t m_end = op;
	while (m_end > m_start && isspace((unsigned char)expr[m_end - 1]))
		m_end--;
	if (m_end == m_start) {
		fail_at(err, expr, m_start, "expected a metric name before '%c'", expr[op]);
		goto fail;
	}
	for (size_t i = m_start; i < m_end; i++) {
		if (!metric_char(expr[i])) {
			fail_at(err, expr, i, "'%c' cannot be part of a metric name", expr[i]);
			goto fail;
		}
	}
	out->metric = sl_xstrndup(expr + m_start, m_end - m_start);
	int b = builtin_find(out->metric);
	if (b >= 0 && strcmp(out->metric, builtin[b].name) != 0) {
		free(out->metric);
		out->metric = sl_xstrdup(builtin[b].name);
	}

	size_t i = op;
	char c0 = expr[i], c1 = expr[i + 1];
	if (c0 == '>' && c1 == '=')
		out->op = SL_GATE_GE, i += 2;
	else if (c0 == '<' && c1 == '=')
		out->op = SL_GATE_LE, i += 2;
	else if (c0 == '=' && c1 == '=')
		out->op = SL_GATE_EQ, i += 2;
	else if (c0 == '!' && c1 == '=')
		out->op = SL_GATE_NE, i += 2;
	else if (c0 == '>')
		out->op = SL_GATE_GT, i += 1;
	else if (c0 == '<')
		out->op = SL_GATE_LT, i += 1;
	else {
		fail_at(err, expr, i, "'!' must be followed by '=' (!=)");
		goto fail;
	}

	while (isspace((unsigned char)expr[i]))
		i++;
	bool dollar = false;
	if (expr[i] == '$') {
		dollar = true;
		i++;
	}
	size_t num = i;
	/* Plain decimal numbers only: strtod would also take hex, inf and nan. */
	if (expr[i] == '+' || expr[i] == '-')
		i++;
	size_t digits = 0;
	while (isdigit((unsigned char)expr[i]) || expr[i] == '.') {
		digits += isdigit((unsigned char)expr[i]) != 0;
		i++;
	}
	if (digits && (expr[i] == 'e' || expr[i] == 'E') &&
	    (isdigit((unsigned char)expr[i + 1]) ||
	     ((expr[i + 1] == '-' || expr[i + 1] == '+') && isdigit((unsigned char)expr[i + 2])))) {
		i += 2;
		while (isdigit((unsigned char)expr[i]))
			i++;
	}
	char *num_text = sl_xstrndup(expr + num, i - num);
	char *end;
	errno = 0;
	double v = strtod(num_text, &end);
	bool bad = !digits || *end != '\0' || errno || !isfinite(v);
	free(num_text);
	if (bad) {
		fail_at(err, expr, num, "expected a number after '%s'", sl_gate_op_str(out->op));
		goto fail;
	}
	size_t unit = i;
	while (isalpha((unsigned char)expr[i]) || expr[i] == '%' || expr[i] == '$')
		i++;
	size_t unit_len = i - unit;
	while (isspace((unsigned char)expr[i]))
		i++;
	if (expr[i]) {
		/* "0.8x5": the stray text starts where the unit would. */
		size_t at = unit_len ? unit : i;
		fail_at(err, expr, at, "unexpected '%s' after the value", expr + at);
		goto fail;
	}

	enum metric_class cls = b >= 0 ? builtin[b].cls : CLASS_QUALITY;
	const char *u = expr + unit;
	if (unit_len == 0 && !dollar) {
		out->unit = cls == CLASS_TIME ? SL_UNIT_SECONDS : cls == CLASS_COST ? SL_UNIT_USD
										: SL_UNIT_NONE;
	} else if ((unit_len == 1 && *u == 's') || (unit_len == 2 && strncmp(u, "ms", 2) == 0)) {
		if (cls != CLASS_TIME) {
			fail_at(err, expr, unit, "'%.*s' is a time unit but %s is not a latency or "
						 "TTFT metric", (int)unit_len, u, out->metric);
			goto fail;
		}
		out->unit = SL_UNIT_SECONDS;
		if (unit_len == 2)
			v /= 1000;
	} else if (dollar || (unit_len == 1 && *u == '$') ||
		   (unit_len == 3 && strncasecmp(u, "usd", 3) == 0)) {
		if (dollar && unit_len) {
			fail_at(err, expr, unit, "unexpected '%.*s' after a $ amount", (int)unit_len, u);
			goto fail;
		}
		if (cls != CLASS_COST) {
			fail_at(err, expr, dollar ? num - 1 : unit, "a dollar amount only fits a cost "
				"metric (cost_per_request, cost_per_1k, total_cost), not %s", out->metric);
			goto fail;
		}
		out->unit = SL_UNIT_USD;
	} else if (unit_len == 1 && *u == '%') {
		if (cls != CLASS_QUALITY) {
			fail_at(err, expr, unit, "'%%' only fits a 0-1 quality metric or error_rate, "
						 "not %s", out->metric);
			goto fail;
		}
		out->unit = SL_UNIT_PERCENT;
		v /= 100;
	} else {
		fail_at(err, expr, unit, "unknown unit '%.*s' (units: s or ms for latency and TTFT, "
					 "$ for cost, %% for proportions)", (int)unit_len, u);
		goto fail;
	}
	out->threshold = v;
	out->expr = sl_xstrdup(expr);
	return 0;
fail:
	sl_gate_free(out);
	return -1;
}

void sl_gate_free(struct sl_gate *gate)
{
	free(gate->expr);
	free(gate->model);
	free(gate->prompt);
	free(gate->metric);
	memset(gate, 0, sizeof *gate);
}

int sl_gates_parse(char *const *exprs, size_t n, struct sl_gate **out, struct sl_error *err)
{
	*out = sl_xcalloc(n ? n : 1, sizeof **out);
	for (size_t i = 0; i < n; i++)
		if (sl_gate_parse(exprs[i], &(*out)[i], err) != 0) {
			sl_gates_free(*out, i);
			*out = NULL;
			return -1;
		}
	return 0;
}

void sl_gates_free(struct sl_gate *gates, size_t n)
{
	for (size_t i = 0; gates && i < n; i++)
		sl_gate_free(&gates[i]);
	free(gates);
}

/* ---- evaluation ---- */

static bool compare(double v, enum sl_gate_op op, double t)
{
	/* Thresholds are written with a few digits: allow for binary rounding on equality. */
	double eps = 1e-9 * fmax(1.0, fabs(t));
	switch (op) {
	case SL_GATE_GE: return v >= t - eps;
	case SL_GATE_LE: return v <= t + eps;
	case SL_GATE_GT: return v > t + eps;
	case SL_GATE_LT: return v < t - eps;
	case SL_GATE_EQ: return fabs(v - t) <= eps;
	default: return fabs(v - t) > eps;
	}
}

static void format_value(const struct sl_gate *g, double v, struct sl_buf *out)
{
	int b = builtin_find(g->metric);
	enum metric_class cls = b >= 0 ? builtin[b].cls : CLASS_QUALITY;
	if (cls == CLASS_TIME)
		sl_buf_printf(out, v < 1 ? "%.0f ms" : "%.3f s", v < 1 ? v * 1000 : v);
	else if (cls == CLASS_COST)
		sl_buf_printf(out, "$%.4f", v);
	else if (cls == CLASS_COUNT)
		sl_buf_printf(out, "%.0f", v);
	else
		sl_buf_printf(out, "%.4g", v);
}

static bool model_matches(const char *scope, const char *model)
{
	if (strcmp(scope, model) == 0)
		return true;
	/* "gpt-4o-mini" names "openai:gpt-4o-mini" or "openai/gpt-4o-mini". */
	size_t ls = strlen(scope), lm = strlen(model);
	return lm > ls && strcmp(model + lm - ls, scope) == 0 &&
	       (model[lm - ls - 1] == ':' || model[lm - ls - 1] == '/');
}

static bool prompt_matches(const char *scope, const char *prompt)
{
	if (strcmp(scope, prompt) == 0)
		return true;
	/* "summarise" names every version: "summarise@2". */
	size_t ls = strlen(scope);
	return !strchr(scope, '@') && strncmp(prompt, scope, ls) == 0 && prompt[ls] == '@';
}

static void list_metrics(const struct sl_scorecard *sc, struct sl_buf *out)
{
	if (sc->n_rows) {
		for (size_t i = 0; i < sc->rows[0].n_metrics; i++)
			sl_buf_printf(out, "%s, ", sc->rows[0].metrics[i].name);
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(builtin); i++)
		sl_buf_printf(out, "%s%s", builtin[i].name, i + 1 < SL_ARRAY_LEN(builtin) ? ", " : "");
}

static void add_result(struct sl_gate_report *rep, const struct sl_gate *g,
		       const struct sl_scorecard_row *row)
{
	rep->results = sl_xrealloc(rep->results, (rep->n + 1) * sizeof *rep->results);
	struct sl_gate_result *r = &rep->results[rep->n++];
	memset(r, 0, sizeof *r);
	r->gate = g;
	r->model = sl_xstrdup(row->model);
	r->prompt = row->prompt ? sl_xstrdup(row->prompt) : NULL;
	const struct sl_metric_value *q = NULL;
	double v = NAN;
	sl_scorecard_metric(row, g->metric, &v, &q);
	r->value = v;
	struct sl_buf d;
	sl_buf_init(&d);
	sl_buf_printf(&d, "%s", g->metric);
	if (isnan(v)) {
		r->passed = false;
		if (strstr(g->metric, "cost") && row->n_cost_unknown > 0)
			sl_buf_printf(&d, " unknown for %s (%lld cell%s without a price)", row->model,
				      (long long)row->n_cost_unknown,
				      row->n_cost_unknown == 1 ? "" : "s");
		else if (q && q->n_unscored)
			sl_buf_printf(&d, " not measured for %s (%lld cell%s could not be scored)",
				      row->model, (long long)q->n_unscored,
				      q->n_unscored == 1 ? "" : "s");
		else if (q)
			sl_buf_printf(&d, " not measured for %s (no cell of it was scored with %s)",
				      row->model, g->metric);
		else
			sl_buf_printf(&d, " not measured for %s (no successful cells)", row->model);
	} else {
		r->passed = compare(v, g->op, g->threshold);
		static const char *const negated[] = { "<", ">", "<=", ">=", "!=", "==" };
		sl_buf_putc(&d, ' ');
		format_value(g, v, &d);
		sl_buf_printf(&d, " %s ", r->passed ? sl_gate_op_str(g->op) : negated[g->op]);
		format_value(g, g->threshold, &d);
		sl_buf_printf(&d, " for %s", row->model);
		if (row->prompt)
			sl_buf_printf(&d, " with %s", row->prompt);
		if (q && isfinite(q->lo))
			sl_buf_printf(&d, " (95%% CI %.3f-%.3f, n=%lld)", q->lo, q->hi,
				      (long long)q->n);
		else
			sl_buf_printf(&d, " (n=%lld)", (long long)row->n);
	}
	r->detail = sl_buf_steal(&d);
	if (!r->passed)
		rep->n_failed++;
}

int sl_gates_evaluate(const struct sl_gate *gates, size_t n_gates, const struct sl_scorecard *sc,
		      struct sl_gate_report *report, struct sl_error *err)
{
	memset(report, 0, sizeof *report);
	for (size_t gi = 0; gi < n_gates; gi++) {
		const struct sl_gate *g = &gates[gi];
		double probe;
		const struct sl_metric_value *q;
		if (sc->n_rows == 0 || !sl_scorecard_metric(&sc->rows[0], g->metric, &probe, &q)) {
			struct sl_buf m;
			sl_buf_init(&m);
			list_metrics(sc, &m);
			sl_error_set(err, "gate '%s': run %lld has no metric '%s'; it has: %s", g->expr,
				     (long long)sc->run_id, g->metric, m.data ? m.data : "");
			err->code = SL_EXIT_USAGE;
			sl_buf_free(&m);
			sl_gate_report_free(report);
			return -1;
		}
		size_t matched = 0;
		for (size_t i = 0; i < sc->n_rows; i++) {
			const struct sl_scorecard_row *row = &sc->rows[i];
			if (g->model && !model_matches(g->model, row->model))
				continue;
			/* With one prompt, the per-model rows are that prompt's rows. */
			bool single = g->prompt && !row->prompt && sc->only_prompt &&
				      prompt_matches(g->prompt, sc->only_prompt);
			if (g->prompt && !single
				    ? !row->prompt || !prompt_matches(g->prompt, row->prompt)
				    : row->prompt != NULL)
				continue;
			add_result(report, g, row);
			matched++;
		}
		if (matched == 0) {
			struct sl_buf m;
			sl_buf_init(&m);
			sl_buf_puts(&m, "models: ");
			for (size_t i = 0; i < sc->n_rows; i++)
				if (!sc->rows[i].prompt)
					sl_buf_printf(&m, "%s%s", i ? ", " : "", sc->rows[i].model);
			if (g->prompt) {
				sl_buf_puts(&m, "; prompts: ");
				if (sc->only_prompt)
					sl_buf_puts(&m, sc->only_prompt);
				for (size_t i = 0; i < sc->n_rows; i++)
					if (sc->rows[i].prompt && sc->rows[i].model_idx == 0)
						sl_buf_printf(&m, "%s ", sc->rows[i].prompt);
			}
			sl_error_set(err, "gate '%s': nothing in run %lld matches %s%s%s%s%s (%s)",
				     g->expr, (long long)sc->run_id, g->model ? "model=" : "",
				     g->model ? g->model : "", g->model && g->prompt ? "," : "",
				     g->prompt ? "prompt=" : "", g->prompt ? g->prompt : "", m.data);
			err->code = SL_EXIT_USAGE;
			sl_buf_free(&m);
			sl_gate_report_free(report);
			return -1;
		}
	}
	return 0;
}

void sl_gate_report_free(struct sl_gate_report *report)
{
	for (size_t i = 0; i < report->n; i++) {
		free(report->results[i].model);
		free(report->results[i].prompt);
		free(report->results[i].detail);
	}
	free(report->results);
	memset(report, 0, sizeof *report);
}

void sl_gate_report_render(const struct sl_gate_report *report, bool verbose, struct sl_buf *out)
{
	if (report->n == 0)
		return;
	if (report->n_failed)
		sl_buf_printf(out, "%zu of %zu gate check%s failed:\n", report->n_failed, report->n,
			      report->n == 1 ? "" : "s");
	else
		sl_buf_printf(out, "all %zu gate check%s passed\n", report->n, report->n == 1 ? "" : "s");
	for (size_t i = 0; i < report->n; i++) {
		const struct sl_gate_result *r = &report->results[i];
		if (r->passed && !verbose)
			continue;
		sl_buf_printf(out, "  %s  %s: %s\n", r->passed ? "pass" : "FAIL", r->gate->expr,
			      r->detail);
	}
}

void sl_gate_report_exclude(const struct sl_gate_report *report, struct sl_triangle *tri)
{
	for (size_t i = 0; i < report->n; i++) {
		const struct sl_gate_result *r = &report->results[i];
		if (r->passed || !r->model)
			continue;
		char *why = r->prompt ? sl_xasprintf("%s for %s", r->gate->expr, r->prompt)
				      : sl_xstrdup(r->gate->expr);
		sl_triangle_exclude(tri, r->model, why);
		free(why);
	}
}
