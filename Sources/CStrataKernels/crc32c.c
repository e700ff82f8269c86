#include "strata_kernels.h"
#include <string.h>

static uint32_t table[8][256];
static int table_ready = 0;

static void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = table[0][i];
        for (int t = 1; t < 8; t++) { c = table[0][c & 0xff] ^ (c >> 8); table[t][i] = c; }
    }
    __atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

static uint32_t crc32c_soft(uint32_t crc, const uint8_t *p, size_t n) {
    if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE)) build_table();
    while (n >= 8) {
        uint64_t w; memcpy(&w, p, 8);
        w ^= crc;
        crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
              table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
              table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
        p += 8; n -= 8;
    }
    while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <pthread.h>

/* The crc32 instruction has a latency of 3 cycles and a throughput of 1: one dependent chain
   runs at a third of the unit's speed. Long buffers are cut into three lanes checksummed in
   one interleaved loop, then joined: the register update is linear, so the state after A||B
   is (the state after A advanced through |B| zero bytes) XOR (the state after B from 0).
   Advancing through a fixed number of zero bytes is a linear map of the 32-bit state, applied
   as four byte-indexed tables; each table is built from the map's images of the 32 basis
   states, computed with the instruction itself. */
#define CRC_LONG 8192
#define CRC_SHORT 256
static uint32_t shift_long[4][256], shift_short[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

__attribute__((target("sse4.2")))
static void build_shift(uint32_t t[4][256], size_t len) {
    uint32_t basis[32];
    for (int i = 0; i < 32; i++) {
        uint64_t c = (uint64_t)1 << i;
        for (size_t k = 0; k < len / 8; k++) c = _mm_crc32_u64(c, 0);
        basis[i] = (uint32_t)c;
    }
    for (int k = 0; k < 4; k++) {
        for (int v = 0; v < 256; v++) {
            uint32_t r = 0;
            for (int b = 0; b < 8; b++) if ((v >> b) & 1) r ^= basis[8 * k + b];
            t[k][v] = r;
        }
    }
}

static void build_shifts(void) {
    build_shift(shift_long, CRC_LONG);
    build_shift(shift_short, CRC_SHORT);
}

static inline uint32_t shift(uint32_t t[4][256], uint32_t c) {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

__attribute__((target("sse4.2")))
static uint64_t crc32c_lanes(uint64_t c, const uint8_t **pp, size_t *np, size_t lane, uint32_t t[4][256]) {
    const uint8_t *p = *pp;
    size_t n = *np;
    while (n >= 3 * lane) {
        uint64_t c0 = c, c1 = 0, c2 = 0;
        const uint8_t *end = p + lane;
        do {
            uint64_t a, b, d;
            memcpy(&a, p, 8); memcpy(&b, p + lane, 8); memcpy(&d, p + 2 * lane, 8);
            c0 = _mm_crc32_u64(c0, a); c1 = _mm_crc32_u64(c1, b); c2 = _mm_crc32_u64(c2, d);
            p += 8;
        } while (p < end);
        c = shift(t, (uint32_t)c0) ^ (uint32_t)c1;
        c = shift(t, (uint32_t)c) ^ (uint32_t)c2;
        p += 2 * lane;
        n -= 3 * lane;
    }
    *pp = p;
    *np = n;
    return c;
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = crc;
    if (n >= 3 * CRC_SHORT) {
        pthread_once(&shift_once, build_shifts);
        c = crc32c_lanes(c, &p, &n, CRC_LONG, shift_long);
        c = crc32c_lanes(c, &p, &n, CRC_SHORT, shift_short);
    }
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c = _mm_crc32_u64(c, w); p += 8; n -= 8; }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}
#endif

uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return ~crc32c_hw(crc, p, length);
#endif
    return ~crc32c_soft(crc, p, length);
}
