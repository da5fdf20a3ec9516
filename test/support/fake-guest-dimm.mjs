#!/usr/bin/env node
// A fake QEMU with QMP for the lab's pc-dimm tests: speaks the guest agent's protocol on stdio
// (like fake-guest.sh) and QMP on the -qmp unix socket. pc-dimms given with -device pc-dimm sit
// from 1 GiB (QEMU's device-memory base for 512 MiB of RAM); device_del of one is refused by the
// "kernel" (the log lines hotplug-memory.c prints), and the DIMM stays.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const arg = (flag) => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));
const sizes = Object.fromEntries(
  arg('-object').map((o) => [/id=([^,]+)/.exec(o)[1], Number(/size=(\d+)M/.exec(o)[1]) * 1024 * 1024]),
);
let addr = 1024 * 1024 * 1024;
const dimms = arg('-device').map((d) => {
  const id = /id=([^,]+)/.exec(d)[1];
  const size = sizes[/memdev=([^,]+)/.exec(d)[1]];
  const dimm = { type: 'dimm', data: { id, addr, size, hotplugged: false } };
  addr += size;
  return dimm;
});
const ram = Number(/^(\d+)M/.exec(arg('-m')[0] ?? '512M')[1]);
const blocks = () => ram / 256 + dimms.reduce((a, d) => a + d.data.size / (256 * 1024 * 1024), 0);
let pending = dimms.map(
  (d) => `fake: pc-dimm ${d.data.id} ${d.data.size / 1024 / 1024}M at 0x${d.data.addr.toString(16)}`,
);

const sock = /^unix:([^,]+)/.exec(arg('-qmp')[0] ?? '')?.[1];
if (sock) {
  createServer((c) => {
    c.write('{"QMP": {"version": {}, "capabilities": []}}\n');
    createInterface({ input: c }).on('line', (line) => {
      const { execute, arguments: a } = JSON.parse(line);
      if (execute === 'query-memory-devices') return c.write(`${JSON.stringify({ return: dimms })}\n`);
      if (execute === 'device_del') {
        pending.push(
          `pseries-hotplug-mem: Attempting to hot-remove 4 LMB(s) at 80000004`,
          'pseries-hotplug-mem: Memory indexed-count-remove failed, adding any removed LMBs',
        );
        void a;
      }
      c.write('{"return": {}}\n');
    });
  }).listen(sock);
}

const out = (s) => process.stdout.write(`${s}\n`);
out('@@BOOT normal 6.1.0-fake');
createInterface({ input: process.stdin }).on('line', (line) => {
  const [id, cmd] = line.split(' ');
  out(`@@${id}<`);
  if (cmd === 'obs') {
    out('@CMDLINE console=hvc0 fadump=on');
    out(`@MEMBLOCKS 10000000 ${blocks()}`);
    out('@CPUS 0');
    for (const l of pending) out(`@DMESG [    1.000000] ${l}`);
    pending = [];
  }
  out(`@@${id}> 0`);
});
