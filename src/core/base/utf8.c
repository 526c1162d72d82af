/* UTF-8 decoding, width and case (see utf8.h). */
#define _GNU_SOURCE /* wcwidth, newlocale, uselocale, towlower_l, iswalnum_l */
#include "shortlist/utf8.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

size_t sl_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c < 0xe0) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c < 0xf0) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = SL_UTF8_BAD + c;
		return 1;
	}
	if (n < len) {
		*cp = SL_UTF8_BAD + c;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = SL_UTF8_BAD + c;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*cp = SL_UTF8_BAD + c;
		return 1;
	}
	*cp = v;
	return len;
}

size_t sl_utf8_encode(uint32_t cp, char out[4])
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = SL_UTF8_REPLACEMENT;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

void sl_utf8_append(struct sl_buf *b, uint32_t cp)
{
	char tmp[4];
	sl_buf_append(b, tmp, sl_utf8_encode(cp, tmp));
}

size_t sl_utf8_check(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = sl_utf8_decode(s + i, len - i, &cp);
		if (sl_utf8_is_bad(cp))
			return i;
		i += n;
	}
	return len;
}

int sl_utf8_require(const char *text, size_t len, const char *path, struct sl_error *err)
{
	return sl_utf8_require_at(text, len, path, 1, err);
}

int sl_utf8_require_at(const char *text, size_t len, const char *path, int first_line,
		       struct sl_error *err)
{
	size_t bad = sl_utf8_check(text, len);
	if (bad == len)
		return 0;
	int line, col;
	sl_utf8_position(text, bad, &line, &col);
	sl_error_set(err, "%s:%d:%d: not valid UTF-8 (byte 0x%02x): save the file as UTF-8", path,
		     first_line + line - 1, col, (unsigned char)text[bad]);
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

size_t sl_utf8_count(const char *s)
{
	size_t n = 0, len = strlen(s);
	for (size_t i = 0; i < len; n++) {
		uint32_t cp;
		i += sl_utf8_decode(s + i, len - i, &cp);
	}
	return n;
}

size_t sl_utf8_prefix(const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	if (len < max)
		return len;
	/* Step back over the last character if it does not end exactly at max. */
	size_t start = len;
	while (start > 0 && len - start < 4 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0 || len - start >= 4)
		return len; /* only continuation bytes: bad bytes, nothing to keep whole */
	start--;
	uint32_t cp;
	size_t n = sl_utf8_decode(s + start, strnlen(s + start, 4), &cp);
	return !sl_utf8_is_bad(cp) && start + n > len ? start : len;
}

size_t sl_utf8_back(const char *s, size_t off)
{
	if (off == 0)
		return 0;
	size_t start = off - 1;
	while (start > 0 && off - start < 4 && ((unsigned char)s[start] & 0xc0) == 0x80)
		start--;
	uint32_t cp;
	return start + sl_utf8_decode(s + start, off - start, &cp) == off ? start : off - 1;
}

void sl_utf8_position(const char *text, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	size_t i = 0, len = strnlen(text, off);
	while (i < len) {
		uint32_t cp;
		i += sl_utf8_decode(text + i, len - i, &cp);
		if (cp == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* C.UTF-8 for classes and widths whatever LC_CTYPE the program runs in. */
static locale_t utf8_locale(void)
{
	static locale_t loc;
	static bool tried;
	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		if (!loc)
			loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
	}
	return loc;
}

uint32_t sl_utf8_visible(uint32_t cp)
{
	if (cp < 0x20)
		return 0x2400 + cp;
	if (cp == 0x7f)
		return 0x2421;
	if (sl_utf8_is_bad(cp) || (cp >= 0x80 && cp < 0xa0))
		return SL_UTF8_REPLACEMENT;
	return cp;
}

int sl_utf8_cp_width(uint32_t cp)
{
	cp = sl_utf8_visible(cp);
	if (cp < 0x7f)
		return 1;
	locale_t loc = utf8_locale();
	if (!loc)
		return 1;
	locale_t old = uselocale(loc);
	int w = wcwidth((wchar_t)cp);
	uselocale(old);
	/* Unassigned and other non-printables (-1) still take the cell the terminal gives. */
	return w < 0 ? 1 : w > 2 ? 2 : w;
}

int sl_utf8_width(const char *s)
{
	int w = 0;
	size_t len = s ? strlen(s) : 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += sl_utf8_decode(s + i, len - i, &cp);
		w += sl_utf8_cp_width(cp);
	}
	return w;
}

size_t sl_utf8_fit(const char *s, int max_w)
{
	int w = 0;
	size_t len = strlen(s), i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = sl_utf8_decode(s + i, len - i, &cp);
		int cw = sl_utf8_cp_width(cp);
		if (w + cw > max_w)
			break;
		w += cw;
		i += n;
	}
	return i;
}

void sl_utf8_sanitize(struct sl_buf *b, const char *s, size_t n)
{
	sl_buf_reserve(b, n);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += sl_utf8_decode(s + i, n - i, &cp);
		sl_utf8_append(b, sl_utf8_visible(cp));
	}
}

char *sl_utf8_repair(const char *s)
{
	size_t len = strlen(s);
	size_t bad = sl_utf8_check(s, len);
	if (bad == len)
		return NULL;
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_append(&b, s, bad);
	for (size_t i = bad; i < len;) {
		uint32_t cp;
		size_t n = sl_utf8_decode(s + i, len - i, &cp);
		if (sl_utf8_is_bad(cp))
			sl_utf8_append(&b, SL_UTF8_REPLACEMENT);
		else
			sl_buf_append(&b, s + i, n);
		i += n;
	}
	return sl_buf_steal(&b);
}

uint32_t sl_utf8_tolower(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	locale_t loc = utf8_locale();
	if (sl_utf8_is_bad(cp) || !loc)
		return cp;
	return (uint32_t)towlower_l((wint_t)cp, loc);
}

char *sl_utf8_lower(const char *s)
{
	struct sl_buf b;
	sl_buf_init(&b);
	size_t len = strlen(s);
	sl_buf_reserve(&b, len);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = sl_utf8_decode(s + i, len - i, &cp);
		if (sl_utf8_is_bad(cp))
			sl_buf_append(&b, s + i, 1);
		else if (cp == 0x130)
			sl_buf_puts(&b, "i\xcc\x87"); /* Python: U+0069 U+0307 */
		else
			sl_utf8_append(&b, sl_utf8_tolower(cp));
		i += n;
	}
	sl_buf_puts(&b, "");
	return sl_buf_steal(&b);
}

bool sl_utf8_is_word(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		       cp == '_';
	locale_t loc = utf8_locale();
	return !sl_utf8_is_bad(cp) && loc && iswalnum_l((wint_t)cp, loc);
}

bool sl_utf8_is_space(uint32_t cp)
{
	return cp == ' ' || (cp >= '\t' && cp <= '\r') || (cp >= 0x1c && cp <= 0x1f) || cp == 0x85 ||
	       cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}
