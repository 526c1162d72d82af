/* LLM-as-judge (see judge.h). The judge prompts follow MT-Bench's practice: the rubric in
 * the system message, explanation before the verdict, temperature 0, and for pairwise
 * judging an instruction against position, length and name bias plus a second call with
 * the answers swapped. */
#include "shortlist/judge.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shortlist/catalog.h"
#include "shortlist/prompts.h"

#define DEFAULT_TRIES 3

/* ---- the built-in judge prompts (stored in the prompt catalogue on first use) ---- */

static const char rubric_prompt_json[] =
	"{\"name\": \"judge-rubric\", \"tags\": [\"judge\"],"
	" \"system\": \"You are an impartial judge grading an AI assistant's answer. Grade it on "
	"an integer scale from 1 to {{scale}} using this rubric:\\n{{rubric}}\\n\\nFirst explain "
	"your grading briefly, then give the grade. Do not let the length of the answer influence "
	"you. Reply with one JSON object and nothing else: {\\\"explanation\\\": \\\"...\\\", "
	"\\\"score\\\": <integer 1-{{scale}}>}\","
	" \"user\": \"[Question]\\n{{question}}\\n\\n{{reference_block}}[The assistant's answer]\\n"
	"{{answer}}\","
	" \"params\": {\"temperature\": 0, \"max_tokens\": 512, \"response_format\": \"json\"},"
	" \"author\": \"shortlist\", \"note\": \"built-in rubric judge\"}";

static const char pairwise_prompt_json[] =
	"{\"name\": \"judge-pairwise\", \"tags\": [\"judge\"],"
	" \"system\": \"Please act as an impartial judge and evaluate the quality of the answers "
	"provided by two AI assistants to the question below. Choose the assistant that follows "
	"the instructions and answers the question better, using this rubric:\\n{{rubric}}\\n\\n"
	"Avoid any positional biases and ensure that the order in which the answers were "
	"presented does not influence your decision. Do not allow the length of the answers to "
	"influence your evaluation. Do not favor certain names of the assistants. Be as objective "
	"as possible. First explain your decision briefly, then give it. Reply with one JSON object "
	"and nothing else: {\\\"explanation\\\": \\\"...\\\", \\\"winner\\\": \\\"A\\\" or \\\"B\\\" "
	"or \\\"tie\\\"}\","
	" \"user\": \"[Question]\\n{{question}}\\n\\n{{reference_block}}[Assistant A's answer]\\n"
	"{{answer_a}}\\n\\n[Assistant B's answer]\\n{{answer_b}}\","
	" \"params\": {\"temperature\": 0, \"max_tokens\": 512, \"response_format\": \"json\"},"
	" \"author\": \"shortlist\", \"note\": \"built-in pairwise judge\"}";

static const char default_rubric[] =
	"1 = wrong, irrelevant or harmful; 2 = mostly wrong or missing the point; 3 = partly "
	"correct or incomplete; 4 = correct with minor flaws; 5 = correct, complete and clear. "
	"(On a 1-10 scale, stretch these anchors evenly.)";

bool sl_judge_is_judge_scorer(const char *name)
{
	return name && (strcmp(name, "judge") == 0 || strcmp(name, "judge_pairwise") == 0);
}

static bool is_pairwise(const cJSON *spec)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(spec, "name");
	return cJSON_IsString(n) && strcmp(n->valuestring, "judge_pairwise") == 0;
}

char *sl_judge_metric_id(const cJSON *spec)
{
	const cJSON *as = cJSON_GetObjectItemCaseSensitive(spec, "as");
	if (cJSON_IsString(as) && as->valuestring[0])
		return sl_xstrdup(as->valuestring);
	return sl_xstrdup(is_pairwise(spec) ? "judge_pairwise" : "judge");
}

int sl_judge_validate(const cJSON *spec, const char *path, struct sl_error *err)
{
	static const char *const keys[] = { "name", "as", "model", "prompt", "rubric", "scale",
					    "reference", "input_field", "tries", "baseline", NULL };
	bool pair = is_pairwise(spec);
	const cJSON *it;
	cJSON_ArrayForEach(it, spec) {
		bool known = false;
		for (const char *const *k = keys; *k; k++)
			known |= strcmp(it->string, *k) == 0;
		if (!known || (strcmp(it->string, "baseline") == 0 && !pair) ||
		    (strcmp(it->string, "scale") == 0 && pair)) {
			sl_error_set(err, "%s.%s: unknown parameter of the %s scorer (it takes: "
					  "as, model, prompt, rubric, %sreference, input_field, tries)",
				     path, it->string, pair ? "judge_pairwise" : "judge",
				     pair ? "baseline, " : "scale, ");
			err->code = SL_EXIT_USAGE;
			return -1;
		}
		bool is_str = strcmp(it->string, "as") == 0 || strcmp(it->string, "model") == 0 ||
			      strcmp(it->string, "prompt") == 0 || strcmp(it->string, "rubric") == 0 ||
			      strcmp(it->string, "input_field") == 0 ||
			      strcmp(it->string, "baseline") == 0 || strcmp(it->string, "name") == 0;
		if (is_str && !(cJSON_IsString(it) && it->valuestring[0])) {
			sl_error_set(err, "%s.%s: must be a non-empty string", path, it->string);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
		if (strcmp(it->string, "reference") == 0 && !cJSON_IsBool(it)) {
			sl_error_set(err, "%s.reference: must be true or false", path);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
		if (strcmp(it->string, "scale") == 0 &&
		    !(cJSON_IsNumber(it) && (it->valuedouble == 5 || it->valuedouble == 10))) {
			sl_error_set(err, "%s.scale: must be 5 or 10 (a 1-5 or 1-10 grade)", path);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
		if (strcmp(it->string, "tries") == 0 &&
		    !(cJSON_IsNumber(it) && it->valuedouble >= 1 && it->valuedouble <= 10 &&
		      it->valuedouble == floor(it->valuedouble))) {
			sl_error_set(err, "%s.tries: must be a whole number from 1 to 10", path);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
	}
	if (pair && !cJSON_GetObjectItemCaseSensitive(spec, "baseline")) {
		sl_error_set(err, "%s: judge_pairwise needs \"baseline\": the model every other "
				  "model is compared with", path);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	return 0;
}

/* ---- verdicts ---- */

/* The JSON object in a reply: the whole reply, or the inside of one ``` fence. */
static cJSON *verdict_json(const char *text, struct sl_error *err)
{
	const char *s = text ? text : "";
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= 6 && strncmp(s, "```", 3) == 0 && strncmp(s + len - 3, "```", 3) == 0) {
		const char *nl = memchr(s, '\n', len);
		if (nl) {
			len -= (size_t)(nl + 1 - s) + 3;
			s = nl + 1;
		}
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, len, &end, false);
	if (!j || !cJSON_IsObject(j)) {
		sl_error_set(err, "the verdict is not a JSON object: '%.80s'", s);
		cJSON_Delete(j);
		return NULL;
	}
	while (end && end < s + len && isspace((unsigned char)*end))
		end++;
	if (end && end < s + len) {
		sl_error_set(err, "text after the verdict's JSON object: '%.40s'", end);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static int take_explanation(cJSON *j, char **explanation, struct sl_error *err)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "explanation");
	if (!cJSON_IsString(e)) {
		sl_error_set(err, "the verdict has no \"explanation\" string");
		return -1;
	}
	if (explanation)
		*explanation = sl_xstrdup(e->valuestring);
	return 0;
}

int sl_judge_parse_verdict(const char *text, int scale, int *score, char **explanation,
			   struct sl_error *err)
{
	if (explanation)
		*explanation = NULL;
	cJSON *j = verdict_json(text, err);
	if (!j)
		return -1;
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "score");
	int rc = -1;
	if (!cJSON_IsNumber(s)) {
		sl_error_set(err, "the verdict has no numeric \"score\"");
	} else if (s->valuedouble != floor(s->valuedouble) || s->valuedouble < 1 ||
		   s->valuedouble > scale) {
		sl_error_set(err, "the verdict's score %g is not a whole number from 1 to %d",
			     s->valuedouble, scale);
	} else if (take_explanation(j, explanation, err) == 0) {
		*score = (int)s->valuedouble;
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

int sl_judge_parse_pair_verdict(const char *text, enum sl_pair_verdict *out, char **explanation,
				struct sl_error *err)
{
	if (explanation)
		*explanation = NULL;
	cJSON *j = verdict_json(text, err);
	if (!j)
		return -1;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "winner");
	int rc = -1;
	if (!cJSON_IsString(w)) {
		sl_error_set(err, "the verdict has no \"winner\" string");
	} else if (strcasecmp(w->valuestring, "A") == 0) {
		*out = SL_PAIR_A;
		rc = 0;
	} else if (strcasecmp(w->valuestring, "B") == 0) {
		*out = SL_PAIR_B;
		rc = 0;
	} else if (strcasecmp(w->valuestring, "tie") == 0) {
		*out = SL_PAIR_TIE;
		rc = 0;
	} else {
		sl_error_set(err, "the verdict's winner '%.20s' is not A, B or tie", w->valuestring);
	}
	if (rc == 0 && take_explanation(j, explanation, err) != 0)
		rc = -1;
	cJSON_Delete(j);
	return rc;
}

enum sl_pair_verdict sl_judge_pair_combine(enum sl_pair_verdict first,
					   enum sl_pair_verdict swapped)
{
	/* In the swapped call the candidate is B: translate to the candidate's side. */
	enum sl_pair_verdict second = swapped == SL_PAIR_A ? SL_PAIR_B
				    : swapped == SL_PAIR_B ? SL_PAIR_A
							   : SL_PAIR_TIE;
	return first == second ? first : SL_PAIR_TIE;
}

static bool is_decimal(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

double sl_judge_weighted_score(const struct sl_token_logprob *lp, size_t n, int raw_score,
			       bool *weighted)
{
	if (weighted)
		*weighted = false;
	char want[16];
	snprintf(want, sizeof want, "%d", raw_score);
	const struct sl_token_logprob *hit = NULL;
	/* The last one: the explanation may mention the same number before the verdict. */
	for (size_t i = n; i-- > 0;) {
		if (lp[i].token && strcmp(lp[i].token, want) == 0) {
			hit = &lp[i];
			break;
		}
	}
	if (!hit || hit->n_top == 0)
		return raw_score;
	double min_lp = log(0.01), sum_p = 0, sum = 0;
	for (size_t i = 0; i < hit->n_top; i++) {
		const struct sl_top_logprob *t = &hit->top[i];
		if (!t->token || t->logprob < min_lp || !is_decimal(t->token))
			continue;
		double p = exp(t->logprob);
		sum += atof(t->token) * p;
		sum_p += p;
	}
	if (sum_p <= 0)
		return raw_score;
	if (weighted)
		*weighted = true;
	return sum / sum_p;
}

/* ---- running the judge over a run ---- */

struct job {
	/* which cell */
	int model_idx, prompt_idx, case_idx, sample;
	/* rendered request */
	struct sl_message msgs[2];
	char *system, *user;
	char key[65];
	/* pairwise: the second (swapped) request */
	struct sl_message msgs2[2];
	char *user2;
	char key2[65];
	/* outcome */
	int tries[2];
	bool done[2];
	char *bad[2], *bad_why[2]; /* the last malformed reply and why: the clarifying retry */
	int score;                 /* rubric: raw integer */
	double value;              /* NAN = judge error */
	bool weighted;
	enum sl_pair_verdict pv[2];
	char *explanation;
	char *error;
	bool call_failed;          /* no answer at all (as opposed to a malformed one) */
	double cost;               /* NAN when unknown */
	bool cached;
};

struct judge_run {
	struct sl_store *store;
	struct sl_engine *engine;
	const char *model;
	bool pair;
	int scale;
	int max_tries;
	struct job *jobs;
	size_t n_jobs;
	struct sl_prompt_version pv;
	bool logprobs;
	struct sl_error *err;
	int failed;
	struct pending *pending;   /* requests at the engine, to cancel on free */
	size_t outstanding;
};

static char *vars_field(const char *vars_json, const char *field)
{
	cJSON *v = cJSON_Parse(vars_json ? vars_json : "{}");
	const char *names[] = { field, "question", "input", "prompt", "text", NULL };
	char *out = NULL;
	for (size_t i = 0; !out && i < SL_ARRAY_LEN(names); i++) {
		if (!names[i])
			continue;
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, names[i]);
		if (cJSON_IsString(f))
			out = sl_xstrdup(f->valuestring);
	}
	if (!out) /* no obvious question field: show the judge every field of the case */
		out = cJSON_PrintUnformatted(v);
	cJSON_Delete(v);
	return out ? out : sl_xstrdup("");
}

static int ensure_prompt(struct sl_store *store, const cJSON *spec, bool pair,
			 struct sl_prompt_version *out, struct sl_error *err)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(spec, "prompt");
	if (cJSON_IsString(p))
		return sl_prompts_get_ref(store, p->valuestring, out, err);
	const char *builtin = pair ? pairwise_prompt_json : rubric_prompt_json;
	cJSON *j = cJSON_Parse(builtin);
	struct sl_prompt_version pv;
	int rc = sl_prompt_from_json(j, "built-in judge prompt", "prompt", &pv, err);
	cJSON_Delete(j);
	if (rc != 0)
		return -1;
	/* The newest stored version wins, so a user's edit ("prompts edit judge-rubric")
	 * becomes the judge's prompt; the built-in is added only when none exists. */
	if (sl_prompts_get(store, pv.name, 0, out, NULL) == 0) {
		sl_prompt_version_free(&pv);
		return 0;
	}
	bool created;
	if (sl_prompts_add(store, &pv, &created, err) != 0) {
		sl_prompt_version_free(&pv);
		return -1;
	}
	*out = pv;
	return 0;
}

static const char *prompt_text(const struct sl_prompt_version *pv, const char *role)
{
	for (size_t i = 0; i < pv->n_messages; i++)
		if (strcmp(pv->messages[i].role, role) == 0)
			return pv->messages[i].content;
	return "";
}

static void job_key(const struct judge_run *jr, const char *system, const char *user,
		    char out[65])
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_printf(&b, "%s\n%s\n%s\n%d\n", jr->model, jr->pv.hash, jr->logprobs ? "lp" : "",
		      jr->scale);
	sl_buf_puts(&b, system);
	sl_buf_putc(&b, '\0');
	sl_buf_puts(&b, user);
	sl_sha256_hex(b.data, b.len, out);
	sl_buf_free(&b);
}

static char *render(const char *tmpl, const cJSON *vars, struct sl_error *err)
{
	return sl_template_render(tmpl, vars, err);
}

/* Interpret one reply; false when it is malformed (and should be asked again). */
static bool take_reply(struct judge_run *jr, struct job *jb, int which, const char *text,
		       const struct sl_token_logprob *lp, size_t n_lp, struct sl_error *why)
{
	char *expl = NULL;
	if (jr->pair) {
		if (sl_judge_parse_pair_verdict(text, &jb->pv[which], &expl, why) != 0)
			return false;
	} else {
		int raw;
		if (sl_judge_parse_verdict(text, jr->scale, &raw, &expl, why) != 0)
			return false;
		jb->score = raw;
		jb->value = sl_judge_weighted_score(lp, n_lp, raw, &jb->weighted);
	}
	if (!jb->explanation || which == 0) {
		free(jb->explanation);
		jb->explanation = expl;
	} else {
		size_t l = strlen(jb->explanation);
		jb->explanation = sl_xrealloc(jb->explanation, l + strlen(expl) + 16);
		sprintf(jb->explanation + l, " | swapped: %s", expl);
		free(expl);
	}
	return true;
}

struct pending {
	struct judge_run *jr;      /* NULL once the task was freed: drop the answer */
	struct job *jb;
	int which;
	uint64_t id;
	struct pending *prev, *next;
};

static void submit(struct judge_run *jr, struct job *jb, int which);

static void add_cost(struct job *jb, double c)
{
	if (isnan(c))
		jb->cost = NAN;
	else if (!isnan(jb->cost))
		jb->cost += c;
}

static void store_cache(struct judge_run *jr, const char *key, const struct job *jb,
			const char *reply, const struct sl_result *r)
{
	sqlite3_stmt *st = sl_store_prepare(jr->store,
		"INSERT OR REPLACE INTO judge_cache (key, judge_model, verdict, score, weighted,"
		" explanation, tokens_in, tokens_out, cost, created_at) VALUES (?1, ?2, ?3, ?4, ?5,"
		" ?6, ?7, ?8, ?9, ?10)", NULL);
	if (!st)
		return;
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, jr->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reply, -1, SQLITE_STATIC);
	if (jr->pair)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_int(st, 4, jb->score);
	if (jr->pair || isnan(jb->value))
		sqlite3_bind_null(st, 5);
	else
		sqlite3_bind_double(st, 5, jb->value);
	sl_bind_text(st, 6, jb->explanation);
	sqlite3_bind_int64(st, 7, r->tokens_in);
	sqlite3_bind_int64(st, 8, r->tokens_out);
	if (isnan(r->cost_usd))
		sqlite3_bind_null(st, 9);
	else
		sqlite3_bind_double(st, 9, r->cost_usd);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	sl_store_step(jr->store, st, NULL);
	sqlite3_reset(st);
}

static void on_judge_done(void *ud, const struct sl_result *r)
{
	struct pending *p = ud;
	struct judge_run *jr = p->jr;
	struct job *jb = p->jb;
	int which = p->which;
	if (jr) {
		if (p->prev)
			p->prev->next = p->next;
		else
			jr->pending = p->next;
		if (p->next)
			p->next->prev = p->prev;
		jr->outstanding--;
	}
	free(p);
	if (!jr)
		return;
	add_cost(jb, r->cost_usd);
	if (r->status != SL_OK) {
		free(jb->error);
		jb->error = sl_xasprintf("judge call failed (%s): %s", sl_status_name(r->status),
					 r->error ? r->error : "no detail");
		jb->call_failed = true;
		jb->done[which] = true;
		return;
	}
	struct sl_error why = { 0 };
	if (take_reply(jr, jb, which, r->text, r->logprobs, r->n_logprobs, &why)) {
		jb->done[which] = true;
		store_cache(jr, which ? jb->key2 : jb->key, jb, r->text, r);
		return;
	}
	/* The judge runs at temperature 0: the same request gets the same reply, so a retry
	 * shows the judge its reply and why it could not be read. If that brings the same
	 * reply back, the next retry would be the same request again: stop. */
	bool same = jb->bad[which] && strcmp(jb->bad[which], r->text) == 0;
	if (!same && jb->tries[which] < jr->max_tries) {
		free(jb->bad[which]);
		free(jb->bad_why[which]);
		jb->bad[which] = sl_xstrdup(r->text);
		jb->bad_why[which] = sl_xstrdup(why.msg);
		submit(jr, jb, which);
		return;
	}
	free(jb->error);
	jb->error = sl_xasprintf("malformed verdict after %d tr%s%s: %s", jb->tries[which],
				 jb->tries[which] == 1 ? "y" : "ies", same
				 ? " (the same reply came back to the clarifying retry: at temperature "
				   "0 asking again cannot change it)" : "", why.msg);
	jb->done[which] = true;
}

static void submit(struct judge_run *jr, struct job *jb, int which)
{
	struct sl_request req = { 0 };
	req.model = jr->model;
	req.kind = SL_REQ_CHAT;
	req.messages = which ? jb->msgs2 : jb->msgs;
	req.n_messages = 2;
	struct sl_message clarify[4];
	char *ask = NULL;
	if (jb->bad[which]) {
		ask = sl_xasprintf("Your reply could not be read (%s). Reply again with one JSON "
				   "object and nothing else, exactly in the format the instructions "
				   "give.", jb->bad_why[which]);
		clarify[0] = req.messages[0];
		clarify[1] = req.messages[1];
		clarify[2] = (struct sl_message){ SL_ROLE_ASSISTANT, jb->bad[which] };
		clarify[3] = (struct sl_message){ SL_ROLE_USER, ask };
		req.messages = clarify;
		req.n_messages = 4;
	}
	sl_params_init(&req.params);
	req.params.temperature = 0;
	req.params.max_tokens = 512;
	req.params.json = true;
	req.params.logprobs = jr->logprobs;
	req.params.top_logprobs = jr->logprobs ? 20 : 0;
	req.on_done = on_judge_done;
	struct pending *p = sl_xcalloc(1, sizeof *p);
	*p = (struct pending){ .jr = jr, .jb = jb, .which = which };
	req.user_data = p;
	jb->tries[which]++;
	struct sl_error err = { 0 };
	p->id = sl_engine_submit(jr->engine, &req, &err); /* copies the request */
	free(ask);
	if (p->id == 0) {
		free(p);
		free(jb->error);
		jb->error = sl_xasprintf("judge call not sent: %s", err.msg);
		jb->call_failed = true;
		jb->done[which] = true;
		return;
	}
	p->next = jr->pending;
	if (jr->pending)
		jr->pending->prev = p;
	jr->pending = p;
	jr->outstanding++;
}

/* A cached verdict: reuse it when it parses (it always did when stored). */
static bool from_cache(struct judge_run *jr, struct job *jb, int which)
{
	sqlite3_stmt *st = sl_store_prepare(jr->store,
		"SELECT verdict, weighted, cost FROM judge_cache WHERE key = ?1", NULL);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, which ? jb->key2 : jb->key, -1, SQLITE_STATIC);
	bool ok = false;
	if (sl_store_step(jr->store, st, NULL) == SQLITE_ROW) {
		struct sl_error why = { 0 };
		ok = take_reply(jr, jb, which, sl_col_text(st, 0), NULL, 0, &why);
		if (ok && !jr->pair && sqlite3_column_type(st, 1) != SQLITE_NULL) {
			jb->value = sqlite3_column_double(st, 1);
			jb->weighted = jb->value != jb->score;
		}
		if (ok) {
			/* A cached verdict costs nothing now; keep what it cost when fetched
			 * out of the run's judge cost, as the runner does for cells. */
			jb->done[which] = true;
			jb->cached = true;
		}
	}
	sqlite3_reset(st);
	return ok;
}

struct collect {
	struct judge_run *jr;
	const cJSON *spec;
	const char *input_field;
	const char *rubric;
	bool use_reference;
	int baseline_idx;
	/* pairwise: the baseline's outputs by (prompt, case, sample) */
	struct base_out {
		int prompt_idx, case_idx, sample;
		char *output;
	} *base;
	size_t n_base;
	struct sl_error *err;
};

static int collect_baseline(void *ud, const struct sl_cell *c)
{
	struct collect *x = ud;
	if (c->model_idx != x->baseline_idx || c->error_kind || !c->output)
		return 0;
	x->base = sl_xrealloc(x->base, (x->n_base + 1) * sizeof *x->base);
	x->base[x->n_base++] = (struct base_out){ c->prompt_idx, c->case_idx, c->sample,
						  sl_xstrdup(c->output) };
	return 0;
}

static const char *baseline_output(struct collect *x, const struct sl_cell *c)
{
	for (size_t i = 0; i < x->n_base; i++)
		if (x->base[i].prompt_idx == c->prompt_idx && x->base[i].case_idx == c->case_idx &&
		    x->base[i].sample == c->sample)
			return x->base[i].output;
	return NULL;
}

static int collect_job(void *ud, const struct sl_cell *c)
{
	struct collect *x = ud;
	struct judge_run *jr = x->jr;
	if (c->error_kind || !c->output)
		return 0;
	const char *base = NULL;
	if (jr->pair) {
		if (c->model_idx == x->baseline_idx)
			return 0;
		base = baseline_output(x, c);
		if (!base)
			return 0; /* the baseline failed this case: nothing to compare with */
	}
	jr->jobs = sl_xrealloc(jr->jobs, (jr->n_jobs + 1) * sizeof *jr->jobs);
	struct job *jb = &jr->jobs[jr->n_jobs++];
	memset(jb, 0, sizeof *jb);
	jb->model_idx = c->model_idx;
	jb->prompt_idx = c->prompt_idx;
	jb->case_idx = c->case_idx;
	jb->sample = c->sample;
	jb->value = NAN;
	cJSON *vars = cJSON_CreateObject();
	char *question = vars_field(c->vars_json, x->input_field);
	cJSON_AddStringToObject(vars, "question", question);
	free(question);
	/* A case's own rubric (a "rubric" field in the dataset) is the most specific one. */
	cJSON *case_vars = cJSON_Parse(c->vars_json ? c->vars_json : "{}");
	const cJSON *cr = cJSON_GetObjectItemCaseSensitive(case_vars, "rubric");
	cJSON_AddStringToObject(vars, "rubric", cJSON_IsString(cr) && cr->valuestring[0]
							? cr->valuestring : x->rubric);
	cJSON_Delete(case_vars);
	char scale[8];
	snprintf(scale, sizeof scale, "%d", jr->scale);
	cJSON_AddStringToObject(vars, "scale", scale);
	const char *ref = c->reference ? c->reference : c->expected ? c->expected : c->label;
	if (x->use_reference && ref) {
		char *block = sl_xasprintf("[Reference answer]\n%s\n\n", ref);
		cJSON_AddStringToObject(vars, "reference_block", block);
		free(block);
	} else {
		cJSON_AddStringToObject(vars, "reference_block", "");
	}
	cJSON_AddStringToObject(vars, "answer", c->output);
	cJSON_AddStringToObject(vars, "answer_a", c->output);
	cJSON_AddStringToObject(vars, "answer_b", base ? base : "");
	jb->system = render(prompt_text(&jr->pv, "system"), vars, x->err);
	jb->user = jb->system ? render(prompt_text(&jr->pv, "user"), vars, x->err) : NULL;
	if (jr->pair && jb->user) {
		cJSON_ReplaceItemInObject(vars, "answer_a", cJSON_CreateString(base));
		cJSON_ReplaceItemInObject(vars, "answer_b", cJSON_CreateString(c->output));
		jb->user2 = render(prompt_text(&jr->pv, "user"), vars, x->err);
	}
	cJSON_Delete(vars);
	if (!jb->system || !jb->user || (jr->pair && !jb->user2)) {
		sl_error_set(x->err, "judge prompt %s@%d: %s", jr->pv.name, jr->pv.version,
			     x->err->msg);
		x->err->code = SL_EXIT_USAGE;
		return -1;
	}
	jb->msgs[0] = (struct sl_message){ SL_ROLE_SYSTEM, jb->system };
	jb->msgs[1] = (struct sl_message){ SL_ROLE_USER, jb->user };
	job_key(jr, jb->system, jb->user, jb->key);
	if (jr->pair) {
		jb->msgs2[0] = (struct sl_message){ SL_ROLE_SYSTEM, jb->system };
		jb->msgs2[1] = (struct sl_message){ SL_ROLE_USER, jb->user2 };
		job_key(jr, jb->system, jb->user2, jb->key2);
	}
	return 0;
}

static int write_job(struct judge_run *jr, const struct job *jb, int64_t run_id,
		     const char *metric, const char *now, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(jr->store,
		"INSERT OR REPLACE INTO cell_scores (run_id, metric, model_idx, prompt_idx, case_idx,"
		" sample, kind, value, detail, judge_model, judge_cost, judge_cached, scored_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'mean', ?7, ?8, ?9, ?10, ?11, ?12)", err);
	if (!st)
		return -1;
	double value = jb->value;
	struct sl_buf d;
	sl_buf_init(&d);
	if (jb->error) {
		value = NAN;
		sl_buf_printf(&d, "judge error: %s", jb->error);
	} else if (jr->pair) {
		enum sl_pair_verdict v = sl_judge_pair_combine(jb->pv[0], jb->pv[1]);
		value = v == SL_PAIR_A ? 1 : v == SL_PAIR_B ? 0 : 0.5;
		sl_buf_printf(&d, "%s%s: %s", v == SL_PAIR_A ? "win" : v == SL_PAIR_B ? "loss" : "tie",
			      v == SL_PAIR_TIE && jb->pv[0] != SL_PAIR_TIE ? " (the two orders "
									 "disagreed)" : "",
			      jb->explanation ? jb->explanation : "");
	} else {
		if (jb->weighted)
			sl_buf_printf(&d, "G-Eval weighted %.3f (raw %d): ", value, jb->score);
		else
			sl_buf_printf(&d, "raw %d: ", jb->score);
		sl_buf_puts(&d, jb->explanation ? jb->explanation : "");
	}
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, jb->model_idx);
	sqlite3_bind_int(st, 4, jb->prompt_idx);
	sqlite3_bind_int(st, 5, jb->case_idx);
	sqlite3_bind_int(st, 6, jb->sample);
	if (isnan(value))
		sqlite3_bind_null(st, 7);
	else
		sqlite3_bind_double(st, 7, value);
	sl_bind_text(st, 8, d.data ? d.data : "");
	sqlite3_bind_text(st, 9, jr->model, -1, SQLITE_STATIC);
	if (jb->cached)
		sqlite3_bind_double(st, 10, 0);
	else if (isnan(jb->cost))
		sqlite3_bind_null(st, 10);
	else
		sqlite3_bind_double(st, 10, jb->cost);
	sqlite3_bind_int(st, 11, jb->cached);
	sqlite3_bind_text(st, 12, now, -1, SQLITE_STATIC);
	int rc = sl_store_step(jr->store, st, err);
	sqlite3_reset(st);
	sl_buf_free(&d);
	return rc < 0 ? -1 : 0;
}

static void job_free(struct job *jb)
{
	free(jb->system);
	free(jb->user);
	free(jb->user2);
	free(jb->explanation);
	free(jb->error);
	for (int w = 0; w < 2; w++) {
		free(jb->bad[w]);
		free(jb->bad_why[w]);
	}
}

struct sl_judge_task {
	struct judge_run jr;
	struct collect x;
	int64_t run_id;
	char *metric;
	struct sl_error err; /* the collectors' error slot */
};

void sl_judge_free(struct sl_judge_task *t)
{
	if (!t)
		return;
	/* requests still at the engine: cancel them and let their callbacks drop the answer */
	for (struct pending *p = t->jr.pending; p; p = p->next) {
		p->jr = NULL;
		sl_engine_cancel(t->jr.engine, p->id);
	}
	for (size_t i = 0; i < t->jr.n_jobs; i++)
		job_free(&t->jr.jobs[i]);
	free(t->jr.jobs);
	for (size_t i = 0; i < t->x.n_base; i++)
		free(t->x.base[i].output);
	free(t->x.base);
	sl_prompt_version_free(&t->jr.pv);
	free(t->metric);
	free(t);
}

struct sl_judge_task *sl_judge_start(struct sl_store *store, const struct sl_run *run,
				     const cJSON *spec, const char *metric,
				     const struct sl_judge_options *opts, struct sl_error *err)
{
	struct sl_judge_task *t = sl_xcalloc(1, sizeof *t);
	struct judge_run *jr = &t->jr;
	*jr = (struct judge_run){ .store = store, .err = &t->err, .pair = is_pairwise(spec) };
	t->run_id = run->id;
	t->metric = sl_xstrdup(metric);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(spec, "model");
	jr->model = cJSON_IsString(m) ? m->valuestring : opts ? opts->model : NULL;
	if (!jr->model) {
		sl_error_set(err, "run %lld: the %s scorer needs a judge model: set \"judge\" in the "
				  "suite or \"model\" on the scorer", (long long)run->id, metric);
		err->code = SL_EXIT_USAGE;
		goto fail;
	}
	if (!opts || !opts->engine) {
		sl_error_set(err, "run %lld: the %s scorer needs to call the judge model %s, and no "
				  "engine was given", (long long)run->id, metric, jr->model);
		err->code = SL_EXIT_USAGE;
		goto fail;
	}
	jr->engine = opts->engine;
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(spec, "scale");
	jr->scale = cJSON_IsNumber(sc) ? sc->valueint : 5;
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(spec, "tries");
	jr->max_tries = cJSON_IsNumber(tr) ? tr->valueint : DEFAULT_TRIES;
	/* Log-probabilities only where the API can return them (OpenAI-compatible), and not
	 * from OpenAI's reasoning models, which refuse the parameter. */
	const char *mid = strchr(jr->model, ':') ? strchr(jr->model, ':') + 1
		: strchr(jr->model, '/') ? strchr(jr->model, '/') + 1 : jr->model;
	bool reasoning = (mid[0] == 'o' && mid[1] >= '1' && mid[1] <= '9') ||
			 sl_str_starts_with(mid, "gpt-5");
	jr->logprobs = !jr->pair && !reasoning && (sl_str_starts_with(jr->model, "openai") ||
						   sl_str_starts_with(jr->model, "vllm") ||
						   sl_str_starts_with(jr->model, "fake"));
	if (ensure_prompt(store, spec, jr->pair, &jr->pv, err) != 0)
		goto fail;

	struct collect *x = &t->x;
	*x = (struct collect){ .jr = jr, .spec = spec, .err = err, .baseline_idx = -1 };
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(spec, "input_field");
	x->input_field = cJSON_IsString(f) ? f->valuestring : NULL;
	const cJSON *rb = cJSON_GetObjectItemCaseSensitive(spec, "rubric");
	x->rubric = cJSON_IsString(rb) ? rb->valuestring : default_rubric;
	x->use_reference = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "reference"));
	if (jr->pair) {
		const char *b = cJSON_GetObjectItemCaseSensitive(spec, "baseline")->valuestring;
		for (size_t i = 0; i < run->n_models; i++)
			if (strcmp(run->models[i].requested, b) == 0)
				x->baseline_idx = run->models[i].idx;
		if (x->baseline_idx < 0) {
			sl_error_set(err, "run %lld: judge_pairwise baseline '%s' is not one of the "
					  "run's models", (long long)run->id, b);
			err->code = SL_EXIT_USAGE;
			goto fail;
		}
		if (sl_run_cells_foreach(store, run->id, collect_baseline, x, err) != 0)
			goto fail;
	}
	if (sl_run_cells_foreach(store, run->id, collect_job, x, err) != 0)
		goto fail;
	x->err = &t->err;
	for (size_t i = 0; i < jr->n_jobs; i++) {
		struct job *jb = &jr->jobs[i];
		jb->cost = 0;
		for (int w = 0; w < (jr->pair ? 2 : 1); w++)
			if (opts->no_cache || !from_cache(jr, jb, w))
				submit(jr, jb, w);
	}
	return t;
fail:
	sl_judge_free(t);
	return NULL;
}

bool sl_judge_pump(const struct sl_judge_task *t)
{
	return t->jr.outstanding > 0;
}

void sl_judge_progress(const struct sl_judge_task *t, size_t *done, size_t *total)
{
	*done = 0;
	for (size_t i = 0; i < t->jr.n_jobs; i++)
		*done += t->jr.jobs[i].done[0] && (!t->jr.pair || t->jr.jobs[i].done[1]);
	*total = t->jr.n_jobs;
}

int sl_judge_finish(struct sl_judge_task *t, struct sl_score_stats *stats, struct sl_error *err)
{
	struct judge_run *jr = &t->jr;
	int ret = -1;
	if (jr->outstanding) {
		sl_error_set(err, "run %lld: the %s judge still waits for %zu verdicts",
			     (long long)t->run_id, t->metric, jr->outstanding);
		goto out;
	}
	char now[32];
	sl_iso8601(sl_wall_ms(), now);
	if (sl_store_begin(jr->store, err) != 0)
		goto out;
	for (size_t i = 0; i < jr->n_jobs; i++) {
		struct job *jb = &jr->jobs[i];
		if (write_job(jr, jb, t->run_id, t->metric, now, err) != 0) {
			sl_store_rollback(jr->store);
			goto out;
		}
		stats->scores++;
		stats->judge_calls += jb->tries[0] + jb->tries[1];
		stats->judge_cached += jb->cached;
		if (jb->error)
			stats->unscored++;
		if (jb->call_failed && stats->judge_failed++ == 0)
			snprintf(stats->judge_error, sizeof stats->judge_error, "%s", jb->error);
	}
	if (sl_store_commit(jr->store, err) != 0) {
		sl_store_rollback(jr->store);
		goto out;
	}
	ret = 0;
out:
	sl_judge_free(t);
	return ret;
}

int sl_judge_score_run(struct sl_store *store, const struct sl_run *run, const cJSON *spec,
		       const char *metric, const struct sl_judge_options *opts,
		       struct sl_score_stats *stats, struct sl_error *err)
{
	struct sl_judge_task *t = sl_judge_start(store, run, spec, metric, opts, err);
	if (!t)
		return -1;
	while (sl_judge_pump(t)) {
		sl_engine_wait(opts->engine, NULL, 0, -1, NULL);
		sl_engine_perform(opts->engine);
	}
	return sl_judge_finish(t, stats, err);
}
