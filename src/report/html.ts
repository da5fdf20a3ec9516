// The report page: one HTML file with its CSS, JS and SVG inline, no network, readable from
// file:// (src/report/report.ts builds the model). Every frame of every step-through is rendered
// here; the script only shows one at a time, highlights its step in the sequence diagram, opens
// a counterexample linked from the matrix, and lists coverage for the chosen configuration.
import { ACTORS } from '../../machines/system';
import type { Verdict } from '../explore/explore';
import { expectedFor } from '../explore/expected';
import type { ActorCoverage } from '../explore/coverage';
import type { PtLoad } from '../memory/layout';
import { rangeText } from '../memory/map';
import { FILES } from '../sysfs/store';
import { flipSentence, rankKey } from './explain';
import { formatFigure } from '../compare/format';
import type { Comparison, Contrast, Counterexample, Drawn, ReportModel } from './model';
import { verdictLine } from './real';
import { externalLabel, stepTitle } from './sequence';
import { diffPtLoads, hexOf, memoryText, rangesText, sizeText, staleness, type Frame } from './trace';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON for a <script type="application/json"> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const VERDICT_TEXT: Record<Verdict, string> = { holds: 'holds', violated: 'FAIL', incomplete: '?', 'n/a': 'n/a' };
const VERDICT_CLASS: Record<Verdict, string> = {
  holds: 'v-holds',
  violated: 'v-fail',
  incomplete: 'v-inc',
  'n/a': 'v-na',
};

const CSS = `
:root { --fg:#111827; --muted:#4b5563; --line:#d1d5db; --ok:#dcfce7; --okfg:#166534; --bad:#fee2e2; --badfg:#991b1b; --na:#f3f4f6; --inc:#fef3c7; --chg:#fff3bf; --accent:#1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; color: var(--fg); background: #fff; }
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); background: #f8fafc; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: var(--muted); }
nav { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid var(--line); padding: 6px 24px; }
nav a { margin-right: 16px; color: var(--accent); text-decoration: none; font-weight: 600; }
main { padding: 8px 24px 48px; max-width: 1700px; }
h2 { margin: 28px 0 8px; font-size: 19px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { margin: 18px 0 6px; font-size: 16px; }
h4 { margin: 14px 0 6px; font-size: 14px; }
code, pre, .mono { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; }
a { color: var(--accent); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
.matrix-wrap { overflow-x: auto; }
table.matrix th.prop { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: 600; font-size: 11.5px; padding: 6px 2px; min-width: 32px; }
table.matrix td.cell { text-align: center; min-width: 38px; font-weight: 700; font-size: 11.5px; padding: 2px 2px; }
table.matrix td.cell small { display: block; font-weight: 400; font-size: 10px; color: var(--muted); }
table.matrix td.cfg { font-size: 12px; min-width: 200px; max-width: 290px; }
table.matrix td.num { text-align: right; font-size: 12px; color: var(--muted); }
table.matrix a { color: inherit; text-decoration: none; display: block; }
table.compare td { min-width: 130px; font-size: 13px; }
table.compare td details { font-weight: 400; margin-top: 4px; }
table.compare td pre { font-size: 11px; max-width: 420px; }
.v-holds { background: var(--ok); color: var(--okfg); }
.v-fail { background: var(--bad); color: var(--badfg); }
.v-na { background: var(--na); color: #6b7280; }
.v-inc { background: var(--inc); color: #92400e; }
td.mismatch { outline: 3px solid #7c3aed; outline-offset: -3px; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 8px; border-radius: 3px; }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--badfg); border-radius: 4px; padding: 8px 14px; margin: 10px 0; background: #fffafa; }
.finding.mixed { border-left-color: #7c3aed; }
.finding ul { margin: 4px 0 4px 18px; padding: 0; }
.explain { border: 1px solid var(--line); border-radius: 4px; padding: 8px 14px; background: #fbfbfd; margin: 8px 0; }
.explain .source { color: var(--muted); }
.explain ol { margin: 4px 0 4px 20px; padding: 0; }
.diag { border: 1px solid #b91c1c; background: var(--bad); color: #7f1d1d; border-radius: 4px; padding: 6px 10px; margin: 8px 0; }
.diag b { display: block; }
.diag ul { margin: 2px 0 0 18px; padding: 0; }
.holdsbox { border: 1px solid #15803d; background: var(--ok); color: #14532d; border-radius: 4px; padding: 6px 10px; margin: 8px 0; }
details.cx { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; background: #fff; }
details.cx > summary { cursor: pointer; padding: 8px 12px; background: #f9fafb; border-radius: 6px; }
details.cx[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
.cx-body { padding: 4px 14px 14px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 700; }
.tag.fail { background: var(--bad); color: var(--badfg); }
.tag.ok { background: var(--ok); color: var(--okfg); }
.tag.na { background: #e5e7eb; color: #374151; }
.real table.real-steps tr.break td { background: var(--bad); }
.seq-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; margin: 8px 0; background: #fff; }
.seq-wrap svg { display: block; }
svg.seq .seq-step { cursor: pointer; }
svg.seq .seq-step.current .band { stroke: #2563eb; stroke-width: 3; }
.stepper { border: 1px solid #93c5fd; border-radius: 6px; padding: 8px 12px; margin: 10px 0; background: #f8fbff; }
.stepper:focus { outline: 2px solid #2563eb; }
.controls { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; }
.controls button { font: inherit; padding: 3px 12px; border: 1px solid #60a5fa; background: #eff6ff; border-radius: 4px; cursor: pointer; }
.controls button:disabled { opacity: 0.4; cursor: default; }
.controls .pos { font-weight: 600; }
.frame-head { font-weight: 600; margin: 2px 0 4px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 3px; font-weight: 700; margin: 2px 0 6px; }
.status.ok { background: var(--ok); color: var(--okfg); }
.status.broken { background: #dc2626; color: #fff; }
.status.plain { background: var(--na); color: var(--muted); }
.frame-grid { display: grid; grid-template-columns: minmax(280px, 1fr) minmax(360px, 2fr); gap: 12px; }
.frame h5 { margin: 8px 0 4px; font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; }
.frame table { width: 100%; font-size: 12.5px; }
.frame th { width: 1%; white-space: nowrap; background: #f9fafb; }
tr.changed > td, tr.changed > th { background: var(--chg); }
tr.added > td, tr.added > th { background: #d1fae5; }
tr.removed > td, tr.removed > th { background: #f3f4f6; color: #9ca3af; text-decoration: line-through; }
.was { color: var(--muted); font-size: 11.5px; margin-left: 6px; }
.chgmark { font-size: 11px; font-weight: 700; color: #92400e; margin-left: 6px; }
table.pt td { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
table.pt tr.bad td { background: var(--bad); color: var(--badfg); font-weight: 700; }
.stale { color: var(--badfg); font-weight: 700; }
.deliv { font-size: 12px; margin: 2px 0 0 18px; padding: 0; }
.deliv li.none { color: #9ca3af; }
figure.chart { margin: 12px 0 24px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { max-width: 100%; height: auto; }
.statechart g.never > polygon, .statechart g.never > path { stroke: #dc2626 !important; stroke-width: 2.5; stroke-dasharray: 5 3; }
.cov-lists { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 10px; }
.cov-lists section { border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; }
.cov-lists ul { margin: 2px 0 6px 18px; padding: 0; font-size: 12px; }
.muted { color: var(--muted); }
.toc li { margin: 2px 0; }
`;

const SCRIPT = `
(function () {
  'use strict';
  function setup(st) {
    var frames = Array.prototype.slice.call(st.querySelectorAll(':scope > .frame'));
    var prev = st.querySelector('[data-prev]');
    var next = st.querySelector('[data-next]');
    var pos = st.querySelector('[data-pos]');
    var svgBox = document.getElementById(st.getAttribute('data-svg'));
    var i = 0;
    function show(k) {
      i = Math.max(0, Math.min(frames.length - 1, k));
      frames.forEach(function (f, j) { f.hidden = j !== i; });
      prev.disabled = i === 0;
      next.disabled = i === frames.length - 1;
      pos.textContent = 'step ' + frames[i].getAttribute('data-frame') + ' of ' + (frames.length - 1);
      if (svgBox) {
        var want = frames[i].getAttribute('data-frame');
        svgBox.querySelectorAll('.seq-step').forEach(function (g) { g.classList.toggle('current', g.getAttribute('data-step') === want); });
      }
    }
    prev.addEventListener('click', function () { show(i - 1); });
    next.addEventListener('click', function () { show(i + 1); });
    st.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowLeft') { show(i - 1); e.preventDefault(); }
      if (e.key === 'ArrowRight') { show(i + 1); e.preventDefault(); }
    });
    if (svgBox) {
      svgBox.querySelectorAll('.seq-step, .seq-items').forEach(function (g) {
        g.addEventListener('click', function () {
          var want = g.getAttribute('data-step');
          frames.forEach(function (f, j) { if (f.getAttribute('data-frame') === want) show(j); });
        });
      });
    }
    show(0);
  }
  document.querySelectorAll('[data-stepper]').forEach(setup);

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    for (var e = el; e; e = e.parentElement) if (e.tagName === 'DETAILS') e.open = true;
    if (el) el.scrollIntoView();
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();

  var data = JSON.parse(document.getElementById('coverage-data').textContent);
  var select = document.getElementById('coverage-select');
  var out = document.getElementById('coverage-detail');
  function li(text) { var e = document.createElement('li'); e.textContent = text; return e; }
  function list(title, items, total) {
    var s = document.createDocumentFragment();
    var h = document.createElement('b'); h.textContent = title + ': ' + items.length + ' of ' + total;
    s.appendChild(h);
    var ul = document.createElement('ul');
    if (items.length === 0) ul.appendChild(li('(none)'));
    items.forEach(function (k) { ul.appendChild(li(data.names[k])); });
    s.appendChild(ul);
    return s;
  }
  function render() {
    var c = data.views[Number(select.value)];
    out.textContent = '';
    c.actors.forEach(function (a) {
      var sec = document.createElement('section');
      var h = document.createElement('h4'); h.textContent = a.actor; sec.appendChild(h);
      sec.appendChild(list('states never reached', a.s, a.st));
      sec.appendChild(list('transitions never taken', a.t, a.tt));
      out.appendChild(sec);
    });
  }
  if (select) { select.addEventListener('change', render); render(); }
})();
`;

// ---------------------------------------------------------------------------------------------
// Matrix

function matrix(m: ReportModel): string {
  const cxIds = new Map(m.counterexamples.map((c) => [`${c.run.config}\u0000${c.property.id}`, c.id]));
  const head = m.properties
    .map((p, i) => `<th class="prop" title="${esc(p.sentence)}">P${i + 1} ${esc(p.id)}</th>`)
    .join('');
  const rows = m.runs.map((run) => {
    const expected = expectedFor(m.expected, run);
    const cells = m.properties.map((p) => {
      const r = run.results.find((x) => x.property === p.id);
      if (r === undefined) return '<td class="cell v-na">–</td>';
      const want = expected?.[p.id];
      const mismatch = expected !== undefined && want !== r.verdict;
      const title = `${p.id} @ ${run.config}: ${r.verdict}${r.verdict === 'n/a' ? ` (${r.note ?? ''})` : ` after ${r.states} states`}${mismatch ? `; expected ${want ?? 'nothing recorded'}` : ''}`;
      const count = r.verdict === 'n/a' ? '' : `<small>${r.states}</small>`;
      const text = `${VERDICT_TEXT[r.verdict]}${count}`;
      const id = cxIds.get(`${run.config}\u0000${p.id}`);
      const inner = id === undefined ? text : `<a href="#${esc(id)}">${text}</a>`;
      return `<td class="cell ${VERDICT_CLASS[r.verdict]}${mismatch ? ' mismatch' : ''}" title="${esc(title)}" data-config="${esc(run.config)}" data-property="${esc(p.id)}">${inner}</td>`;
    });
    const about = `${run.states} states, ${run.edges} transitions, ${run.seconds.toFixed(2)} s${run.complete ? '' : `, stopped: ${run.stopReason}`}`;
    return `<tr><td class="cfg" title="${esc(about)}">${esc(run.config)}</td><td class="num">${run.states}</td>${cells.join('')}</tr>`;
  });
  const mismatches = m.runs.some((run) => {
    const e = expectedFor(m.expected, run);
    return e !== undefined && run.results.some((r) => e[r.property] !== r.verdict);
  });
  // As check judges (src/explore/expected.ts): a configuration with nothing recorded is judged by
  // its violations alone, so "every verdict matches" is said only when every run is recorded.
  const unrecorded = m.runs.filter((run) => expectedFor(m.expected, run) === undefined);
  const unrecordedViolated = unrecorded.filter((run) => run.results.some((r) => r.verdict === 'violated'));
  const judgement = mismatches
    ? '<span style="outline:3px solid #7c3aed">differs from src/specs/expected.json</span>'
    : unrecordedViolated.length
      ? `<span style="outline:3px solid #7c3aed">${unrecordedViolated.length} configuration${unrecordedViolated.length === 1 ? '' : 's'} with nothing recorded in src/specs/expected.json violate${unrecordedViolated.length === 1 ? 's' : ''} a property</span>`
      : unrecorded.length
        ? `<span class="muted">${unrecorded.length} configuration${unrecorded.length === 1 ? ' has' : 's have'} nothing recorded in src/specs/expected.json; the others match</span>`
        : '<span class="muted">every verdict matches src/specs/expected.json</span>';
  return `
<div class="legend"><span class="v-holds">holds</span><span class="v-fail">FAIL: violated (click for the counterexample)</span><span class="v-na">n/a: does not apply</span><span class="v-inc">? incomplete</span>${judgement}</div>
<p class="muted">Each cell: the verdict, and below it the number of states explored when it was reached. Rows: configurations (hover for transitions and time); columns: properties (hover for the sentence; the sentences are listed below).</p>
<div class="matrix-wrap"><table class="matrix" id="matrix-table"><thead><tr><th>configuration</th><th>states</th>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>
<h3 id="properties">Properties</h3>
<table><thead><tr><th></th><th>id</th><th>kind</th><th>sentence</th><th>rests on</th><th>verdicts</th></tr></thead><tbody>
${m.properties
  .map((p, i) => {
    const count = (v: Verdict) =>
      m.runs.filter((r) => r.results.find((x) => x.property === p.id)?.verdict === v).length;
    const verdicts = (['holds', 'violated', 'incomplete', 'n/a'] as const)
      .filter((v) => count(v) > 0)
      .map(
        (v) =>
          `<span class="tag ${v === 'violated' ? 'fail' : v === 'holds' ? 'ok' : ''}">${count(v)} ${VERDICT_TEXT[v]}</span>`,
      );
    return `<tr><td>P${i + 1}</td><td class="mono">${esc(p.id)}</td><td>${p.kind}</td><td>${esc(p.sentence)}</td><td class="muted">${esc(p.source)}</td><td>${verdicts.join(' ')}</td></tr>`;
  })
  .join('\n')}
</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------
// Findings

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The counterexample's steps, as the explanation tells them. */
function storyHtml(c: Counterexample): string {
  const items = c.narrative
    .map((s) => `<li><b>${esc(s.title)}</b>${s.lines.length ? `: ${esc(s.lines.join('; '))}` : ''}</li>`)
    .join('');
  return items ? `<ol>${items}</ol>` : '';
}

function findings(m: ReportModel): string {
  if (m.findings.length === 0) return '<p>No property is violated in any configuration.</p>';
  const jump = `<p>Properties violated somewhere: ${m.findings.map((f) => `<a href="#finding-${esc(f.property.id)}">${esc(f.property.id)}</a> (${f.violated.length} FAIL${f.holds.length ? `, ${f.holds.length} holds` : ''})`).join(' · ')}. For each: the one-key changes of configuration that turn it from violated into holds, and why, from a counterexample and the same log replayed on the configuration where it holds.</p>`;
  // Findings a one-key change explains come first, the generation of the elfcorehdr first of all.
  const order = (f: ReportModel['findings'][number]): number =>
    f.featured?.contrast ? rankKey(f.featured.contrast.key) : 1000;
  return (
    jump +
    [...m.findings]
      .sort((a, b) => order(a) - order(b))
      .map((f) => {
        const mixed = f.holds.length > 0;
        const flips = [...f.flips]
          .sort((x, y) => rankKey(x.key) - rankKey(y.key) || y.pairs.length - x.pairs.length)
          .slice(0, 4)
          .map((fl) => `<li>${esc(flipSentence(f.property.id, fl))}</li>`);
        const feat = f.featured;
        const featured =
          feat === null || feat.contrast === null
            ? ''
            : `<p><b>Why</b> (from the counterexample on <a href="#${esc(feat.id)}">${esc(feat.run.config)}</a> and the same log on <a href="#${esc(feat.contrast.id)}">${esc(feat.contrast.config.name)}</a>):</p>
${storyHtml(feat)}
<div class="diag"><b>✗ ${esc(feat.property.id)} @ ${esc(feat.run.config)}, step ${feat.br?.frame ?? '?'}</b><ul>${feat.diagnosis.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></div>
<div class="holdsbox">✓ ${esc(feat.contrast.summary)}</div>`;
        return `<div class="finding${mixed ? ' mixed' : ''}" id="finding-${esc(f.property.id)}">
<h3>${esc(f.property.id)}: ${mixed ? `violated in ${plural(f.violated.length, 'configuration')}, holds in ${f.holds.length}` : `violated in all ${plural(f.violated.length, 'configuration')} where it was decided`}</h3>
<p>${esc(f.property.sentence)} <span class="muted">(rests on ${esc(f.property.source)})</span></p>
${flips.length ? `<ul>${flips.join('')}</ul>` : ''}
<p class="muted">Violated in: ${f.violated.map((c) => esc(c)).join(' · ')}</p>
${featured}
</div>`;
      })
      .join('\n')
  );
}

// ---------------------------------------------------------------------------------------------
// Step-through frames

function ptTable(list: readonly PtLoad[], other: readonly PtLoad[] | null): string {
  if (list.length === 0) return '<span class="muted">(no PT_LOAD)</span>';
  const rows = list.map((p) => {
    const bad = other !== null && !other.some((q) => q.paddr === p.paddr && q.size === p.size && q.offset === p.offset);
    return `<tr${bad ? ' class="bad"' : ''}><td>${esc(rangesText([{ start: p.paddr, end: p.paddr + p.size }]))}</td><td>${esc(sizeText(p.size))}</td><td>offset ${hexOf(p.offset)}</td></tr>`;
  });
  return `<table class="pt">${rows.join('')}</table>`;
}

function row(label: string, html: string, changed: boolean): string {
  return `<tr${changed ? ' class="changed"' : ''}><th>${esc(label)}${changed ? '<span class="chgmark">changed</span>' : ''}</th><td>${html}</td></tr>`;
}

function factsTable(f: Frame, prev: Frame | null, generation: string): string {
  const rows: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  // The kernel's own lines during the step, as QA greps for them (src/sysfs/panic.ts, console.ts).
  const logged = [...f.panic, ...f.console];
  if (logged.length) rows.push(row('kernel log', `<pre>${esc(logged.join('\n'))}</pre>`, false));
  rows.push(row('partition memory', esc(memoryText(f.memory)), prev !== null && !same(prev.memory, f.memory)));
  // The regions set aside for the dump (the same memory map replay prints).
  const regions = f.memoryMap.filter((r) => r.name !== 'partition memory');
  if (regions.length)
    rows.push(
      row(
        'memory set aside',
        `<table class="pt">${regions.map((r) => `<tr><td>${esc(r.name)}</td><td>${esc(rangeText(r))}</td><td>${esc(sizeText(r.size))}</td><td class="muted">${esc(r.note)}</td></tr>`).join('')}</table>`,
        prev !== null && !same(prev.memoryMap, f.memoryMap),
      ),
    );
  const stale = staleness(f);
  const ech =
    f.elfcorehdr === null
      ? `<span class="muted">none built in the first kernel${generation === 'in-capture-kernel' ? " (the capture kernel builds it from its boot's memory map)" : ''}</span>`
      : `${f.elfcorehdrHolder === 'dump' ? 'with the preserved dump' : 'with the registration'}: ${ptTable(f.elfcorehdr, f.elfcorehdrHolder === 'registration' ? f.current : f.expected)}${
          stale === null
            ? ''
            : `<div class="stale">stale: the memory now ${stale.missing.length ? `has ${esc(rangesText(stale.missing))} it does not describe` : ''}${stale.missing.length && stale.extra.length ? ', and ' : ''}${stale.extra.length ? `lacks ${esc(rangesText(stale.extra))} it describes` : ''}</div>`
        }`;
  rows.push(
    row(
      'elfcorehdr in the reserved area',
      ech,
      prev !== null && (!same(prev.elfcorehdr, f.elfcorehdr) || (staleness(prev) === null) !== (stale === null)),
    ),
  );
  rows.push(
    row(
      '/proc/vmcore',
      f.vmcore === null ? '<span class="muted">absent</span>' : ptTable(f.vmcore.ptLoad, f.expected),
      prev !== null && !same(prev.vmcore, f.vmcore),
    ),
  );
  if (f.expected !== null) {
    const d = f.vmcore === null ? null : diffPtLoads(f.vmcore.ptLoad, f.expected);
    const verdict =
      d === null
        ? ''
        : d.same
          ? '<div class="holdsbox">/proc/vmcore describes exactly this</div>'
          : `<div class="stale">/proc/vmcore ${d.missing.length ? `misses ${esc(rangesText(d.missing))}` : ''}${d.extra.length ? ` describes ${esc(rangesText(d.extra))} too much` : ''}${d.moved.length ? ' has wrong offsets' : ''}</div>`;
    rows.push(
      row(
        'PT_LOADs of the memory at the crash',
        `${ptTable(f.expected, f.vmcore?.ptLoad ?? null)}${verdict}`,
        prev !== null && !same(prev.expected, f.expected),
      ),
    );
  }
  rows.push(row('dump', esc(f.outcome.summary), prev !== null && prev.outcome.summary !== f.outcome.summary));
  return `<table class="facts">${rows.join('')}</table>`;
}

function statesTable(f: Frame, prev: Frame | null): string {
  return `<table class="states">${ACTORS.map((a) => {
    const changed = prev !== null && prev.states[a] !== f.states[a];
    return `<tr${changed ? ' class="changed"' : ''} data-actor="${a}"><th>${a}</th><td class="mono">${esc(f.states[a])}${changed ? `<span class="was">was ${esc(prev?.states[a] ?? '')}</span>` : ''}</td></tr>`;
  }).join('')}</table>`;
}

function filesTable(f: Frame, prev: Frame | null): string {
  const paths = [...new Set([...Object.keys(prev?.sysfs ?? {}), ...Object.keys(f.sysfs)])].sort();
  if (paths.length === 0) return '<p class="muted">(no files: no kernel with fadump support is running)</p>';
  const rows = paths.map((p) => {
    const now = f.sysfs[p];
    const before = prev?.sysfs[p];
    const cls =
      now === undefined
        ? 'removed'
        : prev !== null && before === undefined
          ? 'added'
          : prev !== null && before !== now
            ? 'changed'
            : '';
    const mark = cls === 'removed' ? 'gone' : cls === 'added' ? 'appeared' : cls === 'changed' ? 'changed' : '';
    const key = p === FILES.registered || p === FILES.releaseMem ? ' data-key="1"' : '';
    return `<tr${cls ? ` class="${cls}"` : ''} data-path="${esc(p)}"${key}><th class="mono">${esc(p)}${mark ? `<span class="chgmark">${mark}</span>` : ''}</th><td><pre>${esc(now ?? before ?? '')}</pre></td></tr>`;
  });
  return `<table class="files">${rows.join('')}</table>`;
}

function deliveries(f: Frame): string {
  if (f.deliveries.length === 0) return '';
  const items = f.deliveries.map(
    (d) =>
      `<li class="${d.reaction}">${esc(d.from)} → ${esc(d.to)}: <span class="mono">${esc(d.event.type)}</span>${d.reaction === 'none' ? ' (no change)' : d.reaction === 'ignored' ? ` (ignored: ${esc(d.reason ?? '')})` : d.emitted.length ? ` ⇒ ${esc(d.emitted.map((e) => e.type).join(', '))}` : ''}</li>`,
  );
  return `<details><summary>${f.deliveries.length} deliveries between actors in this step</summary><ol class="deliv">${items.join('')}</ol></details>`;
}

interface FrameContext {
  property: string;
  breakAt: number | null;
  diagnosis: readonly string[];
  /** A contrast: the property holds at every frame. */
  holdsAll: boolean;
}

function frameHtml(d: Drawn, f: Frame, ctx: FrameContext): string {
  const prev = f.index === 0 ? null : (d.trace.frames[f.index - 1] ?? null);
  let status: string;
  if (ctx.breakAt !== null && f.index === ctx.breakAt) {
    status = `<span class="status broken">✗ ${esc(ctx.property)} violated at this step</span><div class="diag"><ul>${ctx.diagnosis.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></div>`;
  } else if (ctx.breakAt !== null && f.index < ctx.breakAt)
    status = `<span class="status ok">✓ ${esc(ctx.property)} holds so far</span>`;
  else if (ctx.holdsAll) status = `<span class="status ok">✓ ${esc(ctx.property)} holds</span>`;
  else status = `<span class="status plain">${esc(ctx.property)}</span>`;
  const head =
    f.event === null
      ? 'Before the first event'
      : `Step ${f.index} · line ${f.line ?? '?'} · ${esc(externalLabel(f.event))} → ${esc(stepTitle(f).split(' → ').pop() ?? '')}`;
  return `<div class="frame" data-frame="${f.index}"${f.index === 0 ? '' : ' hidden'}>
<div class="frame-head">${head}</div>
${status}
<div class="frame-grid">
<section><h5>Actors' states</h5>${statesTable(f, prev)}</section>
<section><h5>Memory, elfcorehdr and /proc/vmcore</h5>${factsTable(f, prev, d.config.elfcorehdr)}</section>
</div>
<h5>Files</h5>${filesTable(f, prev)}
${deliveries(f)}
</div>`;
}

function stepper(d: Drawn, ctx: FrameContext): string {
  return `<div class="stepper" data-stepper data-svg="svg-${esc(d.id)}" tabindex="0" id="stepper-${esc(d.id)}">
<div class="controls"><button type="button" data-prev>◀ previous</button><span class="pos" data-pos></span><button type="button" data-next>next ▶</button><span class="muted">(or ← →; click a step in the diagram)</span></div>
${d.trace.frames.map((f) => frameHtml(d, f, ctx)).join('\n')}
</div>`;
}

function drawing(d: Drawn): string {
  return `<div class="seq-wrap" id="svg-${esc(d.id)}">${d.svg}</div>
<details><summary>Mermaid source (for Markdown)</summary><pre>${esc(d.mermaid)}</pre></details>
<details><summary>Event log (JSONL; replay it with <code>npx fadump-model replay FILE</code>)</summary><pre>${esc(d.log)}</pre></details>`;
}

function contrastHtml(c: Counterexample, k: Contrast): string {
  return `<div class="contrast" id="${esc(k.id)}">
<h4>The same log on ${esc(k.config.name)} <span class="tag ${k.holds ? 'ok' : 'fail'}">${k.holds ? `${esc(c.property.id)} holds` : 'also violated'}</span></h4>
<p>Only <code>${esc(k.key)}</code> differs: ${esc(k.from)} → ${esc(k.to)}. ${esc(k.summary)}</p>
${drawing(k)}
${stepper(k, { property: c.property.id, breakAt: k.br?.frame ?? null, diagnosis: [], holdsAll: k.holds })}
</div>`;
}

/** The real kernel beside the model (issue 13): the verdict line and, where the lab ran the
 *  counterexample, each step's real observables next to the model's story. */
export function realHtml(c: Counterexample): string {
  const ev = c.real;
  if (ev === null) return '';
  const line = verdictLine(ev);
  const seen = ev.kind === 'ran' && ev.judgement.verdict === 'seen';
  const head = `<div class="real"><p><b>On a real kernel:</b> <span class="tag ${seen ? 'fail' : 'na'}">${seen ? 'seen' : 'not reproduced'}</span> <span class="real-verdict">${esc(line)}</span></p>`;
  if (ev.kind !== 'ran') return `${head}</div>`;
  const mark = { yes: '✓', known: '✓ (known)', no: '✗' } as const;
  const rows = ev.steps
    .map(
      (s) =>
        `<tr${s.step === ev.violationStep ? ' class="break"' : ''}><td>${s.step}</td><td>${esc(s.event)}</td><td class="mono">${esc(s.model)}</td><td class="mono">${esc(s.observed)}</td><td>${mark[s.agrees]}</td></tr>`,
    )
    .join('');
  const excused = ev.judgement.excused.length
    ? `<p class="source">Known divergences (test/real/known-divergences.json), not counted: ${ev.judgement.excused.map(esc).join('; ')}</p>`
    : '';
  return `${head}<table class="real-steps"><thead><tr><th>step</th><th>event</th><th>the model, for the lab guest</th><th>the real kernel (${esc(ev.transcript)})</th><th>agrees</th></tr></thead><tbody>${rows}</tbody></table>${excused}</div>`;
}

function counterexampleHtml(c: Counterexample, open: boolean): string {
  const path = c.events.length ? c.events.map((e) => externalLabel(e)).join(' → ') : '(the initial state)';
  const at =
    c.br === null
      ? 'the replay does not break it'
      : c.br.frame === 0
        ? 'breaks in the initial state'
        : `breaks at step ${c.br.frame}`;
  return `<details class="cx" id="${esc(c.id)}"${open ? ' open' : ''} data-property="${esc(c.property.id)}" data-config="${esc(c.run.config)}">
<summary><span class="tag fail">violated</span> <b>${esc(c.property.id)}</b> @ ${esc(c.run.config)} — <span class="mono">${esc(path)}</span> · ${at}</summary>
<div class="cx-body">
<div class="explain">
<p><b>${esc(c.property.id)}</b>: ${esc(c.property.sentence)} <span class="source">Rests on ${esc(c.property.source)}.</span></p>
<p>On <b>${esc(c.run.config)}</b>, exploration of ${c.run.states} states found this shortest log of ${c.events.length} event${c.events.length === 1 ? '' : 's'}; it ${at}${c.note ? ` (${esc(c.note)})` : ''}.</p>
${storyHtml(c)}
${c.diagnosis.length ? `<div class="diag"><b>✗ why it is violated${c.br ? ` at step ${c.br.frame}` : ''}</b><ul>${c.diagnosis.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></div>` : ''}
${c.contrast === null ? '' : `<div class="${c.contrast.holds ? 'holdsbox' : 'diag'}">${c.contrast.holds ? '✓' : '✗'} ${esc(c.contrast.summary)} <a href="#${esc(c.contrast.id)}">(below)</a></div>`}
${realHtml(c)}
</div>
${drawing(c)}
${stepper(c, { property: c.property.id, breakAt: c.br?.frame ?? null, diagnosis: c.diagnosis, holdsAll: false })}
${c.contrast === null ? '' : contrastHtml(c, c.contrast)}
</div>
</details>`;
}

function counterexamples(m: ReportModel): string {
  if (m.counterexamples.length === 0)
    return '<p>No counterexamples: every property holds in every configuration explored.</p>';
  const featured = new Set(m.findings.map((f) => f.featured?.id).filter((x): x is string => x !== undefined));
  const byProperty = m.properties
    .map((p) => ({ p, list: m.counterexamples.filter((c) => c.property.id === p.id) }))
    .filter((g) => g.list.length > 0);
  const toc = byProperty
    .map(
      (g) =>
        `<li><b>${esc(g.p.id)}</b> (${g.list.length}): ${g.list.map((c) => `<a href="#${esc(c.id)}">${esc(c.run.config)}</a>`).join(' · ')}</li>`,
    )
    .join('');
  const body = byProperty
    .map(
      (g) =>
        `<h3 id="counterexamples-${esc(g.p.id)}">${esc(g.p.id)}</h3>\n${g.list.map((c) => counterexampleHtml(c, featured.has(c.id))).join('\n')}`,
    )
    .join('\n');
  return `<p>Each violated property's shortest log on each configuration, drawn as a sequence diagram between the actors from the deliveries of a replay: the user's event opens each step; solid arrows are events an actor reacted to, dashed ones answers, a cross an event it ignored (broadcasts an actor did not react to are left out; each step's list shows them). Yellow notes are the facts that changed (the registered file, release_mem, /proc/vmcore, the dump, the memory and the elfcorehdr); the step that breaks the property is red. Below each diagram, step through the log: the actors' states, the memory and PT_LOADs, and the files at each step, with what changed highlighted.</p>
<ul class="toc">${toc}</ul>
${body}`;
}

// ---------------------------------------------------------------------------------------------
// Statecharts and coverage

/** A Graphviz SVG made inlinable: no prolog, ids made unique, unreached states marked. */
export function inlineSvg(svg: string, prefix: string, never: ReadonlySet<string>): string {
  const start = svg.indexOf('<svg');
  let body = start < 0 ? svg : svg.slice(start);
  body = body.replace(/<!--[\s\S]*?-->/g, '');
  body = body
    .replace(/\bid="([^"]*)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]*)\)/g, (_, id: string) => `url(#${prefix}-${id})`);
  body = body.replace(/<svg\b/, '<svg class="statechart"');
  // <g id=".." class="node"><title>state id</title> and <g class="cluster"><title>cluster_id</title>.
  body = body.replace(
    /<g id="([^"]*)" class="(node|cluster)">\s*<title>([^<]*)<\/title>/g,
    (all: string, id: string, cls: string, title: string) => {
      const state = title.replace(/^cluster_/, '').replace(/&#45;/g, '-');
      return never.has(state) ? `<g id="${id}" class="${cls} never"><title>${title} (never reached)</title>` : all;
    },
  );
  return body;
}

function neverStates(m: ReportModel): Set<string> {
  const covs = m.runs.map((r) => r.coverage).filter((c): c is ActorCoverage[] => c !== null);
  if (covs.length === 0) return new Set();
  const out = new Set<string>();
  for (const a of ACTORS) {
    const sets = covs.map((c) => new Set(c.find((x) => x.actor === a)?.states.never ?? []));
    const first = sets[0];
    if (first === undefined) continue;
    for (const s of first) if (sets.every((x) => x.has(s))) out.add(s);
  }
  return out;
}

function statecharts(m: ReportModel): string {
  const never = neverStates(m);
  return `<p>Generated from the machine definitions (the same as diagrams/). States with a <span style="color:#dc2626;font-weight:700">dashed red border</span> were reached in none of the configurations of this report.</p>
${m.diagrams.map((d) => `<figure class="chart" id="chart-${esc(d.name)}"><figcaption>${esc(d.name)}: <span class="muted">${esc(d.sentence)}</span></figcaption>${inlineSvg(d.svg, `sc-${d.name}`, never)}</figure>`).join('\n')}`;
}

interface CoverageView {
  name: string;
  actors: { actor: string; s: number[]; t: number[]; st: number; tt: number }[];
}

function coverageData(m: ReportModel): { names: string[]; views: CoverageView[] } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const idx = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = names.length;
      names.push(s);
      index.set(s, i);
    }
    return i;
  };
  const runs = m.runs.filter((r) => r.coverage !== null);
  const views: CoverageView[] = [];
  const aggregate: CoverageView = { name: `all ${runs.length} configurations: never reached in any`, actors: [] };
  for (const a of ACTORS) {
    const per = runs
      .map((r) => r.coverage?.find((x) => x.actor === a))
      .filter((x): x is ActorCoverage => x !== undefined);
    const first = per[0];
    if (first === undefined) continue;
    const everyState = [...first.states.reached, ...first.states.never];
    const everyTransition = [...first.transitions.reached, ...first.transitions.never];
    aggregate.actors.push({
      actor: a,
      s: everyState.filter((s) => per.every((c) => c.states.never.includes(s))).map(idx),
      t: everyTransition.filter((t) => per.every((c) => c.transitions.never.includes(t))).map(idx),
      st: everyState.length,
      tt: everyTransition.length,
    });
  }
  views.push(aggregate);
  for (const r of runs) {
    views.push({
      name: r.config,
      actors: (r.coverage ?? []).map((c) => ({
        actor: c.actor,
        s: c.states.never.map(idx),
        t: c.transitions.never.map(idx),
        st: c.states.reached.length + c.states.never.length,
        tt: c.transitions.reached.length + c.transitions.never.length,
      })),
    });
  }
  return { names, views };
}

function coverage(m: ReportModel): string {
  const data = coverageData(m);
  const runs = m.runs.filter((r) => r.coverage !== null);
  if (runs.length === 0) return '<p>No coverage was recorded.</p>';
  const head = ACTORS.map((a) => `<th>${a}</th>`).join('');
  const rows = runs.map((r) => {
    const cells = ACTORS.map((a) => {
      const c = r.coverage?.find((x) => x.actor === a);
      if (c === undefined) return '<td></td>';
      const s = `${c.states.reached.length}/${c.states.reached.length + c.states.never.length}`;
      const t = `${c.transitions.reached.length}/${c.transitions.reached.length + c.transitions.never.length}`;
      return `<td class="mono">${s} states · ${t} transitions</td>`;
    });
    return `<tr><td>${esc(r.config)}</td>${cells.join('')}</tr>`;
  });
  const options = data.views.map((v, i) => `<option value="${i}">${esc(v.name)}</option>`).join('');
  const agg = data.views[0];
  const staticLists = (agg?.actors ?? [])
    .map(
      (a) =>
        `<section><h4>${esc(a.actor)}</h4><b>states never reached: ${a.s.length} of ${a.st}</b><ul>${a.s.length ? a.s.map((k) => `<li>${esc(data.names[k] ?? '')}</li>`).join('') : '<li>(none)</li>'}</ul><b>transitions never taken: ${a.t.length} of ${a.tt}</b><ul>${a.t.length ? a.t.map((k) => `<li>${esc(data.names[k] ?? '')}</li>`).join('') : '<li>(none)</li>'}</ul></section>`,
    )
    .join('');
  return `<p>What exploration reached of each machine: states, and transitions (named <code>source --event--> targets</code>). Choose a configuration, or all of them together (what no configuration of this report reaches).</p>
<p><label>Show: <select id="coverage-select">${options}</select></label></p>
<div class="cov-lists" id="coverage-detail">${staticLists}</div>
<h4>Reached, per configuration</h4>
<div class="matrix-wrap"><table><thead><tr><th>configuration</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>
<script type="application/json" id="coverage-data">${scriptJson(data)}</script>`;
}

// ---------------------------------------------------------------------------------------------
// The comparison of mechanisms (src/compare/compare.ts)

function comparisonHtml(c: Comparison): string {
  const t = c.table;
  if (t === null) return `<p class="diag">The comparison could not be computed: ${esc(c.error ?? 'unknown error')}</p>`;
  const head = t.columns
    .map(
      (col) =>
        `<th title="${esc(col.config)}">${esc(col.label)}<br><small class="muted">${col.states} states${col.complete ? '' : ', incomplete'}</small></th>`,
    )
    .join('');
  const rows = t.rows.map((r, i) => {
    const cells = (t.cells[i] ?? []).map((cell) => {
      const logs = [cell.figureLog, cell.log]
        .filter((f): f is string => f !== null)
        .map(
          (f) =>
            `<details><summary>${f === cell.figureLog ? 'log to the state measured' : 'counterexample log'}</summary><pre>${esc(c.logs[f] ?? '')}</pre><small class="muted">${esc(f)}</small></details>`,
        )
        .join('');
      const figure =
        cell.figure === null ? '' : `<div class="mono">${esc(formatFigure(cell.figure, cell.memoryBytes))}</div>`;
      return `<td class="${VERDICT_CLASS[cell.verdict]}" title="${esc(`${cell.property}: ${cell.verdict}${cell.note ? ` (${cell.note})` : ''}`)}"><b>${esc(cell.answer)}</b>${figure}${logs}</td>`;
    });
    return `<tr><th title="${esc(r.sentence)}">${esc(r.concern)}<br><small class="muted mono">${esc(r.property)}</small></th>${cells.join('')}</tr>`;
  });
  return `<p>The LPC 2024 talk's table "How fadump fares now" (docs/sources.md §5), computed by <code>npx fadump-model compare</code> (src/compare/): one column per mechanism and generation (pSeries), each cell read off that configuration's exploration; hover a concern for its property's sentence.</p>
<div class="matrix-wrap"><table class="compare"><thead><tr><th>concern</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------

export function renderHtml(m: ReportModel): string {
  const s = m.stats;
  const fails = m.counterexamples.length;
  const compare =
    m.compare === null ? '' : `<h2 id="compare">Comparison of mechanisms</h2>\n${comparisonHtml(m.compare)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>fadump-model report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>fadump-model report</h1>
<p>Linux firmware-assisted dump on POWER, as an executable specification: ${s.configs} configurations, ${s.states} states and ${s.edges} transitions explored (${s.exploreSeconds.toFixed(1)} s of exploration), ${m.properties.length} properties, ${fails} violation${fails === 1 ? '' : 's'} with their shortest counterexamples.</p>
<p>Generated by <code>npx fadump-model report</code> from machines/ and src/specs/; self-contained (open it from disk, no network).</p>
</header>
<nav><a href="#findings">Findings</a><a href="#matrix">Property matrix</a><a href="#counterexamples">Counterexamples</a><a href="#statecharts">Statecharts</a><a href="#coverage">Coverage</a>${m.compare === null ? '' : '<a href="#compare">Comparison</a>'}</nav>
<main>
<h2 id="findings">Findings</h2>
${findings(m)}
<h2 id="matrix">Property matrix</h2>
${matrix(m)}
<h2 id="counterexamples">Counterexamples</h2>
${counterexamples(m)}
<h2 id="statecharts">Statecharts</h2>
${statecharts(m)}
<h2 id="coverage">Coverage</h2>
${coverage(m)}
${compare}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
