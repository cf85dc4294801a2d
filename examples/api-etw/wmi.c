/*
 * A WMI data block opened by GUID and queried (the way drivers read e.g. SMBIOS or hardware data
 * through WMI); no provider answers in the emulator.
 */
#include "apietw.h"

/* {05901221-d566-11d1-b2f0-00a0c9062910} MSWmi_Guid (wmistr.h-style example GUID) */
static const GUID BLOCK = { 0x05901221, 0xd566, 0x11d1, { 0xb2, 0xf0, 0x00, 0xa0, 0xc9, 0x06, 0x29, 0x10 } };

int TestWmi(void)
{
    int failures = 0;
    PVOID block = NULL, noQuery = NULL;
    ULONG size = 0;
    CHECK(IoWMIOpenBlock((GUID *)&BLOCK, WMIGUID_QUERY, &block) == STATUS_SUCCESS && block != NULL);
    if (block) {
        CHECK(IoWMIQueryAllData(block, &size, NULL) == STATUS_WMI_GUID_NOT_FOUND);
        ObDereferenceObject(block);
    }
    CHECK(IoWMIOpenBlock((GUID *)&BLOCK, 0, &noQuery) == STATUS_SUCCESS);
    if (noQuery) {
        CHECK(IoWMIQueryAllData(noQuery, &size, NULL) == STATUS_ACCESS_DENIED);
        ObDereferenceObject(noQuery);
    }
    return failures;
}
