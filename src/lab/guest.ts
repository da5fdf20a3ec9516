// One QEMU guest of the lab: the console (the guest agent's framed answers, lab/guest/agent) on
// QEMU's stdio and QMP on a unix socket. Every wait has a timeout; a guest that dies or hangs
// raises GuestError with the reason, never hangs the driver.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/** Why a guest stopped answering: 'guest-died' (QEMU exited) or 'timeout'. */
export class GuestError extends Error {
  constructor(
    readonly kind: 'guest-died' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

export interface GuestStart {
  /** The QEMU command and its arguments (the lab's qemu/run wrapper). */
  command: string;
  args: string[];
  qmpSocket: string;
  /** Every byte of the console, for the transcript's side log. */
  onConsole?: (text: string) => void;
}

/** A running guest. Console input is line-based commands to the agent. */
export class Guest {
  private buf = '';
  private exited: string | null = null;
  private waiters: (() => void)[] = [];
  private nextId = 1;
  private qmp: Qmp | null = null;

  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    private readonly start: GuestStart,
  ) {
    proc.stdout.setEncoding('latin1');
    proc.stdout.on('data', (d: string) => this.feed(d));
    proc.stderr.setEncoding('latin1');
    proc.stderr.on('data', (d: string) => this.feed(d));
    proc.on('exit', (code, signal) => {
      this.exited = `QEMU exited (${signal ?? `code ${code ?? '?'}`})`;
      this.wake();
    });
  }

  static launch(start: GuestStart): Guest {
    // Its own process group, so that stop() ends whatever the command started.
    return new Guest(spawn(start.command, start.args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true }), start);
  }

  private feed(text: string): void {
    this.start.onConsole?.(text);
    this.buf += text.replace(/\r/g, '');
    if (this.buf.length > 8_000_000) this.buf = this.buf.slice(-4_000_000);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `re` matches the console output after `from` (an index into it); returns the
   *  match and where it ends. GuestError on timeout or exit. */
  async waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<{ match: RegExpExecArray; end: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hay = this.buf.slice(from);
      const m = re.exec(hay);
      if (m) return { match: m, end: from + m.index + m[0].length };
      if (this.exited !== null) throw new GuestError('guest-died', `${this.exited} while waiting for ${re}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new GuestError('timeout', `no ${re} within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The console output between two positions (mark(), fire(), booted()'s `at`). */
  text(from: number, to: number): string {
    return this.buf.slice(from, to);
  }

  /** Where the console output ends now. */
  mark(): number {
    return this.buf.length;
  }

  /** Waits for the agent's boot line; returns which boot it is. */
  async booted(
    timeoutMs: number,
    from = this.mark(),
  ): Promise<{ boot: 'normal' | 'capture'; release: string; at: number }> {
    const { match, end } = await this.waitFor(/@@BOOT (normal|capture) (\S+)\n/, timeoutMs, from);
    await new Promise((r) => setTimeout(r, 300));
    return { boot: match[1] === 'capture' ? 'capture' : 'normal', release: match[2] ?? '', at: end };
  }

  /** Sends one agent command; returns its answer's lines (without the frame) and where the
   *  answer ends in the console output. */
  private async exchange(line: string, timeoutMs: number): Promise<{ lines: string[]; end: number }> {
    const id = this.nextId++;
    const from = this.mark();
    this.proc.stdin.write(`${id} ${line}\n`);
    const head = await this.waitFor(new RegExp(`@@${id}<\\n`), timeoutMs, from);
    const tail = await this.waitFor(new RegExp(`@@${id}> (\\d+)\\n`), timeoutMs, head.end);
    const lines = this.buf
      .slice(head.end, tail.end - tail.match[0].length)
      .split('\n')
      .filter((l, i, a) => i < a.length - 1 || l !== '');
    return { lines, end: tail.end };
  }

  /** Sends one agent command and returns its answer's lines (without the frame). */
  async command(line: string, timeoutMs: number): Promise<string[]> {
    return (await this.exchange(line, timeoutMs)).lines;
  }

  /** Sends a command after which the guest goes down (crash, reboot): waits only for its
   *  acknowledgement, returns the console position to wait for the next boot from. */
  async fire(line: string, timeoutMs: number): Promise<number> {
    return (await this.exchange(line, timeoutMs)).end;
  }

  /** Starts a command whose answer may not end (a spec part: it may crash or reboot the guest, or
   *  stop at a manual step); returns its id and where its output starts. */
  async begin(line: string, timeoutMs: number): Promise<{ id: number; from: number }> {
    const id = this.nextId++;
    const from = this.mark();
    this.proc.stdin.write(`${id} ${line}\n`);
    const head = await this.waitFor(new RegExp(`@@${id}<\\n`), timeoutMs, from);
    return { id, from: head.end };
  }

  /** Waits, from `from`, for what comes first of command `id`'s end (rc), a boot line (the guest
   *  went down and came up) or a manual step's line ("MANUAL [event] ..."); returns the output
   *  lines before it and where it ends. */
  async next(
    id: number,
    from: number,
    timeoutMs: number,
  ): Promise<{ lines: string[]; kind: 'end' | 'boot' | 'manual'; rc: number | null; manual: string; end: number }> {
    const m = await this.waitFor(
      new RegExp(`@@${id}> (\\d+)\\n|@@BOOT (normal|capture) \\S+\\n|MANUAL \\[([^\\]]*)\\][^\\n]*\\n`),
      timeoutMs,
      from,
    );
    const lines = this.buf
      .slice(from, m.end - m.match[0].length)
      .split('\n')
      .filter((l) => l !== '');
    const rc = m.match[1];
    const kind = rc !== undefined ? 'end' : m.match[2] !== undefined ? 'boot' : 'manual';
    return {
      lines: kind === 'manual' ? [...lines, m.match[0].trimEnd()] : lines,
      kind,
      rc: rc === undefined ? null : Number(rc),
      manual: m.match[3] ?? '',
      end: kind === 'boot' ? m.end - m.match[0].length : m.end,
    };
  }

  /** Sends a line to the console (an answer to a manual step's prompt). */
  send(text: string): void {
    this.proc.stdin.write(text);
  }

  /** A QMP command; connects on first use. */
  async qmpCommand(execute: string, args: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    if (this.qmp === null) this.qmp = await Qmp.open(this.start.qmpSocket, timeoutMs);
    return this.qmp.run(execute, args, timeoutMs);
  }

  get alive(): boolean {
    return this.exited === null;
  }

  /** Stops QEMU and anything it started (its process group; SIGKILL after 2 s). */
  async stop(): Promise<void> {
    this.qmp?.close();
    if (this.exited !== null) return;
    const group = (signal: NodeJS.Signals) => {
      try {
        if (this.proc.pid !== undefined) process.kill(-this.proc.pid, signal);
      } catch {
        this.proc.kill(signal);
      }
    };
    group('SIGTERM');
    const t = setTimeout(() => group('SIGKILL'), 2000);
    await this.waitFor(/$^/, 5000).catch(() => undefined);
    clearTimeout(t);
  }
}

/** A minimal QMP client (QEMU's JSON machine protocol over a unix socket: a greeting, then
 *  qmp_capabilities, then one {"execute"} at a time answered by {"return"} or {"error"}; events
 *  are skipped). */
class Qmp {
  private buf = '';
  private lines: string[] = [];
  private waiter: (() => void) | null = null;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      this.waiter?.();
    });
  }

  static async open(path: string, timeoutMs: number): Promise<Qmp> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path, () => resolve(s));
      s.once('error', reject);
      setTimeout(() => reject(new GuestError('timeout', `QMP ${path}: no connection`)), timeoutMs);
    });
    const q = new Qmp(sock);
    await q.next(timeoutMs); // greeting
    await q.run('qmp_capabilities', {}, timeoutMs);
    return q;
  }

  private async next(timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = this.lines.shift();
      if (l !== undefined) return JSON.parse(l) as Record<string, unknown>;
      const left = deadline - Date.now();
      if (left <= 0) throw new GuestError('timeout', 'QMP: no answer');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async run(execute: string, args: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    this.sock.write(`${JSON.stringify({ execute, arguments: args })}\n`);
    for (;;) {
      const m = await this.next(timeoutMs);
      if ('return' in m) return m.return;
      if ('error' in m) throw new Error(`QMP ${execute}: ${JSON.stringify(m.error)}`);
    }
  }

  close(): void {
    this.sock.destroy();
  }
}
