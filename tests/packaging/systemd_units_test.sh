#!/usr/bin/env bash
# Checks packaging/systemd/ramette-report.{service,timer} and ramette-directory-sync.{service,timer}
# with systemd-analyze: the units verify (with ExecStart pointed at the built ramette, since
# verify wants the program to exist), the report service runs `report monthly --month last
# --send` and its timer fires on the 2nd at 06:00; the sync service runs `directory sync` and its
# timer fires every night at 02:30.
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

# The directory sync units.
sed "s|/usr/bin/ramette |$RAMETTE |" "$SRC/packaging/systemd/ramette-directory-sync.service" \
  > "$WORK/ramette-directory-sync.service"
cp "$SRC/packaging/systemd/ramette-directory-sync.timer" "$WORK/"
out=$(systemd-analyze verify --man=no "$WORK/ramette-directory-sync.timer" \
  "$WORK/ramette-directory-sync.service" 2>&1)
if [ -n "$out" ]; then
  echo "systemd-analyze verify reported (directory sync):"; echo "$out"; exit 1
fi
grep -q -- "--db /var/lib/ramette/ramette.db directory sync$" \
  "$SRC/packaging/systemd/ramette-directory-sync.service"
calendar=$(sed -n 's/^OnCalendar=//p' "$SRC/packaging/systemd/ramette-directory-sync.timer")
next=$(systemd-analyze calendar --iterations=3 "$calendar" | grep -E "Next elapse|Iter\." )
echo "$next"
if [ "$(echo "$next" | grep -c -- ' 02:30:00')" -ne 3 ]; then
  echo "the directory sync timer does not fire every night at 02:30"; exit 1
fi
# Without [directory] the command is a configuration error (78): not retried.
printf '[organisation]\ntime_zone = "Europe/Paris"\n' > "$WORK/no-directory.toml"
set +e
"$RAMETTE" --config "$WORK/no-directory.toml" --db "$WORK/none.db" directory sync 2>"$WORK/err"
rc=$?
set -e
grep -q "no \[directory\] table" "$WORK/err" || { cat "$WORK/err"; exit 1; }
[ "$rc" -eq 78 ] || { echo "directory sync without [directory]: exit code $rc"; exit 1; }
echo "ok"
