/* The screen model: an in-memory grid of cells that views draw into. The curses backend
 * copies it to the terminal; tests dump it as text. Nothing here knows about curses. */
#ifndef SHORTLIST_TUI_GRID_H
#define SHORTLIST_TUI_GRID_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "shortlist/util.h"
#include "theme.h"

enum {
	TUI_A_BOLD = 1 << 0,
	TUI_A_REVERSE = 1 << 1,
	TUI_A_UNDERLINE = 1 << 2,
	TUI_A_DIM = 1 << 3,
};

/* A wide character occupies its cell (width 2) and the next one (width 0, ch 0). */
struct tui_cell {
	wchar_t ch;
	uint8_t width; /* 1, 2, or 0 for the right half of a wide character */
	uint8_t role;  /* enum tui_role */
	uint8_t attrs; /* TUI_A_* added to the role's own attributes */
};

struct tui_grid {
	int cols, lines;
	struct tui_cell *cells;
};

struct tui_rect {
	int x, y, w, h;
};

void tui_grid_init(struct tui_grid *g);
void tui_grid_free(struct tui_grid *g);
void tui_grid_resize(struct tui_grid *g, int cols, int lines);
/* Blank the whole grid with a role. */
void tui_grid_clear(struct tui_grid *g, enum tui_role role);
struct tui_cell *tui_grid_at(struct tui_grid *g, int x, int y);
void tui_grid_fill(struct tui_grid *g, struct tui_rect r, enum tui_role role);
/* Write UTF-8 text at (x, y), clipped to max_w columns (and the grid); returns the columns
 * used. Decoded and measured by shortlist/utf8.h: control characters become their visible
 * marks (U+2400-U+2421; '?' in ASCII mode), invalid UTF-8 becomes U+FFFD, wide characters
 * take two cells, combining marks are dropped. */
int tui_grid_put(struct tui_grid *g, int x, int y, int max_w, enum tui_role role, int attrs,
		 const char *utf8);
/* Like tui_grid_put but always fills exactly w columns: text that does not fit ends with
 * the ellipsis glyph, the rest is padded with blanks. right aligns. */
void tui_grid_put_field(struct tui_grid *g, int x, int y, int w, enum tui_role role,
			int attrs, const char *utf8, bool right);
/* Set the role (keeping characters) over a rectangle, e.g. the selected row. */
void tui_grid_set_role(struct tui_grid *g, struct tui_rect r, enum tui_role role, int attrs);
/* Typed text: append code point cp as UTF-8 if it fits in cap (with the NUL); erase the
 * last whole character. */
void tui_text_append(char *s, size_t cap, int cp);
void tui_text_erase_last(char *s);
/* The display width of UTF-8 text as tui_grid_put would draw it. */
int tui_text_width(const char *utf8);
/* How many bytes of utf8 fit in max_w columns (whole characters only). */
size_t tui_text_fit(const char *utf8, int max_w);
/* The grid as UTF-8 text, one line per row, trailing blanks trimmed. */
void tui_grid_dump(const struct tui_grid *g, struct sl_buf *out);

#endif
