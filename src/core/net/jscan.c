/* A JSON scanner without a tree (jscan.h). Where the plain subset ends it gives up rather
 * than guess what cJSON would make of it: the caller then asks cJSON. */
#include "shortlist/jscan.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_NUMBER 63 /* cJSON reads at most this many characters of a number */

struct scan {
	struct sl_jscan *j;
	const unsigned char *s;
	size_t len, i;
};

void sl_jscan_init(struct sl_jscan *j)
{
	memset(j, 0, sizeof *j);
	sl_buf_init(&j->str);
}

void sl_jscan_free(struct sl_jscan *j)
{
	free(j->tok);
	sl_buf_free(&j->str);
	sl_jscan_init(j);
}

static int push(struct scan *p, enum sl_jtype type, size_t start, int key)
{
	struct sl_jscan *j = p->j;
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->tok = sl_xrealloc(j->tok, j->cap * sizeof *j->tok);
	}
	j->tok[j->n] = (struct sl_jtok){ .type = type, .start = (unsigned)start, .key = key };
	return (int)j->n++;
}

static void skip_ws(struct scan *p)
{
	while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
				 p->s[p->i] == '\r'))
		p->i++;
}

static int hex4(const unsigned char *h)
{
	int v = 0;
	for (int k = 0; k < 4; k++) {
		int c = h[k], d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Length of the \u escape at u (12 for a surrogate pair), 0 if outside the subset: a bad
 * digit, \u0000 (cJSON would cut the string there) or a lone surrogate (cJSON fails). */
static size_t escape_u(const unsigned char *u, size_t avail, unsigned *cp)
{
	int a = avail >= 6 ? hex4(u + 2) : -1;
	if (a <= 0 || (a >= 0xDC00 && a <= 0xDFFF))
		return 0;
	if (a < 0xD800 || a > 0xDBFF) {
		*cp = (unsigned)a;
		return 6;
	}
	int b = avail >= 12 && u[6] == '\\' && u[7] == 'u' ? hex4(u + 8) : -1;
	if (b < 0xDC00 || b > 0xDFFF)
		return 0;
	*cp = 0x10000 + ((((unsigned)a & 0x3FF) << 10) | ((unsigned)b & 0x3FF));
	return 12;
}

/* Whether s[0..n) has no backslash and no control byte, eight bytes at a time: a byte
 * below 0x20 or equal to 0x5C (after xor, zero) sets its top bit in the masks below. */
static bool plain_run(const unsigned char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t bad = 0;
	size_t k = 0;
	for (; k + 8 <= n; k += 8) {
		uint64_t x, y;
		memcpy(&x, s + k, 8);
		y = x ^ (ones * '\\');
		bad |= ((x - ones * 0x20) & ~x) | ((y - ones) & ~y);
	}
	bool tail_bad = false;
	for (; k < n; k++)
		tail_bad |= s[k] < 0x20 || s[k] == '\\';
	return !(bad & high) && !tail_bad;
}

static bool scan_string(struct scan *p, int key, int *out)
{
	size_t start = ++p->i;
	bool escaped = false;
	/* Most strings have no escape: find the quote, check what is before it. */
	const unsigned char *q = memchr(p->s + start, '"', p->len - start);
	if (q && plain_run(p->s + start, (size_t)(q - p->s) - start)) {
		p->i = (size_t)(q - p->s);
	} else {
		while (p->i < p->len && p->s[p->i] != '"') {
			unsigned char c = p->s[p->i];
			if (c < 0x20)
				return false;
			if (c != '\\') {
				p->i++;
				continue;
			}
			escaped = true;
			if (p->i + 1 >= p->len)
				return false;
			unsigned cp;
			size_t n = strchr("\"\\/bfnrt", p->s[p->i + 1]) && p->s[p->i + 1] ? 2
				 : p->s[p->i + 1] == 'u' ? escape_u(p->s + p->i, p->len - p->i, &cp)
				 : 0;
			if (!n)
				return false;
			p->i += n;
		}
	}
	if (p->i >= p->len || (escaped && out)) /* keys are compared as written */
		return false;
	int t = push(p, SL_JSTRING, start, key);
	p->j->tok[t].len = (unsigned)(p->i - start);
	p->j->tok[t].escaped = escaped;
	p->i++;
	if (out)
		*out = t;
	return true;
}

static bool digits(struct scan *p)
{
	size_t from = p->i;
	while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i > from;
}

static bool scan_number(struct scan *p, int key)
{
	size_t start = p->i;
	if (p->s[p->i] == '-')
		p->i++;
	if (p->i < p->len && p->s[p->i] == '0')
		p->i++;
	else if (p->i >= p->len || p->s[p->i] < '1' || p->s[p->i] > '9' || !digits(p))
		return false;
	if (p->i < p->len && p->s[p->i] == '.' && (p->i++, !digits(p)))
		return false;
	if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digits(p))
			return false;
	}
	if (p->i - start > MAX_NUMBER)
		return false;
	int t = push(p, SL_JNUMBER, start, key);
	p->j->tok[t].len = (unsigned)(p->i - start);
	return true;
}

static bool scan_value(struct scan *p, int key, int depth);

/* An array or an object: members are a key token followed by the value's tokens. */
static bool scan_container(struct scan *p, int key, int depth)
{
	bool obj = p->s[p->i] == '{';
	char close = obj ? '}' : ']';
	if (depth >= MAX_DEPTH)
		return false;
	int me = push(p, obj ? SL_JOBJECT : SL_JARRAY, p->i, key);
	p->i++;
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == close) {
		p->i++;
	} else {
		for (;;) {
			int k = -1;
			skip_ws(p);
			if (obj) {
				if (p->i >= p->len || p->s[p->i] != '"' || !scan_string(p, -1, &k))
					return false;
				skip_ws(p);
				if (p->i >= p->len || p->s[p->i] != ':')
					return false;
				p->i++;
				skip_ws(p);
			}
			if (!scan_value(p, k, depth + 1))
				return false;
			skip_ws(p);
			if (p->i < p->len && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->len && p->s[p->i] == close) {
				p->i++;
				break;
			}
			return false;
		}
	}
	p->j->tok[me].len = (unsigned)(p->i - p->j->tok[me].start);
	p->j->tok[me].end = (unsigned)p->j->n;
	return true;
}

static bool literal(struct scan *p, const char *word, enum sl_jtype type, int key)
{
	size_t n = strlen(word);
	if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
		return false;
	int t = push(p, type, p->i, key);
	p->j->tok[t].len = (unsigned)n;
	p->i += n;
	return true;
}

static bool scan_value(struct scan *p, int key, int depth)
{
	if (p->i >= p->len)
		return false;
	size_t first = p->j->n;
	bool ok;
	switch (p->s[p->i]) {
	case '{':
	case '[': ok = scan_container(p, key, depth); break;
	case '"': ok = scan_string(p, key, NULL); break;
	case 't': ok = literal(p, "true", SL_JTRUE, key); break;
	case 'f': ok = literal(p, "false", SL_JFALSE, key); break;
	case 'n': ok = literal(p, "null", SL_JNULL, key); break;
	default: ok = p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9')
		? scan_number(p, key) : false;
	}
	if (ok && p->j->tok[first].type != SL_JOBJECT && p->j->tok[first].type != SL_JARRAY)
		p->j->tok[first].end = (unsigned)p->j->n;
	return ok;
}

bool sl_jscan_parse(struct sl_jscan *j, const char *text, size_t len)
{
	j->src = text;
	j->n = 0;
	if (len >= (1u << 28)) /* offsets are 28 bits */
		return false;
	struct scan p = { j, (const unsigned char *)text, len, 0 };
	skip_ws(&p);
	if (!scan_value(&p, -1, 0))
		return false;
	skip_ws(&p);
	return p.i == len;
}

enum sl_jtype sl_jscan_type(const struct sl_jscan *j, int v)
{
	return v < 0 ? SL_JNULL : (enum sl_jtype)j->tok[v].type;
}

const char *sl_jscan_key(const struct sl_jscan *j, int v, size_t *len)
{
	if (v < 0 || j->tok[v].key < 0)
		return NULL;
	*len = j->tok[j->tok[v].key].len;
	return j->src + j->tok[j->tok[v].key].start;
}

int sl_jscan_child(const struct sl_jscan *j, int v)
{
	if (v < 0 || (j->tok[v].type != SL_JOBJECT && j->tok[v].type != SL_JARRAY) ||
	    j->tok[v].end == (unsigned)v + 1)
		return -1;
	return v + 1 + (j->tok[v].type == SL_JOBJECT); /* past the first key */
}

int sl_jscan_next(const struct sl_jscan *j, int parent, int v)
{
	unsigned e = j->tok[v].end;
	if (e >= j->tok[parent].end)
		return -1;
	return (int)e + (j->tok[parent].type == SL_JOBJECT);
}

int sl_jscan_count(const struct sl_jscan *j, int v)
{
	int n = 0;
	for (int c = sl_jscan_child(j, v); c >= 0; c = sl_jscan_next(j, v, c))
		n++;
	return n;
}

int sl_jscan_get(const struct sl_jscan *j, int obj, const char *key)
{
	if (sl_jscan_type(j, obj) != SL_JOBJECT)
		return -1;
	size_t n = strlen(key);
	/* members are key, value...: walk the keys (the hot lookup of every chunk) */
	for (unsigned k = (unsigned)obj + 1, end = j->tok[obj].end; k < end; k = j->tok[k + 1].end) {
		const struct sl_jtok *t = &j->tok[k];
		if (t->len == n && memcmp(j->src + t->start, key, n) == 0)
			return (int)k + 1;
	}
	return -1;
}

static void put_utf8(struct sl_buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sl_buf_append(b, u, n);
}

const char *sl_jscan_str(struct sl_jscan *j, int v, size_t *len)
{
	if (sl_jscan_type(j, v) != SL_JSTRING)
		return NULL;
	const struct sl_jtok *t = &j->tok[v];
	const unsigned char *s = (const unsigned char *)j->src + t->start, *end = s + t->len;
	sl_buf_reset(&j->str);
	sl_buf_append(&j->str, "", 0); /* terminated even when empty */
	while (s < end) {
		const unsigned char *bs = t->escaped ? memchr(s, '\\', (size_t)(end - s)) : NULL;
		if (!bs) {
			sl_buf_append(&j->str, s, (size_t)(end - s));
			break;
		}
		sl_buf_append(&j->str, s, (size_t)(bs - s));
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *f = bs[1] != 'u' ? strchr(from, bs[1]) : NULL;
		if (f) {
			sl_buf_putc(&j->str, to[f - from]);
			s = bs + 2;
		} else {
			unsigned cp = 0;
			s = bs + escape_u(bs, (size_t)(end - bs), &cp); /* checked by the scan */
			put_utf8(&j->str, cp);
		}
	}
	if (len)
		*len = j->str.len;
	return j->str.data ? j->str.data : "";
}

double sl_jscan_num(const struct sl_jscan *j, int v)
{
	if (sl_jscan_type(j, v) != SL_JNUMBER)
		return NAN;
	/* cJSON hands strtod the number with the locale's decimal point */
	char num[MAX_NUMBER + 1];
	const struct sl_jtok *t = &j->tok[v];
	memcpy(num, j->src + t->start, t->len);
	num[t->len] = '\0';
	char *dot = strchr(num, '.');
	if (dot)
		*dot = localeconv()->decimal_point[0];
	return strtod(num, NULL);
}
