/* The engine waiter: the TUI's descriptors are watched through sl_engine_wait and their
 * readiness comes back as poll() revents; with nothing in flight nothing is pending; while
 * requests are active the network is held back for TUI_NET_BATCH_MS after each perform,
 * the keys never. */
#include <poll.h>
#include <unistd.h>

#include "test.h"
#include "shortlist/engine.h"
#include "../../src/tui/engine_waiter.h"

static void test_fd_readiness_and_pending(void)
{
	struct sl_error err = { 0 };
	struct sl_engine_options opts = { 0 };
	struct sl_engine *eng = sl_engine_new(&opts, &err);
	CHECK(eng != NULL);
	if (!eng) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	struct tui_engine_waiter ew;
	tui_engine_waiter_init(&ew, eng);
	const struct tui_waiter *w = &ew.waiter;
	int p[2];
	CHECK_INT(pipe(p), 0);
	struct pollfd fds[2] = { { .fd = p[0], .events = POLLIN }, { .fd = p[0], .events = POLLIN } };
	/* Nothing written: a zero timeout returns at once with nothing ready. */
	CHECK_INT(w->wait(w->ud, fds, 1, 0), 0);
	CHECK_INT(fds[0].revents, 0);
	CHECK_INT(write(p[1], "x", 1), 1);
	CHECK_INT(w->wait(w->ud, fds, 1, 5000), 1);
	CHECK(fds[0].revents & POLLIN);
	CHECK_INT(w->pending(w->ud), 0);
	CHECK(!w->progress(w->ud)); /* idle engine: no new frame */
	close(p[0]);
	close(p[1]);
	sl_engine_free(eng);
}

/* The hold is pure arithmetic on the clock passed in: no sleeping here. */
static void test_network_hold(void)
{
	struct tui_engine_waiter ew = { .active = 3, .last_perform_ns = 1000000000 };
	int64_t t = ew.last_perform_ns;
	CHECK_INT(tui_engine_waiter_hold_ms(&ew, t, -1), TUI_NET_BATCH_MS);
	CHECK_INT(tui_engine_waiter_hold_ms(&ew, t + 500000, -1), TUI_NET_BATCH_MS); /* rounded up */
	CHECK_INT(tui_engine_waiter_hold_ms(&ew, t + TUI_NET_BATCH_MS * 1000000, -1), 0);
	CHECK_INT(tui_engine_waiter_hold_ms(&ew, t + 1000000000, -1), 0);
	CHECK_INT(tui_engine_waiter_hold_ms(&ew, t, 1), 1); /* a frame due sooner wins */
	CHECK_INT(tui_engine_waiter_hold_ms(&ew, t, 0), 0);
	ew.active = 0; /* nothing in flight: nothing to batch */
	CHECK_INT(tui_engine_waiter_hold_ms(&ew, t, -1), 0);
}

/* Held back or not, a key is seen at once. */
static void test_key_during_hold(void)
{
	struct sl_error err = { 0 };
	struct sl_engine_options opts = { 0 };
	struct sl_engine *eng = sl_engine_new(&opts, &err);
	CHECK(eng != NULL);
	if (!eng)
		return;
	struct tui_engine_waiter ew;
	tui_engine_waiter_init(&ew, eng);
	ew.active = 1; /* as if a stream were in flight, just performed */
	ew.last_perform_ns = sl_now_ns() + 60 * (int64_t)1000000000;
	int p[2];
	CHECK_INT(pipe(p), 0);
	struct pollfd fds[1] = { { .fd = p[0], .events = POLLIN } };
	CHECK_INT(ew.waiter.wait(&ew, fds, 1, 0), 0); /* a zero timeout is never held */
	CHECK_INT(write(p[1], "x", 1), 1);
	CHECK_INT(ew.waiter.wait(&ew, fds, 1, -1), 1); /* held for a minute, yet back at once */
	CHECK(fds[0].revents & POLLIN);
	close(p[0]);
	close(p[1]);
	sl_engine_free(eng);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_fd_readiness_and_pending);
	RUN_TEST(test_network_hold);
	RUN_TEST(test_key_during_hold);
TEST_MAIN_END
