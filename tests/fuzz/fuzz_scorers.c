/* Every scorer: the first byte picks one from the registry; then its parameters as a JSON
 * object, a NUL, the model's output, a NUL, and the expected answer (also the reference
 * and the label). */
#include "fuzz.h"

#include "shortlist/scorer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const struct sl_scorer_info *list;
	size_t n = sl_scorer_list(&list);
	const struct sl_scorer_info *info = &list[data[0] % n];
	char *params, *rest, *output, *expected;
	fuzz_split2(data + 1, size - 1, &params, &rest);
	fuzz_split2((const uint8_t *)rest, strlen(rest), &output, &expected);
	cJSON *spec = cJSON_Parse(params);
	if (!cJSON_IsObject(spec)) {
		cJSON_Delete(spec);
		spec = cJSON_CreateObject();
	}
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "name");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "model"); /* embeddings: no network here */
	cJSON_AddStringToObject(spec, "name", info->name);
	struct sl_error err = { 0 };
	if (sl_scorer_validate(NULL, info->name, spec, "fuzz.scorers[1]", &err) == 0) {
		struct sl_scorer *s = sl_scorer_new(spec, "fuzz.scorers[1]", &err);
		if (s) {
			struct sl_cell c = { .model = "m", .output = output, .expected = expected,
					     .reference = expected, .label = expected,
					     .vars_json = "{}", .latency_ms = 1234.5,
					     .ttft_ms = 100, .tokens_in = 10, .tokens_out = 20,
					     .cost = (double)size / 1e6 };
			struct sl_score out;
			sl_scorer_apply(s, &c, &out);
			sl_scorer_free(s);
		}
	}
	cJSON_Delete(spec);
	free(params);
	free(rest);
	free(output);
	free(expected);
	return 0;
}
