/*
 * Objects drivers inspect by layout: an OBJECT_TYPE's Name (0x10) and CallbackList (0xC8, an
 * empty list head that drivers link callback entries into after checking Blink->Flink), and a
 * booted system's driver objects (\Driver\Kbdclass) whose DriverSection is their entry in the
 * loaded-module list (KLDR_DATA_TABLE_ENTRY: InLoadOrderLinks 0, DllBase 0x30, BaseDllName 0x58).
 * Offsets: Windows 10 x64 public symbols.
 */
#include "qasystem.h"

NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByName(PUNICODE_STRING ObjectName, ULONG Attributes, PACCESS_STATE AccessState,
    ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PVOID ParseContext, PVOID *Object);
__declspec(dllimport) extern POBJECT_TYPE *IoDriverObjectType;

int TestObjects(void)
{
    int failures = 0;
    PUCHAR type = (PUCHAR)*PsProcessType;
    PUNICODE_STRING name = (PUNICODE_STRING)(type + 0x10);
    PLIST_ENTRY callbacks = (PLIST_ENTRY)(type + 0xc8);
    UNICODE_STRING want, kbd;
    PDRIVER_OBJECT driver = NULL;
    PLIST_ENTRY section, e;
    QS_MODULES *mods = QsQueryModules();
    int found = 0, steps = 0;

    RtlInitUnicodeString(&want, L"Process");
    CHECK(RtlEqualUnicodeString(name, &want, FALSE));
    RtlInitUnicodeString(&want, L"Thread");
    CHECK(RtlEqualUnicodeString((PUNICODE_STRING)((PUCHAR)*PsThreadType + 0x10), &want, FALSE));
    CHECK(callbacks->Flink == callbacks && callbacks->Blink == callbacks);

    RtlInitUnicodeString(&kbd, L"\\Driver\\Kbdclass");
    CHECK(ObReferenceObjectByName(&kbd, OBJ_CASE_INSENSITIVE, NULL, 0, *IoDriverObjectType, KernelMode, NULL, (PVOID *)&driver) == STATUS_SUCCESS);
    CHECK(mods != NULL);
    if (driver && mods) {
        section = (PLIST_ENTRY)driver->DriverSection;
        CHECK(section != NULL);
        if (section) {
            RtlInitUnicodeString(&want, L"kbdclass.sys");
            CHECK(RtlEqualUnicodeString((PUNICODE_STRING)((PUCHAR)section + 0x58), &want, TRUE));
            /* The list is circular and holds ntoskrnl.exe. */
            for (e = section->Flink; e != section && steps < 1000; e = e->Flink, steps++)
                if (*(PVOID *)((PUCHAR)e + 0x30) == mods->Modules[0].ImageBase) found = 1;
            CHECK(found && steps < 1000);
        }
        ObDereferenceObject(driver);
    }
    if (mods) ExFreePoolWithTag(mods, QS_TAG);
    return failures;
}
