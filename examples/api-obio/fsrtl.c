/*
 * FsRtl name routines: wildcard matching (including the DOS wildcards), wildcard detection,
 * splitting a path, comparing names.
 */
#include "apiobio.h"

static BOOLEAN Match(PCWSTR Expression, PCWSTR Name, BOOLEAN IgnoreCase)
{
    UNICODE_STRING e, n;
    RtlInitUnicodeString(&e, Expression);
    RtlInitUnicodeString(&n, Name);
    return FsRtlIsNameInExpression(&e, &n, IgnoreCase, NULL);
}

static BOOLEAN Wild(PCWSTR Name)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, Name);
    return FsRtlDoesNameContainWildCards(&n);
}

static BOOLEAN Equal(PCWSTR A, PCWSTR B, BOOLEAN IgnoreCase)
{
    UNICODE_STRING a, b;
    RtlInitUnicodeString(&a, A);
    RtlInitUnicodeString(&b, B);
    return FsRtlAreNamesEqual(&a, &b, IgnoreCase, NULL);
}

static BOOLEAN Is(PUNICODE_STRING S, PCWSTR Text)
{
    UNICODE_STRING t;
    RtlInitUnicodeString(&t, Text);
    return RtlEqualUnicodeString(S, &t, FALSE);
}

ULONG NTAPI TestNameRoutines(void)
{
    ULONG failures = 0;
    UNICODE_STRING path, first, rest;
    WCHAR table[0x80];
    ULONG i;

    CHECK(Match(L"*", L"anything.txt", FALSE));
    CHECK(Match(L"*.TXT", L"notes.txt", TRUE));
    CHECK(!Match(L"*.TXT", L"notes.txt", FALSE));
    CHECK(!Match(L"*.TXT", L"notes.txt.bak", TRUE));
    CHECK(Match(L"A?C", L"abc", TRUE));
    CHECK(!Match(L"A?C", L"ac", TRUE));
    CHECK(Match(L"*A*B*", L"xxAyyBzz", FALSE));
    CHECK(!Match(L"*A*B*", L"xxByyAzz", FALSE));
    CHECK(Match(L"DRIVER.SYS", L"driver.sys", TRUE));
    CHECK(!Match(L"DRIVER", L"driver.sys", TRUE));
    /* DOS wildcards: < (DOS_STAR) stops before the last period, > (DOS_QM), " (DOS_DOT). */
    CHECK(Match(L"<.TXT", L"a.b.txt", TRUE));
    CHECK(!Match(L"<", L"a.txt", TRUE));
    CHECK(Match(L"<\"*", L"a.txt", TRUE));
    CHECK(Match(L"<\"*", L"noext", TRUE));
    CHECK(Match(L"AB>>", L"ab", TRUE));
    CHECK(Match(L"AB>>", L"abcd", TRUE));
    CHECK(!Match(L"AB>>", L"abcde", TRUE));
    CHECK(Match(L"A>\"TXT", L"ab.txt", TRUE));
    /* An upcase table of the caller's: here one that maps 'x' to 'Y'. */
    for (i = 0; i < ARRAY_LEN(table); i++) table[i] = (WCHAR)((i >= 'a' && i <= 'z') ? i - 32 : i);
    table['x'] = L'Y';
    {
        UNICODE_STRING e, n;
        RtlInitUnicodeString(&e, L"AYB");
        RtlInitUnicodeString(&n, L"axb");
        CHECK(FsRtlIsNameInExpression(&e, &n, TRUE, table));
        RtlInitUnicodeString(&e, L"AXB");
        CHECK(!FsRtlIsNameInExpression(&e, &n, TRUE, table));
    }

    CHECK(Wild(L"*.sys"));
    CHECK(Wild(L"a?c"));
    CHECK(Wild(L"a<b"));
    CHECK(Wild(L"a\"b"));
    CHECK(!Wild(L"plain.txt"));
    CHECK(!Wild(L""));

    RtlInitUnicodeString(&path, L"\\Windows\\System32\\drivers");
    FsRtlDissectName(path, &first, &rest);
    CHECK(Is(&first, L"Windows") && Is(&rest, L"System32\\drivers"));
    CHECK(first.Buffer == path.Buffer + 1);
    path = rest;
    FsRtlDissectName(path, &first, &rest);
    CHECK(Is(&first, L"System32") && Is(&rest, L"drivers"));
    path = rest;
    FsRtlDissectName(path, &first, &rest);
    CHECK(Is(&first, L"drivers") && rest.Length == 0);
    RtlInitUnicodeString(&path, L"");
    FsRtlDissectName(path, &first, &rest);
    CHECK(first.Length == 0 && rest.Length == 0);

    CHECK(Equal(L"Driver.SYS", L"driver.sys", TRUE));
    CHECK(!Equal(L"Driver.SYS", L"driver.sys", FALSE));
    CHECK(Equal(L"same", L"same", FALSE));
    CHECK(!Equal(L"short", L"shorter", TRUE));
    return failures;
}
