#!/usr/bin/env bash
# rmae bench finetune against scripts/bench/torch_finetune.py, interleaved (rmae, torch, rmae, torch, ...) so that
# the machine's drift hits both alike; prints every measurement line, then the medians and ratios per setting.
#   bash scripts/bench-finetune-vs-torch.sh [ROUNDS]        (default 3; release build of rmae first)
# Settings: the downstream study's shape (demo encoder, 64 px, batch 32) with the linear and the fpn head, and
# ViT-Tiny at 224 px (batch 8, linear). Environment: RMAE_BLAS / RMAE_ISA / RMAE_THREADS pass through to rmae;
# RMAE_ISA=avx2 holds PyTorch to AVX2 as well.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
rmae=.build/release/rmae
torch=scripts/bench/torch_finetune.py
[ -x "$rmae" ] || { echo "bench-finetune-vs-torch: build first: swift build -c release --product rmae" >&2; exit 1; }
python3 -c "import torch" 2>/dev/null || { echo "bench-finetune-vs-torch: PyTorch not installed (see ../shared/bench/README.md)" >&2; exit 1; }
settings=(
  "demo-linear|--preset demo --head linear --batch 32 --steps 8"
  "demo-fpn|--preset demo --head fpn --batch 32 --steps 8"
  "vit-tiny-linear|--preset vit-tiny --head linear --batch 8 --steps 4"
)
torch_env=()
if [ "${RMAE_ISA:-}" = avx2 ]; then
  torch_env=(ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2)
fi
echo "cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\" cores=$(nproc) rounds=$rounds"
log=$(mktemp)
for ((r = 1; r <= rounds; r++)); do
  for s in "${settings[@]}"; do
    IFS='|' read -r name args <<<"$s"
    line=$($rmae bench finetune $args 2>/dev/null | grep '^bench=finetune')
    echo "round=$r setting=$name $line" | tee -a "$log"
    line=$(env "${torch_env[@]}" python3 "$torch" $args --threads "$(nproc)" 2>/dev/null | grep '^torch')
    echo "round=$r setting=$name $line" | tee -a "$log"
  done
done
python3 scripts/bench/summarize.py "$log"
rm -f "$log"
