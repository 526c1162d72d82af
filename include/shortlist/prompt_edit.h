/* Editing a prompt version in the user's editor: the CLI's `prompts edit` and the TUI's
 * Prompts screen (which suspends the screen around sl_editor_run) share these steps, so
 * both store the same new version, with its lineage, only when the content changed. */
#ifndef SHORTLIST_PROMPT_EDIT_H
#define SHORTLIST_PROMPT_EDIT_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "shortlist/prompts.h"

/* Write the add-file JSON of base to a new file in $TMPDIR (else /tmp), readable by the
 * user only. Returns its path (caller frees), or NULL with err. */
char *sl_prompt_edit_begin(const struct sl_prompt_version *base, struct sl_error *err);

/* Run $VISUAL, else $EDITOR, else vi on path through /bin/sh (so EDITOR="code --wait"
 * works; the path goes in as "$1", never re-parsed). SIGINT and SIGQUIT are ignored while
 * it runs, as git does, so a Ctrl-C meant for the editor does not end shortlist. Returns
 * the editor's exit status (127: the command was not found), or -1 if it could not be
 * started or was killed; *editor (may be NULL) gets the command. */
int sl_editor_run(const char *path, const char **editor);

/* The same in two steps, for an event loop that keeps working (a live run goes on) while
 * the editor has the terminal: start it, then poll pidfd (readable when it exits; -1 if the
 * kernel has none: poll on a timer) and call sl_editor_wait until it stops answering
 * SL_EDITOR_RUNNING. */
struct sl_editor {
	pid_t pid;
	int pidfd;
	const char *command; /* $VISUAL, else $EDITOR, else vi */
	struct sigaction old_int, old_quit;
};
#define SL_EDITOR_RUNNING (-2)
/* 0 started; -1 fork failed (nothing to wait for). */
int sl_editor_start(struct sl_editor *ed, const char *path);
/* The editor's exit status as sl_editor_run's, or SL_EDITOR_RUNNING (only if !block). */
int sl_editor_wait(struct sl_editor *ed, bool block);

enum sl_prompt_edit_outcome {
	SL_PROMPT_EDIT_SAVED,     /* a new version, its parent the version edited */
	SL_PROMPT_EDIT_UNCHANGED, /* the content of the version edited: nothing stored */
	SL_PROMPT_EDIT_TAGS,      /* that content, but the prompt's tags changed (stored) */
	SL_PROMPT_EDIT_LATEST,    /* changed into the latest version's content: no new one */
};

/* Read the edited file at path and store what changed. *out gets the edited version (its
 * number stored or matched; caller frees). On success the file is removed; on an error
 * (bad JSON, a changed name) nothing is stored and the file is kept for the user. */
int sl_prompt_edit_finish(struct sl_store *store, const struct sl_prompt_version *base,
			  const char *path, struct sl_prompt_version *out,
			  enum sl_prompt_edit_outcome *outcome, struct sl_error *err);

#endif
