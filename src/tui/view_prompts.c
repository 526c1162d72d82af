/* The Prompts screen (issue 10, part 2): an empty frame until its own view replaces this file. */
#include "app.h"

struct tui_view *tui_prompts_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	return tui_placeholder_view_new(app, TUI_CTX_PROMPTS, "The prompt catalogue: the versions of a prompt, a diff between two, a preview with a dataset row, edit in $EDITOR, tags.");
}
