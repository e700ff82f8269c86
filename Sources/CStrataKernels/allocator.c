#include "strata_kernels.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__GLIBC__) && defined(__linux__)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#endif

void strata_tune_allocator(void) {
#if defined(__GLIBC__)
    /* 32 MiB is glibc's largest accepted threshold on 64-bit (HEAP_MAX_SIZE / 2): a larger
       value is refused, and because the mallopt calls below switch off the dynamic threshold,
       a refused one left every block of 128 KiB and more to a fresh mmap, zeroed by the
       kernel on each use. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
#endif
}

void strata_use_huge_pages(char *const argv[]) {
#if defined(__GLIBC__) && defined(__linux__)
    const char *opt = getenv("STRATA_HUGEPAGES");
    if (opt == NULL || strcmp(opt, "1") != 0) return;
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (tunables != NULL && strstr(tunables, "glibc.malloc.hugetlb") != NULL) return;
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f == NULL) return;
    char mode[128] = {0};
    size_t n = fread(mode, 1, sizeof mode - 1, f);
    fclose(f);
    mode[n] = 0;
    if (strstr(mode, "[madvise]") == NULL && strstr(mode, "[always]") == NULL) return;
    char value[4096];
    int len = snprintf(value, sizeof value, "%s%sglibc.malloc.hugetlb=1", tunables ? tunables : "", tunables ? ":" : "");
    if (len < 0 || (size_t)len >= sizeof value) return;
    if (setenv("GLIBC_TUNABLES", value, 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* exec failed: run as we are, without asking again in children */
#else
    (void)argv;
#endif
}

#include <stdio.h>
#include <errno.h>

int strata_flush_stdout(void) {
    errno = 0;
    int failed = fflush(stdout) != 0;
    if (failed || ferror(stdout)) return errno != 0 ? errno : EIO;
    return 0;
}
