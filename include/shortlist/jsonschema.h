/* A JSON Schema subset for output assertions: type (one or a list of string, number,
 * integer, boolean, object, array, null), required, properties, additionalProperties
 * (boolean), enum, const, items (one schema), minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minLength, maxLength (in code points), minItems, maxItems. Annotation
 * keywords (title, description, $schema, $id, default, examples, format) are ignored; any
 * other keyword is refused when the schema is checked, so a schema never silently means
 * less than it says. */
#ifndef SHORTLIST_JSONSCHEMA_H
#define SHORTLIST_JSONSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "shortlist/util.h"

/* Check that a schema only uses the subset and is well formed. path names the schema in
 * messages (e.g. "suite.scorers[2].schema"). */
int sl_jsonschema_check(const cJSON *schema, const char *path, struct sl_error *err);

/* Validate a document; on failure writes where and why ("$.items[2].name: expected
 * string, got number") to why. */
bool sl_jsonschema_validate(const cJSON *schema, const cJSON *doc, char *why, size_t why_len);

#endif
