// The composed system (docs/design.md §2): one snapshot per actor; an
// external event is delivered to the actors that listen to it, what each emits is routed through a
// queue to the actors that listen to that, until the system is quiet. Each actor's step is XState's
// pure transition(), so a step of the system is a pure function of (state, event).
import {
  createActor,
  initialTransition,
  transition,
  type AnyActorScope,
  type AnyStateMachine,
  type SnapshotFrom,
} from 'xstate';
import type { Config } from '../src/config';
import type { AnyEvent, Errno, ExternalMachineEvent, InternalEvent } from '../src/events';
import { captureKernelMachine } from './capture-kernel';
import { firmwareMachine } from './firmware';
import { kdumpServiceMachine } from './kdump-service';
import { kexecMachine } from './kexec';
import { petitbootMachine } from './petitboot';
import { phypDumpMachine } from './phyp-dump';
import { productionKernelMachine } from './production-kernel';

export const ACTORS = [
  'firmware',
  'productionKernel',
  'petitboot',
  'captureKernel',
  'kdumpService',
  'kexec',
  'phypDump',
] as const;
export type ActorId = (typeof ACTORS)[number];

export function buildMachines(config: Config) {
  return {
    firmware: firmwareMachine(config),
    productionKernel: productionKernelMachine(config),
    petitboot: petitbootMachine(config),
    captureKernel: captureKernelMachine(config),
    kdumpService: kdumpServiceMachine(config),
    kexec: kexecMachine(config),
    phypDump: phypDumpMachine(config),
  };
}
export type Machines = ReturnType<typeof buildMachines>;
export type Snapshots = { [A in ActorId]: SnapshotFrom<Machines[A]> };

/** Who listens to what. The firmware hears every external event so that, with the system powered
 *  off, every event still gets an answer. Observations (dump.*, ignored) go to no actor. */
export const EXTERNAL_ROUTES: Record<ExternalMachineEvent['type'], readonly ActorId[]> = {
  boot: ['firmware'],
  write: ['productionKernel', 'captureKernel', 'kexec', 'phypDump', 'firmware'],
  'memory-hotplug': ['firmware'],
  // DLPAR processor requests are handled by the running kernel (hotplug-cpu.c, §11); the firmware
  // answers when none runs.
  'cpu-hotplug': ['productionKernel', 'captureKernel', 'firmware'],
  crash: ['productionKernel', 'captureKernel', 'kexec', 'phypDump', 'firmware'],
  reboot: ['productionKernel', 'captureKernel', 'kexec', 'phypDump', 'firmware'],
  'save-dump': ['productionKernel', 'captureKernel', 'kexec', 'phypDump', 'firmware'],
  'kdump-reload': ['kdumpService', 'firmware'],
  'kdump-start': ['kdumpService', 'firmware'],
  'kdump-stop': ['kdumpService'],
  'kdump-restart': ['kdumpService'],
  // kexec -p and kexec -p -u are syscalls of whichever kernel runs (docs/kernel-behaviour.md §6).
  'kexec-load': ['productionKernel', 'captureKernel', 'kexec', 'phypDump', 'firmware'],
  'kexec-loaded': ['kexec', 'firmware'],
  'kexec-unload': ['productionKernel', 'captureKernel', 'kexec', 'phypDump', 'firmware'],
  'firmware-error': ['firmware'],
  // Every way a kernel ends (docs/kernel-behaviour.md §13). kexec -e is the running kernel's
  // (its machine_shutdown()); power off, the watchdog and a firmware-initiated MPIPL are the
  // firmware's, with the capture kernel told of a power off so that it can say whether its dump was
  // saved; a dump restart is a system reset interrupt, which the kernel takes as it takes a crash;
  // petitboot's crash is armed in petitboot.
  'kexec-reboot': ['productionKernel', 'captureKernel', 'firmware'],
  'power-off': ['firmware', 'captureKernel'],
  'watchdog-reset': ['firmware'],
  'dump-restart': ['productionKernel', 'captureKernel', 'kexec', 'phypDump', 'firmware'],
  mpipl: ['firmware'],
  'petitboot-crash': ['petitboot', 'firmware'],
};

export const INTERNAL_ROUTES: Record<InternalEvent['type'], readonly ActorId[]> = {
  'hw.reset': ['productionKernel', 'captureKernel', 'petitboot', 'kdumpService', 'kexec', 'phypDump'],
  'bootloader.start': ['petitboot'],
  'os.boot': ['productionKernel', 'captureKernel', 'phypDump'],
  'fw.result': ['productionKernel', 'captureKernel', 'phypDump'],
  'dlpar.request': ['productionKernel', 'captureKernel', 'kexec', 'phypDump'],
  'fw.register': ['firmware'],
  'fw.unregister': ['firmware'],
  'fw.invalidate': ['firmware'],
  'fw.os-term': ['firmware'],
  'fw.reset': ['firmware'],
  'fw.kexec': ['firmware'],
  'dlpar.result': ['firmware'],
  'dlpar.cpus': ['firmware'],
  'sysfs.write': ['productionKernel', 'captureKernel'],
  'sysfs.result': ['kdumpService'],
  'uevent.memory': ['kdumpService'],
  'uevent.cpu': ['kdumpService'],
  'userspace.start': ['kdumpService'],
  'kernel.handover': ['productionKernel'],
  'kexec.request': ['productionKernel'],
  'kexec.load': ['kexec'],
  'kexec.unload': ['kexec'],
  'kexec.result': ['kdumpService'],
  'kexec.crash': ['kexec'],
  'crash.hotplug': ['kexec'],
  'phyp.setup': ['phypDump'],
  'phyp.crash': ['phypDump'],
  'dump.captured': [],
  'dump.lost': [],
  'dump.none': [],
  ignored: [],
};

/** The firmware hears an external event it does not own (it is listed after the kernels) only
 *  when no actor before it reacted: it answers for a system that is powered off. */
export function isFallback(actor: ActorId, position: number): boolean {
  return actor === 'firmware' && position > 0;
}

export function listenersOf(event: AnyEvent): readonly ActorId[] {
  // A write's result goes back to whoever wrote: the kdump service, or the user (no actor).
  if (event.type === 'sysfs.result' && event.origin === 'user') return [];
  return event.type in EXTERNAL_ROUTES
    ? EXTERNAL_ROUTES[event.type as ExternalMachineEvent['type']]
    : INTERNAL_ROUTES[event.type as InternalEvent['type']];
}

export type DumpOutcome = 'none' | 'captured' | 'lost';

export interface SystemState {
  readonly actors: Snapshots;
  /** The outcome of the most recent crash, from the actors' observations. */
  readonly dump: DumpOutcome;
  readonly dumpReason: string | null;
}

/** One delivery of an event to an actor, for the record and for sequence diagrams. */
export interface Delivery {
  from: ActorId | 'user';
  to: ActorId;
  event: AnyEvent;
}

export interface StepResult {
  state: SystemState;
  /** Some actor handled the external event (not only ignored it). */
  handled: boolean;
  /** The errno the user's write or DLPAR request got, null on success. */
  errno: Errno | null;
  /** Why it was ignored, where it was. */
  ignored: string[];
  /** Every delivery, in order. */
  deliveries: Delivery[];
  /** Observations emitted during the step (dump.*). */
  observations: InternalEvent[];
}

/** One actor's local step: the only place XState runs. Swappable for a cached one. */
export interface ActorStepper {
  step(
    actor: ActorId,
    snapshot: Snapshots[ActorId],
    event: AnyEvent,
  ): { snapshot: Snapshots[ActorId]; emitted: InternalEvent[]; reacted: boolean };
}

interface EmitAction {
  type: string;
  params?: unknown;
}

function emittedOf(actions: readonly EmitAction[]): InternalEvent[] {
  const out: InternalEvent[] = [];
  for (const a of actions) {
    if (a.type === 'xstate.emit' && typeof a.params === 'object' && a.params !== null && 'event' in a.params) {
      out.push((a.params as { event: InternalEvent }).event);
    }
  }
  return out;
}

/** The plain stepper: XState's pure transition(). */
export function xstateStepper(machines: Machines): ActorStepper {
  return {
    step(actor, snapshot, event) {
      const machine: AnyStateMachine = machines[actor];
      const [next, actions] = transition(machine, snapshot, event);
      const emitted = emittedOf(actions as EmitAction[]);
      return { snapshot: next as Snapshots[ActorId], emitted, reacted: next !== snapshot || actions.length > 0 };
    },
  };
}

/** The same step as xstateStepper, through machine.transition(snapshot, event, scope) with one
 *  inert actor scope per machine, built the way XState's transition() builds its own (it builds a
 *  new one, with an actor and its initial snapshot, on every call). The machines have no child
 *  actors and no delayed events, so nothing is kept in the shared scope between steps. */
export function scopedStepper(machines: Machines): ActorStepper {
  let collected: EmitAction[] = [];
  const scopes = new Map<ActorId, AnyActorScope>();
  const scopeOf = (actor: ActorId): AnyActorScope => {
    let scope = scopes.get(actor);
    if (scope === undefined) {
      const self = createActor(machines[actor] as AnyStateMachine);
      scope = {
        self,
        defer: () => {},
        id: '',
        logger: () => {},
        sessionId: '',
        stopChild: () => {},
        system: self.system,
        emit: () => {},
        actionExecutor: (a: EmitAction) => {
          collected.push(a);
        },
      } as unknown as AnyActorScope;
      scopes.set(actor, scope);
    }
    return scope;
  };
  return {
    step(actor, snapshot, event) {
      const machine: AnyStateMachine = machines[actor];
      collected = [];
      const next = machine.transition(snapshot as never, event as never, scopeOf(actor));
      const actions = collected;
      return {
        snapshot: next as Snapshots[ActorId],
        emitted: emittedOf(actions),
        reacted: next !== snapshot || actions.length > 0,
      };
    },
  };
}

export const MAX_DELIVERIES_PER_STEP = 500;

export class ModelError extends Error {}

export interface System {
  readonly config: Config;
  readonly machines: Machines;
  initial(): SystemState;
  step(state: SystemState, event: ExternalMachineEvent, stepper?: ActorStepper): StepResult;
}

/** The composed system of each configuration, by object (src/config.ts parseConfig() gives one
 *  object per input): building the machines costs more than replaying most logs. */
const systems = new WeakMap<Config, System>();

/** The composed system of `config`: its actors' machines, its initial state and its step, a pure
 *  function of (state, event). One object per Config object. */
export function createSystem(config: Config): System {
  let system = systems.get(config);
  if (system === undefined) {
    system = composeSystem(config);
    systems.set(config, system);
  }
  return system;
}

function composeSystem(config: Config): System {
  const machines = buildMachines(config);
  const plain = xstateStepper(machines);

  function initial(): SystemState {
    const actors = {} as Record<ActorId, Snapshots[ActorId]>;
    for (const a of ACTORS) {
      const machine: AnyStateMachine = machines[a];
      actors[a] = initialTransition(machine)[0] as Snapshots[ActorId];
    }
    return { actors: actors as Snapshots, dump: 'none', dumpReason: null };
  }

  function step(state: SystemState, event: ExternalMachineEvent, stepper: ActorStepper = plain): StepResult {
    const actors = { ...state.actors } as Record<ActorId, Snapshots[ActorId]>;
    let dump = state.dump;
    let dumpReason = state.dumpReason;
    let handled = false;
    let errno: Errno | null = null;
    const ignored: string[] = [];
    const deliveries: Delivery[] = [];
    const observations: InternalEvent[] = [];
    const queue: { from: ActorId | 'user'; event: AnyEvent }[] = [{ from: 'user', event }];

    for (let head = 0; head < queue.length; head++) {
      const item = queue[head];
      if (item === undefined) break;
      let reacted = false;
      const listeners = listenersOf(item.event);
      for (let position = 0; position < listeners.length; position++) {
        const to = listeners[position];
        if (to === undefined) break;
        if (item.from === 'user' && reacted && isFallback(to, position)) continue;
        if (deliveries.length >= MAX_DELIVERIES_PER_STEP) {
          throw new ModelError(
            `model error: more than ${MAX_DELIVERIES_PER_STEP} deliveries for one '${event.type}' event (a loop between actors)`,
          );
        }
        deliveries.push({ from: item.from, to, event: item.event });
        const r = stepper.step(to, actors[to], item.event);
        actors[to] = r.snapshot;
        if (r.reacted) reacted = true;
        const onlyIgnored = r.emitted.length > 0 && r.emitted.every((e) => e.type === 'ignored');
        if (item.from === 'user' && r.reacted && !onlyIgnored) handled = true;
        for (const e of r.emitted) {
          switch (e.type) {
            case 'ignored':
              if (item.from === 'user') ignored.push(e.reason);
              break;
            case 'dump.captured':
              dump = 'captured';
              dumpReason = null;
              observations.push(e);
              break;
            case 'dump.lost':
              dump = 'lost';
              dumpReason = e.reason;
              observations.push(e);
              break;
            case 'dump.none':
              dump = 'none';
              dumpReason = e.reason;
              observations.push(e);
              break;
            case 'sysfs.result':
              if (e.origin === 'user') errno = e.errno;
              queue.push({ from: to, event: e });
              break;
            case 'dlpar.result':
              errno = e.errno;
              queue.push({ from: to, event: e });
              break;
            default:
              queue.push({ from: to, event: e });
          }
        }
      }
    }
    return {
      state: { actors: actors as Snapshots, dump, dumpReason },
      handled,
      errno,
      ignored,
      deliveries,
      observations,
    };
  }

  return { config, machines, initial, step };
}

/** "running.registered" for { running: 'registered' }. */
export function stateString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        const inner = stateString(v);
        return inner ? `${k}.${inner}` : k;
      })
      .join(',');
  }
  return '';
}
