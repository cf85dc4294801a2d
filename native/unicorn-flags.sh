#!/bin/sh
# Prints the compiler/linker flags of libunicorn for binding.gyp; a missing library is one clear line.
if ! pkg-config --exists unicorn 2>/dev/null; then
  echo "kmdll: libunicorn not found (pkg-config unicorn): run 'apt-get install libunicorn-dev pkg-config'" >&2
  exit 1
fi
pkg-config "$1" unicorn
