/* The JSON Schema subset used by the json_schema assertion (see jsonschema.h). */
#include "shortlist/jsonschema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/utf8.h"

static const char *const type_names[] = { "string", "number", "integer", "boolean",
					  "object", "array", "null" };

static bool known_type(const char *t)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(type_names); i++)
		if (strcmp(t, type_names[i]) == 0)
			return true;
	return false;
}

int sl_jsonschema_check(const cJSON *schema, const char *path, struct sl_error *err)
{
	if (cJSON_IsBool(schema))
		return 0;
	if (!cJSON_IsObject(schema)) {
		sl_error_set(err, "%s: a schema must be a JSON object", path);
		return -1;
	}
	const cJSON *k;
	cJSON_ArrayForEach(k, schema)
	{
		const char *key = k->string;
		char *sub = NULL;
		int rc = 0;
		if (strcmp(key, "type") == 0) {
			if (cJSON_IsString(k)) {
				if (!known_type(k->valuestring)) {
					sl_error_set(err, "%s.type: unknown type '%s'", path, k->valuestring);
					return -1;
				}
			} else if (cJSON_IsArray(k)) {
				const cJSON *t;
				cJSON_ArrayForEach(t, k) if (!cJSON_IsString(t) || !known_type(t->valuestring))
				{
					sl_error_set(err, "%s.type: every entry must be a type name", path);
					return -1;
				}
			} else {
				sl_error_set(err, "%s.type: must be a type name or a list of them", path);
				return -1;
			}
		} else if (strcmp(key, "required") == 0) {
			const cJSON *t;
			if (!cJSON_IsArray(k)) {
				sl_error_set(err, "%s.required: must be a list of property names", path);
				return -1;
			}
			cJSON_ArrayForEach(t, k) if (!cJSON_IsString(t))
			{
				sl_error_set(err, "%s.required: must be a list of property names", path);
				return -1;
			}
		} else if (strcmp(key, "properties") == 0) {
			if (!cJSON_IsObject(k)) {
				sl_error_set(err, "%s.properties: must be an object of schemas", path);
				return -1;
			}
			const cJSON *p;
			cJSON_ArrayForEach(p, k)
			{
				sub = sl_xasprintf("%s.properties.%s", path, p->string);
				rc = sl_jsonschema_check(p, sub, err);
				free(sub);
				if (rc)
					return rc;
			}
		} else if (strcmp(key, "items") == 0 || strcmp(key, "additionalProperties") == 0) {
			if (strcmp(key, "additionalProperties") == 0 && !cJSON_IsBool(k)) {
				sl_error_set(err, "%s.additionalProperties: only true or false is supported", path);
				return -1;
			}
			sub = sl_xasprintf("%s.%s", path, key);
			rc = sl_jsonschema_check(k, sub, err);
			free(sub);
			if (rc)
				return rc;
		} else if (strcmp(key, "enum") == 0) {
			if (!cJSON_IsArray(k)) {
				sl_error_set(err, "%s.enum: must be a list of values", path);
				return -1;
			}
		} else if (strcmp(key, "minimum") == 0 || strcmp(key, "maximum") == 0 ||
			   strcmp(key, "exclusiveMinimum") == 0 || strcmp(key, "exclusiveMaximum") == 0 ||
			   strcmp(key, "minLength") == 0 || strcmp(key, "maxLength") == 0 ||
			   strcmp(key, "minItems") == 0 || strcmp(key, "maxItems") == 0) {
			if (!cJSON_IsNumber(k)) {
				sl_error_set(err, "%s.%s: must be a number", path, key);
				return -1;
			}
		} else if (strcmp(key, "const") == 0 || strcmp(key, "title") == 0 ||
			   strcmp(key, "description") == 0 || strcmp(key, "$schema") == 0 ||
			   strcmp(key, "$id") == 0 || strcmp(key, "default") == 0 ||
			   strcmp(key, "examples") == 0 || strcmp(key, "format") == 0) {
			/* const is checked at validation; the others are annotations */
		} else {
			sl_error_set(err,
				     "%s: the schema keyword '%s' is not supported (supported: type, "
				     "required, properties, additionalProperties, enum, const, items, "
				     "minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, "
				     "maxLength, minItems, maxItems)",
				     path, key);
			return -1;
		}
	}
	return 0;
}

static const char *type_of(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return v->valuedouble == floor(v->valuedouble) && isfinite(v->valuedouble) ? "integer"
											 : "number";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsObject(v))
		return "object";
	if (cJSON_IsArray(v))
		return "array";
	return "null";
}

static bool type_matches(const char *want, const cJSON *v)
{
	const char *have = type_of(v);
	if (strcmp(want, have) == 0)
		return true;
	return strcmp(want, "number") == 0 && strcmp(have, "integer") == 0;
}

static bool fail(char *why, size_t len, const char *where, const char *fmt, ...) SL_PRINTF(4, 5);
static bool fail(char *why, size_t len, const char *where, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(why, len, "%s: %s", where, msg);
	return false;
}

static bool validate(const cJSON *s, const cJSON *v, const char *where, char *why, size_t len)
{
	if (cJSON_IsBool(s)) {
		if (cJSON_IsTrue(s))
			return true;
		return fail(why, len, where, "not allowed here");
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "type");
	if (cJSON_IsString(t) && !type_matches(t->valuestring, v))
		return fail(why, len, where, "expected %s, got %s", t->valuestring, type_of(v));
	if (cJSON_IsArray(t)) {
		bool ok = false;
		const cJSON *e;
		cJSON_ArrayForEach(e, t) ok |= cJSON_IsString(e) && type_matches(e->valuestring, v);
		if (!ok)
			return fail(why, len, where, "type %s is not one of the allowed types", type_of(v));
	}
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(s, "enum");
	if (cJSON_IsArray(en)) {
		bool ok = false;
		const cJSON *e;
		cJSON_ArrayForEach(e, en) ok |= cJSON_Compare(e, v, true);
		if (!ok)
			return fail(why, len, where, "value is not one of the enum values");
	}
	const cJSON *cn = cJSON_GetObjectItemCaseSensitive(s, "const");
	if (cn && !cJSON_Compare(cn, v, true))
		return fail(why, len, where, "value is not the const value");
	if (cJSON_IsNumber(v)) {
		double x = v->valuedouble;
		const cJSON *m;
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "minimum")) && x < m->valuedouble)
			return fail(why, len, where, "%g is below the minimum %g", x, m->valuedouble);
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "maximum")) && x > m->valuedouble)
			return fail(why, len, where, "%g is above the maximum %g", x, m->valuedouble);
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum")) && x <= m->valuedouble)
			return fail(why, len, where, "%g is not above %g", x, m->valuedouble);
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum")) && x >= m->valuedouble)
			return fail(why, len, where, "%g is not below %g", x, m->valuedouble);
	}
	if (cJSON_IsString(v)) {
		double n = (double)sl_utf8_count(v->valuestring);
		const cJSON *m;
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "minLength")) && n < m->valuedouble)
			return fail(why, len, where, "shorter than minLength %g", m->valuedouble);
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "maxLength")) && n > m->valuedouble)
			return fail(why, len, where, "longer than maxLength %g", m->valuedouble);
	}
	if (cJSON_IsArray(v)) {
		double n = cJSON_GetArraySize(v);
		const cJSON *m;
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "minItems")) && n < m->valuedouble)
			return fail(why, len, where, "fewer items than minItems %g", m->valuedouble);
		if ((m = cJSON_GetObjectItemCaseSensitive(s, "maxItems")) && n > m->valuedouble)
			return fail(why, len, where, "more items than maxItems %g", m->valuedouble);
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
		if (items) {
			int i = 0;
			const cJSON *e;
			cJSON_ArrayForEach(e, v)
			{
				char *sub = sl_xasprintf("%s[%d]", where, i++);
				bool ok = validate(items, e, sub, why, len);
				free(sub);
				if (!ok)
					return false;
			}
		}
	}
	if (cJSON_IsObject(v)) {
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
		const cJSON *e;
		cJSON_ArrayForEach(e, req) if (cJSON_IsString(e) &&
					       !cJSON_GetObjectItemCaseSensitive(v, e->valuestring))
		{
			return fail(why, len, where, "missing required property '%s'", e->valuestring);
		}
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
		const cJSON *addl = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
		cJSON_ArrayForEach(e, v)
		{
			const cJSON *ps = props ? cJSON_GetObjectItemCaseSensitive(props, e->string) : NULL;
			if (!ps) {
				if (cJSON_IsFalse(addl))
					return fail(why, len, where, "property '%s' is not allowed", e->string);
				continue;
			}
			char *sub = sl_xasprintf("%s.%s", where, e->string);
			bool ok = validate(ps, e, sub, why, len);
			free(sub);
			if (!ok)
				return false;
		}
	}
	return true;
}

bool sl_jsonschema_validate(const cJSON *schema, const cJSON *doc, char *why, size_t why_len)
{
	if (why_len)
		why[0] = '\0';
	return validate(schema, doc, "$", why, why_len);
}
