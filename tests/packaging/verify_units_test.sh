#!/usr/bin/env bash
# `systemd-analyze verify` on every unit of packaging/systemd/, with /usr/bin/ramette* replaced
# by the binaries just built (verify checks that ExecStart is executable). Fails on any message,
# warnings included (verify exits 0 on unknown keys, it only prints them).
# Usage: verify_units_test.sh UNIT_DIR BIN_DIR...   (BIN_DIRs hold ramette, ramette-agent, ...)
set -euo pipefail
unit_dir=$1; shift
bin_dirs=()
for d in "$@"; do bin_dirs+=("$(realpath "$d")"); done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for unit in "$unit_dir"/*.service "$unit_dir"/*.timer; do
  [ -e "$unit" ] || continue
  name=$(basename "$unit")
  cp "$unit" "$tmp/$name"
  for bin in ramette-agent ramette-aggregator ramette-web ramette; do
    for dir in "${bin_dirs[@]}"; do
      if [ -x "$dir/$bin" ]; then
        sed -i "s#/usr/bin/$bin\\b#$dir/$bin#g" "$tmp/$name"
        break
      fi
    done
  done
done
cd "$tmp"
for unit in *.service *.timer; do
  [ -e "$unit" ] || continue
  out=$(systemd-analyze verify --man=no "./$unit" 2>&1) || { echo "FAIL $unit: $out"; status=1; continue; }
  if [ -n "$out" ]; then
    echo "FAIL $unit (warnings): $out"
    status=1
  else
    echo "ok $unit"
  fi
done
exit $status
