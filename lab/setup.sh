#!/usr/bin/env bash
# fadump-model lab set-up: QEMU 11 (pSeries fadump, PowerNV MPIPL), a guest userspace and Linux
# kernels with CONFIG_FA_DUMP, all from Debian's archive, into a cache outside the repository.
#
#   lab/setup.sh              (run by `npm run lab -- setup`)
#
# Environment:
#   FADUMP_LAB      the cache (default ~/.cache/fadump-model/lab)
#   LAB_KERNELS     kernel variants to build (default "6.1-64k 6.12-64k"; also 6.1-4k, 6.12-4k)
#   LAB_JOBS        make -j (default: the number of cores)
# Idempotent: every step is skipped when its result is already there. The host's apt sources and
# libc are left alone: a private sources file is read with -o Dir::Etc::sourcelist, and QEMU runs
# through its own unpacked ld.so (sid's QEMU needs a newer libc than bookworm's).
# Exit: 0 done, 1 a step failed (its log is named).
set -euo pipefail

LAB=${FADUMP_LAB:-$HOME/.cache/fadump-model/lab}
REPO=$(cd "$(dirname "$0")/.." && pwd)
KERNELS=${LAB_KERNELS:-"6.1-64k 6.12-64k"}
JOBS=${LAB_JOBS:-$(nproc)}
MIRROR=http://deb.debian.org/debian
# Versions tried first (what the lab was proven with); each falls back to the archive's candidate.
QEMU_PIN=1:11.1.3+ds-1
BUSYBOX_PIN=1:1.37.0-6+b9
KEXEC_PIN=1:2.0.32-3
declare -A SOURCE_PIN=([6.1]=6.1.176-1 [6.12]=6.12.107-1)

mkdir -p "$LAB"
cd "$LAB"
T0=$(date +%s)
step() { echo "== [$(($(date +%s) - T0)) s] $*"; }
APT=(-o "Dir::Etc::sourcelist=$LAB/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
  -o "Dir::State::Lists=$LAB/apt/lists" -o "Dir::Cache=$LAB/apt/cache" -o Dir::State::status=/dev/null
  -o APT::Architectures::=amd64 -o APT::Architectures::=ppc64el -o Acquire::Languages=none)

# download PKG PIN DIR: apt-get download PKG=PIN, or the candidate when the pin is gone.
download() {
  local pkg=$1 pin=$2 dir=$3
  mkdir -p "$dir"
  (cd "$dir" && { apt-get "${APT[@]}" download -q "$pkg=$pin" 2>/dev/null \
    || { echo "   $pkg=$pin is not in the archive; taking the candidate"; apt-get "${APT[@]}" download -q "$pkg"; }; })
}

apt_lists() {
  mkdir -p apt/lists/partial apt/cache/archives/partial
  cat > apt/sources.list <<EOF
deb [arch=amd64,ppc64el signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR sid main
deb [arch=amd64,ppc64el signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main
deb [arch=amd64,ppc64el signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR bookworm main
EOF
  if [ -n "$(find apt/lists -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    step "package lists: fresh (less than a day old), kept"
  else
    step "package lists: sid, trixie, bookworm for amd64 and ppc64el"
    apt-get "${APT[@]}" update -q >apt/update.log 2>&1 || { tail apt/update.log; exit 1; }
  fi
}

qemu() {
  if [ -x qemu/run ] && qemu/run --version >/dev/null 2>&1; then step "QEMU: $(qemu/run --version | head -1), kept"; return; fi
  step "QEMU: sid's qemu-system-ppc and qemu-system-data, and the libraries qemu-system-ppc64 needs"
  rm -rf dl/qemu qemu
  download qemu-system-ppc "$QEMU_PIN" dl/qemu
  local ver
  ver=$(dpkg-deb -f dl/qemu/qemu-system-ppc_*.deb Version)
  download qemu-system-data "$ver" dl/qemu
  # The shared-library closure: the binary's Depends (libraries only), recursively.
  apt-cache "${APT[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances --no-pre-depends "qemu-system-ppc=$ver" 2>/dev/null \
    | grep -E '^(lib|zlib1g)' | grep -v ':' \
    | grep -vE '^lib(pam|semanage|systemd-shared|debconfclient|audit|sepol|selinux1-dev)' | sort -u > dl/qemu-libs.txt
  local libs
  mapfile -t libs < dl/qemu-libs.txt
  (cd dl/qemu && apt-get "${APT[@]}" download -q "${libs[@]}" >/dev/null)
  mkdir -p qemu
  for d in dl/qemu/*.deb; do dpkg-deb -x "$d" qemu; done
  local lp=$LAB/qemu/usr/lib/x86_64-linux-gnu
  if "$lp/ld-linux-x86-64.so.2" --library-path "$lp" --list qemu/usr/bin/qemu-system-ppc64 | grep -q 'not found'; then
    "$lp/ld-linux-x86-64.so.2" --library-path "$lp" --list qemu/usr/bin/qemu-system-ppc64 | grep 'not found'
    exit 1
  fi
  cat > qemu/run <<EOF
#!/bin/sh
# qemu-system-ppc64 from Debian sid, through its own ld.so and libraries; firmware from qemu-system-data.
exec $lp/ld-linux-x86-64.so.2 --library-path $lp $LAB/qemu/usr/bin/qemu-system-ppc64 -L $LAB/qemu/usr/share/qemu "\$@"
EOF
  chmod +x qemu/run
  echo "   $(qemu/run --version | head -1); $(find dl/qemu -name '*.deb' | wc -l) packages, $(du -sh dl/qemu | cut -f1) downloaded"
}

busybox() {
  if [ -x guest/busybox ]; then step "busybox: kept"; return; fi
  step "busybox-static for ppc64el (the guest's userspace)"
  rm -rf dl/busybox
  download busybox-static:ppc64el "$BUSYBOX_PIN" dl/busybox
  mkdir -p guest dl/busybox/x
  dpkg-deb -x dl/busybox/busybox-static_*.deb dl/busybox/x
  cp dl/busybox/x/usr/bin/busybox guest/busybox
  echo "   $(dpkg-deb -f dl/busybox/busybox-static_*.deb Version)"
}

# kexec-tools for ppc64el and its shared libraries, for kdump in the guest (`kexec -p`): the
# closure of /usr/sbin/kexec's NEEDED entries (readelf -d; 2.0.32-3 needs only libc.so.6) from
# libc6:ppc64el, and the interpreter ld64.so.2. Into guest/kexec/ (kexec, ld64.so.2, the libraries),
# which src/lab/lab.ts buildKdumpInitramfs() puts into the guest.
kexec_tools() {
  if [ -x guest/kexec/kexec ] && [ -f guest/kexec/ld64.so.2 ]; then step "kexec-tools: kept"; return; fi
  step "kexec-tools for ppc64el and libc6:ppc64el (kdump in the guest)"
  rm -rf dl/kexec guest/kexec
  download kexec-tools:ppc64el "$KEXEC_PIN" dl/kexec
  download libc6:ppc64el "$(apt-cache "${APT[@]}" policy libc6:ppc64el | awk '/Candidate:/ {print $2}')" dl/kexec
  mkdir -p dl/kexec/x guest/kexec
  for d in dl/kexec/*.deb; do dpkg-deb -x "$d" dl/kexec/x; done
  cp dl/kexec/x/usr/sbin/kexec guest/kexec/kexec
  local lib=dl/kexec/x/usr/lib/powerpc64le-linux-gnu needed
  cp -L "$lib/ld64.so.2" guest/kexec/ld64.so.2
  for needed in $(readelf -d guest/kexec/kexec | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [ -f "$lib/$needed" ] || { echo "kexec needs $needed, which libc6:ppc64el does not hold"; exit 1; }
    cp -L "$lib/$needed" "guest/kexec/$needed"
  done
  echo "   $(dpkg-deb -f dl/kexec/kexec-tools_*.deb Version); $(cd guest/kexec && echo *)"
}

make_buildroot() {
  if [ -x buildroot/usr/bin/powerpc64le-linux-gnu-gcc ]; then step "build chroot: kept"; return; fi
  step "build chroot: bookworm with gcc-powerpc64le-linux-gnu (mmdebstrap)"
  command -v mmdebstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends mmdebstrap; }
  rm -rf buildroot
  mmdebstrap --quiet --variant=minbase \
    --include=build-essential,gcc-powerpc64le-linux-gnu,bc,flex,bison,libelf-dev,libssl-dev,cpio,xz-utils,perl,kmod,python3-minimal,rsync \
    bookworm "$LAB/buildroot" "$MIRROR" >buildroot.log 2>&1 || { tail buildroot.log; exit 1; }
  echo "   $(du -sh buildroot | cut -f1)"
}

# source SERIES: unpack Debian's linux-source-SERIES into buildroot/src/linux-source-SERIES.
source_tree() {
  local s=$1
  if [ -f "buildroot/src/linux-source-$s/Makefile" ]; then step "linux-source-$s: kept"; return; fi
  step "linux-source-$s from Debian's archive"
  rm -rf "dl/src-$s"
  download "linux-source-$s" "${SOURCE_PIN[$s]}" "dl/src-$s"
  mkdir -p buildroot/src
  local deb
  deb=$(find "dl/src-$s" -name "linux-source-${s}_*.deb" | head -1)
  dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-source-$s.tar.xz" \
    | xz -d -T2 | tar -x -C buildroot/src
  dpkg-deb -f "$deb" Version > "buildroot/src/linux-source-$s/.debian-version"
  rm -rf "dl/src-$s"
  echo "   $(cat "buildroot/src/linux-source-$s/.debian-version")"
}

# kernel VARIANT (SERIES-PAGES, e.g. 6.12-64k): allnoconfig + lab/kconfig/common.frag + pages-PAGES.frag.
kernel() {
  local v=$1 s=${1%-*} pages=${1##*-}
  local frag=buildroot/src/kconfig/$v.frag out=kernels/$v
  mkdir -p buildroot/src/kconfig kernels
  cat "$REPO/lab/kconfig/common.frag" "$REPO/lab/kconfig/pages-$pages.frag" > "$frag.new"
  if [ -f "$out/vmlinux" ] && cmp -s "$frag.new" "$out/config.frag"; then step "kernel $v: kept"; return; fi
  source_tree "$s"
  mv "$frag.new" "$frag"
  step "kernel $v: make vmlinux -j$JOBS (about 7 minutes on 2 cores)"
  local mk="make -s ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- O=/src/build-$v"
  chroot buildroot sh -c "cd /src/linux-source-$s && $mk KCONFIG_ALLCONFIG=/src/kconfig/$v.frag allnoconfig && $mk -j$JOBS vmlinux" \
    >"build-$v.log" 2>&1 || { tail -20 "build-$v.log"; echo "kernel $v failed: $LAB/build-$v.log"; exit 1; }
  local cfg=buildroot/src/build-$v/.config
  for opt in FA_DUMP PROC_VMCORE CMA MEMORY_HOTPLUG PPC_PSERIES PPC_POWERNV "PPC_${pages^^}_PAGES"; do
    grep -q "^CONFIG_$opt=y" "$cfg" || { echo "kernel $v: CONFIG_$opt is not set in $cfg"; exit 1; }
  done
  mkdir -p "$out"
  cp "buildroot/src/build-$v/vmlinux" "$out/vmlinux"
  cp "$cfg" "$out/config"
  cp "$frag" "$out/config.frag"
  cat "buildroot/src/linux-source-$s/.debian-version" > "$out/debian-version"
  strings "$out/vmlinux" | grep -m1 '^Linux version' > "$out/version" || true
  echo "   $(cat "$out/version")"
}

apt_lists
qemu
busybox
kexec_tools
make_buildroot
for v in $KERNELS; do kernel "$v"; done
step "done: $LAB holds $(du -sh "$LAB" | cut -f1) (remove it with: rm -rf $LAB)"
