/* shortlist runs export|import: a run handed to another store in one file (bundle.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shortlist/bundle.h"
#include "shortlist/runs.h"

int cli_runs_export(struct cli *cli, int argc, char **argv)
{
	const char *ref = NULL, *out = NULL;
	bool force = false;
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (!ref)
			ref = argv[i];
		else
			return cli_usage_error("runs", "export: unexpected '%s'", argv[i]);
	}
	if (!ref || !out)
		return cli_usage_error("runs", "export needs a RUN and -o FILE.slrun");
	struct sl_error err = { 0 };
	struct sl_store *store = cli_store(cli);
	int64_t id;
	if (sl_run_resolve(store, ref, &id, &err) != 0 ||
	    sl_bundle_export(store, id, out, force, &err) != 0)
		return cli_fail(&err);
	printf("wrote run %lld to %s\n", (long long)id, out);
	return 0;
}

int cli_runs_import(struct cli *cli, int argc, char **argv)
{
	if (argc != 3 || argv[2][0] == '-')
		return cli_usage_error("runs", "import needs one FILE.slrun");
	struct sl_error err = { 0 };
	struct sl_bundle_import r;
	if (sl_bundle_import(cli_store(cli), argv[2], &r, &err) != 0)
		return cli_fail(&err);
	printf("imported %s as run %lld (run %lld where it was exported): %lld cells, %lld "
	       "scores, %lld ratings, %lld votes, %lld promotions; prompt versions: %d added, "
	       "%d already here\n", argv[2], (long long)r.run_id, (long long)r.source_run_id,
	       (long long)r.cells, (long long)r.scores, (long long)r.ratings, (long long)r.votes,
	       (long long)r.promotions, r.prompts_added, r.prompts_reused);
	return 0;
}
