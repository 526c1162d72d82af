/* The parsed state of one response and the measurements derived from it. Parsers report
 * what they find through these functions so that every content arrival is clocked the
 * same way whatever the protocol (reference notes 1.6). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/provider.h"

void sl_stream_init(struct sl_stream *s)
{
	memset(s, 0, sizeof *s);
	sl_buf_init(&s->text);
	sl_buf_init(&s->reasoning);
	s->tokens_in = s->tokens_out = s->tokens_cached = s->tokens_reasoning = -1;
	s->tokens_cache_write = -1;
	s->server_ms = NAN;
}

static void free_logprobs(struct sl_token_logprob *lp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(lp[i].token);
		for (size_t j = 0; j < lp[i].n_top; j++)
			free(lp[i].top[j].token);
		free(lp[i].top);
	}
	free(lp);
}

static void free_embeddings(float **e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i]);
	free(e);
}

void sl_stream_free(struct sl_stream *s)
{
	if (s->proto && s->proto_free)
		s->proto_free(s->proto);
	sl_buf_free(&s->text);
	sl_buf_free(&s->reasoning);
	free(s->model);
	free(s->finish_reason);
	free(s->error);
	free(s->error_type);
	free(s->gaps_ms);
	free_logprobs(s->logprobs, s->n_logprobs);
	free_embeddings(s->embeddings, s->n_embeddings);
	sl_stream_init(s);
}

static void clock_content(struct sl_stream *s)
{
	if (!s->first_content_ns) {
		s->first_content_ns = s->last_content_ns = s->now_ns;
		return;
	}
	/* Pieces that arrived in the same network read are one arrival: recording zero gaps
	 * for them would pretend the server sent them apart. */
	if (s->now_ns == s->last_content_ns)
		return;
	if (s->n_gaps == s->cap_gaps) {
		s->cap_gaps = s->cap_gaps ? s->cap_gaps * 2 : 64;
		s->gaps_ms = sl_xrealloc(s->gaps_ms, s->cap_gaps * sizeof *s->gaps_ms);
	}
	s->gaps_ms[s->n_gaps++] = (double)(s->now_ns - s->last_content_ns) / 1e6;
	s->last_content_ns = s->now_ns;
}

void sl_stream_content(struct sl_stream *s, const char *text, size_t len, bool reasoning)
{
	if (len == 0)
		return; /* empty deltas (role preludes, keep-alives) are not tokens */
	clock_content(s);
	sl_buf_append(reasoning ? &s->reasoning : &s->text, text, len);
	if (s->on_delta)
		s->on_delta(s->user_data, s->id, text, len, reasoning);
}

void sl_stream_tool_delta(struct sl_stream *s)
{
	clock_content(s);
}

void sl_stream_cache_write(struct sl_stream *s, int64_t tokens)
{
	if (tokens >= 0)
		s->tokens_cache_write = tokens;
}

void sl_stream_usage(struct sl_stream *s, int64_t in, int64_t out, int64_t cached,
		     int64_t reasoning)
{
	if (in >= 0)
		s->tokens_in = in;
	if (out >= 0)
		s->tokens_out = out;
	if (cached >= 0)
		s->tokens_cached = cached;
	if (reasoning >= 0)
		s->tokens_reasoning = reasoning;
}

void sl_stream_set_model(struct sl_stream *s, const char *model)
{
	if (!model || !*model || (s->model && strcmp(s->model, model) == 0))
		return; /* every chunk names it */
	free(s->model);
	s->model = sl_xstrdup(model);
}

void sl_stream_set_finish(struct sl_stream *s, const char *reason)
{
	if (!reason || !*reason)
		return;
	free(s->finish_reason);
	s->finish_reason = sl_xstrdup(reason);
}

void sl_stream_fail(struct sl_stream *s, enum sl_status st, const char *type, const char *fmt,
		    ...)
{
	if (s->failed)
		return; /* the first reason is the real one */
	s->failed = true;
	s->fail_status = st;
	struct sl_buf b;
	sl_buf_init(&b);
	va_list ap;
	va_start(ap, fmt);
	sl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	s->error = sl_buf_steal(&b);
	s->error_type = type ? sl_xstrdup(type) : NULL;
}

void sl_stream_add_logprob(struct sl_stream *s, char *token, double logprob,
			   struct sl_top_logprob *top, size_t n_top)
{
	if (s->n_logprobs == s->cap_logprobs) {
		s->cap_logprobs = s->cap_logprobs ? s->cap_logprobs * 2 : 32;
		s->logprobs = sl_xrealloc(s->logprobs, s->cap_logprobs * sizeof *s->logprobs);
	}
	s->logprobs[s->n_logprobs++] =
		(struct sl_token_logprob){ .token = token, .logprob = logprob, .top = top,
					   .n_top = n_top };
}

void sl_stream_add_embedding(struct sl_stream *s, const float *v, size_t dim)
{
	if (s->n_embeddings && dim != s->dim) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL,
			       "embedding %zu has %zu dimensions, the first had %zu",
			       s->n_embeddings, dim, s->dim);
		return;
	}
	s->dim = dim;
	s->embeddings = sl_xrealloc(s->embeddings, (s->n_embeddings + 1) * sizeof(float *));
	float *copy = sl_xmalloc(dim * sizeof(float));
	memcpy(copy, v, dim * sizeof(float));
	s->embeddings[s->n_embeddings++] = copy;
}

int64_t sl_estimate_tokens(const char *text, size_t len)
{
	if (!len)
		return 0;
	/* ~4 bytes per token for English BPE vocabularies; it is flagged as an estimate. */
	return (int64_t)((len + 3) / 4);
}

static double ns_to_ms(int64_t ns)
{
	return (double)ns / 1e6;
}

void sl_stream_to_result(struct sl_stream *s, bool streamed, int64_t end_ns, struct sl_result *r)
{
	r->text = sl_buf_steal(&s->text);
	r->reasoning = sl_buf_steal(&s->reasoning);
	r->reported_model = s->model;
	s->model = NULL;
	r->finish_reason = s->finish_reason;
	s->finish_reason = NULL;
	r->tokens_in = s->tokens_in;
	r->tokens_cached = s->tokens_cached;
	r->tokens_cache_write = s->tokens_cache_write;
	r->tokens_reasoning = s->tokens_reasoning;
	r->server_ms = s->server_ms;
	r->tokens_out = s->tokens_out;
	r->out_estimated = false;
	/* Embeddings generate no tokens: the APIs report input usage only. */
	if (r->tokens_out < 0 && s->n_embeddings)
		r->tokens_out = 0;
	if (r->tokens_out < 0) {
		size_t len = strlen(r->text) + strlen(r->reasoning);
		r->tokens_out = sl_estimate_tokens(r->text, len);
		r->out_estimated = true;
	}
	r->logprobs = s->logprobs;
	r->n_logprobs = s->n_logprobs;
	s->logprobs = NULL;
	s->n_logprobs = s->cap_logprobs = 0;
	r->embeddings = s->embeddings;
	r->n_embeddings = s->n_embeddings;
	r->dim = s->dim;
	s->embeddings = NULL;
	s->n_embeddings = 0;

	r->ttft_ms = r->tpot_ms = r->tokens_per_s = NAN;
	r->gaps_ms = NULL;
	r->n_gaps = 0;
	if (!streamed || !s->first_content_ns) {
		/* No clocked content: the whole body is the answer. */
		r->e2e_ms = ns_to_ms(end_ns - s->t0_ns);
		return;
	}
	r->ttft_ms = ns_to_ms(s->first_content_ns - s->t0_ns);
	r->e2e_ms = ns_to_ms(s->last_content_ns - s->t0_ns);
	r->gaps_ms = s->gaps_ms;
	r->n_gaps = s->n_gaps;
	s->gaps_ms = NULL;
	s->n_gaps = s->cap_gaps = 0;
	double decode_ms = r->e2e_ms - r->ttft_ms;
	int64_t n = r->tokens_out;
	/* Hidden reasoning (OpenAI o-series): its tokens are billed in tokens_out but were
	 * generated before the first visible token, inside TTFT. Counting them in the decode
	 * phase would inflate the speed, so only the streamed tokens count there. */
	if (r->tokens_reasoning > 0 && !*r->reasoning && n > r->tokens_reasoning)
		n -= r->tokens_reasoning;
	if (n > 1 && decode_ms > 0) {
		r->tpot_ms = decode_ms / (double)(n - 1);
		r->tokens_per_s = (double)n / (decode_ms / 1000.0);
	}
}

void sl_result_clear(struct sl_result *r)
{
	free(r->error);
	free(r->error_type);
	free(r->provider);
	free(r->model_id);
	free(r->reported_model);
	free(r->text);
	free(r->reasoning);
	free(r->finish_reason);
	free(r->gaps_ms);
	free_logprobs(r->logprobs, r->n_logprobs);
	free_embeddings(r->embeddings, r->n_embeddings);
	memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s)
{
	return s ? sl_xstrdup(s) : NULL;
}

struct sl_result *sl_result_dup(const struct sl_result *r)
{
	struct sl_result *d = sl_xmalloc(sizeof *d);
	*d = *r;
	d->error = dup_or_null(r->error);
	d->error_type = dup_or_null(r->error_type);
	d->provider = dup_or_null(r->provider);
	d->model_id = dup_or_null(r->model_id);
	d->reported_model = dup_or_null(r->reported_model);
	d->text = dup_or_null(r->text);
	d->reasoning = dup_or_null(r->reasoning);
	d->finish_reason = dup_or_null(r->finish_reason);
	d->gaps_ms = NULL;
	if (r->n_gaps) {
		d->gaps_ms = sl_xmalloc(r->n_gaps * sizeof(double));
		memcpy(d->gaps_ms, r->gaps_ms, r->n_gaps * sizeof(double));
	}
	d->logprobs = NULL;
	if (r->n_logprobs) {
		d->logprobs = sl_xcalloc(r->n_logprobs, sizeof *d->logprobs);
		for (size_t i = 0; i < r->n_logprobs; i++) {
			d->logprobs[i].token = sl_xstrdup(r->logprobs[i].token);
			d->logprobs[i].logprob = r->logprobs[i].logprob;
			d->logprobs[i].n_top = r->logprobs[i].n_top;
			d->logprobs[i].top = sl_xcalloc(r->logprobs[i].n_top + 1,
							sizeof(struct sl_top_logprob));
			for (size_t j = 0; j < r->logprobs[i].n_top; j++) {
				d->logprobs[i].top[j].token = sl_xstrdup(r->logprobs[i].top[j].token);
				d->logprobs[i].top[j].logprob = r->logprobs[i].top[j].logprob;
			}
		}
	}
	d->embeddings = NULL;
	if (r->n_embeddings) {
		d->embeddings = sl_xmalloc(r->n_embeddings * sizeof(float *));
		for (size_t i = 0; i < r->n_embeddings; i++) {
			d->embeddings[i] = sl_xmalloc(r->dim * sizeof(float) + 1);
			memcpy(d->embeddings[i], r->embeddings[i], r->dim * sizeof(float));
		}
	}
	return d;
}

void sl_result_free(struct sl_result *r)
{
	if (!r)
		return;
	sl_result_clear(r);
	free(r);
}

const char *sl_status_name(enum sl_status s)
{
	switch (s) {
	case SL_OK: return "ok";
	case SL_ERR_CONFIG: return "config";
	case SL_ERR_HTTP: return "http";
	case SL_ERR_NETWORK: return "network";
	case SL_ERR_TIMEOUT: return "timeout";
	case SL_ERR_PROTOCOL: return "protocol";
	case SL_ERR_PROVIDER: return "provider";
	case SL_ERR_CANCELLED: return "cancelled";
	}
	return "unknown";
}

void sl_params_init(struct sl_params *p)
{
	memset(p, 0, sizeof *p);
	p->temperature = NAN;
	p->top_p = NAN;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double sl_percentile(double *values, size_t n, double p)
{
	if (n == 0)
		return NAN;
	qsort(values, n, sizeof *values, cmp_double);
	if (p <= 0)
		return values[0];
	if (p >= 100)
		return values[n - 1];
	double rank = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)floor(rank);
	size_t hi = lo + 1 < n ? lo + 1 : lo;
	double frac = rank - (double)lo;
	return values[lo] + (values[hi] - values[lo]) * frac;
}

double sl_cost_usd(const struct sl_price *p, int64_t in, int64_t out, int64_t cached,
		   int64_t cache_write)
{
	if (!p || in < 0 || out < 0 || isnan(p->in) || isnan(p->out))
		return NAN;
	/* Providers' input counts include the cached parts (Anthropic's and Bedrock's are
	 * summed by their parsers): take each part out of the input price it replaces. */
	double cost = 0;
	int64_t fresh_in = in;
	if (cached > 0 && !isnan(p->cache_read)) {
		fresh_in -= cached;
		cost += (double)cached * p->cache_read / 1e6;
	}
	if (cache_write > 0 && !isnan(p->cache_write)) {
		fresh_in -= cache_write;
		cost += (double)cache_write * p->cache_write / 1e6;
	}
	if (fresh_in < 0)
		fresh_in = 0;
	cost += (double)fresh_in * p->in / 1e6 + (double)out * p->out / 1e6;
	return cost;
}
