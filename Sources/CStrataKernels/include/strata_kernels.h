#ifndef STRATA_KERNELS_H
#define STRATA_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). `crc` is the running value
/// (0 to start); the function applies the standard pre/post inversion itself, so
/// strata_crc32c(strata_crc32c(0, a, n), b, m) == crc of a||b.
uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length);


/* glibc hands allocations above 128 KiB (one 64K-row vector is 512 KiB) to fresh mmaps and
   trims freed heap tops eagerly, so every batch buffer costs page faults and zeroing. This keeps
   such buffers in the heap and up to 256 MiB of freed memory in the process: the query suite is
   10-20% faster and peak memory unchanged (compaction of the 10M-row benchmark store: 693 vs
   704 MiB). Called once by the CLI at start; a no-op without glibc. */
void strata_tune_allocator(void);
/* Opt-in (STRATA_HUGEPAGES=1): glibc (2.35+) backs its heap with transparent huge pages when
   the tunable glibc.malloc.hugetlb=1 is set, which it reads only at process start, so this
   re-executes the program (/proc/self/exe, same argv and environment) with it added when the
   kernel offers THP. Off by default since the allocator keeps blocks up to 32 MiB in its heap
   (strata_tune_allocator): on these virtual machines a fresh 2 MiB page costs far more than it
   saves (sessionization over 10M rows took twice the CPU time, the reports 1.6x), and the
   re-execution doubled the start-up time. Returns only when it does not re-execute. */
void strata_use_huge_pages(char *const argv[]);
/* Hints that `p` will be read soon (hash-table probes issue it a few rows ahead). */
static inline void strata_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
/* Flushes standard output; 0 when everything buffered so far reached the file, else the
   errno of the failure (an earlier failed automatic flush included: the stream's error
   flag is checked too). */
int strata_flush_stdout(void);

#endif
