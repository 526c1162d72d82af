/* Quality gates for CI: `accuracy>=0.85`, `model=X:p95_latency<=2s`, `cost_per_1k<=1.50`.
 * A gate without a model scope must hold for every model of the run. A gate that cannot be
 * checked (no scored cells, unknown price) fails: CI must not pass on missing facts. */
#ifndef SHORTLIST_GATES_H
#define SHORTLIST_GATES_H

#include <stdbool.h>
#include <stddef.h>

#include "shortlist/scorecard.h"
#include "shortlist/util.h"

enum sl_gate_op { SL_GATE_GE, SL_GATE_LE, SL_GATE_GT, SL_GATE_LT, SL_GATE_EQ, SL_GATE_NE };

enum sl_gate_unit { SL_UNIT_NONE, SL_UNIT_SECONDS, SL_UNIT_USD, SL_UNIT_PERCENT };

struct sl_gate {
	char *expr;       /* as written */
	char *model;      /* scope: model=..., NULL = every model */
	char *prompt;     /* scope: prompt=name[@version], NULL = all prompts together */
	char *metric;     /* canonical name ("p95_latency" for "latency_p95") */
	enum sl_gate_op op;
	double threshold; /* in base units: seconds, USD, or a 0-1 proportion for % */
	enum sl_gate_unit unit; /* as written, for messages */
};

/* Parse one expression. Grammar: [model=ID[,prompt=NAME[@V]]:]METRIC OP NUMBER[UNIT] with
 * OP one of >= <= > < == != and UNIT s|ms (latency, ttft), $ prefix or usd (cost), %.
 * On error err->code is SL_EXIT_USAGE and err->msg shows the expression with a caret
 * under the offending character. */
int sl_gate_parse(const char *expr, struct sl_gate *out, struct sl_error *err);
void sl_gate_free(struct sl_gate *gate);
/* Parse n expressions into *out (an array, freed with sl_gates_free), or none at all. */
int sl_gates_parse(char *const *exprs, size_t n, struct sl_gate **out, struct sl_error *err);
void sl_gates_free(struct sl_gate *gates, size_t n);
const char *sl_gate_op_str(enum sl_gate_op op);
/* True for the metrics every run has (n, errors, error_rate, latencies, ttft, tokens_per_s,
 * costs), under their canonical names or aliases. */
bool sl_gate_metric_builtin(const char *name);

struct sl_gate_result {
	const struct sl_gate *gate;
	char *model;      /* the model this check was about */
	char *prompt;     /* NULL unless the gate is scoped to a prompt */
	bool passed;
	double value;     /* NAN when it could not be measured */
	char *detail;     /* "accuracy 0.800 < 0.85 for gpt-4o (95% CI 0.736-0.852, n=200)" */
};

struct sl_gate_report {
	struct sl_gate_result *results;
	size_t n, n_failed;
};

/* Check every gate against the scorecard. A gate naming a metric the run does not have, or
 * a model not in the run, is a configuration error (-1, err lists what exists); a failed
 * gate is not an error: it shows in report->n_failed. */
int sl_gates_evaluate(const struct sl_gate *gates, size_t n_gates, const struct sl_scorecard *sc,
		      struct sl_gate_report *report, struct sl_error *err);
void sl_gate_report_free(struct sl_gate_report *report);
/* Keep every model that failed a gate from being recommended (sl_triangle_exclude), with
 * the gates it failed as the reason: the pick is then among the models that pass. */
struct sl_triangle;
void sl_gate_report_exclude(const struct sl_gate_report *report, struct sl_triangle *tri);
/* "2 of 5 gates failed:\n  FAIL accuracy>=0.85: ..." (every result when verbose). */
void sl_gate_report_render(const struct sl_gate_report *report, bool verbose, struct sl_buf *out);

#endif
