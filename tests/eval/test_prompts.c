/* The prompt catalogue: templates, immutable versions, hashes, diff, export/import, and
 * the CLI (including `prompts edit` with a scripted $EDITOR). */
#include "test.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval_util.h"
#include "shortlist/prompt_edit.h"
#include "shortlist/prompts.h"
#include "shortlist/store.h"

static struct sl_store *open_store(const char *name)
{
	struct sl_error err = { 0 };
	char *path = test_path(name);
	struct sl_store *s = sl_store_open(path, 0, &err);
	if (!s)
		fprintf(stderr, "open %s: %s\n", path, err.msg);
	free(path);
	return s;
}

static int parse_pv(const char *json, struct sl_prompt_version *pv, struct sl_error *err)
{
	cJSON *o = cJSON_Parse(json);
	if (!o) {
		sl_error_set(err, "test JSON does not parse");
		return -1;
	}
	int rc = sl_prompt_from_json(o, "t.json", "prompt", pv, err);
	cJSON_Delete(o);
	return rc;
}

static void test_template(void)
{
	struct sl_error err = { 0 };
	char **names;
	size_t n;
	CHECK(sl_template_vars("Hi {{name}}, {{ city }} and {{name}} again", &names, &n, &err) == 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(names[0], "name");
		CHECK_STR(names[1], "city");
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	CHECK(sl_template_vars("broken {{ name", &names, &n, &err) == -1);
	CHECK_CONTAINS(err.msg, "unclosed");
	CHECK(sl_template_vars("bad {{1x}} here", &names, &n, &err) == -1);
	CHECK_CONTAINS(err.msg, "bad placeholder '{{1x}}'");
	CHECK(sl_template_vars("bad {{}} here", &names, &n, &err) == -1);

	cJSON *vars = cJSON_Parse("{\"name\": \"Ada\", \"n\": 3, \"o\": {\"a\": [1]}, \"z\": null}");
	char *out = sl_template_render("{{name}}/{{n}}/{{o}}/{{z}}|", vars, &err);
	CHECK_STR(out, "Ada/3/{\"a\":[1]}/|");
	free(out);
	CHECK(sl_template_render("{{missing}}", vars, &err) == NULL);
	CHECK_CONTAINS(err.msg, "missing variable 'missing'");
	cJSON_Delete(vars);
}

static void test_versions_are_immutable_and_hashed(void)
{
	struct sl_store *s = open_store("versions.db");
	struct sl_error err = { 0 };
	struct sl_prompt_version pv;
	CHECK(parse_pv("{\"name\": \"triage\", \"tags\": [\"support\"], \"system\": \"Sort.\", "
		       "\"user\": \"Ticket: {{text}}\", \"params\": {\"temperature\": 0, "
		       "\"max_tokens\": 16}}", &pv, &err) == 0);
	char first_hash[65];
	memcpy(first_hash, pv.hash, 65);
	bool created = false;
	CHECK(sl_prompts_add(s, &pv, &created, &err) == 0);
	CHECK(created);
	CHECK_INT(pv.version, 1);
	sl_prompt_version_free(&pv);

	/* same content, different note: no new version */
	CHECK(parse_pv("{\"name\": \"triage\", \"system\": \"Sort.\", \"user\": \"Ticket: {{text}}\", "
		       "\"params\": {\"max_tokens\": 16, \"temperature\": 0}, \"note\": \"again\"}",
		       &pv, &err) == 0);
	CHECK_STR(pv.hash, first_hash);
	CHECK(sl_prompts_add(s, &pv, &created, &err) == 0);
	CHECK(!created);
	CHECK_INT(pv.version, 1);
	sl_prompt_version_free(&pv);

	CHECK(parse_pv("{\"name\": \"triage\", \"system\": \"Sort carefully.\", "
		       "\"user\": \"Ticket: {{text}}\"}", &pv, &err) == 0);
	CHECK(strcmp(pv.hash, first_hash) != 0);
	CHECK(sl_prompts_add(s, &pv, &created, &err) == 0);
	CHECK(created);
	CHECK_INT(pv.version, 2);
	sl_prompt_version_free(&pv);

	/* the database refuses to change a stored version */
	CHECK(sl_store_exec(s, "UPDATE prompt_versions SET messages = '[]' WHERE version = 1",
			    &err) == -1);
	CHECK_CONTAINS(err.msg, "immutable");
	CHECK(sl_store_exec(s, "DELETE FROM prompt_versions", &err) == -1);

	struct sl_prompt_version a, b;
	CHECK(sl_prompts_get_ref(s, "triage@1", &a, &err) == 0);
	CHECK(sl_prompts_get_ref(s, "triage", &b, &err) == 0);
	CHECK_INT(b.version, 2);
	CHECK_STR(a.hash, first_hash);
	CHECK_INT(a.n_tags, 1); /* tags belong to the prompt, kept when a version omits them */
	char *ta = sl_prompt_render_text(&a), *tb = sl_prompt_render_text(&b);
	char *d = sl_text_diff(ta, tb, "triage@1", "triage@2");
	CHECK_CONTAINS(d, "--- triage@1\n+++ triage@2\n");
	CHECK_CONTAINS(d, "-Sort.\n+Sort carefully.\n");
	CHECK_CONTAINS(d, "-temperature = 0\n");
	free(d);
	d = sl_text_diff(ta, ta, "x", "y");
	CHECK_STR(d, "");
	free(d);
	free(ta);
	free(tb);
	sl_prompt_version_free(&a);
	sl_prompt_version_free(&b);

	CHECK(sl_prompts_get_ref(s, "triage@7", &a, &err) == -1);
	CHECK_CONTAINS(err.msg, "no version 7 (versions 1 to 2)");
	CHECK(sl_prompts_get_ref(s, "nosuch", &a, &err) == -1);
	CHECK_CONTAINS(err.msg, "no prompt named 'nosuch' (known: triage)");
	CHECK(sl_prompts_get_ref(s, "triage@x", &a, &err) == -1);
	CHECK_CONTAINS(err.msg, "bad prompt reference");
	sl_store_close(s);
}

static void test_bad_prompt_files(void)
{
	struct sl_error err = { 0 };
	struct sl_prompt_version pv;
	CHECK(parse_pv("{\"name\": \"x\", \"user\": \"u\", \"temprature\": 1}", &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "unknown key prompt.temprature");
	CHECK(parse_pv("{\"name\": \"x\", \"user\": \"u\", \"params\": {\"temp\": 1}}", &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "unknown key prompt.params.temp");
	CHECK(parse_pv("{\"name\": \"x\", \"system\": \"s\"}", &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "needs \"user\"");
	CHECK(parse_pv("{\"user\": \"u\"}", &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "prompt.name is missing");
	CHECK(parse_pv("{\"name\": \"a b\", \"user\": \"u\"}", &pv, &err) == -1);
	CHECK(parse_pv("{\"name\": \"x\", \"user\": \"Hi {{ who\"}", &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "unclosed '{{'");
	CHECK(parse_pv("{\"name\": \"x\", \"user\": \"u\", \"params\": {\"temperature\": 5}}", &pv,
		       &err) == -1);
	CHECK_CONTAINS(err.msg, "temperature must be a number from 0 to 2");
	CHECK(parse_pv("{\"name\": \"x\", \"messages\": [{\"role\": \"robot\", \"content\": \"c\"}]}",
		       &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "prompt.messages[0].role");
	CHECK_INT(err.code, SL_EXIT_USAGE);
}

static void test_export_import_roundtrip(void)
{
	struct sl_store *s = open_store("export.db");
	struct sl_error err = { 0 };
	const char *docs[] = {
		"{\"name\": \"p1\", \"user\": \"A {{x}}\"}",
		"{\"name\": \"p1\", \"user\": \"B {{x}}\", \"params\": {\"stop\": [\"\\n\"]}}",
		"{\"name\": \"p2\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}, "
		"{\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"{{y}}\"}]}",
	};
	for (size_t i = 0; i < 3; i++) {
		struct sl_prompt_version pv;
		bool created;
		CHECK(parse_pv(docs[i], &pv, &err) == 0);
		CHECK(sl_prompts_add(s, &pv, &created, &err) == 0);
		sl_prompt_version_free(&pv);
	}
	char *dir = test_path("exported");
	int n = 0;
	CHECK(sl_prompts_export(s, dir, &n, &err) == 0);
	CHECK_INT(n, 2);
	struct sl_store *t = open_store("import.db");
	int added = 0, same = 0;
	CHECK(sl_prompts_import(t, dir, &added, &same, &err) == 0);
	CHECK_INT(added, 3);
	CHECK_INT(same, 0);
	CHECK(sl_prompts_import(t, dir, &added, &same, &err) == 0);
	CHECK_INT(added, 0);
	CHECK_INT(same, 3);
	struct sl_prompt_version a, b;
	CHECK(sl_prompts_get(s, "p1", 2, &a, &err) == 0);
	CHECK(sl_prompts_get(t, "p1", 2, &b, &err) == 0);
	CHECK_STR(a.hash, b.hash);
	sl_prompt_version_free(&a);
	sl_prompt_version_free(&b);

	/* one bad file: nothing from the directory is stored */
	char *bad = test_path("badimport");
	CHECK(sl_mkdirs(bad, &err) == 0);
	free(test_write_file("badimport/a.json", "{\"name\": \"fresh\", \"user\": \"ok\"}"));
	free(test_write_file("badimport/b.json", "{\"name\": \"other\",\n \"user\": \"x\",\n oops}"));
	struct sl_store *u = open_store("import2.db");
	CHECK(sl_prompts_import(u, bad, &added, &same, &err) == -1);
	CHECK_CONTAINS(err.msg, "b.json:3:");
	CHECK_CONTAINS(err.msg, "not valid JSON");
	struct sl_prompt_info *infos;
	size_t ni = 99;
	CHECK(sl_prompts_list(u, &infos, &ni, &err) == 0);
	CHECK_INT(ni, 0);
	sl_prompt_infos_free(infos, ni);
	sl_store_close(u);
	sl_store_close(t);
	sl_store_close(s);
	free(dir);
	free(bad);
}

/* An export carries each version's lineage (the version it was edited from), its own tags
 * and when it was made; an import into a store that already has other versions of the
 * prompt maps the parent to the numbers it stores them under. */
static void test_export_keeps_lineage_and_version_tags(void)
{
	struct sl_error err = { 0 };
	struct sl_store *s = open_store("lineage-src.db");
	const char *docs[] = { "{\"name\": \"p\", \"user\": \"one {{x}}\"}",
			       "{\"name\": \"p\", \"user\": \"two {{x}}\"}",
			       "{\"name\": \"p\", \"user\": \"three {{x}}\"}" };
	for (int i = 0; i < 3; i++) {
		struct sl_prompt_version pv;
		bool created;
		CHECK(parse_pv(docs[i], &pv, &err) == 0);
		pv.parent = i == 2 ? 1 : 0; /* @3 was edited from @1 */
		CHECK(sl_prompts_add(s, &pv, &created, &err) == 0);
		sl_prompt_version_free(&pv);
	}
	CHECK(sl_prompts_tag(s, "p", 3, "prod", true, &err) == 0);
	CHECK(sl_prompts_tag(s, "p", 1, "baseline", true, &err) == 0);
	char *dir = test_path("lineage-export");
	int n = 0;
	CHECK(sl_prompts_export(s, dir, &n, &err) == 0);

	struct sl_store *t = open_store("lineage-dst.db");
	struct sl_prompt_version other;
	bool created;
	CHECK(parse_pv("{\"name\": \"p\", \"user\": \"theirs {{x}}\"}", &other, &err) == 0);
	CHECK(sl_prompts_add(t, &other, &created, &err) == 0);
	sl_prompt_version_free(&other);
	int added = 0, same = 0;
	CHECK(sl_prompts_import(t, dir, &added, &same, &err) == 0);
	CHECK_INT(added, 3);
	struct sl_prompt_version a, b;
	/* the source's @1 and @3 are @2 and @4 here */
	CHECK(sl_prompts_get(s, "p", 3, &a, &err) == 0);
	CHECK(sl_prompts_get(t, "p", 4, &b, &err) == 0);
	CHECK_STR(b.hash, a.hash);
	CHECK_INT(b.parent, 2);
	CHECK_INT(b.n_version_tags, 1);
	if (b.n_version_tags == 1)
		CHECK_STR(b.version_tags[0], "prod");
	CHECK_STR(b.created_at, a.created_at);
	sl_prompt_version_free(&a);
	sl_prompt_version_free(&b);
	CHECK(sl_prompts_get(t, "p", 2, &b, &err) == 0);
	CHECK_INT(b.parent, 0);
	CHECK_INT(b.n_version_tags, 1);
	if (b.n_version_tags == 1)
		CHECK_STR(b.version_tags[0], "baseline");
	sl_prompt_version_free(&b);

	/* a parent that is not listed before its version is refused, nothing stored */
	char *bad = test_path("lineage-bad");
	CHECK(sl_mkdirs(bad, &err) == 0);
	free(test_write_file("lineage-bad/q.json",
			     "{\"name\": \"q\", \"versions\": [{\"version\": 1, \"parent\": 2, "
			     "\"user\": \"a\"}, {\"version\": 2, \"user\": \"b\"}]}"));
	CHECK(sl_prompts_import(t, bad, &added, &same, &err) == -1);
	CHECK_CONTAINS(err.msg, "q.json: prompt.versions[0].parent must be the number of a "
				"version listed before it");
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK(sl_prompts_get(t, "q", 0, &b, &err) == -1);
	free(test_write_file("lineage-bad/q.json",
			     "{\"name\": \"q\", \"versions\": [{\"version\": 1, \"created_at\": "
			     "\"yesterday\", \"user\": \"a\"}]}"));
	CHECK(sl_prompts_import(t, bad, &added, &same, &err) == -1);
	CHECK_CONTAINS(err.msg, "q.json: prompt.versions[0].created_at must be a time like");
	sl_store_close(t);
	sl_store_close(s);
	free(bad);
	free(dir);
}

static void test_cli_add_edit_diff(void)
{
	char *db = test_path("cli.db");
	char *file = test_write_file("greet.json", "{\"name\": \"greet\", \"system\": \"Be brief.\", "
						   "\"user\": \"Say hi to {{who}}.\"}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", file, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "added greet@1");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "prompts", "add", file, NULL }, NULL);
	CHECK_CONTAINS(r.out, "no new version");
	run_result_free(&r);
	/* a Latin-1 file: named with line and column, nothing stored */
	char *latin1 = test_write_file("latin1.json", "{\"name\": \"greet\",\n \"user\": \"Caf\xe9 {{who}}\"}");
	r = run_cli(db, (const char *[]){ "prompts", "add", latin1, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "latin1.json:2:14: not valid UTF-8 (byte 0xe9)");
	run_result_free(&r);
	free(latin1);

	/* an editor that changes nothing */
	char *noop = test_write_file("noop.sh", "#!/bin/sh\nexit 0\n");
	chmod(noop, 0755);
	r = run_cli(db, (const char *[]){ "prompts", "edit", "greet", NULL },
		    (const char *[]){ "EDITOR", noop, NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "unchanged: no new version");
	run_result_free(&r);

	/* an editor that rewrites the user message */
	char *sed = test_write_file("sed.sh", "#!/bin/sh\nsed -i 's/Say hi/Wave/' \"$1\"\n");
	chmod(sed, 0755);
	r = run_cli(db, (const char *[]){ "prompts", "edit", "greet", NULL },
		    (const char *[]){ "EDITOR", sed, NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "saved greet@2");
	CHECK_CONTAINS(r.out, "+Wave to {{who}}.");
	run_result_free(&r);

	/* an editor that breaks the JSON: nothing saved, the text is kept */
	char *breaker = test_write_file("break.sh", "#!/bin/sh\necho '{oops' > \"$1\"\n");
	chmod(breaker, 0755);
	r = run_cli(db, (const char *[]){ "prompts", "edit", "greet", NULL },
		    (const char *[]){ "EDITOR", breaker, NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "not valid JSON");
	CHECK_CONTAINS(r.err, "your edit is kept in");
	run_result_free(&r);

	/* tags belong to the prompt: changing only them adds no version */
	char *tagger = test_write_file("tag.sh", "#!/bin/sh\nsed -i 's/\"tags\":[[:space:]]*\\[\\]/"
						"\"tags\": [\"greeting\"]/' \"$1\"\n");
	chmod(tagger, 0755);
	r = run_cli(db, (const char *[]){ "prompts", "edit", "greet", NULL },
		    (const char *[]){ "EDITOR", tagger, NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "greet@2 unchanged: no new version (tags updated)");
	run_result_free(&r);
	free(tagger);
	r = run_cli(db, (const char *[]){ "prompts", "list", NULL }, NULL);
	CHECK_CONTAINS(r.out, "greeting");
	run_result_free(&r);

	/* an editor that fails, and one that is not there: nothing saved, the text kept */
	char *fail = test_write_file("fail.sh", "#!/bin/sh\nsed -i 's/Wave/Shout/' \"$1\"\nexit 1\n");
	chmod(fail, 0755);
	r = run_cli(db, (const char *[]){ "prompts", "edit", "greet", NULL },
		    (const char *[]){ "EDITOR", fail, NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "the editor exited with status 1; nothing saved (your text is in");
	run_result_free(&r);
	free(fail);
	r = run_cli(db, (const char *[]){ "prompts", "edit", "greet", NULL },
		    (const char *[]){ "EDITOR", "no-such-editor-here", "VISUAL", "", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "the editor 'no-such-editor-here' was not found");
	run_result_free(&r);

	/* the edit's lineage and tags of one version */
	r = run_cli(db, (const char *[]){ "prompts", "tag", "greet@1", "+old", "stable", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "greet@1 tags: old, stable");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "prompts", "tag", "greet@1", "-old", NULL }, NULL);
	CHECK_CONTAINS(r.out, "greet@1 tags: stable");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "prompts", "tag", "greet", "bad,tag", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "bad tag 'bad,tag'");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "prompts", "show", "greet@2", NULL }, NULL);
	CHECK_CONTAINS(r.out, "edited   from @1");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "prompts", "show", "greet@1", NULL }, NULL);
	CHECK_CONTAINS(r.out, "tagged   stable");
	run_result_free(&r);

	r = run_cli(db, (const char *[]){ "prompts", "diff", "greet@1", "greet@2", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "-Say hi to {{who}}.\n+Wave to {{who}}.\n");
	run_result_free(&r);

	r = run_cli(db, (const char *[]){ "prompts", "list", NULL }, NULL);
	CHECK_CONTAINS(r.out, "greet");
	run_result_free(&r);

	/* export, then import into another database: the same versions and hashes */
	char *dir = test_path("cli-export");
	r = run_cli(db, (const char *[]){ "prompts", "export", dir, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "exported 1 prompt to");
	run_result_free(&r);
	char *db2 = test_path("cli2.db");
	r = run_cli(db2, (const char *[]){ "prompts", "import", dir, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "imported 2 new versions (0 already present)");
	run_result_free(&r);
	struct run_result a = run_cli(db, (const char *[]){ "prompts", "show", "greet@2", "--json",
							     NULL }, NULL);
	struct run_result b = run_cli(db2, (const char *[]){ "prompts", "show", "greet@2", "--json",
							      NULL }, NULL);
	cJSON *ja = cJSON_Parse(a.out), *jb = cJSON_Parse(b.out);
	CHECK(ja && jb);
	if (ja && jb)
		CHECK_STR(cJSON_GetObjectItem(jb, "hash")->valuestring,
			  cJSON_GetObjectItem(ja, "hash")->valuestring);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	run_result_free(&a);
	run_result_free(&b);
	free(dir);
	free(db2);
	r = run_cli(db, (const char *[]){ "prompts", "show", "greet@3", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "no version 3");
	run_result_free(&r);
	char *exp = test_source_path("data/examples/prompts/review-sentiment.json");
	r = run_cli(db, (const char *[]){ "prompts", "add", exp, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "an export file");
	run_result_free(&r);
	free(exp);
	r = run_cli(db, (const char *[]){ "prompts", "frobnicate", NULL }, NULL);
	CHECK_INT(r.status, 2);
	run_result_free(&r);
	free(db);
	free(file);
	free(noop);
	free(sed);
	free(breaker);
}

/* An editor's work: the first `from` in the file at path becomes `to`. */
static void edit_file(const char *path, const char *from, const char *to)
{
	char *text = sl_read_file(path, NULL, NULL);
	char *at = text ? strstr(text, from) : NULL;
	FILE *f = fopen(path, "wb");
	if (!at || !f) {
		fprintf(stderr, "edit_file %s: no '%s'\n", path, from);
		exit(99);
	}
	fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	fclose(f);
	free(text);
}

/* Tags on a prompt and on one version; lineage of an edit started from an older version;
 * an edit stores a version only when the content changed. */
static void test_tags_and_lineage(void)
{
	struct sl_error err = { 0 };
	struct sl_store *s = open_store("tags.db");
	CHECK(s != NULL);
	if (!s)
		return;
	bool created;
	struct sl_prompt_version pv;
	CHECK(parse_pv("{\"name\": \"t\", \"tags\": [\"a\"], \"user\": \"one {{x}}\"}", &pv,
		       &err) == 0);
	CHECK(sl_prompts_add(s, &pv, &created, &err) == 0);
	sl_prompt_version_free(&pv);
	CHECK(parse_pv("{\"name\": \"t\", \"user\": \"two {{x}}\"}", &pv, &err) == 0);
	CHECK(sl_prompts_add(s, &pv, &created, &err) == 0);
	CHECK_INT(pv.version, 2);
	sl_prompt_version_free(&pv);

	/* prompt tags: add (twice is one), remove; version tags on @1 only */
	CHECK(sl_prompts_tag(s, "t", 0, "b", true, &err) == 0);
	CHECK(sl_prompts_tag(s, "t", 0, "b", true, &err) == 0);
	CHECK(sl_prompts_tag(s, "t", 0, "a", false, &err) == 0);
	CHECK(sl_prompts_tag(s, "t", 1, "prod", true, &err) == 0);
	CHECK(sl_prompts_tag(s, "t", 1, "cand", true, &err) == 0);
	CHECK(sl_prompts_tag(s, "t", 1, "cand", false, &err) == 0);
	CHECK(sl_prompts_tag(s, "t", 1, "x y", true, &err) == -1);
	CHECK_CONTAINS(err.msg, "bad tag 'x y'");
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK(sl_prompts_tag(s, "t", 9, "prod", true, &err) == -1);
	CHECK_CONTAINS(err.msg, "prompt 't' has no version 9");
	CHECK(sl_prompts_tag(s, "nope", 0, "prod", true, &err) == -1);
	CHECK_CONTAINS(err.msg, "no prompt named 'nope'");
	struct sl_prompt_version v1;
	CHECK(sl_prompts_get(s, "t", 1, &v1, &err) == 0);
	CHECK_INT(v1.n_tags, 1);
	if (v1.n_tags == 1)
		CHECK_STR(v1.tags[0], "b");
	CHECK_INT(v1.n_version_tags, 1);
	if (v1.n_version_tags == 1)
		CHECK_STR(v1.version_tags[0], "prod");
	CHECK_INT(v1.parent, 0);
	struct sl_prompt_info *list;
	size_t n;
	CHECK(sl_prompts_list(s, &list, &n, &err) == 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(list[0].tags, "b");
		CHECK_STR(list[0].version_tags, "prod");
	}
	sl_prompt_infos_free(list, n);

	/* Editing @1 while @2 is the latest: unchanged stores nothing; changed stores @3 with
	 * parent 1; changed into @2's content adds nothing either. */
	char *path = sl_prompt_edit_begin(&v1, &err);
	CHECK(path != NULL);
	enum sl_prompt_edit_outcome outcome;
	struct sl_prompt_version out;
	CHECK(sl_prompt_edit_finish(s, &v1, path, &out, &outcome, &err) == 0);
	CHECK_INT(outcome, SL_PROMPT_EDIT_UNCHANGED);
	CHECK_INT(out.version, 1);
	CHECK(access(path, F_OK) != 0); /* removed once used */
	sl_prompt_version_free(&out);
	free(path);

	path = sl_prompt_edit_begin(&v1, &err);
	edit_file(path, "one {{x}}", "two {{x}}");
	CHECK(sl_prompt_edit_finish(s, &v1, path, &out, &outcome, &err) == 0);
	CHECK_INT(outcome, SL_PROMPT_EDIT_LATEST);
	CHECK_INT(out.version, 2);
	sl_prompt_version_free(&out);
	free(path);

	path = sl_prompt_edit_begin(&v1, &err);
	edit_file(path, "one {{x}}", "three {{x}}");
	CHECK(sl_prompt_edit_finish(s, &v1, path, &out, &outcome, &err) == 0);
	CHECK_INT(outcome, SL_PROMPT_EDIT_SAVED);
	CHECK_INT(out.version, 3);
	sl_prompt_version_free(&out);
	free(path);
	struct sl_prompt_version v3;
	CHECK(sl_prompts_get(s, "t", 3, &v3, &err) == 0);
	CHECK_INT(v3.parent, 1);
	CHECK_INT(v3.n_version_tags, 0); /* version tags stay with their version */
	sl_prompt_version_free(&v3);

	/* A broken edit: nothing stored, the file kept. */
	path = sl_prompt_edit_begin(&v1, &err);
	FILE *f = fopen(path, "wb");
	fputs("{\"name\": \"t\", \"user\": ", f);
	fclose(f);
	CHECK(sl_prompt_edit_finish(s, &v1, path, &out, &outcome, &err) == -1);
	CHECK_CONTAINS(err.msg, "not valid JSON");
	CHECK(access(path, F_OK) == 0);
	unlink(path);
	free(path);
	CHECK(sl_prompts_get(s, "t", 4, &v3, &err) == -1);
	sl_prompt_version_free(&v1);
	sl_store_close(s);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_template);
	RUN_TEST(test_versions_are_immutable_and_hashed);
	RUN_TEST(test_bad_prompt_files);
	RUN_TEST(test_export_import_roundtrip);
	RUN_TEST(test_export_keeps_lineage_and_version_tags);
	RUN_TEST(test_cli_add_edit_diff);
	RUN_TEST(test_tags_and_lineage);
TEST_MAIN_END
