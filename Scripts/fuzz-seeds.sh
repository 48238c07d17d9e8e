#!/usr/bin/env bash
# Regenerates the seeds of the fuzz corpus, Tests/FuzzCorpus/<target>/seed-*, from real files
# made with the real code: a store where a small model is registered, tagged and promoted (its
# loose object files for `object`, their payloads for `manifest`, `event` and `chunks`), tiny
# safetensors, GGUF, zip, pickle, NumPy, HDF5 and ONNX files, params files, model cards,
# queries, gates, revisions and policies. Files under crashes/ are never touched.
#
#   MREG=.build/debug/mreg bash Scripts/fuzz-seeds.sh [CORPUS_DIR]
set -euo pipefail
MREG=$(cd "$(dirname "${MREG:?set MREG to an mreg binary}")" && pwd)/$(basename "$MREG")
OUT=$(mkdir -p "${1:-Tests/FuzzCorpus}" && cd "${1:-Tests/FuzzCorpus}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$OUT"/*/seed-*

# seed TARGET NAME: stdin becomes Tests/FuzzCorpus/TARGET/seed-NAME
seed() { mkdir -p "$OUT/$1"; cat > "$OUT/$1/seed-$2"; }
# seeds TARGET: one seed per line of stdin (numbered)
seeds() { local n=0; while IFS= read -r line; do n=$((n + 1)); printf '%s' "$line" | seed "$1" "$(printf %02d $n)"; done; }

# --- Binary formats (python3, standard library only) -------------------------------------
python3 - "$OUT" "$work" <<'PY'
import json, os, pickle, struct, sys, zipfile, io
out, work = sys.argv[1], sys.argv[2]
def put(target, name, data):
    os.makedirs(f"{out}/{target}", exist_ok=True)
    open(f"{out}/{target}/seed-{name}", "wb").write(data)

def safetensors(tensors, metadata=None, pad=b""):
    header, data, offset = {}, b"", 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        data += raw; offset += len(raw)
    if metadata is not None: header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode() + pad
    return struct.pack("<Q", len(h)) + h + data
f32 = lambda *v: struct.pack(f"<{len(v)}f", *v)
st = safetensors([("w", "F32", [2, 2], f32(1, 2, 3, 4)), ("b", "F16", [2], b"\0\x3c\0\x40")], {"format": "pt"})
put("safetensors", "two-tensors", st)
put("safetensors", "empty", safetensors([]))
put("safetensors", "padded-bf16-scalar", safetensors([("s", "BF16", [], b"\x80\x3f"), ("m", "BOOL", [3], b"\1\0\1")], pad=b"   "))
put("safetensors", "zero-size", safetensors([("z", "F32", [0, 4], b""), ("i", "I64", [1], struct.pack("<q", -1))]))
open(f"{work}/weights.safetensors", "wb").write(st)

def gguf(kvs, tensors, alignment=32, version=3):
    s = lambda t: struct.pack("<Q", len(t.encode())) + t.encode()
    b = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, kind, value in kvs:
        b += s(key) + struct.pack("<I", kind)
        if kind == 8: b += s(value)
        elif kind == 4: b += struct.pack("<I", value)
        elif kind == 6: b += struct.pack("<f", value)
        elif kind == 7: b += struct.pack("<B", value)
        elif kind == 10: b += struct.pack("<Q", value)
        elif kind == 9:
            item, items = value
            b += struct.pack("<IQ", item, len(items))
            for it in items: b += s(it) if item == 8 else struct.pack("<i", it)
    offset, data = 0, b""
    for name, dims, ggml, raw in tensors:
        b += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ggml, offset)
        data += raw + b"\0" * ((-len(raw)) % alignment); offset += len(raw) + (-len(raw)) % alignment
    b += b"\0" * ((-len(b)) % alignment)
    return b + data
kv = [("general.architecture", 8, "llama"), ("general.name", 8, "tiny"), ("llama.context_length", 4, 128),
      ("llama.rope.freq_base", 6, 10000.0), ("general.file_type", 4, 1), ("tokenizer.ggml.tokens", 9, (8, ["<s>", "</s>", "a"])),
      ("tokenizer.ggml.token_type", 9, (5, [1, 2, 3])), ("general.quantized", 7, 1), ("general.size", 10, 16)]
put("gguf", "llama", gguf(kv, [("token_embd.weight", [4, 2], 0, f32(*range(8))), ("out.weight", [2], 1, b"\0\x3c\0\x40")]))
put("gguf", "aligned-64", gguf([("general.alignment", 4, 64), ("general.architecture", 8, "x")], [("t", [3], 0, f32(1, 2, 3))], alignment=64))
put("gguf", "v2-empty", gguf([], [], version=2))

# formats: the first byte picks the extension (index into FuzzTarget.formatExtensions).
ext = ["bin", "pt", "pth", "ckpt", "pkl", "pickle", "joblib", "onnx", "h5", "keras", "npy", "npz", "zip", "json",
       "yaml", "yml", "txt", "md", "safetensors", "gguf", "", "msgpack"]
def fmt(e, name, data): put("formats", name, bytes([ext.index(e)]) + data)
z = io.BytesIO()
with zipfile.ZipFile(z, "w") as zf:
    zf.writestr("archive/data.pkl", pickle.dumps({"a": 1}, protocol=2)); zf.writestr("archive/version", "3\n")
fmt("pt", "torch-zip", z.getvalue())
z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf: zf.writestr("config.json", "{}"); zf.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
fmt("keras", "keras-zip", z.getvalue())
fmt("pkl", "pickle-4", pickle.dumps({"lr": 0.01, "layers": [1, 2]}, protocol=4))
fmt("joblib", "joblib-zlib", b"\x78\x9c" + bytes(range(16)))
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
hdr += " " * ((-(len(hdr) + 11)) % 64) + "\n"
fmt("npy", "numpy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + f32(1, 2, 3, 4))
fmt("h5", "hdf5", b"\x89HDF\r\n\x1a\n" + b"\0" * 24 + b"keras_version")
def varint(v):
    o = b""
    while True:
        b7 = v & 0x7f; v >>= 7
        if v: o += bytes([b7 | 0x80])
        else: return o + bytes([b7])
field = lambda n, p: varint(n << 3 | 2) + varint(len(p)) + p
fmt("onnx", "onnx", varint(1 << 3) + varint(8) + field(2, b"pytorch") + field(3, b"2.1") + field(7, b"\x0a\x00") + field(8, varint(2 << 3) + varint(17)))
fmt("json", "json", b'{"a": [1, 2.5, "x", null, true], "b": {"c": {}}}')
fmt("yaml", "yaml", b"%YAML 1.2\n---\na: 1\nb: [x, y]\n")
fmt("", "text", "plain text, no extension \u00e9\n".encode())
PY

# --- A real store ------------------------------------------------------------------------
store="$work/store"
mkdir -p "$store/model"
cd "$store"
export MREG_NOW=2026-03-01T12:00:00Z MREG_USER_NAME=Fuzz MREG_USER_EMAIL=fuzz@example.com
unset MREG_DIR
"$MREG" init >/dev/null
"$MREG" config core.chunkThreshold 16k
"$MREG" config core.chunkSize 4k
cp "$work/weights.safetensors" model/
printf '{"hidden": 64, "labels": ["fraud", "ok"]}\n' > model/config.json
python3 -c "import random; random.seed(7); open('model/big.bin','wb').write(bytes(random.getrandbits(8) for _ in range(20000)))"
cat > params.yaml <<'YAML'
optimizer:
  name: adam
  lr: 0.001
  betas: [0.9, 0.999]
layers: [64, 32]
dropout: 0.1
seed: 42
YAML
printf '{"auc": 0.93, "latency_ms": 12, "ok": true}\n' > metrics.json
printf -- '---\nlicense: apache-2.0\ntags: [fraud, tabular]\ndatasets: transactions\n---\n# Fraud detector\n' > model/README.md
"$MREG" register demo model --params params.yaml --metrics metrics.json --card model/README.md -m "seed model" >/dev/null
printf '{"hidden": 128}\n' > model/config.json
MREG_NOW=2026-03-02T12:00:00Z "$MREG" register demo model --params params.yaml --metrics metrics.json -m "second" >/dev/null
"$MREG" tag demo@1 reviewed >/dev/null
"$MREG" promote demo@2 staging --reason "seed" >/dev/null
python3 - "$OUT" "$store/.mreg/objects" <<'PY'
import os, sys, zlib
out, objects = sys.argv[1], sys.argv[2]
def put(target, name, data):
    os.makedirs(f"{out}/{target}", exist_ok=True)
    open(f"{out}/{target}/seed-{name}", "wb").write(data)
kinds = {}
for d in sorted(os.listdir(objects)):
    if len(d) != 2: continue
    for f in sorted(os.listdir(f"{objects}/{d}")):
        raw = open(f"{objects}/{d}/{f}", "rb").read()
        full = zlib.decompress(raw)
        head, payload = full.split(b"\0", 1)
        kind = head.split(b" ")[0].decode()
        stored = raw[2] & 6 == 0  # first deflate block is a stored one
        kinds.setdefault((kind, stored), []).append((d + f, raw, payload))
for (kind, stored), items in sorted(kinds.items()):
    items.sort(key=lambda x: len(x[1]))
    for i, (oid, raw, payload) in enumerate(items[:3]):
        if len(raw) <= 8192:
            put("object", f"{kind}{'-stored' if stored else ''}-{i}", raw)
        if kind in ("manifest", "event", "chunks") and len(payload) <= 16384:
            put({"manifest": "manifest", "event": "event", "chunks": "chunks"}[kind], f"{i}", payload)
PY
# Packs (FORMAT.md §1.7) of those object files: `pack` gets <u32 index length><index><pack>, `packindex` the index.
python3 - "$OUT" "$OUT"/object/seed-blob-0 "$OUT"/object/seed-blob-stored-1 "$OUT"/object/seed-event-0 \
    "$OUT"/object/seed-manifest-0 "$OUT"/object/seed-chunks-0 <<'PY'
import hashlib, os, struct, sys, zlib
out, sources = sys.argv[1], sys.argv[2:]
def put(target, name, data):
    os.makedirs(f"{out}/{target}", exist_ok=True)
    open(f"{out}/{target}/seed-{name}", "wb").write(data)
def build(raws):
    entries, body = [], b"MREGPACK" + struct.pack(">II", 1, len(raws))
    for raw in raws:
        oid = hashlib.sha256(zlib.decompress(raw)).digest()
        entries.append((oid, len(body), len(raw)))
        body += raw
    pack = body + hashlib.sha256(body).digest()
    entries.sort()
    idx = b"MREGPIDX" + struct.pack(">II", 1, len(entries))
    for b in range(256):
        idx += struct.pack(">I", sum(1 for e in entries if e[0][0] <= b))
    idx += b"".join(e[0] for e in entries)
    idx += b"".join(struct.pack(">Q", e[1]) for e in entries)
    idx += b"".join(struct.pack(">Q", e[2]) for e in entries)
    idx += pack[-32:]
    idx += hashlib.sha256(idx).digest()
    return pack, idx
raws = [open(p, "rb").read() for p in sources]
for name, chosen in (("all", raws), ("one", raws[:1])):
    pack, idx = build(chosen)
    put("packindex", name, idx)
    put("pack", name, struct.pack(">I", len(idx)) + idx + pack)
PY
cp params.yaml "$OUT/yaml/seed-params.yaml" 2>/dev/null || { mkdir -p "$OUT/yaml"; cp params.yaml "$OUT/yaml/seed-params.yaml"; }
mkdir -p "$OUT/json" && cp metrics.json "$OUT/json/seed-metrics.json"
mkdir -p "$OUT/card" && cp model/README.md "$OUT/card/seed-readme.md"
cd - >/dev/null

# --- Text inputs -------------------------------------------------------------------------
seed json params '{"optimizer": {"name": "adam", "lr": 1e-3, "betas": [0.9, 0.999]}, "layers": [64, 32], "seed": 42, "note": "caf\u00e9 \ud83d\ude00", "none": null}'
printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n' | seed json nested
printf 'optimizer.lr=0.01\nlayers=[1,2]\nname=adam\nquoted="x=y"\n' | seed json assignments
printf '{"big": 9223372036854775807, "small": -9223372036854775808, "d": 1.7976931348623157e308, "z": -0.0}' | seed json numbers
printf 'base: &base\n  lr: 0.01\n  steps: [1, 2, 3]\nrun:\n  <<: *base\n  lr: 0.02\nlist: [*base, *base]\n' | seed yaml anchors
printf 'a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n' | seed yaml small-alias-tree
printf '%%YAML 1.2\n---\nauc: 0.93\nok: yes\nname: "quoted"\nempty:\nmulti: |\n  line one\n  line two\n' | seed yaml scalars
printf '# params\nseed = 42\n[optimizer]\nname = "adam"\nlr = 1e-3\nbetas = [0.9, 0.999]\n[[layers]]\nsize = 64\n[[layers]]\nsize = 32\n' | seed toml params
printf 'title = "x"\nwhen = 1979-05-27T07:32:00Z\ninline = { a = 1, b.c = "d" }\n"quoted key" = true\nlit = '"'"'C:\\path'"'"'\nmulti = """\nline\n"""\nhex = 0xff\n' | seed toml types
printf '[=]\n' | seed toml header-not-a-key
printf '[.a]\nb = 1\n' | seed toml header-leading-dot
printf -- '---\nlicense: mit\nbase_model: [org/base]\nlanguage: "no"\nmetrics: [auc]\n---\n\n# Title\n\nBody.\n' | seed card list-fields
printf '# Only a title\r\n\r\nText\r\n' | seed card crlf-title
seeds query <<'Q'
params.optimizer.name = 'adam' and metrics.auc >= 0.9
(metrics.auc >= 0.9 or tag = 'reviewed') and not stage = 'production'
card.license IN ('mit', 'apache-2.0') and card.tags != 'vision'
model LIKE 'fra%' or model ILIKE '%RANK%'
params.`a b` IS NULL and metrics.`val loss` <= 0.2
created >= '2026-01-01' and author LIKE 'Fuzz%'
version > 1 and parameters > 7B
NOT (model = 'a' or version = 1)
stage IN ('staging', 'production') or format = 'safetensors'
message = 'run 2' and card.title > 'D'
((((((((((((((((((((((((((((((model = 'fraud'))))))))))))))))))))))))))))))
Q
seeds gate <<'G'
metrics.auc >= 0.90 and metrics.latency_ms < 50
params.optimizer.name = 'adam' or (card.license IN ('mit', 'apache-2.0') and not format = 'pickle')
card.tags = 'fraud' and stage IS NULL
tag = 'reviewed' or version >= 2
metrics.auc > 0.9 and stage = 'staging'
parameters IS NULL or parameters < 1000
G
seeds revision <<'R'
fraud@2
fraud@v3
fraud@latest
fraud@production
fraud@reviewed
fraud
ranker@1
fraud@0
fraud@9223372036854775807
refs/models/fraud/head
@2
fraud@@
R
seed policy readme <<'P'
[stages.production]
from = ["staging"]                                   # only from staging
require = "metrics.auc >= 0.90 and metrics.latency_ms < 50"
no_regression = ["auc"]                              # not worse than what production holds
require_reason = true
P
seed policy full <<'P'
[stages.staging]
require = "card.license IN ('mit', 'apache-2.0')"
card_fields = ["license", "tags"]

[stages.production]
from = ["staging"]
no_regression = [{ metric = "latency_ms", higher_is_better = false, tolerance = 5 }, "auc"]
signed = true
allow_force = false

[signing]
allowed_signers = "allowed_signers"
P
printf '[stages.production]\nrequire = """\nmetrics.auc >= 0.9\n  and params.optimizer.name = '"'"'adam'"'"'\n"""\n' | seed policy multiline
echo "seeds written to $OUT: $(find "$OUT" -name 'seed-*' | wc -l) files, $(find "$OUT" -type f -exec cat {} + | wc -c) bytes in the corpus"
