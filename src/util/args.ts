// A whole-number flag of a script run with tsx (fuzz, soak): `--name N`, or the fallback.
// A bad value ends the script with exit 2 and a message, never a stack trace.
export function wholeNumberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 1) {
    process.stderr.write(`--${name}: expected a whole number, got '${process.argv[i + 1] ?? ''}'\n`);
    process.exit(2);
  }
  return v;
}
