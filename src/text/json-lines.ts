/**
 * Line numbers for scenario-file errors: where the N-th element of the top-level "steps" array
 * starts in the JSON text, so a message about `steps[3]` can say `scenario.json:14`. A small
 * scanner over the text (strings and nesting only); no I/O.
 */

/** Line (1-based) of each element of the top-level "steps" array, in order. */
export function stepLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let key = "";
  let lastString = "";
  let stepsDepth = -1;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      else key += c;
      if (!inString) lastString = key;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\n") continue;
    if (expectElement && c !== "]") {
      lines.push(line);
      expectElement = false;
    }
    if (c === '"') {
      inString = true;
      key = "";
    } else if (c === "{" || c === "[") {
      if (c === "[" && depth === 1 && lastString === "steps" && text.slice(0, i).trimEnd().endsWith(":")) {
        stepsDepth = depth + 1;
        expectElement = true;
      }
      depth++;
    } else if (c === "}" || c === "]") {
      depth--;
      if (depth < stepsDepth) stepsDepth = -1;
    } else if (c === "," && stepsDepth === depth && stepsDepth > 0) expectElement = true;
  }
  return lines;
}

/** ":LINE" for a message about `steps[N]...` in the scenario `text`, or "". */
export function stepLine(text: string, message: string): string {
  const m = /^steps\[(\d+)\]/.exec(message);
  if (!m) return "";
  const l = stepLines(text)[Number(m[1])];
  return l === undefined ? "" : `:${l}`;
}
