// What the capture side's kdump (kdump-utils' dracut/99kdumpbase/kdump.sh) saves and says, for
// the replay's kdumpctl/kdump lines: dump_fs() saves under "$KDUMP_PATH/$HOST_IP-$DATEDIR/"
// (KDUMP_PATH default /var/crash, HOST_IP '127.0.0.1' for a local target, DATEDIR
// `date +%Y-%m-%d-%T`): save_vmcore_dmesg_fs() first (vmcore-dmesg.txt), save_opalcore_fs() where
// /sys/firmware/opal/mpipl/core exists (PowerNV), then the core collector writes
// vmcore-incomplete, renamed to vmcore when it completes (docs/kernel-behaviour.md §5 "The kdump
// service"). The dump target (nfs, ssh, san, pmem) and a failing save: src/dump-target.ts.
import type { Config } from '../config';
import {
  dumpDir,
  failedSaveLines,
  filesLeftByFailure,
  kdumpConfLine,
  savedDumpLines as targetSavedLines,
  savedFiles as targetSavedFiles,
} from '../dump-target';

/** The local dump directory as the production system later shows it: the date is a fixed
 *  placeholder so that replays are deterministic. */
export const DUMP_DIR = dumpDir('local').slice(0, -1);

/** kdump.sh's info lines of a dump saved to the local file system, in its order, ending with
 *  the files it leaves (paths under DUMP_DIR). opalcore: the OPAL core file is exported. */
export function savedDumpLines(opalcore: boolean): string[] {
  return targetSavedLines('local', opalcore);
}

/** The files a completed local save leaves (absolute paths). */
export function savedFiles(opalcore: boolean): string[] {
  return targetSavedFiles('local', opalcore);
}

/** kdump.sh's lines at `save-dump` for the configuration's dump target: the saved files, or, with
 *  `dumpTargetFault`, the failure, what it leaves on the target, and the failure action. */
export function saveLines(config: Pick<Config, 'dumpTarget' | 'dumpTargetFault'>, opalcore: boolean): string[] {
  // The target's kdump.conf line, for a target other than the default (whose lines stay as before).
  const conf = config.dumpTarget === 'local' ? [] : [`kdump.conf: ${kdumpConfLine(config.dumpTarget)}`];
  if (config.dumpTargetFault === null) return [...conf, ...targetSavedLines(config.dumpTarget, opalcore)];
  const left = filesLeftByFailure(config.dumpTarget, config.dumpTargetFault, opalcore);
  return [
    ...conf,
    ...failedSaveLines(config.dumpTarget, config.dumpTargetFault, opalcore),
    `kdump: dump lost: ${left.length ? `left ${left.join(', ')}` : 'nothing written'}`,
  ];
}
