/* Accuracy of a run per model with a MATCH scorer: accuracy with its Wilson 95% interval,
 * and the classification report (macro-F1, per-class precision/recall, confusion matrix)
 * over the classes the scorer sees (a label scorer's labels, else the expected answers). */
#ifndef SHORTLIST_CLASSIFY_RUN_H
#define SHORTLIST_CLASSIFY_RUN_H

#include "shortlist/accuracy.h"
#include "shortlist/scorer.h"
#include "shortlist/stats.h"
#include "shortlist/store.h"

struct sl_model_accuracy {
	char *model;
	int64_t scored;   /* cells scored */
	int64_t failed;   /* cells without output (in the error rate, not here) */
	int64_t unscorable; /* cells the scorer could not score (no expected answer...) */
	struct sl_interval accuracy; /* Wilson 95% */
	struct sl_classify_report report;
};

/* One entry per model of the run, in run order. The scorer must be a MATCH scorer. */
int sl_run_accuracy(struct sl_store *store, int64_t run_id, struct sl_scorer *scorer,
		    struct sl_model_accuracy **out, size_t *n_out, struct sl_error *err);
void sl_run_accuracy_free(struct sl_model_accuracy *m, size_t n);

#endif
