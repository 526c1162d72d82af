/* Shared helpers of the provider modules (not part of the public API). */
#ifndef SHORTLIST_NET_INTERNAL_H
#define SHORTLIST_NET_INTERNAL_H

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "shortlist/provider.h"

/* JSON accessors that tolerate absent or mistyped fields. */
const char *sl_json_str(const cJSON *obj, const char *key);
int64_t sl_json_int(const cJSON *obj, const char *key); /* -1 if absent, negative or > 1e12 */
double sl_json_num(const cJSON *obj, const char *key);  /* NAN if absent */
const cJSON *sl_json_path(const cJSON *obj, const char *dotted); /* "a.b.0.c" */

/* Common request JSON pieces. */
void sl_json_add_params_openai(cJSON *body, const struct sl_call *call);

/* Error types that mean "try again later" (overloaded, throttled, server error). */
bool sl_net_error_type_transient(const char *type);

/* Fill pe from a JSON error body of the common shapes ({"error":{"message","type","code"}},
 * {"error":"..."}, {"message":"..."}, {"detail":...}); message stays NULL otherwise. */
void sl_net_error_from_json(const char *body, size_t len, struct sl_provider_error *pe);

/* Percent-encode a path segment (RFC 3986 unreserved kept). Caller frees. */
char *sl_url_encode(const char *s);

/* Bedrock: AWS credentials and request signing (bedrock.c). */
struct sl_aws_creds;
void sl_aws_creds_free(struct sl_aws_creds *c);
/* Resolve region and credentials for the provider (once), so build() has what it needs. */
int sl_bedrock_prepare(const struct sl_provider_conf *conf, struct sl_aws_creds **creds,
		       struct sl_call *call, struct sl_error *err);
/* Add the authentication headers (SigV4 Authorization, x-amz-date, security token). */
int sl_bedrock_sign(const struct sl_aws_creds *creds, const struct sl_provider_conf *conf,
		    const struct sl_http_request *http, struct curl_slist **headers,
		    int64_t wall_ms, struct sl_error *err);

#endif
