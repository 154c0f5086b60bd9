"""PyTorch eager baseline for `rmae bench finetune`: a timm-style ViT (conv patch embedding, cls token, learned
position embedding, pre-norm blocks with exact GELU, fused SDPA and drop path, final LayerNorm) with the same
segmentation head (linear: per-patch Linear D -> classes, bilinear upsampling; fpn: two 2x2 stride-2 transposed
convolutions with LayerNorm + GELU, lateral 1x1 projections fused at stride p/4, a 1x1 classifier), per-pixel
cross-entropy with ignore_index 255, AdamW over MAE's layer-decay parameter groups. Synthetic images and labels,
the median update time after two warm-up updates.

    python3 scripts/bench/torch_finetune.py [--preset demo] [--img-size 64] [--head linear] [--batch 32] [--steps 10]
"""
import argparse
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # width, depth, heads, image, patch (as rmae's ModelPresets)
    "demo": (192, 6, 3, 64, 8), "cpu-1h": (192, 12, 3, 96, 8), "vit-tiny": (192, 12, 3, 224, 16),
    "vit-small": (384, 12, 6, 224, 16), "vit-base": (768, 12, 12, 224, 16),
}


def drop_path(x, rate, training):
    if rate == 0 or not training:
        return x
    keep = 1 - rate
    mask = x.new_empty((x.shape[0], 1, 1)).bernoulli_(keep)
    return x * mask / keep


class Block(nn.Module):
    def __init__(self, dim, heads, rate):
        super().__init__()
        self.heads, self.rate = heads, rate
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
        x = x + drop_path(self.proj(a.transpose(1, 2).reshape(b, n, c)), self.rate, self.training)
        return x + drop_path(self.fc2(F.gelu(self.fc1(self.norm2(x)))), self.rate, self.training)


class LayerNorm2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.LayerNorm(c, eps=1e-6)

    def forward(self, x):
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class SegViT(nn.Module):
    def __init__(self, dim, depth, heads, img, patch, classes, head, drop, fpn_dim=128):
        super().__init__()
        self.g = img // patch
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.g * self.g + 1, dim))
        rates = [drop * i / max(depth - 1, 1) for i in range(depth)]
        self.blocks = nn.ModuleList(Block(dim, heads, r) for r in rates)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = head
        if head == "linear":
            self.conv_seg = nn.Conv2d(dim, classes, 1)
        else:
            self.up1 = nn.ConvTranspose2d(dim, dim // 2, 2, 2)
            self.up1_norm = LayerNorm2d(dim // 2)
            self.up2 = nn.ConvTranspose2d(dim // 2, dim // 4, 2, 2)
            self.lateral = nn.ModuleList([nn.Conv2d(dim, fpn_dim, 1), nn.Conv2d(dim // 2, fpn_dim, 1), nn.Conv2d(dim // 4, fpn_dim, 1)])
            self.fuse_norm = LayerNorm2d(fpn_dim)
            self.conv_seg = nn.Conv2d(fpn_dim, classes, 1)

    def forward(self, x):
        b, s = x.shape[0], x.shape[-1]
        t = self.patch_embed(x).flatten(2).transpose(1, 2) + self.pos_embed[:, 1:]
        t = torch.cat([(self.cls_token + self.pos_embed[:, :1]).expand(b, -1, -1), t], 1)
        for blk in self.blocks:
            t = blk(t)
        f = self.norm(t[:, 1:]).transpose(1, 2).reshape(b, -1, self.g, self.g)
        if self.head == "linear":
            y = self.conv_seg(f)
        else:
            f8 = F.gelu(self.up1_norm(self.up1(f)))
            f4 = self.up2(f8)
            size = f4.shape[-2:]
            fused = (F.interpolate(self.lateral[0](f), size=size, mode="bilinear", align_corners=False)
                     + F.interpolate(self.lateral[1](f8), size=size, mode="bilinear", align_corners=False) + self.lateral[2](f4))
            y = self.conv_seg(F.gelu(self.fuse_norm(fused)))
        return F.interpolate(y, size=(s, s), mode="bilinear", align_corners=False)


def param_groups(model, depth, decay=0.75, wd=0.05):
    groups = {}
    for name, p in model.named_parameters():
        if name in ("cls_token", "pos_embed") or name.startswith("patch_embed"):
            layer = 0
        elif name.startswith("blocks."):
            layer = int(name.split(".")[1]) + 1
        else:
            layer = depth + 1
        no_wd = p.ndim == 1 or name in ("cls_token", "pos_embed")
        key = (layer, no_wd)
        groups.setdefault(key, {"params": [], "weight_decay": 0.0 if no_wd else wd, "lr_scale": decay ** (depth + 1 - layer)})
        groups[key]["params"].append(p)
    return list(groups.values())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="demo")
    p.add_argument("--img-size", type=int)
    p.add_argument("--patch", type=int)
    p.add_argument("--head", default="linear", choices=["linear", "fpn"])
    p.add_argument("--classes", type=int, default=6)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--drop-path", type=float, default=0.1)
    p.add_argument("--threads", type=int)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dim, depth, heads, img, patch = PRESETS[a.preset]
    img, patch = a.img_size or img, a.patch or patch
    torch.manual_seed(0)
    model = SegViT(dim, depth, heads, img, patch, a.classes, a.head, a.drop_path).train()
    groups = param_groups(model, depth)
    opt = torch.optim.AdamW(groups, lr=2.5e-4, betas=(0.9, 0.999))
    for g in opt.param_groups:
        g["lr"] = 2.5e-4 * g["lr_scale"]
    x = torch.randn(a.batch, 3, img, img)
    labels = torch.randint(0, a.classes, (a.batch, img, img))
    labels[torch.rand(a.batch, img, img) < 0.05] = 255
    samples = []
    for i in range(a.steps + 2):
        t = time.perf_counter()
        loss = F.cross_entropy(model(x), labels, ignore_index=255)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= 2:
            samples.append(time.perf_counter() - t)
    samples.sort()
    step = samples[len(samples) // 2]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch bench=finetune preset={a.preset} img_size={img} patch={patch} head={a.head} batch={a.batch} "
          f"step_s={step:.4f} img_per_s={a.batch / step:.2f} peak_rss_mb={rss:.0f} threads={torch.get_num_threads()} torch={torch.__version__}")


if __name__ == "__main__":
    main()
