/*
 * qafresh2.sys — usbd.sys, the USB driver library (usbdlib.h; Microsoft Learn's usbdlib.h pages).
 * libusb0.sys, libusbK.sys and USBPcap.sys of the held-out set import it and could not load
 * without it. kmdll has no USB host controller, so the checks run on a configuration descriptor
 * of our own (usb100.h layouts, USB 2.0 spec ch. 9):
 *   configuration (2 interfaces)
 *     interface 0 alt 0, vendor class, 2 endpoints, a class-specific descriptor before them
 *       endpoint 0x81 bulk IN, endpoint 0x02 bulk OUT
 *     interface 0 alt 1, vendor class/subclass 1/protocol 2, 1 endpoint
 *       endpoint 0x83 interrupt IN
 *     interface 1 alt 0, HID boot keyboard (3/1/1), 1 endpoint, the HID descriptor before it
 *       endpoint 0x84 interrupt IN
 * Sizes of the URB and its interface entries are the compiler's (usbdlib.h's
 * GET_SELECT_CONFIGURATION_REQUEST_SIZE, GET_USBD_INTERFACE_SIZE), independent of kmdll's.
 */
#include "qafresh2.h"
#include <usb.h>
#include <usbdlib.h>

#define CS_INTERFACE 0x24
#define HID_DESCRIPTOR 0x21

static UCHAR g_Config[] = {
    /* configuration: wTotalLength patched in Config() */
    9, USB_CONFIGURATION_DESCRIPTOR_TYPE, 0, 0, 2, 1, 0, 0x80, 50,
    /* [9] interface 0 alt 0 */
    9, USB_INTERFACE_DESCRIPTOR_TYPE, 0, 0, 2, 0xFF, 0, 0, 0,
    /* [18] class-specific */
    5, CS_INTERFACE, 1, 2, 3,
    /* [23] endpoint 0x81 bulk, 512 */
    7, USB_ENDPOINT_DESCRIPTOR_TYPE, 0x81, 2, 0x00, 0x02, 0,
    /* [30] endpoint 0x02 bulk */
    7, USB_ENDPOINT_DESCRIPTOR_TYPE, 0x02, 2, 0x00, 0x02, 0,
    /* [37] interface 0 alt 1 */
    9, USB_INTERFACE_DESCRIPTOR_TYPE, 0, 1, 1, 0xFF, 1, 2, 0,
    /* [46] endpoint 0x83 interrupt */
    7, USB_ENDPOINT_DESCRIPTOR_TYPE, 0x83, 3, 0x08, 0x00, 10,
    /* [53] interface 1 alt 0 */
    9, USB_INTERFACE_DESCRIPTOR_TYPE, 1, 0, 1, 3, 1, 1, 0,
    /* [62] HID descriptor */
    9, HID_DESCRIPTOR, 0x11, 0x01, 0, 1, 0x22, 0x3F, 0,
    /* [71] endpoint 0x84 interrupt */
    7, USB_ENDPOINT_DESCRIPTOR_TYPE, 0x84, 3, 0x08, 0x00, 10,
};
#define AT(o) ((PVOID)(g_Config + (o)))

static PUSB_CONFIGURATION_DESCRIPTOR Config(void)
{
    PUSB_CONFIGURATION_DESCRIPTOR c = (PUSB_CONFIGURATION_DESCRIPTOR)g_Config;
    c->wTotalLength = (USHORT)sizeof(g_Config);
    return c;
}

int NTAPI TestUsbdVersion(void)
{
    int failures = 0;
    USBD_VERSION_INFORMATION v;

    v.USBDI_Version = 0xFFFFFFFF;
    v.Supported_USB_Version = 0xFFFFFFFF;
    USBD_GetUSBDIVersion(&v);
    CHECK(v.USBDI_Version == USBDI_VERSION);
    CHECK(v.Supported_USB_Version == 0x200);
    USBD_GetUSBDIVersion(NULL);
    return failures;
}

int NTAPI TestUsbdParse(void)
{
    int failures = 0;
    PUSB_CONFIGURATION_DESCRIPTOR c = Config();
    UCHAR broken[16];

    /* USBD_ParseDescriptors: the first of a type at or after StartPosition, inside TotalLength. */
    CHECK(USBD_ParseDescriptors(c, c->wTotalLength, c, USB_ENDPOINT_DESCRIPTOR_TYPE) == AT(23));
    CHECK(USBD_ParseDescriptors(c, c->wTotalLength, AT(30), USB_ENDPOINT_DESCRIPTOR_TYPE) == AT(30));
    CHECK(USBD_ParseDescriptors(c, c->wTotalLength, AT(37), USB_ENDPOINT_DESCRIPTOR_TYPE) == AT(46));
    CHECK(USBD_ParseDescriptors(c, c->wTotalLength, c, HID_DESCRIPTOR) == AT(62));
    CHECK(USBD_ParseDescriptors(c, c->wTotalLength, c, CS_INTERFACE) == AT(18));
    CHECK(USBD_ParseDescriptors(c, c->wTotalLength, c, USB_CONFIGURATION_DESCRIPTOR_TYPE) == (PVOID)c);
    CHECK(USBD_ParseDescriptors(c, c->wTotalLength, c, 0x0B) == NULL);
    /* A TotalLength that ends before the HID descriptor hides it. */
    CHECK(USBD_ParseDescriptors(c, 62, c, HID_DESCRIPTOR) == NULL);
    /* A descriptor of bLength 0 ends the walk. */
    RtlZeroMemory(broken, sizeof(broken));
    broken[0] = 9;
    broken[1] = USB_CONFIGURATION_DESCRIPTOR_TYPE;
    CHECK(USBD_ParseDescriptors(broken, sizeof(broken), broken, USB_ENDPOINT_DESCRIPTOR_TYPE) == NULL);

    /* USBD_ParseConfigurationDescriptorEx: -1 matches anything. */
    CHECK(USBD_ParseConfigurationDescriptorEx(c, c, -1, -1, -1, -1, -1) == AT(9));
    CHECK(USBD_ParseConfigurationDescriptorEx(c, c, 1, -1, -1, -1, -1) == AT(53));
    CHECK(USBD_ParseConfigurationDescriptorEx(c, c, 0, 1, -1, -1, -1) == AT(37));
    CHECK(USBD_ParseConfigurationDescriptorEx(c, c, -1, -1, 3, 1, 1) == AT(53));
    CHECK(USBD_ParseConfigurationDescriptorEx(c, c, -1, -1, 0xFF, -1, 2) == AT(37));
    CHECK(USBD_ParseConfigurationDescriptorEx(c, c, 0, 0, 3, -1, -1) == NULL);
    CHECK(USBD_ParseConfigurationDescriptorEx(c, c, 2, -1, -1, -1, -1) == NULL);
    /* From past the first interface: the next one. */
    CHECK(USBD_ParseConfigurationDescriptorEx(c, AT(18), -1, -1, -1, -1, -1) == AT(37));
    CHECK(USBD_ParseConfigurationDescriptorEx(c, AT(54), -1, -1, -1, -1, -1) == NULL);
    /* The deprecated form: from the configuration's start, by number and alternate setting. */
    CHECK(USBD_ParseConfigurationDescriptor(c, 0, 1) == AT(37));
    CHECK(USBD_ParseConfigurationDescriptor(c, 1, 0) == AT(53));
    CHECK(USBD_ParseConfigurationDescriptor(c, 1, 1) == NULL);
    return failures;
}

int NTAPI TestUsbdInterfaceLength(void)
{
    int failures = 0;
    PUSB_CONFIGURATION_DESCRIPTOR c = Config();
    PUCHAR end = g_Config + sizeof(g_Config);

    /* The interface, the class-specific descriptor and both endpoints. */
    CHECK(USBD_GetInterfaceLength(AT(9), end) == 9 + 5 + 7 + 7);
    CHECK(USBD_GetInterfaceLength(AT(37), end) == 9 + 7);
    CHECK(USBD_GetInterfaceLength(AT(53), end) == 9 + 9 + 7);
    /* BufferEnd before the endpoints: what lies before it. */
    CHECK(USBD_GetInterfaceLength(AT(9), g_Config + 23) == 9 + 5);
    UNREFERENCED_PARAMETER(c);
    return failures;
}

int NTAPI TestUsbdSelectConfiguration(void)
{
    int failures = 0;
    PUSB_CONFIGURATION_DESCRIPTOR c = Config();
    USBD_INTERFACE_LIST_ENTRY list[3];
    PUSBD_INTERFACE_INFORMATION i0, i1;
    PURB urb;
    ULONG j;

    list[0].InterfaceDescriptor = (PUSB_INTERFACE_DESCRIPTOR)AT(9);
    list[1].InterfaceDescriptor = (PUSB_INTERFACE_DESCRIPTOR)AT(53);
    list[2].InterfaceDescriptor = NULL;
    list[0].Interface = list[1].Interface = list[2].Interface = NULL;
    urb = USBD_CreateConfigurationRequestEx(c, list);
    CHECK(urb != NULL);
    if (urb == NULL)
        return failures;
    CHECK(urb->UrbHeader.Length == GET_SELECT_CONFIGURATION_REQUEST_SIZE(2, 3));
    CHECK(urb->UrbHeader.Function == URB_FUNCTION_SELECT_CONFIGURATION);
    CHECK(urb->UrbSelectConfiguration.ConfigurationDescriptor == c);
    CHECK(urb->UrbSelectConfiguration.ConfigurationHandle == NULL);
    i0 = list[0].Interface;
    i1 = list[1].Interface;
    CHECK(i0 == &urb->UrbSelectConfiguration.Interface);
    CHECK(list[2].Interface == NULL);
    if (i0 != NULL) {
        CHECK(i0->Length == GET_USBD_INTERFACE_SIZE(2));
        CHECK(i0->InterfaceNumber == 0 && i0->AlternateSetting == 0);
        CHECK(i0->NumberOfPipes == 2);
        CHECK(i0->InterfaceHandle == NULL);
        for (j = 0; j < 2; j++) {
            CHECK(i0->Pipes[j].MaximumTransferSize == USBD_DEFAULT_MAXIMUM_TRANSFER_SIZE);
            CHECK(i0->Pipes[j].PipeFlags == 0);
            CHECK(i0->Pipes[j].PipeHandle == NULL);
        }
        CHECK(i1 == (PUSBD_INTERFACE_INFORMATION)((PUCHAR)i0 + i0->Length));
    }
    if (i1 != NULL) {
        CHECK(i1->Length == GET_USBD_INTERFACE_SIZE(1));
        CHECK(i1->InterfaceNumber == 1 && i1->AlternateSetting == 0 && i1->NumberOfPipes == 1);
        CHECK(i1->Pipes[0].MaximumTransferSize == USBD_DEFAULT_MAXIMUM_TRANSFER_SIZE);
        CHECK((PUCHAR)i1 + i1->Length == (PUCHAR)urb + urb->UrbHeader.Length);
    }
    ExFreePool(urb);

    /* No interface at all: a header-only request (the size formula with 0 interfaces and pipes). */
    list[0].InterfaceDescriptor = NULL;
    urb = USBD_CreateConfigurationRequestEx(c, list);
    CHECK(urb != NULL);
    if (urb != NULL) {
        CHECK(urb->UrbHeader.Length == GET_SELECT_CONFIGURATION_REQUEST_SIZE(0, 0));
        ExFreePool(urb);
    }
    return failures;
}
