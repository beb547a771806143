#!/bin/sh
# load.sh builds chassisd and runs scripts/load.go against the simulated
# chassis: 64 concurrent clients (mixed GETs, sessions, PATCHes), then GETs
# of a sled Chassis by Basic auth and by session token beside a bare Go
# HTTPS server serving the same bytes, and the agent's memory after each
# run. Arguments go to load.go (for example -c 64 -d 10s -runs 3). Run
# from the repo.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$tmp/chassisd" ./cmd/chassisd
go build -o "$tmp/load" scripts/load.go
"$tmp/load" -bin "$tmp/chassisd" "$@"
