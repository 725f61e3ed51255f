# Copyright (c) splitmask_mm authors. All rights reserved.
"""Cheap measurements of converted backbones, block by block, to explain
how they fine-tune: weight norms, attention entropy, feature rank.

    python tools/diagnose_backbone.py NAME=BACKBONE.pth [...] --images DIR
        [--random NAME] [--num-images 128] [--img-size 64] [--patch-size 8]
        [--arch tiny] [--json FILE]

Each ``BACKBONE.pth`` is a file of ``tools/convert_checkpoint.py``
(``backbone.*`` keys, mmpretrain's VisionTransformer); ``--random NAME``
adds a randomly initialised backbone as the study initialises one. For
every block of each backbone, on ``--num-images`` images of ``DIR``:

- ``weight_norm``: the RMS of the block's weights (attention and MLP), and
  ``weight_norm_ratio`` to the random initialisation's;
- ``layer_scale``: the mean magnitude of the block's layer-scale factors
  (0.1 at initialisation);
- ``attn_entropy``: the mean entropy (nats) of the attention rows, over
  heads and tokens (``log(tokens)`` is uniform attention, 0 one token);
- ``attn_distance``: the mean distance (in patches) between a query and
  the keys it attends to (local vs global attention);
- ``eff_rank``: the effective rank (exp of the entropy of the normalised
  singular values) of the block's patch features over all images;
- ``token_cos``: the mean cosine similarity between patch features of one
  image (1: every patch the same);
- ``feat_norm``: the mean norm of the block's output patch features.
"""
import argparse
import glob
import json
import math
import os.path as osp
import sys

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# the study's ViT, as configs/_base_/backbones/vit-tiny_p16.py gives it
ARCHS = dict(tiny=dict(embed_dims=192, num_layers=4, num_heads=3,
                       feedforward_channels=768))
LAYER_SCALE = 0.1  # the configs' layer_scale_init_value


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('backbones', nargs='*', metavar='NAME=FILE')
    parser.add_argument('--images', required=True, help='folder of images')
    parser.add_argument('--random', metavar='NAME',
                        help='also a randomly initialised backbone')
    parser.add_argument('--num-images', type=int, default=128)
    parser.add_argument('--img-size', type=int, default=64)
    parser.add_argument('--patch-size', type=int, default=8)
    parser.add_argument('--arch', default='tiny',
                        help="'tiny' (the study's) or an mmpretrain arch")
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', help='write every figure to this file')
    return parser.parse_args()


def build(args, weights=None):
    import torch
    from mmpretrain.models import VisionTransformer
    from splitmask_mm.weights import load_weights_file
    torch.manual_seed(args.seed)
    vit = VisionTransformer(
        arch=ARCHS.get(args.arch, args.arch), img_size=args.img_size,
        patch_size=args.patch_size, out_type='raw',
        layer_scale_init_value=LAYER_SCALE, norm_cfg=dict(type='LN',
                                                          eps=1e-6),
        out_indices=list(range(ARCHS.get(args.arch, {}).get(
            'num_layers', 12))), final_norm=False,
        init_cfg=[dict(type='TruncNormal', std=0.02, layer='Linear'),
                  dict(type='Constant', layer='LayerNorm', val=1.0,
                       bias=0.0)])
    vit.init_weights()
    if weights:
        state = load_weights_file(weights)
        state = state.get('state_dict', state)
        state = {k[len('backbone.'):]: v for k, v in state.items()
                 if k.startswith('backbone.')}
        missing, unexpected = vit.load_state_dict(state, strict=False)
        # the converted file may carry a final norm this probe leaves out
        unexpected = [k for k in unexpected if not k.startswith('ln1.')]
        if missing or unexpected:
            raise SystemExit(f'{weights}: missing {missing[:5]}, '
                             f'unexpected {unexpected[:5]}')
    vit.eval()
    return vit


def load_images(args):
    import cv2
    import numpy as np
    import torch
    paths = sorted(p for p in glob.glob(osp.join(args.images, '**', '*'),
                                        recursive=True)
                   if p.lower().endswith(('.jpg', '.png', '.jpeg')))
    if not paths:
        raise SystemExit(f'no images under {args.images}')
    rng = np.random.default_rng(args.seed)
    paths = [paths[i] for i in sorted(rng.permutation(len(paths))[
        :args.num_images])]
    mean = np.array([123.675, 116.28, 103.53], np.float32)
    std = np.array([58.395, 57.12, 57.375], np.float32)
    imgs = []
    for p in paths:
        img = cv2.imread(p, cv2.IMREAD_COLOR)[..., ::-1]  # RGB
        img = cv2.resize(img, (args.img_size, args.img_size))
        imgs.append((img.astype(np.float32) - mean) / std)
    return torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).contiguous()


def measure(vit, images, grid: int) -> list:
    import torch
    attn_rows = {}

    def hook(i):
        def fn(module, inputs, output):
            x = inputs[0]
            B, N, C = x.shape
            qkv = module.qkv(x).reshape(B, N, 3, module.num_heads,
                                        C // module.num_heads)
            q, k = qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2)
            scale = module.head_dims ** -0.5
            attn = (q @ k.transpose(-2, -1) * scale).softmax(-1)
            attn_rows[i] = attn  # (B, heads, N, N)
        return fn

    handles = [layer.attn.register_forward_hook(hook(i))
               for i, layer in enumerate(vit.layers)]
    with torch.no_grad():
        outs = vit(images)
    for h in handles:
        h.remove()
    # patch positions (the class token, if any, is first)
    ys, xs = torch.meshgrid(torch.arange(grid), torch.arange(grid),
                            indexing='ij')
    pos = torch.stack([ys.flatten(), xs.flatten()], 1).float()
    dist = torch.cdist(pos, pos)
    rows = []
    for i, layer in enumerate(vit.layers):
        weights = [p for n, p in layer.named_parameters()
                   if n.endswith('weight') and p.dim() == 2]
        rms = math.sqrt(sum(float((w ** 2).sum()) for w in weights) /
                        sum(w.numel() for w in weights))
        gammas = [p for n, p in layer.named_parameters() if 'gamma' in n]
        gamma = float(torch.cat([g.abs().flatten() for g in gammas]).mean()
                      ) if gammas else 1.0
        attn = attn_rows[i]
        entropy = float(-(attn * attn.clamp_min(1e-12).log()).sum(-1).mean())
        start = attn.shape[-1] - grid * grid  # skip a class token
        patch_attn = attn[:, :, start:, start:]
        patch_attn = patch_attn / patch_attn.sum(-1, keepdim=True)
        distance = float((patch_attn * dist).sum(-1).mean())
        feats = outs[i]
        feats = feats[0] if isinstance(feats, (tuple, list)) else feats
        if feats.dim() == 4:  # (B, C, h, w) -> (B, hw, C)
            feats = feats.flatten(2).transpose(1, 2)
        feats = feats[:, -grid * grid:]
        flat = feats.reshape(-1, feats.shape[-1])
        flat = flat - flat.mean(0)
        s = torch.linalg.svdvals(flat)
        p = s / s.sum()
        eff_rank = float(torch.exp(-(p * p.clamp_min(1e-12).log()).sum()))
        unit = torch.nn.functional.normalize(feats, dim=-1)
        cos = unit @ unit.transpose(1, 2)
        n = cos.shape[-1]
        token_cos = float((cos.sum((-1, -2)) - n).mean() / (n * (n - 1)))
        rows.append(dict(block=i, weight_norm=rms, layer_scale=gamma,
                         attn_entropy=entropy,
                         attn_distance=distance, eff_rank=eff_rank,
                         token_cos=token_cos,
                         feat_norm=float(feats.norm(dim=-1).mean())))
    return rows


def main():
    args = parse_args()
    backbones = dict(b.split('=', 1) for b in args.backbones)
    if args.random:
        backbones = {args.random: None, **backbones}
    if not backbones:
        raise SystemExit('name at least one backbone (NAME=FILE) or --random')
    images = load_images(args)
    grid = args.img_size // args.patch_size
    reference = measure(build(args), images, grid)
    results = {}
    for name, path in backbones.items():
        rows = measure(build(args, path), images, grid)
        for row, ref in zip(rows, reference):
            row['weight_norm_ratio'] = row['weight_norm'] / ref['weight_norm']
        results[name] = rows
    keys = ['weight_norm', 'weight_norm_ratio', 'layer_scale', 'attn_entropy',
            'attn_distance', 'eff_rank', 'token_cos', 'feat_norm']
    print(f'{len(images)} images of {args.images}, {grid}x{grid} patches '
          f'(uniform attention: entropy {math.log(grid * grid + 1):.2f})')
    print('| backbone | block | ' + ' | '.join(keys) + ' |')
    print('|---|---|' + '---|' * len(keys))
    for name, rows in results.items():
        for row in rows:
            print(f'| {name} | {row["block"]} | ' + ' | '.join(
                f'{row[k]:.3f}' for k in keys) + ' |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(images=args.images, num_images=len(images),
                           backbones={k: v for k, v in backbones.items()},
                           results=results), f, indent=1)


if __name__ == '__main__':
    main()
