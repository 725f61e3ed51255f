# Copyright (c) splitmask_mm authors. All rights reserved.
"""Moving pre-trained SplitMask weights into fine-tuning models, safely.

- :func:`extract_backbone` turns a SplitMask training checkpoint into the
  backbone's weights (mmpretrain ``VisionTransformer`` layout), refusing a
  checkpoint of another model;
- :func:`to_timm` renames them to timm's ``vit_*_patch16_*`` layout;
- ``StrictPretrained``, a weight initialiser for ``init_cfg``, loads them
  with torch's safe loader and refuses missing or unexpected keys (mmengine's
  ``Pretrained`` loads non-strictly: a misnamed key is silently skipped and
  the layer keeps its random initialisation).
"""
import fnmatch
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.logging import print_log
from mmengine.registry import WEIGHT_INITIALIZERS

# Keys every mmpretrain ViT backbone has (layer keys checked separately).
VIT_KEYS = ('cls_token', 'pos_embed', 'patch_embed.projection.weight')


def load_weights_file(path: str, map_location: str = 'cpu') -> dict:
    """A weights file (local path or http(s) URL) with torch's safe loader.

    Raises:
        FileNotFoundError: no such local file.
        ValueError: the file holds more than tensors and plain containers
            (e.g. pickled objects that could run code), or is corrupt.
    """
    if path.startswith(('http://', 'https://')):
        from torch.hub import download_url_to_file, get_dir
        local = osp.join(get_dir(), 'checkpoints', osp.basename(path))
        if not osp.isfile(local):
            download_url_to_file(path, local)
        path = local
    if not osp.isfile(path):
        raise FileNotFoundError(f'Weights file not found: {path}')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise ValueError(
            f'{path} could not be loaded as plain weights (torch '
            f'weights_only): {type(e).__name__}: {str(e)[:300]}. Convert a '
            'training checkpoint with tools/convert_checkpoint.py first.'
        ) from e


class _Dropped:
    """Stands in for the logging objects of a training checkpoint."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state) -> None:
        pass


def _dropped(*args, **kwargs) -> None:
    return None


def load_training_checkpoint(path: str, map_location='cpu') -> dict:
    """An mmengine training checkpoint (possibly someone else's), read with
    torch's safe loader: no code in the file runs.

    mmengine pickles its message hub (``HistoryBuffer`` objects, whose
    state holds bound methods, i.e. ``getattr``) into every checkpoint, so
    torch's weights-only loader refuses it and mmengine's answer is full
    unpickling. Here the history buffers and ``getattr`` are mapped to inert
    stand-ins and the numpy arrays they hold are allowed (numpy's own
    reconstructors, which run no user code); weights, optimizer state and
    meta come back intact; the message hub comes back empty.
    """
    import numpy as np
    from numpy import dtypes
    multiarray = np._core.multiarray
    allowed = [multiarray._reconstruct, multiarray.scalar, np.ndarray,
               np.dtype]
    allowed += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    allowed += [
        # as numpy 1.x wrote them
        (multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
        (multiarray.scalar, 'numpy.core.multiarray.scalar'),
        (_Dropped, 'mmengine.logging.history_buffer.HistoryBuffer'),
        (_dropped, 'builtins.getattr'),
    ]
    if not osp.isfile(path):
        raise FileNotFoundError(f'Checkpoint not found: {path}')
    try:
        with torch.serialization.safe_globals(allowed):
            return torch.load(path, map_location=map_location,
                              weights_only=True)
    except Exception as e:
        raise ValueError(
            f'{path} could not be read as a training checkpoint with torch\'s '
            f'safe loader: {type(e).__name__}: {str(e)[:300]}') from e


def _state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, dict):
        raise ValueError('checkpoint holds no state dict')
    return {k: v for k, v in checkpoint.items() if isinstance(v, torch.Tensor)}


def extract_backbone(checkpoint: dict,
                     prefix: str = 'backbone.') -> Dict[str, torch.Tensor]:
    """The ViT backbone weights of a SplitMask (or any mmpretrain ViT
    algorithm) checkpoint, without ``prefix``.

    Raises:
        ValueError: the checkpoint has no ViT backbone under ``prefix``.
    """
    state = _state_dict(checkpoint)
    backbone = {
        k[len(prefix):]: v
        for k, v in state.items() if k.startswith(prefix)
    }
    missing = [k for k in VIT_KEYS if k not in backbone]
    has_layers = any(re.match(r'layers\.\d+\.attn\.qkv\.weight$', k)
                     for k in backbone)
    if missing or not has_layers:
        found = sorted({k.split('.')[0] for k in state})[:10]
        raise ValueError(
            f'Not a SplitMask/mmpretrain ViT checkpoint: no {prefix}* keys '
            f'of a VisionTransformer (missing {missing or "layers.*"}); its '
            f'top-level modules are {found}.')
    return backbone


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


def check_keys(missing: Sequence[str], unexpected: Sequence[str],
               allow_missing: Sequence[str] = (),
               allow_unexpected: Sequence[str] = (),
               source: str = '') -> None:
    """Raise if any key is missing or unexpected beyond the allowed
    patterns (fnmatch), naming every one of them."""
    missing = [k for k in missing
               if not any(fnmatch.fnmatch(k, p) for p in allow_missing)]
    unexpected = [k for k in unexpected
                  if not any(fnmatch.fnmatch(k, p) for p in allow_unexpected)]
    if missing or unexpected:
        raise ValueError(
            f'Weights {source} do not match the model: missing keys '
            f'{missing}, unexpected keys {unexpected}. Refusing to go on '
            'with a partly initialised model (allow_missing / '
            'allow_unexpected list keys that are meant to differ).')


@WEIGHT_INITIALIZERS.register_module(name='StrictPretrained')
class StrictPretrainedInit:
    """``init_cfg=dict(type='StrictPretrained', checkpoint=..., prefix=...)``.

    Like mmengine's ``Pretrained``, but the file is read with torch's safe
    loader and every missing or unexpected key is an error, except those
    matching ``allow_missing`` / ``allow_unexpected`` (fnmatch patterns,
    e.g. ``['ln2.*']`` for a new pooling norm). A ``pos_embed`` of another
    grid is interpolated by the ViT's own load hook (logged).

    Args:
        checkpoint (str): Path or URL of the weights.
        prefix (str, optional): Take only keys under this prefix, without
            it (``'backbone.'`` for converted SplitMask weights).
        allow_missing (Sequence[str]): Model keys that may be absent.
        allow_unexpected (Sequence[str]): File keys that may be left over.
        map_location (str): Defaults to ``'cpu'``.
    """

    def __init__(self,
                 checkpoint: str,
                 prefix: Optional[str] = None,
                 allow_missing: Sequence[str] = (),
                 allow_unexpected: Sequence[str] = (),
                 map_location: str = 'cpu') -> None:
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.allow_missing = list(allow_missing)
        self.allow_unexpected = list(allow_unexpected)
        self.map_location = map_location

    def __call__(self, module: torch.nn.Module) -> None:
        state = _state_dict(load_weights_file(self.checkpoint,
                                              self.map_location))
        if self.prefix:
            state = {
                k[len(self.prefix):]: v
                for k, v in state.items() if k.startswith(self.prefix)
            }
            if not state:
                raise ValueError(f'{self.checkpoint} has no keys under '
                                 f'{self.prefix!r}')
        result = module.load_state_dict(state, strict=False)
        check_keys(result.missing_keys, result.unexpected_keys,
                   self.allow_missing, self.allow_unexpected,
                   source=self.checkpoint)
        print_log(
            f'Loaded {len(state)} tensors into {type(module).__name__} from '
            f'{self.checkpoint} (strict; allowed missing '
            f'{self.allow_missing or "none"})', logger='current')
        if hasattr(module, '_params_init_info'):
            for param in module.parameters():
                if param in module._params_init_info:
                    module._params_init_info[param]['init_info'] = \
                        f'StrictPretrained: {self.checkpoint}'

    def _get_init_info(self) -> str:
        return f'{self.__class__.__name__}: load from {self.checkpoint}'


def convert(checkpoint_path: str,
            out_path: str,
            fmt: str = 'mm',
            img_size: Optional[int] = None) -> List[str]:
    """Convert a SplitMask training checkpoint; returns messages to print.

    ``fmt='mm'`` writes ``{'state_dict': {'backbone.*': ...}, 'meta': ...}``
    for ``init_cfg=dict(type='StrictPretrained', prefix='backbone.')`` in
    mmpretrain/mmseg/mmdet; ``fmt='timm'`` writes timm's key layout.
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
