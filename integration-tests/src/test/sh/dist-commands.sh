#!/usr/bin/env bash
# dist-commands.sh DIST WORK: drives DIST/bin/transferd and DIST/bin/transferctl as a user would,
# as processes, and checks each exit code and message against literals: exports to files that are
# not regular files, write errors on stdout, a terminal on stdout, Ctrl-C during an export, who an
# UNAVAILABLE came from, --help everywhere, import naming, start-up failures and --check-config.
# Prints "ok"/"FAIL" per check; exits 1 if any check failed. WORK is an empty scratch directory.
set -u
dist=$1
work=$2
ctl=$dist/bin/transferctl
td=$dist/bin/transferd
failures=0
daemon=

cleanup() {
  if [ -n "$daemon" ]; then
    kill -CONT "$daemon" 2>/dev/null
    kill "$daemon" 2>/dev/null
    wait "$daemon" 2>/dev/null
  fi
}
trap cleanup EXIT

# run CMD...: runs CMD with stdout and stderr in files; sets $code.
run() {
  "$@" >"$work/out" 2>"$work/err"
  code=$?
}

pass() { echo "ok   $1"; }
fail() {
  echo "FAIL $1"
  shift
  printf '     %s\n' "$@"
  failures=$((failures + 1))
}

# expect WHAT CODE STDERR: the last run exited CODE and wrote exactly STDERR (one line) on stderr.
expect() {
  local got
  got=$(cat "$work/err")
  if [ "$code" = "$2" ] && [ "$got" = "$3" ]; then
    pass "$1"
  else
    fail "$1" "exit $code, want $2" "stderr: $got" "want:   $3"
  fi
}

# expect_code WHAT CODE: the last run exited CODE, whatever it printed.
expect_code() {
  if [ "$code" = "$2" ]; then pass "$1"; else fail "$1" "exit $code, want $2" "stderr: $(cat "$work/err")"; fi
}

# check WHAT TEST...: `test TEST...` holds.
check() {
  local what=$1
  shift
  if test "$@"; then pass "$what"; else fail "$what" "not: test $*"; fi
}

# await WHAT TEST...: waits up to 30 s for `test TEST...` to hold.
await() {
  local what=$1 i=0
  shift
  until test "$@"; do
    i=$((i + 1))
    [ $i -lt 300 ] || { fail "$what" "timed out waiting for: test $*"; return 1; }
    sleep 0.1
  done
}

# oci_archive OUT NAME: a one-layer linux/amd64 OCI archive of 256 KiB of random data; its image
# is named NAME in io.containerd.image.name, or has no name when NAME is "".
oci_archive() {
  local out=$1 name=$2 d layer layer_size config config_size manifest manifest_size annotations=
  d=$(mktemp -d "$work/oci.XXXXXX")
  mkdir -p "$d/rootfs" "$d/layout/blobs/sha256"
  head -c 262144 /dev/urandom >"$d/rootfs/data"
  tar -C "$d/rootfs" -cf "$d/layer.tar" data
  layer=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
  layer_size=$(stat -c %s "$d/layer.tar")
  mv "$d/layer.tar" "$d/layout/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"config":{}}' \
    "$layer" >"$d/config.json"
  config=$(sha256sum "$d/config.json" | cut -d' ' -f1)
  config_size=$(stat -c %s "$d/config.json")
  mv "$d/config.json" "$d/layout/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" >"$d/manifest.json"
  manifest=$(sha256sum "$d/manifest.json" | cut -d' ' -f1)
  manifest_size=$(stat -c %s "$d/manifest.json")
  mv "$d/manifest.json" "$d/layout/blobs/sha256/$manifest"
  [ -n "$name" ] && annotations=$(printf ',"annotations":{"io.containerd.image.name":"%s"}' "$name")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}%s}]}' \
    "$manifest" "$manifest_size" "$annotations" >"$d/layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$d/layout/oci-layout"
  tar -C "$d/layout" -cf "$out" oci-layout index.json blobs
  rm -rf "$d"
}

# ---- the daemon -------------------------------------------------------------------------------

socket=$work/run/t.sock
"$td" --root "$work/root" --address "$socket" >"$work/transferd.log" 2>&1 &
daemon=$!
await "transferd serves on its socket" -S "$socket" || { cat "$work/transferd.log"; exit 1; }
export TRANSFERD_ADDRESS=$socket

# ---- 9: import naming -------------------------------------------------------------------------

oci_archive "$work/app.tar" localhost/app:1.0
oci_archive "$work/unnamed.tar" ""
run "$ctl" --progress none import --base-name localhost/app "$work/app.tar"
expect "import --base-name stores the images under that prefix" 0 ""
run "$ctl" images ls -q
check "the image is listed under its name" "$(cat "$work/out")" = "localhost/app:1.0"
run "$ctl" --progress none import "$work/unnamed.tar"
expect "an archive that names no image warns which flag to use" 0 \
  "transferctl: warning: $work/unnamed.tar names no image; nothing was stored under a name (try: --base-name NAME, --index-name NAME to store the whole archive, or --digests to name each image by its digest)"
run "$ctl" --progress none import --base-name example.com/x "$work/app.tar"
expect "a --base-name no image starts with warns" 0 \
  "transferctl: warning: no image in $work/app.tar has a name starting with example.com/x; nothing was stored under a name (try: a --base-name its names start with, --index-name NAME to store the whole archive, or --digests to name each image by its digest)"

img=localhost/app:1.0

# ---- 1: export FILE that is not a regular file -------------------------------------------------

mkfifo "$work/fifo"
cat "$work/fifo" >"$work/from-fifo" &
reader=$!
run "$ctl" --progress none export "$work/fifo" "$img"
wait "$reader"
expect "export into a FIFO" 0 ""
check "the FIFO is still a FIFO" -p "$work/fifo"
check "the archive came through the FIFO" "$(tar -tf "$work/from-fifo" | grep -c '^index.json$')" = 1

echo "old" >"$work/real.tar"
ln -s "$work/real.tar" "$work/link.tar"
run "$ctl" --progress none export "$work/link.tar" "$img"
expect "export to a symbolic link" 0 ""
check "the link is still a link" -L "$work/link.tar"
check "the file it names holds the archive" "$(tar -tf "$work/real.tar" | grep -c '^index.json$')" = 1

ln -s /nonexistent/x "$work/dangling.tar"
run "$ctl" --progress none export "$work/dangling.tar" "$img"
expect "a link to nothing is refused" 2 \
  "transferctl: $work/dangling.tar is a symbolic link to nothing (/nonexistent/x) (try: --help)"
check "the dangling link is kept" -L "$work/dangling.tar"

mkdir "$work/adir"
run "$ctl" --progress none export "$work/adir" "$img"
expect "a directory is refused" 2 "transferctl: $work/adir is a directory (try: --help)"

run "$ctl" --progress none export /dev/full "$img"
expect "export to /dev/full fails naming it" 1 \
  "transferctl: export $img: cannot write /dev/full: no space left on device"
check "/dev/full is still a device" -c /dev/full

# ---- 2: write errors on stdout ----------------------------------------------------------------

"$ctl" --progress none export - "$img" >/dev/full 2>"$work/err"
code=$?
expect "export - to a full stdout fails" 1 \
  "transferctl: export $img: cannot write standard output: no space left on device"

"$ctl" --progress none export - "$img" 2>"$work/err" | head -c 1000 >/dev/null
code=${PIPESTATUS[0]}
expect "export - into a pipe closed early exits 141 quietly" 141 ""

# ---- 3: a terminal on stdout ------------------------------------------------------------------

if command -v script >/dev/null; then
  script -qec "'$ctl' export - '$img'" /dev/null </dev/null >"$work/tty" 2>&1
  code=$?
  tr -d '\r' <"$work/tty" >"$work/err"
  expect "export - to a terminal is refused" 2 \
    "transferctl: refusing to write an archive to a terminal; redirect standard output or name a FILE (try: --help)"
  # /dev/stdout on a terminal is the terminal's device: refused as well, not written into.
  script -qec "'$ctl' export /dev/stdout '$img'" /dev/null </dev/null >"$work/tty" 2>&1
  code=$?
  tr -d '\r' <"$work/tty" | sed 's/(\/dev\/pts\/[0-9]*)/(PTY)/' >"$work/err"
  expect "export /dev/stdout on a terminal is refused" 2 \
    "transferctl: refusing to write an archive to a terminal (PTY); name a file instead (try: --help)"
else
  fail "export - to a terminal is refused" "script(1) (bsdutils) is missing"
fi

# ---- 4: Ctrl-C during export FILE -------------------------------------------------------------

# The daemon is stopped (SIGSTOP) first, so the export is still waiting when SIGINT arrives. Job
# control gives the background export the default SIGINT disposition a terminal's job would have.
kill -STOP "$daemon"
set -m
"$ctl" --progress none export "$work/interrupted.tar" "$img" 2>"$work/err" &
export_pid=$!
set +m
if await "the export has opened its partial file" -e "$work/.interrupted.tar.partial"; then
  kill -INT "$export_pid"
  wait "$export_pid"
  code=$?
  expect_code "Ctrl-C ends the export with 130" 130
  check "Ctrl-C removes the partial file" ! -e "$work/.interrupted.tar.partial"
  check "and leaves no archive" ! -e "$work/interrupted.tar"
fi
kill -CONT "$daemon"

# ---- 6: who an UNAVAILABLE came from ----------------------------------------------------------

run "$ctl" --address "$work/nothing.sock" images ls
expect "no daemon on the socket: exit 5" 5 \
  "transferctl: daemon unreachable: no transferd answers on $work/nothing.sock (try: start it with 'transferd', or point --address or TRANSFERD_ADDRESS at its socket)"

# Port 1 is closed: the daemon answers, the registry behind it does not.
run "$ctl" --progress none pull --plain-http 127.0.0.1:1/x:1
expect_code "a registry that is down: exit 1" 1
case $(cat "$work/err") in
  "transferctl: pull 127.0.0.1:1/x:1: unavailable: resolve 127.0.0.1:1/x:1: "*"(try: transferd is running, but what it reached for is not; check that the registry is up and reachable from the daemon's machine, then retry)")
    pass "a registry that is down is named, not the daemon" ;;
  *) fail "a registry that is down is named, not the daemon" "stderr: $(cat "$work/err")" ;;
esac

if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
  # The socket is root's, mode 0660: another user may not connect.
  chmod 755 "$work" "$work/run"
  run runuser -u nobody -- "$ctl" --address "$socket" images ls
  expect "a socket that refuses the user: exit 4" 4 \
    "transferctl: permission denied: cannot connect to $socket as uid 65534 (try: ask for access to the socket; transferd's [ttrpc] gid and mode decide who may connect)"
  # A socket anyone may open (mode 0666): the daemon's peer-credential check closes the connection.
  printf 'version = 2\nroot = "%s/open-root"\n[ttrpc]\naddress = "%s/open.sock"\nmode = "0666"\n' \
    "$work" "$work" >"$work/open.toml"
  "$td" --config "$work/open.toml" >"$work/open.log" 2>&1 &
  open_daemon=$!
  if await "a second transferd serves on an open socket" -S "$work/open.sock"; then
    run runuser -u nobody -- "$ctl" --address "$work/open.sock" images ls
    expect "a daemon that refuses the user's uid: exit 4" 4 \
      "transferctl: list images: permission denied: transferd on $work/open.sock closed the connection without answering; it serves only its own user unless its socket is given a uid or gid (try: run as the daemon's user, or set [ttrpc] gid and mode in its configuration)"
  fi
  kill "$open_daemon"
  wait "$open_daemon"
else
  echo "skip a socket that refuses the user (needs root and the user nobody)"
fi

# ---- 8: help everywhere -----------------------------------------------------------------------

for command in pull push copy import export tag images content leases version; do
  run "$ctl" $command --help
  if [ "$code" = 0 ] && head -1 "$work/out" | grep -q "^Usage: transferctl $command"; then
    pass "$command --help"
  else
    fail "$command --help" "exit $code" "$(head -3 "$work/out" "$work/err")"
  fi
  run "$ctl" help $command
  if [ "$code" = 0 ] && head -1 "$work/out" | grep -q "^Usage: transferctl $command"; then
    pass "help $command"
  else
    fail "help $command" "exit $code" "$(head -3 "$work/out" "$work/err")"
  fi
done
run "$ctl" images ls --help
expect "images ls --help" 0 ""

# ---- 12: start-up failures --------------------------------------------------------------------

# One line, exit 1, nothing left behind. Log lines start with a timestamp and the level.
expect_start_failure() {
  local what=$1 want=$2 got
  got=$(cat "$work/err")
  if [ "$code" = 1 ] && [ "$(wc -l <"$work/err")" -le 1 ] && [[ "$got" == *"$want" ]]; then
    pass "$what"
  else
    fail "$what" "exit $code, want 1" "output: $got" "want a line ending: $want"
  fi
}

run "$td" --root "$work/root" --address "$work/second.sock"
expect_start_failure "a root in use by another daemon" \
  "ERROR d.t.p.daemon.Transferd - cannot start: root $work/root is in use by another transferd (its store is locked; stop that daemon or choose another --root)"
check "no socket is left" ! -e "$work/second.sock"

run "$td" --root "$work/new/root" --address "$socket"
expect_start_failure "a socket another daemon serves on" \
  "cannot start: socket $socket: a server is already listening on it"
check "no root directory is left" ! -e "$work/new"

run "$td" --root "$work/r2" --address "$work/m.sock" --metrics-address notanaddress
expect "a bad --metrics-address" 1 \
  "transferd: --metrics-address must be HOST:PORT such as 127.0.0.1:9310, not \"notanaddress\" (it has no :PORT)"
check "no root directory is left" ! -e "$work/r2"

long=$work/$(printf 's%.0s' $(seq 1 110)).sock
run "$td" --root "$work/r3" --address "$long"
expect "a socket path over 107 bytes" 1 \
  "transferd: the socket path $long is ${#long} bytes long; unix sockets allow at most 107 (choose a shorter --address or [ttrpc] address)"

run "$td" --root /proc/transferd-test --address "$work/p.sock"
expect_start_failure "a root under /proc" \
  "cannot start: root /proc/transferd-test: cannot create: no such file or directory"

if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
  chmod 755 "$work"
  mkdir -m 555 "$work/readonly"
  run runuser -u nobody -- "$td" --root "$work/readonly/root" --address "$work/readonly/t.sock"
  expect_start_failure "a root the user may not create" \
    "cannot start: root $work/readonly/root: cannot create: permission denied"
else
  echo "skip a root the user may not create (needs root and the user nobody)"
fi

echo x >"$work/afile"
run "$td" --root "$work/afile" --address "$work/f.sock"
expect_start_failure "a root that is a file" \
  "cannot start: root $work/afile: exists and is not a directory"
check "no socket is left" ! -e "$work/f.sock"

# ---- 13: --check-config -----------------------------------------------------------------------

printf 'version = 2\nroot = "%s/r4"\n[metrics]\naddress = "127.0.0.1:9310"\n' "$work" >"$work/good.toml"
run "$td" --config "$work/good.toml" --check-config
expect "--check-config of a good file" 0 ""
check "--check-config prints TOML on stdout" "$(head -2 "$work/out")" = "$(printf 'version = 2\nroot = "%s/r4"' "$work")"
cp "$work/out" "$work/effective.toml"
run "$td" --config "$work/effective.toml" --check-config
check "what --check-config prints is a configuration that resolves alike" \
  "$(cat "$work/out")" = "$(cat "$work/effective.toml")"

printf 'version = 3\n' >"$work/v3.toml"
run "$td" --config "$work/v3.toml" --check-config
expect "version = 3 is an error" 1 \
  "transferd: $work/v3.toml:1: version must be 2 (this file's layout is containerd's version 2), not 3"

printf '[metrics]\naddress = "notanaddress"\n' >"$work/m.toml"
run "$td" --config "$work/m.toml" --check-config
expect "an invalid metrics address is an error" 1 \
  "transferd: $work/m.toml:2: metrics.address must be host:port such as \"127.0.0.1:9310\", not \"notanaddress\" (it has no :PORT)"

echo
if [ "$failures" -gt 0 ]; then
  echo "$failures checks failed"
  exit 1
fi
echo "all checks passed"
