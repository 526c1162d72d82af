/* Human ratings: storage, blind pairs, CSV export/import and the agreement report. */
#include "shortlist/ratings.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/agreement.h"
#include "shortlist/csv.h"
#include "shortlist/bradley_terry.h"

/* ---- keys ---- */

int sl_cell_key_parse(const char *s, struct sl_cell_key *k)
{
	long long run;
	int m, p, c, smp, used = 0;
	if (!s || sscanf(s, "%lld:%d:%d:%d:%d%n", &run, &m, &p, &c, &smp, &used) != 5 ||
	    s[used] != '\0' || run < 1 || m < 0 || p < 0 || c < 0 || smp < 0)
		return -1;
	k->run_id = run;
	k->model_idx = m;
	k->prompt_idx = p;
	k->case_idx = c;
	k->sample = smp;
	return 0;
}

void sl_cell_key_format(const struct sl_cell_key *k, char out[80])
{
	snprintf(out, 80, "%" PRId64 ":%d:%d:%d:%d", k->run_id, k->model_idx, k->prompt_idx,
		 k->case_idx, k->sample);
}

static bool key_eq(const struct sl_cell_key *a, const struct sl_cell_key *b)
{
	return a->run_id == b->run_id && a->model_idx == b->model_idx &&
	       a->prompt_idx == b->prompt_idx && a->case_idx == b->case_idx && a->sample == b->sample;
}

static int key_cmp(const struct sl_cell_key *a, const struct sl_cell_key *b)
{
	int d[] = { (a->model_idx > b->model_idx) - (a->model_idx < b->model_idx),
		    (a->prompt_idx > b->prompt_idx) - (a->prompt_idx < b->prompt_idx),
		    (a->case_idx > b->case_idx) - (a->case_idx < b->case_idx),
		    (a->sample > b->sample) - (a->sample < b->sample) };
	for (int i = 0; i < 4; i++)
		if (d[i])
			return d[i];
	return 0;
}

static void bind_key(sqlite3_stmt *st, int at, const struct sl_cell_key *k)
{
	sqlite3_bind_int64(st, at, k->run_id);
	sqlite3_bind_int(st, at + 1, k->model_idx);
	sqlite3_bind_int(st, at + 2, k->prompt_idx);
	sqlite3_bind_int(st, at + 3, k->case_idx);
	sqlite3_bind_int(st, at + 4, k->sample);
}

const char *sl_ratings_default_rater(void)
{
	const char *u = getenv("USER");
	return u && *u ? u : "unknown";
}

/* 1: the cell exists with an output; 0: it does not (err says which); -1: database error. */
static int cell_check(struct sl_store *store, const struct sl_cell_key *k, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT output IS NOT NULL FROM cells WHERE run_id = ? AND model_idx = ? AND "
		"prompt_idx = ? AND case_idx = ? AND sample = ?", err);
	if (!st)
		return -1;
	bind_key(st, 1, k);
	int rc = sl_store_step(store, st, err);
	if (rc < 0)
		return -1;
	char key[80];
	sl_cell_key_format(k, key);
	if (rc != SQLITE_ROW) {
		sl_error_set(err, "cell %s does not exist (RUN:MODEL:PROMPT:CASE:SAMPLE)", key);
		err->code = SL_EXIT_USAGE;
		return 0;
	}
	if (!sqlite3_column_int(st, 0)) {
		sl_error_set(err, "cell %s failed and has no output to rate", key);
		err->code = SL_EXIT_USAGE;
		return 0;
	}
	return 1;
}

static char *now_iso(void)
{
	char t[32];
	sl_iso8601(sl_wall_ms(), t);
	return sl_xstrdup(t);
}

int sl_rating_put(struct sl_store *store, const struct sl_cell_key *cell, const char *rater,
		  int score, const char *comment, struct sl_error *err)
{
	if (score < 1 || score > 5) {
		sl_error_set(err, "a rating is an integer from 1 to 5, not %d", score);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	if (!rater || !*rater) {
		sl_error_set(err, "a rating needs a rater (--rater NAME)");
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	if (cell_check(store, cell, err) != 1)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT OR REPLACE INTO ratings (run_id, model_idx, prompt_idx, case_idx, sample, "
		"rater, score, comment, rated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	char *t = now_iso();
	bind_key(st, 1, cell);
	sl_bind_text(st, 6, rater);
	sqlite3_bind_int(st, 7, score);
	sl_bind_text(st, 8, comment && *comment ? comment : NULL);
	sl_bind_text(st, 9, t);
	int rc = sl_store_step(store, st, err);
	free(t);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sl_rating_delete(struct sl_store *store, const struct sl_cell_key *cell, const char *rater,
		     struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"DELETE FROM ratings WHERE run_id = ? AND model_idx = ? AND prompt_idx = ? AND "
		"case_idx = ? AND sample = ? AND rater = ?", err);
	if (!st)
		return -1;
	bind_key(st, 1, cell);
	sl_bind_text(st, 6, rater);
	if (sl_store_step(store, st, err) != SQLITE_DONE)
		return -1;
	return sqlite3_changes(sl_store_db(store)) > 0;
}

int sl_vote_parse(const char *s, enum sl_vote_value *out)
{
	if (!strcasecmp(s, "left") || !strcasecmp(s, "a") || !strcasecmp(s, "l"))
		*out = SL_VOTE_LEFT;
	else if (!strcasecmp(s, "right") || !strcasecmp(s, "b") || !strcasecmp(s, "r"))
		*out = SL_VOTE_RIGHT;
	else if (!strcasecmp(s, "tie") || !strcasecmp(s, "t") || !strcmp(s, "="))
		*out = SL_VOTE_TIE;
	else
		return -1;
	return 0;
}

const char *sl_vote_name(enum sl_vote_value v)
{
	return v == SL_VOTE_LEFT ? "left" : v == SL_VOTE_RIGHT ? "right" : "tie";
}

int sl_vote_put(struct sl_store *store, const struct sl_cell_key *left,
		const struct sl_cell_key *right, const char *rater, enum sl_vote_value vote,
		int64_t order_seed, const char *comment, struct sl_error *err)
{
	err->code = SL_EXIT_USAGE;
	if (left->run_id != right->run_id || key_eq(left, right)) {
		sl_error_set(err, "a pairwise vote compares two different cells of one run");
		return -1;
	}
	if (left->model_idx == right->model_idx) {
		sl_error_set(err, "a pairwise vote compares two different models");
		return -1;
	}
	if (!rater || !*rater) {
		sl_error_set(err, "a vote needs a rater (--rater NAME)");
		return -1;
	}
	if (cell_check(store, left, err) != 1 || cell_check(store, right, err) != 1)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(store,
		"INSERT OR REPLACE INTO pairwise_votes (run_id, left_model_idx, left_prompt_idx, "
		"left_case_idx, left_sample, right_model_idx, right_prompt_idx, right_case_idx, "
		"right_sample, rater, vote, order_seed, comment, voted_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	char *t = now_iso();
	bind_key(st, 1, left);
	sqlite3_bind_int(st, 6, right->model_idx);
	sqlite3_bind_int(st, 7, right->prompt_idx);
	sqlite3_bind_int(st, 8, right->case_idx);
	sqlite3_bind_int(st, 9, right->sample);
	sl_bind_text(st, 10, rater);
	sl_bind_text(st, 11, sl_vote_name(vote));
	if (order_seed >= 0)
		sqlite3_bind_int64(st, 12, order_seed);
	else
		sqlite3_bind_null(st, 12);
	sl_bind_text(st, 13, comment && *comment ? comment : NULL);
	sl_bind_text(st, 14, t);
	int rc = sl_store_step(store, st, err);
	free(t);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- blind pairs ---- */

int sl_ratings_pairs(struct sl_store *store, int64_t run_id, uint64_t seed, struct sl_pair **out,
		     size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT model_idx, prompt_idx, case_idx, sample FROM cells WHERE run_id = ? AND "
		"output IS NOT NULL AND error_kind IS NULL "
		"ORDER BY prompt_idx, case_idx, sample, model_idx", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	struct sl_cell_key *cells = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (n == cap)
			cells = sl_xrealloc(cells, (cap = cap ? cap * 2 : 64) * sizeof *cells);
		cells[n].run_id = run_id;
		cells[n].model_idx = sqlite3_column_int(st, 0);
		cells[n].prompt_idx = sqlite3_column_int(st, 1);
		cells[n].case_idx = sqlite3_column_int(st, 2);
		cells[n].sample = sqlite3_column_int(st, 3);
		n++;
	}
	if (rc < 0) {
		free(cells);
		return -1;
	}
	struct sl_pair *pairs = NULL;
	size_t np = 0, pcap = 0;
	struct sl_rng rng;
	sl_rng_seed(&rng, seed);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && cells[j].prompt_idx == cells[i].prompt_idx &&
		       cells[j].case_idx == cells[i].case_idx && cells[j].sample == cells[i].sample)
			j++;
		for (size_t a = i; a < j; a++)
			for (size_t b = a + 1; b < j; b++) {
				if (np == pcap)
					pairs = sl_xrealloc(pairs, (pcap = pcap ? pcap * 2 : 64) * sizeof *pairs);
				bool swap = sl_rng_below(&rng, 2);
				pairs[np].left = swap ? cells[b] : cells[a];
				pairs[np].right = swap ? cells[a] : cells[b];
				np++;
			}
		i = j;
	}
	sl_rng_shuffle(&rng, pairs, np, sizeof *pairs);
	free(cells);
	*out = pairs;
	*n_out = np;
	return 0;
}

static int run_exists(struct sl_store *store, int64_t run_id, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT 1 FROM runs WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	int rc = sl_store_step(store, st, err);
	if (rc == SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc == SQLITE_DONE) {
		sl_error_set(err, "run %" PRId64 " does not exist (see shortlist runs)", run_id);
		err->code = SL_EXIT_USAGE;
	}
	return -1;
}

int sl_ratings_todo(struct sl_store *store, int64_t run_id, const char *rater,
		    struct sl_cell_key **out, size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	if (run_exists(store, run_id, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT c.model_idx, c.prompt_idx, c.case_idx, c.sample FROM cells c WHERE c.run_id = ?"
		" AND c.output IS NOT NULL AND c.error_kind IS NULL AND NOT EXISTS (SELECT 1 FROM"
		" ratings r WHERE r.run_id = c.run_id AND r.model_idx = c.model_idx AND r.prompt_idx ="
		" c.prompt_idx AND r.case_idx = c.case_idx AND r.sample = c.sample AND r.rater = ?)"
		" ORDER BY c.prompt_idx, c.case_idx, c.sample, c.model_idx", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sl_bind_text(st, 2, rater);
	int rc;
	size_t cap = 0;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (*n_out == cap)
			*out = sl_xrealloc(*out, (cap = cap ? cap * 2 : 64) * sizeof **out);
		struct sl_cell_key k = { run_id, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
					 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3) };
		(*out)[(*n_out)++] = k;
	}
	return rc < 0 ? -1 : 0;
}

/* The pair in either order, for one rater: ?1-?9 the two cells, ?10 the rater. */
#define PAIR_WHERE \
	"run_id = ?1 AND rater = ?10 AND (" \
	"(left_model_idx = ?2 AND left_prompt_idx = ?3 AND left_case_idx = ?4 AND left_sample = ?5" \
	" AND right_model_idx = ?6 AND right_prompt_idx = ?7 AND right_case_idx = ?8 AND right_sample = ?9)" \
	" OR (left_model_idx = ?6 AND left_prompt_idx = ?7 AND left_case_idx = ?8 AND left_sample = ?9" \
	" AND right_model_idx = ?2 AND right_prompt_idx = ?3 AND right_case_idx = ?4 AND right_sample = ?5))"

static void bind_pair(sqlite3_stmt *st, const struct sl_pair *p, const char *rater)
{
	bind_key(st, 1, &p->left);
	sqlite3_bind_int(st, 6, p->right.model_idx);
	sqlite3_bind_int(st, 7, p->right.prompt_idx);
	sqlite3_bind_int(st, 8, p->right.case_idx);
	sqlite3_bind_int(st, 9, p->right.sample);
	sl_bind_text(st, 10, rater);
}

int sl_vote_delete(struct sl_store *store, const struct sl_pair *p, const char *rater,
		   struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "DELETE FROM pairwise_votes WHERE " PAIR_WHERE,
					    err);
	if (!st)
		return -1;
	bind_pair(st, p, rater);
	if (sl_store_step(store, st, err) != SQLITE_DONE)
		return -1;
	return sqlite3_changes(sl_store_db(store)) > 0;
}

int sl_vote_exists(struct sl_store *store, const struct sl_pair *p, const char *rater,
		   struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT 1 FROM pairwise_votes WHERE " PAIR_WHERE, err);
	if (!st)
		return -1;
	bind_pair(st, p, rater);
	int rc = sl_store_step(store, st, err);
	if (rc < 0)
		return -1;
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* A blind pair's id in files: RUN:SEED:INDEX:CHECK. The pair itself is recomputed from the
 * run and the seed on import; CHECK (8 hex digits of SHA-256 over the two cell keys)
 * catches a run that changed since the export. No model index is visible to the rater. */
static void pair_check(const struct sl_pair *p, char out[9])
{
	char lk[80], rk[80], hex[65];
	sl_cell_key_format(&p->left, lk);
	sl_cell_key_format(&p->right, rk);
	char *both = sl_xasprintf("%s|%s", lk, rk);
	sl_sha256_hex(both, strlen(both), hex);
	free(both);
	memcpy(out, hex, 8);
	out[8] = '\0';
}


/* A cell's case line, input variables and output, for export. */
int sl_ratings_cell_text(struct sl_store *store, const struct sl_cell_key *k, int *line, char **vars,
		      char **output, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT case_line, vars, output FROM cell_details WHERE run_id = ? AND model_idx = ? "
		"AND prompt_idx = ? AND case_idx = ? AND sample = ?", err);
	if (!st)
		return -1;
	bind_key(st, 1, k);
	int rc = sl_store_step(store, st, err);
	if (rc != SQLITE_ROW)
		return rc < 0 ? -1 : (sl_error_set(err, "cell vanished during export"), -1);
	*line = sqlite3_column_int(st, 0);
	*vars = sl_xstrdup(sl_col_text(st, 1));
	*output = sl_xstrdup(sl_col_text(st, 2));
	sqlite3_reset(st);
	return 0;
}

int sl_ratings_export(struct sl_store *store, int64_t run_id, bool pairwise, const char *rater,
		      uint64_t seed, FILE *out, struct sl_error *err)
{
	if (run_exists(store, run_id, err) != 0)
		return -1;
	if (pairwise) {
		struct sl_pair *pairs;
		size_t np;
		if (sl_ratings_pairs(store, run_id, seed, &pairs, &np, err) != 0)
			return -1;
		fputs("pair,case_line,rater,vote,comment,input,left_output,right_output\r\n", out);
		for (size_t i = 0; i < np; i++) {
			char id[128], check[9], line_s[16];
			int line;
			char *vars, *lo, *ro;
			if (sl_ratings_cell_text(store, &pairs[i].left, &line, &vars, &lo, err) != 0) {
				free(pairs);
				return -1;
			}
			char *vars2;
			if (sl_ratings_cell_text(store, &pairs[i].right, &line, &vars2, &ro, err) != 0) {
				free(vars);
				free(lo);
				free(pairs);
				return -1;
			}
			pair_check(&pairs[i], check);
			snprintf(id, sizeof id, "%" PRId64 ":%" PRIu64 ":%zu:%s", run_id, seed, i, check);
			snprintf(line_s, sizeof line_s, "%d", line);
			sl_csv_write_field(out, id, ',');
			sl_csv_write_field(out, line_s, ',');
			sl_csv_write_field(out, rater, ',');
			sl_csv_write_field(out, "", ',');
			sl_csv_write_field(out, "", ',');
			sl_csv_write_field(out, vars, ',');
			sl_csv_write_field(out, lo, ',');
			sl_csv_write_field(out, ro, '\n');
			free(vars);
			free(vars2);
			free(lo);
			free(ro);
		}
		free(pairs);
		return ferror(out) ? (sl_error_set(err, "writing the CSV failed: %s", strerror(errno)), -1) : 0;
	}
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT d.model_idx, d.prompt_idx, d.case_idx, d.sample, d.case_line, d.vars, d.output,"
		" r.score, r.comment FROM cell_details d LEFT JOIN ratings r ON r.run_id = d.run_id AND"
		" r.model_idx = d.model_idx AND r.prompt_idx = d.prompt_idx AND r.case_idx = d.case_idx"
		" AND r.sample = d.sample AND r.rater = ? WHERE d.run_id = ? AND d.output IS NOT NULL"
		" AND d.error_kind IS NULL ORDER BY d.prompt_idx, d.case_idx, d.sample, d.model_idx", err);
	if (!st)
		return -1;
	sl_bind_text(st, 1, rater);
	sqlite3_bind_int64(st, 2, run_id);
	fputs("cell,case_line,rater,score,comment,input,output\r\n", out);
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		struct sl_cell_key k = { run_id, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
					 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3) };
		char key[80], line[16], score[8] = "";
		sl_cell_key_format(&k, key);
		snprintf(line, sizeof line, "%d", sqlite3_column_int(st, 4));
		if (sqlite3_column_type(st, 7) != SQLITE_NULL)
			snprintf(score, sizeof score, "%d", sqlite3_column_int(st, 7));
		sl_csv_write_field(out, key, ',');
		sl_csv_write_field(out, line, ',');
		sl_csv_write_field(out, rater, ',');
		sl_csv_write_field(out, score, ',');
		sl_csv_write_field(out, sl_col_text(st, 8), ',');
		sl_csv_write_field(out, sl_col_text(st, 5), ',');
		sl_csv_write_field(out, sl_col_text(st, 6), '\n');
	}
	if (rc < 0)
		return -1;
	if (ferror(out)) {
		sl_error_set(err, "writing the CSV failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct import_row {
	int line;
	struct sl_cell_key a, b;
	int score;
	enum sl_vote_value vote;
	int64_t seed;
	char *rater, *comment;
};

static int col_index(char **f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i], name) == 0)
			return (int)i;
	return -1;
}

int sl_ratings_import(struct sl_store *store, const char *path, const char *default_rater,
		      struct sl_import_counts *counts, struct sl_error *err)
{
	memset(counts, 0, sizeof *counts);
	size_t len;
	char *text = sl_read_file(path, &len, err);
	if (!text) {
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	struct sl_csv_reader c;
	struct sl_csv_record rec = { 0 };
	int rc = sl_csv_reader_init(&c, text, len, path, err);
	if (rc == 0)
		rc = sl_csv_read(&c, &rec, err);
	int line = rec.line;
	struct import_row *rows = NULL;
	size_t nrows = 0;
	int ret = -1;
	/* pairs recomputed for the (run, seed) a file's pair ids name */
	struct sl_pair *pairs = NULL;
	size_t npairs = 0;
	int64_t pairs_run = -1;
	uint64_t pairs_seed = 0;
	err->code = SL_EXIT_USAGE;
	if (rc <= 0) {
		if (rc == 0)
			sl_error_set(err, "%s:1: the file is empty", path);
		goto out;
	}
	int ci_cell = col_index(rec.fields, rec.n, "cell"), ci_score = col_index(rec.fields, rec.n, "score");
	int ci_left = col_index(rec.fields, rec.n, "left_cell"), ci_right = col_index(rec.fields, rec.n, "right_cell");
	int ci_vote = col_index(rec.fields, rec.n, "vote"), ci_seed = col_index(rec.fields, rec.n, "order_seed");
	int ci_rater = col_index(rec.fields, rec.n, "rater"), ci_comment = col_index(rec.fields, rec.n, "comment");
	int ci_pair = col_index(rec.fields, rec.n, "pair");
	size_t ncols = rec.n;
	bool pairwise = ci_vote >= 0;
	counts->pairwise = pairwise;
	if (pairwise ? (ci_pair < 0 && (ci_left < 0 || ci_right < 0)) : (ci_cell < 0 || ci_score < 0)) {
		sl_error_set(err, "%s:1: the header needs %s (as written by shortlist ratings export)",
			     path, pairwise ? "columns pair (or left_cell and right_cell) and vote"
					    : "columns cell and score (or pair and vote)");
		goto out;
	}
	while (sl_csv_record_clear(&rec), (rc = sl_csv_read(&c, &rec, err)) == 1) {
		line = rec.line;
		if (sl_csv_record_blank(&rec))
			continue;
		counts->rows++;
		if (rec.n != ncols) {
			sl_error_set(err, "%s:%d: %zu fields, but the header has %zu", path, line, rec.n, ncols);
			goto out;
		}
		const char *rating = rec.fields[pairwise ? ci_vote : ci_score];
		while (*rating == ' ')
			rating++;
		if (!*rating) {
			counts->skipped++;
			continue;
		}
		struct import_row r = { .line = line, .seed = -1 };
		const char *kcol = pairwise ? (ci_pair >= 0 ? "pair" : "left_cell") : "cell";
		if (pairwise && ci_pair >= 0) {
			long long prun;
			unsigned long long pseed;
			size_t pidx;
			char check[16], want[9];
			int used = 0;
			if (sscanf(rec.fields[ci_pair], "%lld:%llu:%zu:%8[0-9a-f]%n", &prun, &pseed, &pidx, check,
				   &used) != 4 || rec.fields[ci_pair][used] != '\0' || prun < 1) {
				sl_error_set(err, "%s:%d: column pair: '%s' is not a pair id from shortlist "
						  "ratings export --pairwise", path, line, rec.fields[ci_pair]);
				goto out;
			}
			if (prun != pairs_run || pseed != pairs_seed) {
				free(pairs);
				pairs = NULL;
				struct sl_error perr = { 0 };
				if (sl_ratings_pairs(store, prun, pseed, &pairs, &npairs, &perr) != 0) {
					sl_error_set(err, "%s:%d: column pair: %s", path, line, perr.msg);
					goto out;
				}
				pairs_run = prun;
				pairs_seed = pseed;
			}
			if (pidx < npairs)
				pair_check(&pairs[pidx], want);
			if (pidx >= npairs || strcmp(want, check) != 0) {
				sl_error_set(err, "%s:%d: column pair: '%s' is not a pair of run %lld as it is "
						  "now (the run changed since the export?): export it again",
					     path, line, rec.fields[ci_pair], prun);
				goto out;
			}
			r.a = pairs[pidx].left;
			r.b = pairs[pidx].right;
			r.seed = (int64_t)(pseed & INT64_MAX);
		} else {
			if (sl_cell_key_parse(rec.fields[pairwise ? ci_left : ci_cell], &r.a) != 0) {
				sl_error_set(err, "%s:%d: column %s: '%s' is not a cell id like 3:0:0:12:0", path,
					     line, kcol, rec.fields[pairwise ? ci_left : ci_cell]);
				goto out;
			}
			if (pairwise && sl_cell_key_parse(rec.fields[ci_right], &r.b) != 0) {
				sl_error_set(err, "%s:%d: column right_cell: '%s' is not a cell id like 3:1:0:12:0",
					     path, line, rec.fields[ci_right]);
				goto out;
			}
		}
		if (pairwise) {
			if (sl_vote_parse(rating, &r.vote) != 0) {
				sl_error_set(err, "%s:%d: column vote: '%s' is not left, right or tie (or a, b, t)",
					     path, line, rating);
				goto out;
			}
			if (ci_seed >= 0 && rec.fields[ci_seed][0]) {
				char *e;
				long long s = strtoll(rec.fields[ci_seed], &e, 10);
				if (*e || s < 0) {
					sl_error_set(err, "%s:%d: column order_seed: '%s' is not a seed", path,
						     line, rec.fields[ci_seed]);
					goto out;
				}
				r.seed = s;
			}
		} else {
			char *e;
			long v = strtol(rating, &e, 10);
			while (*e == ' ')
				e++;
			if (*e || v < 1 || v > 5) {
				sl_error_set(err, "%s:%d: column score: '%s' is not an integer from 1 to 5", path,
					     line, rating);
				goto out;
			}
			r.score = (int)v;
		}
		const char *rater = ci_rater >= 0 && rec.fields[ci_rater][0] ? rec.fields[ci_rater] : default_rater;
		struct sl_error cerr = { 0 };
		int ok = cell_check(store, &r.a, &cerr);
		if (ok == 1 && pairwise)
			ok = cell_check(store, &r.b, &cerr);
		if (ok != 1) {
			sl_error_set(err, "%s:%d: column %s: %s", path, line,
				     pairwise && cell_check(store, &r.a, &cerr) == 1 ? "right_cell" : kcol, cerr.msg);
			if (ok < 0)
				err->code = cerr.code;
			goto out;
		}
		if (pairwise && (r.a.run_id != r.b.run_id || r.a.model_idx == r.b.model_idx)) {
			sl_error_set(err, "%s:%d: column right_cell: a vote compares cells of two different "
					  "models in one run", path, line);
			goto out;
		}
		r.rater = sl_xstrdup(rater);
		r.comment = sl_xstrdup(ci_comment >= 0 ? rec.fields[ci_comment] : "");
		rows = sl_xrealloc(rows, (nrows + 1) * sizeof *rows);
		rows[nrows++] = r;
	}
	if (rc < 0)
		goto out;
	/* Every row is valid: write them all or nothing. */
	if (sl_store_begin(store, err) != 0)
		goto out;
	for (size_t i = 0; i < nrows; i++) {
		struct sl_error werr = { 0 };
		int w = pairwise ? sl_vote_put(store, &rows[i].a, &rows[i].b, rows[i].rater, rows[i].vote,
					       rows[i].seed, rows[i].comment, &werr)
				 : sl_rating_put(store, &rows[i].a, rows[i].rater, rows[i].score,
						 rows[i].comment, &werr);
		if (w != 0) {
			sl_store_rollback(store);
			sl_error_set(err, "%s:%d: %s (nothing was imported)", path, rows[i].line, werr.msg);
			goto out;
		}
	}
	if (sl_store_commit(store, err) != 0)
		goto out;
	counts->imported = (int64_t)nrows;
	ret = 0;
	err->code = 0;
out:
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].rater);
		free(rows[i].comment);
	}
	free(rows);
	free(pairs);
	sl_csv_record_clear(&rec);
	free(text);
	return ret;
}

/* ---- report ---- */

static size_t intern_name(char ***names, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], s) == 0)
			return i;
	*names = sl_xrealloc(*names, (*n + 1) * sizeof **names);
	(*names)[*n] = sl_xstrdup(s);
	return (*n)++;
}

static size_t intern_key(struct sl_cell_key **keys, size_t *n, const struct sl_cell_key *k)
{
	for (size_t i = *n; i-- > 0;)
		if (key_eq(&(*keys)[i], k))
			return i;
	*keys = sl_xrealloc(*keys, (*n + 1) * sizeof **keys);
	(*keys)[*n] = *k;
	return (*n)++;
}

/* ---- the 1-5 ratings, read as a stream ----
 * Ratings come ordered by cell, so each cell's ratings are at hand together and nothing
 * else is kept: per model the count of each level (the bootstrap of the mean resamples
 * those counts: sl_stats_bootstrap_mean_counts), Krippendorff's coincidence matrix, and a
 * table of levels per pair of raters for Cohen's kappa. Memory grows with raters and
 * models, never with ratings; alpha and kappa are the matrix methods' to the last bit (the
 * same sums in the same order: test_ratings checks). */
#define LEVELS 5

struct rating_tally {
	size_t n_models;
	uint64_t (*per_model)[LEVELS]; /* counts of each level per model */
	double coincidence[LEVELS * LEVELS];
	int64_t (*pairs)[LEVELS * LEVELS]; /* rater pair (a < b) at b (b - 1) / 2 + a */
	size_t n_pair_raters;              /* raters the pair tables cover */
	size_t *unit_rater, n_unit, cap_unit; /* the current cell's ratings */
	int *unit_level;
};

static void tally_cover_raters(struct rating_tally *t, size_t n_raters)
{
	if (n_raters <= t->n_pair_raters)
		return;
	size_t before = t->n_pair_raters * (t->n_pair_raters - (t->n_pair_raters > 0)) / 2;
	size_t after = n_raters * (n_raters - 1) / 2;
	t->pairs = sl_xrealloc(t->pairs, (after + 1) * sizeof *t->pairs);
	memset(t->pairs + before, 0, (after - before) * sizeof *t->pairs);
	t->n_pair_raters = n_raters;
}

/* The current cell's ratings into the counts. */
static void tally_flush_unit(struct rating_tally *t)
{
	size_t m = t->n_unit;
	for (size_t i = 0; m >= 2 && i < m; i++)
		for (size_t j = 0; j < m; j++) {
			if (i == j)
				continue;
			t->coincidence[t->unit_level[i] * LEVELS + t->unit_level[j]] +=
				1.0 / (double)(m - 1);
			size_t a = t->unit_rater[i], b = t->unit_rater[j];
			if (a < b)
				t->pairs[b * (b - 1) / 2 + a][t->unit_level[i] * LEVELS +
							     t->unit_level[j]]++;
		}
	t->n_unit = 0;
}

static void tally_add(struct rating_tally *t, int model, size_t rater, int level)
{
	if (t->n_unit == t->cap_unit) {
		t->cap_unit = t->cap_unit ? 2 * t->cap_unit : 8;
		t->unit_rater = sl_xrealloc(t->unit_rater, t->cap_unit * sizeof *t->unit_rater);
		t->unit_level = sl_xrealloc(t->unit_level, t->cap_unit * sizeof *t->unit_level);
	}
	t->unit_rater[t->n_unit] = rater;
	t->unit_level[t->n_unit++] = level;
	if (model >= 0 && (size_t)model < t->n_models)
		t->per_model[model][level]++;
}

static void tally_free(struct rating_tally *t)
{
	free(t->per_model);
	free(t->pairs);
	free(t->unit_rater);
	free(t->unit_level);
}

/* What the counts say: alpha, kappa per pair of raters, the mean per model. */
static void tally_report(const struct rating_tally *t, struct sl_ratings_report *out)
{
	static const double levels[LEVELS] = { 1, 2, 3, 4, 5 };
	out->alpha_nominal = sl_krippendorff_alpha_coincidence(levels, LEVELS, t->coincidence,
							       SL_ALPHA_NOMINAL,
							       &out->alpha_pairable);
	out->alpha_ordinal = sl_krippendorff_alpha_coincidence(levels, LEVELS, t->coincidence,
							       SL_ALPHA_ORDINAL, NULL);
	out->alpha_interval = sl_krippendorff_alpha_coincidence(levels, LEVELS, t->coincidence,
								SL_ALPHA_INTERVAL, NULL);
	size_t nr = out->n_raters;
	for (size_t a = 0; a < nr; a++)
		for (size_t b = a + 1; b < nr; b++) {
			double table[LEVELS * LEVELS];
			int64_t both = 0;
			for (size_t i = 0; i < LEVELS * LEVELS; i++) {
				table[i] = (double)t->pairs[b * (b - 1) / 2 + a][i];
				both += t->pairs[b * (b - 1) / 2 + a][i];
			}
			out->kappas = sl_xrealloc(out->kappas, (out->n_kappas + 1) * sizeof *out->kappas);
			struct sl_rater_pair_kappa *k = &out->kappas[out->n_kappas++];
			k->rater_a = sl_xstrdup(out->raters[a]);
			k->rater_b = sl_xstrdup(out->raters[b]);
			k->n = both;
			k->kappa = sl_cohen_kappa_table(table, LEVELS, SL_KAPPA_UNWEIGHTED);
			k->kappa_linear = sl_cohen_kappa_table(table, LEVELS, SL_KAPPA_LINEAR);
			k->kappa_quadratic = sl_cohen_kappa_table(table, LEVELS, SL_KAPPA_QUADRATIC);
		}
	for (size_t m = 0; m < out->n_models; m++) {
		double values[LEVELS];
		uint64_t counts[LEVELS];
		size_t k = 0;
		int64_t n = 0;
		for (int l = 0; l < LEVELS; l++)
			if (t->per_model[m][l]) {
				values[k] = levels[l];
				counts[k++] = t->per_model[m][l];
				n += (int64_t)t->per_model[m][l];
			}
		out->models[m].n = n;
		out->models[m].mean = sl_stats_bootstrap_mean_counts(values, counts, k,
								     SL_BOOTSTRAP_RESAMPLES, 0.95,
								     out->seed + m);
	}
}

int sl_ratings_report(struct sl_store *store, int64_t run_id, struct sl_ratings_report *out,
		      struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	out->run_id = run_id;
	out->seed = SL_BOOTSTRAP_SEED;
	out->alpha_nominal = out->alpha_ordinal = out->alpha_interval = out->vote_alpha = NAN;
	if (run_exists(store, run_id, err) != 0)
		return -1;

	/* Models in run order. */
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT idx, requested FROM run_models WHERE run_id = ? ORDER BY idx", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		int idx = sqlite3_column_int(st, 0);
		if (idx < 0 || idx > 10000)
			continue;
		if ((size_t)idx >= out->n_models) {
			out->models = sl_xrealloc(out->models, (size_t)(idx + 1) * sizeof *out->models);
			memset(out->models + out->n_models, 0,
			       ((size_t)idx + 1 - out->n_models) * sizeof *out->models);
			out->n_models = (size_t)idx + 1;
		}
		out->models[idx].model = sl_xstrdup(sl_col_text(st, 1));
	}
	if (rc < 0)
		return -1;
	for (size_t m = 0; m < out->n_models; m++) {
		if (!out->models[m].model)
			out->models[m].model = sl_xasprintf("model %zu", m);
		out->models[m].bt_strength = NAN;
		out->models[m].mean.estimate = out->models[m].mean.lo = out->models[m].mean.hi = NAN;
		out->models[m].bt_ci = out->models[m].mean;
	}

	/* 1-5 ratings. */
	st = sl_store_prepare(store,
		"SELECT model_idx, prompt_idx, case_idx, sample, rater, score FROM ratings "
		"WHERE run_id = ? ORDER BY model_idx, prompt_idx, case_idx, sample, rater", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	struct rating_tally tally = { .n_models = out->n_models };
	tally.per_model = sl_xcalloc(out->n_models + 1, sizeof *tally.per_model);
	struct sl_cell_key unit = { 0 };
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		struct sl_cell_key k = { run_id, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
					 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3) };
		int score = sqlite3_column_int(st, 5);
		if (score < 1 || score > LEVELS)
			continue; /* the table's CHECK keeps them out */
		if (out->n_ratings == 0 || !key_eq(&k, &unit)) {
			tally_flush_unit(&tally);
			unit = k;
			out->n_cells_rated++;
		}
		size_t rater = intern_name(&out->raters, &out->n_raters, sl_col_text(st, 4));
		tally_cover_raters(&tally, out->n_raters);
		tally_add(&tally, k.model_idx, rater, score - 1);
		out->n_ratings++;
	}
	sqlite3_reset(st);
	tally_flush_unit(&tally);
	if (rc >= 0 && out->n_ratings)
		tally_report(&tally, out);
	tally_free(&tally);
	if (rc < 0)
		return -1;

	/* Pairwise votes. */
	st = sl_store_prepare(store,
		"SELECT left_model_idx, left_prompt_idx, left_case_idx, left_sample, right_model_idx,"
		" right_prompt_idx, right_case_idx, right_sample, rater, vote FROM pairwise_votes"
		" WHERE run_id = ? ORDER BY id", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	struct sl_vote *votes = NULL;
	size_t nv = 0;
	/* for the vote alpha: unit = unordered pair, value by canonical orientation */
	struct sl_cell_key *pair_a = NULL;
	size_t npairs = 0;
	struct sl_cell_key *pair_b = NULL;
	size_t *v_unit = NULL, *v_rater = NULL;
	double *v_value = NULL;
	char **vraters = NULL;
	size_t nvraters = 0;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		struct sl_cell_key l = { run_id, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
					 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3) };
		struct sl_cell_key r = { run_id, sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
					 sqlite3_column_int(st, 6), sqlite3_column_int(st, 7) };
		enum sl_vote_value v;
		if (sl_vote_parse(sl_col_text(st, 9), &v) != 0)
			continue;
		if ((size_t)l.model_idx >= out->n_models || (size_t)r.model_idx >= out->n_models)
			continue;
		votes = sl_xrealloc(votes, (nv + 1) * sizeof *votes);
		votes[nv].a = l.model_idx;
		votes[nv].b = r.model_idx;
		votes[nv].outcome = v == SL_VOTE_LEFT ? 1 : v == SL_VOTE_RIGHT ? 0 : 0.5;
		out->votes_left += v == SL_VOTE_LEFT;
		out->votes_right += v == SL_VOTE_RIGHT;
		out->votes_tie += v == SL_VOTE_TIE;
		bool flip = key_cmp(&l, &r) > 0;
		struct sl_cell_key *lo = flip ? &r : &l, *hi = flip ? &l : &r;
		size_t u;
		for (u = 0; u < npairs; u++)
			if (key_eq(&pair_a[u], lo) && key_eq(&pair_b[u], hi))
				break;
		if (u == npairs) {
			pair_a = sl_xrealloc(pair_a, (npairs + 1) * sizeof *pair_a);
			pair_b = sl_xrealloc(pair_b, (npairs + 1) * sizeof *pair_b);
			pair_a[npairs] = *lo;
			pair_b[npairs] = *hi;
			npairs++;
		}
		v_unit = sl_xrealloc(v_unit, (nv + 1) * sizeof *v_unit);
		v_rater = sl_xrealloc(v_rater, (nv + 1) * sizeof *v_rater);
		v_value = sl_xrealloc(v_value, (nv + 1) * sizeof *v_value);
		v_unit[nv] = u;
		v_rater[nv] = intern_name(&vraters, &nvraters, sl_col_text(st, 8));
		double o = votes[nv].outcome;
		v_value[nv] = flip ? 1 - o : o; /* 1: canonical first won, 0: second, 0.5: tie */
		nv++;
	}
	out->n_votes = (int64_t)nv;
	if (rc >= 0 && nv) {
		for (size_t i = 0; i < nv; i++) {
			struct sl_model_rating *a = &out->models[votes[i].a], *b = &out->models[votes[i].b];
			if (votes[i].outcome == 1) {
				a->wins++;
				b->losses++;
			} else if (votes[i].outcome == 0) {
				b->wins++;
				a->losses++;
			} else {
				a->ties++;
				b->ties++;
			}
		}
		/* The plain MLE diverges for an unbeaten or winless model: then, and only then,
		 * half a virtual tie per compared pair keeps the strengths finite. */
		out->bt_prior = 0;
		for (size_t m = 0; m < out->n_models; m++) {
			struct sl_model_rating *x = &out->models[m];
			int64_t games = x->wins + x->losses + x->ties;
			if (games && (x->wins + x->ties == 0 || x->losses + x->ties == 0))
				out->bt_prior = 0.5;
		}
		struct sl_bt_result bt;
		if (sl_bradley_terry(votes, nv, out->n_models, out->bt_prior, SL_BOOTSTRAP_RESAMPLES,
				     out->seed, &bt) == 0) {
			for (size_t m = 0; m < out->n_models; m++) {
				if (!(out->models[m].wins + out->models[m].losses + out->models[m].ties))
					continue;
				out->models[m].bt_strength = bt.strength[m];
				out->models[m].bt_ci = bt.ci[m];
			}
			sl_bt_result_free(&bt);
		}
		double *matrix = sl_xmalloc(nvraters * npairs * sizeof *matrix);
		for (size_t i = 0; i < nvraters * npairs; i++)
			matrix[i] = NAN;
		for (size_t i = 0; i < nv; i++)
			matrix[v_rater[i] * npairs + v_unit[i]] = v_value[i];
		out->vote_alpha = sl_krippendorff_alpha(matrix, nvraters, npairs, SL_ALPHA_NOMINAL, NULL);
		free(matrix);
	}
	for (size_t i = 0; i < nvraters; i++)
		free(vraters[i]);
	free(vraters);
	free(votes);
	free(pair_a);
	free(pair_b);
	free(v_unit);
	free(v_rater);
	free(v_value);
	return rc < 0 ? -1 : 0;
}

int sl_ratings_against(struct sl_store *store, int64_t run_id, const char *metric,
		       struct sl_metric_vs_humans *out, struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	out->metric = sl_xstrdup(metric);
	out->spearman = out->pearson = out->alpha_interval = NAN;
	if (run_exists(store, run_id, err) != 0)
		return -1;
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT count(*) FROM cell_scores WHERE run_id = ? AND metric = ? AND value IS NOT NULL",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sl_bind_text(st, 2, metric);
	if (sl_store_step(store, st, err) != SQLITE_ROW)
		return -1;
	if (sqlite3_column_int64(st, 0) == 0) {
		sqlite3_reset(st);
		struct sl_buf names;
		sl_buf_init(&names);
		sl_buf_puts(&names, "");
		sqlite3_stmt *q = sl_store_prepare(store,
			"SELECT DISTINCT metric FROM cell_scores WHERE run_id = ? ORDER BY metric", err);
		if (q) {
			sqlite3_bind_int64(q, 1, run_id);
			while (sl_store_step(store, q, err) == SQLITE_ROW)
				sl_buf_printf(&names, "%s%s", names.len ? ", " : "", sl_col_text(q, 0));
		}
		sl_error_set(err, "run %" PRId64 " has no scores for metric \"%s\" (scored metrics: %s)",
			     run_id, metric, names.len ? names.data : "none yet");
		err->code = SL_EXIT_USAGE;
		sl_buf_free(&names);
		return -1;
	}
	sqlite3_reset(st);
	/* every human rating of a cell the metric scored, with the metric's value */
	st = sl_store_prepare(store,
		"SELECT r.model_idx, r.prompt_idx, r.case_idx, r.sample, r.rater, r.score, s.value"
		" FROM ratings r JOIN cell_scores s ON s.run_id = r.run_id AND s.metric = ?"
		" AND s.model_idx = r.model_idx AND s.prompt_idx = r.prompt_idx AND s.case_idx = r.case_idx"
		" AND s.sample = r.sample WHERE r.run_id = ? AND s.value IS NOT NULL"
		" ORDER BY r.model_idx, r.prompt_idx, r.case_idx, r.sample", err);
	if (!st)
		return -1;
	sl_bind_text(st, 1, metric);
	sqlite3_bind_int64(st, 2, run_id);
	struct sl_cell_key *units = NULL;
	size_t nunits = 0;
	char **raters = NULL;
	size_t nraters = 0;
	struct row {
		size_t unit, rater;
		double score;
	} *rows = NULL;
	size_t nrows = 0;
	double *value = NULL;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		struct sl_cell_key k = { run_id, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
					 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3) };
		size_t before = nunits;
		size_t u = intern_key(&units, &nunits, &k);
		if (nunits > before) {
			value = sl_xrealloc(value, nunits * sizeof *value);
			value[u] = sqlite3_column_double(st, 6);
		}
		rows = sl_xrealloc(rows, (nrows + 1) * sizeof *rows);
		rows[nrows].unit = u;
		rows[nrows].rater = intern_name(&raters, &nraters, sl_col_text(st, 4));
		rows[nrows].score = sqlite3_column_int(st, 5);
		nrows++;
	}
	if (rc >= 0 && nunits) {
		double *mean = sl_xcalloc(nunits, sizeof *mean), *cnt = sl_xcalloc(nunits, sizeof *cnt);
		for (size_t i = 0; i < nrows; i++) {
			mean[rows[i].unit] += rows[i].score;
			cnt[rows[i].unit] += 1;
		}
		out->on_rating_scale = true;
		for (size_t u = 0; u < nunits; u++) {
			mean[u] /= cnt[u];
			if (!(value[u] >= 1 && value[u] <= 5))
				out->on_rating_scale = false;
		}
		out->n = (int64_t)nunits;
		out->spearman = sl_stats_spearman(value, mean, nunits);
		out->pearson = sl_stats_pearson(value, mean, nunits);
		if (out->on_rating_scale) {
			size_t nr = nraters + 1;
			double *m = sl_xmalloc(nr * nunits * sizeof *m);
			for (size_t i = 0; i < nr * nunits; i++)
				m[i] = NAN;
			for (size_t i = 0; i < nrows; i++)
				m[rows[i].rater * nunits + rows[i].unit] = rows[i].score;
			memcpy(m + nraters * nunits, value, nunits * sizeof *value);
			out->alpha_interval = sl_krippendorff_alpha(m, nr, nunits, SL_ALPHA_INTERVAL, NULL);
			free(m);
		}
		free(mean);
		free(cnt);
	}
	for (size_t i = 0; i < nraters; i++)
		free(raters[i]);
	free(raters);
	free(rows);
	free(units);
	free(value);
	return rc < 0 ? -1 : 0;
}

void sl_ratings_report_free(struct sl_ratings_report *r)
{
	for (size_t i = 0; i < r->n_raters; i++)
		free(r->raters[i]);
	free(r->raters);
	for (size_t i = 0; i < r->n_kappas; i++) {
		free(r->kappas[i].rater_a);
		free(r->kappas[i].rater_b);
	}
	free(r->kappas);
	for (size_t i = 0; i < r->n_models; i++)
		free(r->models[i].model);
	free(r->models);
	memset(r, 0, sizeof *r);
}
