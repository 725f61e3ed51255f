# Copyright (c) splitmask_mm authors. All rights reserved.
"""InfoNCE with negatives gathered across processes == one process."""
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from splitmask_mm.models import SplitMaskHead

WORLD = 2
PER_RANK = 3


def make_inputs():
    g = torch.Generator().manual_seed(0)
    dec_a = torch.randn(WORLD * PER_RANK, 5, 8, generator=g)
    dec_b = torch.randn(WORLD * PER_RANK, 5, 8, generator=g)
    return dec_a, dec_b


def match_loss_and_grads(head, dec_a, dec_b):
    ids = torch.zeros(dec_a.shape[0], 0, dtype=torch.long)
    # match_pool='all' ignores ids; loss_mim is not part of this test
    x_a, x_b = head.pool(dec_a, ids), head.pool(dec_b, ids)
    from splitmask_mm.models.splitmask import info_nce
    loss = 0.5 * (
        info_nce(x_a, x_b, head.temperature, head.gather_negatives) +
        info_nce(x_b, x_a, head.temperature, head.gather_negatives))
    head.zero_grad()
    loss.backward()
    return loss.detach(), [p.grad.clone() for p in head.projector.parameters()]


def make_head(gather):
    torch.manual_seed(1)
    return SplitMaskHead(in_channels=8, proj_type='mlp', proj_dims=4,
                         proj_hidden_dims=16, gather_negatives=gather)


def worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=WORLD)
    dec_a, dec_b = make_inputs()
    rows = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    head = make_head(gather=True)
    loss, grads = match_loss_and_grads(head, dec_a[rows], dec_b[rows])
    # What DDP does with the gradients: average over processes.
    for g in grads:
        dist.all_reduce(g)
        g /= WORLD
    dist.all_reduce(loss)
    torch.save(dict(loss=loss / WORLD, grads=grads),
               os.path.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


def test_two_process_infonce_equals_one_process_on_global_batch(tmp_path):
    mp.spawn(worker, args=(str(tmp_path / 'init'), str(tmp_path)),
             nprocs=WORLD, join=True)
    head = make_head(gather=False)
    loss, grads = match_loss_and_grads(head, *make_inputs())
    for rank in range(WORLD):
        got = torch.load(tmp_path / f'rank{rank}.pt')
        torch.testing.assert_close(got['loss'], loss, rtol=1e-5, atol=1e-6)
        for g_dist, g_single in zip(got['grads'], grads):
            torch.testing.assert_close(g_dist, g_single, rtol=1e-4,
                                       atol=1e-6)


def test_local_negatives_only_would_differ(tmp_path):
    # Guards the test above: without the gather the losses differ.
    dec_a, dec_b = make_inputs()
    single, _ = match_loss_and_grads(make_head(False), dec_a, dec_b)
    local = [
        match_loss_and_grads(make_head(False), dec_a[s], dec_b[s])[0]
        for s in (slice(0, PER_RANK), slice(PER_RANK, 2 * PER_RANK))
    ]
    assert abs(float(sum(local) / 2 - single)) > 1e-3
