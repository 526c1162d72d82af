/* Import: the real 4 MB snapshot, the api.json shape, and every kind of bad input failing
 * with the file and JSON path named and the previous catalogue left exactly as it was. */
#include "test.h"

#include "helpers.h"

static long count(struct sl_store *s, const char *sql)
{
	sqlite3_stmt *st;
	long n = -1;
	if (sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_real_snapshot_counts_and_meta(void)
{
	struct sl_store *s = store_with("real.db", "data/models.dev-catalog.json");
	struct sl_catalog_info in;
	struct sl_error err = { 0 };
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.providers, 147);
	CHECK_INT(in.models, 5276);
	CHECK_INT(in.base_models, 231);
	CHECK(in.benchmarks > 97);
	CHECK_STR(in.source_commit, "f3fc692299671838c7c65fd8126bf84d81a2e817");
	CHECK_STR(in.source_date, "2026-07-02");
	CHECK_STR(in.shape, "snapshot");
	CHECK(strlen(in.imported_at) == 20);
	/* The content hash is the file's own SHA-256. */
	char *src = test_source_path("data/models.dev-catalog.json");
	size_t len;
	char *data = sl_read_file(src, &len, NULL);
	char hex[65];
	sl_sha256_hex(data, len, hex);
	CHECK_STR(in.sha256, hex);
	CHECK_CONTAINS(in.origin, "data/models.dev-catalog.json");
	free(data);
	free(src);

	/* A few facts straight from the file. */
	struct sl_model m;
	CHECK(sl_catalog_find(s, "openai/gpt-4o", &m, &err) == 0);
	CHECK_STR(m.name, "GPT-4o");
	CHECK_INT(m.context, 128000);
	CHECK_INT(m.max_output, 16384);
	CHECK_NEAR(m.price_in, 2.5, 1e-9);
	CHECK_NEAR(m.price_out, 10.0, 1e-9);
	CHECK_NEAR(m.price_cache_read, 1.25, 1e-9);
	CHECK(isnan(m.price_cache_write));
	CHECK_STR(m.modalities_in, "text,image,pdf");
	CHECK_INT(m.open_weights, 0);
	CHECK(isnan(m.params_b));
	CHECK(m.size_class == NULL);
	sl_model_free(&m);
	/* base_model links, and a provider model whose key is itself canonical links too. */
	CHECK(count(s, "SELECT count(*) FROM models WHERE base_model IS NOT NULL") >= 1347);
	CHECK_INT(count(s, "SELECT count(*) FROM models m WHERE m.base_model IS NOT NULL AND NOT "
			   "EXISTS (SELECT 1 FROM base_models b WHERE b.id = m.base_model)"), 0);
	/* Unknown prices are NULL, never 0: the file has 5276 - 4894 models without cost. */
	CHECK_INT(count(s, "SELECT count(*) FROM models WHERE price_in IS NULL"), 5276 - 4894);
	sl_store_close(s);
}

static void test_api_json_shape(void)
{
	struct sl_store *s = store_with("api.db", "tests/catalog/fixtures/api.json");
	struct sl_error err = { 0 };
	struct sl_catalog_info in;
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.providers, 2);
	CHECK_INT(in.models, 3);
	CHECK_INT(in.base_models, 0);
	CHECK_STR(in.shape, "api.json");
	CHECK_STR(in.source_date, "");
	struct sl_model m;
	CHECK(sl_catalog_find(s, "gamma/qwen3-235b-a22b", &m, &err) == 0);
	CHECK_STR(m.provider_name, "Gamma");
	CHECK_NEAR(m.params_b, 235, 1e-9); /* the total, not the a22b active count */
	CHECK(m.params_derived);
	CHECK_STR(m.size_class, "LLM");
	CHECK(m.reasoning);
	CHECK_STR(m.knowledge, "2025-04");
	sl_model_free(&m);
	CHECK(sl_catalog_find(s, "gpt-mini", &m, &err) == 0);
	/* (the same file with a UTF-8 byte order mark imports too; checked below) */
	CHECK_STR(m.key, "gamma/gpt-mini");
	CHECK_NEAR(m.price_cache_read, 0.075, 1e-12);
	CHECK(isnan(m.params_b)); /* closed: never derived */
	sl_model_free(&m);
	char *fx = test_source_path("tests/catalog/fixtures/api.json");
	size_t len;
	char *data = sl_read_file(fx, &len, NULL);
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "\xEF\xBB\xBF");
	sl_buf_append(&b, data, len);
	CHECK(sl_catalog_import_buffer(s, b.data, b.len, "bom.json", &err) == 0);
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.models, 3);
	/* The same providers wrapped in {"providers": ...}. */
	sl_buf_reset(&b);
	sl_buf_puts(&b, "{\"providers\": ");
	sl_buf_append(&b, data, len);
	sl_buf_puts(&b, "}");
	CHECK(sl_catalog_import_buffer(s, b.data, b.len, "wrapped.json", &err) == 0);
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.providers, 2);
	CHECK_INT(in.models, 3);
	CHECK_STR(in.shape, "api.json");
	sl_buf_free(&b);
	free(data);
	free(fx);
	sl_store_close(s);
}

static void test_snapshot_fixture_links_and_benchmarks(void)
{
	struct sl_store *s = store_with("small.db", "tests/catalog/fixtures/snapshot-small.json");
	struct sl_error err = { 0 };
	struct sl_model m;
	CHECK(sl_catalog_find(s, "alpha/llama-3.3-70b", &m, &err) == 0);
	CHECK_STR(m.base_model, "meta/llama-3.3-70b-instruct");
	CHECK_STR(m.license, "Llama 3.3 Community License");
	CHECK(!m.license_annotated);
	CHECK_NEAR(m.params_b, 70, 1e-9);
	CHECK(m.params_derived);
	/* Aider Polyglot ranks above SWE-Bench Verified in the headline order. */
	CHECK_STR(m.bench_name, "Aider Polyglot");
	CHECK_NEAR(m.bench_score, 51.0, 1e-9);
	CHECK_STR(m.bench_source, "https://aider.chat/docs/leaderboards/");
	CHECK_STR(m.bench_date, "2025-01-01");
	sl_model_free(&m);
	/* No listed benchmark: the latest-dated one. */
	CHECK(sl_catalog_find(s, "alpha/tiny-3b", &m, &err) == 0);
	CHECK_STR(m.bench_name, "Another");
	CHECK_NEAR(m.bench_score, 20, 1e-9);
	CHECK_STR(m.size_class, "SLM");
	sl_model_free(&m);
	/* "SWE Bench Pro" is the listed "SWE-Bench Pro". */
	CHECK(sl_catalog_find(s, "alpha/omni", &m, &err) == 0);
	CHECK_STR(m.bench_name, "SWE Bench Pro");
	CHECK_NEAR(m.bench_score, 40, 1e-9);
	sl_model_free(&m);
	CHECK(sl_catalog_find(s, "beta/llama-4-scout-17b-16e", &m, &err) == 0);
	CHECK(isnan(m.params_b)); /* 17b beside 16e is the active count: not derived */
	CHECK(isnan(m.bench_score));
	sl_model_free(&m);
	CHECK(sl_catalog_find(s, "beta/mystery", &m, &err) == 0);
	CHECK(isnan(m.params_b)); /* 8x7B never derived */
	CHECK_INT(m.context, -1);
	CHECK(isnan(m.price_out));
	CHECK_NEAR(m.price_in, 1.0, 1e-9);
	sl_model_free(&m);

	struct sl_benchmark *b;
	size_t nb;
	CHECK(sl_catalog_benchmarks(s, "beta/llama-3.3-70b", &b, &nb, &err) == 0);
	CHECK_INT(nb, 2);
	if (nb == 2) {
		CHECK_STR(b[0].name, "SWE-Bench Verified"); /* newest first */
		CHECK_STR(b[0].source, "https://www.swebench.com/");
		CHECK_STR(b[1].metric, "percent correct");
	}
	sl_benchmarks_free(b, nb);
	char *raw, *base_raw;
	CHECK(sl_catalog_raw(s, "alpha/omni", &raw, &base_raw, &err) == 0);
	CHECK_CONTAINS(raw, "\"tiers\"");
	CHECK_CONTAINS(base_raw, "\"closed/omni\"");
	free(raw);
	free(base_raw);
	sl_store_close(s);
}

/* Import text that must fail: the message names the origin and what is wrong, and the store
 * holds exactly what it held before. */
static void expect_reject(struct sl_store *s, const char *json, const char *origin,
			  const char *want1, const char *want2)
{
	char *before = store_digest(s);
	struct sl_error err = { 0 };
	int rc = sl_catalog_import_buffer(s, json, strlen(json), origin, &err);
	CHECK(rc != 0);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, origin);
	if (want1)
		CHECK_CONTAINS(err.msg, want1);
	if (want2)
		CHECK_CONTAINS(err.msg, want2);
	char *after = store_digest(s);
	CHECK_STR(after, before);
	free(before);
	free(after);
}

#define SNAP_HEAD "{\"source\":{\"commit\":\"x\"},\"models\":{},\"providers\":{\"openai\":{\"id\":" \
	"\"openai\",\"name\":\"OpenAI\",\"models\":{"

static void test_bad_inputs_leave_catalogue_unchanged(void)
{
	struct sl_store *s = store_with("bad.db", "tests/catalog/fixtures/snapshot-small.json");
	/* Annotations and shortlist count too: nothing may move. */
	struct sl_error err = { 0 };
	struct sl_annotation_edit e = { .set_notes = true, .notes = "keep me", .params_b = NAN };
	CHECK(sl_annotation_apply(s, "alpha/omni", &e, &err) == 0);
	CHECK(sl_shortlist_add(s, "alpha/tiny-3b", &err) == 0);

	/* truncated: the real file cut in half */
	char *src = test_source_path("data/models.dev-catalog.json");
	size_t len;
	char *data = sl_read_file(src, &len, NULL);
	data[len / 2] = '\0';
	expect_reject(s, data, "cut.json", "invalid JSON at line", "ends early");
	free(data);
	free(src);
	expect_reject(s, "{\"openai\": {\"models\": {", "short.json", "ends early", NULL);
	expect_reject(s, "", "empty.json", "invalid JSON", NULL);
	expect_reject(s, "{\"a\": 1,, }", "syntax.json", "line 1, column", "malformed");
	expect_reject(s, "{\"providers\": {}} trailing", "trail.json", "after the end", NULL);

	/* wrong types, with the JSON path */
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":{\"name\":\"GPT-4o\",\"limit\":{\"context\":\"big\"}}}}}}",
		      "ctx.json", "providers.openai.models.gpt-4o.limit.context",
		      "expected a non-negative number, found a string (\"big\")");
	/* the api.json shape names paths from the provider down */
	expect_reject(s, "{\"openai\":{\"models\":{\"gpt-4o\":{\"limit\":{\"context\":\"big\"}}}}}",
		      "api-ctx.json", "api-ctx.json: openai.models.gpt-4o.limit.context: expected",
		      NULL);
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":{\"open_weights\":\"yes\"}}}}}", "ow.json",
		      "providers.openai.models.gpt-4o.open_weights", "expected true or false");
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":{\"cost\":{\"input\":-1}}}}}}", "neg.json",
		      "providers.openai.models.gpt-4o.cost.input", "non-negative");
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":{\"modalities\":{\"input\":[\"text\",3]}}}}}}",
		      "mod.json", "providers.openai.models.gpt-4o.modalities.input[1]",
		      "expected a string, found a number");
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":[]}}}}", "arr.json",
		      "providers.openai.models.gpt-4o", "expected an object");
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":{\"name\":7}}}}}", "name.json",
		      "providers.openai.models.gpt-4o.name", "expected a string");
	expect_reject(s, "{\"providers\":{\"openai\":{\"id\":\"openai\"}}}", "nomodels.json",
		      "providers.openai.models", "missing");
	expect_reject(s, "{\"models\":{\"x/y\":{\"benchmarks\":[{\"name\":\"B\",\"score\":\"high\"}]}},"
		      "\"providers\":{\"p\":{\"models\":{\"m\":{}}}}}", "bench.json",
		      "models.x/y.benchmarks[0].score", "number");
	expect_reject(s, "{\"models\":{\"x/y\":{\"benchmarks\":[{\"name\":\"B\"}]}},"
		      "\"providers\":{\"p\":{\"models\":{\"m\":{}}}}}", "bench2.json",
		      "models.x/y.benchmarks[0]", "needs a \"name\" and a \"score\"");
	/* a byte that is not UTF-8 would be stored and drawn half-decoded */
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":{\"name\":\"GPT\xff\"}}}}}", "latin1.json",
		      "latin1.json:1:", "not valid UTF-8 (byte 0xff)");
	expect_reject(s, "[1, 2]", "top.json", "(top level)", "expected an object");
	expect_reject(s, "{\"gamma\": 5}", "prov.json", "gamma", "expected an object (a provider)");
	expect_reject(s, "{}", "nothing.json", "no providers with models", NULL);

	/* duplicate ids: repeated JSON keys, and different keys naming the same id */
	expect_reject(s, SNAP_HEAD "\"gpt-4o\":{},\"gpt-4o\":{}}}}}", "dup.json",
		      "providers.openai.models.gpt-4o", "duplicate model id 'openai/gpt-4o'");
	expect_reject(s, SNAP_HEAD "\"a\":{\"id\":\"gpt-4o\"},\"b\":{\"id\":\"gpt-4o\"}}}}}",
		      "dupid.json", "providers.openai.models.b", "duplicate model id");
	expect_reject(s, "{\"p\":{\"models\":{\"m\":{}}},\"q\":{\"id\":\"p\",\"models\":{\"m\":{}}}}",
		      "dupprov.json", "duplicate provider id 'p'", NULL);
	expect_reject(s, "{\"models\":{\"a/b\":{},\"c\":{\"id\":\"a/b\"}},\"providers\":{\"p\":"
		      "{\"models\":{\"m\":{}}}}}", "dupbase.json", "models.c",
		      "duplicate canonical model id 'a/b'");

	/* A missing file. */
	char *before = store_digest(s);
	CHECK(sl_catalog_import_file(s, "/nonexistent/catalog.json", &err) != 0);
	CHECK_CONTAINS(err.msg, "/nonexistent/catalog.json");
	char *after = store_digest(s);
	CHECK_STR(after, before);
	free(before);
	free(after);

	struct sl_model m;
	CHECK(sl_catalog_find(s, "alpha/omni", &m, &err) == 0);
	CHECK_STR(m.notes, "keep me");
	sl_model_free(&m);
	sl_store_close(s);
}

static void test_ensure_loaded_uses_shipped_file_once(void)
{
	struct sl_store *s = store_with("first.db", NULL);
	struct sl_error err = { 0 };
	CHECK(sl_catalog_ensure_loaded(s, &err) == 0);
	struct sl_catalog_info in;
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.models, 5276);
	/* Already loaded (here: replaced by a fixture): no re-import. */
	char *fx = test_source_path("tests/catalog/fixtures/api.json");
	CHECK(sl_catalog_import_file(s, fx, &err) == 0);
	CHECK(sl_catalog_ensure_loaded(s, &err) == 0);
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.models, 3);
	free(fx);
	sl_store_close(s);
}

static void test_derive_params_rule(void)
{
	CHECK_NEAR(sl_derive_params("llama-3.3-70b-instruct", "Llama 3.3 70B", NULL, 1), 70, 0);
	CHECK_NEAR(sl_derive_params("qwen2.5-1.5b", NULL, NULL, 1), 1.5, 1e-12);
	CHECK_NEAR(sl_derive_params("Qwen/Qwen3-235B-A22B", "Qwen3 235B A22B", NULL, 1), 235, 0);
	CHECK_NEAR(sl_derive_params("gemma3:12b", "gemma3:12b", NULL, 1), 12, 0);
	CHECK_NEAR(sl_derive_params("@cf/openai/gpt-oss-120b", "GPT OSS 120B", NULL, 1), 120, 0);
	CHECK(isnan(sl_derive_params("gpt-oss-120b", "GPT OSS 120B", NULL, 0)));   /* closed */
	CHECK(isnan(sl_derive_params("gpt-oss-120b", "GPT OSS 120B", NULL, -1)));  /* unknown */
	CHECK(isnan(sl_derive_params("mixtral-8x7b", "Mixtral 8x7B", NULL, 1)));
	CHECK(isnan(sl_derive_params("llama-4-scout-17b-16e-instruct", NULL, NULL, 1)));
	CHECK(isnan(sl_derive_params("gemma-3n-e4b-it", "Gemma 3n E4B", NULL, 1)));
	CHECK(isnan(sl_derive_params("solar-10_7b-instruct", "solar-10.7b-instruct", NULL, 1)));
	CHECK(isnan(sl_derive_params("kimi-k2", "Kimi K2", NULL, 1)));
	CHECK(isnan(sl_derive_params("a-7b", "B 8b", NULL, 1))); /* disagreement */
	CHECK_STR(sl_size_class(10), "SLM");
	CHECK_STR(sl_size_class(10.5), "LLM");
	CHECK(sl_size_class(NAN) == NULL);
}

static void test_parse_params_and_counts(void)
{
	double b;
	int64_t n;
	struct sl_error err = { 0 };
	CHECK(sl_parse_params("70B", &b, &err) == 0);
	CHECK_NEAR(b, 70, 1e-9);
	CHECK(sl_parse_params("1.5b", &b, &err) == 0);
	CHECK_NEAR(b, 1.5, 1e-9);
	CHECK(sl_parse_params("135M", &b, &err) == 0);
	CHECK_NEAR(b, 0.135, 1e-12);
	CHECK(sl_parse_params("1.2T", &b, &err) == 0);
	CHECK_NEAR(b, 1200, 1e-9);
	CHECK(sl_parse_params("8", &b, &err) == 0);
	CHECK_NEAR(b, 8, 1e-9);
	CHECK(sl_parse_params("seventy", &b, &err) != 0);
	CHECK_CONTAINS(err.msg, "70B");
	CHECK(sl_parse_params("70Q", &b, &err) != 0);
	CHECK(sl_parse_count("128k", &n, &err) == 0);
	CHECK_INT(n, 128000);
	CHECK(sl_parse_count("1M", &n, &err) == 0);
	CHECK_INT(n, 1000000);
	CHECK(sl_parse_count("1.5M", &n, &err) == 0);
	CHECK_INT(n, 1500000);
	CHECK(sl_parse_count("131072", &n, &err) == 0);
	CHECK_INT(n, 131072);
	CHECK(sl_parse_count("big", &n, &err) != 0);
	CHECK(sl_parse_count("-5", &n, &err) != 0);
	CHECK(sl_parse_count("12kk", &n, &err) != 0);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_real_snapshot_counts_and_meta);
	RUN_TEST(test_api_json_shape);
	RUN_TEST(test_snapshot_fixture_links_and_benchmarks);
	RUN_TEST(test_bad_inputs_leave_catalogue_unchanged);
	RUN_TEST(test_ensure_loaded_uses_shipped_file_once);
	RUN_TEST(test_derive_params_rule);
	RUN_TEST(test_parse_params_and_counts);
TEST_MAIN_END
