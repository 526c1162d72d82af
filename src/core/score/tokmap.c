/* Token and n-gram interning shared by ROUGE, BLEU and TF-IDF. */
#include "tokmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3u;
	}
	return h | 1; /* never 0, so strings and pairs mix freely in one table */
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void tokmap_init(struct tokmap *m)
{
	memset(m, 0, sizeof *m);
	sl_buf_init(&m->arena);
	m->cap = 1024;
	m->slots = sl_xcalloc(m->cap, sizeof *m->slots);
}

void tokmap_free(struct tokmap *m)
{
	free(m->slots);
	free(m->keys);
	free(m->str_off);
	free(m->str_len);
	sl_buf_free(&m->arena);
	memset(m, 0, sizeof *m);
}

void tokmap_reset(struct tokmap *m)
{
	/* A short text's few ids are cleared where they sit (each is at or after its home
	 * slot) instead of zeroing the whole table for every pair scored. */
	if (m->count && (size_t)m->count * 16 < m->cap) {
		for (uint32_t id = 0; id < m->count; id++) {
			uint64_t h = m->str_off[id] == UINT32_MAX ? mix64(m->keys[id]) : m->keys[id];
			size_t i = (size_t)h & (m->cap - 1);
			while (m->slots[i] != id + 1)
				i = (i + 1) & (m->cap - 1);
			m->slots[i] = 0;
		}
	} else if (m->count) {
		memset(m->slots, 0, m->cap * sizeof *m->slots);
	}
	m->count = 0;
	sl_buf_reset(&m->arena);
}

static void grow(struct tokmap *m)
{
	size_t ncap = m->cap * 2;
	uint32_t *ns = sl_xcalloc(ncap, sizeof *ns);
	for (uint32_t id = 0; id < m->count; id++) {
		uint64_t h = m->str_off[id] == UINT32_MAX ? mix64(m->keys[id]) : m->keys[id];
		size_t i = (size_t)h & (ncap - 1);
		while (ns[i])
			i = (i + 1) & (ncap - 1);
		ns[i] = id + 1;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

static uint32_t new_id(struct tokmap *m, uint64_t key, uint32_t off, uint32_t len)
{
	if (m->count == m->ids_cap) {
		m->ids_cap = m->ids_cap ? m->ids_cap * 2 : 256;
		m->keys = sl_xrealloc(m->keys, m->ids_cap * sizeof *m->keys);
		m->str_off = sl_xrealloc(m->str_off, m->ids_cap * sizeof *m->str_off);
		m->str_len = sl_xrealloc(m->str_len, m->ids_cap * sizeof *m->str_len);
	}
	uint32_t id = m->count++;
	m->keys[id] = key;
	m->str_off[id] = off;
	m->str_len[id] = len;
	return id;
}

uint32_t tokmap_intern(struct tokmap *m, const char *s, size_t len)
{
	if ((size_t)(m->count + 1) * 2 > m->cap)
		grow(m);
	uint64_t h = hash_bytes(s, len);
	size_t i = (size_t)h & (m->cap - 1);
	while (m->slots[i]) {
		uint32_t id = m->slots[i] - 1;
		if (m->keys[id] == h && m->str_off[id] != UINT32_MAX && m->str_len[id] == len &&
		    memcmp(m->arena.data + m->str_off[id], s, len) == 0)
			return id;
		i = (i + 1) & (m->cap - 1);
	}
	uint32_t off = (uint32_t)m->arena.len;
	if (m->arena.len + len + 1 > m->arena.cap)
		sl_buf_reserve(&m->arena, len + 1);
	memcpy(m->arena.data + m->arena.len, s, len);
	m->arena.len += len;
	m->arena.data[m->arena.len] = '\0';
	uint32_t id = new_id(m, h, off, (uint32_t)len);
	m->slots[i] = id + 1;
	return id;
}

uint32_t tokmap_pair(struct tokmap *m, uint32_t a, uint32_t b)
{
	if ((size_t)(m->count + 1) * 2 > m->cap)
		grow(m);
	uint64_t key = ((uint64_t)a << 32) | b;
	uint64_t h = mix64(key);
	size_t i = (size_t)h & (m->cap - 1);
	while (m->slots[i]) {
		uint32_t id = m->slots[i] - 1;
		if (m->str_off[id] == UINT32_MAX && m->keys[id] == key)
			return id;
		i = (i + 1) & (m->cap - 1);
	}
	uint32_t id = new_id(m, key, UINT32_MAX, 0);
	m->slots[i] = id + 1;
	return id;
}

const char *tokmap_str(const struct tokmap *m, uint32_t id, size_t *len)
{
	if (id >= m->count || m->str_off[id] == UINT32_MAX) {
		*len = 0;
		return "";
	}
	*len = m->str_len[id];
	return m->arena.data + m->str_off[id];
}
