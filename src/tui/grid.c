#include "grid.h"

#include <stdlib.h>
#include <string.h>

#include "shortlist/utf8.h"
#include "glyph.h"

void tui_grid_init(struct tui_grid *g)
{
	memset(g, 0, sizeof *g);
}

void tui_grid_free(struct tui_grid *g)
{
	free(g->cells);
	memset(g, 0, sizeof *g);
}

void tui_grid_resize(struct tui_grid *g, int cols, int lines)
{
	if (cols < 1)
		cols = 1;
	if (lines < 1)
		lines = 1;
	if (cols != g->cols || lines != g->lines) {
		free(g->cells);
		g->cells = sl_xcalloc((size_t)cols * (size_t)lines, sizeof *g->cells);
		g->cols = cols;
		g->lines = lines;
	}
	tui_grid_clear(g, TUI_ROLE_DEFAULT);
}

void tui_grid_clear(struct tui_grid *g, enum tui_role role)
{
	tui_grid_fill(g, (struct tui_rect){ 0, 0, g->cols, g->lines }, role);
}

struct tui_cell *tui_grid_at(struct tui_grid *g, int x, int y)
{
	if (x < 0 || y < 0 || x >= g->cols || y >= g->lines)
		return NULL;
	return &g->cells[(size_t)y * (size_t)g->cols + (size_t)x];
}

/* Overwriting half of a wide character leaves the other half meaningless: blank it. */
static void break_wide(struct tui_grid *g, int x, int y)
{
	struct tui_cell *c = tui_grid_at(g, x, y);
	if (!c)
		return;
	if (c->width == 0) {
		struct tui_cell *l = tui_grid_at(g, x - 1, y);
		if (l && l->width == 2) {
			l->ch = L' ';
			l->width = 1;
		}
	} else if (c->width == 2) {
		struct tui_cell *r = tui_grid_at(g, x + 1, y);
		if (r && r->width == 0) {
			r->ch = L' ';
			r->width = 1;
		}
	}
}

static void set_cell(struct tui_grid *g, int x, int y, wchar_t ch, int width, int role,
		     int attrs)
{
	break_wide(g, x, y);
	if (width == 2)
		break_wide(g, x + 1, y);
	struct tui_cell *c = tui_grid_at(g, x, y);
	*c = (struct tui_cell){ .ch = ch, .width = (uint8_t)width, .role = (uint8_t)role,
				.attrs = (uint8_t)attrs };
	if (width == 2) {
		struct tui_cell *r = tui_grid_at(g, x + 1, y);
		*r = (struct tui_cell){ .ch = 0, .width = 0, .role = (uint8_t)role,
					.attrs = (uint8_t)attrs };
	}
}

void tui_grid_fill(struct tui_grid *g, struct tui_rect r, enum tui_role role)
{
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++)
			if (tui_grid_at(g, x, y))
				set_cell(g, x, y, L' ', 1, role, 0);
}

void tui_grid_set_role(struct tui_grid *g, struct tui_rect r, enum tui_role role, int attrs)
{
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++) {
			struct tui_cell *c = tui_grid_at(g, x, y);
			if (c) {
				c->role = (uint8_t)role;
				c->attrs = (uint8_t)attrs;
			}
		}
}

/* What a cell shows for cp: control characters as visible marks and bad bytes as U+FFFD
 * (untrusted text can never move the cursor); in ASCII mode everything past '~' is '?'. */
static uint32_t shown(uint32_t cp)
{
	if (tui_glyph_is_ascii() && (cp < 0x20 || cp > 0x7e))
		return '?';
	return sl_utf8_visible(cp);
}

static int shown_width(uint32_t ch)
{
	return ch < 0x7f ? 1 : sl_utf8_cp_width(ch);
}

int tui_text_width(const char *utf8)
{
	int w = 0;
	size_t len = utf8 ? strlen(utf8) : 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += sl_utf8_decode(utf8 + i, len - i, &cp);
		w += shown_width(shown(cp));
	}
	return w;
}

size_t tui_text_fit(const char *utf8, int max_w)
{
	int w = 0;
	size_t len = strlen(utf8), i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = sl_utf8_decode(utf8 + i, len - i, &cp);
		int cw = shown_width(shown(cp));
		if (w + cw > max_w)
			break;
		w += cw;
		i += n;
	}
	return i;
}

int tui_grid_put(struct tui_grid *g, int x, int y, int max_w, enum tui_role role, int attrs,
		 const char *utf8)
{
	if (!utf8 || y < 0 || y >= g->lines)
		return 0;
	int limit = x + max_w;
	if (limit > g->cols)
		limit = g->cols;
	int col = x;
	size_t len = strlen(utf8);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += sl_utf8_decode(utf8 + i, len - i, &cp);
		uint32_t ch = shown(cp);
		int w = shown_width(ch);
		if (w == 0)
			continue; /* combining marks: a cell holds one character, so they are dropped */
		if (col + w > limit)
			break;
		if (col >= 0)
			set_cell(g, col, y, (wchar_t)ch, w, role, attrs);
		col += w;
	}
	return col - x;
}

void tui_grid_put_field(struct tui_grid *g, int x, int y, int w, enum tui_role role,
			int attrs, const char *utf8, bool right)
{
	if (w <= 0)
		return;
	tui_grid_fill(g, (struct tui_rect){ x, y, w, 1 }, role);
	tui_grid_set_role(g, (struct tui_rect){ x, y, w, 1 }, role, attrs);
	if (!utf8)
		return;
	int tw = tui_text_width(utf8);
	if (tw <= w) {
		tui_grid_put(g, right ? x + w - tw : x, y, tw, role, attrs, utf8);
		return;
	}
	const char *ell = tui_glyph(TUI_GLYPH_ELLIPSIS);
	int ew = tui_text_width(ell);
	int used = tui_grid_put(g, x, y, w - ew, role, attrs, utf8);
	tui_grid_put(g, x + used, y, ew, role, attrs, ell);
}

void tui_text_append(char *s, size_t cap, int cp)
{
	char b[4];
	size_t n = strlen(s), bn = sl_utf8_encode((uint32_t)cp, b);
	if (n + bn < cap) {
		memcpy(s + n, b, bn);
		s[n + bn] = '\0';
	}
}

void tui_text_erase_last(char *s)
{
	/* Drop a whole UTF-8 sequence, not just its last byte. */
	s[sl_utf8_back(s, strlen(s))] = '\0';
}

void tui_grid_dump(const struct tui_grid *g, struct sl_buf *out)
{
	for (int y = 0; y < g->lines; y++) {
		size_t start = out->len;
		size_t keep = start;
		for (int x = 0; x < g->cols; x++) {
			const struct tui_cell *c = &g->cells[(size_t)y * (size_t)g->cols + (size_t)x];
			if (c->width == 0)
				continue;
			sl_utf8_append(out, c->ch ? (uint32_t)c->ch : ' ');
			if (c->ch != L' ' && c->ch != 0)
				keep = out->len;
		}
		out->len = keep;
		out->data[keep] = '\0';
		sl_buf_putc(out, '\n');
	}
}
