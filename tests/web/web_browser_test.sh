#!/usr/bin/env bash
# ramette-web in a real browser (CTest label `web`): a SQLite database with the sample
# organisation (imports through `ramette import`), an admin and a direction account made with
# `ramette user add`, `ramette-web --listen 127.0.0.1:0`, then browser_test.js drives Debian's
# chromium through puppeteer-core (installed with npm into the build directory, no browser
# downloaded). Fails, never skips, when node, npm or chromium is missing or cannot start.
# Usage: web_browser_test.sh SOURCE_DIR WORK_DIR RAMETTE RAMETTE_WEB RAMETTE_SAMPLE_ORG
set -euo pipefail
src=$1 work=$2 ramette=$3 ramette_web=$4 sample_org=$5

fail() { echo "web_browser_test: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing (scripts/deps installs nodejs)"
command -v npm >/dev/null || fail "npm is missing (scripts/deps installs it)"
chromium=${RAMETTE_CHROMIUM:-$(command -v chromium || true)}
[ -x "$chromium" ] || fail "chromium is missing (scripts/deps installs Debian's chromium)"

# puppeteer-core, exactly as pinned by package-lock.json, into the build directory.
npm_dir=$work/npm
mkdir -p "$npm_dir"
if ! cmp -s "$src/package-lock.json" "$npm_dir/package-lock.json" || [ ! -d "$npm_dir/node_modules/puppeteer-core" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi

run=$work/run
rm -rf "$run"
mkdir -p "$run/artefacts"
db=$run/ramette.db
"$sample_org" "$run" 2025-06 >/dev/null
for kind in papers devices users workstations; do
  "$ramette" --db "$db" import "$kind" "$run/$kind.csv" >/dev/null
done
printf 'admin-password-123\n' > "$run/admin.pw"
printf 'dsi-password-4567\n' > "$run/dsi.pw"
"$ramette" --db "$db" user add webadmin --role admin --password-file "$run/admin.pw" >/dev/null
"$ramette" --db "$db" user add dsi-lead --role direction --direction DSI \
  --password-file "$run/dsi.pw" >/dev/null
"$ramette" --db "$db" indicators --year 2024 --format json > "$run/expected_org.json"
"$ramette" --db "$db" indicators --year 2024 --direction DSI --format json > "$run/expected_dsi.json"

"$ramette_web" --db "$db" --listen 127.0.0.1:0 > "$run/ramette-web.log" 2>&1 &
web_pid=$!
trap 'kill "$web_pid" 2>/dev/null || true; wait "$web_pid" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]\+\).*/\1/p' "$run/ramette-web.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$web_pid" 2>/dev/null || { cat "$run/ramette-web.log" >&2; fail "ramette-web stopped"; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$run/ramette-web.log" >&2; fail "ramette-web did not say where it listens"; }

NODE_PATH=$npm_dir/node_modules \
RAMETTE_BASE_URL=http://127.0.0.1:$port \
RAMETTE_CHROMIUM=$chromium \
RAMETTE_RUN_DIR=$run \
RAMETTE_YEAR=2024 \
RAMETTE_OWN_DIRECTION=DSI \
RAMETTE_OTHER_DIRECTION=DAF \
  node "$src/browser_test.js"
echo "web_browser_test: screenshots in $run/artefacts"
