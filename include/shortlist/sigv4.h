/* AWS Signature Version 4, header signing, with OpenSSL HMAC-SHA256. Used by the engine to
 * sign Bedrock requests (libcurl 7.88's CURLOPT_AWS_SIGV4 signs paths with ':' wrongly: see
 * the note at the top of src/core/net/sigv4.c) and by tests/fakeprov to verify them. */
#ifndef SHORTLIST_SIGV4_H
#define SHORTLIST_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

struct sl_sigv4_header {
	const char *name;  /* any case; canonicalised to lower case */
	const char *value; /* as sent; canonicalised by trimming and collapsing spaces */
};

struct sl_sigv4_request {
	const char *method; /* "POST" */
	/* The path exactly as it goes on the wire (already percent-encoded once, e.g.
	 * /model/amazon.nova-pro-v1%3A0/converse). Every service except S3 normalises it and
	 * encodes it AGAIN for the canonical URI (%3A -> %253A); S3 uses it as is. */
	const char *path;
	bool s3;
	const char *query; /* as on the wire, without '?'; NULL or "" for none */
	/* Every header to sign, including host and x-amz-date (and x-amz-content-sha256 /
	 * x-amz-security-token when sent). Repeated names are joined with ','. */
	const struct sl_sigv4_header *headers;
	size_t n_headers;
	const void *payload;
	size_t payload_len;
	const char *payload_hash; /* hex SHA-256 or "UNSIGNED-PAYLOAD"; NULL: hash payload */
	const char *amz_date;     /* the x-amz-date value, 20150830T123600Z */
	const char *region;       /* us-east-1 */
	const char *service;      /* the signing name: "bedrock" for bedrock-runtime hosts */
};

struct sl_sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signed_headers; /* host;x-amz-date */
	char *authorization;  /* the whole Authorization header value */
	char signature[65];
};

/* Compute the signature; fills out (free with sl_sigv4_result_free). -1 with err set on
 * bad input (missing date, region, service or credentials; malformed date). */
int sl_sigv4_sign(const struct sl_sigv4_request *r, const char *access_key,
		  const char *secret_key, struct sl_sigv4_result *out, struct sl_error *err);
void sl_sigv4_result_free(struct sl_sigv4_result *out);

/* The credentials a caller signs with. */
struct sl_sigv4_credentials {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" unless temporary credentials */
	const char *region;
};

/* Everything the engine needs for one Bedrock-style JSON POST: the header lines to add
 * (each "Name: value"), in this order: Content-Type, X-Amz-Date, X-Amz-Content-Sha256,
 * X-Amz-Security-Token (only with a session token), Authorization. The signed headers are
 * content-type;host;x-amz-content-sha256;x-amz-date[;x-amz-security-token]. `host` must be
 * exactly the Host header the client will send (with ":port" when not the default port).
 * wall_ms is the signing time (sl_wall_ms()). Free with sl_sigv4_headers_free. */
struct sl_sigv4_headers {
	char *lines[5];
	size_t n;
};

int sl_sigv4_sign_json_post(const struct sl_sigv4_credentials *c, const char *service,
			    const char *host, const char *wire_path, const void *body,
			    size_t body_len, int64_t wall_ms, struct sl_sigv4_headers *out,
			    struct sl_error *err);
void sl_sigv4_headers_free(struct sl_sigv4_headers *h);

/* The same for any request: method, service, S3's canonical-URI rule (s3: the wire path is
 * used as is), content_type (NULL: none sent or signed) and the payload's hex SHA-256 (or
 * "UNSIGNED-PAYLOAD"), so a body streamed from a file is signed with its precomputed hash.
 * Lines: [Content-Type], X-Amz-Date, X-Amz-Content-Sha256, [X-Amz-Security-Token],
 * Authorization. */
int sl_sigv4_sign_headers(const struct sl_sigv4_credentials *c, const char *service, bool s3,
			  const char *method, const char *host, const char *wire_path,
			  const char *content_type, const char *payload_hash, int64_t wall_ms,
			  struct sl_sigv4_headers *out, struct sl_error *err);

/* Percent-encode a model id (or any path segment) for the wire: everything outside
 * A-Z a-z 0-9 - . _ ~ becomes %XX, so amazon.nova-pro-v1:0 -> amazon.nova-pro-v1%3A0 and
 * an ARN's '/' -> %2F. Caller frees. */
char *sl_sigv4_encode_segment(const char *s);

/* Parse an Authorization header "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/
 * aws4_request, SignedHeaders=a;b, Signature=hex". Fields are copied into the caller's
 * buffers. -1 with err set if it is not that shape. */
struct sl_sigv4_auth {
	char access_key[128];
	char date[9];
	char region[64];
	char service[64];
	char signed_headers[512];
	char signature[65];
};
int sl_sigv4_parse_authorization(const char *value, struct sl_sigv4_auth *out,
				 struct sl_error *err);

#endif
