#!/usr/bin/env bash
# make bench-scale: latency of list, log, show, search and du on a store with MODELS x VERSIONS
# versions (default 1,000 x 100 = 100,000), and the time and size of a full reindex.
#
# The store is real: every manifest and event is an object written by `mreg hash-object -w`
# (git's SHA-256 loose format, fsynced as mreg always does for metadata), every head is set by
# `mreg update-ref` (compare-and-swap under a lock), and the derived version/stage/tag refs
# hold what `mreg fsck --repair` would write. Only the *payloads* are generated here, by a
# Python script, because registering 100,000 versions one process at a time takes over an hour:
#  - each version is metadata-only: one 1 KiB safetensors file (one shared blob, registered
#    once) with its tensor and parameter counts, params (optimizer, lr, epochs, batch_size,
#    seed), metrics (auc, loss, accuracy), a message, and the provenance of a registration;
#  - each model's chain: 100 `register` events, a `reviewed` and a `baseline` tag, three
#    promotions (staging, production, staging again), all canonical JSON hash-chained by parent.
# The script checks that every id mreg prints equals the id it computed for the payload.
# Generating takes about 6 minutes here (most of it fsyncs); the store is kept and reused.
# BENCH_FSCK=1 also runs `mreg fsck` over the whole store (slow: it verifies every object).
#
# Latency is whole-process wall time (start-up included, output to /dev/null), the median of
# RUNS runs, with the index warm (the first run after a change catches up; that is shown too).
# The store is kept in BENCH_DIR (default /tmp/mreg-bench-scale) and reused when it matches.
set -euo pipefail
scripts=$(cd "$(dirname "$0")" && pwd)
MREG=${MREG:-mreg}
case $MREG in
    */*) MREG=$(cd "$(dirname "$MREG")" && pwd)/$(basename "$MREG") ;;
    *) MREG=$(command -v "$MREG") ;;
esac
MODELS=${MODELS:-1000}
VERSIONS=${VERSIONS:-100}
RUNS=${RUNS:-7}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/mreg-bench-scale}
export MREG_USER_NAME=bench MREG_USER_EMAIL=bench@example.com NO_COLOR=1
stamp="models=$MODELS versions=$VERSIONS format=1"

if [ "$(cat "$work/.bench-store" 2>/dev/null)" != "$stamp" ]; then
    echo "generating a store of $MODELS models x $VERSIONS versions in $work ..." >&2
    rm -rf "$work"
    mkdir -p "$work"
    "$MREG" init -q "$work"
    start=$(date +%s)
    MREG="$MREG" MODELS="$MODELS" VERSIONS="$VERSIONS" python3 - "$work" <<'PY'
import datetime, hashlib, json, os, random, struct, subprocess, sys, zlib
work = sys.argv[1]
mreg, models, versions = os.environ["MREG"], int(os.environ["MODELS"]), int(os.environ["VERSIONS"])
spool = os.path.join(work, "spool")
os.makedirs(spool)

def canonical(v):
    # mreg's canonical JSON: sorted keys, no spaces, shortest round-trip doubles (Python's repr).
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()

def object_id(kind, payload):
    return hashlib.sha256(b"%s %d\0" % (kind.encode(), len(payload)) + payload).hexdigest()

def write_objects(kind, items):
    """Writes (expected id, payload) pairs with `mreg hash-object -w` in batches; checks every id."""
    paths = []
    for n, (oid, payload) in enumerate(items):
        p = os.path.join(spool, f"{kind}-{n}")
        with open(p, "wb") as f:
            f.write(payload)
        paths.append(p)
    batch = 2000
    procs = []
    for i in range(0, len(paths), batch):
        procs.append((i, subprocess.Popen([mreg, "hash-object", "-w", "-t", kind] + paths[i:i + batch], cwd=work,
                                          stdout=subprocess.PIPE)))
        if len(procs) >= 2:
            check(procs.pop(0), items, kind)
    for p in procs:
        check(p, items, kind)
    for p in paths:
        os.unlink(p)

def check(proc, items, kind):
    start, p = proc
    out, _ = p.communicate()
    assert p.returncode == 0, f"hash-object failed for {kind}"
    for k, line in enumerate(out.decode().split()):
        assert line == items[start + k][0], f"{kind} id mismatch: mreg wrote {line}, expected {items[start + k][0]}"

# One real safetensors file (2 tensors, 260 parameters), stored once like any blob.
header = json.dumps({"w": {"dtype": "F32", "shape": [16, 16], "data_offsets": [0, 1024]},
                     "b": {"dtype": "F32", "shape": [4], "data_offsets": [1024, 1040]}}).encode()
header += b" " * (-len(header) % 8)
weights = struct.pack("<Q", len(header)) + header + bytes(1040)
blob = object_id("blob", weights)
write_objects("blob", [(blob, weights)])
file_entry = {"path": "model.safetensors", "mode": "100644", "size": len(weights),
              "digest": "sha256:" + hashlib.sha256(weights).hexdigest(), "object": blob, "format": "safetensors",
              "details": {"tensors": 2, "parameters": 260, "dtypes": ["F32"]}}

rng = random.Random(7)
start_time = datetime.datetime(2026, 1, 1)
assert versions <= 8000, "versions are an hour apart within 2026, before the tags and promotions of December"
optimizers = ["adam", "sgd", "adamw"]
actor = "bench <bench@example.com>"
refs = []  # (ref name, id)
manifests, events = [], []
heads = []
for m in range(models):
    model = f"m-{m:04d}"
    parent, seq = None, 0
    state_versions = {}
    def event(fields):
        global parent, seq
        seq += 1
        e = {"schema": "mreg.event/1", "model": model, "seq": seq, "parent": parent, "actor": actor}
        e.update(fields)
        payload = canonical(e)
        eid = object_id("event", payload)
        events.append((eid, payload))
        parent = eid
        return eid
    for v in range(1, versions + 1):
        # Versions an hour apart (each event after its parent, as pull checks), models a second apart.
        time = (start_time + datetime.timedelta(hours=v, seconds=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {"optimizer": optimizers[rng.randrange(3)], "lr": round(rng.uniform(0.0001, 0.1), 5),
                  "epochs": rng.randrange(1, 100), "batch_size": 2 ** rng.randrange(4, 10), "seed": rng.randrange(1 << 30)}
        metrics = {"auc": round(rng.uniform(0.5, 1.0), 4), "loss": round(rng.uniform(0.01, 2.0), 4),
                   "accuracy": round(rng.uniform(0.5, 1.0), 4)}
        message = f"run {v} of {model}"
        manifest = {"schema": "mreg.manifest/1", "model": model, "message": message, "files": [file_entry],
                    "params": params, "metrics": metrics, "datasets": [],
                    "provenance": {"user": actor, "host": "bench", "time": time, "mreg_version": "bench",
                                   "command": ["mreg", "register", model, "model.safetensors"], "cwd": "/bench"},
                    "base": None, "card": None}
        payload = canonical(manifest)
        mid = object_id("manifest", payload)
        manifests.append((mid, payload))
        content = {"base": None, "card": None, "datasets": [], "files": [file_entry], "git": {}, "message": message,
                   "metrics": metrics, "model": model, "params": params}
        key = "sha256:" + hashlib.sha256(canonical(content)).hexdigest()
        event({"action": "register", "version": v, "manifest": mid, "content": key, "time": time, "reason": message})
        state_versions[v] = mid
    last = f"2026-12-{1 + m % 28:02d}T"
    tags = {"baseline": 1, "reviewed": max(1, versions // 2)}
    for tag, v in tags.items():
        event({"action": "tag", "version": v, "manifest": state_versions[v], "tag": tag, "time": last + "01:00:00Z"})
    stages = {}
    for stage, v, t in [("staging", max(1, versions - 2), "02"), ("production", max(1, versions - 5), "03"),
                        ("staging", versions, "04")]:
        fields = {"action": "promote", "version": v, "manifest": state_versions[v], "stage": stage,
                  "time": last + t + ":00:00Z", "reason": "bench"}
        if stage in stages:
            fields["previous"] = stages[stage]
        event(fields)
        stages[stage] = v
    heads.append((model, parent))
    for v, mid in state_versions.items():
        refs.append((f"refs/models/{model}/versions/{v}", mid))
    for s, v in stages.items():
        refs.append((f"refs/models/{model}/stages/{s}", state_versions[v]))
    for t, v in tags.items():
        refs.append((f"refs/models/{model}/tags/{t}", state_versions[v]))

print(f"  {len(manifests)} manifests, {len(events)} events", file=sys.stderr)
write_objects("manifest", manifests)
write_objects("event", events)
# Heads: compare-and-swap from absent, as a first registration does.
procs = []
for model, head in heads:
    procs.append(subprocess.Popen([mreg, "update-ref", f"refs/models/{model}/head", head, ""], cwd=work))
    if len(procs) >= 4:
        assert procs.pop(0).wait() == 0
for p in procs:
    assert p.wait() == 0
# Derived refs: exactly what syncDerivedRefs writes (id and newline).
for name, oid in refs:
    path = os.path.join(work, ".mreg", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(oid + "\n")
os.rmdir(spool)
PY
    echo "  generated in $(( $(date +%s) - start )) s" >&2
    if [ "${BENCH_FSCK:-0}" = 1 ]; then
        echo "  fsck ..." >&2
        (cd "$work" && "$MREG" fsck --no-dangling > /dev/null)
    fi
    echo "$stamp" > "$work/.bench-store"
fi
# make bench-remote reuses the generator: BENCH_GENERATE_ONLY=1 stops here.
[ "${BENCH_GENERATE_ONLY:-0}" = 1 ] && exit 0
cd "$work"

mid=$(printf 'm-%04d' $((MODELS / 2)))
objects=$("$MREG" count-objects | sed 's/ objects.*//')
echo "store: $MODELS models x $VERSIONS versions, $objects objects ($work)"
echo

# Full reindex (it deletes the index first): cold (this store's objects dropped from the page
# cache with posix_fadvise(DONTNEED), as after a reboot; nothing else is touched), then warm.
python3 - "$MREG" <<'PY'
import os, subprocess, sys, time
def evict(root):
    for d, _, fs in os.walk(root):
        for f in fs:
            try:
                fd = os.open(os.path.join(d, f), os.O_RDONLY)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)
            except OSError:
                pass
def reindex(label):
    t = time.perf_counter()
    out = subprocess.run([sys.argv[1], "reindex"], check=True, capture_output=True, text=True).stdout.strip()
    wall = time.perf_counter() - t
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(".mreg/index") for f in fs)
    print(f"reindex ({label}): {wall:5.1f} s wall, index {size / 2**20:.1f} MiB  ({out})")
evict(".mreg/objects")
reindex("cold cache")
reindex("warm cache")
PY
echo

MREG="$MREG" RUNS="$RUNS" MID="$mid" python3 - <<'PY'
import os, statistics, subprocess, time
mreg, runs, mid = os.environ["MREG"], int(os.environ["RUNS"]), os.environ["MID"]
def run(args):
    t = time.perf_counter()
    subprocess.run([mreg] + args, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000
def bench(label, args, floor=None):
    run(args)  # warm the page cache and the index
    ms = sorted(run(args) for _ in range(runs))
    med = statistics.median(ms)
    mark = "" if floor is None else ("  ok (< %d ms)" % floor if med < floor else "  SLOWER than %d ms" % floor)
    print(f"{label:<64} {med:7.1f} ms  (min {ms[0]:.1f}, max {ms[-1]:.1f}){mark}")
print(f"median of {runs} runs, whole process, output to /dev/null:")
bench("mreg --version (process start-up)", ["--version"])
bench("mreg list", ["list"], 100)
bench(f"mreg log {mid}", ["log", mid], 100)
bench(f"mreg show {mid}@production", ["show", f"{mid}@production"], 100)
bench("mreg log -n 20 (all models merged by time)", ["log", "-n", "20"])
bench("search (selective) \"metrics.auc >= 0.999 and params.optimizer = 'adam'\"",
      ["search", "metrics.auc >= 0.999 and params.optimizer = 'adam'"], 100)
bench(f"search \"model LIKE 'm-05%' and (metrics.auc >= 0.9 or tag = 'reviewed')\"",
      ["search", "model LIKE 'm-05%' and (metrics.auc >= 0.9 or tag = 'reviewed')", "--order-by", "metrics.auc DESC"])
bench("search \"params.optimizer = 'adam' and stage IS NULL\" --limit 100 --json",
      ["search", "params.optimizer = 'adam' and stage IS NULL", "--order-by", "metrics.loss", "--limit", "100", "--json"])
bench("search (broad, ~1/3 of all versions as a table) \"params.optimizer = 'sgd'\"",
      ["search", "params.optimizer = 'sgd'"])
# du walks every ref, chain and manifest (what each version holds, and what is shared), from
# its link cache (.mreg/index/links) and one scan of objects/, when the store changed since the
# last du; on an unchanged store it reads its saved figures (.mreg/index/du; the warm-up run
# saves them; FORMAT.md §5b).
def forget(*names):
    for name in names:
        try:
            os.unlink(f".mreg/index/{name}")
        except FileNotFoundError:
            pass
forget("links", "du", "du-state")
print(f"{'mreg du, cold (no caches: reads every ref, event and manifest)':<64} {run(['du']):7.1f} ms  (one run)")
forget("du", "du-state")
print(f"{'mreg du, no walk state (whole-store walk from the link cache)':<64} {run(['du']):7.1f} ms  (one run)")
bench("mreg du (every model; unchanged store: saved figures)", ["du"], 1000)
bench(f"mreg du {mid} (its versions)", ["du", mid], 1000)
bench(f"mreg du {mid}@production", ["du", f"{mid}@production"], 1000)
bench("mreg count-objects -v (reclaimable, as du)", ["count-objects", "-v"], 1000)

# Catching up after a head moves: a tag event (the index record is updated by the command),
# then the first list (the snapshot is stale for one model) and a steady-state list.
print()
print("after a change:")
n = 0
def tag():
    global n
    n += 1
    return run(["tag", "-f", f"{mid}@{n % 90 + 1}", "bench-moving"])
ms = sorted(tag() for _ in range(runs))
print(f"{'mreg tag (appends an event, updates the index record)':<64} {statistics.median(ms):7.1f} ms")
firsts = []
for _ in range(runs):
    tag()
    firsts.append(run(["list"]))
print(f"{'first mreg list after it (one record read beside the snapshot)':<64} {statistics.median(firsts):7.1f} ms")
# du after the change: from its walk state (.mreg/index/du-state), only that model's refs are
# walked again and only the folders that changed are read (FORMAT.md §5b).
dus = []
for _ in range(runs):
    tag()
    dus.append(run(["du"]))
med = statistics.median(dus)
print(f"{'first mreg du after it (walks that one model again)':<64} {med:7.1f} ms" + ("  ok (< 1000 ms)" if med < 1000 else "  SLOWER than 1000 ms"))
PY

# The web view (mreg serve) on the same store: each page's latency and 50 concurrent loads.
echo
MREG="$MREG" RUNS="$RUNS" MID="$mid" python3 "$scripts/bench-web.py"
# The same store packed: a copy (the loose store above is kept for the next run), `mreg gc`
# timed (it packs every object: all are metadata or small), then the same latencies and a cold
# reindex side by side with the loose figures above. BENCH_PACKED=0 skips it.
if [ "${BENCH_PACKED:-1}" = 1 ]; then
    packed="$work-packed"
    rm -rf "$packed"
    cp -a "$work" "$packed"
    cd "$packed"
    echo
    start=$(date +%s.%N)
    "$MREG" gc > /dev/null
    echo "mreg gc (packs the store): $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s;" \
         "now: $("$MREG" count-objects)"
    MREG="$MREG" RUNS="$RUNS" MID="$mid" python3 - <<'PY'
import os, statistics, subprocess, time
mreg, runs, mid = os.environ["MREG"], int(os.environ["RUNS"]), os.environ["MID"]
def run(args):
    t = time.perf_counter()
    subprocess.run([mreg] + args, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000
def bench(label, args):
    run(args)
    ms = sorted(run(args) for _ in range(runs))
    print(f"{label:<64} {statistics.median(ms):7.1f} ms  (min {ms[0]:.1f}, max {ms[-1]:.1f})")
print(f"packed store, median of {runs} runs:")
bench("mreg list", ["list"])
bench(f"mreg log {mid}", ["log", mid])
bench(f"mreg show {mid}@production", ["show", f"{mid}@production"])
bench("search (selective) \"metrics.auc >= 0.999 and params.optimizer = 'adam'\"",
      ["search", "metrics.auc >= 0.999 and params.optimizer = 'adam'"])
bench("search (broad) \"params.optimizer = 'sgd'\"", ["search", "params.optimizer = 'sgd'"])
bench("mreg du (every model, whole-store walk)", ["du"])
t = time.perf_counter()
subprocess.run([mreg, "reindex"], check=True, stdout=subprocess.DEVNULL)
print(f"{'reindex (warm cache, packed)':<64} {time.perf_counter() - t:7.1f} s")
PY
    cd "$work"
    rm -rf "$packed"
fi
