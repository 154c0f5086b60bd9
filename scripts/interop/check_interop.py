"""rmae against the real clients: transformers' ViTMAE and timm's ViT, weights both ways; onnxruntime.

Run by scripts/check-interop.sh (which builds rmae and makes a small rmae MAE run). Every row prints
`check=NAME ... max_abs_err=E ok=true|false`; the exit status is 1 when any row fails.
  python3 scripts/interop/check_interop.py --rmae .build/release/rmae --run RUN --work DIR
"""
import argparse
import json
import os
import subprocess
import sys

import torch
from safetensors.torch import load_file, save_file

TOL = 1e-4
failed = []


def report(name, err, extra=""):
    ok = err <= TOL
    if not ok:
        failed.append(name)
    print(f"check={name} max_abs_err={err:.3g} tolerance={TOL:g} ok={'true' if ok else 'false'}{(' ' + extra) if extra else ''}", flush=True)


def rmae_forward(rmae, checkpoint, inputs, work, tag):
    src, dst = os.path.join(work, f"{tag}_in.safetensors"), os.path.join(work, f"{tag}_out.safetensors")
    save_file({k: v.contiguous() for k, v in inputs.items()}, src)
    subprocess.run([rmae, "forward", "--checkpoint", checkpoint, "--inputs", src, "--out", dst], check=True,
                   stdout=subprocess.DEVNULL)
    return load_file(dst)


def err(a, b):
    return (a.float() - b.float()).abs().max().item()


def hf_outputs(model, pixels, noise):
    with torch.no_grad():
        out = model(pixel_values=pixels, noise=noise)
    return out


def sincos_table(dim, grid):
    """The official MAE get_2d_sincos_pos_embed (cls row of zeros first), rewritten in torch float64."""
    def one(d, pos):
        omega = 1.0 / 10000 ** (torch.arange(d // 2, dtype=torch.float64) / (d / 2.0))
        out = pos.reshape(-1, 1).double() * omega.reshape(1, -1)
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)
    gh, gw = torch.meshgrid(torch.arange(grid, dtype=torch.float64), torch.arange(grid, dtype=torch.float64), indexing="ij")
    # official: grid = meshgrid(grid_w, grid_h) -> grid[0] varies along w
    emb = torch.cat([one(dim // 2, gw), one(dim // 2, gh)], dim=1)
    return torch.cat([torch.zeros(1, dim, dtype=torch.float64), emb], dim=0).float().unsqueeze(0)


def set_sincos(model):
    """The tables a hub checkpoint holds (the official sin-cos ones)."""
    cfg = model.config
    grid = cfg.image_size // cfg.patch_size
    with torch.no_grad():
        model.vit.embeddings.position_embeddings.copy_(sincos_table(cfg.hidden_size, grid))
        model.decoder.decoder_pos_embed.copy_(sincos_table(cfg.decoder_hidden_size, grid))


def check_hf_in(rmae, work):
    """A randomly initialised ViTMAEForPreTraining saved by save_pretrained, read by rmae, at 32 and 48 px."""
    from transformers import ViTMAEConfig, ViTMAEForPreTraining
    from transformers.models.vit_mae import modeling_vit_mae as hfm
    torch.manual_seed(0)
    cfg = ViTMAEConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256, image_size=32,
                       patch_size=8, decoder_hidden_size=32, decoder_num_hidden_layers=2, decoder_num_attention_heads=4,
                       decoder_intermediate_size=128, norm_pix_loss=True)
    model = ViTMAEForPreTraining(cfg).eval()
    # Non-trivial LayerNorm and bias values, so that a swapped key cannot pass.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "layernorm" in name or "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    folder = os.path.join(work, "hf_saved")
    model.save_pretrained(folder)
    n = (32 // 8) ** 2
    pixels, noise = torch.randn(2, 3, 32, 32), torch.rand(2, n)
    theirs = hf_outputs(model, pixels, noise)
    ours = rmae_forward(rmae, folder, {"pixel_values": pixels, "noise": noise}, work, "hf_in")
    report("hf-in-save_pretrained-logits", err(ours["logits"], theirs.logits))
    report("hf-in-save_pretrained-loss", err(ours["loss"].reshape(()), theirs.loss))
    report("hf-in-save_pretrained-mask", err(ours["mask"], theirs.mask))
    # The encoder on every patch in order: mask ratio 0 with increasing noise keeps the identity order.
    enc_cfg = ViTMAEConfig(**{**cfg.to_dict(), "mask_ratio": 0.0})
    encoder = hfm.ViTMAEModel(enc_cfg).eval()
    encoder.load_state_dict({k[4:]: v for k, v in model.state_dict().items() if k.startswith("vit.")})
    with torch.no_grad():
        hidden = encoder(pixel_values=pixels, noise=torch.arange(n).float().repeat(2, 1)).last_hidden_state
    report("hf-in-encoder-last_hidden_state", err(ours["last_hidden_state"], hidden))
    # transformers 5's in-memory names (state_dict saved with safetensors directly).
    memory = os.path.join(work, "hf_memory")
    os.makedirs(memory, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(memory, "model.safetensors"))
    with open(os.path.join(memory, "config.json"), "w") as f:
        json.dump(cfg.to_dict(), f)
    ours = rmae_forward(rmae, memory, {"pixel_values": pixels, "noise": noise}, work, "hf_mem")
    report("hf-in-state_dict-names-logits", err(ours["logits"], theirs.logits))
    # As saved, transformers 5.25's fresh model holds zero position tables: rmae runs the file's tables.
    # A hub checkpoint holds the official sin-cos tables; for another resolution (48 px) those are rebuilt for
    # the 6x6 grid as the official code builds them, on both sides.
    set_sincos(model)
    hub = os.path.join(work, "hf_hub_like")
    model.save_pretrained(hub)
    theirs = hf_outputs(model, pixels, noise)
    ours = rmae_forward(rmae, hub, {"pixel_values": pixels, "noise": noise}, work, "hf_hub")
    report("hf-in-sincos-tables-logits", err(ours["logits"], theirs.logits))
    big = ViTMAEConfig(**{**cfg.to_dict(), "image_size": 48})
    model48 = ViTMAEForPreTraining(big).eval()
    state = {k: v for k, v in model.state_dict().items() if "pos_embed" not in k and "position_embeddings" not in k}
    missing, unexpected = model48.load_state_dict(state, strict=False)
    assert all("pos" in k for k in missing) and not unexpected, (missing, unexpected)
    set_sincos(model48)
    pixels48, noise48 = torch.randn(2, 3, 48, 48), torch.rand(2, 36)
    theirs48 = hf_outputs(model48, pixels48, noise48)
    ours48 = rmae_forward(rmae, hub, {"pixel_values": pixels48, "noise": noise48}, work, "hf_in48")
    report("hf-in-48px-logits", err(ours48["logits"], theirs48.logits))
    report("hf-in-48px-loss", err(ours48["loss"].reshape(()), theirs48.loss))


def check_hf_out(rmae, run, work, tag="hf-out"):
    """rmae export --format hf, loaded by transformers with no missing and no unexpected key."""
    from transformers import ViTMAEForPreTraining
    folder = os.path.join(work, tag.replace("-", "_"))
    subprocess.run([rmae, "export", run, "--format", "hf", "--out", folder], check=True, stdout=subprocess.DEVNULL)
    model, info = ViTMAEForPreTraining.from_pretrained(folder, output_loading_info=True)
    model.eval()
    bad = {k: v for k, v in info.items() if v}
    keys_ok = not bad
    if not keys_ok:
        failed.append(f"{tag}-keys")
    print(f"check={tag}-keys loading_info={json.dumps({k: list(v)[:5] for k, v in info.items()})} ok={'true' if keys_ok else 'false'}")
    cfg = model.config
    size, n = cfg.image_size, (cfg.image_size // cfg.patch_size) ** 2
    torch.manual_seed(1)
    pixels, noise = torch.randn(2, cfg.num_channels, size, size), torch.rand(2, n)
    theirs = hf_outputs(model, pixels, noise)
    ours = rmae_forward(rmae, run, {"pixel_values": pixels, "noise": noise}, work, tag)
    report(f"{tag}-logits", err(ours["logits"], theirs.logits),
           f"image_size={size} num_channels={cfg.num_channels} layer_norm_eps={cfg.layer_norm_eps}")
    report(f"{tag}-loss", err(ours["loss"].reshape(()), theirs.loss))


def timm_model(img_size):
    from timm.models.vision_transformer import VisionTransformer
    # 64-wide heads, timm's ViT-Ti/S/B/L convention, which rmae assumes for a timm file without a configuration.
    return VisionTransformer(img_size=img_size, patch_size=8, embed_dim=128, depth=2, num_heads=2, num_classes=0).eval()


def check_timm_in(rmae, work):
    """timm's own ViT (learned position table) saved with save_file, read by rmae, at 32 and 48 px."""
    from timm.layers import resample_abs_pos_embed
    torch.manual_seed(2)
    model = timm_model(32)
    with torch.no_grad():
        model.pos_embed.normal_(0, 0.5)
        for name, p in model.named_parameters():
            if name.endswith("bias") or "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    path = os.path.join(work, "timm_saved.safetensors")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, path)
    pixels = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        theirs = model.forward_features(pixels)
    ours = rmae_forward(rmae, path, {"pixel_values": pixels}, work, "timm_in")
    report("timm-in-forward_features", err(ours["last_hidden_state"], theirs))
    big = timm_model(48)
    state = dict(model.state_dict())
    state["pos_embed"] = resample_abs_pos_embed(state["pos_embed"], (6, 6), num_prefix_tokens=1, interpolation="bicubic", antialias=False)
    big.load_state_dict(state)
    pixels48 = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        theirs48 = big.forward_features(pixels48)
    ours48 = rmae_forward(rmae, path, {"pixel_values": pixels48}, work, "timm_in48")
    report("timm-in-48px-forward_features", err(ours48["last_hidden_state"], theirs48), "(timm resample_abs_pos_embed bicubic, antialias=False = MAE interpolate_pos_embed)")


def check_timm_out(rmae, run, work):
    """rmae export --format timm, loaded by timm strictly."""
    from timm.models.vision_transformer import VisionTransformer
    path = os.path.join(work, "timm_export.safetensors")
    subprocess.run([rmae, "export", run, "--format", "timm", "--out", path], check=True, stdout=subprocess.DEVNULL)
    state = load_file(path)
    d = state["cls_token"].shape[-1]
    p = state["patch_embed.proj.weight"].shape[-1]
    depth = len({k.split(".")[1] for k in state if k.startswith("blocks.")})
    grid = int(round((state["pos_embed"].shape[1] - 1) ** 0.5))
    heads = int(subprocess.run([sys.executable, "-c", "import sys,json,struct;b=open(sys.argv[1],'rb').read();n=struct.unpack('<Q',b[:8])[0];"
                                "print(json.loads(json.loads(b[8:8+n])['__metadata__']['config'])['num_heads'])", path],
                               check=True, capture_output=True, text=True).stdout)
    mlp = state["blocks.0.mlp.fc1.weight"].shape[0] / d
    model = VisionTransformer(img_size=grid * p, patch_size=p, embed_dim=d, depth=depth, num_heads=heads, mlp_ratio=mlp,
                              num_classes=0).eval()
    model.load_state_dict(state, strict=True)
    pixels = torch.randn(2, 3, grid * p, grid * p)
    with torch.no_grad():
        theirs = model.forward_features(pixels)
    ours = rmae_forward(rmae, run, {"pixel_values": pixels}, work, "timm_out")
    report("timm-out-forward_features", err(ours["last_hidden_state"], theirs), "(load_state_dict strict)")


def check_onnx_out(rmae, run, work, tag="onnx-out"):
    """rmae export --format onnx, checked by onnx and run by onnxruntime at two batch sizes (dynamic axis)."""
    import onnx
    import onnxruntime as ort
    path = os.path.join(work, f"{tag}.onnx")
    subprocess.run([rmae, "export", run, "--format", "onnx", "--out", path], check=True, stdout=subprocess.DEVNULL)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    shape = session.get_inputs()[0].shape
    for batch in (1, 3):
        torch.manual_seed(10 + batch)
        pixels = torch.randn(batch, shape[1], shape[2], shape[3])
        theirs = torch.from_numpy(session.run(["last_hidden_state"], {"pixel_values": pixels.numpy()})[0])
        ours = rmae_forward(rmae, run, {"pixel_values": pixels}, work, f"{tag}{batch}")
        report(f"{tag}-batch{batch}-last_hidden_state", err(ours["last_hidden_state"], theirs),
               f"opset={opset} input={shape} onnxruntime={ort.__version__}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rmae", required=True)
    ap.add_argument("--run", required=True, help="an rmae MAE run to export")
    ap.add_argument("--grey-run", help="an rmae MAE run with one input channel")
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    print(f"torch={torch.__version__} transformers={__import__('transformers').__version__} timm={__import__('timm').__version__}")
    check_hf_in(a.rmae, a.work)
    check_hf_out(a.rmae, a.run, a.work)
    check_timm_in(a.rmae, a.work)
    check_timm_out(a.rmae, a.run, a.work)
    check_onnx_out(a.rmae, a.run, a.work)
    if a.grey_run:
        check_hf_out(a.rmae, a.grey_run, a.work, tag="hf-out-grey")
        check_onnx_out(a.rmae, a.grey_run, a.work, tag="onnx-out-grey")
    print(f"summary checks_failed={len(failed)}" + (f" failed={','.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
