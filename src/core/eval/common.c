#include "eval_internal.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shortlist/utf8.h"

int sl_json_check_keys(const cJSON *obj, const char *const *allowed, const char *origin,
		       const char *path, struct sl_error *err)
{
	for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = it->string && strcmp(it->string, *a) == 0;
		if (ok)
			continue;
		struct sl_buf known;
		sl_buf_init(&known);
		for (const char *const *a = allowed; *a; a++)
			sl_buf_printf(&known, "%s%s", a == allowed ? "" : ", ", *a);
		sl_error_set(err, "%s: unknown key %s.%s (known keys: %s)", origin, path,
			     it->string ? it->string : "?", known.data ? known.data : "none");
		sl_buf_free(&known);
		if (err)
			err->code = SL_EXIT_USAGE;
		return -1;
	}
	return 0;
}

const char *sl_eval_user(void)
{
	const char *u = getenv("USER");
	if (!u || !*u)
		u = getenv("LOGNAME");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "unknown";
}

const char *sl_eval_now(void)
{
	static char buf[32];
	sl_iso8601(sl_wall_ms(), buf);
	return buf;
}

cJSON *sl_json_parse_doc(const char *text, size_t len, const char *origin, struct sl_error *err)
{
	/* cJSON keeps bytes that are not UTF-8; they would reach request bodies raw */
	if (sl_utf8_require(text, len, origin, err) != 0)
		return NULL;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root && end) {
		while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
			end++;
		if (end < text + len) {
			cJSON_Delete(root);
			root = NULL;
		}
	}
	if (!root) {
		int line, col;
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		sl_utf8_position(text, off, &line, &col);
		sl_error_set(err, "%s:%d:%d: not valid JSON", origin, line, col);
		if (err)
			err->code = SL_EXIT_USAGE;
	}
	return root;
}

int sl_json_check_unique_keys(const char *text, size_t len, const char *origin,
			      struct sl_error *err)
{
	char key[128];
	long dup = sl_json_duplicate_key(text, len, key, sizeof key);
	if (dup < 0)
		return 0;
	int line, col;
	sl_utf8_position(text, (size_t)dup, &line, &col);
	sl_error_set(err, "%s:%d:%d: duplicate key \"%s\": each key may appear once in an "
		     "object (remove one)", origin, line, col, key);
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}
