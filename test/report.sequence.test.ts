// Counterexamples as pictures (src/report/): the trace of a log records which actor reacted to
// which delivery; the sequence diagram (Mermaid and SVG) draws the reacting deliveries, notes the
// facts where they change, and marks the step where the property breaks; the same log with the
// elfcorehdr built in the capture kernel keeps the property; the drawing is deterministic.
import { describe, expect, it } from 'vitest';
import { config, type ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { configKeys, diagnosis, flips, soleDifference } from '../src/report/explain';
import {
  buildSequence,
  mermaidEscape,
  sequenceMermaid,
  sequenceSvg,
  wrapText,
  type SeqMessage,
} from '../src/report/sequence';
import { diffPtLoads, findBreak, staleness, traceLog } from '../src/report/trace';
import { propertyById, type Property } from '../src/specs/properties';

const LOG: ExternalEvent[] = [
  { event: 'boot' },
  { event: 'memory-hotplug', action: 'add', lmbs: 1 },
  { event: 'crash' },
];
const AT_REG: ConfigInput = { platform: 'pseries', elfcorehdr: 'at-registration', memoryMiB: 8192 };
const IN_CAPTURE: ConfigInput = { platform: 'pseries', elfcorehdr: 'in-capture-kernel', memoryMiB: 8192 };

function property(id: string): Property {
  const p = propertyById(id);
  if (p === undefined) throw new Error(`no property ${id}`);
  return p;
}

describe('trace', () => {
  it('records every delivery of the replay with whether its actor reacted', () => {
    const t = traceLog(config(AT_REG), LOG);
    expect(t.frames).toHaveLength(4);
    const boot = t.frames[1]?.deliveries ?? [];
    expect(boot[0]).toMatchObject({ from: 'user', to: 'firmware', reaction: 'reacted' });
    // os.boot goes to both kernels; with no dump pending only the production kernel takes it.
    const osBoot = boot.filter((d) => d.event.type === 'os.boot').map((d) => [d.to, d.reaction]);
    expect(osBoot).toContainEqual(['productionKernel', 'reacted']);
    expect(osBoot).toContainEqual(['captureKernel', 'none']);
  });

  it('finds the step where always-ready-after-hotplug breaks, and not with the elfcorehdr built in the capture kernel', () => {
    const p = property('always-ready-after-hotplug');
    expect(findBreak(p, traceLog(config(AT_REG), LOG))).toEqual({ frame: 3, how: 'step' });
    expect(findBreak(p, traceLog(config(IN_CAPTURE), LOG))).toBeNull();
  });

  it('flags the registered elfcorehdr stale once the memory grows, and compares PT_LOADs', () => {
    const t = traceLog(config(AT_REG), LOG);
    expect(t.frames[1] && staleness(t.frames[1])).toBeNull();
    const stale = t.frames[2] && staleness(t.frames[2]);
    expect(stale?.missing).toEqual([{ start: 8 * 2 ** 30, end: 8 * 2 ** 30 + 256 * 2 ** 20 }]);
    const crash = t.frames[3];
    expect(crash?.vmcore).not.toBeNull();
    const d = diffPtLoads(crash?.vmcore?.ptLoad ?? [], crash?.expected ?? []);
    expect(d.same).toBe(false);
    expect(d.missing).toEqual([{ start: 0x200000000, end: 0x210000000 }]);
  });

  it('explains the violation from the PT_LOADs and where the elfcorehdr came from', () => {
    const t = traceLog(config(AT_REG), LOG);
    const lines = diagnosis(property('always-ready-after-hotplug'), t, { frame: 3, how: 'step' }, null);
    expect(lines).toContain('missing from the vmcore: [0x200000000–0x210000000) (256 MiB)');
    expect(lines.join('\n')).toContain('built at registration in step 1 (line 2: boot)');
  });
});

describe('sequence diagram', () => {
  const t = traceLog(config(AT_REG), LOG);
  const seq = buildSequence(t, 'always-ready-after-hotplug @ pseries', {
    property: 'always-ready-after-hotplug',
    frame: 3,
    lines: ['why'],
  });

  it('draws the reacting deliveries between the actors that take part', () => {
    // In the order of the actors, without petitboot (pSeries has none).
    const core = ['user', 'firmware', 'productionKernel', 'captureKernel', 'kdumpService'];
    expect(seq.participants.filter((p) => core.includes(p))).toEqual(core);
    expect(seq.participants).not.toContain('petitboot');
    const messages = seq.steps.flatMap((s) => s.items.filter((i): i is SeqMessage => i.kind === 'message'));
    expect(messages[0]).toEqual({ kind: 'message', from: 'user', to: 'firmware', label: '1. boot', style: 'call' });
    expect(
      messages.some(
        (m) =>
          m.from === 'productionKernel' && m.to === 'firmware' && m.label === 'fw.register + elfcorehdr (2 PT_LOAD)',
      ),
    ).toBe(true);
    expect(messages.some((m) => m.label.startsWith('fw.result') && m.style === 'reply')).toBe(true);
    expect(messages.some((m) => m.to === 'captureKernel' && m.label === 'os.boot (dump pending)')).toBe(true);
  });

  it('notes the facts where they change and marks the break', () => {
    const mmd = sequenceMermaid(seq);
    expect(mmd.startsWith('sequenceDiagram\n')).toBe(true);
    expect(mmd).toContain('Note over productionKernel: registered: 1');
    expect(mmd).toContain('elfcorehdr now stale: misses [0x200000000–0x210000000)');
    expect(mmd).toContain('registered: 1 → 0<br/>release_mem: appears<br/>/proc/vmcore: 2 PT_LOAD');
    const last = seq.participants[seq.participants.length - 1] ?? '';
    expect(mmd).toContain(`    Note over user,${last}: ✗ always-ready-after-hotplug violated here<br/>why\n  end\n`);
    expect(mmd).toMatch(/rect rgb\(255, 226, 226\)\n(.*\n)*? {4}user->>productionKernel: 3\. crash\n/);
    const svg = sequenceSvg(seq);
    expect(svg).toContain('<g class="seq-step broken" data-step="3">');
    expect(svg).toContain('✗ always-ready-after-hotplug violated here');
  });

  it('is deterministic and escapes what Mermaid and XML would take as syntax', () => {
    const again = buildSequence(traceLog(config(AT_REG), LOG), 'always-ready-after-hotplug @ pseries', {
      property: 'always-ready-after-hotplug',
      frame: 3,
      lines: ['why'],
    });
    expect(sequenceSvg(again)).toBe(sequenceSvg(seq));
    expect(sequenceMermaid(again)).toBe(sequenceMermaid(seq));
    expect(mermaidEscape('echo 1 > a; #x <b>')).toBe('echo 1 #gt; a#59; #35;x #lt;b#gt;');
    const w = traceLog(config(AT_REG), [
      { event: 'boot' },
      { event: 'write', path: '/sys/kernel/fadump/registered', value: '<x>&\n' },
    ]);
    const s = sequenceSvg(buildSequence(w, 'a & b'));
    expect(s).not.toMatch(/<x>|& /);
    expect(s).toContain('a &amp; b');
    expect(wrapText('aa bb cc dd', 5)).toEqual(['aa bb', 'cc dd']);
  });

  it('answers a rejected write back to the user', () => {
    const w = traceLog(config(AT_REG), [
      { event: 'boot' },
      { event: 'write', path: '/sys/kernel/fadump/registered', value: 'x\n' },
    ]);
    const messages = buildSequence(w, 'w').steps.flatMap((s) =>
      s.items.filter((i): i is SeqMessage => i.kind === 'message'),
    );
    const reply = messages.find((m) => m.to === 'user');
    expect(reply?.style).toBe('reply');
    expect(reply?.label).toMatch(/^registered: -E[A-Z]+$/);
  });
});

describe('configurations that differ in one key', () => {
  it('reads a default as unset and names the one difference', () => {
    expect(soleDifference(configKeys(AT_REG), configKeys(IN_CAPTURE))).toMatchObject({
      key: 'elfcorehdr',
      from: 'at-registration',
    });
    expect(soleDifference(configKeys(AT_REG), configKeys({ ...IN_CAPTURE, memoryMiB: 4096 }))).toBeNull();
    expect(configKeys({ platform: 'pseries', fadump: 'on', memoryMiB: 8192 })).toEqual({});
    expect(
      configKeys({
        platform: 'pseries',
        elfcorehdr: 'in-capture-kernel',
        captureKernel: { elfcorehdr: 'at-registration' },
      }),
    ).toEqual({ 'captureKernel.elfcorehdr': 'at-registration' });
  });

  it('groups the pairs whose verdict flips', () => {
    const f = flips([
      { config: 'a', input: AT_REG, verdict: 'violated' },
      { config: 'b', input: IN_CAPTURE, verdict: 'holds' },
      { config: 'c', input: { ...IN_CAPTURE, memoryMiB: 4096 }, verdict: 'holds' },
    ]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ key: 'elfcorehdr', from: 'at-registration', pairs: [['a', 'b']] });
    expect(f[0]?.to).toMatch(/^in-capture-kernel/);
  });
});
