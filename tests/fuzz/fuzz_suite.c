/* The suite file parser, with every scorer's parameter checks. */
#include "fuzz.h"

#include "shortlist/scorer.h"
#include "shortlist/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_suite *s = sl_suite_parse((const char *)data, size, "fuzz/suite.json",
					    sl_scorer_validate, NULL, &err);
	sl_suite_free(s);
	return 0;
}
