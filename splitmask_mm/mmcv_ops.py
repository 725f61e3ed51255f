# Copyright (c) splitmask_mm authors. All rights reserved.
"""mmcv's compiled operators that our fine-tuning models call, from
torchvision, where mmcv has none (mmcv-lite).

mmseg and mmdet import ``mmcv.ops`` at start, and ``mmcv.ops`` imports the
compiled extension ``mmcv._ext``: with mmcv-lite neither library imports,
although UperNet calls no mmcv operator and Mask R-CNN (ours: XCiT-FPN,
ViTDet, FPN) calls two, NMS (proposals, test-time boxes) and RoIAlign (box
and mask features, mask targets). torchvision ships both, on CPU and CUDA.
Building mmcv's extension takes 12 minutes on 2 cores, 49 with CUDA code,
and its 109 MB library does not fit what the GPU check can carry; this
module stands in for it instead: ``mmcv._ext`` becomes a module whose
``nms``, ``roi_align_forward`` and ``roi_align_backward`` call torchvision,
and whose every other operator raises an error naming itself and the
install that has it.

:func:`install` puts it in place when ``mmcv._ext`` cannot be imported
(``import splitmask_mm`` calls it), or always with
``SPLITMASK_MMCV_OPS=torchvision`` (how the tests compare the two).
"""
import importlib
import importlib.machinery
import os
import sys
import types

import torch

FULL_INSTALL = 'bash tools/install.sh --full'


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float,
        offset: int = 0) -> torch.Tensor:
    if offset != 0:  # mmcv's legacy +1 box convention; nothing of ours
        raise NotImplementedError(
            'mmcv.ops.nms(offset=1) needs mmcv\'s compiled operators '
            f'(`{FULL_INSTALL}`)')
    import torchvision
    return torchvision.ops.nms(boxes, scores.to(boxes.dtype), iou_threshold)


def _check_avg(pool_mode: int) -> None:
    if pool_mode != 1:
        raise NotImplementedError(
            "RoIAlign(pool_mode='max') needs mmcv's compiled operators "
            f'(`{FULL_INSTALL}`)')


def roi_align_forward(input, rois, output, argmax_y, argmax_x, *,
                      aligned_height, aligned_width, spatial_scale,
                      sampling_ratio, pool_mode, aligned) -> None:
    """mmcv's in-place signature over ``torchvision.ops.roi_align`` (the
    same bilinear sampling, ``aligned`` half-pixel offset and adaptive
    sampling ratio at 0)."""
    _check_avg(pool_mode)
    import torchvision
    output.copy_(torchvision.ops.roi_align(
        input, rois.to(input.dtype), (aligned_height, aligned_width),
        spatial_scale, sampling_ratio, aligned))


def roi_align_backward(grad_output, rois, argmax_y, argmax_x, grad_input, *,
                       aligned_height, aligned_width, spatial_scale,
                       sampling_ratio, pool_mode, aligned) -> None:
    _check_avg(pool_mode)
    import torchvision  # noqa: F401 (registers torch.ops.torchvision)
    n, c, h, w = grad_input.shape
    grad_input.copy_(torch.ops.torchvision._roi_align_backward(
        grad_output, rois.to(grad_output.dtype), spatial_scale,
        aligned_height, aligned_width, n, c, h, w, sampling_ratio, aligned))


IMPLEMENTED = {'nms': nms, 'roi_align_forward': roi_align_forward,
               'roi_align_backward': roi_align_backward}


def _missing(name: str):
    def operator(*args, **kwargs):
        raise NotImplementedError(
            f'mmcv operator {name!r} needs mmcv\'s compiled operators: this '
            'install has mmcv-lite, with NMS and RoIAlign from torchvision '
            f'only (splitmask_mm/mmcv_ops.py). Run `{FULL_INSTALL}`.')
    operator.__name__ = name
    return operator


def _module() -> types.ModuleType:
    module = types.ModuleType('mmcv._ext', __doc__)
    # (importlib.util.find_spec, which mmengine's environment report calls
    # through pkgutil, needs a spec)
    module.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', None)
    module.__dict__.update(IMPLEMENTED)
    module.STAND_IN = True
    # mmcv.ops' modules check at import that their operators exist:
    # every other name is there too, and says what it needs when called
    module.__getattr__ = lambda name: (
        _missing(name) if not name.startswith('__') else
        (_ for _ in ()).throw(AttributeError(name)))
    return module


def install() -> bool:
    """Put the stand-in at ``mmcv._ext`` if mmcv has no compiled
    operators (or ``SPLITMASK_MMCV_OPS=torchvision``); True if it is in
    place. Must run before ``mmcv.ops`` is first imported."""
    if getattr(sys.modules.get('mmcv._ext'), 'STAND_IN', False):
        return True
    forced = os.environ.get('SPLITMASK_MMCV_OPS') == 'torchvision'
    if not forced:
        try:
            importlib.import_module('mmcv._ext')
            return False
        except ImportError:
            pass
    try:
        importlib.import_module('torchvision')
        importlib.import_module('mmcv')
    except ImportError:
        return False
    if 'mmcv.ops' in sys.modules and not forced:
        return False  # too late: mmcv.ops already failed or loaded
    sys.modules['mmcv._ext'] = _module()
    return True
