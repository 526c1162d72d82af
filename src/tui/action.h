/* One table for every action (tig's REQ_INFO): its context, default keys and help text.
 * Key bindings, the `?` overlay and the man page's key list are all generated from it,
 * so they cannot drift apart. */
#ifndef SHORTLIST_TUI_ACTION_H
#define SHORTLIST_TUI_ACTION_H

#include "key.h"
#include "shortlist/util.h"

enum tui_context {
	TUI_CTX_GLOBAL,  /* anywhere except while typing */
	TUI_CTX_MODELS,  /* the models table */
	TUI_CTX_SEARCH,  /* typing a search */
	TUI_CTX_FILTER,  /* the filter panel */
	TUI_CTX_HELP,    /* the help overlay */
	TUI_CTX_COUNT
};

/* X(id, context, help text, up to four keys (0 = none)) */
#define TUI_ACTIONS(X)                                                                    \
	X(QUIT, GLOBAL, "Quit shortlist", 'q', 0, 0, 0)                                   \
	X(HELP, GLOBAL, "Show or hide this help", '?', TK_F1, 0, 0)                       \
	X(REDRAW, GLOBAL, "Redraw the screen", TK_CTRL('l'), 0, 0, 0)                     \
	X(MOVE_DOWN, MODELS, "Move down", 'j', TK_DOWN, 0, 0)                             \
	X(MOVE_UP, MODELS, "Move up", 'k', TK_UP, 0, 0)                                   \
	X(PAGE_DOWN, MODELS, "Page down", TK_PGDN, TK_CTRL('f'), 0, 0)                    \
	X(PAGE_UP, MODELS, "Page up", TK_PGUP, TK_CTRL('b'), 0, 0)                        \
	X(FIRST, MODELS, "First model", 'g', TK_HOME, 0, 0)                               \
	X(LAST, MODELS, "Last model", 'G', TK_END, 0, 0)                                  \
	X(TOGGLE_SHORTLIST, MODELS, "Add to or remove from the shortlist", ' ', 0, 0, 0)  \
	X(DETAIL, MODELS, "Show or hide the detail pane", TK_ENTER, 'l', 0, 0)            \
	X(DETAIL_DOWN, MODELS, "Scroll the detail pane down", 'J', 0, 0, 0)               \
	X(DETAIL_UP, MODELS, "Scroll the detail pane up", 'K', 0, 0, 0)                   \
	X(SEARCH, MODELS, "Search (filters as you type)", '/', 0, 0, 0)                   \
	X(FILTERS, MODELS, "Open the filter panel", 'f', 0, 0, 0)                         \
	X(CLEAR_ALL, MODELS, "Clear the search and all filters", 'x', 0, 0, 0)            \
	X(SHORTLIST_ONLY, MODELS, "Show only the shortlist (again: all)", 'm', 0, 0, 0)   \
	X(SORT_NEXT, MODELS, "Sort by the next column", 's', TK_TAB, 0, 0)                \
	X(SORT_REVERSE, MODELS, "Reverse the sort order", 'r', 0, 0, 0)                   \
	X(SORT_NAME, MODELS, "Sort by name", 'N', 0, 0, 0)                                \
	X(SORT_PROVIDER, MODELS, "Sort by provider", 'P', 0, 0, 0)                        \
	X(SORT_OPEN, MODELS, "Sort by open weights", 'W', 0, 0, 0)                        \
	X(SORT_CONTEXT, MODELS, "Sort by context window", 'C', 0, 0, 0)                   \
	X(SORT_PRICE_IN, MODELS, "Sort by input price", 'I', 0, 0, 0)                     \
	X(SORT_PRICE_OUT, MODELS, "Sort by output price", 'O', 0, 0, 0)                   \
	X(SORT_BENCH, MODELS, "Sort by published benchmark score", 'B', 0, 0, 0)          \
	X(SORT_RELEASE, MODELS, "Sort by release date", 'D', 0, 0, 0)                     \
	X(SEARCH_ACCEPT, SEARCH, "Keep the text (search or value)", TK_ENTER, 0, 0, 0)                    \
	X(SEARCH_CANCEL, SEARCH, "Cancel, restoring the old text", TK_ESC, 0, 0, 0)                    \
	X(SEARCH_ERASE, SEARCH, "Delete a character", TK_BACKSPACE, TK_CTRL('h'), 0, 0)   \
	X(SEARCH_CLEAR, SEARCH, "Clear the text", TK_CTRL('u'), 0, 0, 0)           \
	X(FILTER_DOWN, FILTER, "Next criterion", 'j', TK_DOWN, 0, 0)                      \
	X(FILTER_UP, FILTER, "Previous criterion", 'k', TK_UP, 0, 0)                      \
	X(FILTER_NEXT, FILTER, "Next value", 'l', TK_RIGHT, ' ', 0)                       \
	X(FILTER_PREV, FILTER, "Previous value", 'h', TK_LEFT, 0, 0)                      \
	X(FILTER_EDIT, FILTER, "Type a value (Enter keeps, Esc cancels)", TK_ENTER, 0, 0, 0) \
	X(FILTER_RESET, FILTER, "Clear this criterion", 'x', TK_DELETE, TK_BACKSPACE, 0)  \
	X(FILTER_RESET_ALL, FILTER, "Clear every criterion", 'c', 0, 0, 0)                \
	X(FILTER_CLOSE, FILTER, "Close the panel (filters stay)", TK_ESC, 'f', 'q', 0)    \
	X(HELP_DOWN, HELP, "Scroll down", 'j', TK_DOWN, 0, 0)                             \
	X(HELP_UP, HELP, "Scroll up", 'k', TK_UP, 0, 0)                                   \
	X(HELP_PAGE_DOWN, HELP, "Page down", TK_PGDN, ' ', 0, 0)                          \
	X(HELP_PAGE_UP, HELP, "Page up", TK_PGUP, 0, 0, 0)                                \
	X(HELP_CLOSE, HELP, "Close the help", TK_ESC, '?', 'q', 0)

enum tui_action {
	TUI_ACT_NONE,
#define X(id, ctx, help, k1, k2, k3, k4) TUI_ACT_##id,
	TUI_ACTIONS(X)
#undef X
	TUI_ACT_COUNT
};

struct tui_action_info {
	enum tui_action action;
	enum tui_context context;
	const char *name; /* "MOVE_DOWN" */
	const char *help;
	int keys[4];
};

const struct tui_action_info *tui_action_info(enum tui_action a);
const char *tui_context_title(enum tui_context ctx);
/* The action bound to key in ctx; GLOBAL bindings apply in every context except
 * SEARCH (where keys are text). TUI_ACT_NONE if unbound. */
enum tui_action tui_action_for_key(enum tui_context ctx, int key);
/* "j, Down" */
void tui_action_keys_label(enum tui_action a, char *out, size_t n);
/* The key list as man page source (between the KEYS markers of doc/shortlist.1) and as a
 * Markdown list (README). */
void tui_actions_man(struct sl_buf *out);
void tui_actions_markdown(struct sl_buf *out);

#endif
