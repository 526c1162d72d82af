/* shortlist score METRIC: score one reference/candidate pair (or, for BLEU, two files of
 * segments) from the command line, so a user can see exactly what a metric does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/bleu.h"
#include "shortlist/classify_run.h"
#include "shortlist/rouge.h"
#include "shortlist/runs.h"
#include "shortlist/scorer.h"
#include "shortlist/similarity.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist score METRIC --reference TEXT --candidate TEXT [options]\n"
		"       shortlist score --run RUN --scorer JSON [--json]\n"
		"       shortlist score --list\n\n"
		"Score one pair with one metric and show the parts of the number.\n\n"
		"metrics:\n"
		"  rouge              ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum (rouge_score compatible)\n"
		"  rouge1..rouge9, rougeL, rougeLsum   one ROUGE type\n"
		"  bleu               corpus BLEU (sacreBLEU compatible); with files, one segment a line\n"
		"  levenshtein        Levenshtein distance, InDel ratio and normalised similarity\n"
		"  cosine             cosine of embeddings (--embedding-model, or\n"
		"                     $SHORTLIST_EMBEDDING_MODEL); without one, the TF-IDF cosine\n"
		"  tfidf              lexical TF-IDF cosine (word overlap, not an embedding)\n"
		"  any scorer name    exact, normalized, label, choice, contains, regex, json_schema, ...\n"
		"                     (shortlist score --list shows them with their parameters)\n\n"
		"options:\n"
		"  --reference TEXT        the reference / expected answer (BLEU: repeat for more refs)\n"
		"  --reference-file PATH   read it from a file (BLEU: one segment per line)\n"
		"  --candidate TEXT        the model output\n"
		"  --candidate-file PATH   read it from a file\n"
		"  --stem                  ROUGE: Porter-stem tokens longer than 3 characters\n"
		"  --tokenize 13a|none     BLEU tokenizer (default 13a)\n"
		"  --smooth exp|none|floor|add-k   BLEU smoothing (default exp)\n"
		"  --lowercase             BLEU: case-insensitive\n"
		"  --max-order N           BLEU: highest n-gram order, 1-9 (default 4)\n"
		"  --param KEY=VALUE       a scorer parameter (VALUE is JSON if it parses, else text)\n"
		"  --latency-ms N, --cost USD   measurements for the latency and cost scorers\n"
		"  --embedding-model MODEL cosine: the embedding model, e.g. openai:text-embedding-3-small\n"
		"  --json                  machine-readable output\n"
		"  --run RUN --scorer JSON accuracy of a run per model with a match scorer, e.g.\n"
		"                          --scorer '{\"name\": \"label\", \"labels\": [\"pos\", \"neg\"]}':\n"
		"                          accuracy (Wilson 95%%), macro-F1, per-class precision and\n"
		"                          recall, confusion matrix\n\n"
		"exit status: 0 scored (a failed pass/fail check exits 1), 2 usage or input error\n");
}

struct texts {
	char **v;
	size_t n;
};

static void texts_add(struct texts *t, char *s)
{
	t->v = sl_xrealloc(t->v, (t->n + 1) * sizeof *t->v);
	t->v[t->n++] = s;
}

static void texts_free(struct texts *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

/* Split a file's text into lines (segments), dropping one trailing newline. */
static size_t split_lines(char *text, char ***lines)
{
	size_t n = 0, cap = 16;
	char **v = sl_xmalloc(cap * sizeof *v);
	size_t len = strlen(text);
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	char *s = text;
	for (;;) {
		char *nl = strchr(s, '\n');
		if (n == cap)
			v = sl_xrealloc(v, (cap *= 2) * sizeof *v);
		v[n++] = s;
		if (!nl)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	*lines = v;
	return n;
}

static void print_prf_json(cJSON *obj, const char *name, struct sl_prf s)
{
	cJSON *o = cJSON_AddObjectToObject(obj, name);
	cJSON_AddNumberToObject(o, "precision", s.precision);
	cJSON_AddNumberToObject(o, "recall", s.recall);
	cJSON_AddNumberToObject(o, "f", s.f);
}

static void emit_json(cJSON *root)
{
	char *s = cJSON_Print(root);
	puts(s);
	free(s);
	cJSON_Delete(root);
}

static int do_rouge(int type, bool all, const char *ref, const char *cand, bool stem, bool json)
{
	struct sl_error err = { 0 };
	struct sl_rouge *r = sl_rouge_new(stem, &err);
	if (!r)
		return cli_fail(&err);
	int types[] = { 1, 2, SL_ROUGE_L, SL_ROUGE_LSUM };
	size_t n = all ? 4 : 1;
	if (!all)
		types[0] = type;
	size_t nref = sl_rouge_tokenize(r, ref, NULL), ncand = sl_rouge_tokenize(r, cand, NULL);
	cJSON *root = json ? cJSON_CreateObject() : NULL;
	if (json) {
		cJSON_AddStringToObject(root, "metric", all ? "rouge" : sl_rouge_type_name(type));
		cJSON_AddBoolToObject(root, "stem", stem);
		cJSON_AddNumberToObject(root, "reference_tokens", (double)nref);
		cJSON_AddNumberToObject(root, "candidate_tokens", (double)ncand);
	} else {
		printf("%-10s %9s %9s %9s\n", "", "precision", "recall", "F1");
	}
	cJSON *scores = json ? cJSON_AddObjectToObject(root, "scores") : NULL;
	for (size_t i = 0; i < n; i++) {
		struct sl_prf s = sl_rouge_score(r, types[i], ref, cand);
		if (json)
			print_prf_json(scores, sl_rouge_type_name(types[i]), s);
		else
			printf("%-10s %9.4f %9.4f %9.4f\n", sl_rouge_type_name(types[i]), s.precision,
			       s.recall, s.f);
	}
	if (json)
		emit_json(root);
	else
		printf("tokens: reference %zu, candidate %zu (rouge_score tokenizer%s)\n", nref, ncand,
		       stem ? ", Porter-stemmed" : "");
	if (!json && (all || type == SL_ROUGE_LSUM) && !strchr(ref, '\n') && !strchr(cand, '\n'))
		printf("note: rougeLsum splits sentences at newlines; with none it is rougeL over one "
		       "sentence (put each sentence on its own line)\n");
	sl_rouge_free(r);
	return 0;
}

static int do_bleu(struct texts *refs, struct texts *cands, bool files, struct sl_bleu_opts *o,
		   bool json)
{
	/* Files: every reference file and the candidate file must have the same number of
	 * lines, a segment per line. Text: one segment with every --reference as a ref. */
	size_t nseg = 1;
	char ***ref_lines = sl_xcalloc(refs->n, sizeof *ref_lines);
	char **cand_lines = NULL;
	if (files) {
		nseg = split_lines(cands->v[0], &cand_lines);
		for (size_t r = 0; r < refs->n; r++) {
			size_t k = split_lines(refs->v[r], &ref_lines[r]);
			if (k != nseg) {
				fprintf(stderr, "shortlist score: reference %zu has %zu lines but the "
						"candidate has %zu: BLEU files need one segment per line\n",
					r + 1, k, nseg);
				for (size_t j = 0; j <= r; j++)
					free(ref_lines[j]);
				free(ref_lines);
				free(cand_lines);
				return SL_EXIT_USAGE;
			}
		}
	}
	struct sl_bleu *b = sl_bleu_new(o);
	const char **seg_refs = sl_xcalloc(refs->n, sizeof *seg_refs);
	for (size_t i = 0; i < nseg; i++) {
		for (size_t r = 0; r < refs->n; r++)
			seg_refs[r] = files ? ref_lines[r][i] : refs->v[r];
		sl_bleu_add(b, files ? cand_lines[i] : cands->v[0], seg_refs, refs->n);
	}
	struct sl_bleu_result res;
	sl_bleu_result(b, &res);
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "metric", "bleu");
		cJSON_AddNumberToObject(root, "score", res.score);
		cJSON *p = cJSON_AddArrayToObject(root, "precisions");
		cJSON *c = cJSON_AddArrayToObject(root, "counts");
		cJSON *t = cJSON_AddArrayToObject(root, "totals");
		for (int n = 0; n < res.order; n++) {
			cJSON_AddItemToArray(p, cJSON_CreateNumber(res.precisions[n]));
			cJSON_AddItemToArray(c, cJSON_CreateNumber(res.counts[n]));
			cJSON_AddItemToArray(t, cJSON_CreateNumber(res.totals[n]));
		}
		cJSON_AddNumberToObject(root, "bp", res.bp);
		cJSON_AddNumberToObject(root, "ratio", res.ratio);
		cJSON_AddNumberToObject(root, "sys_len", (double)res.sys_len);
		cJSON_AddNumberToObject(root, "ref_len", (double)res.ref_len);
		cJSON_AddNumberToObject(root, "segments", (double)nseg);
		cJSON_AddStringToObject(root, "signature", res.signature);
		emit_json(root);
	} else {
		/* sacreBLEU's own line format, so the numbers can be compared by eye */
		printf("BLEU = %.2f ", res.score);
		for (int n = 0; n < res.order; n++)
			printf("%s%.1f", n ? "/" : "", res.precisions[n]);
		printf(" (BP = %.3f ratio = %.3f hyp_len = %llu ref_len = %llu)\n", res.bp, res.ratio,
		       (unsigned long long)res.sys_len, (unsigned long long)res.ref_len);
		printf("signature: %s\n", res.signature);
	}
	sl_bleu_free(b);
	free(seg_refs);
	for (size_t r = 0; r < refs->n; r++)
		free(ref_lines[r]);
	free(ref_lines);
	free(cand_lines);
	return 0;
}

static int do_levenshtein(const char *ref, const char *cand, bool json)
{
	size_t d = sl_levenshtein_distance(ref, cand);
	double ratio = sl_levenshtein_ratio(ref, cand), norm = sl_levenshtein_normalized(ref, cand);
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "metric", "levenshtein");
		cJSON_AddNumberToObject(root, "distance", (double)d);
		cJSON_AddNumberToObject(root, "ratio", ratio);
		cJSON_AddNumberToObject(root, "normalized", norm);
		emit_json(root);
	} else {
		printf("distance    %zu  (insert/delete/substitute = 1, over characters)\n", d);
		printf("ratio       %.4f  (python-Levenshtein ratio: 1 - indel distance / total length)\n",
		       ratio);
		printf("normalized  %.4f  (1 - distance / longer length)\n", norm);
	}
	return 0;
}

static int do_tfidf(const char *ref, const char *cand, bool json)
{
	struct sl_tfidf *t = sl_tfidf_new();
	sl_tfidf_add(t, ref);
	sl_tfidf_add(t, cand);
	double c = sl_tfidf_cosine(t, ref, cand);
	sl_tfidf_free(t);
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "metric", "cosine");
		cJSON_AddStringToObject(root, "kind", sl_cosine_kind_name(SL_COSINE_TFIDF));
		cJSON_AddNumberToObject(root, "value", c);
		emit_json(root);
	} else {
		printf("cosine (tfidf, lexical) %.4f\n", c);
		printf("word-overlap similarity over the two texts as the corpus; not an embedding: "
		       "configure an embedding model for semantic similarity\n");
	}
	return 0;
}

static int do_cosine(const char *ref, const char *cand, const char *model, bool json)
{
	if (!model)
		return do_tfidf(ref, cand, json);
	struct sl_error err = { 0 };
	double c;
	if (sl_embedding_cosine(NULL, model, ref, cand, &c, &err) != 0)
		return cli_fail(&err);
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "metric", "cosine");
		cJSON_AddStringToObject(root, "kind", sl_cosine_kind_name(SL_COSINE_EMBEDDING));
		cJSON_AddStringToObject(root, "model", model);
		cJSON_AddNumberToObject(root, "value", c);
		emit_json(root);
	} else {
		printf("cosine (embedding, %s) %.4f\n", model, c);
	}
	return 0;
}

static int do_scorer(const char *metric, cJSON *params, const char *ref, const char *cand,
		     double latency, double cost, bool json)
{
	cJSON_AddStringToObject(params, "name", metric);
	struct sl_error err = { 0 };
	struct sl_scorer *s = sl_scorer_new(params, "--param", &err);
	if (!s)
		return cli_fail(&err);
	struct sl_cell cell;
	memset(&cell, 0, sizeof cell);
	cell.output = cand;
	cell.expected = cell.reference = cell.label = ref;
	cell.latency_ms = latency;
	cell.ttft_ms = NAN;
	cell.cost = cost;
	cell.case_line = 0;
	struct sl_score sc;
	sl_scorer_apply(s, &cell, &sc);
	const char *status = sc.status == SL_SCORE_OK ? (sc.pass ? "pass" : "fail") : "error";
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "metric", metric);
		cJSON_AddStringToObject(root, "kind", sl_scorer_kind_name(sl_scorer_kind(s)));
		cJSON_AddStringToObject(root, "label", sl_scorer_metric_label(s));
		cJSON_AddStringToObject(root, "status", status);
		if (sc.status == SL_SCORE_OK)
			cJSON_AddNumberToObject(root, "value", sc.value);
		if (sl_scorer_kind(s) == SL_SCORER_MATCH)
			cJSON_AddStringToObject(root, "predicted", sc.predicted);
		if (sc.detail[0])
			cJSON_AddStringToObject(root, "detail", sc.detail);
		emit_json(root);
	} else {
		printf("%s (%s): %s", metric, sl_scorer_kind_name(sl_scorer_kind(s)), status);
		if (sc.status == SL_SCORE_OK)
			printf("  value %.4f", sc.value);
		printf("\n");
		if (sl_scorer_kind(s) == SL_SCORER_MATCH)
			printf("extracted: \"%s\"\n", sc.predicted);
		if (sc.detail[0])
			printf("%s\n", sc.detail);
	}
	sl_scorer_free(s);
	if (sc.status == SL_SCORE_ERROR)
		return SL_EXIT_USAGE;
	return sc.pass ? 0 : 1;
}

static int do_list(bool json)
{
	const struct sl_scorer_info *list;
	size_t n = sl_scorer_list(&list);
	cJSON *root = json ? cJSON_CreateArray() : NULL;
	for (size_t i = 0; i < n; i++) {
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", list[i].name);
			cJSON_AddStringToObject(o, "kind", sl_scorer_kind_name(list[i].kind));
			cJSON_AddStringToObject(o, "summary", list[i].summary);
			cJSON *ps = cJSON_AddArrayToObject(o, "params");
			for (const struct sl_param_def *p = list[i].params; p->name; p++) {
				cJSON *po = cJSON_CreateObject();
				cJSON_AddStringToObject(po, "name", p->name);
				cJSON_AddBoolToObject(po, "required", p->required);
				cJSON_AddStringToObject(po, "help", p->help);
				cJSON_AddItemToArray(ps, po);
			}
			cJSON_AddItemToArray(root, o);
			continue;
		}
		printf("%-14s %-10s %s\n", list[i].name, sl_scorer_kind_name(list[i].kind),
		       list[i].summary);
		for (const struct sl_param_def *p = list[i].params; p->name; p++)
			printf("%-14s   %s%s: %s\n", "", p->name, p->required ? " (required)" : "", p->help);
	}
	if (json)
		emit_json(root);
	else
		printf("\nevery scorer also takes \"as\" (report name) and \"field\" (expected, reference "
		       "or label)\n");
	return 0;
}

static int do_run_accuracy(struct cli *cli, const char *run_ref, const char *spec_text, bool json)
{
	struct sl_error err = { 0 };
	cJSON *spec = cJSON_Parse(spec_text);
	if (!spec)
		return cli_usage_error("score", "--scorer: not valid JSON: %s", spec_text);
	struct sl_scorer *s = sl_scorer_new(spec, "--scorer", &err);
	cJSON_Delete(spec);
	if (!s)
		return cli_fail(&err);
	int64_t run_id;
	struct sl_model_accuracy *m = NULL;
	size_t n = 0;
	if (sl_run_resolve(cli_store(cli), run_ref, &run_id, &err) != 0 ||
	    sl_run_accuracy(cli_store(cli), run_id, s, &m, &n, &err) != 0) {
		sl_scorer_free(s);
		if (!err.code)
			err.code = SL_EXIT_USAGE;
		return cli_fail(&err);
	}
	cJSON *root = json ? cJSON_CreateObject() : NULL;
	cJSON *models = NULL;
	if (json) {
		cJSON_AddNumberToObject(root, "run", (double)run_id);
		cJSON_AddStringToObject(root, "scorer", sl_scorer_id(s));
		models = cJSON_AddArrayToObject(root, "models");
	} else {
		printf("run %lld, scorer %s\n", (long long)run_id, sl_scorer_id(s));
	}
	for (size_t i = 0; i < n; i++) {
		struct sl_classify_report *r = &m[i].report;
		size_t k = r->n_classes, w = k + 1;
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "model", m[i].model);
			cJSON_AddNumberToObject(o, "scored", (double)m[i].scored);
			cJSON_AddNumberToObject(o, "failed", (double)m[i].failed);
			cJSON_AddNumberToObject(o, "unscorable", (double)m[i].unscorable);
			if (r->n) {
				cJSON_AddNumberToObject(o, "accuracy", m[i].accuracy.estimate);
				cJSON_AddNumberToObject(o, "accuracy_lo", m[i].accuracy.lo);
				cJSON_AddNumberToObject(o, "accuracy_hi", m[i].accuracy.hi);
				cJSON_AddNumberToObject(o, "macro_f1", r->macro_f1);
				cJSON_AddNumberToObject(o, "macro_precision", r->macro_precision);
				cJSON_AddNumberToObject(o, "macro_recall", r->macro_recall);
			}
			cJSON *cls = cJSON_AddArrayToObject(o, "classes");
			for (size_t c = 0; c < k; c++) {
				cJSON *co = cJSON_CreateObject();
				cJSON_AddStringToObject(co, "label", r->classes[c].label);
				cJSON_AddNumberToObject(co, "precision", r->classes[c].precision);
				cJSON_AddNumberToObject(co, "recall", r->classes[c].recall);
				cJSON_AddNumberToObject(co, "f1", r->classes[c].f1);
				cJSON_AddNumberToObject(co, "support", (double)r->classes[c].support);
				cJSON *row = cJSON_AddArrayToObject(co, "confusion");
				for (size_t p = 0; p <= k; p++)
					cJSON_AddItemToArray(row, cJSON_CreateNumber((double)r->confusion[c * w + p]));
				cJSON_AddItemToArray(cls, co);
			}
			cJSON_AddItemToArray(models, o);
			continue;
		}
		printf("\n%s: ", m[i].model);
		if (!r->n) {
			printf("nothing scored (%lld failed, %lld without an expected answer)\n",
			       (long long)m[i].failed, (long long)m[i].unscorable);
			continue;
		}
		printf("accuracy %.3f [%.3f, %.3f] (%llu/%llu, Wilson 95%%), macro-F1 %.3f",
		       m[i].accuracy.estimate, m[i].accuracy.lo, m[i].accuracy.hi,
		       (unsigned long long)r->correct, (unsigned long long)r->n, r->macro_f1);
		if (m[i].failed || m[i].unscorable)
			printf("; %lld failed, %lld unscorable", (long long)m[i].failed,
			       (long long)m[i].unscorable);
		printf("\n  %-16s %9s %9s %9s %8s\n", "class", "precision", "recall", "F1", "support");
		for (size_t c = 0; c < k; c++)
			printf("  %-16.16s %9.3f %9.3f %9.3f %8llu\n", r->classes[c].label, r->classes[c].precision,
			       r->classes[c].recall, r->classes[c].f1, (unsigned long long)r->classes[c].support);
		printf("  confusion (rows: expected, columns: predicted)\n  %-16s", "");
		for (size_t c = 0; c < k; c++)
			printf(" %9.9s", r->classes[c].label);
		printf(" %9s\n", "(other)");
		for (size_t c = 0; c < k; c++) {
			printf("  %-16.16s", r->classes[c].label);
			for (size_t p = 0; p <= k; p++)
				printf(" %9llu", (unsigned long long)r->confusion[c * w + p]);
			printf("\n");
		}
	}
	if (json)
		emit_json(root);
	sl_run_accuracy_free(m, n);
	sl_scorer_free(s);
	return 0;
}

static char *read_arg_file(const char *path, struct sl_error *err)
{
	char *s = sl_read_file(path, NULL, err);
	if (!s)
		err->code = SL_EXIT_USAGE;
	return s;
}

int cmd_score(struct cli *cli, int argc, char **argv)
{
	const char *metric = NULL;
	struct texts refs = { 0 }, cands = { 0 };
	bool ref_file = false, cand_file = false, stem = false, json = false, list = false;
	struct sl_bleu_opts bo = { .smooth_value = -1 };
	double latency = NAN, cost = NAN;
	cJSON *params = cJSON_CreateObject();
	struct sl_error err = { 0 };
	int rc = 0;
	const char *run_ref = NULL, *scorer_spec = NULL, *embed_model = sl_embedding_model_default();

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                                               \
	do {                                                                                       \
		if (!v) {                                                                          \
			rc = cli_usage_error("score", "%s needs a value", a);                      \
			goto out;                                                                  \
		}                                                                                  \
		i++;                                                                               \
	} while (0)
		if (cli_is_help(a)) {
			usage(stdout);
			goto out;
		} else if (strcmp(a, "--list") == 0) {
			list = true;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--stem") == 0) {
			stem = true;
		} else if (strcmp(a, "--lowercase") == 0) {
			bo.lowercase = true;
		} else if (strcmp(a, "--reference") == 0 || strcmp(a, "--reference-file") == 0 ||
			   strcmp(a, "--candidate") == 0 || strcmp(a, "--candidate-file") == 0) {
			NEED_VALUE();
			bool is_file = strstr(a, "-file") != NULL;
			bool is_ref = strncmp(a, "--reference", 11) == 0;
			char *text = is_file ? read_arg_file(v, &err) : sl_xstrdup(v);
			if (!text) {
				rc = cli_fail(&err);
				goto out;
			}
			if (is_ref) {
				ref_file |= is_file;
				texts_add(&refs, text);
			} else {
				if (cands.n) {
					free(text);
					rc = cli_usage_error("score", "give one candidate");
					goto out;
				}
				cand_file = is_file;
				texts_add(&cands, text);
			}
		} else if (strcmp(a, "--embedding-model") == 0) {
			NEED_VALUE();
			embed_model = v;
		} else if (strcmp(a, "--run") == 0 || strcmp(a, "--scorer") == 0) {
			NEED_VALUE();
			*(strcmp(a, "--run") == 0 ? &run_ref : &scorer_spec) = v;
		} else if (strcmp(a, "--tokenize") == 0) {
			NEED_VALUE();
			if (sl_bleu_tokenizer_parse(v, &bo.tokenize, &err) != 0) {
				rc = cli_usage_error("score", "%s", err.msg);
				goto out;
			}
		} else if (strcmp(a, "--smooth") == 0) {
			NEED_VALUE();
			if (sl_bleu_smooth_parse(v, &bo.smooth, &err) != 0) {
				rc = cli_usage_error("score", "%s", err.msg);
				goto out;
			}
		} else if (strcmp(a, "--max-order") == 0) {
			NEED_VALUE();
			char *e;
			long k = strtol(v, &e, 10);
			if (*e || k < 1 || k > SL_BLEU_MAX_ORDER) {
				rc = cli_usage_error("score", "--max-order: '%s' is not an order from 1 to %d", v,
						     SL_BLEU_MAX_ORDER);
				goto out;
			}
			bo.max_order = (int)k;
		} else if (strcmp(a, "--latency-ms") == 0 || strcmp(a, "--cost") == 0) {
			NEED_VALUE();
			char *end;
			double x = strtod(v, &end);
			if (*end || end == v || !(x >= 0)) {
				rc = cli_usage_error("score", "%s: '%s' is not a number >= 0", a, v);
				goto out;
			}
			*(strcmp(a, "--cost") == 0 ? &cost : &latency) = x;
		} else if (strcmp(a, "--param") == 0) {
			NEED_VALUE();
			const char *eq = strchr(v, '=');
			if (!eq || eq == v) {
				rc = cli_usage_error("score", "--param wants KEY=VALUE, got '%s'", v);
				goto out;
			}
			char *key = sl_xstrndup(v, (size_t)(eq - v));
			cJSON *val = cJSON_Parse(eq + 1);
			if (!val)
				val = cJSON_CreateString(eq + 1);
			cJSON_DeleteItemFromObjectCaseSensitive(params, key);
			cJSON_AddItemToObject(params, key, val);
			free(key);
		} else if (a[0] == '-' && a[1]) {
			rc = cli_usage_error("score", "unknown option %s", a);
			goto out;
		} else if (!metric) {
			metric = a;
		} else {
			rc = cli_usage_error("score", "unexpected argument '%s' (quote texts with spaces)", a);
			goto out;
		}
#undef NEED_VALUE
	}
	if (list) {
		rc = do_list(json);
		goto out;
	}
	if (run_ref || scorer_spec) {
		if (!run_ref || !scorer_spec) {
			rc = cli_usage_error("score", "--run and --scorer go together");
			goto out;
		}
		rc = do_run_accuracy(cli, run_ref, scorer_spec, json);
		goto out;
	}
	if (!metric) {
		usage(stderr);
		rc = SL_EXIT_USAGE;
		goto out;
	}
	if (!cands.n) {
		rc = cli_usage_error("score", "give the model output with --candidate TEXT or "
					      "--candidate-file PATH");
		goto out;
	}
	bool is_bleu = strcmp(metric, "bleu") == 0;
	const struct sl_scorer_info *infos;
	size_t ninfo = sl_scorer_list(&infos);
	bool needs_ref = true;
	for (size_t k = 0; k < ninfo; k++)
		if (strcmp(infos[k].name, metric) == 0 && infos[k].kind == SL_SCORER_ASSERT)
			needs_ref = false;
	if (!refs.n && needs_ref) {
		rc = cli_usage_error("score", "give the reference with --reference TEXT or "
					      "--reference-file PATH");
		goto out;
	}
	if (refs.n > 1 && !is_bleu) {
		rc = cli_usage_error("score", "only bleu takes several references");
		goto out;
	}
	if (!is_bleu && (ref_file || cand_file)) {
		/* One pair: a file's trailing newline is not part of the text. */
		struct texts *ts[] = { &refs, &cands };
		for (int k = 0; k < 2; k++)
			for (size_t j = 0; j < ts[k]->n; j++) {
				size_t l = strlen(ts[k]->v[j]);
				if (l && ts[k]->v[j][l - 1] == '\n')
					ts[k]->v[j][l - 1] = '\0';
			}
	}
	bool is_rouge = strncmp(metric, "rouge", 5) == 0;
	if ((is_bleu || is_rouge) && cJSON_GetArraySize(params)) {
		/* these two have their own options; a --param would be silently ignored */
		rc = cli_usage_error("score", "%s takes no --param: use %s", metric,
				     is_bleu ? "--tokenize, --smooth, --lowercase and --max-order"
					     : "--stem (and the type in the metric name, e.g. rouge2)");
		goto out;
	}
	const char *ref = refs.n ? refs.v[0] : NULL, *cand = cands.v[0];
	int rtype;
	struct sl_error ignore = { 0 };
	if (strcmp(metric, "rouge") == 0) {
		rc = do_rouge(0, true, ref, cand, stem, json);
	} else if (is_rouge && sl_rouge_type_parse(metric, &rtype, &ignore) == 0) {
		rc = do_rouge(rtype, false, ref, cand, stem, json);
	} else if (is_bleu) {
		if (ref_file != cand_file) {
			rc = cli_usage_error("score", "bleu: give both --reference-file and --candidate-file, "
						      "or texts for both");
			goto out;
		}
		rc = do_bleu(&refs, &cands, cand_file, &bo, json);
	} else if (strcmp(metric, "levenshtein") == 0 && !cJSON_GetArraySize(params)) {
		rc = do_levenshtein(ref, cand, json);
	} else if (strcmp(metric, "cosine") == 0 && !cJSON_GetArraySize(params)) {
		rc = do_cosine(ref, cand, embed_model, json);
	} else if (strcmp(metric, "tfidf") == 0 && !cJSON_GetArraySize(params)) {
		rc = do_tfidf(ref, cand, json);
	} else {
		if (stem && strcmp(metric, "rouge") != 0)
			cJSON_AddBoolToObject(params, "stem", true);
		rc = do_scorer(metric, params, ref, cand, latency, cost, json);
	}
out:
	cJSON_Delete(params);
	texts_free(&refs);
	texts_free(&cands);
	return rc;
}
