/* Retry policy: what to retry and how long to wait. See retry.h. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "shortlist/retry.h"

/* A server's number as a wait: NaN and negatives are no wait (-1), anything beyond
 * SL_WAIT_MS_MAX is clamped (a double that large does not fit an integer). */
static int64_t wait_ms(double ms)
{
	if (!(ms >= 0))
		return -1;
	return ms >= (double)SL_WAIT_MS_MAX ? SL_WAIT_MS_MAX : (int64_t)ms;
}

bool sl_retry_status(long status)
{
	switch (status) {
	case 408: case 409: case 429: case 500: case 502: case 503: case 504: case 529:
		return true;
	default:
		return false;
	}
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int64_t sl_backoff_ms(int retry, int64_t base_ms, int64_t cap_ms, uint64_t *rng)
{
	if (retry < 1)
		retry = 1;
	int64_t ceiling = base_ms;
	for (int i = 1; i < retry && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (ceiling <= 0)
		return 0;
	return (int64_t)(xorshift(rng) % (uint64_t)(ceiling + 1));
}

bool sl_header_value(const char *headers, size_t len, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p = headers, *end = headers + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			size_t n = (size_t)(ve - v);
			if (n >= cap)
				n = cap - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p = eol + 1;
	}
	return false;
}

int64_t sl_parse_duration_ms(const char *s)
{
	if (!s || !*s)
		return -1;
	double total = 0;
	const char *p = s;
	while (*p) {
		char *e;
		double v = strtod(p, &e);
		if (e == p || !(v >= 0) || isinf(v))
			return -1;
		p = e;
		double unit;
		if (strncmp(p, "ms", 2) == 0)
			unit = 1, p += 2;
		else if (strncmp(p, "us", 2) == 0 || strncmp(p, "\xc2\xb5s", 3) == 0)
			unit = 0.001, p += p[0] == 'u' ? 2 : 3;
		else if (strncmp(p, "ns", 2) == 0)
			unit = 1e-6, p += 2;
		else if (*p == 'h')
			unit = 3600000, p++;
		else if (*p == 'm')
			unit = 60000, p++;
		else if (*p == 's')
			unit = 1000, p++;
		else if (!*p && p == e && total == 0)
			unit = 1000, total += 0; /* a bare number: seconds */
		else
			return -1;
		total += v * unit;
	}
	return wait_ms(total + 0.999);
}

static int64_t parse_http_date(const char *v)
{
	/* IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT" */
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char mon[4];
	int d, y, hh, mm, ss;
	/* Widths bound every number: sscanf's behaviour on an out-of-range %d is undefined. */
	if (sscanf(v, "%*3s, %2d %3s %4d %2d:%2d:%2d", &d, mon, &y, &hh, &mm, &ss) != 6)
		return -1;
	struct tm tm = { .tm_mday = d, .tm_year = y - 1900, .tm_hour = hh, .tm_min = mm,
			 .tm_sec = ss, .tm_mon = -1 };
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, months[i]) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

static int64_t parse_rfc3339(const char *v)
{
	int y, mo, d, hh, mm;
	double ss;
	if (sscanf(v, "%4d-%2d-%2dT%2d:%2d:%lf", &y, &mo, &d, &hh, &mm, &ss) != 6 ||
	    !(ss >= 0 && ss < 61))
		return -1;
	struct tm tm = { .tm_mday = d, .tm_year = y - 1900, .tm_mon = mo - 1, .tm_hour = hh,
			 .tm_min = mm, .tm_sec = (int)ss };
	/* Anthropic sends UTC ("Z"); offsets are not used by the APIs we talk to. */
	return (int64_t)timegm(&tm) * 1000 + (int64_t)((ss - (int)ss) * 1000);
}

int64_t sl_retry_after_ms(const char *h, size_t len, int64_t now_wall_ms)
{
	char v[128];
	if (sl_header_value(h, len, "retry-after-ms", v, sizeof v)) {
		char *e;
		double ms = strtod(v, &e);
		if (e != v && ms >= 0)
			return wait_ms(ms);
	}
	if (sl_header_value(h, len, "retry-after", v, sizeof v)) {
		char *e;
		double secs = strtod(v, &e);
		if (e != v && *e == '\0' && secs >= 0)
			return wait_ms(secs * 1000);
		int64_t at = parse_http_date(v);
		if (at >= 0)
			return at > now_wall_ms ? at - now_wall_ms : 0;
	}
	/* OpenAI-style: wait for the limit that is exhausted (or the longer of both). */
	static const char *const kinds[] = { "requests", "tokens" };
	int64_t best = -1;
	bool any_exhausted = false;
	for (int i = 0; i < 2; i++) {
		char name[64], rem[64];
		snprintf(name, sizeof name, "x-ratelimit-remaining-%s", kinds[i]);
		bool exhausted = sl_header_value(h, len, name, rem, sizeof rem) && atof(rem) <= 0;
		snprintf(name, sizeof name, "x-ratelimit-reset-%s", kinds[i]);
		if (!sl_header_value(h, len, name, v, sizeof v))
			continue;
		int64_t ms = sl_parse_duration_ms(v);
		if (ms < 0)
			continue;
		if (exhausted && !any_exhausted) {
			any_exhausted = true;
			best = ms;
		} else if (exhausted == any_exhausted && ms > best) {
			best = ms;
		}
	}
	if (best >= 0)
		return best;
	static const char *const anth[] = { "anthropic-ratelimit-requests-reset",
					    "anthropic-ratelimit-tokens-reset",
					    "anthropic-ratelimit-input-tokens-reset",
					    "anthropic-ratelimit-output-tokens-reset" };
	for (size_t i = 0; i < sizeof anth / sizeof anth[0]; i++) {
		if (!sl_header_value(h, len, anth[i], v, sizeof v))
			continue;
		int64_t at = parse_rfc3339(v);
		if (at >= 0) {
			int64_t ms = at > now_wall_ms ? at - now_wall_ms : 0;
			if (ms > best)
				best = ms;
		}
	}
	return best;
}

int64_t sl_ratelimit_pause_ms(const char *h, size_t len, int64_t now_wall_ms)
{
	static const struct {
		const char *remaining, *reset;
		bool rfc3339;
	} pairs[] = {
		{ "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", false },
		{ "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", false },
		{ "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset", true },
		{ "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset", true },
	};
	int64_t best = -1;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		char v[128];
		if (!sl_header_value(h, len, pairs[i].remaining, v, sizeof v))
			continue;
		char *e;
		double rem = strtod(v, &e);
		/* Azure has been seen sending -1 and 0 in limits it does not enforce: only a
		 * plain 0 with a reset time counts. */
		if (e == v || rem != 0 || !sl_header_value(h, len, pairs[i].reset, v, sizeof v))
			continue;
		int64_t ms;
		if (pairs[i].rfc3339) {
			int64_t at = parse_rfc3339(v);
			ms = at < 0 ? -1 : at > now_wall_ms ? at - now_wall_ms : 0;
		} else {
			ms = sl_parse_duration_ms(v);
		}
		if (ms > best)
			best = ms;
	}
	return best;
}
