/**
 * Code blocks in the reasoning: a fenced block (``` or ~~~) or an indented run of code-looking lines. In a
 * non-code task this is R1's "code in the CoT" readability defect (the model programs instead of reasoning).
 */
export interface CodeBlocks {
  fenced: number;
  /** Language tags of the fenced blocks ('' when none). */
  languages: string[];
}

export function codeBlocks(text: string): CodeBlocks {
  const languages: string[] = [];
  // A fence line needs ``` or ~~~: without either (most CoTs) no line can match.
  if (!text.includes('```') && !text.includes('~~~')) return { fenced: 0, languages };
  let open: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^[ \t]*(```|~~~)\s*([\w+#.-]*)/.exec(line);
    if (!m) continue;
    if (open === null) {
      open = m[1];
      languages.push(m[2] ?? '');
    } else if (m[1] === open) open = null;
  }
  return { fenced: languages.length, languages };
}
