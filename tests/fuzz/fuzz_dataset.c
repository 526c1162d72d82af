/* A dataset reader (built once per format with -DFUZZ_FORMAT="csv" or "jsonl"). For CSV,
 * the streamed reader (the bytes in pieces of a size the input chooses) must give the
 * records and the message of the text read whole, and fail where it fails. */
#include "fuzz.h"

#include <stdio.h>

#include "shortlist/csv.h"
#include "shortlist/dataset.h"

struct pieces {
	const char *text;
	size_t len, off, step;
};

static long read_pieces(void *ud, char *buf, size_t n, struct sl_error *err)
{
	(void)err;
	struct pieces *p = ud;
	size_t k = p->len - p->off < p->step ? p->len - p->off : p->step;
	k = k < n ? k : n;
	memcpy(buf, p->text + p->off, k);
	p->off += k;
	return (long)k;
}

/* The records as text, then the error (or "end"). */
static void read_all(struct sl_csv_reader *c, struct sl_buf *out)
{
	struct sl_csv_record r;
	struct sl_error err = { 0 };
	int rc;
	while ((rc = sl_csv_read(c, &r, &err)) == 1) {
		sl_buf_printf(out, "%d:%d:%zu", r.line, r.quoted, r.n);
		for (size_t i = 0; i < r.n; i++)
			sl_buf_printf(out, "|%s", r.fields[i]);
		sl_buf_puts(out, "\n");
		sl_csv_record_clear(&r);
	}
	sl_buf_printf(out, "%s", rc < 0 ? err.msg : "end");
}

static void csv_streamed_same(const char *text, size_t len)
{
	struct sl_csv_reader c;
	struct sl_error err = { 0 };
	struct sl_buf whole, streamed;
	sl_buf_init(&whole);
	sl_buf_init(&streamed);
	bool init_failed = sl_csv_reader_init(&c, text, len, "f.csv", &err) != 0;
	if (init_failed)
		sl_buf_puts(&whole, err.msg);
	else
		read_all(&c, &whole);
	struct pieces p = { text, len, 0, len ? (unsigned char)text[0] % 13 + 1 : 1 };
	sl_csv_reader_stream(&c, read_pieces, &p, "f.csv");
	read_all(&c, &streamed);
	sl_csv_reader_free(&c);
	/* Text checked whole fails before its first record (on its first NUL, else its first
	 * bad UTF-8); streamed, each line is checked as it is read, so a file with several
	 * errors may fail on an earlier one: it fails all the same. */
	const char *got = streamed.data, *nl = strrchr(got, '\n');
	got = nl ? nl + 1 : got;
	if (init_failed ? strcmp(got, "end") == 0 : strcmp(streamed.data, whole.data) != 0) {
		fprintf(stderr, "streamed:\n%s\nwhole:\n%s\n", streamed.data, whole.data);
		abort();
	}
	sl_buf_free(&whole);
	sl_buf_free(&streamed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_dataset *ds = sl_dataset_parse((const char *)data, size, "fuzz." FUZZ_FORMAT,
						 FUZZ_FORMAT, &err);
	sl_dataset_free(ds);
	if (strcmp(FUZZ_FORMAT, "csv") == 0)
		csv_streamed_same((const char *)data, size);
	return 0;
}
