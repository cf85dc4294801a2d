/*
 * The MmMapLockedPagesSpecifyCache page-priority flags of Windows 8 that mingw-w64's wdm.h lacks
 * (WDK wdm.h: MdlMappingNoWrite 0x80000000, MdlMappingNoExecute 0x40000000, OR-ed into the
 * Priority argument). Microsoft's own samples pass MdlMappingNoExecute (general/ioctl/wdm/sys).
 */
#ifndef KMDLL_MDL_FLAGS_H
#define KMDLL_MDL_FLAGS_H
#ifndef MdlMappingNoWrite
#define MdlMappingNoWrite 0x80000000
#endif
#ifndef MdlMappingNoExecute
#define MdlMappingNoExecute 0x40000000
#endif
#endif
