/* Editing a prompt version in the user's editor: the CLI's `prompts edit` and the TUI's
 * Prompts screen (which suspends the screen around sl_editor_run) share these steps, so
 * both store the same new version, with its lineage, only when the content changed. */
#ifndef SHORTLIST_PROMPT_EDIT_H
#define SHORTLIST_PROMPT_EDIT_H

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
