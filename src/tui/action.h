/* One table for every action (tig's REQ_INFO): its context, default keys and help text.
 * Key bindings, the `?` overlay and the man page's key list are all generated from it,
 * so they cannot drift apart. */
#ifndef SHORTLIST_TUI_ACTION_H
#define SHORTLIST_TUI_ACTION_H

#include <stdbool.h>

#include "key.h"
#include "shortlist/util.h"

/* X(id, title in help and docs, typing: keys are text, so GLOBAL bindings do not apply) */
#define TUI_CONTEXTS(X)                                                   \
	X(GLOBAL, "Everywhere", false)                                    \
	X(MODELS, "Models", false)                                        \
	X(SEARCH, "Typing (search, filter values)", true)                 \
	X(FILTER, "Filter panel", false)                                  \
	X(PROMPTS, "Prompts", false)                                      \
	X(RUN, "Run", false)                                              \
	X(COMPARE, "Compare", false)                                      \
	X(SCORECARD, "Scorecard", false)                                  \
	X(CHARTS, "Charts", false)                                        \
	X(WEIGHTS, "Weights (Scorecard and Charts)", false)               \
	X(CASES, "Per-case results (Enter on the Scorecard)", false)      \
	X(RATE, "Rate", false)                                            \
	X(RUNS, "Runs", false)                                            \
	X(NEWRUN, "New evaluation", false)                                \
	X(COMMAND, "Command line", true)                                  \
	X(CONFIRM, "Questions", false)                                    \
	X(HELP, "Help", false)

enum tui_context {
#define X(id, title, typing) TUI_CTX_##id,
	TUI_CONTEXTS(X)
#undef X
	TUI_CTX_COUNT
};

/* X(id, context, hint, help text, up to four keys (0 = none)).
 * hint: the short label shown in the key-hint line at the bottom while the context is in
 * front ("" = listed only in help). A context's own binding of a key wins over GLOBAL's, so
 * a screen may take a digit (Rate takes 1-5) and still reach the others with Tab or `:`. */
#define TUI_ACTIONS(X)                                                                    \
	X(BACK, GLOBAL, "back", "Back to the previous screen (q on the first screen quits)", 'q', TK_ESC, 0, 0) \
	X(QUIT, GLOBAL, "", "Quit shortlist (asks first while a run is active)", 'Q', 0, 0, 0) \
	X(HELP, GLOBAL, "keys", "Show or hide this help", '?', TK_F1, 0, 0)               \
	X(COMMAND, GLOBAL, "command", "Command line (Tab completes, :help lists commands)", ':', 0, 0, 0) \
	X(SCREEN_NEXT, GLOBAL, "", "Next screen", TK_TAB, 0, 0, 0)                        \
	X(SCREEN_PREV, GLOBAL, "", "Previous screen", TK_BTAB, 0, 0, 0)                   \
	X(SCREEN_1, GLOBAL, "", "Models screen", '1', 0, 0, 0)                            \
	X(SCREEN_2, GLOBAL, "", "Prompts screen", '2', 0, 0, 0)                           \
	X(SCREEN_3, GLOBAL, "", "Run screen", '3', 0, 0, 0)                               \
	X(SCREEN_4, GLOBAL, "", "Compare screen", '4', 0, 0, 0)                           \
	X(SCREEN_5, GLOBAL, "", "Scorecard screen", '5', 0, 0, 0)                         \
	X(SCREEN_6, GLOBAL, "", "Charts screen", '6', 0, 0, 0)                            \
	X(SCREEN_7, GLOBAL, "", "Rate screen", '7', 0, 0, 0)                              \
	X(SCREEN_8, GLOBAL, "", "Runs screen", '8', 0, 0, 0)                              \
	X(REDRAW, GLOBAL, "", "Redraw the screen", TK_CTRL('l'), 0, 0, 0)                 \
	X(MOVE_DOWN, MODELS, "", "Move down", 'j', TK_DOWN, 0, 0)                         \
	X(MOVE_UP, MODELS, "", "Move up", 'k', TK_UP, 0, 0)                               \
	X(PAGE_DOWN, MODELS, "", "Page down", TK_PGDN, TK_CTRL('f'), 0, 0)                \
	X(PAGE_UP, MODELS, "", "Page up", TK_PGUP, TK_CTRL('b'), 0, 0)                    \
	X(FIRST, MODELS, "", "First model", 'g', TK_HOME, 0, 0)                           \
	X(LAST, MODELS, "", "Last model", 'G', TK_END, 0, 0)                              \
	X(TOGGLE_SHORTLIST, MODELS, "shortlist", "Add to or remove from the shortlist", ' ', 0, 0, 0) \
	X(DETAIL, MODELS, "detail", "Show or hide the detail pane", TK_ENTER, 'l', 0, 0)  \
	X(DETAIL_DOWN, MODELS, "", "Scroll the detail pane down", 'J', 0, 0, 0)           \
	X(DETAIL_UP, MODELS, "", "Scroll the detail pane up", 'K', 0, 0, 0)               \
	X(SEARCH, MODELS, "search", "Search (filters as you type)", '/', 0, 0, 0)         \
	X(FILTERS, MODELS, "filters", "Open the filter panel", 'f', 0, 0, 0)              \
	X(CLEAR_ALL, MODELS, "", "Clear the search and all filters", 'x', 0, 0, 0)        \
	X(SHORTLIST_ONLY, MODELS, "", "Show only the shortlist (again: all)", 'm', 0, 0, 0) \
	X(SORT_NEXT, MODELS, "sort", "Sort by the next column", 's', 0, 0, 0)             \
	X(SORT_REVERSE, MODELS, "", "Reverse the sort order", 'r', 0, 0, 0)               \
	X(SORT_NAME, MODELS, "", "Sort by name", 'N', 0, 0, 0)                            \
	X(SORT_PROVIDER, MODELS, "", "Sort by provider", 'P', 0, 0, 0)                    \
	X(SORT_OPEN, MODELS, "", "Sort by open weights", 'W', 0, 0, 0)                    \
	X(SORT_CONTEXT, MODELS, "", "Sort by context window", 'C', 0, 0, 0)               \
	X(SORT_PRICE_IN, MODELS, "", "Sort by input price", 'I', 0, 0, 0)                 \
	X(SORT_PRICE_OUT, MODELS, "", "Sort by output price", 'O', 0, 0, 0)               \
	X(SORT_BENCH, MODELS, "", "Sort by published benchmark score", 'B', 0, 0, 0)      \
	X(SORT_RELEASE, MODELS, "", "Sort by release date", 'D', 0, 0, 0)                 \
	X(SEARCH_ACCEPT, SEARCH, "keep", "Keep the text (search or value)", TK_ENTER, 0, 0, 0) \
	X(SEARCH_CANCEL, SEARCH, "cancel", "Cancel, restoring the old text", TK_ESC, 0, 0, 0) \
	X(SEARCH_ERASE, SEARCH, "", "Delete a character", TK_BACKSPACE, TK_CTRL('h'), 0, 0) \
	X(SEARCH_CLEAR, SEARCH, "clear", "Clear the text", TK_CTRL('u'), 0, 0, 0)         \
	X(FILTER_DOWN, FILTER, "", "Next criterion", 'j', TK_DOWN, 0, 0)                  \
	X(FILTER_UP, FILTER, "", "Previous criterion", 'k', TK_UP, 0, 0)                  \
	X(FILTER_NEXT, FILTER, "next value", "Next value", 'l', TK_RIGHT, ' ', 0)         \
	X(FILTER_PREV, FILTER, "", "Previous value", 'h', TK_LEFT, 0, 0)                  \
	X(FILTER_EDIT, FILTER, "type", "Type a value (Enter keeps, Esc cancels)", TK_ENTER, 0, 0, 0) \
	X(FILTER_RESET, FILTER, "clear", "Clear this criterion", 'x', TK_DELETE, TK_BACKSPACE, 0) \
	X(FILTER_RESET_ALL, FILTER, "", "Clear every criterion", 'c', 0, 0, 0)            \
	X(FILTER_CLOSE, FILTER, "close", "Close the panel (filters stay)", TK_ESC, 'f', 'q', 0) \
	X(RUN_START, RUN, "start", "Start the checked run; on the matrix: compare this case", TK_ENTER, 0, 0, 0) \
	X(RUN_PAUSE, RUN, "pause", "Pause or resume the live run (requests in flight finish)", ' ', 0, 0, 0) \
	X(RUN_CANCEL, RUN, "cancel", "Cancel the live run (done cells stay; :resume continues)", 'c', 0, 0, 0) \
	X(RUN_NEW, RUN, "new", "New evaluation of the shortlist", 'n', 0, 0, 0)            \
	X(RUN_LEFT, RUN, "", "Previous case", 'h', TK_LEFT, 0, 0)                          \
	X(RUN_RIGHT, RUN, "", "Next case", 'l', TK_RIGHT, 0, 0)                            \
	X(RUN_UP, RUN, "", "Previous model row", 'k', TK_UP, 0, 0)                         \
	X(RUN_DOWN, RUN, "", "Next model row", 'j', TK_DOWN, 0, 0)                         \
	X(RUN_FIRST, RUN, "", "First case", 'g', TK_HOME, 0, 0)                            \
	X(RUN_LAST, RUN, "", "Last case", 'G', TK_END, 0, 0)                               \
	X(CMP_NEXT, COMPARE, "next", "Next case", 'n', 0, 0, 0)                            \
	X(CMP_PREV, COMPARE, "prev", "Previous case", 'p', 0, 0, 0)                        \
	X(CMP_DISAGREE, COMPARE, "disagree", "Next case where the models' answers differ", 'd', 0, 0, 0) \
	X(CMP_FAILED, COMPARE, "failed", "Next case where a model failed", 'f', 0, 0, 0)   \
	X(CMP_SCROLL_MODE, COMPARE, "together", "Scroll the columns together or apart", 's', 0, 0, 0) \
	X(CMP_DOWN, COMPARE, "", "Scroll down (the focused column when apart)", 'j', TK_DOWN, 0, 0) \
	X(CMP_UP, COMPARE, "", "Scroll up", 'k', TK_UP, 0, 0)                              \
	X(CMP_PAGE_DOWN, COMPARE, "", "Page down", TK_PGDN, ' ', 0, 0)                     \
	X(CMP_PAGE_UP, COMPARE, "", "Page up", TK_PGUP, 0, 0, 0)                           \
	X(CMP_LEFT, COMPARE, "", "Focus the column to the left", 'h', TK_LEFT, 0, 0)       \
	X(CMP_RIGHT, COMPARE, "", "Focus the column to the right", 'l', TK_RIGHT, 0, 0)    \
	X(CMP_MODELS_NEXT, COMPARE, "", "Show the next models (more than four)", ']', 0, 0, 0) \
	X(CMP_MODELS_PREV, COMPARE, "", "Show the previous models", '[', 0, 0, 0)          \
	X(CMP_PROMPT, COMPARE, "", "Next prompt version", 'v', 0, 0, 0)                    \
	X(RUNS_DOWN, RUNS, "", "Next run", 'j', TK_DOWN, 0, 0)                             \
	X(RUNS_UP, RUNS, "", "Previous run", 'k', TK_UP, 0, 0)                             \
	X(RUNS_OPEN, RUNS, "open", "Open the run: its matrix, answers and scorecard from the store", TK_ENTER, 0, 0, 0) \
	X(RUNS_MARK, RUNS, "mark", "Mark this run as the old side of a diff", 'm', ' ', 0, 0) \
	X(RUNS_DIFF, RUNS, "diff", "Diff the marked run with this one (cells whose output, error or score changed)", 'd', 0, 0, 0) \
	X(RUNS_SCROLL_DOWN, RUNS, "", "Scroll the lineage or diff down", 'J', TK_PGDN, 0, 0) \
	X(RUNS_SCROLL_UP, RUNS, "", "Scroll the lineage or diff up", 'K', TK_PGUP, 0, 0)  \
	X(RUNS_RELOAD, RUNS, "", "Reload the list", 'r', 0, 0, 0)                         \
	X(NEWRUN_DOWN, NEWRUN, "", "Next field", 'j', TK_DOWN, 0, 0)                       \
	X(NEWRUN_UP, NEWRUN, "", "Previous field", 'k', TK_UP, 0, 0)                       \
	X(NEWRUN_TOGGLE, NEWRUN, "select", "Select or drop this prompt or scorer", ' ', 0, 0, 0) \
	X(NEWRUN_EDIT, NEWRUN, "edit", "Type the dataset, parameters or name; on Check: check the suite", TK_ENTER, 0, 0, 0) \
	X(NEWRUN_PREV, NEWRUN, "", "Older prompt version", 'h', TK_LEFT, 0, 0)            \
	X(NEWRUN_NEXT, NEWRUN, "version", "Newer prompt version", 'l', TK_RIGHT, 0, 0)    \
	X(NEWRUN_CLOSE, NEWRUN, "close", "Close (nothing is written)", TK_ESC, 'q', 0, 0)  \
	X(SC_DOWN, SCORECARD, "", "Next row", 'j', TK_DOWN, 0, 0)                        \
	X(SC_UP, SCORECARD, "", "Previous row", 'k', TK_UP, 0, 0)                        \
	X(SC_LEFT, SCORECARD, "", "Scroll the columns left", 'h', TK_LEFT, 0, 0)         \
	X(SC_RIGHT, SCORECARD, "", "Scroll the columns right", 'l', TK_RIGHT, 0, 0)      \
	X(SC_SORT_NEXT, SCORECARD, "sort", "Sort by the next column", 'o', 0, 0, 0)       \
	X(SC_SORT_PREV, SCORECARD, "", "Sort by the previous column", 'O', 0, 0, 0)       \
	X(SC_SORT_REVERSE, SCORECARD, "", "Reverse the sort order", 'r', 0, 0, 0)         \
	X(SC_PROMPTS, SCORECARD, "per prompt", "Rows per model, or per model and prompt version", 'v', 0, 0, 0) \
	X(SC_OPEN, SCORECARD, "cases", "Per-case results of the model", TK_ENTER, 0, 0, 0) \
	X(POINT_LEFT, CHARTS, "", "Move the priority point toward speed", 'h', TK_LEFT, 0, 0) \
	X(POINT_RIGHT, CHARTS, "", "Move the priority point toward cost", 'l', TK_RIGHT, 0, 0) \
	X(POINT_UP, CHARTS, "", "Move the priority point toward precision", 'k', TK_UP, 0, 0) \
	X(POINT_DOWN, CHARTS, "", "Move the priority point away from precision", 'j', TK_DOWN, 0, 0) \
	X(CHART_NEXT, CHARTS, "next chart", "Next chart (on a small screen)", 'v', 0, 0, 0) \
	X(CHART_PREV, CHARTS, "", "Previous chart", 'V', 0, 0, 0)                         \
	X(SPEED_MORE, WEIGHTS, "", "More weight on speed", 's', 0, 0, 0)                  \
	X(SPEED_LESS, WEIGHTS, "", "Less weight on speed", 'S', 0, 0, 0)                  \
	X(PRECISION_MORE, WEIGHTS, "", "More weight on precision", 'p', 0, 0, 0)          \
	X(PRECISION_LESS, WEIGHTS, "", "Less weight on precision", 'P', 0, 0, 0)          \
	X(COST_MORE, WEIGHTS, "", "More weight on cost", 'c', 0, 0, 0)                    \
	X(COST_LESS, WEIGHTS, "", "Less weight on cost", 'C', 0, 0, 0)                    \
	X(WEIGHTS_RESET, WEIGHTS, "", "Equal weights", '=', 0, 0, 0)                      \
	X(CASE_DOWN, CASES, "", "Next case", 'j', TK_DOWN, 0, 0)                          \
	X(CASE_UP, CASES, "", "Previous case", 'k', TK_UP, 0, 0)                          \
	X(CASE_SCROLL_DOWN, CASES, "scroll", "Scroll the case's text down", 'J', TK_PGDN, ' ', 0) \
	X(CASE_SCROLL_UP, CASES, "", "Scroll the case's text up", 'K', TK_PGUP, 0, 0)   \
	X(CASE_FAILED, CASES, "next failure", "Next case that failed or scored below 1", 'f', 0, 0, 0) \
	X(CASE_CLOSE, CASES, "close", "Back to the scorecard", TK_ESC, 'q', 0, 0)         \
	X(PR_DOWN, PROMPTS, "", "Next prompt", 'j', TK_DOWN, 0, 0)                       \
	X(PR_UP, PROMPTS, "", "Previous prompt", 'k', TK_UP, 0, 0)                       \
	X(PR_OLDER, PROMPTS, "", "Older version", 'h', TK_LEFT, '[', 0)                  \
	X(PR_NEWER, PROMPTS, "", "Newer version", 'l', TK_RIGHT, ']', 0)                 \
	X(PR_VIEW, PROMPTS, "text/diff/preview", "Show the version's text, its diff with the one before, or a preview", 'd', 0, 0, 0) \
	X(PR_ROW_NEXT, PROMPTS, "row", "Preview with the next dataset row", 'n', 0, 0, 0) \
	X(PR_ROW_PREV, PROMPTS, "", "Preview with the previous dataset row", 'p', 0, 0, 0) \
	X(PR_SCROLL_DOWN, PROMPTS, "", "Scroll the text down", 'J', TK_PGDN, ' ', 0)      \
	X(PR_SCROLL_UP, PROMPTS, "", "Scroll the text up", 'K', TK_PGUP, 0, 0)           \
	X(PR_EDIT, PROMPTS, "edit", "Edit this version in $VISUAL or $EDITOR (a new version only if changed)", 'e', 0, 0, 0) \
	X(PR_TAG, PROMPTS, "tag", "Tag the prompt (:tag TAG, -TAG removes)", 't', 0, 0, 0) \
	X(PR_VTAG, PROMPTS, "", "Tag this version (:vtag TAG, -TAG removes)", 'T', 0, 0, 0) \
	X(RATE_1, RATE, "", "Rate the output 1 (bad)", '1', 0, 0, 0)                     \
	X(RATE_2, RATE, "", "Rate the output 2", '2', 0, 0, 0)                           \
	X(RATE_3, RATE, "", "Rate the output 3", '3', 0, 0, 0)                           \
	X(RATE_4, RATE, "", "Rate the output 4", '4', 0, 0, 0)                           \
	X(RATE_5, RATE, "", "Rate the output 5 (excellent)", '5', 0, 0, 0)       \
	X(VOTE_A, RATE, "", "Blind pairs: A is better", 'a', 0, 0, 0)          \
	X(VOTE_B, RATE, "", "Blind pairs: B is better", 'b', 0, 0, 0)                    \
	X(VOTE_TIE, RATE, "", "Blind pairs: a tie", 't', 0, 0, 0)                        \
	X(RATE_SKIP, RATE, "skip", "Skip (it stays in the queue for later)", 'n', TK_RIGHT, 0, 0) \
	X(RATE_UNDO, RATE, "undo", "Undo the last rating or vote (it is removed)", 'u', TK_LEFT, 0, 0) \
	X(RATE_COMMENT, RATE, "comment", "Type a comment for the next rating", 'c', 0, 0, 0) \
	X(RATE_MODE, RATE, "mode", "Switch between 1-5 ratings and blind A/B pairs", 'm', 0, 0, 0) \
	X(RATE_RESULTS, RATE, "results", "Show or hide agreement and strengths (names models)", 'i', 0, 0, 0) \
	X(RATE_SCROLL_DOWN, RATE, "", "Scroll the text down", 'J', TK_PGDN, TK_DOWN, 'j') \
	X(RATE_SCROLL_UP, RATE, "", "Scroll the text up", 'K', TK_PGUP, TK_UP, 'k')      \
	X(CMD_RUN, COMMAND, "run", "Run the command", TK_ENTER, 0, 0, 0)                  \
	X(CMD_COMPLETE, COMMAND, "complete", "Complete the command or file name", TK_TAB, 0, 0, 0) \
	X(CMD_CANCEL, COMMAND, "cancel", "Close the command line", TK_ESC, 0, 0, 0)       \
	X(CMD_ERASE, COMMAND, "", "Delete a character", TK_BACKSPACE, TK_CTRL('h'), 0, 0) \
	X(CMD_CLEAR, COMMAND, "", "Clear the line", TK_CTRL('u'), 0, 0, 0)                \
	X(CONFIRM_YES, CONFIRM, "yes", "Yes", 'y', 0, 0, 0)                               \
	X(CONFIRM_NO, CONFIRM, "no", "No (stay)", 'n', TK_ESC, 'q', 0)                    \
	X(HELP_DOWN, HELP, "", "Scroll down", 'j', TK_DOWN, 0, 0)                         \
	X(HELP_UP, HELP, "", "Scroll up", 'k', TK_UP, 0, 0)                               \
	X(HELP_PAGE_DOWN, HELP, "", "Page down", TK_PGDN, ' ', 0, 0)                      \
	X(HELP_PAGE_UP, HELP, "", "Page up", TK_PGUP, 0, 0, 0)                            \
	X(HELP_CLOSE, HELP, "close", "Close the help", TK_ESC, '?', 'q', 0)

/* The `:` commands: X(name, argument (NULL = none), screen it goes to, help text). A
 * command with a screen shows it and hands the argument to its ops->command; a screen
 * command with no argument only shows the screen. */
#define TUI_COMMANDS(X)                                                                   \
	X("models", NULL, MODELS, "Show the Models screen")                               \
	X("prompts", NULL, PROMPTS, "Show the Prompts screen")                            \
	X("tag", "TAG|-TAG", PROMPTS, "Add tags to the selected prompt (-TAG removes)")   \
	X("vtag", "TAG|-TAG", PROMPTS, "Add tags to the selected prompt version (-TAG removes)") \
	X("tagged", "[TAG]", PROMPTS, "List only prompts tagged TAG, on the prompt or a version (none: all)") \
	X("run", NULL, RUN, "Show the Run screen")                                        \
	X("compare", NULL, COMPARE, "Show the Compare screen")                            \
	X("scorecard", NULL, SCORECARD, "Show the Scorecard screen")                      \
	X("charts", NULL, CHARTS, "Show the Charts screen")                               \
	X("rate", NULL, RATE, "Show the Rate screen")                                     \
	X("runs", NULL, RUNS, "Show the Runs screen")                                     \
	X("open", "SUITE.json", RUN, "Check a suite file and show what it would run (Enter starts)") \
	X("resume", "[RUN]", RUN, "Check resuming a run (default: the suite's newest unfinished)") \
	X("help", NULL, NONE, "Show the keys and commands")                               \
	X("quit", NULL, NONE, "Quit shortlist (asks first while a run is active)")

enum tui_action {
	TUI_ACT_NONE,
#define X(id, ctx, hint, help, k1, k2, k3, k4) TUI_ACT_##id,
	TUI_ACTIONS(X)
#undef X
	TUI_ACT_COUNT
};

struct tui_action_info {
	enum tui_action action;
	enum tui_context context;
	const char *name; /* "MOVE_DOWN" */
	const char *hint; /* "" = not in the hint line */
	const char *help;
	int keys[4];
};

const struct tui_action_info *tui_action_info(enum tui_action a);
const char *tui_context_title(enum tui_context ctx);
bool tui_context_typing(enum tui_context ctx);
/* The key hints of ctx (its actions with a hint, then GLOBAL's unless typing) as
 * "key label" pairs: calls put(ud, key, label) in order. */
void tui_action_hints(enum tui_context ctx, void (*put)(void *ud, const char *key,
							  const char *label), void *ud);
/* The action bound to key in ctx; GLOBAL bindings apply in every context except the
 * typing ones (where keys are text). TUI_ACT_NONE if unbound. */
enum tui_action tui_action_for_key(enum tui_context ctx, int key);
/* "j, Down" */
void tui_action_keys_label(enum tui_action a, char *out, size_t n);
/* The key list as man page source (between the KEYS markers of doc/shortlist.1) and as a
 * Markdown list (README). */
void tui_actions_man(struct sl_buf *out);
/* The `:` commands for the help overlay: label ":open SUITE.json" and help text. */
size_t tui_command_count(void);
const char *tui_command_help(size_t i, char *label, size_t n);
/* Command i's name; *takes_arg says whether it takes an argument (a file for completion). */
const char *tui_command_name(size_t i, bool *takes_arg);
void tui_actions_markdown(struct sl_buf *out);

#endif
