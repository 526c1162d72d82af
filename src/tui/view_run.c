/* The Run screen: an empty frame until its view lands. */
#include "app.h"

struct tui_view *tui_run_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	return tui_placeholder_view_new(app, TUI_CTX_RUN, "The live run: models x cases, cells filling in as answers stream, progress, rate, cost and errors.");
}
