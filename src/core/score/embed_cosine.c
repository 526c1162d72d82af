/* Cosine similarity of embeddings fetched through the provider engine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/engine.h"
#include "shortlist/similarity.h"

struct embed_wait {
	bool done;
	struct sl_result *result;
};

static void on_done(void *ud, const struct sl_result *r)
{
	struct embed_wait *w = ud;
	w->done = true;
	w->result = sl_result_dup(r);
}

const char *sl_embedding_model_default(void)
{
	const char *m = getenv("SHORTLIST_EMBEDDING_MODEL");
	return m && *m ? m : NULL;
}

int sl_embedding_cosine(struct sl_engine *eng, const char *model, const char *a, const char *b,
			double *out, struct sl_error *err)
{
	struct sl_engine *own = NULL;
	if (!eng) {
		struct sl_engine_options opts;
		memset(&opts, 0, sizeof opts);
		own = eng = sl_engine_new(&opts, err);
		if (!eng)
			return -1;
	}
	const char *inputs[2] = { a, b };
	struct sl_request req;
	memset(&req, 0, sizeof req);
	req.model = model;
	req.kind = SL_REQ_EMBED;
	req.inputs = inputs;
	req.n_inputs = 2;
	sl_params_init(&req.params);
	struct embed_wait w = { false, NULL };
	req.on_done = on_done;
	req.user_data = &w;
	int rc = -1;
	if (sl_engine_submit(eng, &req, err) == 0)
		goto out;
	sl_engine_run_until_idle(eng);
	if (!w.done || !w.result) {
		sl_error_set(err, "embedding model %s: no answer", model);
		goto out;
	}
	if (w.result->status != SL_OK) {
		sl_error_set(err, "embedding model %s: %s (%s)", model,
			     w.result->error ? w.result->error : "failed", sl_status_name(w.result->status));
		err->code = w.result->status == SL_ERR_CONFIG ? SL_EXIT_USAGE : SL_EXIT_INCOMPLETE;
		goto out;
	}
	if (w.result->n_embeddings != 2 || !w.result->dim) {
		sl_error_set(err, "embedding model %s answered %zu vectors for 2 texts", model,
			     w.result->n_embeddings);
		goto out;
	}
	struct sl_error cerr = { 0 };
	if (sl_cosine_f32(w.result->embeddings[0], w.result->embeddings[1], w.result->dim, out,
			  &cerr) != 0) {
		sl_error_set(err, "embedding model %s: %s", model, cerr.msg);
		goto out;
	}
	rc = 0;
out:
	if (w.result)
		sl_result_free(w.result);
	sl_engine_free(own);
	return rc;
}
