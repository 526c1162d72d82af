/* Catalogue priors for the triangle (see priors.h). */
#include "shortlist/priors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "shortlist/catalog.h"

int sl_priors_triangle(struct sl_store *store, struct sl_triangle *tri, struct sl_error *err)
{
	struct sl_filter_set *fs = sl_filter_set_new();
	if (sl_filter_set_add(fs, "shortlisted=true", err) != 0) {
		sl_filter_set_free(fs);
		return -1;
	}
	struct sl_model_list list = { 0 };
	int rc = sl_catalog_load(store, fs, &list, err);
	sl_filter_set_free(fs);
	if (rc != 0)
		return -1;
	if (list.len == 0) {
		sl_error_set(err, "no shortlisted models and no runs: add models with 'shortlist "
				  "shortlist add MODEL' (see 'shortlist models'), or run a suite");
		err->code = SL_EXIT_USAGE;
		sl_model_list_free(&list);
		return -1;
	}
	char *bench = NULL;
	size_t n_with = 0;
	double *score = sl_xcalloc(list.len, sizeof *score);
	if (sl_catalog_shared_benchmark(store, list.items, list.len, &bench, score, &n_with,
					err) != 0) {
		free(score);
		sl_model_list_free(&list);
		return -1;
	}
	char label[200];
	if (!bench)
		snprintf(label, sizeof label, list.len > 1
			 ? "published score (no benchmark is reported by two of these models)"
			 : "published score (none known)");
	else if (n_with < list.len)
		snprintf(label, sizeof label, "published %s score (%zu of %zu models report it)",
			 bench, n_with, list.len);
	else
		snprintf(label, sizeof label, "published %s score", bench);
	sl_triangle_set_labels(tri, label, "list price USD per 1M tokens (3:1 in:out)",
			       "no prior for speed", "catalogue priors");
	tri->priors = true;
	for (size_t i = 0; i < list.len; i++) {
		const struct sl_model *m = &list.items[i];
		struct sl_tri_model *t = sl_triangle_add(tri, m->key);
		t->precision = score[i];
		if (!isnan(m->price_in) && !isnan(m->price_out))
			t->cost = (3 * m->price_in + m->price_out) / 4;
	}
	free(bench);
	free(score);
	sl_model_list_free(&list);
	sl_triangle_normalise(tri);
	return 0;
}
