# Copyright (c) splitmask_mm authors. All rights reserved.
"""``Pretrained`` with ``strict=True``: pre-trained weights into a model,
every key checked.

mmengine's ``Pretrained`` loads non-strictly: a misnamed key is silently
skipped and the layer keeps its random initialisation. With ``strict=True``
this initialiser reads the file with torch's safe loader and refuses
missing or unexpected keys.

Why it is registered under mmengine's own name ``Pretrained`` (replacing
mmengine's ``PretrainedInit`` by this subclass, which does exactly what
mmengine's does unless given ``strict``/``allow_*``): OpenMMLab applies a
pre-trained init_cfg by its type *name*. ``BaseModule.init_weights`` runs
an init_cfg of type ``'Pretrained'`` after the module's children have
initialised themselves and any other type before; and backbones skip
their own re-initialisation only for that name (mmpretrain's
``VisionTransformer`` redraws ``pos_embed`` unless ``init_cfg['type'] ==
'Pretrained'``). A loader of another name (this one was ``StrictPretrained``
until 2026-12-06) loads first and is then overwritten: every transformer
layer redrew its FFN (mmpretrain's ``TransformerEncoderLayer.init_weights``)
and the ViT its position embedding, 17 of the study ViT's 60 tensors, in
every fine-tuning. ``tests/test_finetune.py`` checks that every fine-tuning
config's backbone equals the file after ``init_weights``.
"""
import fnmatch
from typing import Optional, Sequence

import torch
from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit
from mmengine.registry import WEIGHT_INITIALIZERS

from .loading import load_weights_file, state_dict_of


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


@WEIGHT_INITIALIZERS.register_module(name='Pretrained', force=True)
class StrictPretrainedInit(PretrainedInit):
    """``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...,
    strict=True)``.

    Without ``strict`` (and without ``allow_*``), mmengine's ``Pretrained``
    as it is. With it, the file is read with torch's safe loader and every
    missing or unexpected key is an error, except those matching
    ``allow_missing`` / ``allow_unexpected`` (fnmatch patterns, e.g.
    ``['ln2.*']`` for a new pooling norm). A ``pos_embed`` of another grid
    is interpolated by the ViT's own load hook (logged).

    Args:
        checkpoint (str): Path or URL of the weights.
        prefix (str, optional): Take only keys under this prefix, without
            it (``'backbone.'`` for converted SplitMask weights).
        map_location (str): Defaults to ``'cpu'``.
        strict (bool): Check every key. Defaults to False (mmengine's
            behaviour); True when ``allow_*`` is given.
        allow_missing (Sequence[str]): Model keys that may be absent.
        allow_unexpected (Sequence[str]): File keys that may be left over.
    """

    def __init__(self,
                 checkpoint: str,
                 prefix: Optional[str] = None,
                 map_location: str = 'cpu',
                 strict: bool = False,
                 allow_missing: Sequence[str] = (),
                 allow_unexpected: Sequence[str] = ()) -> None:
        super().__init__(checkpoint, prefix, map_location)
        self.strict = bool(strict or allow_missing or allow_unexpected)
        self.allow_missing = list(allow_missing)
        self.allow_unexpected = list(allow_unexpected)

    def __call__(self, module: torch.nn.Module) -> None:
        if not self.strict:
            return super().__call__(module)
        state = state_dict_of(
            load_weights_file(self.checkpoint, self.map_location))
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
                        f'Pretrained (strict): {self.checkpoint}'


@WEIGHT_INITIALIZERS.register_module(name='StrictPretrained')
class RetiredStrictPretrainedInit:
    """The old name, refused with the reason: see the module docstring."""

    def __init__(self, **kwargs) -> None:
        raise ValueError(
            "init_cfg type 'StrictPretrained' is retired: OpenMMLab applies "
            "it before the model's own initialisation, which then redraws "
            "part of the loaded weights (a ViT's FFNs and position "
            "embedding). Write dict(type='Pretrained', strict=True, "
            'checkpoint=..., prefix=...) instead (same checks, applied '
            'last).')
