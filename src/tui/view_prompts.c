/* The Prompts screen: the prompt catalogue (names, latest version, tags) on the left; on the
 * right the versions of the selected prompt and, for the selected version, its text, its
 * diff with the version before (added lines green, removed red), or a preview of its
 * messages rendered with one row of the current run's dataset. `e` edits the version in
 * the user's editor (the screen steps aside), `t`/`T` tag the prompt or the version, and
 * `:tagged TAG` narrows the list. All through prompts.h, prompt_edit.h and dataset.h; the
 * text and the diff are the ones `shortlist prompts show/diff` print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "glyph.h"
#include "shortlist/dataset.h"
#include "shortlist/runs.h"
#include "shortlist/prompt_edit.h"
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
	size_t n_all;             /* n, plus the prompts the filter hides (at the end) */
	char *filter;             /* :tagged TAG, or NULL for every prompt */
	/* The prompt and version to select once the list is read again (after an edit, a
	 * tag, or coming back to the screen); NULL: keep the cursor where it is. */
	char *want_name;
	int want_version;
	/* An edit that was not saved (the editor failed, or the text did not parse): its file,
	 * opened again by the next `e` on the same version so no typing is lost. */
	char *kept_path, *kept_name;
	int kept_version;
	char *edit_path, *edit_name; /* the edit the editor has now */
	int edit_version;
	bool loaded;
	char note[1100];
	/* Versions of the prompt under the cursor. */
	size_t versions_for;      /* cursor + 1 they belong to */
	struct sl_prompt_version *versions;
	size_t n_versions, version; /* index into versions */
	enum pr_mode mode;
	int scroll;
	/* The preview's row: the current run's dataset as the store keeps it, read one row at
	 * a time by its index (a million-row dataset opens as fast as a six-row one). */
	int64_t ds_run;           /* the run row counts for */
	size_t row;
	struct sl_case kase;      /* row case_row of run case_run; vars NULL: see case_note */
	int64_t case_run;
	size_t case_row;
	char case_note[1100];
};

static struct prompts_view *pv_of(struct tui_view *v)
{
	return (struct prompts_view *)v;
}

static bool has_tag(const char *list, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && strncmp(p, tag, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

static bool shown(const struct prompts_view *pv, const struct sl_prompt_info *p)
{
	return !pv->filter || has_tag(p->tags, pv->filter) || has_tag(p->version_tags, pv->filter);
}

/* The prompts the :tagged filter shows come first, in order; the hidden ones follow (up to
 * n_all, so they are freed with the rest). A catalogue is small: no index needed. */
static void apply_filter(struct prompts_view *pv)
{
	pv->n_all = pv->n;
	struct sl_prompt_info *sorted = sl_xcalloc(pv->n ? pv->n : 1, sizeof *sorted);
	size_t k = 0;
	for (size_t i = 0; i < pv->n_all; i++)
		if (shown(pv, &pv->list[i]))
			sorted[k++] = pv->list[i];
	pv->n = k;
	for (size_t i = 0; i < pv->n_all; i++)
		if (!shown(pv, &pv->list[i]))
			sorted[k++] = pv->list[i];
	free(pv->list);
	pv->list = sorted;
}

static void load_list(struct prompts_view *pv)
{
	if (pv->loaded)
		return;
	pv->loaded = true;
	struct sl_error err = { 0 };
	if (sl_prompts_list(pv->base.app->store, &pv->list, &pv->n, &err) != 0) {
		snprintf(pv->note, sizeof pv->note, "%s", err.msg);
		pv->n = pv->n_all = 0;
		return;
	}
	size_t all = pv->n;
	apply_filter(pv);
	if (!all)
		snprintf(pv->note, sizeof pv->note, "no prompts yet: add one with 'shortlist prompts "
						    "add FILE.json' or import a directory with "
						    "'shortlist prompts import DIR'");
	else if (!pv->n)
		snprintf(pv->note, sizeof pv->note, "no prompt is tagged '%s' (:tagged with no tag "
						    "lists them all)", pv->filter);
	if (pv->want_name) {
		for (size_t i = 0; i < pv->n; i++)
			if (strcmp(pv->list[i].name, pv->want_name) == 0)
				pv->cursor = i;
	}
	if (pv->cursor >= pv->n)
		pv->cursor = pv->n ? pv->n - 1 : 0;
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
	if (pv->want_name && strcmp(pv->want_name, pv->list[pv->cursor].name) == 0)
		for (size_t i = 0; i < pv->n_versions; i++)
			if (pv->versions[i].version == pv->want_version)
				pv->version = i;
	free(pv->want_name);
	pv->want_name = NULL;
	pv->scroll = 0;
}

/* Read the catalogue again, then select name@version (version 0: its latest). */
static void reload(struct prompts_view *pv, const char *name, int version)
{
	char *keep = name ? sl_xstrdup(name) : NULL;
	free(pv->want_name);
	pv->want_name = keep;
	pv->want_version = version;
	sl_prompt_infos_free(pv->list, pv->n_all);
	pv->list = NULL;
	pv->n = pv->n_all = 0;
	pv->loaded = false;
	pv->versions_for = 0;
	load_list(pv);
}

static const struct sl_prompt_version *current_version(struct prompts_view *pv)
{
	load_list(pv);
	if (!pv->n)
		return NULL;
	load_versions(pv);
	return pv->n_versions ? &pv->versions[pv->version] : NULL;
}

/* The preview's row (pv->row, clamped to the rows) of the run in view and the run's number
 * of rows, or NULL with why. */
static const struct sl_case *preview_row(struct prompts_view *pv, const struct tui_rundata *d,
					 size_t *n_rows, const char **why)
{
	if (pv->ds_run != d->run_id) {
		pv->ds_run = d->run_id;
		pv->row = 0;
	}
	*n_rows = 0;
	if (!d->run_id || !d->loaded) {
		*why = "a preview uses the dataset of the run in view: open a run on Runs";
		return NULL;
	}
	/* every row of the dataset is a case of the run */
	int64_t per_case = (int64_t)d->run.n_models * (int64_t)d->run.n_prompts *
			   (d->run.samples > 0 ? d->run.samples : 1);
	*n_rows = per_case > 0 ? (size_t)(d->run.n_cells / per_case) : 0;
	if (!*n_rows) {
		*why = "the dataset has no rows";
		return NULL;
	}
	if (pv->row >= *n_rows)
		pv->row = *n_rows - 1;
	if (pv->case_run != d->run_id || pv->case_row != pv->row) {
		sl_run_case_clear(&pv->kase);
		pv->case_run = d->run_id;
		pv->case_row = pv->row;
		struct sl_error err = { 0 };
		int rc = sl_run_case_get(pv->base.app->store, d->run_id, (int)pv->row, &pv->kase,
					 &err);
		if (rc < 0)
			snprintf(pv->case_note, sizeof pv->case_note, "no preview: %s", err.msg);
		else if (rc > 0 || !pv->kase.vars)
			snprintf(pv->case_note, sizeof pv->case_note, "no preview: row %zu of run "
				 "%lld's dataset is not in the store", pv->row + 1,
				 (long long)d->run_id);
	}
	*why = pv->case_note;
	return pv->kase.vars ? &pv->kase : NULL;
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
	const struct tui_rundata *d = tui_app_rundata_peek(pv->base.app);
	size_t n_rows;
	const char *why;
	const struct sl_case *c = preview_row(pv, d, &n_rows, &why);
	if (!c) {
		tui_wrap_draw(g, r, TUI_ROLE_UNKNOWN, 0, why, 0);
		return;
	}
	struct sl_buf b;
	sl_buf_init(&b);
	const char *path = d->run.dataset_path ? d->run.dataset_path : "dataset";
	const char *base = strrchr(path, '/');
	sl_buf_printf(&b, "row %zu of %zu (%s line %d)\n\n", pv->row + 1, n_rows,
		      base ? base + 1 : path, c->line);
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
	/* The mode, where the version came from, and its own tags. */
	struct sl_buf info;
	sl_buf_init(&info);
	if (pv->mode == PR_DIFF && cur->parent)
		sl_buf_printf(&info, "diff with @%d, edited into this", cur->parent);
	else
		sl_buf_puts(&info, mode_names[pv->mode]);
	if (cur->parent && pv->mode != PR_DIFF)
		sl_buf_printf(&info, "  %s edited from @%d", tui_glyph(TUI_GLYPH_DOT), cur->parent);
	for (size_t i = 0; i < cur->n_version_tags; i++)
		sl_buf_printf(&info, "%s%s", i ? ", " : "  version tags: ", cur->version_tags[i]);
	tui_grid_put(g, r.x, r.y + 2, r.w, TUI_ROLE_DIM, 0, info.data);
	sl_buf_free(&info);
	struct tui_rect body = { r.x, r.y + 4, r.w, r.h - 4 };
	if (pv->mode == PR_PREVIEW) {
		draw_preview(pv, g, body, cur);
	} else if (pv->mode == PR_DIFF) {
		if (pv->version == 0) {
			tui_grid_put(g, body.x, body.y, body.w, TUI_ROLE_DIM, 0,
				     "the first version: nothing before it to compare");
			return;
		}
		/* An edited version is compared with the one it was edited from. */
		const struct sl_prompt_version *prev = &pv->versions[pv->version - 1];
		for (size_t i = 0; cur->parent && i < pv->n_versions; i++)
			if (pv->versions[i].version == cur->parent)
				prev = &pv->versions[i];
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

static void edit_done(void *ud, int st, const char *editor);

/* The version in view, in the user's editor: curses steps aside while it runs (a live run
 * goes on: the loop only leaves the keys and the screen to the editor). A new
 * version is stored (edited from this one) only if the content changed; whatever goes
 * wrong, the message says so and the text stays in its file. */
static void edit_version(struct prompts_view *pv)
{
	struct tui_app *app = pv->base.app;
	const struct sl_prompt_version *base = current_version(pv);
	if (app->editor.active)
		return; /* the keys are the editor's: only a script could get here */
	if (!base) {
		tui_app_message(app, true, "no prompt to edit");
		return;
	}
	struct sl_error err = { 0 };
	char *path = NULL;
	if (pv->kept_path && strcmp(pv->kept_name, base->name) == 0 &&
	    pv->kept_version == base->version) {
		path = pv->kept_path; /* the unsaved edit, where the user left it */
		pv->kept_path = NULL;
	} else {
		path = sl_prompt_edit_begin(base, &err);
		if (!path) {
			tui_app_message(app, true, "%s", err.msg);
			return;
		}
	}
	free(pv->kept_path);
	free(pv->kept_name);
	pv->kept_path = pv->kept_name = NULL;
	pv->edit_path = path;
	pv->edit_name = sl_xstrdup(base->name);
	pv->edit_version = base->version;
	tui_app_edit(app, path, edit_done, pv);
}

/* The editor exited (the loop kept the run going meanwhile): store what changed. The
 * version edited is read again: the list may have been reloaded while the editor ran. */
static void edit_done(void *ud, int st, const char *editor)
{
	struct prompts_view *pv = ud;
	struct tui_app *app = pv->base.app;
	char *path = pv->edit_path, *name = pv->edit_name;
	pv->edit_path = pv->edit_name = NULL;
	struct sl_prompt_version base, out;
	struct sl_error err = { 0 };
	enum sl_prompt_edit_outcome outcome;
	bool have_base = sl_prompts_get(app->store, name, pv->edit_version, &base, &err) == 0;
	if (!have_base)
		tui_app_message(app, true, "nothing saved: %s; the text is in %s", err.msg, path);
	else if (st == 127)
		tui_app_message(app, true, "editor '%s' not found (set VISUAL or EDITOR): nothing "
					   "saved", editor);
	else if (st < 0)
		tui_app_message(app, true, "the editor did not finish (killed, or it could not "
					   "start): nothing saved; e opens the text again (%s)", path);
	else if (st != 0)
		tui_app_message(app, true, "the editor exited with status %d: nothing saved; e "
					   "opens the text again (%s)", st, path);
	else if (sl_prompt_edit_finish(app->store, &base, path, &out, &outcome, &err) != 0)
		tui_app_message(app, true, "nothing saved: %s; e opens the text again", err.msg);
	else {
		if (outcome == SL_PROMPT_EDIT_SAVED)
			tui_app_message(app, false, "saved %s@%d, edited from @%d", out.name,
					out.version, base.version);
		else if (outcome == SL_PROMPT_EDIT_LATEST)
			tui_app_message(app, false, "the edit equals %s@%d, the latest: no new version",
					out.name, out.version);
		else
			tui_app_message(app, false, "%s@%d unchanged: no new version%s", out.name,
					out.version,
					outcome == SL_PROMPT_EDIT_TAGS ? " (tags updated)" : "");
		int version = out.version;
		sl_prompt_version_free(&out);
		sl_prompt_version_free(&base);
		reload(pv, name, version);
		free(name);
		free(path);
		return;
	}
	if (have_base)
		sl_prompt_version_free(&base);
	pv->kept_path = path;
	pv->kept_name = name;
	pv->kept_version = pv->edit_version;
}

/* :tag and :vtag TAG|-TAG ... on the prompt or version in view; :tagged [TAG] filters. */
static int pv_command(struct tui_view *v, const char *name, const char *arg)
{
	struct prompts_view *pv = pv_of(v);
	if (strcmp(name, "tagged") == 0) {
		free(pv->filter);
		pv->filter = *arg ? sl_xstrdup(arg) : NULL;
		const struct sl_prompt_version *cur = current_version(pv);
		char *keep = cur ? sl_xstrdup(cur->name) : NULL;
		reload(pv, keep, 0);
		free(keep);
		return TUI_HANDLED | TUI_REDRAW;
	}
	const struct sl_prompt_version *cur = current_version(pv);
	if (!cur) {
		tui_app_message(v->app, true, "no prompt to tag");
		return TUI_HANDLED | TUI_REDRAW;
	}
	char *pname = sl_xstrdup(cur->name);
	int version = strcmp(name, "vtag") == 0 ? cur->version : 0;
	int shown = cur->version;
	char *words = sl_xstrdup(arg);
	struct sl_error err = { 0 };
	for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		bool add = w[0] != '-';
		if (sl_prompts_tag(v->app->store, pname, version, w + (w[0] == '-' || w[0] == '+'),
				   add, &err) != 0)
			break;
	}
	reload(pv, pname, shown);
	cur = current_version(pv);
	if (err.msg[0]) {
		tui_app_message(v->app, true, "%s", err.msg);
	} else if (cur && strcmp(cur->name, pname) == 0) {
		struct sl_buf b;
		sl_buf_init(&b);
		char **tags = version ? cur->version_tags : cur->tags;
		size_t nt = version ? cur->n_version_tags : cur->n_tags;
		for (size_t i = 0; i < nt; i++)
			sl_buf_printf(&b, "%s%s", i ? ", " : "", tags[i]);
		if (version)
			tui_app_message(v->app, false, "tags of %s@%d: %s", pname, version,
					nt ? b.data : "none");
		else
			tui_app_message(v->app, false, "tags of %s: %s", pname, nt ? b.data : "none");
		sl_buf_free(&b);
	}
	free(words);
	free(pname);
	return TUI_HANDLED | TUI_REDRAW;
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
	case TUI_ACT_PR_EDIT: edit_version(pv); break;
	case TUI_ACT_PR_TAG:
	case TUI_ACT_PR_VTAG:
		if (!current_version(pv))
			return TUI_HANDLED;
		tui_app_push(v->app, tui_cmdline_new_with(v->app, a == TUI_ACT_PR_TAG ? "tag "
											 : "vtag "));
		return TUI_HANDLED | TUI_REDRAW;
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
	if (pv->filter)
		sl_buf_printf(right, " tagged %s", pv->filter);
}

/* Prompts may have been added meanwhile (CLI, another process): read the list again,
 * keeping the prompt and version in view. */
static void pv_show(struct tui_view *v)
{
	struct prompts_view *pv = pv_of(v);
	const struct sl_prompt_version *cur = pv->loaded ? current_version(pv) : NULL;
	char *name = cur ? sl_xstrdup(cur->name) : NULL;
	reload(pv, name, cur ? cur->version : 0);
	free(name);
}

static void pv_destroy(struct tui_view *v)
{
	struct prompts_view *pv = pv_of(v);
	sl_prompt_infos_free(pv->list, pv->n_all);
	sl_prompt_versions_free(pv->versions, pv->n_versions);
	sl_run_case_clear(&pv->kase);
	free(pv->filter);
	free(pv->want_name);
	free(pv->kept_path);
	free(pv->kept_name);
	free(pv->edit_path);
	free(pv->edit_name);
	free(pv);
}

static const struct tui_view_ops prompts_ops = {
	.name = "prompts",
	.context = pv_context,
	.draw = pv_draw,
	.action = pv_action,
	.status = pv_status,
	.show = pv_show,
	.command = pv_command,
	.destroy = pv_destroy,
};

struct tui_view *tui_prompts_view_new(struct tui_app *app, struct sl_error *err)
{
	(void)err;
	struct prompts_view *pv = sl_xcalloc(1, sizeof *pv);
	pv->base.ops = &prompts_ops;
	pv->base.app = app;
	pv->ds_run = pv->case_run = -1;
	return &pv->base;
}
