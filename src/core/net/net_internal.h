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

/* A URL without its trailing slashes (in place); an environment variable's value, NULL
 * when unset or empty (providers_config.c). */
char *sl_url_strip_slash(char *url);
char *sl_env_nonempty(const char *name);

/* AWS credentials and endpoint of a Bedrock provider (bedrock.c): a Bedrock API key
 * (bearer) or access keys from the environment or a ~/.aws profile, the region, and the
 * runtime endpoint. sigv4: skip the API key (S3 and the batch control plane take signed
 * requests only). Errors name the variable, file or key to set. */
struct sl_aws_creds {
	char *access_key, *secret_key, *session_token;
	char *bearer;
	char *region;
	char *endpoint;
};
struct sl_aws_creds *sl_aws_creds_load(const struct sl_provider_conf *conf, bool sigv4,
				       struct sl_error *err);
void sl_aws_creds_free(struct sl_aws_creds *c);

/* Error types that mean "try again later" (overloaded, throttled, server error). */
bool sl_net_error_type_transient(const char *type);

/* Fill pe from a JSON error body of the common shapes ({"error":{"message","type","code"}},
 * {"error":"..."}, {"message":"..."}, {"detail":...}); message stays NULL otherwise. */
void sl_net_error_from_json(const char *body, size_t len, struct sl_provider_error *pe);

/* Percent-encode a path segment (RFC 3986 unreserved kept). Caller frees. */
char *sl_url_encode(const char *s);

/* Batch protocols (batch.c): an item from an answer body parsed like
 * an interactive non-streamed answer of b's provider; a failed item. */
struct sl_batch;
struct sl_batch_item;
void sl_batch_item_answer(struct sl_batch *b, const cJSON *body, struct sl_batch_item *it);
void sl_batch_item_fail(struct sl_batch_item *it, enum sl_status st, long http_status,
			const char *type, const char *msg);

/* Plain transfers (transfer.c) on the engine's multi handle (engine.c). */
struct xfer;
CURLM *sl_engine_multi(struct sl_engine *eng);
struct xfer **sl_engine_xfer_list(struct sl_engine *eng);
/* A finished easy handle that is a transfer's: marks it done and returns true. */
bool sl_xfer_finished(struct sl_engine *eng, CURL *easy, CURLcode code);
bool sl_xfer_ready(struct sl_engine *eng); /* a done callback is due */
void sl_xfer_dispatch(struct sl_engine *eng); /* run the due done callbacks */
void sl_xfer_free_all(struct sl_engine *eng);

#endif
