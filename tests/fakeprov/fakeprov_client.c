#include "fakeprov_client.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "shortlist/util.h"

extern char **environ;

static const char *binary(void)
{
	const char *env = getenv("FAKEPROV");
	return env && *env ? env : FAKEPROV_BIN;
}

struct fakeprov *fakeprov_start(const char *script_json)
{
	char script_path[256] = "";
	if (script_json) {
		const char *tmp = getenv("TMPDIR");
		snprintf(script_path, sizeof script_path, "%s/fakeprov-script-XXXXXX.json",
			 tmp && *tmp ? tmp : "/tmp");
		int fd = mkstemps(script_path, 5);
		if (fd < 0 || write(fd, script_json, strlen(script_json)) != (ssize_t)strlen(script_json)) {
			fprintf(stderr, "fakeprov: cannot write the script: %s\n", strerror(errno));
			exit(99);
		}
		close(fd);
	}
	int pipefd[2];
	if (pipe(pipefd) != 0) {
		perror("pipe");
		exit(99);
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(99);
	}
	if (pid == 0) {
		/* Die with the test, whatever way the test ends. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		const char *b = binary();
		if (script_path[0])
			execl(b, b, "--port", "0", "--script", script_path, (char *)NULL);
		else
			execl(b, b, "--port", "0", (char *)NULL);
		fprintf(stderr, "fakeprov: cannot run %s: %s\n", b, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	char line[64] = "";
	size_t n = 0;
	int64_t deadline = sl_now_ns() + 5000000000LL;
	while (n < sizeof line - 1 && !strchr(line, '\n')) {
		int left = (int)((deadline - sl_now_ns()) / 1000000);
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t r = read(pipefd[0], line + n, sizeof line - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		line[n] = '\0';
	}
	close(pipefd[0]);
	if (script_path[0])
		unlink(script_path);
	int port = atoi(line);
	if (port <= 0) {
		fprintf(stderr, "fakeprov: %s did not report a port (got \"%s\")\n", binary(), line);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		exit(99);
	}
	struct fakeprov *fp = sl_xcalloc(1, sizeof *fp);
	fp->pid = pid;
	fp->port = port;
	snprintf(fp->base, sizeof fp->base, "http://127.0.0.1:%d", port);
	return fp;
}

void fakeprov_stop(struct fakeprov *fp)
{
	if (!fp)
		return;
	kill(fp->pid, SIGTERM);
	int status;
	waitpid(fp->pid, &status, 0);
	free(fp);
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	sl_buf_append(ud, p, size * n);
	return size * n;
}

int fakeprov_http(struct fakeprov *fp, const char *method, const char *path,
		  const char *const *headers, const char *body, struct fakeprov_http *out)
{
	memset(out, 0, sizeof *out);
	CURL *c = curl_easy_init();
	struct sl_buf b, h;
	sl_buf_init(&b);
	sl_buf_init(&h);
	char *url = sl_xasprintf("%s%s", fp->base, path);
	struct curl_slist *hl = NULL;
	for (const char *const *p = headers; p && *p; p++)
		hl = curl_slist_append(hl, *p);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	out->curl_code = (int)rc;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	sl_buf_putc(&b, '\0');
	b.len--;
	out->body_len = b.len;
	out->body = sl_buf_steal(&b);
	sl_buf_putc(&h, '\0');
	out->headers = sl_buf_steal(&h);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(url);
	return rc == CURLE_OK ? (int)out->status : -1;
}

void fakeprov_http_free(struct fakeprov_http *h)
{
	free(h->body);
	free(h->headers);
	memset(h, 0, sizeof *h);
}

int fakeprov_set_script(struct fakeprov *fp, const char *script_json)
{
	struct fakeprov_http h;
	int st = fakeprov_http(fp, "POST", "/_fake/script", NULL, script_json, &h);
	if (st != 200)
		fprintf(stderr, "fakeprov: script rejected: %s\n", h.body ? h.body : "");
	fakeprov_http_free(&h);
	return st == 200 ? 0 : -1;
}

int fakeprov_reset(struct fakeprov *fp)
{
	struct fakeprov_http h;
	int st = fakeprov_http(fp, "POST", "/_fake/reset", NULL, "", &h);
	fakeprov_http_free(&h);
	return st == 200 ? 0 : -1;
}

static cJSON *get_json(struct fakeprov *fp, const char *path)
{
	struct fakeprov_http h;
	int st = fakeprov_http(fp, "GET", path, NULL, NULL, &h);
	cJSON *j = st == 200 ? cJSON_Parse(h.body) : NULL;
	fakeprov_http_free(&h);
	return j;
}

cJSON *fakeprov_stats(struct fakeprov *fp)
{
	return get_json(fp, "/_fake/stats");
}

cJSON *fakeprov_last(struct fakeprov *fp)
{
	return get_json(fp, "/_fake/last");
}

long fakeprov_route_count(struct fakeprov *fp, const char *route)
{
	cJSON *s = fakeprov_stats(fp);
	if (!s)
		return -1;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(s, "by_route"), route);
	long n = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
	cJSON_Delete(s);
	return n;
}

cJSON *fakeprov_log(struct fakeprov *fp)
{
	return get_json(fp, "/_fake/log");
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int fakeprov_times(struct fakeprov *fp, const char *path, struct fakeprov_times *out)
{
	*out = (struct fakeprov_times){ NAN, NAN, NAN, NAN, 0, 0, 0 };
	cJSON *log = fakeprov_log(fp);
	const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(log, "requests");
	const cJSON *found = NULL, *r;
	cJSON_ArrayForEach(r, reqs) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "path");
		if (!path || (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0))
			found = r;
	}
	double writes = num(found, "writes");
	out->writes = isnan(writes) ? -1 : (int)writes;
	const cJSON *ev;
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(found, "events")) {
		if (num(ev, "content") < 0)
			continue;
		double due = num(ev, "due_ms"), sent = num(ev, "sent_ms");
		if (out->n_content++ == 0)
			out->due_first_ms = due;
		out->due_last_ms = due;
		if (isnan(sent))
			continue;
		if (out->n_sent++ == 0)
			out->first_ms = sent;
		out->last_ms = sent;
	}
	cJSON_Delete(log);
	return found ? 0 : -1;
}
