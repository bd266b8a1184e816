#!/usr/bin/env bash
# The benchmark: vb365-graphql against Tailcall 1.6.14 and two ceilings (nginx
# alone, a bare net/http handler), over nginx serving VB365 v8 answers.
# Installs what it needs (nginx and wrk from Debian; Tailcall from npm, with
# Debian trixie's glibc unpacked into bench/.cache, since Tailcall needs glibc
# 2.39 and this system has 2.36), builds the gateway and writes
# bench/results/<date>.md. Not part of the test run: the whole of it takes
# about 35 minutes (the soak alone 10).
# Usage: bench/run.sh                 everything
#        bench/run.sh [flags]         one stage: see go run ./bench/cmd/bench -help, e.g.
#                                     -queries single,list50 -runs 1, or -mode soak -soak-duration 1m
set -euo pipefail
cd "$(dirname "$0")/.."
cache=bench/.cache
mkdir -p "$cache" bench/results

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nginx wrk >/dev/null
fi

tc="$cache/tailcall/package/bin/tailcall"
if [ ! -x "$tc" ]; then
  mkdir -p "$cache/tailcall"
  (cd "$cache/tailcall" && npm pack --silent @tailcallhq/core-linux-x64-gnu@1.6.14 >/dev/null && tar xzf tailcallhq-core-linux-x64-gnu-1.6.14.tgz)
fi
glibc="$cache/glibc/usr/lib/x86_64-linux-gnu"
if [ ! -e "$glibc/ld-linux-x86-64.so.2" ]; then
  apt="$cache/apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  # Debian's main archive as this machine's own apt configuration names it
  # (deb822 .sources files or a one-line sources.list), not the security one.
  mirror=$( { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
              grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
                | sed -E 's/\[[^]]*\] //' | awk '{print $2}'; } | grep -v security | head -n 1 || true)
  if [ -z "$mirror" ]; then echo "no Debian mirror in this machine's apt configuration" >&2; exit 1; fi
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$apt/sources.list"
  opts=(-o Dir::Etc::SourceList="$PWD/$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists="$PWD/$apt/lists" -o Dir::Cache="$PWD/$apt/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq
  (cd "$apt" && apt-get "${opts[@]}" download libc6 >/dev/null)
  dpkg-deb -x "$apt"/libc6_*.deb "$cache/glibc"
fi

go build -o "$cache/vb365-graphql" .
bench=(go run ./bench/cmd/bench -gateway "$cache/vb365-graphql"
  -tailcall "$PWD/$glibc/ld-linux-x86-64.so.2 --library-path $PWD/$glibc:/lib/x86_64-linux-gnu $PWD/$tc")
out="bench/results/$(date -u +%Y-%m-%d).md"
if [ $# -gt 0 ]; then
  exec "${bench[@]}" -out "$out" "$@"   # one stage, as asked
fi
# Everything, into one report: the queries against Tailcall and the ceilings
# (with two more GC settings), the list sizes, subscribers, and the soak.
mkdir -p "$cache/trace"   # GC traces and runtime/traces of the plain gateway target: go tool trace
"${bench[@]}" -out "$out" -gc-percents 200,400 -trace "$cache/trace"
"${bench[@]}" -out "$out" -append -queries lists
"${bench[@]}" -out "$out" -append -mode subscribers
"${bench[@]}" -out "$out" -append -mode soak
