/* shortlist: choose a foundation model by evaluating a shortlist of them.
 * This file only dispatches; each command lives in its own cmd_*.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>

#include "cli.h"
#include "shortlist/catalog.h"
#include "shortlist/paths.h"
#include "version.h"

static const struct cli_command_info commands[] = {
	{ "tui", cmd_tui, "open the terminal workbench (the default)" },

	/* catalogue */
	{ "models", cmd_models, "list, filter and show catalogue models" },
	{ "catalog", cmd_catalog, "update the model catalogue" },
	{ "shortlist", cmd_shortlist, "add, remove and list shortlisted models" },

	/* provider engine */
	{ "ask", cmd_ask, "send one prompt to a model; print the answer and its timings" },
	{ "ping", cmd_ping, "check each provider is reachable and accepts its key" },

	/* prompts, datasets, runs */
	{ "prompts", cmd_prompts, "the prompt catalogue: list, show, add, edit, diff, export, import" },
	{ "datasets", cmd_datasets, "check and show an evaluation dataset (JSONL or CSV)" },
	{ "run", cmd_run, "run an evaluation suite headless (for CI)" },
	{ "runs", cmd_runs, "list, show and diff evaluation runs" },

	/* scoring and reports */
	{ "score", cmd_score, "score a pair with any metric, or a run's accuracy per model" },
	{ "import", cmd_import, "turn a promptfoo config into prompts, a dataset and a suite" },
	{ "report", cmd_report, "a run's scorecard as json, jsonl, csv, md, html or junit; gates" },
	{ "triangle", cmd_triangle, "weigh speed, precision and cost; which model to pick and why" },
	{ "rate", cmd_rate, "rate a run's outputs in the terminal (1-5 or blind pairs)" },
	{ "ratings", cmd_ratings, "export/import human ratings (CSV) and their agreement" },

	/* promotion */
	{ "promote", cmd_promote, "record a model and prompt version going live (pre-prod, prod)" },
	{ "promotions", cmd_promotions, "the promotion history; what is live at each stage" },

	{ NULL, NULL, NULL },
};

static void print_usage(FILE *out)
{
	fprintf(out, "usage: shortlist [--db PATH] [COMMAND] [ARGS...]\n\n"
		     "Choose a foundation model with facts: browse the catalogue, evaluate a\n"
		     "shortlist on your prompts, and weigh speed, precision and cost.\n\n"
		     "commands:\n");
	for (const struct cli_command_info *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\noptions:\n"
		     "  --db PATH   the database (default $XDG_DATA_HOME/shortlist/shortlist.db)\n"
		     "  --version   print the version\n"
		     "  -h, --help  this help; COMMAND --help for a command's own\n\n"
		     "exit codes: 0 ok, 1 a gate failed, 2 usage/config/input error, 3 run incomplete\n");
}

bool cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_fail(const struct sl_error *err)
{
	fprintf(stderr, "shortlist: %s\n", err->msg[0] ? err->msg : "failed");
	return err->code ? err->code : SL_EXIT_USAGE;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "shortlist %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see shortlist %s --help)\n", command);
	return SL_EXIT_USAGE;
}

struct sl_store *cli_store(struct cli *cli)
{
	if (cli->store)
		return cli->store;
	struct sl_error err = { 0 };
	char *path = cli->db_path ? sl_xstrdup(cli->db_path) : sl_paths_default_db();
	cli->store = sl_store_open(path, 0, &err);
	free(path);
	if (!cli->store || sl_catalog_ensure_loaded(cli->store, &err) != 0)
		exit(cli_fail(&err));
	return cli->store;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	struct cli cli = { .prog = "shortlist" };

	/* Global options come before the command; everything after belongs to it. */
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("shortlist %s\n", SL_VERSION);
			return 0;
		} else if (cli_is_help(argv[i])) {
			print_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			cli.db_path = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			cli.db_path = argv[i] + 5;
		} else {
			fprintf(stderr, "shortlist: unknown option %s\n", argv[i]);
			print_usage(stderr);
			return SL_EXIT_USAGE;
		}
	}

	const struct cli_command_info *cmd = &commands[0];
	char *tui_argv[] = { "tui", NULL };
	char **cmd_argv = tui_argv;
	int cmd_argc = 1;
	if (i < argc && strcmp(argv[i], "__complete") == 0) {
		int rc = cli_complete(&cli, commands, argc - i, argv + i);
		sl_store_close(cli.store);
		return rc;
	}
	if (i < argc) {
		for (cmd = commands; cmd->name && strcmp(cmd->name, argv[i]) != 0; cmd++)
			;
		if (!cmd->name) {
			fprintf(stderr, "shortlist: unknown command '%s'\n\n", argv[i]);
			print_usage(stderr);
			return SL_EXIT_USAGE;
		}
		cmd_argv = argv + i;
		cmd_argc = argc - i;
	}
	int rc = cmd->fn(&cli, cmd_argc, cmd_argv);
	sl_store_close(cli.store);
	return rc;
}
