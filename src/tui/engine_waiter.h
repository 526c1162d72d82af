/* The provider engine as the TUI loop's waiting point: sl_engine_wait() sleeps on curl's
 * sockets, the engine's timers and the TUI's own descriptors at once; sl_engine_perform()
 * runs after every wake-up. Pass &ew.waiter as tui_options.waiter. */
#ifndef SHORTLIST_TUI_ENGINE_WAITER_H
#define SHORTLIST_TUI_ENGINE_WAITER_H

#include <stddef.h>

#include "shortlist/engine.h"
#include "tui.h"

struct tui_engine_waiter {
	struct tui_waiter waiter;
	struct sl_engine *eng;
	size_t active; /* requests still active after the last perform */
	char error[1024]; /* the last failed wait, for the status bar */
};

void tui_engine_waiter_init(struct tui_engine_waiter *ew, struct sl_engine *eng);

#endif
