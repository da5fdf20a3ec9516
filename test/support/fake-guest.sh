#!/bin/sh
# A fake QEMU for the lab's tests: speaks the guest agent's protocol (lab/guest/agent) without a
# kernel. A write to .../hang never answers; a write to .../die ends the process; a crash boots a
# "capture kernel".
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
    *) echo "@@$id<"; echo "@@$id> 1" ;;
  esac
done
