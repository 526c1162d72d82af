/* Retry policy of the provider engine: which failures are worth another try, how long to
 * wait (exponential backoff with full jitter, never less than the server asked for), and
 * the parsing of the servers' rate-limit headers. Pure functions, tested on their own. */
#ifndef SHORTLIST_RETRY_H
#define SHORTLIST_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every wait parsed from a server is clamped to this (about 35 years): in nanoseconds it
 * still fits an int64_t. */
#define SL_WAIT_MS_MAX (INT64_C(1) << 40)

/* 408, 409, 429, 500, 502, 503, 504, 529. */
bool sl_retry_status(long status);

/* Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^(retry-1))],
 * retry counted from 1. *rng is a xorshift state (non-zero). */
int64_t sl_backoff_ms(int retry, int64_t base_ms, int64_t cap_ms, uint64_t *rng);

/* The wait a response asks for, in ms, or -1: retry-after-ms, Retry-After (seconds or an
 * HTTP date), else the OpenAI-style x-ratelimit-reset-requests/-tokens durations ("6m0s")
 * of the exhausted limit, else anthropic-ratelimit-*-reset (RFC 3339). headers holds the
 * raw response header lines ("Name: value\r\n"...). */
int64_t sl_retry_after_ms(const char *headers, size_t len, int64_t now_wall_ms);

/* On a successful response: if x-ratelimit-remaining-requests or -tokens (or Anthropic's
 * anthropic-ratelimit-*-remaining) is 0, the ms until that limit resets; else -1. */
int64_t sl_ratelimit_pause_ms(const char *headers, size_t len, int64_t now_wall_ms);

/* Go-style duration ("1s", "6m0s", "20ms", "1h2m3.5s", "0.5s") in ms; -1 if malformed. */
int64_t sl_parse_duration_ms(const char *s);

/* Value of a header (case-insensitive name) copied into out; false if absent. */
bool sl_header_value(const char *headers, size_t len, const char *name, char *out, size_t cap);

#endif
