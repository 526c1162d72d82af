/* Input events independent of curses: the backend translates curses keys into these and
 * the headless script parser produces the same, so both drive identical code paths. */
#ifndef SHORTLIST_TUI_KEY_H
#define SHORTLIST_TUI_KEY_H

#include <stddef.h>

/* A key is a Unicode code point or one of these (above the Unicode range). */
enum {
	TK_NONE = 0,
	TK_CTRL_A = 1, /* control keys are their ASCII codes: TK_CTRL('l') */
	TK_TAB = 9,
	TK_ENTER = 13,
	TK_ESC = 27,
	TK_SPACE = ' ',
	TK_BACKSPACE = 127,
	TK_SPECIAL = 0x110000,
	TK_UP,
	TK_DOWN,
	TK_LEFT,
	TK_RIGHT,
	TK_PGUP,
	TK_PGDN,
	TK_HOME,
	TK_END,
	TK_DELETE,
	TK_BTAB,
	TK_F1,
	TK_MOUSE,  /* see tui_event.mouse */
	TK_RESIZE, /* see tui_event.cols/lines */
};
#define TK_CTRL(c) ((c) & 0x1f)

enum tui_mouse_kind {
	TUI_MOUSE_CLICK = 1,
	TUI_MOUSE_WHEEL_UP,
	TUI_MOUSE_WHEEL_DOWN,
};

struct tui_event {
	int key;
	int mouse, mx, my;  /* TK_MOUSE */
	int cols, lines;    /* TK_RESIZE */
};

/* "j", "<Down>", "<C-l>", "<Space>" ... for help text and scripts. */
void tui_key_name(int key, char *out, size_t n);
/* A code point as UTF-8 text (typed text in input fields). */
void tui_key_utf8(int key, char out[8]);
/* Parse one token at *p: a plain UTF-8 character or a <Name> (including <Click X Y>,
 * <WheelUp X Y>, <WheelDown X Y>, <Resize WxH>). Advances *p. Returns 0, or -1 with a
 * message in err_out naming the bad token. */
int tui_key_parse(const char **p, struct tui_event *ev, char *err_out, size_t n);

#endif
