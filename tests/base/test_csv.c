/* The one CSV module: what it writes it reads back unchanged (quotes, commas, line breaks,
 * UTF-8), and every malformed input is named by path:line:col. */
#include "test.h"

#include "shortlist/csv.h"

static void test_roundtrip(void)
{
	const char *fields[] = { "plain", "a, b", "say \"hi\"", "two\nlines", "", "caf\xc3\xa9", " x " };
	char *path = test_path("rt.csv");
	FILE *f = fopen(path, "w");
	for (size_t i = 0; i < SL_ARRAY_LEN(fields); i++)
		sl_csv_write_field(f, fields[i], i + 1 < SL_ARRAY_LEN(fields) ? ',' : '\n');
	sl_csv_write_num(f, 0.1, ',');
	sl_csv_write_num(f, NAN, ',');
	sl_csv_write_field(f, NULL, '\n');
	fclose(f);
	size_t len;
	char *text = sl_read_file(path, &len, NULL);
	CHECK_STR(text, "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",,caf\xc3\xa9, x \r\n0.1,,\r\n");
	struct sl_csv_reader c;
	struct sl_csv_record r;
	struct sl_error err = { 0 };
	CHECK_INT(sl_csv_reader_init(&c, text, len, "rt.csv", &err), 0);
	CHECK_INT(sl_csv_read(&c, &r, &err), 1);
	CHECK_INT(r.n, SL_ARRAY_LEN(fields));
	for (size_t i = 0; i < r.n && i < SL_ARRAY_LEN(fields); i++)
		CHECK_STR(r.fields[i], fields[i]);
	CHECK_INT(r.line, 1);
	sl_csv_record_clear(&r);
	CHECK_INT(sl_csv_read(&c, &r, &err), 1);
	CHECK_INT(r.line, 3); /* the quoted line break counts */
	CHECK_INT(r.n, 3);
	sl_csv_record_clear(&r);
	CHECK_INT(sl_csv_read(&c, &r, &err), 0);
	free(text);
	free(path);
}

static void test_bom_crlf_blank(void)
{
	const char *text = "\xef\xbb\xbf" "a,b\r\n\"x\r\ny\",2\r\n\r\n\"\"\r\n";
	struct sl_csv_reader c;
	struct sl_csv_record r;
	struct sl_error err = { 0 };
	CHECK_INT(sl_csv_reader_init(&c, text, strlen(text), "t.csv", &err), 0);
	CHECK_INT(sl_csv_read(&c, &r, &err), 1);
	CHECK_STR(r.fields[0], "a"); /* the BOM is not part of the first name */
	sl_csv_record_clear(&r);
	CHECK_INT(sl_csv_read(&c, &r, &err), 1);
	CHECK_STR(r.fields[0], "x\ny");
	sl_csv_record_clear(&r);
	CHECK_INT(sl_csv_read(&c, &r, &err), 1);
	CHECK(sl_csv_record_blank(&r));
	sl_csv_record_clear(&r);
	CHECK_INT(sl_csv_read(&c, &r, &err), 1);
	CHECK(!sl_csv_record_blank(&r)); /* "" is an empty value */
	sl_csv_record_clear(&r);
}

static void test_errors(void)
{
	struct {
		const char *text, *msg;
	} bad[] = {
		{ "a\n\"open", "t.csv:2:1: quoted field is never closed" },
		{ "a\n\xc3\xa9x\"y", "t.csv:2:3: '\"' inside an unquoted field" },
		{ "a\n\"q\"z", "t.csv:2:4: unexpected 'z' after a closing quote" },
		{ "a\nb\xff", "t.csv:2:2: not valid UTF-8 (byte 0xff)" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		struct sl_csv_reader c;
		struct sl_csv_record r;
		struct sl_error err = { 0 };
		int rc = sl_csv_reader_init(&c, bad[i].text, strlen(bad[i].text), "t.csv", &err);
		while (rc == 0 && (rc = sl_csv_read(&c, &r, &err)) == 1) {
			sl_csv_record_clear(&r);
			rc = 0;
		}
		CHECK_INT(rc, -1);
		CHECK_CONTAINS(err.msg, bad[i].msg);
		CHECK_INT(err.code, SL_EXIT_USAGE);
	}
	struct sl_csv_reader c;
	struct sl_error err = { 0 };
	CHECK_INT(sl_csv_reader_init(&c, "a\0b", 3, "t.csv", &err), -1);
	CHECK_CONTAINS(err.msg, "NUL");
}

/* ---- streamed: the same records and messages whatever the pieces the bytes come in ---- */

struct pieces {
	const char *text;
	size_t len, off, step;
};

static long read_pieces(void *ud, char *buf, size_t n, struct sl_error *err)
{
	(void)err;
	struct pieces *p = ud;
	size_t k = p->len - p->off < p->step ? p->len - p->off : p->step;
	k = k < n ? k : n;
	memcpy(buf, p->text + p->off, k);
	p->off += k;
	return (long)k;
}

/* Every record as "line:quoted:field|field|...\n", then the error or "end". */
static char *read_all(struct sl_csv_reader *c, int rc)
{
	struct sl_buf out;
	sl_buf_init(&out);
	struct sl_csv_record r;
	struct sl_error err = { 0 };
	while (rc == 0 && (rc = sl_csv_read(c, &r, &err)) == 1) {
		sl_buf_printf(&out, "%d:%d:", r.line, r.quoted);
		for (size_t i = 0; i < r.n; i++)
			sl_buf_printf(&out, "%s%s", i ? "|" : "", r.fields[i]);
		sl_buf_puts(&out, "\n");
		sl_csv_record_clear(&r);
		rc = 0;
	}
	sl_buf_printf(&out, "%s (code %d)", rc < 0 ? err.msg : "end", err.code);
	return sl_buf_steal(&out);
}

static void test_streamed_same(void)
{
	static const char *const texts[] = {
		"\xef\xbb\xbf" "a,b\r\n\"x\r\ny\",2\r\n\r\n\"\"\r\n",
		"text,label\r\n\"Hello, world\",greeting\r\n\"She said \"\"hi\"\"\r\nthen left\",story"
		"\r\nplain,\r\nlast,x",
		"q\n\"\"\n\nx\n\n", "a,b\r1,2\r", "a,b\r\r\n1,2", "\xef\xbb", "\xef\xbb\xbf", "",
		"a\n\"open", "a\n\xc3\xa9x\"y", "a\n\"q\"z", "a\nb\xff", "a,b\n1,\"open\n2,3\n",
		"q,a\n\"caf\xc3\xa9\nx\xff\",1\n", "\xef\xbb\xbfq\n\xc3\xa9\xc3(\n", "a\nb\n\xe2\x82\xac\n",
		"a,\"b\nc\"\"\"\"\",d\ne,\"\"\"\n\"\"\",f\n", "a\n\"\xe2\x82\xac\"\n\"x\n",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(texts); i++) {
		size_t len = strlen(texts[i]);
		struct sl_csv_reader c;
		struct sl_error err = { 0 };
		int rc = sl_csv_reader_init(&c, texts[i], len, "t.csv", &err);
		char *want = rc ? sl_xasprintf("%s (code %d)", err.msg, err.code) : read_all(&c, 0);
		for (size_t step = 1; step <= len + 1; step++) {
			struct pieces p = { texts[i], len, 0, step };
			sl_csv_reader_stream(&c, read_pieces, &p, "t.csv");
			char *got = read_all(&c, 0);
			/* text checked whole fails before its first record, streamed at the piece
			 * that holds the bad byte: the records before it are read */
			const char *end = strrchr(got, '\n');
			if (strcmp(rc && end ? end + 1 : got, want) != 0) {
				fprintf(stderr, "text %zu in pieces of %zu:\n%s\nwant:\n%s\n", i, step,
					got, want);
				test_failures++;
			}
			sl_csv_reader_free(&c);
			free(got);
		}
		free(want);
	}
}

TEST_MAIN_BEGIN
	RUN_TEST(test_roundtrip);
	RUN_TEST(test_bom_crlf_blank);
	RUN_TEST(test_errors);
	RUN_TEST(test_streamed_same);
TEST_MAIN_END
