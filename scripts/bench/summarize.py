"""Medians and ratios of interleaved rmae / PyTorch benchmark lines (scripts/bench-vs-torch.sh,
scripts/bench-finetune-vs-torch.sh): each line carries setting=, img_per_s= and peak_rss_mb=; PyTorch's lines
contain the word "torch" as a field of its own.

    python3 scripts/bench/summarize.py LOG
"""
import re
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=([^\s]+)", line))
    who = "torch" if " torch " in line else "rmae"
    rows.setdefault(kv["setting"], {}).setdefault(who, []).append((float(kv["img_per_s"]), float(kv["peak_rss_mb"])))
for setting, d in rows.items():
    if "rmae" not in d or "torch" not in d:
        continue
    ours = statistics.median(v[0] for v in d["rmae"]); theirs = statistics.median(v[0] for v in d["torch"])
    rss = statistics.median(v[1] for v in d["rmae"]); trss = statistics.median(v[1] for v in d["torch"])
    print(f"summary setting={setting} rmae_img_per_s={ours:.2f} torch_img_per_s={theirs:.2f} ratio={ours/theirs:.2f} "
          f"rmae_peak_rss_mb={rss:.0f} torch_peak_rss_mb={trss:.0f} rss_ratio={rss/trss:.2f}")
