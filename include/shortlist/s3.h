/* Signed AWS requests for Bedrock batch inference, built but not sent (the batcher sends
 * them on the engine's loop, transfer.h): S3 object URLs, the SHA-256 of a file to upload
 * (one streamed read), and the SigV4 headers of any request. Credentials go into the
 * headers only. */
#ifndef SHORTLIST_S3_H
#define SHORTLIST_S3_H

#include <stdbool.h>

#include "shortlist/provider.h"
#include "shortlist/sigv4.h"
#include "shortlist/util.h"

/* The URL of an object: path-style under endpoint when one is given (a local S3, tests),
 * else AWS's virtual-hosted https://BUCKET.s3.REGION.amazonaws.com/KEY. Each key segment
 * is percent-encoded once; '/' is kept. Caller frees. */
char *sl_s3_object_url(const char *endpoint, const char *bucket, const char *region,
		       const char *key);

/* The hex SHA-256 of a file, read in 64 KiB pieces (memory stays flat). */
int sl_sha256_file(const char *path, char out[65], struct sl_error *err);

/* Add to h the SigV4 headers of a request to url (method, the signing service "s3" or
 * "bedrock", content_type or NULL, the payload's hex SHA-256), signed at wall_ms (0: now;
 * AWS refuses a signature more than 5 minutes from its clock). */
int sl_aws_sign_request(struct sl_http_request *h, const struct sl_sigv4_credentials *c,
			const char *service, const char *method, const char *url,
			const char *content_type, const char *payload_hash, int64_t wall_ms,
			struct sl_error *err);

#endif
