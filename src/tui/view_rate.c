/* The Rate screen (issue 10, part 2): an empty frame until its own view replaces this file. */
#include "app.h"

struct tui_view *tui_rate_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	return tui_placeholder_view_new(app, TUI_CTX_RATE, "Human rating: a run's outputs rated 1-5 or blind A/B, with progress, skip and undo; agreement and Bradley-Terry strengths.");
}
