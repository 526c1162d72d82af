/* Checks outside the engine's chat/embeddings path: is each configured provider reachable
 * and does it accept our credentials (ping), and which models do local servers have
 * (a running Ollama, an OpenAI-compatible server at OPENAI_BASE_URL). */
#ifndef SHORTLIST_PROBE_H
#define SHORTLIST_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "shortlist/providers_config.h"
#include "shortlist/util.h"

enum sl_ping_state {
	SL_PING_OK,      /* reachable and the credentials were accepted */
	SL_PING_NO_KEY,  /* not set up: the key/credentials are missing (message says which) */
	SL_PING_FAILED,  /* set up but not working: message says precisely why */
};

struct sl_ping_result {
	char *provider;
	enum sl_ping_state state;
	char *url;        /* what was contacted, or NULL */
	long http_status; /* 0 if no HTTP answer */
	double ms;        /* round trip, NAN if not contacted */
	int64_t n_models; /* models listed by the endpoint, -1 unknown */
	char *message;    /* never contains a key */
};

/* Ping every provider (only != NULL: just that one, which must exist). Runs the checks
 * concurrently; each gets timeout_ms. */
int sl_ping(const struct sl_providers *p, const char *only, long timeout_ms,
	    struct sl_ping_result **out, size_t *n_out, struct sl_error *err);
void sl_ping_results_free(struct sl_ping_result *r, size_t n);

struct sl_local_model {
	char *provider;  /* "ollama", or "openai" for the OPENAI_BASE_URL server */
	char *model_id;
	char *base_url;
	int64_t size_bytes;  /* -1 unknown */
	char *details;       /* "8.0B Q4_K_M llama" for Ollama, owner for /v1/models; may be "" */
};

struct sl_local_scan {
	struct sl_local_model *models;
	size_t n;
	char *notes;  /* one line per server looked for: found N models / not running */
};

/* Look for a running Ollama (the "ollama" provider's base URL: OLLAMA_HOST or
 * 127.0.0.1:11434) and, when OPENAI_BASE_URL is set, that server's /models. Never fails:
 * servers that are not there are described in notes. */
void sl_local_discover(const struct sl_providers *p, long timeout_ms, struct sl_local_scan *out);
void sl_local_scan_free(struct sl_local_scan *s);

#endif
