// The lab's guest of lab/paths/dimm.jsonl as a transcript header names it: 512 MiB of boot RAM and
// a 1 GiB pc-dimm present at boot, on Linux 6.12.107 under QEMU 11.1.3.
import type { Guest } from '../../src/conform/transcript';

export const DIMM_GUEST: Guest = {
  platform: 'pseries',
  kernel: '6.12',
  kernelRelease: '6.12.107',
  kernelSource: '6.12.107-1',
  qemu: '11.1.3',
  memoryMiB: 512,
  maxMemoryMiB: 3584,
  dimmsMiB: [1024],
  lmbMiB: 256,
  cpus: 1,
  nrCpus: 8,
  pageSizeKiB: 64,
  mmu: 'hash',
  cmdline: 'console=hvc0 fadump=on panic=10',
};
