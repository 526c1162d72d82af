/* Cohen's kappa and Krippendorff's alpha (see agreement.h). */
#include "shortlist/agreement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/stats.h"
#include "shortlist/util.h"

/* Sorted distinct non-NAN values of a and b. */
static size_t distinct(const double *a, size_t na, const double *b, size_t nb, double **out)
{
	double *v = sl_xmalloc((na + nb + 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < na; i++)
		if (!isnan(a[i]))
			v[k++] = a[i];
	for (size_t i = 0; i < nb; i++)
		if (!isnan(b[i]))
			v[k++] = b[i];
	sl_stats_sort(v, k);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (m == 0 || v[i] != v[m - 1])
			v[m++] = v[i];
	*out = v;
	return m;
}

static size_t index_of(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

double sl_cohen_kappa_table(const double *table, size_t k, enum sl_kappa_weights w)
{
	/* the labels either rater gave, in order: weights are over their indices */
	size_t *used = sl_xmalloc((k + 1) * sizeof *used), n = 0;
	for (size_t i = 0; i < k; i++) {
		bool seen = false;
		for (size_t j = 0; j < k && !seen; j++)
			seen = table[i * k + j] != 0 || table[j * k + i] != 0;
		if (seen)
			used[n++] = i;
	}
	double *ra = sl_xcalloc(n + 1, sizeof *ra), *rb = sl_xcalloc(n + 1, sizeof *rb), m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double c = table[used[i] * k + used[j]];
			ra[i] += c;
			rb[j] += c;
			m += c;
		}
	/* kappa = 1 - sum(w * O) / sum(w * E), E = outer(row, col) / m; w = 1 - I for the
	 * unweighted case (sklearn's formulation). */
	double kappa = NAN, num = 0, den = 0;
	for (size_t i = 0; m > 0 && i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double d = (double)i - (double)j;
			double wt = w == SL_KAPPA_UNWEIGHTED ? (i != j) : w == SL_KAPPA_LINEAR ? fabs(d) : d * d;
			num += wt * table[used[i] * k + used[j]];
			den += wt * ra[i] * rb[j] / m;
		}
	if (den > 0)
		kappa = 1 - num / den;
	free(used);
	free(ra);
	free(rb);
	return kappa;
}

double sl_cohen_kappa(const double *a, const double *b, size_t n, enum sl_kappa_weights w)
{
	/* Only units both raters rated take part. */
	double *aa = sl_xmalloc((n + 1) * sizeof *aa), *bb = sl_xmalloc((n + 1) * sizeof *bb);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(a[i]) && !isnan(b[i])) {
			aa[m] = a[i];
			bb[m++] = b[i];
		}
	double *labels;
	size_t k = distinct(aa, m, bb, m, &labels);
	double *o = sl_xcalloc(k * k + 1, sizeof *o);
	for (size_t i = 0; i < m; i++)
		o[index_of(labels, k, aa[i]) * k + index_of(labels, k, bb[i])] += 1;
	double kappa = sl_cohen_kappa_table(o, k, w);
	free(o);
	free(labels);
	free(aa);
	free(bb);
	return kappa;
}

const char *sl_alpha_level_name(enum sl_alpha_level level)
{
	switch (level) {
	case SL_ALPHA_NOMINAL: return "nominal";
	case SL_ALPHA_ORDINAL: return "ordinal";
	case SL_ALPHA_INTERVAL: return "interval";
	case SL_ALPHA_RATIO: return "ratio";
	}
	return "?";
}

double sl_krippendorff_alpha(const double *data, size_t n_raters, size_t n_units,
			     enum sl_alpha_level level, size_t *pairable)
{
	if (pairable)
		*pairable = 0;
	double *values;
	size_t k = distinct(data, n_raters * n_units, NULL, 0, &values);
	if (k == 0) {
		free(values);
		return NAN;
	}
	/* Coincidence matrix: each ordered pair of values in a unit with m_u values adds
	 * 1 / (m_u - 1). */
	double *o = sl_xcalloc(k * k, sizeof *o);
	size_t *idx = sl_xmalloc((n_raters + 1) * sizeof *idx);
	for (size_t u = 0; u < n_units; u++) {
		size_t m = 0;
		for (size_t r = 0; r < n_raters; r++) {
			double x = data[r * n_units + u];
			if (!isnan(x))
				idx[m++] = index_of(values, k, x);
		}
		if (m < 2)
			continue;
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < m; j++)
				if (i != j)
					o[idx[i] * k + idx[j]] += 1.0 / (double)(m - 1);
	}
	double alpha = sl_krippendorff_alpha_coincidence(values, k, o, level, pairable);
	free(idx);
	free(o);
	free(values);
	return alpha;
}

double sl_krippendorff_alpha_coincidence(const double *values, size_t k, const double *o,
					 enum sl_alpha_level level, size_t *pairable)
{
	double *nc = sl_xcalloc(k + 1, sizeof *nc);
	double n = 0;
	for (size_t c = 0; c < k; c++) {
		for (size_t j = 0; j < k; j++)
			nc[c] += o[c * k + j];
		n += nc[c];
	}
	if (pairable)
		*pairable = (size_t)llround(n);
	double alpha = NAN;
	if (n > 1) {
		/* Cumulative marginals for the ordinal metric. */
		double *cum = sl_xcalloc(k + 1, sizeof *cum);
		for (size_t c = 0; c < k; c++)
			cum[c + 1] = cum[c] + nc[c];
		double dobs = 0, dexp = 0;
		for (size_t c = 0; c < k; c++)
			for (size_t j = 0; j < k; j++) {
				if (c == j)
					continue;
				double d;
				double vc = values[c], vk = values[j];
				switch (level) {
				case SL_ALPHA_NOMINAL:
					d = 1;
					break;
				case SL_ALPHA_ORDINAL: {
					size_t lo = c < j ? c : j, hi = c < j ? j : c;
					double s = cum[hi + 1] - cum[lo] - (nc[c] + nc[j]) / 2;
					d = s * s;
					break;
				}
				case SL_ALPHA_INTERVAL:
					d = (vc - vk) * (vc - vk);
					break;
				case SL_ALPHA_RATIO:
				default:
					d = vc + vk != 0 ? ((vc - vk) / (vc + vk)) * ((vc - vk) / (vc + vk)) : 0;
					break;
				}
				dobs += o[c * k + j] * d;
				dexp += nc[c] * nc[j] * d;
			}
		if (dexp > 0)
			alpha = 1 - (n - 1) * dobs / dexp;
		free(cum);
	}
	free(nc);
	return alpha;
}
