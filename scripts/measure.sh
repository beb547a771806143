#!/bin/sh
# measure.sh prints the figures issue 2 asks for on the running binary:
# requests/s of GET /redfish/v1/Chassis/Sled0 over HTTPS with keep-alive on
# loopback, and the process's resident memory (VmRSS now, VmHWM peak) with
# the default simulated chassis, before and after load. Run from the repo.
set -eu
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$tmp/chassisd" ./cmd/chassisd
printf 'measure-password\n' > "$tmp/pw"
port=${PORT:-18443}
"$tmp/chassisd" --listen "127.0.0.1:$port" --state-dir "$tmp/state" \
	--initial-password-file "$tmp/pw" --log-level warn > "$tmp/out" 2> "$tmp/err" &
pid=$!
url="https://127.0.0.1:$port/redfish/v1/Chassis/Sled0"
i=0
until curl -skf -u admin:measure-password "$url" > /dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then echo "agent did not come up:"; cat "$tmp/err"; exit 1; fi
	sleep 0.1
done
sleep 1
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2} END {print ""}' "/proc/$pid/status"; }
echo "binary: $(stat -c %s "$tmp/chassisd") bytes (linux/$(go env GOARCH), stripped)"
printf 'RSS after first walk:  '; rss
go run scripts/loadgen.go -url "$url" -pass-file "$tmp/pw" -c 1 -d "${DURATION:-5s}"
go run scripts/loadgen.go -url "$url" -pass-file "$tmp/pw" -c 4 -d "${DURATION:-5s}"
printf 'RSS after load:        '; rss
# The runtime's scavenger hands freed heap back to the kernel gradually.
sleep "${SETTLE:-30}"
printf 'RSS %ss after load:    ' "${SETTLE:-30}"; rss
