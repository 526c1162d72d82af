/* What the Scorecard and Charts screens share: the run data of the app, the weight keys,
 * series colours and number formats. */
#ifndef SHORTLIST_TUI_CHARTS_H
#define SHORTLIST_TUI_CHARTS_H

#include <stddef.h>

#include "app.h"
#include "rundata.h"

/* The app's run data, loaded on first use (the newest run, or priors). */
struct tui_rundata *tui_app_rundata(struct tui_app *app);
void tui_app_rundata_free(struct tui_app *app);
/* The same without reloading stale data (the Rate screen marks it stale on every rating and
 * must not pay for a scorecard per keypress). */
struct tui_rundata *tui_app_rundata_peek(struct tui_app *app);
/* The weight keys (context WEIGHTS) of both screens; 0 if a is not one of them. */
int tui_weights_action(struct tui_app *app, enum tui_action a);
/* The colour role of model i's series (six, repeating). */
enum tui_role tui_series_role(size_t i);
/* sl_fmt_seconds / sl_fmt_usd ("412 ms", "$0.094", "?" for unknown) into a buffer. */
void tui_fmt_seconds(double s, char *out, size_t n);
void tui_fmt_usd(double c, char *out, size_t n);
/* A model's name without its provider prefix, for labels ("gpt-4o-mini"). */
const char *tui_short_name(const char *name);

/* The per-case results of a scorecard row (an overlay). */
struct tui_view *tui_cases_view_new(struct tui_app *app, int model_idx, int prompt_idx);

#endif
