# Copyright (c) splitmask_mm authors. All rights reserved.
from contextlib import contextmanager, nullcontext
from typing import Callable, List, Optional

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS
from torch import nn

from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ViTLayerDecayOptimWrapperConstructor(
        LearningRateDecayOptimWrapperConstructor):
    """Layer-wise lr decay for any model whose ``backbone`` is an
    mmpretrain ViT (mmseg's ``EncoderDecoder``, mmdet's detectors, ...).

    mmpretrain's constructor needs ``model.get_layer_depth``, which only
    mmpretrain's classifiers have; mmseg's ``LayerDecayOptimizerConstructor``
    picks its rule from the backbone's class name (BEiT/MAE/ConvNeXt only).
    This one asks the backbone (``VisionTransformer.get_layer_depth``): patch
    embedding and position embedding at depth 0, block ``i`` at ``i + 1``,
    everything outside the backbone (necks, heads) at full learning rate.
    Registered in mmengine's root registry, so every library's configs find
    it. ``paramwise_cfg`` is mmpretrain's (``layer_decay_rate``,
    ``custom_keys``, ...).
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   get_layer_depth: Optional[Callable] = None,
                   **kwargs) -> None:
        if get_layer_depth is None and not hasattr(module, 'get_layer_depth'):
            backbone = getattr(module, 'backbone', None)
            if backbone is None or not hasattr(backbone, 'get_layer_depth'):
                raise NotImplementedError(
                    f'{type(module).__name__} has no backbone with '
                    '`get_layer_depth` (an mmpretrain ViT) for layer decay')

            def get_layer_depth(name: str, prefix: str = ''):
                return backbone.get_layer_depth(name, 'backbone.')

        super().add_params(params, module, prefix, get_layer_depth, **kwargs)


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """Mixed precision in bfloat16, on a CPU as on a GPU.

    mmengine's ``AmpOptimWrapper`` refuses to run without a GPU, yet CPUs
    with bf16 instructions (AVX512-BF16, AMX) multiply matrices 2-3x faster
    in bf16 than in fp32. The forward runs under ``torch.autocast`` in
    bf16 on the model's device; weights, gradients and optimizer state stay
    fp32. bf16 has fp32's exponent range, so no loss scaling is needed.
    Selected by ``tools/train.py --amp`` on a machine without a GPU.

    Args:
        cpu_attention (str): The kernel of ``scaled_dot_product_attention``
            on a CPU: ``'math'`` (matrix products) or ``'auto'`` (torch's
            choice, its fused flash kernel). torch's CPU flash kernel is
            slow backwards in bf16 (its bf16 backward cost more than the
            fp32 one: ``tools/benchmark.py --amp`` shows both), so the math
            kernel is the default; on a GPU torch's choice always stands.
        **kwargs: mmengine's ``OptimWrapper`` arguments.
    """

    def __init__(self, *args, cpu_attention: str = 'math', **kwargs):
        if cpu_attention not in ('math', 'auto'):
            raise ValueError("optim_wrapper.cpu_attention must be 'math' or "
                             f"'auto', got {cpu_attention!r}")
        super().__init__(*args, **kwargs)
        self.cpu_attention = cpu_attention

    @contextmanager
    def optim_context(self, model: nn.Module):
        device = next(model.parameters()).device.type
        with super().optim_context(model), \
                torch.autocast(device, dtype=torch.bfloat16), \
                self._attention(device):
            yield

    def _attention(self, device: str):
        if device != 'cpu' or self.cpu_attention == 'auto':
            return nullcontext()
        from torch.nn.attention import SDPBackend, sdpa_kernel
        return sdpa_kernel([SDPBackend.MATH])


def amp_wrapper_type() -> Optional[str]:
    """The mixed-precision optimizer wrapper this machine can run:
    ``'AmpOptimWrapper'`` on a GPU, ``'BF16OptimWrapper'`` on a CPU with
    bf16 instructions (AVX512-BF16, AMX), None on other CPUs."""
    if torch.cuda.is_available():
        return 'AmpOptimWrapper'
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return 'BF16OptimWrapper'
    return None
