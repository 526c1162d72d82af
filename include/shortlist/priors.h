/* Catalogue priors on the speed-precision-cost triangle, before any run: the shortlisted
 * models' published benchmark score and list price, marked as priors. Precision compares
 * the models on one benchmark they share (sl_catalog_shared_benchmark), named in the label;
 * with none shared, precision is unknown for all and the label says so. The CLI's
 * `triangle --priors` and the TUI's charts draw from this one function. */
#ifndef SHORTLIST_PRIORS_H
#define SHORTLIST_PRIORS_H

#include "shortlist/store.h"
#include "shortlist/triangle.h"
#include "shortlist/util.h"

/* Fill tri (initialised, empty) and normalise it. Fails with how to shortlist models when
 * there are none (SL_EXIT_USAGE). */
int sl_priors_triangle(struct sl_store *store, struct sl_triangle *tri, struct sl_error *err);

#endif
