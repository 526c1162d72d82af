/* End to end: the built shortlist binary (SHORTLIST_EXE) run as a user would, checking exit
 * codes, stdout and stderr. Each run uses its own --db in the test directory. */
#include "test.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <sqlite3.h>

#include "shortlist/util.h"

extern char **environ;

struct run {
	int code;
	char *out, *err;
};

static const char *exe;
static char *db;

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Run the binary with argv (NULL-terminated, without argv[0]); extra_env may be NULL. */
static struct run run_argv(const char *const *args, const char *extra_env)
{
	struct run r = { -1, NULL, NULL };
	char *out_path = test_path("stdout.txt"), *err_path = test_path("stderr.txt");
	const char *argv[64];
	int n = 0;
	argv[n++] = exe;
	for (; args[n - 1] && n < 63; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char **envp = environ;
	char *env_copy[256];
	if (extra_env) {
		int k = 0;
		size_t name_len = strcspn(extra_env, "=") + 1;
		for (char **e = environ; *e && k < 254; e++)
			if (strncmp(*e, extra_env, name_len) != 0)
				env_copy[k++] = *e;
		env_copy[k++] = (char *)extra_env;
		env_copy[k] = NULL;
		envp = env_copy;
	}
	pid_t pid;
	if (posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, envp) != 0) {
		perror("posix_spawn");
		exit(99);
	}
	posix_spawn_file_actions_destroy(&fa);
	int status;
	waitpid(pid, &status, 0);
	r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.out = sl_read_file(out_path, NULL, NULL);
	r.err = sl_read_file(err_path, NULL, NULL);
	free(out_path);
	free(err_path);
	return r;
}

#define RUN(...) run_argv((const char *const[]){ "--db", db, __VA_ARGS__, NULL }, NULL)

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_done_check_lists_real_models(void)
{
	struct run r = RUN("models", "--filter", "open_weights=true", "--filter", "context>=128000",
			   "--sort", "price_out");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "MODEL");
	CHECK_CONTAINS(r.out, "$OUT/1M");
	CHECK(count_lines(r.out) > 100);
	CHECK_CONTAINS(r.out, " models)");
	CHECK_STR(r.err, "");
	run_free(&r);
	/* Unknown prices print as '?', never as 0: the cheapest-last rows have no price. */
	r = RUN("models", "--search", "anyapi/anthropic/claude-haiku-4-5");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "        ?        ?  ");
	run_free(&r);
	r = RUN("models", "--filter", "price_out>=0", "--csv");
	int priced = count_lines(r.out);
	run_free(&r);
	r = RUN("models", "--csv");
	CHECK(count_lines(r.out) - priced == 5276 - 4894);
	run_free(&r);
	r = RUN("models", "--sort", "price_in", "--json");
	CHECK_INT(r.code, 0);
	cJSON *j = cJSON_Parse(r.out);
	CHECK(cJSON_IsArray(j));
	CHECK_INT(cJSON_GetArraySize(j), 5276);
	cJSON *last = cJSON_GetArrayItem(j, cJSON_GetArraySize(j) - 1);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(last, "price_in")));
	cJSON_Delete(j);
	run_free(&r);
}

static void test_list_formats_and_limit(void)
{
	struct run r = RUN("models", "--filter", "provider=openai", "--sort", "-context",
			   "--json", "--limit", "2");
	CHECK_INT(r.code, 0);
	cJSON *j = cJSON_Parse(r.out);
	CHECK_INT(cJSON_GetArraySize(j), 2);
	cJSON *first = cJSON_GetArrayItem(j, 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(first, "provider")), "openai");
	cJSON_Delete(j);
	run_free(&r);

	r = RUN("models", "--csv", "--limit", "3", "--sort", "key");
	CHECK_INT(r.code, 0);
	CHECK_INT(count_lines(r.out), 4);
	CHECK(sl_str_starts_with(r.out, "key,provider,model_id,name"));
	CHECK_CONTAINS(r.out, ",shortlisted\r\n"); /* RFC 4180 line ends, as every CSV we write */
	run_free(&r);

	r = RUN("models", "--search", "gpt-4o", "--filter", "provider=openai", "--limit", "1");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "openai/gpt-4o");
	CHECK_CONTAINS(r.out, "models shown");
	run_free(&r);

	r = RUN("models", "--filter", "provider=openai", "--filter", "family=gpt-mini", "--search",
		"gpt-4o-mini", "--sort", "key");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "0.15");
	CHECK_CONTAINS(r.out, "0.60");
	run_free(&r);
}

static void test_bad_usage_exits_2_with_valid_values(void)
{
	struct run r = RUN("models", "--filter", "bogus=1");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "unknown filter key 'bogus'");
	CHECK_CONTAINS(r.err, "valid keys are provider");
	CHECK_STR(r.out, "");
	run_free(&r);
	r = RUN("models", "--filter", "context>=big");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "128k");
	run_free(&r);
	r = RUN("models", "--filter", "size=XL");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "SLM or LLM");
	run_free(&r);
	r = RUN("models", "--sort", "speed");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "unknown sort key 'speed'");
	CHECK_CONTAINS(r.err, "price_out");
	run_free(&r);
	r = RUN("models", "--limit", "many");
	CHECK_INT(r.code, 2);
	run_free(&r);
	r = RUN("models", "--wat");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "unknown argument '--wat'");
	run_free(&r);
	r = RUN("models", "--filter");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "needs a value");
	run_free(&r);
	r = RUN("catalog");
	CHECK_INT(r.code, 2);
	run_free(&r);
	r = RUN("catalog", "frobnicate");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "update or info");
	run_free(&r);
	r = RUN("shortlist", "frobnicate");
	CHECK_INT(r.code, 2);
	run_free(&r);
	r = RUN("catalog", "update", "--timeout", "soon");
	CHECK_INT(r.code, 2);
	run_free(&r);
}

static void test_show_find_and_annotate(void)
{
	struct run r = RUN("models", "show", "openai/gpt-4o");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "openai/gpt-4o  GPT-4o");
	CHECK_CONTAINS(r.out, "$2.50 in, $10.00 out (per 1M tokens)");
	CHECK_CONTAINS(r.out, "text,image,pdf");
	CHECK_CONTAINS(r.out, "licence          ?");
	run_free(&r);
	r = RUN("models", "show", "openai:gpt-4o");
	CHECK_INT(r.code, 0);
	run_free(&r);
	r = RUN("models", "show", "gpt-4o");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "ambiguous");
	CHECK_CONTAINS(r.err, "openai/gpt-4o");
	run_free(&r);
	r = RUN("models", "show", "gpt4o-nope");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "no model 'gpt4o-nope'");
	run_free(&r);
	r = RUN("models", "show");
	CHECK_INT(r.code, 2);
	run_free(&r);

	/* A model with published benchmarks and weights: sources are printed. */
	r = RUN("models", "show", "deepseek/deepseek-v4-pro");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "published benchmarks (canonical model deepseek/deepseek-v4-pro)");
	CHECK_CONTAINS(r.out, "[headline]");
	CHECK_CONTAINS(r.out, "https://");
	CHECK_CONTAINS(r.out, "weights:");
	run_free(&r);
	/* A derived parameter count is marked as such. */
	r = RUN("models", "show", "ollama-cloud/gpt-oss:120b");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "120B (derived from the model id)");
	CHECK_CONTAINS(r.out, "LLM (derived)");
	run_free(&r);

	r = RUN("models", "annotate", "openai/gpt-4o", "--license", "Proprietary", "--params",
		"200B", "--commercial", "yes", "--fine-tunable", "yes", "--domains", "legal,code",
		"--notes", "our default");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "annotated openai/gpt-4o");
	run_free(&r);
	r = RUN("models", "show", "openai/gpt-4o");
	CHECK_CONTAINS(r.out, "Proprietary (your annotation)");
	CHECK_CONTAINS(r.out, "200B (your annotation)");
	CHECK_CONTAINS(r.out, "legal,code");
	CHECK_CONTAINS(r.out, "our default");
	run_free(&r);
	r = RUN("models", "--filter", "domain=legal", "--filter", "commercial=yes", "--csv");
	CHECK_INT(r.code, 0);
	CHECK_INT(count_lines(r.out), 2);
	CHECK_CONTAINS(r.out, "openai/gpt-4o,");
	run_free(&r);
	r = RUN("models", "show", "openai/gpt-4o", "--json");
	CHECK_INT(r.code, 0);
	cJSON *j = cJSON_Parse(r.out);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "license")), "Proprietary");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "license_annotated")));
	CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "params_b")), 200, 1e-9);
	CHECK(cJSON_IsObject(cJSON_GetObjectItem(j, "catalog")));
	cJSON_Delete(j);
	run_free(&r);
	/* --clear forgets everything about a model; a second model keeps its own. */
	r = RUN("models", "annotate", "openai/gpt-4o-mini", "--notes", "cheap", "--domains", "x");
	CHECK_INT(r.code, 0);
	run_free(&r);
	r = RUN("models", "annotate", "openai/gpt-4o-mini", "--clear");
	CHECK_INT(r.code, 0);
	run_free(&r);
	r = RUN("models", "show", "openai/gpt-4o-mini");
	CHECK_CONTAINS(r.out, "notes            ?");
	run_free(&r);
	r = RUN("models", "annotate", "openai/gpt-4o", "--params", "lots");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "70B");
	run_free(&r);
	r = RUN("models", "annotate", "openai/gpt-4o", "--commercial", "perhaps");
	CHECK_INT(r.code, 2);
	run_free(&r);
	r = RUN("models", "annotate", "openai/gpt-4o");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "nothing to record");
	run_free(&r);
}

static void test_shortlist_add_rm_list(void)
{
	struct run r = RUN("shortlist", "add", "openai/gpt-4o", "anthropic:claude-sonnet-4-5");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "added openai/gpt-4o");
	CHECK_CONTAINS(r.out, "added anthropic/claude-sonnet-4-5");
	run_free(&r);
	r = RUN("shortlist", "list");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "openai/gpt-4o");
	CHECK_CONTAINS(r.out, "anthropic/claude-sonnet-4-5");
	CHECK_CONTAINS(r.out, "(2 models)");
	run_free(&r);
	r = RUN("models", "--filter", "shortlisted=true", "--csv");
	CHECK_INT(count_lines(r.out), 3);
	run_free(&r);
	r = RUN("shortlist", "add", "no/such-model");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "no model 'no/such-model'");
	run_free(&r);
	r = RUN("shortlist", "rm", "anthropic/claude-sonnet-4-5");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "removed anthropic/claude-sonnet-4-5");
	run_free(&r);
	r = RUN("shortlist", "rm", "anthropic/claude-sonnet-4-5");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "not in the shortlist");
	run_free(&r);
	r = RUN("shortlist", "list", "--json");
	cJSON *j = cJSON_Parse(r.out);
	CHECK_INT(cJSON_GetArraySize(j), 1);
	cJSON_Delete(j);
	run_free(&r);
}

static char *info_sha(void)
{
	struct run r = RUN("catalog", "info", "--json");
	cJSON *j = cJSON_Parse(r.out);
	char *sha = sl_xstrdup(j ? cJSON_GetStringValue(cJSON_GetObjectItem(j, "sha256")) : "");
	cJSON_Delete(j);
	run_free(&r);
	return sha;
}

static void test_catalog_update_and_info(void)
{
	struct run r = RUN("catalog", "info");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "f3fc692299671838c7c65fd8126bf84d81a2e817");
	CHECK_CONTAINS(r.out, "2026-07-02");
	CHECK_CONTAINS(r.out, "providers        147");
	CHECK_CONTAINS(r.out, "models           5276");
	CHECK_CONTAINS(r.out, "canonical models 231");
	run_free(&r);

	/* Bad inputs: exit 2, the file and JSON path named, catalogue unchanged. */
	char *sha0 = info_sha();
	char *bad = test_write_file("bad.json", "{\"providers\": {\"openai\": {\"id\": \"openai\", "
				    "\"models\": {\"gpt-4o\": {\"limit\": {\"context\": \"big\"}}}}}}");
	r = RUN("catalog", "update", "--from", bad);
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, bad);
	CHECK_CONTAINS(r.err, "providers.openai.models.gpt-4o.limit.context");
	CHECK_CONTAINS(r.err, "previous catalogue was kept");
	run_free(&r);
	char *sha1 = info_sha();
	CHECK_STR(sha1, sha0);
	free(sha1);
	free(bad);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd); /* now a closed port */
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api.json", ntohs(a.sin_port));
	r = RUN("catalog", "update", "--from", url, "--timeout", "5");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, url);
	CHECK_CONTAINS(r.err, "the catalogue was not changed");
	run_free(&r);
	sha1 = info_sha();
	CHECK_STR(sha1, sha0);
	free(sha1);

	/* A good file: annotations and the shortlist survive. */
	char *api = test_source_path("tests/catalog/fixtures/api.json");
	r = RUN("catalog", "update", "--from", api);
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "2 providers, 3 models");
	run_free(&r);
	r = RUN("catalog", "info");
	CHECK_CONTAINS(r.out, "api.json shape");
	CHECK_CONTAINS(r.out, "(not recorded by this source)");
	CHECK_CONTAINS(r.out, "your annotations 1");
	CHECK_CONTAINS(r.out, "shortlisted      1");
	run_free(&r);
	r = RUN("shortlist", "list");
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.err, "no longer in the catalogue:\nopenai/gpt-4o");
	run_free(&r);

	/* file:// URL back to the shipped snapshot; the annotation is visible again. */
	char *snap = test_source_path("data/models.dev-catalog.json");
	char *file_url = sl_xasprintf("file://%s", snap);
	r = RUN("catalog", "update", "--from", file_url);
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "147 providers, 5276 models");
	run_free(&r);
	r = RUN("models", "show", "openai/gpt-4o");
	CHECK_CONTAINS(r.out, "our default");
	CHECK_CONTAINS(r.out, "shortlisted      yes");
	run_free(&r);
	free(file_url);
	free(snap);
	free(api);
	free(sha0);
}

static void test_help_everywhere(void)
{
	static const char *const cmds[][3] = {
		{ "models", "--help", NULL },           { "models", "show", "--help" },
		{ "models", "annotate", "--help" },     { "shortlist", "--help", NULL },
		{ "shortlist", "add", "--help" },       { "shortlist", "rm", "--help" },
		{ "shortlist", "list", "--help" },      { "catalog", "--help", NULL },
		{ "catalog", "update", "--help" },      { "catalog", "info", "--help" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cmds); i++) {
		struct run r = run_argv((const char *const[]){ "--db", db, cmds[i][0], cmds[i][1],
							       cmds[i][2], NULL }, NULL);
		CHECK_INT(r.code, 0);
		CHECK_CONTAINS(r.out, "usage: shortlist ");
		run_free(&r);
	}
	struct run r = RUN("models", "--help");
	CHECK_CONTAINS(r.out, "open_weights=true|false");
	CHECK_CONTAINS(r.out, "SLM is");
	run_free(&r);
}

static void test_unusable_databases_exit_2(void)
{
	char *junk = test_write_file("junk.db", "this is not a database, just text that is long "
				     "enough to be read as a header of a file............");
	struct run r = run_argv((const char *const[]){ "--db", junk, "models", NULL }, NULL);
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "not a shortlist database");
	run_free(&r);
	free(junk);
	/* A database from a newer shortlist. */
	char *newer = test_path("newer.db");
	sqlite3 *raw;
	CHECK(sqlite3_open(newer, &raw) == SQLITE_OK);
	CHECK(sqlite3_exec(raw, "PRAGMA user_version = 999", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(raw);
	r = run_argv((const char *const[]){ "--db", newer, "shortlist", "list", NULL }, NULL);
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "newer than this shortlist understands");
	run_free(&r);
	r = run_argv((const char *const[]){ "--db", newer, "catalog", "update", "--from", newer,
					    NULL }, NULL);
	CHECK_INT(r.code, 2);
	run_free(&r);
	free(newer);
	/* A directory given as the database. */
	char *dir = test_path("");
	r = run_argv((const char *const[]){ "--db", dir, "models", NULL }, NULL);
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "is a directory");
	run_free(&r);
	free(dir);
	/* Missing shipped data: a clear message, exit 2, nothing half-loaded. */
	char *fresh = test_path("nodata.db");
	r = run_argv((const char *const[]){ "--db", fresh, "models", NULL },
		     "SHORTLIST_DATADIR=/nonexistent-shortlist-share");
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "/nonexistent-shortlist-share/data/models.dev-catalog.json");
	CHECK_CONTAINS(r.err, "SHORTLIST_DATADIR");
	run_free(&r);
	free(fresh);
}

TEST_MAIN_BEGIN
	exe = getenv("SHORTLIST_EXE");
	if (!exe) {
		fprintf(stderr, "SHORTLIST_EXE is not set\n");
		return 99;
	}
	db = test_path("cli.db");
	RUN_TEST(test_done_check_lists_real_models);
	RUN_TEST(test_list_formats_and_limit);
	RUN_TEST(test_bad_usage_exits_2_with_valid_values);
	RUN_TEST(test_show_find_and_annotate);
	RUN_TEST(test_shortlist_add_rm_list);
	RUN_TEST(test_catalog_update_and_info);
	RUN_TEST(test_help_everywhere);
	RUN_TEST(test_unusable_databases_exit_2);
	free(db);
TEST_MAIN_END
