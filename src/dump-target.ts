// kdump.conf's dump target as the capture side's kdump.sh (kdump-utils dracut/99kdumpbase/kdump.sh,
// rhkdump/kdump-utils 63f248c) uses it: where the files land, the lines it logs, and what a failed
// save does (docs/kernel-behaviour.md §5 "The dump target").
//
// - local (`path /var/crash`, the default): dump_fs "$NEWROOT" (the root file system).
// - nfs (`nfs <server:/export>`): dump_fs on the NFS mount; HOST_IP is the capture kernel's own
//   address (get_host_ip() runs for nfs and ssh only), the directory
//   "$KDUMP_PATH/$HOST_IP-$DATEDIR/" (kdump.conf.5: "<mnt>/<path>/%HOST-%DATE/").
// - ssh (`ssh <user@server>`): dump_ssh(): makedumpfile gets -F ("if is_ssh_dump_target ||
//   is_raw_dump_target; then CORE_COLLECTOR="$CORE_COLLECTOR -F"") and its flattened output is
//   piped to `dd` on the server, renamed to vmcore.flat.
// - san (an FC LUN), pmem (an fsdax pmem namespace, /dev/pmemN): kdump.conf's `<fs type>
//   <partition>` form, a block device with a file system, saved by dump_fs() as the local one [I]:
//   "FC disks (qla2xxx, lpfc, ...)" are in supported-kdump-targets.txt, pmem is not listed there.
//   Not mounted in the first kernel [I], so mounted at /kdumproot in the second
//   (get_kdump_mntpoint_from_target() in kdump-lib.sh); nfs likewise.
//
// A failed save: the dump function returns 1, do_dump() logs "saving vmcore failed", kdump.sh
// exits 1, kdump-capture.service's OnFailure=emergency.target starts kdump-emergency.service
// (`kdump.sh --error-handler`, installed as emergency.service by module-setup.sh), whose
// do_failure_action() logs "Executing failure action $FAILURE_ACTION": default
// FAILURE_ACTION="systemctl reboot -f" (kdump.conf.5: failure_action, "The default is "reboot"").
import type { DumpTarget, DumpTargetFault } from './config';

/** Placeholders that keep replays deterministic: DATEDIR (`date +%Y-%m-%d-%T`), the capture
 *  kernel's address on the network (HOST_IP for nfs/ssh), the ssh server. */
const DATE = '<date>';
const HOST_IP = '<host-ip>';
const SSH_SERVER = 'root@<server>';
/** Where kdump.sh mounts a target not mounted in the first kernel (kdump-lib.sh). */
const KDUMPROOT = '/kdumproot';

/** The directory the dump goes to, as kdump.sh's "saving to" line names it (a trailing / for the
 *  file system targets, none for ssh, as kdump.sh prints them). Local: as the production system
 *  later shows it (kdump.sh itself writes under /sysroot). */
export function dumpDir(target: DumpTarget): string {
  switch (target) {
    case 'local':
      return `/var/crash/127.0.0.1-${DATE}/`;
    case 'nfs':
      return `${KDUMPROOT}/var/crash/${HOST_IP}-${DATE}/`;
    case 'ssh':
      return `${SSH_SERVER}:/var/crash/${HOST_IP}-${DATE}`;
    case 'san':
    case 'pmem':
      return `${KDUMPROOT}/var/crash/127.0.0.1-${DATE}/`;
  }
}

/** kdump.conf's line that selects `target` (kdump.conf.5: `path`, `nfs`, `ssh`, `<fs type>
 *  <partition>`), with placeholders for the server and the device [I: xfs, the RHEL default]. */
export function kdumpConfLine(target: DumpTarget): string {
  switch (target) {
    case 'local':
      return 'path /var/crash';
    case 'nfs':
      return 'nfs <server>:/<export>';
    case 'ssh':
      return `ssh ${SSH_SERVER}`;
    case 'san':
      return 'xfs /dev/mapper/<lun>';
    case 'pmem':
      return 'xfs /dev/pmem0';
  }
}

/** The mount point dump_fs() checks (local: $NEWROOT). */
function mountPoint(target: Exclude<DumpTarget, 'ssh'>): string {
  return target === 'local' ? '/sysroot' : KDUMPROOT;
}

/** The vmcore's name: vmcore.flat over ssh (makedumpfile -F), else vmcore. */
export function vmcoreName(target: DumpTarget): string {
  return target === 'ssh' ? 'vmcore.flat' : 'vmcore';
}

/** Joins a directory as dumpDir() gives it and a file name. */
function inDir(target: DumpTarget, file: string): string {
  const dir = dumpDir(target);
  return dir.endsWith('/') ? `${dir}${file}` : `${dir}/${file}`;
}

/** The files a completed save leaves, in kdump.sh's order of writing them (paths as dumpDir()).
 *  opalcore: /sys/firmware/opal/mpipl/core exists (PowerNV's exported OPAL core). */
export function savedFiles(target: DumpTarget, opalcore: boolean): string[] {
  return [
    inDir(target, 'vmcore-dmesg.txt'),
    ...(opalcore ? [inDir(target, 'opalcore')] : []),
    inDir(target, vmcoreName(target)),
  ];
}

/** save_vmcore_dmesg_fs()/save_vmcore_dmesg_ssh()'s lines. */
function dmesgLines(target: DumpTarget): string[] {
  return [`kdump: saving vmcore-dmesg.txt to ${dumpDir(target)}`, 'kdump: saving vmcore-dmesg.txt complete'];
}

/** save_opalcore_fs()/save_opalcore_ssh()'s lines. */
function opalcoreLines(target: DumpTarget): string[] {
  const to = target === 'ssh' ? `${SSH_SERVER}:/var/crash/${HOST_IP}-${DATE}` : `${dumpDir(target)}opalcore`;
  return [`kdump: saving opalcore:/sys/firmware/opal/mpipl/core to ${to}`, 'kdump: saving opalcore complete'];
}

/** kdump.sh's lines up to the core collector, in its order: dump_fs() saves vmcore-dmesg.txt and
 *  opalcore before "saving vmcore"; dump_ssh() says "saving vmcore" before it copies opalcore. */
function linesBeforeCollector(target: DumpTarget, opalcore: boolean): string[] {
  const opal = opalcore ? opalcoreLines(target) : [];
  return target === 'ssh'
    ? [`kdump: saving to ${dumpDir(target)}`, ...dmesgLines(target), 'kdump: saving vmcore', ...opal]
    : [`kdump: saving to ${dumpDir(target)}`, ...dmesgLines(target), ...opal, 'kdump: saving vmcore'];
}

/** kdump.sh's info lines of a dump saved to `target`, ending with the model's summary of the files
 *  it leaves (savedFiles()). */
export function savedDumpLines(target: DumpTarget, opalcore: boolean): string[] {
  return [
    ...linesBeforeCollector(target, opalcore),
    'kdump: saving vmcore complete',
    `kdump: saved ${savedFiles(target, opalcore).join(', ')}`,
  ];
}

/** The failure action's line: do_failure_action() with the default FAILURE_ACTION. */
export const FAILURE_ACTION_LINE = 'kdump: Executing failure action systemctl reboot -f';

/** kdump.sh's lines of a save that fails on `fault`, then the error handler's failure action.
 *  unreachable: a file system target is not mounted and `mount --target` fails (dump_fs()); over
 *  ssh, `ssh ... mkdir -p` fails after "saving to" (dump_ssh() returns 1, nothing logged).
 *  no-space: vmcore-dmesg.txt (and opalcore) fit [I], the core collector fails: makedumpfile
 *  exits 1 (its FAILED) [I], over ssh the remote dd's exit status comes back through ssh. */
export function failedSaveLines(target: DumpTarget, fault: DumpTargetFault, opalcore: boolean): string[] {
  const tail = ['kdump: saving vmcore failed', FAILURE_ACTION_LINE];
  if (fault === 'no-space')
    return [...linesBeforeCollector(target, opalcore), 'kdump: saving vmcore failed, exitcode:1', ...tail];
  if (target === 'ssh') return [`kdump: saving to ${dumpDir(target)}`, ...tail];
  const mnt = mountPoint(target);
  return [
    `kdump: dump path '${mnt}' is not mounted, trying to mount...`,
    `kdump: failed to dump to '${mnt}', it's not a mount point!`,
    ...tail,
  ];
}

/** What a failed save leaves on the target: with no space, what was written before the core
 *  collector failed, and the partial vmcore-incomplete (never renamed); unreachable: nothing. */
export function filesLeftByFailure(target: DumpTarget, fault: DumpTargetFault, opalcore: boolean): string[] {
  if (fault === 'unreachable') return [];
  return [
    inDir(target, 'vmcore-dmesg.txt'),
    ...(opalcore ? [inDir(target, 'opalcore')] : []),
    inDir(target, 'vmcore-incomplete'),
  ];
}

/** Why the dump is lost, for the outcome: the fault, kdump's message, and what the failure
 *  action's reboot does to the dump. fadump: the reboot's machine_shutdown() calls
 *  fadump_cleanup(), which invalidates the active dump (arch/powerpc/kernel/setup-common.c,
 *  fadump.c); kdump: the next kernel boots from firmware, /proc/vmcore with it is gone. */
export function lostReason(target: DumpTarget, fault: DumpTargetFault, mechanism: 'fadump' | 'kdump'): string {
  const what =
    fault === 'unreachable' ? `the ${target} dump target is unreachable` : `the ${target} dump target is full`;
  const after =
    mechanism === 'fadump'
      ? 'fadump_cleanup() on the reboot invalidated the dump'
      : 'the kdump kernel rebooted, /proc/vmcore went with it';
  return `kdump: saving vmcore failed (${what}); failure_action reboot (systemctl reboot -f): ${after}`;
}
