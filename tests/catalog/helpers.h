/* Helpers shared by the catalogue tests. */
#ifndef SHORTLIST_TEST_CATALOG_HELPERS_H
#define SHORTLIST_TEST_CATALOG_HELPERS_H

#include "shortlist/catalog.h"

/* SHA-256 over every row of every catalogue and user table, in a fixed order: equal digests
 * mean the store's contents did not change. Caller frees. */
char *store_digest(struct sl_store *s);
/* A fresh store at test_path(name), with the given file imported (NULL: none). */
struct sl_store *store_with(const char *name, const char *fixture_relative);

#endif
