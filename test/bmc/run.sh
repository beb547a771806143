#!/usr/bin/env bash
# test/bmc/run.sh: chassisd on an emulated ASPEED AST2600 BMC, end to end.
#
# Boots the GOARM=7 chassisd under qemu-system-arm -M ast2600-evb with Debian's
# armmp kernel, so that every hardware path goes through real drivers
# (i2c-aspeed, i2c-dev, i2c-mux-pca954x, gpio-aspeed, the 8250 UART, ftgmac100),
# once per board variant (the kernel owns the bay mux / chassisd selects it),
# and runs the cases of test/bmc/bmccheck against each boot from the host:
# Redfish over HTTPS through hostfwd, sensors and presence lines through QMP,
# and the UART-only sled answered by `chassisd sim mcu` on the host.
# Exit 0 only when every case of every variant passes.
#
#   ./build.sh test-bmc [--variants "kernelmux usermux"] [--timeout S] [--keep]
#   test/bmc/run.sh --setup-only       install and download only
#
# Environment:
#   CHASSISD_BMC_CACHE  downloaded and unpacked Debian packages, kept between runs
#                       (default ${XDG_CACHE_HOME:-$HOME/.cache}/chassisd-bmc)
#   CHASSISD_BMC_KVER   pin the armmp kernel ABI (default: what linux-image-armmp:armhf
#                       depends on; Debian point releases move it and drop the old .deb)
#   CHASSISD_BMC_PORT   first host port for the forwarded HTTPS (127.0.0.1 only; default 18443)
#
# Debian packages are installed only for host tools (qemu-system-arm, kmod,
# cpio, device-tree-compiler); the armhf kernel and busybox are downloaded and
# unpacked with dpkg -x, never installed. Only processes started here are
# stopped, by their PIDs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${CHASSISD_BMC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chassisd-bmc}
PORT=${CHASSISD_BMC_PORT:-18443}
VARIANTS="kernelmux usermux"
BOOT_TIMEOUT=300
KEEP=""
SETUP_ONLY=""
while [ $# -gt 0 ]; do
	case "$1" in
	--variants) VARIANTS=$2; shift 2 ;;
	--timeout) BOOT_TIMEOUT=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--setup-only) SETUP_ONLY=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
	*) echo "test-bmc: unknown option $1" >&2; exit 2 ;;
	esac
done

T0=$(date +%s.%N)
since() { awk -v a="$(date +%s.%N)" -v b="${1:-$T0}" 'BEGIN { printf "%.1f", a - b }'; }
log() { echo "[test-bmc $(since)s] $*" >&2; }

# ------------------------------------------------------------- host setup
# setup installs the host tools and fetches the armhf kernel and busybox into
# the cache. apt-get runs only when something is missing, so a warm run makes
# no network access at all.
setup() {
	export DEBIAN_FRONTEND=noninteractive
	local sudo="" need=() pair update=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	for pair in qemu-system-arm:qemu-system-arm depmod:kmod cpio:cpio fdtput:device-tree-compiler; do
		command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
	done
	mkdir -p "$CACHE/debs"
	local kver=${CHASSISD_BMC_KVER:-}
	if [ -z "$kver" ] && [ -f "$CACHE/kver" ] && [ -n "$(find "$CACHE/kver" -mtime -7 2>/dev/null)" ]; then
		kver=$(cat "$CACHE/kver") # followed the metapackage less than a week ago
	fi
	if [ -n "$kver" ] && [ ${#need[@]} -eq 0 ] &&
		[ -f "$CACHE/kernel-$kver/boot/vmlinuz-$kver" ] && [ -x "$CACHE/busybox/bin/busybox" ]; then
		KVER=$kver
		return 0
	fi
	if ! dpkg --print-foreign-architectures | grep -qx armhf; then
		$sudo dpkg --add-architecture armhf
		update=1
	fi
	apt-cache show linux-image-armmp:armhf >/dev/null 2>&1 || update=1
	[ ${#need[@]} -gt 0 ] && update=1
	if [ -n "$update" ]; then
		log "apt-get update"
		# A foreign-architecture index that fails to sync (it happens to
		# bookworm-security's armhf list) is not needed here: carry on.
		$sudo apt-get update -q >"$CACHE/apt-update.log" 2>&1 ||
			log "apt-get update reported errors (see $CACHE/apt-update.log); continuing"
	fi
	if [ ${#need[@]} -gt 0 ]; then
		log "apt-get install ${need[*]}"
		$sudo apt-get install -y -q --no-install-recommends "${need[@]}" >"$CACHE/apt-install.log" 2>&1 ||
			{ log "apt-get install failed, see $CACHE/apt-install.log"; exit 1; }
	fi
	if [ -z "$kver" ]; then
		kver=$(apt-cache depends linux-image-armmp:armhf 2>/dev/null |
			sed -n 's/.*Depends: linux-image-\([0-9.]*-[0-9]*-armmp\)\(:armhf\)\{0,1\}$/\1/p' | head -1)
		[ -n "$kver" ] || { log "cannot tell which kernel linux-image-armmp:armhf depends on"; exit 1; }
		echo "$kver" >"$CACHE/kver"
	fi
	KVER=$kver
	(
		cd "$CACHE/debs"
		ls linux-image-"$KVER"_*_armhf.deb >/dev/null 2>&1 || { log "downloading linux-image-$KVER:armhf"; apt-get download -q "linux-image-$KVER:armhf" >"$CACHE/apt-download.log" 2>&1; }
		ls busybox-static_*_armhf.deb >/dev/null 2>&1 || { log "downloading busybox-static:armhf"; apt-get download -q busybox-static:armhf >>"$CACHE/apt-download.log" 2>&1; }
	)
	if [ ! -f "$CACHE/kernel-$KVER/boot/vmlinuz-$KVER" ]; then
		rm -rf "$CACHE/kernel-$KVER"
		dpkg -x "$CACHE"/debs/linux-image-"$KVER"_*_armhf.deb "$CACHE/kernel-$KVER"
	fi
	if [ ! -x "$CACHE/busybox/bin/busybox" ]; then
		rm -rf "$CACHE/busybox"
		dpkg -x "$CACHE"/debs/busybox-static_*_armhf.deb "$CACHE/busybox"
	fi
}

setup
log "qemu: $(qemu-system-arm --version | head -1); kernel $KVER; cache $CACHE"
[ -n "$SETUP_ONLY" ] && exit 0

# -------------------------------------------------------------- builds
WORK=$(mktemp -d "${TMPDIR:-/tmp}/chassisd-bmc.XXXXXX")
QPID="" MPID=""
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	if [ -z "$KEEP" ]; then rm -rf "$WORK"; else log "kept $WORK"; fi
	return 0
}
trap cleanup EXIT

cd "$ROOT"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 go build -trimpath -ldflags "-s -w" -o "$WORK/chassisd-armv7" ./cmd/chassisd
go build -o "$WORK/chassisd" ./cmd/chassisd
go build -o "$WORK/bmccheck" ./test/bmc/bmccheck
log "built chassisd (GOARM=7, $(du -h "$WORK/chassisd-armv7" | cut -f1)) and the host tools"

# FRU images: the simulator's, padded to the emulated 24C64's 8 KiB (QEMU's
# backing file must be exactly rom-size) with the 0xFF of an erased part.
"$WORK/chassisd" sim export-fru --scenario "$HERE/scenario.yaml" "$WORK/fru" >/dev/null
for bay in 0 1 2; do
	img=$WORK/fru/bay$bay-sled.bin
	{ cat "$img"; head -c $((8192 - $(stat -c %s "$img"))) /dev/zero | tr '\0' '\377'; } >"$WORK/eeprom$bay.bin"
done
SIMWALK=$("$WORK/bmccheck" simwalk --board "$HERE/board-usermux.yaml" --scenario "$HERE/scenario.yaml")

# Initramfs: busybox, the modules and what they depend on, chassisd, the
# board files, a known admin password and /init.
MODULES="i2c-dev i2c-aspeed i2c-mux-pca954x gpio-aspeed mdio-aspeed ftgmac100"
PASSWORD=bmc-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
build_initramfs() {
	local R=$WORK/rootfs K=$CACHE/kernel-$KVER M m line files="" f
	M=$K/lib/modules/$KVER
	mkdir -p "$R"/{bin,sbin,etc/chassisd,proc,sys,dev,tmp,run,var/lib,lib/modules/"$KVER"}
	cp "$CACHE/busybox/bin/busybox" "$R/bin/busybox"
	[ -f "$M/modules.dep" ] || depmod -b "$K" "$KVER"
	for m in $MODULES; do
		line=$(grep -E "(^|/)${m//-/[-_]}\.ko(\.xz)?:" "$M/modules.dep" | head -1)
		[ -n "$line" ] || { log "no module $m in $KVER"; exit 1; }
		files="$files ${line%%:*} ${line#*:}"
	done
	for f in $files; do
		mkdir -p "$R/lib/modules/$KVER/$(dirname "$f")"
		cp "$M/$f" "$R/lib/modules/$KVER/$f"
	done
	cp "$M"/modules.builtin* "$M"/modules.order "$R/lib/modules/$KVER/" 2>/dev/null || true
	depmod -b "$R" "$KVER"
	echo "$MODULES" | tr ' ' '\n' >"$R/etc/modules.list"
	install -m 755 "$HERE/init.sh" "$R/init"
	install -m 755 "$WORK/chassisd-armv7" "$R/chassisd"
	cp "$HERE/board-kernelmux.yaml" "$HERE/board-usermux.yaml" "$R/etc/chassisd/"
	echo "$PASSWORD" >"$R/etc/chassisd/password"
	chmod 600 "$R/etc/chassisd/password"
	(cd "$R" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$WORK/initramfs.cpio.gz"
}
build_initramfs
# Debian's DTB with one change: UART1 (Linux ttyS0) on; the EVB leaves it off.
DEB_DTB=$(find "$CACHE/kernel-$KVER/usr/lib/linux-image-$KVER" -name aspeed-ast2600-evb.dtb | head -1)
[ -n "$DEB_DTB" ] || { log "no aspeed-ast2600-evb.dtb in linux-image-$KVER"; exit 1; }
cp "$DEB_DTB" "$WORK/ast2600-evb.dtb"
fdtput -t s "$WORK/ast2600-evb.dtb" /ahb/apb/serial@1e783000 status okay
log "initramfs $(du -h "$WORK/initramfs.cpio.gz" | cut -f1); $SIMWALK"

# ---------------------------------------------------------------- boots
# boot VARIANT PORT: one QEMU, the bay-3 controller beside it, the cases.
boot() {
	local v=$1 port=$2 run=$WORK/$1 ch pty="" rc=0 started
	mkdir -p "$run"
	local dev=()
	dev+=(-device pca9548,bus=aspeed.i2c.bus.4,address=0x70)
	for ch in 0 1 2; do
		cp "$WORK/eeprom$ch.bin" "$run/eeprom$ch.raw"
		# The mux's child bus is named by the mux's type: QEMU 8+ renames its id.
		dev+=(-drive "file=$run/eeprom$ch.raw,if=none,format=raw,id=fru$ch"
			-device "at24c-eeprom,bus=aspeed.i2c.bus.4/pca9548/i2c.$ch,address=0x50,drive=fru$ch,rom-size=8192"
			-device "tmp105,bus=aspeed.i2c.bus.4/pca9548/i2c.$ch,address=0x48,id=temp$ch")
	done
	started=$(date +%s.%N)
	# serial_hd(0) is UART5, the console (ttyS4); serial_hd(1) is UART1
	# (ttyS0), a host pty where `chassisd sim mcu` answers for bay 3.
	timeout -s KILL "$BOOT_TIMEOUT" qemu-system-arm -M ast2600-evb -m 1G -display none -no-reboot \
		-monitor none -serial "file:$run/console.log" -chardev pty,id=uart1 -serial chardev:uart1 \
		-qmp "unix:$run/qmp.sock,server=on,wait=off" \
		-kernel "$CACHE/kernel-$KVER/boot/vmlinuz-$KVER" -dtb "$WORK/ast2600-evb.dtb" \
		-initrd "$WORK/initramfs.cpio.gz" \
		-append "console=ttyS4,115200n8 rdinit=/init panic=-1 loglevel=4 chassisd.variant=$v chassisd.time=$(date +%s)" \
		"${dev[@]}" \
		-nic "user,model=ftgmac100,restrict=on,hostfwd=tcp:127.0.0.1:$port-:8443" \
		</dev/null >"$run/qemu.log" 2>&1 &
	QPID=$!
	for _ in $(seq 100); do
		pty=$(sed -n 's/.*char device redirected to \(\/dev\/pts\/[0-9]*\) (label uart1).*/\1/p' "$run/qemu.log")
		[ -n "$pty" ] && break
		kill -0 "$QPID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$pty" ]; then
		log "[$v] QEMU gave no pty for UART1"; cat "$run/qemu.log" >&2; return 1
	fi
	"$WORK/chassisd" sim mcu --bay 3 --device "$pty" --scenario "$HERE/scenario.yaml" >"$run/mcu.log" 2>&1 &
	MPID=$!
	log "[$v] QEMU up (UART1 on $pty); booting"
	"$WORK/bmccheck" cases --variant "$v" --url "https://127.0.0.1:$port" --qmp "$run/qmp.sock" \
		--console "$run/console.log" --fru-dir "$WORK/fru" --password "$PASSWORD" --started "$started" \
		--boot-wait "$((BOOT_TIMEOUT - 30))s" || rc=$?
	kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null || true; MPID=""
	kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null || true; QPID=""
	if [ $rc -ne 0 ]; then
		log "[$v] guest console (last 60 lines of $run/console.log):"
		tail -n 60 "$run/console.log" | tr -d '\r' >&2
		log "[$v] sim mcu:"; cat "$run/mcu.log" >&2
		KEEP=1
	fi
	log "[$v] done in $(since "$started")s"
	return $rc
}

fails=0
n=0
for v in $VARIANTS; do
	boot "$v" $((PORT + n)) || fails=$((fails + 1))
	n=$((n + 1))
done
log "total $(since)s"
if [ $fails -eq 0 ]; then
	log "ALL PASS ($VARIANTS)"
	exit 0
fi
log "$fails variant(s) failed"
exit 1
