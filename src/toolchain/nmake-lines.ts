/** The physical lines of an NMAKE file → logical lines: comments stripped, `\` continuations joined, positions kept (pure). */

export interface Pos {
  line: number;
  col: number;
}

export interface LogicalLine {
  text: string;
  pos: Pos[]; // position of each character of text
  endLine: number;
}

/** Strip comments, join continuations; keep each character's original position. */
export function logicalLines(text: string): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const out: LogicalLine[] = [];
  let cur: LogicalLine | null = null;
  physical.forEach((raw, i) => {
    const lineNo = i + 1;
    // A `#` starts a comment unless escaped as `^#` (NMAKE).
    let body = "";
    const cols: number[] = [];
    for (let c = 0; c < raw.length; c++) {
      if (raw[c] === "^" && raw[c + 1] === "#") {
        body += "#";
        cols.push(c + 1);
        c++;
        continue;
      }
      if (raw[c] === "#") break;
      body += raw[c];
      cols.push(c + 1);
    }
    let trimmedEnd = body.length;
    while (trimmedEnd > 0 && /\s/.test(body[trimmedEnd - 1]!)) trimmedEnd--;
    const continues = trimmedEnd > 0 && body[trimmedEnd - 1] === "\\";
    const keep = continues ? trimmedEnd - 1 : body.length;
    if (!cur) cur = { text: "", pos: [], endLine: lineNo };
    else {
      cur.text += " ";
      cur.pos.push({ line: lineNo, col: 1 });
    }
    for (let c = 0; c < keep; c++) {
      cur.text += body[c];
      cur.pos.push({ line: lineNo, col: cols[c]! });
    }
    cur.endLine = lineNo;
    if (!continues) {
      out.push(cur);
      cur = null;
    }
  });
  if (cur) out.push(cur);
  return out;
}

