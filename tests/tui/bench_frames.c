#include "bench_frames.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double bench_first_frame(struct sl_store *s, int64_t run, enum tui_screen screen,
			 const int *keys, int n_keys, double *cpu_ms)
{
	struct tui_app app;
	struct sl_error err = { 0 };
	if (tui_app_init(&app, s, 200, 60, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	int64_t t0 = sl_now_ns();
	double c0 = thread_cpu_ms();
	app.run_id = run;
	app.run_version++;
	tui_app_show(&app, screen);
	tui_app_render(&app);
	for (int i = 0; i < n_keys; i++) {
		struct tui_event ev = { .key = keys[i] };
		tui_app_handle(&app, &ev);
		tui_app_render(&app);
	}
	double t = (double)(sl_now_ns() - t0) / 1e6;
	if (cpu_ms)
		*cpu_ms = thread_cpu_ms() - c0;
	if (getenv("BENCH_DUMP_FRAMES")) {
		struct sl_buf b;
		sl_buf_init(&b);
		tui_grid_dump(&app.grid, &b);
		fputs(b.data, stdout);
		sl_buf_free(&b);
	}
	tui_app_free(&app);
	return t;
}
