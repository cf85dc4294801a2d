/*
 * wdkhdr.sys - layouts and values as the WDK declares them (Microsoft Learn pages of each
 * structure; the IOCTL codes from CTL_CODE(FILE_DEVICE_BLUETOOTH = 0x41, function, METHOD_NEITHER)).
 */
#include "wdkhdr.h"

/* KEY_CACHED_INFORMATION: LARGE_INTEGER then seven ULONGs. */
C_ASSERT(FIELD_OFFSET(KEY_CACHED_INFORMATION, TitleIndex) == 8);
C_ASSERT(FIELD_OFFSET(KEY_CACHED_INFORMATION, Values) == 20);
C_ASSERT(FIELD_OFFSET(KEY_CACHED_INFORMATION, NameLength) == 32);
C_ASSERT(sizeof(KEY_CACHED_INFORMATION) == 40);

/* PROCESSINFOCLASS past mingw-w64's enumeration. */
C_ASSERT(ProcessCommandLineInformation == 60);
C_ASSERT(ProcessProtectionInformation == 61);

/* IMAGE_INFO keeps its size: the bit-fields share the Properties ULONG. */
C_ASSERT(FIELD_OFFSET(IMAGE_INFO, ImageBase) == sizeof(PVOID));
C_ASSERT(sizeof(IMAGE_INFO_EX) == 2 * sizeof(SIZE_T) + sizeof(IMAGE_INFO));

/* Bluetooth: the internal BRB IOCTL and the BRB header (0x70 bytes on 64-bit Windows). */
C_ASSERT(IOCTL_INTERNAL_BTH_SUBMIT_BRB == 0x00410003);
C_ASSERT(IOCTL_INTERNAL_BTHENUM_GET_DEVINFO == 0x0041000B);
C_ASSERT(FIELD_OFFSET(BRB_HEADER, Length) == 2 * sizeof(PVOID));
#ifdef _WIN64
C_ASSERT(sizeof(BRB_HEADER) == 0x70);
#endif

/* SecLookupAccountSid is declared with the WDK's parameter types. */
typedef NTSTATUS (__stdcall *LOOKUP_SID)(PSID, PULONG, PUNICODE_STRING, PULONG, PUNICODE_STRING, PSID_NAME_USE);
C_ASSERT(sizeof(LOOKUP_SID) == sizeof(&SecLookupAccountSid));

/* A load-image callback typed with the WDK's names is what PsSetLoadImageNotifyRoutine takes. */
static VOID NTAPI
OnImage(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo)
{
    UNREFERENCED_PARAMETER(FullImageName);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ImageInfo);
}
static const PLOAD_IMAGE_NOTIFY_ROUTINE ImageCallback = OnImage;

/* The bit-fields sit where the WDK puts them in Properties. */
int TestImageInfo(void)
{
    int failures = 0;
    IMAGE_INFO info;

    RtlZeroMemory(&info, sizeof(info));
    /* Bits: 8 SystemModeImage, 9 ImageMappedToAllPids, 10 ExtendedInfoPresent, 11
       MachineTypeMismatch, 12-15 ImageSignatureLevel, 16-18 ImageSignatureType, 19 ImagePartialMap. */
    info.Properties = 0x000F0000 | 0x00008000 | 0x00000800 | 0x00000400 | 0x00000100;
    CHECK(info.SystemModeImage == 1);
    CHECK(info.ImageMappedToAllPids == 0);
    CHECK(info.ExtendedInfoPresent == 1);
    CHECK(info.MachineTypeMismatch == 1);
    CHECK(info.ImageSignatureLevel == 0x8);
    CHECK(info.ImageSignatureType == 0x7);
    CHECK(info.ImagePartialMap == 1);
    CHECK(info.Reserved == 0);
    info.Properties = 0;
    info.ImageSignatureLevel = 0xC;
    CHECK(info.Properties == 0xC000);
    CHECK(ImageCallback == OnImage);
    return failures;
}
