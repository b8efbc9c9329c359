/** One word for a POSIX shell: as is when it has only safe characters, else single-quoted. */
export function shellWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Words joined into one shell command line, each quoted as needed. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}
