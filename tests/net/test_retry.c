/* Retry policy: which statuses, full-jitter bounds, and the servers' wait headers. */
#include "test.h"

#include "shortlist/retry.h"

static void test_statuses(void)
{
	long yes[] = { 408, 409, 429, 500, 502, 503, 504, 529 };
	long no[] = { 200, 400, 401, 403, 404, 413, 422, 501 };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		CHECK(sl_retry_status(yes[i]));
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		CHECK(!sl_retry_status(no[i]));
}

static void test_backoff(void)
{
	uint64_t rng = 12345;
	for (int retry = 1; retry <= 10; retry++) {
		int64_t ceiling = 500;
		for (int i = 1; i < retry; i++)
			ceiling *= 2;
		if (ceiling > 30000)
			ceiling = 30000;
		int64_t lo = INT64_MAX, hi = -1;
		for (int k = 0; k < 2000; k++) {
			int64_t w = sl_backoff_ms(retry, 500, 30000, &rng);
			CHECK(w >= 0 && w <= ceiling);
			if (w < lo)
				lo = w;
			if (w > hi)
				hi = w;
		}
		/* full jitter spreads over the whole range */
		CHECK(lo < ceiling / 10);
		CHECK(hi > ceiling - ceiling / 10);
	}
}

static void test_durations(void)
{
	CHECK_INT(sl_parse_duration_ms("1s"), 1000);
	CHECK_INT(sl_parse_duration_ms("6m0s"), 360000);
	CHECK_INT(sl_parse_duration_ms("20ms"), 20);
	CHECK_INT(sl_parse_duration_ms("1h2m3.5s"), 3723500);
	CHECK_INT(sl_parse_duration_ms("0.5s"), 500);
	CHECK_INT(sl_parse_duration_ms("7.66s"), 7660);
	CHECK_INT(sl_parse_duration_ms("abc"), -1);
	CHECK_INT(sl_parse_duration_ms(""), -1);
}

static void test_retry_after(void)
{
	const char *h1 = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nretry-after-ms: 1500\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h1, strlen(h1), 0), 1500); /* ms header wins */
	const char *h2 = "HTTP/2 429\r\nretry-after: 3\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h2, strlen(h2), 0), 3000);
	/* HTTP date: 21 Oct 2015 07:28:00 GMT = 1445412480 */
	const char *h3 = "HTTP/1.1 503\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h3, strlen(h3), 1445412480000LL - 4000), 4000);
	const char *h4 = "HTTP/1.1 429\r\nx-ratelimit-remaining-requests: 0\r\nx-ratelimit-reset-requests: 6m0s\r\n"
			 "x-ratelimit-remaining-tokens: 5000\r\nx-ratelimit-reset-tokens: 20ms\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h4, strlen(h4), 0), 360000); /* the exhausted one */
	const char *h5 = "HTTP/1.1 429\r\nanthropic-ratelimit-requests-reset: 2026-11-28T10:00:05Z\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h5, strlen(h5), 1795860000000LL), 5000);
	const char *none = "HTTP/1.1 500\r\nContent-Type: application/json\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(none, strlen(none), 0), -1);
	char v[32];
	CHECK(sl_header_value(h2, strlen(h2), "Retry-After", v, sizeof v));
	CHECK_STR(v, "3");
}

static void test_pause(void)
{
	const char *h = "HTTP/2 200\r\nx-ratelimit-remaining-requests: 0\r\nx-ratelimit-reset-requests: 1.5s\r\n"
			"x-ratelimit-remaining-tokens: 100\r\nx-ratelimit-reset-tokens: 9s\r\n\r\n";
	CHECK_INT(sl_ratelimit_pause_ms(h, strlen(h), 0), 1500);
	const char *ok = "HTTP/2 200\r\nx-ratelimit-remaining-requests: 10\r\nx-ratelimit-reset-requests: 1s\r\n\r\n";
	CHECK_INT(sl_ratelimit_pause_ms(ok, strlen(ok), 0), -1);
	const char *azure = "HTTP/2 200\r\nx-ratelimit-remaining-requests: -1\r\nx-ratelimit-reset-requests: 1s\r\n\r\n";
	CHECK_INT(sl_ratelimit_pause_ms(azure, strlen(azure), 0), -1);
	const char *anth = "HTTP/2 200\r\nanthropic-ratelimit-tokens-remaining: 0\r\nanthropic-ratelimit-tokens-reset: 2026-11-28T10:00:02Z\r\n\r\n";
	CHECK_INT(sl_ratelimit_pause_ms(anth, strlen(anth), 1795860000000LL), 2000);
}

/* Issue 14 item 10: numbers too large for an integer are clamped, never cast (a cast of
 * 1e308 or inf to int64_t is undefined; on x86 it gave a negative wait). */
static void test_huge(void)
{
	const char *h1 = "HTTP/1.1 429\r\nRetry-After: 1e308\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h1, strlen(h1), 0), SL_WAIT_MS_MAX);
	const char *h2 = "HTTP/1.1 429\r\nretry-after-ms: 99999999999999999999999999999\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h2, strlen(h2), 0), SL_WAIT_MS_MAX);
	const char *h3 = "HTTP/1.1 429\r\nRetry-After: 9223372036854775807\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h3, strlen(h3), 0), SL_WAIT_MS_MAX);
	const char *h4 = "HTTP/1.1 429\r\nRetry-After: nan\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h4, strlen(h4), 0), -1);
	CHECK_INT(sl_parse_duration_ms("99999999999999999999h"), SL_WAIT_MS_MAX);
	CHECK_INT(sl_parse_duration_ms("infs"), -1);
	CHECK_INT(sl_parse_duration_ms("nans"), -1);
	/* Dates with numbers past any int: refused, not overflowed. */
	const char *h5 = "HTTP/1.1 503\r\nRetry-After: Wed, 99999999999 Oct 99999999999 07:28:00 GMT\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h5, strlen(h5), 0), -1);
	const char *h6 = "HTTP/1.1 429\r\nanthropic-ratelimit-requests-reset: 2026-11-28T10:00:1e300Z\r\n\r\n";
	CHECK_INT(sl_retry_after_ms(h6, strlen(h6), 0), -1);
	const char *h7 = "HTTP/2 200\r\nx-ratelimit-remaining-requests: 0\r\nx-ratelimit-reset-requests: 1e300s\r\n\r\n";
	CHECK_INT(sl_ratelimit_pause_ms(h7, strlen(h7), 0), SL_WAIT_MS_MAX);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_huge);
	RUN_TEST(test_pause);
	RUN_TEST(test_statuses);
	RUN_TEST(test_backoff);
	RUN_TEST(test_durations);
	RUN_TEST(test_retry_after);
TEST_MAIN_END
