/* shortlist catalog update|info: refresh the model catalogue and say what is loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "shortlist/catalog.h"
#include "shortlist/paths.h"

static void catalog_help(void)
{
	printf("usage: shortlist catalog update [--from FILE|URL] [--timeout S]\n"
	       "       shortlist catalog info [--json]\n\n"
	       "update  replace the catalogue with models.dev data: by default downloaded from\n"
	       "        %s; --from takes a local file (the snapshot\n"
	       "        shape {models, providers, source} or the api.json shape) or a URL\n"
	       "        (http, https, file). --timeout S bounds the whole download (default 60).\n"
	       "        A failed or partial download or bad JSON leaves the old catalogue\n"
	       "        intact and exits 2. Your annotations and shortlist are never touched.\n"
	       "info    where the loaded catalogue came from, when, its SHA-256, and counts.\n",
	       SL_CATALOG_DEFAULT_URL);
}

struct progress {
	bool tty;
	int64_t last;
	bool printed;
};

static void on_progress(void *ud, int64_t now, int64_t total)
{
	struct progress *p = ud;
	if (!p->tty || now == p->last || (now - p->last < 65536 && now != total))
		return;
	p->last = now;
	p->printed = true;
	if (total > 0)
		fprintf(stderr, "\rdownloading: %lld / %lld bytes (%d%%)   ", (long long)now,
			(long long)total, (int)(now * 100 / total));
	else
		fprintf(stderr, "\rdownloading: %lld bytes   ", (long long)now);
	fflush(stderr);
}

/* update replaces the catalogue, so it must not first import the shipped one. */
static struct sl_store *open_store_raw(struct cli *cli, struct sl_error *err)
{
	if (cli->store)
		return cli->store;
	char *path = cli->db_path ? sl_xstrdup(cli->db_path) : sl_paths_default_db();
	cli->store = sl_store_open(path, 0, err);
	free(path);
	return cli->store;
}

static int catalog_update(struct cli *cli, int argc, char **argv)
{
	const char *from = NULL;
	long timeout = 60;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			catalog_help();
			return 0;
		} else if ((strcmp(a, "--from") == 0 || strcmp(a, "--timeout") == 0) && i + 1 < argc) {
			if (a[2] == 'f') {
				from = argv[++i];
			} else {
				char *end;
				const char *v = argv[++i];
				timeout = strtol(v, &end, 10);
				if (end == v || *end || timeout <= 0)
					return cli_usage_error("catalog update", "--timeout needs a "
							       "number of seconds > 0, not '%s'", v);
			}
		} else if (strncmp(a, "--from=", 7) == 0) {
			from = a + 7;
		} else if (strncmp(a, "--timeout=", 10) == 0) {
			char *end;
			timeout = strtol(a + 10, &end, 10);
			if (end == a + 10 || *end || timeout <= 0)
				return cli_usage_error("catalog update", "--timeout needs a number of "
						       "seconds > 0, not '%s'", a + 10);
		} else {
			return cli_usage_error("catalog update", "unexpected argument '%s'", a);
		}
	}
	struct sl_error err = { 0 };
	struct sl_store *store = open_store_raw(cli, &err);
	if (!store)
		return cli_fail(&err);
	int rc;
	if (from && !strstr(from, "://")) {
		rc = sl_catalog_import_file(store, from, &err);
	} else {
		struct progress p = { .tty = isatty(STDERR_FILENO) == 1, .last = -1 };
		rc = sl_catalog_update_url(store, from, timeout, on_progress, &p, &err);
		if (p.printed)
			fputc('\n', stderr);
	}
	if (rc != 0) {
		fprintf(stderr, "shortlist catalog update: %s\n", err.msg);
		if (!strstr(err.msg, "not changed"))
			fprintf(stderr, "the previous catalogue was kept unchanged\n");
		return SL_EXIT_USAGE;
	}
	struct sl_catalog_info info;
	if (sl_catalog_info(store, &info, &err) != 0)
		return cli_fail(&err);
	printf("catalogue updated from %s: %ld providers, %ld models, %ld canonical models, "
	       "%ld benchmark scores (%.0f ms)\n", info.origin, info.providers, info.models,
	       info.base_models, info.benchmarks, info.import_ms);
	return 0;
}

static int catalog_info(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			catalog_help();
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			return cli_usage_error("catalog info", "unexpected argument '%s'", argv[i]);
		}
	}
	struct sl_error err = { 0 };
	struct sl_catalog_info in;
	if (sl_catalog_info(cli_store(cli), &in, &err) != 0)
		return cli_fail(&err);
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", in.source_name);
		cJSON_AddStringToObject(o, "commit", in.source_commit);
		cJSON_AddStringToObject(o, "date", in.source_date);
		cJSON_AddStringToObject(o, "origin", in.origin);
		cJSON_AddStringToObject(o, "shape", in.shape);
		cJSON_AddStringToObject(o, "imported_at", in.imported_at);
		cJSON_AddStringToObject(o, "sha256", in.sha256);
		cJSON_AddNumberToObject(o, "providers", (double)in.providers);
		cJSON_AddNumberToObject(o, "models", (double)in.models);
		cJSON_AddNumberToObject(o, "canonical_models", (double)in.base_models);
		cJSON_AddNumberToObject(o, "benchmarks", (double)in.benchmarks);
		cJSON_AddNumberToObject(o, "annotations", (double)in.annotations);
		cJSON_AddNumberToObject(o, "shortlisted", (double)in.shortlisted);
		char *txt = cJSON_Print(o);
		if (txt)
			puts(txt);
		cJSON_free(txt);
		cJSON_Delete(o);
		return 0;
	}
	printf("source           %s%s%s\n", in.source_name, in.source_commit[0] ? " commit " : "",
	       in.source_commit);
	printf("source date      %s\n", in.source_date[0] ? in.source_date
						  : "(not recorded by this source)");
	printf("imported from    %s (%s shape)\n", in.origin, in.shape);
	printf("imported at      %s\n", in.imported_at);
	printf("sha256           %s\n", in.sha256);
	printf("providers        %ld\n", in.providers);
	printf("models           %ld (provider offerings)\n", in.models);
	printf("canonical models %ld\n", in.base_models);
	printf("benchmark scores %ld\n", in.benchmarks);
	printf("your annotations %ld\n", in.annotations);
	printf("shortlisted      %ld\n", in.shortlisted);
	printf("database         %s\n", sl_store_path(cli_store(cli)));
	return 0;
}

int cmd_catalog(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("catalog", "give a subcommand: update or info");
	if (cli_is_help(argv[1])) {
		catalog_help();
		return 0;
	}
	if (strcmp(argv[1], "update") == 0)
		return catalog_update(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return catalog_info(cli, argc - 1, argv + 1);
	return cli_usage_error("catalog", "unknown subcommand '%s': use update or info", argv[1]);
}
