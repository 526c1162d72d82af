/* Small helpers every module uses: allocation that never returns NULL, a growable
 * byte buffer, error messages that travel up to the front end, clocks and hashes. */
#ifndef SHORTLIST_UTIL_H
#define SHORTLIST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define SL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SL_PRINTF(fmt, args)
#endif

/* Out of memory is not recoverable for an interactive tool: abort with a message. */
void *sl_xmalloc(size_t n);
void *sl_xcalloc(size_t count, size_t n);
void *sl_xrealloc(void *p, size_t n);
char *sl_xstrdup(const char *s);
char *sl_xstrndup(const char *s, size_t n);
char *sl_xasprintf(const char *fmt, ...) SL_PRINTF(1, 2);
char *sl_xvasprintf(const char *fmt, va_list ap);

/* A growable, always NUL-terminated byte buffer. */
struct sl_buf {
	char *data;
	size_t len;
	size_t cap;
};

void sl_buf_init(struct sl_buf *b);
void sl_buf_free(struct sl_buf *b);
void sl_buf_reset(struct sl_buf *b);
void sl_buf_reserve(struct sl_buf *b, size_t extra);
void sl_buf_append(struct sl_buf *b, const void *data, size_t n);
void sl_buf_puts(struct sl_buf *b, const char *s);
void sl_buf_putc(struct sl_buf *b, char c);
void sl_buf_printf(struct sl_buf *b, const char *fmt, ...) SL_PRINTF(2, 3);
void sl_buf_vprintf(struct sl_buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (used by incremental stream parsers). */
void sl_buf_consume(struct sl_buf *b, size_t n);
/* Hand the string to the caller and leave the buffer empty. */
char *sl_buf_steal(struct sl_buf *b);

/* An error message for the user: what failed and what to change. Functions that can fail
 * return -1 (or NULL) and fill one of these; front ends print msg and choose the exit code. */
struct sl_error {
	char msg[1024];
	int code; /* SL_EXIT_* the front end should use */
};

enum {
	SL_EXIT_OK = 0,
	SL_EXIT_GATE = 1,       /* a quality gate failed */
	SL_EXIT_USAGE = 2,      /* bad usage, bad configuration, bad input, unusable database */
	SL_EXIT_INCOMPLETE = 3, /* a run could not finish every cell */
};

void sl_error_set(struct sl_error *err, const char *fmt, ...) SL_PRINTF(2, 3);
void sl_error_clear(struct sl_error *err);

/* Clocks: monotonic for measuring, wall for recording. */
int64_t sl_now_ns(void);       /* CLOCK_MONOTONIC */
int64_t sl_wall_ms(void);      /* ms since the epoch */
void sl_iso8601(int64_t wall_ms, char out[32]); /* 2026-11-28T13:04:05Z */

/* SHA-256 of bytes as 64 lowercase hex characters plus NUL. */
void sl_sha256_hex(const void *data, size_t len, char out[65]);
/* The same over bytes that arrive in pieces (a file read as a stream). */
struct sl_sha256;
struct sl_sha256 *sl_sha256_begin(void);
void sl_sha256_update(struct sl_sha256 *h, const void *data, size_t len);
void sl_sha256_end(struct sl_sha256 *h, char out[65]); /* frees h */

/* Read a whole file; NULL with err set (naming the path) on failure. */
char *sl_read_file(const char *path, size_t *len_out, struct sl_error *err);
/* An output file that appears whole or not at all: written to a temp file in the same
 * directory and renamed over path by sl_outfile_close(ok = true); removed otherwise.
 * "-" or NULL is stdout; a device or pipe (/dev/null, /dev/stdout) is written in place;
 * a symlink keeps pointing where it did (its target is replaced). */
struct sl_outfile {
	FILE *f;
	const char *path;
	char *tmp;
	char *resolved; /* the file a symlink path points to */
};
int sl_outfile_open(struct sl_outfile *o, const char *path, struct sl_error *err);
int sl_outfile_close(struct sl_outfile *o, bool ok, struct sl_error *err);

/* Write atomically: temp file in the same directory, fsync, rename (in place for devices). */
int sl_write_file_atomic(const char *path, const void *data, size_t len, struct sl_error *err);
/* mkdir -p */
int sl_mkdirs(const char *path, struct sl_error *err);

bool sl_str_starts_with(const char *s, const char *prefix);
bool sl_str_ends_with(const char *s, const char *suffix);
/* Case-insensitive substring search (ASCII). */
const char *sl_strcasestr(const char *haystack, const char *needle);
/* A copy of url without credentials: "http://user:pw@host/x" -> "http://[credentials]@host/x"
 * (NULL stays NULL). For anything stored or shown. */
char *sl_url_redact(const char *url);
/* The "user:pw@" of url (NULL if none): what to hide where a server may echo the URL. */
char *sl_url_userinfo(const char *url);
/* Replace every occurrence of secret (if not NULL or empty) in *msg (may be NULL) by mark. */
void sl_str_redact(char **msg, const char *secret, const char *mark);

/* In a valid JSON document, the byte offset of the first key that its object already has
 * (cJSON keeps both and reads the first, so the second would be ignored silently); -1 if
 * none. key gets the key as written (cut to keysz). */
long sl_json_duplicate_key(const char *text, size_t len, char *key, size_t keysz);

/* s as a JSON string exactly as cJSON_PrintUnformatted writes it (what must hash or compare
 * the same as before, written without building a tree). */
void sl_buf_json_string(struct sl_buf *b, const char *s);
/* v as sl_json_add_number then cJSON_PrintUnformatted write it: null when not finite. */
void sl_buf_json_number(struct sl_buf *b, double v);

struct cJSON;
/* Add v under key, or null when v is not finite: unknown is never written as a number. */
void sl_json_add_number(struct cJSON *o, const char *key, double v);

#endif
