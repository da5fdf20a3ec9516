// Counterexamples as pictures (issue 5): an event log drawn as a sequence diagram between the
// actors, from replay's deliveries (src/report/trace.ts). The user's event opens each step; every
// delivery an actor reacted to is an arrow (answers dashed, events an actor explicitly ignored
// end in a cross); broadcasts an actor did not react to are left out. Notes record the facts
// that matter where they change (the registered file, release_mem, /proc/vmcore's PT_LOADs, the
// dump outcome, the partition's memory and the elfcorehdr the firmware holds), and the step where
// a property breaks is shaded red with a note saying why.
// Two renderings of one model: Mermaid `sequenceDiagram` text (for Markdown) and an SVG laid out
// here, deterministically (same bytes for the same trace).
import type { ActorId } from '../../machines/system';
import type { AnyEvent, ExternalEvent } from '../events';
import { describeEvent, errnoText, faultText, hotplugWhat } from '../events';
import {
  factsOf,
  PARTICIPANTS,
  rangesText,
  runningKernel,
  staleness,
  type Frame,
  type Participant,
  type Trace,
} from './trace';

export type MessageStyle = 'call' | 'reply' | 'ignored' | 'dropped';

export interface SeqMessage {
  kind: 'message';
  from: Participant;
  to: Participant;
  label: string;
  style: MessageStyle;
}

export interface SeqNote {
  kind: 'note';
  over: Participant[];
  lines: string[];
  tone: 'fact' | 'break';
}

export type SeqItem = SeqMessage | SeqNote;

export interface SeqStep {
  /** The frame: 0 is the state before the first event. */
  index: number;
  title: string;
  broken: boolean;
  items: SeqItem[];
}

export interface Sequence {
  title: string;
  participants: Participant[];
  steps: SeqStep[];
}

/** Where and why a property breaks, for the red step. */
export interface BreakMark {
  property: string;
  frame: number;
  lines: readonly string[];
}

const basename = (path: string): string => path.split('/').pop() ?? path;

function shortValue(v: string): string {
  const t = v.replace(/\n$/, '');
  const shown = t.length > 16 ? `${t.slice(0, 12)}…(${t.length} chars)` : t;
  return JSON.stringify(shown).slice(1, -1) || '""';
}

/** The user's event as an arrow label. */
export function externalLabel(e: ExternalEvent): string {
  switch (e.event) {
    case 'write':
      return `echo ${shortValue(e.value)} > ${basename(e.path)}`;
    case 'memory-hotplug':
      return `memory-hotplug ${e.action} ${hotplugWhat(e)}`;
    default:
      return describeEvent(e);
  }
}

/** An event between actors as an arrow label: its type and what matters of its payload. */
export function internalLabel(e: AnyEvent): string {
  switch (e.type) {
    case 'os.boot':
    case 'bootloader.start':
      return `${e.type}${e.dump === null ? '' : ' (dump pending)'}`;
    case 'fw.result':
      return `fw.result ${e.call} rc=${e.rc}`;
    case 'dlpar.request':
      return `dlpar.request ${e.action}${e.by === 'index' ? ' by index' : ''} ${rangesText(e.ranges)}`;
    case 'dlpar.result':
      return `dlpar.result ${e.errno === null ? 'ok' : `-${e.errno}`}`;
    case 'fw.register':
      return `fw.register${e.registration.elfcorehdr === null ? '' : ` + elfcorehdr (${e.registration.elfcorehdr.length} PT_LOAD)`}`;
    case 'fw.os-term':
      return `fw.os-term${e.elfcorehdr === null ? '' : ` + elfcorehdr (${e.elfcorehdr.length} PT_LOAD)`}`;
    case 'sysfs.write':
      return `echo ${shortValue(e.value)} > ${basename(e.path)}`;
    case 'sysfs.result':
      return `${basename(e.path)}: ${e.errno === null ? 'ok' : errnoText(e.errno)}`;
    case 'uevent.memory':
      return `uevent memory (hotplug_ready=${e.hotplugReady ? 1 : 0})`;
    case 'uevent.cpu':
      return `uevent cpu online (fadump enabled=${e.fadumpEnabled ? 1 : 0})`;
    case 'dlpar.cpus':
      return `dlpar.cpus ${e.present} present`;
    case 'userspace.start':
      return `userspace.start${e.capture ? ' (capture)' : ''}`;
    case 'memory-hotplug':
      return `memory-hotplug ${e.action} ${hotplugWhat(e)}`;
    case 'cpu-hotplug':
      return `cpu-hotplug ${e.action} ${e.cpus} CPU${e.cpus === 1 ? '' : 's'}`;
    case 'write':
      return `echo ${shortValue(e.value)} > ${basename(e.path)}`;
    case 'firmware-error':
      return `firmware-error ${e.call} ${faultText(e)}`;
    default:
      return e.type;
  }
}

const REPLIES = new Set(['fw.result', 'dlpar.result', 'sysfs.result']);

export function stepTitle(f: Frame): string {
  if (f.event === null) return 'before the first event';
  const verdict = f.accepted ? 'accepted' : f.errno !== null ? errnoText(f.errno) : (f.note ?? 'not accepted');
  return `step ${f.index} · line ${f.line ?? '?'} · ${externalLabel(f.event)} → ${verdict}`;
}

function messagesOf(f: Frame): SeqMessage[] {
  const out: SeqMessage[] = [];
  if (f.event === null) return out;
  const label = `${f.index}. ${externalLabel(f.event)}`;
  const fromUser = f.deliveries.filter((d) => d.from === 'user');
  const shown = fromUser.filter((d) => d.reaction !== 'none');
  if (shown.length === 0) {
    const to: Participant = fromUser[0]?.to ?? 'firmware';
    out.push({
      kind: 'message',
      from: 'user',
      to,
      label: `${label} (${f.note ?? 'no actor reacted'})`,
      style: 'dropped',
    });
  }
  let labelled = false;
  let replied = false;
  for (const d of f.deliveries) {
    if (d.from === 'user') {
      if (d.reaction === 'none') continue;
      const text = labelled ? externalLabel(f.event) : label;
      labelled = true;
      out.push(
        d.reaction === 'ignored'
          ? { kind: 'message', from: 'user', to: d.to, label: `${text} (ignored: ${d.reason ?? ''})`, style: 'ignored' }
          : { kind: 'message', from: 'user', to: d.to, label: text, style: 'call' },
      );
      // The answer to the user's own write goes back to the user.
      for (const e of d.emitted) {
        if (e.type === 'sysfs.result' && e.origin === 'user' && !replied) {
          out.push({ kind: 'message', from: d.to, to: 'user', label: internalLabel(e), style: 'reply' });
          replied = true;
        }
      }
      continue;
    }
    if (d.reaction === 'none') continue;
    out.push({
      kind: 'message',
      from: d.from,
      to: d.to,
      label:
        d.reaction === 'ignored' ? `${internalLabel(d.event)} (ignored: ${d.reason ?? ''})` : internalLabel(d.event),
      style: d.reaction === 'ignored' ? 'ignored' : REPLIES.has(d.event.type) ? 'reply' : 'call',
    });
  }
  if (f.errno !== null && !replied && f.event.event !== 'memory-hotplug') {
    const to = f.deliveries.find((d) => d.from === 'user' && d.reaction !== 'none')?.to ?? 'firmware';
    out.push({ kind: 'message', from: to, to: 'user', label: errnoText(f.errno), style: 'reply' });
  }
  return out;
}

/** Notes for what changed from `prev` to `f` (everything, for the first frame). */
function notesOf(prev: Frame | null, f: Frame, kernel: ActorId | null, prevKernel: ActorId | null): SeqNote[] {
  const a = prev === null ? null : factsOf(prev);
  const b = factsOf(f);
  const out: SeqNote[] = [];
  const where: Participant = kernel ?? prevKernel ?? 'productionKernel';
  const kernelLines: string[] = [];
  if (a?.registered !== b.registered) {
    kernelLines.push(
      b.registered === null
        ? 'registered: (no file: no kernel with fadump runs)'
        : a?.registered == null
          ? `registered: ${b.registered}`
          : `registered: ${a.registered} → ${b.registered}`,
    );
  }
  if (a !== null && a.releaseMem !== b.releaseMem)
    kernelLines.push(b.releaseMem ? 'release_mem: appears' : 'release_mem: gone');
  else if (a === null && b.releaseMem) kernelLines.push('release_mem: present');
  if (kernelLines.length && (prev !== null || b.registered !== null))
    out.push({ kind: 'note', over: [where], lines: kernelLines, tone: 'fact' });
  if ((a?.vmcore ?? null) !== b.vmcore) {
    out.push({
      kind: 'note',
      over: ['captureKernel'],
      lines: [b.vmcore === null ? '/proc/vmcore: gone' : `/proc/vmcore: ${b.vmcore}`],
      tone: 'fact',
    });
  }
  if (a !== null && a.dump !== b.dump)
    out.push({ kind: 'note', over: [kernel ?? 'firmware'], lines: [`dump: ${b.dump}`], tone: 'fact' });
  // The kdump service's state, when it leaves or enters one of its waiting states (the windows of
  // docs/kernel-behaviour.md §5 are between its events).
  const ka = prev?.states.kdumpService ?? null;
  const kb = f.states.kdumpService;
  const settled = (s: string | null) => s === null || s === 'idle' || s === 'stopped';
  if (ka !== kb && !(settled(ka) && settled(kb)))
    out.push({ kind: 'note', over: ['kdumpService'], lines: [`kdumpService: ${ka ?? '–'} → ${kb}`], tone: 'fact' });
  const fw: string[] = [];
  if (a?.memory !== b.memory) fw.push(`memory: ${b.memory}`);
  if ((a?.elfcorehdr ?? null) !== b.elfcorehdr && b.elfcorehdr !== null)
    fw.push(`elfcorehdr held (${f.elfcorehdrHolder === 'dump' ? 'with the dump' : 'registered'}): ${b.elfcorehdr}`);
  const stale = staleness(f);
  const wasStale = prev === null ? null : staleness(prev);
  if (stale !== null && (wasStale === null || fw.length > 0)) {
    const what = [
      stale.missing.length ? `misses ${rangesText(stale.missing)}` : '',
      stale.extra.length ? `describes removed ${rangesText(stale.extra)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    fw.push(`elfcorehdr now stale: ${what}`);
  } else if (stale === null && wasStale !== null && f.elfcorehdrHolder === 'registration') {
    fw.push('elfcorehdr matches the memory again');
  }
  if (fw.length) out.push({ kind: 'note', over: ['firmware'], lines: fw, tone: 'fact' });
  return out;
}

/** One note per participant: the facts over the same lifeline are read together. */
function mergeNotes(notes: readonly SeqNote[]): SeqNote[] {
  const out: SeqNote[] = [];
  for (const note of notes) {
    const same = out.find((o) => o.tone === note.tone && o.over.join() === note.over.join());
    if (same) same.lines.push(...note.lines);
    else out.push({ ...note, over: [...note.over], lines: [...note.lines] });
  }
  return out;
}

/** The sequence model of a trace, with the break step marked. */
export function buildSequence(trace: Trace, title: string, mark: BreakMark | null = null): Sequence {
  const steps: SeqStep[] = [];
  trace.frames.forEach((f, i) => {
    const prev = i === 0 ? null : (trace.frames[i - 1] ?? null);
    const state = trace.states[i];
    const prevState = i === 0 ? undefined : trace.states[i - 1];
    const kernel = state === undefined ? null : runningKernel(state);
    const prevKernel = prevState === undefined ? null : runningKernel(prevState);
    const items: SeqItem[] = [...messagesOf(f), ...mergeNotes(notesOf(prev, f, kernel, prevKernel))];
    const broken = mark !== null && mark.frame === i;
    if (broken && mark !== null)
      items.push({
        kind: 'note',
        over: ['user', 'kdumpService'],
        lines: [`✗ ${mark.property} violated here`, ...mark.lines],
        tone: 'break',
      });
    if (items.length > 0 || i > 0) steps.push({ index: i, title: stepTitle(f), broken, items });
  });
  // Actors with nothing to show are left out (petitboot on pSeries).
  const used = new Set<Participant>(['user']);
  for (const s of steps) {
    for (const it of s.items) {
      if (it.kind === 'message') {
        used.add(it.from);
        used.add(it.to);
      } else if (it.tone === 'fact') for (const p of it.over) used.add(p);
    }
  }
  const participants = PARTICIPANTS.filter((p) => used.has(p));
  // A break note spans every participant shown.
  const first = participants[0] ?? 'user';
  const last = participants[participants.length - 1] ?? 'user';
  for (const s of steps)
    for (const it of s.items)
      if (it.kind === 'note' && it.tone === 'break') it.over = first === last ? [first] : [first, last];
  return { title, participants, steps };
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/** Mermaid's entity codes for the characters its sequence syntax would take as syntax or HTML. */
const MERMAID_ENTITIES: Record<string, string> = { '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;', '\n': ' ' };

export function mermaidEscape(s: string): string {
  return s.replace(/[#;<>\n]/g, (c) => MERMAID_ENTITIES[c] ?? c);
}

const MERMAID_ARROW: Record<MessageStyle, string> = { call: '->>', reply: '-->>', ignored: '--x', dropped: '--x' };

export function sequenceMermaid(seq: Sequence): string {
  const out = ['sequenceDiagram', `  title ${mermaidEscape(seq.title)}`];
  for (const p of seq.participants) out.push(`  participant ${p}`);
  for (const s of seq.steps) {
    const body: string[] = [];
    body.push(`  %% ${s.title.replace(/\n/g, ' ')}`);
    for (const it of s.items) {
      if (it.kind === 'message')
        body.push(`  ${it.from}${MERMAID_ARROW[it.style]}${it.to}: ${mermaidEscape(it.label)}`);
      else body.push(`  Note over ${it.over.join(',')}: ${it.lines.map(mermaidEscape).join('<br/>')}`);
    }
    if (s.broken) out.push('  rect rgb(255, 226, 226)', ...body.map((l) => `  ${l}`), '  end');
    else out.push(...body);
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// SVG, laid out here: lifelines in columns, one row per arrow or note, a band per step.

const FONT = 12;
const CHAR_W = 7.3; // monospace advance at 12px, a little generous
const FONT_FAMILY = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";
const MARGIN = 12;
const BOX_H = 30;
const ROW = 26;
const TITLE_ROW = 22;
const NOTE_LINE = 15;
const NOTE_WRAP = 64;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const textWidth = (s: string): number => Math.ceil([...s].length * CHAR_W);

/** Wraps at spaces to lines of at most `width` characters (a longer word keeps its line). */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line = `${line} ${word}`;
    else {
      out.push(line);
      line = word;
    }
  }
  out.push(line);
  return out;
}

const STYLE: Record<MessageStyle, { stroke: string; dash: string | null; text: string }> = {
  call: { stroke: '#1f2937', dash: null, text: '#111827' },
  reply: { stroke: '#4b5563', dash: '6 4', text: '#374151' },
  ignored: { stroke: '#9ca3af', dash: '3 3', text: '#6b7280' },
  dropped: { stroke: '#b45309', dash: '3 3', text: '#92400e' },
};

const n = (x: number): string => String(Math.round(x * 10) / 10);

export function sequenceSvg(seq: Sequence): string {
  const ps = seq.participants;
  const col = new Map<Participant, number>(ps.map((p, i) => [p, i]));
  const boxW = ps.map((p) => Math.max(96, textWidth(p) + 20));
  // Gaps between neighbouring lifelines: wide enough for the boxes and for every label over the
  // span it crosses (narrow spans first; a deficit is shared by the gaps of the span).
  const gaps = ps.slice(1).map((_, i) => ((boxW[i] ?? 0) + (boxW[i + 1] ?? 0)) / 2 + 16);
  const spans: { a: number; b: number; w: number }[] = [];
  for (const s of seq.steps) {
    for (const it of s.items) {
      if (it.kind !== 'message') continue;
      const a = col.get(it.from) ?? 0;
      const b = col.get(it.to) ?? 0;
      if (a !== b) spans.push({ a: Math.min(a, b), b: Math.max(a, b), w: textWidth(it.label) + 24 });
    }
  }
  spans.sort((x, y) => x.b - x.a - (y.b - y.a) || x.a - y.a || x.w - y.w);
  for (const sp of spans) {
    let have = 0;
    for (let g = sp.a; g < sp.b; g++) have += gaps[g] ?? 0;
    if (have < sp.w) {
      const each = (sp.w - have) / (sp.b - sp.a);
      for (let g = sp.a; g < sp.b; g++) gaps[g] = (gaps[g] ?? 0) + each;
    }
  }
  const xs: number[] = [];
  let x = MARGIN + (boxW[0] ?? 0) / 2;
  ps.forEach((_, i) => {
    xs.push(Math.round(x));
    x += gaps[i] ?? 0;
  });
  const xOf = (p: Participant): number => xs[col.get(p) ?? 0] ?? 0;
  const lastX = xs[xs.length - 1] ?? 0;
  let width = Math.max(
    lastX + (boxW[boxW.length - 1] ?? 0) / 2 + MARGIN,
    MARGIN * 2 + textWidth(seq.title) * (13 / FONT),
  );

  const titleH = 24;
  let y = MARGIN + titleH + BOX_H + 10;
  const bands: { step: SeqStep; top: number; bottom: number; content: string[] }[] = [];
  for (const s of seq.steps) {
    const top = y;
    const content: string[] = [];
    y += TITLE_ROW;
    content.push(
      `<text x="${MARGIN + 6}" y="${n(top + 15)}" font-size="11" fill="${s.broken ? '#991b1b' : '#4b5563'}" font-weight="${s.broken ? 'bold' : 'normal'}">${xmlEscape(s.title)}</text>`,
    );
    for (const it of s.items) {
      if (it.kind === 'message') {
        const st = STYLE[it.style];
        const x1 = xOf(it.from);
        const x2 = xOf(it.to);
        const ly = y + ROW - 7;
        const dash = st.dash === null ? '' : ` stroke-dasharray="${st.dash}"`;
        if (x1 === x2) {
          content.push(
            `<path d="M${x1},${ly - 6} h28 v12 h-28" fill="none" stroke="${st.stroke}" stroke-width="1.3"${dash}/>`,
          );
          content.push(
            `<polygon points="${x1},${ly + 6} ${x1 + 8},${ly + 2} ${x1 + 8},${ly + 10}" fill="${st.stroke}"/>`,
          );
          content.push(`<text x="${x1 + 34}" y="${ly + 4}" fill="${st.text}">${xmlEscape(it.label)}</text>`);
          width = Math.max(width, x1 + 34 + textWidth(it.label) + MARGIN);
          y += ROW + 8;
          continue;
        }
        const dir = x2 > x1 ? 1 : -1;
        const tip = x2 - dir * 1;
        content.push(
          `<line x1="${x1}" y1="${ly}" x2="${tip - dir * (it.style === 'ignored' || it.style === 'dropped' ? 0 : 8)}" y2="${ly}" stroke="${st.stroke}" stroke-width="1.3"${dash}/>`,
        );
        if (it.style === 'ignored' || it.style === 'dropped') {
          content.push(
            `<path d="M${tip - 5},${ly - 5} l10,10 M${tip - 5},${ly + 5} l10,-10" stroke="${st.stroke}" stroke-width="1.6"/>`,
          );
        } else {
          content.push(
            `<polygon points="${tip},${ly} ${tip - dir * 9},${ly - 4.5} ${tip - dir * 9},${ly + 4.5}" fill="${st.stroke}"/>`,
          );
        }
        content.push(
          `<text x="${n((x1 + x2) / 2)}" y="${ly - 5}" text-anchor="middle" fill="${st.text}">${xmlEscape(it.label)}</text>`,
        );
        y += ROW;
      } else {
        const a = xOf(it.over[0] ?? 'user');
        const b = xOf(it.over[it.over.length - 1] ?? 'user');
        // A note over several lifelines spans them, and its lines wrap to that width.
        const span = it.over.length > 1 ? Math.abs(b - a) + 40 : 0;
        const wrapAt = Math.max(NOTE_WRAP, Math.floor((span - 16) / CHAR_W));
        const lines = it.lines.flatMap((l) => wrapText(l, wrapAt));
        const w = Math.max(...lines.map(textWidth)) + 16;
        const h = lines.length * NOTE_LINE + 10;
        const cx = (a + b) / 2;
        const wide = Math.max(w, span);
        const left = Math.max(MARGIN, cx - wide / 2);
        width = Math.max(width, left + wide + MARGIN);
        const fill = it.tone === 'break' ? '#fee2e2' : '#fef9c3';
        const stroke = it.tone === 'break' ? '#b91c1c' : '#ca8a04';
        content.push(
          `<rect x="${n(left)}" y="${y + 4}" width="${n(wide)}" height="${h}" rx="3" fill="${fill}" stroke="${stroke}" stroke-width="${it.tone === 'break' ? 1.6 : 1}"/>`,
        );
        lines.forEach((l, k) => {
          const bold = it.tone === 'break' && k === 0 ? ' font-weight="bold"' : '';
          content.push(
            `<text x="${n(left + 8)}" y="${y + 4 + 5 + (k + 1) * NOTE_LINE - 3}" fill="${it.tone === 'break' ? '#7f1d1d' : '#422006'}"${bold}>${xmlEscape(l)}</text>`,
          );
        });
        y += h + 8;
      }
    }
    y += 6;
    bands.push({ step: s, top, bottom: y, content });
  }
  const lifelineEnd = y + 4;
  const height = lifelineEnd + BOX_H + MARGIN;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="seq" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="${FONT_FAMILY}" font-size="${FONT}">`,
  );
  out.push(`<title>${xmlEscape(seq.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${Math.ceil(width)}" height="${Math.ceil(height)}" fill="#ffffff"/>`);
  out.push(
    `<text x="${MARGIN}" y="${MARGIN + 14}" font-size="13" font-weight="bold" fill="#111827">${xmlEscape(seq.title)}</text>`,
  );
  // Step bands (backgrounds) first, lifelines over them, then the arrows and notes.
  const bandRects = bands.map(({ step, top, bottom }, i) => {
    const fill = step.broken ? '#fff1f1' : i % 2 === 0 ? '#f8fafc' : '#ffffff';
    const edge = step.broken ? `<rect x="0" y="${top}" width="4" height="${bottom - top}" fill="#dc2626"/>` : '';
    return `<rect class="band" x="0" y="${top}" width="${Math.ceil(width)}" height="${bottom - top}" fill="${fill}"/>${edge}`;
  });
  const boxTop = MARGIN + titleH;
  const lifelines = ps.map(
    (p, i) =>
      `<line x1="${xs[i]}" y1="${boxTop + BOX_H}" x2="${xs[i]}" y2="${lifelineEnd}" stroke="#9ca3af" stroke-dasharray="4 4"/>`,
  );
  const boxes = (top: number) =>
    ps.map((p, i) => {
      const w = boxW[i] ?? 96;
      const cx = xs[i] ?? 0;
      const fill = p === 'user' ? '#fff8dc' : '#eef0ff';
      const stroke = p === 'user' ? '#b59a00' : '#5b5fc7';
      return `<rect x="${n(cx - w / 2)}" y="${top}" width="${n(w)}" height="${BOX_H}" rx="4" fill="${fill}" stroke="${stroke}"/><text x="${cx}" y="${top + 19}" text-anchor="middle" fill="#111827">${xmlEscape(p)}</text>`;
    });
  bands.forEach(({ step }, i) => {
    out.push(`<g class="seq-step${step.broken ? ' broken' : ''}" data-step="${step.index}">${bandRects[i] ?? ''}</g>`);
  });
  out.push(...lifelines);
  bands.forEach(({ step, content }) => {
    out.push(`<g class="seq-items" data-step="${step.index}">`, ...content, '</g>');
  });
  out.push(...boxes(boxTop), ...boxes(lifelineEnd));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
