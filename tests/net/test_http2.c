/* HTTP/2 over verified TLS, against nghttpd (Debian's nghttp2-server) with a certificate
 * made for this test: the engine negotiates h2, multiplexes concurrent requests over one
 * connection, trusts a private CA only through SSL_CERT_FILE, and fails a certificate it
 * cannot verify at once (no retries) with a message that says what to set.
 * fakeprov (libmicrohttpd) speaks only HTTP/1.1, hence a second server here. */
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shortlist/engine.h"

#define N_CONCURRENT 16
#define ANSWER "Hello over HTTP/2."

static const char *const NGHTTPD_PATHS[] = { "/usr/sbin/nghttpd", "/usr/bin/nghttpd" };

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("free port");
		exit(99);
	}
	close(fd);
	return ntohs(a.sin_port);
}

/* Wait (up to 10 s) until something accepts connections on the port. */
static bool wait_listening(int port)
{
	for (int i = 0; i < 1000; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
		close(fd);
		if (ok)
			return true;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return false;
}

static pid_t start_nghttpd(const char *bin, int port, const char *root, const char *key,
			   const char *cert)
{
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%d", port);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(bin, bin, "-a", "127.0.0.1", "-d", root, portstr, key, cert, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static struct sl_engine *make_engine(int port)
{
	char *json = sl_xasprintf("{\"providers\": {\"h2\": {\"kind\": \"openai\", \"base_url\":"
				  " \"https://127.0.0.1:%d/v1\", \"api_key_env\": \"H2_KEY\","
				  " \"limits\": {\"max_tries\": 3}}}}", port);
	struct sl_engine *e = test_engine_new(json, &(struct sl_engine_options){
		.rng_seed = 1, .backoff_base_ms = 10, .backoff_cap_ms = 50 });
	free(json);
	return e;
}

static void on_done(void *ud, const struct sl_result *r)
{
	*(struct sl_result **)ud = sl_result_dup(r);
}

static void submit(struct sl_engine *eng, struct sl_result **slot)
{
	static const struct sl_message msg[] = { { SL_ROLE_USER, "Say hello." } };
	struct sl_request rq = { .model = "h2:h2-model", .messages = msg, .n_messages = 1,
				 .on_done = on_done, .user_data = slot };
	sl_params_init(&rq.params);
	struct sl_error err = { 0 };
	CHECK(sl_engine_submit(eng, &rq, &err) > 0);
}

static void test_h2_multiplexed(int port, const char *cert)
{
	setenv("SSL_CERT_FILE", cert, 1);
	unsetenv("CURL_CA_BUNDLE");
	struct sl_engine *eng = make_engine(port);
	struct sl_result *res[N_CONCURRENT] = { 0 };
	for (int i = 0; i < N_CONCURRENT; i++)
		submit(eng, &res[i]);
	sl_engine_run_until_idle(eng);
	int new_connections = 0;
	for (int i = 0; i < N_CONCURRENT; i++) {
		CHECK(res[i] != NULL);
		if (!res[i])
			continue;
		CHECK_INT(res[i]->status, SL_OK);
		if (res[i]->error)
			fprintf(stderr, "request %d: %s\n", i, res[i]->error);
		CHECK_STR(res[i]->text, ANSWER);
		CHECK_INT(res[i]->http_version, 2);
		CHECK_INT(res[i]->tokens_out, 4);
		new_connections += !res[i]->connection_reused;
		sl_result_free(res[i]);
	}
	/* All sixteen share the first TLS connection as h2 streams. */
	CHECK_INT(new_connections, 1);
	sl_engine_free(eng);
}

static void test_untrusted_certificate(int port)
{
	/* The system bundle does not know the test CA: no retries, and the fix is named. */
	unsetenv("SSL_CERT_FILE");
	unsetenv("CURL_CA_BUNDLE");
	struct sl_engine *eng = make_engine(port);
	struct sl_result *res = NULL;
	submit(eng, &res);
	sl_engine_run_until_idle(eng);
	CHECK(res != NULL);
	if (res) {
		CHECK_INT(res->status, SL_ERR_NETWORK);
		CHECK_INT(res->tries, 1);
		CHECK_CONTAINS(res->error, "TLS certificate not trusted");
		CHECK_CONTAINS(res->error, "set SSL_CERT_FILE");
		sl_result_free(res);
	}
	sl_engine_free(eng);
}

TEST_MAIN_BEGIN
	const char *bin = NULL;
	for (size_t i = 0; i < SL_ARRAY_LEN(NGHTTPD_PATHS) && !bin; i++)
		if (access(NGHTTPD_PATHS[i], X_OK) == 0)
			bin = NGHTTPD_PATHS[i];
	if (!bin || system("openssl version >/dev/null 2>&1") != 0) {
		/* CI installs both (.ci/packages); a developer without them gets a skip. */
		fprintf(stderr, "nghttpd (nghttp2-server) or openssl not installed\n");
		return getenv("CI") ? 1 : 77;
	}
	char *key = test_path("key.pem"), *cert = test_path("cert.pem");
	char *cmd = sl_xasprintf("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
				 " -nodes -keyout '%s' -out '%s' -days 2 -subj /CN=127.0.0.1"
				 " -addext subjectAltName=IP:127.0.0.1 2>/dev/null", key, cert);
	CHECK_INT(system(cmd), 0);
	free(cmd);
	char *root = test_path("root");
	char *dir = sl_xasprintf("%s/v1/chat", root);
	char *mk = sl_xasprintf("mkdir -p '%s'", dir);
	CHECK_INT(system(mk), 0);
	free(mk);
	/* nghttpd answers any method with the file at the path: a whole chat completion. */
	char *file = sl_xasprintf("%s/completions", dir);
	const char *body = "{\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion\",\"created\":1,"
			   "\"model\":\"h2-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
			   "\"assistant\",\"content\":\"" ANSWER "\"},\"finish_reason\":\"stop\"}],"
			   "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4,\"total_tokens\":9}}";
	CHECK_INT(sl_write_file_atomic(file, body, strlen(body), NULL), 0);
	setenv("H2_KEY", "h2-test-key", 1);
	int port = free_port();
	pid_t pid = start_nghttpd(bin, port, root, key, cert);
	if (!wait_listening(port)) {
		fprintf(stderr, "nghttpd did not start on port %d\n", port);
		kill(pid, SIGTERM);
		return 1;
	}
	test_current = "test_h2_multiplexed";
	test_h2_multiplexed(port, cert);
	test_current = "test_untrusted_certificate";
	test_untrusted_certificate(port);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(file);
	free(dir);
	free(root);
	free(key);
	free(cert);
TEST_MAIN_END
