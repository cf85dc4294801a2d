/*
 * apicrt.sys — calls the C runtime routines ntoskrnl.exe exports (mem*, str*, wcs*, ctype,
 * sprintf family, qsort/bsearch with a driver callback) and checks the results in C.
 */
#include "../include/apitest.h"
#include <stdarg.h>

/* Declared here as ntoskrnl exports them (the mingw CRT headers are not used in kernel mode). */
void *__cdecl memcpy(void *, const void *, size_t);
void *__cdecl memmove(void *, const void *, size_t);
void *__cdecl memset(void *, int, size_t);
int __cdecl memcmp(const void *, const void *, size_t);
void *__cdecl memchr(const void *, int, size_t);
size_t __cdecl strlen(const char *);
char *__cdecl strcpy(char *, const char *);
char *__cdecl strncpy(char *, const char *, size_t);
char *__cdecl strcat(char *, const char *);
int __cdecl strcmp(const char *, const char *);
int __cdecl strncmp(const char *, const char *, size_t);
char *__cdecl strchr(const char *, int);
char *__cdecl strrchr(const char *, int);
char *__cdecl strstr(const char *, const char *);
int __cdecl _stricmp(const char *, const char *);
int __cdecl _strnicmp(const char *, const char *, size_t);
size_t __cdecl wcslen(const wchar_t *);
wchar_t *__cdecl wcscpy(wchar_t *, const wchar_t *);
wchar_t *__cdecl wcsncpy(wchar_t *, const wchar_t *, size_t);
wchar_t *__cdecl wcscat(wchar_t *, const wchar_t *);
int __cdecl wcscmp(const wchar_t *, const wchar_t *);
int __cdecl wcsncmp(const wchar_t *, const wchar_t *, size_t);
wchar_t *__cdecl wcschr(const wchar_t *, wchar_t);
wchar_t *__cdecl wcsrchr(const wchar_t *, wchar_t);
wchar_t *__cdecl wcsstr(const wchar_t *, const wchar_t *);
int __cdecl _wcsicmp(const wchar_t *, const wchar_t *);
int __cdecl _wcsnicmp(const wchar_t *, const wchar_t *, size_t);
int __cdecl toupper(int);
int __cdecl tolower(int);
wchar_t __cdecl towupper(wchar_t);
wchar_t __cdecl towlower(wchar_t);
int __cdecl atoi(const char *);
int __cdecl sprintf(char *, const char *, ...);
int __cdecl _snprintf(char *, size_t, const char *, ...);
int __cdecl _vsnprintf(char *, size_t, const char *, va_list);
int __cdecl swprintf(wchar_t *, const wchar_t *, ...);
int __cdecl _snwprintf(wchar_t *, size_t, const wchar_t *, ...);
int __cdecl _vsnwprintf(wchar_t *, size_t, const wchar_t *, va_list);
int __cdecl vsprintf(char *, const char *, va_list);
int __cdecl _vswprintf(wchar_t *, const wchar_t *, va_list);
int __cdecl _swprintf(wchar_t *, const wchar_t *, ...);
size_t __cdecl strnlen(const char *, size_t);
size_t __cdecl wcsnlen(const wchar_t *, size_t);
char *__cdecl strncat(char *, const char *, size_t);
wchar_t *__cdecl wcsncat(wchar_t *, const wchar_t *, size_t);
size_t __cdecl strspn(const char *, const char *);
char *__cdecl _strlwr(char *);
char *__cdecl _strupr(char *);
char *__cdecl strlwr(char *);
wchar_t *__cdecl _wcslwr(wchar_t *);
wchar_t *__cdecl _wcsupr(wchar_t *);
wchar_t *__cdecl wcslwr(wchar_t *);
int __cdecl _wtoi(const wchar_t *);
long __cdecl _wtol(const wchar_t *);
long __cdecl atol(const char *);
int __cdecl isdigit(int);
int __cdecl isxdigit(int);
int __cdecl isspace(int);
int __cdecl isupper(int);
int __cdecl islower(int);
int __cdecl isprint(int);
int __cdecl rand(void);
void __cdecl srand(unsigned int);
void __cdecl qsort(void *, size_t, size_t, int(__cdecl *)(const void *, const void *));
void *__cdecl bsearch(const void *, const void *, size_t, size_t, int(__cdecl *)(const void *, const void *));

EXPORT_DRIVER_BOILERPLATE(apicrt)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

int NTAPI TestMem(void)
{
    int failures = 0;
    unsigned char a[16], b[16];
    int i;
    for (i = 0; i < 16; i++) a[i] = (unsigned char)(0xF0 + i);
    CHECK(memcpy(b, a, 16) == b && b[15] == 0xFF);
    CHECK(memcmp(a, b, 16) == 0);
    b[3] = 0;
    CHECK(memcmp(a, b, 16) > 0 && memcmp(b, a, 16) < 0);
    CHECK(memset(b, 0x11, 5) == b && b[4] == 0x11 && b[5] == 0xF5);
    memmove(a + 2, a, 8);
    CHECK(a[2] == 0xF0 && a[9] == 0xF7 && a[10] == 0xFA);
    CHECK(memchr(a, 0xFA, 16) == a + 10 && memchr(a, 0x01, 16) == NULL);
    return failures;
}

static int CmpChar(const char *p, char c) { return *p == c; }

int NTAPI TestStr(void)
{
    int failures = 0;
    char buf[32];
    const char *hay = "export driver, export DLL";
    CHECK(strlen(hay) == 25 && strlen("") == 0);
    CHECK(strcpy(buf, "kernel") == buf && strcmp(buf, "kernel") == 0);
    CHECK(strcat(buf, "-mode") == buf && strcmp(buf, "kernel-mode") == 0);
    CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0);
    CHECK(strncmp("abcdef", "abcxyz", 3) == 0 && strncmp("abcdef", "abcxyz", 4) < 0);
    CHECK(_stricmp("DllInitialize", "DLLINITIALIZE") == 0 && _stricmp("a", "B") < 0);
    CHECK(_strnicmp("HAL.dll", "hal.DLL.x", 7) == 0);
    CHECK(strchr(hay, 'x') == hay + 1 && strrchr(hay, 'x') == hay + 16 && strchr(hay, 'Q') == NULL);
    CHECK(strstr(hay, "DLL") == hay + 22 && strstr(hay, "sys") == NULL && strstr(hay, "") == hay);
    memset(buf, 'Z', sizeof buf);
    strncpy(buf, "ab", 5);
    CHECK(buf[0] == 'a' && buf[2] == 0 && buf[4] == 0 && buf[5] == 'Z');
    CHECK(toupper('q') == 'Q' && tolower('Q') == 'q' && toupper('1') == '1');
    CHECK(atoi("  -123abc") == -123);
    CHECK(CmpChar(strchr(hay, ','), ','));
    return failures;
}

int NTAPI TestWide(void)
{
    int failures = 0;
    wchar_t w[32];
    const wchar_t *path = L"\\SystemRoot\\System32\\drivers\\x.sys";
    CHECK(wcslen(path) == 34);
    CHECK(wcscpy(w, L"ntoskrnl") == w && wcscmp(w, L"ntoskrnl") == 0);
    CHECK(wcscat(w, L".exe") == w && wcslen(w) == 12);
    CHECK(_wcsicmp(w, L"NTOSKRNL.EXE") == 0 && wcscmp(w, L"NTOSKRNL.EXE") > 0);
    CHECK(_wcsnicmp(L"HAL.dll", L"hal.XYZ", 4) == 0 && wcsncmp(L"abc", L"abd", 2) == 0);
    CHECK(wcschr(path, L'S') == path + 1 && wcsrchr(path, L'\\') == path + 28);
    CHECK(wcsstr(path, L"drivers") == path + 21 && wcsstr(path, L"DRIVERS") == NULL);
    wcsncpy(w, L"xy", 4);
    CHECK(w[0] == L'x' && w[2] == 0 && w[3] == 0 && w[4] == L'k');
    CHECK(towupper(L'a') == L'A' && towlower(L'Z') == L'z' && towupper(0x00E9) == 0x00C9);
    return failures;
}

static int VFormat(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = _vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static int VFormatW(wchar_t *buf, size_t n, const wchar_t *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = _vsnwprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int NTAPI TestPrintf(void)
{
    int failures = 0;
    char b[48];
    wchar_t w[32];
    UNICODE_STRING u;
    int r;
    RtlInitUnicodeString(&u, L"mydriver");
    r = sprintf(b, "%s-%04d-%x", "drv", 42, 255);
    CHECK(r == 11 && strcmp(b, "drv-0042-ff") == 0);
    memset(b, 'Z', sizeof b);
    r = _snprintf(b, 4, "%d", 123);          /* fits with NUL */
    CHECK(r == 3 && strcmp(b, "123") == 0);
    memset(b, 'Z', sizeof b);
    r = _snprintf(b, 3, "%d", 123);          /* exactly full: no NUL */
    CHECK(r == 3 && b[2] == '3' && b[3] == 'Z');
    memset(b, 'Z', sizeof b);
    r = _snprintf(b, 3, "%d", 12345);        /* truncated: -1 */
    CHECK(r == -1 && b[0] == '1' && b[2] == '3' && b[3] == 'Z');
    r = VFormat(b, sizeof b, "%wZ|%-3c|%I64u", &u, 'k', 18446744073709551615ULL);
    CHECK(r == 33 && strcmp(b, "mydriver|k  |18446744073709551615") == 0);
    r = swprintf(w, L"%s=%d", L"Start", 3);
    CHECK(r == 7 && wcscmp(w, L"Start=3") == 0);
    r = _snwprintf(w, 32, L"%hs/%S/%c", "narrow", "narrow2", L'W');
    CHECK(r == 16 && wcscmp(w, L"narrow/narrow2/W") == 0);
    r = VFormatW(w, 4, L"%ls", L"toolong");
    CHECK(r == -1 && w[3] == L'l');
    return failures;
}

static int __cdecl CompareLong(const void *a, const void *b)
{
    LONG x = *(const LONG *)a, y = *(const LONG *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

int NTAPI TestSort(void)
{
    int failures = 0;
    LONG v[9] = { 5, -3, 99, 0, 7, 7, -100, 42, 1 };
    LONG key = 42;
    LONG *hit;
    size_t i;
    qsort(v, ARRAY_LEN(v), sizeof v[0], CompareLong);
    for (i = 1; i < ARRAY_LEN(v); i++) CHECK(v[i - 1] <= v[i]);
    CHECK(v[0] == -100 && v[8] == 99);
    hit = (LONG *)bsearch(&key, v, ARRAY_LEN(v), sizeof v[0], CompareLong);
    CHECK(hit == &v[7]);
    key = 8;
    CHECK(bsearch(&key, v, ARRAY_LEN(v), sizeof v[0], CompareLong) == NULL);
    return failures;
}

static int VSprintf(char *buf, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = vsprintf(buf, fmt, ap);
    va_end(ap);
    return r;
}

static int VSwprintf(wchar_t *buf, const wchar_t *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = _vswprintf(buf, fmt, ap);
    va_end(ap);
    return r;
}

/* The less common CRT exports. */
int NTAPI TestMore(void)
{
    int failures = 0;
    char b[32];
    wchar_t w[32];
    int r1, r2;
    CHECK(VSprintf(b, "%s:%u", "v", 7u) == 3 && strcmp(b, "v:7") == 0);
    CHECK(VSwprintf(w, L"%d-%d", 1, 2) == 3 && wcscmp(w, L"1-2") == 0);
    CHECK(_swprintf(w, L"%x", 255) == 2 && wcscmp(w, L"ff") == 0);
    CHECK(strnlen("abcdef", 3) == 3 && strnlen("ab", 9) == 2);
    CHECK(wcsnlen(L"abcdef", 4) == 4 && wcsnlen(L"a", 4) == 1);
    strcpy(b, "ab");
    CHECK(strncat(b, "cdef", 2) == b && strcmp(b, "abcd") == 0);
    wcscpy(w, L"ab");
    CHECK(wcsncat(w, L"xyz", 1) == w && wcscmp(w, L"abx") == 0);
    CHECK(strspn("aabbcx", "ab") == 4);
    strcpy(b, "MiXeD");
    CHECK(strcmp(_strlwr(b), "mixed") == 0 && strcmp(_strupr(b), "MIXED") == 0 && strcmp(strlwr(b), "mixed") == 0);
    wcscpy(w, L"MiXeD");
    CHECK(wcscmp(_wcslwr(w), L"mixed") == 0 && wcscmp(_wcsupr(w), L"MIXED") == 0 && wcscmp(wcslwr(w), L"mixed") == 0);
    CHECK(_wtoi(L"  77x") == 77 && _wtol(L"-9") == -9 && atol("123") == 123);
    CHECK(isdigit('5') && !isdigit('a') && isxdigit('F') && !isxdigit('g'));
    CHECK(isspace(' ') && isspace('\t') && !isspace('x'));
    CHECK(isupper('Q') && !isupper('q') && islower('q') && !islower('Q'));
    CHECK(isprint('~') && !isprint('\n'));
    srand(1);
    r1 = rand();
    r2 = rand();
    CHECK(r1 == 41 && r2 == 18467);    /* the MS CRT sequence for seed 1 */
    return failures;
}
