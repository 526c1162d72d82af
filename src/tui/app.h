/* The TUI's state and its one dispatch path: events in, flags out, a frame rendered into
 * the cell grid when something changed. Both the curses loop and the headless script
 * runner drive an app through these functions; neither knows what a view contains. */
#ifndef SHORTLIST_TUI_APP_H
#define SHORTLIST_TUI_APP_H

#include <stdbool.h>

#include "action.h"
#include "grid.h"
#include "key.h"
#include "shortlist/store.h"
#include "theme.h"

/* What a view's handler tells the app (htop's HANDLED | REDRAW | ...). */
enum {
	TUI_HANDLED = 1 << 0,
	TUI_REDRAW = 1 << 1,
	TUI_CLOSE = 1 << 2, /* pop this view */
	TUI_QUIT = 1 << 3,
};

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

struct tui_app;
struct tui_view;

/* A view: a screen (models) or an overlay (filter panel, help) on the app's stack. */
struct tui_view_ops {
	const char *name;
	const char *title; /* shown in the title bar when this is the base view */
	/* Which bindings apply right now (a view may have modes, e.g. searching). */
	enum tui_context (*context)(struct tui_view *v);
	/* Draw into area. full is the whole screen minus title and status bars. */
	void (*draw)(struct tui_view *v, struct tui_grid *g, struct tui_rect area);
	int (*action)(struct tui_view *v, enum tui_action a);
	/* A key with no action in this context (text input), or a mouse event. */
	int (*event)(struct tui_view *v, const struct tui_event *ev);
	/* Status bar text (left, right) for the base view; NULL for overlays. */
	void (*status)(struct tui_view *v, struct sl_buf *left, struct sl_buf *right);
	void (*destroy)(struct tui_view *v);
};

struct tui_view {
	const struct tui_view_ops *ops;
	struct tui_app *app;
};

#define TUI_MAX_VIEWS 8

struct tui_app {
	struct sl_store *store;
	struct tui_grid grid;
	struct tui_view *views[TUI_MAX_VIEWS];
	int n_views;
	bool dirty;      /* a frame must be rendered */
	unsigned long frames; /* frames rendered so far */
	bool quit;
	int exit_code;
	char message[256]; /* one-shot status message (cleared by the next key) */
	bool message_error;
	/* Work that is still in flight (e.g. provider transfers): the headless `dump`
	 * step waits until this reports zero. NULL = none. */
	int (*pending_work)(void *ud);
	void *pending_ud;
};

/* Opens the models view; -1 with err if the catalogue cannot be loaded. */
int tui_app_init(struct tui_app *app, struct sl_store *store, int cols, int lines,
		 struct sl_error *err);
void tui_app_free(struct tui_app *app);
void tui_app_push(struct tui_app *app, struct tui_view *v);
void tui_app_handle(struct tui_app *app, const struct tui_event *ev);
/* Render the frame into app->grid if dirty; returns true if it did. */
bool tui_app_render(struct tui_app *app);
bool tui_app_too_small(const struct tui_app *app);
void tui_app_message(struct tui_app *app, bool error, const char *fmt, ...) SL_PRINTF(3, 4);

/* Views (one file each). */
struct tui_view *tui_models_view_new(struct tui_app *app, struct sl_error *err);
struct tui_view *tui_help_view_new(struct tui_app *app);

#endif
