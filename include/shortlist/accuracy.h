/* Accuracy on labelled data with discrete answers: matching an output to the expected
 * answer (exact, normalised, extracted label or letter choice, regex capture, JSON field),
 * and the classification report per model: accuracy, macro-F1, per-class precision and
 * recall, confusion matrix. */
#ifndef SHORTLIST_ACCURACY_H
#define SHORTLIST_ACCURACY_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

/* ---- matching ---- */

/* Exact: equal bytes after removing leading and trailing whitespace (models routinely end
 * with a newline; anything else must match exactly, case included). */
bool sl_match_exact(const char *output, const char *expected);

/* The normalised form: ASCII letters lowercased, ASCII punctuation removed, runs of
 * whitespace collapsed to one space, trimmed. Non-ASCII text is kept as is. Caller frees. */
char *sl_text_normalize(const char *s);
bool sl_match_normalized(const char *output, const char *expected);

/* Label extraction: the allowed label that appears FIRST in the answer, matched case-
 * insensitively as a whole word (not inside a longer word); when two labels start at the
 * same place the longer wins ("very positive" over "positive"). Returns its index, or -1
 * when no label appears. */
int sl_extract_label(const char *answer, const char *const *labels, size_t n_labels);

/* Letter choice (multiple choice A-D, or any letters in `letters`, default "ABCD"). In
 * order of preference: the whole answer is one letter ("B", "(B)", "B.", "**B**"); an
 * "answer is B" / "Answer: (B)" statement; the first "(B)"; a line starting "B)" or "B."
 * or "B:"; the first standalone capital letter that is not an English article ("A good
 * idea" is not choice A). Returns the letter, or 0 when none is found. */
char sl_extract_choice(const char *answer, const char *letters);

/* Regex capture with POSIX extended syntax: the first match's group 1 (or the whole match
 * when the pattern has no group). Returns a copy, or NULL when nothing matches. */
char *sl_regex_capture(const regex_t *re, const char *text);

/* JSON field: parse the output as JSON (also from a ```json fenced block, or the first
 * {...} / [...] span in the text) and read the value at a path like "answer",
 * "result.items[0].name". Returns the value as compact JSON text (strings unquoted), or
 * NULL with *why set to a static reason ("not JSON", "no such field"). */
char *sl_json_field(const char *output, const char *path, const char **why);
/* Extract the JSON document an output holds (see above); NULL if none parses. The caller
 * frees the result with cJSON_Delete (returned as void * to keep cJSON out of this header). */
void *sl_json_from_output(const char *output);

/* ---- classification report ---- */

struct sl_classify;

/* labels: the label set in display order, as scikit-learn's `labels=` argument: predictions
 * outside it count as wrong and show in the confusion matrix's extra "(other)" column.
 * NULL: the set is every label seen, true or predicted, in first-seen order (sklearn's
 * default union of y_true and y_pred). A NULL prediction (nothing extracted) is always
 * "(other)". */
struct sl_classify *sl_classify_new(const char *const *labels, size_t n_labels);
void sl_classify_free(struct sl_classify *c);
/* predicted NULL = no label could be extracted ("(other)"). */
void sl_classify_add(struct sl_classify *c, const char *truth, const char *predicted);

struct sl_class_stats {
	const char *label; /* owned by the report */
	double precision, recall, f1; /* 0 when undefined (sklearn zero_division=0) */
	uint64_t support;             /* true instances */
	uint64_t predicted;           /* predicted instances */
};

struct sl_classify_report {
	uint64_t n;
	uint64_t correct;
	double accuracy;
	double macro_precision, macro_recall, macro_f1; /* unweighted mean over the label set */
	double weighted_f1;                             /* support-weighted */
	struct sl_class_stats *classes;
	size_t n_classes;
	/* confusion[t * (n_classes + 1) + p]: true class t predicted p; p == n_classes is
	 * "(other)" (no or unknown label). */
	uint64_t *confusion;
};

void sl_classify_report(const struct sl_classify *c, struct sl_classify_report *out);
void sl_classify_report_free(struct sl_classify_report *r);

#endif
