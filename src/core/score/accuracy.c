/* Matching outputs to expected answers, and the classification report. */
#include "shortlist/accuracy.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || c == '_';
}

static void trim(const char *s, const char **start, size_t *len)
{
	const char *b = s, *e = s + strlen(s);
	while (b < e && is_space((unsigned char)*b))
		b++;
	while (e > b && is_space((unsigned char)e[-1]))
		e--;
	*start = b;
	*len = (size_t)(e - b);
}

bool sl_match_exact(const char *output, const char *expected)
{
	if (!output || !expected)
		return false;
	const char *a, *b;
	size_t la, lb;
	trim(output, &a, &la);
	trim(expected, &b, &lb);
	return la == lb && memcmp(a, b, la) == 0;
}

char *sl_text_normalize(const char *s)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "");
	bool pending_space = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (is_space(c)) {
			pending_space = b.len > 0;
			continue;
		}
		if (c < 0x80 && ispunct(c))
			continue;
		if (pending_space) {
			sl_buf_putc(&b, ' ');
			pending_space = false;
		}
		sl_buf_putc(&b, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
	}
	return sl_buf_steal(&b);
}

bool sl_match_normalized(const char *output, const char *expected)
{
	if (!output || !expected)
		return false;
	char *a = sl_text_normalize(output), *b = sl_text_normalize(expected);
	bool eq = strcmp(a, b) == 0;
	free(a);
	free(b);
	return eq;
}

int sl_extract_label(const char *answer, const char *const *labels, size_t n_labels)
{
	if (!answer)
		return -1;
	int best = -1;
	size_t best_pos = 0, best_len = 0;
	for (size_t k = 0; k < n_labels; k++) {
		size_t len = strlen(labels[k]);
		if (!len)
			continue;
		for (const char *p = answer; (p = sl_strcasestr(p, labels[k])); p++) {
			size_t pos = (size_t)(p - answer);
			bool left = pos == 0 || !is_alnum((unsigned char)p[-1]) ||
				    !is_alnum((unsigned char)labels[k][0]);
			bool right = !is_alnum((unsigned char)p[len]) ||
				     !is_alnum((unsigned char)labels[k][len - 1]);
			if (!left || !right)
				continue;
			if (best < 0 || pos < best_pos || (pos == best_pos && len > best_len)) {
				best = (int)k;
				best_pos = pos;
				best_len = len;
			}
			break;
		}
	}
	return best;
}

static bool in_set(char c, const char *letters)
{
	return c && strchr(letters, c) != NULL;
}

static bool letter_alone(const char *s, size_t i, size_t n)
{
	return (i == 0 || !is_alnum((unsigned char)s[i - 1])) &&
	       (i + 1 >= n || !is_alnum((unsigned char)s[i + 1]));
}

char sl_extract_choice(const char *answer, const char *letters)
{
	if (!answer)
		return 0;
	if (!letters || !*letters)
		letters = "ABCD";
	size_t n = strlen(answer);
	/* 1. the whole answer is one letter, perhaps dressed: "(B)", "B.", "**B**" */
	{
		char only = 0;
		int count = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)answer[i];
			if (is_space(c) || strchr("()[]*.:`'\"", c))
				continue;
			only = (char)c;
			count++;
		}
		if (count == 1 && in_set(only, letters))
			return only;
	}
	/* 2. "answer is B", "Answer: (B)", "correct option is **C**" */
	static const char *const cues[] = { "answer is", "answer:", "answer", "option is",
					    "choice is", "option:", "choice:" };
	for (size_t k = 0; k < SL_ARRAY_LEN(cues); k++) {
		for (const char *p = answer; (p = sl_strcasestr(p, cues[k])); p++) {
			const char *q = p + strlen(cues[k]);
			int skipped = 0;
			while (*q && skipped < 6 && (is_space((unsigned char)*q) || strchr("(*[:`'\"", *q))) {
				q++;
				skipped++;
			}
			size_t i = (size_t)(q - answer);
			if (in_set(*q, letters) && letter_alone(answer, i, n))
				return *q;
		}
	}
	/* 3. the first "(B)" */
	for (size_t i = 1; i + 1 < n; i++)
		if (answer[i - 1] == '(' && answer[i + 1] == ')' && in_set(answer[i], letters))
			return answer[i];
	/* 4. a line starting "B)" "B." "B:" */
	for (size_t i = 0; i + 1 < n; i++) {
		if ((i == 0 || answer[i - 1] == '\n') && in_set(answer[i], letters) &&
		    strchr(").:", answer[i + 1]))
			return answer[i];
	}
	/* 5. the first standalone capital letter that is not the article "A"/"I" leading a
	 * lowercase word */
	for (size_t i = 0; i < n; i++) {
		if (!in_set(answer[i], letters) || !letter_alone(answer, i, n))
			continue;
		if ((answer[i] == 'A' || answer[i] == 'I') && i + 2 < n && answer[i + 1] == ' ' &&
		    answer[i + 2] >= 'a' && answer[i + 2] <= 'z')
			continue;
		return answer[i];
	}
	return 0;
}

char *sl_regex_capture(const regex_t *re, const char *text)
{
	if (!text)
		return NULL;
	regmatch_t m[2];
	if (regexec(re, text, 2, m, 0) != 0)
		return NULL;
	int g = re->re_nsub >= 1 && m[1].rm_so >= 0 ? 1 : 0;
	return sl_xstrndup(text + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
}

void *sl_json_from_output(const char *output)
{
	if (!output)
		return NULL;
	cJSON *j = cJSON_Parse(output);
	if (j)
		return j;
	/* A fenced block: ```json ... ``` or ``` ... ``` */
	const char *f = strstr(output, "```");
	if (f) {
		const char *body = strchr(f + 3, '\n');
		const char *end = body ? strstr(body, "```") : NULL;
		if (body && end) {
			char *s = sl_xstrndup(body + 1, (size_t)(end - body - 1));
			j = cJSON_Parse(s);
			free(s);
			if (j)
				return j;
		}
	}
	/* The first balanced-looking {...} or [...] span: try each opening bracket with
	 * cJSON's own end detection. */
	for (const char *p = output; *p; p++) {
		if (*p != '{' && *p != '[')
			continue;
		const char *end = NULL;
		j = cJSON_ParseWithOpts(p, &end, 0);
		if (j)
			return j;
	}
	return NULL;
}

/* Walk "a.b[2].c" through objects and arrays. */
static const cJSON *json_path(const cJSON *j, const char *path)
{
	const char *p = path;
	while (j && *p) {
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			char *end;
			long idx = strtol(p + 1, &end, 10);
			if (*end != ']' || !cJSON_IsArray(j))
				return NULL;
			j = cJSON_GetArrayItem(j, (int)idx);
			p = end + 1;
			continue;
		}
		size_t len = strcspn(p, ".[");
		if (!cJSON_IsObject(j))
			return NULL;
		char *key = sl_xstrndup(p, len);
		j = cJSON_GetObjectItemCaseSensitive(j, key);
		free(key);
		p += len;
	}
	return j;
}

char *sl_json_field(const char *output, const char *path, const char **why)
{
	cJSON *doc = sl_json_from_output(output);
	if (!doc) {
		*why = "the output is not JSON";
		return NULL;
	}
	const cJSON *v = json_path(doc, path);
	char *out = NULL;
	if (!v)
		*why = "the JSON has no such field";
	else if (cJSON_IsString(v))
		out = sl_xstrdup(v->valuestring);
	else
		out = cJSON_PrintUnformatted(v);
	cJSON_Delete(doc);
	return out;
}

/* ---- classification ---- */

struct sl_classify {
	char **labels;
	size_t n, cap;
	bool fixed;
	/* The confusion counts as they come, counts[t * (cap + 1) + p] with p == cap for
	 * (other): memory grows with the label set, never with the cells added (a 1M-cell
	 * `score --run` kept a pair of indices per cell). */
	uint64_t *counts;
	uint64_t count;
	uint64_t n_truth_outside; /* true labels outside a fixed set (ignored in the report) */
};

static uint64_t *count_at(const struct sl_classify *c, size_t t, size_t p)
{
	return &c->counts[t * (c->cap + 1) + (p == SIZE_MAX ? c->cap : p)];
}

/* Room for twice the labels: the counts move to the wider rows. */
static void labels_grow(struct sl_classify *c)
{
	size_t cap = c->cap ? c->cap * 2 : 8;
	uint64_t *counts = sl_xcalloc(cap * (cap + 1), sizeof *counts);
	for (size_t t = 0; t < c->n; t++) {
		for (size_t p = 0; p < c->n; p++)
			counts[t * (cap + 1) + p] = *count_at(c, t, p);
		counts[t * (cap + 1) + cap] = *count_at(c, t, SIZE_MAX);
	}
	free(c->counts);
	c->counts = counts;
	c->cap = cap;
	c->labels = sl_xrealloc(c->labels, cap * sizeof *c->labels);
}

struct sl_classify *sl_classify_new(const char *const *labels, size_t n_labels)
{
	struct sl_classify *c = sl_xcalloc(1, sizeof *c);
	c->fixed = labels != NULL;
	while (c->cap < n_labels || !c->cap)
		labels_grow(c);
	for (size_t i = 0; i < n_labels; i++)
		c->labels[c->n++] = sl_xstrdup(labels[i]);
	return c;
}

void sl_classify_free(struct sl_classify *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->labels[i]);
	free(c->labels);
	free(c->counts);
	free(c);
}

static size_t label_index(struct sl_classify *c, const char *label)
{
	if (!label)
		return SIZE_MAX;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->labels[i], label) == 0)
			return i;
	if (c->fixed)
		return SIZE_MAX;
	if (c->n == c->cap)
		labels_grow(c);
	c->labels[c->n] = sl_xstrdup(label);
	return c->n++;
}

void sl_classify_add(struct sl_classify *c, const char *truth, const char *predicted)
{
	size_t t = label_index(c, truth);
	if (t == SIZE_MAX) {
		c->n_truth_outside++;
		return;
	}
	size_t p = label_index(c, predicted);
	(*count_at(c, t, p))++;
	c->count++;
}

void sl_classify_report(const struct sl_classify *c, struct sl_classify_report *out)
{
	memset(out, 0, sizeof *out);
	size_t k = c->n, w = k + 1;
	out->n = c->count;
	out->n_classes = k;
	out->classes = sl_xcalloc(k ? k : 1, sizeof *out->classes);
	out->confusion = sl_xcalloc(k > 0 ? k * w : 1, sizeof *out->confusion);
	for (size_t t = 0; t < k; t++) {
		for (size_t p = 0; p < k; p++)
			out->confusion[t * w + p] = *count_at(c, t, p);
		out->confusion[t * w + k] = *count_at(c, t, SIZE_MAX);
		out->correct += out->confusion[t * w + t];
	}
	out->accuracy = c->count ? (double)out->correct / (double)c->count : 0;
	double sum_p = 0, sum_r = 0, sum_f = 0, wf = 0;
	for (size_t j = 0; j < k; j++) {
		struct sl_class_stats *s = &out->classes[j];
		s->label = sl_xstrdup(c->labels[j]);
		uint64_t tp = out->confusion[j * w + j];
		for (size_t t = 0; t < k; t++)
			s->predicted += out->confusion[t * w + j];
		for (size_t p = 0; p <= k; p++)
			s->support += out->confusion[j * w + p];
		s->precision = s->predicted ? (double)tp / (double)s->predicted : 0;
		s->recall = s->support ? (double)tp / (double)s->support : 0;
		s->f1 = s->precision + s->recall > 0
				? 2 * s->precision * s->recall / (s->precision + s->recall)
				: 0;
		sum_p += s->precision;
		sum_r += s->recall;
		sum_f += s->f1;
		wf += s->f1 * (double)s->support;
	}
	if (k) {
		out->macro_precision = sum_p / (double)k;
		out->macro_recall = sum_r / (double)k;
		out->macro_f1 = sum_f / (double)k;
	}
	out->weighted_f1 = c->count ? wf / (double)c->count : 0;
}

void sl_classify_report_free(struct sl_classify_report *r)
{
	for (size_t i = 0; i < r->n_classes; i++)
		free((char *)r->classes[i].label);
	free(r->classes);
	free(r->confusion);
	memset(r, 0, sizeof *r);
}
