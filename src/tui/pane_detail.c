/* The detail pane: everything known about one model, and nothing invented: unknown fields
 * show the unknown glyph, derived values carry the derived mark. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glyph.h"
#include "models.h"

const char *tui_fmt_tokens(int64_t n, char *buf, size_t len)
{
	/* A window of 0 tokens is a placeholder in the source, not a fact. */
	if (n <= 0)
		return NULL;
	if (n >= 1000000) {
		double m = (double)n / (n % 1048576 == 0 ? 1048576.0 : 1000000.0);
		if (fabs(m - round(m)) < 0.005)
			snprintf(buf, len, "%.0fM", m);
		else
			snprintf(buf, len, "%.2fM", m);
	} else if (n >= 1000) {
		/* 128000 is "128K", and so is 131072: binary sizes are named in KiB. */
		long k = n % 1000 == 0   ? (long)(n / 1000)
			 : n % 1024 == 0 ? (long)(n / 1024)
					 : (long)((n + 500) / 1000);
		snprintf(buf, len, "%ldK", k);
	} else {
		snprintf(buf, len, "%ld", (long)n);
	}
	return buf;
}

const char *tui_fmt_price(double usd, char *buf, size_t len)
{
	if (isnan(usd) || usd < 0)
		return NULL;
	/* Two decimals like a price list; sub-dime prices keep a third so they do not all
	 * read 0.01. */
	if (usd >= 100)
		snprintf(buf, len, "%.0f", usd);
	else if (usd >= 0.1 || usd == 0)
		snprintf(buf, len, "%.2f", usd);
	else
		snprintf(buf, len, "%.3f", usd);
	return buf;
}

const char *tui_fmt_score(double score, char *buf, size_t len)
{
	if (isnan(score))
		return NULL;
	snprintf(buf, len, "%.1f", score);
	return buf;
}

static void fmt_thousands(int64_t n, char *buf, size_t len)
{
	char digits[32];
	snprintf(digits, sizeof digits, "%lld", (long long)n);
	size_t nd = strlen(digits), o = 0;
	for (size_t i = 0; i < nd && o + 2 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

struct line {
	const char *label; /* NULL: the value column only */
	char *text;        /* NULL: unknown */
	enum tui_role role;
	bool full;         /* spans the pane from the label column (headings, names) */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static void add(struct lines *ls, const char *label, char *text, enum tui_role role)
{
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 64;
		ls->v = sl_xrealloc(ls->v, ls->cap * sizeof *ls->v);
	}
	ls->v[ls->n++] = (struct line){ label, text, role, false };
}

static void add_full(struct lines *ls, char *text, enum tui_role role)
{
	add(ls, NULL, text, role);
	ls->v[ls->n - 1].full = true;
}

static void add_str(struct lines *ls, const char *label, const char *s)
{
	add(ls, label, s && *s ? sl_xstrdup(s) : NULL, TUI_ROLE_DEFAULT);
}

static void add_tri(struct lines *ls, const char *label, int v)
{
	add(ls, label, v < 0 ? NULL : sl_xstrdup(v ? "yes" : "no"),
	    v < 0 ? TUI_ROLE_DEFAULT : v ? TUI_ROLE_YES : TUI_ROLE_NO);
}

static void add_tokens(struct lines *ls, const char *label, int64_t n)
{
	char b[40];
	if (n <= 0) {
		add(ls, label, NULL, TUI_ROLE_DEFAULT);
		return;
	}
	fmt_thousands(n, b, sizeof b);
	add(ls, label, sl_xasprintf("%s tokens", b), TUI_ROLE_DEFAULT);
}

static void add_price(struct lines *ls, const char *label, double usd)
{
	char b[40];
	const char *t = tui_fmt_price(usd, b, sizeof b);
	add(ls, label, t ? sl_xasprintf("$%s per 1M tokens", t) : NULL, TUI_ROLE_DEFAULT);
}

static void build_lines(struct lines *ls, const struct sl_model *m,
			const struct sl_benchmark *bench, size_t n_bench)
{
	add_str(ls, "Key", m->key);
	add_str(ls, "Name", m->name);
	if (m->provider_name && *m->provider_name)
		add(ls, "Provider", sl_xasprintf("%s (%s)", m->provider_name, m->provider_id),
		    TUI_ROLE_DEFAULT);
	else
		add_str(ls, "Provider", m->provider_id);
	add_str(ls, "Model id", m->model_id);
	add_str(ls, "Family", m->family);
	add_str(ls, "Base model", m->base_model);
	add_tri(ls, "Open weights", m->open_weights);
	if (m->license && *m->license)
		add(ls, "Licence",
		    sl_xasprintf("%s%s", m->license, m->license_annotated ? " (your note)" : ""),
		    TUI_ROLE_DEFAULT);
	else
		add(ls, "Licence", NULL, TUI_ROLE_DEFAULT);
	if (!isnan(m->params_b))
		add(ls, "Parameters",
		    sl_xasprintf("%gB%s", m->params_b,
				 m->params_derived     ? " (derived from the id)"
				 : m->params_annotated ? " (your note)"
						       : ""),
		    m->params_derived ? TUI_ROLE_DERIVED : TUI_ROLE_DEFAULT);
	else
		add(ls, "Parameters", NULL, TUI_ROLE_DEFAULT);
	if (m->size_class)
		add(ls, "Size class",
		    sl_xasprintf("%s%s", m->size_class, m->params_derived ? " (derived)" : ""),
		    m->params_derived ? TUI_ROLE_DERIVED : TUI_ROLE_DEFAULT);
	else
		add(ls, "Size class", NULL, TUI_ROLE_DEFAULT);
	add_tokens(ls, "Context", m->context);
	add_tokens(ls, "Max output", m->max_output);
	add_price(ls, "Input price", m->price_in);
	add_price(ls, "Output price", m->price_out);
	add_price(ls, "Cache read", m->price_cache_read);
	add_price(ls, "Cache write", m->price_cache_write);
	add_str(ls, "Input", m->modalities_in);
	add_str(ls, "Output", m->modalities_out);
	add_tri(ls, "Reasoning", m->reasoning);
	add_tri(ls, "Tool calling", m->tool_call);
	add_tri(ls, "Attachments", m->attachment);
	add_tri(ls, "Structured out", m->structured_output);
	add_str(ls, "Released", m->release_date);
	add_str(ls, "Knowledge", m->knowledge);
	add_str(ls, "Last updated", m->last_updated);
	add_str(ls, "Status", m->status);
	add_tri(ls, "Fine-tunable", m->fine_tunable);
	add_tri(ls, "Commercial use", m->commercial_use);
	add_str(ls, "Domains", m->domains);
	add_str(ls, "Notes", m->notes);
	add_tri(ls, "Shortlisted", m->shortlisted);
	char sc[32];
	const char *hs = tui_fmt_score(m->bench_score, sc, sizeof sc);
	add(ls, "Bench column",
	    hs ? sl_xasprintf("%s %s", hs, m->bench_name ? m->bench_name : "") : NULL,
	    TUI_ROLE_DEFAULT);
	add_full(ls, sl_xasprintf("Published benchmarks (%zu)", n_bench), TUI_ROLE_LABEL);
	if (!n_bench)
		add(ls, NULL, sl_xstrdup("none in the catalogue"), TUI_ROLE_DIM);
	for (size_t i = 0; i < n_bench; i++) {
		const struct sl_benchmark *b = &bench[i];
		const char *s = tui_fmt_score(b->score, sc, sizeof sc);
		add_full(ls, sl_xstrdup(b->name && *b->name ? b->name : "(unnamed)"), TUI_ROLE_DEFAULT);
		add(ls, NULL,
		    sl_xasprintf("%s%s%s%s%s%s", s ? s : tui_glyph(TUI_GLYPH_UNKNOWN),
				 b->metric && *b->metric ? " " : "", b->metric ? b->metric : "",
				 b->date && *b->date ? " (" : "", b->date ? b->date : "",
				 b->date && *b->date ? ")" : ""),
		    TUI_ROLE_DEFAULT);
		add(ls, NULL, b->source && *b->source ? sl_xstrdup(b->source) : sl_xstrdup("source not given"),
		    TUI_ROLE_DIM);
	}
}

#define LABEL_W 15

void tui_detail_draw(struct tui_grid *g, struct tui_rect r, const struct sl_model *m,
		     const struct sl_benchmark *bench, size_t n_bench, int *scroll)
{
	tui_grid_fill(g, r, TUI_ROLE_PANEL);
	if (r.h < 2 || r.w < 20)
		return;
	/* Frame title on the top edge. */
	for (int x = r.x; x < r.x + r.w; x++)
		tui_grid_put(g, x, r.y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_HLINE));
	char title[160];
	snprintf(title, sizeof title, " %s ", m->name && *m->name ? m->name : m->key);
	tui_grid_put(g, r.x + 2, r.y, r.w - 4, TUI_ROLE_LABEL, 0, title);

	struct lines ls = { 0 };
	build_lines(&ls, m, bench, n_bench);
	/* Wrap into screen rows first so scrolling counts rows, not fields. */
	int tw = r.w - LABEL_W - 3;
	struct row {
		const char *label;
		const char *text; /* points into a line; len bytes */
		size_t len;
		enum tui_role role;
		bool unknown, full;
	};
	struct row *rows = NULL;
	size_t nr = 0, cap = 0;
	for (size_t i = 0; i < ls.n; i++) {
		struct line *l = &ls.v[i];
		int width = l->full ? r.w - 2 : tw;
		const char *t = l->text ? l->text : tui_glyph(TUI_GLYPH_UNKNOWN);
		const char *label = l->label;
		do {
			size_t fit = tui_text_fit(t, width);
			if (fit < strlen(t)) {
				/* Prefer breaking after a space. */
				size_t sp = fit;
				while (sp > 0 && t[sp - 1] != ' ')
					sp--;
				if (sp > fit / 2)
					fit = sp;
			}
			if (fit == 0)
				fit = strlen(t) ? 1 : 0;
			if (nr == cap) {
				cap = cap ? cap * 2 : 128;
				rows = sl_xrealloc(rows, cap * sizeof *rows);
			}
			rows[nr++] = (struct row){ label, t, fit, l->role, !l->text, l->full };
			label = NULL;
			t += fit;
		} while (*t);
	}
	int body_h = r.h - 1;
	int max_scroll = (int)nr > body_h ? (int)nr - body_h : 0;
	if (*scroll > max_scroll)
		*scroll = max_scroll;
	if (*scroll < 0)
		*scroll = 0;
	for (int i = 0; i < body_h && (size_t)(*scroll + i) < nr; i++) {
		struct row *row = &rows[*scroll + i];
		int y = r.y + 1 + i;
		char text[512];
		size_t n = row->len < sizeof text - 1 ? row->len : sizeof text - 1;
		memcpy(text, row->text, n);
		text[n] = '\0';
		if (row->full) {
			tui_grid_put(g, r.x + 1, y, r.w - 2, row->role,
				     row->role == TUI_ROLE_LABEL ? TUI_A_BOLD : 0, text);
			continue;
		}
		if (row->label)
			tui_grid_put(g, r.x + 1, y, LABEL_W, TUI_ROLE_LABEL, 0, row->label);
		tui_grid_put(g, r.x + 2 + LABEL_W, y, tw, row->unknown ? TUI_ROLE_UNKNOWN : row->role,
			     0, text);
	}
	if (*scroll > 0)
		tui_grid_put(g, r.x + r.w - 2, r.y + 1, 1, TUI_ROLE_DIM, 0, tui_glyph(TUI_GLYPH_MORE_UP));
	if (*scroll < max_scroll)
		tui_grid_put(g, r.x + r.w - 2, r.y + r.h - 1, 1, TUI_ROLE_DIM, 0,
			     tui_glyph(TUI_GLYPH_MORE_DOWN));
	free(rows);
	for (size_t i = 0; i < ls.n; i++)
		free(ls.v[i].text);
	free(ls.v);
}
