/*
 * kmdll's stand-in for the WDK's libcntpr.lib (the kernel-mode C runtime library), which
 * mingw-w64 does not ship: linked when TARGETLIBS names $(DDK_LIB_PATH)\libcntpr.lib (or
 * $(SDK_LIB_PATH)\...). Most of libcntpr's routines are also exported by ntoskrnl.exe and come
 * from mingw-w64's ntoskrnl import library; this file holds only those ntoskrnl does not export
 * (checked against data/kernel-exports.json): the 64-bit and long conversions. Semantics: the
 * Microsoft C runtime documentation of each routine (leading white space skipped, an optional
 * sign, base 0 = prefix-detected 0x/0 octal; no overflow handling beyond the type's wrap-around,
 * errno is not set: there is none in the kernel). No CRT header is included: mingw-w64 declares
 * these routines dllimport, which a definition may not follow.
 */
typedef unsigned short kmdll_wchar;

static int kmdll_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int kmdll_digit(int c, int base)
{
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z') v = c - 'A' + 10;
    else return -1;
    return v < base ? v : -1;
}

/* The conversion shared by the narrow and wide routines: text of `wide` characters. */
static unsigned long long kmdll_parse(const void *text, int wide, const void **end, int base, int *negative)
{
    const unsigned char *n = text;
    const kmdll_wchar *w = text;
    unsigned long long value = 0;
    int i = 0, any = 0, d;
#define CH(k) (wide ? (int)w[(k)] : (int)n[(k)])
    *negative = 0;
    while (kmdll_space(CH(i))) i++;
    if (CH(i) == '+' || CH(i) == '-') *negative = CH(i++) == '-';
    if ((base == 0 || base == 16) && CH(i) == '0' && (CH(i + 1) == 'x' || CH(i + 1) == 'X') && kmdll_digit(CH(i + 2), 16) >= 0) {
        i += 2;
        base = 16;
    } else if (base == 0) {
        base = CH(i) == '0' ? 8 : 10;
    }
    if (base < 2 || base > 36) {
        if (end) *end = text;
        return 0;
    }
    while ((d = kmdll_digit(CH(i), base)) >= 0) {
        value = value * (unsigned)base + (unsigned)d;
        any = 1;
        i++;
    }
#undef CH
    if (end) *end = any ? (wide ? (const void *)(w + i) : (const void *)(n + i)) : text;
    return value;
}

__int64 __cdecl _atoi64(const char *s)
{
    int neg;
    unsigned long long v = kmdll_parse(s, 0, 0, 10, &neg);
    return neg ? -(__int64)v : (__int64)v;
}

__int64 __cdecl _wtoi64(const kmdll_wchar *s)
{
    int neg;
    unsigned long long v = kmdll_parse(s, 1, 0, 10, &neg);
    return neg ? -(__int64)v : (__int64)v;
}

__int64 __cdecl _strtoi64(const char *s, char **end, int base)
{
    int neg;
    unsigned long long v = kmdll_parse(s, 0, (const void **)end, base, &neg);
    return neg ? -(__int64)v : (__int64)v;
}

long __cdecl strtol(const char *s, char **end, int base)
{
    int neg;
    unsigned long v = (unsigned long)kmdll_parse(s, 0, (const void **)end, base, &neg);
    return neg ? -(long)v : (long)v;
}

unsigned long __cdecl strtoul(const char *s, char **end, int base)
{
    int neg;
    unsigned long v = (unsigned long)kmdll_parse(s, 0, (const void **)end, base, &neg);
    return neg ? (unsigned long)-(long)v : v;
}

long __cdecl wcstol(const kmdll_wchar *s, kmdll_wchar **end, int base)
{
    int neg;
    unsigned long v = (unsigned long)kmdll_parse(s, 1, (const void **)end, base, &neg);
    return neg ? -(long)v : (long)v;
}

/* v / radix by shift and subtract: no 64-bit division helper (x86 would call libgcc's __udivdi3,
   which a driver does not have). */
static unsigned long long kmdll_divmod(unsigned long long v, unsigned radix, unsigned *rem)
{
    unsigned long long q = 0, r = 0;
    int bit;
    for (bit = 63; bit >= 0; bit--) {
        r = (r << 1) | ((v >> bit) & 1);
        if (r >= radix) {
            r -= radix;
            q |= 1ULL << bit;
        }
    }
    *rem = (unsigned)r;
    return q;
}

/* Digits of v in radix (2..36), most significant first, into out (NUL-terminated). */
static void kmdll_format(unsigned long long v, int negative, void *out, int wide, int radix)
{
    char digits[66];
    int n = 0, i = 0;
    unsigned d;
    if (radix < 2 || radix > 36) radix = 10;
    do {
        v = kmdll_divmod(v, (unsigned)radix, &d);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    } while (v);
    if (negative) digits[n++] = '-';
    while (n) {
        char c = digits[--n];
        if (wide) ((kmdll_wchar *)out)[i++] = (kmdll_wchar)c;
        else ((char *)out)[i++] = c;
    }
    if (wide) ((kmdll_wchar *)out)[i] = 0;
    else ((char *)out)[i] = 0;
}

/* _i64toa/_i64tow: a negative value is written with a sign in radix 10 only (Microsoft CRT). */
char *__cdecl _i64toa(__int64 value, char *out, int radix)
{
    int neg = radix == 10 && value < 0;
    kmdll_format(neg ? 0ULL - (unsigned long long)value : (unsigned long long)value, neg, out, 0, radix);
    return out;
}

kmdll_wchar *__cdecl _i64tow(__int64 value, kmdll_wchar *out, int radix)
{
    int neg = radix == 10 && value < 0;
    kmdll_format(neg ? 0ULL - (unsigned long long)value : (unsigned long long)value, neg, out, 1, radix);
    return out;
}

char *__cdecl _ui64toa(unsigned __int64 value, char *out, int radix)
{
    kmdll_format(value, 0, out, 0, radix);
    return out;
}

char *__cdecl _ultoa(unsigned long value, char *out, int radix)
{
    kmdll_format(value, 0, out, 0, radix);
    return out;
}

/*
 * mingw-w64's headers declare these routines dllimport (_CRTIMP), so callers reach them through
 * an import pointer __imp_<name>. With the routine in the image instead, lld-link would make such
 * pointers itself (warning LNK4217), and on x86 the pointer it makes is not relocated (the call
 * jumps to the image base). Defining the pointers here makes them ordinary relocated data.
 */
#ifdef _WIN64
#define KMDLL_IMP(name) __asm__("__imp_" #name)
#else
#define KMDLL_IMP(name) __asm__("__imp__" #name)
#endif
#define KMDLL_IMPORT_POINTER(name) void *const kmdll_imp_##name KMDLL_IMP(name) = (void *)&name
KMDLL_IMPORT_POINTER(_atoi64);
KMDLL_IMPORT_POINTER(_wtoi64);
KMDLL_IMPORT_POINTER(_strtoi64);
KMDLL_IMPORT_POINTER(strtol);
KMDLL_IMPORT_POINTER(strtoul);
KMDLL_IMPORT_POINTER(wcstol);
KMDLL_IMPORT_POINTER(_i64toa);
KMDLL_IMPORT_POINTER(_i64tow);
KMDLL_IMPORT_POINTER(_ui64toa);
KMDLL_IMPORT_POINTER(_ultoa);
