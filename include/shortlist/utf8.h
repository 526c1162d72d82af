/* UTF-8 text: decoding, validation, cutting, display width, case and word classes. Every
 * module that looks inside text goes through here, so an invalid byte is handled one way
 * everywhere: it is one bad character, never fatal. Nothing here depends on the process
 * locale: classes, case and widths are those of C.UTF-8 (glibc's Unicode tables). */
#ifndef SHORTLIST_UTF8_H
#define SHORTLIST_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

#define SL_UTF8_REPLACEMENT 0xFFFDu
/* An invalid byte decodes to SL_UTF8_BAD + byte: outside Unicode, so two different bad
 * bytes never compare equal to each other or to real text. */
#define SL_UTF8_BAD 0x110000u

static inline bool sl_utf8_is_bad(uint32_t cp)
{
	return cp >= SL_UTF8_BAD;
}

/* Decode the character at s (n >= 1 bytes available): returns its length in bytes and
 * stores its code point. A stray continuation byte, a truncated or overlong sequence, a
 * surrogate or a value above U+10FFFF is one bad byte: length 1, SL_UTF8_BAD + byte. */
size_t sl_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encode a code point (a bad one as U+FFFD); returns the length (1-4). */
size_t sl_utf8_encode(uint32_t cp, char out[4]);
void sl_utf8_append(struct sl_buf *b, uint32_t cp);

/* Offset of the first invalid byte in s[0..len), or len when all of it is valid. */
size_t sl_utf8_check(const char *s, size_t len);
/* 0 when text[0..len) is valid UTF-8; else -1 with err "path:line:col: not valid UTF-8 ..."
 * (exit code 2): input files are rejected, never stored or sent half-decoded. */
int sl_utf8_require(const char *text, size_t len, const char *path, struct sl_error *err);
/* The same for text that starts a line of a file at its line first_line (a file read in
 * pieces that end at line ends). */
int sl_utf8_require_at(const char *text, size_t len, const char *path, int first_line,
		       struct sl_error *err);
/* Code points in the NUL-terminated s (a bad byte counts as one). */
size_t sl_utf8_count(const char *s);
/* The longest prefix of s of at most max bytes that does not end inside a character. */
size_t sl_utf8_prefix(const char *s, size_t max);
/* Where the character before byte offset off of s starts (for backspace). */
size_t sl_utf8_back(const char *s, size_t off);
/* 1-based line and column (in characters) of byte offset off in text. */
void sl_utf8_position(const char *text, size_t off, int *line, int *col);

/* The character a display shows for cp: bad bytes and C1 controls as U+FFFD, C0 controls
 * and DEL as their Unicode control pictures (U+2400-U+2421), so untrusted text can never
 * move the cursor or switch a terminal's modes. */
uint32_t sl_utf8_visible(uint32_t cp);
/* Terminal columns of cp as shown by sl_utf8_visible: 0 for combining marks, 2 for wide
 * (East Asian, emoji), else 1. */
int sl_utf8_cp_width(uint32_t cp);
/* Columns of the NUL-terminated s. */
int sl_utf8_width(const char *s);
/* Bytes of s that fit in max_w columns (whole characters only). */
size_t sl_utf8_fit(const char *s, int max_w);
/* Append s[0..n) to b as sl_utf8_visible shows it: valid UTF-8 with no control character. */
void sl_utf8_sanitize(struct sl_buf *b, const char *s, size_t n);

/* NULL when s is valid UTF-8; else a newly allocated copy with each bad byte replaced by
 * U+FFFD, for JSON output that must stay valid UTF-8 whatever a model or file sent. */
char *sl_utf8_repair(const char *s);

/* Unicode simple lowercase (towlower of C.UTF-8). */
uint32_t sl_utf8_tolower(uint32_t cp);
/* A newly allocated lowercase copy, as Python's str.lower() (U+0130 becomes "i" plus a
 * combining dot); bad bytes are kept as they were. */
char *sl_utf8_lower(const char *s);
/* A word character as Python's re \w on str: a Unicode letter or digit, or '_'. */
bool sl_utf8_is_word(uint32_t cp);
/* Whitespace as Python's str.isspace(). */
bool sl_utf8_is_space(uint32_t cp);

#endif
