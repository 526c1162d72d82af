#include "shortlist/prompt_edit.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

char *sl_prompt_edit_begin(const struct sl_prompt_version *base, struct sl_error *err)
{
	cJSON *o = sl_prompt_to_json(base, false);
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	const char *tmpdir = getenv("TMPDIR");
	char *path = sl_xasprintf("%s/shortlist-%s-XXXXXX.json", tmpdir && *tmpdir ? tmpdir : "/tmp",
				  base->name);
	int fd = mkstemps(path, 5); /* mode 0600 */
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	bool ok = f && fprintf(f, "%s\n", text) >= 0;
	if (f && fclose(f) != 0)
		ok = false;
	else if (!f && fd >= 0)
		close(fd);
	cJSON_free(text);
	if (!ok) {
		sl_error_set(err, "cannot write %s: %s", path, strerror(errno));
		err->code = SL_EXIT_USAGE;
		if (fd >= 0)
			unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

int sl_editor_start(struct sl_editor *ed, const char *path)
{
	*ed = (struct sl_editor){ .pid = -1, .pidfd = -1 };
	ed->command = getenv("VISUAL");
	if (!ed->command || !*ed->command)
		ed->command = getenv("EDITOR");
	if (!ed->command || !*ed->command)
		ed->command = "vi";
	fflush(NULL);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &ed->old_int);
	sigaction(SIGQUIT, &ign, &ed->old_quit);
	ed->pid = fork();
	if (ed->pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		setenv("SHORTLIST_EDITOR", ed->command, 1);
		execl("/bin/sh", "sh", "-c", "$SHORTLIST_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	if (ed->pid < 0) {
		sigaction(SIGINT, &ed->old_int, NULL);
		sigaction(SIGQUIT, &ed->old_quit, NULL);
		return -1;
	}
	/* A pidfd turns readable when the editor exits: the caller's poll() sees it with
	 * its other descriptors. Without one (an old kernel) the caller polls on a timer. */
#ifdef SYS_pidfd_open
	ed->pidfd = (int)syscall(SYS_pidfd_open, ed->pid, 0);
#endif
	return 0;
}

int sl_editor_wait(struct sl_editor *ed, bool block)
{
	if (ed->pid <= 0)
		return -1;
	int status = 0;
	pid_t got;
	while ((got = waitpid(ed->pid, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	if (got == 0)
		return SL_EDITOR_RUNNING;
	int rc = got > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (ed->pidfd >= 0)
		close(ed->pidfd);
	ed->pid = ed->pidfd = -1;
	sigaction(SIGINT, &ed->old_int, NULL);
	sigaction(SIGQUIT, &ed->old_quit, NULL);
	return rc;
}

int sl_editor_run(const char *path, const char **editor)
{
	struct sl_editor ed;
	int rc = sl_editor_start(&ed, path);
	if (editor)
		*editor = ed.command;
	return rc < 0 ? -1 : sl_editor_wait(&ed, true);
}

static bool same_tags(const struct sl_prompt_version *a, const struct sl_prompt_version *b)
{
	if (a->n_tags != b->n_tags)
		return false;
	for (size_t i = 0; i < a->n_tags; i++)
		if (strcmp(a->tags[i], b->tags[i]) != 0)
			return false;
	return true;
}

static bool has_tag(const struct sl_prompt_version *pv, const char *tag)
{
	for (size_t i = 0; i < pv->n_tags; i++)
		if (strcmp(pv->tags[i], tag) == 0)
			return true;
	return false;
}

/* The prompt's tags become the edited ones (an edit that drops "tags" keeps them). */
static int replace_tags(struct sl_store *store, const struct sl_prompt_version *base,
			const struct sl_prompt_version *pv, struct sl_error *err)
{
	for (size_t i = 0; i < base->n_tags; i++)
		if (!has_tag(pv, base->tags[i]) &&
		    sl_prompts_tag(store, base->name, 0, base->tags[i], false, err) != 0)
			return -1;
	for (size_t i = 0; i < pv->n_tags; i++)
		if (sl_prompts_tag(store, base->name, 0, pv->tags[i], true, err) != 0)
			return -1;
	return 0;
}

int sl_prompt_edit_finish(struct sl_store *store, const struct sl_prompt_version *base,
			  const char *path, struct sl_prompt_version *out,
			  enum sl_prompt_edit_outcome *outcome, struct sl_error *err)
{
	size_t len;
	char *text = sl_read_file(path, &len, err);
	if (!text) {
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	int rc = sl_prompt_parse(text, len, path, out, err);
	free(text);
	if (rc != 0)
		return -1;
	if (strcmp(out->name, base->name) != 0) {
		sl_error_set(err, "the name changed from '%s' to '%s': to start a new prompt use "
			     "'shortlist prompts add %s'", base->name, out->name, path);
		err->code = SL_EXIT_USAGE;
		sl_prompt_version_free(out);
		return -1;
	}
	if (strcmp(out->hash, base->hash) == 0) {
		out->version = base->version;
		*outcome = SL_PROMPT_EDIT_UNCHANGED;
		if (out->n_tags && !same_tags(out, base)) {
			if (replace_tags(store, base, out, err) != 0) {
				sl_prompt_version_free(out);
				return -1;
			}
			*outcome = SL_PROMPT_EDIT_TAGS;
		}
	} else {
		bool created;
		out->parent = base->version;
		if (sl_prompts_add(store, out, &created, err) != 0) {
			sl_prompt_version_free(out);
			return -1;
		}
		*outcome = created ? SL_PROMPT_EDIT_SAVED : SL_PROMPT_EDIT_LATEST;
	}
	unlink(path);
	return 0;
}
