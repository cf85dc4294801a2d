/*
 * The module list of a booted system: ntoskrnl.exe first, then the images every Windows has
 * loaded — win32k.sys, win32kbase.sys, win32kfull.sys, ci.dll — each with a DOS header whose
 * e_lfanew leads to "PE\0\0" and an optional header whose SizeOfImage matches the list.
 */
#include "qasystem.h"
#include <ntimage.h>

QS_MODULES *QsQueryModules(void)
{
    ULONG need = 0;
    QS_MODULES *mods;
    if (ZwQuerySystemInformation(11, NULL, 0, &need) != STATUS_INFO_LENGTH_MISMATCH || need == 0) return NULL;
    mods = (QS_MODULES *)ExAllocatePoolWithTag(NonPagedPool, need, QS_TAG);
    if (!mods) return NULL;
    if (!NT_SUCCESS(ZwQuerySystemInformation(11, mods, need, &need))) {
        ExFreePoolWithTag(mods, QS_TAG);
        return NULL;
    }
    return mods;
}

QS_MODULE *QsFindModule(QS_MODULES *mods, const char *name)
{
    ULONG i;
    for (i = 0; i < mods->NumberOfModules; i++)
        if (_stricmp((const char *)mods->Modules[i].FullPathName + mods->Modules[i].OffsetToFileName, name) == 0) return &mods->Modules[i];
    return NULL;
}

static int CheckImage(QS_MODULE *m)
{
    int failures = 0;
    PIMAGE_DOS_HEADER dos;
    PIMAGE_NT_HEADERS64 nt;
    CHECK(m != NULL);
    if (!m) return failures;
    dos = (PIMAGE_DOS_HEADER)m->ImageBase;
    CHECK(MmIsAddressValid(dos) && dos->e_magic == IMAGE_DOS_SIGNATURE);
    nt = (PIMAGE_NT_HEADERS64)((PUCHAR)dos + dos->e_lfanew);
    CHECK(nt->Signature == IMAGE_NT_SIGNATURE && nt->FileHeader.Machine == IMAGE_FILE_MACHINE_AMD64);
    CHECK(nt->OptionalHeader.SizeOfImage == m->ImageSize);
    return failures;
}

int TestSystemImages(void)
{
    int failures = 0;
    QS_MODULES *mods = QsQueryModules();
    CHECK(mods != NULL);
    if (!mods) return failures;
    CHECK(mods->NumberOfModules > 4);
    CHECK(_stricmp((const char *)mods->Modules[0].FullPathName + mods->Modules[0].OffsetToFileName, "ntoskrnl.exe") == 0);
    failures += CheckImage(QsFindModule(mods, "win32k.sys"));
    failures += CheckImage(QsFindModule(mods, "win32kbase.sys"));
    failures += CheckImage(QsFindModule(mods, "win32kfull.sys"));
    failures += CheckImage(QsFindModule(mods, "ci.dll"));
    failures += CheckImage(QsFindModule(mods, "ksecdd.sys"));
    CHECK(QsFindModule(mods, "nosuchdriver.sys") == NULL);
    ExFreePoolWithTag(mods, QS_TAG);
    return failures;
}

typedef PVOID (NTAPI *VALIDATE_HWND)(PVOID Hwnd);
typedef BOOLEAN (NTAPI *SET_AFFINITY)(PVOID Hwnd, ULONG Affinity);
NTKERNELAPI PVOID NTAPI RtlFindExportedRoutineByName(PVOID ImageBase, PCCH RoutineName);

/*
 * Window-hiding tools resolve win32k routines by name in DriverEntry: they are exported (by
 * win32kbase.sys and win32kfull.sys), and since no window exists, no handle names one.
 */
int TestWin32kRoutines(void)
{
    int failures = 0;
    QS_MODULES *mods = QsQueryModules();
    QS_MODULE *base, *full;
    VALIDATE_HWND validate = NULL;
    SET_AFFINITY affinity = NULL;
    CHECK(mods != NULL);
    if (!mods) return failures;
    base = QsFindModule(mods, "win32kbase.sys");
    full = QsFindModule(mods, "win32kfull.sys");
    CHECK(base != NULL && full != NULL);
    if (base && full) {
        validate = (VALIDATE_HWND)RtlFindExportedRoutineByName(base->ImageBase, "ValidateHwnd");
        affinity = (SET_AFFINITY)RtlFindExportedRoutineByName(full->ImageBase, "NtUserSetWindowDisplayAffinity");
        CHECK(validate != NULL && affinity != NULL);
        CHECK(RtlFindExportedRoutineByName(full->ImageBase, "NoSuchWin32kRoutine") == NULL);
        CHECK(RtlFindExportedRoutineByName(base->ImageBase, "NtUserSetWindowDisplayAffinity") == NULL);
        /*
         * Protection tools scan the routine's first bytes for the call into the internal routine
         * (mov edx, esi; mov rcx, rdi; call rel32 on some Windows 10 builds). kmdll's win32kfull.sys
         * has a thunk there and no Windows code: the pattern is never found (kmdll warns when the
         * routine is resolved, so a DriverEntry that fails afterwards says why).
         */
        if (affinity) {
            const UCHAR *code = (const UCHAR *)affinity;
            int i, found = 0;
            for (i = 0; i < 256; i++)
                if (code[i] == 0x8B && code[i + 1] == 0xD6 && code[i + 2] == 0x48 && code[i + 3] == 0x8B && code[i + 4] == 0xCF && code[i + 5] == 0xE8) found = 1;
            CHECK(!found);
        }
        if (validate) CHECK(validate((PVOID)0x10010) == NULL);
        if (affinity) CHECK(affinity((PVOID)0x10010, 0x11 /* WDA_EXCLUDEFROMCAPTURE */) == FALSE);
    }
    ExFreePoolWithTag(mods, QS_TAG);
    return failures;
}
