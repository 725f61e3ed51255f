# Copyright (c) splitmask_mm authors. All rights reserved.
"""The paper's schedule rule.

SplitMask keeps the number of *iterations* constant across data-set sizes:
the budget of 300 ImageNet-1k epochs at the reference batch. Smaller data
sets therefore run more epochs, capped at 5,000 epochs on tiny sets (longer
over-fits). The warm-up is the same share of training as BEiT's 10 of 300
epochs. The configs carry the numbers this gives; a test checks them.
"""
import math
from typing import Dict

IMAGENET1K_TRAIN_IMAGES = 1_281_167
ADE20K_TRAIN_IMAGES = 20_210
COCO_TRAIN2017_IMAGES = 118_287


def paper_schedule(num_images: int,
                   batch_size: int = 2048,
                   reference_epochs: int = 300,
                   reference_images: int = IMAGENET1K_TRAIN_IMAGES,
                   max_epochs: float = 5000,
                   warmup_share: float = 10 / 300) -> Dict[str, float]:
    """Iterations, epochs and warm-up of a pre-training run.

    Args:
        num_images (int): Images in the pre-training set.
        batch_size (int): Total batch size over all processes.
        reference_epochs (int): ImageNet-1k epochs of the budget.
        reference_images (int): Images of the reference set.
        max_epochs (float): Epoch cap for small sets.
        warmup_share (float): Warm-up share of the iterations.

    Returns:
        dict: ``max_iters``, ``epochs`` (float) and ``warmup_iters``.
    """
    if num_images <= 0:
        raise ValueError(f'num_images must be positive, got {num_images}')
    if batch_size <= 0:
        raise ValueError(f'batch_size must be positive, got {batch_size}')
    max_iters = round(reference_epochs * reference_images / batch_size)
    epochs = max_iters * batch_size / num_images
    if epochs > max_epochs:
        max_iters = math.floor(max_epochs * num_images / batch_size)
        epochs = max_iters * batch_size / num_images
    if max_iters < 2:
        raise ValueError(
            f'The schedule rule gives {max_iters} iteration(s) for '
            f'{num_images} images at batch {batch_size}: too few to train.')
    # at least one warm-up iteration, and one after it
    warmup_iters = min(max(1, round(max_iters * warmup_share)), max_iters - 1)
    return dict(max_iters=max_iters, epochs=epochs, warmup_iters=warmup_iters)


def fixed_length_schedule(max_iters: int, num_images: int, batch_size: int,
                          warmup_share: float = 10 / 300
                          ) -> Dict[str, float]:
    """The paper's schedule shape over a given number of iterations.

    Args:
        max_iters (int): Iterations of the run.
        num_images (int): Images in the pre-training set.
        batch_size (int): Total batch size over all processes.
        warmup_share (float): Warm-up share of the iterations.

    Returns:
        dict: ``max_iters``, ``epochs`` (float) and ``warmup_iters`` (at
        least one; the whole run when it is a single iteration).
    """
    if max_iters < 1:
        raise ValueError(f'max_iters must be positive, got {max_iters}')
    warmup_iters = max(1, min(round(max_iters * warmup_share),
                              max_iters - 1))
    return dict(max_iters=max_iters,
                epochs=max_iters * batch_size / num_images,
                warmup_iters=warmup_iters)
