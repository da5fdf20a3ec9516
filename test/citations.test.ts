// Citations a user can follow (issue 16, item 5): every citation in what the product prints, and in
// the comments of src/, machines/, scripts/ and lab/, resolves to a file in this repository and a
// section in it (docs/kernel-behaviour.md, docs/sources.md, docs/design.md), or to an upstream
// file listed in docs/sources.md §6. Documents outside the repository are never cited.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_CHANGES } from '../src/kernel-versions';
import { DISAGREEMENTS } from '../src/sim/disagreements';
import { PROPERTIES } from '../src/specs/properties';

const ROOT = resolve(__dirname, '..');
const KB = 'docs/kernel-behaviour.md';

interface Doc {
  /** Section id ("1", "1.4", and "7.6" for item 6 of §7's numbered list) → its text. */
  sections: Map<string, string>;
  /** Section id → its heading. */
  headings: Map<string, string>;
}

/** A docs file's sections: headings `## §N Title` and `### §N.M Title`; a numbered list item
 *  `K. ...` inside §N (not inside a §N.M) is §N.K. Each section's text includes its subsections. */
function parseDoc(text: string): Doc {
  const sections = new Map<string, string>();
  const headings = new Map<string, string>();
  const lines = text.split('\n');
  const starts: { id: string; line: number; level: number }[] = [];
  lines.forEach((l, i) => {
    const m = /^(#{2,3}) §(\d+(?:\.\d+)?) (.*)$/.exec(l);
    if (m) {
      const [, hashes = '', id = '', title = ''] = m;
      starts.push({ id, line: i, level: hashes.length });
      headings.set(id, title);
    }
  });
  starts.forEach((s, k) => {
    const next = starts.slice(k + 1).find((t) => t.level <= s.level);
    const body = lines.slice(s.line, next ? next.line : lines.length);
    sections.set(s.id, body.join('\n'));
    if (s.level === 2) {
      const own = starts.slice(k + 1).find((t) => t.level <= 3);
      const ownBody = lines.slice(s.line, own ? own.line : lines.length);
      for (const l of ownBody) {
        const item = /^(\d+)\. /.exec(l);
        if (item && !sections.has(`${s.id}.${item[1]}`)) sections.set(`${s.id}.${item[1]}`, l);
      }
    }
  });
  return { sections, headings };
}

const DOCS = new Map<string, Doc>();
for (const f of readdirSync(join(ROOT, 'docs'))) {
  if (f.endsWith('.md')) DOCS.set(`docs/${f}`, parseDoc(readFileSync(join(ROOT, 'docs', f), 'utf8')));
}

/** docs/sources.md §6: the upstream files the product may cite. */
const UPSTREAM: Set<string> = (() => {
  const text = DOCS.get('docs/sources.md')?.sections.get('6') ?? '';
  return new Set([...text.matchAll(/`([\w.+/-]+)`/g)].map((m) => m[1] ?? ''));
})();
const UPSTREAM_BASENAMES = new Set([...UPSTREAM].map((p) => basename(p)));

/** Upstream paths as the product writes them: a kernel, QEMU or initramfs path with a file type. */
const UPSTREAM_PATH =
  /(?<![\w./-])((?:arch|kernel|Documentation|drivers|include|fs|mm|lib|hw|init|net|block)\/[\w./+-]*\.(?:c|h|S|rst|txt))\b/g;
/** A kernel document named by its file name alone (firmware-assisted-dump.rst, kdump.rst,
 *  phyp-assisted-dump.txt). */
const UPSTREAM_DOC_NAME = /(?<![\w./-])([\w-]+\.rst|[\w-]*dump[\w-]*\.txt)\b/g;

const FORBIDDEN: [RegExp, string][] = [
  [/\breference §/i, '"reference §" (the old, unpublished reference)'],
  [/seeds\//, '"seeds/" (the unpublished seed documents)'],
  [/DESIGN\.md/, '"DESIGN.md" (unpublished; docs/design.md)'],
  [/(?<![\w.-])shared\/(?:reference|seeds|DESIGN)/, '"shared/" (outside the repository)'],
];

/** The text a § token is read against: comment markers dropped so that a citation can run across
 *  comment lines. */
function flatten(text: string): string {
  return text.replace(/\n\s*(?:\/\/|\*(?!\/)|#)\s?/g, '\n');
}

interface Problem {
  where: string;
  what: string;
}

/** Every problem with the citations of one text. `printed`: a bare § (no docs path before it) is
 *  an error, since the reader has no file header to tell which document it means. */
function check(where: string, raw: string, printed: boolean, home = KB): Problem[] {
  const out: Problem[] = [];
  const text = flatten(raw);
  for (const [re, what] of FORBIDDEN) if (re.test(text)) out.push({ where, what: `cites ${what}` });
  for (const m of text.matchAll(/docs\/([\w.-]+\.md)/g)) {
    if (!existsSync(join(ROOT, 'docs', m[1] ?? ''))) out.push({ where, what: `docs/${m[1]} does not exist` });
  }
  const paths = [...text.matchAll(/docs\/[\w.-]+\.md/g)].map((m) => ({ at: m.index, doc: m[0] }));
  const mentionsHome = home !== KB || raw.includes(KB);
  for (const m of text.matchAll(/§(\d+(?:\.\d+)?)/g)) {
    const before = text.slice(Math.max(0, m.index - 12), m.index);
    if (/issue \d+ $/i.test(before)) continue; // the project's issue tracker, not a document
    const last = paths.filter((p) => p.at < m.index).pop();
    const between = last ? text.slice(last.at + last.doc.length, m.index) : '';
    // A citation runs on through `, §2`, `and §3`, quotes and remarks, up to a `;` or a sentence's end.
    const attached = last !== undefined && !/;|(?<!\.)\.\s(?!\.)|\*\//.test(between) && between.length < 300;
    const doc = attached ? last.doc : home;
    if (!attached && (printed || !mentionsHome)) {
      out.push({ where, what: `§${m[1]} without a document (write ${KB} §${m[1]})` });
      continue;
    }
    const parsed = DOCS.get(doc);
    if (!parsed) continue; // reported above
    const id = m[1] ?? '';
    if (!parsed.sections.has(id)) {
      out.push({ where, what: `${doc} has no §${id}` });
      continue;
    }
    if (doc !== KB) continue;
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 200);
    // §1 "Capture boot", §1 early boot 4, §1 Release: a subsection of §1 by its name.
    // A numbered step: `§1.1 step 4`, or `§1 early boot 4`, `§1 "Capture boot" 5` (a subsection by name).
    const byNumber = /^ step (\d+)/.exec(after);
    const byName = /^ \(?"?(early boot|capture boot|capture)"?,? (\d+)\b/i.exec(after);
    if (byNumber || byName) {
      const sub = byNumber ? id : subsectionNamed(parsed, id, byName?.[1] ?? '');
      const k = byNumber ? byNumber[1] : byName?.[2];
      const body = sub === undefined ? '' : (parsed.sections.get(sub) ?? '');
      if (!new RegExp(`^${k}\\. `, 'm').test(body)) {
        out.push({ where, what: `${doc} §${id}: no step ${k} (${after.slice(0, 24).trim()})` });
      }
    }
    const named =
      /^ \(?(?:"([^"]+)"|(early boot|capture boot|capture|register and unregister|register|unregister|release|crash)\b)/i.exec(
        after,
      );
    if (!named) continue;
    const sectionText = normal(parsed.sections.get(id) ?? '');
    const phrase = named[1] ?? named[2] ?? '';
    for (const part of phrase.split('...').map(normal)) {
      if (part.length > 0 && !sectionText.includes(part)) {
        out.push({ where, what: `${doc} §${id} does not contain "${part}"` });
      }
    }
  }
  for (const m of text.matchAll(UPSTREAM_PATH)) {
    if (!UPSTREAM.has(m[1] ?? ''))
      out.push({ where, what: `upstream path ${m[1]} is not listed in docs/sources.md §6` });
  }
  for (const m of text.matchAll(UPSTREAM_DOC_NAME)) {
    if (!UPSTREAM_BASENAMES.has(m[1] ?? '')) {
      out.push({ where, what: `document ${m[1]} is not an upstream file listed in docs/sources.md §6` });
    }
  }
  return out;
}

/** The subsection of §id whose heading begins with the name's first word ("capture" → §1.4). */
function subsectionNamed(doc: Doc, id: string, name: string): string | undefined {
  const word = normal(name).split(' ')[0] ?? '';
  return [...doc.headings].find(([k, h]) => k.startsWith(`${id}.`) && normal(h).startsWith(word))?.[0];
}

/** Lower case, markdown and punctuation dropped, spaces collapsed: a quoted phrase matches its
 *  section whatever the formatting. */
function normal(s: string): string {
  return s
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^a-z0-9=<>+-]+/g, ' ')
    .trim();
}

function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(join(ROOT, p)).isDirectory()) return filesUnder(p);
    return /\.(ts|mjs|js|sh|json|jsonl|frag|md)$|^(init|agent)$/.test(f) ? [p] : [];
  });
}

describe('the documents citations point into', () => {
  it('docs/kernel-behaviour.md, docs/sources.md and docs/design.md have numbered sections', () => {
    expect(DOCS.get(KB)?.sections.has('1.4')).toBe(true);
    expect(DOCS.get(KB)?.sections.has('7.9')).toBe(true);
    expect(DOCS.get('docs/sources.md')?.sections.has('6')).toBe(true);
    expect(DOCS.get('docs/design.md')?.sections.has('1')).toBe(true);
  });

  it('lists the upstream files the model rests on', () => {
    for (const p of [
      'arch/powerpc/kernel/fadump.c',
      'arch/powerpc/platforms/pseries/rtas-fadump.c',
      'arch/powerpc/platforms/powernv/opal-fadump.c',
      'Documentation/arch/powerpc/firmware-assisted-dump.rst',
    ]) {
      expect(UPSTREAM.has(p), p).toBe(true);
    }
  });

  it('every citation inside docs/ resolves too', () => {
    const problems = [...DOCS.keys()].flatMap((d) => check(d, readFileSync(join(ROOT, d), 'utf8'), false, d));
    expect(problems).toEqual([]);
  });
});

describe('the check itself', () => {
  it('catches what it is meant to catch', () => {
    const whats = (t: string, printed = true) => check('x', t, printed).map((p) => p.what);
    expect(whats('see reference §1')).not.toEqual([]);
    expect(whats('see shared/seeds/002_x.txt')).not.toEqual([]);
    expect(whats('see docs/kernel-behaviour.md §42')).toEqual(['docs/kernel-behaviour.md has no §42']);
    expect(whats('see docs/nowhere.md §1')).toEqual(['docs/nowhere.md does not exist']);
    expect(whats('see §3')).toHaveLength(1);
    expect(whats('see arch/powerpc/kernel/fadmp.c')).toHaveLength(1);
    expect(whats('see firmware-assisted-dmp.rst')).toHaveLength(1);
    expect(whats('docs/kernel-behaviour.md §1 "Releases of the moon"')).toHaveLength(1);
    expect(whats('docs/kernel-behaviour.md §1 "Release", §6; docs/sources.md §5, §3')).toEqual([]);
    expect(whats('docs/kernel-behaviour.md §7.6 and arch/powerpc/kernel/fadump.c')).toEqual([]);
    expect(whats('issue 7 §3')).toEqual([]);
    expect(whats('docs/kernel-behaviour.md §1.1 step 7, §1 early boot 4, §1 "Capture boot" 5')).toEqual([]);
    expect(whats('docs/kernel-behaviour.md §1.1 step 8')).toHaveLength(1);
    expect(whats('docs/kernel-behaviour.md §1 capture boot 6')).toHaveLength(1);
  });
});

describe('what the product prints cites only what a user can follow', () => {
  it('the properties: sentences and sources', () => {
    const problems = PROPERTIES.flatMap((p) => [
      ...check(`property ${p.id} source`, p.source, true),
      ...check(`property ${p.id} sentence`, p.sentence, true),
    ]);
    expect(problems).toEqual([]);
    for (const p of PROPERTIES) expect(p.source, p.id).toMatch(/docs\/[\w-]+\.md §\d/);
  });

  it('the kernel-version table', () => {
    expect(KERNEL_CHANGES.flatMap((r) => check(`kernel change ${r.since}`, JSON.stringify(r), true))).toEqual([]);
  });

  it('the recorded disagreements', () => {
    expect(DISAGREEMENTS.flatMap((d) => check(`disagreement ${d.id}`, JSON.stringify(d), true))).toEqual([]);
  });

  it('the diagrams (their headers come from the machines)', () => {
    const files = readdirSync(join(ROOT, 'diagrams')).filter((f) => /\.(mmd|svg|md)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const problems = files.flatMap((f) =>
      check(`diagrams/${f}`, readFileSync(join(ROOT, 'diagrams', f), 'utf8'), true),
    );
    expect(problems).toEqual([]);
  });

  it('the README', () => {
    expect(check('README.md', readFileSync(join(ROOT, 'README.md'), 'utf8'), true)).toEqual([]);
  });
});

describe('the sources cite only what a user can follow', () => {
  const files = ['src', 'machines', 'scripts', 'lab', 'bin'].flatMap(filesUnder);

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('every comment and string in src/, machines/, scripts/, lab/ and bin/', () => {
    const problems = files.flatMap((f) => check(f, readFileSync(join(ROOT, f), 'utf8'), false));
    expect(problems).toEqual([]);
  });
});

describe('the tests and examples cite nothing outside the repository either', () => {
  it('test/, examples/ and configs/', () => {
    const files = ['test', 'examples', 'configs']
      .flatMap(filesUnder)
      .filter((f) => f !== 'test/citations.test.ts' && !f.startsWith('test/generated/') && !f.startsWith('test/real/'));
    // A test file's bare § may stand for its describe() block's document; only what can be
    // resolved is held to it.
    const problems = files
      .flatMap((f) => check(f, readFileSync(join(ROOT, f), 'utf8'), false))
      .filter((p) => !p.what.includes('without a document'));
    expect(problems).toEqual([]);
  });
});
