// What the CLI's commands share, kept out of src/cli/main.ts so that no command module imports the CLI
// (no import cycle): the output streams and the error that means bad input.
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
