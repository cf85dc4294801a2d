/* Shared by the WebAssembly import-library writer's sources (implib.c, def-scan.c). */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* .def attribute bits (src/formats/def/plain-scan.ts: PLAIN_*). */
#define PLAIN_NONAME 1
#define PLAIN_PRIVATE 2
#define PLAIN_DATA 4
#define PLAIN_CONSTANT 8

u32 take(u32 size);
/* Byte-wise comparison of NUL-terminated names (sort.c). */
int cmp(const u8 *a, const u8 *b);
/* Sort n indices of names (NUL-terminated, at names + start[i]) that agree on their first `depth` bytes; key, vt, kt: scratch of n each (sort.c). */
void sortNames(u32 *v, u64 *key, u32 *vt, u64 *kt, u32 n, u32 depth, const u8 *names, const u32 *start);
int archive(u32 count, const u8 *names, u32 namesLen, const u8 *flags, const u8 *type, const u8 *plain, const u16 *ord,
            u32 h, const u8 *headSyms, const u8 *headData, const u32 *headLen, const u8 *dll, u32 dllLen, u32 machine);
