#include "engine_waiter.h"

#include <errno.h>
#include <stdio.h>

#include "shortlist/util.h"

int tui_engine_waiter_hold_ms(const struct tui_engine_waiter *ew, int64_t now_ns, int timeout_ms)
{
	if (ew->active == 0 || timeout_ms == 0)
		return 0;
	int64_t left = ew->last_perform_ns + (int64_t)TUI_NET_BATCH_MS * 1000000 - now_ns;
	if (left <= 0)
		return 0;
	int ms = (int)((left + 999999) / 1000000);
	return timeout_ms > 0 && timeout_ms < ms ? timeout_ms : ms;
}

static int ew_wait(void *ud, struct pollfd *fds, int nfds, int timeout_ms)
{
	struct tui_engine_waiter *ew = ud;
	/* Streams in flight: hold the network back, but not the keys. */
	int hold = tui_engine_waiter_hold_ms(ew, sl_now_ns(), timeout_ms);
	if (hold > 0) {
		int n = poll(fds, (nfds_t)nfds, hold);
		if (n != 0)
			return n;
		if (timeout_ms > 0)
			timeout_ms = timeout_ms > hold ? timeout_ms - hold : 0;
	}
	struct sl_waitfd extra[8];
	if (nfds > (int)(sizeof extra / sizeof extra[0]))
		nfds = (int)(sizeof extra / sizeof extra[0]);
	for (int i = 0; i < nfds; i++) {
		extra[i].fd = fds[i].fd;
		extra[i].events = (short)((fds[i].events & POLLIN ? SL_WAIT_IN : 0) |
					  (fds[i].events & POLLPRI ? SL_WAIT_PRI : 0) |
					  (fds[i].events & POLLOUT ? SL_WAIT_OUT : 0));
		extra[i].revents = 0;
	}
	struct sl_error err = { 0 };
	if (sl_engine_wait(ew->eng, extra, (unsigned)nfds, timeout_ms, &err) != 0) {
		snprintf(ew->error, sizeof ew->error, "%s", err.msg);
		errno = EIO;
		return -1;
	}
	int ready = 0;
	for (int i = 0; i < nfds; i++) {
		fds[i].revents = (short)((extra[i].revents & SL_WAIT_IN ? POLLIN : 0) |
					 (extra[i].revents & SL_WAIT_PRI ? POLLPRI : 0) |
					 (extra[i].revents & SL_WAIT_OUT ? POLLOUT : 0));
		ready += fds[i].revents != 0;
	}
	return ready;
}

/* Callbacks ran inside perform; while requests are active their output (streamed text,
 * timings) is what the screen shows, so any activity means a new frame. */
static bool ew_progress(void *ud)
{
	struct tui_engine_waiter *ew = ud;
	size_t before = ew->active;
	ew->active = sl_engine_perform(ew->eng);
	ew->last_perform_ns = sl_now_ns();
	return ew->active != before || ew->active > 0;
}

static int ew_pending(void *ud)
{
	struct tui_engine_waiter *ew = ud;
	return (int)sl_engine_active(ew->eng);
}

void tui_engine_waiter_init(struct tui_engine_waiter *ew, struct sl_engine *eng)
{
	*ew = (struct tui_engine_waiter){
		.waiter = { .wait = ew_wait, .progress = ew_progress, .pending = ew_pending },
		.eng = eng,
	};
	ew->waiter.ud = ew;
}
