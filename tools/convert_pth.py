#!/usr/bin/env python3
"""Convert an official R-MAE / MAE PyTorch checkpoint (.pth / .ckpt) into safetensors that `rmae` loads.

    python3 tools/convert_pth.py rmae_final.pth rmae_final.safetensors
    rmae pretrain --init rmae_final.safetensors ...

Accepts a bare state_dict or a dict holding one under "model" (periodic checkpoints) or "state_dict".
Strips the "module." (DDP) and "_orig_mod." (torch.compile) prefixes, keeps the official key names and
PyTorch shapes, and writes every tensor as float32. Needs torch only; the safetensors file is written here
without the safetensors package.
"""
import json
import struct
import sys


def load_state_dict(path):
    import torch

    obj = torch.load(path, map_location="cpu", weights_only=False)
    for key in ("model", "state_dict"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict):
        sys.exit(f"{path}: no state_dict found (got {type(obj).__name__})")
    out = {}
    for name, value in obj.items():
        if not hasattr(value, "dtype"):
            continue
        for prefix in ("module.", "_orig_mod."):
            if name.startswith(prefix):
                name = name[len(prefix):]
        out[name] = value.detach().to("cpu").float().contiguous()
    if not out:
        sys.exit(f"{path}: the state_dict holds no tensors")
    return out


def write_safetensors(tensors, path, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        data = tensors[name].numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - (8 + len(raw)) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)
    import os

    os.replace(tmp, path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    tensors = load_state_dict(src)
    write_safetensors(tensors, dst, {"format": "converted from " + src.split("/")[-1]})
    print(f"{len(tensors)} tensors, {sum(t.numel() for t in tensors.values()):,} values -> {dst}")


if __name__ == "__main__":
    main()
