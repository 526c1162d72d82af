#include "theme.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grid.h"
#include "shortlist/paths.h"
#include "shortlist/utf8.h"

static const char *const role_keys[] = {
#define X(id, key, doc) key,
	TUI_ROLES(X)
#undef X
};

const char *tui_role_key(enum tui_role role)
{
	return role_keys[role];
}

static const char *const color_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
};

static const struct {
	const char *name;
	int attr;
} attr_names[] = {
	{ "bold", TUI_A_BOLD },
	{ "reverse", TUI_A_REVERSE },
	{ "underline", TUI_A_UNDERLINE },
	{ "dim", TUI_A_DIM },
};

static int parse_color(const char *tok, int16_t *out)
{
	if (strcmp(tok, "default") == 0) {
		*out = TUI_COLOR_DEFAULT;
		return 0;
	}
	for (int i = 0; i < 16; i++)
		if (strcmp(tok, color_names[i]) == 0) {
			*out = (int16_t)i;
			return 0;
		}
	char *end;
	long v = strtol(tok, &end, 10);
	if (end == tok || *end || v < 0 || v > 255)
		return -1;
	*out = (int16_t)v;
	return 0;
}

/* "208/11/yellow" -> up to three alternatives. */
static int parse_spec(char *tok, struct tui_color_spec *spec)
{
	spec->n = 0;
	char *save = NULL;
	for (char *alt = strtok_r(tok, "/", &save); alt; alt = strtok_r(NULL, "/", &save)) {
		if (spec->n == 3 || parse_color(alt, &spec->alt[spec->n]) != 0)
			return -1;
		spec->n++;
	}
	return spec->n ? 0 : -1;
}

static const char valid_colors_msg[] =
	"a colour is default, 0-255, or one of black red green yellow blue magenta cyan white "
	"(and bright-NAME); give fallbacks as 256/16/8, e.g. 208/11/yellow";

int tui_theme_parse(struct tui_theme *theme, const char *text, const char *path,
		    struct sl_error *err)
{
	/* a theme's name and error messages are drawn: a byte that is not UTF-8 would garble them */
	if (sl_utf8_require(text, strlen(text), path, err) != 0)
		return -1;
	bool role_seen[TUI_ROLE_COUNT] = { 0 };
	char *copy = sl_xstrdup(text);
	int lineno = 0;
	int rc = 0;
	/* strtok_r would skip empty lines and make line numbers wrong: split by hand. */
	char *line = copy;
	while (line && rc == 0) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *eq = strchr(line, '=');
		char *k = line;
		while (isspace((unsigned char)*k))
			k++;
		if (!*k) {
			line = next;
			continue;
		}
		if (!eq) {
			sl_error_set(err, "%s:%d: expected ROLE = STYLE, got '%s'", path, lineno, k);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *kend = eq;
		while (kend > k && isspace((unsigned char)kend[-1]))
			*--kend = '\0';
		char *value = eq + 1;

		if (strcmp(k, "name") == 0) {
			while (isspace((unsigned char)*value))
				value++;
			char *vend = value + strlen(value);
			while (vend > value && isspace((unsigned char)vend[-1]))
				*--vend = '\0';
			free(theme->name);
			theme->name = sl_xstrdup(value);
			line = next;
			continue;
		}
		if (strcmp(k, "mono") == 0) {
			char *v = value;
			while (isspace((unsigned char)*v))
				v++;
			theme->mono = strncmp(v, "true", 4) == 0 || strncmp(v, "yes", 3) == 0;
			line = next;
			continue;
		}
		int role = -1;
		for (int r = 0; r < TUI_ROLE_COUNT; r++)
			if (strcmp(k, role_keys[r]) == 0)
				role = r;
		if (role < 0) {
			struct sl_buf b;
			sl_buf_init(&b);
			for (int r = 0; r < TUI_ROLE_COUNT; r++)
				sl_buf_printf(&b, "%s%s", r ? ", " : "", role_keys[r]);
			sl_error_set(err, "%s:%d: unknown role '%s' (valid: name, mono, %s)", path,
				     lineno, k, b.data);
			sl_buf_free(&b);
			rc = -1;
			break;
		}
		struct tui_style st = { .set = true };
		st.fg.n = st.bg.n = 0;
		int state = 0; /* 0 expect fg or attr, 1 after "on": expect bg */
		char *save = NULL;
		for (char *tok = strtok_r(value, " \t\r", &save); tok;
		     tok = strtok_r(NULL, " \t\r", &save)) {
			if (strcmp(tok, "on") == 0) {
				state = 1;
				continue;
			}
			bool is_attr = false;
			for (size_t a = 0; a < SL_ARRAY_LEN(attr_names); a++)
				if (strcmp(tok, attr_names[a].name) == 0) {
					st.attrs |= (uint8_t)attr_names[a].attr;
					is_attr = true;
				}
			if (is_attr)
				continue;
			struct tui_color_spec *spec = state == 1 ? &st.bg : &st.fg;
			if (spec->n || parse_spec(tok, spec) != 0) {
				sl_error_set(err,
					     "%s:%d: bad value '%s' for %s: write FG [on BG] "
					     "[bold] [reverse] [underline] [dim]; %s",
					     path, lineno, tok, k, valid_colors_msg);
				rc = -1;
				break;
			}
			state = 2;
		}
		theme->roles[role] = st;
		role_seen[role] = true;
		line = next;
	}
	free(copy);
	if (rc != 0)
		return -1;
	/* Unset roles and unset colours inherit "default". */
	struct tui_style def = theme->roles[TUI_ROLE_DEFAULT];
	if (!role_seen[TUI_ROLE_DEFAULT]) {
		def = (struct tui_style){ .set = true };
		def.fg = (struct tui_color_spec){ { TUI_COLOR_DEFAULT }, 1 };
		def.bg = (struct tui_color_spec){ { TUI_COLOR_DEFAULT }, 1 };
	}
	if (!def.fg.n)
		def.fg = (struct tui_color_spec){ { TUI_COLOR_DEFAULT }, 1 };
	if (!def.bg.n)
		def.bg = (struct tui_color_spec){ { TUI_COLOR_DEFAULT }, 1 };
	theme->roles[TUI_ROLE_DEFAULT] = def;
	for (int r = 1; r < TUI_ROLE_COUNT; r++) {
		struct tui_style *st = &theme->roles[r];
		if (!role_seen[r]) {
			*st = def;
			st->attrs = 0;
		}
		if (!st->fg.n)
			st->fg = def.fg;
		if (!st->bg.n)
			st->bg = def.bg;
		st->set = true;
	}
	if (theme->mono)
		for (int r = 0; r < TUI_ROLE_COUNT; r++) {
			theme->roles[r].fg = (struct tui_color_spec){ { TUI_COLOR_DEFAULT }, 1 };
			theme->roles[r].bg = (struct tui_color_spec){ { TUI_COLOR_DEFAULT }, 1 };
		}
	if (!theme->name)
		theme->name = sl_xstrdup(path);
	return 0;
}

static bool looks_like_path(const char *s)
{
	return strchr(s, '/') || sl_str_ends_with(s, ".theme");
}

int tui_theme_load(struct tui_theme *theme, const char *name_or_path, struct sl_error *err)
{
	memset(theme, 0, sizeof *theme);
	char *path = NULL;
	if (looks_like_path(name_or_path)) {
		path = sl_xstrdup(name_or_path);
	} else {
		for (const char *c = name_or_path; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
				sl_error_set(err, "theme name '%s' may only hold letters, digits, "
						  "'-' and '_' (or give a path to a .theme file)",
					     name_or_path);
				err->code = SL_EXIT_USAGE;
				return -1;
			}
		char *cfg = sl_paths_config_dir();
		char *user = sl_xasprintf("%s/themes/%s.theme", cfg, name_or_path);
		free(cfg);
		FILE *f = fopen(user, "r");
		if (f) {
			fclose(f);
			path = user;
		} else {
			free(user);
			char *rel = sl_xasprintf("themes/%s.theme", name_or_path);
			path = sl_paths_share_file(rel);
			free(rel);
		}
	}
	size_t len;
	char *text = sl_read_file(path, &len, err);
	if (!text) {
		if (!looks_like_path(name_or_path))
			sl_error_set(err, "no theme '%s': %s is missing (shipped themes: default, "
					  "light, high-contrast, mono)",
				     name_or_path, path);
		err->code = SL_EXIT_USAGE;
		free(path);
		return -1;
	}
	int rc = tui_theme_parse(theme, text, path, err);
	if (rc != 0)
		err->code = SL_EXIT_USAGE;
	free(text);
	free(path);
	return rc;
}

void tui_theme_mono(struct tui_theme *theme)
{
	/* ncdu's "off" scheme: structure from bold, reverse and underline alone. */
	static const char mono_text[] =
		"name = mono (built in)\nmono = true\n"
		"title = reverse bold\nheader = bold underline\nheader.sorted = bold reverse\n"
		"cursor = reverse\nstatus = reverse\nmark = bold\nsearch = bold\n"
		"focus = reverse\nkey = bold\nlabel = bold\nderived = underline\n"
		"error = bold reverse\nwarning = bold\n"
		"tab = reverse\ntab.active = bold underline\nlive = bold\nhint.key = bold\n"
		"cell.streaming = bold\ncell.failed = bold reverse\ncell.cached = underline\n"
		"bar = reverse\nseries.1 = bold\nseries.2 = bold\nseries.3 = bold\n"
		"series.4 = bold\n";
	memset(theme, 0, sizeof *theme);
	struct sl_error err = { 0 };
	if (tui_theme_parse(theme, mono_text, "mono (built in)", &err) != 0)
		abort(); /* the text above is fixed: a failure is a programming error */
}

void tui_theme_free(struct tui_theme *theme)
{
	free(theme->name);
	theme->name = NULL;
}

/* The xterm palette as RGB, to map a 256-colour index to the nearest of 16 or 8. */
static void palette_rgb(int c, int rgb[3])
{
	static const int base[16][3] = {
		{ 0, 0, 0 },       { 205, 0, 0 },     { 0, 205, 0 },     { 205, 205, 0 },
		{ 0, 0, 238 },     { 205, 0, 205 },   { 0, 205, 205 },   { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 },     { 0, 255, 0 },     { 255, 255, 0 },
		{ 92, 92, 255 },   { 255, 0, 255 },   { 0, 255, 255 },   { 255, 255, 255 },
	};
	if (c < 16) {
		memcpy(rgb, base[c], sizeof base[c]);
	} else if (c < 232) {
		static const int steps[6] = { 0, 95, 135, 175, 215, 255 };
		c -= 16;
		rgb[0] = steps[c / 36];
		rgb[1] = steps[(c / 6) % 6];
		rgb[2] = steps[c % 6];
	} else {
		int v = 8 + (c - 232) * 10;
		rgb[0] = rgb[1] = rgb[2] = v;
	}
}

int tui_color_downgrade(int color, int ncolors)
{
	if (color < 0 || color < ncolors)
		return color;
	if (ncolors < 8)
		return TUI_COLOR_DEFAULT;
	int target = ncolors >= 16 ? 16 : 8;
	int rgb[3];
	palette_rgb(color, rgb);
	int best = 0;
	long best_d = -1;
	for (int i = 0; i < target; i++) {
		int p[3];
		palette_rgb(i, p);
		long d = 0;
		for (int k = 0; k < 3; k++)
			d += (long)(rgb[k] - p[k]) * (rgb[k] - p[k]);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

static int resolve_spec(const struct tui_color_spec *spec, int ncolors)
{
	if (!spec->n)
		return TUI_COLOR_DEFAULT;
	for (int i = 0; i < spec->n; i++)
		if (spec->alt[i] < ncolors)
			return spec->alt[i];
	return tui_color_downgrade(spec->alt[0], ncolors);
}

void tui_theme_resolve(const struct tui_theme *theme, enum tui_role role, int ncolors,
		       int *fg, int *bg, int *attrs)
{
	const struct tui_style *st = &theme->roles[role];
	*attrs = st->attrs;
	if (theme->mono || ncolors < 8) {
		*fg = *bg = TUI_COLOR_DEFAULT;
		return;
	}
	*fg = resolve_spec(&st->fg, ncolors);
	*bg = resolve_spec(&st->bg, ncolors);
}
