/* Small JSON and URL helpers shared by the provider modules. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net_internal.h"

const char *sl_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t sl_json_int(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	/* A count beyond a trillion is no count (and a double that large does not fit an
	 * integer): treat it as absent, so that tokens are estimated and flagged. */
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e12
		? (int64_t)v->valuedouble : -1;
}

double sl_json_num(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const cJSON *sl_json_path(const cJSON *obj, const char *dotted)
{
	const char *p = dotted;
	while (obj && *p) {
		size_t n = strcspn(p, ".");
		char key[64];
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (cJSON_IsArray(obj) && isdigit((unsigned char)key[0]))
			obj = cJSON_GetArrayItem(obj, atoi(key));
		else if (cJSON_IsObject(obj))
			obj = cJSON_GetObjectItemCaseSensitive(obj, key);
		else
			return NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return obj;
}


bool sl_net_error_type_transient(const char *type)
{
	if (!type)
		return false;
	static const char *const transient[] = {
		"overloaded", "rate_limit", "ratelimit", "throttl", "server_error", "api_error",
		"internalserver", "serviceunavailable", "modelstreamerror", "timeout",
		"unavailable",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(transient); i++)
		if (sl_strcasestr(type, transient[i]))
			return true;
	return false;
}

void sl_net_error_from_json(const char *body, size_t len, struct sl_provider_error *pe)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!root)
		return;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *msg = NULL, *type = NULL;
	if (cJSON_IsObject(e)) {
		msg = sl_json_str(e, "message");
		type = sl_json_str(e, "code");
		if (!type)
			type = sl_json_str(e, "type");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
		if (!type && cJSON_IsNumber(code))
			type = sl_json_str(e, "type");
	} else if (cJSON_IsString(e)) {
		msg = e->valuestring;
	}
	if (!msg)
		msg = sl_json_str(root, "message");
	if (!msg)
		msg = sl_json_str(root, "Message");
	if (!msg)
		msg = sl_json_str(root, "detail");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");
	char *printed = NULL;
	if (!msg && detail && !cJSON_IsString(detail)) {
		printed = cJSON_PrintUnformatted(detail);
		msg = printed;
	}
	if (!type)
		type = sl_json_str(root, "type");
	if (type && strcmp(type, "error") == 0)
		type = NULL;
	if (msg)
		pe->message = sl_xstrdup(msg);
	if (type)
		pe->type = sl_xstrdup(type);
	free(printed);
	cJSON_Delete(root);
}

char *sl_url_encode(const char *s)
{
	struct sl_buf b;
	sl_buf_init(&b);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			sl_buf_putc(&b, (char)*p);
		else
			sl_buf_printf(&b, "%%%02X", *p);
	}
	return sl_buf_steal(&b);
}
