#!/usr/bin/env bash
# make bench: large-artefact speed and memory of mreg against openssl, cp and git,
# all measured in the same run on the same generated files.
#
# W1: a deterministic ~1 GiB float32 safetensors file with 20 tensors.
# W2: W1 with 2 tensors changed (a fine-tune).
# Prints medians (RUNS runs; git add once, it is slow), ratios, the bytes W2
# added to the store and peak memory (/usr/bin/time -v).
# Shapes P (50 MB params) and T (100,000 tiny files) follow, each against its reference.
# BENCH_ONLY=shapes runs only P and T; BENCH_ONLY=params only P; BENCH_ONLY=tiny only T;
# BENCH_ONLY=gc only G (gc of unreachable weights); BENCH_ONLY=env only E (environment capture).
set -euo pipefail
MREG=${MREG:-mreg}
RUNS=${RUNS:-3}
only=${BENCH_ONLY:-all}
case "$only" in all|shapes|params|tiny|gc|env) ;; *) echo "BENCH_ONLY must be all, shapes, params, tiny, gc or env" >&2; exit 64 ;; esac
runs() { [ "$only" = all ] || [ "$only" = "$1" ] || { [ "$only" = shapes ] && [ "$1" != big ]; }; }
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mreg-bench.XXXXXX")}
trap 'rm -rf "$work"' EXIT
cd "$work"
export MREG_USER_NAME=bench MREG_USER_EMAIL=bench@example.com

rows=4096 cols=3276 n=20
tbytes=$((rows * cols * 4))

le64() { local v=$1 i; for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(( (v >> (8*i)) & 255 )))"; done; }
stream() { openssl enc -aes-128-ctr -nosalt -K "$1" -iv 00000000000000000000000000000000 < /dev/zero 2>/dev/null | head -c "$2" || true; }

make_w1() {
    local header="{" i off=0
    for ((i = 0; i < n; i++)); do
        [ $i -gt 0 ] && header+=","
        header+="\"layers.$(printf %02d $i).weight\":{\"dtype\":\"F32\",\"shape\":[$rows,$cols],\"data_offsets\":[$off,$((off + tbytes))]}"
        off=$((off + tbytes))
    done
    header+="}"
    while [ $(( ${#header} % 8 )) -ne 0 ]; do header+=" "; done
    { le64 ${#header}; printf '%s' "$header"; stream 000102030405060708090a0b0c0d0e0f $((n * tbytes)); } > W1
    echo $((8 + ${#header}))
}

# --- shape G: gc of a store with 1,000 versions and GiBs of unreachable weights (begin) -----
# GC_VERSIONS (default 1,000) versions of one model (a small file each, registered one at a
# time), then GC_MIB (default 2048 MiB; the issue asks 10 GiB, scaled down for disk and time:
# set GC_MIB=10240 for it) of unreachable weights as 8 MiB chunk blobs, as removed versions
# leave them, all made a month old. Times `mreg gc --dry-run` and `mreg gc` (objects/s,
# GiB/s), then checks fsck is clean and a live version exports. BENCH_ONLY=gc runs only this.
bench_gc() {
    local versions=${GC_VERSIONS:-1000} mib=${GC_MIB:-2048} i chunks
    chunks=$((mib / 8))
    echo "shape G: registering $versions versions, writing $mib MiB of unreachable chunks..." >&2
    rm -rf sg && mkdir sg && $MREG init -q sg
    mkdir -p sg-in
    for ((i = 1; i <= versions; i++)); do
        printf 'version %d\n' "$i" > sg-in/model.txt
        (cd sg && $MREG register gcbench ../sg-in -m "v$i" >/dev/null)
    done
    mkdir -p sg-chunks
    for ((i = 0; i < chunks; i++)); do
        stream "$(printf '%032x' $((i + 1)))" $((8 << 20)) > "sg-chunks/c$i"
        if (( (i + 1) % 32 == 0 || i + 1 == chunks )); then
            (cd sg && $MREG hash-object -w ../sg-chunks/c* >/dev/null) && rm -f sg-chunks/c*
        fi
    done
    find sg/.mreg/objects -type f -exec touch -d '30 days ago' {} +
    local total unreachable t_dry t_gc
    total=$(cd sg && $MREG count-objects | sed 's/ objects.*//')
    sync
    local s0 s1
    s0=$(now); (cd sg && $MREG gc --dry-run > /dev/null); s1=$(now)
    t_dry=$(awk "BEGIN { print $s1 - $s0 }")
    s0=$(now); (cd sg && $MREG gc --json > ../sg-gc.json); s1=$(now)
    t_gc=$(awk "BEGIN { print $s1 - $s0 }")
    unreachable=$(awk -F': ' '/"deleted_objects"/ { gsub(/,/, "", $2); print $2 }' sg-gc.json)
    freed=$(awk -F': ' '/"deleted_bytes"/ { gsub(/,/, "", $2); print $2 }' sg-gc.json)
    (cd sg && $MREG fsck --no-dangling > /dev/null && $MREG export "gcbench@$versions" ../sg-out > /dev/null)
    grep -q "version $versions" sg-out/model.txt || { echo "shape G: export after gc is wrong" >&2; exit 1; }
    printf '\n%-40s %9.3f  (%s objects walked)\n' "mreg gc --dry-run ($versions versions)" "$t_dry" "$total"
    printf '%-40s %9.3f  %s objects deleted (%s bytes), %s objects/s, %s GiB/s\n' "mreg gc ($mib MiB unreachable)" "$t_gc" \
        "$unreachable" "$freed" "$(awk "BEGIN { printf \"%.0f\", $unreachable / $t_gc }")" \
        "$(awk "BEGIN { printf \"%.2f\", $freed / 1073741824 / $t_gc }")"
    rm -rf sg sg-in sg-out sg-chunks sg-gc.json
}
# --- shape G (end) --------------------------------------------------------------------------

# --- shape E: environment capture at register (begin) ---------------------------------------
# A virtualenv (python3 -m venv --without-pip) with ENV_DISTS (default 300) crafted dist-info
# folders and a requirements.txt; registers a small file ENV_RUNS times (default 15) with the
# environment and with --env none, alternating, each into a fresh model so every run writes a
# version; prints the medians and their difference (the capture's cost; the budget is ~50 ms).
bench_env() {
    local dists=${ENV_DISTS:-300} n=${ENV_RUNS:-15} i t0 t1 with=() without=()
    command -v python3 >/dev/null || { echo "shape E skipped: python3 is not installed" >&2; return 0; }
    rm -rf se && mkdir se && $MREG init -q se
    python3 -m venv --without-pip se/venv
    python3 - "$dists" se/venv <<'PY'
import glob, os, sys
n, venv = int(sys.argv[1]), sys.argv[2]
site = glob.glob(os.path.join(venv, "lib", "python3*", "site-packages"))[0]
for i in range(n):
    d = os.path.join(site, f"package_{i:03d}-1.{i}.0.dist-info")
    os.makedirs(d)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: package_{i:03d}\nVersion: 1.{i}.0\nSummary: bench\n\n" + "body\n" * 200)
    open(os.path.join(d, "RECORD"), "w").close()
PY
    printf 'numpy==1.26.4\n' > se/requirements.txt
    printf 'weights\n' > se/model.bin
    for ((i = 0; i < n; i++)); do
        t0=$(now); (cd se && VIRTUAL_ENV="$PWD/venv" $MREG register "with$i" model.bin > /dev/null 2>&1); t1=$(now)
        with+=("$(awk "BEGIN { print $t1 - $t0 }")")
        t0=$(now); (cd se && VIRTUAL_ENV="$PWD/venv" $MREG register "without$i" model.bin --env none > /dev/null 2>&1); t1=$(now)
        without+=("$(awk "BEGIN { print $t1 - $t0 }")")
    done
    local a b
    a=$(median "${with[@]}"); b=$(median "${without[@]}")
    (cd se && $MREG show with0 --json | grep -q '"package-299"\|"package-000"') || { echo "shape E: packages not recorded" >&2; exit 1; }
    printf '\n%-40s %9.4f\n' "register ($dists distributions)" "$a"
    printf '%-40s %9.4f\n' "register --env none" "$b"
    printf '%-40s %9.1f ms\n' "environment capture (difference)" "$(awk "BEGIN { print ($a - $b) * 1000 }")"
    rm -rf se
}
# --- shape E (end) --------------------------------------------------------------------------
if [ "${BENCH_ONLY:-}" = env ]; then
    now() { date +%s.%N; }
    median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
    bench_env
    exit 0
fi
if [ "${BENCH_ONLY:-}" = gc ]; then
    now() { date +%s.%N; }
    bench_gc
    exit 0
fi

now() { date +%s.%N; }
# time_cmd SETUP CMD: seconds for CMD, SETUP run first (untimed).
time_cmd() {
    eval "$1" >/dev/null 2>&1
    local t0 t1; t0=$(now); eval "$2" >/dev/null 2>&1; t1=$(now)
    awk "BEGIN { printf \"%.4f\", $t1 - $t0 }"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
measure() { local setup=$1 cmd=$2 runs=$3 i out=(); for ((i = 0; i < runs; i++)); do out+=("$(time_cmd "$setup" "$cmd")"); done; median "${out[@]}"; }
peak_kib() { /usr/bin/time -v bash -c "$1" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}'; }
store_bytes() { du -sb "$1/.mreg/objects" | cut -f1; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

if runs big; then
echo "generating W1 (20 tensors, $((n * tbytes)) data bytes) and W2 (2 tensors changed)..." >&2
data_start=$(make_w1)
cp W1 W2
for t in 3 11; do
    stream ffeeddccbbaa99887766554433221100 $tbytes | dd of=W2 bs=1M seek=$((data_start + t * tbytes)) oflag=seek_bytes conv=notrunc status=none
done
size=$(stat -c %s W1)

sync
t_sha=$(measure true "openssl dgst -sha256 W1" "$RUNS")
t_cp=$(measure "rm -f W1.copy" "cp W1 W1.copy" "$RUNS"); rm -f W1.copy
if command -v git >/dev/null; then
    t_git=$(measure "rm -rf g && git init -q --object-format=sha256 g && cp W1 g/W1" "git -C g add W1" 1); rm -rf g
else
    t_git=""
fi
t_reg=$(measure "rm -rf s && mkdir s && $MREG init -q s" "cd s && $MREG register w ../W1; cd .." "$RUNS")
t_reg2=$(measure "rm -rf s && mkdir s && $MREG init -q s && (cd s && $MREG register w ../W1)" "cd s && $MREG register w ../W2; cd .." "$RUNS")
before=$(rm -rf s && mkdir s && $MREG init -q s && (cd s && $MREG register w ../W1 >/dev/null) && store_bytes s)
(cd s && $MREG register w ../W2 >/dev/null)
after=$(store_bytes s)
t_again=$(measure "true" "cd s && $MREG register w ../W1; cd .." "$RUNS")
t_export=$(measure "rm -rf out" "cd s && $MREG export w@1 ../out; cd .." "$RUNS")
cmp -s W1 out/W1 || { echo "export of W1 does not match W1" >&2; exit 1; }
mem_reg=$(peak_kib "rm -rf s2 && mkdir s2 && $MREG init -q s2 && cd s2 && $MREG register w ../W1")
mem_export=$(peak_kib "rm -rf out && cd s && $MREG export w@1 ../out")

printf '\nmreg bench: W1 = %s bytes (20 float32 tensors), W2 = W1 with 2 tensors changed; %s runs, medians\n\n' "$size" "$RUNS"
printf '%-40s %9s  %s\n' "operation" "seconds" "ratio"
printf '%-40s %9.3f\n' "openssl dgst -sha256 W1" "$t_sha"
printf '%-40s %9.3f\n' "cp W1" "$t_cp"
[ -n "$t_git" ] && printf '%-40s %9.3f  (1 run)\n' "git add W1 (sha256 repo)" "$t_git"
printf '%-40s %9.3f  %sx openssl (floor: <= 3)%s\n' "mreg register W1 (empty store)" "$t_reg" "$(ratio "$t_reg" "$t_sha")" \
    "$([ -n "$t_git" ] && echo ", git add is $(ratio "$t_git" "$t_reg")x slower (floor: >= 10)")"
printf '%-40s %9.3f\n' "mreg register W2 after W1" "$t_reg2"
printf '%-40s %9.3f  (floor: < 0.2)\n' "mreg register W1 again (unchanged)" "$t_again"
printf '%-40s %9.3f  %sx cp (floor: <= 3)\n' "mreg export W1" "$t_export" "$(ratio "$t_export" "$t_cp")"
printf '\nstore growth from W2: %s bytes = %s%% of W1 (floor: <= 15%%)\n' "$((after - before))" "$(awk "BEGIN { printf \"%.1f\", 100 * ($after - $before) / $size }")"
printf 'peak memory: register W1 %s MiB (floor: < 200), export W1 %s MiB\n' "$((mem_reg / 1024))" "$((mem_export / 1024))"
fi

# --- shape P: register with a 50 MB JSON params file (begin) ------------------------------
# mreg register --params P50.json against python3's json.load of the same file, in this run.
# P50.json: ~41,000 nested tables, each 200 floats, 20 labels, numbers, a bool, text (deterministic).
if ! runs params; then
    :
elif command -v python3 >/dev/null; then
    python3 - P50.json <<'PY'
import json, random, sys
random.seed(7)
d = {"model": {"name": "bench", "hidden": 4096, "layers": 48, "dropout": 0.1}, "tables": {}}
size, i = 200, 0
while size < 50_000_000:
    t = {"weights": [round(random.random(), 6) for _ in range(200)],
         "labels": ["label-%d-%d" % (i, j) for j in range(20)],
         "scale": random.random(), "enabled": i % 2 == 0, "note": "table %d of the bench params" % i,
         "shape": {"rows": i, "cols": 200}}
    d["tables"]["t%06d" % i] = t
    size += len(json.dumps(t)) + 12
    i += 1
with open(sys.argv[1], "w") as f:
    json.dump(d, f)
PY
    echo weights > P-model.bin
    t_pjson=$(measure true "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' P50.json" "$RUNS")
    t_preg=$(measure "rm -rf sp && mkdir sp && $MREG init -q sp" "cd sp && $MREG register p ../P-model.bin --params ../P50.json; cd .." "$RUNS")
    printf '\n%-40s %9.3f\n' "python3 json.load P50.json ($(stat -c %s P50.json) bytes)" "$t_pjson"
    printf '%-40s %9.3f  %sx python (floor: <= 3)\n' "mreg register --params P50.json" "$t_preg" "$(ratio "$t_preg" "$t_pjson")"
    rm -rf sp P50.json P-model.bin
else
    echo "shape P skipped: python3 is not installed" >&2
fi
# --- shape P (end) ------------------------------------------------------------------------

# --- shape T: 100,000 tiny files (begin) ---------------------------------------------------
# mreg register and export of a folder of TINY_FILES (default 100,000) files of a few bytes,
# in folders of 1,000, against cp -r of the same tree, in this run (medians of RUNS runs;
# page cache warm for all, sync before each).
if runs tiny; then
tiny_n=${TINY_FILES:-100000}
echo "generating $tiny_n tiny files..." >&2
rm -rf T && mkdir T
for ((i = 0; i < tiny_n; i++)); do
    if ((i % 1000 == 0)); then mkdir "T/d$((i / 1000))"; fi
    printf 'tiny file %d\n' "$i" > "T/d$((i / 1000))/f$i.txt"
done
t_tcp=$(measure "rm -rf T.copy && sync" "cp -r T T.copy" "$RUNS"); rm -rf T.copy
t_treg=$(measure "rm -rf st && mkdir st && $MREG init -q st && sync" "cd st && $MREG register tiny ../T; cd .." "$RUNS")
t_texp=$(measure "rm -rf T.out && sync" "cd st && $MREG export tiny@1 ../T.out; cd .." "$RUNS")
diff -r T T.out >/dev/null || { echo "export of the tiny files does not match them" >&2; exit 1; }
printf '\n%-40s %9.3f\n' "cp -r T ($tiny_n tiny files)" "$t_tcp"
printf '%-40s %9.3f  %sx cp -r (floor: <= 3)\n' "mreg export T" "$t_texp" "$(ratio "$t_texp" "$t_tcp")"
printf '%-40s %9.3f  %sx cp -r\n' "mreg register T (empty store)" "$t_treg" "$(ratio "$t_treg" "$t_tcp")"
rm -rf T T.out st
fi
# --- shape T (end) -------------------------------------------------------------------------

[ "$only" = all ] && bench_gc
[ "$only" = all ] && bench_env
exit 0
