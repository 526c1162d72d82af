/* The HTML report: one self-contained page (inline CSS, inline SVG charts, no scripts, no
 * external resources) that opens offline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/format.h"
#include "report_internal.h"
#include "version.h"


static void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *const colors[] = { "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
				      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };

/* Quality against cost per 1,000 requests, with the quality-cost Pareto frontier. */
static void svg_scatter(struct report *r, FILE *f)
{
	const struct sl_triangle *t = &r->tri;
	double W = 560, H = 340, L = 60, R = 140, T = 20, B = 50;
	double xmax = 0, ymin = INFINITY, ymax = -INFINITY;
	for (size_t i = 0; i < t->n; i++) {
		if (isfinite(t->models[i].cost))
			xmax = fmax(xmax, t->models[i].cost);
		if (isfinite(t->models[i].precision)) {
			ymin = fmin(ymin, t->models[i].precision);
			ymax = fmax(ymax, t->models[i].precision);
		}
	}
	if (!isfinite(ymin)) {
		ymin = 0;
		ymax = 1;
	}
	if (ymin >= 0 && ymax <= 1) { /* proportions and similarities: show the whole 0-1 */
		ymin = 0;
		ymax = 1;
	} else if (ymax - ymin < 1e-9) {
		ymin -= 1;
		ymax += 1;
	}
	if (xmax <= 0)
		xmax = 1;
	xmax *= 1.1;
	double pw = W - L - R, ph = H - T - B;
#define PX(c) (L + (c) / xmax * pw)
#define PY(q) (T + ph - ((q) - ymin) / (ymax - ymin) * ph)
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "role=\"img\" aria-label=\"quality against cost\">\n", W, H);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
		   "stroke=\"#ccc\"/>\n", L, T, pw, ph);
	for (int k = 0; k <= 4; k++) {
		double q = ymin + (ymax - ymin) * k / 4, c = xmax * k / 4;
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%.2f</text>\n",
			L - 6, PY(q) + 4, q);
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" class=\"ax\" text-anchor=\"middle\">$%.3g"
			   "</text>\n", PX(c), T + ph + 16, c);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"lbl\" text-anchor=\"middle\">cost per 1,000 "
		   "requests (USD)</text>\n", L + pw / 2, H - 8);
	fprintf(f, "<text x=\"14\" y=\"%.0f\" class=\"lbl\" text-anchor=\"middle\" "
		   "transform=\"rotate(-90 14 %.0f)\">", T + ph / 2, T + ph / 2);
	html_escape(f, t->precision_label);
	fputs("</text>\n", f);
	/* The frontier in this plane: sorted by cost, keep each model better than all cheaper. */
	size_t *idx = sl_xmalloc((t->n ? t->n : 1) * sizeof *idx);
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (isfinite(t->models[i].cost) && isfinite(t->models[i].precision))
			idx[n++] = i;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && (t->models[idx[b]].cost < t->models[idx[b - 1]].cost ||
					    (t->models[idx[b]].cost == t->models[idx[b - 1]].cost &&
					     t->models[idx[b]].precision >
						     t->models[idx[b - 1]].precision)); b--) {
			size_t tmp = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = tmp;
		}
	double best = -INFINITY;
	bool started = false;
	for (size_t k = 0; k < n; k++) {
		const struct sl_tri_model *m = &t->models[idx[k]];
		if (m->precision <= best)
			continue;
		if (!started)
			fputs("<polyline class=\"frontier\" points=\"", f);
		else /* step: keep quality until the next frontier point's cost */
			fprintf(f, "%.1f,%.1f ", PX(m->cost), PY(best));
		fprintf(f, "%.1f,%.1f ", PX(m->cost), PY(m->precision));
		best = m->precision;
		started = true;
	}
	if (started)
		fputs("\"/>\n", f);
	free(idx);
	size_t unknown = 0;
	/* Labels of points that land on top of each other are stacked, not overprinted. */
	double *label_y = sl_xmalloc((t->n ? t->n : 1) * 2 * sizeof *label_y);
	size_t n_labels = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct sl_tri_model *m = &t->models[i];
		if (!isfinite(m->precision))
			continue;
		double x = isfinite(m->cost) ? PX(m->cost) : L + pw + 20;
		double y = PY(m->precision);
		double ly = y + 4;
		for (bool moved = true; moved;) {
			moved = false;
			for (size_t k = 0; k < n_labels; k++) {
				if (fabs(label_y[2 * k] - x) < 90 && fabs(label_y[2 * k + 1] - ly) < 12) {
					ly = label_y[2 * k + 1] + 12;
					moved = true;
				}
			}
		}
		label_y[2 * n_labels] = x;
		label_y[2 * n_labels + 1] = ly;
		n_labels++;
		if (!isfinite(m->cost))
			unknown++;
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"%s><title>", x, y,
			colors[i % SL_ARRAY_LEN(colors)],
			isfinite(m->cost) ? "" : " fill-opacity=\"0.4\" stroke=\"#333\"");
		html_escape(f, m->name);
		fprintf(f, ": %.3f, %s</title></circle>\n", m->precision,
			isfinite(m->cost) ? "" : "cost unknown");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"pt\">", x + 9, ly);
		html_escape(f, m->name);
		fputs("</text>\n", f);
	}
	free(label_y);
	if (unknown)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">cost unknown →</text>\n",
			L + pw - 80, T + 12);
	fputs("</svg>\n", f);
#undef PX
#undef PY
}

/* p50 and p95 latency per model, horizontal bars. */
static void svg_latency(struct report *r, FILE *f)
{
	double W = 560, L = 200, bar = 14, gap = 10, T = 10;
	double xmax = 0;
	for (size_t i = 0; i < r->sc.n_models; i++)
		if (isfinite(r->sc.rows[i].latency_p95))
			xmax = fmax(xmax, r->sc.rows[i].latency_p95);
	if (xmax <= 0)
		xmax = 1;
	double H = T + (double)r->sc.n_models * (2 * bar + gap) + 30;
	double pw = W - L - 70;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "role=\"img\" aria-label=\"latency per model\">\n", W, H);
	for (size_t i = 0; i < r->sc.n_models; i++) {
		const struct sl_scorecard_row *row = &r->sc.rows[i];
		double y = T + (double)i * (2 * bar + gap);
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"pt\" text-anchor=\"end\">", L - 8,
			y + bar + 4);
		html_escape(f, row->model);
		fputs("</text>\n", f);
		double v[2] = { row->latency_p50, row->latency_p95 };
		for (int k = 0; k < 2; k++) {
			double w = isfinite(v[k]) ? v[k] / xmax * pw : 0;
			fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" "
				   "fill=\"%s\"/>", L, y + k * bar, w, bar - 2,
				k ? "#f28e2b" : "#4e79a7");
			char t[SL_FMT_LEN];
			sl_fmt_seconds(v[k], t);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ax\">%s %s</text>\n", L + w + 4,
				y + k * bar + bar - 4, k ? "p95" : "p50", t);
		}
	}
	fputs("</svg>\n", f);
}

int sl_report_write_html(struct report *r)
{
	FILE *f = r->out;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	fprintf(f, "shortlist run %lld: ", (long long)r->run.id);
	html_escape(f, r->run.suite_name);
	fputs("</title>\n<style>\n"
	      "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
	      "max-width:1100px;color:#222;padding:0 16px}\n"
	      "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;"
	      "border-bottom:1px solid #ddd;padding-bottom:4px}\n"
	      "table{border-collapse:collapse;font-size:13px;margin:8px 0}"
	      "th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}"
	      "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\n"
	      ".ci{color:#777;font-size:11px}.unknown{color:#b00}.meta{color:#666}\n"
	      ".rec{background:#eef6ee;border-left:4px solid #59a14f;padding:8px 12px}\n"
	      ".pass{color:#2a7d2a}.fail{color:#b00;font-weight:600}\n"
	      ".charts{display:flex;flex-wrap:wrap;gap:24px}\n"
	      "svg .ax{font-size:10px;fill:#555}svg .lbl{font-size:12px;fill:#333}"
	      "svg .pt{font-size:11px;fill:#222}"
	      "svg .frontier{fill:none;stroke:#59a14f;stroke-width:2;stroke-dasharray:5 3}\n"
	      ".priors{background:#fff4e0;padding:6px 10px}\n"
	      "</style></head><body>\n<h1>shortlist run ", f);
	fprintf(f, "%lld: ", (long long)r->run.id);
	html_escape(f, r->run.suite_name);
	fprintf(f, "</h1>\n<p class=\"meta\">%lld/%lld cells, %lld failed, %lld cached · status %s "
		   "· started ", (long long)r->run.n_done, (long long)r->run.n_cells,
		(long long)r->run.n_errors, (long long)r->run.n_cached,
		r->run.status ? r->run.status : "?");
	html_escape(f, r->run.started_at);
	fputs(" by ", f);
	html_escape(f, r->run.user);
	fputs("</p>\n", f);
	if (r->has_tri) {
		fputs("<p class=\"rec\"><b>Recommendation:</b> ", f);
		html_escape(f, r->recommendation.data);
		fputs("</p>\n", f);
	}
	fputs("<h2>Scorecard</h2>\n<table><tr><th>model</th><th>n</th><th>errors</th>", f);
	for (size_t m = 0; m < r->n_metrics; m++) {
		fputs("<th>", f);
		html_escape(f, sl_report_metric_name(r, m));
		fputs(" <span class=\"ci\">95% CI</span></th>", f);
	}
	fputs("<th>p50</th><th>p95</th><th>p99</th><th>TTFT p50</th><th>TTFT p95</th>"
	      "<th>tok/s</th><th>$/request</th><th>$/1k requests</th></tr>\n", f);
	for (size_t i = 0; i < r->sc.n_rows; i++) {
		const struct sl_scorecard_row *row = &r->sc.rows[i];
		fputs("<tr><td>", f);
		if (row->prompt)
			fputs("&nbsp;&nbsp;", f);
		html_escape(f, row->model);
		if (row->prompt) {
			fputs(" · ", f);
			html_escape(f, row->prompt);
		}
		fprintf(f, "</td><td>%lld</td><td>%.1f%%</td>", (long long)row->n,
			100 * (isfinite(row->error_rate) ? row->error_rate : 0));
		for (size_t m = 0; m < row->n_metrics; m++) {
			const struct sl_metric_value *mv = &row->metrics[m];
			if (isnan(mv->value) && mv->n_unscored)
				fprintf(f, "<td class=\"unknown\">%s <span class=\"ci\">%lld unscored"
					   "</span></td>", SL_FMT_UNKNOWN, (long long)mv->n_unscored);
			else if (isnan(mv->value))
				fprintf(f, "<td>%s</td>", SL_FMT_UNKNOWN);
			else
				fprintf(f, "<td>%.3f <span class=\"ci\">%.3f–%.3f</span></td>", mv->value,
					mv->lo, mv->hi);
		}
		double s[] = { row->latency_p50, row->latency_p95, row->latency_p99, row->ttft_p50,
			       row->ttft_p95 };
		for (size_t k = 0; k < SL_ARRAY_LEN(s); k++) {
			char t[SL_FMT_LEN];
			fprintf(f, "<td>%s</td>", sl_fmt_seconds(s[k], t));
		}
		char tps[SL_FMT_LEN];
		fprintf(f, "<td>%s</td>", sl_fmt_number(row->tokens_per_s, 1, tps));
		double c[] = { row->cost_per_request, row->cost_per_1k };
		for (size_t k = 0; k < 2; k++) {
			char t[SL_FMT_LEN];
			sl_fmt_usd(c[k], t);
			fprintf(f, "<td%s>%s</td>", isfinite(c[k]) ? "" : " class=\"unknown\"", t);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (r->sc.price_hint) {
		fputs("<p class=\"unknown\">", f);
		html_escape(f, r->sc.price_hint);
		fputs("</p>\n", f);
	}
	if (r->sc.batch_note) {
		fputs("<p class=\"unknown\">", f);
		html_escape(f, r->sc.batch_note);
		fputs("</p>\n", f);
	}
	if (r->sc.judge_calls) {
		char jc[SL_FMT_LEN];
		sl_fmt_usd(r->sc.judge_cost, jc);
		fprintf(f, "<p class=\"meta\">Judge: %lld judged cells, %s (not included in the models' "
			   "cost).</p>\n", (long long)r->sc.judge_calls, jc);
	}
	if (r->has_tri) {
		fputs("<h2>Speed, precision, cost</h2>\n<div class=\"charts\"><div>", f);
		svg_scatter(r, f);
		fputs("<p class=\"meta\">Dashed line: the Pareto frontier of quality against cost."
		      "</p></div><div>", f);
		struct sl_buf map;
		sl_buf_init(&map);
		sl_triangle_render_map_svg(&r->tri, 300, &map);
		fputs(map.data ? map.data : "", f);
		sl_buf_free(&map);
		fputs("<p class=\"meta\">Which model ranks first for every weighting of speed, "
		      "precision and cost.</p></div></div>\n<table><tr><th>rank</th><th>map</th>"
		      "<th>model</th><th>score</th><th>speed</th><th>precision</th><th>cost</th>"
		      "<th>Pareto</th><th>wins</th></tr>\n", f);
		for (size_t k = 0; k < r->tri.n; k++) {
			size_t i = r->tri.order[k];
			const struct sl_tri_model *m = &r->tri.models[i];
			fprintf(f, "<tr><td>%d</td><td><span style=\"color:%s\">■</span> %c</td><td>",
				m->rank, colors[i % SL_ARRAY_LEN(colors)], sl_tri_letter(i));
			html_escape(f, m->name);
			fprintf(f, "</td><td>%.3f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>"
				   "<td>%s</td><td>%.0f%%</td></tr>\n", m->score, m->norm[0], m->norm[1],
				m->norm[2], m->pareto ? "yes" : "–", 100 * m->region_share);
		}
		char wt[64];
		sl_tri_weights_format(&r->opts->weights, wt);
		fprintf(f, "</table>\n<p class=\"meta\">Weights: %s. Axes normalised 0–1 across these "
			   "models (1 = best).</p>\n", wt);
	}
	fputs("<h2>Latency</h2>\n", f);
	svg_latency(r, f);
	const struct sl_gate_report *g = r->opts->gates;
	if (g && g->n) {
		fprintf(f, "<h2>Gates</h2>\n<p>%zu of %zu checks failed</p><ul>\n", g->n_failed, g->n);
		for (size_t i = 0; i < g->n; i++) {
			fprintf(f, "<li class=\"%s\">%s <code>", g->results[i].passed ? "pass" : "fail",
				g->results[i].passed ? "pass" : "FAIL");
			html_escape(f, g->results[i].gate->expr);
			fputs("</code>: ", f);
			html_escape(f, g->results[i].detail);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	fputs("<h2>Lineage</h2>\n<table>", f);
	const char *k[] = { "suite", "suite hash", "dataset", "dataset hash", "shortlist",
			    "started", "ended" };
	const char *v[] = { r->run.suite_path, r->run.suite_hash, r->run.dataset_path,
			    r->run.dataset_hash, r->run.shortlist_version, r->run.started_at,
			    r->run.ended_at };
	for (size_t i = 0; i < SL_ARRAY_LEN(k); i++) {
		fprintf(f, "<tr><th>%s</th><td style=\"text-align:left\">", k[i]);
		html_escape(f, v[i] ? v[i] : SL_FMT_UNKNOWN);
		fputs("</td></tr>\n", f);
	}
	for (size_t i = 0; i < r->run.n_prompts; i++) {
		fputs("<tr><th>prompt</th><td style=\"text-align:left\">", f);
		html_escape(f, r->run.prompts[i].name);
		fprintf(f, "@%d (%s)</td></tr>\n", r->run.prompts[i].version,
			r->run.prompts[i].hash ? r->run.prompts[i].hash : "");
	}
	for (size_t i = 0; i < r->run.n_models; i++) {
		fputs("<tr><th>model</th><td style=\"text-align:left\">", f);
		html_escape(f, r->run.models[i].requested);
		fputs(" → ", f);
		html_escape(f, r->run.models[i].reported && *r->run.models[i].reported
				       ? r->run.models[i].reported : "(no id reported)");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"meta\">Generated by shortlist " SL_VERSION
	      ". Self-contained: no scripts, no external resources.</p>\n</body></html>\n", f);
	return ferror(f) ? -1 : 0;
}
