/* Embedding cosine through the provider engine against tests/fakeprov (on 127.0.0.1), and
 * the cosine scorer's labelled fallback to TF-IDF. */
#include "test.h"

#include <cjson/cJSON.h>

#include "fakeprov_client.h"
#include "shortlist/engine.h"
#include "shortlist/scorer.h"
#include "shortlist/similarity.h"
#include "shortlist/util.h"

/* fakeprov's documented deterministic embedding (tests/fakeprov/protocols.c fp_embed:
 * hashed character trigrams, L2-normalised), recomputed here for the expected value. */
static void embed(const char *text, int dims, double *out)
{
	for (int i = 0; i < dims; i++)
		out[i] = 0;
	size_t n = strlen(text);
	for (size_t i = 0; i + 3 <= n || (i == 0 && n > 0); i++) {
		uint32_t h = 2166136261u;
		for (size_t k = i; k < i + 3 && k < n; k++) {
			h ^= (unsigned char)(text[k] | 0x20);
			h *= 16777619u;
		}
		out[h % (uint32_t)dims] += (h & 0x80000000u) ? -1.0 : 1.0;
		if (n < 3)
			break;
	}
}

static double expected_cosine(const char *a, const char *b)
{
	double x[16], y[16];
	embed(a, 16, x);
	embed(b, 16, y);
	double d = 0, nx = 0, ny = 0;
	for (int i = 0; i < 16; i++) {
		d += x[i] * y[i];
		nx += x[i] * x[i];
		ny += y[i] * y[i];
	}
	return d / sqrt(nx) / sqrt(ny);
}

static struct fakeprov *fp;

static void test_embedding_cosine(void)
{
	struct sl_error err = { 0 };
	double c;
	const char *a = "The cat sat on the mat", *b = "A cat was sitting on a mat";
	CHECK_INT(sl_embedding_cosine(NULL, "fake:embed-small", a, b, &c, &err), 0);
	CHECK_NEAR(c, expected_cosine(a, b), 1e-5);
	CHECK_INT(sl_embedding_cosine(NULL, "fake:embed-small", a, a, &c, &err), 0);
	CHECK_NEAR(c, 1.0, 1e-6);
	CHECK(fakeprov_route_count(fp, "openai.embeddings") >= 2);
	CHECK_INT(sl_embedding_cosine(NULL, "nowhere:embed", a, b, &c, &err), -1);
	CHECK_CONTAINS(err.msg, "embedding model nowhere:embed");
}

struct got {
	int calls;
	double value;
	char msg[sizeof ((struct sl_error *)0)->msg];
};

static void on_cosine(void *ud, double value, const struct sl_error *err)
{
	struct got *g = ud;
	g->calls++;
	g->value = value;
	snprintf(g->msg, sizeof g->msg, "%s", err ? err->msg : "");
}

/* Inside the caller's loop: both requests are out at once on one engine, each answer comes
 * back through its callback, a failure as an error (never a cosine of 0). */
static void test_embedding_cosine_in_the_loop(void)
{
	struct sl_error err = { 0 };
	struct sl_engine *eng = sl_engine_new(&(struct sl_engine_options){ 0 }, &err);
	CHECK(eng != NULL);
	if (!eng)
		return;
	const char *a = "The cat sat on the mat", *b = "A cat was sitting on a mat";
	struct got g1 = { 0 }, g2 = { 0 }, g3 = { 0 };
	CHECK(sl_embedding_cosine_submit(eng, "fake:embed-small", a, b, on_cosine, &g1, &err) > 0);
	CHECK(sl_embedding_cosine_submit(eng, "fake:embed-small", a, a, on_cosine, &g2, &err) > 0);
	CHECK(sl_embedding_cosine_submit(eng, "nowhere:embed", a, b, on_cosine, &g3, &err) > 0);
	CHECK_INT(g1.calls + g2.calls + g3.calls, 0); /* answered only inside perform */
	for (int i = 0; i < 10000 && sl_engine_perform(eng) > 0; i++)
		sl_engine_wait(eng, NULL, 0, 50, &err);
	CHECK_INT(g1.calls, 1);
	CHECK_NEAR(g1.value, expected_cosine(a, b), 1e-5);
	CHECK_INT(g2.calls, 1);
	CHECK_NEAR(g2.value, 1.0, 1e-6);
	CHECK_INT(g3.calls, 1);
	CHECK(isnan(g3.value));
	CHECK_CONTAINS(g3.msg, "embedding model nowhere:embed");
	sl_engine_free(eng);
}

static struct sl_score apply(const char *json, const char *output, const char *reference,
			     char *label, size_t label_len)
{
	struct sl_error err = { 0 };
	cJSON *spec = cJSON_Parse(json);
	struct sl_scorer *s = sl_scorer_new(spec, "t", &err);
	cJSON_Delete(spec);
	struct sl_score out;
	memset(&out, 0, sizeof out);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		test_failures++;
		return out;
	}
	struct sl_cell cell;
	memset(&cell, 0, sizeof cell);
	cell.output = output;
	cell.reference = reference;
	cell.latency_ms = cell.ttft_ms = cell.cost = NAN;
	sl_scorer_apply(s, &cell, &out);
	snprintf(label, label_len, "%s", sl_scorer_metric_label(s));
	sl_scorer_free(s);
	return out;
}

static void test_cosine_scorer(void)
{
	char label[128];
	const char *a = "the quick brown fox", *b = "a quick brown dog";
	struct sl_score r = apply("{\"name\": \"cosine\", \"model\": \"fake:embed-small\"}", b, a,
				  label, sizeof label);
	CHECK(r.status == SL_SCORE_OK);
	CHECK_NEAR(r.value, expected_cosine(a, b), 1e-5);
	CHECK_STR(label, "cosine (embedding, fake:embed-small)");
	unsetenv("SHORTLIST_EMBEDDING_MODEL");
	r = apply("{\"name\": \"cosine\"}", b, a, label, sizeof label);
	CHECK(r.status == SL_SCORE_OK);
	CHECK_STR(label, "cosine (tfidf, lexical)");
	setenv("SHORTLIST_EMBEDDING_MODEL", "fake:embed-small", 1);
	r = apply("{\"name\": \"cosine\"}", b, a, label, sizeof label);
	CHECK_STR(label, "cosine (embedding, fake:embed-small)");
	CHECK_NEAR(r.value, expected_cosine(a, b), 1e-5);
	unsetenv("SHORTLIST_EMBEDDING_MODEL");
	/* a failing embedding call is an error, never a similarity of 0 */
	r = apply("{\"name\": \"cosine\", \"model\": \"nowhere:x\"}", b, a, label, sizeof label);
	CHECK(r.status == SL_SCORE_ERROR);
	CHECK(isnan(r.value));
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	CHECK_INT(sl_mkdirs(dir, &err), 0);
	char *conf = sl_xasprintf("{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": "
				  "\"%s/v1\", \"api_key_env\": \"FAKE_KEY\"}}}", fp->base);
	setenv("FAKE_KEY", "sk-fake", 1); /* the key fakeprov expects from OpenAI clients */
	char *path = sl_xasprintf("%s/providers.json", dir);
	CHECK_INT(sl_write_file_atomic(path, conf, strlen(conf), &err), 0);
	RUN_TEST(test_embedding_cosine);
	RUN_TEST(test_embedding_cosine_in_the_loop);
	RUN_TEST(test_cosine_scorer);
	fakeprov_stop(fp);
	free(dir);
	free(conf);
	free(path);
TEST_MAIN_END
