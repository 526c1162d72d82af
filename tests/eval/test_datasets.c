/* Datasets: JSONL and RFC 4180 CSV (quotes, embedded newlines, BOM, CRLF), content hashes,
 * every error with file, line and column, and placeholder checks against every row. */
#include "test.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval_util.h"
#include "shortlist/dataset.h"
#include "shortlist/utf8.h"

static struct sl_dataset *parse(const char *text, const char *format, struct sl_error *err)
{
	return sl_dataset_parse(text, strlen(text), format[0] == 'c' ? "d.csv" : "d.jsonl", format,
				err);
}

static const char *var(const struct sl_dataset *ds, size_t row, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ds->cases[row].vars, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_jsonl(void)
{
	struct sl_error err = { 0 };
	const char *text = "\xef\xbb\xbf{\"q\": \"one\", \"expected\": \"A\"}\r\n\n"
			   "  {\"q\": \"two\", \"label\": 3, \"extra\": [1]}  \n";
	struct sl_dataset *ds = parse(text, "jsonl", &err);
	CHECK(ds != NULL);
	if (!ds)
		return;
	CHECK_INT(ds->n_cases, 2);
	CHECK_STR(var(ds, 0, "q"), "one");
	CHECK_STR(ds->cases[0].expected, "A");
	CHECK_INT(ds->cases[0].line, 1);
	CHECK_INT(ds->cases[1].line, 3);
	CHECK_STR(ds->cases[1].label, "3");
	CHECK(ds->cases[1].expected == NULL);
	CHECK_INT(ds->n_fields, 4); /* q, expected, label, extra */
	char hex[65];
	sl_sha256_hex(text, strlen(text), hex);
	CHECK_STR(ds->hash, hex);
	sl_dataset_free(ds);

	CHECK(parse("{\"q\": 1}\n{\"q\": 2,, }\n", "jsonl", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.jsonl:2:");
	CHECK_CONTAINS(err.msg, "not valid JSON");
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK(parse("{\"q\": 1}\n[1, 2]\n", "jsonl", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.jsonl:2:1: expected a JSON object");
	CHECK(parse("{\"q\": 1} {\"q\": 2}\n", "jsonl", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.jsonl:1:10:");
	CHECK(parse("\n\n", "jsonl", &err) == NULL);
	CHECK_CONTAINS(err.msg, "no rows");
}

static void test_csv(void)
{
	struct sl_error err = { 0 };
	const char *text = "\xef\xbb\xbftext,label\r\n"
			   "\"Hello, world\",greeting\r\n"
			   "\"She said \"\"hi\"\"\r\nthen left\",story\r\n"
			   "plain,\r\n"
			   "last,x";
	struct sl_dataset *ds = parse(text, "csv", &err);
	CHECK(ds != NULL);
	if (!ds) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK_INT(ds->n_cases, 4);
	CHECK_STR(var(ds, 0, "text"), "Hello, world");
	CHECK_STR(ds->cases[0].label, "greeting");
	CHECK_STR(var(ds, 1, "text"), "She said \"hi\"\nthen left");
	CHECK_INT(ds->cases[1].line, 3);
	CHECK_INT(ds->cases[2].line, 5);
	CHECK(ds->cases[2].label == NULL); /* empty = absent */
	CHECK_STR(var(ds, 3, "label"), "x");
	CHECK_INT(ds->n_fields, 2);
	sl_dataset_free(ds);

	/* one column: a blank line is skipped, a quoted empty value is a row */
	ds = parse("q\n\"\"\n\nx\n\n", "csv", &err);
	CHECK(ds && ds->n_cases == 2);
	if (ds) {
		CHECK_STR(var(ds, 0, "q"), "");
		CHECK_STR(var(ds, 1, "q"), "x");
		CHECK_INT(ds->cases[1].line, 4);
	}
	sl_dataset_free(ds);
	/* old Mac line ends (CR alone) */
	ds = parse("a,b\r1,2\r", "csv", &err);
	CHECK(ds && ds->n_cases == 1 && ds->cases[0].line == 2);
	sl_dataset_free(ds);

	CHECK(parse("a,b\n1,\"open\n2,3\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.csv:2:3: quoted field is never closed");
	CHECK(parse("a,b\n1,x\"y\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.csv:2:4: '\"' inside an unquoted field");
	CHECK(parse("a,b\n\"q\"z,1\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.csv:2:4: unexpected 'z' after a closing quote");
	CHECK(parse("a,b\n1,2\n3\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.csv:3: 1 field, but the header has 2 columns");
	CHECK(parse("a,a\n1,2\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "column name 'a' appears twice");
	CHECK(parse("a,,c\n1,2,3\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "column 2 has an empty name");
	CHECK(parse("", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "empty CSV");
	CHECK(parse("a,b\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "no rows");
}

/* Invalid UTF-8 was accepted and later sent raw in JSON request bodies: now rejected with
 * file:line:col (columns in characters), in both formats, also inside quoted fields. */
static void test_invalid_utf8_rejected(void)
{
	struct sl_error err = { 0 };
	CHECK(parse("q,a\n\"caf\xc3\xa9\nx\xff\",1\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.csv:3:2: not valid UTF-8 (byte 0xff)");
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK(parse("\xef\xbb\xbfq\n\xc3\xa9\xc3(\n", "csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.csv:2:2: not valid UTF-8 (byte 0xc3)");
	CHECK(parse("{\"q\": \"ok\"}\n{\"q\": \"\xe2\x82\"}\n", "jsonl", &err) == NULL);
	CHECK_CONTAINS(err.msg, "d.jsonl:2:8: not valid UTF-8 (byte 0xe2)");
	struct sl_dataset *ds = parse("{\"q\": \"\xe2\x82\xac \xf0\x9f\x98\x80\"}\n", "jsonl", &err);
	CHECK(ds != NULL);
	sl_dataset_free(ds);
}

static void test_load_by_extension(void)
{
	struct sl_error err = { 0 };
	char *p = test_write_file("data.txt", "x");
	CHECK(sl_dataset_load(p, &err) == NULL);
	CHECK_CONTAINS(err.msg, "unknown dataset format");
	free(p);
	CHECK(sl_dataset_load("/nonexistent/d.csv", &err) == NULL);
	CHECK_CONTAINS(err.msg, "/nonexistent/d.csv");
	p = test_write_file("ok.csv", "q\nhello\n");
	struct sl_dataset *ds = sl_dataset_load(p, &err);
	CHECK(ds && ds->n_cases == 1);
	sl_dataset_free(ds);
	free(p);
}

static void test_placeholders_checked_against_every_row(void)
{
	struct sl_error err = { 0 };
	struct sl_dataset *ds = parse("{\"question\": \"a\"}\n{\"question\": \"b\"}\n"
				      "{\"questoin\": \"c\"}\n", "jsonl", &err);
	CHECK(ds != NULL);
	if (!ds)
		return;
	cJSON *o = cJSON_Parse("{\"name\": \"qa\", \"user\": \"Q: {{question}}\"}");
	struct sl_prompt_version pv;
	CHECK(sl_prompt_from_json(o, "t", "prompt", &pv, &err) == 0);
	cJSON_Delete(o);
	pv.version = 2;
	CHECK(sl_dataset_check_prompt(ds, &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "prompt qa@2 uses {{question}}, but row 3 of d.jsonl (line 3) has "
				"no value for 'question'");
	sl_prompt_version_free(&pv);

	o = cJSON_Parse("{\"name\": \"qa\", \"user\": \"Q: {{qestion}}\"}");
	CHECK(sl_prompt_from_json(o, "t", "prompt", &pv, &err) == 0);
	cJSON_Delete(o);
	pv.version = 1;
	CHECK(sl_dataset_check_prompt(ds, &pv, &err) == -1);
	CHECK_CONTAINS(err.msg, "prompt qa@1 uses {{qestion}}, but dataset d.jsonl has no such "
				"field in any row (fields: question, questoin)");
	sl_prompt_version_free(&pv);
	sl_dataset_free(ds);
}

static void test_cli_show(void)
{
	char *db = test_path("ds.db");
	char *ok = test_write_file("show.csv", "text,label\n\"a, b\",x\nc,y\n");
	struct run_result r = run_cli(db, (const char *[]){ "datasets", "show", ok, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "csv, 2 rows, sha256 ");
	CHECK_CONTAINS(r.out, "fields: text label");
	CHECK_CONTAINS(r.out, "{\"text\":\"a, b\",\"label\":\"x\"}");
	run_result_free(&r);
	char *bad = test_write_file("bad.csv", "text,label\n\"open,x\n");
	r = run_cli(db, (const char *[]){ "datasets", "show", bad, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "bad.csv:2:1: quoted field is never closed");
	run_result_free(&r);
	char *latin1 = test_write_file("latin1.jsonl", "{\"text\": \"caf\xe9\"}\n");
	r = run_cli(db, (const char *[]){ "datasets", "show", latin1, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "latin1.jsonl:1:14: not valid UTF-8 (byte 0xe9)");
	run_result_free(&r);
	free(latin1);
	/* a long row is shown cut at 160 bytes, never inside a character */
	struct sl_buf row;
	sl_buf_init(&row);
	sl_buf_puts(&row, "text\na");
	for (int i = 0; i < 100; i++)
		sl_buf_puts(&row, "\xc3\xa9");
	sl_buf_puts(&row, "\n");
	char *wide = test_write_file("wide.csv", row.data);
	r = run_cli(db, (const char *[]){ "datasets", "show", wide, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_INT(sl_utf8_check(r.out, strlen(r.out)), strlen(r.out));
	CHECK_CONTAINS(r.out, "\xc3\xa9...");
	run_result_free(&r);
	sl_buf_free(&row);
	free(wide);
	free(db);
	free(ok);
	free(bad);
}

/* Peak RSS (kB) of `datasets show [--json] FILE`; its stdout in tag.out. ASan's quarantine of
 * freed blocks is made small so that a sanitized build measures what is live, as a plain one. */
static long show_peak_kb(const char *db, const char *file, bool json, const char *tag)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char *opts = sl_xasprintf("%s%squarantine_size_mb=1", asan ? asan : "", asan ? ":" : "");
	const char *env[] = { "ASAN_OPTIONS", opts, NULL };
	const char *argv[] = { "datasets", "show", json ? "--json" : file, json ? file : NULL,
			       NULL };
	pid_t pid = spawn_cli(db, argv, env, tag);
	int status = 0;
	struct rusage ru;
	CHECK_INT(wait4(pid, &status, 0, &ru), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(opts);
	return ru.ru_maxrss;
}

/* `datasets show` reads a file of any size in one pass and keeps only the rows it prints:
 * 200,000 rows (15 MB) peak within a few MB of a 3-row file's run (holding the rows took
 * ~90 MB more), and --json streams every row (issue 15). */
static void test_cli_show_large_in_flat_memory(void)
{
	char *db = test_path("ds.db");
	char *small = test_write_file("small.jsonl", "{\"q\": \"a\"}\n{\"q\": \"b\"}\n{\"q\": \"c\"}\n");
	enum { ROWS = 200000 };
	char *big = test_path("big.jsonl");
	FILE *f = fopen(big, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	for (int i = 0; i < ROWS; i++)
		fprintf(f, "{\"q\": \"question number %d with a few words of padding\", "
			   "\"expected\": \"yes\"}\n", i);
	fclose(f);
	long base = show_peak_kb(db, small, false, "show-small");
	long text = show_peak_kb(db, big, false, "show-big");
	long json = show_peak_kb(db, big, true, "show-json");
	printf("peak RSS: 3 rows %ld kB, 200,000 rows %ld kB, --json %ld kB\n", base, text, json);
	CHECK(text - base < 12 * 1024);
	CHECK(json - base < 12 * 1024);
	char *out_path = test_path("show-big.out"), *json_path = test_path("show-json.out");
	char *out = sl_read_file(out_path, NULL, NULL), *all = sl_read_file(json_path, NULL, NULL);
	CHECK(out && all);
	if (out && all) {
		CHECK_CONTAINS(out, "jsonl, 200000 rows, sha256 ");
		CHECK_CONTAINS(out, "fields: q expected\n   1 (line 1) {\"q\":\"question number 0 ");
		CHECK_CONTAINS(out, "  10 (line 10) {\"q\":\"question number 9 ");
		CHECK_CONTAINS(out, "... 199990 more\n");
		CHECK(strstr(out, "(line 11)") == NULL);
		size_t lines = 0;
		for (const char *p = all; (p = strchr(p, '\n')); p++)
			lines++;
		CHECK_INT(lines, ROWS);
		CHECK_CONTAINS(all, "{\"q\":\"question number 199999 with a few words of padding\","
				    "\"expected\":\"yes\"}\n");
	}
	free(out);
	free(all);
	free(out_path);
	free(json_path);
	free(small);
	free(big);
	free(db);
}

/* ---- a CSV file is read as a stream ---- */

/* From a file, a CSV dataset gives the messages the text gives (path:line:col, code 2),
 * the same rows and the same hash (of the file's bytes, BOM included). */
static void test_csv_file_same(void)
{
	static const char *const texts[] = {
		"\xef\xbb\xbftext,label\r\n\"Hello, world\",greeting\r\n\"She said \"\"hi\"\"\r\nthen "
		"left\",story\r\nplain,\r\nlast,x",
		"a,b\n1,\"open\n2,3\n", "a,b\n1,x\"y\n", "a,b\n\"q\"z,1\n", "a,b\n1,2\n3\n",
		"a,a\n1,2\n", "a,,c\n1,2,3\n", "", "a,b\n", "\n\n", "q,a\n\"caf\xc3\xa9\nx\xff\",1\n",
		"\xef\xbb\xbfq\n\xc3\xa9\xc3(\n",
	};
	char *path = test_path("same.csv");
	for (size_t i = 0; i < SL_ARRAY_LEN(texts); i++) {
		struct sl_error want = { 0 }, got = { 0 };
		struct sl_dataset *a = sl_dataset_parse(texts[i], strlen(texts[i]), path, "csv",
							&want);
		free(test_write_file("same.csv", texts[i]));
		struct sl_dataset *b = sl_dataset_load(path, &got);
		test_current = texts[i];
		CHECK((a == NULL) == (b == NULL));
		CHECK_STR(got.msg, want.msg);
		CHECK_INT(got.code, want.code);
		if (a && b) {
			CHECK_STR(b->hash, a->hash);
			CHECK_INT(b->n_cases, a->n_cases);
			for (size_t k = 0; k < a->n_cases && k < b->n_cases; k++) {
				char *x = cJSON_PrintUnformatted(a->cases[k].vars);
				char *y = cJSON_PrintUnformatted(b->cases[k].vars);
				CHECK_STR(y, x);
				CHECK_INT(b->cases[k].line, a->cases[k].line);
				free(x);
				free(y);
			}
		}
		sl_dataset_free(a);
		sl_dataset_free(b);
	}
	struct sl_error err = { 0 };
	FILE *f = fopen(path, "w");
	fwrite("q\nab\0c\n", 1, 7, f);
	fclose(f);
	CHECK(sl_dataset_load(path, &err) == NULL);
	CHECK_CONTAINS(err.msg, "same.csv: contains a NUL byte: not a text dataset");
	CHECK_INT(err.code, SL_EXIT_USAGE);
	free(path);
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* A run's checking pass over a 32 MB CSV (200,000 rows of 160 bytes) holds a record at a
 * time: measured in a child of its own, its peak RSS grows by far less than the file (the
 * whole file read first grew it by more than the file's size). */
static void test_csv_streamed(void)
{
	char *path = test_path("big.csv");
	FILE *f = fopen(path, "w");
	fputs("text,label\n", f);
	long rows = 200000;
	for (long i = 0; i < rows; i++)
		fprintf(f, "\"review %07ld: it works, mostly, and I would buy it again; the box was "
			   "dented, the manual in the wrong language, the rest fine\",positive\n", i);
	long size = ftell(f);
	fclose(f);
	char *db = test_path("big.db");
	int fds[2];
	CHECK_INT(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct sl_error err = { 0 };
		struct sl_store *s = sl_store_open(db, 0, &err);
		long before = max_rss_kb();
		struct sl_dataset *ds = s ? sl_dataset_spool(s, path, &err) : NULL;
		long grew[2] = { ds ? (long)ds->n_cases : -1, max_rss_kb() - before };
		if (!ds)
			fprintf(stderr, "%s\n", err.msg);
		_exit(write(fds[1], grew, sizeof grew) == sizeof grew ? 0 : 1);
	}
	close(fds[1]);
	long got[2] = { 0, 0 };
	CHECK(read(fds[0], got, sizeof got) == sizeof got);
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_INT(got[0], rows);
	printf("spooling a %ld kB CSV of %ld rows: peak RSS grew by %ld kB\n", size / 1024, rows,
	       got[1]);
	if (!TEST_UNDER_ASAN)
		CHECK(got[1] < size / 1024 / 4);
	free(path);
	free(db);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_jsonl);
	RUN_TEST(test_csv);
	RUN_TEST(test_invalid_utf8_rejected);
	RUN_TEST(test_load_by_extension);
	RUN_TEST(test_placeholders_checked_against_every_row);
	RUN_TEST(test_cli_show);
	RUN_TEST(test_cli_show_large_in_flat_memory);
	RUN_TEST(test_csv_file_same);
	RUN_TEST(test_csv_streamed);
TEST_MAIN_END
