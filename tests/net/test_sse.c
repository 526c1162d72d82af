/* SSE and NDJSON parsers: the same stream must give the same events however the network
 * splits it (every single split point, and byte by byte), with every line ending. */
#include "test.h"

#include "shortlist/provider.h"

struct collected {
	struct sl_buf out; /* "event|data\n" per dispatched event */
	int n;
};

static void collect(void *ud, const char *event, const char *data, size_t len)
{
	struct collected *c = ud;
	sl_buf_printf(&c->out, "%s|", event);
	sl_buf_append(&c->out, data, len);
	sl_buf_putc(&c->out, '\n');
	c->n++;
}

static char *parse_split(const char *stream, size_t len, size_t split, bool bytewise)
{
	struct sl_sse p;
	struct collected c = { 0 };
	sl_buf_init(&c.out);
	sl_sse_init(&p);
	if (bytewise) {
		for (size_t i = 0; i < len; i++)
			sl_sse_feed(&p, stream + i, 1, collect, &c);
	} else {
		sl_sse_feed(&p, stream, split, collect, &c);
		sl_sse_feed(&p, stream + split, len - split, collect, &c);
	}
	sl_sse_free(&p);
	char *s = sl_buf_steal(&c.out);
	return s;
}

static void check_all_splits(const char *stream, const char *expected)
{
	size_t len = strlen(stream);
	for (size_t split = 0; split <= len; split++) {
		char *got = parse_split(stream, len, split, false);
		if (strcmp(got, expected) != 0) {
			fprintf(stderr, "split at %zu:\n", split);
			CHECK_STR(got, expected);
			free(got);
			return;
		}
		free(got);
	}
	char *got = parse_split(stream, len, 0, true);
	CHECK_STR(got, expected);
	free(got);
}

static void test_line_endings(void)
{
	const char *expected = "message|{\"a\":1}\nmessage|[DONE]\n";
	check_all_splits("data: {\"a\":1}\n\ndata: [DONE]\n\n", expected);
	check_all_splits("data: {\"a\":1}\r\n\r\ndata: [DONE]\r\n\r\n", expected);
	check_all_splits("data: {\"a\":1}\r\rdata: [DONE]\r\r", expected);
	/* mixed */
	check_all_splits("data: {\"a\":1}\r\n\ndata: [DONE]\n\r\n", expected);
}

static void test_fields(void)
{
	/* comments, named events, multi-line data, no space after colon, unknown fields,
	 * id/retry ignored, an event without data is not dispatched. */
	const char *stream = ": keep-alive\n\n"
			     "event: message_start\n"
			     "data: {\"x\":\n"
			     "data:1}\n"
			     "id: 7\n"
			     "retry: 100\n"
			     "foo: bar\n"
			     "\n"
			     "event: ping\n"
			     "\n"
			     "event: content_block_delta\n"
			     "data\n"
			     "\n"
			     "data:  two spaces\n\n";
	check_all_splits(stream, "message_start|{\"x\":\n1}\n"
				 "content_block_delta|\n"
				 "message| two spaces\n"
				 "");
	/* The event name does not leak into the next event. */
	check_all_splits("event: a\ndata: 1\n\ndata: 2\n\n", "a|1\nmessage|2\n");
}

static void test_bom_and_utf8(void)
{
	check_all_splits("\xEF\xBB\xBF" "data: h\xC3\xA9llo \xE2\x82\xAC\n\n",
			 "message|h\xC3\xA9llo \xE2\x82\xAC\n");
	/* Not a BOM: first bytes kept */
	check_all_splits("\xEF" "data: x\n\n", "");
}

static void test_unterminated(void)
{
	/* An event without its blank line is not dispatched (the stream was cut). */
	check_all_splits("data: 1\n\ndata: 2\n", "message|1\n");
}

struct lines {
	struct sl_buf out;
};

static void on_line(void *ud, const char *line, size_t len)
{
	struct lines *l = ud;
	sl_buf_append(&l->out, line, len);
	sl_buf_putc(&l->out, '|');
}

static void test_ndjson(void)
{
	const char *stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}";
	size_t len = strlen(stream);
	for (size_t split = 0; split <= len; split++) {
		struct lines l;
		sl_buf_init(&l.out);
		struct sl_buf pending;
		sl_buf_init(&pending);
		sl_lines_feed(&pending, stream, split, on_line, &l);
		sl_lines_feed(&pending, stream + split, len - split, on_line, &l);
		sl_lines_end(&pending, on_line, &l);
		CHECK_STR(l.out.data, "{\"a\":1}|{\"b\":2}|{\"c\":3}|");
		sl_buf_free(&l.out);
		sl_buf_free(&pending);
	}
}

TEST_MAIN_BEGIN
	RUN_TEST(test_line_endings);
	RUN_TEST(test_fields);
	RUN_TEST(test_bom_and_utf8);
	RUN_TEST(test_unterminated);
	RUN_TEST(test_ndjson);
TEST_MAIN_END
