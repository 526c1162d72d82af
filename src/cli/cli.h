/* Shared state of the command-line front end: global options and the lazily opened store. */
#ifndef SHORTLIST_CLI_H
#define SHORTLIST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shortlist/store.h"

struct cli {
	const char *db_path; /* --db, or NULL for the default */
	const char *prog;    /* "shortlist" */
	struct sl_store *store;
};

/* Open the store (and load the shipped catalogue on first start); on failure print the
 * message and exit 2. */
struct sl_store *cli_store(struct cli *cli);
/* Print "shortlist: msg" to stderr and return the exit code to use. */
int cli_fail(const struct sl_error *err);
/* Print a usage error for a command and return 2. */
int cli_usage_error(const char *command, const char *fmt, ...) SL_PRINTF(2, 3);
/* True if argv[i] is -h/--help. */
bool cli_is_help(const char *arg);

/* Every command: argv[0] is the command name. Returns the process exit code. */
typedef int (*cli_command_fn)(struct cli *cli, int argc, char **argv);

struct cli_command_info {
	const char *name;
	cli_command_fn fn;
	const char *summary;
};
/* The hidden `shortlist __complete -- WORD...` the shell completion scripts call: prints
 * the candidates for the last word, one a line, "__files__" for file names. */
int cli_complete(struct cli *cli, const struct cli_command_info *cmds, int argc, char **argv);

int cmd_tui(struct cli *cli, int argc, char **argv);
int cmd_models(struct cli *cli, int argc, char **argv);
int cmd_catalog(struct cli *cli, int argc, char **argv);
int cmd_shortlist(struct cli *cli, int argc, char **argv);

/* provider engine */
int cmd_ask(struct cli *cli, int argc, char **argv);
int cmd_ping(struct cli *cli, int argc, char **argv);
/* Print the models of local servers (Ollama, OPENAI_BASE_URL) as PROVIDER:MODEL lines to
 * out, notes about servers found or not to stderr; returns an exit code. */
int cli_local_models(FILE *out, long timeout_ms);
struct sl_engine_options;
struct sl_price;
/* Fill the engine's price lookup from the catalogue in the store (opened on demand). */
void cli_price_source(struct cli *cli, struct sl_engine_options *opts);

/* prompts, datasets, runs */
int cmd_prompts(struct cli *cli, int argc, char **argv);
int cmd_datasets(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_runs(struct cli *cli, int argc, char **argv);
/* runs export / runs import (argv[1] is the subcommand) */
int cli_runs_export(struct cli *cli, int argc, char **argv);
int cli_runs_import(struct cli *cli, int argc, char **argv);
/* scoring */
int cmd_score(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_triangle(struct cli *cli, int argc, char **argv);
/* Score a run with its suite's scorers (sl_pipeline_score) and say what was scored. */
int cli_score_run(struct sl_store *store, int64_t run_id, struct sl_error *err);
struct sl_score_stats;
void cli_print_score_stats(int64_t run_id, const struct sl_score_stats *st);
int cmd_ratings(struct cli *cli, int argc, char **argv);
int cmd_rate(struct cli *cli, int argc, char **argv);
/* promotion */
int cmd_promote(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_promotions(struct cli *cli, int argc, char **argv);

#endif
