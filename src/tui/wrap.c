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
		if (y >= 0 && y < r.h) {
			if (n + 1 > cap) {
				cap = n + 64;
				buf = realloc(buf, cap);
				if (!buf)
					abort();
			}
			memcpy(buf, s, n);
			buf[n] = '\0';
			tui_grid_put(g, r.x, r.y + y, r.w, (enum tui_role)role, attrs, buf);
		}
		line++;
		s = next;
	}
	free(buf);
	return line;
}
