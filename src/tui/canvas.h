/* Charts in the cell grid: a braille canvas (2x4 dots per cell, drawille's scheme) with an
 * ASCII twin, and plots on it with axes, ticks and a log or linear x axis. The charts only
 * draw numbers the core computed; nothing here knows what a model is. */
#ifndef SHORTLIST_TUI_CANVAS_H
#define SHORTLIST_TUI_CANVAS_H

#include <stdbool.h>
#include <stdint.h>

#include "grid.h"

/* One byte of braille dots per cell, plus the role and the ASCII character the cell shows
 * when the glyph set is ASCII (a dot of a line '.', a region's letter). */
struct tui_canvas {
	struct tui_rect area; /* in cells */
	int w, h;             /* in dots: 2 * area.w, 4 * area.h */
	uint8_t *bits, *role;
	char *ascii;
};

void tui_canvas_init(struct tui_canvas *c, struct tui_rect area);
void tui_canvas_free(struct tui_canvas *c);
/* Set the dot at (x, y) (0,0 top left, in dots); outside is ignored. */
void tui_canvas_dot(struct tui_canvas *c, int x, int y, enum tui_role role, char ascii);
void tui_canvas_line(struct tui_canvas *c, int x0, int y0, int x1, int y1, enum tui_role role,
		     char ascii);
/* Copy every cell with a dot into the grid: U+2800 + its byte, or its ASCII character. */
void tui_canvas_blit(const struct tui_canvas *c, struct tui_grid *g);

/* A plot: the canvas is the inner rectangle; the y tick labels sit to its left, the x axis
 * and its labels below. */
struct tui_plot {
	struct tui_rect inner;
	double x0, x1, y0, y1;
	bool xlog;
	struct tui_canvas cv;
};

typedef void (*tui_tick_fmt)(double v, char *out, size_t n);

/* Lay out a plot in area (at least 20x6 cells) for x in [x0, x1] (log when xlog: x0 > 0)
 * and y in [y0, y1]. */
void tui_plot_init(struct tui_plot *p, struct tui_rect area, double x0, double x1, bool xlog,
		   double y0, double y1);
void tui_plot_free(struct tui_plot *p);
/* Data to dots; false when the value is outside the ranges or not finite. */
bool tui_plot_dot(const struct tui_plot *p, double x, double y, int *dx, int *dy);
/* Data to the cell holding it. */
bool tui_plot_cell(const struct tui_plot *p, double x, double y, int *cx, int *cy);
/* Axes with ticks (decades on a log axis, round steps on a linear one), then the canvas.
 * yfmt NULL: no y ticks (rows are categories). */
void tui_plot_draw(struct tui_plot *p, struct tui_grid *g, const char *xlabel,
		   const char *ylabel, tui_tick_fmt xfmt, tui_tick_fmt yfmt);

/* Round steps for a linear axis: the largest of 1, 2, 5 x 10^k giving at least `want`
 * intervals over [lo, hi]. */
double tui_nice_step(double lo, double hi, int want);

#endif
