#!/bin/sh
# contrib/systemd/skola-gateway.service (docs/security.md 5): the sandboxing lines the threat model relies
# on are there, contrib/systemd/skola-gateway.sysusers makes the account, `systemd-analyze verify` finds
# nothing to say about the unit, and the offline
# `systemd-analyze security` exposure stays at 2.0 or below. Without systemd-analyze, the two checks
# that need it print SKIP, never PASS.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
S=systemd
UNIT=$ROOT/contrib/systemd/skola-gateway.service

# the hardening the documentation promises, one directive per line, exactly as written
for line in 'User=skola-gateway' 'Group=skola-gateway' 'StateDirectory=skola-gateway' \
    'ConfigurationDirectory=skola-gateway' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'PrivateDevices=yes' 'NoNewPrivileges=yes' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
    'CapabilityBoundingSet=' 'AmbientCapabilities=' 'SystemCallFilter=@system-service' \
    'MemoryDenyWriteExecute=yes' 'LockPersonality=yes' 'RestrictNamespaces=yes' 'ProtectKernelTunables=yes' \
    'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' 'ProtectControlGroups=yes' 'UMask=0077' 'LimitCORE=0' \
    'ExecStart=/usr/local/bin/gateway serve --config /etc/skola-gateway/gateway.conf'; do
    if grep -qxF -- "$line" "$UNIT"; then
        pass "$S/directive/${line%%=*}"
    else
        fail "$S/directive/${line%%=*}" "no line '$line' in contrib/systemd/skola-gateway.service"
    fi
done
if grep -q '^User=root\|^AmbientCapabilities=.\|^CapabilityBoundingSet=.' "$UNIT"; then
    fail "$S/no-privilege" "the unit runs as root or keeps a capability"
else
    pass "$S/no-privilege"
fi

# the account the unit runs as: systemd-sysusers, on an empty root, in dry-run mode (nothing is written)
if command -v systemd-sysusers >/dev/null 2>&1; then
    mkdir -p "$TMP/root/etc"
    systemd-sysusers --dry-run --root="$TMP/root" "$ROOT/contrib/systemd/skola-gateway.sysusers" >"$TMP/out" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && grep -q "Creating user 'skola-gateway'" "$TMP/out" && [ ! -e "$TMP/root/etc/passwd" ]; then
        pass "$S/sysusers-account"
    else
        fail "$S/sysusers-account" "exit $rc: $(head -c 400 "$TMP/out")"
    fi
else
    skip "$S/sysusers-account" "systemd-sysusers is not installed: the account file was NOT checked"
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then
    skip "$S/verify" "systemd-analyze is not installed: the unit was NOT checked by systemd"
    skip "$S/security-exposure" "systemd-analyze is not installed: the exposure was NOT measured"
    finish
fi

# verify checks that ExecStart names an executable: the copy runs the binary under test instead of
# /usr/local/bin/gateway, and nothing else in it changes. The file keeps its name (the unit name).
mkdir -p "$TMP/unit" "$TMP/bad"
sed "s|^ExecStart=/usr/local/bin/gateway |ExecStart=$GATEWAY |" "$UNIT" >"$TMP/unit/skola-gateway.service"
# verify_unit FILE: systemd-analyze verify FILE; status in $rc, everything it printed in $TMP/out
verify_unit() {
    systemd-analyze verify "$1" >"$TMP/out" 2>&1
    rc=$?
}
verify_unit "$TMP/unit/skola-gateway.service"
if [ $rc -eq 0 ] && [ ! -s "$TMP/out" ]; then
    pass "$S/verify"
else
    fail "$S/verify" "exit $rc: $(head -c 600 "$TMP/out")"
fi
# a control: an unknown directive is only a warning (exit 0), so the check above must see the output
sed 's/^\[Service\]$/[Service]\nFrobnicate=yes/' "$TMP/unit/skola-gateway.service" >"$TMP/bad/skola-gateway.service"
verify_unit "$TMP/bad/skola-gateway.service"
if grep -q "Frobnicate" "$TMP/out"; then
    pass "$S/verify-reports-unknown-directive"
else
    fail "$S/verify-reports-unknown-directive" "exit $rc, no word of Frobnicate: $(head -c 400 "$TMP/out")"
fi

# systemd 252 and later rate a unit file offline; --threshold is the exposure times 10
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
    systemd-analyze security --offline=true --threshold=20 "$TMP/unit/skola-gateway.service" >"$TMP/out" 2>&1
    rc=$?
    level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$TMP/out")
    if [ $rc -eq 0 ] && [ -n "$level" ]; then
        pass "$S/security-exposure-$level"
    else
        fail "$S/security-exposure" "exit $rc, exposure '${level:-?}' (want 2.0 or less): $(tail -c 300 "$TMP/out")"
    fi
else
    skip "$S/security-exposure" "this systemd-analyze cannot rate a unit offline (needs systemd 252)"
fi
finish
