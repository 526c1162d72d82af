/* Where shortlist finds its files: the shipped data/ and themes/ (installed or in the
 * source tree), the user's database and configuration (XDG base directories). */
#ifndef SHORTLIST_PATHS_H
#define SHORTLIST_PATHS_H

#include "shortlist/util.h"

/* Directory holding data/ and themes/: $SHORTLIST_DATADIR if set, else the source tree when
 * running from a build directory, else share/shortlist beside the binary's bin/ (wherever
 * the prefix was installed or moved), else the configured install path. Never NULL. */
const char *sl_paths_share_dir(void);
/* share_dir joined with a relative path; caller frees. */
char *sl_paths_share_file(const char *relative);
/* $XDG_DATA_HOME/shortlist/shortlist.db or ~/.local/share/shortlist/shortlist.db; caller frees. */
char *sl_paths_default_db(void);
/* $XDG_CONFIG_HOME/shortlist or ~/.config/shortlist; caller frees. */
char *sl_paths_config_dir(void);
/* $XDG_CACHE_HOME/shortlist or ~/.cache/shortlist; caller frees. */
char *sl_paths_cache_dir(void);

#endif
