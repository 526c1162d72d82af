/* shortlist ratings export|import|agreement and shortlist rate: human ratings from the
 * command line (the TUI rating screen comes with the TUI). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/format.h"
#include "shortlist/ratings.h"
#include "shortlist/runs.h"

static void ratings_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist ratings export RUN -o FILE.csv [--pairwise] [--rater NAME] [--seed N]\n"
		"       shortlist ratings import FILE.csv [--rater NAME]\n"
		"       shortlist ratings agreement RUN [--against METRIC] [--json]\n\n"
		"Rate a run's outputs offline in a spreadsheet and bring the ratings back.\n"
		"  export     one row per output (score 1-5 and comment to fill in), or with\n"
		"             --pairwise one row per blind pair (vote left/right/tie); model names\n"
		"             are not shown and the pair order is shuffled with the recorded seed\n"
		"  import     check every row first (errors name the line and column), then store\n"
		"             them all, or nothing; rows with no score/vote are skipped\n"
		"  agreement  Cohen's kappa per rater pair, Krippendorff's alpha, mean rating per\n"
		"             model and Bradley-Terry strengths from the votes, with 95%% intervals;\n"
		"             --against METRIC also compares a scored metric (an LLM judge) with the\n"
		"             humans: Spearman, Pearson, and alpha with the metric as a rater\n\n"
		"RUN is a run id, latest, or -N. --rater defaults to $USER.\n");
}

static void rate_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist rate RUN [--pairwise] [--rater NAME] [--seed N]\n\n"
		"Rate a run's outputs in the terminal, one at a time: a score from 1 to 5 and a\n"
		"comment, or with --pairwise a blind choice between two answers to the same case\n"
		"(a, b or t for a tie; model names hidden, order shuffled with the seed, which is\n"
		"recorded). s skips, q quits; every answer is saved as soon as it is given.\n");
}

static int parse_seed(const char *cmd, const char *v, uint64_t *seed)
{
	char *end;
	errno = 0;
	unsigned long long s = strtoull(v, &end, 10);
	if (errno || *end || end == v || v[0] == '-')
		return cli_usage_error(cmd, "--seed: '%s' is not a non-negative integer", v);
	*seed = s;
	return 0;
}

static int resolve_run(struct cli *cli, const char *ref, int64_t *id)
{
	struct sl_error err = { 0 };
	if (sl_run_resolve(cli_store(cli), ref, id, &err) != 0) {
		if (!err.code)
			err.code = SL_EXIT_USAGE;
		return cli_fail(&err);
	}
	return 0;
}

static void print_interval(int decimals, struct sl_interval iv)
{
	if (isnan(iv.estimate)) {
		printf("%-22s", SL_FMT_UNKNOWN);
		return;
	}
	char buf[64];
	snprintf(buf, sizeof buf, "%.*f [%.*f, %.*f]", decimals, iv.estimate, decimals, iv.lo,
		 decimals, iv.hi);
	printf("%-22s", buf);
}

static void alpha_text(double a, char out[32])
{
	if (isnan(a))
		snprintf(out, 32, "undefined");
	else
		snprintf(out, 32, "%.3f", a);
}

static int agreement(struct cli *cli, int64_t run_id, bool json, const char *against)
{
	struct sl_error err = { 0 };
	struct sl_ratings_report r;
	struct sl_metric_vs_humans vs = { 0 };
	if (against && sl_ratings_against(cli_store(cli), run_id, against, &vs, &err) != 0) {
		free(vs.metric);
		return cli_fail(&err);
	}
	if (sl_ratings_report(cli_store(cli), run_id, &r, &err) != 0) {
		free(vs.metric);
		return cli_fail(&err);
	}
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddNumberToObject(root, "run", (double)run_id);
		cJSON *raters = cJSON_AddArrayToObject(root, "raters");
		for (size_t i = 0; i < r.n_raters; i++)
			cJSON_AddItemToArray(raters, cJSON_CreateString(r.raters[i]));
		cJSON_AddNumberToObject(root, "ratings", (double)r.n_ratings);
		cJSON_AddNumberToObject(root, "cells_rated", (double)r.n_cells_rated);
		cJSON *alpha = cJSON_AddObjectToObject(root, "krippendorff_alpha");
#define NUM_OR_NULL(obj, key, v) ((isnan(v)) ? cJSON_AddNullToObject(obj, key) : cJSON_AddNumberToObject(obj, key, v))
		NUM_OR_NULL(alpha, "nominal", r.alpha_nominal);
		NUM_OR_NULL(alpha, "ordinal", r.alpha_ordinal);
		NUM_OR_NULL(alpha, "interval", r.alpha_interval);
		cJSON_AddNumberToObject(alpha, "pairable_values", (double)r.alpha_pairable);
		cJSON *ks = cJSON_AddArrayToObject(root, "cohen_kappa");
		for (size_t i = 0; i < r.n_kappas; i++) {
			cJSON *k = cJSON_CreateObject();
			cJSON_AddStringToObject(k, "rater_a", r.kappas[i].rater_a);
			cJSON_AddStringToObject(k, "rater_b", r.kappas[i].rater_b);
			cJSON_AddNumberToObject(k, "n", (double)r.kappas[i].n);
			NUM_OR_NULL(k, "unweighted", r.kappas[i].kappa);
			NUM_OR_NULL(k, "linear", r.kappas[i].kappa_linear);
			NUM_OR_NULL(k, "quadratic", r.kappas[i].kappa_quadratic);
			cJSON_AddItemToArray(ks, k);
		}
		cJSON *votes = cJSON_AddObjectToObject(root, "pairwise");
		cJSON_AddNumberToObject(votes, "votes", (double)r.n_votes);
		cJSON_AddNumberToObject(votes, "left", (double)r.votes_left);
		cJSON_AddNumberToObject(votes, "right", (double)r.votes_right);
		cJSON_AddNumberToObject(votes, "tie", (double)r.votes_tie);
		NUM_OR_NULL(votes, "alpha_nominal", r.vote_alpha);
		cJSON_AddNumberToObject(votes, "bt_prior", r.bt_prior);
		cJSON *models = cJSON_AddArrayToObject(root, "models");
		for (size_t m = 0; m < r.n_models; m++) {
			struct sl_model_rating *x = &r.models[m];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "model", x->model);
			cJSON_AddNumberToObject(o, "ratings", (double)x->n);
			NUM_OR_NULL(o, "mean", x->mean.estimate);
			NUM_OR_NULL(o, "mean_lo", x->mean.lo);
			NUM_OR_NULL(o, "mean_hi", x->mean.hi);
			cJSON_AddNumberToObject(o, "wins", (double)x->wins);
			cJSON_AddNumberToObject(o, "losses", (double)x->losses);
			cJSON_AddNumberToObject(o, "ties", (double)x->ties);
			NUM_OR_NULL(o, "bt_strength", x->bt_strength);
			NUM_OR_NULL(o, "bt_lo", x->bt_ci.lo);
			NUM_OR_NULL(o, "bt_hi", x->bt_ci.hi);
			cJSON_AddItemToArray(models, o);
		}
		if (against) {
			cJSON *a = cJSON_AddObjectToObject(root, "against");
			cJSON_AddStringToObject(a, "metric", vs.metric);
			cJSON_AddNumberToObject(a, "n", (double)vs.n);
			NUM_OR_NULL(a, "spearman", vs.spearman);
			NUM_OR_NULL(a, "pearson", vs.pearson);
			NUM_OR_NULL(a, "alpha_interval", vs.alpha_interval);
		}
#undef NUM_OR_NULL
		cJSON_AddNumberToObject(root, "bootstrap_seed", (double)r.seed);
		cJSON_AddNumberToObject(root, "bootstrap_resamples", SL_BOOTSTRAP_RESAMPLES);
		char *s = cJSON_Print(root);
		puts(s);
		free(s);
		cJSON_Delete(root);
		sl_ratings_report_free(&r);
		free(vs.metric);
		return 0;
	}
	printf("run %" PRId64 ": %" PRId64 " ratings of %" PRId64 " outputs by %zu rater%s",
	       run_id, r.n_ratings, r.n_cells_rated, r.n_raters, r.n_raters == 1 ? "" : "s");
	for (size_t i = 0; i < r.n_raters; i++)
		printf("%s%s", i ? ", " : " (", r.raters[i]);
	printf("%s\n", r.n_raters ? ")" : "");
	if (r.n_ratings) {
		char a1[32], a2[32], a3[32];
		alpha_text(r.alpha_nominal, a1);
		alpha_text(r.alpha_ordinal, a2);
		alpha_text(r.alpha_interval, a3);
		printf("\nKrippendorff's alpha  nominal %s  ordinal %s  interval %s  (%zu pairable "
		       "ratings; >= 0.800 reliable, 0.667-0.800 tentative)\n", a1, a2, a3, r.alpha_pairable);
		for (size_t i = 0; i < r.n_kappas; i++) {
			char k1[32], k2[32], k3[32];
			alpha_text(r.kappas[i].kappa, k1);
			alpha_text(r.kappas[i].kappa_linear, k2);
			alpha_text(r.kappas[i].kappa_quadratic, k3);
			printf("Cohen's kappa %s vs %s: %s (linear %s, quadratic %s) over %" PRId64
			       " outputs both rated\n", r.kappas[i].rater_a, r.kappas[i].rater_b, k1, k2, k3,
			       r.kappas[i].n);
		}
		printf("\n%-28s %8s  %-22s\n", "model", "ratings", "mean 1-5 [95% CI]");
		for (size_t m = 0; m < r.n_models; m++) {
			printf("%-28s %8" PRId64 "  ", r.models[m].model, r.models[m].n);
			print_interval(2, r.models[m].mean);
			printf("\n");
		}
	}
	if (r.n_votes) {
		char va[32];
		alpha_text(r.vote_alpha, va);
		printf("\npairwise: %" PRId64 " votes (left %" PRId64 ", right %" PRId64 ", tie %" PRId64
		       "); agreement between raters on the same pair: alpha %s\n",
		       r.n_votes, r.votes_left, r.votes_right, r.votes_tie, va);
		printf("%-28s %5s %6s %5s  %-24s\n", "model", "wins", "losses", "ties",
		       "Bradley-Terry [95% CI]");
		for (size_t m = 0; m < r.n_models; m++) {
			struct sl_model_rating *x = &r.models[m];
			printf("%-28s %5" PRId64 " %6" PRId64 " %5" PRId64 "  ", x->model, x->wins, x->losses,
			       x->ties);
			struct sl_interval iv = x->bt_ci;
			iv.estimate = x->bt_strength;
			print_interval(3, iv);
			printf("\n");
		}
		if (r.bt_prior > 0)
			printf("(a model is unbeaten or winless: %.1f virtual tie per compared pair keeps "
			       "the strengths finite)\n", r.bt_prior);
	}
	if (against) {
		char s1[32], s2[32], s3[32];
		alpha_text(vs.spearman, s1);
		alpha_text(vs.pearson, s2);
		alpha_text(vs.alpha_interval, s3);
		printf("\n%s vs the mean human rating over %" PRId64 " outputs: Spearman %s, Pearson %s",
		       vs.metric, vs.n, s1, s2);
		if (vs.on_rating_scale)
			printf("; alpha (interval) with %s as one more rater: %s\n", vs.metric, s3);
		else
			printf(" (its values are not on the 1-5 scale, so no alpha)\n");
	}
	free(vs.metric);
	if (!r.n_ratings && !r.n_votes)
		printf("no ratings yet: shortlist rate %" PRId64 ", or shortlist ratings export %" PRId64
		       " -o ratings.csv\n", run_id, run_id);
	else
		printf("\nintervals: percentile bootstrap, %d resamples, seed %" PRIu64 "\n",
		       SL_BOOTSTRAP_RESAMPLES, r.seed);
	sl_ratings_report_free(&r);
	return 0;
}

int cmd_ratings(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		ratings_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SL_EXIT_USAGE : 0;
	}
	const char *sub = argv[1], *target = NULL, *outpath = NULL;
	const char *rater = sl_ratings_default_rater();
	bool pairwise = false, json = false;
	const char *against = NULL;
	uint64_t seed = (uint64_t)sl_wall_ms();
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (cli_is_help(a)) {
			ratings_usage(stdout);
			return 0;
		} else if (strcmp(a, "--pairwise") == 0) {
			pairwise = true;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--against") == 0) {
			if (!v)
				return cli_usage_error("ratings", "%s needs a value", a);
			against = argv[++i];
		} else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--rater") == 0 ||
			    strcmp(a, "--seed") == 0)) {
			if (!v)
				return cli_usage_error("ratings", "%s needs a value", a);
			i++;
			if (a[1] == 'o' || a[2] == 'o')
				outpath = v;
			else if (strcmp(a, "--rater") == 0)
				rater = v;
			else if (parse_seed("ratings", v, &seed) != 0)
				return SL_EXIT_USAGE;
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			return cli_usage_error("ratings", "unknown option %s", a);
		} else if (!target) {
			target = a;
		} else {
			return cli_usage_error("ratings", "unexpected argument '%s'", a);
		}
	}
	if (!*rater)
		return cli_usage_error("ratings", "--rater must not be empty");
	if (!target)
		return cli_usage_error("ratings", "%s needs %s", sub,
				       strcmp(sub, "import") == 0 ? "a CSV file" : "a run (id, latest or -N)");
	struct sl_error err = { 0 };
	int64_t run_id;
	if (strcmp(sub, "export") == 0) {
		if (!outpath)
			return cli_usage_error("ratings", "export needs -o FILE.csv (or -o - for stdout)");
		int rc = resolve_run(cli, target, &run_id);
		if (rc)
			return rc;
		bool to_stdout = strcmp(outpath, "-") == 0;
		struct sl_outfile out;
		if (sl_outfile_open(&out, outpath, &err) != 0)
			return cli_fail(&err);
		rc = sl_ratings_export(cli_store(cli), run_id, pairwise, rater, seed, out.f, &err);
		if (sl_outfile_close(&out, rc == 0, &err) != 0)
			rc = -1;
		if (rc != 0)
			return cli_fail(&err);
		if (!to_stdout && pairwise)
			fprintf(stderr, "wrote %s (blind pairs, rater %s, order seed %" PRIu64 "); fill in the "
					"vote column (left, right or tie) and run shortlist ratings import %s\n",
				outpath, rater, seed, outpath);
		else if (!to_stdout)
			fprintf(stderr, "wrote %s (1-5 ratings, rater %s); fill in the score column and run "
					"shortlist ratings import %s\n", outpath, rater, outpath);
		return 0;
	}
	if (strcmp(sub, "import") == 0) {
		struct sl_import_counts c;
		if (sl_ratings_import(cli_store(cli), target, rater, &c, &err) != 0)
			return cli_fail(&err);
		printf("imported %" PRId64 " %s from %s (%" PRId64 " rows without a %s skipped)\n",
		       c.imported, c.pairwise ? "votes" : "ratings", target, c.skipped,
		       c.pairwise ? "vote" : "score");
		return 0;
	}
	if (strcmp(sub, "agreement") == 0) {
		int rc = resolve_run(cli, target, &run_id);
		return rc ? rc : agreement(cli, run_id, json, against);
	}
	return cli_usage_error("ratings", "unknown subcommand '%s' (export, import, agreement)", sub);
}

/* ---- shortlist rate ---- */

/* One trimmed line from stdin; NULL at end of input. */
static char *ask(const char *prompt)
{
	static char *line;
	static size_t cap;
	fputs(prompt, stdout);
	fflush(stdout);
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		line = NULL;
		cap = 0;
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	char *s = line;
	while (*s == ' ')
		s++;
	return s;
}

/* Ask until the answer is one of the single characters in choices, s (skip) or q (quit;
 * also at the end of the input); returns that character. */
static char ask_choice(const char *prompt, const char *choices, const char *again)
{
	for (;;) {
		const char *a = ask(prompt);
		if (!a)
			return 'q';
		if (a[0] && !a[1] && (strchr(choices, a[0]) || a[0] == 's' || a[0] == 'q'))
			return a[0];
		printf("%s\n", again);
	}
}

static void show_input(const char *vars, int line)
{
	printf("input (dataset line %d): %s\n", line, vars);
}

static int rate_scores(struct cli *cli, int64_t run_id, const char *rater)
{
	struct sl_error err = { 0 };
	struct sl_cell_key *todo;
	size_t n;
	if (sl_ratings_todo(cli_store(cli), run_id, rater, &todo, &n, &err) != 0)
		return cli_fail(&err);
	if (!n) {
		printf("nothing to rate: %s has rated every output of run %" PRId64 "\n", rater, run_id);
		free(todo);
		return 0;
	}
	size_t saved = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int line;
		char *vars, *output;
		if (sl_ratings_cell_text(cli_store(cli), &todo[i], &line, &vars, &output, &err) != 0) {
			rc = cli_fail(&err);
			break;
		}
		printf("\n[%zu/%zu] ", i + 1, n);
		show_input(vars, line);
		printf("--- output ---\n%s\n--------------\n", output);
		free(vars);
		free(output);
		char k = ask_choice("score 1-5 (s skip, q quit): ", "12345",
				    "please answer 1, 2, 3, 4 or 5 (s to skip, q to quit)");
		if (k == 'q')
			break;
		if (k == 's')
			continue;
		int score = k - '0';
		char *comment = ask("comment (enter for none): ");
		char *c = comment ? sl_xstrdup(comment) : NULL;
		if (sl_rating_put(cli_store(cli), &todo[i], rater, score, c, &err) != 0) {
			free(c);
			rc = cli_fail(&err);
			break;
		}
		free(c);
		saved++;
		if (!comment)
			break;
	}
	printf("\nsaved %zu rating%s as %s\n", saved, saved == 1 ? "" : "s", rater);
	free(todo);
	return rc;
}

static int rate_pairs(struct cli *cli, int64_t run_id, const char *rater, uint64_t seed)
{
	struct sl_error err = { 0 };
	struct sl_pair *pairs;
	size_t n;
	if (sl_ratings_pairs(cli_store(cli), run_id, seed, &pairs, &n, &err) != 0)
		return cli_fail(&err);
	printf("blind pairwise rating of run %" PRId64 " as %s (order seed %" PRIu64 ")\n", run_id,
	       rater, seed);
	size_t saved = 0, shown = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int done = sl_vote_exists(cli_store(cli), &pairs[i], rater, &err);
		if (done < 0) {
			rc = cli_fail(&err);
			break;
		}
		if (done)
			continue;
		int line;
		char *vars, *lo, *ro, *v2;
		if (sl_ratings_cell_text(cli_store(cli), &pairs[i].left, &line, &vars, &lo, &err) != 0 ||
		    sl_ratings_cell_text(cli_store(cli), &pairs[i].right, &line, &v2, &ro, &err) != 0) {
			rc = cli_fail(&err);
			break;
		}
		shown++;
		printf("\n[pair %zu/%zu] ", i + 1, n);
		show_input(vars, line);
		printf("--- answer A ---\n%s\n--- answer B ---\n%s\n----------------\n", lo, ro);
		free(vars);
		free(v2);
		free(lo);
		free(ro);
		char k = ask_choice("better answer: a, b or t for a tie (s skip, q quit): ", "abt",
				    "please answer a, b or t (s to skip, q to quit)");
		if (k == 'q')
			break;
		enum sl_vote_value vote;
		if (k == 's' || sl_vote_parse((char[]){ k, '\0' }, &vote) != 0)
			continue;
		char *comment = ask("comment (enter for none): ");
		char *c = comment ? sl_xstrdup(comment) : NULL;
		if (sl_vote_put(cli_store(cli), &pairs[i].left, &pairs[i].right, rater, vote,
				(int64_t)(seed & INT64_MAX), c, &err) != 0) {
			free(c);
			rc = cli_fail(&err);
			break;
		}
		free(c);
		saved++;
		if (!comment)
			break;
	}
	if (!shown && !rc)
		printf("nothing to rate: %s has voted on every pair of run %" PRId64 "\n", rater, run_id);
	printf("\nsaved %zu vote%s as %s\n", saved, saved == 1 ? "" : "s", rater);
	free(pairs);
	return rc;
}

int cmd_rate(struct cli *cli, int argc, char **argv)
{
	const char *target = NULL, *rater = sl_ratings_default_rater();
	bool pairwise = false;
	uint64_t seed = (uint64_t)sl_wall_ms();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (cli_is_help(a)) {
			rate_usage(stdout);
			return 0;
		} else if (strcmp(a, "--pairwise") == 0) {
			pairwise = true;
		} else if (strcmp(a, "--rater") == 0 || strcmp(a, "--seed") == 0) {
			if (!v)
				return cli_usage_error("rate", "%s needs a value", a);
			i++;
			if (strcmp(a, "--rater") == 0)
				rater = v;
			else if (parse_seed("rate", v, &seed) != 0)
				return SL_EXIT_USAGE;
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			return cli_usage_error("rate", "unknown option %s", a);
		} else if (!target) {
			target = a;
		} else {
			return cli_usage_error("rate", "unexpected argument '%s'", a);
		}
	}
	if (!target) {
		rate_usage(stderr);
		return SL_EXIT_USAGE;
	}
	if (!*rater)
		return cli_usage_error("rate", "--rater must not be empty");
	int64_t run_id;
	int rc = resolve_run(cli, target, &run_id);
	if (rc)
		return rc;
	return pairwise ? rate_pairs(cli, run_id, rater, seed) : rate_scores(cli, run_id, rater);
}
