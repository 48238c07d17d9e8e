#!/usr/bin/env bash
# A scripted tour of mreg in a temporary folder: a training repository with a
# generated sample model, two registered versions, tags, promotions, diff, log, export.
set -euo pipefail
MREG=${MREG:-mreg}
MREG=$(cd "$(dirname "$MREG")" && pwd)/$(basename "$MREG")
work=$(mktemp -d "${TMPDIR:-/tmp}/mreg-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MREG_USER_NAME="Demo Engineer" MREG_USER_EMAIL="demo@example.com"
export GIT_AUTHOR_NAME="Demo Engineer" GIT_AUTHOR_EMAIL="demo@example.com"
export GIT_COMMITTER_NAME="Demo Engineer" GIT_COMMITTER_EMAIL="demo@example.com"

if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
# quoted ARG: ARG as a user would type it in a shell (quoted only when it needs to be).
quoted() {
    local a=$1
    if [[ -n $a && $a =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then printf '%s' "$a"
    elif [[ $a != *"'"* ]]; then printf "'%s'" "$a"
    else a=${a//\\/\\\\}; a=${a//\"/\\\"}; a=${a//\$/\\\$}; a=${a//\`/\\\`}; printf '"%s"' "$a"; fi
}
# step CMD ARG...: prints the command exactly as typed (quotes kept), then runs it.
step() {
    local line='' a
    for a in "$@"; do line+="${line:+ }$(quoted "$a")"; done
    printf '\n%s$ %s%s\n' "$bold" "$line" "$plain" >&2
    "$@"
}
mreg() { "$MREG" "$@"; }

# le64 N: N as 8 little-endian bytes.
le64() { local n=$1 i; for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(( (n >> (8*i)) & 255 )))"; done; }

# safetensors OUT SEED: a 2-tensor float32 model (64x64 weight, 64 bias), bytes from SEED.
safetensors() {
    local out=$1 seed=$2
    local header='{"__metadata__":{"format":"pt"},"fc.weight":{"dtype":"F32","shape":[64,64],"data_offsets":[0,16384]},"fc.bias":{"dtype":"F32","shape":[64],"data_offsets":[16384,16640]}}'
    { le64 ${#header}; printf "%s" "$header"; (set +o pipefail; yes "$seed" | head -c 16640); } > "$out"
}

cd "$work"
mkdir -p fraud-model/data fraud-model/out
cd fraud-model
printf 'amount,label\n12.5,0\n990.0,1\n' > data/train.csv
printf 'print("training...")\n' > train.py
if command -v git >/dev/null; then git init -q && git add train.py data && git commit -qm "training code"; fi

cat > out/README.md <<'CARD'
---
license: apache-2.0
library_name: pytorch
tags: [fraud, tabular]
datasets: [internal/transactions-2026]
---
# Fraud detector
A small demo model.
CARD
printf '{"hidden": 64, "activation": "relu"}\n' > out/config.json
safetensors out/model.safetensors v1
cat > params.yaml <<'P'
optimizer:
  name: adam
  lr: 0.01
epochs: 10
P
printf '{"auc": 0.9, "latency_ms": 12.5}\n' > metrics.json

step mreg init
step mreg register fraud-detector out --params params.yaml --metrics metrics.json --dataset train=data/train.csv -m "baseline"

# A second training run: new learning rate, better AUC, new weights.
sed -i 's/lr: 0.01/lr: 0.02/' params.yaml
printf '{"auc": 0.93, "latency_ms": 11.0}\n' > metrics.json
safetensors out/model.safetensors v2
step mreg register fraud-detector out --params params.yaml --metrics metrics.json --dataset train=data/train.csv \
    --base fraud-detector@1 -m "higher learning rate"

step mreg tag fraud-detector@2 reviewed -m "checked by model-risk"
step mreg promote fraud-detector@1 staging --reason "baseline for shadow test"
step mreg promote fraud-detector@2 staging --reason "beats baseline"
step mreg promote fraud-detector@reviewed production --reason "AUC 0.93 on holdout"
step mreg list
step mreg list fraud-detector
step mreg search "metrics.auc >= 0.92 and params.optimizer.name = 'adam'"
step mreg show fraud-detector@production
step mreg diff fraud-detector@1 fraud-detector@2
step mreg diff fraud-detector@1 fraud-detector@2 --only params,metrics --json
step mreg log fraud-detector --oneline
step mreg export fraud-detector@production "$work/serving"
step ls -l "$work/serving"
step mreg fsck --no-dangling
printf '\nDemo finished; the temporary store is removed on exit.\n' >&2
