/* Shared by the report writers (report.c, report_html.c): the run, its scorecard, triangle
 * and gates, loaded once. Not a public header. */
#ifndef SHORTLIST_REPORT_INTERNAL_H
#define SHORTLIST_REPORT_INTERNAL_H

#include <stdio.h>

#include "shortlist/report.h"
#include "shortlist/runs.h"

struct report {
	struct sl_store *store;
	struct sl_run run;
	struct sl_scorecard sc;
	struct sl_triangle tri;
	bool has_tri;
	char *tri_note;        /* why there is no triangle */
	struct sl_buf recommendation;
	const struct sl_report_options *opts;
	size_t n_metrics;      /* quality metrics, in the scorecard's order */
	char **details;        /* the current cell's score details, per metric (or NULL) */
	FILE *out;
	int64_t n_cells;
	struct sl_error *err;
};

const char *sl_report_metric_name(const struct report *r, size_t m);
int sl_report_write_html(struct report *r);

#endif
