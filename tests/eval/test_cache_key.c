/* The response cache's keys do not change with how they are written: each is the SHA-256 of
 * the cJSON_PrintUnformatted text of {endpoint, kind, model, messages, params, sample[,
 * stream: false]}, for prompts with quotes, backslashes, control characters and UTF-8 and
 * with every parameter set. A different key would make every answer cached before it a miss. */
#include "test.h"

#include <cjson/cJSON.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

static struct fakeprov *fp;

/* The key as the runner wrote it when it built a cJSON object per cell. */
static char *key_of(const char *model, const char *system, const char *user, int sample,
		    bool stream)
{
	cJSON *o = cJSON_CreateObject();
	char *endpoint = sl_xasprintf("%s/v1", fp->base);
	cJSON_AddStringToObject(o, "endpoint", endpoint);
	cJSON_AddStringToObject(o, "kind", "openai");
	cJSON_AddStringToObject(o, "model", model);
	cJSON *a = cJSON_AddArrayToObject(o, "messages");
	const char *roles[] = { "system", "user" }, *texts[] = { system, user };
	for (int i = 0; i < 2; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", roles[i]);
		cJSON_AddStringToObject(m, "content", texts[i]);
		cJSON_AddItemToArray(a, m);
	}
	cJSON *pj = cJSON_AddObjectToObject(o, "params");
	cJSON_AddNumberToObject(pj, "temperature", 0.7);
	cJSON_AddNumberToObject(pj, "top_p", 0.95);
	cJSON_AddNumberToObject(pj, "max_tokens", 64);
	cJSON *st = cJSON_AddArrayToObject(pj, "stop");
	cJSON_AddItemToArray(st, cJSON_CreateString("\"end\""));
	cJSON_AddItemToArray(st, cJSON_CreateString("\n\n"));
	cJSON_AddTrueToObject(pj, "json");
	cJSON_AddNumberToObject(o, "sample", sample);
	if (!stream)
		cJSON_AddFalseToObject(o, "stream");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(endpoint);
	char hex[65];
	sl_sha256_hex(s, strlen(s), hex);
	cJSON_free(s);
	return sl_xstrdup(hex);
}

static void test_keys_unchanged(void)
{
	write_fake_provider(fp->base);
	char *db = test_path("keys.db");
	/* The prompt's text as JSON: a quote, a backslash, a tab, a control byte, UTF-8. */
	char *p = test_write_file("p.json",
		"{\"name\": \"k\", \"system\": \"Be \\\"exact\\\" \\\\ no\\ttabs\\u0001 caf\xc3\xa9\", "
		"\"user\": \"Q: {{text}}\\nA:\", \"params\": {\"temperature\": 0.7, \"top_p\": 0.95, "
		"\"max_tokens\": 64, \"stop\": [\"\\\"end\\\"\", \"\\n\\n\"], "
		"\"response_format\": \"json\"}}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(test_write_file("cases.jsonl", "{\"text\": \"one \\u00e9\"}\n{\"text\": \"two\\r\\n\"}\n"));
	char *suite = test_write_file("s.json",
		"{\"models\": [\"fake:m-a\", \"fake:m-b\"], \"prompts\": [\"k\"], \"dataset\": "
		"\"cases.jsonl\", \"samples\": 2, \"stream\": {\"fake:m-b\": false}, "
		"\"scorers\": [\"levenshtein\"]}");
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM response_cache"), 8);
	const char *sys = "Be \"exact\" \\ no\ttabs\x01 caf\xc3\xa9";
	const char *users[] = { "Q: one \xc3\xa9\nA:", "Q: two\r\n\nA:" };
	const char *models[] = { "m-a", "m-b" };
	for (int m = 0; m < 2; m++)
		for (int c = 0; c < 2; c++)
			for (int s = 0; s < 2; s++) {
				char *key = key_of(models[m], sys, users[c], s, m == 0);
				char *sql = sl_xasprintf("SELECT COUNT(*) FROM response_cache WHERE "
							 "key = '%s'", key);
				if (db_query_int(db, sql) != 1)
					fprintf(stderr, "  no key for model %d, case %d, sample %d\n",
						m, c, s);
				CHECK_INT(db_query_int(db, sql), 1);
				free(sql);
				free(key);
			}
	free(suite);
	free(p);
	free(db);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	RUN_TEST(test_keys_unchanged);
	fakeprov_stop(fp);
TEST_MAIN_END
