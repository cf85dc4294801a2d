/** Make-format dependency files as `clang -MD -MF` writes them. Pure. */

/** The prerequisites listed in a depfile (targets dropped, escapes undone). */
export function parseDepfile(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, " ");
  const deps: string[] = [];
  for (const line of joined.split(/\r?\n/)) {
    // The target ends at the first ': ' (or ':' at end) not escaped.
    const m = /^((?:[^:\\]|\\.)*?):(?:\s|$)/.exec(line);
    if (!m) continue;
    const rest = line.slice(m[0].length);
    let cur = "";
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === "\\" && (rest[i + 1] === " " || rest[i + 1] === "#" || rest[i + 1] === "\\")) {
        cur += rest[i + 1];
        i++;
      } else if (c === "$" && rest[i + 1] === "$") {
        cur += "$";
        i++;
      } else if (/\s/.test(c)) {
        if (cur) deps.push(cur);
        cur = "";
      } else cur += c;
    }
    if (cur) deps.push(cur);
  }
  return [...new Set(deps)];
}
