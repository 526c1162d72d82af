/* Measurement maths: TTFT/E2E from content arrivals (not preludes), TPOT and speed from
 * usage tokens, gaps without TTFT, estimated tokens flagged, percentiles, cost. */
#include "test.h"

#include <math.h>

#include "shortlist/engine.h"
#include "shortlist/provider.h"

#define MS(x) ((int64_t)((x) * 1000000.0))

static void test_stream_metrics(void)
{
	struct sl_stream s;
	sl_stream_init(&s);
	s.t0_ns = MS(1000);
	/* role prelude at 50 ms: empty content is not a token */
	s.now_ns = MS(1050);
	sl_stream_content(&s, "", 0, false);
	CHECK_INT(s.first_content_ns, 0);
	/* first token at 200 ms, then 4 more arrivals 20 ms apart; two pieces in one read */
	s.now_ns = MS(1200);
	sl_stream_content(&s, "a", 1, false);
	s.now_ns = MS(1220);
	sl_stream_content(&s, "b", 1, false);
	sl_stream_content(&s, "c", 1, false); /* same read: not a new gap */
	s.now_ns = MS(1240);
	sl_stream_content(&s, "d", 1, true);
	s.now_ns = MS(1300);
	sl_stream_content(&s, "e", 1, false);
	/* usage chunk later: not content */
	sl_stream_usage(&s, 10, 11, -1, -1);
	struct sl_result r = { 0 };
	sl_stream_to_result(&s, true, MS(1400), &r);
	CHECK_NEAR(r.ttft_ms, 200, 1e-9);
	CHECK_NEAR(r.e2e_ms, 300, 1e-9);
	CHECK_INT(r.tokens_out, 11);
	CHECK(!r.out_estimated);
	CHECK_NEAR(r.tpot_ms, 100.0 / 10.0, 1e-9);      /* (E2E - TTFT) / (N - 1) */
	CHECK_NEAR(r.tokens_per_s, 11 / 0.1, 1e-6);     /* N / (E2E - TTFT) */
	CHECK_INT(r.n_gaps, 3);
	if (r.n_gaps == 3) {
		CHECK_NEAR(r.gaps_ms[0], 20, 1e-9);
		CHECK_NEAR(r.gaps_ms[1], 20, 1e-9);
		CHECK_NEAR(r.gaps_ms[2], 60, 1e-9);
	}
	CHECK_STR(r.text, "abce");
	CHECK_STR(r.reasoning, "d");
	sl_result_clear(&r);
	sl_stream_free(&s);
}

static void test_estimate_and_edge_cases(void)
{
	struct sl_stream s;
	sl_stream_init(&s);
	s.t0_ns = 0;
	s.now_ns = MS(100);
	sl_stream_content(&s, "twelve bytes", 12, false);
	struct sl_result r = { 0 };
	sl_stream_to_result(&s, true, MS(150), &r);
	CHECK(r.out_estimated);
	CHECK_INT(r.tokens_out, 3);
	CHECK_NEAR(r.ttft_ms, 100, 1e-9);
	CHECK_NEAR(r.e2e_ms, 100, 1e-9);
	CHECK(isnan(r.tpot_ms));      /* one arrival: no decode time */
	CHECK(isnan(r.tokens_per_s));
	CHECK_INT(r.n_gaps, 0);
	sl_result_clear(&r);
	sl_stream_free(&s);

	/* A tool-call delta counts as the first token. */
	sl_stream_init(&s);
	s.now_ns = MS(40);
	sl_stream_tool_delta(&s);
	s.now_ns = MS(90);
	sl_stream_content(&s, "x", 1, false);
	sl_stream_usage(&s, -1, 2, -1, -1);
	sl_stream_to_result(&s, true, MS(90), &r);
	CHECK_NEAR(r.ttft_ms, 40, 1e-9);
	CHECK_NEAR(r.tpot_ms, 50, 1e-9);
	sl_result_clear(&r);
	sl_stream_free(&s);

	/* Hidden reasoning: 100 reasoning tokens came before the first visible one; the
	 * decode phase streamed the other 11. */
	sl_stream_init(&s);
	s.now_ns = MS(3000);
	sl_stream_content(&s, "a", 1, false);
	s.now_ns = MS(3100);
	sl_stream_content(&s, "b", 1, false);
	sl_stream_usage(&s, 5, 111, -1, 100);
	sl_stream_to_result(&s, true, MS(3100), &r);
	CHECK_INT(r.tokens_out, 111);
	CHECK_NEAR(r.tpot_ms, 10, 1e-9);
	CHECK_NEAR(r.tokens_per_s, 110, 1e-6);
	sl_result_clear(&r);
	sl_stream_free(&s);
	/* Streamed reasoning (DeepSeek): it is part of the decode phase. */
	sl_stream_init(&s);
	s.now_ns = MS(1000);
	sl_stream_content(&s, "think", 5, true);
	s.now_ns = MS(1100);
	sl_stream_content(&s, "b", 1, false);
	sl_stream_usage(&s, 5, 11, -1, 6);
	sl_stream_to_result(&s, true, MS(1100), &r);
	CHECK_NEAR(r.tpot_ms, 10, 1e-9);
	sl_result_clear(&r);
	sl_stream_free(&s);

	/* Non-streamed: E2E is the body's arrival, TTFT unknown. */
	sl_stream_init(&s);
	s.now_ns = MS(500);
	sl_stream_content(&s, "hello", 5, false);
	sl_stream_to_result(&s, false, MS(500), &r);
	CHECK(isnan(r.ttft_ms));
	CHECK_NEAR(r.e2e_ms, 500, 1e-9);
	sl_result_clear(&r);
	sl_stream_free(&s);
}

static void test_percentiles(void)
{
	/* numpy.percentile([1,2,3,4], [0,25,50,90,100]) == [1, 1.75, 2.5, 3.7, 4] */
	double v[] = { 4, 1, 3, 2 };
	CHECK_NEAR(sl_percentile(v, 4, 0), 1, 1e-12);
	CHECK_NEAR(sl_percentile(v, 4, 25), 1.75, 1e-12);
	CHECK_NEAR(sl_percentile(v, 4, 50), 2.5, 1e-12);
	CHECK_NEAR(sl_percentile(v, 4, 90), 3.7, 1e-12);
	CHECK_NEAR(sl_percentile(v, 4, 100), 4, 1e-12);
	double one[] = { 7 };
	CHECK_NEAR(sl_percentile(one, 1, 95), 7, 0);
	CHECK(isnan(sl_percentile(NULL, 0, 50)));
	/* numpy.percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95) == 95.5 */
	double d[10];
	for (int i = 0; i < 10; i++)
		d[i] = 10.0 * (10 - i);
	CHECK_NEAR(sl_percentile(d, 10, 95), 95.5, 1e-9);
	CHECK_NEAR(sl_percentile(d, 10, 99), 99.1, 1e-9);
}

static void test_cost(void)
{
	struct sl_price p = { .in = 0.15, .out = 0.60, .cache_read = 0.075, .cache_write = NAN };
	/* 1000 in (200 of them cached), 500 out */
	CHECK_NEAR(sl_cost_usd(&p, 1000, 500, 200, -1), 800 * 0.15e-6 + 200 * 0.075e-6 + 500 * 0.6e-6, 1e-15);
	CHECK_NEAR(sl_cost_usd(&p, 1000, 500, -1, -1), 1000 * 0.15e-6 + 500 * 0.6e-6, 1e-15);
	struct sl_price unknown = { .in = NAN, .out = 1, .cache_read = NAN, .cache_write = NAN };
	CHECK(isnan(sl_cost_usd(&unknown, 10, 10, 0, -1)));
	CHECK(isnan(sl_cost_usd(&p, -1, 10, 0, -1)));
	/* cached price unknown: cached tokens are charged as input */
	struct sl_price nocache = { .in = 1, .out = 2, .cache_read = NAN, .cache_write = NAN };
	CHECK_NEAR(sl_cost_usd(&nocache, 1000000, 1000000, 500000, -1), 3.0, 1e-12);
	/* issue 11 item 6: Claude Sonnet 4.5 (models.dev: in 3, out 15, cache read 0.30, cache
	 * write 3.75): 1M tokens written to the cache cost $3.75, not the input's $3.00 */
	struct sl_price sonnet = { .in = 3, .out = 15, .cache_read = 0.30, .cache_write = 3.75 };
	CHECK_NEAR(sl_cost_usd(&sonnet, 1000000, 0, 0, 1000000), 3.75, 1e-12);
	CHECK_NEAR(sl_cost_usd(&sonnet, 3000000, 1000000, 1000000, 1000000),
		   3.0 + 0.30 + 3.75 + 15, 1e-9);
	/* cache-write price unknown: written tokens are charged as input */
	CHECK_NEAR(sl_cost_usd(&nocache, 1000000, 0, 0, 1000000), 1.0, 1e-12);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_stream_metrics);
	RUN_TEST(test_estimate_and_edge_cases);
	RUN_TEST(test_percentiles);
	RUN_TEST(test_cost);
TEST_MAIN_END
