/* Provider configuration: built-in defaults for the well-known APIs, overridden and extended
 * by $XDG_CONFIG_HOME/shortlist/providers.json, plus the environment variables the official
 * SDKs honour (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, OLLAMA_HOST, AWS_REGION, ...).
 *
 * providers.json:
 *   { "providers": {
 *       "openai":  { "limits": { "rpm": 500 } },                 (adjust a built-in)
 *       "myvllm":  { "kind": "openai", "base_url": "http://10.0.0.7:8000/v1",
 *                    "api_key_env": "VLLM_KEY", "headers": { "X-Team": "eval" },
 *                    "limits": { "concurrency": 32, "rpm": 0, "tpm": 0, "max_tries": 4,
 *                                "max_retry_wait_s": 60 },
 *                    "timeouts": { "connect_ms": 10000, "first_byte_ms": 60000,
 *                                  "idle_ms": 30000, "total_ms": 600000 } },
 *       "aws":     { "kind": "bedrock", "region": "eu-west-1", "profile": "work",
 *                    "batch": { "bucket": "my-evals", "prefix": "shortlist/",
 *                               "role_arn": "arn:aws:iam::123456789012:role/BedrockBatch" } } } }
 * Unknown keys are errors naming the key path. Keys themselves never appear in the file:
 * api_key_env holds the NAME of the environment variable. */
#ifndef SHORTLIST_PROVIDERS_CONFIG_H
#define SHORTLIST_PROVIDERS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

/* A protocol (struct sl_provider_ops, provider.h: one file each, listed in its table). */
struct sl_provider_ops;

const char *sl_provider_kind_name(const struct sl_provider_ops *kind); /* "openai", ... */

struct sl_provider_limits {
	int concurrency;  /* requests in flight at once; 0 = unlimited */
	bool concurrency_set; /* given in providers.json (a real limit), not our default */
	int rpm;          /* requests per minute; 0 = unlimited */
	int64_t tpm;      /* tokens per minute (input estimate + max_tokens); 0 = unlimited */
	int max_tries;    /* attempts per request including the first */
	long connect_ms, first_byte_ms, idle_ms, total_ms; /* 0 = no limit */
	long max_retry_wait_ms; /* longest wait a server may ask for before a retry; a longer
				   Retry-After fails the request with that reason */
};

struct sl_header {
	char *name;
	char *value;
};

struct sl_provider_conf {
	char *name;              /* "openai", "myvllm" */
	const struct sl_provider_ops *kind; /* the protocol it speaks */
	char *base_url;          /* no trailing slash; OpenAI kind includes /v1 like the SDKs */
	char *api_key_env;       /* NAME of the variable holding the key, or NULL (none needed) */
	char *region;            /* bedrock */
	char *profile;           /* bedrock: ~/.aws/credentials profile, NULL = default */
	char *batch;             /* its "batch" object (JSON text) for the protocol's batch
				    module to read and check, or NULL; batch_origin: the file */
	char *batch_origin;
	struct sl_header *headers;
	size_t n_headers;
	struct sl_provider_limits limits;
	bool builtin;            /* one of the defaults (maybe adjusted by the file) */
	bool configured;         /* named in providers.json */
};

struct sl_providers {
	struct sl_provider_conf *items;
	size_t len;
	char *origin;            /* providers.json path used, or NULL */
};

/* Built-ins, then $XDG_CONFIG_HOME/shortlist/providers.json if it exists (path overrides
 * the location; a path given explicitly must exist). */
int sl_providers_load(struct sl_providers *out, const char *path, struct sl_error *err);
/* Built-ins only (environment applied). */
void sl_providers_defaults(struct sl_providers *out);
/* Merge a providers.json document into *p; origin names it in errors. */
int sl_providers_merge_json(struct sl_providers *p, const char *json, size_t len,
			    const char *origin, struct sl_error *err);
void sl_providers_copy(struct sl_providers *dst, const struct sl_providers *src);
void sl_providers_free(struct sl_providers *p);

const struct sl_provider_conf *sl_providers_find(const struct sl_providers *p,
						 const char *name);

/* Split a model name into provider and model id: "bedrock:amazon.nova-pro-v1:0" (first ':'),
 * or a catalogue key "openai/gpt-4o-mini" whose models.dev provider id is mapped to ours
 * ("amazon-bedrock" -> bedrock). Fails naming the configured providers. Caller frees. */
int sl_providers_resolve_model(const struct sl_providers *p, const char *spec,
			       const struct sl_provider_conf **conf, char **model_id,
			       struct sl_error *err);

/* The models.dev provider id of one of our provider names ("bedrock" -> "amazon-bedrock",
 * "together" -> "togetherai"); the name itself when they agree. */
const char *sl_provider_catalog_id(const char *name);

/* The provider's key from the environment (or, for Bedrock, the AWS credentials chain is
 * handled by the engine). NULL if the provider needs none. Fails naming the variable to set
 * when it is needed and unset. Never log the returned pointer. */
int sl_provider_api_key(const struct sl_provider_conf *c, const char **key,
			struct sl_error *err);

/* True for loopback, private (RFC 1918, link-local, ULA) and *.local/single-label hosts:
 * the only hosts allowed over plain http. */
bool sl_host_is_local(const char *host);
/* True if base_url is https, or http to a local host. */
bool sl_url_scheme_allowed(const char *url);

#endif
