#!/usr/bin/env bash
# The consensus engine must give the same bits on a 32-bit machine. Runs the fixed/ and yuma/ tests
# built for GOARCH=386; where this host cannot execute 32-bit x86 (a kernel without IA-32
# emulation), runs them built for 32-bit ARM under qemu-arm instead, which checks the same thing
# (Go's int is 32 bits there too), installing qemu-user with apt when it can.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(./fixed/... ./yuma/...)

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'package main\nfunc main() {}\n' > "$probe/main.go"
if GOARCH=386 go build -o "$probe/p386" "$probe/main.go" && "$probe/p386" 2>/dev/null; then
  echo "32-bit check: GOARCH=386"
  exec env GOARCH=386 go test "${pkgs[@]}"
fi

if ! command -v qemu-arm >/dev/null && command -v apt-get >/dev/null; then
  echo "32-bit check: this host cannot run 386 binaries; installing qemu-user for 32-bit ARM"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq qemu-user >/dev/null) || true
  elif command -v sudo >/dev/null; then
    (sudo -n apt-get update -qq && sudo -n apt-get install -y -qq qemu-user >/dev/null) || true
  fi
fi
if command -v qemu-arm >/dev/null; then
  echo "32-bit check: GOARCH=arm under qemu-arm"
  # Emulation is slow: fewer random cases for the property tests; every golden vector still runs.
  exec env FIXED_QUICK_CASES="${FIXED_QUICK_CASES:-2000}" GOARCH=arm GOARM=7 go test -exec qemu-arm "${pkgs[@]}"
fi

GOARCH=386 go test -count=1 -run '^$' "${pkgs[@]}" >/dev/null
echo "WARNING: 32-bit check NOT RUN: this host executes neither 386 binaries nor qemu-arm" >&2
echo "         (install qemu-user); the 32-bit tests were only compiled" >&2
