#!/usr/bin/env bash
# rmae's weights against the real clients: Hugging Face transformers (ViTMAE) and timm, both ways, and the
# ONNX export run by onnxruntime.
#   pip install transformers timm onnx onnxruntime        (torch: see ../shared/bench/README.md)
#   bash scripts/check-interop.sh [WORK_DIR]     (default: a temporary folder, removed afterwards; PYTHON=… picks the interpreter)
#   bash scripts/check-interop.sh --probe        (exit 0 when the packages import, 2 with the reason when not)
# Trains two small rmae MAE runs (20 updates of the demo preset without regions; RGB and grey) to export, then runs
# scripts/interop/check_interop.py: one `check=... ok=true|false` line per comparison, exit 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
rmae=${RMAE:-.build/release/rmae}
[ -x "$rmae" ] || { swift build -c release --product rmae; rmae=.build/release/rmae; }
python=${PYTHON:-python3}
problem=$("$python" -c "
import importlib
bad = []
for m in ('torch', 'transformers', 'timm', 'safetensors', 'onnx', 'onnxruntime'):
    try:
        importlib.import_module(m)
    except Exception as e:
        bad.append(m + ' (' + (str(e).splitlines() or [type(e).__name__])[-1][:120] + ')')
print('; '.join(bad))" 2>/dev/null || echo "$python could not be started")
if [ -n "$problem" ]; then
  echo "check-interop: cannot import $problem: pip install transformers timm onnx onnxruntime (torch as in ../shared/bench/README.md; timm needs the torchvision built for that torch), or PYTHON=… for another interpreter" >&2
  exit 2
fi
[ "${1:-}" = "--probe" ] && { echo "check-interop: $python has torch, transformers, timm, safetensors, onnx and onnxruntime"; exit 0; }
work=${1:-}
if [ -z "$work" ]; then work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work"
for run in mae-run:3 mae-grey:1; do
  name=${run%%:*} channels=${run##*:}
  if [ ! -f "$work/$name/model_final.safetensors" ]; then
    "$rmae" pretrain --out "$work/$name" model.num_region=0 model.in_chans="$channels" steps=20 val_every=20 checkpoint_every=20 \
      > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  fi
done
"$python" scripts/interop/check_interop.py --rmae "$rmae" --run "$work/mae-run" --grey-run "$work/mae-grey" --work "$work"
