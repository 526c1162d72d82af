/* The Charts screen (issue 10, part 2): an empty frame until its own view replaces this file. */
#include "app.h"

struct tui_view *tui_charts_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	return tui_placeholder_view_new(app, TUI_CTX_CHARTS, "Trade-off charts: quality vs cost and vs latency with the Pareto frontier, latency distributions, the speed-precision-cost triangle.");
}
