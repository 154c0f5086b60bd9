#!/usr/bin/env bash
# rmae bench train against ../shared/bench/torch_rmae.py, interleaved (rmae, torch, rmae, torch, ...) so that the
# machine's drift hits both alike; prints every measurement line, then the medians and ratios per setting.
#   bash scripts/bench-vs-torch.sh [ROUNDS]        (default 3; release build of rmae first)
# Environment: RMAE_BLAS / RMAE_ISA / RMAE_THREADS pass through to rmae; TORCH_BENCH overrides the baseline path.
# RMAE_ISA=avx2 (the stand-in for an AVX2-only CPU on an AVX-512 machine) holds PyTorch to AVX2 as well
# (ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS, ONEDNN_MAX_CPU_ISA), as it is on a real AVX2 CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
rmae=.build/release/rmae
torch=${TORCH_BENCH:-../shared/bench/torch_rmae.py}
[ -x "$rmae" ] || { echo "bench-vs-torch: build first: swift build -c release --product rmae" >&2; exit 1; }
[ -f "$torch" ] || { echo "bench-vs-torch: $torch not found (set TORCH_BENCH)" >&2; exit 1; }
python3 -c "import torch" 2>/dev/null || { echo "bench-vs-torch: PyTorch not installed (see ../shared/bench/README.md)" >&2; exit 1; }

settings=(
  "demo|--preset vit-tiny --img-size 96 --patch 8 --decoder-dim 128 --decoder-depth 2 --decoder-heads 4 --batch 32 --steps 5|--preset vit-tiny --img-size 96 --patch 8 --decoder-dim 128 --decoder-depth 2 --decoder-heads 4 --batch 32 --steps 5"
  "vit-tiny|--preset vit-tiny --batch 8 --steps 4|--preset vit-tiny --batch 8 --steps 4"
  "vit-base|--preset vit-base --batch 8 --steps 3|--preset vit-base --batch 8 --steps 3"
)
torch_env=()
if [ "${RMAE_ISA:-}" = avx2 ]; then
  torch_env=(ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2)
fi
echo "cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\" cores=$(nproc) rounds=$rounds"
log=$(mktemp)
for ((r = 1; r <= rounds; r++)); do
  for s in "${settings[@]}"; do
    IFS='|' read -r name ours theirs <<<"$s"
    line=$($rmae bench train $ours 2>/dev/null | grep '^bench=train')
    echo "round=$r setting=$name $line" | tee -a "$log"
    line=$(env "${torch_env[@]}" python3 "$torch" $theirs --threads "$(nproc)" 2>/dev/null | grep '^torch')
    echo "round=$r setting=$name $line" | tee -a "$log"
  done
done
python3 scripts/bench/summarize.py "$log"
rm -f "$log"
