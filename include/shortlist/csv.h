/* CSV (RFC 4180), read and written in one place for datasets, ratings and reports.
 * Reading is strict: quoted fields may hold commas, quotes ("") and line breaks; a quote
 * inside an unquoted field or text after a closing quote is an error naming path:line:col
 * (our own parser rather than libcsv for exactly those positions). A UTF-8 byte order mark
 * is skipped, CRLF and LF both end a record, and CRLF inside a quoted field reads as LF. */
#ifndef SHORTLIST_CSV_H
#define SHORTLIST_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shortlist/util.h"

/* A source of bytes for a streamed reader: up to n bytes into buf; 0 at the end, -1 with
 * err on failure. */
typedef long sl_csv_read_fn(void *ud, char *buf, size_t n, struct sl_error *err);

struct sl_csv_reader {
	const char *text, *path;
	size_t len, off;
	int line, col;
	/* streamed: text is buf, holding the record being read and what was read after it */
	sl_csv_read_fn *read;
	void *ud;
	char *buf;
	size_t cap;
	size_t checked;   /* buf[0..checked) was checked (text, UTF-8) */
	int checked_line; /* the line buf[checked] is on */
	bool eof, bom_seen;
};

struct sl_csv_record {
	char **fields;
	size_t n;
	int line;    /* where the record starts */
	bool quoted; /* some field was quoted: `""` is an empty value, not a blank line */
};

/* Read text[0..len) (the caller keeps it); path names the file in messages. Fails (exit
 * code 2, path:line:col) on a NUL byte or invalid UTF-8. */
int sl_csv_reader_init(struct sl_csv_reader *c, const char *text, size_t len, const char *path,
		       struct sl_error *err);
/* Read records from read(ud, ...) as they are needed, holding one record at a time (and
 * at most one read ahead): a file of any size, or a pipe. The same checks and messages,
 * each raised when the reading reaches its line. Free it with sl_csv_reader_free. */
void sl_csv_reader_stream(struct sl_csv_reader *c, sl_csv_read_fn *read, void *ud,
			  const char *path);
void sl_csv_reader_free(struct sl_csv_reader *c);
/* The next record: 1, 0 at the end, -1 with err ("path:line:col: ...", code 2). The record
 * is the caller's: sl_csv_record_clear it. */
int sl_csv_read(struct sl_csv_reader *c, struct sl_csv_record *r, struct sl_error *err);
/* An empty line (not `""`): callers skip these, as editors leave them at the end of files. */
bool sl_csv_record_blank(const struct sl_csv_record *r);
void sl_csv_record_clear(struct sl_csv_record *r);

/* Write one field, quoted only when it holds a comma, quote or line break (NULL is empty),
 * then sep (',' between fields, '\n' at the end of a record: written as CRLF as RFC 4180
 * says). */
void sl_csv_write_field(FILE *f, const char *s, char sep);
/* A number with 10 significant digits; NaN and infinities are an empty field. */
void sl_csv_write_num(FILE *f, double v, char sep);

#endif
