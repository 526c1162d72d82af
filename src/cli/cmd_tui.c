#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../tui/tui.h"

int cmd_tui(struct cli *cli, int argc, char **argv)
{
	struct tui_options opts = { 0 };
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			printf("usage: shortlist [tui] [--theme NAME|PATH]\n");
			return 0;
		} else if (strcmp(argv[i], "--theme") == 0 && i + 1 < argc) {
			opts.theme = argv[++i];
		} else {
			return cli_usage_error("tui", "unknown argument %s", argv[i]);
		}
	}
	return tui_main(cli_store(cli), &opts);
}
