/* Helpers shared by the eval sources (not a public API). */
#ifndef SHORTLIST_EVAL_INTERNAL_H
#define SHORTLIST_EVAL_INTERNAL_H

#include <cjson/cJSON.h>

#include "shortlist/util.h"

/* Every key of obj must be in allowed (NULL-terminated); otherwise an error
 * "ORIGIN: unknown key PATH.KEY (known keys: ...)". */
int sl_json_check_keys(const cJSON *obj, const char *const *allowed, const char *origin,
		       const char *path, struct sl_error *err);
/* The user running shortlist: $USER, $LOGNAME, else the passwd entry, else "unknown". */
const char *sl_eval_user(void);
/* Current time as ISO 8601 UTC in a static buffer. */
const char *sl_eval_now(void);
/* Parse a whole JSON document of len bytes (no NUL needed); only whitespace may follow it.
 * On failure err says "ORIGIN:LINE:COL: not valid JSON" (code 2). */
cJSON *sl_json_parse_doc(const char *text, size_t len, const char *origin, struct sl_error *err);
/* A file the user wrote must not name a key twice in one object (cJSON would read the
 * first silently): "ORIGIN:LINE:COL: duplicate key ..." (code 2). Stored texts (a run's
 * suite) are not checked, so runs recorded before this rule stay readable. */
int sl_json_check_unique_keys(const char *text, size_t len, const char *origin,
			      struct sl_error *err);

#endif
