/* Run bundles: one run and everything needed to read it again elsewhere, in one file.
 *
 * A bundle IS a shortlist store (the same schema, every migration applied) holding just that
 * run: its lineage, cells, scores with the judges' verdicts and explanations, score marks
 * and intervals, ratings and A/B votes, promotions recorded on it, the prompt versions it
 * used and its dataset. It is marked with PRAGMA application_id = SL_BUNDLE_APPLICATION_ID
 * and a bundle_meta table (format version, the source's schema version, the run's uid).
 * Because it is a store, every reader (runs show, report, the TUI) works on it unchanged;
 * the statistics tables the store's triggers keep travel with the rows (exported and
 * imported as they are, so the kept figures keyed by their sums still hold). */
#ifndef SHORTLIST_BUNDLE_H
#define SHORTLIST_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/store.h"
#include "shortlist/util.h"

#define SL_BUNDLE_APPLICATION_ID 0x534c5255 /* "SLRU" */
#define SL_BUNDLE_FORMAT 1

/* Write run_id of store to path atomically (a temporary file renamed into place). An
 * existing path is refused unless force. */
int sl_bundle_export(struct sl_store *store, int64_t run_id, const char *path, bool force,
		     struct sl_error *err);

struct sl_bundle_import {
	int64_t run_id;          /* the run's id in the store it was imported into */
	int64_t source_run_id;   /* its id in the store it was exported from */
	int prompts_added, prompts_reused; /* prompt versions: new, or matched by content hash */
	int64_t cells, scores, ratings, votes, promotions;
};

/* Add the bundle's run to store, in one transaction: new run id, prompt versions matched by
 * (name, content hash) and reused, otherwise added (with their number if it is free). A run
 * already in the store (same uid) is refused, as is a file that is not a readable bundle;
 * the message names the file and err->code is SL_EXIT_USAGE. Nothing changes on failure. */
int sl_bundle_import(struct sl_store *store, const char *path, struct sl_bundle_import *out,
		     struct sl_error *err);

/* A checked private copy of the bundle at path, upgraded to this shortlist's schema, to
 * open as a store (tui --open) without touching the bundle or the user's store. Returns
 * its path (free with sl_bundle_copy_remove), or NULL with err. */
char *sl_bundle_open_copy(const char *path, struct sl_error *err);
void sl_bundle_copy_remove(char *copy);

/* The same copy for a screen to show at once: every check but SQLite's own of every page
 * (seconds for a million cells), which *check runs meanwhile on a thread of its own, on its
 * own connection (*check is NULL when the check already ran: an older bundle is checked
 * before it is upgraded). */
struct sl_bundle_check;
char *sl_bundle_open_copy_checking(const char *path, struct sl_bundle_check **check,
				   struct sl_error *err);
/* Readable when the check has finished (-1 once sl_bundle_check_poll has seen it). */
int sl_bundle_check_fd(const struct sl_bundle_check *c);
/* Never blocks: 1 while the check runs, 0 when the bundle is whole, -1 when it is damaged
 * (err names the bundle, as sl_bundle_open_copy would have). */
int sl_bundle_check_poll(struct sl_bundle_check *c, struct sl_error *err);
/* Stops the check if it still runs. */
void sl_bundle_check_free(struct sl_bundle_check *c);

/* Whether a table of the store is carried by bundles, rebuilt from what they carry (the
 * statistics tables) or deliberately left behind (provider batch jobs): a test checks every table with a run_id column is one of them, so a
 * new per-run table cannot be left out of bundles unnoticed. */
bool sl_bundle_covers_table(const char *table);

#endif
