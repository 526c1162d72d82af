/* The Runs screen: an empty frame until its view lands. */
#include "app.h"

struct tui_view *tui_runs_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	return tui_placeholder_view_new(app, TUI_CTX_RUNS, "Earlier runs with their lineage: open one to replay it, or diff two.");
}
