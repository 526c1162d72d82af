/* catalog update over the network: a server on 127.0.0.1 serves good, cut, failing and
 * stalled responses; a closed port stands for a dead endpoint. Every failure leaves the store
 * exactly as it was. */
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"

static int listen_fd = -1;
static int port;
static char *good_body;
static size_t good_len;

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void serve_one(int fd)
{
	char req[4096];
	size_t got = 0;
	while (got < sizeof req - 1) {
		ssize_t r = recv(fd, req + got, sizeof req - 1 - got, 0);
		if (r <= 0)
			return;
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	char head[256];
	if (strncmp(req, "GET /ok ", 8) == 0) {
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", good_len);
		send_all(fd, head, strlen(head));
		send_all(fd, good_body, good_len);
	} else if (strncmp(req, "GET /partial ", 13) == 0) {
		/* Announce more than is sent, then hang up: a cut download. */
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", good_len + 5000);
		send_all(fd, head, strlen(head));
		send_all(fd, good_body, good_len);
	} else if (strncmp(req, "GET /bad ", 9) == 0) {
		size_t n = good_len / 2;
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", n);
		send_all(fd, head, strlen(head));
		send_all(fd, good_body, n);
	} else if (strncmp(req, "GET /stall ", 11) == 0) {
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			 good_len);
		send_all(fd, head, strlen(head));
		/* Wait for the client to give up (its timeout closes the socket). */
		char c;
		while (recv(fd, &c, 1, 0) > 0)
			;
	} else {
		static const char e[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n"
					"Connection: close\r\n\r\noops\n";
		send_all(fd, e, sizeof e - 1);
	}
}

static void *server_main(void *arg)
{
	long n = (long)(intptr_t)arg;
	for (long i = 0; i < n; i++) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			break;
		serve_one(fd);
		close(fd);
	}
	return NULL;
}

static int bind_local(int *port_out)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("bind");
		exit(99);
	}
	*port_out = ntohs(a.sin_port);
	return fd;
}

static void expect_update_fails(struct sl_store *s, const char *url, long timeout,
				const char *want)
{
	char *before = store_digest(s);
	struct sl_error err = { 0 };
	CHECK(sl_catalog_update_url(s, url, timeout, NULL, NULL, &err) != 0);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, url);
	CHECK_CONTAINS(err.msg, want);
	char *after = store_digest(s);
	CHECK_STR(after, before);
	free(before);
	free(after);
}

struct seen {
	int64_t last_now, last_total;
	int calls;
};

static void on_progress(void *ud, int64_t now, int64_t total)
{
	struct seen *s = ud;
	s->last_now = now;
	s->last_total = total;
	s->calls++;
}

static void test_update_paths(void)
{
	struct sl_store *s = store_with("update.db", "tests/catalog/fixtures/snapshot-small.json");
	struct sl_error err = { 0 };
	struct sl_annotation_edit e = { .set_notes = true, .notes = "mine", .params_b = NAN,
					.fine_tunable = -1, .commercial_use = -1 };
	CHECK(sl_annotation_apply(s, "alpha/omni", &e, &err) == 0);

	char base[64];
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	char url[128];
	snprintf(url, sizeof url, "%s/partial", base);
	expect_update_fails(s, url, 10, "failed");
	snprintf(url, sizeof url, "%s/bad", base);
	expect_update_fails(s, url, 10, "ends early");
	snprintf(url, sizeof url, "%s/missing", base);
	expect_update_fails(s, url, 10, "HTTP status 500");
	snprintf(url, sizeof url, "%s/stall", base);
	expect_update_fails(s, url, 1, "timed out after 1 s");

	/* A dead endpoint: a port that was just free and is closed now. */
	int dead_port;
	close(bind_local(&dead_port));
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api.json", dead_port);
	expect_update_fails(s, url, 5, "failed");

	char *missing = test_path("no-such-file.json");
	char *file_url = sl_xasprintf("file://%s", missing);
	expect_update_fails(s, file_url, 5, "failed");
	free(file_url);
	free(missing);

	/* Success over HTTP, with progress reaching the total. */
	struct seen seen = { 0 };
	snprintf(url, sizeof url, "%s/ok", base);
	CHECK(sl_catalog_update_url(s, url, 10, on_progress, &seen, &err) == 0);
	CHECK(seen.calls > 0);
	CHECK_INT(seen.last_now, (int64_t)good_len);
	CHECK_INT(seen.last_total, (int64_t)good_len);
	struct sl_catalog_info in;
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.models, 3);
	CHECK_STR(in.origin, url);
	CHECK_STR(in.shape, "api.json");
	struct sl_model m;
	CHECK(sl_catalog_find(s, "alpha/omni", &m, &err) == 0);
	CHECK_STR(m.notes, "mine");
	sl_model_free(&m);

	/* Success from a file:// URL. */
	char *fx = test_source_path("tests/catalog/fixtures/snapshot-small.json");
	file_url = sl_xasprintf("file://%s", fx);
	CHECK(sl_catalog_update_url(s, file_url, 5, NULL, NULL, &err) == 0);
	CHECK(sl_catalog_info(s, &in, &err) == 0);
	CHECK_INT(in.models, 6);
	CHECK_STR(in.shape, "snapshot");
	free(file_url);
	free(fx);
	sl_store_close(s);
}

TEST_MAIN_BEGIN
	char *fx = test_source_path("tests/catalog/fixtures/api.json");
	good_body = sl_read_file(fx, &good_len, NULL);
	free(fx);
	listen_fd = bind_local(&port);
	if (listen(listen_fd, 8) != 0) {
		perror("listen");
		return 99;
	}
	pthread_t th;
	/* partial, bad, 500, stall, ok */
	pthread_create(&th, NULL, server_main, (void *)(intptr_t)5);
	RUN_TEST(test_update_paths);
	shutdown(listen_fd, SHUT_RDWR);
	close(listen_fd);
	pthread_join(th, NULL);
	free(good_body);
TEST_MAIN_END
