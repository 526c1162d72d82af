/* Shared between the catalogue's modules (import, query, filter, derive, user); not public. */
#ifndef SHORTLIST_CATALOG_INTERNAL_H
#define SHORTLIST_CATALOG_INTERNAL_H

#include "shortlist/catalog.h"

/* Benchmark names equal ignoring case, spaces and dashes ("SWE Bench Pro"). */
bool sl_bench_name_eq(const char *a, const char *b);
/* The headline-benchmark rule (derive.c): lower rank wins; ties go to the later date. */
int sl_bench_rank(const char *name);
/* True if candidate (name, date) should replace the current headline (cur_*; cur_name NULL
 * when there is none yet). */
bool sl_bench_better(const char *name, const char *date, const char *cur_name,
		     const char *cur_date);

/* Case-insensitive ASCII equality. */
bool sl_str_ieq(const char *a, const char *b);

#endif
