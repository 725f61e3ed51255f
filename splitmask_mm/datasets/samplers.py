# Copyright (c) splitmask_mm authors. All rights reserved.
"""An infinite sampler that a resumed run can restart anywhere, exactly.

mmengine's ``InfiniteSampler`` draws every epoch's order from one running
generator, and the augmentations draw from each data-loader worker's running
RNG; so mmengine resumes an iteration-based run by loading (and throwing
away) every batch already trained — at iteration 30,000 of an ADE20K run
that is hours of JPEG decoding — and, with ``diff_rank_seed=True`` (our
default), mmengine passes the sampler no seed at all, so a restart draws
another order.

Here every random draw of the data is a function of its position in the
data stream: epoch ``e``'s order comes from ``(seed, e)``, and each sample
carries its own augmentation seed from ``(seed, position)``
(:class:`SampleIndex`), which :class:`UnlabeledImageFolder` applies before
its pipeline. A restart at any iteration reproduces the same images, crops,
flips and splits without reading what came before, whichever worker loads
a sample and however many workers there are.
"""
from typing import Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dist import broadcast_object_list, get_dist_info
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


def mix_seed(*values: int) -> int:
    """A 32-bit seed from several integers (numpy's SeedSequence hash:
    nearby inputs give unrelated seeds)."""
    return int(np.random.SeedSequence([int(v) for v in values])
               .generate_state(1)[0])


class SampleIndex(int):
    """A data-set index carrying the seed of this draw's augmentations."""

    def __new__(cls, index: int, seed: int) -> 'SampleIndex':
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):  # survives the trip to a data-loader worker
        return SampleIndex, (int(self), self.seed)

    def __repr__(self) -> str:
        return f'SampleIndex({int(self)}, seed={self.seed})'


@DATA_SAMPLERS.register_module()
class ResumableInfiniteSampler(Sampler):
    """Endless shuffled indices, each with its augmentation seed, that can
    start at any position of the stream.

    The global stream is epoch after epoch of the data set, each in the order
    ``randperm(size)`` seeded by ``(seed, epoch)``; rank ``r`` of ``w`` takes
    positions ``r, r + w, r + 2w, ...`` (as mmengine's ``InfiniteSampler``).
    :meth:`set_start` jumps past the samples the run already trained on, in
    O(1); the position is global, so a run resumed on another number of
    processes goes on where it stopped (no sample repeated or skipped).

    Args:
        dataset (Sized): The data set.
        shuffle (bool): Shuffle each epoch. Defaults to True.
        seed (int, optional): Seed of the orders and augmentations. None
            (what mmengine passes when ``randomness.diff_rank_seed`` is
            True): the run's seed, i.e. rank 0's torch seed, which mmengine
            set from ``randomness.seed``; on resume
            :class:`ResumableIterBasedTrainLoop` sets the checkpoint's.
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        self.rank, self.world_size = get_dist_info()
        self.size = len(dataset)
        if self.size == 0:
            raise ValueError(
                'The training data set is empty: check its data_root and '
                'data_prefix (and that the folder holds images).')
        self.shuffle = shuffle
        self.seed_given = seed is not None
        if seed is None:
            shared = [torch.initial_seed()]
            broadcast_object_list(shared)
            seed = shared[0]
        self.seed = seed
        self.start = 0

    def set_start(self, num_samples: int) -> None:
        """Begin after the first ``num_samples`` samples of the global
        stream (all ranks together)."""
        self.start = int(num_samples)

    def order(self, epoch: int) -> list:
        """The indices of one epoch, in order."""
        if not self.shuffle:
            return list(range(self.size))
        g = torch.Generator()
        g.manual_seed(mix_seed(self.seed, epoch))
        return torch.randperm(self.size, generator=g).tolist()

    def __iter__(self) -> Iterator[SampleIndex]:
        position = self.start + self.rank
        epoch, order = -1, []
        while True:
            e, offset = divmod(position, self.size)
            if e != epoch:
                epoch, order = e, self.order(e)
            yield SampleIndex(order[offset], mix_seed(self.seed, position))
            position += self.world_size

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Nothing to do: the stream position decides the epoch."""
