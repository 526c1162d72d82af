#include "glyph.h"

static const char *const utf8_glyphs[] = {
#define X(id, u, a) u,
	TUI_GLYPHS(X)
#undef X
};

static const char *const ascii_glyphs[] = {
#define X(id, u, a) a,
	TUI_GLYPHS(X)
#undef X
};

static bool use_ascii;

void tui_glyph_set_ascii(bool ascii)
{
	use_ascii = ascii;
}

bool tui_glyph_is_ascii(void)
{
	return use_ascii;
}

const char *tui_glyph(enum tui_glyph_id id)
{
	return use_ascii ? ascii_glyphs[id] : utf8_glyphs[id];
}

const char *tui_glyph_utf8(enum tui_glyph_id id)
{
	return utf8_glyphs[id];
}

const char *tui_glyph_ascii(enum tui_glyph_id id)
{
	return ascii_glyphs[id];
}
