/* The AWS binary event-stream encoding (application/vnd.amazon.eventstream), the body of a
 * Bedrock ConverseStream response. One message on the wire:
 *
 *   u32 total_length | u32 headers_length | u32 prelude_crc = CRC32(first 8 bytes)
 *   headers (headers_length bytes) | payload | u32 message_crc = CRC32(all bytes before it)
 *
 * all integers big-endian, CRC32 the IEEE/zlib one. Each header is
 *   u8 name_len | name | u8 value_type | value
 * with the value types of enum sl_es_type. The encoder is used by tests/fakeprov; the
 * decoder is fed whatever byte chunks the transport delivers and hands back whole messages. */
#ifndef SHORTLIST_EVENTSTREAM_H
#define SHORTLIST_EVENTSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

/* Sanity limits, the same as awslabs/aws-c-event-stream: a length beyond them means the
 * stream is garbage (or not an event stream at all), not that we should allocate 4 GiB. */
#define SL_ES_MAX_MESSAGE (16u * 1024u * 1024u)
#define SL_ES_MAX_HEADERS (128u * 1024u)
#define SL_ES_PRELUDE_LEN 12u
#define SL_ES_MIN_MESSAGE 16u

enum sl_es_type {
	SL_ES_BOOL_TRUE = 0,
	SL_ES_BOOL_FALSE = 1,
	SL_ES_BYTE = 2,
	SL_ES_INT16 = 3,
	SL_ES_INT32 = 4,
	SL_ES_INT64 = 5,
	SL_ES_BYTES = 6,
	SL_ES_STRING = 7,
	SL_ES_TIMESTAMP = 8, /* int64 milliseconds since the epoch */
	SL_ES_UUID = 9,
};

struct sl_es_header {
	const char *name; /* not NUL-terminated when decoded: use name_len */
	size_t name_len;
	enum sl_es_type type;
	union {
		int64_t i;        /* BYTE, INT16, INT32, INT64, TIMESTAMP (sign-extended) */
		struct {
			const uint8_t *data; /* BYTES and STRING (UTF-8, not NUL-terminated) */
			size_t len;
		} bytes;
		uint8_t uuid[16];
	} v;
};

struct sl_es_message {
	struct sl_es_header *headers;
	size_t n_headers;
	const uint8_t *payload;
	size_t payload_len;
};

/* Header constructors for the encoder (name and string must outlive the encode call). */
struct sl_es_header sl_es_header_string(const char *name, const char *value);
struct sl_es_header sl_es_header_int(const char *name, enum sl_es_type type, int64_t value);

/* Append one encoded message to out. Returns -1 (err set) if a header name is longer than
 * 255 bytes, a string/bytes value longer than 65535, or the message exceeds the limits. */
int sl_es_encode(struct sl_buf *out, const struct sl_es_header *headers, size_t n_headers,
		 const void *payload, size_t payload_len, struct sl_error *err);

/* Find a header by name; NULL if absent. */
const struct sl_es_header *sl_es_message_header(const struct sl_es_message *m, const char *name);
/* True if the header exists, is a string and equals value. */
bool sl_es_message_header_is(const struct sl_es_message *m, const char *name, const char *value);
/* Copy a string header into out (NUL-terminated, truncated to outsz-1); "" if absent. */
const char *sl_es_message_header_str(const struct sl_es_message *m, const char *name, char *out,
				     size_t outsz);

/* Incremental decoder. Feed it byte chunks of any size; for each complete, CRC-checked
 * message it calls on_message (whose pointers are valid only during the call). A bad CRC or
 * an insane length is unrecoverable (framing is lost): feed returns -1 with err set, and
 * every later feed fails the same way. on_message returning non-zero stops decoding: feed
 * returns that value. */
typedef int (*sl_es_message_fn)(void *ud, const struct sl_es_message *m);

struct sl_es_decoder {
	struct sl_buf buf;                /* bytes of an incomplete message */
	struct sl_es_header *headers;     /* scratch array reused across messages */
	size_t headers_cap;
	uint64_t messages;                /* complete messages decoded so far */
	bool failed;
	char failure[256];
};

void sl_es_decoder_init(struct sl_es_decoder *d);
void sl_es_decoder_free(struct sl_es_decoder *d);
int sl_es_decoder_feed(struct sl_es_decoder *d, const void *data, size_t len,
		       sl_es_message_fn on_message, void *ud, struct sl_error *err);
/* Bytes held back waiting for the rest of a message: non-zero at end of stream means the
 * stream was truncated mid-message. */
size_t sl_es_decoder_pending(const struct sl_es_decoder *d);

#endif
