/* TLS settings shared by every libcurl handle shortlist makes (providers, probes, the
 * catalogue download). */
#ifndef SHORTLIST_TLS_H
#define SHORTLIST_TLS_H

#include <curl/curl.h>

/* Peer and host always verified. The CA bundle is SSL_CERT_FILE or CURL_CA_BUNDLE when
 * set (a company's TLS-inspecting proxy, a test server's own CA), else libcurl's default. */
void sl_tls_setup(CURL *c);

/* The file sl_tls_setup() trusts instead of the default, or NULL. */
const char *sl_tls_ca_file(void);

#endif
