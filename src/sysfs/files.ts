// Which files exist (docs/kernel-behaviour.md §2): only when fadump is supported; release_mem only when the dump
// was active at boot; bootargs_append only with a param area (pSeries); hotplug_ready on kernels
// with the 2024 change; OPAL's core until release_core frees it, release_core with it.
import { FILES } from './store';

export interface FilesView {
  supported: boolean;
  hotplugReady: boolean;
  releaseMemFile: boolean;
  paramArea: string | null;
  opalCore: 'present' | 'released' | null;
}

export function fadumpFiles(v: FilesView): Set<string> {
  const files = new Set<string>();
  if (!v.supported) return files;
  files.add(FILES.enabled);
  files.add(FILES.registered);
  files.add(FILES.memReserved);
  files.add(FILES.fadumpRegion);
  if (v.hotplugReady) files.add(FILES.hotplugReady);
  if (v.releaseMemFile) files.add(FILES.releaseMem);
  if (v.paramArea !== null) files.add(FILES.bootargsAppend);
  if (v.opalCore !== null) files.add(FILES.releaseCore);
  if (v.opalCore === 'present') files.add(FILES.opalCore);
  return files;
}
