/* Colour roles and theme files. View code names a role (what the text is), never a colour;
 * a theme maps each role to colours with 256 -> 16 -> 8 fallbacks plus attributes.
 * The file format is documented in doc/themes.md. No curses here: the backend asks
 * tui_theme_resolve() for the concrete colours its terminal can show. */
#ifndef SHORTLIST_TUI_THEME_H
#define SHORTLIST_TUI_THEME_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/util.h"

/* X(enum suffix, key in theme files, what it is used for) */
#define TUI_ROLES(X)                                                                  \
	X(DEFAULT, "default", "ordinary text and the background")                    \
	X(TITLE, "title", "the title bar at the top")                                \
	X(HEADER, "header", "table column headers")                                  \
	X(HEADER_SORTED, "header.sorted", "the header of the sort column")           \
	X(CURSOR, "cursor", "the selected table row")                                \
	X(STATUS, "status", "the status bar at the bottom")                          \
	X(DIM, "dim", "secondary text: ids, separators, hints")                      \
	X(UNKNOWN, "unknown", "unknown values, shown as a dash")                     \
	X(YES, "yes", "a true flag (open weights, reasoning)")                       \
	X(NO, "no", "a false flag")                                                  \
	X(MARK, "mark", "the shortlist mark")                                        \
	X(SEARCH, "search", "the search prompt and its text")                        \
	X(BORDER, "border", "panel frames and separators")                           \
	X(PANEL, "panel", "panel and overlay backgrounds")                           \
	X(FOCUS, "focus", "the focused field in a panel")                            \
	X(KEY, "key", "key names in the help overlay")                               \
	X(LABEL, "label", "field labels in the detail pane")                         \
	X(DERIVED, "derived", "values derived by shortlist, not stated by the source") \
	X(ERROR, "error", "error messages")                                          \
	X(WARNING, "warning", "warnings, the too-small screen")	\
	X(TAB, "tab", "a tab in the tab bar")	\
	X(TAB_ACTIVE, "tab.active", "the tab of the screen in front")	\
	X(LIVE, "live", "the live-run badge in the tab bar")	\
	X(HINT, "hint", "key hint labels on the bottom line")	\
	X(HINT_KEY, "hint.key", "keys in the key hints")	\
	X(CELL_QUEUED, "cell.queued", "a run cell waiting to be sent")	\
	X(CELL_STREAMING, "cell.streaming", "a run cell whose answer is streaming")	\
	X(CELL_DONE, "cell.done", "a run cell answered")	\
	X(CELL_CACHED, "cell.cached", "a run cell answered from the cache or an earlier run")	\
	X(CELL_FAILED, "cell.failed", "a run cell that failed")	\
	X(BAR, "bar", "the filled part of a progress bar")	\
	X(BAR_EMPTY, "bar.empty", "the empty part of a progress bar")	\
	X(SERIES1, "series.1", "the first model's colour (columns, chart series)")	\
	X(SERIES2, "series.2", "the second model's colour")	\
	X(SERIES3, "series.3", "the third model's colour")	\
	X(SERIES4, "series.4", "the fourth model's colour")	\
	X(SERIES5, "series.5", "the fifth model's colour")	\
	X(SERIES6, "series.6", "the sixth model's colour (the seventh takes series.1 again)")

enum tui_role {
#define X(id, key, doc) TUI_ROLE_##id,
	TUI_ROLES(X)
#undef X
	TUI_ROLE_COUNT
};

/* A colour: -1 terminal default, 0..255 palette index. A spec holds up to three
 * alternatives ("208/11/3"): the first one the terminal can show wins. */
enum { TUI_COLOR_DEFAULT = -1, TUI_COLOR_UNSET = -2 };

struct tui_color_spec {
	int16_t alt[3];
	int n;
};

struct tui_style {
	struct tui_color_spec fg, bg;
	uint8_t attrs; /* TUI_A_* from grid.h */
	bool set;
};

struct tui_theme {
	char *name;
	bool mono; /* attributes only: never asks the terminal for colours */
	struct tui_style roles[TUI_ROLE_COUNT];
};

const char *tui_role_key(enum tui_role role);

/* Parse theme text; path is only used in messages ("FILE:LINE: ..."). Roles the text does
 * not set inherit "default". Unknown roles, colours or attributes are errors. */
int tui_theme_parse(struct tui_theme *theme, const char *text, const char *path,
		    struct sl_error *err);
/* NAME (looked up in $XDG_CONFIG_HOME/shortlist/themes/NAME.theme, then the shipped
 * themes/NAME.theme) or a path to a .theme file. */
int tui_theme_load(struct tui_theme *theme, const char *name_or_path, struct sl_error *err);
/* The built-in monochrome table, used under NO_COLOR, on terminals without colour, and
 * when no theme file can be found. */
void tui_theme_mono(struct tui_theme *theme);
void tui_theme_free(struct tui_theme *theme);

/* The colours to use on a terminal with ncolors colours (8, 16, 256): the first
 * alternative below ncolors, else the first alternative mapped to the nearest colour the
 * terminal has. fg/bg may be TUI_COLOR_DEFAULT. */
void tui_theme_resolve(const struct tui_theme *theme, enum tui_role role, int ncolors,
		       int *fg, int *bg, int *attrs);
/* Nearest colour among the first `ncolors` (8 or 16) of the xterm palette. */
int tui_color_downgrade(int color, int ncolors);

#endif
