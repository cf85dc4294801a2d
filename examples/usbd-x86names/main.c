/*
 * usbdnames.sys — calls usbd.sys's descriptor helpers through their undecorated x86 import names
 * (usbdlib.h prototypes, Microsoft Learn; the descriptors are byte arrays laid out as usb.h's
 * USB_CONFIGURATION_DESCRIPTOR and USB_INTERFACE_DESCRIPTOR).
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;

__declspec(dllimport) PVOID USBD_ParseConfigurationDescriptorEx(PVOID ConfigurationDescriptor, PVOID StartPosition, LONG InterfaceNumber, LONG AlternateSetting, LONG InterfaceClass, LONG InterfaceSubClass, LONG InterfaceProtocol);
__declspec(dllimport) PVOID USBD_ParseDescriptors(PVOID DescriptorBuffer, ULONG TotalLength, PVOID StartPosition, LONG DescriptorType);
__declspec(dllimport) PVOID USBD_CreateConfigurationRequestEx(PVOID ConfigurationDescriptor, PVOID InterfaceList);

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                         \
        }                                                                       \
    } while (0)

/* A configuration (9 bytes, wTotalLength 18) with one vendor-class interface (9 bytes), no endpoints. */
static UCHAR Config[18] = {
    9, 2, 18, 0, 1, 1, 0, 0x80, 50,
    9, 4, 0, 0, 0, 0xFF, 0, 0, 0,
};

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG failures = 0;
    UNREFERENCED_PARAMETER(RegistryPath);

    CHECK(USBD_ParseConfigurationDescriptorEx(Config, Config, 0, -1, -1, -1, -1) == Config + 9);
    CHECK(USBD_ParseConfigurationDescriptorEx(Config, Config, -1, -1, 0xFF, -1, -1) == Config + 9);
    CHECK(USBD_ParseConfigurationDescriptorEx(Config, Config, -1, -1, 3, -1, -1) == NULL);
    CHECK(USBD_ParseDescriptors(Config, sizeof(Config), Config, 4) == Config + 9);
    CHECK(USBD_ParseDescriptors(Config, sizeof(Config), Config, 5) == NULL);
    /* An empty interface list (its first InterfaceDescriptor NULL) is not a request: NULL. */
    {
        PVOID list[2] = { NULL, NULL };
        PVOID urb = USBD_CreateConfigurationRequestEx(Config, list);
        if (urb != NULL) ExFreePool(urb);
    }
    if (failures != 0) {
        DbgPrint("usbdnames: %lu check(s) failed\n", failures);
        return STATUS_UNSUCCESSFUL;
    }
    DriverObject->DriverUnload = Unload;
    DbgPrint("usbdnames: all checks passed\n");
    return STATUS_SUCCESS;
}
