/* placeholder until the runner CLI lands */
#include "cli.h"
int cmd_run(struct cli *cli, int argc, char **argv)
{
	return 2;
}
