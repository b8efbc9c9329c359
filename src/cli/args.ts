/** Bad command-line usage: printed without a stack, with a pointer to the command's --help; exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
