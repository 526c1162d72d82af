#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shortlist/bundle.h"
#include "../tui/tui.h"

static void print_help(void)
{
	printf("usage: shortlist [--db PATH] [tui] [--theme NAME|PATH] [--ascii]\n"
	       "       shortlist [--db PATH] tui --script FILE [--size COLSxLINES]\n"
	       "       shortlist tui --open FILE.slrun\n"
	       "       shortlist tui --keys man|markdown\n\n"
	       "Open the terminal workbench (press ? inside for the keys).\n\n"
	       "  --theme NAME|PATH  colours: default, light, high-contrast, mono, a name in\n"
	       "                     $XDG_CONFIG_HOME/shortlist/themes/, or a .theme file\n"
	       "                     (NO_COLOR selects mono unless --theme is given)\n"
	       "  --ascii            draw with ASCII only (automatic when the locale is not UTF-8)\n"
	       "  --script FILE      headless: feed the key script in FILE and write each :dump\n"
	       "                     step's screen to stdout as text (no terminal needed)\n"
	       "  --size COLSxLINES  screen size for --script (default 120x40)\n"
	       "  --keys FORMAT      print the key list generated from the action table\n"
	       "  --open FILE.slrun  show a run bundle ('shortlist runs export') on the Runs\n"
	       "                     screen; a private copy is opened, so neither the file nor\n"
	       "                     your store changes (ratings given there are not kept)\n");
}

static int parse_size(const char *s, int *cols, int *lines)
{
	char extra;
	return sscanf(s, "%dx%d%c", cols, lines, &extra) == 2 && *cols > 0 && *lines > 0 &&
			       *cols <= 1000 && *lines <= 1000
		       ? 0
		       : -1;
}

int cmd_tui(struct cli *cli, int argc, char **argv)
{
	struct tui_options opts = { .script_cols = 120, .script_lines = 40 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			print_help();
			return 0;
		} else if (strcmp(a, "--theme") == 0 && i + 1 < argc) {
			opts.theme = argv[++i];
		} else if (strcmp(a, "--ascii") == 0) {
			opts.ascii = true;
		} else if (strcmp(a, "--script") == 0 && i + 1 < argc) {
			opts.script = argv[++i];
		} else if (strcmp(a, "--size") == 0 && i + 1 < argc) {
			if (parse_size(argv[++i], &opts.script_cols, &opts.script_lines) != 0)
				return cli_usage_error("tui", "bad --size '%s': write COLSxLINES, "
							      "e.g. 120x40",
						       argv[i]);
		} else if (strcmp(a, "--open") == 0 && i + 1 < argc) {
			opts.bundle = argv[++i];
		} else if (strcmp(a, "--keys") == 0 && i + 1 < argc) {
			if (tui_print_keys(argv[++i]) != 0)
				return cli_usage_error("tui", "bad --keys '%s': use man or markdown",
						       argv[i]);
			return 0;
		} else {
			return cli_usage_error("tui", "unknown argument %s", a);
		}
	}
	if (!opts.bundle)
		return tui_main(cli_store(cli), &opts);
	/* The bundle's copy is the store: the user's own store is never opened. The first frame
	 * does not wait for SQLite's check of every page: a damaged bundle ends the app. */
	struct sl_error err = { 0 };
	char *copy = sl_bundle_open_copy_checking(opts.bundle, &opts.bundle_check, &err);
	if (!copy)
		return cli_fail(&err);
	cli->db_path = copy;
	int rc = tui_main(cli_store(cli), &opts);
	if (opts.bundle_check && sl_bundle_check_poll(opts.bundle_check, &err) < 0)
		rc = cli_fail(&err);
	sl_bundle_check_free(opts.bundle_check);
	sl_store_close(cli->store);
	cli->store = NULL;
	sl_bundle_copy_remove(copy);
	return rc;
}
