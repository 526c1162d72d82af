/* The provider engine as the TUI loop's waiting point: sl_engine_wait() sleeps on curl's
 * sockets, the engine's timers and the TUI's own descriptors at once; sl_engine_perform()
 * runs after every wake-up. Pass &ew.waiter as tui_options.waiter.
 *
 * While requests are active the network is taken at most every TUI_NET_BATCH_MS: with 64
 * streams a wake-up per chunk means thousands a second, each a poll over every socket and
 * a pass over every transfer (bench_live: a third of a core); batched, one pass reads many
 * chunks. Keys and signals still wake the loop at once. The price: a time the engine takes
 * when it reads (TTFT, end of stream) may be up to about a millisecond late in the TUI
 * (bench_live compares the stored TTFT with `shortlist run`'s, which reads at once). */
#ifndef SHORTLIST_TUI_ENGINE_WAITER_H
#define SHORTLIST_TUI_ENGINE_WAITER_H

#include <stddef.h>
#include <stdint.h>

#include "shortlist/engine.h"
#include "tui.h"

struct tui_engine_waiter {
	struct tui_waiter waiter;
	struct sl_engine *eng;
	size_t active; /* requests still active after the last perform */
	int64_t last_perform_ns;
	char error[1024]; /* the last failed wait, for the status bar */
};

#define TUI_NET_BATCH_MS 1

void tui_engine_waiter_init(struct tui_engine_waiter *ew, struct sl_engine *eng);
/* How long a wait at now_ns sleeps on the TUI's own descriptors only, before the network
 * (0: at once); never longer than timeout_ms (-1: no limit). */
int tui_engine_waiter_hold_ms(const struct tui_engine_waiter *ew, int64_t now_ns, int timeout_ms);

#endif
