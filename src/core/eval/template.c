/* {{var}} templates. The syntax is deliberately tiny (no logic, no escapes) so a prompt
 * reads the same in the store, in git and in a diff; anything that looks like a placeholder
 * but is not a valid one is an error rather than literal text, to catch typos early. */
#include "shortlist/prompts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool is_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* Parse the placeholder starting at p ("{{"). On success returns the position after "}}"
 * and sets name/len; on error returns NULL with err set. */
static const char *parse_placeholder(const char *text, const char *p, const char **name,
				     size_t *len, struct sl_error *err)
{
	const char *q = p + 2;
	while (*q == ' ' || *q == '\t')
		q++;
	const char *start = q;
	if (!is_name_start(*q)) {
		const char *close = strstr(p + 2, "}}");
		if (!close)
			sl_error_set(err, "unclosed '{{' at offset %zu", (size_t)(p - text));
		else
			sl_error_set(err, "bad placeholder '%.*s' at offset %zu: a placeholder is "
				     "{{name}} with a name of letters, digits, '_', '-' or '.'",
				     (int)(close + 2 - p), p, (size_t)(p - text));
		return NULL;
	}
	while (is_name_char(*q))
		q++;
	const char *end = q;
	while (*q == ' ' || *q == '\t')
		q++;
	if (q[0] != '}' || q[1] != '}') {
		const char *close = strstr(p + 2, "}}");
		if (!close)
			sl_error_set(err, "unclosed '{{' at offset %zu", (size_t)(p - text));
		else
			sl_error_set(err, "bad placeholder '%.*s' at offset %zu: a placeholder is "
				     "{{name}} with a name of letters, digits, '_', '-' or '.'",
				     (int)(close + 2 - p), p, (size_t)(p - text));
		return NULL;
	}
	*name = start;
	*len = (size_t)(end - start);
	return q + 2;
}

int sl_template_vars(const char *text, char ***names_out, size_t *n_out, struct sl_error *err)
{
	char **names = NULL;
	size_t n = 0;
	const char *p = text;
	while ((p = strstr(p, "{{"))) {
		const char *name;
		size_t len;
		const char *next = parse_placeholder(text, p, &name, &len, err);
		if (!next) {
			for (size_t i = 0; i < n; i++)
				free(names[i]);
			free(names);
			return -1;
		}
		bool seen = false;
		for (size_t i = 0; i < n && !seen; i++)
			seen = strlen(names[i]) == len && memcmp(names[i], name, len) == 0;
		if (!seen) {
			names = sl_xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = sl_xstrndup(name, len);
		}
		p = next;
	}
	*names_out = names;
	*n_out = n;
	return 0;
}

char *sl_template_render(const char *text, const cJSON *vars, struct sl_error *err)
{
	struct sl_buf out;
	sl_buf_init(&out);
	const char *p = text;
	const char *open;
	while ((open = strstr(p, "{{"))) {
		sl_buf_append(&out, p, (size_t)(open - p));
		const char *name;
		size_t len;
		const char *next = parse_placeholder(text, open, &name, &len, err);
		if (!next)
			goto fail;
		char key[256];
		if (len >= sizeof key) {
			sl_error_set(err, "placeholder name too long at offset %zu", (size_t)(open - text));
			goto fail;
		}
		memcpy(key, name, len);
		key[len] = 0;
		const cJSON *v = vars ? cJSON_GetObjectItemCaseSensitive(vars, key) : NULL;
		if (!v) {
			sl_error_set(err, "missing variable '%s'", key);
			goto fail;
		}
		if (cJSON_IsString(v)) {
			sl_buf_puts(&out, v->valuestring);
		} else if (!cJSON_IsNull(v)) {
			char *s = cJSON_PrintUnformatted(v);
			sl_buf_puts(&out, s);
			cJSON_free(s);
		}
		p = next;
	}
	sl_buf_puts(&out, p);
	return sl_buf_steal(&out);
fail:
	sl_buf_free(&out);
	return NULL;
}
