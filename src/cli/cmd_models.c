/* shortlist models [list|show|annotate] and shortlist shortlist add|rm|list: the catalogue
 * from the command line. Everything here formats what the core returns; the catalogue logic
 * lives in src/core/catalog/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/catalog.h"
#include "shortlist/csv.h"
#include "shortlist/format.h"
#include "shortlist/utf8.h"

/* "--name VALUE" or "--name=VALUE": returns the value and advances *i, or NULL if argv[*i] is
 * not this option. *missing is set when the option is present without a value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* ---- formatting ---- */

static void fmt_price(char *out, size_t n, double v)
{
	if (isnan(v)) {
		snprintf(out, n, "%s", SL_FMT_UNKNOWN);
		return;
	}
	/* At least two decimals, more only when the price needs them (0.075, 0.0375). */
	snprintf(out, n, "%.4f", v);
	char *dot = strchr(out, '.');
	if (!dot)
		return;
	char *end = out + strlen(out) - 1;
	while (end > dot + 2 && *end == '0')
		*end-- = '\0';
}

static void fmt_params(char *out, size_t n, const struct sl_model *m)
{
	if (isnan(m->params_b))
		snprintf(out, n, "%s", SL_FMT_UNKNOWN);
	else if (m->params_b < 1)
		snprintf(out, n, "%.3gM%s", m->params_b * 1000, m->params_derived ? "*" : "");
	else
		snprintf(out, n, "%.4gB%s", m->params_b, m->params_derived ? "*" : "");
}

static const char *tri(int v)
{
	return v < 0 ? SL_FMT_UNKNOWN : v ? "yes" : "no";
}

/* Print s in exactly w terminal columns, cut with "~" when longer: measured and shown by
 * shortlist/utf8.h, so wide characters count twice and a catalogue string's control
 * characters or bad bytes never reach the terminal as they are. */
static void put_col(const char *s, int w)
{
	struct sl_buf b;
	sl_buf_init(&b);
	s = s ? s : "";
	sl_utf8_sanitize(&b, s, strlen(s));
	sl_buf_puts(&b, "");
	int cols = sl_utf8_width(b.data);
	if (cols > w) {
		b.len = sl_utf8_fit(b.data, w - 1);
		b.data[b.len] = '\0';
		cols = sl_utf8_width(b.data) + 1;
		sl_buf_putc(&b, '~');
	}
	printf("%s%*s", b.data, w - cols, "");
	sl_buf_free(&b);
}

static void print_table(const struct sl_model_list *l, size_t shown, size_t total)
{
	int kw = 5, nw = 4;
	for (size_t i = 0; i < shown; i++) {
		int k = (int)strlen(l->items[i].key), n = (int)strlen(l->items[i].name);
		kw = k > kw ? k : kw;
		nw = n > nw ? n : nw;
	}
	/* Keys are never cut: they are what 'models show' and 'shortlist add' take. */
	nw = nw > 28 ? 28 : nw;
	put_col("MODEL", kw);
	printf("  ");
	put_col("NAME", nw);
	printf("  OPEN  CONTEXT   $IN/1M  $OUT/1M  PARAMS   BENCH  RELEASE\n");
	bool any_derived = false;
	for (size_t i = 0; i < shown; i++) {
		const struct sl_model *m = &l->items[i];
		char ctx[SL_FMT_LEN], pin[24], pout[24], par[24], bench[16];
		sl_fmt_count(m->context, ctx);
		fmt_price(pin, sizeof pin, m->price_in);
		fmt_price(pout, sizeof pout, m->price_out);
		fmt_params(par, sizeof par, m);
		if (isnan(m->bench_score))
			snprintf(bench, sizeof bench, "%s", SL_FMT_UNKNOWN);
		else
			snprintf(bench, sizeof bench, "%.1f", m->bench_score);
		any_derived |= m->params_derived;
		put_col(m->key, kw);
		printf("  ");
		put_col(m->name, nw);
		printf("  %-4s  %7s  %7s  %7s  %-7s  %5s  %s\n", tri(m->open_weights), ctx, pin, pout,
		       par, bench, m->release_date && *m->release_date ? m->release_date : SL_FMT_UNKNOWN);
	}
	if (shown < total)
		printf("(%zu of %zu models shown; --limit changes this)\n", shown, total);
	else
		printf("(%zu model%s)\n", total, total == 1 ? "" : "s");
	if (any_derived)
		printf("* parameter count derived from the model id (see 'shortlist models --help')\n");
}

static cJSON *json_str(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *json_num(double v)
{
	return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static cJSON *json_tri(int v)
{
	return v < 0 ? cJSON_CreateNull() : cJSON_CreateBool(v);
}

static cJSON *json_list(const char *csv)
{
	cJSON *a = cJSON_CreateArray();
	const char *p = csv;
	while (p && *p) {
		const char *s = p;
		while (*p && *p != ',')
			p++;
		char *item = sl_xstrndup(s, (size_t)(p - s));
		cJSON_AddItemToArray(a, cJSON_CreateString(item));
		free(item);
		if (*p)
			p++;
	}
	return a;
}

static cJSON *model_json(const struct sl_model *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "key", json_str(m->key));
	cJSON_AddItemToObject(o, "provider", json_str(m->provider_id));
	cJSON_AddItemToObject(o, "provider_name", json_str(m->provider_name));
	cJSON_AddItemToObject(o, "model_id", json_str(m->model_id));
	cJSON_AddItemToObject(o, "name", json_str(m->name));
	cJSON_AddItemToObject(o, "family", json_str(m->family));
	cJSON_AddItemToObject(o, "base_model", json_str(m->base_model));
	cJSON_AddItemToObject(o, "open_weights", json_tri(m->open_weights));
	cJSON_AddItemToObject(o, "reasoning", cJSON_CreateBool(m->reasoning));
	cJSON_AddItemToObject(o, "tool_call", cJSON_CreateBool(m->tool_call));
	cJSON_AddItemToObject(o, "attachment", cJSON_CreateBool(m->attachment));
	cJSON_AddItemToObject(o, "structured_output", cJSON_CreateBool(m->structured_output));
	cJSON_AddItemToObject(o, "context", m->context < 0 ? cJSON_CreateNull()
							   : cJSON_CreateNumber((double)m->context));
	cJSON_AddItemToObject(o, "max_output", m->max_output < 0
		? cJSON_CreateNull() : cJSON_CreateNumber((double)m->max_output));
	cJSON_AddItemToObject(o, "price_in", json_num(m->price_in));
	cJSON_AddItemToObject(o, "price_out", json_num(m->price_out));
	cJSON_AddItemToObject(o, "price_cache_read", json_num(m->price_cache_read));
	cJSON_AddItemToObject(o, "price_cache_write", json_num(m->price_cache_write));
	cJSON_AddItemToObject(o, "modalities_in", json_list(m->modalities_in));
	cJSON_AddItemToObject(o, "modalities_out", json_list(m->modalities_out));
	cJSON_AddItemToObject(o, "release_date", json_str(m->release_date));
	cJSON_AddItemToObject(o, "knowledge", json_str(m->knowledge));
	cJSON_AddItemToObject(o, "last_updated", json_str(m->last_updated));
	cJSON_AddItemToObject(o, "status", json_str(m->status));
	cJSON_AddItemToObject(o, "license", json_str(m->license));
	cJSON_AddItemToObject(o, "license_annotated", cJSON_CreateBool(m->license_annotated));
	cJSON_AddItemToObject(o, "params_b", json_num(m->params_b));
	cJSON_AddItemToObject(o, "params_derived", cJSON_CreateBool(m->params_derived));
	cJSON_AddItemToObject(o, "params_annotated", cJSON_CreateBool(m->params_annotated));
	cJSON_AddItemToObject(o, "size_class", json_str(m->size_class));
	if (isnan(m->bench_score)) {
		cJSON_AddItemToObject(o, "bench", cJSON_CreateNull());
	} else {
		cJSON *b = cJSON_AddObjectToObject(o, "bench");
		cJSON_AddItemToObject(b, "name", json_str(m->bench_name));
		cJSON_AddItemToObject(b, "score", cJSON_CreateNumber(m->bench_score));
		cJSON_AddItemToObject(b, "date", json_str(m->bench_date));
		cJSON_AddItemToObject(b, "source", json_str(m->bench_source));
	}
	cJSON_AddItemToObject(o, "fine_tunable", json_tri(m->fine_tunable));
	cJSON_AddItemToObject(o, "commercial_use", json_tri(m->commercial_use));
	cJSON_AddItemToObject(o, "domains", json_list(m->domains));
	cJSON_AddItemToObject(o, "notes", json_str(m->notes));
	cJSON_AddItemToObject(o, "shortlisted", cJSON_CreateBool(m->shortlisted));
	return o;
}

static void print_cjson(cJSON *j)
{
	char *s = cJSON_Print(j);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	cJSON_free(s);
}

static void print_csv(const struct sl_model_list *l, size_t shown)
{
	printf("key,provider,model_id,name,family,open_weights,context,max_output,price_in,"
	       "price_out,modalities_in,reasoning,tool_call,release_date,license,params_b,"
	       "params_derived,size_class,bench_score,bench_name,bench_source,shortlisted\r\n");
	for (size_t i = 0; i < shown; i++) {
		const struct sl_model *m = &l->items[i];
		sl_csv_write_field(stdout, m->key, ',');
		sl_csv_write_field(stdout, m->provider_id, ',');
		sl_csv_write_field(stdout, m->model_id, ',');
		sl_csv_write_field(stdout, m->name, ',');
		sl_csv_write_field(stdout, m->family, ',');
		sl_csv_write_field(stdout, m->open_weights < 0 ? "" : m->open_weights ? "true" : "false", ',');
		sl_csv_write_num(stdout, m->context < 0 ? NAN : (double)m->context, ',');
		sl_csv_write_num(stdout, m->max_output < 0 ? NAN : (double)m->max_output, ',');
		sl_csv_write_num(stdout, m->price_in, ',');
		sl_csv_write_num(stdout, m->price_out, ',');
		sl_csv_write_field(stdout, m->modalities_in, ',');
		sl_csv_write_field(stdout, m->reasoning ? "true" : "false", ',');
		sl_csv_write_field(stdout, m->tool_call ? "true" : "false", ',');
		sl_csv_write_field(stdout, m->release_date, ',');
		sl_csv_write_field(stdout, m->license, ',');
		sl_csv_write_num(stdout, m->params_b, ',');
		sl_csv_write_field(stdout, m->params_derived ? "true" : "false", ',');
		sl_csv_write_field(stdout, m->size_class, ',');
		sl_csv_write_num(stdout, m->bench_score, ',');
		sl_csv_write_field(stdout, m->bench_name, ',');
		sl_csv_write_field(stdout, m->bench_source, ',');
		sl_csv_write_field(stdout, m->shortlisted ? "true" : "false", '\n');
	}
}

/* ---- shortlist models ---- */

static void models_help(void)
{
	printf("usage: shortlist models [--filter EXPR]... [--search TEXT] [--sort KEY]\n"
	       "                        [--json|--csv] [--limit N]\n"
	       "       shortlist models --local\n"
	       "       shortlist models show ID [--json]\n"
	       "       shortlist models annotate ID [--license L] [--params 70B]\n"
	       "                        [--fine-tunable yes|no] [--commercial yes|no]\n"
	       "                        [--domains a,b] [--notes TEXT] [--clear]\n\n"
	       "List the catalogue's models (one row per provider offering), filtered and\n"
	       "sorted. Prices are US dollars per 1M tokens; '?' means unknown, never zero.\n\n"
	       "options:\n"
	       "  -f, --filter EXPR  keep models matching EXPR (repeatable, ANDed)\n"
	       "  -s, --search TEXT  words that must appear in the key, name, family or provider\n"
	       "  --sort KEY         order by KEY (below)\n"
	       "  --json, --csv      machine-readable output with every field\n"
	       "  --limit N          show at most N rows\n"
	       "  --local            list the models of a running Ollama (OLLAMA_HOST or\n"
	       "                     127.0.0.1:11434) and of OPENAI_BASE_URL instead\n\n"
	       "sort keys: %s\n\n%s\n"
	       "A model whose value is unknown never matches a filter on that value.\n"
	       "ID is provider/model (openai/gpt-4o), provider:model, or a model id that only\n"
	       "one provider offers.\n\n"
	       "Derived parameter counts (marked *): only for open-weights models whose id, name\n"
	       "and canonical id agree on a single NNb token (\"70b\", \"1.5B\"); \"a22b\" (active),\n"
	       "\"8x7b\" and ids with an expert count (\"16e\") are never used. Size class SLM is\n"
	       "<= %g B parameters, LLM above.\n\n"
	       "BENCH is one published score per model, from its canonical model: the first of\n",
	       sl_sort_keys(), sl_filter_help(), SL_SLM_MAX_PARAMS_B);
	/* The list comes from the rule's own table, wrapped here, so help and code agree. */
	const char *p = sl_bench_headline_order();
	int col = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		int n = e ? (int)(e - p) + 1 : (int)strlen(p);
		if (col + n > 78) {
			putchar('\n');
			col = 0;
			while (*p == ' ') {
				p++;
				n--;
			}
		}
		printf("%.*s", n, p);
		col += n;
		p += n;
	}
	printf("\nthat it reports, else its most recent score; 'models show' names the benchmark\n"
	       "and its source.\n");
}

static int models_list(struct cli *cli, int argc, char **argv)
{
	struct sl_filter_set *fs = sl_filter_set_new();
	const char *sort = NULL;
	enum { OUT_TABLE, OUT_JSON, OUT_CSV } out = OUT_TABLE;
	long limit = -1;
	bool local = false;
	int rc = SL_EXIT_USAGE;
	struct sl_error err = { 0 };
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (cli_is_help(argv[i])) {
			models_help();
			rc = 0;
			goto out;
		} else if ((v = opt_value(argc, argv, &i, "--filter", &missing)) ||
			   (v = opt_value(argc, argv, &i, "-f", &missing))) {
			if (sl_filter_set_add(fs, v, &err) != 0) {
				fprintf(stderr, "shortlist models: %s\n", err.msg);
				goto out;
			}
		} else if ((v = opt_value(argc, argv, &i, "--search", &missing)) ||
			   (v = opt_value(argc, argv, &i, "-s", &missing))) {
			sl_filter_set_search(fs, v);
		} else if ((v = opt_value(argc, argv, &i, "--sort", &missing))) {
			sort = v;
		} else if ((v = opt_value(argc, argv, &i, "--limit", &missing))) {
			char *end;
			limit = strtol(v, &end, 10);
			if (end == v || *end || limit < 0) {
				rc = cli_usage_error("models", "--limit needs a whole number >= 0, not "
						     "'%s'", v);
				goto out;
			}
		} else if (strcmp(argv[i], "--json") == 0) {
			out = OUT_JSON;
		} else if (strcmp(argv[i], "--csv") == 0) {
			out = OUT_CSV;
		} else if (strcmp(argv[i], "--local") == 0) {
			local = true;
		} else if (missing) {
			rc = cli_usage_error("models", "%s needs a value", argv[i]);
			goto out;
		} else {
			rc = cli_usage_error("models", "unknown argument '%s'", argv[i]);
			goto out;
		}
	}
	if (local) {
		/* Models of local servers (provider engine): a running Ollama and the server
		 * at OPENAI_BASE_URL, not the catalogue. */
		if (out != OUT_TABLE || sort || limit >= 0) {
			rc = cli_usage_error("models", "--local lists local servers' models and takes "
					     "no other option");
			goto out;
		}
		rc = cli_local_models(stdout, 3000);
		goto out;
	}
	/* Check the sort key before touching the store: a typo should not wait on a load. */
	struct sl_model_list empty = { 0 };
	if (sl_model_list_sort(&empty, sort, &err) != 0) {
		fprintf(stderr, "shortlist models: %s\n", err.msg);
		goto out;
	}
	struct sl_model_list l;
	if (sl_catalog_load(cli_store(cli), fs, &l, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	sl_model_list_sort(&l, sort, NULL);
	size_t shown = limit >= 0 && (size_t)limit < l.len ? (size_t)limit : l.len;
	if (out == OUT_JSON) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < shown; i++)
			cJSON_AddItemToArray(a, model_json(&l.items[i]));
		print_cjson(a);
		cJSON_Delete(a);
	} else if (out == OUT_CSV) {
		print_csv(&l, shown);
	} else {
		print_table(&l, shown, l.len);
	}
	sl_model_list_free(&l);
	rc = 0;
out:
	sl_filter_set_free(fs);
	return rc;
}

static void show_row(const char *label, const char *value)
{
	printf("  %-16s %s\n", label, value && *value ? value : SL_FMT_UNKNOWN);
}

static void show_links(const char *title, const cJSON *arr)
{
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return;
	printf("%s:\n", title);
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(e, "label");
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(e, "url");
		printf("  %-24s %s\n", cJSON_IsString(label) ? label->valuestring : "",
		       cJSON_IsString(url) ? url->valuestring : "");
	}
}

static int models_show(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			printf("usage: shortlist models show ID [--json]\n\n"
			       "Every field of one model: catalogue data, its canonical model's\n"
			       "published benchmark scores with their sources, links, your\n"
			       "annotations, and which values are derived.\n"
			       "ID is provider/model, provider:model, or a model id one provider offers.\n");
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (argv[i][0] == '-' || id) {
			return cli_usage_error("models show", "unexpected argument '%s'", argv[i]);
		} else {
			id = argv[i];
		}
	}
	if (!id)
		return cli_usage_error("models show", "which model? give an ID");
	struct sl_store *store = cli_store(cli);
	struct sl_error err = { 0 };
	struct sl_model m;
	if (sl_catalog_find(store, id, &m, &err) != 0)
		return cli_fail(&err);
	struct sl_benchmark *bench = NULL;
	size_t nb = 0;
	char *raw = NULL, *base_raw = NULL;
	if (sl_catalog_benchmarks(store, m.key, &bench, &nb, &err) != 0 ||
	    sl_catalog_raw(store, m.key, &raw, &base_raw, &err) != 0) {
		sl_model_free(&m);
		return cli_fail(&err);
	}
	cJSON *mj = raw ? cJSON_Parse(raw) : NULL;
	cJSON *bj = base_raw ? cJSON_Parse(base_raw) : NULL;
	if (json) {
		cJSON *o = model_json(&m);
		cJSON *arr = cJSON_AddArrayToObject(o, "benchmarks");
		for (size_t i = 0; i < nb; i++) {
			cJSON *b = cJSON_CreateObject();
			cJSON_AddItemToObject(b, "name", json_str(bench[i].name));
			cJSON_AddItemToObject(b, "metric", json_str(bench[i].metric));
			cJSON_AddNumberToObject(b, "score", bench[i].score);
			cJSON_AddItemToObject(b, "date", json_str(bench[i].date));
			cJSON_AddItemToObject(b, "source", json_str(bench[i].source));
			cJSON_AddItemToArray(arr, b);
		}
		if (mj)
			cJSON_AddItemReferenceToObject(o, "catalog", mj);
		if (bj)
			cJSON_AddItemReferenceToObject(o, "canonical", bj);
		print_cjson(o);
		cJSON_Delete(o);
	} else {
		char a[64], b[64], c[64], d[64], line[512];
		printf("%s  %s\n", m.key, m.name);
		snprintf(line, sizeof line, "%s (%s)", m.provider_name, m.provider_id);
		show_row("provider", line);
		show_row("model id", m.model_id);
		show_row("family", m.family);
		show_row("canonical", m.base_model);
		show_row("open weights", tri(m.open_weights));
		sl_fmt_count(m.context, a);
		snprintf(line, sizeof line, "%s tokens", a);
		show_row("context", m.context < 0 ? NULL : line);
		sl_fmt_count(m.max_output, a);
		snprintf(line, sizeof line, "%s tokens", a);
		show_row("max output", m.max_output < 0 ? NULL : line);
		fmt_price(a, sizeof a, m.price_in);
		fmt_price(b, sizeof b, m.price_out);
		fmt_price(c, sizeof c, m.price_cache_read);
		fmt_price(d, sizeof d, m.price_cache_write);
		snprintf(line, sizeof line, "$%s in, $%s out (per 1M tokens)", a, b);
		show_row("price", line);
		snprintf(line, sizeof line, "$%s read, $%s write (per 1M tokens)", c, d);
		show_row("cache price", line);
		const cJSON *cost = mj ? cJSON_GetObjectItemCaseSensitive(mj, "cost") : NULL;
		const cJSON *tiers = cost ? cJSON_GetObjectItemCaseSensitive(cost, "tiers") : NULL;
		if (cJSON_IsArray(tiers)) {
			const cJSON *t;
			cJSON_ArrayForEach(t, tiers) {
				const cJSON *tin = cJSON_GetObjectItemCaseSensitive(t, "input");
				const cJSON *tout = cJSON_GetObjectItemCaseSensitive(t, "output");
				const cJSON *tier = cJSON_GetObjectItemCaseSensitive(t, "tier");
				const cJSON *size = tier ? cJSON_GetObjectItemCaseSensitive(tier, "size")
							 : NULL;
				fmt_price(a, sizeof a, cJSON_IsNumber(tin) ? tin->valuedouble : NAN);
				fmt_price(b, sizeof b, cJSON_IsNumber(tout) ? tout->valuedouble : NAN);
				snprintf(line, sizeof line, "$%s in, $%s out above %.0f tokens", a, b,
					 cJSON_IsNumber(size) ? size->valuedouble : 0.0);
				show_row("price tier", line);
			}
		}
		show_row("input", m.modalities_in);
		show_row("output", m.modalities_out);
		show_row("reasoning", m.reasoning ? "yes" : "no");
		show_row("tool calling", m.tool_call ? "yes" : "no");
		show_row("structured out", m.structured_output ? "yes" : "no");
		show_row("attachments", m.attachment ? "yes" : "no");
		show_row("released", m.release_date);
		show_row("knowledge", m.knowledge);
		show_row("last updated", m.last_updated);
		if (m.status && *m.status)
			show_row("status", m.status);
		snprintf(line, sizeof line, "%s%s", m.license ? m.license : SL_FMT_UNKNOWN,
			 m.license_annotated ? " (your annotation)" : "");
		show_row("licence", line);
		fmt_params(a, sizeof a, &m);
		if (a[strlen(a) - 1] == '*')
			a[strlen(a) - 1] = '\0';
		snprintf(line, sizeof line, "%s%s", a,
			 m.params_annotated ? " (your annotation)"
			 : m.params_derived ? " (derived from the model id)" : "");
		show_row("parameters", line);
		snprintf(line, sizeof line, "%s%s", m.size_class ? m.size_class : SL_FMT_UNKNOWN,
			 m.size_class ? (m.params_derived ? " (derived)" : "") : "");
		show_row("size class", line);
		show_row("fine-tunable", tri(m.fine_tunable));
		show_row("commercial use", tri(m.commercial_use));
		show_row("domains", m.domains);
		show_row("notes", m.notes);
		show_row("shortlisted", m.shortlisted ? "yes" : "no");
		if (nb) {
			printf("published benchmarks (canonical model %s):\n", m.base_model);
			int w = 10;
			for (size_t i = 0; i < nb; i++)
				w = (int)strlen(bench[i].name) > w ? (int)strlen(bench[i].name) : w;
			for (size_t i = 0; i < nb; i++) {
				bool head = !isnan(m.bench_score) && m.bench_name &&
					    strcmp(bench[i].name, m.bench_name) == 0 &&
					    bench[i].score == m.bench_score;
				printf("  %-*s %7.2f  %-16s %-10s %s%s\n", w, bench[i].name,
				       bench[i].score, bench[i].metric ? bench[i].metric : "",
				       bench[i].date ? bench[i].date : SL_FMT_UNKNOWN,
				       bench[i].source ? bench[i].source : "(no source)",
				       head ? "  [headline]" : "");
			}
		} else {
			printf("published benchmarks: none in the catalogue\n");
		}
		if (bj) {
			show_links("weights", cJSON_GetObjectItemCaseSensitive(bj, "weights"));
			show_links("links", cJSON_GetObjectItemCaseSensitive(bj, "links"));
		}
	}
	cJSON_Delete(mj);
	cJSON_Delete(bj);
	free(raw);
	free(base_raw);
	sl_benchmarks_free(bench, nb);
	sl_model_free(&m);
	return 0;
}

static int parse_yes_no(const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else if (!*v || !strcasecmp(v, "unknown"))
		*out = -1;
	else
		return -1;
	return 0;
}

static int models_annotate(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct sl_annotation_edit e = { .params_b = NAN, .fine_tunable = -1, .commercial_use = -1 };
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (cli_is_help(argv[i])) {
			printf("usage: shortlist models annotate ID [--license L] [--params 70B]\n"
			       "         [--fine-tunable yes|no] [--commercial yes|no] [--domains a,b]\n"
			       "         [--notes TEXT] [--clear]\n\n"
			       "Record what you know about a model. Annotations live in their own\n"
			       "table: 'catalog update' never changes them, and they override the\n"
			       "catalogue (your licence and parameter count win over its values).\n"
			       "An empty value (--notes '') or 'unknown' clears one field; --clear\n"
			       "clears them all. --params takes 70, 70B, 1.5b, 135M or 1.2T.\n");
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--license", &missing)) ||
			   (v = opt_value(argc, argv, &i, "--licence", &missing))) {
			e.set_license = true;
			e.license = v;
		} else if ((v = opt_value(argc, argv, &i, "--params", &missing))) {
			e.set_params = true;
			struct sl_error err = { 0 };
			if (*v && strcasecmp(v, "unknown") != 0 &&
			    sl_parse_params(v, &e.params_b, &err) != 0)
				return cli_usage_error("models annotate", "--params: %s", err.msg);
		} else if ((v = opt_value(argc, argv, &i, "--fine-tunable", &missing))) {
			e.set_fine_tunable = true;
			if (parse_yes_no(v, &e.fine_tunable) != 0)
				return cli_usage_error("models annotate", "--fine-tunable takes yes, no "
						       "or unknown, not '%s'", v);
		} else if ((v = opt_value(argc, argv, &i, "--commercial", &missing))) {
			e.set_commercial = true;
			if (parse_yes_no(v, &e.commercial_use) != 0)
				return cli_usage_error("models annotate", "--commercial takes yes, no "
						       "or unknown, not '%s'", v);
		} else if ((v = opt_value(argc, argv, &i, "--domains", &missing))) {
			e.set_domains = true;
			e.domains = v;
		} else if ((v = opt_value(argc, argv, &i, "--notes", &missing))) {
			e.set_notes = true;
			e.notes = v;
		} else if (strcmp(argv[i], "--clear") == 0) {
			e = (struct sl_annotation_edit){
				.set_license = true, .set_params = true, .set_fine_tunable = true,
				.set_commercial = true, .set_domains = true, .set_notes = true,
				.params_b = NAN, .fine_tunable = -1, .commercial_use = -1 };
		} else if (missing) {
			return cli_usage_error("models annotate", "%s needs a value", argv[i]);
		} else if (argv[i][0] == '-' || id) {
			return cli_usage_error("models annotate", "unexpected argument '%s'", argv[i]);
		} else {
			id = argv[i];
		}
	}
	if (!id)
		return cli_usage_error("models annotate", "which model? give an ID");
	if (!(e.set_license || e.set_params || e.set_fine_tunable || e.set_commercial ||
	      e.set_domains || e.set_notes))
		return cli_usage_error("models annotate", "nothing to record: give at least one of "
				       "--license --params --fine-tunable --commercial --domains "
				       "--notes --clear");
	struct sl_store *store = cli_store(cli);
	struct sl_error err = { 0 };
	struct sl_model m;
	if (sl_catalog_find(store, id, &m, &err) != 0)
		return cli_fail(&err);
	int rc = sl_annotation_apply(store, m.key, &e, &err);
	if (rc == 0)
		printf("annotated %s\n", m.key);
	sl_model_free(&m);
	return rc == 0 ? 0 : cli_fail(&err);
}

int cmd_models(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return models_show(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "annotate") == 0)
		return models_annotate(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return models_list(cli, argc - 1, argv + 1);
	return models_list(cli, argc, argv);
}

/* ---- shortlist shortlist ---- */

static void shortlist_help(void)
{
	printf("usage: shortlist shortlist add ID...\n"
	       "       shortlist shortlist rm ID...\n"
	       "       shortlist shortlist list [--json|--csv]\n\n"
	       "Your shortlist: the models you mean to evaluate, kept in the database.\n"
	       "A catalogue update never removes entries; models it dropped are listed as\n"
	       "no longer in the catalogue. ID is provider/model, provider:model, or a model\n"
	       "id that one provider offers.\n");
}

static int shortlist_list(struct cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			shortlist_help();
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--csv") == 0) {
			csv = true;
		} else {
			return cli_usage_error("shortlist list", "unexpected argument '%s'", argv[i]);
		}
	}
	struct sl_store *store = cli_store(cli);
	struct sl_error err = { 0 };
	char **keys;
	size_t nk;
	if (sl_shortlist_keys(store, &keys, &nk, &err) != 0)
		return cli_fail(&err);
	struct sl_model_list l = { sl_xcalloc(nk ? nk : 1, sizeof(struct sl_model)), 0 };
	struct sl_buf missing;
	sl_buf_init(&missing);
	for (size_t i = 0; i < nk; i++) {
		struct sl_error e2 = { 0 };
		struct sl_model m;
		/* Exact key only: a shortlisted key that vanished must not match another. */
		if (sl_catalog_find(store, keys[i], &m, &e2) == 0 && strcmp(m.key, keys[i]) == 0)
			l.items[l.len++] = m;
		else {
			sl_model_free(&m); /* zeroed by a failed find, so always safe */
			sl_buf_printf(&missing, "%s\n", keys[i]);
		}
		free(keys[i]);
	}
	free(keys);
	if (json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < l.len; i++)
			cJSON_AddItemToArray(a, model_json(&l.items[i]));
		print_cjson(a);
		cJSON_Delete(a);
	} else if (csv) {
		print_csv(&l, l.len);
	} else if (l.len == 0 && missing.len == 0) {
		printf("the shortlist is empty: add models with 'shortlist shortlist add ID'\n");
	} else {
		print_table(&l, l.len, l.len);
	}
	if (missing.len)
		fprintf(stderr, "shortlisted but no longer in the catalogue:\n%s", missing.data);
	sl_buf_free(&missing);
	sl_model_list_free(&l);
	return 0;
}

static int shortlist_change(struct cli *cli, int argc, char **argv, bool add)
{
	const char *what = add ? "shortlist add" : "shortlist rm";
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			shortlist_help();
			return 0;
		}
		if (argv[i][0] == '-')
			return cli_usage_error(what, "unexpected option '%s'", argv[i]);
		n++;
	}
	if (n == 0)
		return cli_usage_error(what, "which model? give one or more IDs");
	struct sl_store *store = cli_store(cli);
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct sl_error err = { 0 };
		struct sl_model m;
		char *key = NULL;
		if (!add) {
			/* Removing works for keys an update dropped from the catalogue too. */
			char **keys;
			size_t nk;
			if (sl_shortlist_keys(store, &keys, &nk, &err) != 0)
				return cli_fail(&err);
			for (size_t k = 0; k < nk; k++) {
				if (!key && strcmp(keys[k], argv[i]) == 0)
					key = sl_xstrdup(keys[k]);
				free(keys[k]);
			}
			free(keys);
		}
		if (!key) {
			if (sl_catalog_find(store, argv[i], &m, &err) != 0) {
				rc = cli_fail(&err);
				continue;
			}
			key = sl_xstrdup(m.key);
			sl_model_free(&m);
		}
		if ((add ? sl_shortlist_add(store, key, &err) : sl_shortlist_remove(store, key, &err))
		    != 0)
			rc = cli_fail(&err);
		else
			printf("%s %s\n", add ? "added" : "removed", key);
		free(key);
	}
	return rc;
}

int cmd_shortlist(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("shortlist", "give a subcommand: add, rm or list");
	if (cli_is_help(argv[1])) {
		shortlist_help();
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return shortlist_change(cli, argc - 1, argv + 1, true);
	if (strcmp(argv[1], "rm") == 0 || strcmp(argv[1], "remove") == 0)
		return shortlist_change(cli, argc - 1, argv + 1, false);
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "ls") == 0)
		return shortlist_list(cli, argc - 1, argv + 1);
	return cli_usage_error("shortlist", "unknown subcommand '%s': use add, rm or list",
			       argv[1]);
}
