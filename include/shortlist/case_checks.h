/* Per-case checks. A scorer parameter may name the case's fields ({"name": "contains",
 * "value": "{{expected}}"}, "threshold": "{{min_score}}"), rendered per case with the prompt
 * template renderer; and a dataset row may carry its own checks in an "assert" field (a list
 * of scorer objects, or in CSV a JSON string of one) that apply to that case only and are
 * reported under their names like the suite's. */
#ifndef SHORTLIST_CASE_CHECKS_H
#define SHORTLIST_CASE_CHECKS_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "shortlist/dataset.h"
#include "shortlist/suite.h"
#include "shortlist/util.h"

/* Whether any string of the scorer object holds a {{placeholder}}. */
bool sl_case_spec_templated(const cJSON *spec);
/* The scorer object with its placeholders filled from vars (the case's fields); a number
 * parameter written as a placeholder must render to a number. NULL with err otherwise. */
cJSON *sl_case_spec_render(const cJSON *spec, const cJSON *vars, const char *path,
			   struct sl_error *err);
/* The same with every number placeholder as 0 and strings kept: to check its shape and
 * learn its metric name before any case is at hand. */
cJSON *sl_case_spec_shape(const cJSON *spec);
/* The case's own checks (its "assert" field) as a list of scorer objects; NULL and no error
 * when it has none. Caller cJSON_Delete()s. */
cJSON *sl_case_asserts(const cJSON *vars, const char *where, struct sl_error *err);
/* Check every case of ds against the suite's templated scorers and its own checks (before
 * any request); the errors name the dataset line. Adds the per-case metric names to
 * *names (caller frees each and the array). */
int sl_case_checks_validate(const struct sl_suite *suite, const struct sl_dataset *ds,
			    char ***names, size_t *n_names, struct sl_error *err);

#endif
