/* The Prompts screen: the prompt catalogue (names, latest version, tags) on the left; on the
 * right the versions of the selected prompt and, for the selected version, its text, its
 * diff with the version before (added lines green, removed red), or a preview of its
 * messages rendered with one row of the current run's dataset. All through prompts.h and
 * dataset.h; the text and the diff are the ones `shortlist prompts show/diff` print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "glyph.h"
#include "shortlist/dataset.h"
#include "shortlist/prompts.h"
#include "wrap.h"

enum pr_mode { PR_TEXT, PR_DIFF, PR_PREVIEW, PR_MODES };
static const char *const mode_names[PR_MODES] = { "text", "diff with the version before",
						  "preview" };

#define LIST_W 34

struct prompts_view {
	struct tui_view base;
	struct sl_prompt_info *list;
	size_t n, cursor, top;
	bool loaded;
	char note[1100];
	/* Versions of the prompt under the cursor. */
	size_t versions_for;      /* cursor + 1 they belong to */
	struct sl_prompt_version *versions;
	size_t n_versions, version; /* index into versions */
	enum pr_mode mode;
	int scroll;
	/* The preview's dataset: the current run's file, loaded on first use. */
	struct sl_dataset *ds;
	int64_t ds_run;
	char ds_note[1100];
	size_t row;
};

static struct prompts_view *pv_of(struct tui_view *v)
{
	return (struct prompts_view *)v;
}

static void load_list(struct prompts_view *pv)
{
	if (pv->loaded)
		return;
	pv->loaded = true;
	struct sl_error err = { 0 };
	if (sl_prompts_list(pv->base.app->store, &pv->list, &pv->n, &err) != 0) {
		snprintf(pv->note, sizeof pv->note, "%s", err.msg);
		pv->n = 0;
	} else if (!pv->n) {
		snprintf(pv->note, sizeof pv->note, "no prompts yet: add one with 'shortlist prompts "
						    "add FILE.json' or import a directory with "
						    "'shortlist prompts import DIR'");
	}
}

static void load_versions(struct prompts_view *pv)
{
	if (pv->versions_for == pv->cursor + 1 || pv->cursor >= pv->n)
		return;
	sl_prompt_versions_free(pv->versions, pv->n_versions);
	pv->versions = NULL;
	pv->n_versions = 0;
	struct sl_error err = { 0 };
	if (sl_prompts_versions(pv->base.app->store, pv->list[pv->cursor].name, &pv->versions,
				&pv->n_versions, &err) != 0)
		tui_app_message(pv->base.app, true, "%s", err.msg);
	pv->versions_for = pv->cursor + 1;
	pv->version = pv->n_versions ? pv->n_versions - 1 : 0; /* the latest */
	pv->scroll = 0;
}

static const struct sl_dataset *dataset(struct prompts_view *pv)
{
	struct tui_rundata *d = tui_app_rundata_peek(pv->base.app);
	if (pv->ds_run == d->run_id && (pv->ds || pv->ds_note[0]))
		return pv->ds;
	sl_dataset_free(pv->ds);
	pv->ds = NULL;
	pv->ds_note[0] = '\0';
	pv->ds_run = d->run_id;
	pv->row = 0;
	if (!d->run_id || !d->run.dataset_path) {
		snprintf(pv->ds_note, sizeof pv->ds_note, "a preview uses the dataset of the run "
							  "in view: open a run on Runs");
		return NULL;
	}
	struct sl_error err = { 0 };
	pv->ds = sl_dataset_load(d->run.dataset_path, &err);
	if (!pv->ds)
		snprintf(pv->ds_note, sizeof pv->ds_note, "no preview: %s", err.msg);
	return pv->ds;
}

/* Lines of a unified diff coloured by their first character. */
static void draw_diff(struct tui_grid *g, struct tui_rect r, const char *diff, int skip)
{
	int y = r.y, line = 0;
	for (const char *p = diff; *p && y < r.y + r.h; line++) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (line >= skip) {
			char *s = sl_xstrndup(p, len);
			enum tui_role role = s[0] == '+' && s[1] != '+' ? TUI_ROLE_YES
					   : s[0] == '-' && s[1] != '-' ? TUI_ROLE_NO
					   : s[0] == '@' ? TUI_ROLE_DIM : TUI_ROLE_DEFAULT;
			tui_grid_put(g, r.x, y++, r.w, role, 0, s);
			free(s);
		}
		p += len + (e ? 1 : 0);
	}
}

static void draw_preview(struct prompts_view *pv, struct tui_grid *g, struct tui_rect r,
			 const struct sl_prompt_version *v)
{
	const struct sl_dataset *ds = dataset(pv);
	if (!ds || !ds->n_cases) {
		tui_wrap_draw(g, r, TUI_ROLE_UNKNOWN, 0, ds ? "the dataset has no rows" : pv->ds_note,
			      0);
		return;
	}
	if (pv->row >= ds->n_cases)
		pv->row = ds->n_cases - 1;
	const struct sl_case *c = &ds->cases[pv->row];
	struct sl_buf b;
	sl_buf_init(&b);
	const char *base = strrchr(ds->path, '/');
	sl_buf_printf(&b, "row %zu of %zu (%s line %d)\n\n", pv->row + 1, ds->n_cases,
		      base ? base + 1 : ds->path, c->line);
	for (size_t m = 0; m < v->n_messages; m++) {
		struct sl_error err = { 0 };
		char *text = sl_template_render(v->messages[m].content, c->vars, &err);
		sl_buf_printf(&b, "[%s]\n%s\n\n", v->messages[m].role, text ? text : err.msg);
		free(text);
	}
	tui_wrap_draw(g, r, TUI_ROLE_DEFAULT, 0, b.data, pv->scroll);
	sl_buf_free(&b);
}

static void pv_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct prompts_view *pv = pv_of(v);
	load_list(pv);
	struct tui_rect a = { area.x + 1, area.y, area.w - 2, area.h };
	if (!pv->n) {
		tui_wrap_draw(g, (struct tui_rect){ a.x, a.y + 1, a.w, a.h - 1 }, TUI_ROLE_UNKNOWN, 0,
			      pv->note, 0);
		return;
	}
	load_versions(pv);
	/* The catalogue. */
	int list_w = a.w >= 110 ? LIST_W + 10 : LIST_W;
	tui_grid_fill(g, (struct tui_rect){ a.x, a.y, list_w, 1 }, TUI_ROLE_HEADER);
	int name_w = list_w - 16;
	tui_grid_put(g, a.x, a.y, list_w, TUI_ROLE_HEADER, 0, "prompt");
	tui_grid_put(g, a.x + name_w, a.y, 16, TUI_ROLE_HEADER, 0, "latest  tags");
	if (pv->cursor < pv->top)
		pv->top = pv->cursor;
	if (pv->cursor >= pv->top + (size_t)(a.h - 1))
		pv->top = pv->cursor - (size_t)(a.h - 1) + 1;
	for (size_t k = pv->top; k < pv->n && (int)(k - pv->top) < a.h - 1; k++) {
		const struct sl_prompt_info *p = &pv->list[k];
		int y = a.y + 1 + (int)(k - pv->top);
		enum tui_role role = k == pv->cursor ? TUI_ROLE_CURSOR : TUI_ROLE_DEFAULT;
		tui_grid_fill(g, (struct tui_rect){ a.x, y, list_w, 1 }, role);
		char line[256];
		snprintf(line, sizeof line, "@%d", p->latest_version);
		tui_grid_put_field(g, a.x, y, name_w - 1, role, 0, p->name, false);
		tui_grid_put_field(g, a.x + name_w, y, 6, role, 0, line, false);
		tui_grid_put_field(g, a.x + name_w + 8, y, list_w - name_w - 8,
				   role == TUI_ROLE_CURSOR ? role : TUI_ROLE_DIM, 0, p->tags, false);
	}
	struct tui_rect r = { a.x + list_w + 2, a.y, a.w - list_w - 2, a.h };
	for (int y = r.y; y < r.y + r.h; y++)
		tui_grid_put(g, r.x - 1, y, 1, TUI_ROLE_BORDER, 0, tui_glyph(TUI_GLYPH_VLINE));
	if (!pv->n_versions)
		return;
	/* Versions: a row of @N tabs, the selected one reversed, then its note. */
	int x = r.x;
	for (size_t i = 0; i < pv->n_versions; i++) {
		char t[16];
		snprintf(t, sizeof t, "@%d", pv->versions[i].version);
		x += tui_grid_put(g, x, r.y, r.x + r.w - x,
				  i == pv->version ? TUI_ROLE_TAB_ACTIVE : TUI_ROLE_TAB, 0, t) + 1;
	}
	const struct sl_prompt_version *cur = &pv->versions[pv->version];
	char meta[512];
	snprintf(meta, sizeof meta, "%s@%d  %s%s%s", cur->name, cur->version,
		 cur->author ? cur->author : "", cur->note ? ": " : "", cur->note ? cur->note : "");
	tui_grid_put(g, r.x, r.y + 1, r.w, TUI_ROLE_LABEL, 0, meta);
	tui_grid_put(g, r.x, r.y + 2, r.w, TUI_ROLE_DIM, 0, mode_names[pv->mode]);
	struct tui_rect body = { r.x, r.y + 4, r.w, r.h - 4 };
	if (pv->mode == PR_PREVIEW) {
		draw_preview(pv, g, body, cur);
	} else if (pv->mode == PR_DIFF) {
		if (pv->version == 0) {
			tui_grid_put(g, body.x, body.y, body.w, TUI_ROLE_DIM, 0,
				     "the first version: nothing before it to compare");
			return;
		}
		const struct sl_prompt_version *prev = &pv->versions[pv->version - 1];
		char *ta = sl_prompt_render_text(prev), *tb = sl_prompt_render_text(cur);
		char la[96], lb[96];
		snprintf(la, sizeof la, "%s@%d", prev->name, prev->version);
		snprintf(lb, sizeof lb, "%s@%d", cur->name, cur->version);
		char *diff = sl_text_diff(ta, tb, la, lb);
		if (!*diff)
			tui_grid_put(g, body.x, body.y, body.w, TUI_ROLE_DIM, 0, "no difference");
		draw_diff(g, body, diff, pv->scroll);
		free(diff);
		free(ta);
		free(tb);
	} else {
		char *t = sl_prompt_render_text(cur);
		tui_wrap_draw(g, body, TUI_ROLE_DEFAULT, 0, t, pv->scroll);
		free(t);
	}
}

static int pv_action(struct tui_view *v, enum tui_action a)
{
	struct prompts_view *pv = pv_of(v);
	load_list(pv);
	switch (a) {
	case TUI_ACT_PR_DOWN:
		if (pv->cursor + 1 < pv->n)
			pv->cursor++;
		break;
	case TUI_ACT_PR_UP:
		if (pv->cursor > 0)
			pv->cursor--;
		break;
	case TUI_ACT_PR_OLDER:
		if (pv->version > 0)
			pv->version--;
		pv->scroll = 0;
		break;
	case TUI_ACT_PR_NEWER:
		if (pv->version + 1 < pv->n_versions)
			pv->version++;
		pv->scroll = 0;
		break;
	case TUI_ACT_PR_VIEW:
		pv->mode = (enum pr_mode)((pv->mode + 1) % PR_MODES);
		pv->scroll = 0;
		break;
	case TUI_ACT_PR_ROW_NEXT:
		pv->row++; /* clamped to the dataset when drawn */
		pv->mode = PR_PREVIEW;
		break;
	case TUI_ACT_PR_ROW_PREV:
		if (pv->row > 0)
			pv->row--;
		pv->mode = PR_PREVIEW;
		break;
	case TUI_ACT_PR_SCROLL_DOWN: pv->scroll += 5; break;
	case TUI_ACT_PR_SCROLL_UP: pv->scroll = pv->scroll > 5 ? pv->scroll - 5 : 0; break;
	default: return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static enum tui_context pv_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_PROMPTS;
}

static void pv_status(struct tui_view *v, struct sl_buf *left, struct sl_buf *right)
{
	struct prompts_view *pv = pv_of(v);
	if (pv->n && pv->n_versions)
		sl_buf_printf(left, "%s: %zu version%s  h/l older/newer", pv->list[pv->cursor].name,
			      pv->n_versions, pv->n_versions == 1 ? "" : "s");
	sl_buf_printf(right, "%zu prompt%s", pv->n, pv->n == 1 ? "" : "s");
}

/* Prompts may have been added meanwhile (CLI, another process): read the list again. */
static void pv_show(struct tui_view *v)
{
	struct prompts_view *pv = pv_of(v);
	sl_prompt_infos_free(pv->list, pv->n);
	pv->list = NULL;
	pv->n = 0;
	pv->loaded = false;
	pv->versions_for = 0;
}

static void pv_destroy(struct tui_view *v)
{
	struct prompts_view *pv = pv_of(v);
	sl_prompt_infos_free(pv->list, pv->n);
	sl_prompt_versions_free(pv->versions, pv->n_versions);
	sl_dataset_free(pv->ds);
	free(pv);
}

static const struct tui_view_ops prompts_ops = {
	.name = "prompts",
	.context = pv_context,
	.draw = pv_draw,
	.action = pv_action,
	.status = pv_status,
	.show = pv_show,
	.destroy = pv_destroy,
};

struct tui_view *tui_prompts_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct prompts_view *pv = sl_xcalloc(1, sizeof *pv);
	pv->base.ops = &prompts_ops;
	pv->base.app = app;
	pv->ds_run = -1;
	return &pv->base;
}
