/* The catalogue's --filter expressions, each line one filter, matched against a model. */
#include "fuzz.h"

#include "shortlist/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct sl_filter_set *set = sl_filter_set_new();
	struct sl_error err = { 0 };
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sl_filter_set_add(set, line, &err) != 0)
			break;
	sl_filter_set_search(set, text);
	struct sl_model m = { 0 };
	(void)sl_filter_matches(set, &m);
	sl_filter_set_free(set);
	free(text);
	return 0;
}
