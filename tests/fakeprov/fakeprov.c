/* fakeprov: a local stand-in for OpenAI, llama.cpp, Anthropic, Bedrock and Ollama, scripted
 * per model and per request (text, token counts, timing, faults), for tests and benchmarks.
 * libmicrohttpd on two epoll threads (FP_THREADS): a response that must wait suspends its
 * connection and one waiter thread resumes it when due (or at once when the client hangs up), so the CPU
 * and threads of the server do not grow with the connections (-j 64 on 2 cores: fakeprov
 * shares them with the client it measures). README.md in this directory documents the
 * command line and the script. */
#define _GNU_SOURCE /* POLLRDHUP: notice a client that hung up while we wait */
#include "fp.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "shortlist/sigv4.h"

#define DEFAULT_TEXT "Hello from fakeprov."
/* MHD event-loop threads: one per core of the machine the benchmarks run on, so the server
 * keeps up with a client on the other core (and holds its share of a loaded machine). */
#define FP_THREADS 2

/* ---- shared state (one mutex: contention is irrelevant next to the scripted delays) --- */

struct counter {
	char *key;
	long n;
};

struct counters {
	struct counter *c;
	size_t n, cap;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static cJSON *g_script;              /* current script (never NULL after start) */
static struct counters g_by_route, g_by_model, g_by_path, g_seq_pos;
static long g_requests, g_in_flight, g_max_in_flight, g_auth_failures, g_sigv4_ok;
static uint64_t g_seq;
static cJSON *g_last;                /* the last model request, for /_fake/last */
static bool g_verbose;

/* When the server handed each piece of each response to the network, against what the
 * script allowed: the times a test compares its client's measurements with, since a client
 * can only measure longer (never an absolute window; a loaded machine delays both sides).
 * A ring of the latest requests; GET /_fake/log lists those since the last reset. */
#define LOG_CAP 4096
struct log_ev {
	int content;             /* content chunk index, or -1 (prelude, usage, terminator) */
	int64_t due_ns, sent_ns; /* absolute CLOCK_MONOTONIC; sent 0 = never handed */
};
struct log_entry {
	uint64_t seq;
	char *path;
	bool stream;
	int64_t t0_ns; /* the whole request had arrived */
	struct log_ev *ev;
	size_t n;
	long writes; /* times the body was handed to MHD: what an answer costs in syscalls */
};
static struct log_entry g_log[LOG_CAP];
static uint64_t g_log_from = 1; /* first seq since the last reset */

/* Record the schedule of request seq (events as queued; for a plain reply, one event). */
static void log_open(uint64_t seq, const char *path, bool stream, int64_t t0,
		     const struct fp_stream *s, int64_t reply_due)
{
	pthread_mutex_lock(&g_lock);
	struct log_entry *e = &g_log[seq % LOG_CAP];
	free(e->path);
	free(e->ev);
	*e = (struct log_entry){ .seq = seq, .path = sl_xstrdup(path), .stream = stream,
				 .t0_ns = t0 };
	e->n = s ? s->n : 1;
	e->ev = sl_xcalloc(e->n, sizeof *e->ev);
	for (size_t i = 0; i < e->n; i++) {
		int64_t due = s ? s->ev[i].at_ns : reply_due;
		e->ev[i] = (struct log_ev){ .content = s ? s->ev[i].content : 0,
					    .due_ns = due > t0 ? due : t0 };
	}
	pthread_mutex_unlock(&g_lock);
}

/* Events [from, to) of request seq went out in one write. */
static void log_write(uint64_t seq, size_t from, size_t to)
{
	int64_t now = fp_now_ns();
	pthread_mutex_lock(&g_lock);
	struct log_entry *e = &g_log[seq % LOG_CAP];
	if (e->seq == seq) {
		for (size_t i = from; i < to && i < e->n; i++)
			if (!e->ev[i].sent_ns)
				e->ev[i].sent_ns = now;
		e->writes++;
	}
	pthread_mutex_unlock(&g_lock);
}

static double ms_after(int64_t t, int64_t t0)
{
	return (double)(t - t0) / 1e6;
}

static cJSON *log_json(void)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(j, "requests");
	pthread_mutex_lock(&g_lock);
	uint64_t from = g_seq >= LOG_CAP && g_seq - LOG_CAP + 1 > g_log_from ? g_seq - LOG_CAP + 1
									      : g_log_from;
	cJSON_AddBoolToObject(j, "truncated", from > g_log_from);
	for (uint64_t seq = from; seq <= g_seq; seq++) {
		const struct log_entry *e = &g_log[seq % LOG_CAP];
		if (e->seq != seq)
			continue; /* answered without a body schedule (errors, listings) */
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)seq);
		cJSON_AddStringToObject(o, "path", e->path);
		cJSON_AddBoolToObject(o, "stream", e->stream);
		cJSON_AddNumberToObject(o, "received_ns", (double)e->t0_ns);
		cJSON_AddNumberToObject(o, "writes", (double)e->writes);
		cJSON *evs = cJSON_AddArrayToObject(o, "events");
		for (size_t i = 0; i < e->n; i++) {
			cJSON *ev = cJSON_CreateObject();
			cJSON_AddNumberToObject(ev, "content", e->ev[i].content);
			cJSON_AddNumberToObject(ev, "due_ms", ms_after(e->ev[i].due_ns, e->t0_ns));
			if (e->ev[i].sent_ns)
				cJSON_AddNumberToObject(ev, "sent_ms",
							ms_after(e->ev[i].sent_ns, e->t0_ns));
			else
				cJSON_AddNullToObject(ev, "sent_ms");
			cJSON_AddItemToArray(evs, ev);
		}
		cJSON_AddItemToArray(arr, o);
	}
	pthread_mutex_unlock(&g_lock);
	return j;
}

static long counter_bump(struct counters *cs, const char *key, long delta)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].key, key) == 0)
			return cs->c[i].n += delta;
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 16;
		cs->c = sl_xrealloc(cs->c, cs->cap * sizeof *cs->c);
	}
	cs->c[cs->n].key = sl_xstrdup(key);
	cs->c[cs->n].n = delta;
	return cs->c[cs->n++].n;
}

static void counters_clear(struct counters *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->c[i].key);
	cs->n = 0;
}

static cJSON *counters_json(const struct counters *cs)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < cs->n; i++)
		cJSON_AddNumberToObject(o, cs->c[i].key, (double)cs->c[i].n);
	return o;
}

/* ---- the script ----------------------------------------------------------------------- */

static const char *const behaviour_keys[] = {
	"text", "reasoning", "tokens", "chunks", "input_tokens", "cached_tokens", "reasoning_tokens",
	"cache_write_tokens",
	"ttft_ms", "token_ms", "latency_ms", "fault", "status", "retry_after", "retry_after_ms",
	"error_type", "message", "after_chunks", "stall_ms", "trickle_ms", "trickle_bytes",
	"exists", "finish_reason", "variant", "dims", "headers", "logprobs",
};

static const char *const fault_names[] = {
	[FP_FAULT_NONE] = "none",           [FP_FAULT_STATUS] = "status",
	[FP_FAULT_RESET] = "reset",         [FP_FAULT_STALL] = "stall",
	[FP_FAULT_TRUNCATE] = "truncate",   [FP_FAULT_MALFORMED] = "malformed_json",
	[FP_FAULT_BAD_CRC] = "bad_crc",     [FP_FAULT_ERROR_EVENT] = "error_event",
	[FP_FAULT_TRICKLE] = "trickle",
};

static int check_behaviour(const cJSON *o, const char *where, bool model_level, char *err,
			   size_t errsz)
{
	if (!cJSON_IsObject(o)) {
		snprintf(err, errsz, "%s must be an object", where);
		return -1;
	}
	for (const cJSON *k = o->child; k; k = k->next) {
		bool known = model_level && strcmp(k->string, "sequence") == 0;
		for (size_t i = 0; i < SL_ARRAY_LEN(behaviour_keys) && !known; i++)
			known = strcmp(k->string, behaviour_keys[i]) == 0;
		if (!known) {
			snprintf(err, errsz, "%s: unknown key \"%s\"", where, k->string);
			return -1;
		}
		if (strcmp(k->string, "fault") == 0) {
			bool ok = false;
			for (size_t i = 0; i < SL_ARRAY_LEN(fault_names) && !ok; i++)
				ok = cJSON_IsString(k) && strcmp(k->valuestring, fault_names[i]) == 0;
			if (!ok) {
				snprintf(err, errsz, "%s: unknown fault \"%s\" (none, status, reset, "
					 "stall, truncate, malformed_json, bad_crc, error_event, "
					 "trickle)", where, cJSON_IsString(k) ? k->valuestring : "?");
				return -1;
			}
		}
		if (strcmp(k->string, "logprobs") == 0 && !cJSON_IsArray(k)) {
			snprintf(err, errsz, "%s.logprobs must be an array of {token, logprob, "
				 "top_logprobs}", where);
			return -1;
		}
		if (strcmp(k->string, "sequence") == 0) {
			if (!cJSON_IsArray(k)) {
				snprintf(err, errsz, "%s.sequence must be an array", where);
				return -1;
			}
			int i = 0;
			for (const cJSON *e = k->child; e; e = e->next, i++) {
				char w[256];
				snprintf(w, sizeof w, "%s.sequence[%d]", where, i);
				if (check_behaviour(e, w, false, err, errsz))
					return -1;
			}
		}
	}
	return 0;
}

static int check_script(const cJSON *s, char *err, size_t errsz)
{
	if (!cJSON_IsObject(s)) {
		snprintf(err, errsz, "the script must be a JSON object");
		return -1;
	}
	for (const cJSON *k = s->child; k; k = k->next) {
		if (strcmp(k->string, "default") == 0) {
			if (check_behaviour(k, "default", false, err, errsz))
				return -1;
		} else if (strcmp(k->string, "models") == 0) {
			if (!cJSON_IsObject(k)) {
				snprintf(err, errsz, "models must be an object");
				return -1;
			}
			for (const cJSON *m = k->child; m; m = m->next) {
				char w[300];
				snprintf(w, sizeof w, "models.\"%s\"", m->string);
				if (check_behaviour(m, w, true, err, errsz))
					return -1;
			}
		} else if (strcmp(k->string, "batch") == 0) {
			if (fp_batch_check_script(k, err, errsz))
				return -1;
		} else if (strcmp(k->string, "bedrock_batch") == 0) {
			if (fp_aws_check_script(k, err, errsz))
				return -1;
		} else if (strcmp(k->string, "auth") != 0) {
			snprintf(err, errsz, "unknown top-level key \"%s\" (default, models, auth, "
				 "batch, bedrock_batch)", k->string);
			return -1;
		}
	}
	return 0;
}

static void set_str(char **dst, const cJSON *v)
{
	free(*dst);
	*dst = NULL;
	if (cJSON_IsString(v))
		*dst = sl_xstrdup(v->valuestring);
	else if (cJSON_IsNumber(v))
		*dst = sl_xasprintf("%g", v->valuedouble);
}

static void apply(struct fp_behaviour *b, const cJSON *o, bool *text_set)
{
	for (const cJSON *k = o ? o->child : NULL; k; k = k->next) {
		const char *n = k->string;
		double d = k->valuedouble;
		if (strcmp(n, "text") == 0) {
			set_str(&b->text, k);
			*text_set = true;
		} else if (strcmp(n, "reasoning") == 0) set_str(&b->reasoning, k);
		else if (strcmp(n, "tokens") == 0) b->tokens = (int)d;
		else if (strcmp(n, "chunks") == 0) b->chunks = (int)d;
		else if (strcmp(n, "input_tokens") == 0) b->input_tokens = (int)d;
		else if (strcmp(n, "cached_tokens") == 0) b->cached_tokens = (int)d;
		else if (strcmp(n, "cache_write_tokens") == 0) b->cache_write_tokens = (int)d;
		else if (strcmp(n, "reasoning_tokens") == 0) b->reasoning_tokens = (int)d;
		else if (strcmp(n, "ttft_ms") == 0) b->ttft_ms = d;
		else if (strcmp(n, "token_ms") == 0) b->token_ms = d;
		else if (strcmp(n, "latency_ms") == 0) b->latency_ms = d;
		else if (strcmp(n, "status") == 0) b->status = (int)d;
		else if (strcmp(n, "retry_after") == 0) set_str(&b->retry_after, k);
		else if (strcmp(n, "retry_after_ms") == 0) set_str(&b->retry_after_ms, k);
		else if (strcmp(n, "error_type") == 0) set_str(&b->error_type, k);
		else if (strcmp(n, "message") == 0) set_str(&b->message, k);
		else if (strcmp(n, "after_chunks") == 0) b->after_chunks = (int)d;
		else if (strcmp(n, "stall_ms") == 0) b->stall_ms = d;
		else if (strcmp(n, "trickle_ms") == 0) b->trickle_ms = d;
		else if (strcmp(n, "trickle_bytes") == 0) b->trickle_bytes = (int)d;
		else if (strcmp(n, "exists") == 0) b->exists = cJSON_IsTrue(k);
		else if (strcmp(n, "finish_reason") == 0) set_str(&b->finish_reason, k);
		else if (strcmp(n, "variant") == 0) set_str(&b->variant, k);
		else if (strcmp(n, "dims") == 0) b->dims = (int)d;
		else if (strcmp(n, "headers") == 0) {
			cJSON_Delete(b->headers);
			b->headers = cJSON_Duplicate(k, 1);
		} else if (strcmp(n, "logprobs") == 0) {
			cJSON_Delete(b->logprobs);
			b->logprobs = cJSON_Duplicate(k, 1);
		} else if (strcmp(n, "fault") == 0) {
			for (size_t i = 0; i < SL_ARRAY_LEN(fault_names); i++)
				if (strcmp(k->valuestring, fault_names[i]) == 0)
					b->fault = (enum fp_fault)i;
		}
	}
}

/* Resolve the behaviour of the next request for `model` (advances its sequence). */
static void resolve(const char *model, struct fp_behaviour *b, bool *text_set)
{
	memset(b, 0, sizeof *b);
	b->text = sl_xstrdup(DEFAULT_TEXT);
	b->latency_ms = -1;
	b->after_chunks = 1;
	b->stall_ms = 30000;
	b->trickle_ms = 1;
	b->trickle_bytes = 1;
	b->exists = true;
	b->dims = 16;
	*text_set = false;
	pthread_mutex_lock(&g_lock);
	apply(b, cJSON_GetObjectItemCaseSensitive(g_script, "default"), text_set);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(g_script, "models"), model);
	if (m) {
		apply(b, m, text_set);
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(m, "sequence");
		long pos = counter_bump(&g_seq_pos, model, 1) - 1;
		const cJSON *e = cJSON_GetArrayItem(seq, (int)pos);
		if (e)
			apply(b, e, text_set);
	}
	pthread_mutex_unlock(&g_lock);
}

cJSON *fp_script_section(const char *key)
{
	pthread_mutex_lock(&g_lock);
	cJSON *v = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(g_script, key), 1);
	pthread_mutex_unlock(&g_lock);
	return v;
}

/* Auth settings: script "auth" overrides these; null or "" accepts anything. */
static char *auth_value(const char *key, const char *dflt)
{
	pthread_mutex_lock(&g_lock);
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(g_script, "auth");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);
	char *out = NULL;
	if (!v)
		out = dflt ? sl_xstrdup(dflt) : NULL;
	else if (cJSON_IsString(v) && *v->valuestring)
		out = sl_xstrdup(v->valuestring);
	pthread_mutex_unlock(&g_lock);
	return out;
}

/* ---- waiting while watching the client ---------------------------------------------- */

/* A response that must wait suspends its connection (MHD's thread goes on serving the
 * others); the waiter thread resumes it when due, or at once when the client hangs up
 * (then *hung is set and the response is dropped). */
struct waiter {
	struct MHD_Connection *c;
	int fd;
	int64_t due;
	bool *hung;
};

static pthread_mutex_t g_wait_lock = PTHREAD_MUTEX_INITIALIZER;
static struct waiter *g_waiters;
static size_t g_n_waiters, g_cap_waiters;
static int g_wait_wake = -1; /* eventfd: a new waiter to watch */

static void wait_for(struct MHD_Connection *c, int fd, int64_t due, bool *hung)
{
	*hung = false;
	MHD_suspend_connection(c);
	pthread_mutex_lock(&g_wait_lock);
	if (g_n_waiters == g_cap_waiters) {
		g_cap_waiters = g_cap_waiters ? 2 * g_cap_waiters : 64;
		g_waiters = sl_xrealloc(g_waiters, g_cap_waiters * sizeof *g_waiters);
	}
	g_waiters[g_n_waiters++] = (struct waiter){ c, fd, due, hung };
	pthread_mutex_unlock(&g_wait_lock);
	uint64_t one = 1;
	if (write(g_wait_wake, &one, sizeof one) < 0) {
		/* the counter cannot overflow from here; nothing to do */
	}
}

static void *waiter_main(void *arg)
{
	(void)arg;
	struct pollfd *pfd = NULL;
	struct MHD_Connection **wake = NULL;
	size_t cap = 0;
	for (;;) {
		pthread_mutex_lock(&g_wait_lock);
		size_t n = g_n_waiters;
		if (n + 1 > cap) {
			cap = 2 * (n + 1);
			pfd = sl_xrealloc(pfd, cap * sizeof *pfd);
		}
		pfd[0] = (struct pollfd){ .fd = g_wait_wake, .events = POLLIN };
		int64_t next = INT64_MAX;
		for (size_t i = 0; i < n; i++) {
			pfd[i + 1] = (struct pollfd){ .fd = g_waiters[i].fd, .events = POLLRDHUP };
			if (g_waiters[i].due < next)
				next = g_waiters[i].due;
		}
		pthread_mutex_unlock(&g_wait_lock);
		struct timespec ts, *tp = NULL;
		if (next != INT64_MAX) {
			int64_t left = next - fp_now_ns();
			left = left > 0 ? left : 0;
			ts = (struct timespec){ left / 1000000000, left % 1000000000 };
			tp = &ts;
		}
		if (ppoll(pfd, n + 1, tp, NULL) > 0 && (pfd[0].revents & POLLIN)) {
			uint64_t v;
			if (read(g_wait_wake, &v, sizeof v) < 0) {
				/* EAGAIN: another read took it */
			}
		}
		int64_t now = fp_now_ns();
		size_t nw = 0, keep = 0;
		pthread_mutex_lock(&g_wait_lock);
		wake = sl_xrealloc(wake, (g_n_waiters + 1) * sizeof *wake);
		for (size_t i = 0; i < g_n_waiters; i++) {
			struct waiter *w = &g_waiters[i];
			bool gone = i < n && (pfd[i + 1].revents &
					      (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
			if (gone || w->due <= now) {
				*w->hung = gone;
				wake[nw++] = w->c;
			} else {
				g_waiters[keep++] = *w;
			}
		}
		g_n_waiters = keep;
		pthread_mutex_unlock(&g_wait_lock);
		for (size_t i = 0; i < nw; i++)
			MHD_resume_connection(wake[i]);
	}
	return NULL;
}

/* A real TCP reset that leaves the descriptor to MHD: linger 0, then disconnect (connect
 * to AF_UNSPEC sends RST on an established TCP socket); MHD then closes it as a dead
 * connection. */
static void reset_socket(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	connect(fd, &sa, sizeof sa);
}

static int conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

/* ---- per-request state ---------------------------------------------------------------- */

struct conn_req {
	struct sl_buf body;
	bool counted;
	/* a reply held back until due (the connection suspended meanwhile) */
	bool waiting, hung;
	struct MHD_Response *reply; /* NULL: reset the connection instead */
	unsigned status;
	uint64_t seq; /* log it as sent when queued; 0 = not logged */
	int fd;
};

struct stream_ctx {
	struct fp_stream s;
	struct MHD_Connection *c;
	bool hung;
	size_t cur, off;
	int fd;
	bool trickle;
	int64_t trickle_ns;
	size_t trickle_bytes;
	int64_t next_piece;
	uint64_t seq; /* for the log; 0 = not logged */
};

/* Hand MHD the next piece when it is due, and with it the pieces due at the same instant
 * (so an answer without delays is one write, not one per chunk, and with token_ms one write
 * per content chunk, on a loaded machine too); trickle goes piece by piece. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ctx *x = cls;
	(void)pos;
	size_t out = 0, first = x->cur;
	int64_t due = 0;
	while (x->cur < x->s.n) {
		struct fp_event *e = &x->s.ev[x->cur];
		int64_t at = e->at_ns;
		if (x->trickle && x->next_piece > at)
			at = x->next_piece;
		if (out) {
			if (e->kind != FP_EV_DATA || at > due || e->len > max - out)
				break; /* due later, or an end: the next call waits for it */
		} else if (x->off == 0 || x->trickle) {
			if (x->hung)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			if (at > fp_now_ns()) {
				wait_for(x->c, x->fd, at, &x->hung);
				return 0; /* called again when resumed */
			}
		}
		due = at;
		if (e->kind == FP_EV_RESET) {
			reset_socket(x->fd);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (e->kind == FP_EV_END)
			break;
		size_t n = e->len - x->off;
		if (x->trickle && n > x->trickle_bytes)
			n = x->trickle_bytes;
		if (n > max - out)
			n = max - out;
		memcpy(buf + out, e->data + x->off, n);
		out += n;
		x->off += n;
		if (x->off == e->len) {
			x->cur++;
			x->off = 0;
		}
		if (x->trickle) {
			x->next_piece = fp_now_ns() + x->trickle_ns;
			break;
		}
	}
	if (!out)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (x->seq)
		log_write(x->seq, first, x->cur + (x->off > 0));
	return (ssize_t)out;
}

static void stream_free(void *cls)
{
	struct stream_ctx *x = cls;
	fp_stream_free(&x->s);
	free(x);
}

/* A schedule whose pieces are all due now, at one instant (no delay, stall, reset or
 * trickle), as one body in r: the number of pieces it holds (up to a clean end), or 0. */
static size_t stream_due_body(const struct fp_stream *s, struct fp_reply *r)
{
	size_t n = 0, len = 0;
	if (!s->n || s->ev[0].at_ns > fp_now_ns())
		return 0;
	for (; n < s->n && s->ev[n].kind != FP_EV_END; n++) {
		if (s->ev[n].kind != FP_EV_DATA || s->ev[n].at_ns > s->ev[0].at_ns)
			return 0;
		len += s->ev[n].len;
	}
	if (!n)
		return 0;
	r->body = sl_xmalloc(len + 1);
	r->body_len = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(r->body + r->body_len, s->ev[i].data, s->ev[i].len);
		r->body_len += s->ev[i].len;
	}
	r->body[len] = '\0';
	return n;
}

/* Apply the schedule-level faults: reset/truncate after chunk N, a stall before chunk N. */
static void schedule_faults(struct fp_stream *s, const struct fp_behaviour *b)
{
	if (b->fault == FP_FAULT_STALL) {
		int64_t shift = (int64_t)llround(b->stall_ms * 1e6);
		bool after = false;
		for (size_t i = 0; i < s->n; i++) {
			if (s->ev[i].content >= b->after_chunks)
				after = true;
			if (after)
				s->ev[i].at_ns += shift;
		}
		return;
	}
	if (b->fault != FP_FAULT_RESET && b->fault != FP_FAULT_TRUNCATE)
		return;
	/* Cut just before content chunk N (keep everything up to and including chunk N-1). */
	size_t cut = s->n;
	for (size_t i = 0; i < s->n; i++)
		if (s->ev[i].content >= b->after_chunks) {
			cut = i;
			break;
		}
	int64_t at = cut < s->n ? s->ev[cut].at_ns : (s->n ? s->ev[s->n - 1].at_ns : 0);
	for (size_t i = cut; i < s->n; i++)
		free(s->ev[i].data);
	s->n = cut;
	fp_stream_add(s, at, -1, "", 0);
	s->ev[s->n - 1].kind = b->fault == FP_FAULT_RESET ? FP_EV_RESET : FP_EV_END;
}

/* ---- queueing responses ---------------------------------------------------------------- */

static void add_extra_headers(struct MHD_Response *resp, const struct fp_behaviour *b)
{
	for (const cJSON *h = b && b->headers ? b->headers->child : NULL; h; h = h->next) {
		if (cJSON_IsString(h))
			MHD_add_response_header(resp, h->string, h->valuestring);
		else if (cJSON_IsNumber(h)) {
			char v[64];
			snprintf(v, sizeof v, "%g", h->valuedouble);
			MHD_add_response_header(resp, h->string, v);
		}
	}
}

static struct MHD_Response *reply_response(const struct fp_reply *r,
					   const struct fp_behaviour *b)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		r->body_len, r->body ? r->body : (char *)"", MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type
								       : "application/json");
	for (int i = 0; i < r->n_hdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	add_extra_headers(resp, b);
	return resp;
}

static enum MHD_Result queue_reply(struct MHD_Connection *c, struct fp_reply *r,
				   const struct fp_behaviour *b)
{
	struct MHD_Response *resp = reply_response(r, b);
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* The reply held in cr, now that it is due (or the client has gone). */
static enum MHD_Result queue_due(struct MHD_Connection *c, struct conn_req *cr)
{
	enum MHD_Result rc = MHD_NO;
	cr->waiting = false;
	if (!cr->hung && cr->reply) {
		if (cr->seq)
			log_write(cr->seq, 0, 1);
		rc = MHD_queue_response(c, cr->status, cr->reply);
	} else if (!cr->hung) {
		reset_socket(cr->fd);
	}
	if (cr->reply)
		MHD_destroy_response(cr->reply);
	cr->reply = NULL;
	return rc;
}

/* Queue resp (NULL: reset the connection) at due: now, or from the access handler's call
 * that follows the connection's resumption. */
static enum MHD_Result queue_at(struct MHD_Connection *c, struct conn_req *cr, int64_t due,
				int status, struct MHD_Response *resp, uint64_t seq)
{
	cr->waiting = true;
	cr->hung = false;
	cr->reply = resp;
	cr->status = (unsigned)status;
	cr->seq = seq;
	cr->fd = conn_fd(c);
	if (due <= fp_now_ns())
		return queue_due(c, cr);
	wait_for(c, cr->fd, due, &cr->hung);
	return MHD_YES;
}

static enum MHD_Result queue_json(struct MHD_Connection *c, int status, cJSON *j)
{
	struct fp_reply r = { 0 };
	fp_reply_json(&r, status, j);
	enum MHD_Result rc = queue_reply(c, &r, NULL);
	fp_reply_free(&r);
	return rc;
}

static enum MHD_Result queue_error(struct MHD_Connection *c, const char *provider, int status,
				   const char *type, const char *message)
{
	struct fp_reply r = { 0 };
	fp_error_reply(&r, provider, status, type, message);
	enum MHD_Result rc = queue_reply(c, &r, NULL);
	fp_reply_free(&r);
	return rc;
}

/* A body delivered through the scheduler (trickle or truncate of a non-streaming reply). */
static struct MHD_Response *scheduled_response(const char *content_type, struct stream_ctx *x,
					       uint64_t size, const struct fp_reply *r,
					       const struct fp_behaviour *b)
{
	struct MHD_Response *resp = MHD_create_response_from_callback(size, 16 * 1024,
								      stream_read, x, stream_free);
	MHD_add_response_header(resp, "Content-Type", content_type);
	for (int i = 0; r && i < r->n_hdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	add_extra_headers(resp, b);
	return resp;
}

/* ---- request helpers ------------------------------------------------------------------ */

struct hdrs {
	struct sl_sigv4_header *h;
	size_t n, cap;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct hdrs *hs = cls;
	(void)kind;
	if (hs->n == hs->cap) {
		hs->cap = hs->cap ? 2 * hs->cap : 16;
		hs->h = sl_xrealloc(hs->h, hs->cap * sizeof *hs->h);
	}
	hs->h[hs->n].name = key;
	hs->h[hs->n].value = value ? value : "";
	hs->n++;
	return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct sl_buf *q = cls;
	(void)kind;
	if (q->len)
		sl_buf_putc(q, '&');
	sl_buf_puts(q, key);
	sl_buf_putc(q, '=');
	if (value)
		sl_buf_puts(q, value);
	return MHD_YES;
}

static char *pct_decode(const char *s)
{
	char *out = sl_xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		unsigned v;
		if (s[0] == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* Bytes of prompt text / 4: a deterministic stand-in for a tokenizer. */
static size_t text_bytes(const cJSON *j)
{
	size_t n = 0;
	if (cJSON_IsString(j))
		return strlen(j->valuestring);
	for (const cJSON *c = j ? j->child : NULL; c; c = c->next)
		n += text_bytes(c);
	return n;
}

static int estimate_input(const cJSON *body)
{
	size_t n = text_bytes(cJSON_GetObjectItemCaseSensitive(body, "messages")) +
		   text_bytes(cJSON_GetObjectItemCaseSensitive(body, "system"));
	return n / 4 > 0 ? (int)(n / 4) : 1;
}

static const char *const lorem[] = { "lorem", "ipsum", "dolor", "sit", "amet", "consectetur",
				     "adipiscing", "elit", "sed", "do", "eiusmod", "tempor" };

/* Split the behaviour's text into content chunks. */
static void make_pieces(struct fp_request *q, struct fp_behaviour *b, bool text_set)
{
	if (!text_set && b->tokens > 0) {
		struct sl_buf t;
		sl_buf_init(&t);
		for (int i = 0; i < b->tokens; i++)
			sl_buf_printf(&t, "%s%s", i ? " " : "", lorem[i % SL_ARRAY_LEN(lorem)]);
		sl_buf_putc(&t, '\0');
		free(b->text);
		b->text = t.data;
	}
	const char *text = b->text ? b->text : "";
	const char *reasoning = b->reasoning ? b->reasoning : "";
	size_t len = strlen(text), rlen = strlen(reasoning);
	int chunks = b->chunks;
	q->pieces = sl_xcalloc(len + rlen + 2, sizeof *q->pieces);
	/* reasoning first, one chunk per word */
	for (size_t i = 1, start = 0; i <= rlen; i++)
		if (i == rlen || (reasoning[i] == ' ' && reasoning[i - 1] != ' ')) {
			q->pieces[q->n_pieces++] = sl_xstrndup(reasoning + start, i - start);
			start = i;
		}
	q->n_reasoning = q->n_pieces;
	if (chunks <= 0) {
		/* one per word, the space before a word travelling with it */
		size_t start = 0;
		for (size_t i = 1; i <= len; i++)
			if (i == len || (text[i] == ' ' && text[i - 1] != ' ')) {
				q->pieces[q->n_pieces++] = sl_xstrndup(text + start, i - start);
				start = i;
			}
	} else {
		size_t nchars = 0;
		for (size_t i = 0; i < len; i++)
			nchars += ((unsigned char)text[i] & 0xc0) != 0x80;
		if ((size_t)chunks > nchars)
			chunks = (int)nchars;
		size_t start = 0;
		for (int k = 1; k <= chunks; k++) {
			size_t end = k == chunks ? len : len * (size_t)k / (size_t)chunks;
			while (end < len && ((unsigned char)text[end] & 0xc0) == 0x80)
				end++;
			if (end <= start)
				continue;
			q->pieces[q->n_pieces++] = sl_xstrndup(text + start, end - start);
			start = end;
		}
	}
	q->out_tokens = b->tokens > 0 ? b->tokens : q->n_pieces;
	if (b->reasoning_tokens <= 0 && q->n_reasoning)
		b->reasoning_tokens = q->n_reasoning;
}

static void free_pieces(struct fp_request *q)
{
	for (int i = 0; i < q->n_pieces; i++)
		free(q->pieces[i]);
	free(q->pieces);
}

/* ---- auth ----------------------------------------------------------------------------- */

#define AWS_TEST_AKID "AKIDEXAMPLE"
#define AWS_TEST_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* Verify a SigV4-signed request the way AWS does: recompute from what was received. On
 * failure fills *why (an AWS-style message) and *type. */
void fp_answer(const char *provider, const char *model, const cJSON *body, uint64_t seq,
	       struct fp_reply *out)
{
	struct fp_behaviour b;
	bool text_set;
	model = model ? model : "";
	resolve(model, &b, &text_set);
	pthread_mutex_lock(&g_lock);
	counter_bump(&g_by_model, model, 1);
	pthread_mutex_unlock(&g_lock);
	bool anthropic = strcmp(provider, "anthropic") == 0;
	if (!b.exists) {
		char *m = anthropic ? sl_xasprintf("model: %s", model)
				    : sl_xasprintf("The model `%s` does not exist or you do not have "
						   "access to it.", model);
		fp_error_reply(out, provider, 404, NULL, m);
		free(m);
	} else if (b.fault == FP_FAULT_STATUS) {
		fp_fault_reply(out, provider, &b, model);
	} else {
		struct fp_request q = { 0 };
		q.route = anthropic ? "anthropic.messages" : "openai.chat";
		q.model = model;
		q.body = (cJSON *)body;
		q.t0_ns = fp_now_ns();
		q.seq = seq;
		q.input_tokens = b.input_tokens > 0 ? b.input_tokens : estimate_input(body);
		make_pieces(&q, &b, text_set);
		if (anthropic)
			fp_anthropic_message(out, &q, &b);
		else
			fp_openai_chat(out, &q, &b, false);
		free_pieces(&q);
	}
	fp_behaviour_free(&b);
}

static bool verify_sigv4(const char *method, const char *url, const char *query,
			 const struct hdrs *hs, const struct sl_buf *body, const char *auth,
			 const char *service, char *why, size_t whysz, const char **type,
			 cJSON *record)
{
	struct sl_sigv4_auth a;
	struct sl_error err = { 0 };
	*type = "IncompleteSignatureException";
	if (sl_sigv4_parse_authorization(auth, &a, &err)) {
		snprintf(why, whysz, "%s", err.msg);
		return false;
	}
	char *akid = auth_value("aws_access_key_id", AWS_TEST_AKID);
	char *secret = auth_value("aws_secret_access_key", AWS_TEST_SECRET);
	char *token = auth_value("aws_session_token", NULL);
	bool ok = false;
	struct sl_sigv4_header *signed_h = sl_xcalloc(hs->n + 1, sizeof *signed_h);
	size_t nsigned = 0;
	const char *date = NULL, *tok = NULL, *sha = NULL;
	for (size_t i = 0; i < hs->n; i++) {
		if (strcasecmp(hs->h[i].name, "x-amz-date") == 0)
			date = hs->h[i].value;
		if (strcasecmp(hs->h[i].name, "x-amz-security-token") == 0)
			tok = hs->h[i].value;
		if (strcasecmp(hs->h[i].name, "x-amz-content-sha256") == 0)
			sha = hs->h[i].value;
	}
	char body_hash[65];
	sl_sha256_hex(body->data ? body->data : "", body->len, body_hash);
	if (!akid || strcmp(a.access_key, akid) != 0) {
		*type = "UnrecognizedClientException";
		snprintf(why, whysz, "The security token included in the request is invalid.");
		goto out;
	}
	if (strcmp(a.service, service) != 0) {
		*type = "InvalidSignatureException";
		snprintf(why, whysz, "Credential should be scoped to correct service: '%s'. ",
			 service);
		goto out;
	}
	if (!date || strncmp(date, a.date, 8) != 0) {
		*type = "IncompleteSignatureException";
		snprintf(why, whysz, "Date in Credential scope does not match YYYYMMDD from "
			 "ISO-8601 version of date from HTTP: '%s' != '%.8s', from '%s'.", a.date,
			 date ? date : "", date ? date : "");
		goto out;
	}
	if (token && (!tok || strcmp(tok, token) != 0)) {
		*type = "UnrecognizedClientException";
		snprintf(why, whysz, "The security token included in the request is invalid.");
		goto out;
	}
	if (sha && strcmp(sha, body_hash) != 0 && strcmp(sha, "UNSIGNED-PAYLOAD") != 0) {
		*type = "InvalidSignatureException";
		snprintf(why, whysz, "The provided 'x-amz-content-sha256' header does not match "
			 "what was computed.");
		goto out;
	}
	/* The signed headers, with the values this server received. */
	char names[sizeof a.signed_headers];
	memcpy(names, a.signed_headers, sizeof names);
	bool host_signed = false;
	for (char *save = NULL, *n = strtok_r(names, ";", &save); n; n = strtok_r(NULL, ";", &save)) {
		bool found = false;
		host_signed |= strcmp(n, "host") == 0;
		for (size_t i = 0; i < hs->n; i++)
			if (strcasecmp(hs->h[i].name, n) == 0) {
				signed_h[nsigned++] = hs->h[i];
				found = true;
			}
		if (!found) {
			*type = "InvalidSignatureException";
			snprintf(why, whysz, "SignedHeaders lists '%s' but the request has no such "
				 "header.", n);
			goto out;
		}
	}
	if (!host_signed) {
		*type = "InvalidSignatureException";
		snprintf(why, whysz, "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
			 "Authorization.");
		goto out;
	}
	if (tok && !strstr(a.signed_headers, "x-amz-security-token")) {
		/* AWS accepts an unsigned token header for most services; note it but go on */
	}
	struct sl_sigv4_request r = {
		.method = method, .path = url, .query = query, .headers = signed_h,
		.n_headers = nsigned, .payload = body->data, .payload_len = body->len,
		.payload_hash = sha, .amz_date = date, .region = a.region, .service = a.service,
	};
	struct sl_sigv4_result res;
	if (sl_sigv4_sign(&r, akid, secret, &res, &err)) {
		*type = "IncompleteSignatureException";
		snprintf(why, whysz, "%s", err.msg);
		goto out;
	}
	cJSON_AddStringToObject(record, "canonical_request", res.canonical_request);
	cJSON_AddStringToObject(record, "expected_signature", res.signature);
	ok = strcmp(res.signature, a.signature) == 0;
	if (!ok) {
		*type = "InvalidSignatureException";
		snprintf(why, whysz, "The request signature we calculated does not match the "
			 "signature you provided. Check your AWS Secret Access Key and signing "
			 "method. Consult the service documentation for details.");
	}
	sl_sigv4_result_free(&res);
out:
	free(signed_h);
	free(akid);
	free(secret);
	free(token);
	return ok;
}

static const char *get_header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* AWS refuses a signature whose x-amz-date is more than 5 minutes from its clock: a client
 * must sign with the current UTC time, not a cached or local one. */
static bool fresh_date(const char *amz_date, char *why, size_t whysz, const char **type)
{
	struct tm tm = { 0 };
	if (!amz_date || !strptime(amz_date, "%Y%m%dT%H%M%SZ", &tm))
		return true; /* already rejected by the verifier */
	time_t then = timegm(&tm), now = time(NULL);
	if (llabs((long long)(now - then)) <= 300)
		return true;
	char nowbuf[32];
	struct tm ntm;
	gmtime_r(&now, &ntm);
	strftime(nowbuf, sizeof nowbuf, "%Y%m%dT%H%M%SZ", &ntm);
	*type = "InvalidSignatureException";
	snprintf(why, whysz, "Signature %s: %s is now %s than %s (%s %c 5 min.)",
		 then < now ? "expired" : "not yet current", amz_date,
		 then < now ? "earlier" : "later", nowbuf, nowbuf, then < now ? '-' : '+');
	return false;
}

/* Returns NULL when authorised, else the provider-shaped rejection already queued. */
static bool authorised(struct MHD_Connection *c, const char *provider, const char *method,
		       const char *url, const char *query, const struct sl_buf *body,
		       enum MHD_Result *rc, cJSON *record)
{
	char why[1100] = "";
	const char *type = NULL;
	int status = 401;
	bool ok = true;
	if (strcmp(provider, "openai") == 0 || strcmp(provider, "llamacpp") == 0) {
		char *key = auth_value(provider, strcmp(provider, "openai") == 0 ? "sk-fake" : NULL);
		const char *h = get_header(c, "Authorization");
		if (key && (!h || strncmp(h, "Bearer ", 7) != 0)) {
			ok = false;
			snprintf(why, sizeof why, "You didn't provide an API key. You need to provide "
				 "your API key in an Authorization header using Bearer auth (i.e. "
				 "Authorization: Bearer YOUR_KEY).");
			type = strcmp(provider, "openai") == 0 ? "" : NULL; /* "": code null */
		} else if (key && strcmp(h + 7, key) != 0) {
			ok = false;
			snprintf(why, sizeof why, "Incorrect API key provided: %.3s****. You can find "
				 "your API key at https://platform.openai.com/account/api-keys.",
				 h + 7);
		}
		free(key);
	} else if (strcmp(provider, "anthropic") == 0) {
		char *key = auth_value("anthropic", "sk-ant-fake");
		const char *h = get_header(c, "x-api-key");
		if (key && !h) {
			ok = false;
			snprintf(why, sizeof why, "x-api-key header is required");
		} else if (key && strcmp(h, key) != 0) {
			ok = false;
			snprintf(why, sizeof why, "invalid x-api-key");
		}
		free(key);
	} else if (strcmp(provider, "bedrock") == 0) {
		const char *h = get_header(c, "Authorization");
		status = 403;
		if (!h) {
			ok = false;
			type = "MissingAuthenticationTokenException";
			snprintf(why, sizeof why, "Missing Authentication Token");
		} else if (strncmp(h, "Bearer ", 7) == 0) {
			char *key = auth_value("bedrock_bearer", "fake-bedrock-api-key");
			if (key && strcmp(h + 7, key) != 0) {
				ok = false;
				type = "UnrecognizedClientException";
				snprintf(why, sizeof why, "Invalid API Key format: Must start with "
					 "pre-defined prefix");
			}
			cJSON_AddStringToObject(record, "auth", "bearer");
			free(key);
		} else {
			struct hdrs hs = { 0 };
			MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hs);
			ok = verify_sigv4(method, url, query, &hs, body, h, "bedrock", why,
					  sizeof why, &type, record) &&
			     fresh_date(get_header(c, "x-amz-date"), why, sizeof why, &type);
			cJSON_AddStringToObject(record, "auth", "sigv4");
			free(hs.h);
			if (ok) {
				pthread_mutex_lock(&g_lock);
				g_sigv4_ok++;
				pthread_mutex_unlock(&g_lock);
			}
		}
	}
	cJSON_AddBoolToObject(record, "auth_ok", ok);
	if (ok)
		return true;
	cJSON_AddStringToObject(record, "auth_error", why);
	pthread_mutex_lock(&g_lock);
	g_auth_failures++;
	pthread_mutex_unlock(&g_lock);
	*rc = queue_error(c, provider, status, type, why);
	return false;
}

/* ---- control endpoints ----------------------------------------------------------------- */

/* POST /_fake/verify-sigv4: run the verifier on a request described in JSON ({method, path,
 * query, headers: {name: value}, body, service}) instead of one received, so that it can
 * be checked against AWS's published test-suite requests (host example.amazonaws.com,
 * service "service"), which cannot be sent here verbatim. */
static enum MHD_Result verify_described(struct MHD_Connection *c, const struct sl_buf *in)
{
	cJSON *j = cJSON_ParseWithLength(in->data ? in->data : "", in->len);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "method");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "path");
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "query");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "headers");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "body");
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(j, "service");
	if (!cJSON_IsString(m) || !cJSON_IsString(p) || !cJSON_IsObject(h)) {
		cJSON_Delete(j);
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "error", "need {method, path, headers: {...}}");
		return queue_json(c, 400, e);
	}
	struct hdrs hs = { 0 };
	const char *auth = NULL;
	for (const cJSON *x = h->child; x; x = x->next) {
		if (!cJSON_IsString(x))
			continue;
		collect_header(&hs, MHD_HEADER_KIND, x->string, x->valuestring);
		if (strcasecmp(x->string, "authorization") == 0)
			auth = x->valuestring;
	}
	struct sl_buf body;
	sl_buf_init(&body);
	if (cJSON_IsString(b))
		sl_buf_puts(&body, b->valuestring);
	char why[1100] = "";
	const char *type = NULL;
	cJSON *out = cJSON_CreateObject();
	bool ok = auth && verify_sigv4(m->valuestring, p->valuestring,
				       cJSON_IsString(q) ? q->valuestring : "", &hs, &body, auth,
				       cJSON_IsString(sv) ? sv->valuestring : "bedrock", why,
				       sizeof why, &type, out);
	cJSON_AddBoolToObject(out, "ok", ok);
	if (!ok) {
		cJSON_AddStringToObject(out, "error_type", auth ? type : "MissingAuthenticationToken");
		cJSON_AddStringToObject(out, "reason", auth ? why : "no Authorization header");
	}
	sl_buf_free(&body);
	free(hs.h);
	cJSON_Delete(j);
	return queue_json(c, 200, out);
}

/* This server's own cost (all its threads): benchmarks divide it by the requests served. */
static cJSON *process_json(void)
{
	cJSON *o = cJSON_CreateObject();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	cJSON_AddNumberToObject(o, "user_ms", ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3);
	cJSON_AddNumberToObject(o, "system_ms", ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3);
	cJSON_AddNumberToObject(o, "voluntary_switches", (double)ru.ru_nvcsw);
	cJSON_AddNumberToObject(o, "involuntary_switches", (double)ru.ru_nivcsw);
	long threads = -1;
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %ld", &threads) == 1)
			break;
	if (f)
		fclose(f);
	cJSON_AddNumberToObject(o, "threads", (double)threads);
	return o;
}

static enum MHD_Result control(struct MHD_Connection *c, const char *method, const char *path,
			       const struct sl_buf *body)
{
	if (strcmp(path, "/_fake/stats") == 0) {
		cJSON *j = cJSON_CreateObject();
		pthread_mutex_lock(&g_lock);
		cJSON_AddNumberToObject(j, "requests", (double)g_requests);
		cJSON_AddItemToObject(j, "by_route", counters_json(&g_by_route));
		cJSON_AddItemToObject(j, "by_model", counters_json(&g_by_model));
		cJSON_AddItemToObject(j, "by_path", counters_json(&g_by_path));
		cJSON_AddNumberToObject(j, "in_flight", (double)g_in_flight);
		cJSON_AddNumberToObject(j, "max_in_flight", (double)g_max_in_flight);
		cJSON_AddNumberToObject(j, "auth_failures", (double)g_auth_failures);
		cJSON_AddNumberToObject(j, "sigv4_verified", (double)g_sigv4_ok);
		pthread_mutex_unlock(&g_lock);
		cJSON_AddItemToObject(j, "process", process_json());
		return queue_json(c, 200, j);
	}
	if (strcmp(path, "/_fake/last") == 0) {
		pthread_mutex_lock(&g_lock);
		cJSON *j = g_last ? cJSON_Duplicate(g_last, 1) : cJSON_CreateObject();
		pthread_mutex_unlock(&g_lock);
		return queue_json(c, 200, j);
	}
	if (strcmp(path, "/_fake/log") == 0)
		return queue_json(c, 200, log_json());
	if (strcmp(path, "/_fake/reset") == 0 && strcmp(method, "POST") == 0) {
		pthread_mutex_lock(&g_lock);
		g_log_from = g_seq + 1;
		counters_clear(&g_by_route);
		counters_clear(&g_by_model);
		counters_clear(&g_by_path);
		counters_clear(&g_seq_pos);
		g_requests = g_auth_failures = g_sigv4_ok = 0;
		g_max_in_flight = g_in_flight;
		pthread_mutex_unlock(&g_lock);
		return queue_json(c, 200, cJSON_CreateObject());
	}
	if (strcmp(path, "/_fake/script") == 0 && strcmp(method, "POST") == 0) {
		cJSON *s = cJSON_ParseWithLength(body->data ? body->data : "", body->len);
		char err[512] = "";
		if (!s || check_script(s, err, sizeof err)) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "error", s ? err : "script is not valid JSON");
			cJSON_Delete(s);
			return queue_json(c, 400, e);
		}
		pthread_mutex_lock(&g_lock);
		cJSON_Delete(g_script);
		g_script = s;
		counters_clear(&g_seq_pos);
		pthread_mutex_unlock(&g_lock);
		return queue_json(c, 200, cJSON_CreateObject());
	}
	if (strcmp(path, "/_fake/verify-sigv4") == 0 && strcmp(method, "POST") == 0)
		return verify_described(c, body);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "error", "unknown control endpoint (GET /_fake/stats, GET "
					    "/_fake/last, GET /_fake/log, POST /_fake/reset, POST /_fake/script, "
					    "POST /_fake/verify-sigv4)");
	return queue_json(c, 404, e);
}

/* ---- model listings and embeddings ------------------------------------------------------ */

static cJSON *model_names(void)
{
	cJSON *names = cJSON_CreateArray();
	pthread_mutex_lock(&g_lock);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(g_script, "models");
	for (const cJSON *k = m ? m->child : NULL; k; k = k->next) {
		const cJSON *ex = cJSON_GetObjectItemCaseSensitive(k, "exists");
		if (!ex || cJSON_IsTrue(ex))
			cJSON_AddItemToArray(names, cJSON_CreateString(k->string));
	}
	pthread_mutex_unlock(&g_lock);
	if (!cJSON_GetArraySize(names))
		cJSON_AddItemToArray(names, cJSON_CreateString("fake-model"));
	return names;
}

static enum MHD_Result list_models(struct MHD_Connection *c, bool ollama)
{
	cJSON *names = model_names(), *j = cJSON_CreateObject();
	cJSON *arr;
	if (ollama) {
		arr = cJSON_AddArrayToObject(j, "models");
	} else {
		cJSON_AddStringToObject(j, "object", "list");
		arr = cJSON_AddArrayToObject(j, "data");
	}
	int i = 0;
	for (const cJSON *n = names->child; n; n = n->next, i++) {
		cJSON *m = cJSON_CreateObject();
		if (ollama) {
			char digest[65];
			sl_sha256_hex(n->valuestring, strlen(n->valuestring), digest);
			cJSON_AddStringToObject(m, "name", n->valuestring);
			cJSON_AddStringToObject(m, "model", n->valuestring);
			cJSON_AddStringToObject(m, "modified_at", "2025-11-28T00:00:00Z");
			cJSON_AddNumberToObject(m, "size", 2019393189.0 + i);
			cJSON_AddStringToObject(m, "digest", digest);
			cJSON *d = cJSON_AddObjectToObject(m, "details");
			cJSON_AddStringToObject(d, "parent_model", "");
			cJSON_AddStringToObject(d, "format", "gguf");
			cJSON_AddStringToObject(d, "family", "llama");
			cJSON *fam = cJSON_AddArrayToObject(d, "families");
			cJSON_AddItemToArray(fam, cJSON_CreateString("llama"));
			cJSON_AddStringToObject(d, "parameter_size", "3.2B");
			cJSON_AddStringToObject(d, "quantization_level", "Q4_K_M");
		} else {
			cJSON_AddStringToObject(m, "id", n->valuestring);
			cJSON_AddStringToObject(m, "object", "model");
			cJSON_AddNumberToObject(m, "created", 1764288000);
			cJSON_AddStringToObject(m, "owned_by", "fakeprov");
		}
		cJSON_AddItemToArray(arr, m);
	}
	cJSON_Delete(names);
	return queue_json(c, 200, j);
}

static void base64_floats(const double *v, int n, struct sl_buf *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = (size_t)n * 4;
	unsigned char *raw = sl_xmalloc(len + 3);
	for (int i = 0; i < n; i++) {
		float f = (float)v[i];
		uint32_t u;
		memcpy(&u, &f, 4);
		for (int k = 0; k < 4; k++)
			raw[4 * i + k] = (unsigned char)(u >> (8 * k)); /* little-endian */
	}
	for (size_t i = 0; i < len; i += 3) {
		uint32_t x = (uint32_t)raw[i] << 16 | (i + 1 < len ? raw[i + 1] << 8 : 0) |
			     (i + 2 < len ? raw[i + 2] : 0);
		sl_buf_putc(out, tbl[x >> 18 & 63]);
		sl_buf_putc(out, tbl[x >> 12 & 63]);
		sl_buf_putc(out, i + 1 < len ? tbl[x >> 6 & 63] : '=');
		sl_buf_putc(out, i + 2 < len ? tbl[x & 63] : '=');
	}
	free(raw);
}

static cJSON *vector_json(const char *text, int dims)
{
	double *v = sl_xcalloc((size_t)dims, sizeof *v);
	fp_embed(text, dims, v);
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < dims; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	free(v);
	return a;
}

/* Inputs as an array of strings (a single string, or token arrays printed). */
static cJSON *inputs(const cJSON *in)
{
	cJSON *out = cJSON_CreateArray();
	if (cJSON_IsString(in)) {
		cJSON_AddItemToArray(out, cJSON_CreateString(in->valuestring));
	} else if (cJSON_IsArray(in)) {
		for (const cJSON *e = in->child; e; e = e->next) {
			if (cJSON_IsString(e)) {
				cJSON_AddItemToArray(out, cJSON_CreateString(e->valuestring));
			} else {
				char *p = cJSON_PrintUnformatted(e);
				cJSON_AddItemToArray(out, cJSON_CreateString(p));
				free(p);
			}
		}
	}
	return out;
}

/* ---- the model routes ------------------------------------------------------------------ */

enum route {
	R_NONE, R_OPENAI_CHAT, R_OPENAI_EMBED, R_OPENAI_MODELS, R_ANTHROPIC, R_BEDROCK_CONVERSE,
	R_BEDROCK_STREAM, R_BEDROCK_INVOKE, R_OLLAMA_CHAT, R_OLLAMA_EMBED, R_OLLAMA_TAGS,
};

static const char *route_name(enum route r)
{
	switch (r) {
	case R_OPENAI_CHAT: return "openai.chat";
	case R_OPENAI_EMBED: return "openai.embeddings";
	case R_OPENAI_MODELS: return "openai.models";
	case R_ANTHROPIC: return "anthropic.messages";
	case R_BEDROCK_CONVERSE: return "bedrock.converse";
	case R_BEDROCK_STREAM: return "bedrock.converse_stream";
	case R_BEDROCK_INVOKE: return "bedrock.invoke";
	case R_OLLAMA_CHAT: return "ollama.chat";
	case R_OLLAMA_EMBED: return "ollama.embed";
	case R_OLLAMA_TAGS: return "ollama.tags";
	default: return "none";
	}
}

static void record_last(const char *method, const char *url, const char *query,
			struct MHD_Connection *c, const struct sl_buf *body, cJSON *record)
{
	cJSON_AddStringToObject(record, "method", method);
	cJSON_AddStringToObject(record, "path", url);
	cJSON_AddStringToObject(record, "query", query);
	struct hdrs hs = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hs);
	cJSON *h = cJSON_AddObjectToObject(record, "headers");
	for (size_t i = 0; i < hs.n; i++) {
		char *lower = sl_xstrdup(hs.h[i].name);
		for (char *p = lower; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		cJSON_DeleteItemFromObjectCaseSensitive(h, lower);
		cJSON_AddStringToObject(h, lower, hs.h[i].value);
		free(lower);
	}
	free(hs.h);
	cJSON_AddStringToObject(record, "body", body->data ? body->data : "");
}

static enum MHD_Result model_request(struct MHD_Connection *c, struct conn_req *cr,
				     const char *method, const char *url)
{
	int64_t t0 = fp_now_ns();
	const char *path = url;
	bool llamacpp = false;
	if (sl_str_starts_with(path, "/llamacpp/")) {
		path += strlen("/llamacpp");
		llamacpp = true;
	}
	bool post = strcmp(method, "POST") == 0;
	enum route route = R_NONE;
	char *model_from_path = NULL;
	if (post && strcmp(path, "/v1/chat/completions") == 0) route = R_OPENAI_CHAT;
	else if (post && strcmp(path, "/v1/embeddings") == 0) route = R_OPENAI_EMBED;
	else if (!post && strcmp(path, "/v1/models") == 0) route = R_OPENAI_MODELS;
	else if (post && strcmp(path, "/v1/messages") == 0) route = R_ANTHROPIC;
	else if (post && strcmp(path, "/api/chat") == 0) route = R_OLLAMA_CHAT;
	else if (post && strcmp(path, "/api/embed") == 0) route = R_OLLAMA_EMBED;
	else if (!post && strcmp(path, "/api/tags") == 0) route = R_OLLAMA_TAGS;
	else if (post && sl_str_starts_with(path, "/model/")) {
		const char *id = path + strlen("/model/");
		const char *slash = strrchr(id, '/');
		if (slash && slash > id) {
			const char *op = slash + 1;
			if (strcmp(op, "converse") == 0) route = R_BEDROCK_CONVERSE;
			else if (strcmp(op, "converse-stream") == 0) route = R_BEDROCK_STREAM;
			else if (strcmp(op, "invoke") == 0) route = R_BEDROCK_INVOKE;
			char *raw = sl_xstrndup(id, (size_t)(slash - id));
			model_from_path = pct_decode(raw);
			free(raw);
		}
	}
	const char *batch_route = route == R_NONE ? fp_batch_route(method, path) : NULL;
	if (route == R_NONE && !batch_route) {
		free(model_from_path);
		cJSON *e = cJSON_CreateObject();
		char *m = sl_xasprintf("fakeprov: no route for %s %s", method, url);
		cJSON_AddStringToObject(e, "error", m);
		free(m);
		return queue_json(c, 404, e);
	}
	const char *provider = batch_route ? (sl_str_starts_with(batch_route, "anthropic.")
					      ? "anthropic" : "openai")
			       : route == R_ANTHROPIC ? "anthropic"
			       : route >= R_BEDROCK_CONVERSE && route <= R_BEDROCK_INVOKE ? "bedrock"
			       : route >= R_OLLAMA_CHAT ? "ollama"
			       : llamacpp ? "llamacpp" : "openai";

	struct sl_buf query;
	sl_buf_init(&query);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &query);
	cJSON *record = cJSON_CreateObject();
	record_last(method, url, query.data ? query.data : "", c, &cr->body, record);
	cJSON_AddStringToObject(record, "route", batch_route ? batch_route : route_name(route));

	pthread_mutex_lock(&g_lock);
	g_requests++;
	uint64_t seq = ++g_seq;
	counter_bump(&g_by_route, batch_route ? batch_route : route_name(route), 1);
	counter_bump(&g_by_path, url, 1);
	g_in_flight++;
	if (g_in_flight > g_max_in_flight)
		g_max_in_flight = g_in_flight;
	cr->counted = true;
	pthread_mutex_unlock(&g_lock);

	enum MHD_Result rc = MHD_YES;
	struct fp_behaviour b = { 0 };
	struct fp_request q = { 0 };
	cJSON *body = NULL;
	bool have_b = false;

	if (!authorised(c, provider, method, url, query.data ? query.data : "", &cr->body, &rc,
			record))
		goto done;
	if (route == R_OPENAI_MODELS || route == R_OLLAMA_TAGS) {
		rc = list_models(c, route == R_OLLAMA_TAGS);
		goto done;
	}
	if (batch_route) {
		const char *ver = get_header(c, "anthropic-version");
		if (strcmp(provider, "anthropic") == 0 && (!ver || !*ver)) {
			rc = queue_error(c, provider, 400, NULL, "anthropic-version: header is required");
			goto done;
		}
		struct fp_reply r = { 0 };
		int delay_ms = 0;
		fp_batch_request(batch_route, path, query.data ? query.data : "",
				 get_header(c, "content-type"),
				 get_header(c, "host"), cr->body.data ? cr->body.data : "",
				 cr->body.len, &r, &delay_ms);
		rc = delay_ms > 0 ? queue_at(c, cr, fp_now_ns() + (int64_t)delay_ms * 1000000,
					     r.status, reply_response(&r, NULL), 0)
				  : queue_reply(c, &r, NULL);
		fp_reply_free(&r);
		goto done;
	}

	body = cJSON_ParseWithLength(cr->body.data ? cr->body.data : "", cr->body.len);
	if (!cJSON_IsObject(body)) {
		if (strcmp(provider, "openai") == 0)
			rc = queue_error(c, provider, 400, NULL, "We could not parse the JSON body of "
					 "your request. (HINT: This likely means you aren't using your "
					 "HTTP library correctly. The OpenAI API expects a JSON payload, "
					 "but what was sent was not valid JSON.)");
		else if (strcmp(provider, "llamacpp") == 0)
			rc = queue_error(c, provider, 500, NULL, "[json.exception.parse_error.101] "
					 "parse error: syntax error while parsing value");
		else if (strcmp(provider, "bedrock") == 0)
			rc = queue_error(c, provider, 400, "SerializationException",
					 "Unexpected character found in the request body");
		else if (strcmp(provider, "ollama") == 0)
			rc = queue_error(c, provider, 400, NULL, "invalid character in request body");
		else
			rc = queue_error(c, provider, 400, NULL, "There was an error parsing the body "
					 "of your request as JSON.");
		goto done;
	}
	const cJSON *jm = cJSON_GetObjectItemCaseSensitive(body, "model");
	const char *model = model_from_path ? model_from_path
				: cJSON_IsString(jm) ? jm->valuestring : NULL;
	if (!model || !*model) {
		rc = queue_error(c, provider, strcmp(provider, "llamacpp") == 0 ? 500 : 400, NULL,
				 strcmp(provider, "anthropic") == 0 ? "model: Field required"
				 : strcmp(provider, "ollama") == 0 ? "model is required"
				 : "you must provide a model parameter");
		goto done;
	}
	cJSON_AddStringToObject(record, "model", model);
	pthread_mutex_lock(&g_lock);
	counter_bump(&g_by_model, model, 1);
	pthread_mutex_unlock(&g_lock);

	bool chat = route == R_OPENAI_CHAT || route == R_ANTHROPIC || route == R_BEDROCK_CONVERSE ||
		    route == R_BEDROCK_STREAM || route == R_OLLAMA_CHAT;
	if (chat && !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(body, "messages"))) {
		int st = strcmp(provider, "llamacpp") == 0 ? 500 : 400;
		rc = queue_error(c, provider, st, strcmp(provider, "bedrock") == 0
			? "ValidationException" : NULL,
			strcmp(provider, "anthropic") == 0 ? "messages: Field required"
			: strcmp(provider, "bedrock") == 0
				? "1 validation error detected: Value null at 'messages' failed to "
				  "satisfy constraint: Member must not be null"
				: "Missing required parameter: 'messages'.");
		goto done;
	}
	if (route == R_ANTHROPIC) {
		const char *ver = get_header(c, "anthropic-version");
		if (!ver || !*ver) {
			rc = queue_error(c, provider, 400, NULL, "anthropic-version: header is required");
			goto done;
		}
		if (strcmp(ver, "2023-06-01") != 0 && strcmp(ver, "2023-01-01") != 0) {
			/* the API knows only its published dates */
			char *m = sl_xasprintf("anthropic-version: \"%s\" is not a valid version", ver);
			rc = queue_error(c, provider, 400, NULL, m);
			free(m);
			goto done;
		}
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(body, "max_tokens"))) {
			rc = queue_error(c, provider, 400, NULL, "max_tokens: Field required");
			goto done;
		}
	}

	bool text_set;
	resolve(model, &b, &text_set);
	have_b = true;
	if (b.variant && strcmp(b.variant, "llamacpp") == 0 && route == R_OPENAI_CHAT) {
		llamacpp = true;
		provider = "llamacpp";
	}
	int fd = conn_fd(c);

	if (!b.exists) {
		char *m = strcmp(provider, "ollama") == 0
				  ? sl_xasprintf("model \"%s\" not found, try pulling it first", model)
			  : strcmp(provider, "bedrock") == 0
				  ? sl_xstrdup("The provided model identifier is invalid.")
			  : strcmp(provider, "anthropic") == 0 ? sl_xasprintf("model: %s", model)
			  : sl_xasprintf("The model `%s` does not exist or you do not have access "
					 "to it.", model);
		rc = queue_error(c, provider, strcmp(provider, "bedrock") == 0 ? 400 : 404,
				 strcmp(provider, "bedrock") == 0 ? "ValidationException" : NULL, m);
		free(m);
		goto done;
	}
	int64_t latency_due = b.latency_ms > 0 ? t0 + (int64_t)llround(b.latency_ms * 1e6) : 0;
	if (b.fault == FP_FAULT_STATUS) {
		struct fp_reply r = { 0 };
		fp_fault_reply(&r, provider, &b, model);
		rc = queue_at(c, cr, latency_due, r.status, reply_response(&r, &b), 0);
		fp_reply_free(&r);
		goto done;
	}

	/* Embeddings: one reply after latency_ms. */
	if (route == R_OPENAI_EMBED || route == R_OLLAMA_EMBED || route == R_BEDROCK_INVOKE) {
		const cJSON *dj = cJSON_GetObjectItemCaseSensitive(body, "dimensions");
		int dims = cJSON_IsNumber(dj) && dj->valueint > 0 && dj->valueint <= 8192
				   ? dj->valueint : b.dims;
		/* Bedrock InvokeModel: Titan takes "inputText", Cohere "texts" + "input_type". */
		bool cohere = route == R_BEDROCK_INVOKE &&
			      cJSON_GetObjectItemCaseSensitive(body, "texts") != NULL;
		if (cohere && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(body, "input_type"))) {
			rc = queue_error(c, provider, 400, "ValidationException", "Malformed input "
					 "request: #: required key [input_type] not found, please "
					 "reformat your input and try again.");
			goto done;
		}
		cJSON *in = inputs(cJSON_GetObjectItemCaseSensitive(
			body, cohere ? "texts" : route == R_BEDROCK_INVOKE ? "inputText" : "input"));
		int n_in = cJSON_GetArraySize(in);
		if (n_in == 0) {
			cJSON_Delete(in);
			rc = queue_error(c, provider, 400, route == R_BEDROCK_INVOKE
					 ? "ValidationException" : NULL,
					 route == R_BEDROCK_INVOKE ? "Malformed input request: "
					 "required key [inputText] not found"
					 : "'input' is a required property");
			goto done;
		}
		size_t bytes = text_bytes(in);
		int ptoks = b.input_tokens > 0 ? b.input_tokens : (int)(bytes / 4 > 0 ? bytes / 4 : 1);
		cJSON *j = cJSON_CreateObject();
		if (route == R_OPENAI_EMBED) {
			const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(body, "encoding_format");
			bool b64 = cJSON_IsString(fmt) && strcmp(fmt->valuestring, "base64") == 0;
			cJSON_AddStringToObject(j, "object", "list");
			cJSON *data = cJSON_AddArrayToObject(j, "data");
			int i = 0;
			for (const cJSON *t = in->child; t; t = t->next, i++) {
				cJSON *e = cJSON_CreateObject();
				cJSON_AddStringToObject(e, "object", "embedding");
				cJSON_AddNumberToObject(e, "index", i);
				if (b64) {
					double *v = sl_xcalloc((size_t)dims, sizeof *v);
					fp_embed(t->valuestring, dims, v);
					struct sl_buf s64;
					sl_buf_init(&s64);
					base64_floats(v, dims, &s64);
					sl_buf_putc(&s64, '\0');
					cJSON_AddStringToObject(e, "embedding", s64.data);
					sl_buf_free(&s64);
					free(v);
				} else {
					cJSON_AddItemToObject(e, "embedding",
							      vector_json(t->valuestring, dims));
				}
				cJSON_AddItemToArray(data, e);
			}
			cJSON_AddStringToObject(j, "model", model);
			cJSON *u = cJSON_AddObjectToObject(j, "usage");
			cJSON_AddNumberToObject(u, "prompt_tokens", ptoks);
			cJSON_AddNumberToObject(u, "total_tokens", ptoks);
		} else if (route == R_OLLAMA_EMBED) {
			cJSON_AddStringToObject(j, "model", model);
			cJSON *arr = cJSON_AddArrayToObject(j, "embeddings");
			for (const cJSON *t = in->child; t; t = t->next)
				cJSON_AddItemToArray(arr, vector_json(t->valuestring, dims));
			cJSON_AddNumberToObject(j, "total_duration", 14143917);
			cJSON_AddNumberToObject(j, "load_duration", 0);
			cJSON_AddNumberToObject(j, "prompt_eval_count", ptoks);
		} else if (cohere) {
			char id[64];
			snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llu",
				 (unsigned long long)seq);
			cJSON_AddStringToObject(j, "id", id);
			cJSON *arr = cJSON_AddArrayToObject(j, "embeddings");
			for (const cJSON *t = in->child; t; t = t->next)
				cJSON_AddItemToArray(arr, vector_json(t->valuestring, dims));
			cJSON_AddStringToObject(j, "response_type", "embeddings_floats");
			cJSON_AddItemToObject(j, "texts", cJSON_Duplicate(in, 1));
		} else {
			cJSON_AddItemToObject(j, "embedding",
					      vector_json(cJSON_GetArrayItem(in, 0)->valuestring, dims));
			cJSON_AddNumberToObject(j, "inputTextTokenCount", ptoks);
		}
		cJSON_Delete(in);
		struct fp_reply r = { 0 };
		fp_reply_json(&r, 200, j);
		rc = queue_at(c, cr, latency_due, 200, reply_response(&r, NULL), 0);
		fp_reply_free(&r);
		goto done;
	}

	/* Chat. */
	q.route = route_name(route);
	q.model = model;
	q.body = body;
	q.t0_ns = t0;
	q.seq = seq;
	q.input_tokens = b.input_tokens > 0 ? b.input_tokens : estimate_input(body);
	const cJSON *js = cJSON_GetObjectItemCaseSensitive(body, "stream");
	if (route == R_OLLAMA_CHAT)
		q.stream = !cJSON_IsFalse(js); /* Ollama streams unless told not to */
	else if (route == R_BEDROCK_STREAM || route == R_BEDROCK_CONVERSE)
		q.stream = route == R_BEDROCK_STREAM;
	else
		q.stream = cJSON_IsTrue(js);
	const cJSON *so = cJSON_GetObjectItemCaseSensitive(body, "stream_options");
	q.include_usage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(so, "include_usage"));
	make_pieces(&q, &b, text_set);
	cJSON_AddBoolToObject(record, "stream", q.stream);

	if (!q.stream) {
		double lat = b.latency_ms >= 0 ? b.latency_ms
				 : b.ttft_ms + (q.n_pieces > 1 ? (q.n_pieces - 1) * b.token_ms : 0);
		if (b.fault == FP_FAULT_STALL)
			lat += b.stall_ms;
		int64_t due = t0 + (int64_t)llround(lat * 1e6);
		if (b.fault == FP_FAULT_RESET) {
			rc = queue_at(c, cr, due, 0, NULL, 0);
			goto done;
		}
		struct fp_reply r = { 0 };
		if (route == R_OPENAI_CHAT)
			fp_openai_chat(&r, &q, &b, llamacpp);
		else if (route == R_ANTHROPIC)
			fp_anthropic_message(&r, &q, &b);
		else if (route == R_BEDROCK_CONVERSE)
			fp_bedrock_converse(&r, &q, &b);
		else
			fp_ollama_chat(&r, &q, &b);
		if (b.fault == FP_FAULT_MALFORMED) {
			r.body_len /= 2; /* cut the JSON in half, still a 200 */
			r.body[r.body_len] = '\0';
		}
		if (b.fault == FP_FAULT_TRUNCATE || b.fault == FP_FAULT_TRICKLE) {
			struct stream_ctx *x = sl_xcalloc(1, sizeof *x);
			x->c = c;
			x->fd = fd;
			x->seq = seq;
			size_t full = r.body_len;
			size_t send = b.fault == FP_FAULT_TRUNCATE ? full / 2 : full;
			fp_stream_add(&x->s, 0, -1, r.body, send);
			if (b.fault == FP_FAULT_TRUNCATE) {
				/* Content-Length promises the whole body; the connection closes early. */
				fp_stream_add(&x->s, 0, -1, "", 0);
				x->s.ev[x->s.n - 1].kind = FP_EV_RESET;
			}
			x->trickle = b.fault == FP_FAULT_TRICKLE;
			x->trickle_ns = (int64_t)llround(b.trickle_ms * 1e6);
			x->trickle_bytes = b.trickle_bytes > 0 ? (size_t)b.trickle_bytes : 1;
			log_open(seq, url, false, t0, &x->s, 0);
			rc = queue_at(c, cr, due, r.status,
				      scheduled_response(r.content_type, x, full, &r, &b), 0);
		} else {
			log_open(seq, url, false, t0, NULL, due);
			rc = queue_at(c, cr, due, r.status, reply_response(&r, &b), seq);
		}
		fp_reply_free(&r);
		goto done;
	}

	struct stream_ctx *x = sl_xcalloc(1, sizeof *x);
	x->c = c;
	x->fd = fd;
	const char *ctype = "text/event-stream; charset=utf-8";
	if (route == R_OPENAI_CHAT) {
		fp_openai_stream(&x->s, &q, &b, llamacpp);
	} else if (route == R_ANTHROPIC) {
		fp_anthropic_stream(&x->s, &q, &b);
	} else if (route == R_BEDROCK_STREAM) {
		fp_bedrock_stream(&x->s, &q, &b);
		ctype = "application/vnd.amazon.eventstream";
	} else {
		fp_ollama_stream(&x->s, &q, &b);
		ctype = "application/x-ndjson";
	}
	schedule_faults(&x->s, &b);
	x->seq = seq;
	log_open(seq, url, true, t0, &x->s, 0);
	x->trickle = b.fault == FP_FAULT_TRICKLE;
	x->trickle_ns = (int64_t)llround(b.trickle_ms * 1e6);
	x->trickle_bytes = b.trickle_bytes > 0 ? (size_t)b.trickle_bytes : 1;
	struct fp_reply hdr = { 0 };
	if (route == R_ANTHROPIC)
		fp_reply_header(&hdr, "request-id", "req_fakeprov");
	else if (route == R_BEDROCK_STREAM)
		fp_reply_header(&hdr, "x-amzn-RequestId", "00000000-0000-4000-8000-fakeprov0000");
	else if (route == R_OPENAI_CHAT && !llamacpp)
		fp_reply_header(&hdr, "x-request-id", "req_fakeprov");
	if (strcmp(ctype, "text/event-stream; charset=utf-8") == 0)
		fp_reply_header(&hdr, "Cache-Control", "no-cache");
	size_t due = x->trickle ? 0 : stream_due_body(&x->s, &hdr);
	if (due) {
		/* nothing to wait for: the whole body in one write (with Content-Length) */
		hdr.status = 200;
		hdr.content_type = ctype;
		rc = queue_reply(c, &hdr, &b);
		log_write(seq, 0, due);
		stream_free(x);
	} else {
		struct MHD_Response *resp = scheduled_response(ctype, x, MHD_SIZE_UNKNOWN, &hdr, &b);
		rc = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
	}
	fp_reply_free(&hdr);

done:
	pthread_mutex_lock(&g_lock);
	cJSON_Delete(g_last);
	g_last = record;
	pthread_mutex_unlock(&g_lock);
	if (have_b)
		fp_behaviour_free(&b);
	free_pieces(&q);
	cJSON_Delete(body);
	free(model_from_path);
	sl_buf_free(&query);
	return rc;
}

/* ---- S3 and Bedrock batch jobs (aws_batch.c) ------------------------------------------- */

void fp_converse_answer(const char *model, const cJSON *body, cJSON **answer, int *err_status,
			char **err_message)
{
	struct fp_behaviour b;
	bool text_set;
	resolve(model, &b, &text_set);
	*answer = NULL;
	if (b.fault == FP_FAULT_STATUS || !b.exists) {
		*err_status = b.exists ? b.status : 400;
		*err_message = sl_xstrdup(b.message ? b.message : b.exists ? "scripted failure"
					  : "The provided model identifier is invalid.");
		fp_behaviour_free(&b);
		return;
	}
	struct fp_request q = { .route = "bedrock.batch", .model = model, .body = (cJSON *)body };
	pthread_mutex_lock(&g_lock);
	q.seq = ++g_seq;
	pthread_mutex_unlock(&g_lock);
	q.input_tokens = b.input_tokens > 0 ? b.input_tokens : estimate_input(body);
	make_pieces(&q, &b, text_set);
	struct fp_reply r = { 0 };
	fp_bedrock_converse(&r, &q, &b);
	*answer = cJSON_ParseWithLength(r.body ? r.body : "", r.body_len);
	fp_reply_free(&r);
	free_pieces(&q);
	fp_behaviour_free(&b);
}

static enum MHD_Result aws_request(struct MHD_Connection *c, struct conn_req *cr,
				   const char *method, const char *url, const char *route,
				   const char *service)
{
	struct sl_buf query;
	sl_buf_init(&query);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &query);
	cJSON *record = cJSON_CreateObject();
	record_last(method, url, query.data ? query.data : "", c, &cr->body, record);
	cJSON_AddStringToObject(record, "route", route);
	pthread_mutex_lock(&g_lock);
	g_requests++;
	g_seq++;
	counter_bump(&g_by_route, route, 1);
	counter_bump(&g_by_path, url, 1);
	cJSON *section = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(g_script,
									  "bedrock_batch"), 1);
	pthread_mutex_unlock(&g_lock);
	enum MHD_Result rc = MHD_YES;
	const char *h = get_header(c, "Authorization");
	char why[1100] = "";
	const char *type = "MissingAuthenticationTokenException";
	struct hdrs hs = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hs);
	bool ok = h && verify_sigv4(method, url, query.data ? query.data : "", &hs, &cr->body, h,
				    service, why, sizeof why, &type, record) &&
		  fresh_date(get_header(c, "x-amz-date"), why, sizeof why, &type);
	free(hs.h);
	if (!h)
		snprintf(why, sizeof why, "Missing Authentication Token");
	cJSON_AddStringToObject(record, "auth", "sigv4");
	cJSON_AddBoolToObject(record, "auth_ok", ok);
	pthread_mutex_lock(&g_lock);
	if (ok)
		g_sigv4_ok++;
	else
		g_auth_failures++;
	pthread_mutex_unlock(&g_lock);
	if (!ok) {
		cJSON_AddStringToObject(record, "auth_error", why);
		struct fp_reply r = { 0 };
		fp_aws_auth_error(&r, route, type, why, cJSON_GetStringValue(cJSON_GetObjectItem(
								record, "canonical_request")));
		rc = queue_reply(c, &r, NULL);
		fp_reply_free(&r);
	} else {
		struct fp_reply r = { 0 };
		int delay_ms = 0;
		fp_aws_handle(route, method, url, query.data ? query.data : "", &delay_ms,
			      &cr->body, section, &r);
		rc = delay_ms > 0 ? queue_at(c, cr, fp_now_ns() + (int64_t)delay_ms * 1000000,
					     r.status, reply_response(&r, NULL), 0)
				  : queue_reply(c, &r, NULL);
		fp_reply_free(&r);
	}
	pthread_mutex_lock(&g_lock);
	cJSON_Delete(g_last);
	g_last = record;
	pthread_mutex_unlock(&g_lock);
	cJSON_Delete(section);
	sl_buf_free(&query);
	return rc;
}

/* ---- MHD glue -------------------------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct conn_req *cr = *con_cls;
	if (!cr) {
		cr = sl_xcalloc(1, sizeof *cr);
		sl_buf_init(&cr->body);
		*con_cls = cr;
		return MHD_YES;
	}
	if (cr->waiting)
		return queue_due(c, cr); /* resumed: its reply is due, or the client has gone */
	if (*upload_data_size) {
		if (cr->body.len + *upload_data_size > 64u * 1024 * 1024)
			return MHD_NO;
		sl_buf_append(&cr->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (g_verbose)
		fprintf(stderr, "fakeprov: %s %s (%zu bytes)\n", method, url, cr->body.len);
	if (sl_str_starts_with(url, "/_fake/"))
		return control(c, method, url, &cr->body);
	const char *service, *aws = fp_aws_route(method, url, &service);
	if (aws)
		return aws_request(c, cr, method, url, aws, service);
	return model_request(c, cr, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn_req *cr = *con_cls;
	if (!cr)
		return;
	if (cr->counted) {
		pthread_mutex_lock(&g_lock);
		g_in_flight--;
		pthread_mutex_unlock(&g_lock);
	}
	if (cr->reply)
		MHD_destroy_response(cr->reply);
	sl_buf_free(&cr->body);
	free(cr);
	*con_cls = NULL;
}

/* Keep the URL exactly as received: SigV4 is computed over the raw path, and Bedrock model
 * ids are percent-decoded by the route code itself. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}


static void usage(void)
{
	fprintf(stderr, "usage: fakeprov [--port N] [--port-file FILE] [--script FILE.json] "
			"[--verbose]\n"
			"  Listens on 127.0.0.1 (port 0 = any free port), prints the port on the "
			"first line of stdout.\n");
}

int main(int argc, char **argv)
{
	int port = 0;
	const char *port_file = NULL, *script_file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
			port_file = argv[++i];
		else if (strcmp(argv[i], "--script") == 0 && i + 1 < argc)
			script_file = argv[++i];
		else if (strcmp(argv[i], "--verbose") == 0)
			g_verbose = true;
		else {
			usage();
			return 2;
		}
	}
	if (script_file) {
		struct sl_error err = { 0 };
		size_t len;
		char *text = sl_read_file(script_file, &len, &err);
		if (!text) {
			fprintf(stderr, "fakeprov: %s\n", err.msg);
			return 2;
		}
		g_script = cJSON_ParseWithLength(text, len);
		free(text);
		char msg[512] = "";
		if (!g_script || check_script(g_script, msg, sizeof msg)) {
			fprintf(stderr, "fakeprov: %s: %s\n", script_file,
				g_script ? msg : "not valid JSON");
			return 2;
		}
	} else {
		g_script = cJSON_CreateObject();
	}

	signal(SIGPIPE, SIG_IGN);
	/* SIGTERM/SIGINT are taken by sigwait() in the main thread only: a handler plus pause()
	 * hung when the kernel delivered the signal to one of MHD's threads (pause() in main
	 * never returned; the test waiting in fakeprov_stop() hung with it). The threads MHD
	 * starts inherit the blocked mask. */
	sigset_t stop_sigs;
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);

	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_wait_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_t waiter;
	if (g_wait_wake < 0 || pthread_create(&waiter, NULL, waiter_main, NULL) != 0) {
		fprintf(stderr, "fakeprov: cannot start the waiter thread: %s\n", strerror(errno));
		return 1;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			/* faults make MHD log every cut connection: only when asked */
			(g_verbose ? MHD_USE_ERROR_LOG : 0),
		0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)FP_THREADS,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fakeprov: cannot listen on 127.0.0.1:%d: %s\n", port,
			strerror(errno));
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	int bound = info ? info->port : port;
	printf("%d\n", bound);
	fflush(stdout);
	if (port_file) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d\n", bound);
		struct sl_error err = { 0 };
		if (sl_write_file_atomic(port_file, buf, (size_t)n, &err)) {
			fprintf(stderr, "fakeprov: %s\n", err.msg);
			return 1;
		}
	}
	int sig;
	sigwait(&stop_sigs, &sig);
	/* Connections may be suspended mid-stall (MHD_stop_daemon must not see them): just go. */
	_exit(0);
}
