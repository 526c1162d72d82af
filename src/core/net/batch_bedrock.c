/* Amazon Bedrock batch inference ("model invocation jobs"): the records go to an S3 bucket
 * the user owns, a job reads them and writes its answers next to them.
 *
 *   upload   PUT s3://BUCKET/PREFIXshortlist-bID-T/input.jsonl (SigV4, service "s3",
 *            streamed from the input file with its SHA-256 as x-amz-content-sha256);
 *   submit   POST /model-invocation-job {jobName, roleArn, modelId, clientRequestToken,
 *            modelInvocationType: "Converse", inputDataConfig.s3InputDataConfig.s3Uri,
 *            outputDataConfig.s3OutputDataConfig.s3Uri} -> jobArn (service "bedrock");
 *   poll     GET /model-invocation-job/ARN: status Submitted, Validating, Scheduled,
 *            InProgress, Stopping (running); Completed, PartiallyCompleted, Failed,
 *            Stopped, Expired (ended), with a message;
 *   collect  GET OUT/JOBID/input.jsonl.out: one line per record, {"recordId", "modelInput",
 *            "modelOutput"} or, for a record that failed, "error": {"errorCode",
 *            "errorMessage"} instead of modelOutput;
 *   cancel   POST /model-invocation-job/ARN/stop.
 * With modelInvocationType "Converse" a record's modelInput is the Converse request body and
 * its modelOutput the Converse response (batch-inference-data, batch-inference-results in the
 * Bedrock user guide), so records are built and answers parsed by bedrock.c exactly as for
 * an interactive call. recordId must be alphanumeric: our custom ids' '-' travel as 'x'.
 *
 * Limits (Bedrock's Service Quotas, per model and region; the user guide names them but the
 * defaults are per model): "Records per batch inference job" and "Records per input file per
 * batch inference job" (50,000 for most models), "Batch inference input file size" and "job
 * size" (GB range), and "Minimum number of records per batch inference job" (100 for most
 * models). We cut at 50,000 records and at 200 MB, below every default we found, and refuse
 * a batch under the minimum before anything is sent (providers.json batch.min_records
 * and batch.max_records change them for an account whose quotas differ; the batcher splits
 * a model's records so that no job falls under the minimum). Price: 50% of on-demand.
 *
 * Configuration, in providers.json under the Bedrock provider (checked before anything is
 * sent; messages name the file and key):
 *   "batch": { "bucket": "my-evals", "prefix": "shortlist/",
 *              "role_arn": "arn:aws:iam::123456789012:role/BedrockBatch",
 *              "endpoint": URL, "s3_endpoint": URL,   (optional: another endpoint, tests)
 *              "min_records": 100, "max_records": 50000 }   (optional)
 * The role is the one Bedrock assumes to read and write the bucket. Credentials are the
 * provider's (bedrock.c), access keys only (a Bedrock API key cannot sign S3 requests); they
 * go into request headers and nowhere else: not into records, objects or stored refs. */
#include "shortlist/batch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"
#include "shortlist/paths.h"
#include "shortlist/s3.h"

#define MAX_RECORDS 50000
#define MAX_BYTES (200 * 1000 * 1000)
#define MIN_RECORDS 100

struct brb {
	struct sl_aws_creds *creds;
	struct sl_sigv4_credentials sc;
	char *bucket, *prefix, *role_arn, *endpoint, *s3_endpoint;
	int64_t min_records, max_records;
};

static void brb_free(void *p)
{
	struct brb *s = p;
	sl_aws_creds_free(s->creds);
	free(s->bucket);
	free(s->prefix);
	free(s->role_arn);
	free(s->endpoint);
	free(s->s3_endpoint);
	free(s);
}

/* --- configuration --------------------------------------------------------------------- */

static bool bucket_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' &&
		    *s != '.')
			return false;
	return true;
}

static int conf_string(const cJSON *o, const char *key, char **dst, const char *where,
		       struct sl_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !*v->valuestring) {
		sl_error_set(err, "%s.%s: must be a non-empty string", where, key);
		return -1;
	}
	*dst = sl_xstrdup(v->valuestring);
	return 0;
}

static const char *env_first(const char *a, const char *b)
{
	const char *v = sl_env_nonempty(a);
	return v ? v : sl_env_nonempty(b);
}

/* A records quota: a whole number from 1 to MAX_RECORDS, or def when absent. */
static int conf_records(const cJSON *o, const char *key, int64_t def, int64_t *dst,
			const char *where, struct sl_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*dst = def;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > MAX_RECORDS ||
	    v->valuedouble != (double)(int64_t)v->valuedouble) {
		sl_error_set(err, "%s.%s: must be a whole number from 1 to %d", where, key,
			     MAX_RECORDS);
		return -1;
	}
	*dst = (int64_t)v->valuedouble;
	return 0;
}

/* Read and check the provider's "batch" object; fill s. */
static int read_conf(const struct sl_provider_conf *pc, struct brb *s, struct sl_error *err)
{
	static const char *const keys[] = { "bucket", "prefix", "role_arn", "endpoint",
					    "s3_endpoint", "min_records", "max_records" };
	char *file = NULL;
	if (pc->batch_origin) {
		file = sl_xstrdup(pc->batch_origin);
	} else {
		char *dir = sl_paths_config_dir();
		file = sl_xasprintf("%s/providers.json", dir);
		free(dir);
	}
	char *where = sl_xasprintf("%s: providers.%s.batch", file, pc->name);
	int rc = -1;
	cJSON *o = pc->batch ? cJSON_Parse(pc->batch) : NULL;
	if (!o) {
		sl_error_set(err, "%s: missing. Bedrock batch jobs read and write their records in "
			     "an S3 bucket of yours through an IAM role Bedrock assumes: add "
			     "\"batch\": {\"bucket\": \"BUCKET\", \"prefix\": \"shortlist/\", "
			     "\"role_arn\": \"arn:aws:iam::ACCOUNT:role/ROLE\"} to provider \"%s\" "
			     "(README: Batch runs)", where, pc->name);
		goto out;
	}
	for (const cJSON *k = o->child; k; k = k->next) {
		bool known = false;
		for (size_t i = 0; i < SL_ARRAY_LEN(keys) && !known; i++)
			known = strcmp(k->string, keys[i]) == 0;
		if (!known) {
			sl_error_set(err, "%s.%s: unknown key (expected one of: bucket, prefix, "
				     "role_arn, endpoint, s3_endpoint, min_records, max_records)",
				     where, k->string);
			goto out;
		}
	}
	if (conf_string(o, "bucket", &s->bucket, where, err) ||
	    conf_string(o, "prefix", &s->prefix, where, err) ||
	    conf_string(o, "role_arn", &s->role_arn, where, err) ||
	    conf_string(o, "endpoint", &s->endpoint, where, err) ||
	    conf_string(o, "s3_endpoint", &s->s3_endpoint, where, err))
		goto out;
	if (!s->bucket) {
		sl_error_set(err, "%s.bucket: missing: the S3 bucket (in the provider's region) "
			     "where the records go and the answers come back", where);
		goto out;
	}
	if (!bucket_name_ok(s->bucket)) {
		sl_error_set(err, "%s.bucket: \"%s\" is not an S3 bucket name (3-63 lower-case "
			     "letters, digits, '.' and '-'; just the name, no s3:// or path: put a "
			     "path in \"prefix\")", where, s->bucket);
		goto out;
	}
	if (!s->role_arn) {
		sl_error_set(err, "%s.role_arn: missing: the IAM role Bedrock assumes to read and "
			     "write the bucket (arn:aws:iam::ACCOUNT:role/NAME)", where);
		goto out;
	}
	if (strncmp(s->role_arn, "arn:aws", 7) != 0 || !strstr(s->role_arn, ":role/")) {
		sl_error_set(err, "%s.role_arn: \"%s\" is not an IAM role ARN "
			     "(arn:aws:iam::ACCOUNT:role/NAME)", where, s->role_arn);
		goto out;
	}
	if (!s->prefix)
		s->prefix = sl_xstrdup("");
	if (s->prefix[0] == '/') {
		sl_error_set(err, "%s.prefix: \"%s\" must not start with '/' (a key prefix like "
			     "\"shortlist/\")", where, s->prefix);
		goto out;
	}
	const char *eps[] = { s->endpoint, s->s3_endpoint };
	for (size_t i = 0; i < 2; i++)
		if (eps[i] && !sl_url_scheme_allowed(eps[i])) {
			sl_error_set(err, "%s.%s: \"%s\" must be https:// (plain http:// only to a "
				     "loopback or LAN host)", where, i ? "s3_endpoint" : "endpoint",
				     eps[i]);
			goto out;
		}
	if (conf_records(o, "min_records", MIN_RECORDS, &s->min_records, where, err) ||
	    conf_records(o, "max_records", MAX_RECORDS, &s->max_records, where, err))
		goto out;
	if (s->min_records > s->max_records) {
		sl_error_set(err, "%s: min_records (%lld) is more than max_records (%lld)", where,
			     (long long)s->min_records, (long long)s->max_records);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	free(where);
	free(file);
	return rc;
}

/* The account's quotas, checked with the suite (before any record is written). */
static int brb_limits(const struct sl_provider_conf *conf, int64_t *min_requests,
		      int64_t *max_requests, struct sl_error *err)
{
	struct brb s = { 0 };
	int rc = read_conf(conf, &s, err);
	*min_requests = s.min_records;
	*max_requests = s.max_records;
	free(s.bucket);
	free(s.prefix);
	free(s.role_arn);
	free(s.endpoint);
	free(s.s3_endpoint);
	return rc;
}

static int brb_open(struct sl_batch *b, struct sl_error *err)
{
	struct brb *s = sl_xcalloc(1, sizeof *s);
	if (read_conf(b->conf, s, err))
		goto fail;
	s->creds = sl_aws_creds_load(b->conf, true, err);
	if (!s->creds)
		goto fail;
	if (!s->endpoint) {
		const char *e = env_first("AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL");
		s->endpoint = e ? sl_xstrdup(e)
				: sl_xasprintf("https://bedrock.%s.amazonaws.com", s->creds->region);
	}
	sl_url_strip_slash(s->endpoint);
	if (!s->s3_endpoint) {
		const char *e = env_first("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
		s->s3_endpoint = e ? sl_xstrdup(e) : NULL;
	}
	if (b->state == SL_BATCH_PREPARING && b->n_requests < s->min_records) {
		sl_error_set(err, "%s: a Bedrock batch job needs at least %lld records (the quota "
			     "\"Minimum number of records per batch inference job\") and this batch "
			     "of %s has %lld: run it without --batch, or set "
			     "providers.%s.batch.min_records if your account's quota is lower",
			     b->conf->name, (long long)s->min_records, b->model_id,
			     (long long)b->n_requests, b->conf->name);
		goto fail;
	}
	s->sc = (struct sl_sigv4_credentials){ .access_key = s->creds->access_key,
					       .secret_key = s->creds->secret_key,
					       .session_token = s->creds->session_token,
					       .region = s->creds->region };
	b->proto = s;
	b->proto_free = brb_free;
	return 0;
fail:
	brb_free(s);
	return -1;
}

/* --- records --------------------------------------------------------------------------- */

static int brb_record(struct sl_buf *out, const char *custom_id, const struct sl_call *call,
		      struct sl_error *err)
{
	if (call->kind != SL_REQ_CHAT) {
		sl_error_set(err, "Bedrock batch jobs here run chat requests only");
		return -1;
	}
	struct sl_http_request h = { 0 };
	struct sl_call c = *call;
	c.stream = false;
	c.base_url = "";
	c.api_key = "-"; /* only the body is used: no signing */
	if (sl_bedrock_ops.build(&c, &h, err) != 0) {
		sl_http_request_free(&h);
		return -1;
	}
	sl_buf_puts(out, "{\"recordId\":\"");
	for (const char *p = custom_id; *p; p++) /* recordId is alphanumeric */
		sl_buf_putc(out, *p == '-' ? 'x' : *p);
	sl_buf_printf(out, "\",\"modelInput\":%s}", h.body);
	sl_http_request_free(&h);
	return 0;
}

/* --- steps ----------------------------------------------------------------------------- */

/* The run's folder: PREFIXshortlist-bID-T (T: the submit time, so stores that share a
 * bucket never collide). Derived from input_ref once uploaded. */
static char *folder_of(const struct sl_batch *b, const struct brb *s)
{
	const char *ref = b->input_ref;
	size_t skip = 5 + strlen(s->bucket) + 1; /* "s3://" BUCKET "/" */
	if (ref && strlen(ref) > skip) {
		const char *slash = strrchr(ref, '/');
		return sl_xstrndup(ref + skip, (size_t)(slash - ref) - skip);
	}
	return sl_xasprintf("%sshortlist-b%lld-%lld", s->prefix, (long long)b->id,
			    (long long)sl_wall_ms());
}

/* "s3://BUCKET/KEY" -> the object's URL. */
static char *object_url(const struct brb *s, const char *uri)
{
	const char *key = uri + 5 + strlen(s->bucket) + 1;
	return sl_s3_object_url(s->s3_endpoint, s->bucket, s->creds->region, key);
}

static int brb_upload(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	struct brb *s = b->proto;
	char hash[65];
	if (sl_sha256_file(b->input_path, hash, err))
		return -1;
	char *folder = folder_of(b, s);
	char *key = sl_xasprintf("%s/input.jsonl", folder);
	free(folder);
	c->method = "PUT";
	c->http.url = sl_s3_object_url(s->s3_endpoint, s->bucket, s->creds->region, key);
	c->body_file = b->input_path;
	/* Remember where it goes: upload_done records it as the input's reference. */
	char *uri = sl_xasprintf("s3://%s/%s", s->bucket, key);
	sl_batch_set(&b->input_ref, uri);
	free(uri);
	free(key);
	return sl_aws_sign_request(&c->http, &s->sc, "s3", "PUT", c->http.url, NULL, hash, 0, err);
}

static int brb_upload_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	(void)body;
	(void)len;
	(void)err;
	(void)b; /* input_ref was set when the PUT was built */
	return 0;
}

static int signed_json(struct sl_batch *b, struct sl_batch_call *c, const char *method,
		       char *url, const char *body, struct sl_error *err)
{
	struct brb *s = b->proto;
	c->method = method;
	c->http.url = url;
	char hash[65];
	sl_sha256_hex(body ? body : "", body ? strlen(body) : 0, hash);
	if (body)
		c->http.body = sl_xstrdup(body);
	return sl_aws_sign_request(&c->http, &s->sc, "bedrock", method, url,
				   body ? "application/json" : NULL, hash, 0, err);
}

static int brb_submit(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	struct brb *s = b->proto;
	char *folder = folder_of(b, s);
	const char *leaf = strrchr(folder, '/');
	cJSON *j = cJSON_CreateObject();
	/* The folder's name is unique per batch: as the job name and the idempotency token, a
	 * create retried after a lost answer cannot start a second job. */
	cJSON_AddStringToObject(j, "jobName", leaf ? leaf + 1 : folder);
	cJSON_AddStringToObject(j, "clientRequestToken", leaf ? leaf + 1 : folder);
	cJSON_AddStringToObject(j, "roleArn", s->role_arn);
	cJSON_AddStringToObject(j, "modelId", b->model_id);
	cJSON_AddStringToObject(j, "modelInvocationType", "Converse");
	cJSON *in = cJSON_AddObjectToObject(cJSON_AddObjectToObject(j, "inputDataConfig"),
					    "s3InputDataConfig");
	cJSON_AddStringToObject(in, "s3InputFormat", "JSONL");
	cJSON_AddStringToObject(in, "s3Uri", b->input_ref);
	cJSON *out = cJSON_AddObjectToObject(cJSON_AddObjectToObject(j, "outputDataConfig"),
					     "s3OutputDataConfig");
	char *out_uri = sl_xasprintf("s3://%s/%s/out/", s->bucket, folder);
	cJSON_AddStringToObject(out, "s3Uri", out_uri);
	free(out_uri);
	free(folder);
	char *body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	int rc = signed_json(b, c, "POST", sl_xasprintf("%s/model-invocation-job", s->endpoint),
			     body, err);
	cJSON_free(body);
	return rc;
}

/* A create whose answer was lost: the job of that name, if Bedrock made it
 * (ListModelInvocationJobs, nameContains: the name is ours and unique per batch). */
static int brb_find(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	struct brb *s = b->proto;
	char *folder = folder_of(b, s);
	const char *leaf = strrchr(folder, '/');
	char *url = sl_xasprintf("%s/model-invocation-jobs?maxResults=100&nameContains=%s",
				 s->endpoint, leaf ? leaf + 1 : folder);
	free(folder);
	return signed_json(b, c, "GET", url, NULL, err);
}

static int brb_find_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "invocationJobSummaries");
	if (!cJSON_IsArray(list)) {
		sl_error_set(err, "ListModelInvocationJobs: no invocationJobSummaries in the answer: "
			     "%.120s", body);
		cJSON_Delete(j);
		return -1;
	}
	char *folder = folder_of(b, b->proto);
	const char *leaf = strrchr(folder, '/');
	leaf = leaf ? leaf + 1 : folder;
	const cJSON *it;
	cJSON_ArrayForEach(it, list) {
		const char *name = sl_json_str(it, "jobName"), *arn = sl_json_str(it, "jobArn");
		if (name && arn && strcmp(name, leaf) == 0)
			sl_batch_add_found(b, arn);
	}
	free(folder);
	cJSON_Delete(j);
	return 0;
}

static int brb_submit_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const char *arn = sl_json_str(j, "jobArn");
	if (!arn) {
		sl_error_set(err, "CreateModelInvocationJob: no jobArn in the answer: %.120s", body);
		cJSON_Delete(j);
		return -1;
	}
	sl_batch_set(&b->remote_id, arn);
	cJSON_Delete(j);
	return 0;
}

static char *job_url(const struct sl_batch *b, const struct brb *s, const char *tail)
{
	char *id = sl_sigv4_encode_segment(b->remote_id);
	char *url = sl_xasprintf("%s/model-invocation-job/%s%s", s->endpoint, id, tail);
	free(id);
	return url;
}

static int brb_poll(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	return signed_json(b, c, "GET", job_url(b, b->proto, ""), NULL, err);
}

static int brb_poll_done(struct sl_batch *b, const char *body, size_t len, struct sl_error *err)
{
	struct brb *s = b->proto;
	cJSON *j = cJSON_ParseWithLength(body, len);
	const char *status = sl_json_str(j, "status");
	if (!status && (len == 0 || (cJSON_IsObject(j) && !j->child))) {
		/* StopModelInvocationJob answers with nothing: the next poll says how it ended */
		cJSON_Delete(j);
		return 0;
	}
	if (!status) {
		sl_error_set(err, "GetModelInvocationJob: no status in the answer: %.120s", body);
		cJSON_Delete(j);
		return -1;
	}
	sl_batch_set(&b->api_status, status);
	const char *msg = sl_json_str(j, "message");
	if (msg)
		sl_batch_set(&b->message, msg);
	const char *exp = sl_json_str(j, "jobExpirationTime");
	if (exp)
		sl_batch_set(&b->expires_at, exp);
	b->api_ok = sl_json_int(j, "successRecordCount");
	b->api_failed = sl_json_int(j, "errorRecordCount");
	bool completed = strcmp(status, "Completed") == 0 ||
			 strcmp(status, "PartiallyCompleted") == 0;
	bool stopped = strcmp(status, "Stopped") == 0, expired = strcmp(status, "Expired") == 0;
	bool failed = strcmp(status, "Failed") == 0;
	b->api_ended = completed || stopped || expired || failed;
	if (failed) {
		b->state = SL_BATCH_FAILED;
		if (!msg)
			sl_batch_set(&b->message, "the job failed (Bedrock gave no reason)");
	} else if (expired) {
		b->state = SL_BATCH_EXPIRED;
		if (!msg)
			sl_batch_set(&b->message, "the job expired before every record ran");
	} else if (stopped) {
		b->state = SL_BATCH_CANCELLED;
	}
	/* Stopped and expired jobs keep what they finished: read it like a completed one,
	 * unless the job says it finished nothing (then there may be no output object). */
	bool nothing = (stopped || expired) && sl_json_int(j, "processedRecordCount") == 0;
	if (b->api_ended && !failed && !nothing && b->input_ref) {
		const char *id = strrchr(b->remote_id, '/');
		char *folder = folder_of(b, s);
		char *uri = sl_xasprintf("s3://%s/%s/out/%s/input.jsonl.out", s->bucket, folder,
					 id ? id + 1 : b->remote_id);
		sl_batch_set(&b->output_ref, uri);
		free(uri);
		free(folder);
	}
	cJSON_Delete(j);
	return 0;
}

static int brb_fetch(struct sl_batch *b, int i, struct sl_batch_call *c, struct sl_error *err)
{
	struct brb *s = b->proto;
	if (i > 0 || !b->output_ref)
		return 1;
	char empty[65];
	sl_sha256_hex("", 0, empty);
	c->method = "GET";
	c->http.url = object_url(s, b->output_ref);
	c->results = true;
	return sl_aws_sign_request(&c->http, &s->sc, "s3", "GET", c->http.url, NULL, empty, 0,
				   err);
}

static int brb_line(struct sl_batch *b, const char *line, size_t len, struct sl_batch_item *it)
{
	cJSON *j = cJSON_ParseWithLength(line, len);
	const char *rid = sl_json_str(j, "recordId");
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(j, "modelOutput");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (!cJSON_IsObject(j) || !rid || strlen(rid) >= sizeof it->custom_id ||
	    (!cJSON_IsObject(out) && !cJSON_IsObject(e))) {
		cJSON_Delete(j);
		return -1;
	}
	size_t n = 0;
	for (const char *p = rid; *p; p++)
		it->custom_id[n++] = *p == 'x' ? '-' : *p;
	it->custom_id[n] = '\0';
	if (cJSON_IsObject(out)) {
		sl_batch_item_answer(b, out, it);
	} else {
		int64_t code = sl_json_int(e, "errorCode");
		const char *m = sl_json_str(e, "errorMessage");
		char *msg = sl_xasprintf("Bedrock batch record error %lld: %s", (long long)code,
					 m ? m : "(no message)");
		sl_batch_item_fail(it, SL_ERR_PROVIDER, code > 0 ? code : 0, NULL, msg);
		free(msg);
	}
	cJSON_Delete(j);
	return 0;
}

static int brb_cancel(struct sl_batch *b, struct sl_batch_call *c, struct sl_error *err)
{
	return signed_json(b, c, "POST", job_url(b, b->proto, "/stop"), NULL, err);
}

const struct sl_batch_ops sl_bedrock_batch_ops = {
	.name = "bedrock",
	.max_requests = MAX_RECORDS,
	.max_bytes = MAX_BYTES,
	.price_factor = 0.5,
	.turnaround = "hours; a job times out after 24 h by default",
	.file_head = "",
	.file_sep = "\n",
	.file_tail = "\n",
	.write_record = brb_record,
	.open = brb_open,
	.limits = brb_limits,
	.upload = brb_upload,
	.upload_done = brb_upload_done,
	.submit = brb_submit,
	.submit_done = brb_submit_done,
	.find = brb_find,
	.find_done = brb_find_done,
	.poll = brb_poll,
	.poll_done = brb_poll_done,
	.fetch = brb_fetch,
	.parse_line = brb_line,
	.cancel = brb_cancel,
};
