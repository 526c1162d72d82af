#include "grid.h"

#include <stdlib.h>
#include <string.h>

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

/* Decode one UTF-8 sequence independently of the locale (catalogue text is UTF-8 even
 * when the terminal is not). Returns bytes consumed (>= 1). */
static int utf8_decode(const unsigned char *s, wchar_t *out)
{
	unsigned c = s[0];
	int n;
	unsigned cp;
	if (c < 0x80) {
		*out = (wchar_t)c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3;
		cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4;
		cp = c & 0x07;
	} else {
		*out = 0xFFFD;
		return 1;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*out = 0xFFFD;
			return i;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	*out = (wchar_t)cp;
	return n;
}

/* wcwidth() answers -1 for everything non-ASCII in a non-UTF-8 locale; there the backend
 * draws such characters as '?', one column each. */
static int char_width(wchar_t ch)
{
	if (ch < 0x20 || ch == 0x7F)
		return 1; /* drawn as '?' */
	int w = wcwidth(ch);
	if (w < 0)
		return 1;
	return w;
}

int tui_text_width(const char *utf8)
{
	int w = 0;
	const unsigned char *p = (const unsigned char *)utf8;
	while (p && *p) {
		wchar_t ch;
		p += utf8_decode(p, &ch);
		w += char_width(ch);
	}
	return w;
}

size_t tui_text_fit(const char *utf8, int max_w)
{
	const unsigned char *p = (const unsigned char *)utf8;
	int w = 0;
	while (*p) {
		wchar_t ch;
		int n = utf8_decode(p, &ch);
		int cw = char_width(ch);
		if (w + cw > max_w)
			break;
		w += cw;
		p += n;
	}
	return (size_t)(p - (const unsigned char *)utf8);
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
	const unsigned char *p = (const unsigned char *)utf8;
	while (*p) {
		wchar_t ch;
		p += utf8_decode(p, &ch);
		if (ch < 0x20 || ch == 0x7F || (ch > 0x7E && tui_glyph_is_ascii()))
			ch = L'?';
		int w = char_width(ch);
		if (w == 0)
			continue; /* combining marks: dropped rather than mis-measured */
		if (col + w > limit)
			break;
		if (col >= 0)
			set_cell(g, col, y, ch, w, role, attrs);
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

int tui_utf8_encode(unsigned cp, char out[5])
{
	int n;
	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		n = 3;
	} else {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		n = 4;
	}
	if (n > 1)
		out[n - 1] = (char)(0x80 | (cp & 0x3F));
	out[n] = '\0';
	return n;
}

void tui_text_append(char *s, size_t cap, int cp)
{
	char b[5];
	size_t n = strlen(s), bn = (size_t)tui_utf8_encode((unsigned)cp, b);
	if (n + bn < cap)
		memcpy(s + n, b, bn + 1);
}

void tui_text_erase_last(char *s)
{
	size_t n = strlen(s);
	/* Drop a whole UTF-8 sequence, not just its last byte. */
	while (n > 0 && ((unsigned char)s[n - 1] & 0xC0) == 0x80)
		n--;
	if (n > 0)
		n--;
	s[n] = '\0';
}

static void put_utf8(struct sl_buf *out, wchar_t ch)
{
	char b[5];
	sl_buf_append(out, b, (size_t)tui_utf8_encode((unsigned)ch, b));
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
			put_utf8(out, c->ch ? c->ch : L' ');
			if (c->ch != L' ' && c->ch != 0)
				keep = out->len;
		}
		out->len = keep;
		out->data[keep] = '\0';
		sl_buf_putc(out, '\n');
	}
}
