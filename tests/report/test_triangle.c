/* The triangle: the classic FM1/FM2/FM3 example, normalisation reference values, the Pareto
 * frontier, unknown values, weight parsing and the weight-region map. */
#include "test.h"

#include "shortlist/triangle.h"

/* FM1 5/5 at $$$, FM2 4/5 at $, FM3 3/5 at $$; equal speed. */
static void classic(struct sl_triangle *tri)
{
	sl_triangle_init(tri);
	sl_triangle_set_labels(tri, "accuracy", "USD per 1k requests", "p50 latency", "test");
	const char *names[] = { "FM1", "FM2", "FM3" };
	long correct[] = { 5, 4, 3 };
	double cost[] = { 5.0, 1.0, 2.5 };
	for (int i = 0; i < 3; i++) {
		struct sl_tri_model *m = sl_triangle_add(tri, names[i]);
		m->correct = correct[i];
		m->total = 5;
		m->precision = correct[i] / 5.0;
		m->cost = cost[i];
		m->latency_s = 1.0;
	}
	sl_triangle_normalise(tri);
}

static void test_classic_example(void)
{
	struct sl_triangle tri;
	classic(&tri);
	struct sl_error err = { 0 };
	struct sl_tri_weights w;

	/* Cost weighted highest: FM2. */
	CHECK(sl_tri_weights_parse("0.2,0.3,0.5", &w, &err) == 0);
	sl_triangle_rank(&tri, &w);
	CHECK_STR(tri.models[tri.order[0]].name, "FM2");
	struct sl_buf b;
	sl_buf_init(&b);
	sl_triangle_recommend(&tri, &w, &b);
	CHECK_STR(b.data, "under speed 0.20 / precision 0.30 / cost 0.50 pick FM2: 4/5 accuracy at "
			  "a fifth of FM1's cost (FM1: 5/5)");

	/* Precision weighted highest: FM1. */
	CHECK(sl_tri_weights_parse("20,60,20", &w, &err) == 0);
	sl_triangle_rank(&tri, &w);
	CHECK_STR(tri.models[tri.order[0]].name, "FM1");
	CHECK_STR(tri.models[tri.order[1]].name, "FM2");
	CHECK_STR(tri.models[tri.order[2]].name, "FM3");
	CHECK_INT(tri.models[0].rank, 1);
	CHECK_NEAR(tri.models[0].score, 0.2 * 1 + 0.6 * 1 + 0.2 * 0, 1e-12);
	CHECK_NEAR(tri.models[1].score, 0.2 * 1 + 0.6 * 0.5 + 0.2 * 1, 1e-12);
	CHECK_NEAR(tri.models[2].score, 0.2 * 1 + 0.6 * 0 + 0.2 * 0.625, 1e-12);
	sl_buf_reset(&b);
	sl_triangle_recommend(&tri, &w, &b);
	CHECK_STR(b.data, "under speed 0.20 / precision 0.60 / cost 0.20 pick FM1: 5/5 accuracy, "
			  "the most precise, at 5.0x FM2's cost (FM2: 4/5)");
	sl_buf_free(&b);
	sl_triangle_free(&tri);
}

static void test_normalisation_and_frontier(void)
{
	struct sl_triangle tri;
	classic(&tri);
	CHECK_NEAR(tri.models[0].norm[SL_TRI_PRECISION], 1.0, 1e-12);
	CHECK_NEAR(tri.models[1].norm[SL_TRI_PRECISION], 0.5, 1e-12);
	CHECK_NEAR(tri.models[2].norm[SL_TRI_PRECISION], 0.0, 1e-12);
	CHECK_NEAR(tri.models[0].norm[SL_TRI_COST], 0.0, 1e-12);
	CHECK_NEAR(tri.models[1].norm[SL_TRI_COST], 1.0, 1e-12);
	CHECK_NEAR(tri.models[2].norm[SL_TRI_COST], 0.625, 1e-12);
	/* Equal speed does not separate anyone. */
	for (int i = 0; i < 3; i++)
		CHECK_NEAR(tri.models[i].norm[SL_TRI_SPEED], 1.0, 1e-12);
	/* FM2 is as fast, more precise and cheaper than FM3. */
	CHECK(tri.models[0].pareto);
	CHECK(tri.models[1].pareto);
	CHECK(!tri.models[2].pareto);

	/* Make FM3 the fastest: now nobody beats it on all three. */
	tri.models[2].latency_s = 0.2;
	sl_triangle_normalise(&tri);
	CHECK(tri.models[2].pareto);
	CHECK_NEAR(tri.models[2].norm[SL_TRI_SPEED], 1.0, 1e-12);
	CHECK_NEAR(tri.models[0].norm[SL_TRI_SPEED], 0.0, 1e-12);
	sl_triangle_free(&tri);
}

/* FM1 beats FM2 exactly where 0.5 w_precision > w_cost: a third of the simplex. FM3 never
 * wins. */
static void test_regions(void)
{
	struct sl_triangle tri;
	classic(&tri);
	sl_triangle_regions(&tri, 120);
	CHECK_NEAR(tri.models[0].region_share, 1.0 / 3, 0.02);
	CHECK_NEAR(tri.models[1].region_share, 2.0 / 3, 0.02);
	CHECK_NEAR(tri.models[2].region_share, 0.0, 1e-12);
	CHECK_NEAR(tri.models[0].region_share + tri.models[1].region_share, 1.0, 1e-12);
	/* Corners: all-precision -> FM1, all-cost -> FM2. */
	int s = tri.region_steps;
	CHECK_INT(tri.region_winner[sl_tri_grid_index(s, 0, s)], 0);
	CHECK_INT(tri.region_winner[sl_tri_grid_index(s, 0, 0)], 1);

	struct sl_buf b;
	sl_buf_init(&b);
	sl_triangle_render_map(&tri, 9, NULL, &b);
	CHECK_CONTAINS(b.data, "precision");
	CHECK(strchr(b.data, 'A') != NULL);
	CHECK(strchr(b.data, 'B') != NULL);
	CHECK(strchr(b.data, 'C') == NULL);
	/* The apex row (all precision) is FM1 = A. */
	const char *apex = strchr(b.data, '\n') + 1;
	while (*apex == ' ')
		apex++;
	CHECK(*apex == 'A');

	sl_buf_reset(&b);
	sl_triangle_render_map_svg(&tri, 300, &b);
	CHECK(sl_str_starts_with(b.data, "<svg"));
	CHECK_CONTAINS(b.data, "</svg>");
	sl_buf_free(&b);
	sl_triangle_free(&tri);
}

static void test_unknown_values(void)
{
	struct sl_triangle tri;
	classic(&tri);
	tri.models[1].cost = NAN; /* FM2's price unknown: never treated as free */
	sl_triangle_normalise(&tri);
	CHECK(!tri.models[1].known[SL_TRI_COST]);
	CHECK_NEAR(tri.models[1].norm[SL_TRI_COST], 0.0, 1e-12);
	CHECK_NEAR(tri.models[2].norm[SL_TRI_COST], 1.0, 1e-12);
	struct sl_tri_weights w = { { 0, 0, 1 } };
	sl_triangle_rank(&tri, &w);
	CHECK_STR(tri.models[tri.order[0]].name, "FM3");

	struct sl_buf b;
	sl_buf_init(&b);
	sl_triangle_regions(&tri, 20);
	sl_triangle_render_text(&tri, &w, &b);
	CHECK_CONTAINS(b.data, "cost is unknown for 1 model, scored as the worst");
	CHECK_CONTAINS(b.data, "unknown");
	sl_buf_free(&b);

	/* An axis nobody knows (speed for catalogue priors) changes nothing. */
	for (size_t i = 0; i < tri.n; i++)
		tri.models[i].latency_s = NAN;
	tri.priors = true;
	sl_triangle_normalise(&tri);
	struct sl_tri_weights ws = { { 1, 0, 0 } };
	sl_triangle_rank(&tri, &ws);
	CHECK_NEAR(tri.models[0].score, tri.models[1].score, 1e-12);
	sl_buf_init(&b);
	sl_triangle_render_text(&tri, &ws, &b);
	CHECK_CONTAINS(b.data, "PRIORS");
	CHECK_CONTAINS(b.data, "speed is unknown for every model");
	sl_buf_reset(&b);
	sl_triangle_recommend(&tri, &ws, &b);
	CHECK_CONTAINS(b.data, "[catalogue priors, not measured]");
	sl_buf_free(&b);
	sl_triangle_free(&tri);
}

/* Whose cost is unknown: the pick's, the other model's, or both; never the pick's when it
 * has a price (issue 11: "pick FM1: 5/5 accuracy, the most precise, cost unknown" when only
 * FM2's price was missing). */
static void test_whose_cost_is_unknown(void)
{
	struct sl_triangle tri;
	classic(&tri);
	tri.models[1].cost = NAN; /* FM2 */
	sl_triangle_normalise(&tri);
	struct sl_tri_weights w = { { 0.2, 0.6, 0.2 } };
	sl_triangle_rank(&tri, &w);
	struct sl_buf b;
	sl_buf_init(&b);
	sl_triangle_recommend(&tri, &w, &b);
	CHECK_STR(b.data, "under speed 0.20 / precision 0.60 / cost 0.20 pick FM1: 5/5 accuracy, "
			  "the most precise, at $5 per 1k requests, FM2's cost unknown (FM2: 4/5)");
	/* the pick's own price unknown */
	tri.models[1].cost = 1.0;
	tri.models[0].cost = NAN;
	sl_triangle_normalise(&tri);
	sl_triangle_rank(&tri, &w);
	sl_buf_reset(&b);
	sl_triangle_recommend(&tri, &w, &b);
	CHECK_STR(b.data, "under speed 0.20 / precision 0.60 / cost 0.20 pick FM1: 5/5 accuracy, "
			  "the most precise, its cost unknown (FM2: 4/5)");
	tri.models[1].cost = NAN;
	sl_triangle_normalise(&tri);
	sl_triangle_rank(&tri, &w);
	sl_buf_reset(&b);
	sl_triangle_recommend(&tri, &w, &b);
	CHECK_CONTAINS(b.data, "the most precise, cost unknown for both (FM2: 4/5)");
	sl_buf_free(&b);
	sl_triangle_free(&tri);
}

/* No quality measured at all (every judge verdict failed): the pick rests on speed and cost,
 * and the recommendation says so instead of quoting "unknown". */
static void test_no_precision_anywhere(void)
{
	struct sl_triangle tri;
	classic(&tri);
	for (size_t i = 0; i < tri.n; i++) {
		tri.models[i].precision = NAN;
		tri.models[i].total = 0;
	}
	tri.models[2].cost = 0;
	sl_triangle_normalise(&tri);
	struct sl_tri_weights w = { { 0.2, 0.6, 0.2 } };
	sl_triangle_rank(&tri, &w);
	struct sl_buf b;
	sl_buf_init(&b);
	sl_triangle_recommend(&tri, &w, &b);
	CHECK_STR(b.data, "under speed 0.20 / precision 0.60 / cost 0.20 pick FM3: no model has an "
			  "accuracy score, so speed and cost decide; at no cost, where FM2 costs $1 "
			  "per 1k requests");
	sl_buf_free(&b);
	sl_triangle_free(&tri);
}

static void test_ties_are_deterministic(void)
{
	struct sl_triangle tri;
	sl_triangle_init(&tri);
	const char *names[] = { "zeta", "alpha", "mid" };
	for (int i = 0; i < 3; i++) {
		struct sl_tri_model *m = sl_triangle_add(&tri, names[i]);
		m->precision = 0.5;
		m->cost = 1;
		m->latency_s = 1;
	}
	sl_triangle_normalise(&tri);
	struct sl_tri_weights w = sl_tri_weights_default();
	sl_triangle_rank(&tri, &w);
	CHECK_STR(tri.models[tri.order[0]].name, "alpha");
	CHECK_STR(tri.models[tri.order[1]].name, "mid");
	CHECK_STR(tri.models[tri.order[2]].name, "zeta");
	for (size_t i = 0; i < 3; i++)
		CHECK(tri.models[i].pareto);
	sl_triangle_free(&tri);
}

static void test_weights_parse_errors(void)
{
	struct sl_tri_weights w;
	struct sl_error err = { 0 };
	CHECK(sl_tri_weights_parse("0.2, 0.3, 0.5", &w, &err) == 0);
	CHECK_NEAR(w.w[SL_TRI_COST], 0.5, 1e-12);
	CHECK(sl_tri_weights_parse("20/30/50", &w, &err) == 0);
	CHECK_NEAR(w.w[SL_TRI_PRECISION], 0.3, 1e-12);

	CHECK(sl_tri_weights_parse("0.2,0.3", &w, &err) != 0);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, "cost");
	CHECK(sl_tri_weights_parse("0.5,0.5,0.5", &w, &err) != 0);
	CHECK_CONTAINS(err.msg, "sum to 1.5");
	CHECK(sl_tri_weights_parse("0.5,x,0.5", &w, &err) != 0);
	CHECK_CONTAINS(err.msg, "precision at position 5");
	CHECK(sl_tri_weights_parse("-0.5,1,0.5", &w, &err) != 0);
	CHECK_CONTAINS(err.msg, "negative");
	CHECK(sl_tri_weights_parse("0.2,0.3,0.5,0.1", &w, &err) != 0);
	CHECK_CONTAINS(err.msg, "unexpected");
}

/* FM2 wins at 0.2/0.3/0.5; along the precision axis (cost:speed kept 5:2) FM1 scores
 * 2/7 + 5x/7 and FM2 1 - x/2, so FM1 takes over at x = 10/17. */
static void test_change_points(void)
{
	struct sl_triangle tri;
	classic(&tri);
	struct sl_tri_weights w = { { 0.2, 0.3, 0.5 } };
	CHECK_INT(sl_triangle_winner(&tri, &w), 1);
	struct sl_tri_change c;
	CHECK(sl_triangle_next_change(&tri, &w, SL_TRI_PRECISION, true, &c));
	CHECK_NEAR(c.at, 10.0 / 17, 1e-12);
	CHECK_INT(c.winner, 0);
	/* Less precision weight only helps FM2: nothing changes going down. */
	CHECK(!sl_triangle_next_change(&tri, &w, SL_TRI_PRECISION, false, &c));
	/* Just either side of the change point, the winner is what it says. */
	struct sl_tri_weights before = w, after = w;
	sl_tri_weights_nudge(&before, SL_TRI_PRECISION, 10.0 / 17 - 0.3 - 1e-6);
	sl_tri_weights_nudge(&after, SL_TRI_PRECISION, 10.0 / 17 - 0.3 + 1e-6);
	CHECK_INT(sl_triangle_winner(&tri, &before), 1);
	CHECK_INT(sl_triangle_winner(&tri, &after), 0);
	CHECK(sl_triangle_nearest_change(&tri, &w, &c));
	struct sl_buf b;
	sl_buf_init(&b);
	sl_tri_change_format(&tri, &c, &b);
	/* Speed does not separate the models; cost up only helps FM2; the nearest change is
	 * precision up (0.288 away) or cost down. Cost down, speed:precision kept 2:3: FM1
	 * scores 1 - x, FM2 0.7 + 0.3x, equal at x = 3/13 (0.269 away). */
	CHECK_STR(b.data, "FM1 wins when cost weight < 0.23");
	CHECK_NEAR(c.at, 3.0 / 13, 1e-12);
	sl_buf_free(&b);
	sl_triangle_free(&tri);
}

static void test_weight_moves(void)
{
	struct sl_tri_weights w = { { 0.2, 0.3, 0.5 } };
	sl_tri_weights_nudge(&w, SL_TRI_COST, 0.15);
	CHECK_NEAR(w.w[SL_TRI_COST], 0.65, 1e-12);
	CHECK_NEAR(w.w[SL_TRI_SPEED], 0.14, 1e-12);
	CHECK_NEAR(w.w[SL_TRI_PRECISION], 0.21, 1e-12);
	sl_tri_weights_nudge(&w, SL_TRI_COST, 5);
	CHECK_NEAR(w.w[SL_TRI_COST], 1, 1e-12);
	/* From a corner the other two share equally. */
	sl_tri_weights_nudge(&w, SL_TRI_COST, -0.5);
	CHECK_NEAR(w.w[SL_TRI_SPEED], 0.25, 1e-12);
	double x, y;
	struct sl_tri_weights p = { { 0.2, 0.3, 0.5 } };
	sl_tri_weights_to_plane(&p, &x, &y);
	CHECK_NEAR(x, 0.65, 1e-12);
	CHECK_NEAR(y, 0.3, 1e-12);
	struct sl_tri_weights q = sl_tri_weights_from_plane(x, y);
	for (int a = 0; a < SL_TRI_AXES; a++)
		CHECK_NEAR(q.w[a], p.w[a], 1e-12);
	/* Left of the speed corner's edge: clamped onto the simplex. */
	q = sl_tri_weights_from_plane(-0.5, 0.2);
	CHECK_NEAR(q.w[SL_TRI_COST], 0, 1e-12);
	CHECK_NEAR(q.w[SL_TRI_SPEED] + q.w[SL_TRI_PRECISION], 1, 1e-12);
}

static void test_pareto_2d(void)
{
	/* cost, quality: A cheap and good, B dearer and better, C dominated by A, D unknown. */
	double cost[] = { 1, 3, 2, NAN, 3 };
	double q[] = { 0.8, 0.9, 0.7, 0.99, 0.9 };
	bool front[5];
	sl_pareto_front_2d(cost, q, 5, front);
	CHECK(front[0]);
	CHECK(front[1]);
	CHECK(!front[2]);
	CHECK(!front[3]);
	CHECK(front[4]); /* equal to B: neither beats the other */
}

TEST_MAIN_BEGIN
	RUN_TEST(test_change_points);
	RUN_TEST(test_weight_moves);
	RUN_TEST(test_pareto_2d);
	RUN_TEST(test_classic_example);
	RUN_TEST(test_normalisation_and_frontier);
	RUN_TEST(test_regions);
	RUN_TEST(test_unknown_values);
	RUN_TEST(test_no_precision_anywhere);
	RUN_TEST(test_whose_cost_is_unknown);
	RUN_TEST(test_ties_are_deterministic);
	RUN_TEST(test_weights_parse_errors);
TEST_MAIN_END
