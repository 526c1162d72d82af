/* SigV4 proven on AWS's published Signature Version 4 test suite (the vectors as carried by
 * the AWS SDK for JavaScript's suite fixture: credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z,
 * us-east-1, service "service"), then the Bedrock specifics: a ':' in the model id is %3A on
 * the wire and %253A in the canonical request, and the engine's JSON POST helper. */
#include "test.h"

#include "shortlist/sigv4.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define DATE "20150830T123600Z"
#define HOST "example.amazonaws.com"

struct vector {
	const char *name;
	const char *method;
	const char *path;  /* raw request path as the suite gives it */
	const char *query; /* the suite's query, percent-encoded as it goes on the wire */
	const char *h1_name, *h1_value; /* one extra header, optional */
	const char *h2_name, *h2_value;
	const char *body;
	const char *signature;
};

static const struct vector vectors[] = {
	{ "get-vanilla", "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL,
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "get-header-key-duplicate", "GET", "/", NULL, "My-Header1", "value2,value2,value1", NULL,
	  NULL, NULL, "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
	{ "get-header-value-order", "GET", "/", NULL, "my-header1", "value4,value1,value3,value2",
	  NULL, NULL, NULL, "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
	{ "get-header-value-trim", "GET", "/", NULL, "my-header1", "  value1", "my-header2",
	  "\"a   b   c\"", NULL, "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
	{ "get-unreserved", "GET",
	  "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", NULL, NULL, NULL,
	  NULL, NULL, NULL, "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
	{ "get-utf8", "GET", "/\xe1\x88\xb4", NULL, NULL, NULL, NULL, NULL, NULL,
	  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
	{ "get-vanilla-empty-query-key", "GET", "/", "Param1=value1", NULL, NULL, NULL, NULL, NULL,
	  "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb" },
	{ "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", NULL, NULL,
	  NULL, NULL, NULL, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
	{ "get-vanilla-query-unreserved", "GET", "/",
	  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
	  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	  NULL, NULL, NULL, NULL, NULL,
	  "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
	{ "get-vanilla-utf8-query", "GET", "/", "%E1%88%B4=bar", NULL, NULL, NULL, NULL, NULL,
	  "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
	{ "post-header-key-sort", "POST", "/", NULL, "my-header1", "value1", NULL, NULL, NULL,
	  "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
	{ "post-header-value-case", "POST", "/", NULL, "my-header1", "VALUE1", NULL, NULL, NULL,
	  "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
	{ "post-vanilla", "POST", "/", NULL, NULL, NULL, NULL, NULL, NULL,
	  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
	{ "post-vanilla-query", "POST", "/", "Param1=value1", NULL, NULL, NULL, NULL, NULL,
	  "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
	{ "post-vanilla-query-nonunreserved", "POST", "/",
	  "%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D", NULL, NULL, NULL,
	  NULL, NULL, "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e" },
	{ "post-vanilla-query-space", "POST", "/", "p=", NULL, NULL, NULL, NULL, NULL,
	  "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b" },
	{ "post-x-www-form-urlencoded", "POST", "/", NULL, "Content-Type",
	  "application/x-www-form-urlencoded", NULL, NULL, "Param1=value1",
	  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
	{ "post-x-www-form-urlencoded-parameters", "POST", "/", NULL, "Content-Type",
	  "application/x-www-form-urlencoded; charset=utf8", NULL, NULL, "Param1=value1",
	  "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe" },
};

static int sign_vector(const struct vector *v, struct sl_sigv4_result *res)
{
	struct sl_sigv4_header hs[4];
	size_t n = 0;
	hs[n++] = (struct sl_sigv4_header){ "Host", HOST };
	hs[n++] = (struct sl_sigv4_header){ "X-Amz-Date", DATE };
	if (v->h1_name)
		hs[n++] = (struct sl_sigv4_header){ v->h1_name, v->h1_value };
	if (v->h2_name)
		hs[n++] = (struct sl_sigv4_header){ v->h2_name, v->h2_value };
	struct sl_sigv4_request r = {
		.method = v->method,
		.path = v->path,
		.query = v->query,
		.headers = hs,
		.n_headers = n,
		.payload = v->body,
		.payload_len = v->body ? strlen(v->body) : 0,
		.amz_date = DATE,
		.region = "us-east-1",
		.service = "service",
	};
	struct sl_error err = { 0 };
	int rc = sl_sigv4_sign(&r, AKID, SECRET, res, &err);
	if (rc)
		fprintf(stderr, "%s: %s\n", v->name, err.msg);
	return rc;
}

static void test_aws_test_suite_vectors(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(vectors); i++) {
		const struct vector *v = &vectors[i];
		test_current = v->name;
		struct sl_sigv4_result res;
		CHECK_INT(sign_vector(v, &res), 0);
		CHECK_STR(res.signature, v->signature);
		if (strcmp(res.signature, v->signature) != 0)
			fprintf(stderr, "canonical request:\n%s\n", res.canonical_request);
		sl_sigv4_result_free(&res);
	}
}

/* get-vanilla's intermediate artefacts exactly as AWS publishes them (get-vanilla.creq,
 * .sts, .authz). */
static void test_get_vanilla_artefacts(void)
{
	struct sl_sigv4_result res;
	CHECK_INT(sign_vector(&vectors[0], &res), 0);
	CHECK_STR(res.canonical_request,
		  "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
		  "host;x-amz-date\n"
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_STR(res.string_to_sign,
		  "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
		  "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
	CHECK_STR(res.authorization,
		  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
		  "aws4_request, SignedHeaders=host;x-amz-date, "
		  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

	struct sl_sigv4_auth a;
	struct sl_error err = { 0 };
	CHECK_INT(sl_sigv4_parse_authorization(res.authorization, &a, &err), 0);
	CHECK_STR(a.access_key, "AKIDEXAMPLE");
	CHECK_STR(a.date, "20150830");
	CHECK_STR(a.region, "us-east-1");
	CHECK_STR(a.service, "service");
	CHECK_STR(a.signed_headers, "host;x-amz-date");
	CHECK_STR(a.signature, res.signature);
	CHECK_INT(sl_sigv4_parse_authorization("Bearer abc", &a, &err), -1);
	CHECK_CONTAINS(err.msg, "AWS4-HMAC-SHA256");
	CHECK_INT(sl_sigv4_parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/2015/x, "
					       "SignedHeaders=host, Signature=00", &a, &err), -1);
	CHECK_CONTAINS(err.msg, "Credential");
	sl_sigv4_result_free(&res);
}

/* The suite's path-normalisation cases (get-slash*, get-relative*, get-space): the canonical
 * URI line of the canonical request. */
static void test_path_normalisation(void)
{
	static const char *cases[][2] = {
		{ "//", "/" },
		{ "//example//", "/example/" },
		{ "/./", "/" },
		{ "/example/..", "/" },
		{ "/example1/example2/../..", "/" },
		{ "/./example/.", "/example" },
		{ "/example space/", "/example%20space/" },
		{ "/model/amazon.nova-pro-v1%3A0/converse", "/model/amazon.nova-pro-v1%253A0/converse" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct sl_sigv4_header hs[] = { { "host", HOST }, { "x-amz-date", DATE } };
		struct sl_sigv4_request r = { .method = "GET", .path = cases[i][0], .headers = hs,
					      .n_headers = 2, .amz_date = DATE,
					      .region = "us-east-1", .service = "service" };
		struct sl_sigv4_result res;
		struct sl_error err = { 0 };
		CHECK_INT(sl_sigv4_sign(&r, AKID, SECRET, &res, &err), 0);
		char *want = sl_xasprintf("GET\n%s\n\n", cases[i][1]);
		CHECK(res.canonical_request && sl_str_starts_with(res.canonical_request, want));
		if (res.canonical_request && !sl_str_starts_with(res.canonical_request, want))
			fprintf(stderr, "  path %s gave:\n%s\n", cases[i][0], res.canonical_request);
		free(want);
		sl_sigv4_result_free(&res);
	}
	/* S3 keeps the wire path as it is. */
	struct sl_sigv4_header hs[] = { { "host", HOST }, { "x-amz-date", DATE } };
	struct sl_sigv4_request r = { .method = "GET", .path = "/a%3Ab//c", .s3 = true,
				      .headers = hs, .n_headers = 2, .amz_date = DATE,
				      .region = "us-east-1", .service = "s3" };
	struct sl_sigv4_result res;
	struct sl_error err = { 0 };
	CHECK_INT(sl_sigv4_sign(&r, AKID, SECRET, &res, &err), 0);
	CHECK(sl_str_starts_with(res.canonical_request, "GET\n/a%3Ab//c\n\n"));
	sl_sigv4_result_free(&res);
}

static void test_bedrock_json_post(void)
{
	char *seg = sl_sigv4_encode_segment("amazon.nova-pro-v1:0");
	CHECK_STR(seg, "amazon.nova-pro-v1%3A0");
	free(seg);
	seg = sl_sigv4_encode_segment("arn:aws:bedrock:us-east-1:123:inference-profile/us.x");
	CHECK_STR(seg, "arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fus.x");
	free(seg);

	const char *body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
	struct sl_sigv4_credentials c = { AKID, SECRET, "session-token-xyz", "us-west-2" };
	struct sl_sigv4_headers out;
	struct sl_error err = { 0 };
	/* 2015-08-30T12:36:00Z */
	CHECK_INT(sl_sigv4_sign_json_post(&c, "bedrock", "bedrock-runtime.us-west-2.amazonaws.com",
					  "/model/amazon.nova-pro-v1%3A0/converse", body,
					  strlen(body), INT64_C(1440938160000), &out, &err), 0);
	CHECK_INT(out.n, 5);
	CHECK_STR(out.lines[0], "Content-Type: application/json");
	CHECK_STR(out.lines[1], "X-Amz-Date: 20150830T123600Z");
	char body_hash[65];
	sl_sha256_hex(body, strlen(body), body_hash);
	char *want = sl_xasprintf("X-Amz-Content-Sha256: %s", body_hash);
	CHECK_STR(out.lines[2], want);
	free(want);
	CHECK_STR(out.lines[3], "X-Amz-Security-Token: session-token-xyz");
	CHECK_CONTAINS(out.lines[4], "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
				     "20150830/us-west-2/bedrock/aws4_request, SignedHeaders="
				     "content-type;host;x-amz-content-sha256;x-amz-date;"
				     "x-amz-security-token, Signature=");

	/* An independent recomputation from the headers as a server would receive them
	 * (different case and order) gives the same signature, with %253A in the canonical URI. */
	struct sl_sigv4_header hs[] = {
		{ "X-Amz-Security-Token", "session-token-xyz" },
		{ "Host", "bedrock-runtime.us-west-2.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
		{ "Content-Type", "application/json" },
		{ "X-Amz-Content-Sha256", body_hash },
	};
	struct sl_sigv4_request r = { .method = "POST",
				      .path = "/model/amazon.nova-pro-v1%3A0/converse",
				      .headers = hs, .n_headers = 5, .payload = body,
				      .payload_len = strlen(body), .amz_date = "20150830T123600Z",
				      .region = "us-west-2", .service = "bedrock" };
	struct sl_sigv4_result res;
	CHECK_INT(sl_sigv4_sign(&r, AKID, SECRET, &res, &err), 0);
	CHECK_CONTAINS(res.canonical_request, "\n/model/amazon.nova-pro-v1%253A0/converse\n");
	char *auth = sl_xasprintf("Authorization: %s", res.authorization);
	CHECK_STR(out.lines[4], auth);
	free(auth);
	sl_sigv4_result_free(&res);
	sl_sigv4_headers_free(&out);

	/* Without a session token the header is neither sent nor signed. */
	c.session_token = NULL;
	CHECK_INT(sl_sigv4_sign_json_post(&c, "bedrock", "h", "/x", "", 0, 0, &out, &err), 0);
	CHECK_INT(out.n, 4);
	CHECK_CONTAINS(out.lines[3], "SignedHeaders=content-type;host;x-amz-content-sha256;"
				     "x-amz-date, ");
	sl_sigv4_headers_free(&out);
}

static void test_missing_inputs_name_the_setting(void)
{
	struct sl_sigv4_credentials c = { NULL, NULL, NULL, "us-east-1" };
	struct sl_sigv4_headers out;
	struct sl_error err = { 0 };
	CHECK_INT(sl_sigv4_sign_json_post(&c, "bedrock", "h", "/", "", 0, 0, &out, &err), -1);
	CHECK_CONTAINS(err.msg, "AWS_ACCESS_KEY_ID");
	struct sl_sigv4_credentials c2 = { AKID, SECRET, NULL, "" };
	CHECK_INT(sl_sigv4_sign_json_post(&c2, "bedrock", "h", "/", "", 0, 0, &out, &err), -1);
	CHECK_CONTAINS(err.msg, "AWS_REGION");
	struct sl_sigv4_header hs[] = { { "host", HOST } };
	struct sl_sigv4_request r = { .method = "GET", .path = "/", .headers = hs, .n_headers = 1,
				      .amz_date = "2015-08-30", .region = "us-east-1",
				      .service = "service" };
	struct sl_sigv4_result res;
	CHECK_INT(sl_sigv4_sign(&r, AKID, SECRET, &res, &err), -1);
	CHECK_CONTAINS(err.msg, "YYYYMMDDTHHMMSSZ");
}

TEST_MAIN_BEGIN
	RUN_TEST(test_aws_test_suite_vectors);
	RUN_TEST(test_get_vanilla_artefacts);
	RUN_TEST(test_path_normalisation);
	RUN_TEST(test_bedrock_json_post);
	RUN_TEST(test_missing_inputs_name_the_setting);
TEST_MAIN_END
