/* The `:` command line on the bottom row: type a command, Tab completes its name (and a
 * file name for commands that take one), Enter runs it through tui_app_command. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "shortlist/utf8.h"
#include "glyph.h"

struct cmdline {
	struct tui_view base;
	char text[512];
	char choices[1024]; /* the candidates after an ambiguous Tab */
};

static enum tui_context cl_context(struct tui_view *v)
{
	(void)v;
	return TUI_CTX_COMMAND;
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;
	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/* Offer each candidate that starts with prefix; the text becomes their common prefix. */
struct completion {
	char best[512];
	size_t n;
	char *choices;
	size_t choices_cap;
};

static void offer(struct completion *c, const char *cand, const char *prefix)
{
	if (strncmp(cand, prefix, strlen(prefix)) != 0)
		return;
	if (c->n++ == 0)
		snprintf(c->best, sizeof c->best, "%s", cand);
	else
		c->best[common_prefix(c->best, cand)] = '\0';
	size_t used = strlen(c->choices);
	snprintf(c->choices + used, c->choices_cap - used, "%s%s", used ? "  " : "", cand);
}

static void complete_command(struct cmdline *cl)
{
	struct completion c = { .choices = cl->choices, .choices_cap = sizeof cl->choices };
	cl->choices[0] = '\0';
	bool last_arg = false;
	for (size_t i = 0; i < tui_command_count(); i++) {
		bool arg;
		const char *name = tui_command_name(i, &arg);
		size_t before = c.n;
		offer(&c, name, cl->text);
		if (c.n > before)
			last_arg = arg;
	}
	if (c.n == 0)
		return;
	size_t bl = strlen(c.best);
	if (bl + 2 > sizeof cl->text)
		return;
	memcpy(cl->text, c.best, bl);
	cl->text[bl] = c.n == 1 && last_arg ? ' ' : '\0';
	cl->text[bl + 1] = '\0';
	if (c.n == 1)
		cl->choices[0] = '\0';
}

static void complete_file(struct cmdline *cl, char *arg)
{
	struct completion c = { .choices = cl->choices, .choices_cap = sizeof cl->choices };
	cl->choices[0] = '\0';
	char dir[512];
	const char *slash = strrchr(arg, '/');
	const char *base = slash ? slash + 1 : arg;
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - arg + 1), arg);
	else
		dir[0] = '\0';
	DIR *d = opendir(dir[0] ? dir : ".");
	if (!d)
		return;
	struct dirent *de;
	bool last_dir = false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && base[0] != '.')
			continue;
		size_t before = c.n;
		offer(&c, de->d_name, base);
		if (c.n > before)
			last_dir = de->d_type == DT_DIR;
	}
	closedir(d);
	if (c.n == 0)
		return;
	size_t head = (size_t)(arg - cl->text);
	snprintf(cl->text + head, sizeof cl->text - head, "%s%s%s", dir, c.best,
		 c.n == 1 && last_dir ? "/" : "");
	if (c.n == 1)
		cl->choices[0] = '\0';
}

static int cl_action(struct tui_view *v, enum tui_action a)
{
	struct cmdline *cl = (struct cmdline *)v;
	switch (a) {
	case TUI_ACT_CMD_RUN: {
		char line[512];
		snprintf(line, sizeof line, "%s", cl->text);
		struct tui_app *app = v->app;
		/* Close first: the command may switch screens or open another overlay. */
		app->overlays[--app->n_overlays] = NULL;
		app->dirty = true;
		free(cl);
		tui_app_command(app, line);
		return 0;
	}
	case TUI_ACT_CMD_COMPLETE: {
		char *sp = strchr(cl->text, ' ');
		if (sp) {
			char *arg = sp + 1;
			while (*arg == ' ')
				arg++;
			complete_file(cl, arg);
		} else {
			complete_command(cl);
		}
		break;
	}
	case TUI_ACT_CMD_CANCEL: return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE;
	case TUI_ACT_CMD_ERASE: {
		size_t n = strlen(cl->text);
		if (n == 0)
			return TUI_HANDLED | TUI_REDRAW | TUI_CLOSE; /* as in vim */
		cl->text[sl_utf8_back(cl->text, n)] = '\0';
		cl->choices[0] = '\0';
		break;
	}
	case TUI_ACT_CMD_CLEAR:
		cl->text[0] = '\0';
		cl->choices[0] = '\0';
		break;
	default: return TUI_HANDLED;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static int cl_event(struct tui_view *v, const struct tui_event *ev)
{
	struct cmdline *cl = (struct cmdline *)v;
	if (ev->key < 0x20 || ev->key >= TK_SPECIAL || ev->key == 0x7F)
		return TUI_HANDLED;
	char ch[8];
	tui_key_utf8(ev->key, ch);
	size_t n = strlen(cl->text);
	if (n + strlen(ch) < sizeof cl->text)
		memcpy(cl->text + n, ch, strlen(ch) + 1);
	cl->choices[0] = '\0';
	return TUI_HANDLED | TUI_REDRAW;
}

static void cl_draw(struct tui_view *v, struct tui_grid *g, struct tui_rect area)
{
	(void)area;
	struct cmdline *cl = (struct cmdline *)v;
	int y = g->lines - 1;
	tui_grid_fill(g, (struct tui_rect){ 0, y, g->cols, 1 }, TUI_ROLE_SEARCH);
	tui_grid_put(g, 1, y, 1, TUI_ROLE_SEARCH, TUI_A_BOLD, ":");
	/* Long lines keep their end (where the typing is) in view. */
	const char *shown = cl->text;
	uint32_t cp;
	while (tui_text_width(shown) > g->cols - 4)
		shown += sl_utf8_decode(shown, strlen(shown), &cp);
	int used = tui_grid_put(g, 2, y, g->cols - 4, TUI_ROLE_SEARCH, 0, shown);
	tui_grid_put(g, 2 + used, y, 1, TUI_ROLE_SEARCH, TUI_A_REVERSE, " ");
	if (cl->choices[0]) {
		tui_grid_fill(g, (struct tui_rect){ 0, y - 1, g->cols, 1 }, TUI_ROLE_PANEL);
		tui_grid_put_field(g, 1, y - 1, g->cols - 2, TUI_ROLE_PANEL, 0, cl->choices, false);
	}
}

static void cl_destroy(struct tui_view *v)
{
	free(v);
}

static const struct tui_view_ops cmdline_ops = {
	.name = "command",
	.context = cl_context,
	.draw = cl_draw,
	.action = cl_action,
	.event = cl_event,
	.destroy = cl_destroy,
};

struct tui_view *tui_cmdline_new_with(struct tui_app *app, const char *text)
{
	struct cmdline *cl = sl_xcalloc(1, sizeof *cl);
	cl->base.ops = &cmdline_ops;
	cl->base.app = app;
	snprintf(cl->text, sizeof cl->text, "%s", text);
	return &cl->base;
}

struct tui_view *tui_cmdline_new(struct tui_app *app)
{
	return tui_cmdline_new_with(app, "");
}
