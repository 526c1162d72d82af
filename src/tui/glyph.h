/* Every non-ASCII glyph the TUI draws, with the ASCII twin used when the locale's
 * codeset (nl_langinfo(CODESET)) is not UTF-8. Views never write a literal glyph. */
#ifndef SHORTLIST_TUI_GLYPH_H
#define SHORTLIST_TUI_GLYPH_H

#include <stdbool.h>

/* X(id, UTF-8, ASCII twin) */
#define TUI_GLYPHS(X)                      \
	X(ELLIPSIS, "\u2026", "~")         \
	X(UNKNOWN, "?", "?") /* SL_FMT_UNKNOWN: one spelling everywhere */ \
	X(HLINE, "\u2500", "-")            \
	X(VLINE, "\u2502", "|")            \
	X(CORNER_TL, "\u250c", "+")        \
	X(CORNER_TR, "\u2510", "+")        \
	X(CORNER_BL, "\u2514", "+")        \
	X(CORNER_BR, "\u2518", "+")        \
	X(SORT_ASC, "\u25b2", "^")         \
	X(SORT_DESC, "\u25bc", "v")        \
	X(CURSOR, "\u25b6", ">")           \
	X(MARK, "\u2605", "*")             \
	X(DOT, "\u00b7", "|")              \
	X(CHECK, "\u2713", "y")            \
	X(CROSS, "\u2717", "n")            \
	X(DERIVED, "\u2248", "~")          \
	X(ARROW_LEFT, "\u25c2", "<")       \
	X(ARROW_RIGHT, "\u25b8", ">")      \
	X(MORE_UP, "\u2191", "^")          \
	X(MORE_DOWN, "\u2193", "v")        \
	X(CARET, "\u2581", "_")          \
	X(BULLET, "\u25cf", "*")          \
	X(CELL_QUEUED, "\u00b7", ".")     \
	X(CELL_SENT, "\u25cb", "o")       \
	X(CELL_STREAMING, "\u25d0", "~")  \
	X(CELL_DONE, "\u2713", "+")       \
	X(CELL_CACHED, "\u21bb", "=")     \
	X(CELL_FAILED, "\u2717", "x")     \
	X(BAR_FULL, "\u2588", "#")        \
	X(BAR_EMPTY, "\u2591", "-")       \
	X(PAUSE, "\u2016", "=")           \
	X(TIMES, "\u00d7", "x")           \
	X(TICK_X, "\u252c", "+")          \
	X(TICK_Y, "\u2524", "+")          \
	X(MEDIAN, "\u2503", "|")          \
	X(P99, "\u253c", "+")

enum tui_glyph_id {
#define X(id, u, a) TUI_GLYPH_##id,
	TUI_GLYPHS(X)
#undef X
	TUI_GLYPH_COUNT
};

/* Choose the glyph set once at start (and in tests). */
void tui_glyph_set_ascii(bool ascii);
bool tui_glyph_is_ascii(void);
const char *tui_glyph(enum tui_glyph_id id);
/* Both forms, for tests that check every glyph has a one-column ASCII twin. */
const char *tui_glyph_utf8(enum tui_glyph_id id);
const char *tui_glyph_ascii(enum tui_glyph_id id);

#endif
