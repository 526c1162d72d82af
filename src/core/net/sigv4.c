/* AWS Signature Version 4 (header form), HMAC-SHA256 from OpenSSL.
 *
 * Why the project signs Bedrock requests itself instead of using libcurl's
 * CURLOPT_AWS_SIGV4: Bedrock model ids almost always contain ':' (amazon.nova-pro-v1:0),
 * which goes on the wire as %3A. For every service except S3, AWS computes the canonical URI
 * by URI-encoding the wire path once more, so the canonical request must say %253A.
 * Measured with Debian 12's libcurl 7.88.1 (tests/net/test_curl_sigv4.c, against
 * tests/fakeprov whose verifier is proven on AWS's published test-suite vectors in
 * tests/net/test_sigv4.c): libcurl copies the wire path into the canonical request
 * unchanged. With %3A on the wire it signs %3A; with a literal ':' it signs ':'. Either way
 * the signature differs from the one AWS computes, and Bedrock answers 403
 * InvalidSignatureException. A path without reserved characters is signed correctly, so the
 * rest of libcurl's canonicalisation is fine; it is exactly the missing second encoding.
 * The engine therefore signs with sl_sigv4_sign_json_post() and never sets
 * CURLOPT_AWS_SIGV4.
 */
#include "shortlist/sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

static const char hexdig[] = "0123456789abcdef";

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &len);
}

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 encoding as SigV4 defines it: unreserved kept, everything else %XX (upper). */
static void uri_encode(struct sl_buf *b, const char *s, size_t n, bool keep_slash)
{
	static const char up[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			sl_buf_putc(b, (char)c);
		} else {
			char e[3] = { '%', up[c >> 4], up[c & 15] };
			sl_buf_append(b, e, 3);
		}
	}
}

char *sl_sigv4_encode_segment(const char *s)
{
	struct sl_buf b;
	sl_buf_init(&b);
	uri_encode(&b, s, strlen(s), false);
	sl_buf_putc(&b, '\0');
	b.len--;
	return sl_buf_steal(&b);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX only ('+' stays '+': AWS does not treat it as a space). */
static char *pct_decode(const char *s, size_t n)
{
	char *out = sl_xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Non-S3 canonical URI: remove empty and dot segments, then encode the result again. */
static void canonical_uri(struct sl_buf *b, const char *path, bool s3)
{
	if (!path || !*path) {
		sl_buf_putc(b, '/');
		return;
	}
	if (s3) {
		sl_buf_puts(b, path);
		return;
	}
	size_t n = strlen(path);
	const char **seg = sl_xmalloc((n + 1) * sizeof *seg);
	size_t *len = sl_xmalloc((n + 1) * sizeof *len);
	size_t nseg = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 1 && p[0] == '.') {
			/* drop */
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg)
				nseg--;
		} else {
			seg[nseg] = p;
			len[nseg++] = l;
		}
		p += l;
	}
	for (size_t i = 0; i < nseg; i++) {
		sl_buf_putc(b, '/');
		uri_encode(b, seg[i], len[i], false);
	}
	if (nseg == 0 || path[n - 1] == '/')
		sl_buf_putc(b, '/');
	free(seg);
	free(len);
}

struct kv {
	char *k, *v; /* encoded */
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

static void canonical_query(struct sl_buf *b, const char *q)
{
	if (!q || !*q)
		return;
	size_t cap = 1;
	for (const char *p = q; *p; p++)
		cap += *p == '&';
	struct kv *kv = sl_xcalloc(cap, sizeof *kv);
	size_t n = 0;
	for (const char *p = q; *p;) {
		const char *e = strchr(p, '&');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l) {
			const char *eq = memchr(p, '=', l);
			size_t kl = eq ? (size_t)(eq - p) : l;
			char *k = pct_decode(p, kl);
			char *v = eq ? pct_decode(eq + 1, l - kl - 1) : sl_xstrdup("");
			struct sl_buf t;
			sl_buf_init(&t);
			uri_encode(&t, k, strlen(k), false);
			sl_buf_putc(&t, '\0');
			kv[n].k = sl_buf_steal(&t);
			uri_encode(&t, v, strlen(v), false);
			sl_buf_putc(&t, '\0');
			kv[n].v = sl_buf_steal(&t);
			n++;
			free(k);
			free(v);
		}
		p += l;
		if (*p == '&')
			p++;
	}
	qsort(kv, n, sizeof *kv, kv_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sl_buf_putc(b, '&');
		sl_buf_printf(b, "%s=%s", kv[i].k, kv[i].v);
		free(kv[i].k);
		free(kv[i].v);
	}
	free(kv);
}

struct hdr {
	char *name;  /* lower case */
	char *value; /* trimmed, spaces collapsed */
	size_t order;
};

static int hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static char *trim_collapse(const char *s)
{
	char *out = sl_xmalloc(strlen(s) + 1), *o = out;
	while (*s == ' ' || *s == '\t')
		s++;
	bool space = false;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = true;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = false;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

static bool valid_amz_date(const char *d)
{
	if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return false;
	for (int i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)d[i]))
			return false;
	return true;
}

int sl_sigv4_sign(const struct sl_sigv4_request *r, const char *access_key,
		  const char *secret_key, struct sl_sigv4_result *out, struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	if (!access_key || !*access_key || !secret_key || !*secret_key) {
		sl_error_set(err, "SigV4: no AWS credentials (set AWS_ACCESS_KEY_ID and "
				  "AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials)");
		return -1;
	}
	if (!r->region || !*r->region) {
		sl_error_set(err, "SigV4: no AWS region (set AWS_REGION or region in the profile)");
		return -1;
	}
	if (!r->service || !*r->service || !r->method || !*r->method) {
		sl_error_set(err, "SigV4: the signing service name and method are required");
		return -1;
	}
	if (!valid_amz_date(r->amz_date)) {
		sl_error_set(err, "SigV4: x-amz-date '%s' is not YYYYMMDDTHHMMSSZ",
			     r->amz_date ? r->amz_date : "");
		return -1;
	}

	struct hdr *h = sl_xcalloc(r->n_headers ? r->n_headers : 1, sizeof *h);
	for (size_t i = 0; i < r->n_headers; i++) {
		h[i].name = sl_xstrdup(r->headers[i].name);
		for (char *p = h[i].name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		h[i].value = trim_collapse(r->headers[i].value ? r->headers[i].value : "");
		h[i].order = i;
	}
	qsort(h, r->n_headers, sizeof *h, hdr_cmp);

	struct sl_buf creq, signed_hdrs;
	sl_buf_init(&creq);
	sl_buf_init(&signed_hdrs);
	sl_buf_printf(&creq, "%s\n", r->method);
	canonical_uri(&creq, r->path, r->s3);
	sl_buf_putc(&creq, '\n');
	canonical_query(&creq, r->query);
	sl_buf_putc(&creq, '\n');
	for (size_t i = 0; i < r->n_headers; i++) {
		bool repeat = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
		if (repeat) {
			sl_buf_printf(&creq, ",%s", h[i].value);
			continue;
		}
		if (i)
			sl_buf_putc(&creq, '\n');
		sl_buf_printf(&creq, "%s:%s", h[i].name, h[i].value);
		if (signed_hdrs.len)
			sl_buf_putc(&signed_hdrs, ';');
		sl_buf_puts(&signed_hdrs, h[i].name);
	}
	sl_buf_puts(&creq, r->n_headers ? "\n\n" : "\n");
	sl_buf_printf(&creq, "%s\n", signed_hdrs.len ? signed_hdrs.data : "");
	if (r->payload_hash) {
		sl_buf_puts(&creq, r->payload_hash);
	} else {
		char ph[65];
		sl_sha256_hex(r->payload ? r->payload : "", r->payload_len, ph);
		sl_buf_puts(&creq, ph);
	}
	for (size_t i = 0; i < r->n_headers; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);

	char date[9];
	memcpy(date, r->amz_date, 8);
	date[8] = '\0';
	char creq_hash[65];
	sl_sha256_hex(creq.data, creq.len, creq_hash);
	char *scope = sl_xasprintf("%s/%s/%s/aws4_request", date, r->region, r->service);
	char *sts = sl_xasprintf("AWS4-HMAC-SHA256\n%s\n%s\n%s", r->amz_date, scope, creq_hash);

	/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
	char *k0 = sl_xasprintf("AWS4%s", secret_key);
	unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
	hmac(k0, strlen(k0), date, k1);
	hmac(k1, 32, r->region, k2);
	hmac(k2, 32, r->service, k3);
	hmac(k3, 32, "aws4_request", k4);
	hmac(k4, 32, sts, sig);
	memset(k0, 0, strlen(k0));
	free(k0);
	hex_encode(sig, 32, out->signature);

	out->canonical_request = sl_buf_steal(&creq);
	out->string_to_sign = sts;
	out->signed_headers = signed_hdrs.data ? sl_buf_steal(&signed_hdrs) : sl_xstrdup("");
	out->authorization = sl_xasprintf(
		"AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s", access_key,
		scope, out->signed_headers, out->signature);
	free(scope);
	return 0;
}

void sl_sigv4_result_free(struct sl_sigv4_result *out)
{
	free(out->canonical_request);
	free(out->string_to_sign);
	free(out->signed_headers);
	free(out->authorization);
	memset(out, 0, sizeof *out);
}

int sl_sigv4_sign_headers(const struct sl_sigv4_credentials *c, const char *service, bool s3,
			  const char *method, const char *host, const char *wire_path,
			  const char *content_type, const char *payload_hash, int64_t wall_ms,
			  struct sl_sigv4_headers *out, struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char amz_date[32];
	strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);

	bool token = c->session_token && *c->session_token;
	struct sl_sigv4_header hs[5];
	size_t n = 0;
	if (content_type)
		hs[n++] = (struct sl_sigv4_header){ "content-type", content_type };
	hs[n++] = (struct sl_sigv4_header){ "host", host };
	hs[n++] = (struct sl_sigv4_header){ "x-amz-content-sha256", payload_hash };
	hs[n++] = (struct sl_sigv4_header){ "x-amz-date", amz_date };
	if (token)
		hs[n++] = (struct sl_sigv4_header){ "x-amz-security-token", c->session_token };
	const char *q = strchr(wire_path, '?');
	char *path = q ? sl_xstrndup(wire_path, (size_t)(q - wire_path)) : sl_xstrdup(wire_path);
	struct sl_sigv4_request r = {
		.method = method,
		.path = path,
		.s3 = s3,
		.query = q ? q + 1 : NULL,
		.headers = hs,
		.n_headers = n,
		.payload_hash = payload_hash,
		.amz_date = amz_date,
		.region = c->region,
		.service = service,
	};
	struct sl_sigv4_result res;
	int rc = sl_sigv4_sign(&r, c->access_key, c->secret_key, &res, err);
	free(path);
	if (rc)
		return -1;
	if (content_type)
		out->lines[out->n++] = sl_xasprintf("Content-Type: %s", content_type);
	out->lines[out->n++] = sl_xasprintf("X-Amz-Date: %s", amz_date);
	out->lines[out->n++] = sl_xasprintf("X-Amz-Content-Sha256: %s", payload_hash);
	if (token)
		out->lines[out->n++] = sl_xasprintf("X-Amz-Security-Token: %s", c->session_token);
	out->lines[out->n++] = sl_xasprintf("Authorization: %s", res.authorization);
	sl_sigv4_result_free(&res);
	return 0;
}

int sl_sigv4_sign_json_post(const struct sl_sigv4_credentials *c, const char *service,
			    const char *host, const char *wire_path, const void *body,
			    size_t body_len, int64_t wall_ms, struct sl_sigv4_headers *out,
			    struct sl_error *err)
{
	char body_hash[65];
	sl_sha256_hex(body ? body : "", body_len, body_hash);
	return sl_sigv4_sign_headers(c, service, false, "POST", host, wire_path,
				     "application/json", body_hash, wall_ms, out, err);
}

void sl_sigv4_headers_free(struct sl_sigv4_headers *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->lines[i]);
	memset(h, 0, sizeof *h);
}

/* Copy the value of "key=" from an Authorization header's comma-separated fields. */
static bool auth_field(const char *v, const char *key, char *out, size_t outsz)
{
	size_t kl = strlen(key);
	for (const char *p = v; (p = strstr(p, key)) != NULL; p += kl) {
		if (p != v && p[-1] != ' ' && p[-1] != ',')
			continue;
		p += kl;
		size_t n = strcspn(p, ", ");
		if (n == 0 || n >= outsz)
			return false;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

int sl_sigv4_parse_authorization(const char *value, struct sl_sigv4_auth *out,
				 struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	static const char algo[] = "AWS4-HMAC-SHA256 ";
	if (!value || strncmp(value, algo, sizeof algo - 1) != 0) {
		sl_error_set(err, "Authorization header does not start with AWS4-HMAC-SHA256");
		return -1;
	}
	const char *v = value + sizeof algo - 1;
	char cred[512];
	if (!auth_field(v, "Credential=", cred, sizeof cred) ||
	    !auth_field(v, "SignedHeaders=", out->signed_headers, sizeof out->signed_headers) ||
	    !auth_field(v, "Signature=", out->signature, sizeof out->signature)) {
		sl_error_set(err, "Authorization header lacks Credential=, SignedHeaders= or "
				  "Signature=");
		return -1;
	}
	/* AKID/20150830/us-east-1/service/aws4_request */
	char *parts[5] = { 0 };
	int n = 0;
	for (char *save = NULL, *t = strtok_r(cred, "/", &save); t && n < 5;
	     t = strtok_r(NULL, "/", &save))
		parts[n++] = t;
	if (n != 5 || strcmp(parts[4], "aws4_request") != 0 || strlen(parts[1]) != 8 ||
	    strlen(parts[0]) >= sizeof out->access_key || strlen(parts[2]) >= sizeof out->region ||
	    strlen(parts[3]) >= sizeof out->service) {
		sl_error_set(err, "Authorization Credential is not AKID/DATE/REGION/SERVICE/"
				  "aws4_request");
		return -1;
	}
	strcpy(out->access_key, parts[0]);
	strcpy(out->date, parts[1]);
	strcpy(out->region, parts[2]);
	strcpy(out->service, parts[3]);
	return 0;
}
