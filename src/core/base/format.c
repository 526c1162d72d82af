/* Display formatting (see format.h). */
#include "shortlist/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *unknown(char out[SL_FMT_LEN])
{
	snprintf(out, SL_FMT_LEN, "%s", SL_FMT_UNKNOWN);
	return out;
}

const char *sl_fmt_usd(double usd, char out[SL_FMT_LEN])
{
	if (!isfinite(usd))
		return unknown(out);
	double a = fabs(usd);
	const char *sign = usd < 0 ? "-" : "";
	if (a >= 1 || a == 0)
		snprintf(out, SL_FMT_LEN, "%s$%.2f", sign, a);
	else /* two significant digits */
		snprintf(out, SL_FMT_LEN, "%s$%.*f", sign, (int)fmin(12, ceil(-log10(a)) + 1), a);
	return out;
}

const char *sl_fmt_usd_partial(double usd, int64_t n_unknown, char out[SL_FMT_LEN])
{
	if (n_unknown > 0 && usd == 0)
		return unknown(out);
	sl_fmt_usd(usd, out);
	if (n_unknown > 0 && isfinite(usd)) {
		size_t n = strlen(out);
		snprintf(out + n, SL_FMT_LEN - n, "+%s", SL_FMT_UNKNOWN);
	}
	return out;
}

const char *sl_fmt_seconds(double s, char out[SL_FMT_LEN])
{
	if (!isfinite(s) || s < 0)
		return unknown(out);
	if (s > 0 && s < 0.001) /* a local server answers in microseconds: never "0 ms" */
		snprintf(out, SL_FMT_LEN, "%.2g ms", s * 1000);
	else if (s < 1)
		snprintf(out, SL_FMT_LEN, "%.0f ms", s * 1000);
	else
		snprintf(out, SL_FMT_LEN, "%.2f s", s);
	return out;
}

const char *sl_fmt_seconds_short(double s, char out[SL_FMT_LEN])
{
	if (!isfinite(s) || s < 0)
		return unknown(out);
	if (s > 0 && s < 0.001)
		snprintf(out, SL_FMT_LEN, "%.2gms", s * 1000);
	else if (s < 1)
		snprintf(out, SL_FMT_LEN, "%.0fms", s * 1000);
	else if (s < 10)
		snprintf(out, SL_FMT_LEN, "%.1fs", s);
	else
		snprintf(out, SL_FMT_LEN, "%.0fs", s);
	return out;
}

const char *sl_fmt_clock(double s, char out[SL_FMT_LEN])
{
	if (!isfinite(s) || s < 0 || s > 1e9)
		return unknown(out);
	long t = (long)s;
	if (t < 3600)
		snprintf(out, SL_FMT_LEN, "%ld:%02ld", t / 60, t % 60);
	else
		snprintf(out, SL_FMT_LEN, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	return out;
}

const char *sl_fmt_count(int64_t n, char out[SL_FMT_LEN])
{
	if (n < 0)
		return unknown(out);
	if (n >= 1000000)
		snprintf(out, SL_FMT_LEN, "%.3gM", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(out, SL_FMT_LEN, "%.3gk", (double)n / 1e3);
	else
		snprintf(out, SL_FMT_LEN, "%lld", (long long)n);
	return out;
}

const char *sl_fmt_number(double v, int decimals, char out[SL_FMT_LEN])
{
	if (!isfinite(v))
		return unknown(out);
	snprintf(out, SL_FMT_LEN, "%.*f", decimals, v);
	return out;
}
