/* The gate expression parser ("model=X:p95_latency<=2s"). */
#include "fuzz.h"

#include "shortlist/gates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = fuzz_str(data, size);
	struct sl_error err = { 0 };
	struct sl_gate g;
	if (sl_gate_parse(expr, &g, &err) == 0) {
		(void)sl_gate_op_str(g.op);
		sl_gate_free(&g);
	}
	free(expr);
	return 0;
}
