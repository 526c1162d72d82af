/* The protocol table (its lines are SL_PROTOCOLS in provider.h) and the HTTP request a
 * protocol builds. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/provider.h"

#define SL_PROTOCOL_ENTRY(name) &sl_##name##_ops,
static const struct sl_provider_ops *const protocols[] = { SL_PROTOCOLS(SL_PROTOCOL_ENTRY) };

const struct sl_provider_ops *sl_protocol_find(const char *name)
{
	for (size_t i = 0; name && i < SL_ARRAY_LEN(protocols); i++)
		if (strcmp(protocols[i]->name, name) == 0)
			return protocols[i];
	return NULL;
}

const struct sl_provider_ops *sl_protocol_at(size_t i)
{
	return i < SL_ARRAY_LEN(protocols) ? protocols[i] : NULL;
}

void sl_protocol_names(struct sl_buf *out)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(protocols); i++)
		sl_buf_printf(out, "%s%s", i ? ", " : "", protocols[i]->name);
}

const char *sl_provider_kind_name(const struct sl_provider_ops *kind)
{
	return kind ? kind->name : "?";
}

void sl_http_request_add_header(struct sl_http_request *r, const char *fmt, ...)
{
	struct sl_buf b;
	sl_buf_init(&b);
	va_list ap;
	va_start(ap, fmt);
	sl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	r->headers = sl_xrealloc(r->headers, (r->n_headers + 1) * sizeof *r->headers);
	r->headers[r->n_headers++] = sl_buf_steal(&b);
}

void sl_http_request_free(struct sl_http_request *r)
{
	free(r->url);
	free(r->body);
	for (size_t i = 0; i < r->n_headers; i++) {
		/* header lines may carry a key: do not leave it in freed memory */
		explicit_bzero(r->headers[i], strlen(r->headers[i]));
		free(r->headers[i]);
	}
	free(r->headers);
	r->url = r->body = NULL;
	r->headers = NULL;
	r->n_headers = 0;
	r->sign = false;
}
