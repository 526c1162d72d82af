#include <stdio.h>

#include "tui.h"

int tui_main(struct sl_store *store, const struct tui_options *opts)
{
	(void)store;
	(void)opts;
	fprintf(stderr, "shortlist: the TUI is not built yet\n");
	return 2;
}
