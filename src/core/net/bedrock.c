/* AWS Bedrock Runtime: Converse (JSON) and ConverseStream (binary AWS event-stream), and
 * embedding models through InvokeModel (Titan, Cohere). Authentication is a Bedrock API key
 * (AWS_BEARER_TOKEN_BEDROCK, sent as a bearer token) or SigV4 with credentials from the
 * AWS_* environment or a profile in ~/.aws/credentials. The project signs itself
 * (sigv4.c explains why libcurl's signer cannot be used for model ids with ':'). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net_internal.h"
#include "shortlist/eventstream.h"
#include "shortlist/probe.h"
#include "shortlist/retry.h"
#include "shortlist/s3.h"
#include "shortlist/sigv4.h"

void sl_aws_creds_free(struct sl_aws_creds *c)
{
	if (!c)
		return;
	free(c->access_key);
	if (c->secret_key)
		explicit_bzero(c->secret_key, strlen(c->secret_key));
	free(c->secret_key);
	free(c->session_token);
	free(c->bearer);
	free(c->region);
	free(c->endpoint);
	free(c);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* Read key = value pairs of one [section] of an AWS ini file. */
static char *ini_lookup(const char *path, const char *section, const char *key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char line[2048];
	bool in = false;
	char *found = NULL;
	while (!found && fgets(line, sizeof line, f)) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\r\n")] = '\0';
		if (*s == '#' || *s == ';' || !*s)
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e)
				*e = '\0';
			char *name = s + 1;
			while (*name == ' ')
				name++;
			in = strcmp(name, section) == 0;
			continue;
		}
		if (!in)
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			continue;
		char *k = s, *ke = eq;
		while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		*ke = '\0';
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		char *ve = v + strlen(v);
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			*--ve = '\0';
		if (strcasecmp(k, key) == 0)
			found = sl_xstrdup(v);
	}
	fclose(f);
	return found;
}

static char *aws_file(const char *env_name, const char *leaf)
{
	const char *p = env(env_name);
	if (p)
		return sl_xstrdup(p);
	const char *home = env("HOME");
	return sl_xasprintf("%s/.aws/%s", home ? home : ".", leaf);
}

struct sl_aws_creds *sl_aws_creds_load(const struct sl_provider_conf *conf, bool sigv4,
				       struct sl_error *err)
{
	struct sl_aws_creds *c = sl_xcalloc(1, sizeof *c);
	const char *profile = conf->profile ? conf->profile : env("AWS_PROFILE");
	if (!profile)
		profile = "default";
	char *cred_file = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	char *config_file = aws_file("AWS_CONFIG_FILE", "config");
	char *config_section = strcmp(profile, "default") == 0 ? sl_xstrdup("default")
							       : sl_xasprintf("profile %s", profile);

	const char *bearer = conf->api_key_env ? env(conf->api_key_env) : NULL;
	if (!bearer)
		bearer = env("AWS_BEARER_TOKEN_BEDROCK");
	if (sigv4)
		bearer = NULL; /* S3 and the control plane take signed requests only */
	if (bearer) {
		c->bearer = sl_xstrdup(bearer);
	} else if (env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
		c->access_key = sl_xstrdup(env("AWS_ACCESS_KEY_ID"));
		c->secret_key = sl_xstrdup(env("AWS_SECRET_ACCESS_KEY"));
		if (env("AWS_SESSION_TOKEN"))
			c->session_token = sl_xstrdup(env("AWS_SESSION_TOKEN"));
	} else {
		c->access_key = ini_lookup(cred_file, profile, "aws_access_key_id");
		c->secret_key = ini_lookup(cred_file, profile, "aws_secret_access_key");
		c->session_token = ini_lookup(cred_file, profile, "aws_session_token");
		static const char *const indirect[] = { "sso_session", "sso_start_url", "role_arn",
							"credential_process", "web_identity_token_file" };
		const char *how = NULL;
		for (size_t i = 0; i < SL_ARRAY_LEN(indirect) && !how && !c->access_key; i++) {
			char *v = ini_lookup(config_file, config_section, indirect[i]);
			if (!v)
				v = ini_lookup(cred_file, profile, indirect[i]);
			if (v)
				how = indirect[i];
			free(v);
		}
		if (how) {
			/* Fetching SSO or assumed-role credentials needs AWS STS/SSO calls that
			 * shortlist does not make; the AWS CLI can hand them over. */
			sl_error_set(err, "provider %s: AWS profile %s gets its credentials through %s, "
				     "which shortlist cannot use; run: eval \"$(aws configure "
				     "export-credentials --profile %s --format env)\"", conf->name,
				     profile, how, profile);
			goto fail;
		}
		if (!c->access_key || !c->secret_key) {
			sl_error_set(err, "provider %s needs AWS credentials: set %s"
				     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus "
				     "AWS_SESSION_TOKEN for temporary ones), or add profile [%s] "
				     "to %s", conf->name,
				     sigv4 ? "" : "AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key), or ",
				     profile, cred_file);
			goto fail;
		}
	}
	if (conf->region)
		c->region = sl_xstrdup(conf->region);
	else if (env("AWS_REGION") || env("AWS_DEFAULT_REGION"))
		c->region = sl_xstrdup(env("AWS_REGION") ? env("AWS_REGION") : env("AWS_DEFAULT_REGION"));
	else
		c->region = ini_lookup(config_file, config_section, "region");
	if (!c->region) {
		sl_error_set(err, "provider %s needs an AWS region: set AWS_REGION, add region to "
			     "[%s] in %s, or set \"region\" in providers.json", conf->name,
			     config_section, config_file);
		goto fail;
	}
	if (conf->base_url)
		c->endpoint = sl_xstrdup(conf->base_url);
	else if (env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"))
		c->endpoint = sl_xstrdup(env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"));
	else if (env("AWS_ENDPOINT_URL"))
		c->endpoint = sl_xstrdup(env("AWS_ENDPOINT_URL"));
	else
		c->endpoint = sl_xasprintf("https://bedrock-runtime.%s.amazonaws.com", c->region);
	size_t n = strlen(c->endpoint);
	while (n && c->endpoint[n - 1] == '/')
		c->endpoint[--n] = '\0';
	free(cred_file);
	free(config_file);
	free(config_section);
	return c;
fail:
	free(cred_file);
	free(config_file);
	free(config_section);
	sl_aws_creds_free(c);
	return NULL;
}

static void bedrock_state_free(void *state)
{
	sl_aws_creds_free(state);
}

/* Resolve region and credentials for the provider (once), so build() has what it needs. */
static int bedrock_prepare(const struct sl_provider_conf *conf, void **state,
			   struct sl_call *call, struct sl_error *err)
{
	struct sl_aws_creds *creds = *state;
	if (!creds) {
		creds = sl_aws_creds_load(conf, false, err);
		if (!creds)
			return -1;
		*state = creds;
	}
	call->base_url = creds->endpoint;
	call->region = creds->region;
	call->api_key = creds->bearer;
	return 0;
}

/* The authentication headers (SigV4 Authorization, x-amz-date, security token). */
static int bedrock_sign(void *state, const struct sl_provider_conf *conf,
			const struct sl_http_request *http, int64_t wall_ms,
			struct sl_http_request *extra, struct sl_error *err)
{
	const struct sl_aws_creds *creds = state;
	if (!creds || !creds->access_key) {
		sl_error_set(err, "provider %s: no credentials to sign with", conf->name);
		return -1;
	}
	struct sl_sigv4_credentials c = { .access_key = creds->access_key,
					  .secret_key = creds->secret_key,
					  .session_token = creds->session_token,
					  .region = creds->region };
	char hash[65];
	sl_sha256_hex(http->body, strlen(http->body), hash);
	return sl_aws_sign_request(extra, &c, "bedrock", "POST", http->url, "application/json",
				   hash, wall_ms, err);
}

static void bedrock_conf_from_env(struct sl_provider_conf *c)
{
	const char *r = sl_env_nonempty("AWS_REGION");
	if (!r)
		r = sl_env_nonempty("AWS_DEFAULT_REGION");
	c->region = r ? sl_xstrdup(r) : NULL;
	c->profile = sl_env_nonempty("AWS_PROFILE") ? sl_xstrdup(getenv("AWS_PROFILE")) : NULL;
}

/* --- request --------------------------------------------------------------------------- */

static bool is_cohere(const char *model)
{
	return strstr(model, "cohere.") != NULL;
}

static int bedrock_build(const struct sl_call *call, struct sl_http_request *out,
			 struct sl_error *err)
{
	char *model = sl_sigv4_encode_segment(call->model_id);
	cJSON *body = cJSON_CreateObject();
	if (call->kind == SL_REQ_EMBED) {
		if (is_cohere(call->model_id)) {
			cJSON *texts = cJSON_AddArrayToObject(body, "texts");
			for (size_t i = 0; i < call->n_inputs; i++)
				cJSON_AddItemToArray(texts, cJSON_CreateString(call->inputs[i]));
			cJSON_AddStringToObject(body, "input_type", "search_document");
		} else {
			if (call->n_inputs != 1) {
				sl_error_set(err, "%s: Titan embedding models take one input per "
					     "request (got %zu)", call->model_id, call->n_inputs);
				cJSON_Delete(body);
				free(model);
				return -1;
			}
			cJSON_AddStringToObject(body, "inputText", call->inputs[0]);
		}
		out->url = sl_xasprintf("%s/model/%s/invoke", call->base_url, model);
	} else {
		const struct sl_params *pr = call->params;
		struct sl_buf sys;
		sl_buf_init(&sys);
		cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
		for (size_t i = 0; i < call->n_messages; i++) {
			const struct sl_message *m = &call->messages[i];
			if (m->role == SL_ROLE_SYSTEM) {
				if (sys.len)
					sl_buf_puts(&sys, "\n\n");
				sl_buf_puts(&sys, m->content);
				continue;
			}
			cJSON *jm = cJSON_CreateObject();
			cJSON_AddStringToObject(jm, "role",
						m->role == SL_ROLE_ASSISTANT ? "assistant" : "user");
			cJSON *content = cJSON_AddArrayToObject(jm, "content");
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "text", m->content);
			cJSON_AddItemToArray(content, t);
			cJSON_AddItemToArray(msgs, jm);
		}
		if (pr->json) {
			if (sys.len)
				sl_buf_puts(&sys, "\n\n");
			sl_buf_puts(&sys, "Answer with a single JSON object and nothing else.");
		}
		if (sys.len) {
			cJSON *system = cJSON_AddArrayToObject(body, "system");
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "text", sys.data);
			cJSON_AddItemToArray(system, t);
		}
		sl_buf_free(&sys);
		cJSON *ic = cJSON_CreateObject();
		if (pr->max_tokens > 0)
			cJSON_AddNumberToObject(ic, "maxTokens", pr->max_tokens);
		if (!isnan(pr->temperature))
			cJSON_AddNumberToObject(ic, "temperature", pr->temperature);
		if (!isnan(pr->top_p))
			cJSON_AddNumberToObject(ic, "topP", pr->top_p);
		if (pr->n_stop) {
			cJSON *stop = cJSON_AddArrayToObject(ic, "stopSequences");
			for (size_t i = 0; i < pr->n_stop; i++)
				cJSON_AddItemToArray(stop, cJSON_CreateString(pr->stop[i]));
		}
		if (ic->child)
			cJSON_AddItemToObject(body, "inferenceConfig", ic);
		else
			cJSON_Delete(ic);
		out->url = sl_xasprintf("%s/model/%s/%s", call->base_url, model,
					call->stream ? "converse-stream" : "converse");
	}
	free(model);
	out->body = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (call->api_key)
		sl_http_request_add_header(out, "Authorization: Bearer %s", call->api_key);
	else
		out->sign = true;
	return 0;
}

/* --- responses ------------------------------------------------------------------------- */

static void parse_usage(struct sl_stream *s, const cJSON *u)
{
	if (!cJSON_IsObject(u))
		return;
	int64_t in = sl_json_int(u, "inputTokens");
	int64_t cr = sl_json_int(u, "cacheReadInputTokens");
	int64_t cw = sl_json_int(u, "cacheWriteInputTokens");
	/* Like Anthropic, inputTokens excludes the cached part: count all input. */
	if (in >= 0)
		in += (cr > 0 ? cr : 0) + (cw > 0 ? cw : 0);
	sl_stream_usage(s, in, sl_json_int(u, "outputTokens"), cr, -1);
	sl_stream_cache_write(s, cw);
}

static void parse_metrics(struct sl_stream *s, const cJSON *m)
{
	double ms = sl_json_num(m, "latencyMs");
	if (!isnan(ms))
		s->server_ms = ms;
}

struct br_state {
	struct sl_es_decoder dec;
	bool saw_stop;
};

static void br_free(void *p)
{
	struct br_state *st = p;
	sl_es_decoder_free(&st->dec);
	free(st);
}

static int br_message(void *ud, const struct sl_es_message *m)
{
	struct sl_stream *s = ud;
	struct br_state *st = s->proto;
	char mtype[64], etype[64];
	sl_es_message_header_str(m, ":message-type", mtype, sizeof mtype);
	cJSON *root = cJSON_ParseWithLength((const char *)m->payload, m->payload_len);
	if (strcmp(mtype, "exception") == 0 || strcmp(mtype, "error") == 0) {
		char ex[64];
		sl_es_message_header_str(m, ":exception-type", ex, sizeof ex);
		if (!*ex)
			sl_es_message_header_str(m, ":error-code", ex, sizeof ex);
		const char *msg = sl_json_str(root, "message");
		if (!msg)
			msg = sl_json_str(root, "Message");
		sl_stream_fail(s, SL_ERR_PROVIDER, *ex ? ex : NULL, "%s in the answer: %s",
			       *ex ? ex : "exception", msg ? msg : "(no message)");
		cJSON_Delete(root);
		return 1;
	}
	if (!root) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON in an event-stream message");
		return 1;
	}
	sl_es_message_header_str(m, ":event-type", etype, sizeof etype);
	if (strcmp(etype, "contentBlockDelta") == 0) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "delta");
		const char *t;
		const cJSON *rc = cJSON_GetObjectItemCaseSensitive(d, "reasoningContent");
		if ((t = sl_json_str(d, "text")))
			sl_stream_content(s, t, strlen(t), false);
		else if (rc && (t = sl_json_str(rc, "text")))
			sl_stream_content(s, t, strlen(t), true);
		else if (cJSON_GetObjectItemCaseSensitive(d, "toolUse"))
			sl_stream_tool_delta(s);
	} else if (strcmp(etype, "messageStop") == 0) {
		sl_stream_set_finish(s, sl_json_str(root, "stopReason"));
		st->saw_stop = true;
	} else if (strcmp(etype, "metadata") == 0) {
		parse_usage(s, cJSON_GetObjectItemCaseSensitive(root, "usage"));
		parse_metrics(s, cJSON_GetObjectItemCaseSensitive(root, "metrics"));
		if (st->saw_stop)
			s->done = true;
	}
	/* messageStart, contentBlockStart/Stop carry nothing we measure. */
	cJSON_Delete(root);
	return 0;
}

static void br_stream_begin(struct sl_stream *s, const struct sl_call *call)
{
	struct br_state *st = sl_xcalloc(1, sizeof *st);
	sl_es_decoder_init(&st->dec);
	s->proto = st;
	s->proto_free = br_free;
}

static void br_stream_feed(struct sl_stream *s, const char *data, size_t len)
{
	struct br_state *st = s->proto;
	if (s->failed)
		return;
	struct sl_error e = { 0 };
	int rc = sl_es_decoder_feed(&st->dec, data, len, br_message, s, &e);
	if (rc < 0 && !s->failed)
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "bad event-stream frame: %s", e.msg);
}

static void br_stream_end(struct sl_stream *s)
{
	struct br_state *st = s->proto;
	if (s->failed || s->done)
		return;
	if (sl_es_decoder_pending(&st->dec))
		sl_stream_fail(s, SL_ERR_NETWORK, NULL,
			       "the stream was cut in the middle of an event-stream message");
	else if (st->saw_stop)
		s->done = true; /* metadata is optional */
	else
		sl_stream_fail(s, SL_ERR_NETWORK, NULL,
			       "the stream ended before the answer was complete (no messageStop)");
}

static void add_vector(struct sl_stream *s, const cJSON *arr)
{
	int dim = cJSON_GetArraySize(arr);
	if (!cJSON_IsArray(arr) || dim <= 0) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "empty embedding in the answer");
		return;
	}
	float *v = sl_xmalloc((size_t)dim * sizeof(float));
	int j = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, arr) v[j++] = (float)x->valuedouble;
	sl_stream_add_embedding(s, v, (size_t)dim);
	free(v);
}

static void br_parse_body(struct sl_stream *s, const struct sl_call *call, const char *body,
			  size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!root) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "malformed JSON answer: %.120s", body);
		return;
	}
	if (call && call->kind == SL_REQ_EMBED) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "embedding");
		const cJSON *es = cJSON_GetObjectItemCaseSensitive(root, "embeddings");
		if (cJSON_IsObject(es))
			es = cJSON_GetObjectItemCaseSensitive(es, "float");
		if (e) {
			add_vector(s, e);
			sl_stream_usage(s, sl_json_int(root, "inputTextTokenCount"), 0, -1, -1);
		} else if (cJSON_IsArray(es)) {
			const cJSON *v;
			cJSON_ArrayForEach(v, es) add_vector(s, v);
		} else {
			sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "answer without embedding: %.200s",
				       body);
		}
		s->done = true;
		cJSON_Delete(root);
		return;
	}
	const cJSON *content = sl_json_path(root, "output.message.content");
	if (!cJSON_IsArray(content)) {
		sl_stream_fail(s, SL_ERR_PROTOCOL, NULL, "answer without output.message.content: "
			       "%.200s", body);
		cJSON_Delete(root);
		return;
	}
	const cJSON *b;
	cJSON_ArrayForEach(b, content)
	{
		const char *t = sl_json_str(b, "text");
		const cJSON *rt = sl_json_path(b, "reasoningContent.reasoningText");
		if (t)
			sl_stream_content(s, t, strlen(t), false);
		else if (rt && (t = sl_json_str(rt, "text")))
			sl_stream_content(s, t, strlen(t), true);
		else if (cJSON_GetObjectItemCaseSensitive(b, "toolUse"))
			sl_stream_tool_delta(s);
	}
	sl_stream_set_finish(s, sl_json_str(root, "stopReason"));
	parse_usage(s, cJSON_GetObjectItemCaseSensitive(root, "usage"));
	parse_metrics(s, cJSON_GetObjectItemCaseSensitive(root, "metrics"));
	s->done = true;
	cJSON_Delete(root);
}

/* The text of <tag>...</tag> in an XML body, or NULL. Caller frees. */
static char *xml_tag(const char *body, size_t len, const char *tag)
{
	char open[32], close[32];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	char *copy = sl_xstrndup(body, len);
	char *a = strstr(copy, open), *e = a ? strstr(a, close) : NULL;
	char *v = a && e ? sl_xstrndup(a + strlen(open), (size_t)(e - a) - strlen(open)) : NULL;
	free(copy);
	return v;
}

static void br_classify(long status, const char *headers, size_t headers_len, const char *body,
			size_t len, struct sl_provider_error *pe)
{
	size_t lead = 0;
	while (lead < len && (body[lead] == ' ' || body[lead] == '\n' || body[lead] == '\r'))
		lead++;
	if (lead < len && body[lead] == '<') {
		/* S3 (batch inputs and outputs): <Error><Code>, <Message>. Only those two: its
		 * SignatureDoesNotMatch also echoes the canonical request, session token and all. */
		pe->type = xml_tag(body, len, "Code");
		pe->message = xml_tag(body, len, "Message");
	} else {
		sl_net_error_from_json(body, len, pe);
	}
	char type[128];
	if (sl_header_value(headers, headers_len, "x-amzn-ErrorType", type, sizeof type)) {
		/* "ThrottlingException:http://internal.amazon.com/..." */
		type[strcspn(type, ":")] = '\0';
		free(pe->type);
		pe->type = sl_xstrdup(type);
	}
	if (pe->type && (strstr(pe->type, "AccessDenied") || strstr(pe->type, "Validation") ||
			 strstr(pe->type, "ResourceNotFound") || strstr(pe->type, "UnrecognizedClient") ||
			 strstr(pe->type, "InvalidSignature") || strstr(pe->type, "SignatureDoesNotMatch") ||
			 strstr(pe->type, "NoSuch")))
		pe->retry = 0;
	else if (pe->type && (strstr(pe->type, "Throttling") || strstr(pe->type, "ModelNotReady") ||
			      strstr(pe->type, "ServiceUnavailable") || strstr(pe->type, "SlowDown")))
		pe->retry = 1;
}

/* No cheap read-only call exists on the runtime endpoint: converse with a model that does
 * not exist. A validation/not-found error proves the signature and credentials were
 * accepted; 403 says they were not. */
static int bedrock_ping_build(const struct sl_provider_conf *c, const char *key, void **state,
			      struct sl_http_request *out, struct sl_error *err)
{
	struct sl_call call = { .conf = c };
	if (bedrock_prepare(c, state, &call, err) != 0)
		return SL_PING_NO_KEY;
	out->url = sl_xasprintf("%s/model/shortlist-ping/converse", call.base_url);
	out->body = sl_xstrdup("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"ping\"}]}]}");
	if (call.api_key) {
		sl_http_request_add_header(out, "Authorization: Bearer %s", call.api_key);
		sl_http_request_add_header(out, "Content-Type: application/json");
	} else if (bedrock_sign(*state, c, out, sl_wall_ms(), out, err) != 0) {
		return SL_PING_FAILED;
	}
	return 0;
}

static bool bedrock_ping_explain(const struct sl_provider_conf *c, const struct sl_ping_answer *a,
				 struct sl_ping_result *r)
{
	if (!a->reached)
		return false;
	long st = a->status;
	if (st >= 200 && st < 300) {
		r->message = sl_xstrdup("credentials accepted");
	} else if (st == 400 || st == 404) {
		r->state = SL_PING_OK;
		r->message = sl_xasprintf("reachable, credentials accepted (region %s)",
					  c->region ? c->region : "from AWS config");
	} else if (st == 401 || st == 403) {
		r->state = SL_PING_FAILED;
		r->message = sl_xasprintf("AWS rejected the credentials (HTTP %ld): %s", st,
					  a->message);
	} else {
		return false;
	}
	return true;
}

/* Cohere's embed models take up to 96 texts per call, Titan's one. */
static size_t bedrock_embed_batch(const char *model_id)
{
	return is_cohere(model_id) ? 96 : 1;
}

const struct sl_provider_ops sl_bedrock_ops = {
	.name = "bedrock",
	.default_concurrency = 64,
	.base_url_optional = true,
	.key_optional = true,
	.conf_from_env = bedrock_conf_from_env,
	.prepare = bedrock_prepare,
	.embed_batch = bedrock_embed_batch,
	.state_free = bedrock_state_free,
	.sign = bedrock_sign,
	.ping_build = bedrock_ping_build,
	.ping_list_key = "data",
	.ping_explain = bedrock_ping_explain,
	.build = bedrock_build,
	.stream_begin = br_stream_begin,
	.stream_feed = br_stream_feed,
	.stream_end = br_stream_end,
	.parse_body = br_parse_body,
	.classify_error = br_classify,
};
