// The report shows the real kernel beside the model (issue 13): in a counterexample's section the
// lab's transcript step by step next to the model's story, and the verdict line.
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../src/report/html';
import { buildReportModel } from '../src/report/report';

describe("the report's real-kernel evidence", () => {
  it('the stale vmcore after a hot-add: seen on Linux 6.1 under QEMU, its transcript beside the story', async () => {
    const model = await buildReportModel({
      inputs: [{ platform: 'pseries', elfcorehdr: 'at-registration', fadump: 'on', memoryMiB: 8192 }],
      workers: 1,
    });
    const cx = model.counterexamples.find((c) => c.property.id === 'accurate-vmcore');
    expect(cx?.real).toMatchObject({
      kind: 'ran',
      transcript: 'pseries-6.1-64k-cx-hot-add-crash.jsonl',
      violationStep: 3,
    });
    const html = renderHtml(model);
    expect(html).toContain(
      "seen on Linux 6.1.176 under QEMU 11.1.3: the guest's /proc/vmcore PT_LOADs miss the memory added before the crash: [0x80000000-0x90000000) missing",
    );
    expect(html).toContain('the real kernel (pseries-6.1-64k-cx-hot-add-crash.jsonl)');
    // The crash step: the capture boot's PT_LOADs end at 2 GiB, the added LMB is not among them.
    expect(html).toContain(
      'capture boot; fadump registered 0; memory blocks online 9; /proc/vmcore PT_LOADs [0x0-0x14000000) [0x28020000-0x80000000)',
    );
  });

  it("each step's real observables stand beside the model's prediction for the lab guest", async () => {
    const model = await buildReportModel({
      inputs: [{ platform: 'pseries', elfcorehdr: 'at-registration', fadump: 'on', memoryMiB: 4096 }],
      workers: 1,
    });
    const html = renderHtml(model);
    expect(html).toContain(
      '<td>crash</td><td class="mono">fadump registered 0; memory blocks online 9; /proc/vmcore PT_LOADs [0x0-0x14000000) [0x28020000-0x80000000)</td><td class="mono">capture boot; fadump registered 0; memory blocks online 9; /proc/vmcore PT_LOADs [0x0-0x14000000) [0x28020000-0x80000000)</td><td>✓</td>',
    );
    // The capture kernel's per-region "Reserving" lines agree since the model has them (no known
    // divergence left on this path to set aside).
    expect(html).not.toContain('Known divergences (test/real/known-divergences.json), not counted');
  });

  it('a counterexample the lab cannot run says why', async () => {
    const model = await buildReportModel({
      inputs: [{ platform: 'pseries', mechanism: 'phyp-assisted-dump' }],
      workers: 1,
    });
    const cx = model.counterexamples.find((c) => c.property.id === 'memory-available-to-production');
    expect(cx?.real).toMatchObject({ kind: 'not-performable' });
    expect(renderHtml(model)).toContain(
      "not reproduced: the model holds on this path in the lab guest (pseries 6.12.107, 2 GiB, fadump=off, QEMU's pSeries firmware): the violation needs mechanism=phyp-assisted-dump",
    );
  });
});
