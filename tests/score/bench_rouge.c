/* Benchmark: ROUGE-L on 200-token pairs. Prints pairs/s; asserts nothing about time. */
#include "test.h"

#include "shortlist/rouge.h"
#include "shortlist/stats.h"
#include "shortlist/util.h"

enum { PAIRS = 2000, TOKENS = 200, ROUNDS = 10 };

static const char *const words[] = {
	"the", "model", "answer", "was", "correct", "because", "it", "used", "evidence", "from",
	"document", "and", "cited", "sources", "while", "other", "outputs", "missed", "key", "facts",
	"about", "price", "latency", "quality", "of", "summary", "text", "in", "a", "clear", "way",
	"with", "few", "errors", "overall", "good", "result", "for", "users", "who", "need", "fast",
	"cheap", "reliable", "responses", "to", "questions", "on", "data", "sets",
};

static char *make_text(struct sl_rng *rng)
{
	struct sl_buf b;
	sl_buf_init(&b);
	for (int i = 0; i < TOKENS; i++) {
		sl_buf_puts(&b, words[sl_rng_below(rng, SL_ARRAY_LEN(words))]);
		sl_buf_putc(&b, i % 17 == 16 ? '.' : ' ');
	}
	return sl_buf_steal(&b);
}

TEST_MAIN_BEGIN
	struct sl_rng rng;
	sl_rng_seed(&rng, 1);
	char **ref = sl_xmalloc(PAIRS * sizeof *ref), **cand = sl_xmalloc(PAIRS * sizeof *cand);
	for (int i = 0; i < PAIRS; i++) {
		ref[i] = make_text(&rng);
		cand[i] = make_text(&rng);
	}
	struct sl_error err = { 0 };
	struct sl_rouge *r = sl_rouge_new(false, &err);
	double sum = 0;
	int64_t t0 = sl_now_ns();
	for (int k = 0; k < ROUNDS; k++)
		for (int i = 0; i < PAIRS; i++)
			sum += sl_rouge_score(r, SL_ROUGE_L, ref[i], cand[i]).f;
	int64_t t1 = sl_now_ns();
	double secs = (double)(t1 - t0) / 1e9;
	printf("rougeL: %d pairs of %d tokens in %.3f s = %.0f pairs/s (goal >= 20000; mean F %.4f)\n",
	       PAIRS * ROUNDS, TOKENS, secs, PAIRS * ROUNDS / secs, sum / (PAIRS * ROUNDS));
	CHECK(sum > 0); /* the work was done */
	sl_rouge_free(r);
	for (int i = 0; i < PAIRS; i++) {
		free(ref[i]);
		free(cand[i]);
	}
	free(ref);
	free(cand);
TEST_MAIN_END
