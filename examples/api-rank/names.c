/*
 * apirank.sys — RtlIsNameLegalDOS8Dot3 (ntifs.h, Microsoft Learn): short (8.3) names, the OEM
 * string it returns upcased, embedded spaces, and the names it refuses.
 */
#include "apirank.h"

static BOOLEAN Legal(PCWSTR Text, PBOOLEAN Spaces)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, Text);
    return RtlIsNameLegalDOS8Dot3(&u, NULL, Spaces);
}

int TestNames(void)
{
    int failures = 0;
    BOOLEAN spaces = 7;
    UNICODE_STRING u;
    OEM_STRING oem;
    CHAR buffer[16];
    CHAR small[4];

    CHECK(Legal(L"README.TXT", &spaces) && spaces == FALSE);
    CHECK(Legal(L"readme.txt", NULL));
    CHECK(Legal(L"ABCDEFGH.IJK", NULL));
    CHECK(Legal(L"NOEXT", NULL));
    CHECK(Legal(L"MY FILE.TXT", &spaces) && spaces == TRUE);
    CHECK(Legal(L".", &spaces) && spaces == FALSE);
    CHECK(Legal(L"..", NULL));
    CHECK(Legal(L"A~1.B", NULL));

    CHECK(!Legal(L"ABCDEFGHI", NULL));        /* 9 characters */
    CHECK(!Legal(L"ABCDEFGHI.TXT", NULL));    /* 9 before the dot */
    CHECK(!Legal(L"FILE.TEXT", NULL));        /* 4 after it */
    CHECK(!Legal(L"A.B.C", NULL));            /* two dots */
    CHECK(!Legal(L"FILE.", NULL));            /* the dot last */
    CHECK(!Legal(L".HIDDEN", NULL));
    CHECK(!Legal(L"...", NULL));
    CHECK(!Legal(L" LEAD", NULL));
    CHECK(!Legal(L"TRAIL ", NULL));
    CHECK(!Legal(L"NAME .TXT", NULL));        /* a space before the dot */
    CHECK(!Legal(L"A*B", NULL));
    CHECK(!Legal(L"A+B.C", NULL));
    CHECK(!Legal(L"A[1]", NULL));
    CHECK(!Legal(L"DIR\\FILE", NULL));
    CHECK(!Legal(L"", NULL));

    /* The OEM string: upcased, counted, not NUL-terminated. */
    RtlFillMemory(buffer, sizeof(buffer), 0x55);
    oem.Buffer = buffer;
    oem.Length = 0;
    oem.MaximumLength = sizeof(buffer);
    RtlInitUnicodeString(&u, L"abc.txt");
    CHECK(RtlIsNameLegalDOS8Dot3(&u, &oem, NULL) == TRUE);
    CHECK(oem.Length == 7 && RtlCompareMemory(buffer, "ABC.TXT", 7) == 7 && buffer[7] == 0x55);
    /* Too long for the caller's buffer: not legal. */
    oem.Buffer = small;
    oem.Length = 0;
    oem.MaximumLength = sizeof(small);
    CHECK(RtlIsNameLegalDOS8Dot3(&u, &oem, NULL) == FALSE);
    return failures;
}
