/*
 * apirank.sys — _vsnprintf_s (Microsoft Learn): fits, _TRUNCATE, a count below the buffer's size,
 * output that does not fit (the buffer emptied), and the invalid arguments.
 */
#include "apirank.h"

static int Format(char *Buffer, size_t Size, size_t Count, const char *Fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, Fmt);
    n = _vsnprintf_s(Buffer, Size, Count, Fmt, ap);
    va_end(ap);
    return n;
}

int TestFormat(void)
{
    int failures = 0;
    char buf[8];

    RtlFillMemory(buf, sizeof(buf), 'x');
    CHECK(Format(buf, sizeof(buf), _TRUNCATE, "%d-%s", 42, "ab") == 5);
    CHECK(RtlCompareMemory(buf, "42-ab", 6) == 6);
    CHECK(Format(buf, sizeof(buf), 7, "%s", "1234567") == 7);
    CHECK(RtlCompareMemory(buf, "1234567", 8) == 8);
    /* _TRUNCATE: as much as fits, with its NUL; -1. */
    CHECK(Format(buf, sizeof(buf), _TRUNCATE, "%s", "123456789") == -1);
    CHECK(RtlCompareMemory(buf, "1234567", 8) == 8);
    /* A count below the buffer's size: count characters; -1. */
    RtlFillMemory(buf, sizeof(buf), 'x');
    CHECK(Format(buf, sizeof(buf), 3, "%s", "abcdef") == -1);
    CHECK(RtlCompareMemory(buf, "abc", 4) == 4 && buf[4] == 'x');
    /* Does not fit and no truncation asked for: the buffer is emptied. */
    RtlFillMemory(buf, sizeof(buf), 'x');
    CHECK(Format(buf, sizeof(buf), 20, "%s", "123456789") == -1);
    CHECK(buf[0] == 0);
    /* Invalid arguments. */
    CHECK(Format(NULL, sizeof(buf), _TRUNCATE, "%d", 1) == -1);
    buf[0] = 'x';
    CHECK(Format(buf, 0, _TRUNCATE, "%d", 1) == -1 && buf[0] == 'x');
    CHECK(Format(buf, sizeof(buf), _TRUNCATE, NULL) == -1 && buf[0] == 0);
    return failures;
}
