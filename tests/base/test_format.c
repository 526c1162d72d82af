/* The one display format: money with its unit, durations, counts, and "?" for unknown. */
#include "test.h"

#include "shortlist/format.h"

static void test_format(void)
{
	char b[SL_FMT_LEN];
	CHECK_STR(sl_fmt_usd(1.5, b), "$1.50");
	CHECK_STR(sl_fmt_usd(0, b), "$0.00");
	CHECK_STR(sl_fmt_usd(0.0000082, b), "$0.0000082"); /* never rounded to $0.00 */
	CHECK_STR(sl_fmt_usd(0.0123, b), "$0.012");
	CHECK_STR(sl_fmt_usd(NAN, b), "?");
	CHECK_STR(sl_fmt_usd_partial(0.42, 0, b), "$0.42");
	CHECK_STR(sl_fmt_usd_partial(0.42, 3, b), "$0.42+?");
	CHECK_STR(sl_fmt_usd_partial(0, 3, b), "?");
	CHECK_STR(sl_fmt_seconds(0.85, b), "850 ms");
	CHECK_STR(sl_fmt_seconds(1.254, b), "1.25 s");
	CHECK_STR(sl_fmt_seconds(0.00042, b), "0.42 ms");
	CHECK_STR(sl_fmt_seconds(0, b), "0 ms");
	CHECK_STR(sl_fmt_seconds(NAN, b), "?");
	CHECK_STR(sl_fmt_seconds(-1, b), "?");
	CHECK_STR(sl_fmt_seconds_short(0.645, b), "645ms");
	CHECK_STR(sl_fmt_seconds_short(1.36, b), "1.4s");
	CHECK_STR(sl_fmt_seconds_short(12.4, b), "12s");
	CHECK_STR(sl_fmt_seconds_short(NAN, b), "?");
	CHECK_STR(sl_fmt_clock(245, b), "4:05");
	CHECK_STR(sl_fmt_clock(3723, b), "1:02:03");
	CHECK_STR(sl_fmt_clock(INFINITY, b), "?");
	CHECK_STR(sl_fmt_count(950, b), "950");
	CHECK_STR(sl_fmt_count(128000, b), "128k");
	CHECK_STR(sl_fmt_count(1500000, b), "1.5M");
	CHECK_STR(sl_fmt_count(-1, b), "?");
	CHECK_STR(sl_fmt_number(12.345, 1, b), "12.3");
	CHECK_STR(sl_fmt_number(NAN, 1, b), "?");
}

TEST_MAIN_BEGIN
	RUN_TEST(test_format);
TEST_MAIN_END
