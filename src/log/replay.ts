// Replay: the state of the whole system after any prefix of a log is a pure fold of the log
// through the machines (docs/design.md §4).
import { createSystem, type Delivery, type System, type SystemState } from '../../machines/system';
import { kernelCmdline, type Config } from '../config';
import { consoleLines } from '../sysfs/console';
import { panicLines } from '../sysfs/panic';
import { toMachineEvent, type Errno, type ExternalEvent } from '../events';
import { observe, procCmdline, type Observation } from '../sysfs/view';
import type { LogEntry } from './parse';
import { Explainer, runningText, type Explained } from '../explain/explainer';
import { defaultContrast } from '../explain/violation';
import { saveLines } from '../explain/saved-files';
import { FILES } from '../sysfs/store';

/** What replay adds to a state's observation: which kernel runs, the properties broken, the
 *  dump outcome told truthfully, the memory map, and what kdumpctl did (src/explain/). */
export interface Explanation extends Explained {
  running: string;
}

/** The initial state as replay shows it. */
export type ReplayInitial = Observation & Explanation;

export interface ReplayStep extends Observation, Explanation {
  line: number;
  event: ExternalEvent;
  accepted: boolean;
  errno: Errno | null;
  /** Why the event changed nothing, when it did not. */
  note: string | null;
  /** The fadump lines the kernel logs during this step, verbatim (src/sysfs/console.ts). */
  console: string[];
  /** The lines the crashing kernel logs on its way down during this step (a crash: sysrq's,
   *  panic()'s and the hand-over's, src/sysfs/panic.ts), verbatim, before the next kernel's
   *  `console`; [] for any other step. */
  panic: string[];
}

export interface Replay {
  config: Config;
  initial: ReplayInitial;
  steps: ReplayStep[];
  final: Observation & Pick<Explanation, 'outcome'>;
  states: SystemState[];
  deliveries: Delivery[][];
}

/** Why a user event changed nothing: "failed: <kdumpctl's line>" when the kdump service ran and
 *  failed (machines/kdump-service.ts failedReason()), else "ignored: <reasons>", or "dropped". */
export function noteOf(handled: boolean, ignored: readonly string[]): string | null {
  if (handled) return null;
  const reasons = [...new Set(ignored)];
  const failed = reasons.filter((r) => r.startsWith('failed: '));
  if (failed.length) return failed.join('; ');
  if (reasons.length) return `ignored: ${reasons.join('; ')}`;
  return 'dropped: no actor handled it';
}

/** A user's kdumpctl command (kdump-start, kdump-restart) that left the unit failed, even after
 *  it ran something (a `kexec -p` that failed): its verdict, kdumpctl's "failed: <line>"; null
 *  otherwise. */
function failedCommand(event: ExternalEvent, post: SystemState): string | null {
  if (event.event !== 'kdump-start' && event.event !== 'kdump-restart') return null;
  const svc = post.actors.kdumpService;
  return svc.matches('failed') && svc.context.failure !== null ? `failed: ${svc.context.failure}` : null;
}

export interface ReplayedStep {
  step: ReplayStep;
  state: SystemState;
  deliveries: Delivery[];
}

/** The fold one step at a time, keeping nothing: for logs too long to hold every state. */
export function* replaySteps(
  config: Config,
  entries: Iterable<LogEntry>,
  system: System = createSystem(config),
  start: SystemState = system.initial(),
): Generator<ReplayedStep, void, undefined> {
  let state = start;
  const explainer = new Explainer(config, (id, events) => defaultContrast(config, id, events));
  explainer.initial(start);
  for (const { line, event } of entries) {
    const r = system.step(state, toMachineEvent(event));
    const pre = state;
    state = r.state;
    const explained = explainer.step(pre, event, line, r);
    // The capture side's kdump saves the dump (kdump.sh dump_fs()): its lines and files, with
    // opalcore where the OPAL core file was exported.
    // (Hypervisor-assisted dump predates kdump-utils: nothing said there.)
    if (event.event === 'save-dump' && r.handled && r.errno === null && config.mechanism !== 'phyp-assisted-dump') {
      const opalcore = observe(config, pre).sysfs[FILES.opalCore] !== undefined;
      explained.service = [...saveLines(config, opalcore), ...explained.service];
    }
    const failed = failedCommand(event, state);
    yield {
      step: {
        line,
        event,
        accepted: r.handled && r.errno === null && failed === null,
        errno: r.errno,
        note: failed ?? noteOf(r.handled, r.ignored),
        console: consoleLines(config, pre, event, state, r.errno),
        // panic=N of the command line the crashing kernel booted with.
        panic: panicLines(config, procCmdline(config, pre) ?? kernelCmdline(config), pre, event, state),
        ...observe(config, state),
        running: runningText(state),
        ...explained,
      },
      state,
      deliveries: r.deliveries,
    };
  }
}

/** The initial state's observation and explanation (a fresh explainer: the state properties the
 *  initial state breaks, the outcome none, the memory map). */
export function initialView(config: Config, start: SystemState): ReplayInitial {
  return {
    ...observe(config, start),
    running: runningText(start),
    ...new Explainer(config, (id, events) => defaultContrast(config, id, events)).initial(start),
  };
}

/** The observation after the last step (the initial one for no steps), with the dump outcome. */
export function finalObservation(
  initial: ReplayInitial,
  last: ReplayStep | undefined,
): Observation & Pick<Explanation, 'outcome'> {
  return last
    ? {
        states: last.states,
        sysfs: last.sysfs,
        vmcore: last.vmcore,
        dump: last.dump,
        meminfo: last.meminfo,
        cmdline: last.cmdline,
        outcome: last.outcome,
      }
    : {
        states: initial.states,
        sysfs: initial.sysfs,
        vmcore: initial.vmcore,
        dump: initial.dump,
        meminfo: initial.meminfo,
        cmdline: initial.cmdline,
        outcome: initial.outcome,
      };
}

export function replay(config: Config, entries: readonly LogEntry[], system: System = createSystem(config)): Replay {
  const start = system.initial();
  const initial = initialView(config, start);
  const steps: ReplayStep[] = [];
  const states: SystemState[] = [start];
  const deliveries: Delivery[][] = [];
  for (const r of replaySteps(config, entries, system, start)) {
    steps.push(r.step);
    states.push(r.state);
    deliveries.push(r.deliveries);
  }
  return { config, initial, steps, final: finalObservation(initial, steps[steps.length - 1]), states, deliveries };
}
