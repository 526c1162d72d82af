/* Checking the engine's timings without an absolute window. On a loaded machine any delay
 * can stretch, so a measured interval is checked only against two things that bracket it
 * whatever the load: what fakeprov logged (it handed the chunk to the network at first_ms
 * after it had the whole request: the client cannot have seen it sooner) and what the test
 * itself saw (its own callback ran after the engine stamped the arrival). Speed targets
 * live in the benchmarks (tests/net/bench_engine.c). */
#ifndef SHORTLIST_TEST_MEASURED_H
#define SHORTLIST_TEST_MEASURED_H

#include "fakeprov_client.h"
#include "shortlist/engine.h"
#include "test.h"

#define CHECK_BETWEEN(v, lo, hi)                                                           \
	do {                                                                               \
		double v_ = (double)(v), lo_ = (double)(lo), hi_ = (double)(hi);           \
		if (!(v_ >= lo_ && v_ <= hi_)) {                                           \
			fprintf(stderr, "%s:%d: [%s] %s == %.3f, expected within [%.3f, %.3f]\n", \
				__FILE__, __LINE__, test_current, #v, v_, lo_, hi_);      \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

/* What the test saw on its own clock (sl_now_ns): when it submitted, when its on_delta ran
 * first and last (any delta, reasoning too), when on_done ran. */
struct seen {
	int64_t submit_ns, first_ns, last_ns, done_ns;
};

static inline void seen_delta(struct seen *s)
{
	s->last_ns = sl_now_ns();
	if (!s->first_ns)
		s->first_ns = s->last_ns;
}

static inline double seen_ms(int64_t at, const struct seen *s)
{
	return (double)(at - s->submit_ns) / 1e6;
}

/* r is the engine's result for the latest request fakeprov got on `path`, sent in one try
 * (a retry's own request would be the one logged). */
static inline void check_measured(struct fakeprov *fp, const char *path,
				  const struct sl_result *r, const struct seen *s)
{
	struct fakeprov_times t;
	CHECK_INT(fakeprov_times(fp, path, &t), 0);
	CHECK(t.n_content > 0 && t.n_sent == t.n_content);
	/* fakeprov keeps to its script: never early */
	CHECK(t.first_ms >= t.due_first_ms && t.last_ms >= t.due_last_ms);
	if (!isnan(r->ttft_ms)) {
		CHECK_BETWEEN(r->ttft_ms, t.first_ms, seen_ms(s->first_ns, s));
		CHECK_BETWEEN(r->e2e_ms, t.last_ms, seen_ms(s->last_ns, s));
		CHECK_BETWEEN(r->ttfb_ms, 0, r->ttft_ms);
		/* the derived figures follow from the measured ones exactly (engine.h) */
		double decode = r->e2e_ms - r->ttft_ms, sum = 0;
		for (size_t g = 0; g < r->n_gaps; g++)
			sum += r->gaps_ms[g];
		CHECK_NEAR(sum, decode, 1e-6);
		if (decode > 0 && r->tokens_out > 1) {
			CHECK_NEAR(r->tpot_ms, decode / (double)(r->tokens_out - 1), 1e-9);
			CHECK_NEAR(r->tokens_per_s, (double)r->tokens_out / (decode / 1000), 1e-6);
		}
	} else {
		CHECK_BETWEEN(r->e2e_ms, t.last_ms, seen_ms(s->done_ns, s));
	}
}

#endif
