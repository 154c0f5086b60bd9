"""Reference numbers for Tests/NNTests: torch.optim.AdamW on a hand-made case, clip_grad_norm_, and the
official warm-up + cosine schedule. Run: python3 scripts/reference/adamw_schedule.py"""
import math
import torch

torch.set_printoptions(precision=9)
w = torch.nn.Parameter(torch.tensor([[0.5, -1.0, 2.0], [0.25, 0.0, -0.75]]))
b = torch.nn.Parameter(torch.tensor([0.1, -0.2, 0.3]))
opt = torch.optim.AdamW([{"params": [w], "weight_decay": 0.05}, {"params": [b], "weight_decay": 0.0}],
                        lr=0.01, betas=(0.9, 0.95), eps=1e-8)
grads = [
    (torch.tensor([[0.3, -0.1, 0.05], [1.0, -2.0, 0.0]]), torch.tensor([0.5, 0.0, -0.25])),
    (torch.tensor([[-0.2, 0.4, 0.1], [0.5, 0.5, -1.5]]), torch.tensor([-0.1, 0.2, 0.3])),
    (torch.tensor([[0.0, 0.0, 1.0], [-0.3, 0.2, 0.1]]), torch.tensor([0.05, -0.05, 0.0])),
]
lrs = [0.01, 0.02, 0.005]
for (gw, gb), lr in zip(grads, lrs):
    for group in opt.param_groups:
        group["lr"] = lr
    w.grad, b.grad = gw.clone(), gb.clone()
    opt.step()
print("w", w.detach().flatten().tolist())
print("b", b.detach().flatten().tolist())

p = torch.nn.Parameter(torch.zeros(5))
p.grad = torch.tensor([3.0, -4.0, 0.0, 12.0, 0.0])
norm = torch.nn.utils.clip_grad_norm_([p], max_norm=2.0)
print("norm", norm.item(), "clipped", p.grad.tolist())


def lr_at(u, peak, wu, total):
    if u <= wu:
        return peak * u / wu
    return peak * (1 + math.cos(math.pi * (u - wu) / (total - wu))) / 2


print("sched", [lr_at(u, 2.4e-3, 12000, 144000) for u in (0, 1, 6000, 12000, 78000, 144000)])
