#include "shortlist/util.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <openssl/evp.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "shortlist: out of memory allocating %zu bytes\n", n);
	abort();
}

void *sl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *sl_xcalloc(size_t count, size_t n)
{
	void *p = calloc(count ? count : 1, n ? n : 1);
	if (!p)
		out_of_memory(count * n);
	return p;
}

void *sl_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

char *sl_xstrdup(const char *s)
{
	return sl_xstrndup(s, strlen(s));
}

char *sl_xstrndup(const char *s, size_t n)
{
	char *p = sl_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sl_xvasprintf(const char *fmt, va_list ap)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_vprintf(&b, fmt, ap);
	return sl_buf_steal(&b);
}

char *sl_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = sl_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void sl_buf_init(struct sl_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void sl_buf_free(struct sl_buf *b)
{
	free(b->data);
	sl_buf_init(b);
}

void sl_buf_reset(struct sl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void sl_buf_reserve(struct sl_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = sl_xrealloc(b->data, cap);
	b->cap = cap;
}

void sl_buf_append(struct sl_buf *b, const void *data, size_t n)
{
	sl_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sl_buf_puts(struct sl_buf *b, const char *s)
{
	sl_buf_append(b, s, strlen(s));
}

void sl_buf_putc(struct sl_buf *b, char c)
{
	sl_buf_append(b, &c, 1);
}

void sl_buf_vprintf(struct sl_buf *b, const char *fmt, va_list ap)
{
	/* Print straight into the spare room; only a long result needs a second pass. */
	sl_buf_reserve(b, 64);
	size_t room = b->cap - b->len;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(b->data + b->len, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		sl_buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void sl_buf_consume(struct sl_buf *b, size_t n)
{
	if (n >= b->len) {
		sl_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *sl_buf_steal(struct sl_buf *b)
{
	char *s = b->data ? b->data : sl_xstrdup("");
	sl_buf_init(b);
	return s;
}

void sl_error_set(struct sl_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (!err->code)
		err->code = SL_EXIT_USAGE;
}

void sl_error_clear(struct sl_error *err)
{
	if (!err)
		return;
	err->msg[0] = '\0';
	err->code = 0;
}

int64_t sl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sl_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sl_iso8601(int64_t wall_ms, char out[32])
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void hex_digest(const unsigned char *md, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* SHA-256 fetched from the provider once: EVP_sha256() makes OpenSSL 3 look it up again on
 * every digest, a third of the cost of hashing a cell's cache key. */
static const EVP_MD *sha256_md(void)
{
	static EVP_MD *md;
	if (!md)
		md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	return md ? md : EVP_sha256();
}

void sl_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, sha256_md(), NULL);
	hex_digest(md, out);
}

struct sl_sha256 *sl_sha256_begin(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, sha256_md(), NULL) != 1)
		abort(); /* out of memory, as sl_xmalloc */
	return (struct sl_sha256 *)c;
}

void sl_sha256_update(struct sl_sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate((EVP_MD_CTX *)h, data, len);
}

void sl_sha256_end(struct sl_sha256 *h, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_DigestFinal_ex((EVP_MD_CTX *)h, md, &mdlen);
	EVP_MD_CTX_free((EVP_MD_CTX *)h);
	hex_digest(md, out);
}

char *sl_read_file(const char *path, size_t *len_out, struct sl_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sl_error_set(err, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	struct sl_buf b;
	sl_buf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sl_buf_append(&b, chunk, n);
	if (ferror(f)) {
		sl_error_set(err, "cannot read %s: %s", path, strerror(errno));
		fclose(f);
		sl_buf_free(&b);
		return NULL;
	}
	fclose(f);
	if (len_out)
		*len_out = b.len;
	return sl_buf_steal(&b);
}

int sl_mkdirs(const char *path, struct sl_error *err)
{
	char *p = sl_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			sl_error_set(err, "cannot create directory %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		sl_error_set(err, "cannot create directory %s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

/* Renaming over a device (as root, `-o /dev/null`) would replace it with a plain file:
 * only a regular file, or a path that does not exist yet, is replaced by rename. */
static bool replace_by_rename(const char *path)
{
	struct stat st;
	return stat(path, &st) != 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

int sl_outfile_open(struct sl_outfile *o, const char *path, struct sl_error *err)
{
	memset(o, 0, sizeof *o);
	o->path = path;
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	/* Through a symlink, replace the file it points to, not the link. */
	struct stat lst;
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		o->resolved = realpath(path, NULL);
	if (o->resolved)
		o->path = o->resolved;
	if (!replace_by_rename(o->path)) {
		o->f = fopen(o->path, "w");
	} else {
		o->tmp = sl_xasprintf("%s.tmp-XXXXXX", o->path);
		int fd = mkstemp(o->tmp);
		/* mkstemp makes it 0600: give the file the mode a plain create would. */
		mode_t um = umask(0);
		umask(um);
		if (fd >= 0)
			fchmod(fd, 0666 & ~um);
		o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!o->f && fd >= 0)
			close(fd);
	}
	if (!o->f) {
		sl_error_set(err, "cannot write %s: %s", path, strerror(errno));
		if (o->tmp)
			unlink(o->tmp);
		free(o->tmp);
		free(o->resolved);
		memset(o, 0, sizeof *o);
		return -1;
	}
	return 0;
}

int sl_outfile_close(struct sl_outfile *o, bool ok, struct sl_error *err)
{
	if (!o->f)
		return -1;
	int rc = ok ? 0 : -1;
	if (o->f == stdout) {
		if (fflush(stdout) != 0 && ok) {
			sl_error_set(err, "writing standard output failed: %s", strerror(errno));
			rc = -1;
		}
	} else if (o->tmp && ok && (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0)) {
		/* on disk before the rename makes it visible */
		sl_error_set(err, "writing %s failed: %s", o->path, strerror(errno));
		fclose(o->f);
		rc = -1;
	} else if (fclose(o->f) != 0 && ok) {
		sl_error_set(err, "writing %s failed: %s", o->path, strerror(errno));
		rc = -1;
	}
	if (o->tmp) {
		if (rc == 0 && rename(o->tmp, o->path) != 0) {
			sl_error_set(err, "cannot write %s: %s", o->path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(o->tmp);
		free(o->tmp);
	}
	free(o->resolved);
	memset(o, 0, sizeof *o);
	return rc;
}

int sl_write_file_atomic(const char *path, const void *data, size_t len, struct sl_error *err)
{
	struct sl_outfile o;
	if (sl_outfile_open(&o, path, err) != 0)
		return -1;
	bool ok = fwrite(data, 1, len, o.f) == len;
	if (!ok)
		sl_error_set(err, "cannot write %s: %s", path, strerror(errno));
	return sl_outfile_close(&o, ok, err);
}

bool sl_str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* [start, end) of the userinfo of url ("user:pw" before an '@' in the authority). */
static bool url_userinfo_span(const char *url, const char **start, const char **end)
{
	const char *s = url ? strstr(url, "://") : NULL;
	if (!s)
		return false;
	s += 3;
	const char *at = NULL;
	for (const char *q = s; *q && !strchr("/?#", *q); q++)
		if (*q == '@')
			at = q;
	if (!at)
		return false;
	*start = s;
	*end = at;
	return true;
}

char *sl_url_redact(const char *url)
{
	const char *start, *end;
	if (!url_userinfo_span(url, &start, &end))
		return url ? sl_xstrdup(url) : NULL;
	return sl_xasprintf("%.*s[credentials]%s", (int)(start - url), url, end);
}

char *sl_url_userinfo(const char *url)
{
	const char *start, *end;
	if (!url_userinfo_span(url, &start, &end))
		return NULL;
	return sl_xstrndup(start, (size_t)(end - start + 1));
}

void sl_str_redact(char **msg, const char *secret, const char *mark)
{
	size_t len = secret ? strlen(secret) : 0;
	char *hit, *from = *msg;
	while (len && from && (hit = strstr(from, secret))) {
		size_t at = (size_t)(hit - *msg);
		char *clean = sl_xasprintf("%.*s%s%s", (int)at, *msg, mark, hit + len);
		free(*msg);
		*msg = clean;
		from = clean + at + strlen(mark);
	}
}

bool sl_str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

const char *sl_strcasestr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return haystack;
	for (; *haystack; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return haystack;
	return NULL;
}

struct json_scope {
	bool object, want_key;
	size_t *keys; /* offset and length of each key seen, in pairs */
	size_t n_keys, cap_keys;
};

long sl_json_duplicate_key(const char *text, size_t len, char *key, size_t keysz)
{
	struct json_scope *stack = NULL;
	size_t depth = 0, cap = 0;
	long found = -1;
	for (size_t i = 0; i < len && found < 0; i++) {
		char ch = text[i];
		struct json_scope *top = depth ? &stack[depth - 1] : NULL;
		if (ch == '"') {
			size_t start = ++i;
			while (i < len && text[i] != '"')
				i += text[i] == '\\' ? 2 : 1;
			size_t n = (i < len ? i : len) - start;
			if (!top || !top->object || !top->want_key)
				continue;
			top->want_key = false;
			for (size_t k = 0; k < top->n_keys; k += 2)
				if (top->keys[k + 1] == n && memcmp(text + top->keys[k], text + start, n) == 0) {
					found = (long)start - 1;
					snprintf(key, keysz, "%.*s", (int)n, text + start);
				}
			if (top->n_keys + 2 > top->cap_keys) {
				top->cap_keys = top->cap_keys ? top->cap_keys * 2 : 16;
				top->keys = sl_xrealloc(top->keys, top->cap_keys * sizeof *top->keys);
			}
			top->keys[top->n_keys++] = start;
			top->keys[top->n_keys++] = n;
		} else if (ch == '{' || ch == '[') {
			if (depth == cap) {
				cap = cap ? cap * 2 : 8;
				stack = sl_xrealloc(stack, cap * sizeof *stack);
			}
			stack[depth++] = (struct json_scope){ .object = ch == '{', .want_key = ch == '{' };
		} else if ((ch == '}' || ch == ']') && top) {
			free(top->keys);
			depth--;
		} else if (ch == ',' && top && top->object) {
			top->want_key = true;
		}
	}
	while (depth)
		free(stack[--depth].keys);
	free(stack);
	return found;
}

void sl_json_add_number(struct cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

void sl_buf_json_number(struct sl_buf *b, double v)
{
	if (!isfinite(v)) {
		sl_buf_puts(b, "null");
		return;
	}
	/* cJSON's rule: 15 significant digits unless they do not read back as v (within an
	 * epsilon), then 17; the locale's decimal point as '.'. A whole number within int
	 * (but -0) comes out the same as %d, which is cheaper. */
	char s[32];
	int i = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
	if (v == (double)i && (i != 0 || !signbit(v))) {
		snprintf(s, sizeof s, "%d", i);
	} else {
		snprintf(s, sizeof s, "%1.15g", v);
		double back = strtod(s, NULL);
		if (!(fabs(back - v) <= fmax(fabs(back), fabs(v)) * DBL_EPSILON))
			snprintf(s, sizeof s, "%1.17g", v);
	}
	char point = *localeconv()->decimal_point;
	for (char *c = s; *c; c++)
		if (*c == point)
			*c = '.';
	sl_buf_puts(b, s);
}

void sl_buf_json_string(struct sl_buf *b, const char *s)
{
	sl_buf_putc(b, '"');
	for (const unsigned char *c = (const unsigned char *)s;; c++) {
		const unsigned char *run = c;
		while (*c > 31 && *c != '"' && *c != '\\')
			c++;
		sl_buf_append(b, run, (size_t)(c - run));
		if (!*c)
			break;
		const char *esc = *c == '"' ? "\\\"" : *c == '\\' ? "\\\\" : *c == '\b' ? "\\b"
			: *c == '\f' ? "\\f" : *c == '\n' ? "\\n" : *c == '\r' ? "\\r"
			: *c == '\t' ? "\\t" : NULL;
		if (esc)
			sl_buf_puts(b, esc);
		else
			sl_buf_printf(b, "\\u%04x", *c);
	}
	sl_buf_putc(b, '"');
}
