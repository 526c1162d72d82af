#include "shortlist/paths.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_share_layout(const char *dir)
{
	char *d = sl_xasprintf("%s/data", dir);
	char *t = sl_xasprintf("%s/themes", dir);
	bool ok = is_dir(d) && is_dir(t);
	free(d);
	free(t);
	return ok;
}

/* Where the binary runs from tells where its files are: a meson build lives under the
 * source root (which has data/ and themes/); an installed binary finds share/shortlist
 * relative to its bin/, so an install into any prefix or DESTDIR works where it lands. */
static char *exe_share_dir(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (strncmp(exe, SL_SOURCE_ROOT "/", strlen(SL_SOURCE_ROOT) + 1) == 0 &&
	    has_share_layout(SL_SOURCE_ROOT))
		return sl_xstrdup(SL_SOURCE_ROOT);
	char *slash = strrchr(exe, '/');
	if (!slash || !SL_BIN_TO_DATADIR[0])
		return NULL;
	*slash = '\0';
	char *dir = sl_xasprintf("%s/%s", exe, SL_BIN_TO_DATADIR);
	if (has_share_layout(dir))
		return dir;
	free(dir);
	return NULL;
}

const char *sl_paths_share_dir(void)
{
	static char *cached;
	if (cached)
		return cached;
	const char *env = getenv("SHORTLIST_DATADIR");
	if (env && *env)
		cached = sl_xstrdup(env);
	else if ((cached = exe_share_dir()) == NULL)
		cached = sl_xstrdup(SL_INSTALL_DATADIR);
	return cached;
}

char *sl_paths_share_file(const char *relative)
{
	return sl_xasprintf("%s/%s", sl_paths_share_dir(), relative);
}

static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	if (v && v[0] == '/')
		return sl_xasprintf("%s/shortlist", v);
	const char *home = getenv("HOME");
	return sl_xasprintf("%s/%s/shortlist", home && *home ? home : ".", fallback);
}

char *sl_paths_default_db(void)
{
	char *dir = xdg_dir("XDG_DATA_HOME", ".local/share");
	char *db = sl_xasprintf("%s/shortlist.db", dir);
	free(dir);
	return db;
}

char *sl_paths_config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *sl_paths_cache_dir(void)
{
	return xdg_dir("XDG_CACHE_HOME", ".cache");
}
