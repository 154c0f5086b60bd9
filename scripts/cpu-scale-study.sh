#!/usr/bin/env bash
# The CPU-scale study: does R-MAE help at small compute? MAE and R-MAE pre-trained for the same wall-clock
# time on the demo photos, two seeds each, then scored with `rmae probe` (every backbone) and `rmae evaluate`
# (region models) on an evaluation folder. Writes a Markdown report with a table and a PNG of the curves.
#
#   bash scripts/cpu-scale-study.sh                      # 10 minutes per run, eval ../shared/data/eval-mini
#   bash scripts/cpu-scale-study.sh --minutes 2 --eval DIR --seeds "0 1" --runs runs/study --doc docs/cpu-scale-study.md
#
# Equal wall-clock: each model first trains a few updates to measure its own speed on this machine (updates
# 3.. of a short calibration run, from metrics.csv's elapsed_s), then gets the number of updates that fits
# the budget, with 10 % warm-up. FH regions are computed once (rmae regions) and shared by the R-MAE runs,
# so the budget is spent on training. Needs the release build (bash scripts/setup) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

RMAE=${RMAE:-.build/release/rmae}
MINUTES=10
EVAL=../shared/data/eval-mini
SEEDS="0 1"
RUNS=runs/cpu-scale-study
DOC=docs/cpu-scale-study.md
PRESET=demo
CALIBRATION=12
EXTRA=()

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --eval) EVAL=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --doc) DOC=$2; shift 2 ;;
    --preset) PRESET=$2; shift 2 ;;
    --calibration-updates) CALIBRATION=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;   # further key=value overrides for every run
    -h|--help) usage 0 ;;
    *) echo "cpu-scale-study: unknown argument '$1'" >&2; usage 1 ;;
  esac
done

[ -x "$RMAE" ] || { echo "cpu-scale-study: $RMAE not found; run bash scripts/setup first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "cpu-scale-study: python3 is needed to write the report" >&2; exit 1; }
[ -d "$EVAL" ] || { echo "cpu-scale-study: evaluation folder $EVAL not found (--eval DIR)" >&2; exit 1; }
[ "$CALIBRATION" -ge 6 ] || { echo "cpu-scale-study: --calibration-updates must be at least 6" >&2; exit 1; }
mkdir -p "$RUNS" "$(dirname "$DOC")"
log() { echo "cpu-scale-study: $*" >&2; }

# FH regions once, shared by every R-MAE run (the auto settings: scales 500,1000,1500, sigma 0.8).
if [ ! -f "$RUNS/fh/.complete" ]; then
  log "FH regions of data/demo -> $RUNS/fh"
  "$RMAE" regions data/demo "$RUNS/fh"
  touch "$RUNS/fh/.complete"
fi

model_args() { if [ "$1" = mae ]; then echo "--model mae"; else echo "--model rmae --regions $RUNS/fh"; fi; }

# Seconds per update of each model on this machine, from updates 3.. of a short run.
declare -A UPDATES
for model in mae rmae; do
  dir="$RUNS/calibrate-$model"
  rm -rf "$dir"
  log "calibrating $model ($CALIBRATION updates)"
  # shellcheck disable=SC2046
  "$RMAE" pretrain --preset "$PRESET" $(model_args $model) --out "$dir" --steps "$CALIBRATION" \
    log_every=1 val_every=100000 val_images=0 "${EXTRA[@]}" >/dev/null 2>"$dir.log" \
    || { cat "$dir.log" >&2; exit 1; }
  UPDATES[$model]=$(python3 - "$dir/metrics.csv" "$MINUTES" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["loss"]]
a, b = rows[2], rows[-1]          # skip the first updates (start-up, caches)
per_update = (float(b["elapsed_s"]) - float(a["elapsed_s"])) / (int(b["step"]) - int(a["step"]))
print(max(1, int(float(sys.argv[2]) * 60 / per_update)))
EOF
)
  log "$model: ${UPDATES[$model]} updates fit in $MINUTES minutes"
done

# The runs, then their scores.
names=()
dirs=()
for model in mae rmae; do
  for seed in $SEEDS; do
    name="$model-s$seed"
    dir="$RUNS/$name"
    steps=${UPDATES[$model]}
    warmup=$(( steps / 10 > 0 ? steps / 10 : 1 ))
    if [ ! -f "$dir/model_final.safetensors" ]; then
      rm -rf "$dir"
      log "training $name: $steps updates"
      # shellcheck disable=SC2046
      "$RMAE" pretrain --preset "$PRESET" $(model_args $model) --out "$dir" --steps "$steps" \
        seed="$seed" warmup_steps="$warmup" "${EXTRA[@]}" 2>"$dir.log" >/dev/null || { tail -20 "$dir.log" >&2; exit 1; }
    fi
    log "scoring $name"
    "$RMAE" probe --checkpoint "$dir" "$EVAL" --json "$dir/probe.json" >/dev/null 2>>"$dir.log"
    if [ "$model" = rmae ]; then
      "$RMAE" evaluate --checkpoint "$dir" "$EVAL" --json "$dir/evaluate.json" >/dev/null 2>>"$dir.log"
    fi
    names+=("$name")
    dirs+=("$dir")
  done
done

plot="${DOC%.md}.png"
"$RMAE" curves "${dirs[@]}" --names "$(IFS=,; echo "${names[*]}")" --x minutes --out "$plot" >/dev/null
log "curves: $plot"

python3 - "$DOC" "$plot" "$MINUTES" "$EVAL" "$PRESET" "$RUNS" "${dirs[@]}" <<'EOF'
import json, os, platform, subprocess, sys
doc, plot, minutes, evaluation, preset, runs, dirs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7:]

def records(d):
    out = {}
    for line in open(os.path.join(d, "metrics.jsonl")):
        r = json.loads(line)
        out[r["step"]] = r
    return [out[k] for k in sorted(out)]

def load(d, name):
    p = os.path.join(d, name)
    return json.load(open(p)) if os.path.exists(p) else None

rows = []
for d in dirs:
    rs = records(d)
    last = rs[-1]
    val = [r for r in rs if "val_loss" in r][-1]
    elapsed, offset, prev = 0.0, 0.0, 0.0
    for r in rs:
        e = r.get("elapsed_s", prev)
        if e < prev: offset += prev
        prev = e
    elapsed = offset + prev
    rows.append(dict(name=os.path.basename(d), model=os.path.basename(d).split("-")[0], updates=last["step"],
                     minutes=elapsed / 60, mae=val.get("val_mae_loss"), iou=val.get("val_region_iou"),
                     base=val.get("val_region_iou_baseline"), probe=load(d, "probe.json"), ev=load(d, "evaluate.json")))

def f(v, fmt="%.3f"):
    return "–" if v is None else fmt % v

commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor()) \
    if os.path.exists("/proc/cpuinfo") else platform.processor()
lines = [
    "# CPU-scale study: MAE vs R-MAE at equal wall-clock",
    "",
    f"Written by `scripts/cpu-scale-study.sh --minutes {minutes} --eval {evaluation} --preset {preset}` at commit `{commit}` "
    f"on {os.cpu_count()} cores ({cpu}), RMAE_THREADS={os.environ.get('RMAE_THREADS', 'all')}. "
    f"Each model trained for about {minutes} minutes on the {preset} preset (demo photos); updates per model from its own measured speed. "
    "Scores on the evaluation folder: `rmae probe` (linear probe of foreground patches on the frozen encoder, test-half mIoU, beside "
    "the same probe on a randomly initialised encoder of the same shape) and, for R-MAE, `rmae evaluate` (interactive segmentation "
    "mIoU at 10/15/20 % prompts beside prompts only; FH-region mIoU beside the nearest visible patch). Validation: the run's fixed views.",
    "",
    "| run | updates | minutes | val pixel loss | val masked-region IoU (nearest visible patch) | probe mIoU (random encoder) | evaluate 10 / 15 / 20 % (prompts only) | FH-region mIoU (nearest visible patch) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    p, e = r["probe"], r["ev"]
    probe = f"{p['encoder']['miou']:.3f} ({p['random_encoder']['miou']:.3f})" if p else "–"
    if e:
        lv = e["levels"]
        ev = " / ".join(f"{l['miou']:.3f}" for l in lv) + " (" + " / ".join(f"{l['prompts_only_miou']:.3f}" for l in lv) + ")"
        fh = f"{e['fh_region_miou']:.3f} ({e['fh_region_baseline_miou']:.3f})"
    else:
        ev = fh = "–"
    iou = f"{r['iou']:.3f} ({r['base']:.3f})" if r["iou"] is not None else "–"
    lines.append(f"| {r['name']} | {r['updates']} | {r['minutes']:.1f} | {f(r['mae'], '%.4f')} | {iou} | {probe} | {ev} | {fh} |")

lines += ["", "Mean over seeds:", "", "| model | probe mIoU | random encoder | val pixel loss |", "|---|---:|---:|---:|"]
for model in ["mae", "rmae"]:
    rs = [r for r in rows if r["model"] == model and r["probe"]]
    if rs:
        mean = lambda xs: sum(xs) / len(xs)
        lines.append(f"| {'MAE' if model == 'mae' else 'R-MAE'} | {mean([r['probe']['encoder']['miou'] for r in rs]):.3f} | "
                     f"{mean([r['probe']['random_encoder']['miou'] for r in rs]):.3f} | {mean([r['mae'] for r in rs]):.4f} |")
p = rows[0]["probe"]
if p:
    lines += ["", f"Trivial probe baselines on the same test images: all background {p['all_background_miou']:.3f}, all foreground "
              f"{p['all_foreground_miou']:.3f}; a perfect patch classifier scores {p['patch_ceiling_miou']:.3f}."]
lines += ["", f"![training curves: pixel loss and validation masked-region IoU over minutes of training]({os.path.relpath(plot, os.path.dirname(doc) or '.')})", "",
          f"Run directories, logs and JSON reports: `{runs}/`."]
tmp = doc + ".tmp"
open(tmp, "w").write("\n".join(lines) + "\n")
os.replace(tmp, doc)
print(f"cpu-scale-study: report {doc}", file=sys.stderr)
EOF
