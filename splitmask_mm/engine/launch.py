# Copyright (c) splitmask_mm authors. All rights reserved.
import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Distributed training without a GPU.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and DDP gets
    ``device_ids=[local_rank]``; both fail on CPU. So the gloo process group
    is initialised here (the Runner then skips its own init) and DDP is
    built with ``device_ids=None``.
    """
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if cfg.launcher != 'pytorch':
        raise SystemExit(f'--launcher {cfg.launcher} without a GPU is not '
                         'supported; use --launcher pytorch (torchrun).')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg', None) or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
