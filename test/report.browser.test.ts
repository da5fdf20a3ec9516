// The HTML report in a real browser (issue 5): generated for a small matrix with an
// at-registration and an in-capture-kernel pSeries configuration, opened from file:// in Debian's
// Chromium driven by playwright-core. No console error, no network; the matrix shows that
// always-ready-after-hotplug fails with the elfcorehdr built at registration and holds with it
// built in the capture kernel; stepping through the counterexample changes the states and files
// shown and ends on the stale PT_LOADs against the memory. Screenshots go to a temporary folder
// (printed), never into the repository.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config';
import { slug } from '../src/explore/check';
import { generateReport, type ReportResult } from '../src/report/report';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM)
  console.warn(`test/report.browser.test.ts skipped: ${CHROMIUM} is absent (CI installs Debian's chromium package)`);

const AT_REGISTRATION = 'pseries at-registration fadump=on 8G';
const IN_CAPTURE = 'pseries in-capture-kernel fadump=on 8G';
const INPUTS: ConfigInput[] = [
  { platform: 'pseries', elfcorehdr: 'at-registration', fadump: 'on', memoryMiB: 8192 },
  { platform: 'pseries', elfcorehdr: 'in-capture-kernel', fadump: 'on', memoryMiB: 8192 },
  { platform: 'powernv', elfcorehdr: 'at-registration', fadump: 'on', memoryMiB: 16384, petitbootPreservesDump: false },
];
const PROPERTY = 'always-ready-after-hotplug';
const CX = `cx-${slug(AT_REGISTRATION)}--${PROPERTY}`;
export const SCREENSHOTS = join(tmpdir(), 'fadump-model-report-screenshots');

describe.skipIf(!HAVE_CHROMIUM)('the HTML report in Chromium', () => {
  let dir = '';
  let report: ReportResult;
  let ctx: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const network: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fadump-report-'));
    report = await generateReport(join(dir, 'report'), { inputs: INPUTS });
    ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) network.push(r.url());
    });
    await page.goto(pathToFileURL(join(dir, 'report', 'index.html')).href);
  }, 240_000);

  afterAll(async () => {
    await ctx?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('is one self-contained file, with the sequence diagrams beside it', () => {
    const html = readFileSync(join(dir, 'report', 'index.html'), 'utf8');
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link\b/);
    const names = report.files.map((f) => f.name);
    expect(names).toContain('sequences.md');
    expect(names).toContain(join('sequences', `${CX}.svg`));
    expect(readFileSync(join(dir, 'report', 'sequences', `${CX}.mmd`), 'utf8')).toMatch(/^sequenceDiagram\n/);
  });

  it('shows in the matrix that always-ready-after-hotplug fails at registration and holds in the capture kernel', async () => {
    const cell = (config: string): Locator =>
      page.locator(`td.cell[data-config="${config}"][data-property="${PROPERTY}"]`);
    await expect.poll(() => cell(AT_REGISTRATION).textContent()).toMatch(/^FAIL\d+$/);
    expect(await cell(AT_REGISTRATION).getAttribute('class')).toContain('v-fail');
    expect(await cell(IN_CAPTURE).textContent()).toMatch(/^holds\d+$/);
    expect(await cell(IN_CAPTURE).getAttribute('class')).toContain('v-holds');
    // The finding names the key that makes the difference.
    const finding = page.locator(`#finding-${PROPERTY}`);
    await expect
      .poll(() => finding.textContent())
      .toContain('changing only elfcorehdr from at-registration to in-capture-kernel');
  });

  it('steps through the counterexample: states and files change, and the last step shows the stale PT_LOADs', async () => {
    await page.locator(`td.cell[data-config="${AT_REGISTRATION}"][data-property="${PROPERTY}"] a`).click();
    const cx = page.locator(`[id="${CX}"]`);
    expect(await cx.getAttribute('open')).not.toBeNull();
    const stepper = page.locator(`[id="stepper-${CX}"]`);
    const shown = stepper.locator(':scope > .frame:visible');
    const frameOf = async () => Number(await shown.getAttribute('data-frame'));
    const states = async () => (await shown.locator('table.states').textContent()) ?? '';
    const files = async () => (await shown.locator('table.files, p.muted').first().textContent()) ?? '';
    expect(await shown.count()).toBe(1);
    expect(await frameOf()).toBe(0);
    expect(await stepper.locator('[data-prev]').isDisabled()).toBe(true);
    const states0 = await states();
    const files0 = await files();

    // Step 1 (boot): the production kernel runs registered, its files appear highlighted.
    await stepper.locator('[data-next]').click();
    expect(await frameOf()).toBe(1);
    const states1 = await states();
    const files1 = await files();
    expect(states1).not.toBe(states0);
    expect(files1).not.toBe(files0);
    expect(states1).toContain('running.registered');
    expect(await shown.locator('tr[data-path="/sys/kernel/fadump/registered"]').getAttribute('class')).toBe('added');
    expect(await shown.locator('tr.changed').count()).toBeGreaterThan(0);
    // The step is highlighted in the sequence diagram.
    expect(await page.locator(`[id="svg-${CX}"] .seq-step.current`).getAttribute('data-step')).toBe('1');

    // Previous goes back.
    await stepper.locator('[data-prev]').click();
    expect(await frameOf()).toBe(0);
    expect(await states()).toBe(states0);

    // Forward to the end: each step changes what is shown; before the crash the registered
    // elfcorehdr is flagged stale against the memory; the last step breaks the property.
    let frame = await frameOf();
    let before = `${await states()}${await files()}`;
    let staleSeen = false;
    while (!(await stepper.locator('[data-next]').isDisabled())) {
      await stepper.locator('[data-next]').click();
      expect(await frameOf()).toBe(frame + 1);
      frame++;
      const now = `${await states()}${await files()}`;
      expect(now).not.toBe(before);
      before = now;
      if ((await shown.locator('.stale').count()) > 0 && (await shown.locator('.status.broken').count()) === 0) {
        staleSeen = true;
        expect(await shown.locator('.stale').first().textContent()).toContain('[0x200000000–0x210000000)');
      }
    }
    expect(frame).toBe(report.model.counterexamples.find((c) => c.id === CX)?.events.length);
    expect(staleSeen).toBe(true);
    expect(await shown.locator('tr[data-path="/sys/kernel/fadump/registered"]').getAttribute('class')).toBe('changed');
    expect(await shown.locator('tr[data-path="/sys/kernel/fadump/release_mem"]').getAttribute('class')).toBe('added');
    expect(await shown.locator('.status.broken').textContent()).toContain(`${PROPERTY} violated at this step`);
    const diag = (await shown.locator('.diag').textContent()) ?? '';
    expect(diag).toContain('missing from the vmcore: [0x200000000–0x210000000) (256 MiB)');
    expect(diag).toContain('built at registration');
    expect(await shown.locator('table.pt tr.bad').count()).toBeGreaterThan(0);

    mkdirSync(SCREENSHOTS, { recursive: true });
    // The sticky navigation bar would cover part of a tall element's screenshot.
    await page.addStyleTag({ content: 'nav { position: static !important; }' });
    await stepper.scrollIntoViewIfNeeded();
    await stepper.screenshot({ path: join(SCREENSHOTS, 'report-stepper.png') });
    await cx
      .locator('.seq-wrap')
      .first()
      .screenshot({ path: join(SCREENSHOTS, 'report-sequence.png') });
    console.info(`screenshots: ${SCREENSHOTS}/report-stepper.png, report-sequence.png, report-top.png`);
  });

  it('replays the same log on the in-capture-kernel configuration, where the property holds', async () => {
    const contrast = page.locator(`[id="${CX}--contrast"]`);
    expect(await contrast.locator('h4').textContent()).toContain(IN_CAPTURE);
    expect(await contrast.locator('h4 .tag').textContent()).toBe(`${PROPERTY} holds`);
    const stepper = contrast.locator('.stepper');
    while (!(await stepper.locator('[data-next]').isDisabled())) await stepper.locator('[data-next]').click();
    const shown = stepper.locator(':scope > .frame:visible');
    expect(await shown.locator('.status.ok').textContent()).toContain(`${PROPERTY} holds`);
    expect(await shown.locator('.holdsbox').textContent()).toContain('/proc/vmcore describes exactly this');
    expect(await shown.locator('table.pt tr.bad').count()).toBe(0);
  });

  it('has the statecharts and coverage, per configuration or for all', async () => {
    expect(await page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(6);
    const detail = page.locator('#coverage-detail');
    const all = await detail.textContent();
    expect(all).toContain('states never reached');
    await page.locator('#coverage-select').selectOption({ label: IN_CAPTURE });
    expect(await detail.textContent()).not.toBe(all);
  });

  it('includes the comparison of mechanisms (src/compare/), or says why not', async () => {
    const section = page.locator('#compare');
    expect(await section.count()).toBe(1);
    const table = page.locator('table.compare');
    if ((await table.count()) === 0)
      expect(await page.locator('#compare + p.diag').textContent()).toContain('could not be computed');
    else expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
  });

  it('logs no console error and makes no network request', async () => {
    await page.goto(pathToFileURL(join(dir, 'report', 'index.html')).href);
    await page.evaluate('window.scrollTo(0, 0)');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'report-top.png') });
    expect(errors).toEqual([]);
    expect(network).toEqual([]);
  });
});
