/* The first frame of a TUI screen on a run, for the benchmarks (bench_charts, bench_run). */
#ifndef SHORTLIST_TEST_TUI_BENCH_FRAMES_H
#define SHORTLIST_TEST_TUI_BENCH_FRAMES_H

#include <stdint.h>

#include "shortlist/store.h"
#include "../../src/tui/app.h"

/* A fresh app (nothing loaded) at 200x60 shows screen on the run, then handles keys (may be
 * NULL): the milliseconds until the last frame was drawn, and the CPU time they took in
 * *cpu_ms (may be NULL). BENCH_DUMP_FRAMES=1 prints the frame. */
double bench_first_frame(struct sl_store *s, int64_t run, enum tui_screen screen,
			 const int *keys, int n_keys, double *cpu_ms);

#endif
