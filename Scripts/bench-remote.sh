#!/usr/bin/env bash
# make bench-remote: push and clone seconds and request counts, through packs and through
# loose objects (remote.<name>.packs = false, here MREG_REMOTE_PACKS=0), side by side in the
# same run, against a local S3-compatible server (moto, started as .ci/run does) and a
# filesystem remote. The store is bench-scale's generator at MODELS x VERSIONS (default
# 10 x 100), kept in BENCH_DIR (default /tmp/mreg-bench-remote) and reused.
#
# Requests are counted by mreg itself (MREG_TRACE_REQUESTS=1 prints "mreg: remote requests: N"
# at exit): S3 requests, and for a filesystem remote the remote operations (a head, an
# object, a pack file, a list). Seconds are whole-process wall time.
# Targets (issue 17): push and clone < 3 s and <= 50 requests; one more version <= 6;
# a no-op push or fetch <= 2.
set -euo pipefail
scripts=$(cd "$(dirname "$0")" && pwd)
MREG=${MREG:-mreg}
case $MREG in
    */*) MREG=$(cd "$(dirname "$MREG")" && pwd)/$(basename "$MREG") ;;
    *) MREG=$(command -v "$MREG") ;;
esac
export MODELS=${MODELS:-10} VERSIONS=${VERSIONS:-100}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/mreg-bench-remote}
export MREG_USER_NAME=bench MREG_USER_EMAIL=bench@example.com NO_COLOR=1
BENCH_DIR="$work/source" BENCH_GENERATE_ONLY=1 MREG="$MREG" bash "$scripts/bench-scale.sh"
source="$work/source"
run=$(mktemp -d "${TMPDIR:-/tmp}/mreg-bench-remote-run.XXXXXX")

# A local S3-compatible server on loopback, stopped on exit.
if ! command -v moto_server >/dev/null 2>&1; then python3 -m pip install -q 'moto[server]'; hash -r; fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
python3 "$scripts/moto-server.py" -H 127.0.0.1 -p "$port" >"$run/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -rf "$run"' EXIT
for _ in $(seq 1 150); do
    python3 -c "import urllib.request as u, sys
try: u.urlopen('http://127.0.0.1:$port/', timeout=1)
except u.HTTPError: pass
except Exception: sys.exit(1)" 2>/dev/null && break
    kill -0 "$moto" 2>/dev/null || { cat "$run/moto.log"; exit 1; }
    sleep 0.2
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE

# measure LABEL DIR ARGS...: prints "seconds requests" of one mreg run.
measure() {
    local dir=$1; shift
    local start end requests
    start=$(date +%s.%N)
    requests=$(cd "$dir" && MREG_TRACE_REQUESTS=1 "$MREG" "$@" 2>&1 >/dev/null | sed -n 's/^mreg: remote requests: //p' | tail -1)
    end=$(date +%s.%N)
    printf '%.2f %s' "$(echo "$end - $start" | bc)" "${requests:-0}"
}

objects=$(cd "$source" && "$MREG" count-objects --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["count"]+d["in_pack"])')
echo "store: $MODELS models x $VERSIONS versions, $objects objects"
printf '%-10s %-26s %16s %16s\n' remote step "packs s / req" "loose s / req"
for kind in s3 fs; do
    declare -A result=()
    for mode in packs loose; do
        packs=1; [ "$mode" = loose ] && packs=0
        export MREG_REMOTE_PACKS=$packs
        src="$run/$kind-$mode-src"
        cp -a "$source" "$src"
        if [ "$kind" = s3 ]; then
            bucket="bench-$mode-$RANDOM"
            curl -s -X PUT "http://127.0.0.1:$port/$bucket" >/dev/null
            url="s3://$bucket/reg"
        else
            url="$run/$kind-$mode-remote"
            "$MREG" init -q "$url"
        fi
        (cd "$src" && "$MREG" remote add origin "$url")
        result[$mode,push]=$(measure "$src" push)
        result[$mode,noop-push]=$(measure "$src" push)
        result[$mode,clone]=$(measure "$run" clone -q "$url" "$run/$kind-$mode-clone")
        result[$mode,noop-fetch]=$(measure "$run/$kind-$mode-clone" fetch)
        mkdir -p "$src/one-more"
        echo "one more $mode" > "$src/one-more/notes.txt"
        (cd "$src" && "$MREG" register m-0000 one-more -m "one more" >/dev/null)
        result[$mode,one-more]=$(measure "$src" push)
        result[$mode,fetch-one]=$(measure "$run/$kind-$mode-clone" fetch)
    done
    for step in push clone noop-push noop-fetch one-more fetch-one; do
        read -r ps pr <<<"${result[packs,$step]}"
        read -r ls lr <<<"${result[loose,$step]}"
        printf '%-10s %-26s %8s / %-6s %8s / %-6s\n' "$kind" "$step" "$ps" "$pr" "$ls" "$lr"
    done
    unset result
done
