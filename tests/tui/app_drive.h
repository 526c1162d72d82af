/* Driving the app in process as the terminal loop does (an event through tui_app_handle,
 * then tui_app_render into the cell grid), for the tests and benchmarks that open screens
 * on a stored run without a terminal. */
#ifndef SHORTLIST_TEST_APP_DRIVE_H
#define SHORTLIST_TEST_APP_DRIVE_H

#include "../../src/tui/app.h"

/* Show screen on run, then press keys; each (may be NULL) is called after every frame. */
static inline void app_drive(struct tui_app *app, int64_t run, enum tui_screen screen,
			     const int *keys, int n_keys, void (*each)(void *ud), void *ud)
{
	app->run_id = run;
	app->run_version++;
	tui_app_show(app, screen);
	tui_app_render(app);
	for (int i = 0; i <= n_keys; i++) {
		if (i) {
			struct tui_event ev = { .key = keys[i - 1] };
			tui_app_handle(app, &ev);
			tui_app_render(app);
		}
		if (each)
			each(ud);
	}
}

#endif
