/* The terminal workbench front end. */
#ifndef SHORTLIST_TUI_H
#define SHORTLIST_TUI_H

#include <poll.h>
#include <stdbool.h>

#include "shortlist/store.h"

struct sl_bundle_check;

/* The event loop's single waiting point. The default waits with poll() on the TUI's own
 * descriptors (stdin, the signal self-pipe); the provider engine replaces it with
 * curl_multi_poll() passing these as extra fds, then progresses its transfers. */
struct tui_waiter {
	/* Wait until one of fds is readable or timeout_ms passes (-1: no limit, the TUI is
	 * idle); fill revents. Returns the number ready (0 on timeout) or -1 with errno
	 * (EINTR is fine). */
	int (*wait)(void *ud, struct pollfd *fds, int nfds, int timeout_ms);
	/* After each wait: progress in-flight work. Returns true if the screen changed. */
	bool (*progress)(void *ud);
	/* Work still in flight; the headless `:dump` step waits until this is zero. */
	int (*pending)(void *ud);
	void *ud;
};

struct tui_options {
	const char *theme;   /* theme name or path; NULL = default (or mono under NO_COLOR) */
	const char *script;  /* headless key script for golden-screen tests, or NULL */
	int script_cols, script_lines;
	bool ascii;          /* force the ASCII glyph set (also chosen by a non-UTF-8 locale) */
	const struct tui_waiter *waiter; /* NULL = plain poll() */
	const char *bundle;  /* --open: the run bundle shown; the store is a private copy of it */
	/* --open: the check of the bundle's every page, still running (or NULL): the screen
	 * is up meanwhile, and a damaged bundle ends the app with exit code 2 */
	struct sl_bundle_check *bundle_check;
};

/* Run until the user quits; returns the process exit code. */
int tui_main(struct sl_store *store, const struct tui_options *opts);
/* The key list generated from the action table: format "man" or "markdown". Returns -1
 * for an unknown format. */
int tui_print_keys(const char *format);

#endif
