# Copyright (c) splitmask_mm authors. All rights reserved.
import difflib
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.dist import broadcast_object_list, get_world_size
from mmengine.registry import LOOPS
from mmengine.runner import IterBasedTrainLoop, set_random_seed
from mmengine.runner.loops import _InfiniteDataloaderIterator
from torch.utils.data import DataLoader

from ..datasets.samplers import ResumableInfiniteSampler, mix_seed
from ..schedule import (IMAGENET1K_TRAIN_IMAGES, fixed_length_schedule,
                        paper_schedule)


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """mmengine's ``IterBasedTrainLoop``, resuming exactly and at once.

    mmengine resumes at iteration ``k`` by loading ``k`` batches and throwing
    them away (hours on a long run), and the random draws of the model
    (drop-path) restart from the seed, not from where the run was. Here:

    - with :class:`ResumableInfiniteSampler`, the sampler jumps to the first
      sample not yet trained on; each sample carries its own augmentation
      seed, so the resumed run sees the same images, crops, flips and splits
      as an uninterrupted one;
    - before every iteration the global RNGs are seeded from (the process's
      seed, the iteration), so the model's draws at iteration ``k`` do not
      depend on where the run started.

    With deterministic settings (``randomness=dict(seed=0,
    deterministic=True)``) a run killed and resumed ends with the same
    weights, bit for bit on CPU, as one that never stopped (the optimizer,
    scheduler, AMP loss scale and message hub come back from the checkpoint
    as in mmengine). Other samplers fall back to mmengine's replay.
    """

    def run(self) -> torch.nn.Module:
        """Launch training."""
        # mmengine's run(), whose replay of the trained batches is inline
        # (no hook to replace it): replaced by restart_data_stream(), plus
        # the per-iteration seed; the rest as upstream.
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        self.restart_data_stream()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            set_random_seed(mix_seed(self.runner.seed, self._iter))
            self.run_iter(data_batch)

            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()

        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_iter(self, data_batch) -> None:
        """One iteration, counting the samples the run has drawn."""
        # all processes together: where a resumed run's data stream goes on
        # (counted before the hooks, so the checkpoint of this iteration
        # includes this batch)
        hub = self.runner.message_hub
        if self.dataloader.batch_size:  # None with a batch sampler
            hub.update_info('samples_seen', hub.get_info('samples_seen', 0) +
                            self.dataloader.batch_size * get_world_size())
        super().run_iter(data_batch)

    def restart_data_stream(self) -> None:
        """Point the data stream at the first sample not yet trained on."""
        sampler = getattr(self.dataloader, 'sampler', None)
        if not isinstance(sampler, ResumableInfiniteSampler) or \
                self.dataloader.batch_size is None:  # a batch sampler
            if self._iter > 0:  # mmengine's way: load and drop k batches
                self.runner.logger.warning(
                    f'Advancing the data loader {self._iter} batches '
                    f'(its sampler, {type(sampler).__name__}, cannot jump; '
                    'ResumableInfiniteSampler can)')
                for _ in range(self._iter):
                    next(self.dataloader_iterator)
            return
        start = self.runner.message_hub.get_info(
            'samples_seen',
            self._iter * self.dataloader.batch_size * get_world_size())
        if sampler.seed_given:
            run_seed = sampler.seed
        else:  # the run's seed: the resumed one if this is a resume (rank
            # 0's is the un-ranked seed, as in the checkpoint)
            seed = [self.runner.seed]
            broadcast_object_list(seed)
            run_seed = seed[0]
        if start == 0 and sampler.seed == run_seed:
            return  # already where it should be
        sampler.seed = run_seed
        sampler.set_start(start)
        # The iterator was made (and began prefetching) when the loop was
        # built, before the checkpoint was read: make it again.
        self.dataloader_iterator = _InfiniteDataloaderIterator(
            self.dataloader)
        if start:
            self.runner.logger.info(
                f'Data stream restarted at sample {start} (all processes '
                f'together; iteration {self._iter}), seed {sampler.seed}: '
                'nothing is loaded twice.')


# PaperScheduleTrainLoop's options, for its error on an unknown one
OPTIONS = ('max_iters', 'reference_epochs', 'reference_images', 'max_epochs',
           'warmup_share', 'warmup_start_factor', 'eta_min', 'val_begin',
           'val_interval', 'dynamic_intervals')


@LOOPS.register_module()
class PaperScheduleTrainLoop(ResumableIterBasedTrainLoop):
    """Iteration-based training whose length follows the paper's rule for
    whatever data set it is given, or an explicit ``max_iters``.

    The number of images seen is that of ``reference_epochs`` epochs over
    ``reference_images`` images (300 ImageNet-1k epochs), whatever the size
    of the data set, capped at ``max_epochs`` epochs of it (5,000: longer
    over-fits small sets). The iterations follow from the actual total batch
    (batch per process x processes). ``max_iters``, mmengine's usual
    argument (``--cfg-options train_cfg.max_iters=N``: a short try, a
    timing, a fixed budget), replaces the rule's figure. Either way the loop
    sets the learning-rate schedule over the run's length (linear warm-up
    over ``warmup_share`` of it, then cosine to ``eta_min``), so the config
    has no ``param_scheduler``. The numbers are logged at start.

    Args:
        runner: The runner.
        dataloader (DataLoader | dict): The training data loader.
        max_iters (int, optional): The run's length in iterations, instead
            of the rule's. Defaults to None (the rule).
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
                 max_iters: Optional[int] = None,
                 reference_epochs: float = 300,
                 reference_images: int = IMAGENET1K_TRAIN_IMAGES,
                 max_epochs: float = 5000,
                 warmup_share: float = 10 / 300,
                 warmup_start_factor: float = 1e-4,
                 eta_min: float = 1e-5,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None,
                 **unknown) -> None:
        if unknown:
            # mmengine would stop with a TypeError from this constructor;
            # name the option and what to use instead
            name = sorted(unknown)[0]
            close = difflib.get_close_matches(name, OPTIONS, n=1)
            hint = f'did you mean {close[0]}? ' if close else ''
            raise ValueError(
                f'train_cfg.{name} is not an option of PaperScheduleTrainLoop '
                f'({hint}its options: max_iters (the length, instead of the '
                'paper\'s rule), reference_epochs, reference_images, '
                'max_epochs (epoch cap), warmup_share, warmup_start_factor, '
                'eta_min, val_begin, val_interval, dynamic_intervals)')
        if max_iters is not None and (not isinstance(max_iters, int) or
                                      isinstance(max_iters, bool) or
                                      max_iters < 1):
            raise ValueError('train_cfg.max_iters must be a positive '
                             f'integer, got {max_iters!r}')
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
        rule = paper_schedule(
            num_images, total_batch, reference_epochs=reference_epochs,
            reference_images=reference_images, max_epochs=max_epochs,
            warmup_share=warmup_share)
        schedule = rule if max_iters is None else fixed_length_schedule(
            max_iters, num_images, total_batch, warmup_share)
        self._max_iters = schedule['max_iters']
        self.schedule = dict(schedule, num_images=num_images,
                             total_batch=total_batch,
                             rule_max_iters=rule['max_iters'])
        warmup = schedule['warmup_iters']
        runner.param_schedulers = [
            dict(type='LinearLR', start_factor=warmup_start_factor,
                 by_epoch=False, begin=0, end=warmup)]
        if warmup < self._max_iters:
            runner.param_schedulers.append(
                dict(type='CosineAnnealingLR', eta_min=eta_min,
                     by_epoch=False, begin=warmup, end=self._max_iters))
        length = (f'{self._max_iters} iterations = '
                  f'{schedule["epochs"]:.1f} epochs')
        if max_iters is None:
            capped = ' (capped)' if rule['epochs'] < reference_epochs * \
                reference_images / num_images - 1e-9 else ''
            length = f'{length}{capped}'
        else:
            length = (f'{length} (train_cfg.max_iters={max_iters}; the '
                      f'paper\'s rule would give {rule["max_iters"]} '
                      f'iterations = {rule["epochs"]:.1f} epochs)')
        runner.logger.info(
            f'Paper schedule: {num_images} images, total batch '
            f'{total_batch} -> {length}, warm-up {warmup} iterations, then '
            'cosine.')
