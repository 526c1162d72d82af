/* Word wrapping for text drawn in columns (model answers, long descriptions). */
#ifndef SHORTLIST_TUI_WRAP_H
#define SHORTLIST_TUI_WRAP_H

#include <stddef.h>

/* The next line of s within width columns (as tui_grid_put measures): it ends at a newline,
 * after the last blank that fits, or mid-word when one word is longer than the line.
 * Returns the line's length in bytes; *next is where the following line starts (at the
 * terminating NUL when s is used up). Always consumes something while *s is not NUL. */
size_t tui_wrap_line(const char *s, int width, const char **next);
/* Draw s wrapped into the rectangle, skipping the first `skip` lines; returns the number
 * of lines the whole text takes. */
struct tui_grid;
struct tui_rect;
int tui_wrap_draw(struct tui_grid *g, struct tui_rect r, int role, int attrs, const char *s,
		  int skip);
/* Draw the last lines of s that fit the rectangle (a stream following its newest words) in
 * one wrapping pass; returns the number of lines the whole text takes. */
int tui_wrap_draw_tail(struct tui_grid *g, struct tui_rect r, int role, int attrs,
		       const char *s);

#endif
