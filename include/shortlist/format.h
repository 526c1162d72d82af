/* Display formatting of the numbers a person reads: money with its unit, durations, counts,
 * and the one spelling of a value shortlist does not know. The CLI, the TUI and the human
 * report formats (text, Markdown, HTML, JUnit messages) all show numbers through here;
 * machine formats (JSON, JSONL, CSV) keep raw numbers and null/empty for unknown. */
#ifndef SHORTLIST_FORMAT_H
#define SHORTLIST_FORMAT_H

#include <stdint.h>

/* An unknown value, everywhere: never 0, never a blank that reads as "none". */
#define SL_FMT_UNKNOWN "?"
#define SL_FMT_LEN 32

/* US dollars: "$12.50", "$0.00"; below $1 two significant digits ("$0.0000082": never
 * rounded to $0.00, never an exponent); NaN or infinite: "?". Returns out. */
const char *sl_fmt_usd(double usd, char out[SL_FMT_LEN]);
/* A total of which n_unknown parts had no price: "$0.42", "$0.42+?" (a lower bound), or
 * "?" when nothing was priced. */
const char *sl_fmt_usd_partial(double usd, int64_t n_unknown, char out[SL_FMT_LEN]);
/* A duration in seconds: "0.42 ms" (below 1 ms), "850 ms", "1.25 s"; NaN or negative: "?". */
const char *sl_fmt_seconds(double s, char out[SL_FMT_LEN]);
/* The same, compact for chart axes and tight columns: "850ms", "1.4s", "12s". */
const char *sl_fmt_seconds_short(double s, char out[SL_FMT_LEN]);
/* A duration on a clock: "4:05", "1:02:03"; NaN or negative: "?". */
const char *sl_fmt_clock(double s, char out[SL_FMT_LEN]);
/* A count: "950", "12.3k", "1.5M"; negative: "?". */
const char *sl_fmt_count(int64_t n, char out[SL_FMT_LEN]);
/* A number with decimals digits after the point; NaN or infinite: "?". */
const char *sl_fmt_number(double v, int decimals, char out[SL_FMT_LEN]);

#endif
