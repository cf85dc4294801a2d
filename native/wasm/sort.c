/*
 * The sort of the import library's names (native/wasm/implib.c): byte order, as the second linker
 * member lists its symbols and as JavaScript compares byte strings. A radix sort by 8-byte keys,
 * level by level, for the long runs of names that share a prefix (Rtl…, Export_…); a merge sort for
 * short runs. Compiled into the same WebAssembly module.
 */
#include "implib.h"

/* Byte-wise comparison of NUL-terminated names (the terminator sorts first). */
int cmp(const u8 *a, const u8 *b) {
  while (*a != 0 && *a == *b) {
    a++;
    b++;
  }
  return (int)*a - (int)*b;
}

/* A name's first 8 bytes, big-endian, 0 after its end: keys compare as the names' starts do. */
static u64 keyOf(const u8 *s) {
  u64 k = 0;
  u32 i = 0;
  for (; i < 8 && s[i] != 0; i++) k = (k << 8) | s[i];
  return k << (8 * (8 - i));
}

/* Stable merge sort of `n` indices by name from byte `depth` on (bottom-up, between `v` and `tmp`); the result ends in `v`. */
static void mergeSort(u32 *v, u32 *tmp, u32 n, u32 depth, const u8 *names, const u32 *start) {
  u32 *src = v, *dst = tmp;
  for (u32 width = 1; width < n; width *= 2) {
    for (u32 lo = 0; lo < n; lo += 2 * width) {
      u32 mid = lo + width < n ? lo + width : n;
      u32 hi = lo + 2 * width < n ? lo + 2 * width : n;
      u32 i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = cmp(names + start[src[j]] + depth, names + start[src[i]] + depth) < 0 ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    u32 *t = src;
    src = dst;
    dst = t;
  }
  if (src != v)
    for (u32 i = 0; i < n; i++) v[i] = src[i];
}

static u32 digits[256];

/* Stable LSD radix sort of `n` (key, index) pairs by key, a byte per pass; the result ends in `k` and `v`. */
static void radix(u64 *k, u32 *v, u64 *k2, u32 *v2, u32 n) {
  u64 *ka = k, *kb = k2;
  u32 *va = v, *vb = v2;
  for (u32 shift = 0; shift < 64; shift += 8) {
    for (u32 d = 0; d < 256; d++) digits[d] = 0;
    for (u32 i = 0; i < n; i++) digits[(ka[i] >> shift) & 255]++;
    if (digits[(ka[0] >> shift) & 255] == n) continue;
    u32 sum = 0;
    for (u32 d = 0; d < 256; d++) {
      u32 c = digits[d];
      digits[d] = sum;
      sum += c;
    }
    for (u32 i = 0; i < n; i++) {
      u32 at = digits[(ka[i] >> shift) & 255]++;
      kb[at] = ka[i];
      vb[at] = va[i];
    }
    u64 *tk = ka;
    ka = kb;
    kb = tk;
    u32 *tv = va;
    va = vb;
    vb = tv;
  }
  if (ka != k)
    for (u32 i = 0; i < n; i++) {
      k[i] = ka[i];
      v[i] = va[i];
    }
}

/*
 * Sort `n` indices of names that agree on their first `depth` bytes: radix by the next 8 bytes
 * (keys), then each run of equal keys whose names go on by the 8 bytes after (a name 8 bytes
 * longer each level; past 512 bytes, and for short runs, a comparison sort). Equal names end
 * adjacent (the caller looks for them).
 */
void sortNames(u32 *v, u64 *key, u32 *vt, u64 *kt, u32 n, u32 depth, const u8 *names, const u32 *start) {
  if (n < 16 || depth >= 512) {
    mergeSort(v, vt, n, depth, names, start);
    return;
  }
  for (u32 i = 0; i < n; i++) key[i] = keyOf(names + start[v[i]] + depth);
  radix(key, v, kt, vt, n);
  for (u32 a = 0; a < n;) {
    u32 b = a + 1;
    while (b < n && key[b] == key[a]) b++;
    if (b - a > 1 && (key[a] & 0xff) != 0) sortNames(v + a, key + a, vt + a, kt + a, b - a, depth + 8, names, start);
    a = b;
  }
}

