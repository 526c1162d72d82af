/* Pieces of the Models screen shared between its files: number formatting, the detail
 * pane and the filter panel overlay. */
#ifndef SHORTLIST_TUI_MODELS_H
#define SHORTLIST_TUI_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "filters.h"
#include "shortlist/catalog.h"

/* Cell text for numbers; unknown (NAN / negative) gives NULL: draw the unknown glyph. */
const char *tui_fmt_tokens(int64_t n, char *buf, size_t len);
const char *tui_fmt_price(double usd, char *buf, size_t len);
const char *tui_fmt_score(double score, char *buf, size_t len);

/* The detail pane: every field of m, its benchmark scores with sources, annotations and
 * derived marks. *scroll is clamped to the content. */
void tui_detail_draw(struct tui_grid *g, struct tui_rect r, const struct sl_model *m,
		     const struct sl_benchmark *bench, size_t n_bench, int *scroll);

/* The filter panel overlay edits f in place and calls changed() after every change;
 * changed returns an error message to show, or NULL. */
struct tui_view *tui_filter_panel_new(struct tui_app *app, struct tui_filters *f,
				      const char *(*changed)(void *ud), void *ud);

#endif
