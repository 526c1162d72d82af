/* Bradley-Terry by MM iterations, with bootstrap intervals (see bradley_terry.h). */
#include "shortlist/bradley_terry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/util.h"

enum { MAX_ITER = 10000 };
#define TOLERANCE 1e-10

/* One fit over wins w[i] and comparison counts n[i*k+j]; p gets the strengths. An item
 * never compared has no strength (NAN) and no share of the scale: keeping it at 1/k would
 * shrink every compared item's strength. */
static int fit(const double *w, const double *n, size_t k, double *p, int *converged)
{
	double *next = sl_xmalloc(k * sizeof *next);
	size_t active = 0;
	for (size_t i = 0; i < k; i++) {
		p[i] = NAN;
		for (size_t j = 0; j < k && isnan(p[i]); j++)
			if (n[i * k + j] > 0)
				p[i] = 1;
		active += !isnan(p[i]);
	}
	for (size_t i = 0; i < k; i++)
		p[i] /= (double)active;
	int it;
	*converged = 0;
	for (it = 1; it <= MAX_ITER; it++) {
		double sum = 0;
		for (size_t i = 0; i < k; i++) {
			double den = 0;
			for (size_t j = 0; j < k; j++)
				if (j != i && n[i * k + j] > 0)
					den += n[i * k + j] / (p[i] + p[j]);
			next[i] = den > 0 ? w[i] / den : p[i];
			if (!isnan(next[i]))
				sum += next[i];
		}
		double change = 0;
		for (size_t i = 0; i < k; i++) {
			double v = isnan(next[i]) ? NAN : sum > 0 ? next[i] / sum : 0;
			if (!isnan(v))
				change = fmax(change, fabs(v - p[i]));
			p[i] = v;
		}
		if (change < TOLERANCE) {
			*converged = 1;
			break;
		}
	}
	free(next);
	return it > MAX_ITER ? MAX_ITER : it;
}

static void tally(const struct sl_vote *votes, const size_t *pick, size_t n_votes, size_t k,
		  double prior, double *w, double *n)
{
	memset(w, 0, k * sizeof *w);
	memset(n, 0, k * k * sizeof *n);
	for (size_t v = 0; v < n_votes; v++) {
		const struct sl_vote *x = &votes[pick ? pick[v] : v];
		w[x->a] += x->outcome;
		w[x->b] += 1 - x->outcome;
		n[x->a * k + x->b] += 1;
		n[x->b * k + x->a] += 1;
	}
	if (prior > 0)
		for (size_t i = 0; i < k; i++)
			for (size_t j = 0; j < k; j++)
				if (i != j && n[i * k + j] > 0) {
					n[i * k + j] += prior;
					w[i] += prior / 2;
				}
}

int sl_bradley_terry(const struct sl_vote *votes, size_t n_votes, size_t n_items, double prior,
		     unsigned resamples, uint64_t seed, struct sl_bt_result *out)
{
	memset(out, 0, sizeof *out);
	for (size_t v = 0; v < n_votes; v++)
		if (votes[v].a < 0 || votes[v].b < 0 || (size_t)votes[v].a >= n_items ||
		    (size_t)votes[v].b >= n_items || votes[v].a == votes[v].b)
			return -1;
	size_t k = n_items;
	out->n_items = k;
	out->strength = sl_xcalloc(k ? k : 1, sizeof *out->strength);
	double *w = sl_xmalloc((k ? k : 1) * sizeof *w), *n = sl_xmalloc((k > 0 ? k * k : 1) * sizeof *n);
	tally(votes, NULL, n_votes, k, prior, w, n);
	out->iterations = fit(w, n, k, out->strength, &out->converged);
	if (resamples > 0 && n_votes > 0) {
		struct sl_rng rng;
		sl_rng_seed(&rng, seed);
		double *samples = sl_xmalloc((size_t)resamples * k * sizeof *samples);
		double *p = sl_xmalloc(k * sizeof *p);
		size_t *pick = sl_xmalloc(n_votes * sizeof *pick);
		for (unsigned b = 0; b < resamples; b++) {
			for (size_t v = 0; v < n_votes; v++)
				pick[v] = (size_t)sl_rng_below(&rng, n_votes);
			tally(votes, pick, n_votes, k, prior, w, n);
			int conv;
			fit(w, n, k, p, &conv);
			for (size_t i = 0; i < k; i++)
				samples[i * resamples + b] = p[i];
		}
		out->ci = sl_xcalloc(k, sizeof *out->ci);
		for (size_t i = 0; i < k; i++) {
			/* over the resamples that compared it */
			double *s = samples + i * resamples;
			size_t m = 0;
			for (unsigned b = 0; b < resamples; b++)
				if (!isnan(s[b]))
					s[m++] = s[b];
			sl_stats_sort(s, m);
			out->ci[i].estimate = out->strength[i];
			out->ci[i].lo = m ? sl_stats_percentile_sorted(s, m, 2.5) : NAN;
			out->ci[i].hi = m ? sl_stats_percentile_sorted(s, m, 97.5) : NAN;
		}
		free(samples);
		free(p);
		free(pick);
	}
	free(w);
	free(n);
	return 0;
}

void sl_bt_result_free(struct sl_bt_result *r)
{
	free(r->strength);
	free(r->ci);
	memset(r, 0, sizeof *r);
}
