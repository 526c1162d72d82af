/* Does jscan read a text as cJSON does? Every value's type, number (bit for bit), string,
 * key, child count, and the member each key finds (cJSON: the first of that name). Shared by
 * test_jscan and the fuzz target fuzz_jscan. */
#ifndef SHORTLIST_JSCAN_CHECK_H
#define SHORTLIST_JSCAN_CHECK_H

#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "shortlist/jscan.h"

static bool jscan_same(struct sl_jscan *j, int v, const cJSON *c)
{
	switch (sl_jscan_type(j, v)) {
	case SL_JNULL: return cJSON_IsNull(c);
	case SL_JFALSE: return cJSON_IsFalse(c);
	case SL_JTRUE: return cJSON_IsTrue(c);
	case SL_JNUMBER: {
		double a = sl_jscan_num(j, v);
		return cJSON_IsNumber(c) && memcmp(&a, &c->valuedouble, sizeof a) == 0;
	}
	case SL_JSTRING: {
		size_t n;
		const char *s = sl_jscan_str(j, v, &n);
		return cJSON_IsString(c) && strlen(c->valuestring) == n &&
		       memcmp(s, c->valuestring, n) == 0;
	}
	case SL_JARRAY:
	case SL_JOBJECT:
		break;
	}
	bool obj = sl_jscan_type(j, v) == SL_JOBJECT;
	if (obj ? !cJSON_IsObject(c) : !cJSON_IsArray(c))
		return false;
	if (sl_jscan_count(j, v) != cJSON_GetArraySize(c))
		return false;
	const cJSON *cc = c->child;
	for (int k = sl_jscan_child(j, v); k >= 0; k = sl_jscan_next(j, v, k), cc = cc->next) {
		if (!cc || !jscan_same(j, k, cc))
			return false;
		if (!obj)
			continue;
		size_t n;
		const char *key = sl_jscan_key(j, k, &n);
		if (strlen(cc->string) != n || memcmp(key, cc->string, n) != 0)
			return false;
		/* the same member found by name: compare where each stands */
		int found = sl_jscan_get(j, v, cc->string);
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, cc->string);
		int pos = 0, want_pos = 0;
		for (int x = sl_jscan_child(j, v); x >= 0 && x != found; x = sl_jscan_next(j, v, x))
			pos++;
		for (const cJSON *x = c->child; x && x != want; x = x->next)
			want_pos++;
		if (pos != want_pos)
			return false;
	}
	return cc == NULL;
}

/* text[len] in jscan's subset must parse with cJSON to the same values; outside it jscan
 * must say so. True when they agree. */
static bool jscan_agrees(const char *text, size_t len)
{
	struct sl_jscan j;
	sl_jscan_init(&j);
	bool ok = true;
	if (sl_jscan_parse(&j, text, len)) {
		cJSON *c = cJSON_ParseWithLength(text, len);
		ok = c && jscan_same(&j, 0, c);
		cJSON_Delete(c);
	}
	sl_jscan_free(&j);
	return ok;
}

#endif
