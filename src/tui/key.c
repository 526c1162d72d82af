#include "key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shortlist/utf8.h"

static const struct {
	const char *name;
	int key;
} key_names[] = {
	{ "Up", TK_UP },       { "Down", TK_DOWN },   { "Left", TK_LEFT },
	{ "Right", TK_RIGHT }, { "PgUp", TK_PGUP },   { "PgDn", TK_PGDN },
	{ "Home", TK_HOME },   { "End", TK_END },     { "Del", TK_DELETE },
	{ "S-Tab", TK_BTAB },  { "F1", TK_F1 },       { "Enter", TK_ENTER },
	{ "Esc", TK_ESC },     { "Tab", TK_TAB },     { "Space", TK_SPACE },
	{ "BS", TK_BACKSPACE }, { "lt", '<' },  { "Colon", ':' },
};

void tui_key_utf8(int key, char out[8])
{
	memset(out, 0, 8);
	sl_utf8_encode((uint32_t)key, out);
}

void tui_key_name(int key, char *out, size_t n)
{
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (key_names[i].key == key && key != '<' && key != ':') {
			snprintf(out, n, "%s", key_names[i].name);
			return;
		}
	if (key > 0 && key < 32) {
		snprintf(out, n, "C-%c", key + 'a' - 1);
		return;
	}
	char b[4];
	snprintf(out, n, "%.*s", (int)sl_utf8_encode((uint32_t)key, b), b);
}

int tui_key_parse(const char **p, struct tui_event *ev, char *err_out, size_t n)
{
	memset(ev, 0, sizeof *ev);
	const char *s = *p;
	if (*s != '<') {
		uint32_t cp;
		size_t len = sl_utf8_decode(s, strlen(s), &cp);
		if (sl_utf8_is_bad(cp)) {
			snprintf(err_out, n, "invalid UTF-8 near '%.8s'", s);
			return -1;
		}
		ev->key = (int)cp;
		*p = s + len;
		return 0;
	}
	const char *end = strchr(s, '>');
	if (!end) {
		snprintf(err_out, n, "unterminated key name '%s' (write <lt> for a literal '<')", s);
		return -1;
	}
	char tok[64];
	size_t len = (size_t)(end - s - 1);
	if (len >= sizeof tok) {
		snprintf(err_out, n, "key name too long: '%.*s'", (int)(end - s + 1), s);
		return -1;
	}
	memcpy(tok, s + 1, len);
	tok[len] = '\0';
	*p = end + 1;
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (strcasecmp(tok, key_names[i].name) == 0) {
			ev->key = key_names[i].key;
			return 0;
		}
	if ((tok[0] == 'C' || tok[0] == 'c') && tok[1] == '-' && tok[2] && !tok[3]) {
		ev->key = TK_CTRL(tok[2]);
		return 0;
	}
	int a, b;
	char extra;
	if (sscanf(tok, "Resize %dx%d%c", &a, &b, &extra) == 2 && a > 0 && b > 0 && a < 10000 &&
	    b < 10000) {
		ev->key = TK_RESIZE;
		ev->cols = a;
		ev->lines = b;
		return 0;
	}
	static const struct {
		const char *name;
		int kind;
	} mice[] = { { "Click", TUI_MOUSE_CLICK },
		     { "WheelUp", TUI_MOUSE_WHEEL_UP },
		     { "WheelDown", TUI_MOUSE_WHEEL_DOWN } };
	for (size_t i = 0; i < sizeof mice / sizeof mice[0]; i++) {
		size_t nl = strlen(mice[i].name);
		if (strncmp(tok, mice[i].name, nl) != 0 || tok[nl] != ' ')
			continue;
		if (sscanf(tok + nl, "%d %d%c", &a, &b, &extra) == 2 && a >= 0 && b >= 0) {
			ev->key = TK_MOUSE;
			ev->mouse = mice[i].kind;
			ev->mx = a;
			ev->my = b;
			return 0;
		}
	}
	snprintf(err_out, n,
		 "unknown key <%s>; known: <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> "
		 "<Del> <Tab> <S-Tab> <F1> <Enter> <Esc> <Space> <BS> <lt> <C-x> <Resize WxH> "
		 "<Click X Y> <WheelUp X Y> <WheelDown X Y>",
		 tok);
	return -1;
}
