/* A new evaluation of the shortlist without leaving the TUI: the shortlisted models, the
 * prompt versions and scorers picked here and a dataset path become a suite file
 * ($XDG_CONFIG_HOME/shortlist/suites/NAME.json, so the CLI can rerun it), which the Run
 * screen then checks before anything is sent. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "shortlist/utf8.h"
#include "app.h"
#include "glyph.h"
#include "shortlist/catalog.h"
#include "shortlist/paths.h"
#include "shortlist/prompts.h"
#include "shortlist/scorer.h"

enum row_kind { ROW_PROMPT, ROW_DATASET, ROW_SCORER, ROW_NAME, ROW_CHECK };

struct row {
	enum row_kind kind;
	int index; /* prompt or scorer */
};

struct prompt_pick {
	char *name;
	int version, latest;
	bool on;
};

struct scorer_pick {
	const struct sl_scorer_info *info;
	bool on;
	char params[512]; /* JSON members without the braces */
};

struct newrun {
	struct tui_view base;
	char **models;
	size_t n_models;
	struct prompt_pick *prompts;
	size_t n_prompts;
	struct scorer_pick *scorers;
	size_t n_scorers;
	char dataset[1024];
	char name[128];
	struct row *rows;
	int n_rows, focus, top;
	bool editing;
	char edit[1024];
	char error[1024];
};

static struct newrun *nr_of(struct tui_view *v)
{
	return (struct newrun *)v;
}

static enum tui_context nr_context(struct tui_view *v)
{
	return nr_of(v)->editing ? TUI_CTX_SEARCH : TUI_CTX_NEWRUN;
}

static char *edit_target(struct newrun *nr, size_t *cap)
{
	struct row *r = &nr->rows[nr->focus];
	switch (r->kind) {
	case ROW_DATASET: *cap = sizeof nr->dataset; return nr->dataset;
	case ROW_NAME: *cap = sizeof nr->name; return nr->name;
	case ROW_SCORER:
		*cap = sizeof nr->scorers[r->index].params;
		return nr->scorers[r->index].params;
	default: return NULL;
	}
}

/* The suite as JSON, or NULL with the reason in nr->error. */
static char *build_suite(struct newrun *nr)
{
	nr->error[0] = '\0';
	if (!nr->n_models) {
		snprintf(nr->error, sizeof nr->error,
			 "the shortlist is empty: on 1 Models, Space adds the selected model");
		return NULL;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", nr->name);
	cJSON *models = cJSON_AddArrayToObject(j, "models");
	for (size_t i = 0; i < nr->n_models; i++)
		cJSON_AddItemToArray(models, cJSON_CreateString(nr->models[i]));
	cJSON *prompts = cJSON_AddArrayToObject(j, "prompts");
	for (size_t i = 0; i < nr->n_prompts; i++)
		if (nr->prompts[i].on) {
			char ref[300];
			snprintf(ref, sizeof ref, "%s@%d", nr->prompts[i].name, nr->prompts[i].version);
			cJSON_AddItemToArray(prompts, cJSON_CreateString(ref));
		}
	/* The suite lives elsewhere: the dataset goes in as an absolute path. */
	char abs[PATH_MAX];
	cJSON_AddStringToObject(j, "dataset",
				nr->dataset[0] && realpath(nr->dataset, abs) ? abs : nr->dataset);
	cJSON *scorers = cJSON_AddArrayToObject(j, "scorers");
	for (size_t i = 0; i < nr->n_scorers; i++) {
		if (!nr->scorers[i].on)
			continue;
		char *text = sl_xasprintf("{%s}", nr->scorers[i].params);
		cJSON *s = cJSON_Parse(text);
		free(text);
		if (!cJSON_IsObject(s)) {
			snprintf(nr->error, sizeof nr->error,
				 "scorer %s: the parameters are not JSON members, e.g. \"labels\": "
				 "[\"yes\", \"no\"]", nr->scorers[i].info->name);
			cJSON_Delete(s);
			cJSON_Delete(j);
			return NULL;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(s, "name");
		cJSON_AddItemToObject(s, "name", cJSON_CreateString(nr->scorers[i].info->name));
		cJSON_AddItemToArray(scorers, s);
	}
	char *out = cJSON_Print(j);
	cJSON_Delete(j);
	return out;
}

static int check(struct newrun *nr)
{
	char *json = build_suite(nr);
	if (!json)
		return TUI_HANDLED | TUI_REDRAW;
	char *dir = sl_paths_config_dir();
	char *suites = sl_xasprintf("%s/suites", dir);
	char *path = sl_xasprintf("%s/%s.json", suites, nr->name[0] ? nr->name : "tui");
	struct sl_error err = { 0 };
	int rc = sl_mkdirs(suites, &err);
	if (rc == 0)
		rc = sl_write_file_atomic(path, json, strlen(json), &err);
	free(json);
	free(dir);
	free(suites);
	if (rc != 0) {
		snprintf(nr->error, sizeof nr->error, "%s", err.msg);
		free(path);
		return TUI_HANDLED | TUI_REDRAW;
	}
	/* The Run screen takes over: it checks the file and waits for Enter. */
	struct tui_app *app = nr->base.app;
	char *line = sl_xasprintf("open %s", path);
	free(path);
	app->overlays[--app->n_overlays] = NULL;
	nr->base.ops->destroy(&nr->base);
	tui_app_command(app, line);
	free(line);
	return 0;
}

static int nr_action(struct tui_view *v, enum tui_action a)
{
	struct newrun *nr = nr_of(v);
	struct row *r = &nr->rows[nr->focus];
	size_t cap;
	char *target;
	switch (a) {
	case TUI_ACT_NEWRUN_DOWN:
		if (nr->focus + 1 < nr->n_rows)
			nr->focus++;
		break;
	case TUI_ACT_NEWRUN_UP:
		if (nr->focus > 0)
			nr->focus--;
		break;
	case TUI_ACT_NEWRUN_TOGGLE:
		if (r->kind == ROW_PROMPT)
			nr->prompts[r->index].on = !nr->prompts[r->index].on;
		else if (r->kind == ROW_SCORER)
			nr->scorers[r->index].on = !nr->scorers[r->index].on;
		break;
	case TUI_ACT_NEWRUN_PREV:
	case TUI_ACT_NEWRUN_NEXT:
		if (r->kind == ROW_PROMPT) {
			struct prompt_pick *p = &nr->prompts[r->index];
			p->version += a == TUI_ACT_NEWRUN_NEXT ? 1 : -1;
			if (p->version < 1)
				p->version = 1;
			if (p->version > p->latest)
				p->version = p->latest;
		}
		break;
	case TUI_ACT_NEWRUN_EDIT:
		if (r->kind == ROW_CHECK)
			return check(nr);
		if (r->kind == ROW_PROMPT) {
			nr->prompts[r->index].on = !nr->prompts[r->index].on;
			break;
		}
		target = edit_target(nr, &cap);
		if (target) {
			nr->editing = true;
			snprintf(nr->edit, sizeof nr->edit, "%s", target);
			if (r->kind == ROW_SCORER)
				nr->scorers[r->index].on = true;
		}
		break;
	case TUI_ACT_NEWRUN_CLOSE: return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE;
	case TUI_ACT_SEARCH_ACCEPT:
		target = edit_target(nr, &cap);
		if (target)
			snprintf(target, cap, "%s", nr->edit);
		nr->editing = false;
		break;
	case TUI_ACT_SEARCH_CANCEL: nr->editing = false; break;
	case TUI_ACT_SEARCH_ERASE: {
		nr->edit[sl_utf8_back(nr->edit, strlen(nr->edit))] = '\0';
		break;
	}
	case TUI_ACT_SEARCH_CLEAR: nr->edit[0] = '\0'; break;
	default: return TUI_HANDLED;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int nr_event(struct tui_view *v, const struct tui_event *ev)
{
	struct newrun *nr = nr_of(v);
	if (nr->editing && ev->key >= 0x20 && ev->key < TK_SPECIAL && ev->key != 0x7F) {
		char ch[8];
		tui_key_utf8(ev->key, ch);
		size_t n = strlen(nr->edit);
		if (n + strlen(ch) < sizeof nr->edit)
			memcpy(nr->edit + n, ch, strlen(ch) + 1);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return TUI_HANDLED; /* modal */
}

static void put_label(struct tui_grid *g, int x, int y, const char *s)
{
	tui_grid_put(g, x, y, 10, TUI_ROLE_LABEL, 0, s);
}

static void nr_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	struct newrun *nr = nr_of(v);
	tui_grid_fill(g, area, TUI_ROLE_PANEL);
	int x = area.x + 2, w = area.w - 4, vx = x + 11, vw = w - 11;
	int y = area.y;
	tui_grid_put(g, x, y, w, TUI_ROLE_LABEL, TUI_A_BOLD, "New evaluation of your shortlist");
	y += 2;
	put_label(g, x, y, "Models");
	struct sl_buf b;
	sl_buf_init(&b);
	for (size_t i = 0; i < nr->n_models; i++)
		sl_buf_printf(&b, "%s%s", i ? ", " : "", nr->models[i]);
	if (!nr->n_models)
		sl_buf_puts(&b, "(the shortlist is empty: Space on 1 Models adds a model)");
	tui_grid_put_field(g, vx, y, vw, nr->n_models ? TUI_ROLE_PANEL : TUI_ROLE_WARNING, 0,
			   b.data, false);
	sl_buf_free(&b);
	y += 2;
	/* Rows scroll as one list; the help of the focused row sits at the bottom. */
	int list_h = area.y + area.h - y - 4;
	if (nr->focus < nr->top)
		nr->top = nr->focus;
	if (nr->focus >= nr->top + list_h)
		nr->top = nr->focus - list_h + 1;
	const char *help = "";
	char helpbuf[512];
	for (int i = nr->top; i < nr->n_rows && y < area.y + area.h - 4; i++, y++) {
		struct row *r = &nr->rows[i];
		bool focus = i == nr->focus;
		enum tui_role role = focus ? TUI_ROLE_FOCUS : TUI_ROLE_PANEL;
		if (focus)
			tui_grid_fill(g, (struct tui_rect){ vx, y, vw, 1 }, TUI_ROLE_FOCUS);
		bool first = i == 0 || nr->rows[i - 1].kind != r->kind;
		char line[1400];
		const char *text = line;
		switch (r->kind) {
		case ROW_PROMPT: {
			if (first)
				put_label(g, x, y, "Prompts");
			struct prompt_pick *p = &nr->prompts[r->index];
			snprintf(line, sizeof line, "[%s] %s @%d%s", p->on ? "x" : " ", p->name,
				 p->version, p->version == p->latest ? " (latest)" : "");
			if (focus)
				help = "Space selects a prompt; h/l picks its version.";
			break;
		}
		case ROW_DATASET:
			put_label(g, x, y, "Dataset");
			text = focus && nr->editing ? nr->edit : nr->dataset[0] ? nr->dataset
										  : "(Enter: type a path to a CSV or JSONL file)";
			if (focus)
				help = "The cases: CSV with a header, or JSONL; the prompts' "
				       "{{placeholders}} name its fields.";
			break;
		case ROW_SCORER: {
			if (first)
				put_label(g, x, y, "Scorers");
			struct scorer_pick *s = &nr->scorers[r->index];
			snprintf(line, sizeof line, "[%s] %-12s %s", s->on ? "x" : " ", s->info->name,
				 focus && nr->editing ? nr->edit : s->params);
			if (!focus)
				break;
			struct sl_buf h;
			sl_buf_init(&h);
			sl_buf_printf(&h, "%s. Parameters:", s->info->summary);
			for (const struct sl_param_def *pd = s->info->params; pd && pd->name; pd++)
				sl_buf_printf(&h, " %s%s", pd->name, pd->required ? " (required)" : "");
			snprintf(helpbuf, sizeof helpbuf, "%s", h.data);
			sl_buf_free(&h);
			help = helpbuf;
			break;
		}
		case ROW_NAME:
			put_label(g, x, y, "Name");
			text = focus && nr->editing ? nr->edit : nr->name;
			if (focus)
				help = "The suite's name; the file goes to the config directory's "
				       "suites/.";
			break;
		case ROW_CHECK:
			y++;
			snprintf(line, sizeof line, "%s Check the suite (nothing is sent yet)",
				 tui_glyph(TUI_GLYPH_CURSOR));
			if (focus)
				help = "Writes the suite file, then the Run screen shows its check; "
				       "Enter there starts.";
			break;
		}
		tui_grid_put_field(g, vx, y, vw, role, 0, text, false);
		if (focus && nr->editing && tui_text_width(text) < vw)
			tui_grid_put(g, vx + tui_text_width(text), y, 1, TUI_ROLE_SEARCH,
				     TUI_A_REVERSE, " ");
	}
	int hy = area.y + area.h - 3;
	if (nr->error[0])
		tui_grid_put_field(g, x, hy, w, TUI_ROLE_ERROR, 0, nr->error, false);
	else
		tui_grid_put_field(g, x, hy, w, TUI_ROLE_DIM, 0, help, false);
}

static void nr_destroy(struct tui_view *v)
{
	struct newrun *nr = nr_of(v);
	for (size_t i = 0; i < nr->n_models; i++)
		free(nr->models[i]);
	free(nr->models);
	for (size_t i = 0; i < nr->n_prompts; i++)
		free(nr->prompts[i].name);
	free(nr->prompts);
	free(nr->scorers);
	free(nr->rows);
	free(nr);
}

static const struct tui_view_ops newrun_ops = {
	.name = "newrun",
	.context = nr_context,
	.draw = nr_draw,
	.action = nr_action,
	.event = nr_event,
	.destroy = nr_destroy,
};

struct tui_view *tui_newrun_new(struct tui_app *app)
{
	struct newrun *nr = sl_xcalloc(1, sizeof *nr);
	nr->base.ops = &newrun_ops;
	nr->base.app = app;
	struct sl_error err = { 0 };
	if (sl_shortlist_keys(app->store, &nr->models, &nr->n_models, &err) != 0)
		tui_app_message(app, true, "%s", err.msg);
	struct sl_prompt_info *infos = NULL;
	size_t n_infos = 0;
	if (sl_prompts_list(app->store, &infos, &n_infos, &err) != 0)
		tui_app_message(app, true, "%s", err.msg);
	nr->prompts = sl_xcalloc(n_infos + 1, sizeof *nr->prompts);
	for (size_t i = 0; i < n_infos; i++)
		nr->prompts[nr->n_prompts++] = (struct prompt_pick){
			sl_xstrdup(infos[i].name), infos[i].latest_version, infos[i].latest_version,
			n_infos == 1 };
	sl_prompt_infos_free(infos, n_infos);
	const struct sl_scorer_info *list;
	nr->n_scorers = sl_scorer_list(&list);
	nr->scorers = sl_xcalloc(nr->n_scorers + 1, sizeof *nr->scorers);
	for (size_t i = 0; i < nr->n_scorers; i++)
		nr->scorers[i].info = &list[i];
	snprintf(nr->name, sizeof nr->name, "shortlist-tui");
	nr->rows = sl_xcalloc(nr->n_prompts + nr->n_scorers + 4, sizeof *nr->rows);
	for (size_t i = 0; i < nr->n_prompts; i++)
		nr->rows[nr->n_rows++] = (struct row){ ROW_PROMPT, (int)i };
	nr->rows[nr->n_rows++] = (struct row){ ROW_DATASET, 0 };
	for (size_t i = 0; i < nr->n_scorers; i++)
		nr->rows[nr->n_rows++] = (struct row){ ROW_SCORER, (int)i };
	nr->rows[nr->n_rows++] = (struct row){ ROW_NAME, 0 };
	nr->rows[nr->n_rows++] = (struct row){ ROW_CHECK, 0 };
	return &nr->base;
}
