/* doc/errors.md, checked: every bad input it lists is set up here, the CLI is run on it,
 * and its exit code and message must be the ones the document shows. A case without a
 * section in the document, or a section without a case, fails too, so they cannot drift.
 * After an intended change: SHORTLIST_UPDATE_ERRORS=1 meson test -C build test_errors
 * rewrites the document from what the CLI says; review the diff. */
#include "test.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval_util.h"
#include "shortlist/bundle.h"
#include "shortlist/util.h"

struct ecase {
	const char *id, *category, *what;
	const char *const *files;   /* NAME, CONTENT pairs written in the case's directory */
	const char *const *argv;    /* "$DIR" in an argument is the case's directory */
	const char *grep;           /* document the stdout line containing this (else stderr) */
	bool no_prompt;             /* leave the store empty (no prompt q@1) */
};

#define FILES(...) (const char *const[]){ __VA_ARGS__, NULL }
#define ARGV(...) (const char *const[]){ __VA_ARGS__, NULL }

static const char GOOD_SUITE[] =
	"{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": [\"q@1\"], \"dataset\": \"d.csv\","
	" \"scorers\": [{\"name\": \"exact\"}]}";

/* ---- run bundles: $DIR/run.slrun holds a one-cell run, then each case breaks it ---- */
static void must(int rc, const struct sl_error *err)
{
	if (rc != 0) {
		fprintf(stderr, "setup: %s\n", err->msg);
		exit(99);
	}
}

static char *bundle_at(const char *dir)
{
	return sl_xasprintf("%s/run.slrun", dir);
}

static void make_bundle(const char *dir, const char *db)
{
	(void)db;
	struct sl_error err = { 0 };
	char *src = sl_xasprintf("%s/src.db", dir), *out = bundle_at(dir);
	struct sl_store *s = sl_store_open(src, 0, &err);
	must(s ? 0 : -1, &err);
	must(sl_store_exec(s,
		"INSERT INTO prompts VALUES ('q', '', 't');"
		"INSERT INTO prompt_versions (name, version, messages, params, created_at, hash)"
		" VALUES ('q', 1, '[]', '{}', 't', 'h');"
		"INSERT INTO datasets VALUES ('d', 'd.csv', 'csv', '[\"text\"]', 1, 't');"
		"INSERT INTO dataset_cases VALUES ('d', 0, 2, '{\"text\": \"hi\"}', 'yo', NULL, NULL);"
		"INSERT INTO runs (suite_name, suite_path, suite_hash, suite_json, dataset_hash,"
		" dataset_path, status, n_cells, samples, concurrency, params, shortlist_version,"
		" user, started_at) VALUES ('s', 'suite.json', 'h', '{}', 'd', 'd.csv', 'complete',"
		" 1, 1, 1, '{}', '0', 'me', 't');"
		"INSERT INTO run_models (run_id, idx, requested) VALUES (1, 0, 'fake:m');"
		"INSERT INTO run_prompts VALUES (1, 0, 'q', 1, 'h');"
		"INSERT INTO cells (run_id, model_idx, prompt_idx, case_idx, sample, model, output,"
		" finished_at) VALUES (1, 0, 0, 0, 0, 'fake:m', 'yo', 't');", &err), &err);
	must(sl_bundle_export(s, 1, out, false, &err), &err);
	sl_store_close(s);
	free(src);
	free(out);
}

static void bundle_sql(const char *dir, const char *sql)
{
	char *path = bundle_at(dir);
	sqlite3 *h;
	if (sqlite3_open(path, &h) != SQLITE_OK || sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		exit(99);
	sqlite3_close(h);
	free(path);
}

static void bundle_imported(const char *dir, const char *db)
{
	make_bundle(dir, db);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	must(s ? 0 : -1, &err);
	struct sl_bundle_import r;
	char *path = bundle_at(dir);
	must(sl_bundle_import(s, path, &r, &err), &err);
	sl_store_close(s);
	free(path);
}

static void bundle_truncated(const char *dir, const char *db)
{
	make_bundle(dir, db);
	char *path = bundle_at(dir);
	struct stat sb;
	if (stat(path, &sb) != 0 || truncate(path, sb.st_size / 2) != 0)
		exit(99);
	free(path);
}

static void bundle_newer(const char *dir, const char *db)
{
	make_bundle(dir, db);
	bundle_sql(dir, "UPDATE bundle_meta SET value = '2' WHERE key = 'format'");
}

static void bundle_incomplete(const char *dir, const char *db)
{
	make_bundle(dir, db);
	bundle_sql(dir, "DROP TABLE ratings");
}

static const struct ecase cases[] = {
	/* suite */
	{ "suite-missing", "Suite", "the suite file does not exist",
	  NULL, ARGV("run", "$DIR/nosuch.json", "--check"), NULL, false },
	{ "suite-not-json", "Suite", "a trailing comma",
	  FILES("suite.json", "{\"name\": \"s\",\n \"models\": [\"fake:m\"],\n}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "suite-unknown-key", "Suite", "a misspelt key",
	  FILES("suite.json", "{\"name\": \"s\", \"modles\": [\"fake:m\"]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "suite-duplicate-key", "Suite", "a key given twice",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": [\"q@1\"], "
			      "\"dataset\": \"d.csv\", \"samples\": 2, \"scorers\": [{\"name\": "
			      "\"exact\"}], \"samples\": 3}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "suite-no-models", "Suite", "no models",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [], \"prompts\": [\"q@1\"], "
			      "\"dataset\": \"d.csv\", \"scorers\": [{\"name\": \"exact\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "suite-unknown-scorer", "Suite", "a scorer that does not exist",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": [\"q@1\"], "
			      "\"dataset\": \"d.csv\", \"scorers\": [{\"name\": \"exakt\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "suite-scorer-parameter", "Suite", "a misspelt scorer parameter",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": [\"q@1\"], "
			      "\"dataset\": \"d.csv\", \"scorers\": [{\"name\": \"contains\", "
			      "\"value\": \"a\", \"tresh\": 1}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "suite-regex-too-large", "Suite", "a regex whose repetitions blow up",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": [\"q@1\"], "
			      "\"dataset\": \"d.csv\", \"scorers\": [{\"name\": \"regex\", "
			      "\"pattern\": \"ab++++++++++++++++++++++++++++++++++++++++c\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	/* dataset */
	{ "dataset-missing", "Dataset", "the dataset file does not exist",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": [\"q@1\"], "
			      "\"dataset\": \"nosuch.csv\", \"scorers\": [{\"name\": \"exact\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "dataset-csv-quote", "Dataset", "a CSV quote never closed",
	  FILES("d.csv", "text,expected\n\"hi,yo\n"), ARGV("datasets", "show", "$DIR/d.csv"), NULL, false },
	{ "dataset-csv-columns", "Dataset", "a CSV row with more fields than the header",
	  FILES("d.csv", "text,expected\nhi,yo,extra\n"), ARGV("datasets", "show", "$DIR/d.csv"), NULL, false },
	{ "dataset-jsonl-line", "Dataset", "a JSONL line that is not a JSON object",
	  FILES("d.jsonl", "{\"text\": \"hi\"}\n[1, 2]\n"), ARGV("datasets", "show", "$DIR/d.jsonl"), NULL, false },
	{ "dataset-not-utf8", "Dataset", "a dataset that is not UTF-8 (Latin-1 é)",
	  FILES("d.csv", "text,expected\ncaf\xe9,yo\n"), ARGV("datasets", "show", "$DIR/d.csv"), NULL, false },
	{ "dataset-placeholder", "Dataset", "a row without a field the prompt uses",
	  FILES("d.csv", "txt,expected\nhi,yo\n"), ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	/* prompt */
	{ "prompt-unknown-version", "Prompt", "a suite naming a prompt version not in the store",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": [\"q@9\"], "
			      "\"dataset\": \"d.csv\", \"scorers\": [{\"name\": \"exact\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "prompt-unknown-key", "Prompt", "a prompt file with a misspelt key",
	  FILES("p.json", "{\"name\": \"p\", \"usr\": \"hi\"}"), ARGV("prompts", "add", "$DIR/p.json"), NULL, false },
	{ "prompt-placeholder", "Prompt", "a malformed placeholder",
	  FILES("p.json", "{\"name\": \"p\", \"user\": \"hi {{ }}\"}"),
	  ARGV("prompts", "add", "$DIR/p.json"), NULL, false },
	/* providers.json */
	{ "providers-not-json", "providers.json", "not JSON",
	  FILES("config/shortlist/providers.json", "{\"providers\": {"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "providers-not-utf8", "providers.json", "not UTF-8 (a Latin-1 header value)",
	  FILES("config/shortlist/providers.json", "{\"providers\": {\"fake\": {\"kind\": \"openai\", "
						  "\"base_url\": \"http://127.0.0.1:9/v1\",\n"
						  "  \"headers\": {\"X-Team\": \"caf\xe9\"}}}}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "providers-unknown-key", "providers.json", "a misspelt key",
	  FILES("config/shortlist/providers.json", "{\"providers\": {\"fake\": {\"kind\": \"openai\", "
						  "\"base_url\": \"http://127.0.0.1:9/v1\", "
						  "\"limts\": {}}}}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "providers-kind", "providers.json", "an unknown kind",
	  FILES("config/shortlist/providers.json", "{\"providers\": {\"fake\": {\"kind\": \"gpt\", "
						  "\"base_url\": \"http://127.0.0.1:9/v1\"}}}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "providers-plain-http", "providers.json", "plain http to a host on the internet",
	  FILES("config/shortlist/providers.json", "{\"providers\": {\"fake\": {\"kind\": \"openai\", "
						  "\"base_url\": \"http://8.8.8.8/v1\"}}}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "providers-unknown-provider", "providers.json", "a model of a provider not configured",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"nosuch:m\"], \"prompts\": [\"q@1\"], "
			      "\"dataset\": \"d.csv\", \"scorers\": [{\"name\": \"exact\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	/* batch */
	{ "batch-no-api", "Batch", "\"batch\" for a model whose provider has no batch API",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"ollama:llama3\"], \"prompts\": "
			      "[\"q@1\"], \"dataset\": \"d.csv\", \"batch\": true, \"scorers\": "
			      "[{\"name\": \"exact\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "batch-not-a-model", "Batch", "\"batch\" names a model the suite does not have",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"fake:m\"], \"prompts\": "
			      "[\"q@1\"], \"dataset\": \"d.csv\", \"batch\": {\"fake:n\": true}, "
			      "\"scorers\": [{\"name\": \"exact\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "batch-sample", "Batch", "--batch-sample without a number",
	  NULL, ARGV("run", "$DIR/suite.json", "--batch", "--batch-sample", "some"), NULL, false },
	/* missing key */
	{ "key-missing-run", "Missing key", "a suite model whose provider needs a key not set",
	  FILES("suite.json", "{\"name\": \"s\", \"models\": [\"anthropic:claude-x\"], "
			      "\"prompts\": [\"q@1\"], \"dataset\": \"d.csv\", "
			      "\"scorers\": [{\"name\": \"exact\"}]}"),
	  ARGV("run", "$DIR/suite.json", "--check"), NULL, false },
	{ "key-missing-ask", "Missing key", "ask a model whose key is not set",
	  NULL, ARGV("ask", "anthropic:claude-x", "hello"), NULL, false },
	/* gate */
	{ "gate-malformed", "Gate", "an operator typed twice",
	  NULL, ARGV("run", "$DIR/suite.json", "--check", "--gate", "accuracy>>0.8"), NULL, false },
	{ "gate-unit", "Gate", "a unit that does not fit the metric",
	  NULL, ARGV("run", "$DIR/suite.json", "--check", "--gate", "accuracy<=2s"), NULL, false },
	/* theme */
	{ "theme-missing", "Theme", "a theme name that does not exist",
	  FILES("k.keys", ":dump x\n"), ARGV("tui", "--theme", "nosuch", "--script", "$DIR/k.keys"), NULL, false },
	{ "theme-unknown-role", "Theme", "a theme file with an unknown role",
	  FILES("k.keys", ":dump x\n", "bad.theme", "name = bad\nbogus = red on blue\n"),
	  ARGV("tui", "--theme", "$DIR/bad.theme", "--script", "$DIR/k.keys"), NULL, false },
	{ "theme-not-utf8", "Theme", "a theme file that is not UTF-8 (Latin-1 é)",
	  FILES("k.keys", ":dump x\n", "bad.theme", "name = caf\xe9\ntitle = red\n"),
	  ARGV("tui", "--theme", "$DIR/bad.theme", "--script", "$DIR/k.keys"), NULL, false },
	{ "theme-colour", "Theme", "a colour that does not exist",
	  FILES("k.keys", ":dump x\n", "bad.theme", "name = bad\ntitle = purpleish on blue\n"),
	  ARGV("tui", "--theme", "$DIR/bad.theme", "--script", "$DIR/k.keys"), NULL, false },
	/* catalogue */
	{ "catalog-not-json", "Catalogue", "an update from a file that is not JSON",
	  FILES("api.json", "<html>"), ARGV("catalog", "update", "--from", "$DIR/api.json"), NULL, false },
	{ "catalog-not-utf8", "Catalogue", "an update from a file that is not UTF-8 (Latin-1 é)",
	  FILES("api.json", "{\"p\": {\"models\": {\"m\": {\"name\": \"caf\xe9\"}}}}"),
	  ARGV("catalog", "update", "--from", "$DIR/api.json"), NULL, false },
	{ "catalog-filter-key", "Catalogue", "an unknown filter key",
	  NULL, ARGV("models", "--filter", "foo=1"), NULL, false },
	{ "catalog-filter-value", "Catalogue", "a filter value of the wrong type",
	  NULL, ARGV("models", "--filter", "context>=lots"), NULL, false },
	{ "catalog-unknown-model", "Catalogue", "a model the catalogue does not have",
	  NULL, ARGV("models", "show", "nosuch/model"), NULL, false },
	/* database */
	{ "db-directory", "Database", "--db names a directory",
	  NULL, ARGV("--db", "$DIR", "runs", "list"), NULL, true },
	{ "db-corrupt", "Database", "--db names a file that is not a database",
	  FILES("junk.db", "this is not an SQLite database, but it is long enough to look like "
			   "one was meant to be here......................................"),
	  ARGV("--db", "$DIR/junk.db", "runs", "list"), NULL, true },
	{ "db-run-unknown", "Database", "a run that is not in the store",
	  NULL, ARGV("runs", "show", "999"), NULL, false },
	/* run bundles */
	{ "bundle-not-sqlite", "Run bundle", "a file that is not a bundle at all",
	  FILES("notes.slrun", "minutes of the meeting: pick the small model\n"),
	  ARGV("runs", "import", "$DIR/notes.slrun"), NULL, false },
	{ "bundle-foreign", "Run bundle", "an SQLite file that is not a bundle (a store)",
	  NULL, ARGV("runs", "import", "$DIR/shortlist.db"), NULL, false },
	{ "bundle-truncated", "Run bundle", "a bundle cut short in transfer",
	  NULL, ARGV("runs", "import", "$DIR/run.slrun"), NULL, false },
	{ "bundle-newer", "Run bundle", "a bundle of a newer format",
	  NULL, ARGV("runs", "import", "$DIR/run.slrun"), NULL, false },
	{ "bundle-incomplete", "Run bundle", "a bundle with a table missing",
	  NULL, ARGV("runs", "import", "$DIR/run.slrun"), NULL, false },
	{ "bundle-duplicate", "Run bundle", "a run imported a second time",
	  NULL, ARGV("runs", "import", "$DIR/run.slrun"), NULL, false },
	{ "bundle-export-exists", "Run bundle", "exporting over a file that exists",
	  NULL, ARGV("runs", "export", "1", "-o", "$DIR/run.slrun"), NULL, false },
	{ "bundle-tui-open", "Run bundle", "opening a file that is not a bundle in the TUI",
	  FILES("notes.slrun", "minutes of the meeting: pick the small model\n"),
	  ARGV("tui", "--open", "$DIR/notes.slrun"), NULL, false },
	/* terminal */
	{ "terminal-none", "Terminal", "the TUI without a terminal",
	  NULL, ARGV("tui"), NULL, false },
	{ "terminal-too-small", "Terminal", "a screen below 80x24 (shown in place of the screen)",
	  FILES("k.keys", ":dump x\n"), ARGV("tui", "--script", "$DIR/k.keys", "--size", "60x20"),
	  "too small", false },
};

/* Cases that need more than files: run just before the command. */
static const struct {
	const char *id;
	void (*fn)(const char *dir, const char *db);
} setups[] = {
	{ "bundle-truncated", bundle_truncated },
	{ "bundle-newer", bundle_newer },
	{ "bundle-incomplete", bundle_incomplete },
	{ "bundle-duplicate", bundle_imported },
	{ "bundle-export-exists", bundle_imported },
};

/* What one case did: its exit code and the message to document. */
struct outcome {
	int status;
	char *message;
};

static char *replace_all(const char *s, const char *from, const char *to)
{
	char *out = sl_xstrdup(s);
	sl_str_redact(&out, from, to);
	return out;
}

static char *trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
	return s;
}

static char *template_db;

/* The store every case starts from (unless it tests the store itself). */
static void make_template_db(void)
{
	template_db = test_path("template.db");
	char *q = test_write_file("template-q.json", "{\"name\": \"q\", \"user\": \"{{text}}\"}");
	struct run_result r = run_cli(template_db, (const char *[]){ "prompts", "add", q, NULL },
				      NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(q);
}

static struct outcome run_case(const struct ecase *c)
{
	char *dir = test_path(c->id);
	struct sl_error err = { 0 };
	char *cfg = sl_xasprintf("%s/config/shortlist", dir);
	sl_mkdirs(cfg, &err);
	free(cfg);
	/* a good setup, then what the case breaks */
	const char *const base[] = {
		"q.json", "{\"name\": \"q\", \"user\": \"{{text}}\"}",
		"d.csv", "text,expected\nhi,yo\n",
		"suite.json", GOOD_SUITE,
		"config/shortlist/providers.json",
		"{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": \"http://127.0.0.1:9/v1\"}}}",
		NULL };
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *f = pass ? c->files : base; f && f[0]; f += 2) {
			char *rel = sl_xasprintf("%s/%s", c->id, f[0]);
			free(test_write_file(rel, f[1]));
			free(rel);
		}
	char *db = sl_xasprintf("%s/shortlist.db", dir);
	char *config = sl_xasprintf("%s/config", dir);
	const char *const env[] = { "XDG_CONFIG_HOME", config, NULL };
	if (!c->no_prompt) { /* a copy of a store holding prompt q@1: one import, not 38 */
		size_t len;
		char *data = sl_read_file(template_db, &len, &err);
		CHECK(data != NULL && sl_write_file_atomic(db, data, len, &err) == 0);
		free(data);
	}
	const char *argv[32];
	char *owned[32];
	int n = 0;
	for (const char *const *a = c->argv; *a && n < 31; a++) {
		owned[n] = replace_all(*a, "$DIR", dir);
		argv[n] = owned[n];
		n++;
	}
	argv[n] = NULL;
	for (size_t i = 0; i < SL_ARRAY_LEN(setups); i++)
		if (strcmp(setups[i].id, c->id) == 0)
			setups[i].fn(dir, db);
	/* a --db in the case's own arguments comes after ours and wins */
	struct run_result r = run_cli(db, argv, env);
	const char *text = r.err;
	char *line = NULL;
	if (c->grep) {
		const char *hit = strstr(r.out, c->grep);
		if (hit) {
			const char *start = hit, *end = strchr(hit, '\n');
			while (start > r.out && start[-1] != '\n')
				start--;
			line = sl_xstrndup(start, end ? (size_t)(end - start) : strlen(start));
			size_t lead = strspn(line, " ");
			memmove(line, line + lead, strlen(line + lead) + 1);
		}
		text = line ? line : "";
	}
	char *rel = replace_all(text, dir, "$DIR");
	/* the shipped files: wherever the tree is */
	char *root = test_source_path("");
	sl_str_redact(&rel, root, "$SHORTLIST_DATADIR/");
	free(root);
	struct outcome o = { r.status, trim(rel) };
	free(line);
	run_result_free(&r);
	for (int i = 0; i < n; i++)
		free(owned[i]);
	free(config);
	free(db);
	free(dir);
	return o;
}

static const char INTRO[] =
	"# Errors: every bad input, its message and exit code\n"
	"\n"
	"What shortlist says when an input is wrong, and the exit code it ends with (0 ok, 1 a\n"
	"gate failed, 2 bad input or configuration, 3 run incomplete). Nothing already stored is\n"
	"changed by any of these. Each section below is a case of `tests/eval/test_errors.c`: the\n"
	"test sets up the input, runs the command, and checks that the exit code and the whole\n"
	"message (stderr, or the screen's line) are exactly the ones shown (`$DIR` is the case's\n"
	"directory, `$SHORTLIST_DATADIR` where the shipped themes and data are), so this page\n"
	"cannot drift from what the program does. It is generated: after an intended change to a\n"
	"message, run `SHORTLIST_UPDATE_ERRORS=1 meson test -C build test_errors` and review the\n"
	"diff.\n";

static char *render_doc(const struct outcome *got)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, INTRO);
	const char *category = NULL;
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		const struct ecase *c = &cases[i];
		if (!category || strcmp(category, c->category) != 0) {
			category = c->category;
			sl_buf_printf(&b, "\n## %s\n", category);
		}
		sl_buf_printf(&b, "\n### %s\n\n%s: `shortlist", c->id, c->what);
		/* the arguments, quoted where a shell needs it */
		for (const char *const *a = c->argv; *a; a++) {
			bool quote = strpbrk(*a, " <>{}") != NULL;
			sl_buf_printf(&b, " %s%s%s", quote ? "'" : "", *a, quote ? "'" : "");
		}
		sl_buf_printf(&b, "`\n\nexit code %d, %s:\n\n```\n%s\n```\n", got[i].status,
			      c->grep ? "on the screen" : "on stderr", got[i].message);
	}
	return sl_buf_steal(&b);
}

/* The exit code and message block of section id in doc, or false if there is none. */
static bool doc_section(const char *doc, const char *id, int *status, char **message)
{
	char *head = sl_xasprintf("\n### %s\n", id);
	const char *s = strstr(doc, head);
	free(head);
	if (!s)
		return false;
	const char *code = strstr(s, "\nexit code ");
	const char *fence = code ? strstr(code, "\n```\n") : NULL;
	const char *end = fence ? strstr(fence + 5, "\n```\n") : NULL;
	if (!end)
		return false;
	*status = atoi(code + strlen("\nexit code "));
	*message = sl_xstrndup(fence + 5, (size_t)(end - fence - 5));
	return true;
}

static void test_errors_doc(void)
{
	struct outcome got[SL_ARRAY_LEN(cases)];
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		got[i] = run_case(&cases[i]);
		/* bad input is never a crash, and never "ok" */
		CHECK(got[i].status == 2 || (cases[i].grep && got[i].status == 0));
		CHECK(strlen(got[i].message) > 0);
	}
	char *path = test_source_path("doc/errors.md");
	if (getenv("SHORTLIST_UPDATE_ERRORS")) {
		char *doc = render_doc(got);
		struct sl_error err = { 0 };
		CHECK_INT(sl_write_file_atomic(path, doc, strlen(doc), &err), 0);
		free(doc);
	}
	char *doc = sl_read_file(path, NULL, NULL);
	CHECK(doc != NULL);
	for (size_t i = 0; doc && i < SL_ARRAY_LEN(cases); i++) {
		int status;
		char *message;
		if (!doc_section(doc, cases[i].id, &status, &message)) {
			fprintf(stderr, "doc/errors.md has no section \"### %s\"\n", cases[i].id);
			test_failures++;
			continue;
		}
		if (status != got[i].status || strcmp(message, got[i].message) != 0) {
			fprintf(stderr, "%s: doc/errors.md says exit %d:\n%s\nbut the CLI exits %d:\n%s\n",
				cases[i].id, status, message, got[i].status, got[i].message);
			test_failures++;
		}
		free(message);
	}
	/* no section without a case */
	for (const char *s = doc; s && (s = strstr(s, "\n### ")); s++) {
		const char *id = s + 5;
		size_t n = strcspn(id, "\n");
		bool known = false;
		for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
			known |= strlen(cases[i].id) == n && strncmp(cases[i].id, id, n) == 0;
		if (!known) {
			fprintf(stderr, "doc/errors.md: section \"%.*s\" has no case in test_errors.c\n",
				(int)n, id);
			test_failures++;
		}
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		free(got[i].message);
	free(doc);
	free(path);
}

TEST_MAIN_BEGIN
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("OPENAI_API_KEY");
	make_template_db();
	RUN_TEST(test_errors_doc);
	free(template_db);
TEST_MAIN_END
