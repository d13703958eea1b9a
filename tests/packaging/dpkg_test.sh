#!/usr/bin/env bash
# Builds the .deb packages from BUILD_DIR (cpack, no rebuild), runs lintian on them, installs
# them with dpkg -i on this machine, checks files, conffiles, user, state directory, units and
# shared-library dependencies, runs the three binaries, removes them (data kept) and purges them
# (data and user gone). Needs root; exits 77 (skipped) otherwise. Refuses to touch an existing install.
# Usage: dpkg_test.sh BUILD_DIR VERSION
set -euo pipefail
build_dir=$1
version=$2

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the dpkg test installs packages on this machine and needs root"
  exit 77
fi
exec 9>/tmp/ramette-dpkg-test.lock
flock 9
for p in ramette-agent ramette-aggregator; do
  s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ -n "$s" ] && [ "$s" != "not-installed" ]; then
    echo "FAIL: $p is already on this machine ($s); purge it first (dpkg --purge $p)"
    exit 1
  fi
done
if getent passwd ramette >/dev/null; then
  echo "FAIL: a user 'ramette' exists already; this test must be the one that creates it"
  exit 1
fi

tmp=$(mktemp -d)
installed=0
cleanup() {
  if [ $installed -eq 1 ]; then dpkg --purge ramette-agent ramette-aggregator >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}

(cd "$build_dir" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; exit 1; }
agent_deb=$(ls "$tmp"/out/ramette-agent_*.deb)
aggregator_deb=$(ls "$tmp"/out/ramette-aggregator_*.deb)
echo "built $(basename "$agent_deb") $(basename "$aggregator_deb")"

# lintian (installed by scripts/deps): no error or warning left, except the overrides each
# package ships with the reason written beside them (packaging/debian/*/lintian-overrides).
if command -v lintian >/dev/null; then
  if lintian --fail-on error,warning "$agent_deb" "$aggregator_deb" >"$tmp/lintian.log" 2>&1; then
    echo "ok   lintian: no errors or warnings"
  else
    echo "FAIL lintian: errors or warnings"; grep -v 'root privileges' "$tmp/lintian.log"
    failures=$((failures + 1))
  fi
else
  echo "skip lintian (not installed: scripts/deps installs it)"
fi
for p in ramette-agent ramette-aggregator; do
  deb=$agent_deb; [ "$p" = ramette-aggregator ] && deb=$aggregator_deb
  check "$p ships /usr/share/doc/$p/copyright (DEP-5)" sh -c \
    "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./usr/share/doc/$p/copyright | head -1 | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'"
  check "$p has a real Maintainer (not root@localhost)" sh -c \
    "! dpkg-deb -f '$deb' Maintainer | grep -q 'localhost'"
done

# Shared-library dependencies computed by dpkg-shlibdeps.
check "agent depends on libcups2" sh -c "dpkg-deb -f '$agent_deb' Depends | grep -q libcups2"
check "agent depends on libsqlite3-0" sh -c "dpkg-deb -f '$agent_deb' Depends | grep -q libsqlite3-0"
check "aggregator depends on libgrpc++" sh -c "dpkg-deb -f '$aggregator_deb' Depends | grep -q 'libgrpc++'"
check "aggregator depends on libc6" sh -c "dpkg-deb -f '$aggregator_deb' Depends | grep -q libc6"
check "aggregator depends on libldap" sh -c "dpkg-deb -f '$aggregator_deb' Depends | grep -q 'libldap'"
check "aggregator depends on libsodium" sh -c "dpkg-deb -f '$aggregator_deb' Depends | grep -q 'libsodium'"

installed=1
DEBIAN_FRONTEND=noninteractive dpkg -i "$agent_deb" "$aggregator_deb" >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log"; exit 1; }

for f in /usr/bin/ramette-agent /usr/bin/ramette-aggregator /usr/bin/ramette /usr/bin/ramette-web \
         /lib/systemd/system/ramette-web.service /etc/ramette/agent.toml /etc/ramette/aggregator.toml \
         /lib/systemd/system/ramette-agent.service /lib/systemd/system/ramette-aggregator.service \
         /lib/systemd/system/ramette-directory-sync.service \
         /lib/systemd/system/ramette-directory-sync.timer; do
  check "file $f" test -f "$f"
done
check "agent.toml is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' ramette-agent | grep -q ' /etc/ramette/agent.toml '"
check "aggregator.toml is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' ramette-aggregator | grep -q ' /etc/ramette/aggregator.toml '"
check "system user ramette" sh -c '[ "$(id -u ramette)" -lt 1000 ]'
check "ramette has no login shell" sh -c 'getent passwd ramette | grep -q nologin'
check "ramette is in lpadmin" sh -c 'id -nG ramette | tr " " "\n" | grep -qx lpadmin'
check "/var/lib/ramette owned by ramette, 0700" sh -c '[ "$(stat -c %U:%a /var/lib/ramette)" = ramette:700 ]'
check "/var/lib/ramette/agent owned by ramette, 0700" sh -c '[ "$(stat -c %U:%a /var/lib/ramette/agent)" = ramette:700 ]'
for unit in ramette-agent.service ramette-aggregator.service ramette-directory-sync.service \
    ramette-directory-sync.timer ramette-web.service; do
  check "systemd-analyze verify installed $unit" sh -c \
    "out=\$(systemd-analyze verify --man=no /lib/systemd/system/$unit 2>&1) && [ -z \"\$out\" ]"
done
check "agent unit enabled" test -L /etc/systemd/system/multi-user.target.wants/ramette-agent.service
check "aggregator unit enabled" test -L /etc/systemd/system/multi-user.target.wants/ramette-aggregator.service
check "directory sync timer enabled" test -L /etc/systemd/system/timers.target.wants/ramette-directory-sync.timer
check "ramette-agent --version" sh -c "[ \"\$(/usr/bin/ramette-agent --version)\" = 'ramette-agent $version' ]"
check "ramette-aggregator --version" sh -c "[ \"\$(/usr/bin/ramette-aggregator --version)\" = 'ramette-aggregator $version' ]"
check "ramette --version" sh -c "[ \"\$(/usr/bin/ramette --version)\" = 'ramette $version' ]"
check "ramette-web --version" sh -c "[ \"\$(/usr/bin/ramette-web --version)\" = 'ramette-web $version' ]"
check "ramette-web is installed, not enabled (accounts first)" \
  test ! -e /etc/systemd/system/multi-user.target.wants/ramette-web.service
# The installed aggregator starts as ramette on the installed configuration and creates its
# database in the state directory (stopped by timeout after 3 s).
timeout 3 runuser -u ramette -- /usr/bin/ramette-aggregator --config /etc/ramette/aggregator.toml \
  --listen 127.0.0.1:0 >"$tmp/aggregator.log" 2>&1 || true
check "aggregator started as ramette and created its database" test -f /var/lib/ramette/ramette.db
check "ramette reads the database" sh -c 'runuser -u ramette -- /usr/bin/ramette --db /var/lib/ramette/ramette.db indicators --year 2024 --format json | grep -q organisation'

dpkg -r ramette-agent ramette-aggregator >"$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log"; exit 1; }
check "remove keeps the database" test -f /var/lib/ramette/ramette.db
check "remove keeps the user" getent passwd ramette
check "remove keeps the configuration" test -f /etc/ramette/agent.toml
check "remove takes the binaries" test ! -e /usr/bin/ramette-agent

dpkg --purge ramette-agent ramette-aggregator >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; exit 1; }
installed=0
check "purge deletes /var/lib/ramette" test ! -e /var/lib/ramette
check "purge deletes the user" sh -c '! getent passwd ramette'
check "purge deletes the group" sh -c '! getent group ramette'
check "purge deletes /etc/ramette" test ! -e /etc/ramette
check "purge deletes the enablement links" test ! -e /etc/systemd/system/multi-user.target.wants/ramette-agent.service
check "purge deletes the timer's link" test ! -e /etc/systemd/system/timers.target.wants/ramette-directory-sync.timer

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed"; cat "$tmp/aggregator.log"; exit 1
fi
echo "all package checks passed"
