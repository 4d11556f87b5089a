#!/usr/bin/env bash
# The consensus engine must give the same bits on a 32-bit machine. Runs the fixed/ and yuma/ tests
# built for GOARCH=386; where this host cannot execute 32-bit x86 (a kernel without IA-32
# emulation), runs them built for 32-bit ARM under qemu-arm instead, which checks the same thing:
# Go's int is 32 bits there too.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(./fixed/... ./yuma/...)

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'package main\nfunc main() {}\n' > "$probe/main.go"
if GOARCH=386 go build -o "$probe/p386" "$probe/main.go" && "$probe/p386" 2>/dev/null; then
  echo "32-bit check: GOARCH=386"
  GOARCH=386 go test "${pkgs[@]}"
elif command -v qemu-arm >/dev/null; then
  echo "32-bit check: this host cannot run 386 binaries; GOARCH=arm under qemu-arm"
  # Emulation is slow: fewer random cases for the property tests; the golden vectors all run.
  FIXED_QUICK_CASES=${FIXED_QUICK_CASES:-2000} GOARCH=arm GOARM=7 go test -exec qemu-arm "${pkgs[@]}"
else
  echo "32-bit check: this host runs neither 386 binaries nor qemu-arm (apt-get install qemu-user);" >&2
  echo "building the 32-bit tests only" >&2
  GOARCH=386 go test -count=1 -run '^$' "${pkgs[@]}" >/dev/null
  exit 3
fi
