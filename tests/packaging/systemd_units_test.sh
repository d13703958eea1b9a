#!/usr/bin/env bash
# Checks packaging/systemd/ramette-report.{service,timer} with systemd-analyze: the units verify
# (with ExecStart pointed at the built ramette, since verify wants the program to exist), the
# service runs `report monthly --month last --send`, and the timer fires on the 2nd at 06:00.
# Usage: systemd_units_test.sh SOURCE_DIR RAMETTE_BINARY. Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
SRC=$1
RAMETTE=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not installed: skipped"
  exit 77
fi
WORK=$(mktemp -d /tmp/ramette-units-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
sed "s|/usr/bin/ramette |$RAMETTE |" "$SRC/packaging/systemd/ramette-report.service" > "$WORK/ramette-report.service"
cp "$SRC/packaging/systemd/ramette-report.timer" "$WORK/"
out=$(systemd-analyze verify --man=no "$WORK/ramette-report.timer" "$WORK/ramette-report.service" 2>&1)
if [ -n "$out" ]; then
  echo "systemd-analyze verify reported:"; echo "$out"; exit 1
fi
grep -q -- "report monthly --month last --out /var/lib/ramette/reports --send" \
  "$SRC/packaging/systemd/ramette-report.service"
calendar=$(sed -n 's/^OnCalendar=//p' "$SRC/packaging/systemd/ramette-report.timer")
next=$(systemd-analyze calendar --iterations=3 "$calendar" | grep -E "Next elapse|Iter\." )
echo "$next"
if [ "$(echo "$next" | grep -c -- '-02 06:00:00')" -ne 3 ]; then
  echo "the timer does not fire on the 2nd at 06:00"; exit 1
fi
# `--month last` is accepted by the real binary (it fails only for want of a database here).
set +e
"$RAMETTE" --db "$WORK/none.db" report monthly --month last --out "$WORK/out" 2>"$WORK/err"
rc=$?
set -e
grep -q "no database" "$WORK/err" || { cat "$WORK/err"; exit 1; }
# A missing database is a configuration problem: 78 (EX_CONFIG), so the timer does not retry.
[ "$rc" -eq 78 ] || { echo "unexpected exit code $rc"; exit 1; }
echo "ok"
