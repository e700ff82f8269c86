// A small C interface over RE2 (Debian libre2-dev) for Strata's regular-expression functions:
// compile once, then match, find and replace over UTF-8 byte buffers. Linear-time matching.
#ifndef STRATA_CRE2SHIM_H
#define STRATA_CRE2SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_re2 strata_re2;

/// Compiles `pattern` (UTF-8, `len` bytes). Options: case_insensitive, literal (the pattern is a
/// plain string), dot_nl (`.` matches a newline), never_nl. On failure returns NULL and sets
/// `*error` to a malloc'd message the caller frees.
strata_re2 *strata_re2_new(const char *pattern, size_t len, int case_insensitive, int literal, int dot_nl,
                           int never_nl, char **error);
void strata_re2_free(strata_re2 *re);
/// Number of capturing groups.
int strata_re2_groups(const strata_re2 *re);
/// 1 when the pattern matches somewhere in `s` (full: the whole of `s`).
int strata_re2_match(const strata_re2 *re, const char *s, size_t len, int full);
/// Finds the first match at or after byte `pos`. On a match returns 1 and fills `offsets` with
/// `2 * nsub` entries (start, end of group 0 .. nsub-1; -1, -1 for a group that did not take
/// part). Returns 0 when there is no match.
int strata_re2_find(const strata_re2 *re, const char *s, size_t len, size_t pos, int64_t *offsets, int nsub);
/// Replaces the first match (global: every match) with `rewrite` (`\0`..`\9` refer to groups,
/// `\\` is a backslash) as RE2::Replace / GlobalReplace. Returns a malloc'd buffer of
/// `*out_len` bytes (the caller frees it); NULL when the rewrite is invalid.
char *strata_re2_replace(const strata_re2 *re, const char *s, size_t len, const char *rewrite, size_t rlen,
                         int global, size_t *out_len);
/// Checks a rewrite string against the pattern; returns NULL when it is valid, else a malloc'd
/// message.
char *strata_re2_check_rewrite(const strata_re2 *re, const char *rewrite, size_t rlen);

#ifdef __cplusplus
}
#endif

#endif
