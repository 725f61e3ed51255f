# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pre-trained weights out of a training checkpoint, into the layouts the
fine-tuning models (mmpretrain/mmseg/mmdet ``VisionTransformer``) and timm
read.

- :func:`extract_backbone` takes the ViT backbone of a SplitMask (or
  mmpretrain MAE/BEiT) checkpoint, refusing a checkpoint of another model;
  a BEiT backbone is rewritten into the plain ViT layout;
- :func:`to_timm` renames the keys to timm's ``vit_*_patch16_*`` layout;
- :func:`convert` does both and writes the file ``tools/convert_checkpoint.py``
  writes.
"""
import os.path as osp
import re
from typing import Dict, List, Optional

import torch

from .loading import load_training_checkpoint, state_dict_of

# Keys every mmpretrain ViT backbone has (layer keys checked separately).
VIT_KEYS = ('cls_token', 'pos_embed', 'patch_embed.projection.weight')


def extract_backbone(checkpoint: dict,
                     prefix: str = 'backbone.') -> Dict[str, torch.Tensor]:
    """The ViT backbone weights of a SplitMask (or any mmpretrain ViT
    algorithm) checkpoint, without ``prefix``.

    Raises:
        ValueError: the checkpoint has no ViT backbone under ``prefix``.
    """
    state = state_dict_of(checkpoint)
    backbone = {
        k[len(prefix):]: v
        for k, v in state.items() if k.startswith(prefix)
    }
    if any(k.endswith('attn.q_bias') for k in backbone):
        backbone = beit_to_vit(backbone)
    missing = [k for k in VIT_KEYS if k not in backbone]
    has_layers = any(re.match(r'layers\.\d+\.attn\.qkv\.weight$', k)
                     for k in backbone)
    if missing or not has_layers:
        found = sorted({k.split('.')[0] for k in state})[:10]
        raise ValueError(
            f'Not a SplitMask/mmpretrain ViT checkpoint: no {prefix}* keys '
            f'of a VisionTransformer (missing {missing or "layers.*"}); its '
            f'top-level modules are {found}.')
    return with_layer_scales(backbone)


def with_layer_scales(backbone: Dict[str, torch.Tensor]
                      ) -> Dict[str, torch.Tensor]:
    """Layer scales of 1 for a ViT trained without them (mmpretrain's MAE).

    The fine-tuning configs build every ViT with layer scale (BEiT's and
    SplitMask's); a block without one computes exactly what a block with a
    layer scale of 1 computes, so the weights load strictly and mean the
    same.
    """
    if any('gamma' in k for k in backbone):
        return backbone
    out = dict(backbone)
    for key, value in backbone.items():
        layer = re.match(r'(layers\.\d+)\.attn\.proj\.weight$', key)
        if layer:
            ones = torch.ones(value.shape[0], dtype=value.dtype)
            out[f'{layer.group(1)}.attn.gamma1.weight'] = ones
            out[f'{layer.group(1)}.ffn.gamma2.weight'] = ones.clone()
    return out


def beit_to_vit(backbone: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
    """An mmpretrain BEiT backbone (``BEiTPretrainViT``/``BEiTViT``) in the
    plain ``VisionTransformer`` layout.

    BEiT keeps the query and value biases apart (the key has none) and
    names its layer scales ``gamma_1``/``gamma_2``; the qkv bias becomes
    ``[q_bias, 0, v_bias]``, which computes the same attention. Its mask
    token is dropped (pre-training only). A BEiT trained with relative
    position bias has no plain-ViT equivalent and is refused.
    """
    relative = [k for k in backbone if 'relative_position' in k]
    if relative:
        raise ValueError(
            'This BEiT uses relative position bias '
            f'({relative[0]}, ...), which a plain ViT has no place for: '
            'pre-train it with use_abs_pos_emb=True, use_rel_pos_bias=False, '
            'use_shared_rel_pos_bias=False (configs/_base_/models/'
            'beit_vit-b_p16.py does).')
    out = {}
    for key, value in backbone.items():
        layer = re.match(r'(layers\.\d+)\.(.+)$', key)
        if key == 'mask_token' or (layer and layer.group(2) == 'attn.v_bias'):
            continue
        if layer and layer.group(2) == 'attn.q_bias':
            v_bias = backbone[f'{layer.group(1)}.attn.v_bias']
            out[f'{layer.group(1)}.attn.qkv.bias'] = torch.cat(
                [value, torch.zeros_like(value), v_bias])
        elif layer and layer.group(2) == 'gamma_1':
            out[f'{layer.group(1)}.attn.gamma1.weight'] = value
        elif layer and layer.group(2) == 'gamma_2':
            out[f'{layer.group(1)}.ffn.gamma2.weight'] = value
        else:
            out[key] = value
    return out


def vit_shape(backbone: Dict[str, torch.Tensor]) -> dict:
    """Width, depth, patch size and patch grid of ViT backbone weights."""
    depth = 1 + max(
        int(m.group(1)) for k in backbone
        for m in [re.match(r'layers\.(\d+)\.', k)] if m)
    weight = backbone['patch_embed.projection.weight']
    num_patches = backbone['pos_embed'].shape[1] - 1
    side = int(round(num_patches**.5))
    return dict(embed_dims=weight.shape[0], num_layers=depth,
                patch_size=weight.shape[-1], grid=(side, side),
                layer_scale=any('gamma1' in k for k in backbone))


def resize_pos_embed(backbone: Dict[str, torch.Tensor],
                     img_size: int) -> Optional[tuple]:
    """Interpolate ``pos_embed`` (bicubic, class token kept) to the grid of
    ``img_size``; returns ``(old_grid, new_grid)`` when it changed."""
    from mmpretrain.models.utils import resize_pos_embed as _resize
    shape = vit_shape(backbone)
    side = img_size // shape['patch_size']
    if img_size % shape['patch_size']:
        raise ValueError(f'img_size {img_size} is not a multiple of the '
                         f'patch size {shape["patch_size"]}')
    if shape['grid'] == (side, side):
        return None
    backbone['pos_embed'] = _resize(backbone['pos_embed'], shape['grid'],
                                    (side, side), 'bicubic', 1)
    return shape['grid'], (side, side)


def to_timm(backbone: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """mmpretrain ``VisionTransformer`` keys -> timm ``VisionTransformer``."""
    rules = [
        (r'^patch_embed\.projection\.', 'patch_embed.proj.'),
        (r'^layers\.(\d+)\.ln1\.', r'blocks.\1.norm1.'),
        (r'^layers\.(\d+)\.ln2\.', r'blocks.\1.norm2.'),
        (r'^layers\.(\d+)\.attn\.qkv\.', r'blocks.\1.attn.qkv.'),
        (r'^layers\.(\d+)\.attn\.proj\.', r'blocks.\1.attn.proj.'),
        (r'^layers\.(\d+)\.attn\.gamma1\.weight$', r'blocks.\1.ls1.gamma'),
        (r'^layers\.(\d+)\.ffn\.layers\.0\.0\.', r'blocks.\1.mlp.fc1.'),
        (r'^layers\.(\d+)\.ffn\.layers\.1\.', r'blocks.\1.mlp.fc2.'),
        (r'^layers\.(\d+)\.ffn\.gamma2\.weight$', r'blocks.\1.ls2.gamma'),
        (r'^ln1\.', 'norm.'),
        (r'^(cls_token|pos_embed)$', r'\1'),
    ]
    out, unknown = {}, []
    for key, value in backbone.items():
        for pattern, repl in rules:
            if re.match(pattern, key):
                out[re.sub(pattern, repl, key)] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f'No timm name for backbone keys {unknown}')
    return out


def convert(checkpoint_path: str,
            out_path: str,
            fmt: str = 'mm',
            img_size: Optional[int] = None) -> List[str]:
    """Convert a SplitMask training checkpoint; returns messages to print.

    ``fmt='mm'`` writes ``{'state_dict': {'backbone.*': ...}, 'meta': ...}``
    for ``init_cfg=dict(type='Pretrained', strict=True, prefix='backbone.')``
    in mmpretrain/mmseg/mmdet; ``fmt='timm'`` writes timm's key layout.
    """
    checkpoint = load_training_checkpoint(checkpoint_path)
    backbone = extract_backbone(checkpoint)
    shape = vit_shape(backbone)
    messages = [
        f'backbone: ViT width {shape["embed_dims"]}, {shape["num_layers"]} '
        f'layers, {shape["patch_size"]}px patches, '
        f'{shape["grid"][0]}x{shape["grid"][1]} grid, '
        f'{len(backbone)} tensors'
    ]
    if img_size:
        resized = resize_pos_embed(backbone, img_size)
        if resized:
            shape['grid'] = resized[1]
            messages.append(
                f'pos_embed interpolated (bicubic) from a {resized[0]} grid '
                f'to {resized[1]} for {img_size}px inputs')
    meta = dict(source=osp.abspath(checkpoint_path), format=fmt,
                **dict(shape, grid=list(shape['grid'])))
    if fmt == 'timm':
        torch.save(to_timm(backbone), out_path)
    elif fmt == 'mm':
        torch.save(dict(state_dict={f'backbone.{k}': v
                                    for k, v in backbone.items()},
                        meta=meta), out_path)
    else:
        raise ValueError(f'format must be "mm" or "timm", got {fmt!r}')
    messages.append(f'wrote {fmt} weights to {out_path}')
    return messages
