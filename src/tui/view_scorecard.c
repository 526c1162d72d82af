/* The Scorecard screen (issue 10, part 2): an empty frame until its own view replaces this file. */
#include "app.h"

struct tui_view *tui_scorecard_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	return tui_placeholder_view_new(app, TUI_CTX_SCORECARD, "The scorecard of a run: every metric with its 95% interval, latency, cost and rating per model and prompt; weights, ranking, Pareto marks, the recommendation.");
}
