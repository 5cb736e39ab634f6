#!/bin/sh
# Install the Debian 12 packages the gateway builds, checks, tests and runs with, if any is missing.
# (make lint: clang-format, shellcheck; make analyze: gcc from build-essential, cppcheck.)
# Run as root (or with sudo available). Does nothing when everything is installed.
set -eu

PACKAGES="build-essential pkg-config openssl libssl-dev libxml2-dev libxmlsec1-dev libxmlsec1-openssl \
xmlsec1 libcurl4-openssl-dev libevent-dev libsqlite3-dev sqlite3 curl valgrind iproute2 \
clang-format cppcheck shellcheck python3"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: not root and no sudo; run as root: apt-get install -y$missing" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
