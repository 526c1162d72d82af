#include "action.h"

#include <stdio.h>
#include <string.h>

static const struct tui_action_info actions[] = {
	{ TUI_ACT_NONE, TUI_CTX_GLOBAL, "NONE", "", { 0 } },
#define X(id, ctx, help, k1, k2, k3, k4) \
	{ TUI_ACT_##id, TUI_CTX_##ctx, #id, help, { k1, k2, k3, k4 } },
	TUI_ACTIONS(X)
#undef X
};

static const char *const context_titles[] = {
	[TUI_CTX_GLOBAL] = "Everywhere",
	[TUI_CTX_MODELS] = "Models table",
	[TUI_CTX_SEARCH] = "Typing (search, filter values)",
	[TUI_CTX_FILTER] = "Filter panel",
	[TUI_CTX_HELP] = "Help",
};

const struct tui_action_info *tui_action_info(enum tui_action a)
{
	return &actions[a];
}

const char *tui_context_title(enum tui_context ctx)
{
	return context_titles[ctx];
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
	if (a == TUI_ACT_NONE && ctx != TUI_CTX_SEARCH)
		a = lookup(TUI_CTX_GLOBAL, key);
	return a;
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

void tui_actions_man(struct sl_buf *out)
{
	for (int ctx = 0; ctx < TUI_CTX_COUNT; ctx++) {
		sl_buf_printf(out, ".SS %s\n", context_titles[ctx]);
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
}

void tui_actions_markdown(struct sl_buf *out)
{
	for (int ctx = 0; ctx < TUI_CTX_COUNT; ctx++) {
		sl_buf_printf(out, "- **%s**:", context_titles[ctx]);
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
}
