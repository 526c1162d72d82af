/* CSV reading and writing (see csv.h). */
#include "shortlist/csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/utf8.h"

int sl_csv_reader_init(struct sl_csv_reader *c, const char *text, size_t len, const char *path,
		       struct sl_error *err)
{
	memset(c, 0, sizeof *c);
	c->path = path;
	c->line = c->col = 1;
	if (memchr(text, 0, len)) {
		sl_error_set(err, "%s: contains a NUL byte: not a text file", path);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	/* a UTF-8 byte order mark from spreadsheet programs */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (sl_utf8_require(text, len, path, err) != 0)
		return -1;
	c->text = text;
	c->len = len;
	return 0;
}

void sl_csv_reader_stream(struct sl_csv_reader *c, sl_csv_read_fn *read, void *ud,
			  const char *path)
{
	memset(c, 0, sizeof *c);
	c->path = path;
	c->line = c->col = c->checked_line = 1;
	c->read = read;
	c->ud = ud;
}

void sl_csv_reader_free(struct sl_csv_reader *c)
{
	free(c->buf);
	c->buf = NULL;
	c->text = NULL;
}

/* Check buf[checked..end) (whole lines, or the rest at the end: a UTF-8 sequence never
 * spans a line end) as sl_csv_reader_init checks a whole text. */
static int check_text(struct sl_csv_reader *c, size_t end, struct sl_error *err)
{
	const char *t = c->buf + c->checked;
	size_t n = end - c->checked;
	if (memchr(t, 0, n)) {
		sl_error_set(err, "%s: contains a NUL byte: not a text file", c->path);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	if (sl_utf8_require_at(t, n, c->path, c->checked_line, err) != 0)
		return -1;
	for (const char *p = t; (p = memchr(p, '\n', (size_t)(t + n - p))) != NULL; p++)
		c->checked_line++;
	c->checked = end;
	return 0;
}

/* Read more: what was read before the current record is dropped first. */
static int refill(struct sl_csv_reader *c, struct sl_error *err)
{
	if (c->off) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->checked -= c->off;
		c->off = 0;
	}
	if (c->len == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64 * 1024;
		c->buf = sl_xrealloc(c->buf, c->cap);
	}
	c->text = c->buf;
	long got = c->read(c->ud, c->buf + c->len, c->cap - c->len, err);
	if (got < 0)
		return -1;
	c->len += (size_t)got;
	c->eof = got == 0;
	/* a UTF-8 byte order mark from spreadsheet programs */
	if (!c->bom_seen && (c->len >= 3 || c->eof)) {
		c->bom_seen = true;
		if (c->len >= 3 && memcmp(c->buf, "\xef\xbb\xbf", 3) == 0) {
			memmove(c->buf, c->buf + 3, c->len - 3);
			c->len -= 3;
		}
	}
	if (!c->bom_seen)
		return 0;
	size_t end = c->len;
	while (!c->eof && end > c->checked && c->buf[end - 1] != '\n' && c->buf[end - 1] != '\r')
		end--;
	return check_text(c, end, err);
}

/* Until the buffer holds the whole next record and the byte after it (or the end): a line
 * end outside quotes (an even number of '"' since the record began: "" inside a quoted
 * field counts twice). A malformed record ends where the parser finds it wrong. */
static int have_record(struct sl_csv_reader *c, struct sl_error *err)
{
	size_t p = 0; /* scanned: buf[off..off+p) */
	bool quoted = false;
	for (;;) {
		for (; c->bom_seen && c->off + p < c->len; p++) {
			char ch = c->buf[c->off + p];
			if (ch == '"') {
				quoted = !quoted;
			} else if (!quoted && (ch == '\n' || ch == '\r')) {
				if (c->off + p + 1 < c->len || c->eof)
					return 0;
				break; /* CR or CRLF: the next byte says */
			}
		}
		if (c->eof)
			return 0;
		if (refill(c, err) != 0)
			return -1;
	}
}

void sl_csv_record_clear(struct sl_csv_record *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->fields[i]);
	free(r->fields);
	memset(r, 0, sizeof *r);
}

bool sl_csv_record_blank(const struct sl_csv_record *r)
{
	return r->n == 1 && r->fields[0][0] == '\0' && !r->quoted;
}

static void advance(struct sl_csv_reader *c)
{
	unsigned char ch = (unsigned char)c->text[c->off++];
	if (ch == '\n') {
		c->line++;
		c->col = 1;
	} else if ((ch & 0xc0) != 0x80) { /* the text is valid UTF-8: count lead bytes */
		c->col++;
	}
}

static int fail(struct sl_csv_record *r, struct sl_buf *field, struct sl_error *err)
{
	sl_buf_free(field);
	sl_csv_record_clear(r);
	if (err)
		err->code = SL_EXIT_USAGE;
	return -1;
}

int sl_csv_read(struct sl_csv_reader *c, struct sl_csv_record *r, struct sl_error *err)
{
	memset(r, 0, sizeof *r);
	if (c->read && have_record(c, err) != 0)
		return -1;
	if (c->off >= c->len)
		return 0;
	r->line = c->line;
	struct sl_buf field;
	sl_buf_init(&field);
	for (;;) {
		sl_buf_reset(&field);
		sl_buf_puts(&field, "");
		if (c->off < c->len && c->text[c->off] == '"') {
			int qline = c->line, qcol = c->col;
			r->quoted = true;
			advance(c);
			for (;;) {
				if (c->off >= c->len) {
					sl_error_set(err, "%s:%d:%d: quoted field is never closed (a '\"' "
						     "inside a quoted field is written '\"\"')", c->path,
						     qline, qcol);
					return fail(r, &field, err);
				}
				char ch = c->text[c->off];
				if (ch == '"') {
					if (c->off + 1 < c->len && c->text[c->off + 1] == '"') {
						sl_buf_putc(&field, '"');
						advance(c);
						advance(c);
						continue;
					}
					advance(c);
					break;
				}
				/* CRLF inside a quoted field is kept as LF (a file saved on Windows
				 * must not change a prompt's rendering) */
				if (!(ch == '\r' && c->off + 1 < c->len && c->text[c->off + 1] == '\n'))
					sl_buf_putc(&field, ch);
				advance(c);
			}
			if (c->off < c->len && c->text[c->off] != ',' && c->text[c->off] != '\n' &&
			    c->text[c->off] != '\r') {
				sl_error_set(err, "%s:%d:%d: unexpected '%c' after a closing quote "
					     "(expected ',' or the end of the line)", c->path, c->line,
					     c->col, c->text[c->off]);
				return fail(r, &field, err);
			}
		} else {
			while (c->off < c->len) {
				char ch = c->text[c->off];
				if (ch == ',' || ch == '\n' || ch == '\r')
					break;
				if (ch == '"') {
					sl_error_set(err, "%s:%d:%d: '\"' inside an unquoted field (quote "
						     "the whole field and double the quote: \"a \"\"b\"\"\")",
						     c->path, c->line, c->col);
					return fail(r, &field, err);
				}
				sl_buf_putc(&field, ch);
				advance(c);
			}
		}
		r->fields = sl_xrealloc(r->fields, (r->n + 1) * sizeof *r->fields);
		r->fields[r->n++] = sl_buf_steal(&field);
		if (c->off >= c->len)
			break;
		char ch = c->text[c->off];
		if (ch == ',') {
			advance(c);
			continue;
		}
		advance(c);
		if (ch == '\r') { /* CRLF or a lone CR (old Mac files) */
			if (c->off < c->len && c->text[c->off] == '\n') {
				advance(c);
			} else {
				c->line++;
				c->col = 1;
			}
		}
		break;
	}
	sl_buf_free(&field);
	return 1;
}

void sl_csv_write_field(FILE *f, const char *s, char sep)
{
	s = s ? s : "";
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	if (sep == '\n')
		fputs("\r\n", f);
	else if (sep)
		fputc(sep, f);
}

void sl_csv_write_num(FILE *f, double v, char sep)
{
	char b[32] = "";
	if (isfinite(v))
		snprintf(b, sizeof b, "%.10g", v);
	sl_csv_write_field(f, b, sep);
}
