/* shortlist prompts ... and shortlist datasets show: the prompt catalogue and datasets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shortlist/dataset.h"
#include "shortlist/prompt_edit.h"
#include "shortlist/prompts.h"
#include "shortlist/utf8.h"

static void prompts_usage(FILE *out)
{
	fprintf(out,
		"usage: shortlist prompts list\n"
		"       shortlist prompts show NAME[@VERSION] [--json]\n"
		"       shortlist prompts add FILE\n"
		"       shortlist prompts edit NAME\n"
		"       shortlist prompts diff NAME@A NAME@B\n"
		"       shortlist prompts tag NAME[@VERSION] [+]TAG|-TAG...\n"
		"       shortlist prompts export DIR\n"
		"       shortlist prompts import DIR\n\n"
		"A prompt has immutable numbered versions; editing adds a version only when the\n"
		"content changed. FILE is JSON:\n"
		"  {\"name\": \"triage\", \"tags\": [\"support\"],\n"
		"   \"system\": \"You sort tickets.\", \"user\": \"Ticket: {{text}}\",\n"
		"   \"params\": {\"temperature\": 0, \"max_tokens\": 64, \"stop\": [\"\\n\"],\n"
		"              \"response_format\": \"text\"}, \"author\": \"...\", \"note\": \"...\"}\n"
		"(or \"messages\": [{\"role\": ..., \"content\": ...}] instead of system/user).\n"
		"{{name}} placeholders are filled from the dataset's fields. export writes one\n"
		"NAME.json per prompt with every version, for keeping prompts in git; import reads\n"
		"such files (or add-format files) and adds the versions it does not have yet.\n"
		"edit opens $VISUAL or $EDITOR (default vi). tag adds (TAG, +TAG) or removes (-TAG)\n"
		"tags of the prompt, or with @VERSION of that version only.\n");
}

static void print_version(const struct sl_prompt_version *pv)
{
	printf("%s@%d", pv->name, pv->version);
	if (pv->n_tags) {
		printf("  [");
		for (size_t i = 0; i < pv->n_tags; i++)
			printf("%s%s", i ? ", " : "", pv->tags[i]);
		printf("]");
	}
	printf("\nhash     %s\ncreated  %s by %s\n", pv->hash, pv->created_at,
	       pv->author ? pv->author : "?");
	if (pv->note)
		printf("note     %s\n", pv->note);
	if (pv->parent)
		printf("edited   from @%d\n", pv->parent);
	for (size_t i = 0; i < pv->n_version_tags; i++)
		printf("%s%s", i ? ", " : "tagged   ", pv->version_tags[i]);
	if (pv->n_version_tags)
		printf("\n");
	printf("\n");
	char *text = sl_prompt_render_text(pv);
	fputs(text, stdout);
	free(text);
}

static int prompts_list(struct sl_store *store)
{
	struct sl_error err = { 0 };
	struct sl_prompt_info *list;
	size_t n;
	if (sl_prompts_list(store, &list, &n, &err) != 0)
		return cli_fail(&err);
	if (n == 0) {
		printf("no prompts yet: add one with 'shortlist prompts add FILE' or import a "
		       "directory with 'shortlist prompts import DIR'\n");
	} else {
		printf("%-28s %7s %8s  %-20s  %-12s  %s\n", "NAME", "LATEST", "VERSIONS", "UPDATED",
		       "HASH", "TAGS");
		for (size_t i = 0; i < n; i++)
			printf("%-28s %7d %8d  %-20s  %.12s  %s\n", list[i].name,
			       list[i].latest_version, list[i].n_versions, list[i].latest_created_at,
			       list[i].latest_hash, list[i].tags);
	}
	sl_prompt_infos_free(list, n);
	return 0;
}

static int prompts_show(struct sl_store *store, const char *ref, bool json)
{
	struct sl_error err = { 0 };
	struct sl_prompt_version pv;
	if (sl_prompts_get_ref(store, ref, &pv, &err) != 0)
		return cli_fail(&err);
	if (json) {
		cJSON *o = sl_prompt_to_json(&pv, true);
		cJSON_AddNumberToObject(o, "version", pv.version);
		cJSON_AddStringToObject(o, "hash", pv.hash);
		cJSON_AddStringToObject(o, "created_at", pv.created_at);
		char *s = cJSON_Print(o);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(o);
	} else {
		print_version(&pv);
	}
	sl_prompt_version_free(&pv);
	return 0;
}

static int prompts_add(struct sl_store *store, const char *path)
{
	struct sl_error err = { 0 };
	size_t len;
	char *text = sl_read_file(path, &len, &err);
	if (!text) {
		err.code = SL_EXIT_USAGE;
		return cli_fail(&err);
	}
	struct sl_prompt_version pv;
	int rc = sl_prompt_parse(text, len, path, &pv, &err);
	free(text);
	if (rc != 0)
		return cli_fail(&err);
	bool created;
	if (sl_prompts_add(store, &pv, &created, &err) != 0) {
		sl_prompt_version_free(&pv);
		return cli_fail(&err);
	}
	if (created)
		printf("added %s@%d (%.12s)\n", pv.name, pv.version, pv.hash);
	else
		printf("%s@%d already has this content (%.12s): no new version\n", pv.name,
		       pv.version, pv.hash);
	sl_prompt_version_free(&pv);
	return 0;
}

static int prompts_edit(struct sl_store *store, const char *name)
{
	struct sl_error err = { 0 };
	struct sl_prompt_version old;
	if (sl_prompts_get(store, name, 0, &old, &err) != 0)
		return cli_fail(&err);
	char *path = sl_prompt_edit_begin(&old, &err);
	if (!path) {
		sl_prompt_version_free(&old);
		fprintf(stderr, "shortlist prompts edit: %s\n", err.msg);
		return SL_EXIT_USAGE;
	}
	const char *editor;
	int st = sl_editor_run(path, &editor);
	if (st != 0) {
		if (st == 127)
			fprintf(stderr, "shortlist prompts edit: the editor '%s' was not found (set "
				"VISUAL or EDITOR); nothing saved (your text is in %s)\n", editor,
				path);
		else if (st < 0)
			fprintf(stderr, "shortlist prompts edit: the editor did not finish (killed, "
				"or it could not start); nothing saved (your text is in %s)\n", path);
		else
			fprintf(stderr, "shortlist prompts edit: the editor exited with status %d; "
				"nothing saved (your text is in %s)\n", st, path);
		free(path);
		sl_prompt_version_free(&old);
		return SL_EXIT_USAGE;
	}
	struct sl_prompt_version pv;
	enum sl_prompt_edit_outcome outcome;
	if (sl_prompt_edit_finish(store, &old, path, &pv, &outcome, &err) != 0) {
		fprintf(stderr, "shortlist: %s\nnothing saved; your edit is kept in %s (fix it and "
			"run 'shortlist prompts add %s')\n", err.msg, path, path);
		free(path);
		sl_prompt_version_free(&old);
		return SL_EXIT_USAGE;
	}
	free(path);
	if (outcome == SL_PROMPT_EDIT_UNCHANGED || outcome == SL_PROMPT_EDIT_TAGS) {
		printf("%s@%d unchanged: no new version%s\n", old.name, old.version,
		       outcome == SL_PROMPT_EDIT_TAGS ? " (tags updated)" : "");
	} else if (outcome == SL_PROMPT_EDIT_LATEST) {
		printf("%s@%d already has this content (%.12s): no new version\n", pv.name,
		       pv.version, pv.hash);
	} else {
		char *a = sl_prompt_render_text(&old), *b = sl_prompt_render_text(&pv);
		char la[128], lb[128];
		snprintf(la, sizeof la, "%s@%d", old.name, old.version);
		snprintf(lb, sizeof lb, "%s@%d", pv.name, pv.version);
		char *d = sl_text_diff(a, b, la, lb);
		printf("saved %s@%d (%.12s)\n%s", pv.name, pv.version, pv.hash, d);
		free(a);
		free(b);
		free(d);
	}
	sl_prompt_version_free(&pv);
	sl_prompt_version_free(&old);
	return 0;
}

static int prompts_diff(struct sl_store *store, const char *ra, const char *rb)
{
	struct sl_error err = { 0 };
	struct sl_prompt_version a, b;
	if (sl_prompts_get_ref(store, ra, &a, &err) != 0)
		return cli_fail(&err);
	if (sl_prompts_get_ref(store, rb, &b, &err) != 0) {
		sl_prompt_version_free(&a);
		return cli_fail(&err);
	}
	char *ta = sl_prompt_render_text(&a), *tb = sl_prompt_render_text(&b);
	char la[160], lb[160];
	snprintf(la, sizeof la, "%s@%d (%.12s)", a.name, a.version, a.hash);
	snprintf(lb, sizeof lb, "%s@%d (%.12s)", b.name, b.version, b.hash);
	char *d = sl_text_diff(ta, tb, la, lb);
	if (*d)
		fputs(d, stdout);
	else
		printf("%s@%d and %s@%d have the same content (%.12s)\n", a.name, a.version, b.name,
		       b.version, a.hash);
	free(d);
	free(ta);
	free(tb);
	sl_prompt_version_free(&a);
	sl_prompt_version_free(&b);
	return 0;
}

static int prompts_tag(struct sl_store *store, const char *ref, int n, char **tags)
{
	struct sl_error err = { 0 };
	struct sl_prompt_version pv;
	if (sl_prompts_get_ref(store, ref, &pv, &err) != 0)
		return cli_fail(&err);
	/* NAME alone tags the prompt; NAME@V (even @latest) that version. */
	int version = strchr(ref, '@') ? pv.version : 0;
	for (int i = 0; i < n; i++) {
		bool add = tags[i][0] != '-';
		const char *t = tags[i] + (tags[i][0] == '-' || tags[i][0] == '+');
		if (sl_prompts_tag(store, pv.name, version, t, add, &err) != 0) {
			sl_prompt_version_free(&pv);
			return cli_fail(&err);
		}
	}
	/* What it holds now. */
	struct sl_prompt_version now;
	int rc = sl_prompts_get(store, pv.name, pv.version, &now, &err);
	sl_prompt_version_free(&pv);
	if (rc != 0)
		return cli_fail(&err);
	char **list = version ? now.version_tags : now.tags;
	size_t nl = version ? now.n_version_tags : now.n_tags;
	if (version)
		printf("%s@%d tags:", now.name, now.version);
	else
		printf("%s tags:", now.name);
	for (size_t i = 0; i < nl; i++)
		printf("%s %s", i ? "," : "", list[i]);
	printf("%s\n", nl ? "" : " (none)");
	sl_prompt_version_free(&now);
	return 0;
}

int cmd_prompts(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		prompts_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SL_EXIT_USAGE : 0;
	}
	const char *sub = argv[1];
	for (int i = 2; i < argc; i++)
		if (cli_is_help(argv[i])) {
			prompts_usage(stdout);
			return 0;
		}
	struct sl_error err = { 0 };
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) {
		if (argc != 2)
			return cli_usage_error("prompts", "list takes no arguments");
		return prompts_list(cli_store(cli));
	}
	if (strcmp(sub, "show") == 0) {
		bool json = false;
		const char *ref = NULL;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				json = true;
			else if (!ref && argv[i][0] != '-')
				ref = argv[i];
			else
				return cli_usage_error("prompts", "show: unexpected '%s'", argv[i]);
		}
		if (!ref)
			return cli_usage_error("prompts", "show needs NAME[@VERSION]");
		return prompts_show(cli_store(cli), ref, json);
	}
	if (strcmp(sub, "add") == 0) {
		if (argc != 3)
			return cli_usage_error("prompts", "add needs exactly one FILE");
		return prompts_add(cli_store(cli), argv[2]);
	}
	if (strcmp(sub, "edit") == 0) {
		if (argc != 3)
			return cli_usage_error("prompts", "edit needs exactly one NAME");
		return prompts_edit(cli_store(cli), argv[2]);
	}
	if (strcmp(sub, "tag") == 0) {
		if (argc < 4)
			return cli_usage_error("prompts", "tag needs NAME[@VERSION] and one or more "
					       "TAG (add) or -TAG (remove)");
		return prompts_tag(cli_store(cli), argv[2], argc - 3, argv + 3);
	}
	if (strcmp(sub, "diff") == 0) {
		if (argc != 4)
			return cli_usage_error("prompts", "diff needs NAME@A NAME@B");
		return prompts_diff(cli_store(cli), argv[2], argv[3]);
	}
	if (strcmp(sub, "export") == 0) {
		if (argc != 3)
			return cli_usage_error("prompts", "export needs exactly one DIR");
		int n = 0;
		if (sl_prompts_export(cli_store(cli), argv[2], &n, &err) != 0)
			return cli_fail(&err);
		printf("exported %d prompt%s to %s\n", n, n == 1 ? "" : "s", argv[2]);
		return 0;
	}
	if (strcmp(sub, "import") == 0) {
		if (argc != 3)
			return cli_usage_error("prompts", "import needs exactly one DIR");
		int added = 0, same = 0;
		if (sl_prompts_import(cli_store(cli), argv[2], &added, &same, &err) != 0)
			return cli_fail(&err);
		printf("imported %d new version%s (%d already present) from %s\n", added,
		       added == 1 ? "" : "s", same, argv[2]);
		return 0;
	}
	return cli_usage_error("prompts", "unknown subcommand '%s'", sub);
}

/* ---- datasets ---- */

#define SHOW_ROWS 10 /* rows `datasets show` prints without --json */

struct show_rows {
	bool json;
	struct sl_buf first; /* the first SHOW_ROWS rows, printed after the summary */
};

static int show_row(void *ud, size_t k, const struct sl_case *c, struct sl_error *err)
{
	(void)err;
	struct show_rows *sr = ud;
	if (!sr->json && k >= SHOW_ROWS)
		return 0;
	char *s = cJSON_PrintUnformatted(c->vars);
	if (sr->json)
		puts(s);
	else
		sl_buf_printf(&sr->first, "%4zu (line %d) %.*s%s\n", k + 1, c->line,
			      (int)sl_utf8_prefix(s, 160), s, strlen(s) > 160 ? "..." : "");
	cJSON_free(s);
	return 0;
}

int cmd_datasets(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1]) || (argc == 3 && cli_is_help(argv[2]))) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: shortlist datasets show FILE [--json]\n\n"
			"Parse a dataset (.jsonl: one JSON object per line; .csv: RFC 4180 with a\n"
			"header row) and print its hash, fields and rows, or the first error with its\n"
			"file, line and column. Fields become {{variables}}; expected, reference and\n"
			"label are what scorers compare against.\n");
		return argc < 2 ? SL_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "show") != 0)
		return cli_usage_error("datasets", "unknown subcommand '%s'", argv[1]);
	const char *path = NULL;
	bool json = false;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!path)
			path = argv[i];
		else
			return cli_usage_error("datasets", "unexpected '%s'", argv[i]);
	}
	if (!path)
		return cli_usage_error("datasets", "show needs a FILE");
	/* One pass over the file, keeping only the first rows shown: a dataset of any size
	 * shows in flat memory (--json prints each row as it is read). */
	struct sl_error err = { 0 };
	struct show_rows sr = { .json = json };
	sl_buf_init(&sr.first);
	struct sl_dataset *ds = sl_dataset_scan(path, show_row, &sr, &err);
	if (!ds) {
		sl_buf_free(&sr.first);
		return cli_fail(&err);
	}
	if (!json) {
		printf("%s: %s, %zu row%s, sha256 %s\nfields:", ds->path, ds->format, ds->n_cases,
		       ds->n_cases == 1 ? "" : "s", ds->hash);
		for (size_t i = 0; i < ds->n_fields; i++)
			printf(" %s", ds->fields[i]);
		printf("\n%s", sr.first.data ? sr.first.data : "");
		if (SHOW_ROWS < ds->n_cases)
			printf("... %zu more\n", ds->n_cases - SHOW_ROWS);
	}
	sl_buf_free(&sr.first);
	sl_dataset_free(ds);
	return 0;
}
