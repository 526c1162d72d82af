#include "canvas.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/utf8.h"
#include "glyph.h"

/* Braille dot bits by [row][column] inside a cell (Unicode's dot numbering 1-8). */
static const uint8_t dot_bit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 },
				       { 0x40, 0x80 } };

void tui_canvas_init(struct tui_canvas *c, struct tui_rect area)
{
	if (area.w < 0)
		area.w = 0;
	if (area.h < 0)
		area.h = 0;
	size_t cells = (size_t)area.w * (size_t)area.h;
	c->area = area;
	c->w = 2 * area.w;
	c->h = 4 * area.h;
	c->bits = sl_xcalloc(cells ? cells : 1, 1);
	c->role = sl_xcalloc(cells ? cells : 1, 1);
	c->ascii = sl_xcalloc(cells ? cells : 1, 1);
}

void tui_canvas_free(struct tui_canvas *c)
{
	free(c->bits);
	free(c->role);
	free(c->ascii);
	memset(c, 0, sizeof *c);
}

void tui_canvas_dot(struct tui_canvas *c, int x, int y, enum tui_role role, char ascii)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return;
	size_t i = (size_t)(y / 4) * (size_t)c->area.w + (size_t)(x / 2);
	c->bits[i] |= dot_bit[y % 4][x % 2];
	c->role[i] = (uint8_t)role;
	c->ascii[i] = ascii;
}

void tui_canvas_line(struct tui_canvas *c, int x0, int y0, int x1, int y1, enum tui_role role,
		     char ascii)
{
	/* Bresenham: every step sets one dot, so lines have no gaps at any slope. */
	int dx = abs(x1 - x0), dy = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	int e = dx + dy;
	for (;;) {
		tui_canvas_dot(c, x0, y0, role, ascii);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * e;
		if (e2 >= dy) {
			e += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			e += dx;
			y0 += sy;
		}
	}
}

void tui_canvas_blit(const struct tui_canvas *c, struct tui_grid *g)
{
	bool ascii = tui_glyph_is_ascii();
	for (int y = 0; y < c->area.h; y++) {
		for (int x = 0; x < c->area.w; x++) {
			size_t i = (size_t)y * (size_t)c->area.w + (size_t)x;
			if (!c->bits[i])
				continue;
			char s[8];
			if (ascii) {
				s[0] = c->ascii[i] ? c->ascii[i] : '.';
				s[1] = '\0';
			} else {
				s[sl_utf8_encode(0x2800u + c->bits[i], s)] = '\0';
			}
			tui_grid_put(g, c->area.x + x, c->area.y + y, 1, c->role[i], 0, s);
		}
	}
}

/* ---- plots ---- */

#define Y_LABEL_W 7 /* tick labels and the axis line left of the canvas */

void tui_plot_init(struct tui_plot *p, struct tui_rect area, double x0, double x1, bool xlog,
		   double y0, double y1)
{
	memset(p, 0, sizeof *p);
	p->inner = (struct tui_rect){ area.x + Y_LABEL_W, area.y + 1, area.w - Y_LABEL_W - 1,
				      area.h - 4 };
	p->xlog = xlog && x0 > 0 && x1 > 0;
	p->x0 = x0;
	p->x1 = x1 > x0 ? x1 : x0 + 1;
	p->y0 = y0;
	p->y1 = y1 > y0 ? y1 : y0 + 1;
	tui_canvas_init(&p->cv, p->inner);
}

void tui_plot_free(struct tui_plot *p)
{
	tui_canvas_free(&p->cv);
}

static double frac_x(const struct tui_plot *p, double x)
{
	if (p->xlog)
		return (log10(x) - log10(p->x0)) / (log10(p->x1) - log10(p->x0));
	return (x - p->x0) / (p->x1 - p->x0);
}

bool tui_plot_dot(const struct tui_plot *p, double x, double y, int *dx, int *dy)
{
	if (!isfinite(x) || !isfinite(y) || (p->xlog && x <= 0))
		return false;
	double fx = frac_x(p, x), fy = (y - p->y0) / (p->y1 - p->y0);
	if (fx < -1e-9 || fx > 1 + 1e-9 || fy < -1e-9 || fy > 1 + 1e-9)
		return false;
	*dx = (int)lround(fx * (p->cv.w - 1));
	*dy = p->cv.h - 1 - (int)lround(fy * (p->cv.h - 1));
	return true;
}

bool tui_plot_cell(const struct tui_plot *p, double x, double y, int *cx, int *cy)
{
	int dx, dy;
	if (!tui_plot_dot(p, x, y, &dx, &dy))
		return false;
	*cx = p->inner.x + dx / 2;
	*cy = p->inner.y + dy / 4;
	return true;
}

double tui_nice_step(double lo, double hi, int want)
{
	double span = hi - lo;
	if (!(span > 0) || want < 1)
		return 1;
	double raw = span / want;
	double mag = pow(10, floor(log10(raw)));
	static const double m[] = { 5, 2, 1 };
	for (size_t i = 0; i < SL_ARRAY_LEN(m); i++)
		if (m[i] * mag <= raw + 1e-12 * mag)
			return m[i] * mag;
	return mag / 2;
}

static void x_tick(struct tui_plot *p, struct tui_grid *g, double v, tui_tick_fmt fmt,
		   int *last_end)
{
	int cx, cy;
	if (!tui_plot_cell(p, v, p->y0, &cx, &cy))
		return;
	int axis_y = p->inner.y + p->inner.h;
	tui_grid_put(g, cx, axis_y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_TICK_X));
	char label[24];
	fmt(v, label, sizeof label);
	int w = tui_text_width(label);
	int x = cx - w / 2;
	if (x < p->inner.x - 1)
		x = p->inner.x - 1;
	if (x + w > p->inner.x + p->inner.w + 1)
		x = p->inner.x + p->inner.w + 1 - w;
	if (x <= *last_end)
		return; /* would touch the previous label */
	tui_grid_put(g, x, axis_y + 1, w, TUI_ROLE_DIM, 0, label);
	*last_end = x + w;
}

void tui_plot_draw(struct tui_plot *p, struct tui_grid *g, const char *xlabel,
		   const char *ylabel, tui_tick_fmt xfmt, tui_tick_fmt yfmt)
{
	struct tui_rect in = p->inner;
	if (in.w < 4 || in.h < 2)
		return;
	int axis_y = in.y + in.h;
	for (int y = in.y; y < axis_y; y++)
		tui_grid_put(g, in.x - 1, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_VLINE));
	tui_grid_put(g, in.x - 1, axis_y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_CORNER_BL));
	for (int x = in.x; x < in.x + in.w; x++)
		tui_grid_put(g, x, axis_y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
	/* y: round steps, about one tick every three rows (none without a format). */
	double step = tui_nice_step(p->y0, p->y1, in.h / 3 > 1 ? in.h / 3 : 1);
	for (double v = ceil(p->y0 / step - 1e-9) * step; yfmt && v <= p->y1 + 1e-9 * step;
	     v += step) {
		int cx, cy;
		if (!tui_plot_cell(p, p->x0, v, &cx, &cy))
			continue;
		char label[24];
		yfmt(fabs(v) < 1e-9 * step ? 0 : v, label, sizeof label); /* no "-0.00" */
		tui_grid_put_field(g, in.x - Y_LABEL_W, cy, Y_LABEL_W - 2, TUI_ROLE_DIM, 0, label,
				   true);
		tui_grid_put(g, in.x - 1, cy, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_TICK_Y));
	}
	int last_end = in.x - Y_LABEL_W;
	if (p->xlog) {
		/* Decades, with 2 and 5 in between when the range spans less than three. */
		double span = log10(p->x1) - log10(p->x0);
		static const double sub[] = { 1, 2, 5 };
		size_t n_sub = span < 3 ? 3 : 1;
		for (double d = floor(log10(p->x0)); d <= ceil(log10(p->x1)); d++)
			for (size_t k = 0; k < n_sub; k++)
				x_tick(p, g, sub[k] * pow(10, d), xfmt, &last_end);
	} else {
		double xs = tui_nice_step(p->x0, p->x1, in.w / 12 > 1 ? in.w / 12 : 1);
		for (double v = ceil(p->x0 / xs - 1e-9) * xs; v <= p->x1 + 1e-9 * xs; v += xs)
			x_tick(p, g, v, xfmt, &last_end);
	}
	if (xlabel) {
		int w = tui_text_width(xlabel);
		tui_grid_put(g, in.x + in.w - w > in.x ? in.x + in.w - w : in.x, axis_y + 2, in.w,
			     TUI_ROLE_LABEL, 0, xlabel);
	}
	if (ylabel)
		tui_grid_put(g, in.x - Y_LABEL_W, in.y - 1, in.w + Y_LABEL_W, TUI_ROLE_LABEL, 0,
			     ylabel);
	tui_canvas_blit(&p->cv, g);
}
