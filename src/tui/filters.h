/* The filter panel's criteria and how they become sl_filter_set expressions. Each
 * criterion is one --filter expression of the CLI, so the panel and `shortlist models
 * --filter` always mean the same thing. */
#ifndef SHORTLIST_TUI_FILTERS_H
#define SHORTLIST_TUI_FILTERS_H

#include <stdbool.h>

#include "shortlist/catalog.h"

enum tui_criterion_kind {
	TUI_CRIT_CHOICE, /* cycle through fixed values; index 0 = any */
	TUI_CRIT_VALUE,  /* presets to cycle through, or a typed value */
};

/* X(id, label, expression prefix, kind, presets ... NULL) */
#define TUI_CRITERIA(X)                                                                  \
	X(OPEN_WEIGHTS, "Open weights", "open_weights=", CHOICE, "true", "false")         \
	X(LICENSE, "Licence contains", "license=", VALUE, "apache", "mit", "llama")                     \
	X(CONTEXT, "Context >=", "context>=", VALUE, "32000", "128000", "200000", "1000000") \
	X(PRICE_IN, "$ in <= (per 1M)", "price_in<=", VALUE, "0.1", "0.5", "1", "3", "10") \
	X(PRICE_OUT, "$ out <= (per 1M)", "price_out<=", VALUE, "0.5", "2", "5", "15", "30") \
	X(MODALITY, "Input modality", "modality=", CHOICE, "text", "image", "audio", "video", "pdf") \
	X(REASONING, "Reasoning", "reasoning=", CHOICE, "true", "false")                  \
	X(TOOL_CALL, "Tool calling", "tool_call=", CHOICE, "true", "false")               \
	X(RELEASE, "Released on/after", "release>=", VALUE, "2024-01-01", "2025-01-01", "2026-01-01") \
	X(SIZE, "Size class", "size=", CHOICE, "SLM", "LLM")                              \
	X(PROVIDER, "Provider", "provider=", VALUE, "openai", "anthropic", "google", "mistral") \
	X(FAMILY, "Family", "family=", VALUE, "llama", "qwen", "gpt", "claude", "gemini")

enum tui_criterion_id {
#define X(id, label, prefix, kind, ...) TUI_CRIT_##id,
	TUI_CRITERIA(X)
#undef X
	TUI_CRIT_COUNT
};

struct tui_criterion_info {
	const char *label;
	const char *prefix;
	enum tui_criterion_kind kind;
	const char *const *presets; /* NULL-terminated */
};

struct tui_filters {
	char value[TUI_CRIT_COUNT][64]; /* "" = any */
	char search[128];
	bool shortlist_only;
};

const struct tui_criterion_info *tui_criterion(enum tui_criterion_id id);
/* Step a criterion through its presets (dir +1/-1), wrapping through "any". */
void tui_filters_cycle(struct tui_filters *f, enum tui_criterion_id id, int dir);
/* Build the filter set; on a bad value err names the criterion and what is valid, and the
 * set is still built from the other criteria. Returns 0 or -1. */
int tui_filters_build(const struct tui_filters *f, struct sl_filter_set **out,
		      struct sl_error *err);
/* "open_weights=true context>=128000" for the status bar. */
void tui_filters_describe(const struct tui_filters *f, struct sl_buf *out);
int tui_filters_active(const struct tui_filters *f);

#endif
