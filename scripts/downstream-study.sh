#!/usr/bin/env bash
# The downstream study: does the pre-training pay off? On stampseg (../shared/data/stampseg), MAE and R-MAE are
# pre-trained on the train images only (no labels; FH regions for R-MAE) for the same wall-clock time, then
# each is fine-tuned for semantic segmentation (`rmae finetune`), beside a scratch model with the same
# fine-tuning budget and a scratch model with twice that budget, two fine-tuning seeds each; every model is
# scored on the val split (`rmae segeval`). Writes a Markdown report with a table and a PNG of the curves.
#
#   bash scripts/downstream-study.sh                          # about 80 minutes on 2 cores (defaults below)
#   bash scripts/downstream-study.sh --pretrain-minutes 12 --finetune-steps 500 --seeds "0 1" \
#        --data ../shared/data/stampseg --runs runs/downstream-study --doc docs/downstream-study.md
#   bash scripts/downstream-study.sh --stage pretrain         # stop after the two pre-trainings
#
# Resumable: a finished run (model_final.safetensors, segeval.json) is skipped on a rerun; an interrupted
# one restarts from its latest checkpoint. Equal pre-training wall-clock: each model first trains a few
# updates to measure its own speed here (updates 3.. of a short calibration run), then gets the updates that
# fit the budget. Needs the release build (bash scripts/setup) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

RMAE=${RMAE:-.build/release/rmae}
DATA=../shared/data/stampseg
PRETRAIN_MINUTES=12
FINETUNE_STEPS=500
SEEDS="0 1"
RUNS=runs/downstream-study
DOC=docs/downstream-study.md
PRESET=demo
HEAD=linear
CALIBRATION=12
STAGE=all
FT_EXTRA=()

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA=$2; shift 2 ;;
    --pretrain-minutes) PRETRAIN_MINUTES=$2; shift 2 ;;
    --finetune-steps) FINETUNE_STEPS=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --doc) DOC=$2; shift 2 ;;
    --preset) PRESET=$2; shift 2 ;;
    --head) HEAD=$2; shift 2 ;;
    --calibration-updates) CALIBRATION=$2; shift 2 ;;
    --stage) STAGE=$2; shift 2 ;;
    --) shift; FT_EXTRA=("$@"); break ;;   # further key=value overrides for every fine-tuning run
    -h|--help) usage 0 ;;
    *) echo "downstream-study: unknown argument '$1'" >&2; usage 1 ;;
  esac
done

[ -x "$RMAE" ] || { echo "downstream-study: $RMAE not found; run bash scripts/setup first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "downstream-study: python3 is needed to write the report" >&2; exit 1; }
for f in "$DATA/classes.txt" "$DATA/train/images" "$DATA/val/images"; do
  [ -e "$f" ] || { echo "downstream-study: $f not found (--data DIR in the layout of rmae finetune --help)" >&2; exit 1; }
done
case "$STAGE" in all|pretrain) ;; *) echo "downstream-study: --stage is all or pretrain, got '$STAGE'" >&2; exit 1 ;; esac
[ "$CALIBRATION" -ge 6 ] || { echo "downstream-study: --calibration-updates must be at least 6" >&2; exit 1; }
mkdir -p "$RUNS" "$(dirname "$DOC")"
log() { echo "downstream-study: $*" >&2; }

# FH regions of the train images once (the auto settings), for R-MAE.
if [ ! -f "$RUNS/fh/.complete" ]; then
  log "FH regions of $DATA/train/images -> $RUNS/fh"
  "$RMAE" regions "$DATA/train/images" "$RUNS/fh"
  touch "$RUNS/fh/.complete"
fi
model_args() { if [ "$1" = mae ]; then echo "--model mae"; else echo "--model rmae --regions $RUNS/fh"; fi; }

# Pre-training: the updates that fit the budget, from each model's own measured speed.
for model in mae rmae; do
  dir="$RUNS/pretrain-$model"
  [ -f "$dir/model_final.safetensors" ] && continue
  steps_file="$RUNS/pretrain-$model.updates"
  if [ ! -f "$steps_file" ]; then
    cal="$RUNS/calibrate-$model"
    rm -rf "$cal"
    log "calibrating $model ($CALIBRATION updates)"
    # shellcheck disable=SC2046
    "$RMAE" pretrain --preset "$PRESET" $(model_args $model) --data "$DATA/train/images" --out "$cal" --steps "$CALIBRATION" \
      log_every=1 val_every=100000 val_images=0 >/dev/null 2>"$cal.log" || { cat "$cal.log" >&2; exit 1; }
    python3 - "$cal/metrics.csv" "$PRETRAIN_MINUTES" > "$steps_file.tmp" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["loss"]]
a, b = rows[2], rows[-1]          # skip the first updates (start-up, caches)
per_update = (float(b["elapsed_s"]) - float(a["elapsed_s"])) / (int(b["step"]) - int(a["step"]))
print(max(1, int(float(sys.argv[2]) * 60 / per_update)))
PY
    mv "$steps_file.tmp" "$steps_file"
  fi
  steps=$(cat "$steps_file")
  warmup=$(( steps / 10 > 0 ? steps / 10 : 1 ))
  resume=()
  [ -d "$dir/checkpoints" ] && resume=(--resume)
  log "pre-training $model: $steps updates (about $PRETRAIN_MINUTES minutes)"
  # shellcheck disable=SC2046
  "$RMAE" pretrain --preset "$PRESET" $(model_args $model) --data "$DATA/train/images" --out "$dir" --steps "$steps" \
    warmup_steps="$warmup" "${resume[@]}" 2>>"$dir.log" >/dev/null || { tail -20 "$dir.log" >&2; exit 1; }
done
[ "$STAGE" = pretrain ] && { log "pre-training done"; exit 0; }

# Fine-tuning: every starting point with the same budget (scratch also at twice the budget), each seed.
specs=()
for seed in $SEEDS; do
  specs+=("mae:$seed:$FINETUNE_STEPS" "rmae:$seed:$FINETUNE_STEPS" "scratch:$seed:$FINETUNE_STEPS" "scratch2x:$seed:$((2 * FINETUNE_STEPS))")
done
dirs=()
names=()
for spec in "${specs[@]}"; do
  IFS=: read -r start seed steps <<< "$spec"
  name="ft-$start-s$seed"
  dir="$RUNS/$name"
  case "$start" in
    mae|rmae) init="$RUNS/pretrain-$start" ;;
    *) init=scratch ;;
  esac
  if [ ! -f "$dir/model_final.safetensors" ]; then
    resume=()
    [ -d "$dir/checkpoints" ] && resume=(--resume)
    log "fine-tuning $name: $steps updates from $init"
    "$RMAE" finetune --init "$init" --data "$DATA" --out "$dir" --steps "$steps" --head "$HEAD" "${resume[@]}" \
      seed="$seed" "${FT_EXTRA[@]}" 2>>"$dir.log" >/dev/null || { tail -20 "$dir.log" >&2; exit 1; }
  fi
  if [ ! -f "$dir/segeval.json" ]; then
    "$RMAE" segeval --checkpoint "$dir" "$DATA/val" --json "$dir/segeval.json" >/dev/null 2>>"$dir.log" \
      || { tail -20 "$dir.log" >&2; exit 1; }
  fi
  log "$name: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("val mIoU %.3f" % r["miou"])' "$dir/segeval.json")"
  dirs+=("$dir")
  names+=("$name")
done

plot="${DOC%.md}.png"
"$RMAE" curves "${dirs[@]}" --names "$(IFS=,; echo "${names[*]}")" --out "$plot" >/dev/null
log "curves: $plot"

python3 - "$DOC" "$plot" "$RUNS" "$DATA" "$PRETRAIN_MINUTES" "$FINETUNE_STEPS" "$HEAD" "$PRESET" "${dirs[@]}" <<'PY'
import json, os, platform, statistics, subprocess, sys
doc, plot, runs, data, pre_minutes, ft_steps, head, preset, dirs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7], sys.argv[8], sys.argv[9:]

def records(d):
    out = {}
    for line in open(os.path.join(d, "metrics.jsonl")):
        r = json.loads(line)
        out[r["step"]] = {**out.get(r["step"], {}), **r}
    return [out[k] for k in sorted(out)]

def minutes(d):
    total, prev = 0.0, 0.0
    for r in records(d):
        e = r.get("elapsed_s")
        if e is None: continue
        if e < prev: total += prev      # a resumed run restarts its clock
        prev = e
    return (total + prev) / 60

pre = {}
for model in ["mae", "rmae"]:
    d = os.path.join(runs, f"pretrain-{model}")
    rs = records(d)
    pre[model] = dict(updates=rs[-1]["step"], minutes=minutes(d))

rows = []
for d in dirs:
    name = os.path.basename(d)
    start, seed = name[3:].rsplit("-s", 1)
    s = json.load(open(os.path.join(d, "segeval.json")))
    rows.append(dict(name=name, start=start, seed=seed, updates=records(d)[-1]["step"], minutes=minutes(d), s=s))

classes = sorted(rows[0]["s"]["per_class_iou"].keys(), key=lambda c: (c != "background", c))
label = {"mae": "MAE", "rmae": "R-MAE", "scratch": "scratch", "scratch2x": "scratch, 2× budget"}
def stats(start, key=lambda s: s["miou"]):
    vs = [key(r["s"]) for r in rows if r["start"] == start]
    return statistics.mean(vs), (max(vs) - min(vs)) / 2, vs

commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor()) \
    if os.path.exists("/proc/cpuinfo") else platform.processor()
b = rows[0]["s"]["baselines"]
m_mae, sp_mae, _ = stats("mae"); m_rmae, sp_rmae, _ = stats("rmae"); m_sc, sp_sc, _ = stats("scratch"); m_sc2, sp_sc2, _ = stats("scratch2x")
total_minutes = sum(p["minutes"] for p in pre.values()) + sum(r["minutes"] for r in rows)
lines = [
    "# Downstream study: does the pre-training pay off?",
    "",
    f"Written by `scripts/downstream-study.sh --pretrain-minutes {pre_minutes} --finetune-steps {ft_steps} --head {head}` at commit `{commit}` "
    f"on {os.cpu_count()} cores ({cpu}). Data: `{data}` (train images for pre-training without labels; train labels for fine-tuning; "
    f"every score on the val split with `rmae segeval`).",
    "",
    f"Pre-training ({preset} preset, train images only, FH regions for R-MAE), about {pre_minutes} minutes each from each model's measured speed: "
    + ", ".join(f"{label[k]} {v['updates']} updates in {v['minutes']:.1f} min" for k, v in pre.items()) + ". "
    f"Fine-tuning: `rmae finetune` defaults ({head} head, AdamW, layer decay, drop path, scale-jitter crop and flip), {ft_steps} updates "
    f"of 32 images for every starting point, scratch also at {2 * ft_steps}; two seeds each. "
    f"Training time of the whole study: {total_minutes:.0f} minutes.",
    "",
    f"## Val mIoU (mean over seeds ± half the spread)",
    "",
    "| starting point | fine-tuning updates | val mIoU | pixel accuracy | vs scratch (same budget) |",
    "|---|---:|---:|---:|---:|",
]
for start in ["mae", "rmae", "scratch", "scratch2x"]:
    m, sp, vs = stats(start)
    pa, _, _ = stats(start, lambda s: s["pixel_accuracy"])
    ups = [r["updates"] for r in rows if r["start"] == start][0]
    diff = f"{100 * (m - m_sc):+.1f} points" if start != "scratch" else "–"
    lines.append(f"| {label[start]} | {ups} | {m:.3f} ± {sp:.3f} ({', '.join(f'{v:.3f}' for v in vs)}) | {pa:.3f} | {diff} |")
lines += [
    f"| trivial: all background | – | {b['all_background']['miou']:.3f} | {b['all_background']['pixel_accuracy']:.3f} | – |",
    f"| trivial: every pixel '{b['majority_class']}' (the most frequent class) | – | {b['majority']['miou']:.3f} | {b['majority']['pixel_accuracy']:.3f} | – |",
    "",
    "## Every run",
    "",
    "| run | updates | minutes | val mIoU | " + " | ".join(classes) + " |",
    "|---|---:|---:|---:|" + "---:|" * len(classes),
]
for r in rows:
    lines.append(f"| {r['name']} | {r['updates']} | {r['minutes']:.1f} | {r['s']['miou']:.3f} | "
                 + " | ".join(f"{r['s']['per_class_iou'].get(c, float('nan')):.3f}" for c in classes) + " |")
gain_mae, gain_rmae = 100 * (m_mae - m_sc), 100 * (m_rmae - m_sc)
best_trivial = max(b["all_background"]["miou"], b["majority"]["miou"])
lines += [
    "",
    "## Reading",
    "",
    f"- MAE pre-training adds {gain_mae:+.1f} mIoU points over scratch at the same fine-tuning budget, R-MAE {gain_rmae:+.1f} "
    f"(target: at least +5 each: {'met' if min(gain_mae, gain_rmae) >= 5 else 'NOT met'}).",
    f"- Scratch with twice the budget: {m_sc2:.3f}, {100 * (m_sc2 - m_sc):+.1f} points over scratch; the pre-trained models "
    f"{'still lead it' if min(m_mae, m_rmae) > m_sc2 else 'do not all lead it'}.",
    f"- R-MAE against MAE: {100 * (m_rmae - m_mae):+.1f} points (seed spreads ±{100 * sp_rmae:.1f} and ±{100 * sp_mae:.1f}), "
    "a finding, not a target.",
    f"- Every fine-tuned model beats both trivial baselines (best {best_trivial:.3f}): "
    f"{'yes' if all(r['s']['miou'] > best_trivial for r in rows) else 'NO'}.",
    "",
    f"![training loss and validation mIoU of every fine-tuning run]({os.path.relpath(plot, os.path.dirname(doc) or '.')})",
    "",
    f"Run directories, logs, `segeval.json` and `predictions.png` of each run: `{runs}/`.",
]
tmp = doc + ".tmp"
open(tmp, "w").write("\n".join(lines) + "\n")
os.replace(tmp, doc)
print(f"downstream-study: report {doc}", file=sys.stderr)
print(f"MAE {m_mae:.3f} ± {sp_mae:.3f}, R-MAE {m_rmae:.3f} ± {sp_rmae:.3f}, scratch {m_sc:.3f} ± {sp_sc:.3f}, scratch 2x {m_sc2:.3f} ± {sp_sc2:.3f}")
PY
