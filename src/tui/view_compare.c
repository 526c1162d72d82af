/* The Compare screen: an empty frame until its view lands. */
#include "app.h"

struct tui_view *tui_compare_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	return tui_placeholder_view_new(app, TUI_CTX_COMPARE, "One case, the answers of 2-4 models side by side, streaming as they arrive.");
}
