/* Cosine similarity of embeddings fetched through the provider engine: submitted into the
 * caller's event loop, or waited for (the blocking form, for the CLI and scorers). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/engine.h"
#include "shortlist/similarity.h"

struct cosine_call {
	char *model;
	sl_cosine_fn fn;
	void *ud;
};

/* The cosine of an embeddings answer, or why there is none. */
static double answer_cosine(const char *model, const struct sl_result *r, struct sl_error *err)
{
	if (r->status != SL_OK) {
		sl_error_set(err, "embedding model %s: %s (%s)", model,
			     r->error ? r->error : "failed", sl_status_name(r->status));
		err->code = r->status == SL_ERR_CONFIG ? SL_EXIT_USAGE : SL_EXIT_INCOMPLETE;
		return NAN;
	}
	if (r->n_embeddings != 2 || !r->dim) {
		sl_error_set(err, "embedding model %s answered %zu vectors for 2 texts", model,
			     r->n_embeddings);
		return NAN;
	}
	double v;
	struct sl_error cerr = { 0 };
	if (sl_cosine_f32(r->embeddings[0], r->embeddings[1], r->dim, &v, &cerr) != 0) {
		sl_error_set(err, "embedding model %s: %s", model, cerr.msg);
		return NAN;
	}
	return v;
}

static void on_done(void *ud, const struct sl_result *r)
{
	struct cosine_call *call = ud;
	struct sl_error err = { 0 };
	double v = answer_cosine(call->model, r, &err);
	call->fn(call->ud, v, isnan(v) ? &err : NULL);
	free(call->model);
	free(call);
}

const char *sl_embedding_model_default(void)
{
	const char *m = getenv("SHORTLIST_EMBEDDING_MODEL");
	return m && *m ? m : NULL;
}

uint64_t sl_embedding_cosine_submit(struct sl_engine *eng, const char *model, const char *a,
				    const char *b, sl_cosine_fn fn, void *ud,
				    struct sl_error *err)
{
	const char *inputs[2] = { a, b };
	struct sl_request req;
	memset(&req, 0, sizeof req);
	req.model = model;
	req.kind = SL_REQ_EMBED;
	req.inputs = inputs;
	req.n_inputs = 2;
	sl_params_init(&req.params);
	struct cosine_call *call = sl_xcalloc(1, sizeof *call);
	*call = (struct cosine_call){ sl_xstrdup(model ? model : ""), fn, ud };
	req.on_done = on_done;
	req.user_data = call;
	uint64_t id = sl_engine_submit(eng, &req, err);
	if (!id) {
		free(call->model);
		free(call);
	}
	return id;
}

struct cosine_wait {
	bool done;
	double value;
	struct sl_error err;
};

static void on_cosine(void *ud, double value, const struct sl_error *err)
{
	struct cosine_wait *w = ud;
	w->done = true;
	w->value = value;
	if (err)
		w->err = *err;
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
	struct cosine_wait w = { .done = false, .value = NAN };
	int rc = -1;
	if (sl_embedding_cosine_submit(eng, model, a, b, on_cosine, &w, err) == 0)
		goto out;
	while (!w.done) {
		sl_engine_wait(eng, NULL, 0, -1, NULL);
		sl_engine_perform(eng);
	}
	if (isnan(w.value)) {
		if (err)
			*err = w.err;
		goto out;
	}
	*out = w.value;
	rc = 0;
out:
	sl_engine_free(own);
	return rc;
}
