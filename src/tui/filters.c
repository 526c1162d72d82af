#include "filters.h"

#include <stdio.h>
#include <string.h>

#define X(id, label, prefix, kind, ...) \
	static const char *const presets_##id[] = { __VA_ARGS__, NULL };
TUI_CRITERIA(X)
#undef X

static const struct tui_criterion_info criteria[] = {
#define X(id, label, prefix, kind, ...) { label, prefix, TUI_CRIT_##kind, presets_##id },
	TUI_CRITERIA(X)
#undef X
};

const struct tui_criterion_info *tui_criterion(enum tui_criterion_id id)
{
	return &criteria[id];
}

void tui_filters_cycle(struct tui_filters *f, enum tui_criterion_id id, int dir)
{
	const char *const *p = criteria[id].presets;
	int n = 0;
	while (p[n])
		n++;
	/* Position -1 is "any"; a typed value not among the presets counts as "any". */
	int pos = -1;
	for (int i = 0; i < n; i++)
		if (strcmp(f->value[id], p[i]) == 0)
			pos = i;
	pos += dir;
	if (pos >= n)
		pos = -1;
	else if (pos < -1)
		pos = n - 1;
	snprintf(f->value[id], sizeof f->value[id], "%s", pos < 0 ? "" : p[pos]);
}

int tui_filters_build(const struct tui_filters *f, struct sl_filter_set **out,
		      struct sl_error *err)
{
	struct sl_filter_set *set = sl_filter_set_new();
	int rc = 0;
	for (int i = 0; i < TUI_CRIT_COUNT; i++) {
		if (!f->value[i][0])
			continue;
		char expr[160];
		snprintf(expr, sizeof expr, "%s%s", criteria[i].prefix, f->value[i]);
		struct sl_error e = { 0 };
		if (sl_filter_set_add(set, expr, &e) != 0 && rc == 0) {
			sl_error_set(err, "%s: %s", criteria[i].label, e.msg);
			rc = -1;
		}
	}
	if (f->search[0])
		sl_filter_set_search(set, f->search);
	*out = set;
	return rc;
}

void tui_filters_describe(const struct tui_filters *f, struct sl_buf *out)
{
	for (int i = 0; i < TUI_CRIT_COUNT; i++)
		if (f->value[i][0])
			sl_buf_printf(out, "%s%s%s",
				      out->len && out->data[out->len - 1] != ' ' ? " " : "",
				      criteria[i].prefix,
				      f->value[i]);
}

int tui_filters_active(const struct tui_filters *f)
{
	int n = 0;
	for (int i = 0; i < TUI_CRIT_COUNT; i++)
		n += f->value[i][0] != 0;
	return n;
}
