#!/usr/bin/env bash
# tests/install/check.sh BUILD_DIR SCRATCH_DIR (suite 'install')
#
# Checks that `meson install` gives a usable library: installs BUILD_DIR into
# SCRATCH_DIR/destdir, checks the files (libnethttp.a with llhttp folded in,
# the public headers, nethttp.pc), then compiles, links and runs hello.cc,
# workers.cc, coroutines.cc (also with clang++) and httptest.cc with nothing
# but `pkg-config --cflags --libs nethttp`.
set -euo pipefail

die() { echo "install check: $*" >&2; exit 1; }

(($# == 2)) || die "usage: $0 BUILD_DIR SCRATCH_DIR"
build=$(cd "$1" && pwd)
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
destdir=$scratch/destdir

rm -rf "$scratch"
mkdir -p "$scratch"

# --no-rebuild: meson test has just built everything, and a nested ninja
# would fight over the build directory's lock.
meson install -C "$build" --destdir "$destdir" --no-rebuild >"$scratch/install.log" 2>&1 \
  || { cat "$scratch/install.log" >&2; die "meson install failed (log above)"; }

pc=$(find "$destdir" -name nethttp.pc -print -quit)
[[ -n "$pc" ]] || die "nethttp.pc was not installed"
prefix=$(pkg-config --variable=prefix "$pc")

# The .pc names the final prefix (/usr/local); point a copy of it at the
# DESTDIR tree instead. Overriding prefix with --define-variable would also
# move libuv's and spdlog's prefixes, so rewrite just this file.
mkdir -p "$scratch/pkgconfig"
sed "s|^prefix=.*|prefix=$destdir$prefix|" "$pc" >"$scratch/pkgconfig/nethttp.pc"
export PKG_CONFIG_PATH="$scratch/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

includedir=$(pkg-config --variable=includedir nethttp)
libdir=$(pkg-config --variable=libdir nethttp)
for h in "$here"/../../lib/include/nethttp/*.h; do
  [[ -f "$includedir/nethttp/${h##*/}" ]] || die "${h##*/} not installed in $includedir/nethttp/"
done
[[ -f "$libdir/libnethttp.a" ]] || die "libnethttp.a not installed in $libdir"
# subprojects/llhttp links llhttp with link_whole, so its objects must be in
# our archive: the installed tree has no libllhttp.a for users to link.
# (grep reads all of nm's output: with -q it would stop early, nm would get
# SIGPIPE, and pipefail would call that a failure.)
nm -g --defined-only "$libdir/libnethttp.a" 2>/dev/null | grep -w llhttp_init >/dev/null \
  || die "libnethttp.a lacks llhttp's objects (llhttp_init undefined)"

read -r -a flags <<<"$(pkg-config --cflags --libs nethttp)"
"${CXX:-c++}" -std=c++20 -o "$scratch/hello" "$here/hello.cc" "${flags[@]}" \
  || die "hello.cc did not build against the installed tree"
out=$("$scratch/hello") || die "hello ran and failed: $out"
# The README's relay on two workers: threads, with the same flags.
"${CXX:-c++}" -std=c++20 -o "$scratch/workers" "$here/workers.cc" "${flags[@]}" \
  || die "workers.cc did not build against the installed tree"
workers_out=$("$scratch/workers") || die "workers ran and failed: $workers_out"
# The README's coroutines: the /ping server, a relay handler, a handler
# reading its body with Next, and the JSON POST, as straight-line code
# (Task, DoAsync, ReadAllAsync, Next).
"${CXX:-c++}" -std=c++20 -o "$scratch/coroutines" "$here/coroutines.cc" "${flags[@]}" \
  || die "coroutines.cc did not build against the installed tree"
co_out=$("$scratch/coroutines") || die "coroutines ran and failed: $co_out"
# Issue 15 promises Clang 14 as well as GCC 12 for the coroutine API: the
# same program built by clang++ (tools/setup installs it for the fuzz
# targets) against the GCC-built library.
command -v clang++ >/dev/null || die "clang++ not found (tools/setup installs clang)"
clang++ -std=c++20 -o "$scratch/coroutines-clang" "$here/coroutines.cc" "${flags[@]}" \
  || die "coroutines.cc did not build with clang++ against the installed tree"
"$scratch/coroutines-clang" >/dev/null || die "coroutines built by clang++ ran and failed"
# A user's own handler test: httptest's recorder and server (issue 16).
"${CXX:-c++}" -std=c++20 -o "$scratch/httptest" "$here/httptest.cc" "${flags[@]}" \
  || die "httptest.cc did not build against the installed tree"
ht_out=$("$scratch/httptest") || die "httptest ran and failed: $ht_out"
echo "install check: ok ($prefix into $destdir; hello printed '$out'; $workers_out; $co_out; $ht_out)"
