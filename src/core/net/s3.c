/* S3 and AWS control-plane requests, signed (see s3.h).
 *
 * An S3 PUT carries the real SHA-256 of the file as x-amz-content-sha256 (a "signed
 * payload": AWS's "Transferring Payload in a Single Chunk" rules put the same hash in the
 * canonical request and in that header). UNSIGNED-PAYLOAD would also be accepted over
 * HTTPS, but the real hash costs one streamed read and lets S3 refuse a file that changed
 * between hashing and sending. S3's canonical URI is the wire path as is (no second
 * encoding, unlike Bedrock's control plane): sigv4.c's s3 flag. */
#include "shortlist/s3.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

char *sl_s3_object_url(const char *endpoint, const char *bucket, const char *region,
		       const char *key)
{
	struct sl_buf b;
	sl_buf_init(&b);
	if (endpoint) {
		sl_buf_puts(&b, endpoint);
		while (b.len && b.data[b.len - 1] == '/')
			b.len--;
		sl_buf_printf(&b, "/%s/", bucket);
	} else {
		sl_buf_printf(&b, "https://%s.s3.%s.amazonaws.com/", bucket, region);
	}
	for (const char *seg = key; *seg;) {
		size_t n = strcspn(seg, "/");
		char *raw = sl_xstrndup(seg, n);
		char *enc = sl_sigv4_encode_segment(raw);
		sl_buf_puts(&b, enc);
		free(enc);
		free(raw);
		seg += n;
		if (*seg == '/') {
			sl_buf_putc(&b, '/');
			seg++;
		}
	}
	sl_buf_putc(&b, '\0');
	return sl_buf_steal(&b);
}

int sl_sha256_file(const char *path, char out[65], struct sl_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sl_error_set(err, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	char buf[64 * 1024];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	bool bad = ferror(f);
	fclose(f);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (bad) {
		sl_error_set(err, "cannot read %s", path);
		return -1;
	}
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int sl_aws_sign_request(struct sl_http_request *h, const struct sl_sigv4_credentials *c,
			const char *service, const char *method, const char *url,
			const char *content_type, const char *payload_hash, int64_t wall_ms,
			struct sl_error *err)
{
	/* Host (with a non-default port, as curl sends it) and the path as on the wire. */
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p) {
		sl_error_set(err, "not a URL: %s", url ? url : "(none)");
		return -1;
	}
	bool https = strncasecmp(url, "https", 5) == 0;
	p += 3;
	size_t hlen = strcspn(p, "/?");
	char *host = sl_xstrndup(p, hlen);
	const char *path = p + hlen;
	char *colon = strrchr(host, ':');
	if (colon && ((https && strcmp(colon, ":443") == 0) || (!https && strcmp(colon, ":80") == 0)))
		*colon = '\0';
	struct sl_sigv4_headers out = { 0 };
	int rc = sl_sigv4_sign_headers(c, service, strcmp(service, "s3") == 0, method, host,
				       *path ? path : "/", content_type, payload_hash,
				       wall_ms ? wall_ms : sl_wall_ms(),
				       &out, err);
	free(host);
	if (rc)
		return -1;
	for (size_t i = 0; i < out.n; i++)
		sl_http_request_add_header(h, "%s", out.lines[i]);
	sl_sigv4_headers_free(&out);
	return 0;
}
