# Copyright (c) splitmask_mm authors. All rights reserved.
"""``StrictPretrained``: pre-trained weights into a model, every key checked.

mmengine's ``Pretrained`` loads non-strictly: a misnamed key is silently
skipped and the layer keeps its random initialisation. This initialiser
reads the file with torch's safe loader and refuses missing or unexpected
keys.
"""
import fnmatch
from typing import Optional, Sequence

import torch
from mmengine.logging import print_log
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
                        f'StrictPretrained: {self.checkpoint}'

    def _get_init_info(self) -> str:
        return f'{self.__class__.__name__}: load from {self.checkpoint}'
