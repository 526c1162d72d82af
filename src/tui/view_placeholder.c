/* An empty screen that says what it will show, so every tab exists before its screen is
 * written. A screen's own file replaces its use. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "wrap.h"

struct placeholder {
	struct tui_view base;
	enum tui_context ctx;
	const char *what;
};

static enum tui_context ph_context(struct tui_view *v)
{
	return ((struct placeholder *)v)->ctx;
}

static int ph_action(struct tui_view *v, enum tui_action a)
{
	(void)v;
	(void)a;
	return 0;
}

static void ph_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct placeholder *p = (struct placeholder *)v;
	tui_grid_put(g, area.x + 2, area.y + 1, area.w - 4, TUI_ROLE_LABEL, TUI_A_BOLD,
		     tui_screen_title(p->base.app->current));
	tui_wrap_draw(g, (struct tui_rect){ area.x + 2, area.y + 3, area.w - 4, area.h - 3 },
		      TUI_ROLE_DIM, 0, p->what, 0);
}

static void ph_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	(void)v;
	(void)right;
	sl_buf_puts(left, "not yet available");
}

static void ph_destroy(struct tui_view *v)
{
	free(v);
}

static const struct tui_view_ops placeholder_ops = {
	.name = "placeholder",
	.context = ph_context,
	.draw = ph_draw,
	.action = ph_action,
	.status = ph_status,
	.destroy = ph_destroy,
};

struct tui_view *tui_placeholder_view_new(struct tui_app *app, enum tui_context ctx,
					  const char *what)
{
	struct placeholder *p = sl_xcalloc(1, sizeof *p);
	p->base.ops = &placeholder_ops;
	p->base.app = app;
	p->ctx = ctx;
	p->what = what;
	return &p->base;
}
