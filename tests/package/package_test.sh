#!/usr/bin/env bash
# The .deb (cmake/Packaging.cmake), for ctest -L package (tests/CMakeLists.txt).
#   package_test.sh contents CPACK BUILD_DIR VERSION COMMIT
#     builds the package with CPack from BUILD_DIR's binaries into BUILD_DIR/package-test/ and
#     checks it with dpkg-deb: the files, the control fields (Depends from dpkg-shlibdeps), the
#     maintainer scripts, the unit's sandbox score and the packaged binaries' --version.
#   package_test.sh install CPACK BUILD_DIR VERSION COMMIT
#     as root only (else exit 77, which ctest reports as skipped): dpkg -i, the binaries, the
#     govbus user, a config error's exit status as that user, dpkg --purge. Leaves the machine as
#     it found it (the govbus user and /var/lib/govbus are removed again if the test made them).
set -euo pipefail

mode=$1 cpack=$2 build=$3 version=$4 commit=$5
out="$build/package-test"
arch=$(dpkg --print-architecture)
deb="$out/govbus_${version}_${arch}.deb"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
check_contains() {  # what haystack needle
  case "$2" in
    *"$3"*) ;;
    *) fail "$1 lacks '$3'" ;;
  esac
}
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}

contents_test() {
  rm -rf "$out"
  mkdir -p "$out"
  (cd "$build" && "$cpack" --config CPackConfig.cmake -B "$out" >"$out/cpack.log" 2>&1) || {
    cat "$out/cpack.log" >&2
    echo "FAIL: cpack could not build the package" >&2
    exit 1
  }
  [ -f "$deb" ] || { echo "FAIL: no $deb; cpack wrote: $(ls "$out")" >&2; exit 1; }
  echo "built $deb ($(stat -c %s "$deb") bytes)"

  local list
  list=$(dpkg-deb -c "$deb" | awk '{print $2, $6}')
  for f in /usr/bin/govbus-node /usr/bin/govbus-admin /usr/bin/govbus-testnet \
    /lib/systemd/system/govbus-node.service /etc/govbus/govbus-node.toml.example \
    /usr/share/doc/govbus/README.md /usr/share/doc/govbus/OPERATIONS.md \
    /usr/share/doc/govbus/PROTOCOL.md /usr/share/doc/govbus/TESTING.md \
    /usr/share/doc/govbus/copyright \
    /usr/share/doc/govbus/data/divisions/LICENSE /usr/share/doc/govbus/data/calendar/LICENSE \
    /usr/share/govbus/data/divisions/areas.csv /usr/share/govbus/data/calendar/cn-public-holidays.csv \
    /usr/share/govbus/data/sample-catalog.csv; do
    grep -qE "^root/root \.$f\$" <<<"$list" || fail "the package has no $f owned by root/root"
  done
  if grep -qE 'govbus-bench|_test$|/usr/local/|/include/' <<<"$list"; then
    fail "the package holds files it should not: $(grep -E 'govbus-bench|_test$|/usr/local/|/include/' <<<"$list" | tr '\n' ' ')"
  fi

  local field
  field() { dpkg-deb -f "$deb" "$1"; }
  [ "$(field Package)" = govbus ] || fail "Package: $(field Package)"
  [ "$(field Version)" = "$version" ] || fail "Version: $(field Version), not $version"
  [ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
  local depends
  depends=$(field Depends)
  echo "Depends: $depends"
  for lib in adduser libzmq5 libsodium23 liblmdb0 libcapnp- libstdc++6 libc6; do
    check_contains Depends "$depends" "$lib"
  done
  local info
  info=$(dpkg-deb -I "$deb")
  for script in postinst prerm postrm conffiles; do
    grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines .* $script" <<<"$info" || fail "no $script in the control archive"
  done

  local root="$out/root"
  mkdir -p "$root"
  dpkg-deb -x "$deb" "$root"
  mkdir -p "$out/control"
  dpkg-deb -e "$deb" "$out/control"
  check_contains conffiles "$(cat "$out/control/conffiles")" /etc/govbus/govbus-node.toml.example
  check_contains postinst "$(cat "$out/control/postinst")" "adduser --system"
  local unit="$root/lib/systemd/system/govbus-node.service"
  local text
  text=$(cat "$unit")
  for line in "ExecStart=/usr/bin/govbus-node --config /var/lib/govbus/govbus-node.toml" \
    "User=govbus" "StateDirectory=govbus" "RestartPreventExitStatus=2" "Restart=on-failure" \
    "ProtectSystem=strict" "CapabilityBoundingSet=" "SystemCallFilter=@system-service" \
    "MemoryDenyWriteExecute=yes" "PrivateDevices=yes" "RestrictNamespaces=yes" \
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK"; do
    grep -qxF "$line" <<<"$text" || fail "the unit has no line '$line'"
  done
  # RestartPreventExitStatus applies to the main process: a config check in ExecStartPre exiting 2
  # would restart forever.
  if grep -q '^ExecStartPre=' <<<"$text"; then fail "the unit has an ExecStartPre"; fi
  if command -v systemd-analyze >/dev/null; then
    # Exposure 4.9 at most: "OK" or better (systemd-analyze's 0-100 scale).
    local score
    if ! score=$(systemd-analyze security --offline=true --threshold=49 "$unit" 2>&1); then
      fail "systemd-analyze security rates the unit worse than OK: $(tail -n1 <<<"$score")"
    fi
    echo "unit: $(tail -n1 <<<"$score")"
  else
    echo "NOTE: systemd-analyze not found (package systemd; scripts/install-deps): the unit's" \
      "sandbox score is not checked"
  fi

  for b in govbus-node govbus-admin govbus-testnet; do
    local got
    got=$("$root/usr/bin/$b" --version 2>&1) || fail "$b --version exited $?"
    [ "$got" = "$b $version (commit $commit)" ] || fail "$b --version said '$got'"
  done
  finish
}

install_test() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: not root; installing the package (dpkg -i) needs root. CI runs as root."
    exit 77
  fi
  [ -f "$deb" ] || { echo "FAIL: no $deb (PackageTest.DebContents builds it)" >&2; exit 1; }
  # One run at a time on this machine (other build trees may run the same test).
  exec 9>/var/lock/govbus-package-test.lock
  flock -w 600 9 || { echo "FAIL: another package test held the lock for 10 minutes" >&2; exit 1; }
  local status
  status=$(dpkg-query -W -f='${Status}' govbus 2>/dev/null || true)
  case "$status" in
    "" | *not-installed) ;;
    *)
      echo "SKIP: a govbus package is already on this machine ($status); the test leaves it alone"
      exit 77
      ;;
  esac
  # Globals: the EXIT trap reads them after this function has returned.
  had_user=0 had_dir=0
  if getent passwd govbus >/dev/null; then had_user=1; fi
  if [ -e /var/lib/govbus ]; then had_dir=1; fi
  scratch=$(mktemp -d /tmp/govbus-package-test.XXXXXX)
  chmod 0755 "$scratch"
  cleanup() {
    dpkg --purge govbus >/dev/null 2>&1 || true
    rm -rf "$scratch"
    if [ "$had_user" -eq 0 ] && getent passwd govbus >/dev/null; then
      deluser --system --quiet govbus >/dev/null 2>&1 || userdel govbus || true
      if getent group govbus >/dev/null; then
        delgroup --system --quiet govbus >/dev/null 2>&1 || groupdel govbus || true
      fi
    fi
    if [ "$had_dir" -eq 0 ]; then rm -rf /var/lib/govbus; fi
  }
  trap cleanup EXIT

  if ! dpkg -i "$deb"; then
    echo "FAIL: dpkg -i $deb failed (missing dependencies? scripts/install-deps installs them)" >&2
    exit 1
  fi
  for b in govbus-node govbus-admin govbus-testnet; do
    local got
    got=$("/usr/bin/$b" --version 2>&1) || fail "/usr/bin/$b --version exited $?"
    [ "$got" = "$b $version (commit $commit)" ] || fail "/usr/bin/$b --version said '$got'"
  done
  echo "/usr/bin/govbus-node --version: $(/usr/bin/govbus-node --version)"
  local entry
  if entry=$(getent passwd govbus); then
    echo "user: $entry"
    IFS=: read -r _ _ uid _ _ home shell <<<"$entry"
    [ "$uid" -lt 1000 ] || fail "govbus is not a system user (uid $uid)"
    [ "$home" = /var/lib/govbus ] || fail "govbus's home is $home"
    [ "$shell" = /usr/sbin/nologin ] || fail "govbus's shell is $shell"
    getent group govbus >/dev/null || fail "no govbus group"
    [ "$(stat -c %U /var/lib/govbus)" = govbus ] || fail "/var/lib/govbus is not govbus's"
    # The operator's first step, as the govbus user; then a node whose config is wrong exits 2
    # (the unit's RestartPreventExitStatus).
    install -d -o govbus -g govbus -m 0750 "$scratch/node"
    runuser -u govbus -- /usr/bin/govbus-admin init --code 430000 --dir "$scratch/node" \
      --listen tcp://127.0.0.1:7100 >/dev/null || fail "govbus-admin init as govbus failed"
    local exit_status=0
    runuser -u govbus -- /usr/bin/govbus-node --config "$scratch/node/govbus-node.toml" \
      >/dev/null 2>&1 || exit_status=$?
    [ "$exit_status" -eq 2 ] || fail "govbus-node without an anchor exited $exit_status, not 2"
  else
    fail "no govbus user after dpkg -i"
  fi
  [ -f /etc/govbus/govbus-node.toml.example ] || fail "no /etc/govbus/govbus-node.toml.example"
  [ -f /lib/systemd/system/govbus-node.service ] || fail "no /lib/systemd/system/govbus-node.service"

  dpkg --purge govbus || fail "dpkg --purge govbus failed"
  for f in /usr/bin/govbus-node /usr/bin/govbus-admin /usr/bin/govbus-testnet \
    /lib/systemd/system/govbus-node.service /etc/govbus /usr/share/doc/govbus; do
    [ ! -e "$f" ] || fail "$f is still there after dpkg --purge"
  done
  # Purge leaves the system user (Debian practice; packaging/debian/postrm).
  getent passwd govbus >/dev/null || fail "dpkg --purge removed the govbus user"
  finish
}

case "$mode" in
  contents) contents_test ;;
  install) install_test ;;
  *) echo "usage: $0 contents|install CPACK BUILD_DIR VERSION COMMIT" >&2; exit 2 ;;
esac
