/* The terminal workbench front end. */
#ifndef SHORTLIST_TUI_H
#define SHORTLIST_TUI_H

#include "shortlist/store.h"

struct tui_options {
	const char *theme;   /* theme name or path; NULL = default (or mono under NO_COLOR) */
	const char *script;  /* headless key script for golden-screen tests, or NULL */
	int script_cols, script_lines;
};

/* Run until the user quits; returns the process exit code. */
int tui_main(struct sl_store *store, const struct tui_options *opts);

#endif
