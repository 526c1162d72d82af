/* The one UTF-8 module: bad bytes are one character each and never fatal, cuts never split
 * a character, widths follow wcwidth, case and word classes are Unicode's. */
#include "test.h"

#include "shortlist/utf8.h"

static void test_decode(void)
{
	uint32_t cp;
	CHECK_INT(sl_utf8_decode("A", 1, &cp), 1);
	CHECK_INT(cp, 'A');
	CHECK_INT(sl_utf8_decode("\xc3\xa9", 2, &cp), 2);
	CHECK_INT(cp, 0xe9);
	CHECK_INT(sl_utf8_decode("\xe2\x82\xac", 3, &cp), 3);
	CHECK_INT(cp, 0x20ac);
	CHECK_INT(sl_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	CHECK_INT(cp, 0x1f600);
	/* truncated, overlong, surrogate, above U+10FFFF, stray continuation: one bad byte */
	const char *bad[] = { "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
			      "\x80", "\xff", "\xe2\x82" };
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		CHECK_INT(sl_utf8_decode(bad[i], strlen(bad[i]), &cp), 1);
		CHECK(sl_utf8_is_bad(cp));
		CHECK_INT(cp, SL_UTF8_BAD + (unsigned char)bad[i][0]);
	}
	/* a truncated buffer is not read past n */
	CHECK_INT(sl_utf8_decode("\xc3\xa9", 1, &cp), 1);
	CHECK(sl_utf8_is_bad(cp));
	char out[4];
	CHECK_INT(sl_utf8_encode(0x20ac, out), 3);
	CHECK(memcmp(out, "\xe2\x82\xac", 3) == 0);
	CHECK_INT(sl_utf8_encode(SL_UTF8_BAD + 0xff, out), 3); /* shown as U+FFFD */
	CHECK(memcmp(out, "\xef\xbf\xbd", 3) == 0);
}

static void test_check_count_cut(void)
{
	CHECK_INT(sl_utf8_check("caf\xc3\xa9", 5), 5);
	CHECK_INT(sl_utf8_check("caf\xc3(", 5), 3);
	CHECK_INT(sl_utf8_count("na\xc3\xafve\xff"), 6);
	/* "aé…": a cut at 2 bytes would split é */
	CHECK_INT(sl_utf8_prefix("a\xc3\xa9\xc3\xa9", 2), 1);
	CHECK_INT(sl_utf8_prefix("a\xc3\xa9\xc3\xa9", 3), 3);
	CHECK_INT(sl_utf8_prefix("a\xc3\xa9", 80), 3);
	CHECK_INT(sl_utf8_prefix("\xf0\x9f\x98\x80", 3), 0);
	CHECK_INT(sl_utf8_prefix("ab\x80\x80\x80\x80", 5), 5); /* bad bytes may be cut anywhere */
	CHECK_INT(sl_utf8_back("a\xc3\xa9", 3), 1);
	CHECK_INT(sl_utf8_back("a\xc3\xa9", 1), 0);
	CHECK_INT(sl_utf8_back("a\xa9", 2), 1);
	int line, col;
	sl_utf8_position("ab\n\xc3\xa9\xc3\xa9x", 7, &line, &col);
	CHECK_INT(line, 2);
	CHECK_INT(col, 3);
}

static void test_width(void)
{
	CHECK_INT(sl_utf8_width("abc"), 3);
	CHECK_INT(sl_utf8_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);     /* 日本 */
	CHECK_INT(sl_utf8_width("e\xcc\x81"), 1);                    /* e + combining acute */
	CHECK_INT(sl_utf8_width("\xf0\x9f\x98\x80"), 2);             /* emoji */
	CHECK_INT(sl_utf8_width("a\xff" "b"), 3);                    /* U+FFFD, one column */
	CHECK_INT(sl_utf8_width("\x1b[2J"), 4);                      /* ESC is shown, not obeyed */
	CHECK_INT(sl_utf8_fit("\xe6\x97\xa5\xe6\x9c\xac", 3), 3);   /* one wide char fits in 3 */
	struct sl_buf b;
	sl_buf_init(&b);
	sl_utf8_sanitize(&b, "a\x1b[0m\n\xff\xc2\x9b", 9);
	CHECK_STR(b.data, "a\xe2\x90\x9b[0m\xe2\x90\x8a\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_INT(sl_utf8_check(b.data, b.len), b.len);
	sl_buf_free(&b);
}

static void test_case_and_words(void)
{
	char *s = sl_utf8_lower("\xc3\x89" "COLE Stra\xc3\x9f" "e \xc3\x86ON");
	CHECK_STR(s, "\xc3\xa9" "cole stra\xc3\x9f" "e \xc3\xa6on");
	free(s);
	s = sl_utf8_lower("\xc4\xb0" "X\xff");
	CHECK_STR(s, "i\xcc\x87x\xff");
	free(s);
	CHECK(sl_utf8_is_word(0xe9));
	CHECK(sl_utf8_is_word(0x65e5)); /* 日 */
	CHECK(sl_utf8_is_word('_'));
	CHECK(!sl_utf8_is_word(0xab));  /* « */
	CHECK(!sl_utf8_is_word(0x2014)); /* — */
	CHECK(!sl_utf8_is_word(SL_UTF8_BAD + 0xff));
	CHECK(sl_utf8_is_space(0x3000));
	CHECK(!sl_utf8_is_space(0x200b)); /* zero width space is not isspace() */
}

TEST_MAIN_BEGIN
	RUN_TEST(test_decode);
	RUN_TEST(test_check_count_cut);
	RUN_TEST(test_width);
	RUN_TEST(test_case_and_words);
TEST_MAIN_END
