/**
 * Export list of the synthetic netio.sys (pure data): the Winsock Kernel registration routines
 * (Microsoft Learn, wsk.h: WskRegister, WskDeregister, WskCaptureProviderNPI,
 * WskReleaseProviderNPI, WskQueryProviderCharacteristics; library Netio.lib) and the IP helper
 * routines of netioapi.h that kernel drivers call (Learn: "IP Helper" kernel reference, library
 * Netio.lib). A routine listed here without a handler resolves at load time and reports "kmdll
 * does not implement netio.sys!X" when called.
 */
const NETIO = `WskRegister WskDeregister WskCaptureProviderNPI WskReleaseProviderNPI WskQueryProviderCharacteristics
GetIfEntry2 GetIfTable2 GetIfTable2Ex GetIpInterfaceEntry GetIpInterfaceTable InitializeIpInterfaceEntry SetIpInterfaceEntry
GetUnicastIpAddressEntry GetUnicastIpAddressTable InitializeUnicastIpAddressEntry CreateUnicastIpAddressEntry
DeleteUnicastIpAddressEntry SetUnicastIpAddressEntry GetAnycastIpAddressEntry GetAnycastIpAddressTable
GetMulticastIpAddressEntry GetMulticastIpAddressTable GetIpForwardEntry2 GetIpForwardTable2 InitializeIpForwardEntry
CreateIpForwardEntry2 DeleteIpForwardEntry2 SetIpForwardEntry2 GetBestRoute2 GetIpNetEntry2 GetIpNetTable2 CreateIpNetEntry2
DeleteIpNetEntry2 FlushIpNetTable2 ResolveIpNetEntry2 FreeMibTable NotifyIpInterfaceChange NotifyUnicastIpAddressChange
NotifyRouteChange2 NotifyStableUnicastIpAddressTable CancelMibChangeNotify2 ConvertInterfaceLuidToIndex
ConvertInterfaceIndexToLuid ConvertInterfaceLuidToNameW ConvertInterfaceNameToLuidW ConvertInterfaceLuidToGuid
ConvertInterfaceGuidToLuid ConvertInterfaceLuidToAlias ConvertInterfaceAliasToLuid if_nametoindex if_indextoname
GetIfStackTable GetInvertedIfStackTable GetIpPathEntry GetIpPathTable FlushIpPathTable ConvertLengthToIpv4Mask
ConvertIpv4MaskToLength`;

export const NETIO_EXPORTS: readonly string[] = NETIO.split(/\s+/).filter(Boolean);
