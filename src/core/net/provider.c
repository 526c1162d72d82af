/* The provider table and the HTTP request a provider builds. */
#include <stdarg.h>
#include <stdlib.h>

#include "shortlist/provider.h"

const struct sl_provider_ops *sl_provider_ops_for(enum sl_provider_kind kind)
{
	switch (kind) {
	case SL_KIND_OPENAI: return &sl_openai_ops;
	case SL_KIND_ANTHROPIC: return &sl_anthropic_ops;
	case SL_KIND_BEDROCK: return &sl_bedrock_ops;
	case SL_KIND_OLLAMA: return &sl_ollama_ops;
	case SL_KIND_COUNT: break;
	}
	return NULL;
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
	for (size_t i = 0; i < r->n_headers; i++)
		free(r->headers[i]);
	free(r->headers);
	r->url = r->body = NULL;
	r->headers = NULL;
	r->n_headers = 0;
	r->aws_sign = false;
}
