#include "shortlist/tls.h"

#include <stdlib.h>

const char *sl_tls_ca_file(void)
{
	/* OpenSSL's variable first (what Python, Node and git users already set), then curl's. */
	static const char *const vars[] = { "SSL_CERT_FILE", "CURL_CA_BUNDLE" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

void sl_tls_setup(CURL *c)
{
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	const char *ca = sl_tls_ca_file();
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
}
