/* The engine waiter: the TUI's descriptors are watched through sl_engine_wait and their
 * readiness comes back as poll() revents; with nothing in flight nothing is pending. */
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

TEST_MAIN_BEGIN
	RUN_TEST(test_fd_readiness_and_pending);
TEST_MAIN_END
