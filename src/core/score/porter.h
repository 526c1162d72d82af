/* Internal to src/core/score: the Porter stemmer exactly as NLTK's PorterStemmer() in its
 * default NLTK_EXTENSIONS mode computes it, because that is what rouge_score stems with.
 * Differences from Porter's original algorithm (and from libstemmer's "porter"): a table
 * of irregular forms (dying -> die, news -> news, ...), 4-letter "ies"/"ied" -> "ie",
 * y -> i only after a consonant that is not the word's first letter (days -> day, not dai),
 * "bli" -> "ble", "alli" -> "al" recursively, "fulli" -> "ful", "logi" -> "log", and *o
 * also true for a 2-letter vowel-consonant stem. Words of 2 letters or fewer are kept. */
#ifndef SHORTLIST_SCORE_PORTER_H
#define SHORTLIST_SCORE_PORTER_H

#include <stddef.h>

/* Stem a lowercase ASCII word in place; w must have room for len + 1 bytes. Returns the
 * new length (w is NUL-terminated). */
size_t porter_stem(char *w, size_t len);

#endif
