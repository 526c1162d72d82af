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
/* 1-based line and column of byte offset off in text. */
void sl_text_position(const char *text, size_t off, int *line, int *col);

#endif
