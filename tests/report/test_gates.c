/* Gates: parsing (units, scopes, caret-pointing errors) and evaluation against a scorecard. */
#include "test.h"

#include "fixture.h"
#include "shortlist/gates.h"

static void test_parse(void)
{
	struct sl_gate g;
	struct sl_error err = { 0 };
	CHECK(sl_gate_parse("accuracy>=0.85", &g, &err) == 0);
	CHECK_STR(g.metric, "accuracy");
	CHECK(g.model == NULL);
	CHECK_INT(g.op, SL_GATE_GE);
	CHECK_NEAR(g.threshold, 0.85, 1e-12);
	sl_gate_free(&g);

	/* Model ids hold ':' and '/': the scope ends at the last ':' before the metric. */
	CHECK(sl_gate_parse("model=bedrock:amazon.nova-pro-v1:0:p95_latency<=2s", &g, &err) == 0);
	CHECK_STR(g.model, "bedrock:amazon.nova-pro-v1:0");
	CHECK_STR(g.metric, "p95_latency");
	CHECK_INT(g.op, SL_GATE_LE);
	CHECK_NEAR(g.threshold, 2.0, 1e-12);
	CHECK_INT(g.unit, SL_UNIT_SECONDS);
	sl_gate_free(&g);

	CHECK(sl_gate_parse(" model = X , prompt=sum@2 : latency_p95 < 1500ms ", &g, &err) == 0);
	CHECK_STR(g.model, "X");
	CHECK_STR(g.prompt, "sum@2");
	CHECK_STR(g.metric, "p95_latency");
	CHECK_INT(g.op, SL_GATE_LT);
	CHECK_NEAR(g.threshold, 1.5, 1e-12);
	sl_gate_free(&g);

	CHECK(sl_gate_parse("cost_per_1k<=1.50", &g, &err) == 0);
	CHECK_NEAR(g.threshold, 1.5, 1e-12);
	CHECK_INT(g.unit, SL_UNIT_USD);
	sl_gate_free(&g);
	CHECK(sl_gate_parse("cost_per_1k<=$1.50", &g, &err) == 0);
	CHECK_NEAR(g.threshold, 1.5, 1e-12);
	sl_gate_free(&g);
	CHECK(sl_gate_parse("error_rate<2%", &g, &err) == 0);
	CHECK_NEAR(g.threshold, 0.02, 1e-12);
	sl_gate_free(&g);
	CHECK(sl_gate_parse("judge!=1e0", &g, &err) == 0);
	CHECK_INT(g.op, SL_GATE_NE);
	CHECK_NEAR(g.threshold, 1.0, 1e-12);
	sl_gate_free(&g);
}

/* The caret sits under the character at fault. */
static void check_caret(const char *expr, size_t pos, const char *words)
{
	struct sl_gate g;
	struct sl_error err = { 0 };
	CHECK(sl_gate_parse(expr, &g, &err) != 0);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, words);
	char want[256];
	snprintf(want, sizeof want, "\n  %s\n  %*s^\n", expr, (int)pos, "");
	CHECK_CONTAINS(err.msg, want);
}

static void test_parse_errors(void)
{
	check_caret("accuracy>=0.8x5", 13, "unexpected 'x5'");
	check_caret("accuracy>=", 10, "expected a number");
	check_caret("accuracy=0.85", 8, "'=' is not a comparison");
	check_caret("accuracy 0.85", 13, "expected a comparison");
	check_caret("p95_latency<=2h", 14, "unknown unit 'h'");
	check_caret("accuracy>=2s", 11, "time unit");
	check_caret("accuracy<=$3", 10, "dollar amount");
	check_caret("p95_latency<=50%", 15, "'%' only fits");
	check_caret("acc uracy>=0.8", 3, "cannot be part of a metric name");
	check_caret("modle=X:accuracy>=0.8", 0, "unknown scope 'modle'");
	check_caret("model=:accuracy>=0.8", 6, "empty model name");
	check_caret(">=0.8", 0, "expected a metric name");
	check_caret("accuracy!0.8", 8, "'!' must be followed by '='");
	check_caret("accuracy>=nan", 10, "expected a number");
	check_caret("accuracy>=0x10", 11, "unexpected 'x10'");
}

static struct sl_store *run_store(int64_t *run)
{
	struct sl_error err = { 0 };
	char *path = test_path("gates.db");
	struct sl_store *s = sl_store_open(path, 0, &err);
	free(path);
	if (!s)
		exit(99);
	const char *models[] = { "fake:alpha", "fake:beta" };
	double price[] = { 1.0, NAN };
	const char *prompts[] = { "classify" };
	fixture_begin(s);
	*run = fixture_run(s, models, price, 2, prompts, 1);
	for (int c = 0; c < 10; c++) {
		fixture_cell(s, *run, 0, 0, c, 0, "yes", NULL, 100.0 * (c + 1), NAN, 50, 0.001);
		fixture_score(s, *run, "accuracy", true, 0, 0, c, 0, c < 9 ? 1 : 0, NULL, NAN);
		fixture_cell(s, *run, 1, 0, c, 0, "no", NULL, 300, NAN, 40, NAN);
		fixture_score(s, *run, "accuracy", true, 1, 0, c, 0, c < 6 ? 1 : 0, NULL, NAN);
	}
	fixture_commit(s);
	return s;
}

static int eval_gates(struct sl_store *s, int64_t run, const char *const *exprs, size_t n,
		      struct sl_gate_report *rep, struct sl_error *err)
{
	struct sl_gate gates[8];
	for (size_t i = 0; i < n; i++)
		if (sl_gate_parse(exprs[i], &gates[i], err) != 0)
			return -2;
	struct sl_scorecard sc;
	CHECK(sl_scorecard_build(s, run, &sc, err) == 0);
	int rc = sl_gates_evaluate(gates, n, &sc, rep, err);
	struct sl_buf b;
	sl_buf_init(&b);
	if (rc == 0) {
		sl_gate_report_render(rep, true, &b);
		/* Results point at the gates: copy the text before freeing them. */
		for (size_t i = 0; i < rep->n; i++)
			rep->results[i].gate = NULL;
	}
	free(b.data);
	for (size_t i = 0; i < n; i++)
		sl_gate_free(&gates[i]);
	sl_scorecard_free(&sc);
	return rc;
}

static void test_evaluate(void)
{
	int64_t run;
	struct sl_store *s = run_store(&run);
	struct sl_error err = { 0 };
	struct sl_gate_report rep;

	/* Unscoped gates hold for every model: beta's 0.6 fails. */
	const char *g1[] = { "accuracy>=0.85" };
	CHECK(eval_gates(s, run, g1, 1, &rep, &err) == 0);
	CHECK_INT(rep.n, 2);
	CHECK_INT(rep.n_failed, 1);
	CHECK(rep.results[0].passed);
	CHECK(!rep.results[1].passed);
	CHECK_STR(rep.results[1].model, "fake:beta");
	CHECK_CONTAINS(rep.results[1].detail, "accuracy 0.6 < 0.85 for fake:beta");
	CHECK_CONTAINS(rep.results[1].detail, "95% CI 0.313-0.832, n=10");
	sl_gate_report_free(&rep);

	/* Scoped by a short model name; ms and s. */
	const char *g2[] = { "model=alpha:p95_latency<=1s", "model=fake:alpha:p95_latency<=900ms",
			     "model=beta:p50_latency==300ms" };
	CHECK(eval_gates(s, run, g2, 3, &rep, &err) == 0);
	CHECK_INT(rep.n, 3);
	CHECK(rep.results[0].passed);
	CHECK(!rep.results[1].passed);
	CHECK_CONTAINS(rep.results[1].detail, "955 ms > 900 ms");
	CHECK(rep.results[2].passed);
	CHECK_INT(rep.n_failed, 1);
	sl_gate_report_free(&rep);

	/* Unknown cost cannot pass a cost gate. */
	const char *g3[] = { "cost_per_1k<=1.50" };
	CHECK(eval_gates(s, run, g3, 1, &rep, &err) == 0);
	CHECK(rep.results[0].passed);
	CHECK(!rep.results[1].passed);
	CHECK_CONTAINS(rep.results[1].detail, "unknown for fake:beta");
	sl_gate_report_free(&rep);

	/* Configuration errors: exit 2 with what exists. */
	const char *g4[] = { "acuracy>=0.8" };
	CHECK(eval_gates(s, run, g4, 1, &rep, &err) == -1);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, "no metric 'acuracy'");
	CHECK_CONTAINS(err.msg, "accuracy, n, errors");
	const char *g5[] = { "model=gamma:accuracy>=0.8" };
	CHECK(eval_gates(s, run, g5, 1, &rep, &err) == -1);
	CHECK_CONTAINS(err.msg, "model=gamma");
	CHECK_CONTAINS(err.msg, "fake:alpha, fake:beta");
	sl_store_close(s);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_parse);
	RUN_TEST(test_parse_errors);
	RUN_TEST(test_evaluate);
TEST_MAIN_END
