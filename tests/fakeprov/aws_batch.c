/* fakeprov: S3 objects on path-style buckets and Amazon Bedrock's batch inference jobs
 * (CreateModelInvocationJob, GetModelInvocationJob, StopModelInvocationJob), scripted by the
 * script's "bedrock_batch" object. Each record of a finished job is answered exactly as an
 * interactive Converse call to that model would be (its script behaviour, sequence and
 * all); a record whose behaviour is `fault: status` gets Bedrock's error object instead. */
#include "fp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct object {
	char *key; /* "bucket/key" */
	struct sl_buf data;
};

struct job {
	char *arn, *id, *name, *model, *role, *in_uri, *out_uri;
	char *status, *message;
	int polls;        /* GETs answered so far */
	int64_t created_ns;
	bool stop_asked;
	int total, ok, failed; /* records, once the output is written (-1 before) */
};

static pthread_mutex_t g_aws_lock = PTHREAD_MUTEX_INITIALIZER;
static struct object *g_objects;
static size_t g_n_objects;
static struct job *g_jobs;
static size_t g_n_jobs;

static const char *const job_keys[] = { "polls", "delay_ms", "status", "message",
					"malformed_lines", "process", "create_status",
					"create_error_type", "create_message",
					"create_delay_ms" };

int fp_aws_check_script(const cJSON *section, char *err, size_t errsz)
{
	if (!cJSON_IsObject(section)) {
		snprintf(err, errsz, "bedrock_batch must be an object");
		return -1;
	}
	for (const cJSON *k = section->child; k; k = k->next) {
		bool known = false;
		for (size_t i = 0; i < SL_ARRAY_LEN(job_keys) && !known; i++)
			known = strcmp(k->string, job_keys[i]) == 0;
		if (!known) {
			snprintf(err, errsz, "bedrock_batch: unknown key \"%s\"", k->string);
			return -1;
		}
	}
	return 0;
}

/* --- routes ------------------------------------------------------------------------------ */

const char *fp_aws_route(const char *method, const char *url, const char **service)
{
	*service = "bedrock";
	if (strcmp(url, "/model-invocation-job") == 0)
		return strcmp(method, "POST") == 0 ? "bedrock.job_create" : NULL;
	if (strcmp(url, "/model-invocation-jobs") == 0)
		return strcmp(method, "GET") == 0 ? "bedrock.job_list" : NULL;
	if (strncmp(url, "/model-invocation-job/", 22) == 0) {
		size_t n = strlen(url);
		if (strcmp(method, "POST") == 0 && n > 5 && strcmp(url + n - 5, "/stop") == 0)
			return "bedrock.job_stop";
		return strcmp(method, "GET") == 0 ? "bedrock.job_get" : NULL;
	}
	/* S3 lives under /s3/ (endpoint http://127.0.0.1:PORT/s3, path-style /s3/BUCKET/KEY)
	 * so that no other path of fakeprov is mistaken for an object. */
	*service = "s3";
	if (strncmp(url, "/s3/", 4) != 0 || !strchr(url + 4, '/'))
		return NULL;
	if (strcmp(method, "PUT") == 0)
		return "s3.put";
	if (strcmp(method, "GET") == 0)
		return "s3.get";
	return NULL;
}

/* --- objects ----------------------------------------------------------------------------- */

static struct object *object_find(const char *key)
{
	for (size_t i = 0; i < g_n_objects; i++)
		if (strcmp(g_objects[i].key, key) == 0)
			return &g_objects[i];
	return NULL;
}

static void object_put(const char *key, const char *data, size_t len)
{
	struct object *o = object_find(key);
	if (!o) {
		g_objects = sl_xrealloc(g_objects, (g_n_objects + 1) * sizeof *g_objects);
		o = &g_objects[g_n_objects++];
		o->key = sl_xstrdup(key);
		sl_buf_init(&o->data);
	}
	o->data.len = 0;
	sl_buf_append(&o->data, data, len);
}

/* "s3://bucket/key" -> "bucket/key" (caller frees), NULL if not an s3 URI. */
static char *uri_key(const char *uri)
{
	return uri && strncmp(uri, "s3://", 5) == 0 ? sl_xstrdup(uri + 5) : NULL;
}

/* S3's XML error; canonical: the canonical request S3 echoes with SignatureDoesNotMatch
 * (signed header values included: a client must not show the body as it is). */
static void s3_error_full(struct fp_reply *r, int status, const char *code, const char *msg,
			  const char *canonical)
{
	r->status = status;
	r->content_type = "application/xml";
	r->body = sl_xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
			       "<Message>%s</Message>%s%s%s<RequestId>FAKE0000</RequestId></Error>",
			       code, msg, canonical ? "<CanonicalRequest>" : "",
			       canonical ? canonical : "", canonical ? "</CanonicalRequest>" : "");
	r->body_len = strlen(r->body);
}

static void s3_error(struct fp_reply *r, int status, const char *code, const char *msg)
{
	s3_error_full(r, status, code, msg, NULL);
}

void fp_aws_auth_error(struct fp_reply *r, const char *route, const char *type,
		       const char *msg, const char *canonical)
{
	if (strncmp(route, "s3.", 3) != 0) {
		fp_error_reply(r, "bedrock", 403, type, msg);
		return;
	}
	bool sig = type && strstr(type, "Signature") != NULL && canonical;
	s3_error_full(r, 403, sig ? "SignatureDoesNotMatch" : "AccessDenied", msg,
		      sig ? canonical : NULL);
}

static void bedrock_error(struct fp_reply *r, int status, const char *type, const char *msg)
{
	fp_error_reply(r, "bedrock", status, type, msg);
}

/* --- jobs -------------------------------------------------------------------------------- */

static struct job *job_find(const char *ident)
{
	for (size_t i = 0; i < g_n_jobs; i++)
		if (strcmp(g_jobs[i].arn, ident) == 0 || strcmp(g_jobs[i].id, ident) == 0)
			return &g_jobs[i];
	return NULL;
}

static int section_int(const cJSON *s, const char *key, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, key);
	return cJSON_IsNumber(v) ? v->valueint : dflt;
}

static const char *section_str(const cJSON *s, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static bool terminal(const char *st)
{
	return strcmp(st, "Completed") == 0 || strcmp(st, "PartiallyCompleted") == 0 ||
	       strcmp(st, "Failed") == 0 || strcmp(st, "Stopped") == 0 ||
	       strcmp(st, "Expired") == 0;
}

/* Write OUT/JOBID/INPUTFILE.out: each input record answered, the first `process` only. */
static void job_write_output(struct job *j, const cJSON *section, int process)
{
	char *in_key = uri_key(j->in_uri);
	struct object *in = in_key ? object_find(in_key) : NULL;
	const char *file = in_key ? strrchr(in_key, '/') : NULL;
	char *out_base = uri_key(j->out_uri);
	if (!in || !file || !out_base) {
		free(in_key);
		free(out_base);
		return;
	}
	size_t ob = strlen(out_base);
	while (ob && out_base[ob - 1] == '/')
		out_base[--ob] = '\0';
	char *out_key = sl_xasprintf("%s/%s%s.out", out_base, j->id, file);
	int malformed = section_int(section, "malformed_lines", 0);
	struct sl_buf out;
	sl_buf_init(&out);
	int n = 0, ok = 0, failed = 0;
	long in_tokens = 0, out_tokens = 0;
	char *copy = sl_xstrndup(in->data.data ? in->data.data : "", in->data.len);
	j->total = 0;
	for (const char *c = copy; *c; c++)
		j->total += *c == '\n';
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (process >= 0 && n >= process)
			break;
		cJSON *rec = cJSON_Parse(line);
		const cJSON *mi = cJSON_GetObjectItemCaseSensitive(rec, "modelInput");
		cJSON *o = cJSON_CreateObject();
		const char *rid = section_str(rec, "recordId", "");
		cJSON_AddStringToObject(o, "recordId", rid);
		cJSON_AddItemToObject(o, "modelInput", mi ? cJSON_Duplicate(mi, 1)
							  : cJSON_CreateObject());
		int err_status = 0;
		char *err_msg = NULL;
		cJSON *answer = NULL;
		if (!cJSON_IsObject(mi)) {
			err_status = 400;
			err_msg = sl_xstrdup("Malformed input request: modelInput must be an object");
		} else {
			fp_converse_answer(j->model, mi, &answer, &err_status, &err_msg);
		}
		if (answer) {
			const cJSON *u = cJSON_GetObjectItemCaseSensitive(answer, "usage");
			in_tokens += section_int(u, "inputTokens", 0);
			out_tokens += section_int(u, "outputTokens", 0);
			cJSON_AddItemToObject(o, "modelOutput", answer);
			ok++;
		} else {
			cJSON *e = cJSON_AddObjectToObject(o, "error");
			cJSON_AddNumberToObject(e, "errorCode", err_status);
			cJSON_AddStringToObject(e, "errorMessage", err_msg ? err_msg : "error");
			failed++;
		}
		free(err_msg);
		char *s = cJSON_PrintUnformatted(o);
		sl_buf_printf(&out, "%s\n", s);
		free(s);
		cJSON_Delete(o);
		cJSON_Delete(rec);
		n++;
		/* Broken lines between records, as a storage or service fault would leave. */
		if (malformed > 0 && n % 2 == 1) {
			sl_buf_printf(&out, "{\"recordId\":\"broken%d\",\"modelOutput\":{\"output\":\n",
				      malformed);
			malformed--;
		}
	}
	while (malformed-- > 0)
		sl_buf_puts(&out, "not json at all\n");
	free(copy);
	object_put(out_key, out.data ? out.data : "", out.len);
	j->ok = ok;
	j->failed = failed;
	char *manifest_key = sl_xasprintf("%s/%s/manifest.json.out", out_base, j->id);
	char *manifest = sl_xasprintf("{\"totalRecordCount\":%d,\"processedRecordCount\":%d,"
				      "\"successRecordCount\":%d,\"errorRecordCount\":%d,"
				      "\"inputTokenCount\":%ld,\"outputTokenCount\":%ld}",
				      n, n, ok, failed, in_tokens, out_tokens);
	object_put(manifest_key, manifest, strlen(manifest));
	free(manifest);
	free(manifest_key);
	sl_buf_free(&out);
	free(out_key);
	free(out_base);
	free(in_key);
}

/* Move a job along: called on each GET. */
static void job_advance(struct job *j, const cJSON *section)
{
	if (terminal(j->status))
		return;
	if (j->stop_asked) {
		free(j->status);
		j->status = sl_xstrdup("Stopped");
		job_write_output(j, section, section_int(section, "process", 0));
		return;
	}
	int polls = section_int(section, "polls", 1);
	int delay = section_int(section, "delay_ms", 0);
	j->polls++;
	bool due = j->polls > polls && fp_now_ns() - j->created_ns >= (int64_t)delay * 1000000;
	free(j->status);
	if (!due) {
		j->status = sl_xstrdup(j->polls == 1 ? "Submitted" : "InProgress");
		return;
	}
	const char *final = section_str(section, "status", "Completed");
	j->status = sl_xstrdup(final);
	const char *msg = section_str(section, "message", NULL);
	if (msg) {
		free(j->message);
		j->message = sl_xstrdup(msg);
	}
	char *in_key = uri_key(j->in_uri);
	if (!in_key || !object_find(in_key)) {
		free(j->status);
		j->status = sl_xstrdup("Failed");
		free(j->message);
		j->message = sl_xasprintf("Input file %s was not found", j->in_uri);
	} else if (strcmp(final, "Failed") != 0) {
		bool partial = strcmp(final, "Expired") == 0 || strcmp(final, "Stopped") == 0;
		job_write_output(j, section, section_int(section, "process", partial ? 0 : -1));
	}
	free(in_key);
}

static void iso_time(int64_t ns_ago, char *out, size_t n)
{
	time_t t = time(NULL) - (time_t)(ns_ago / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *job_json(const struct job *j)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32];
	cJSON_AddStringToObject(o, "jobArn", j->arn);
	cJSON_AddStringToObject(o, "jobName", j->name);
	cJSON_AddStringToObject(o, "modelId", j->model);
	cJSON_AddStringToObject(o, "roleArn", j->role);
	cJSON_AddStringToObject(o, "status", j->status);
	if (j->message)
		cJSON_AddStringToObject(o, "message", j->message);
	if (j->ok >= 0) {
		cJSON_AddNumberToObject(o, "totalRecordCount", j->total);
		cJSON_AddNumberToObject(o, "processedRecordCount", j->ok + j->failed);
		cJSON_AddNumberToObject(o, "successRecordCount", j->ok);
		cJSON_AddNumberToObject(o, "errorRecordCount", j->failed);
	}
	iso_time(fp_now_ns() - j->created_ns, ts, sizeof ts);
	cJSON_AddStringToObject(o, "submitTime", ts);
	iso_time(0, ts, sizeof ts);
	cJSON_AddStringToObject(o, "lastModifiedTime", ts);
	cJSON *in = cJSON_AddObjectToObject(o, "inputDataConfig");
	cJSON *s3i = cJSON_AddObjectToObject(in, "s3InputDataConfig");
	cJSON_AddStringToObject(s3i, "s3Uri", j->in_uri);
	cJSON *out = cJSON_AddObjectToObject(o, "outputDataConfig");
	cJSON *s3o = cJSON_AddObjectToObject(out, "s3OutputDataConfig");
	cJSON_AddStringToObject(s3o, "s3Uri", j->out_uri);
	return o;
}

static const cJSON *path_get(const cJSON *o, const char *dotted)
{
	char *copy = sl_xstrdup(dotted);
	for (char *save = NULL, *k = strtok_r(copy, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, k);
	free(copy);
	return o;
}

static void job_create(const struct sl_buf *body, const cJSON *section, struct fp_reply *r)
{
	int cs = section_int(section, "create_status", 0);
	if (cs) {
		bedrock_error(r, cs, section_str(section, "create_error_type", "ValidationException"),
			      section_str(section, "create_message", "scripted failure"));
		return;
	}
	cJSON *b = cJSON_ParseWithLength(body->data ? body->data : "", body->len);
	static const char *const required[] = { "jobName", "roleArn", "modelId" };
	for (size_t i = 0; i < SL_ARRAY_LEN(required); i++)
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, required[i]))) {
			char *m = sl_xasprintf("1 validation error detected: Value null at '%s' "
					       "failed to satisfy constraint: Member must not be "
					       "null", required[i]);
			bedrock_error(r, 400, "ValidationException", m);
			free(m);
			cJSON_Delete(b);
			return;
		}
	const cJSON *in = path_get(b, "inputDataConfig.s3InputDataConfig.s3Uri");
	const cJSON *out = path_get(b, "outputDataConfig.s3OutputDataConfig.s3Uri");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "modelInvocationType");
	if (!cJSON_IsString(in) || !cJSON_IsString(out) ||
	    strncmp(in->valuestring, "s3://", 5) != 0 || strncmp(out->valuestring, "s3://", 5) != 0) {
		bedrock_error(r, 400, "ValidationException", "inputDataConfig and outputDataConfig "
			      "need an s3Uri of the form s3://bucket/key");
		cJSON_Delete(b);
		return;
	}
	if (type && (!cJSON_IsString(type) || (strcmp(type->valuestring, "Converse") != 0 &&
					       strcmp(type->valuestring, "InvokeModel") != 0))) {
		bedrock_error(r, 400, "ValidationException", "modelInvocationType must be one of "
			      "[InvokeModel, Converse]");
		cJSON_Delete(b);
		return;
	}
	g_jobs = sl_xrealloc(g_jobs, (g_n_jobs + 1) * sizeof *g_jobs);
	struct job *j = &g_jobs[g_n_jobs++];
	memset(j, 0, sizeof *j);
	j->id = sl_xasprintf("fakejob%05zu", g_n_jobs);
	j->arn = sl_xasprintf("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/%s",
			      j->id);
	j->name = sl_xstrdup(cJSON_GetObjectItemCaseSensitive(b, "jobName")->valuestring);
	j->model = sl_xstrdup(cJSON_GetObjectItemCaseSensitive(b, "modelId")->valuestring);
	j->role = sl_xstrdup(cJSON_GetObjectItemCaseSensitive(b, "roleArn")->valuestring);
	j->in_uri = sl_xstrdup(in->valuestring);
	j->out_uri = sl_xstrdup(out->valuestring);
	j->status = sl_xstrdup("Submitted");
	j->created_ns = fp_now_ns();
	j->ok = j->failed = -1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "jobArn", j->arn);
	fp_reply_json(r, 200, o);
	cJSON_Delete(b);
}

static char *pct_decoded(const char *raw)
{
	char *out = sl_xmalloc(strlen(raw) + 1), *o = out;
	for (const char *s = raw; *s; s++) {
		unsigned v;
		if (s[0] == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* "/model-invocation-job/{ident}[/stop]" -> ident, percent-decoded. Caller frees. */
static char *job_ident(const char *url)
{
	const char *p = url + strlen("/model-invocation-job/");
	char *raw = sl_xstrndup(p, strcspn(p, "/?"));
	char *out = pct_decoded(raw);
	free(raw);
	return out;
}

/* ListModelInvocationJobs: nameContains filters; one page (no nextToken). */
static void job_list(const char *query, struct fp_reply *r)
{
	const char *p = strstr(query, "nameContains=");
	char *want = p ? sl_xstrndup(p + 13, strcspn(p + 13, "&")) : sl_xstrdup("");
	cJSON *o = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(o, "invocationJobSummaries");
	for (size_t i = 0; i < g_n_jobs; i++)
		if (strstr(g_jobs[i].name, want))
			cJSON_AddItemToArray(list, job_json(&g_jobs[i]));
	free(want);
	fp_reply_json(r, 200, o);
}

void fp_aws_handle(const char *route, const char *method, const char *url, const char *query,
		   int *delay_ms, const struct sl_buf *body, const cJSON *section,
		   struct fp_reply *r)
{
	(void)method;
	*delay_ms = 0;
	pthread_mutex_lock(&g_aws_lock);
	char *key = pct_decoded(url + 4); /* "/s3/" BUCKET/KEY, as an s3:// URI names it */
	if (strcmp(route, "s3.put") == 0) {
		object_put(key, body->data ? body->data : "", body->len);
		r->status = 200;
		r->content_type = "application/xml";
		r->body = sl_xstrdup("");
		fp_reply_header(r, "ETag", "\"fake\"");
	} else if (strcmp(route, "s3.get") == 0) {
		struct object *o = object_find(key);
		if (!o) {
			s3_error(r, 404, "NoSuchKey", "The specified key does not exist.");
		} else {
			r->status = 200;
			r->content_type = "application/octet-stream";
			r->body = sl_xstrndup(o->data.data ? o->data.data : "", o->data.len);
			r->body_len = o->data.len;
		}
	} else if (strcmp(route, "bedrock.job_create") == 0) {
		job_create(body, section, r);
		*delay_ms = section_int(section, "create_delay_ms", 0);
	} else if (strcmp(route, "bedrock.job_list") == 0) {
		job_list(query, r);
	} else {
		char *ident = job_ident(url);
		struct job *j = job_find(ident);
		if (!j) {
			char *m = sl_xasprintf("Could not find model invocation job %s", ident);
			bedrock_error(r, 404, "ResourceNotFoundException", m);
			free(m);
		} else if (strcmp(route, "bedrock.job_stop") == 0) {
			if (terminal(j->status)) {
				bedrock_error(r, 400, "ValidationException", "The job is not in a "
					      "state that can be stopped");
			} else {
				j->stop_asked = true;
				free(j->status);
				j->status = sl_xstrdup("Stopping");
				fp_reply_json(r, 200, cJSON_CreateObject());
			}
		} else {
			job_advance(j, section);
			fp_reply_json(r, 200, job_json(j));
		}
		free(ident);
	}
	if (r->body && !r->body_len)
		r->body_len = strlen(r->body);
	free(key);
	pthread_mutex_unlock(&g_aws_lock);
}
