/* Filters (every key and operator), sorts (every key, both directions, unknowns last), find,
 * annotations and the shortlist, on a small fixture whose answers are known by hand. */
#include "test.h"

#include "helpers.h"

static struct sl_store *store;

/* Keys of the models matching the filters, sorted by key, joined with ' '. */
static char *match(const char *const *exprs, const char *search, const char *sort)
{
	struct sl_error err = { 0 };
	struct sl_filter_set *fs = sl_filter_set_new();
	for (size_t i = 0; exprs && exprs[i]; i++) {
		if (sl_filter_set_add(fs, exprs[i], &err) != 0) {
			fprintf(stderr, "[%s] filter %s: %s\n", test_current, exprs[i], err.msg);
			test_failures++;
		}
	}
	if (search)
		sl_filter_set_search(fs, search);
	struct sl_model_list l;
	if (sl_catalog_load(store, fs, &l, &err) != 0) {
		fprintf(stderr, "load: %s\n", err.msg);
		exit(99);
	}
	if (sl_model_list_sort(&l, sort ? sort : "key", &err) != 0) {
		fprintf(stderr, "[%s] sort %s: %s\n", test_current, sort, err.msg);
		test_failures++;
	}
	struct sl_buf b;
	sl_buf_init(&b);
	for (size_t i = 0; i < l.len; i++)
		sl_buf_printf(&b, "%s%s", i ? " " : "", l.items[i].key);
	sl_model_list_free(&l);
	sl_filter_set_free(fs);
	return sl_buf_steal(&b);
}

#define EXPECT_FILTER(expr, want)                                                          \
	do {                                                                               \
		const char *e_[] = { expr, NULL };                                         \
		char *got_ = match(e_, NULL, NULL);                                        \
		CHECK_STR(got_, want);                                                     \
		free(got_);                                                                \
	} while (0)

#define EXPECT_SORT(key, want)                                                             \
	do {                                                                               \
		char *got_ = match(NULL, NULL, key);                                       \
		CHECK_STR(got_, want);                                                     \
		free(got_);                                                                \
	} while (0)

#define A_LLAMA "alpha/llama-3.3-70b"
#define A_OMNI "alpha/omni"
#define A_TINY "alpha/tiny-3b"
#define B_LLAMA "beta/llama-3.3-70b"
#define B_SCOUT "beta/llama-4-scout-17b-16e"
#define B_MYST "beta/mystery"

static void test_filters_catalogue_keys(void)
{
	EXPECT_FILTER("provider=alpha", A_LLAMA " " A_OMNI " " A_TINY);
	EXPECT_FILTER("provider=Beta AI", B_LLAMA " " B_SCOUT " " B_MYST);
	EXPECT_FILTER("provider!=alpha", B_LLAMA " " B_SCOUT " " B_MYST);
	EXPECT_FILTER("PROVIDER = ALPHA", A_LLAMA " " A_OMNI " " A_TINY);
	EXPECT_FILTER("family=llama", A_LLAMA " " B_LLAMA " " B_SCOUT);
	EXPECT_FILTER("family!=llama", A_OMNI " " A_TINY); /* mystery: family unknown */
	EXPECT_FILTER("open_weights=true", A_LLAMA " " A_TINY " " B_LLAMA " " B_SCOUT " " B_MYST);
	EXPECT_FILTER("open_weights=no", A_OMNI);
	EXPECT_FILTER("open_weights!=true", A_OMNI);
	EXPECT_FILTER("license=apache", A_TINY);
	EXPECT_FILTER("license=LLAMA", A_LLAMA " " B_LLAMA);
	EXPECT_FILTER("license!=apache", A_LLAMA " " B_LLAMA);
	EXPECT_FILTER("context>=128k", A_LLAMA " " A_OMNI " " B_LLAMA " " B_SCOUT);
	EXPECT_FILTER("context>=1M", A_OMNI);
	EXPECT_FILTER("context<32769", A_TINY);
	EXPECT_FILTER("context=131072", B_LLAMA);
	EXPECT_FILTER("context>1M", "");
	EXPECT_FILTER("price_in<=0.6", A_LLAMA " " A_TINY " " B_SCOUT);
	EXPECT_FILTER("price_in<=$0.6", A_LLAMA " " A_TINY " " B_SCOUT);
	EXPECT_FILTER("price_in>1", A_OMNI);
	EXPECT_FILTER("price_in>=1", A_OMNI " " B_MYST);
	EXPECT_FILTER("price_out<1", A_LLAMA " " A_TINY " " B_SCOUT);
	EXPECT_FILTER("price_out!=20", A_LLAMA " " A_TINY " " B_SCOUT);
	EXPECT_FILTER("modality=image", A_OMNI " " B_SCOUT);
	EXPECT_FILTER("modality!=image", A_LLAMA " " A_TINY " " B_LLAMA " " B_MYST);
	EXPECT_FILTER("reasoning=true", A_OMNI);
	EXPECT_FILTER("tool_call=yes", A_LLAMA " " A_OMNI);
	EXPECT_FILTER("release>=2025", A_OMNI " " A_TINY " " B_SCOUT);
	EXPECT_FILTER("release<=2024", A_LLAMA " " B_LLAMA);
	EXPECT_FILTER("release=2025-03", A_TINY);
	EXPECT_FILTER("release<2025-04-05", A_LLAMA " " A_TINY " " B_LLAMA);
	EXPECT_FILTER("release>2025-04-05", A_OMNI);
	EXPECT_FILTER("size=SLM", A_TINY);
	EXPECT_FILTER("size=llm", A_LLAMA " " B_LLAMA);
	EXPECT_FILTER("size!=SLM", A_LLAMA " " B_LLAMA);
	EXPECT_FILTER("params<=70B", A_LLAMA " " A_TINY " " B_LLAMA);
	EXPECT_FILTER("params>3", A_LLAMA " " B_LLAMA);
	EXPECT_FILTER("params<500M", "");
	EXPECT_FILTER("shortlisted=true", "");

	/* ANDed, plus free-text search */
	const char *both[] = { "open_weights=true", "context>=128000", NULL };
	char *got = match(both, NULL, "price_out");
	CHECK_STR(got, B_SCOUT " " A_LLAMA " " B_LLAMA);
	free(got);
	got = match(NULL, "llama", NULL);
	CHECK_STR(got, A_LLAMA " " B_LLAMA " " B_SCOUT);
	free(got);
	got = match(NULL, "beta LLAMA", NULL);
	CHECK_STR(got, B_LLAMA " " B_SCOUT);
	free(got);
	got = match(NULL, "alpha cloud", NULL);
	CHECK_STR(got, A_LLAMA " " A_OMNI " " A_TINY);
	free(got);
}

static void expect_bad_filter(const char *expr, const char *want1, const char *want2)
{
	struct sl_error err = { 0 };
	struct sl_filter_set *fs = sl_filter_set_new();
	CHECK(sl_filter_set_add(fs, expr, &err) != 0);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, want1);
	if (want2)
		CHECK_CONTAINS(err.msg, want2);
	sl_filter_set_free(fs);
}

static void test_bad_filters_list_valid_keys_and_values(void)
{
	expect_bad_filter("bogus=1", "unknown filter key 'bogus'",
			  "valid keys are provider, family, open_weights, license, commercial, "
			  "context, price_in, price_out, modality, reasoning, tool_call, release, "
			  "size, params, fine_tunable, domain, shortlisted");
	expect_bad_filter("context>=big", "bad count 'big'", "128k");
	expect_bad_filter("open_weights=maybe", "not a yes/no value", "true or false");
	expect_bad_filter("open_weights>true", "takes only = or !=", NULL);
	expect_bad_filter("family<llama", "takes only = or !=", NULL);
	expect_bad_filter("size=XL", "SLM or LLM", NULL);
	expect_bad_filter("release>=2025/01", "not a date", "YYYY-MM-DD");
	expect_bad_filter("price_in<=cheap", "not a price", "per 1M tokens");
	expect_bad_filter("params<=huge", "bad parameter count", "70B");
	expect_bad_filter("context", "no operator", "valid keys");
	expect_bad_filter("context>=", "no value", NULL);
	expect_bad_filter("context!128k", "bad operator", NULL);
	CHECK_CONTAINS(sl_filter_help(), "price_out");
}

static void test_sorts_every_key_unknowns_last(void)
{
	EXPECT_SORT("key", A_LLAMA " " A_OMNI " " A_TINY " " B_LLAMA " " B_SCOUT " " B_MYST);
	EXPECT_SORT("price_out", A_TINY " " B_SCOUT " " A_LLAMA " " A_OMNI " " B_LLAMA " " B_MYST);
	EXPECT_SORT("-price_out", A_OMNI " " A_LLAMA " " B_SCOUT " " A_TINY " " B_LLAMA " " B_MYST);
	EXPECT_SORT("price_in", A_TINY " " B_SCOUT " " A_LLAMA " " B_MYST " " A_OMNI " " B_LLAMA);
	EXPECT_SORT("-price_in", A_OMNI " " B_MYST " " A_LLAMA " " B_SCOUT " " A_TINY " " B_LLAMA);
	EXPECT_SORT("context", A_TINY " " A_LLAMA " " B_LLAMA " " B_SCOUT " " A_OMNI " " B_MYST);
	EXPECT_SORT("-context", A_OMNI " " B_SCOUT " " B_LLAMA " " A_LLAMA " " A_TINY " " B_MYST);
	EXPECT_SORT("release", A_LLAMA " " B_LLAMA " " A_TINY " " B_SCOUT " " A_OMNI " " B_MYST);
	EXPECT_SORT("-release", A_OMNI " " B_SCOUT " " A_TINY " " A_LLAMA " " B_LLAMA " " B_MYST);
	EXPECT_SORT("bench", A_TINY " " A_OMNI " " A_LLAMA " " B_LLAMA " " B_SCOUT " " B_MYST);
	EXPECT_SORT("-bench", A_LLAMA " " B_LLAMA " " A_OMNI " " A_TINY " " B_SCOUT " " B_MYST);
	EXPECT_SORT("params", A_TINY " " A_LLAMA " " B_LLAMA " " A_OMNI " " B_SCOUT " " B_MYST);
	EXPECT_SORT("-params", A_LLAMA " " B_LLAMA " " A_TINY " " A_OMNI " " B_SCOUT " " B_MYST);
	EXPECT_SORT("name", A_LLAMA " " B_LLAMA " " B_SCOUT " " B_MYST " " A_OMNI " " A_TINY);
	EXPECT_SORT("-name", A_TINY " " A_OMNI " " B_MYST " " B_SCOUT " " A_LLAMA " " B_LLAMA);
	EXPECT_SORT("provider", A_LLAMA " " A_OMNI " " A_TINY " " B_LLAMA " " B_SCOUT " " B_MYST);
	EXPECT_SORT("-provider", B_LLAMA " " B_SCOUT " " B_MYST " " A_LLAMA " " A_OMNI " " A_TINY);
	EXPECT_SORT("open_weights", A_LLAMA " " A_TINY " " B_LLAMA " " B_SCOUT " " B_MYST " " A_OMNI);
	EXPECT_SORT("-open_weights", A_OMNI " " A_LLAMA " " A_TINY " " B_LLAMA " " B_SCOUT " " B_MYST);

	struct sl_model_list l = { 0 };
	struct sl_error err = { 0 };
	CHECK(sl_model_list_sort(&l, "nope", &err) != 0);
	CHECK_CONTAINS(err.msg, "unknown sort key 'nope'");
	CHECK_CONTAINS(err.msg, "price_out");
}

static void test_find_by_key_pair_unique_and_ambiguous(void)
{
	struct sl_error err = { 0 };
	struct sl_model m;
	CHECK(sl_catalog_find(store, "alpha/omni", &m, &err) == 0);
	CHECK_STR(m.key, A_OMNI);
	sl_model_free(&m);
	CHECK(sl_catalog_find(store, "alpha:omni", &m, &err) == 0);
	CHECK_STR(m.key, A_OMNI);
	sl_model_free(&m);
	CHECK(sl_catalog_find(store, "omni", &m, &err) == 0);
	CHECK_STR(m.key, A_OMNI);
	sl_model_free(&m);
	CHECK(sl_catalog_find(store, "ALPHA/Omni", &m, &err) == 0);
	CHECK_STR(m.key, A_OMNI);
	sl_model_free(&m);
	CHECK(sl_catalog_find(store, "llama-3.3-70b", &m, &err) != 0);
	CHECK_CONTAINS(err.msg, "ambiguous");
	CHECK_CONTAINS(err.msg, A_LLAMA ", " B_LLAMA);
	CHECK(m.key == NULL);
	CHECK(sl_catalog_find(store, "llama3370b", &m, &err) != 0);
	CHECK_CONTAINS(err.msg, "did you mean: ");
	CHECK_CONTAINS(err.msg, A_LLAMA);
	CHECK_CONTAINS(err.msg, B_LLAMA);
	CHECK(sl_catalog_find(store, "nothing-like-it", &m, &err) != 0);
	CHECK_CONTAINS(err.msg, "no model 'nothing-like-it'");
	CHECK(sl_catalog_find(store, "", &m, &err) != 0);
}

static void test_annotations_shortlist_and_filters_on_them(void)
{
	struct sl_error err = { 0 };
	struct sl_annotation_edit e = { .set_commercial = true, .commercial_use = 1,
					.set_fine_tunable = true, .fine_tunable = 0,
					.set_domains = true, .domains = "legal, code",
					.params_b = NAN };
	CHECK(sl_annotation_apply(store, A_OMNI, &e, &err) == 0);
	e = (struct sl_annotation_edit){ .set_params = true, .params_b = 46.7, .fine_tunable = -1,
					 .commercial_use = -1 };
	CHECK(sl_annotation_apply(store, B_MYST, &e, &err) == 0);
	e = (struct sl_annotation_edit){ .set_license = true, .license = "MIT",
					 .params_b = NAN, .fine_tunable = -1, .commercial_use = -1 };
	CHECK(sl_annotation_apply(store, A_TINY, &e, &err) == 0);
	CHECK(sl_annotation_apply(store, "nobody/none", &e, &err) != 0);
	CHECK_CONTAINS(err.msg, "no model 'nobody/none'");

	EXPECT_FILTER("commercial=true", A_OMNI);
	EXPECT_FILTER("fine_tunable=false", A_OMNI);
	EXPECT_FILTER("fine_tunable=true", "");
	EXPECT_FILTER("domain=legal", A_OMNI);
	EXPECT_FILTER("domain=CODE", A_OMNI);
	EXPECT_FILTER("domain=cod", "");
	EXPECT_FILTER("params>40", A_LLAMA " " B_LLAMA " " B_MYST);
	EXPECT_FILTER("license=mit", A_TINY); /* the annotation overrides Apache-2.0 */
	EXPECT_FILTER("license=apache", "");

	struct sl_model m;
	CHECK(sl_catalog_find(store, B_MYST, &m, &err) == 0);
	CHECK_NEAR(m.params_b, 46.7, 1e-9);
	CHECK(m.params_annotated && !m.params_derived);
	CHECK_STR(m.size_class, "LLM");
	sl_model_free(&m);
	CHECK(sl_catalog_find(store, A_TINY, &m, &err) == 0);
	CHECK_STR(m.license, "MIT");
	CHECK(m.license_annotated);
	sl_model_free(&m);

	/* Changing one field keeps the others; clearing all removes the row. */
	e = (struct sl_annotation_edit){ .set_notes = true, .notes = "try for contracts",
					 .params_b = NAN, .fine_tunable = -1, .commercial_use = -1 };
	CHECK(sl_annotation_apply(store, A_OMNI, &e, &err) == 0);
	CHECK(sl_catalog_find(store, A_OMNI, &m, &err) == 0);
	CHECK_STR(m.notes, "try for contracts");
	CHECK_INT(m.commercial_use, 1);
	CHECK_STR(m.domains, "legal, code");
	sl_model_free(&m);

	/* shortlist */
	CHECK(sl_shortlist_add(store, A_TINY, &err) == 0);
	CHECK(sl_shortlist_add(store, A_TINY, &err) == 0); /* idempotent */
	CHECK(sl_shortlist_add(store, A_OMNI, &err) == 0);
	CHECK(sl_shortlist_add(store, "x/none", &err) != 0);
	CHECK_CONTAINS(err.msg, "no model 'x/none'");
	EXPECT_FILTER("shortlisted=true", A_OMNI " " A_TINY);
	EXPECT_FILTER("shortlisted=false", A_LLAMA " " B_LLAMA " " B_SCOUT " " B_MYST);
	bool now_in = true;
	CHECK(sl_shortlist_toggle(store, B_SCOUT, &now_in, &err) == 0);
	CHECK(now_in);
	CHECK(sl_shortlist_toggle(store, B_SCOUT, &now_in, &err) == 0);
	CHECK(!now_in);
	CHECK(sl_shortlist_remove(store, B_SCOUT, &err) != 0);
	CHECK_CONTAINS(err.msg, "not in the shortlist");
	char **keys;
	size_t nk;
	CHECK(sl_shortlist_keys(store, &keys, &nk, &err) == 0);
	CHECK_INT(nk, 2);
	if (nk == 2) {
		CHECK_STR(keys[0], A_TINY);
		CHECK_STR(keys[1], A_OMNI);
	}
	for (size_t i = 0; i < nk; i++)
		free(keys[i]);
	free(keys);
}

static void test_annotations_survive_update(void)
{
	struct sl_error err = { 0 };
	/* A different catalogue (api.json shape) without most of these models... */
	char *api = test_source_path("tests/catalog/fixtures/api.json");
	CHECK(sl_catalog_import_file(store, api, &err) == 0);
	free(api);
	struct sl_model m;
	CHECK(sl_catalog_find(store, A_OMNI, &m, &err) == 0);
	CHECK_NEAR(m.price_in, 4, 1e-9); /* catalogue values are the new ones */
	CHECK_STR(m.notes, "try for contracts");
	CHECK_INT(m.commercial_use, 1);
	CHECK(m.shortlisted);
	sl_model_free(&m);
	char **keys;
	size_t nk;
	CHECK(sl_shortlist_keys(store, &keys, &nk, &err) == 0);
	CHECK_INT(nk, 2); /* alpha/tiny-3b stays though the catalogue dropped it */
	for (size_t i = 0; i < nk; i++)
		free(keys[i]);
	free(keys);
	/* ...and back: the annotation on a model that came back is there again. */
	char *snap = test_source_path("tests/catalog/fixtures/snapshot-small.json");
	CHECK(sl_catalog_import_file(store, snap, &err) == 0);
	free(snap);
	CHECK(sl_catalog_find(store, A_TINY, &m, &err) == 0);
	CHECK_STR(m.license, "MIT");
	CHECK(m.shortlisted);
	sl_model_free(&m);
	CHECK(sl_catalog_find(store, B_MYST, &m, &err) == 0);
	CHECK_NEAR(m.params_b, 46.7, 1e-9);
	sl_model_free(&m);
}

static void test_real_catalogue_done_check(void)
{
	/* The done check on the real file: open weights, >= 128k context, by price. */
	struct sl_store *real = store_with("real.db", "data/models.dev-catalog.json");
	struct sl_error err = { 0 };
	struct sl_filter_set *fs = sl_filter_set_new();
	CHECK(sl_filter_set_add(fs, "open_weights=true", &err) == 0);
	CHECK(sl_filter_set_add(fs, "context>=128000", &err) == 0);
	struct sl_model_list l;
	CHECK(sl_catalog_load(real, fs, &l, &err) == 0);
	CHECK(l.len > 100);
	CHECK(sl_model_list_sort(&l, "price_out", &err) == 0);
	bool ordered = true, seen_unknown = false;
	for (size_t i = 0; i < l.len; i++) {
		CHECK(l.items[i].open_weights == 1 && l.items[i].context >= 128000);
		if (isnan(l.items[i].price_out))
			seen_unknown = true;
		else if (seen_unknown || (i && l.items[i].price_out < l.items[i - 1].price_out))
			ordered = false;
	}
	CHECK(ordered);
	sl_model_list_free(&l);
	sl_filter_set_free(fs);
	sl_store_close(real);
}

TEST_MAIN_BEGIN
	store = store_with("query.db", "tests/catalog/fixtures/snapshot-small.json");
	RUN_TEST(test_filters_catalogue_keys);
	RUN_TEST(test_bad_filters_list_valid_keys_and_values);
	RUN_TEST(test_sorts_every_key_unknowns_last);
	RUN_TEST(test_find_by_key_pair_unique_and_ambiguous);
	RUN_TEST(test_annotations_shortlist_and_filters_on_them);
	RUN_TEST(test_annotations_survive_update);
	RUN_TEST(test_real_catalogue_done_check);
	sl_store_close(store);
TEST_MAIN_END
