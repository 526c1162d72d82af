/* A dataset reader (built once per format with -DFUZZ_FORMAT="csv" or "jsonl"). */
#include "fuzz.h"

#include "shortlist/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_dataset *ds = sl_dataset_parse((const char *)data, size, "fuzz." FUZZ_FORMAT,
						 FUZZ_FORMAT, &err);
	sl_dataset_free(ds);
	return 0;
}
