/* shortlist ask / ping / local: one call to a model with its measurements, a health check
 * of the configured providers, and the models of local servers. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/util.h"
#include "shortlist/format.h"
#include "shortlist/catalog.h"
#include "shortlist/engine.h"
#include "shortlist/paths.h"
#include "shortlist/price.h"
#include "shortlist/probe.h"
#include "shortlist/providers_config.h"

static void ask_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist ask MODEL \"PROMPT\" [options]\n\n"
		"Send one prompt to a model and print the answer and its measurements.\n"
		"MODEL is PROVIDER:MODEL-ID (openai:gpt-4o-mini, bedrock:amazon.nova-pro-v1:0,\n"
		"ollama:llama3.2) or a catalogue key (openai/gpt-4o-mini). PROMPT '-' reads stdin.\n\n"
		"options:\n"
		"  --system S          system prompt\n"
		"  --stream            stream the answer as it arrives (gives TTFT, TPOT, speed)\n"
		"  --json              ask for a JSON object answer\n"
		"  --temperature T     sampling temperature\n"
		"  --max-tokens N      cap the answer length\n"
		"  --seed N            sampling seed, where the provider supports one\n"
		"  --embed             compute an embedding of PROMPT instead of answering\n"
		"  --tries N           attempts including retries (default: the provider's)\n"
		"  --quiet             print only the answer\n"
		"  --format json       print one JSON object on stdout instead, for scripts: answer,\n"
		"                      reasoning, status, error, model_reported, tokens {in, out,\n"
		"                      out_estimated, cached, reasoning}, queue_ms, connect_ms,\n"
		"                      ttfb_ms, ttft_ms, e2e_ms, tpot_ms, tokens_per_s (N / (E2E -\n"
		"                      TTFT)), chunk_gaps_ms, server_ms, tries, protocol, cost_usd;\n"
		"                      null when unknown (a cost without a price, TTFT unstreamed)\n\n"
		"The answer goes to stdout; reasoning text and measurements to stderr.\n"
		"Providers: see `shortlist ping` and README \"Providers\".\n");
}

struct ask_state {
	bool stream;
	bool quiet;
	bool json;          /* --format json: stdout is one JSON object, printed at the end */
	bool printed_any;
	bool in_reasoning;
	struct sl_result *result;
};

static void ask_delta(void *ud, uint64_t id, const char *text, size_t len, bool reasoning)
{
	struct ask_state *st = ud;
	if (!st->stream || st->json)
		return;
	if (reasoning) {
		if (!st->quiet)
			fwrite(text, 1, len, stderr);
		st->in_reasoning = true;
		return;
	}
	if (st->in_reasoning && !st->quiet)
		fputs("\n", stderr);
	st->in_reasoning = false;
	fwrite(text, 1, len, stdout);
	fflush(stdout);
	st->printed_any = true;
}

/* A wait before a retry is shown: a server may ask for up to limits.max_retry_wait_s. */
static void ask_retry(void *ud, uint64_t id, int attempt, double wait_ms, const char *reason)
{
	(void)id;
	struct ask_state *st = ud;
	if (!st->quiet)
		fprintf(stderr, "shortlist ask: try %d failed (%s); retrying in %.1f s\n", attempt,
			reason, wait_ms / 1000.0);
}

static void ask_done(void *ud, const struct sl_result *r)
{
	struct ask_state *st = ud;
	st->result = sl_result_dup(r);
}

static void print_ms(const char *label, double v)
{
	if (isnan(v))
		fprintf(stderr, "  %-14s -\n", label);
	else
		fprintf(stderr, "  %-14s %.1f ms\n", label, v);
}

static void print_measurements(const struct sl_result *r)
{
	fprintf(stderr, "\n--- %s:%s", r->provider ? r->provider : "?", r->model_id ? r->model_id : "?");
	if (r->reported_model && r->model_id && strcmp(r->reported_model, r->model_id) != 0)
		fprintf(stderr, " (answered by %s)", r->reported_model);
	fprintf(stderr, "\n");
	if (r->finish_reason)
		fprintf(stderr, "  %-14s %s\n", "finish", r->finish_reason);
	fprintf(stderr, "  %-14s in %lld, out %lld%s", "tokens", (long long)r->tokens_in,
		(long long)r->tokens_out, r->out_estimated ? " (estimated: the API gave no usage)" : "");
	if (r->tokens_cached > 0)
		fprintf(stderr, ", cached %lld", (long long)r->tokens_cached);
	if (r->tokens_reasoning > 0)
		fprintf(stderr, ", reasoning %lld", (long long)r->tokens_reasoning);
	fprintf(stderr, "\n");
	if (r->http_version)
		fprintf(stderr, "  %-14s HTTP/%d\n", "protocol", r->http_version);
	print_ms("queue", r->queue_ms);
	if (r->connect_ms > 0)
		print_ms("connect", r->connect_ms);
	print_ms("first byte", r->ttfb_ms);
	print_ms("first token", r->ttft_ms);
	print_ms("end to end", r->e2e_ms);
	print_ms("per token", r->tpot_ms);
	if (!isnan(r->tokens_per_s))
		fprintf(stderr, "  %-14s %.1f tokens/s\n", "speed", r->tokens_per_s);
	if (r->n_gaps) {
		double *g = sl_xmalloc(r->n_gaps * sizeof *g);
		memcpy(g, r->gaps_ms, r->n_gaps * sizeof *g);
		double p50 = sl_percentile(g, r->n_gaps, 50), p95 = sl_percentile(g, r->n_gaps, 95);
		fprintf(stderr, "  %-14s %zu gaps, p50 %.1f ms, p95 %.1f ms, max %.1f ms\n", "chunk gaps",
			r->n_gaps, p50, p95, g[r->n_gaps - 1]);
		free(g);
	}
	if (!isnan(r->server_ms))
		print_ms("server says", r->server_ms);
	fprintf(stderr, "  %-14s %d\n", "tries", r->tries);
	char cost[SL_FMT_LEN];
	fprintf(stderr, "  %-14s %s%s\n", "cost", sl_fmt_usd(r->cost_usd, cost),
		isnan(r->cost_usd) ? " (no catalogue price for this model)" : "");
}

static void json_count(cJSON *o, const char *key, int64_t v)
{
	if (v >= 0)
		cJSON_AddNumberToObject(o, key, (double)v);
	else
		cJSON_AddNullToObject(o, key);
}

static void json_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

/* --format json: the same measurements as print_measurements, for scripts. */
static void print_json(const char *requested, const struct sl_result *r, bool embed)
{
	cJSON *j = cJSON_CreateObject();
	json_str(j, "model", requested);
	json_str(j, "provider", r->provider);
	json_str(j, "model_id", r->model_id);
	json_str(j, "model_reported", r->reported_model);
	json_str(j, "status", sl_status_name(r->status));
	json_str(j, "error", r->status == SL_OK ? NULL : r->error ? r->error : "unknown error");
	if (r->http_status)
		cJSON_AddNumberToObject(j, "http_status", (double)r->http_status);
	else
		cJSON_AddNullToObject(j, "http_status");
	/* a broken stream's partial text is not an answer */
	json_str(j, "answer", r->status == SL_OK && !embed ? r->text : NULL);
	json_str(j, "reasoning", r->status == SL_OK && r->reasoning && *r->reasoning
			 ? r->reasoning : NULL);
	json_str(j, "finish_reason", r->finish_reason);
	cJSON *tok = cJSON_AddObjectToObject(j, "tokens");
	json_count(tok, "in", r->tokens_in);
	json_count(tok, "out", r->tokens_out);
	cJSON_AddBoolToObject(tok, "out_estimated", r->out_estimated);
	json_count(tok, "cached", r->tokens_cached);
	json_count(tok, "reasoning", r->tokens_reasoning);
	sl_json_add_number(j, "queue_ms", r->queue_ms);
	sl_json_add_number(j, "connect_ms", r->connect_ms);
	sl_json_add_number(j, "ttfb_ms", r->ttfb_ms);
	sl_json_add_number(j, "ttft_ms", r->ttft_ms);
	sl_json_add_number(j, "e2e_ms", r->e2e_ms);
	sl_json_add_number(j, "tpot_ms", r->tpot_ms);
	sl_json_add_number(j, "tokens_per_s", r->tokens_per_s);
	cJSON *gaps = cJSON_AddArrayToObject(j, "chunk_gaps_ms");
	for (size_t i = 0; i < r->n_gaps; i++)
		cJSON_AddItemToArray(gaps, cJSON_CreateNumber(r->gaps_ms[i]));
	sl_json_add_number(j, "server_ms", r->server_ms);
	cJSON_AddNumberToObject(j, "tries", r->tries);
	char proto[16];
	snprintf(proto, sizeof proto, "HTTP/%d", r->http_version);
	json_str(j, "protocol", r->http_version ? proto : NULL);
	cJSON_AddBoolToObject(j, "connection_reused", r->connection_reused);
	sl_json_add_number(j, "cost_usd", r->cost_usd);
	if (embed && r->status == SL_OK) {
		cJSON *vs = cJSON_AddArrayToObject(j, "embeddings");
		for (size_t i = 0; i < r->n_embeddings; i++) {
			cJSON *v = cJSON_CreateArray();
			for (size_t k = 0; k < r->dim; k++)
				cJSON_AddItemToArray(v, cJSON_CreateNumber(r->embeddings[i][k]));
			cJSON_AddItemToArray(vs, v);
		}
	}
	char *text = cJSON_PrintUnformatted(j);
	puts(text);
	cJSON_free(text);
	cJSON_Delete(j);
}

static char *read_stdin(void)
{
	struct sl_buf b;
	sl_buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		sl_buf_append(&b, chunk, n);
	return sl_buf_steal(&b);
}

int cmd_ask(struct cli *cli, int argc, char **argv)
{
	enum { O_SYSTEM = 1, O_STREAM, O_JSON, O_TEMP, O_MAXTOK, O_SEED, O_EMBED, O_TRIES, O_QUIET,
	       O_FORMAT, O_HELP };
	static const struct option opts[] = {
		{ "system", required_argument, NULL, O_SYSTEM },
		{ "stream", no_argument, NULL, O_STREAM },
		{ "json", no_argument, NULL, O_JSON },
		{ "temperature", required_argument, NULL, O_TEMP },
		{ "max-tokens", required_argument, NULL, O_MAXTOK },
		{ "seed", required_argument, NULL, O_SEED },
		{ "embed", no_argument, NULL, O_EMBED },
		{ "tries", required_argument, NULL, O_TRIES },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_request req = { 0 };
	sl_params_init(&req.params);
	const char *system = NULL;
	bool embed = false;
	struct ask_state st = { 0 };
	optind = 1;
	opterr = 0;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (o) {
		case O_SYSTEM: system = optarg; break;
		case O_STREAM: req.stream = st.stream = true; break;
		case O_JSON: req.params.json = true; break;
		case O_TEMP:
			errno = 0;
			req.params.temperature = strtod(optarg, &end);
			if (errno || *end || req.params.temperature < 0 || req.params.temperature > 2)
				return cli_usage_error("ask", "--temperature must be a number from 0 to 2, "
						       "not '%s'", optarg);
			break;
		case O_MAXTOK: {
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 10000000)
				return cli_usage_error("ask", "--max-tokens must be a positive whole "
						       "number, not '%s'", optarg);
			req.params.max_tokens = (int)v;
			break;
		}
		case O_SEED:
			req.params.seed = strtoll(optarg, &end, 10);
			if (*end)
				return cli_usage_error("ask", "--seed must be a whole number, not '%s'",
						       optarg);
			req.params.has_seed = true;
			break;
		case O_EMBED: embed = true; break;
		case O_TRIES: {
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 100)
				return cli_usage_error("ask", "--tries must be from 1 to 100, not '%s'",
						       optarg);
			req.max_tries = (int)v;
			break;
		}
		case O_QUIET: st.quiet = true; break;
		case O_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return cli_usage_error("ask", "--format must be text or json, not '%s'",
						       optarg);
			st.json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
		case O_HELP: ask_usage(stdout); return 0;
		default:
			return cli_usage_error("ask", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("ask", "expected MODEL and \"PROMPT\"");
	req.model = argv[optind];
	char *resolved = NULL;
	if (!strpbrk(req.model, ":/")) {
		/* A bare model id: the catalogue knows which provider offers it (if only one). */
		struct sl_model m;
		struct sl_error ferr = { 0 };
		if (sl_catalog_find(cli_store(cli), req.model, &m, &ferr) != 0) {
			fprintf(stderr, "shortlist ask: %s\n(name it PROVIDER:MODEL-ID, e.g. "
				"openai:gpt-4o-mini)\n", ferr.msg);
			return SL_EXIT_USAGE;
		}
		resolved = sl_xasprintf("%s/%s", m.provider_id, m.model_id);
		sl_model_free(&m);
		req.model = resolved;
	}
	char *prompt = strcmp(argv[optind + 1], "-") == 0 ? read_stdin() : sl_xstrdup(argv[optind + 1]);
	if (!*prompt) {
		free(prompt);
		free(resolved);
		return cli_usage_error("ask", "the prompt is empty");
	}

	struct sl_message msgs[2];
	size_t n = 0;
	if (system)
		msgs[n++] = (struct sl_message){ SL_ROLE_SYSTEM, system };
	msgs[n++] = (struct sl_message){ SL_ROLE_USER, prompt };
	const char *inputs[1] = { prompt };
	if (embed) {
		req.kind = SL_REQ_EMBED;
		req.inputs = inputs;
		req.n_inputs = 1;
		req.stream = st.stream = false;
	} else {
		req.messages = msgs;
		req.n_messages = n;
	}
	req.on_delta = ask_delta;
	req.on_done = ask_done;
	req.on_retry = ask_retry;
	req.user_data = &st;

	struct sl_error err = { 0 };
	struct sl_engine_options eo = { 0 };
	cli_price_source(cli, &eo);
	struct sl_engine *eng = sl_engine_new(&eo, &err);
	if (!eng) {
		free(prompt);
		free(resolved);
		return cli_fail(&err);
	}
	if (!sl_engine_submit(eng, &req, &err)) {
		sl_engine_free(eng);
		free(prompt);
		free(resolved);
		return cli_fail(&err);
	}
	sl_engine_run_until_idle(eng);
	sl_engine_free(eng);
	free(prompt);

	struct sl_result *r = st.result;
	int rc = 0;
	if (!r) {
		fprintf(stderr, "shortlist ask: the request ended without a result (a bug)\n");
		return 3;
	}
	if (st.json) {
		print_json(argv[optind], r, embed);
		if (r->status != SL_OK)
			rc = r->status == SL_ERR_CONFIG ? SL_EXIT_USAGE : SL_EXIT_INCOMPLETE;
		fflush(stdout);
		sl_result_free(r);
		free(resolved);
		return rc;
	}
	if (r->status != SL_OK) {
		if (st.printed_any)
			fputc('\n', stdout);
		fprintf(stderr, "shortlist ask: %s failed (%s): %s\n", req.model, sl_status_name(r->status),
			r->error ? r->error : "unknown error");
		if (st.printed_any)
			/* The text cannot be taken back: say plainly that it is a fragment. */
			fprintf(stderr, "shortlist ask: the stream broke: the answer printed above is "
				"incomplete\n");
		rc = r->status == SL_ERR_CONFIG ? SL_EXIT_USAGE : SL_EXIT_INCOMPLETE;
	} else if (embed) {
		printf("%zu embedding(s) of %zu dimensions:", r->n_embeddings, r->dim);
		for (size_t i = 0; i < r->n_embeddings; i++) {
			double norm = 0;
			for (size_t j = 0; j < r->dim; j++)
				norm += (double)r->embeddings[i][j] * r->embeddings[i][j];
			printf("\n[");
			for (size_t j = 0; j < r->dim && j < 8; j++)
				printf("%s%.6f", j ? ", " : "", (double)r->embeddings[i][j]);
			printf("%s]  |v| = %.4f", r->dim > 8 ? ", ..." : "", sqrt(norm));
		}
		printf("\n");
	} else {
		if (!st.stream) {
			if (*r->reasoning && !st.quiet)
				fprintf(stderr, "%s\n", r->reasoning);
			fputs(r->text, stdout);
		}
		if (!st.stream || st.printed_any || !*r->text)
			fputc('\n', stdout);
	}
	fflush(stdout);
	if (!st.quiet && (r->status == SL_OK || r->tries > 0))
		print_measurements(r);
	sl_result_free(r);
	free(resolved);
	return rc;
}

static void ping_usage(FILE *out)
{
	fprintf(out, "usage: shortlist ping [PROVIDER] [--timeout MS]\n\n"
		     "Check that each configured provider is reachable and accepts its key.\n"
		     "Exit status 0 when every provider checked works (providers without a key\n"
		     "are listed, not counted), 2 otherwise.\n");
}

int cmd_ping(struct cli *cli, int argc, char **argv)
{
	const char *only = NULL;
	long timeout = 10000;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			ping_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			char *end;
			timeout = strtol(argv[++i], &end, 10);
			if (*end || timeout < 100)
				return cli_usage_error("ping", "--timeout wants milliseconds (>= 100)");
		} else if (argv[i][0] == '-') {
			return cli_usage_error("ping", "unknown option '%s'", argv[i]);
		} else if (!only) {
			only = argv[i];
		} else {
			return cli_usage_error("ping", "one PROVIDER at most");
		}
	}
	struct sl_error err = { 0 };
	struct sl_providers p;
	if (sl_providers_load(&p, NULL, &err) != 0)
		return cli_fail(&err);
	struct sl_ping_result *res;
	size_t n;
	if (sl_ping(&p, only, timeout, &res, &n, &err) != 0) {
		sl_providers_free(&p);
		return cli_fail(&err);
	}
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sl_ping_result *r = &res[i];
		const char *state = r->state == SL_PING_OK ? "ok" : r->state == SL_PING_NO_KEY
								     ? "not set up" : "FAILED";
		printf("%-14s %-10s ", r->provider, state);
		if (r->state == SL_PING_OK) {
			printf("%s", r->message);
			if (r->n_models >= 0)
				printf(", %lld models", (long long)r->n_models);
			printf(" (%.0f ms, %s)\n", r->ms, r->url);
		} else {
			printf("%s\n", r->message);
		}
		if (r->state == SL_PING_FAILED || (only && r->state != SL_PING_OK))
			bad++;
	}
	if (p.origin)
		printf("(configuration: built-ins + %s)\n", p.origin);
	sl_ping_results_free(res, n);
	sl_providers_free(&p);
	return bad ? SL_EXIT_USAGE : 0;
}

int cli_local_models(FILE *out, long timeout_ms)
{
	struct sl_error err = { 0 };
	struct sl_providers p;
	if (sl_providers_load(&p, NULL, &err) != 0)
		return cli_fail(&err);
	struct sl_local_scan scan;
	sl_local_discover(&p, timeout_ms, &scan);
	for (size_t i = 0; i < scan.n; i++) {
		const struct sl_local_model *m = &scan.models[i];
		char size[32] = "";
		if (m->size_bytes > 0)
			snprintf(size, sizeof size, "%.1f GB", (double)m->size_bytes / 1e9);
		fprintf(out, "%s:%-40s %-9s %s\n", m->provider, m->model_id, size, m->details);
	}
	fputs(scan.notes, stderr);
	sl_local_scan_free(&scan);
	sl_providers_free(&p);
	return 0;
}

/* ask opens the store only when a price is wanted: a cost is a nicety, and an unusable
 * database must not cost the user the answer (no cli_store() exit on failure). */
static bool ask_price(void *ud, const char *provider, const char *model_id,
		      struct sl_price *out)
{
	struct cli *cli = ud;
	static bool store_failed;
	if (!cli->store && !store_failed && strcmp(provider, "ollama") != 0) {
		struct sl_error serr = { 0 };
		char *path = cli->db_path ? sl_xstrdup(cli->db_path) : sl_paths_default_db();
		cli->store = sl_store_open(path, 0, &serr);
		free(path);
		if (!cli->store || sl_catalog_ensure_loaded(cli->store, &serr) != 0) {
			fprintf(stderr, "shortlist: no prices (%s)\n", serr.msg);
			store_failed = true;
			sl_store_close(cli->store);
			cli->store = NULL;
		}
	}
	struct sl_price_source src = { .store = cli->store }; /* price.h: the catalogue */
	return sl_price_find(&src, NULL, provider, model_id, out, NULL);
}

void cli_price_source(struct cli *cli, struct sl_engine_options *opts)
{
	opts->price_fn = ask_price;
	opts->price_user_data = cli;
}
