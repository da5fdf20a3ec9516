#!/bin/sh
# A fake QEMU for the lab's tests: speaks the guest agent's protocol (lab/guest/agent) without a
# kernel. A write to .../hang never answers; a write to .../die ends the process; a crash boots a
# "capture kernel". `spec PATH PART`: part 1 checks once and crashes into a capture boot, part 2
# checks once and ends; path 9 fails its check. (The real agent runs the script with FADUMP_SPEC_YES=1,
# so a part crashes or reboots without asking; this fake behaves as if it had consented.)
echo "@@BOOT normal 6.1.0-fake"
boot=normal
while read -r id cmd a; do
  case "$cmd" in
    obs)
      echo "@@$id<"
      echo "@FILE /sys/kernel/fadump/registered"
      echo "|1"
      echo "@CMDLINE console=hvc0 fadump=on"
      echo "@MEMBLOCKS 10000000 8"
      echo "@CPUS 0"
      echo "@DMESG [    0.100000] fadump: fake $boot"
      echo "@@$id> 0" ;;
    put) echo "@@$id<"; echo "@@$id> 0" ;;
    write)
      case "$a" in
        */hang) sleep 600 ;;
        */die) exit 3 ;;
      esac
      echo "@@$id<"; echo "WRITE ok"; echo "@@$id> 0" ;;
    crash) echo "@@$id<"; echo "@@$id> 0"; boot=capture; echo "@@BOOT capture 6.1.0-fake" ;;
    spec)
      echo "@@$id<"
      case "$a" in
        "9 "*) echo "not ok 1 /sys/kernel/fadump/registered: expected '1', read '0'"; echo "@@$id> 1" ;;
        *" 1") echo "ok 1 a normal boot"; echo "# crash: echo c > /proc/sysrq-trigger"; boot=capture; echo "@@BOOT capture 6.1.0-fake" ;;
        *) echo "ok 1 a capture boot"; echo "[   1.0] kernel noise"; echo "@@$id> 0" ;;
      esac ;;
    *) echo "@@$id<"; echo "@@$id> 1" ;;
  esac
done
