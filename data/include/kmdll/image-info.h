/*
 * IMAGE_INFO as the WDK declares it (Microsoft Learn, "IMAGE_INFO structure (ntddk.h)"): after
 * ExtendedInfoPresent come MachineTypeMismatch, ImageSignatureLevel (4 bits), ImageSignatureType
 * (3 bits) and ImagePartialMap, which load-image callbacks read; mingw-w64's ntddk.h has a 21-bit
 * Reserved there. Same size and layout, so the structure only gains names.
 *
 * kmdll's ntddk.h renames mingw-w64's IMAGE_INFO, IMAGE_INFO_EX, PLOAD_IMAGE_NOTIFY_ROUTINE and
 * the two Ps*LoadImageNotifyRoutine prototypes while it reads the header (KMDLL_IMAGE_INFO_RENAME),
 * and declares them here with this IMAGE_INFO, so a callback typed with the WDK's names matches
 * the routine that registers it. KMDLL_NO_IMAGE_INFO_SHIM keeps mingw-w64's declarations.
 */
#ifndef KMDLL_IMAGE_INFO_H
#define KMDLL_IMAGE_INFO_H
#ifdef KMDLL_IMAGE_INFO_RENAMED
#undef _IMAGE_INFO
#undef IMAGE_INFO
#undef PIMAGE_INFO
#undef _IMAGE_INFO_EX
#undef IMAGE_INFO_EX
#undef PIMAGE_INFO_EX
#undef PLOAD_IMAGE_NOTIFY_ROUTINE
#undef PsSetLoadImageNotifyRoutine
#undef PsRemoveLoadImageNotifyRoutine

typedef struct _IMAGE_INFO {
    union {
        ULONG Properties;
        struct {
            ULONG ImageAddressingMode : 8;
            ULONG SystemModeImage : 1;
            ULONG ImageMappedToAllPids : 1;
            ULONG ExtendedInfoPresent : 1;
            ULONG MachineTypeMismatch : 1;
            ULONG ImageSignatureLevel : 4;
            ULONG ImageSignatureType : 3;
            ULONG ImagePartialMap : 1;
            ULONG Reserved : 12;
        };
    };
    PVOID ImageBase;
    ULONG ImageSelector;
    SIZE_T ImageSize;
    ULONG ImageSectionNumber;
} IMAGE_INFO, *PIMAGE_INFO;

typedef struct _IMAGE_INFO_EX {
    SIZE_T Size;
    IMAGE_INFO ImageInfo;
    struct _FILE_OBJECT *FileObject;
} IMAGE_INFO_EX, *PIMAGE_INFO_EX;

typedef VOID (NTAPI *PLOAD_IMAGE_NOTIFY_ROUTINE)(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo);

NTKERNELAPI NTSTATUS NTAPI PsSetLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine);
NTKERNELAPI NTSTATUS NTAPI PsRemoveLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine);

#if defined(C_ASSERT)
C_ASSERT(sizeof(IMAGE_INFO) == sizeof(KMDLL_MINGW_IMAGE_INFO));
#endif
#endif
#endif
