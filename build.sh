#!/usr/bin/env bash
# build.sh — build chassisd for every BMC target, or run the test suite as ARMv6.
#
#   ./build.sh            static, stripped, version-stamped binaries in bin/, with their sizes
#   ./build.sh test-arm   the test suite as ARMv6 (AST2500's ARM1176) under qemu-arm-static
#   ./build.sh test-bmc   chassisd (ARMv7) on an emulated AST2600 BMC under qemu-system-arm,
#                         end to end through the real Linux drivers (test/bmc/run.sh)
#
# Targets: linux/arm GOARM=6 (AST2500), linux/arm GOARM=7 (AST2600), linux/arm64 (AST2700),
# linux/amd64 (a development host). A GOARM=7 binary dies with SIGILL on the AST2500.
set -euo pipefail
cd "$(dirname "$0")"

version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
ldflags="-s -w -X main.version=${version} -X main.commit=${commit}"

build() { # name goos goarch [goarm]
	local name=$1 goos=$2 goarch=$3 goarm=${4:-}
	local out="bin/chassisd-${name}"
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch GOARM=$goarm \
		go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$out" ./cmd/chassisd
	local size
	size=$(stat -c %s "$out")
	awk -v f="$out" -v s="$size" 'BEGIN { printf "%-32s %9d bytes  %5.2f MiB\n", f, s, s / 1048576 }'
}

ensure_qemu() {
	command -v qemu-arm-static >/dev/null 2>&1 && return 0
	echo "qemu-arm-static not found: installing Debian's qemu-user-static" >&2
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	$sudo apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq qemu-user-static >/dev/null
}

case "${1:-all}" in
all)
	mkdir -p bin
	build linux-armv6-ast2500 linux arm 6
	build linux-armv7-ast2600 linux arm 7
	build linux-arm64-ast2700 linux arm64
	build linux-amd64 linux amd64
	;;
test-arm)
	ensure_qemu
	# -cpu arm1176 is the AST2500's core: an ARMv7 instruction in the binary fails here.
	# -short skips only the end-to-end test: it execs the binary it builds, which
	# needs binfmt_misc for ARM; .ci/run runs it natively against bin/.
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 \
		go test -short -exec 'qemu-arm-static -cpu arm1176' -count=1 "${@:2}" ./...
	;;
test-bmc)
	exec test/bmc/run.sh "${@:2}"
	;;
*)
	echo "usage: $0 [all|test-arm [go test flags]|test-bmc [test/bmc/run.sh flags]]" >&2
	exit 2
	;;
esac
