#!/usr/bin/env bash
# Installs what kmdll needs on Debian 12 (run as root, or with sudo available) and builds it.
# Idempotent and fast when everything is already there. Used by the README's Quick start and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the toolchain (clang, lld-link, llvm tools, mingw-w64 DDK headers and kernel
# import libraries), Unicorn for the emulator, wine64 for its corpus of real PE files, chromium
# for the HTML report's browser test, GNU gcc/ld/dlltool for mingw (test/qa-gnu-toolchain: drivers built by another toolchain).
# strace observes which files kmdll new / build --install write (test/write-confinement).
# binutils-mingw-w64-x86-64 has windmc, which kmdll build runs on .mc message files.
PKGS="clang lld llvm strace mingw-w64-x86-64-dev mingw-w64-i686-dev gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 binutils-mingw-w64-x86-64 libunicorn-dev pkg-config wine64 make g++ python3 chromium"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages (exact versions from package-lock.json).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The Node-API addon over libunicorn.
addon=native/build/Release/kmdll_unicorn.node
if [ -f native/binding.gyp ]; then
  if [ ! -f "$addon" ] || [ -n "$(find native/src native/binding.gyp -newer "$addon" 2>/dev/null | head -1)" ]; then
    echo "setup: building the Unicorn addon"
    # node-gyp needs Node's headers: use Debian's (/usr/include/node) rather than downloading them.
    if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
    npm run --silent build:native >/dev/null
  fi
fi

# TypeScript → dist/.
npm run --silent build
