# Copyright (c) splitmask_mm authors. All rights reserved.
from typing import Dict, List, Optional, Tuple, Union

from mmengine.dist import get_world_size
from mmengine.registry import LOOPS
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import DataLoader

from ..schedule import IMAGENET1K_TRAIN_IMAGES, paper_schedule


@LOOPS.register_module()
class PaperScheduleTrainLoop(IterBasedTrainLoop):
    """Iteration-based training whose length follows the paper's rule for
    whatever data set it is given.

    The number of images seen is that of ``reference_epochs`` epochs over
    ``reference_images`` images (300 ImageNet-1k epochs), whatever the size
    of the data set, capped at ``max_epochs`` epochs of it (5,000: longer
    over-fits small sets). The iterations follow from the actual total batch
    (batch per process x processes). The loop also sets the learning-rate
    schedule (linear warm-up over ``warmup_share`` of the run, then cosine to
    ``eta_min``), so the config has no ``param_scheduler``. The computed
    numbers are logged at start.

    Args:
        runner: The runner.
        dataloader (DataLoader | dict): The training data loader.
        reference_epochs (float): Epochs of the reference budget.
        reference_images (int): Images of the reference set.
        max_epochs (float): Epoch cap.
        warmup_share (float): Warm-up share of the iterations.
        warmup_start_factor (float): lr factor at the first iteration.
        eta_min (float): Final learning rate of the cosine.
        val_begin (int): Passed to ``IterBasedTrainLoop``.
        val_interval (int): Passed to ``IterBasedTrainLoop``.
        dynamic_intervals: Passed to ``IterBasedTrainLoop``.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 reference_epochs: float = 300,
                 reference_images: int = IMAGENET1K_TRAIN_IMAGES,
                 max_epochs: float = 5000,
                 warmup_share: float = 10 / 300,
                 warmup_start_factor: float = 1e-4,
                 eta_min: float = 1e-5,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None
                 ) -> None:
        super().__init__(runner, dataloader, max_iters=1,
                         val_begin=val_begin, val_interval=val_interval,
                         dynamic_intervals=dynamic_intervals)
        if runner.param_schedulers is not None:
            raise ValueError(
                'PaperScheduleTrainLoop sets the learning-rate schedule '
                '(warm-up + cosine) from the data-set size: remove '
                'param_scheduler from the config, or use IterBasedTrainLoop.')
        num_images = len(self.dataloader.dataset)
        total_batch = self.dataloader.batch_size * get_world_size()
        schedule = paper_schedule(
            num_images, total_batch, reference_epochs=reference_epochs,
            reference_images=reference_images, max_epochs=max_epochs,
            warmup_share=warmup_share)
        self._max_iters = schedule['max_iters']
        self.schedule = dict(schedule, num_images=num_images,
                             total_batch=total_batch)
        warmup = schedule['warmup_iters']
        runner.param_schedulers = [
            dict(type='LinearLR', start_factor=warmup_start_factor,
                 by_epoch=False, begin=0, end=warmup),
            dict(type='CosineAnnealingLR', eta_min=eta_min, by_epoch=False,
                 begin=warmup, end=self._max_iters),
        ]
        capped = ' (capped)' if schedule['epochs'] < \
            reference_epochs * reference_images / num_images - 1e-9 else ''
        runner.logger.info(
            f'Paper schedule: {num_images} images, total batch '
            f'{total_batch} -> {self._max_iters} iterations = '
            f'{schedule["epochs"]:.1f} epochs{capped}, warm-up {warmup} '
            'iterations, then cosine.')
