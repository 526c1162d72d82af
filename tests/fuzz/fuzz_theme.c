/* The TUI theme file parser. */
#include "fuzz.h"

#include "theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct tui_theme t = { 0 };
	struct sl_error err = { 0 };
	if (tui_theme_parse(&t, text, "fuzz.theme", &err) == 0) {
		int fg, bg, attrs;
		for (int role = 0; role < TUI_ROLE_COUNT; role++)
			for (int nc = 8; nc <= 256; nc *= 2)
				tui_theme_resolve(&t, (enum tui_role)role, nc, &fg, &bg, &attrs);
	}
	tui_theme_free(&t);
	free(text);
	return 0;
}
