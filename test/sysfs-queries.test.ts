// The two questions the properties ask of sysfs without building the whole view
// (src/sysfs/view.ts): fadumpFilesIn() (release-mem-iff-active, in every state) and offersRelease()
// (no-second-reboot, after every save-dump). In every state of explored configurations they must
// answer what observe()'s sysfs shows.
import { describe, expect, it } from 'vitest';
import { config, type ConfigInput } from '../src/config';
import { explore } from '../src/explore/explore';
import { FILES, RELEASE_REGION } from '../src/sysfs/store';
import { fadumpFilesIn, observe, offersRelease } from '../src/sysfs/view';

describe('sysfs questions asked without the whole view', () => {
  // Whether some state offers a release: fadump and hypervisor-assisted dump do, kdump never (a
  // kdump system needs a second reboot, docs/kernel-behaviour.md §6).
  for (const [input, releases] of [
    [{ platform: 'pseries', elfcorehdr: 'at-registration' }, true],
    [{ platform: 'powernv', elfcorehdr: 'at-registration', petitbootPreservesDump: true }, true],
    [{ platform: 'pseries', mechanism: 'kdump', crashkernel: '512M', crashHotplug: false }, false],
    [{ platform: 'pseries', mechanism: 'phyp-assisted-dump' }, true],
  ] satisfies [ConfigInput, boolean][]) {
    it(`answer as observe() does in every state: ${JSON.stringify(input)}`, () => {
      const c = config(input);
      const x = explore(c, { properties: [] });
      const t = new Int32Array(x.width);
      let offering = 0;
      for (let i = 0; i < x.states; i++) {
        const s = x.engine.toState(x.table.get(i, t));
        const sysfs = observe(c, s).sysfs;
        const files = fadumpFilesIn(c, s);
        for (const path of Object.values(FILES)) expect(files.has(path), `${path} in state ${i}`).toBe(path in sysfs);
        const offers = FILES.releaseMem in sysfs || RELEASE_REGION in sysfs;
        expect(offersRelease(c, s), `state ${i}`).toBe(offers);
        if (offers) offering++;
      }
      expect(offering > 0).toBe(releases);
    });
  }
});
