/* The prompt template renderer: a template, a NUL, then the variables as JSON. */
#include "fuzz.h"

#include "shortlist/prompts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *json;
	fuzz_split2(data, size, &text, &json);
	struct sl_error err = { 0 };
	char **names = NULL;
	size_t n = 0;
	if (sl_template_vars(text, &names, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	cJSON *vars = cJSON_Parse(json);
	if (!vars)
		vars = cJSON_CreateObject();
	char *out = sl_template_render(text, vars, &err);
	free(out);
	cJSON_Delete(vars);
	free(text);
	free(json);
	return 0;
}
