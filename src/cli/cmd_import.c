/* shortlist import promptfoo CONFIG.yaml [-o DIR]: a promptfoo config as a suite, a dataset
 * and prompts in the catalogue; what does not map is listed with its config path. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shortlist/prompts.h"
#include "shortlist/promptfoo.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: shortlist import promptfoo CONFIG.yaml [-o DIR]\n\n"
		   "Write DIR/suite.json, DIR/cases.jsonl and DIR/prompts/*.json from a promptfoo\n"
		   "config and add the prompts to the catalogue; then `shortlist run DIR/suite.json`.\n"
		   "Everything that has no shortlist equivalent is listed with its config path.\n\n"
		   "  -o DIR  where to write (default: shortlist/ next to the config)\n");
	return f == stdout ? 0 : SL_EXIT_USAGE;
}

static int write_json(const char *path, const cJSON *j, struct sl_error *err)
{
	char *s = cJSON_Print(j);
	int rc = sl_write_file_atomic(path, s, strlen(s), err);
	free(s);
	return rc;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	const char *config = NULL, *dir = NULL;
	if (argc < 2 || cli_is_help(argv[1]))
		return usage(argc < 2 ? stderr : stdout);
	if (strcmp(argv[1], "promptfoo") != 0)
		return cli_usage_error("import", "unknown format '%s' (shortlist imports promptfoo)",
				       argv[1]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] != '-' && !config)
			config = argv[i];
		else
			return cli_usage_error("import", "unexpected argument '%s'", argv[i]);
	}
	if (!config)
		return cli_usage_error("import", "a promptfoo CONFIG.yaml is needed");
	struct sl_error err = { 0 };
	struct sl_promptfoo pf;
	if (sl_promptfoo_convert(config, &pf, &err) != 0)
		return cli_fail(&err);
	char *tmp = sl_xstrdup(config);
	char *out = dir ? sl_xstrdup(dir) : sl_xasprintf("%s/shortlist", dirname(tmp));
	free(tmp);
	char *pdir = sl_xasprintf("%s/prompts", out);
	int rc = 0, added = 0;
	struct sl_store *store = NULL;
	if (sl_mkdirs(pdir, &err) != 0 || !(store = cli_store(cli)))
		goto fail;
	const cJSON *p;
	cJSON_ArrayForEach(p, pf.prompts) {
		const char *name = cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring;
		char *path = sl_xasprintf("%s/%s.json", pdir, name);
		struct sl_prompt_version pv;
		bool created;
		int r = write_json(path, p, &err);
		if (r == 0)
			r = sl_prompt_from_json(p, path, path, &pv, &err);
		if (r == 0) {
			r = sl_prompts_add(store, &pv, &created, &err);
			sl_prompt_version_free(&pv);
		}
		free(path);
		if (r != 0)
			goto fail;
		added++;
	}
	struct sl_buf rows;
	sl_buf_init(&rows);
	const cJSON *row;
	cJSON_ArrayForEach(row, pf.cases) {
		char *s = cJSON_PrintUnformatted(row);
		sl_buf_printf(&rows, "%s\n", s);
		free(s);
	}
	char *cases = sl_xasprintf("%s/cases.jsonl", out), *suite = sl_xasprintf("%s/suite.json", out);
	int w = sl_write_file_atomic(cases, rows.data ? rows.data : "", rows.len, &err);
	if (w == 0)
		w = write_json(suite, pf.suite, &err);
	sl_buf_free(&rows);
	if (w == 0) {
		printf("imported %s: %d prompts, %d cases, %d models, %d suite scorers\n"
		       "wrote %s (run it: shortlist run %s)\n", config, added,
		       cJSON_GetArraySize(pf.cases),
		       cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(pf.suite, "models")),
		       cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(pf.suite, "scorers")),
		       suite, suite);
		if (pf.n_notes)
			printf("not imported or changed (%zu):\n", pf.n_notes);
		for (size_t i = 0; i < pf.n_notes; i++)
			printf("  %s: %s\n", pf.notes[i].path, pf.notes[i].why);
	}
	free(cases);
	free(suite);
	if (w != 0)
		goto fail;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	free(pdir);
	free(out);
	sl_promptfoo_free(&pf);
	return rc;
}
