/* AWS event-stream codec. CRCs come from zlib's crc32(): the event-stream CRC is exactly
 * the gzip CRC-32 (reflected 0xEDB88320, init and xor-out 0xFFFFFFFF), and a library that
 * every distribution ships and fuzzes beats a hand-written table we would have to prove. */
#include "shortlist/eventstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static uint32_t es_crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(0L, p, (uInt)n);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be(struct sl_buf *b, uint64_t v, int bytes)
{
	uint8_t tmp[8];
	for (int i = 0; i < bytes; i++)
		tmp[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	sl_buf_append(b, tmp, (size_t)bytes);
}

struct sl_es_header sl_es_header_string(const char *name, const char *value)
{
	struct sl_es_header h;
	memset(&h, 0, sizeof h);
	h.name = name;
	h.name_len = strlen(name);
	h.type = SL_ES_STRING;
	h.v.bytes.data = (const uint8_t *)value;
	h.v.bytes.len = strlen(value);
	return h;
}

struct sl_es_header sl_es_header_int(const char *name, enum sl_es_type type, int64_t value)
{
	struct sl_es_header h;
	memset(&h, 0, sizeof h);
	h.name = name;
	h.name_len = strlen(name);
	h.type = type;
	h.v.i = value;
	return h;
}

static size_t value_size(const struct sl_es_header *h)
{
	switch (h->type) {
	case SL_ES_BOOL_TRUE:
	case SL_ES_BOOL_FALSE: return 0;
	case SL_ES_BYTE: return 1;
	case SL_ES_INT16: return 2;
	case SL_ES_INT32: return 4;
	case SL_ES_INT64:
	case SL_ES_TIMESTAMP: return 8;
	case SL_ES_BYTES:
	case SL_ES_STRING: return 2 + h->v.bytes.len;
	case SL_ES_UUID: return 16;
	}
	return 0;
}

int sl_es_encode(struct sl_buf *out, const struct sl_es_header *headers, size_t n_headers,
		 const void *payload, size_t payload_len, struct sl_error *err)
{
	size_t hlen = 0;
	for (size_t i = 0; i < n_headers; i++) {
		const struct sl_es_header *h = &headers[i];
		if (h->name_len == 0 || h->name_len > 255) {
			sl_error_set(err, "event-stream header name must be 1-255 bytes (got %zu)",
				     h->name_len);
			return -1;
		}
		if ((unsigned)h->type > SL_ES_UUID) {
			sl_error_set(err, "event-stream header '%.*s' has unknown type %d",
				     (int)h->name_len, h->name, (int)h->type);
			return -1;
		}
		if ((h->type == SL_ES_BYTES || h->type == SL_ES_STRING) && h->v.bytes.len > 65535) {
			sl_error_set(err, "event-stream header '%.*s' value is %zu bytes (max 65535)",
				     (int)h->name_len, h->name, h->v.bytes.len);
			return -1;
		}
		hlen += 1 + h->name_len + 1 + value_size(h);
	}
	size_t total = SL_ES_MIN_MESSAGE + hlen + payload_len;
	if (hlen > SL_ES_MAX_HEADERS || total > SL_ES_MAX_MESSAGE) {
		sl_error_set(err, "event-stream message of %zu bytes (headers %zu) exceeds the limits",
			     total, hlen);
		return -1;
	}
	sl_buf_reserve(out, total);
	size_t start = out->len;
	put_be(out, total, 4);
	put_be(out, hlen, 4);
	put_be(out, es_crc((const uint8_t *)out->data + start, 8), 4);
	for (size_t i = 0; i < n_headers; i++) {
		const struct sl_es_header *h = &headers[i];
		put_be(out, h->name_len, 1);
		sl_buf_append(out, h->name, h->name_len);
		put_be(out, (uint64_t)h->type, 1);
		switch (h->type) {
		case SL_ES_BOOL_TRUE:
		case SL_ES_BOOL_FALSE: break;
		case SL_ES_BYTE: put_be(out, (uint64_t)h->v.i, 1); break;
		case SL_ES_INT16: put_be(out, (uint64_t)h->v.i, 2); break;
		case SL_ES_INT32: put_be(out, (uint64_t)h->v.i, 4); break;
		case SL_ES_INT64:
		case SL_ES_TIMESTAMP: put_be(out, (uint64_t)h->v.i, 8); break;
		case SL_ES_BYTES:
		case SL_ES_STRING:
			put_be(out, h->v.bytes.len, 2);
			sl_buf_append(out, h->v.bytes.data, h->v.bytes.len);
			break;
		case SL_ES_UUID: sl_buf_append(out, h->v.uuid, 16); break;
		}
	}
	if (payload_len)
		sl_buf_append(out, payload, payload_len);
	put_be(out, es_crc((const uint8_t *)out->data + start, total - 4), 4);
	return 0;
}

const struct sl_es_header *sl_es_message_header(const struct sl_es_message *m, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < m->n_headers; i++)
		if (m->headers[i].name_len == n && memcmp(m->headers[i].name, name, n) == 0)
			return &m->headers[i];
	return NULL;
}

bool sl_es_message_header_is(const struct sl_es_message *m, const char *name, const char *value)
{
	const struct sl_es_header *h = sl_es_message_header(m, name);
	size_t n = strlen(value);
	return h && h->type == SL_ES_STRING && h->v.bytes.len == n &&
	       memcmp(h->v.bytes.data, value, n) == 0;
}

const char *sl_es_message_header_str(const struct sl_es_message *m, const char *name, char *out,
				     size_t outsz)
{
	const struct sl_es_header *h = sl_es_message_header(m, name);
	out[0] = '\0';
	if (h && (h->type == SL_ES_STRING || h->type == SL_ES_BYTES) && outsz) {
		size_t n = h->v.bytes.len < outsz - 1 ? h->v.bytes.len : outsz - 1;
		memcpy(out, h->v.bytes.data, n);
		out[n] = '\0';
	}
	return out;
}

void sl_es_decoder_init(struct sl_es_decoder *d)
{
	memset(d, 0, sizeof *d);
	sl_buf_init(&d->buf);
}

void sl_es_decoder_free(struct sl_es_decoder *d)
{
	sl_buf_free(&d->buf);
	free(d->headers);
	memset(d, 0, sizeof *d);
}

size_t sl_es_decoder_pending(const struct sl_es_decoder *d)
{
	return d->buf.len;
}

static int fail(struct sl_es_decoder *d, struct sl_error *err, const char *fmt, ...)
	SL_PRINTF(3, 4);

static int fail(struct sl_es_decoder *d, struct sl_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->failure, sizeof d->failure, fmt, ap);
	va_end(ap);
	d->failed = true;
	sl_error_set(err, "%s", d->failure);
	return -1;
}

/* Validate the 12-byte prelude; returns the total length or 0 with the decoder failed. */
static uint32_t check_prelude(struct sl_es_decoder *d, const uint8_t *p, struct sl_error *err)
{
	uint32_t total = get_u32(p), hlen = get_u32(p + 4), crc = get_u32(p + 8);
	uint32_t want = es_crc(p, 8);
	if (crc != want) {
		fail(d, err,
		     "event-stream message %llu: prelude CRC mismatch (got 0x%08x, computed 0x%08x)",
		     (unsigned long long)d->messages + 1, crc, want);
		return 0;
	}
	if (total < SL_ES_MIN_MESSAGE || total > SL_ES_MAX_MESSAGE) {
		fail(d, err, "event-stream message %llu: total length %u outside %u..%u",
		     (unsigned long long)d->messages + 1, total, SL_ES_MIN_MESSAGE,
		     SL_ES_MAX_MESSAGE);
		return 0;
	}
	if (hlen > SL_ES_MAX_HEADERS || hlen > total - SL_ES_MIN_MESSAGE) {
		fail(d, err, "event-stream message %llu: headers length %u does not fit in %u bytes",
		     (unsigned long long)d->messages + 1, hlen, total);
		return 0;
	}
	return total;
}

/* Decode one complete message of `total` bytes at p (prelude already checked). */
static int decode_message(struct sl_es_decoder *d, const uint8_t *p, uint32_t total,
			  sl_es_message_fn on_message, void *ud, struct sl_error *err)
{
	unsigned long long nr = (unsigned long long)d->messages + 1;
	uint32_t crc = get_u32(p + total - 4), want = es_crc(p, total - 4);
	if (crc != want)
		return fail(d, err, "event-stream message %llu: message CRC mismatch (got 0x%08x, "
			    "computed 0x%08x)", nr, crc, want);
	uint32_t hlen = get_u32(p + 4);
	const uint8_t *h = p + SL_ES_PRELUDE_LEN, *hend = h + hlen;
	size_t n = 0;
	while (h < hend) {
		if (n == d->headers_cap) {
			d->headers_cap = d->headers_cap ? 2 * d->headers_cap : 8;
			d->headers = sl_xrealloc(d->headers, d->headers_cap * sizeof *d->headers);
		}
		struct sl_es_header *x = &d->headers[n];
		memset(x, 0, sizeof *x);
		size_t name_len = *h++;
		if (name_len == 0 || (size_t)(hend - h) < name_len + 1)
			return fail(d, err, "event-stream message %llu: header %zu has a bad name "
				    "length %zu", nr, n + 1, name_len);
		x->name = (const char *)h;
		x->name_len = name_len;
		h += name_len;
		unsigned type = *h++;
		size_t left = (size_t)(hend - h), need;
		switch (type) {
		case SL_ES_BOOL_TRUE:
		case SL_ES_BOOL_FALSE: need = 0; break;
		case SL_ES_BYTE: need = 1; break;
		case SL_ES_INT16: need = 2; break;
		case SL_ES_INT32: need = 4; break;
		case SL_ES_INT64:
		case SL_ES_TIMESTAMP: need = 8; break;
		case SL_ES_BYTES:
		case SL_ES_STRING: need = left >= 2 ? 2u + get_u16(h) : 2; break;
		case SL_ES_UUID: need = 16; break;
		default:
			return fail(d, err, "event-stream message %llu: header '%.*s' has unknown "
				    "value type %u", nr, (int)name_len, x->name, type);
		}
		if (left < need)
			return fail(d, err, "event-stream message %llu: header '%.*s' value runs past "
				    "the headers section", nr, (int)name_len, x->name);
		x->type = (enum sl_es_type)type;
		switch (type) {
		case SL_ES_BOOL_TRUE: x->v.i = 1; break;
		case SL_ES_BOOL_FALSE: x->v.i = 0; break;
		case SL_ES_BYTE: x->v.i = (int8_t)h[0]; break;
		case SL_ES_INT16: x->v.i = (int16_t)get_u16(h); break;
		case SL_ES_INT32: x->v.i = (int32_t)get_u32(h); break;
		case SL_ES_INT64:
		case SL_ES_TIMESTAMP:
			x->v.i = (int64_t)((uint64_t)get_u32(h) << 32 | get_u32(h + 4));
			break;
		case SL_ES_BYTES:
		case SL_ES_STRING:
			x->v.bytes.data = h + 2;
			x->v.bytes.len = need - 2;
			break;
		case SL_ES_UUID: memcpy(x->v.uuid, h, 16); break;
		}
		h += need;
		n++;
	}
	struct sl_es_message m = {
		.headers = d->headers,
		.n_headers = n,
		.payload = hend,
		.payload_len = total - hlen - SL_ES_MIN_MESSAGE,
	};
	d->messages++;
	return on_message ? on_message(ud, &m) : 0;
}

int sl_es_decoder_feed(struct sl_es_decoder *d, const void *data, size_t len,
		       sl_es_message_fn on_message, void *ud, struct sl_error *err)
{
	const uint8_t *in = data;
	if (d->failed) {
		sl_error_set(err, "%s", d->failure);
		return -1;
	}
	/* Finish a message begun in an earlier chunk: copy only the bytes it still needs. */
	while (d->buf.len > 0 && len > 0) {
		size_t want = SL_ES_PRELUDE_LEN;
		uint32_t total = 0;
		if (d->buf.len >= SL_ES_PRELUDE_LEN) {
			total = get_u32((const uint8_t *)d->buf.data); /* checked when buffered */
			want = total;
		}
		size_t take = want - d->buf.len < len ? want - d->buf.len : len;
		sl_buf_append(&d->buf, in, take);
		in += take;
		len -= take;
		if (d->buf.len == SL_ES_PRELUDE_LEN && total == 0) {
			if (!check_prelude(d, (const uint8_t *)d->buf.data, err))
				return -1;
			continue;
		}
		if (total && d->buf.len == total) {
			int rc = decode_message(d, (const uint8_t *)d->buf.data, total, on_message, ud,
						err);
			sl_buf_reset(&d->buf);
			if (rc)
				return rc;
		}
	}
	/* Whole messages straight from the caller's chunk, no copy. */
	while (len >= SL_ES_PRELUDE_LEN) {
		uint32_t total = check_prelude(d, in, err);
		if (!total)
			return -1;
		if (len < total)
			break;
		int rc = decode_message(d, in, total, on_message, ud, err);
		if (rc)
			return rc;
		in += total;
		len -= total;
	}
	if (len > 0)
		sl_buf_append(&d->buf, in, len);
	return 0;
}
