// What the CLI's commands share, kept out of src/cli/main.ts so that no command module imports the CLI
// (no import cycle): the output streams and the error that means bad input.
import { InvalidArgumentError } from 'commander';
import { InputError } from '../util/read';

/** Bad input from the user: exit 2 with this message. */
export class UsageError extends InputError {}

/** Where a command writes: its output and its messages. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** When the output is backed up (a slow or closed pipe), a promise to await before writing
   *  more; else null. Long outputs (replay) wait on it, so they hold a bounded buffer. */
  ready?: () => Promise<void> | null;
}

/** A flag's value that is another flag (`--record --config x.json`: commander takes `--config`
 *  as the file) is refused with a message that says so; `what` names the value in it. */
export function notAFlag(flag: string, value: string, what = 'FILE'): string {
  if (/^--?[a-z]/i.test(value))
    throw new InvalidArgumentError(`'${value}' looks like a flag: ${flag} needs a value of its own (${flag} ${what})`);
  return value;
}
