/*
 * smclib.sys's debug level (smclib.h): SmartcardSetDebugLevel stores the SC_DEBUG_* mask and
 * SmartcardGetDebugLevel returns the last one set — what a reader driver's DriverEntry does with
 * its registry "DebugLevel" parameter.
 */
#include "scsimini.h"

ULONG CheckSmclib(void)
{
    ULONG failures = 0;
    ULONG saved = SmartcardGetDebugLevel();

    SmartcardSetDebugLevel(0x13);
    CHECK(SmartcardGetDebugLevel() == 0x13);
    SmartcardSetDebugLevel(0xFFFFFFFF);
    CHECK(SmartcardGetDebugLevel() == 0xFFFFFFFF);
    SmartcardSetDebugLevel(saved);
    CHECK(SmartcardGetDebugLevel() == saved);
    return failures;
}
