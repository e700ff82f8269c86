#ifndef STRATA_KERNELS_H
#define STRATA_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). `crc` is the running value
/// (0 to start); the function applies the standard pre/post inversion itself, so
/// strata_crc32c(strata_crc32c(0, a, n), b, m) == crc of a||b.
uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length);


/* glibc: keep batch-sized buffers (hundreds of KiB) in the heap instead of fresh mmaps, and
   freed memory in the process (see StrataCLI tuneAllocator). No-op elsewhere. */
void strata_tune_allocator(void);
/* Hints that `p` will be read soon (hash-table probes issue it a few rows ahead). */
static inline void strata_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
