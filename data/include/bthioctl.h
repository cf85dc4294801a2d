/*
 * <bthioctl.h>: mingw-w64 has no header of that name. The Bluetooth IOCTL codes as the WDK
 * defines them (Microsoft Learn, "bthioctl.h header": IOCTL_INTERNAL_BTH_SUBMIT_BRB and the
 * BTHENUM queries are METHOD_NEITHER codes of FILE_DEVICE_BLUETOOTH, function 0, 1, 2; the user
 * IOCTLs METHOD_BUFFERED from the same base). Only the codes: the structures they carry are not
 * declared. Filters and monitors (IRPMon's data loggers) compare IRPs against them.
 */
#ifndef KMDLL_BTHIOCTL_H
#define KMDLL_BTHIOCTL_H
#ifndef FILE_DEVICE_BLUETOOTH
#define FILE_DEVICE_BLUETOOTH 0x00000041
#endif
#define BTH_IOCTL_BASE 0
#define BTH_CTL(id) CTL_CODE(FILE_DEVICE_BLUETOOTH, (id), METHOD_BUFFERED, FILE_ANY_ACCESS)
#define BTH_KERNEL_CTL(id) CTL_CODE(FILE_DEVICE_BLUETOOTH, (id), METHOD_NEITHER, FILE_ANY_ACCESS)
#define IOCTL_INTERNAL_BTH_SUBMIT_BRB BTH_KERNEL_CTL(BTH_IOCTL_BASE + 0x00)
#define IOCTL_INTERNAL_BTHENUM_GET_ENUMINFO BTH_KERNEL_CTL(BTH_IOCTL_BASE + 0x01)
#define IOCTL_INTERNAL_BTHENUM_GET_DEVINFO BTH_KERNEL_CTL(BTH_IOCTL_BASE + 0x02)
#define IOCTL_BTH_GET_LOCAL_INFO BTH_CTL(BTH_IOCTL_BASE + 0x00)
#define IOCTL_BTH_GET_RADIO_INFO BTH_CTL(BTH_IOCTL_BASE + 0x01)
#define IOCTL_BTH_GET_DEVICE_INFO BTH_CTL(BTH_IOCTL_BASE + 0x02)
#endif
