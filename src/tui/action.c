#include "action.h"

#include <stdio.h>
#include <string.h>

static const struct tui_action_info actions[] = {
	{ TUI_ACT_NONE, TUI_CTX_GLOBAL, "NONE", "", "", { 0 } },
#define X(id, ctx, hint, help, k1, k2, k3, k4) \
	{ TUI_ACT_##id, TUI_CTX_##ctx, #id, hint, help, { k1, k2, k3, k4 } },
	TUI_ACTIONS(X)
#undef X
};

static const struct {
	const char *title;
	bool typing;
} contexts[] = {
#define X(id, title, typing) [TUI_CTX_##id] = { title, typing },
	TUI_CONTEXTS(X)
#undef X
};

static const struct {
	const char *name, *arg, *help;
} commands[] = {
#define X(name, arg, screen, help) { name, arg, help },
	TUI_COMMANDS(X)
#undef X
};

const struct tui_action_info *tui_action_info(enum tui_action a)
{
	return &actions[a];
}

const char *tui_context_title(enum tui_context ctx)
{
	return contexts[ctx].title;
}

bool tui_context_typing(enum tui_context ctx)
{
	return contexts[ctx].typing;
}

static enum tui_action lookup(enum tui_context ctx, int key)
{
	for (int a = 1; a < TUI_ACT_COUNT; a++) {
		if (actions[a].context != ctx)
			continue;
		for (int k = 0; k < 4 && actions[a].keys[k]; k++)
			if (actions[a].keys[k] == key)
				return (enum tui_action)a;
	}
	return TUI_ACT_NONE;
}

enum tui_action tui_action_for_key(enum tui_context ctx, int key)
{
	enum tui_action a = lookup(ctx, key);
	if (a == TUI_ACT_NONE && !contexts[ctx].typing)
		a = lookup(TUI_CTX_GLOBAL, key);
	return a;
}

/* Hints of ctx's actions; with `front` set, only those whose key front does not take. */
static void hints_of(enum tui_context ctx, int front,
		     void (*put)(void *, const char *, const char *), void *ud)
{
	for (int a = 1; a < TUI_ACT_COUNT; a++) {
		if (actions[a].context != ctx || !actions[a].hint[0])
			continue;
		if (front >= 0 && lookup((enum tui_context)front, actions[a].keys[0]))
			continue;
		char key[32];
		tui_key_name(actions[a].keys[0], key, sizeof key);
		put(ud, key, actions[a].hint);
	}
}

void tui_action_hints(enum tui_context ctx, void (*put)(void *ud, const char *key,
							  const char *label), void *ud)
{
	hints_of(ctx, -1, put, ud);
	if (ctx != TUI_CTX_GLOBAL && !contexts[ctx].typing)
		hints_of(TUI_CTX_GLOBAL, (int)ctx, put, ud);
}

void tui_action_keys_label(enum tui_action a, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int k = 0; k < 4 && actions[a].keys[k]; k++) {
		char name[32];
		tui_key_name(actions[a].keys[k], name, sizeof name);
		int w = snprintf(out + used, n - used, "%s%s", k ? ", " : "", name);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

/* troff treats a leading '.' or '\'' as a request and '\' as an escape. */
static void man_escape(struct sl_buf *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		sl_buf_puts(out, "\\&");
	for (; *s; s++) {
		if (*s == '\\')
			sl_buf_puts(out, "\\e");
		else if (*s == '-')
			sl_buf_puts(out, "\\-");
		else
			sl_buf_putc(out, *s);
	}
}

static bool context_has_actions(int ctx)
{
	for (int a = 1; a < TUI_ACT_COUNT; a++)
		if ((int)actions[a].context == ctx)
			return true;
	return false;
}

static void command_label(size_t i, char *out, size_t n)
{
	snprintf(out, n, ":%s%s%s", commands[i].name, commands[i].arg ? " " : "",
		 commands[i].arg ? commands[i].arg : "");
}

size_t tui_command_count(void)
{
	return SL_ARRAY_LEN(commands);
}

const char *tui_command_help(size_t i, char *label, size_t n)
{
	command_label(i, label, n);
	return commands[i].help;
}

const char *tui_command_name(size_t i, bool *takes_arg)
{
	*takes_arg = commands[i].arg != NULL;
	return commands[i].name;
}

void tui_actions_man(struct sl_buf *out)
{
	for (int ctx = 0; ctx < TUI_CTX_COUNT; ctx++) {
		if (!context_has_actions(ctx))
			continue; /* a screen whose keys are still to come */
		sl_buf_printf(out, ".SS %s\n", contexts[ctx].title);
		for (int a = 1; a < TUI_ACT_COUNT; a++) {
			if ((int)actions[a].context != ctx)
				continue;
			char keys[128];
			tui_action_keys_label((enum tui_action)a, keys, sizeof keys);
			sl_buf_puts(out, ".TP\n.B ");
			man_escape(out, keys);
			sl_buf_putc(out, '\n');
			man_escape(out, actions[a].help);
			sl_buf_putc(out, '\n');
		}
	}
	sl_buf_puts(out, ".SS Commands (after :)\n");
	for (size_t i = 0; i < SL_ARRAY_LEN(commands); i++) {
		char label[96];
		command_label(i, label, sizeof label);
		sl_buf_puts(out, ".TP\n.B ");
		man_escape(out, label);
		sl_buf_putc(out, '\n');
		man_escape(out, commands[i].help);
		sl_buf_putc(out, '\n');
	}
}

void tui_actions_markdown(struct sl_buf *out)
{
	for (int ctx = 0; ctx < TUI_CTX_COUNT; ctx++) {
		if (!context_has_actions(ctx))
			continue;
		sl_buf_printf(out, "- **%s**:", contexts[ctx].title);
		bool first = true;
		for (int a = 1; a < TUI_ACT_COUNT; a++) {
			if ((int)actions[a].context != ctx)
				continue;
			char keys[128];
			tui_action_keys_label((enum tui_action)a, keys, sizeof keys);
			sl_buf_printf(out, "%s `%s` %s", first ? "" : ";", keys,
				      actions[a].help);
			first = false;
		}
		sl_buf_puts(out, "\n");
	}
	sl_buf_puts(out, "- **Commands (after `:`)**:");
	for (size_t i = 0; i < SL_ARRAY_LEN(commands); i++) {
		char label[96];
		command_label(i, label, sizeof label);
		sl_buf_printf(out, "%s `%s` %s", i ? ";" : "", label, commands[i].help);
	}
	sl_buf_puts(out, "\n");
}
