/* The AWS event-stream codec: a real frame from AWS's own tests, round trips of every
 * header value type, every split point of a multi-message stream, and every way a frame
 * can be corrupt. */
#include "test.h"

#include <zlib.h>

#include "shortlist/eventstream.h"

static unsigned long crc32_for_test(const uint8_t *p, size_t n)
{
	return crc32(0L, p, (uInt)n);
}

/* From awslabs/aws-c-event-stream's test suite (also quoted by emblica/aws-event-stream-
 * parser-rs): one message, header content-type: application/json, payload {'foo':'bar'}. */
static const char real_frame_hex[] =
	"0000003d0000002007fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a73"
	"6f6e7b27666f6f273a27626172277d8d9c08b1";

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

struct collected {
	int count;
	char event_type[8][64];
	struct sl_buf payloads[8];
	int stop_after;
};

static int collect(void *ud, const struct sl_es_message *m)
{
	struct collected *c = ud;
	if (c->count < 8) {
		sl_es_message_header_str(m, ":event-type", c->event_type[c->count], 64);
		sl_buf_append(&c->payloads[c->count], m->payload, m->payload_len);
	}
	c->count++;
	return c->stop_after && c->count >= c->stop_after ? 7 : 0;
}

static void collected_free(struct collected *c)
{
	for (int i = 0; i < 8; i++)
		sl_buf_free(&c->payloads[i]);
}

static int check_real(void *ud, const struct sl_es_message *m)
{
	int *seen = ud;
	(*seen)++;
	CHECK_INT(m->n_headers, 1);
	CHECK(sl_es_message_header_is(m, "content-type", "application/json"));
	CHECK_INT(m->payload_len, 13);
	CHECK(m->payload_len == 13 && memcmp(m->payload, "{'foo':'bar'}", 13) == 0);
	return 0;
}

static void test_real_frame_decodes_and_reencodes(void)
{
	uint8_t frame[128];
	size_t n = unhex(real_frame_hex, frame);
	CHECK_INT(n, 61);
	struct sl_es_decoder d;
	sl_es_decoder_init(&d);
	struct sl_error err = { 0 };
	int seen = 0;
	CHECK_INT(sl_es_decoder_feed(&d, frame, n, check_real, &seen, &err), 0);
	CHECK_INT(seen, 1);
	CHECK_INT(sl_es_decoder_pending(&d), 0);
	sl_es_decoder_free(&d);

	struct sl_es_header h = sl_es_header_string("content-type", "application/json");
	struct sl_buf out;
	sl_buf_init(&out);
	CHECK_INT(sl_es_encode(&out, &h, 1, "{'foo':'bar'}", 13, &err), 0);
	CHECK_INT(out.len, n);
	CHECK(out.len == n && memcmp(out.data, frame, n) == 0);
	sl_buf_free(&out);
}

static int check_all_types(void *ud, const struct sl_es_message *m)
{
	int *seen = ud;
	(*seen)++;
	CHECK_INT(m->n_headers, 10);
	const struct sl_es_header *h;
	CHECK((h = sl_es_message_header(m, "t")) && h->type == SL_ES_BOOL_TRUE && h->v.i == 1);
	CHECK((h = sl_es_message_header(m, "f")) && h->type == SL_ES_BOOL_FALSE && h->v.i == 0);
	CHECK((h = sl_es_message_header(m, "byte")) && h->type == SL_ES_BYTE && h->v.i == -5);
	CHECK((h = sl_es_message_header(m, "i16")) && h->type == SL_ES_INT16 && h->v.i == -12345);
	CHECK((h = sl_es_message_header(m, "i32")) && h->type == SL_ES_INT32 &&
	      h->v.i == -2000000000);
	CHECK((h = sl_es_message_header(m, "i64")) && h->type == SL_ES_INT64 &&
	      h->v.i == INT64_C(-9000000000000000000));
	CHECK((h = sl_es_message_header(m, "bytes")) && h->type == SL_ES_BYTES &&
	      h->v.bytes.len == 3 && memcmp(h->v.bytes.data, "\0\1\2", 3) == 0);
	CHECK(sl_es_message_header_is(m, ":event-type", "contentBlockDelta"));
	CHECK((h = sl_es_message_header(m, "ts")) && h->type == SL_ES_TIMESTAMP &&
	      h->v.i == INT64_C(1764331200123));
	CHECK((h = sl_es_message_header(m, "uuid")) && h->type == SL_ES_UUID &&
	      h->v.uuid[0] == 0xde && h->v.uuid[15] == 0x0f);
	CHECK(sl_es_message_header(m, "missing") == NULL);
	CHECK(m->payload_len == 0);
	return 0;
}

static void test_every_value_type_round_trips(void)
{
	struct sl_es_header hs[10] = {
		sl_es_header_int("t", SL_ES_BOOL_TRUE, 0),
		sl_es_header_int("f", SL_ES_BOOL_FALSE, 0),
		sl_es_header_int("byte", SL_ES_BYTE, -5),
		sl_es_header_int("i16", SL_ES_INT16, -12345),
		sl_es_header_int("i32", SL_ES_INT32, -2000000000),
		sl_es_header_int("i64", SL_ES_INT64, INT64_C(-9000000000000000000)),
		sl_es_header_int("bytes", SL_ES_BYTES, 0),
		sl_es_header_string(":event-type", "contentBlockDelta"),
		sl_es_header_int("ts", SL_ES_TIMESTAMP, INT64_C(1764331200123)),
		sl_es_header_int("uuid", SL_ES_UUID, 0),
	};
	hs[6].v.bytes.data = (const uint8_t *)"\0\1\2";
	hs[6].v.bytes.len = 3;
	static const uint8_t uuid[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
					  5, 6, 7, 8, 9, 10, 11, 0x0f };
	memcpy(hs[9].v.uuid, uuid, 16);
	struct sl_buf out;
	sl_buf_init(&out);
	struct sl_error err = { 0 };
	CHECK_INT(sl_es_encode(&out, hs, 10, NULL, 0, &err), 0);
	struct sl_es_decoder d;
	sl_es_decoder_init(&d);
	int seen = 0;
	CHECK_INT(sl_es_decoder_feed(&d, out.data, out.len, check_all_types, &seen, &err), 0);
	CHECK_INT(seen, 1);
	sl_es_decoder_free(&d);
	sl_buf_free(&out);
}

/* Three Bedrock-shaped messages of different sizes, one with a large payload. */
static void make_stream(struct sl_buf *out)
{
	static char big[3000];
	memset(big, 'x', sizeof big - 1);
	const char *types[3] = { "messageStart", "contentBlockDelta", "metadata" };
	const char *payloads[3] = { "{\"role\":\"assistant\"}", big, "{\"usage\":{}}" };
	struct sl_error err = { 0 };
	for (int i = 0; i < 3; i++) {
		struct sl_es_header hs[3] = {
			sl_es_header_string(":event-type", types[i]),
			sl_es_header_string(":content-type", "application/json"),
			sl_es_header_string(":message-type", "event"),
		};
		CHECK_INT(sl_es_encode(out, hs, 3, payloads[i], strlen(payloads[i]), &err), 0);
	}
}

static void check_stream(struct collected *c)
{
	CHECK_INT(c->count, 3);
	CHECK_STR(c->event_type[0], "messageStart");
	CHECK_STR(c->event_type[1], "contentBlockDelta");
	CHECK_STR(c->event_type[2], "metadata");
	CHECK_STR(c->payloads[0].data, "{\"role\":\"assistant\"}");
	CHECK_INT(c->payloads[1].len, 2999);
	CHECK_STR(c->payloads[2].data, "{\"usage\":{}}");
}

static void test_every_split_point(void)
{
	struct sl_buf s;
	sl_buf_init(&s);
	make_stream(&s);
	int bad = 0;
	for (size_t k = 0; k <= s.len; k++) {
		struct sl_es_decoder d;
		sl_es_decoder_init(&d);
		struct collected c = { 0 };
		struct sl_error err = { 0 };
		int rc1 = sl_es_decoder_feed(&d, s.data, k, collect, &c, &err);
		int rc2 = sl_es_decoder_feed(&d, s.data + k, s.len - k, collect, &c, &err);
		if (rc1 || rc2 || c.count != 3 || sl_es_decoder_pending(&d) != 0 ||
		    c.payloads[1].len != 2999) {
			if (!bad++) {
				test_current = "test_every_split_point (first failing split)";
				fprintf(stderr, "split at %zu: rc %d/%d count %d\n", k, rc1, rc2, c.count);
				check_stream(&c);
			}
		}
		collected_free(&c);
		sl_es_decoder_free(&d);
	}
	CHECK_INT(bad, 0);

	/* One byte at a time, and in chunks of 7 (straddling every boundary differently). */
	for (size_t step = 1; step <= 7; step += 6) {
		struct sl_es_decoder d;
		sl_es_decoder_init(&d);
		struct collected c = { 0 };
		struct sl_error err = { 0 };
		for (size_t i = 0; i < s.len; i += step) {
			size_t n = s.len - i < step ? s.len - i : step;
			CHECK_INT(sl_es_decoder_feed(&d, s.data + i, n, collect, &c, &err), 0);
		}
		check_stream(&c);
		CHECK_INT(sl_es_decoder_pending(&d), 0);
		collected_free(&c);
		sl_es_decoder_free(&d);
	}
	sl_buf_free(&s);
}

static void test_truncated_stream_leaves_pending_bytes(void)
{
	struct sl_buf s;
	sl_buf_init(&s);
	make_stream(&s);
	struct sl_es_decoder d;
	sl_es_decoder_init(&d);
	struct collected c = { 0 };
	struct sl_error err = { 0 };
	CHECK_INT(sl_es_decoder_feed(&d, s.data, s.len - 5, collect, &c, &err), 0);
	CHECK_INT(c.count, 2);
	CHECK(sl_es_decoder_pending(&d) > 0);
	collected_free(&c);
	sl_es_decoder_free(&d);
	sl_buf_free(&s);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Feed bytes whole and split; both must fail with a message containing `want`. */
static void expect_reject(const uint8_t *bytes, size_t n, const char *want, int good_before)
{
	for (int split = 0; split < 2; split++) {
		struct sl_es_decoder d;
		sl_es_decoder_init(&d);
		struct collected c = { 0 };
		struct sl_error err = { 0 };
		int rc;
		if (split) {
			rc = 0;
			for (size_t i = 0; i < n && rc == 0; i++)
				rc = sl_es_decoder_feed(&d, bytes + i, 1, collect, &c, &err);
		} else {
			rc = sl_es_decoder_feed(&d, bytes, n, collect, &c, &err);
		}
		CHECK_INT(rc, -1);
		CHECK_CONTAINS(err.msg, want);
		CHECK_INT(c.count, good_before);
		/* The failure is sticky: framing is lost for good. */
		struct sl_error err2 = { 0 };
		CHECK_INT(sl_es_decoder_feed(&d, "", 0, collect, &c, &err2), -1);
		CHECK_CONTAINS(err2.msg, want);
		collected_free(&c);
		sl_es_decoder_free(&d);
	}
}

static void test_corrupt_frames_are_rejected(void)
{
	struct sl_buf s;
	sl_buf_init(&s);
	make_stream(&s);
	uint8_t *b = sl_xmalloc(s.len);
	uint32_t first = (uint32_t)((uint8_t)s.data[0]) << 24 | (uint32_t)((uint8_t)s.data[1]) << 16 |
			 (uint32_t)((uint8_t)s.data[2]) << 8 | (uint8_t)s.data[3];

	/* A flipped bit in the second message's payload: message CRC. */
	memcpy(b, s.data, s.len);
	b[first + 60] ^= 0x01;
	expect_reject(b, s.len, "message 2: message CRC mismatch", 1);

	/* A flipped bit in the message CRC itself. */
	memcpy(b, s.data, s.len);
	b[first - 1] ^= 0x80;
	expect_reject(b, s.len, "message 1: message CRC mismatch", 0);

	/* A flipped bit in the total length: prelude CRC. */
	memcpy(b, s.data, s.len);
	b[2] ^= 0x04;
	expect_reject(b, s.len, "prelude CRC mismatch", 0);

	/* A flipped bit in the prelude CRC. */
	memcpy(b, s.data, s.len);
	b[11] ^= 0x10;
	expect_reject(b, s.len, "prelude CRC mismatch", 0);

	/* Insane lengths with a valid prelude CRC: 4 GiB, below the minimum, headers too long. */
	uint8_t pre[32] = { 0 };
	put32(pre, 0xfffffff0u);
	put32(pre + 4, 0);
	put32(pre + 8, (uint32_t)crc32_for_test(pre, 8));
	expect_reject(pre, sizeof pre, "total length 4294967280 outside", 0);
	put32(pre, 8);
	put32(pre + 8, (uint32_t)crc32_for_test(pre, 8));
	expect_reject(pre, sizeof pre, "total length 8 outside", 0);
	put32(pre, 32);
	put32(pre + 4, 17);
	put32(pre + 8, (uint32_t)crc32_for_test(pre, 8));
	expect_reject(pre, sizeof pre, "headers length 17 does not fit", 0);

	/* A header whose string length runs past the headers section (CRCs recomputed). */
	struct sl_buf one;
	sl_buf_init(&one);
	struct sl_es_header h = sl_es_header_string("k", "value");
	struct sl_error err = { 0 };
	sl_es_encode(&one, &h, 1, "p", 1, &err);
	uint8_t *o = (uint8_t *)one.data;
	o[12 + 1 + 1 + 1 + 1] = 0x40; /* string length high byte */
	put32(o + one.len - 4, (uint32_t)crc32_for_test(o, one.len - 4));
	expect_reject(o, one.len, "runs past the headers section", 0);
	/* Unknown value type 10. */
	sl_buf_reset(&one);
	sl_es_encode(&one, &h, 1, "p", 1, &err);
	o = (uint8_t *)one.data;
	o[12 + 1 + 1] = 10;
	put32(o + one.len - 4, (uint32_t)crc32_for_test(o, one.len - 4));
	expect_reject(o, one.len, "unknown value type 10", 0);
	sl_buf_free(&one);
	free(b);
	sl_buf_free(&s);
}

static void test_encoder_limits_and_callback_stop(void)
{
	struct sl_error err = { 0 };
	struct sl_buf out;
	sl_buf_init(&out);
	char name[300];
	memset(name, 'n', sizeof name - 1);
	name[299] = '\0';
	struct sl_es_header h = sl_es_header_string(name, "v");
	CHECK_INT(sl_es_encode(&out, &h, 1, NULL, 0, &err), -1);
	CHECK_CONTAINS(err.msg, "1-255 bytes");
	CHECK_INT(out.len, 0);

	struct sl_buf s;
	sl_buf_init(&s);
	make_stream(&s);
	struct sl_es_decoder d;
	sl_es_decoder_init(&d);
	struct collected c = { .stop_after = 2 };
	CHECK_INT(sl_es_decoder_feed(&d, s.data, s.len, collect, &c, &err), 7);
	CHECK_INT(c.count, 2);
	collected_free(&c);
	sl_es_decoder_free(&d);
	sl_buf_free(&s);
	sl_buf_free(&out);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_real_frame_decodes_and_reencodes);
	RUN_TEST(test_every_value_type_round_trips);
	RUN_TEST(test_every_split_point);
	RUN_TEST(test_truncated_stream_leaves_pending_bytes);
	RUN_TEST(test_corrupt_frames_are_rejected);
	RUN_TEST(test_encoder_limits_and_callback_stop);
TEST_MAIN_END
