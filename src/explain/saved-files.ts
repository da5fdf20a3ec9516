// What the capture side's kdump (kdump-utils' dracut/99kdumpbase/kdump.sh) saves and says, for
// the replay's kdumpctl/kdump lines: dump_fs() saves under "$KDUMP_PATH/$HOST_IP-$DATEDIR/"
// (KDUMP_PATH default /var/crash, HOST_IP '127.0.0.1' for a local target, DATEDIR
// `date +%Y-%m-%d-%T`): save_vmcore_dmesg_fs() first (vmcore-dmesg.txt), save_opalcore_fs() where
// /sys/firmware/opal/mpipl/core exists (PowerNV), then the core collector writes
// vmcore-incomplete, renamed to vmcore when it completes (docs/kernel-behaviour.md §5 "The kdump
// service").

/** The dump directory as the production system later shows it: the date is a fixed placeholder
 *  so that replays are deterministic. */
export const DUMP_DIR = '/var/crash/127.0.0.1-<date>';

/** kdump.sh's info lines of a dump saved to the local file system, in its order, ending with
 *  the files it leaves (paths under DUMP_DIR). opalcore: the OPAL core file is exported. */
export function savedDumpLines(opalcore: boolean): string[] {
  const dir = `${DUMP_DIR}/`;
  return [
    `kdump: saving to ${dir}`,
    `kdump: saving vmcore-dmesg.txt to ${dir}`,
    'kdump: saving vmcore-dmesg.txt complete',
    ...(opalcore
      ? [`kdump: saving opalcore:/sys/firmware/opal/mpipl/core to ${dir}opalcore`, 'kdump: saving opalcore complete']
      : []),
    'kdump: saving vmcore',
    'kdump: saving vmcore complete',
    `kdump: saved ${savedFiles(opalcore).join(', ')}`,
  ];
}

/** The files a completed local save leaves (absolute paths). */
export function savedFiles(opalcore: boolean): string[] {
  return [`${DUMP_DIR}/vmcore-dmesg.txt`, ...(opalcore ? [`${DUMP_DIR}/opalcore`] : []), `${DUMP_DIR}/vmcore`];
}
