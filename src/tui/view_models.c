/* The Models screen: the catalogue as a sortable, searchable, filterable table with a
 * detail pane. All models are loaded once; search and filters only rebuild the list of
 * visible rows, so typing never touches the database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glyph.h"
#include "models.h"

enum column_id { COL_NAME, COL_PROVIDER, COL_OPEN, COL_CONTEXT, COL_PRICE_IN, COL_PRICE_OUT,
		 COL_BENCH, COL_RELEASE, COL_COUNT };

static const struct column {
	const char *title;
	const char *sort_key;
	enum tui_action sort_action;
	int min_w, max_w;
	bool right;
} columns[COL_COUNT] = {
	[COL_NAME] = { "Name", "name", TUI_ACT_SORT_NAME, 16, 0, false },
	[COL_PROVIDER] = { "Provider", "provider", TUI_ACT_SORT_PROVIDER, 9, 20, false },
	[COL_OPEN] = { "Open", "open_weights", TUI_ACT_SORT_OPEN, 5, 5, false },
	[COL_CONTEXT] = { "Context", "context", TUI_ACT_SORT_CONTEXT, 8, 8, true },
	[COL_PRICE_IN] = { "$in/1M", "price_in", TUI_ACT_SORT_PRICE_IN, 7, 7, true },
	[COL_PRICE_OUT] = { "$out/1M", "price_out", TUI_ACT_SORT_PRICE_OUT, 8, 8, true },
	[COL_BENCH] = { "Bench", "bench", TUI_ACT_SORT_BENCH, 6, 6, true },
	[COL_RELEASE] = { "Released", "release", TUI_ACT_SORT_RELEASE, 10, 10, false },
};

#define TABLE_PREFIX 3 /* cursor glyph, shortlist mark, blank */
#define WIDE_LAYOUT_COLS 140 /* from here the detail pane sits to the right */
#define DETAIL_RIGHT_W 56

struct models_view {
	struct tui_view base;
	struct sl_model_list all; /* sorted by the current column */
	size_t *rows;             /* indices into all.items that pass the filters */
	size_t n_rows;
	size_t cursor, top;
	int sort_col;
	bool sort_desc;
	struct tui_filters filters;
	struct sl_filter_set *fset;
	char filter_error[1024];
	bool searching;
	char search_before[128]; /* restored by Esc */
	bool detail_open;
	int detail_scroll;
	char *bench_key;          /* whose benchmarks are cached */
	struct sl_benchmark *bench;
	size_t n_bench;
	/* Geometry of the last frame, for paging and mouse hits. */
	struct tui_rect table;    /* header row + body rows */
	struct tui_rect pane;     /* the detail pane, w = 0 when closed */
	int col_x[COL_COUNT], col_w[COL_COUNT];
};

static struct models_view *mv_of(struct tui_view *v)
{
	return (struct models_view *)v;
}

static struct sl_model *cursor_model(struct models_view *mv)
{
	if (mv->cursor >= mv->n_rows)
		return NULL;
	return &mv->all.items[mv->rows[mv->cursor]];
}

/* Rebuild the visible rows with the cursor on the model keep (if it stays visible). */
static void refilter_keep(struct models_view *mv, const char *keep)
{
	sl_filter_set_free(mv->fset);
	mv->fset = NULL;
	struct sl_error err = { 0 };
	mv->filter_error[0] = '\0';
	if (tui_filters_build(&mv->filters, &mv->fset, &err) != 0)
		snprintf(mv->filter_error, sizeof mv->filter_error, "%s", err.msg);
	mv->n_rows = 0;
	size_t new_cursor = 0;
	for (size_t i = 0; i < mv->all.len; i++) {
		struct sl_model *m = &mv->all.items[i];
		if (mv->filters.shortlist_only && !m->shortlisted)
			continue;
		if (!sl_filter_matches(mv->fset, m))
			continue;
		if (keep && strcmp(keep, m->key) == 0)
			new_cursor = mv->n_rows;
		mv->rows[mv->n_rows++] = i;
	}
	mv->cursor = new_cursor;
	if (mv->top > mv->cursor)
		mv->top = mv->cursor;
	mv->detail_scroll = 0;
	mv->base.app->dirty = true;
}

/* Rebuild the visible rows, keeping the cursor on the same model when it stays visible. */
static void refilter(struct models_view *mv)
{
	struct sl_model *cur = cursor_model(mv);
	char *keep = cur ? sl_xstrdup(cur->key) : NULL;
	refilter_keep(mv, keep);
	free(keep);
}

/* A new order starts at its top: after "sort by output price" the cheapest model is what
 * the user wants to see, not the old selection somewhere in the middle. */
static int resort(struct models_view *mv)
{
	char key[40];
	snprintf(key, sizeof key, "%s%s", mv->sort_desc ? "-" : "", columns[mv->sort_col].sort_key);
	struct sl_error err = { 0 };
	int rc = sl_model_list_sort(&mv->all, key, &err);
	if (rc != 0)
		tui_app_message(mv->base.app, true, "%s", err.msg);
	mv->top = 0;
	refilter_keep(mv, NULL);
	return rc;
}

static const char *filters_changed(void *ud)
{
	struct models_view *mv = ud;
	refilter(mv);
	return mv->filter_error[0] ? mv->filter_error : NULL;
}

static void set_sort(struct models_view *mv, int col)
{
	if (mv->sort_col == col) {
		mv->sort_desc = !mv->sort_desc;
	} else {
		mv->sort_col = col;
		/* Numbers people want "best first": cheapest prices, biggest windows. */
		mv->sort_desc = col == COL_CONTEXT || col == COL_BENCH || col == COL_RELEASE ||
				col == COL_OPEN;
	}
	resort(mv);
}

static int body_rows(const struct models_view *mv)
{
	int n = mv->table.h - 1;
	return n > 1 ? n : 1;
}

static void move_cursor(struct models_view *mv, long delta)
{
	if (!mv->n_rows)
		return;
	long c = (long)mv->cursor + delta;
	if (c < 0)
		c = 0;
	if (c >= (long)mv->n_rows)
		c = (long)mv->n_rows - 1;
	if ((size_t)c != mv->cursor) {
		mv->cursor = (size_t)c;
		mv->detail_scroll = 0;
	}
}

static void toggle_shortlist(struct models_view *mv)
{
	struct sl_model *m = cursor_model(mv);
	if (!m)
		return;
	struct sl_error err = { 0 };
	bool now_in = false;
	if (sl_shortlist_toggle(mv->base.app->store, m->key, &now_in, &err) != 0) {
		tui_app_message(mv->base.app, true, "%s", err.msg);
		return;
	}
	m->shortlisted = now_in;
	tui_app_message(mv->base.app, false, "%s %s the shortlist", m->key,
			now_in ? "added to" : "removed from");
	if (mv->filters.shortlist_only && !now_in)
		refilter(mv);
}

static enum tui_context mv_context(struct tui_view *v)
{
	return mv_of(v)->searching ? TUI_CTX_SEARCH : TUI_CTX_MODELS;
}

static int mv_action(struct tui_view *v, enum tui_action a)
{
	struct models_view *mv = mv_of(v);
	long page = body_rows(mv);
	switch (a) {
	case TUI_ACT_MOVE_DOWN: move_cursor(mv, 1); break;
	case TUI_ACT_MOVE_UP: move_cursor(mv, -1); break;
	case TUI_ACT_PAGE_DOWN: move_cursor(mv, page); break;
	case TUI_ACT_PAGE_UP: move_cursor(mv, -page); break;
	case TUI_ACT_FIRST: move_cursor(mv, -(long)mv->n_rows); break;
	case TUI_ACT_LAST: move_cursor(mv, (long)mv->n_rows); break;
	case TUI_ACT_TOGGLE_SHORTLIST: toggle_shortlist(mv); break;
	case TUI_ACT_DETAIL:
		mv->detail_open = !mv->detail_open;
		mv->detail_scroll = 0;
		break;
	case TUI_ACT_DETAIL_DOWN:
		if (mv->detail_open)
			mv->detail_scroll += 3;
		break;
	case TUI_ACT_DETAIL_UP:
		if (mv->detail_open)
			mv->detail_scroll = mv->detail_scroll > 3 ? mv->detail_scroll - 3 : 0;
		break;
	case TUI_ACT_SEARCH:
		mv->searching = true;
		snprintf(mv->search_before, sizeof mv->search_before, "%s", mv->filters.search);
		break;
	case TUI_ACT_FILTERS:
		tui_app_push(v->app, tui_filter_panel_new(v->app, &mv->filters, filters_changed, mv));
		break;
	case TUI_ACT_CLEAR_ALL:
		memset(&mv->filters, 0, sizeof mv->filters);
		refilter(mv);
		break;
	case TUI_ACT_SHORTLIST_ONLY:
		mv->filters.shortlist_only = !mv->filters.shortlist_only;
		refilter(mv);
		break;
	case TUI_ACT_SORT_NEXT:
		mv->sort_col = (mv->sort_col + 1) % COL_COUNT;
		mv->sort_desc = false;
		resort(mv);
		break;
	case TUI_ACT_SORT_REVERSE:
		mv->sort_desc = !mv->sort_desc;
		resort(mv);
		break;
	case TUI_ACT_SEARCH_ACCEPT: mv->searching = false; break;
	case TUI_ACT_SEARCH_CANCEL:
		mv->searching = false;
		snprintf(mv->filters.search, sizeof mv->filters.search, "%s", mv->search_before);
		refilter(mv);
		break;
	case TUI_ACT_SEARCH_ERASE: {
		tui_text_erase_last(mv->filters.search);
		refilter(mv);
		break;
	}
	case TUI_ACT_SEARCH_CLEAR:
		mv->filters.search[0] = '\0';
		refilter(mv);
		break;
	default:
		for (int c = 0; c < COL_COUNT; c++)
			if (columns[c].sort_action == a) {
				set_sort(mv, c);
				return TUI_HANDLED | TUI_REDRAW;
			}
		return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int mv_mouse(struct models_view *mv, const struct tui_event *ev)
{
	struct tui_rect t = mv->table;
	struct tui_rect p = mv->pane;
	bool in_pane = p.w && ev->mx >= p.x && ev->mx < p.x + p.w && ev->my >= p.y &&
		       ev->my < p.y + p.h;
	if (in_pane && (ev->mouse == TUI_MOUSE_WHEEL_DOWN || ev->mouse == TUI_MOUSE_WHEEL_UP)) {
		return mv_action(&mv->base, ev->mouse == TUI_MOUSE_WHEEL_DOWN ? TUI_ACT_DETAIL_DOWN
									   : TUI_ACT_DETAIL_UP);
	}
	if (ev->mouse == TUI_MOUSE_WHEEL_DOWN || ev->mouse == TUI_MOUSE_WHEEL_UP) {
		move_cursor(mv, ev->mouse == TUI_MOUSE_WHEEL_DOWN ? 3 : -3);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (ev->mx < t.x || ev->mx >= t.x + t.w || ev->my < t.y || ev->my >= t.y + t.h)
		return 0;
	if (ev->my == t.y) { /* header: sort by the clicked column */
		for (int c = 0; c < COL_COUNT; c++)
			if (mv->col_w[c] && ev->mx >= mv->col_x[c] &&
			    ev->mx < mv->col_x[c] + mv->col_w[c]) {
				set_sort(mv, c);
				return TUI_HANDLED | TUI_REDRAW;
			}
		return 0;
	}
	size_t row = mv->top + (size_t)(ev->my - t.y - 1);
	if (row < mv->n_rows) {
		mv->cursor = row;
		mv->detail_scroll = 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int mv_event(struct tui_view *v, const struct tui_event *ev)
{
	struct models_view *mv = mv_of(v);
	if (ev->key == TK_MOUSE)
		return mv_mouse(mv, ev);
	if (mv->searching && ev->key >= 0x20 && ev->key < TK_SPECIAL && ev->key != 0x7F) {
		tui_text_append(mv->filters.search, sizeof mv->filters.search, ev->key);
		refilter(mv);
		return TUI_HANDLED | TUI_REDRAW;
	}
	/* While typing, arrows and paging still move through the narrowed table. */
	if (mv->searching && ev->key > TK_SPECIAL) {
		enum tui_action a = tui_action_for_key(TUI_CTX_MODELS, ev->key);
		if (a == TUI_ACT_MOVE_DOWN || a == TUI_ACT_MOVE_UP || a == TUI_ACT_PAGE_DOWN ||
		    a == TUI_ACT_PAGE_UP || a == TUI_ACT_FIRST || a == TUI_ACT_LAST)
			return mv_action(v, a);
	}
	return 0;
}

/* ---- drawing ---- */

static void layout_columns(struct models_view *mv, int width)
{
	int fixed = TABLE_PREFIX;
	for (int c = COL_OPEN; c < COL_COUNT; c++)
		fixed += columns[c].min_w + 1;
	int flex = width - fixed - 1; /* name + provider + the blank between them */
	int prov = columns[COL_PROVIDER].min_w;
	int name = flex - prov;
	/* Give the provider room up to its maximum once the name has 32 columns. */
	while (name > 32 && prov < columns[COL_PROVIDER].max_w) {
		prov++;
		name--;
	}
	if (name < columns[COL_NAME].min_w)
		name = columns[COL_NAME].min_w;
	int x = TABLE_PREFIX;
	for (int c = 0; c < COL_COUNT; c++) {
		int w = c == COL_NAME ? name : c == COL_PROVIDER ? prov : columns[c].min_w;
		mv->col_x[c] = x;
		mv->col_w[c] = w;
		x += w + 1;
	}
}

static void put_cell(struct tui_grid *g, int x, int y, int w, const char *text, bool right,
		     enum tui_role role, int attrs)
{
	if (!text)
		tui_grid_put_field(g, x, y, w, TUI_ROLE_UNKNOWN, attrs, tui_glyph(TUI_GLYPH_UNKNOWN),
				   right);
	else
		tui_grid_put_field(g, x, y, w, role, attrs, text, right);
}

static void draw_row(struct models_view *mv, struct tui_grid *g, int x0, int y,
		     const struct sl_model *m, bool selected)
{
	char buf[64];
	enum tui_role base = selected ? TUI_ROLE_CURSOR : TUI_ROLE_DEFAULT;
	int rowattr = 0;
	if (selected)
		tui_grid_put(g, x0, y, 1, TUI_ROLE_CURSOR, 0, tui_glyph(TUI_GLYPH_CURSOR));
	if (m->shortlisted)
		tui_grid_put(g, x0 + 1, y, 1, selected ? TUI_ROLE_CURSOR : TUI_ROLE_MARK, 0,
			     tui_glyph(TUI_GLYPH_MARK));
	for (int c = 0; c < COL_COUNT; c++) {
		int x = x0 + mv->col_x[c], w = mv->col_w[c];
		const char *text = NULL;
		enum tui_role role = base;
		switch (c) {
		case COL_NAME: text = m->name && *m->name ? m->name : m->model_id; break;
		case COL_PROVIDER: text = m->provider_id; break;
		case COL_OPEN:
			text = m->open_weights < 0 ? NULL : m->open_weights ? "yes" : "no";
			if (!selected && m->open_weights >= 0)
				role = m->open_weights ? TUI_ROLE_YES : TUI_ROLE_NO;
			break;
		case COL_CONTEXT: text = tui_fmt_tokens(m->context, buf, sizeof buf); break;
		case COL_PRICE_IN: text = tui_fmt_price(m->price_in, buf, sizeof buf); break;
		case COL_PRICE_OUT: text = tui_fmt_price(m->price_out, buf, sizeof buf); break;
		case COL_BENCH: text = tui_fmt_score(m->bench_score, buf, sizeof buf); break;
		case COL_RELEASE: text = m->release_date && *m->release_date ? m->release_date : NULL; break;
		}
		if (text && !*text)
			text = NULL;
		put_cell(g, x, y, w, text, columns[c].right, role, rowattr);
		if (selected && !text)
			tui_grid_set_role(g, (struct tui_rect){ x, y, w, 1 }, TUI_ROLE_CURSOR, 0);
	}
}

static void draw_table(struct models_view *mv, struct tui_grid *g, struct tui_rect r)
{
	mv->table = r;
	layout_columns(mv, r.w);
	/* header */
	tui_grid_fill(g, (struct tui_rect){ r.x, r.y, r.w, 1 }, TUI_ROLE_HEADER);
	for (int c = 0; c < COL_COUNT; c++) {
		char title[48];
		bool sorted = c == mv->sort_col;
		snprintf(title, sizeof title, "%s%s", columns[c].title,
			 sorted ? tui_glyph(mv->sort_desc ? TUI_GLYPH_SORT_DESC : TUI_GLYPH_SORT_ASC)
				: "");
		tui_grid_put_field(g, r.x + mv->col_x[c], r.y, mv->col_w[c],
				   sorted ? TUI_ROLE_HEADER_SORTED : TUI_ROLE_HEADER, 0, title,
				   columns[c].right);
	}
	int rows = r.h - 1;
	if (rows < 1)
		return;
	if (mv->cursor < mv->top)
		mv->top = mv->cursor;
	if (mv->cursor >= mv->top + (size_t)rows)
		mv->top = mv->cursor - (size_t)rows + 1;
	/* Never leave blank rows at the bottom while earlier rows exist. */
	if (mv->n_rows >= (size_t)rows && mv->top + (size_t)rows > mv->n_rows)
		mv->top = mv->n_rows - (size_t)rows;
	if (mv->n_rows == 0) {
		const char *msg = mv->all.len ? "No model matches: press x to clear the search and filters"
					      : "The catalogue is empty: run `shortlist catalog update`";
		tui_grid_put(g, r.x + TABLE_PREFIX, r.y + 2, r.w - TABLE_PREFIX, TUI_ROLE_DIM, 0, msg);
		return;
	}
	for (int i = 0; i < rows && mv->top + (size_t)i < mv->n_rows; i++) {
		size_t idx = mv->top + (size_t)i;
		bool sel = idx == mv->cursor;
		int y = r.y + 1 + i;
		if (sel)
			tui_grid_fill(g, (struct tui_rect){ r.x, y, r.w, 1 }, TUI_ROLE_CURSOR);
		draw_row(mv, g, r.x, y, &mv->all.items[mv->rows[idx]], sel);
	}
}

static void load_benchmarks(struct models_view *mv, const struct sl_model *m)
{
	if (mv->bench_key && strcmp(mv->bench_key, m->key) == 0)
		return;
	sl_benchmarks_free(mv->bench, mv->n_bench);
	mv->bench = NULL;
	mv->n_bench = 0;
	free(mv->bench_key);
	mv->bench_key = sl_xstrdup(m->key);
	struct sl_error err = { 0 };
	if (sl_catalog_benchmarks(mv->base.app->store, m->key, &mv->bench, &mv->n_bench, &err) != 0)
		tui_app_message(mv->base.app, true, "%s", err.msg);
}

static void draw_search_line(struct models_view *mv, struct tui_grid *g, int x, int y, int w)
{
	tui_grid_fill(g, (struct tui_rect){ x, y, w, 1 }, TUI_ROLE_SEARCH);
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_printf(&b, "/%s", mv->filters.search);
	int used = tui_grid_put(g, x + 1, y, w - 2, TUI_ROLE_SEARCH, 0, b.data);
	if (mv->searching)
		tui_grid_put(g, x + 1 + used, y, 1, TUI_ROLE_SEARCH, TUI_A_REVERSE, " ");
	else
		tui_grid_put(g, x + 2 + used, y, w - used - 3, TUI_ROLE_DIM, 0,
			     "(search kept; / to edit, x to clear)");
	sl_buf_free(&b);
}

static void mv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct models_view *mv = mv_of(v);
	struct tui_rect table = area;
	if (mv->searching || mv->filters.search[0]) {
		draw_search_line(mv, g, area.x, area.y + area.h - 1, area.w);
		table.h--;
	}
	struct sl_model *m = cursor_model(mv);
	mv->pane = (struct tui_rect){ 0 };
	if (mv->detail_open && m) {
		struct tui_rect pane;
		if (area.w >= WIDE_LAYOUT_COLS) {
			table.w = area.w - DETAIL_RIGHT_W;
			int sep = table.x + table.w;
			for (int y = table.y; y < table.y + table.h; y++)
				tui_grid_put(g, sep, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_VLINE));
			pane = (struct tui_rect){ sep + 1, table.y, DETAIL_RIGHT_W - 1, table.h };
		} else {
			int th = table.h * 2 / 5;
			if (th < 6)
				th = 6;
			pane = (struct tui_rect){ table.x, table.y + th, table.w, table.h - th };
			table.h = th;
		}
		draw_table(mv, g, table);
		mv->pane = pane;
		load_benchmarks(mv, m);
		tui_detail_draw(g, pane, m, mv->bench, mv->n_bench, &mv->detail_scroll);
	} else {
		draw_table(mv, g, table);
	}
}

static void mv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct models_view *mv = mv_of(v);
	size_t shortlisted = 0;
	for (size_t i = 0; i < mv->all.len; i++)
		shortlisted += mv->all.items[i].shortlisted;
	if (mv->filter_error[0]) {
		sl_buf_printf(left, "filter error: %s", mv->filter_error);
	} else {
		sl_buf_printf(left, "sort %s%s", columns[mv->sort_col].sort_key,
			      tui_glyph(mv->sort_desc ? TUI_GLYPH_SORT_DESC : TUI_GLYPH_SORT_ASC));
		if (mv->filters.shortlist_only)
			sl_buf_puts(left, "  shortlist only");
		if (tui_filters_active(&mv->filters)) {
			sl_buf_puts(left, "  filters: ");
			tui_filters_describe(&mv->filters, left);
		}
	}
	sl_buf_printf(right, "%zu of %zu %s %zu shortlisted", mv->n_rows, mv->all.len,
		      tui_glyph(TUI_GLYPH_DOT), shortlisted);
}

static void mv_destroy(struct tui_view *v)
{
	struct models_view *mv = mv_of(v);
	sl_model_list_free(&mv->all);
	sl_filter_set_free(mv->fset);
	sl_benchmarks_free(mv->bench, mv->n_bench);
	free(mv->bench_key);
	free(mv->rows);
	free(mv);
}

static const struct tui_view_ops models_ops = {
	.name = "models",
	.context = mv_context,
	.draw = mv_draw,
	.action = mv_action,
	.event = mv_event,
	.status = mv_status,
	.destroy = mv_destroy,
};

struct tui_view *tui_models_view_new(struct tui_app *app, struct sl_error *err)
{
	struct models_view *mv = sl_xcalloc(1, sizeof *mv);
	mv->base.ops = &models_ops;
	mv->base.app = app;
	if (sl_catalog_load(app->store, NULL, &mv->all, err) != 0) {
		free(mv);
		return NULL;
	}
	mv->rows = sl_xcalloc(mv->all.len + 1, sizeof *mv->rows);
	mv->sort_col = COL_NAME;
	resort(mv);
	return &mv->base;
}
