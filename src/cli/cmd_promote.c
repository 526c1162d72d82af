/* shortlist promote / promotions: record a model and prompt version going live at a stage,
 * and read the history back (the records and the gate checks come from promotions.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/format.h"
#include "shortlist/promotions.h"
#include "shortlist/runs.h"
#include "shortlist/utf8.h"

static void promote_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist promote RUN --model M --prompt NAME@V --stage pre-prod|prod\n"
		"                         [--note TEXT] [--force --reason TEXT]\n\n"
		"Record that model M with prompt version NAME@V goes live at a stage, on the\n"
		"evidence of run RUN (an id, 'latest' or -N). The run's gates are checked again\n"
		"now, on its stored scores: a failed gate about M (or about M with NAME@V) refuses\n"
		"the promotion (exit 1); --force --reason TEXT records the override and why.\n"
		"The promoter is $SHORTLIST_USER, else the OS user.\n\n"
		"exit codes: 0 recorded, 1 a gate failed, 2 usage or input error\n");
}

static void promotions_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist promotions [--stage pre-prod|prod] [--json]\n"
		"       shortlist promotions current [--json]\n\n"
		"The promotion history, newest first; 'current' shows what is live at each stage,\n"
		"since when, on which run and evidence.\n");
}

/* Text a person typed (note, reason, user) shown on one line, control characters visible. */
static void print_safe(const char *label, const char *s)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_utf8_sanitize(&b, s, strlen(s));
	printf("%s%s\n", label, b.data ? b.data : "");
	sl_buf_free(&b);
}

/* "accuracy 0.667 (95% CI 0.208-0.939, n=3), p95 latency 850 ms, cost/1k $0.12" */
static void evidence_summary(const char *evidence, struct sl_buf *out)
{
	cJSON *ev = cJSON_Parse(evidence ? evidence : "");
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(ev, "scorecard");
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(sc, "metrics");
	const cJSON *head = cJSON_GetObjectItemCaseSensitive(ev, "headline");
	const cJSON *m = cJSON_IsString(head)
		? cJSON_GetObjectItemCaseSensitive(metrics, head->valuestring) : NULL;
	char a[SL_FMT_LEN], b[SL_FMT_LEN];
	if (m) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
		const cJSON *lo = cJSON_GetObjectItemCaseSensitive(m, "lo");
		const cJSON *hi = cJSON_GetObjectItemCaseSensitive(m, "hi");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "n");
		sl_buf_printf(out, "%s %s", head->valuestring,
			      sl_fmt_number(cJSON_IsNumber(v) ? v->valuedouble : NAN, 3, a));
		if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi))
			sl_buf_printf(out, " (95%% CI %s-%s, n=%d)", sl_fmt_number(lo->valuedouble, 3, a),
				      sl_fmt_number(hi->valuedouble, 3, b),
				      cJSON_IsNumber(n) ? (int)n->valuedouble : 0);
		sl_buf_puts(out, ", ");
	}
	const cJSON *p95 = cJSON_GetObjectItemCaseSensitive(sc, "p95_latency");
	const cJSON *cost = cJSON_GetObjectItemCaseSensitive(sc, "cost_per_1k");
	if (sc)
		sl_buf_printf(out, "p95 latency %s, cost/1k %s",
			      sl_fmt_seconds(cJSON_IsNumber(p95) ? p95->valuedouble : NAN, a),
			      sl_fmt_usd(cJSON_IsNumber(cost) ? cost->valuedouble : NAN, b));
	cJSON_Delete(ev);
}

static void gates_text(const struct sl_promotion *p, char *out, size_t n)
{
	if (p->gates_checked == 0)
		snprintf(out, n, "no gates");
	else if (p->forced)
		snprintf(out, n, "%d/%d FORCED", p->gates_checked - p->gates_failed, p->gates_checked);
	else
		snprintf(out, n, "%d/%d passed", p->gates_checked, p->gates_checked);
}

static cJSON *promotion_json(const struct sl_promotion *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)p->id);
	cJSON_AddStringToObject(o, "stage", p->stage);
	cJSON_AddStringToObject(o, "model", p->model);
	cJSON_AddStringToObject(o, "prompt", p->prompt_name);
	cJSON_AddNumberToObject(o, "prompt_version", p->prompt_version);
	if (p->prompt_hash)
		cJSON_AddStringToObject(o, "prompt_hash", p->prompt_hash);
	cJSON_AddNumberToObject(o, "run", (double)p->run_id);
	cJSON_AddStringToObject(o, "user", p->user);
	cJSON_AddStringToObject(o, "promoted_at", p->promoted_at);
	if (p->live_since)
		cJSON_AddStringToObject(o, "live_since", p->live_since);
	if (p->note)
		cJSON_AddStringToObject(o, "note", p->note);
	cJSON_AddBoolToObject(o, "forced", p->forced);
	if (p->reason)
		cJSON_AddStringToObject(o, "reason", p->reason);
	cJSON_AddNumberToObject(o, "gates_checked", p->gates_checked);
	cJSON_AddNumberToObject(o, "gates_failed", p->gates_failed);
	cJSON *ev = cJSON_Parse(p->evidence ? p->evidence : "");
	cJSON_AddItemToObject(o, "evidence", ev ? ev : cJSON_CreateNull());
	return o;
}

static void print_json(cJSON *doc)
{
	char *text = cJSON_Print(doc);
	puts(text);
	cJSON_free(text);
	cJSON_Delete(doc);
}

int cmd_promote(struct cli *cli, int argc, char **argv)
{
	struct sl_promotion_request req = { 0 };
	const char *run_ref = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = strcmp(a, "--model") == 0    ? &req.model
				    : strcmp(a, "--prompt") == 0 ? &req.prompt
				    : strcmp(a, "--stage") == 0  ? &req.stage
				    : strcmp(a, "--note") == 0   ? &req.note
				    : strcmp(a, "--reason") == 0 ? &req.reason
								 : NULL;
		if (cli_is_help(a)) {
			promote_usage(stdout);
			return 0;
		} else if (slot && val) {
			*slot = val;
			i++;
		} else if (strcmp(a, "--force") == 0) {
			req.force = true;
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			return cli_usage_error("promote", "unknown option '%s' (or it needs a value)", a);
		} else if (run_ref) {
			return cli_usage_error("promote", "one run only ('%s' and '%s')", run_ref, a);
		} else {
			run_ref = a;
		}
	}
	if (!run_ref || !req.model || !req.prompt || !req.stage)
		return cli_usage_error("promote", "missing %s", !run_ref ? "RUN"
						 : !req.model ? "--model M"
						 : !req.prompt ? "--prompt NAME@VERSION"
							       : "--stage pre-prod|prod");
	if (!sl_promotion_stage_valid(req.stage))
		return cli_usage_error("promote", "unknown stage '%s' (stages: pre-prod, prod)",
				       req.stage);
	if (req.reason && !req.force)
		return cli_usage_error("promote", "--reason goes with --force");
	struct sl_error err = { 0 };
	struct sl_store *store = cli_store(cli);
	if (sl_run_resolve(store, run_ref, &req.run_id, &err) != 0)
		return cli_fail(&err);
	struct sl_promotion p;
	if (sl_promote(store, &req, &p, &err) != 0)
		return cli_fail(&err);
	char gates[48];
	gates_text(&p, gates, sizeof gates);
	printf("promoted %s with %s@%d to %s on run %lld (%s), by %s at %s\n", p.model,
	       p.prompt_name, p.prompt_version, p.stage, (long long)p.run_id, gates, p.user,
	       p.promoted_at);
	if (p.forced)
		fprintf(stderr, "warning: %d gate check%s failed and %s overridden\n",
			p.gates_failed, p.gates_failed == 1 ? "" : "s",
			p.gates_failed == 1 ? "was" : "were");
	else if (req.force)
		fprintf(stderr, "note: every gate passed; --force overrode nothing and is not "
				"recorded\n");
	sl_promotion_free(&p);
	return 0;
}

static int promotions_current(struct sl_store *store, bool json)
{
	struct sl_error err = { 0 };
	struct sl_promotion cur[SL_PROMOTION_N_STAGES];
	if (sl_promotions_current(store, cur, &err) != 0)
		return cli_fail(&err);
	cJSON *doc = json ? cJSON_CreateObject() : NULL;
	for (int s = 0; s < SL_PROMOTION_N_STAGES; s++) {
		const struct sl_promotion *p = &cur[s];
		const char *stage = sl_promotion_stages[s];
		if (json) {
			cJSON_AddItemToObject(doc, stage, p->id ? promotion_json(p) : cJSON_CreateNull());
			continue;
		}
		if (!p->id) {
			printf("%-9s nothing promoted yet\n", stage);
			continue;
		}
		char gates[48];
		gates_text(p, gates, sizeof gates);
		struct sl_buf ev;
		sl_buf_init(&ev);
		evidence_summary(p->evidence, &ev);
		printf("%-9s %s with %s@%d\n", stage, p->model, p->prompt_name, p->prompt_version);
		printf("%-9s live since %s; last promoted %s by %s\n", "", p->live_since,
		       p->promoted_at, p->user);
		printf("%-9s evidence: run %lld, gates %s%s%s\n", "", (long long)p->run_id, gates,
		       ev.len ? "; " : "", ev.len ? ev.data : "");
		if (p->reason)
			print_safe("          override reason: ", p->reason);
		if (p->note)
			print_safe("          note: ", p->note);
		sl_buf_free(&ev);
	}
	if (json)
		print_json(doc);
	for (int s = 0; s < SL_PROMOTION_N_STAGES; s++)
		sl_promotion_free(&cur[s]);
	return 0;
}

int cmd_promotions(struct cli *cli, int argc, char **argv)
{
	const char *stage = NULL;
	bool json = false, current = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			promotions_usage(stdout);
			return 0;
		} else if (strcmp(a, "--stage") == 0 && i + 1 < argc) {
			stage = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "current") == 0 && i == 1) {
			current = true;
		} else {
			return cli_usage_error("promotions", "unexpected '%s'", a);
		}
	}
	if (stage && !sl_promotion_stage_valid(stage))
		return cli_usage_error("promotions", "unknown stage '%s' (stages: pre-prod, prod)",
				       stage);
	if (current && stage)
		return cli_usage_error("promotions", "current shows every stage; --stage lists "
						     "one stage's history");
	struct sl_store *store = cli_store(cli);
	if (current)
		return promotions_current(store, json);
	struct sl_error err = { 0 };
	struct sl_promotion *list;
	size_t n;
	if (sl_promotions_list(store, stage, &list, &n, &err) != 0)
		return cli_fail(&err);
	if (json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(a, promotion_json(&list[i]));
		print_json(a);
	} else if (n == 0) {
		printf("no promotions yet: record one with 'shortlist promote RUN --model M "
		       "--prompt NAME@V --stage pre-prod'\n");
	} else {
		printf("%4s  %-20s  %-8s  %-28s  %-20s  %5s  %-12s  %s\n", "ID", "PROMOTED", "STAGE",
		       "MODEL", "PROMPT", "RUN", "GATES", "BY");
		for (size_t i = 0; i < n; i++) {
			const struct sl_promotion *p = &list[i];
			char gates[48], prompt[160];
			gates_text(p, gates, sizeof gates);
			snprintf(prompt, sizeof prompt, "%s@%d", p->prompt_name, p->prompt_version);
			printf("%4lld  %-20s  %-8s  %-28s  %-20s  %5lld  %-12s  %s\n", (long long)p->id,
			       p->promoted_at, p->stage, p->model, prompt, (long long)p->run_id, gates,
			       p->user);
			if (p->reason)
				print_safe("      override reason: ", p->reason);
			if (p->note)
				print_safe("      note: ", p->note);
		}
	}
	sl_promotions_free(list, n);
	return 0;
}
