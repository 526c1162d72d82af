#include "wrap.h"

#include <stdlib.h>
#include <string.h>

#include "shortlist/utf8.h"
#include "grid.h"

size_t tui_wrap_line(const char *s, int width, const char **next)
{
	if (width < 1)
		width = 1;
	size_t fit = tui_text_fit(s, width);
	const char *nl = memchr(s, '\n', fit + (s[fit] == '\n'));
	if (nl) {
		*next = nl + 1;
		return (size_t)(nl - s);
	}
	if (s[fit] == '\0') {
		*next = s + fit;
		return fit;
	}
	if (fit == 0) { /* a character wider than the line: give it a line of its own */
		uint32_t cp;
		size_t n = sl_utf8_decode(s, strlen(s), &cp);
		*next = s + n;
		return n;
	}
	size_t brk = fit;
	while (brk > 0 && s[brk] != ' ' && s[brk] != '\t')
		brk--;
	if (brk == 0) { /* one long word: cut it */
		*next = s + fit;
		return fit;
	}
	const char *n = s + brk;
	while (*n == ' ' || *n == '\t')
		n++;
	*next = n;
	return brk;
}

/* Draw n bytes of s as one line (buf: scratch space, grown as needed). */
static void put_line(struct tui_grid *g, int x, int y, int w, int role, int attrs,
		     const char *s, size_t n, char **buf, size_t *cap)
{
	if (n + 1 > *cap) {
		*cap = n + 64;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	memcpy(*buf, s, n);
	(*buf)[n] = '\0';
	tui_grid_put(g, x, y, w, (enum tui_role)role, attrs, *buf);
}

int tui_wrap_draw(struct tui_grid *g, struct tui_rect r, int role, int attrs, const char *s,
		  int skip)
{
	int line = 0;
	char *buf = NULL;
	size_t cap = 0;
	while (s && *s) {
		const char *next;
		size_t n = tui_wrap_line(s, r.w, &next);
		int y = line - skip;
		if (y >= 0 && y < r.h)
			put_line(g, r.x, r.y + y, r.w, role, attrs, s, n, &buf, &cap);
		line++;
		s = next;
	}
	free(buf);
	return line;
}

int tui_wrap_draw_tail(struct tui_grid *g, struct tui_rect r, int role, int attrs,
		       const char *s)
{
	struct {
		const char *s;
		size_t n;
	} ring[256];
	int h = r.h < (int)SL_ARRAY_LEN(ring) ? r.h : (int)SL_ARRAY_LEN(ring);
	if (h < 1)
		return 0;
	int line = 0;
	while (s && *s) {
		const char *next;
		size_t n = tui_wrap_line(s, r.w, &next);
		ring[line % h].s = s;
		ring[line % h].n = n;
		line++;
		s = next;
	}
	int first = line > h ? line - h : 0;
	char *buf = NULL;
	size_t cap = 0;
	for (int i = first; i < line; i++)
		put_line(g, r.x, r.y + i - first, r.w, role, attrs, ring[i % h].s, ring[i % h].n,
			 &buf, &cap);
	free(buf);
	return line;
}
