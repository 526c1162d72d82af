/* What the batch protocols share (batch.h): the table, states, custom ids, items. */
#include "shortlist/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

static const struct sl_batch_ops *const protocols[] = {
#define SL_BATCH_ENTRY(name) &sl_##name##_batch_ops,
	SL_BATCH_PROTOCOLS(SL_BATCH_ENTRY)
#undef SL_BATCH_ENTRY
};

const struct sl_batch_ops *sl_batch_ops_for(const struct sl_provider_ops *kind)
{
	for (size_t i = 0; kind && i < SL_ARRAY_LEN(protocols); i++)
		if (strcmp(protocols[i]->name, kind->name) == 0)
			return protocols[i];
	return NULL;
}

void sl_batch_protocol_names(struct sl_buf *out)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(protocols); i++)
		sl_buf_printf(out, "%s%s", i ? ", " : "", protocols[i]->name);
}

static const char *const state_names[] = {
	"preparing", "uploaded", "submitting", "submitted", "cancelling", "collecting",
	"done", "failed", "expired", "cancelled",
};

const char *sl_batch_state_name(enum sl_batch_state s)
{
	return (size_t)s < SL_ARRAY_LEN(state_names) ? state_names[s] : "?";
}

int sl_batch_state_parse(const char *name)
{
	for (size_t i = 0; name && i < SL_ARRAY_LEN(state_names); i++)
		if (strcmp(state_names[i], name) == 0)
			return (int)i;
	return -1;
}

bool sl_batch_state_final(enum sl_batch_state s)
{
	return s >= SL_BATCH_DONE;
}

void sl_batch_custom_id(char out[64], int model, int prompt, int case_idx, int sample)
{
	snprintf(out, 64, "m%d-p%d-c%d-s%d", model, prompt, case_idx, sample);
}

bool sl_batch_parse_custom_id(const char *id, int *model, int *prompt, int *case_idx,
			      int *sample)
{
	int n = 0;
	if (!id || sscanf(id, "m%d-p%d-c%d-s%d%n", model, prompt, case_idx, sample, &n) != 4)
		return false;
	return id[n] == '\0' && *model >= 0 && *prompt >= 0 && *case_idx >= 0 && *sample >= 0;
}

void sl_batch_item_clear(struct sl_batch_item *it)
{
	sl_result_clear(&it->result);
	memset(it, 0, sizeof *it);
}

void sl_batch_clear(struct sl_batch *b)
{
	free(b->remote_id);
	free(b->input_ref);
	free(b->output_ref);
	free(b->error_ref);
	free(b->api_status);
	free(b->message);
	free(b->expires_at);
	free(b->cursor);
	for (size_t i = 0; i < b->n_found; i++)
		free(b->found[i]);
	free(b->found);
	b->found = NULL;
	b->n_found = 0;
	b->cursor = NULL;
	if (b->proto && b->proto_free)
		b->proto_free(b->proto);
	b->remote_id = b->input_ref = b->output_ref = b->error_ref = NULL;
	b->api_status = b->message = b->expires_at = NULL;
	b->proto = NULL;
}

void sl_batch_add_found(struct sl_batch *b, const char *remote_id)
{
	b->found = sl_xrealloc(b->found, (b->n_found + 1) * sizeof *b->found);
	b->found[b->n_found++] = sl_xstrdup(remote_id);
}

void sl_batch_call_free(struct sl_batch_call *c)
{
	sl_http_request_free(&c->http);
	memset(c, 0, sizeof *c);
}

void sl_batch_set(char **dst, const char *value)
{
	char *v = value ? sl_xstrdup(value) : NULL;
	free(*dst);
	*dst = v;
}

void sl_batch_item_answer(struct sl_batch *b, const cJSON *body, struct sl_batch_item *it)
{
	char *text = cJSON_PrintUnformatted(body);
	struct sl_stream s;
	sl_stream_init(&s);
	struct sl_call call = { .conf = b->conf, .model_id = b->model_id, .kind = SL_REQ_CHAT };
	int64_t now = sl_now_ns();
	s.t0_ns = s.now_ns = now;
	b->conf->kind->parse_body(&s, &call, text, strlen(text));
	sl_stream_to_result(&s, false, now, &it->result);
	it->ok = !s.failed;
	if (s.failed) {
		it->result.status = s.fail_status;
		it->result.error = sl_xstrdup(s.error ? s.error : "unusable answer");
		it->result.error_type = s.error_type ? sl_xstrdup(s.error_type) : NULL;
	}
	sl_stream_free(&s);
	cJSON_free(text);
}

void sl_batch_item_fail(struct sl_batch_item *it, enum sl_status st, long http_status,
			const char *type, const char *msg)
{
	it->ok = false;
	it->result.status = st;
	it->result.http_status = http_status;
	free(it->result.error);
	free(it->result.error_type);
	it->result.error = sl_xstrdup(msg && *msg ? msg : "failed in the batch");
	it->result.error_type = type ? sl_xstrdup(type) : NULL;
}
