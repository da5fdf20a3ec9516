// The report judges as check does (issue 16): a configuration with nothing recorded in
// src/specs/expected.json is not "every verdict matches" when it violates a property.
import { describe, expect, it } from 'vitest';
import { buildReportModel } from '../src/report/report';
import { renderHtml } from '../src/report/html';

describe('the report page says how its verdicts compare with the recorded ones', () => {
  it('a custom configuration that violates a property, with nothing recorded, is named as such', async () => {
    // DLPAR impossible: a configuration of its own (issue 16's false regression), which violates
    // memory-available-to-production (fadump=nocma) and has no recorded verdicts.
    const model = await buildReportModel({
      inputs: [
        {
          platform: 'pseries',
          elfcorehdr: 'at-registration',
          fadump: 'nocma',
          memoryMiB: 4096,
          minMemoryMiB: 4096,
          maxMemoryMiB: 4096,
        },
      ],
      workers: 1,
    });
    const html = renderHtml(model);
    expect(html).not.toContain('every verdict matches src/specs/expected.json');
    expect(html).toContain('1 configuration with nothing recorded in src/specs/expected.json violates a property');
  });

  it('a configuration of the default matrix that matches its recorded verdicts: every verdict matches', async () => {
    const model = await buildReportModel({
      inputs: [{ platform: 'pseries', elfcorehdr: 'in-capture-kernel', memoryMiB: 4096 }],
      workers: 1,
    });
    expect(renderHtml(model)).toContain('every verdict matches src/specs/expected.json');
  });
});
