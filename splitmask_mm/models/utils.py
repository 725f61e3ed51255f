# Copyright (c) splitmask_mm authors. All rights reserved.
from typing import Tuple

import torch
import torch.distributed as dist
from mmengine.dist import all_reduce


class _GatherWithGrad(torch.autograd.Function):
    """All-gather whose backward returns every process's gradient.

    Written here rather than reusing mmpretrain's ``GatherLayer`` (SimCLR):
    that one's backward keeps only the local slice of the local gradient,
    dropping the gradient that other processes' losses send to this
    process's tensor (its rows are their negatives). The full gradient is
    the sum over processes, so backward all-reduces before slicing; DDP's
    averaging then gives exactly the single-process gradient of the global
    batch. Works on gloo (CPU) and nccl alike.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        world_size = dist.get_world_size()
        parts = [torch.empty_like(x) for _ in range(world_size)]
        dist.all_gather(parts, x.contiguous())
        ctx.rank, ctx.rows = dist.get_rank(), x.shape[0]
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start = ctx.rank * ctx.rows
        return grad[start:start + ctx.rows]


def any_process(flag: bool) -> bool:
    """True on every process if ``flag`` is True on any of them (one scalar
    all-reduce; mmengine moves it to the backend's device, so nccl works
    too; just ``flag`` on one process)."""
    value = torch.tensor([int(flag)])
    all_reduce(value, op='max')
    return bool(value.item())


def gather_with_grad(x: torch.Tensor) -> Tuple[torch.Tensor, int]:
    """Rows of ``x`` from every process, concatenated in rank order.

    Every process must pass the same number of rows (the default samplers
    give every rank equally sized batches).

    Returns:
        Tuple[torch.Tensor, int]: the gathered tensor, and the row offset of
        this process's rows in it (0 when not distributed).
    """
    if not (dist.is_available() and dist.is_initialized()) or \
            dist.get_world_size() == 1:
        return x, 0
    return _GatherWithGrad.apply(x), dist.get_rank() * x.shape[0]
