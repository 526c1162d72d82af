/* Incremental parsers for streamed bodies: Server-Sent Events and newline-delimited JSON.
 * Network reads split the stream anywhere (inside a line, between CR and LF, inside a
 * UTF-8 sequence), so both keep the unfinished line and parse only whole lines. */
#include <string.h>

#include "shortlist/provider.h"

void sl_sse_init(struct sl_sse *p)
{
	memset(p, 0, sizeof *p);
	sl_buf_init(&p->line);
	sl_buf_init(&p->event);
	sl_buf_init(&p->data);
}

void sl_sse_free(struct sl_sse *p)
{
	sl_buf_free(&p->line);
	sl_buf_free(&p->event);
	sl_buf_free(&p->data);
}

static void sse_dispatch(struct sl_sse *p, sl_sse_event_fn fn, void *ud)
{
	/* WHATWG: an event with an empty data buffer is not dispatched. */
	if (p->have_data)
		fn(ud, p->event.len ? p->event.data : "message", p->data.data ? p->data.data : "",
		   p->data.len);
	sl_buf_reset(&p->event);
	sl_buf_reset(&p->data);
	p->have_data = false;
}

static void sse_line(struct sl_sse *p, const char *line, size_t len, sl_sse_event_fn fn,
		     void *ud)
{
	if (len == 0) {
		sse_dispatch(p, fn, ud);
		return;
	}
	if (line[0] == ':')
		return; /* comment / keep-alive */
	const char *colon = memchr(line, ':', len);
	size_t name_len = colon ? (size_t)(colon - line) : len;
	const char *value = colon ? colon + 1 : line + len;
	size_t value_len = colon ? len - name_len - 1 : 0;
	if (value_len && value[0] == ' ') {
		value++;
		value_len--;
	}
	if (name_len == 4 && memcmp(line, "data", 4) == 0) {
		if (p->have_data)
			sl_buf_putc(&p->data, '\n');
		sl_buf_append(&p->data, value, value_len);
		p->have_data = true;
	} else if (name_len == 5 && memcmp(line, "event", 5) == 0) {
		sl_buf_reset(&p->event);
		sl_buf_append(&p->event, value, value_len);
	}
	/* id, retry and unknown fields do not matter to a one-shot API stream. */
}

void sl_sse_feed(struct sl_sse *p, const char *data, size_t len, sl_sse_event_fn fn, void *ud)
{
	size_t i = 0;
	if (!p->bom_checked) {
		/* A UTF-8 byte order mark may open the stream; it can arrive split too. */
		while (i < len && p->line.len < 3) {
			static const char bom[3] = { '\xEF', '\xBB', '\xBF' };
			if (data[i] != bom[p->line.len]) {
				/* Not a BOM: the bytes kept so far are ordinary line bytes. */
				p->bom_checked = true;
				break;
			}
			sl_buf_putc(&p->line, data[i++]);
		}
		if (!p->bom_checked) {
			if (p->line.len < 3)
				return;
			sl_buf_reset(&p->line);
			p->bom_checked = true;
		}
	}
	/* Whole lines are parsed where they lie; only a line cut by the read is copied. The
	 * next LF is remembered so that CR-only lines do not search the rest again each. */
	const char *lf = NULL;
	while (i < len) {
		if (p->last_was_cr) {
			p->last_was_cr = false; /* the LF of a CRLF split or not */
			if (data[i] == '\n') {
				i++;
				continue;
			}
		}
		const char *s = data + i;
		size_t rest = len - i;
		if (!lf || lf < s) {
			lf = memchr(s, '\n', rest);
			if (!lf)
				lf = data + len; /* none until the end */
		}
		size_t upto = (size_t)(lf - s);
		const char *cr = memchr(s, '\r', upto);
		size_t n = cr ? (size_t)(cr - s) : upto;
		if (n == rest) { /* no line end yet */
			sl_buf_append(&p->line, s, n);
			return;
		}
		p->last_was_cr = s[n] == '\r';
		if (p->line.len) {
			sl_buf_append(&p->line, s, n);
			sse_line(p, p->line.data, p->line.len, fn, ud);
			sl_buf_reset(&p->line);
		} else {
			sse_line(p, s, n, fn, ud);
		}
		i += n + 1;
	}
}

void sl_lines_feed(struct sl_buf *pending, const char *data, size_t len, sl_line_fn fn, void *ud)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		if (!nl) {
			sl_buf_append(pending, data, len);
			return;
		}
		size_t n = (size_t)(nl - data);
		const char *line = data;
		if (pending->len) {
			sl_buf_append(pending, data, n);
			line = pending->data;
			n = pending->len;
		}
		if (n && line[n - 1] == '\r')
			n--;
		if (n)
			fn(ud, line, n);
		sl_buf_reset(pending);
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
}

void sl_lines_end(struct sl_buf *pending, sl_line_fn fn, void *ud)
{
	size_t n = pending->len;
	if (n && pending->data[n - 1] == '\r')
		n--;
	if (n)
		fn(ud, pending->data, n);
	sl_buf_reset(pending);
}
