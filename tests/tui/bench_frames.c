#include "bench_frames.h"
#include "app_drive.h"

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
	app_drive(&app, run, screen, keys, n_keys, NULL, NULL);
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
