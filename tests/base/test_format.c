/* The one display format: money with its unit, durations, counts, and "?" for unknown. */
#include "test.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

#include "shortlist/format.h"
#include "shortlist/util.h"

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

/* The streamed reports write JSON without a tree: numbers and strings must come out as
 * cJSON_PrintUnformatted writes them, byte for byte. */
static void check_number(double v)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_json_number(&b, v);
	cJSON *n = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
	char *want = cJSON_PrintUnformatted(n);
	if (strcmp(b.data, want) != 0) {
		fprintf(stderr, "%.17g: %s, cJSON %s\n", v, b.data, want);
		test_failures++;
	}
	cJSON_free(want);
	cJSON_Delete(n);
	sl_buf_free(&b);
}

static void test_json_as_cjson(void)
{
	const double special[] = { 0, -0.0, 1, -1, 0.1, 0.1 + 0.2, 1.0 / 3, 2147483647.0,
				   2147483648.0, -2147483648.0, -2147483649.0, 1e15, 1e16, 1e17,
				   123456789012345678.0, 1e300, -1e-300, 5e-324, 0.5, 2.5e-7, 1e21,
				   NAN, INFINITY, -INFINITY, 0.30000000000000004, 1.7976931348623157e308 };
	for (size_t i = 0; i < SL_ARRAY_LEN(special); i++)
		check_number(special[i]);
	uint64_t x = 88172645463325252u; /* xorshift64: every bit pattern, and decimals */
	for (int i = 0; i < 100000 && test_failures < 10; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		memcpy(&d, &x, sizeof d);
		check_number(d);
		check_number((double)(x % 100000) / 1000.0);
		check_number((double)(x % 1000003) / 7.0 - 50000);
		check_number(ldexp((double)(x >> 11), -(int)(x % 80)));
	}
	char s[256];
	for (int c = 1; c < 256; c++)
		s[c - 1] = (char)c;
	s[255] = '\0';
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_json_string(&b, s);
	cJSON *str = cJSON_CreateString(s);
	char *want = cJSON_PrintUnformatted(str);
	CHECK_STR(b.data, want);
	cJSON_free(want);
	cJSON_Delete(str);
	sl_buf_free(&b);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_format);
	RUN_TEST(test_json_as_cjson);
TEST_MAIN_END
