/* Promotion records: the seed's dev -> pre-prod -> prod. A run is dev; promoting records
 * who put which model and prompt version live at a stage, on which run, with the run's
 * gates re-checked at that moment (sl_run_view_build on the stored scores). The history is
 * append-only (the table's triggers refuse UPDATE and DELETE): what is live at a stage is
 * its newest record. Nothing here prints. */
#ifndef SHORTLIST_PROMOTIONS_H
#define SHORTLIST_PROMOTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/store.h"
#include "shortlist/util.h"

/* The stages a run's model can be promoted to, in order. */
extern const char *const sl_promotion_stages[];
#define SL_PROMOTION_N_STAGES 2

struct sl_promotion_request {
	int64_t run_id;
	const char *model;  /* as the run requested it, or its API model id or catalogue key */
	const char *prompt; /* NAME@VERSION (NAME alone when the run has one version of it) */
	const char *stage;  /* "pre-prod" or "prod" */
	const char *note;   /* may be NULL */
	const char *user;   /* NULL: $SHORTLIST_USER, else the OS user */
	bool force;         /* record despite failed gates; reason is then required */
	const char *reason;
};

struct sl_promotion {
	int64_t id, run_id;
	char *stage;
	char *model;        /* as the run requested it */
	char *prompt_name;
	int prompt_version;
	char *prompt_hash;
	char *user, *note;  /* note may be NULL */
	bool forced;
	char *reason;       /* NULL unless forced */
	int gates_checked, gates_failed; /* gate checks about this model and prompt */
	char *evidence;     /* JSON: run status, each gate check, the scorecard row */
	char *promoted_at;  /* ISO 8601 UTC */
	char *live_since;   /* current only: when this model and prompt version went live at
			     * the stage (the first of the newest unbroken run of records of
			     * them); else NULL */
};

/* Check the request and the run's gates, then record it. Returns 0 when recorded (*out
 * filled when not NULL); -1 with err->code 2 for bad input (unknown stage, model or prompt
 * version not in the run, --force without a reason), and -1 with err->code 1 when a gate
 * about this model and prompt failed and force is off: err->msg names each failed gate and
 * its value. */
int sl_promote(struct sl_store *store, const struct sl_promotion_request *req,
	       struct sl_promotion *out, struct sl_error *err);

/* The history, newest first; stage NULL for every stage (an unknown stage is err code 2). */
int sl_promotions_list(struct sl_store *store, const char *stage, struct sl_promotion **out,
		       size_t *n_out, struct sl_error *err);
/* What is live at each stage: out[i] for sl_promotion_stages[i], id 0 when nothing has
 * been promoted there. */
int sl_promotions_current(struct sl_store *store,
			  struct sl_promotion out[SL_PROMOTION_N_STAGES], struct sl_error *err);
bool sl_promotion_stage_valid(const char *stage);
void sl_promotion_free(struct sl_promotion *p);
void sl_promotions_free(struct sl_promotion *list, size_t n);

#endif
