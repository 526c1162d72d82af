#include <stdio.h>

#include "cli.h"

int cmd_models(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "shortlist models: not built yet\n");
	return 2;
}

int cmd_catalog(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "shortlist catalog: not built yet\n");
	return 2;
}

int cmd_shortlist(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "shortlist shortlist: not built yet\n");
	return 2;
}
