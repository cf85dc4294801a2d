/*
 * PsReferenceProcessFilePointer (ntifs.h): the FILE_OBJECT of a process's image, referenced, on
 * the volume device like any file there; the System process has no image file.
 */
#include "qagh.h"

/* The process whose image is `image`, referenced, found by walking process ids (as drivers do). */
static PEPROCESS FindProcess(PCSTR image)
{
    ULONG_PTR pid;
    PEPROCESS p;
    for (pid = 8; pid < 0x4000; pid += 4) {
        if (!NT_SUCCESS(PsLookupProcessByProcessId((HANDLE)pid, &p))) continue;
        if (_stricmp((const char *)PsGetProcessImageFileName(p), image) == 0) return p;
        ObDereferenceObject(p);
    }
    return NULL;
}

int TestProcessFile(void)
{
    int failures = 0;
    PEPROCESS process = NULL;
    PFILE_OBJECT file = NULL, again = NULL;
    UNICODE_STRING want;
    UCHAR nameBuf[512];
    POBJECT_NAME_INFORMATION name = (POBJECT_NAME_INFORMATION)nameBuf;
    ULONG got = 0;

    /* The System process has no image section. */
    CHECK(PsReferenceProcessFilePointer(PsInitialSystemProcess, &file) == STATUS_UNSUCCESSFUL);

    process = FindProcess("lsass.exe");
#ifdef _WIN64
    CHECK(process != NULL);
#endif
    /* kmdll models the booted system's user processes on x64 only (src/emu/api/processes.ts). */
    if (!process) return failures;
    CHECK(PsReferenceProcessFilePointer(process, &file) == STATUS_SUCCESS && file != NULL);
    if (file) {
        CHECK(file->Type == IO_TYPE_FILE);
        CHECK(file->DeviceObject != NULL && file->DeviceObject->DeviceType == FILE_DEVICE_DISK);
        RtlInitUnicodeString(&want, L"\\Windows\\System32\\lsass.exe");
        CHECK(RtlEqualUnicodeString(&file->FileName, &want, TRUE));
        CHECK(NT_SUCCESS(ObQueryNameString(file, name, sizeof(nameBuf), &got)));
        RtlInitUnicodeString(&want, L"\\Device\\HarddiskVolume1\\Windows\\System32\\lsass.exe");
        CHECK(RtlEqualUnicodeString(&name->Name, &want, TRUE));
        /* The same file object each time, one more reference each. */
        CHECK(PsReferenceProcessFilePointer(process, &again) == STATUS_SUCCESS && again == file);
        if (again) ObDereferenceObject(again);
        ObDereferenceObject(file);
    }
    ObDereferenceObject(process);
    return failures;
}
