"""PyTorch eager baseline for `rmae bench engine`: one pre-norm ViT block (timm layout, exact GELU, fused SDPA),
forward and forward+backward, same shapes and repetition rule (median of N after one warm-up).

    python3 scripts/bench/torch_block.py [--batch 8] [--tokens 197] [--widths 192 768] [--repeats 5]
"""
import argparse
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        x = x + self.proj(a.transpose(1, 2).reshape(b, n, c))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


def median_time(repeats, fn):
    fn()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return sorted(samples)[len(samples) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--tokens", type=int, default=197)
    p.add_argument("--widths", type=int, nargs="+", default=[192, 768])
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    print(f"bench=torch_block torch={torch.__version__} threads={torch.get_num_threads()}")
    for w in a.widths:
        torch.manual_seed(0)
        blk = Block(w, max(1, w // 64))
        x = torch.rand(a.batch, a.tokens, w) * 2 - 1
        seed = torch.ones_like(x)

        def fwd():
            with torch.no_grad():
                blk(x)

        def both():
            xr = x.clone().requires_grad_(True)
            blk(xr).backward(seed)
            blk.zero_grad(set_to_none=True)

        f = median_time(a.repeats, fwd)
        fb = median_time(a.repeats, both)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"block_width={w} batch={a.batch} tokens={a.tokens} forward_ms={f*1000:.2f} fwd_bwd_ms={fb*1000:.2f} peak_rss_mb={rss}")


if __name__ == "__main__":
    main()
