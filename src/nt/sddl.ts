/**
 * The SDDL subset a device object's security takes (Microsoft Learn, "SDDL for Device Objects";
 * IoCreateDeviceSecure / WdfDeviceInitAssignSDDLString): a DACL only, `D:` optionally followed by
 * the protected flag `P`, then one or more access-allowed ACEs `(A;;RIGHTS;;;SID)` — no ACE flags,
 * no object GUIDs. RIGHTS is a hex or decimal access mask or a run of two-letter rights (GA, GR,
 * GW, GX, FA, FR, FW, FX, KA, KR, KW, KX, RC, SD, WD, WO and the directory-service ones); SID is a
 * two-letter well-known alias (SY, BA, WD, ...) or an `S-1-…` string. `D:P` with no ACE at all is
 * well formed too: wdmsec.h's SDDL_DEVOBJ_KERNEL_ONLY (and SDDL_DEVOBJ_INF_SUPPLIED), "denies
 * access to all, except other kernel-mode clients" — WFP callout drivers (ProtonVPN, Windscribe)
 * create their control device with it. Pure parsing: returns the reason a string is malformed, or
 * null for a well-formed one.
 */

const RIGHTS = new Set(["GA", "GR", "GW", "GX", "FA", "FR", "FW", "FX", "KA", "KR", "KW", "KX", "RC", "SD", "WD", "WO", "RP", "WP", "CC", "DC", "LC", "SW", "LO", "DT", "CR"]);
/** SID aliases of sddl.h (a fact list, not code). */
const SID_ALIASES = new Set(["AN", "AO", "AU", "BA", "BG", "BO", "BU", "CA", "CD", "CG", "CO", "CY", "DA", "DC", "DD", "DG", "DU", "EA", "ED", "ER", "IS", "IU", "LA", "LG", "LS", "LU", "MU", "NO", "NS", "NU", "OW", "PA", "PO", "PS", "PU", "RC", "RD", "RE", "RO", "RS", "RU", "SA", "SO", "SU", "SY", "WD", "WR", "AC", "UD", "HI", "ME", "LW", "SI"]);

function rightsError(r: string): string | null {
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(r) || /^[0-9]{1,10}$/.test(r)) return null;
  if (r.length === 0 || r.length % 2 !== 0) return `access rights "${r}" are neither a number nor two-letter rights`;
  for (let i = 0; i < r.length; i += 2) if (!RIGHTS.has(r.slice(i, i + 2))) return `unknown access right "${r.slice(i, i + 2)}"`;
  return null;
}

function sidError(s: string): string | null {
  if (SID_ALIASES.has(s)) return null;
  if (/^S-1-[0-9]+(-[0-9]+){0,15}$/.test(s)) return null;
  return `"${s}" is neither a SID alias nor an S-1-… SID`;
}

/** Why `sddl` is not a device-object SDDL string, or null when it is well formed. */
export function deviceSddlError(sddl: string): string | null {
  const m = /^D:(P?)(.*)$/s.exec(sddl);
  if (!m) return `does not start with "D:" (a device object's SDDL is a DACL)`;
  let rest = m[2]!;
  if (rest.length === 0) return m[1] === "P" ? null : "the DACL has no ACE (only the protected empty DACL \"D:P\", SDDL_DEVOBJ_KERNEL_ONLY, has none)";
  let n = 0;
  while (rest.length > 0) {
    if (rest[0] !== "(") return `expected "(" at "${rest.slice(0, 16)}"`;
    const end = rest.indexOf(")");
    if (end < 0) return `unterminated ACE "${rest.slice(0, 32)}"`;
    const fields = rest.slice(1, end).split(";");
    if (fields.length !== 6) return `ACE "${rest.slice(0, end + 1)}" has ${fields.length} fields, not 6`;
    const [type, flags, rights, obj, inh, sid] = fields as [string, string, string, string, string, string];
    if (type !== "A") return `ACE type "${type}" (only access-allowed "A" ACEs)`;
    if (flags !== "") return `ACE flags "${flags}" (a device object's ACEs have none)`;
    if (obj !== "" || inh !== "") return "object GUIDs in an ACE";
    const re = rightsError(rights) ?? sidError(sid);
    if (re) return re;
    rest = rest.slice(end + 1);
    n++;
  }
  return n > 0 ? null : "the DACL has no ACE";
}
