# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pre-training on a folder of one's own images, and the baselines."""
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from helpers import ROOT, python_env, write_images

CUSTOM = osp.join(ROOT, 'configs', 'splitmask', 'vit-b_custom.py')


def mixed_folder(root, count):
    """Nested folders, mixed formats and case, plus files to ignore."""
    exts = ['.jpg', '.png', '.JPEG', '.bmp', '.webp', '.tif']
    per = -(-count // len(exts))
    n = 0
    for i, ext in enumerate(exts):
        k = min(per, count - n)
        if k > 0:
            write_images(osp.join(root, f'set{i % 2}', f'part{i}'), k,
                         seed=i, ext=ext)
            n += k
    with open(osp.join(root, 'README.txt'), 'w') as f:
        f.write('not an image')
    return root


def build_loop(tmp_path, data_root, batch, param_scheduler=None,
               **train_cfg):
    """The custom config's train loop, built as Runner.train() builds it."""
    import splitmask_mm  # noqa: F401
    from mmengine.runner import Runner
    cfg = Config.fromfile(CUSTOM)
    cfg.work_dir = str(tmp_path / 'work')
    # mmengine names a runner's visualizer and scope after the config and
    # the second it was built, and hands an existing instance of that name
    # back: two runners of one process built in the same second would
    # share the first one's visualizer (and its log dir, gone by then).
    cfg.experiment_name = tmp_path.name
    cfg.train_dataloader.dataset.data_root = data_root
    cfg.train_dataloader.batch_size = batch
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_cfg.update(train_cfg)
    if param_scheduler is not None:
        cfg.param_scheduler = param_scheduler
    # the schedule does not need the model: a tiny stand-in
    cfg.model = dict(type='mmpretrain.MAE',
                     backbone=dict(type='MAEViT', arch='deit-tiny'),
                     neck=dict(type='MAEPretrainDecoder', embed_dim=192),
                     head=dict(type='MAEPretrainHead', loss=dict(
                         type='PixelReconstructionLoss', criterion='L2')))
    runner = Runner.from_cfg(cfg)
    loop = runner.build_train_loop(cfg.train_cfg)
    return loop, runner.param_schedulers


def test_schedule_for_a_small_folder_hits_the_epoch_cap(tmp_path):
    root = mixed_folder(str(tmp_path / 'imgs'), 30)
    loop, schedulers = build_loop(tmp_path, root, batch=4)
    # 300 ImageNet epochs at batch 4 would be 96M iterations = 12.8M epochs
    # of 30 images: capped at 5000 epochs = floor(5000 * 30 / 4) = 37500.
    assert loop.schedule['num_images'] == 30
    assert loop.max_iters == 37500
    assert loop.schedule['epochs'] == pytest.approx(5000)
    assert schedulers[0]['end'] == schedulers[1]['begin'] == 1250  # 1/30
    assert schedulers[1]['end'] == 37500
    assert schedulers[0]['type'] == 'LinearLR'
    assert schedulers[1]['type'] == 'CosineAnnealingLR'


def test_schedule_below_the_cap_keeps_the_reference_budget(tmp_path):
    root = mixed_folder(str(tmp_path / 'imgs'), 24)
    # A reference of 30 epochs over 1000 images at batch 8: 3750 iterations
    # = 1250 epochs of 24 images, under the 5000 cap.
    loop, schedulers = build_loop(tmp_path, root, batch=8,
                                  reference_epochs=30, reference_images=1000)
    assert loop.max_iters == 3750
    assert loop.schedule['epochs'] == pytest.approx(1250)
    assert schedulers[0]['end'] == 125 and schedulers[1]['end'] == 3750


def test_loop_refuses_a_config_with_its_own_lr_schedule(tmp_path):
    root = mixed_folder(str(tmp_path / 'imgs'), 6)
    with pytest.raises(ValueError, match='remove param_scheduler'):
        build_loop(tmp_path, root, batch=2,
                   param_scheduler=[dict(type='ConstantLR', factor=1.0)])


def train(config, tmp_path, data_root, *options):
    """tools/train.py, batch 2, a 3-iteration budget by the rule."""
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=1',
        # reference budget: 1 epoch of 6 images at batch 2 = 3 iterations
        'train_cfg.reference_epochs=1', 'train_cfg.reference_images=6',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=3'
    ] + list(options)
    proc = subprocess.run(cmd, cwd=ROOT, env=python_env(), timeout=600,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc.stdout


def test_custom_config_trains_on_a_mixed_nested_folder(tmp_path):
    root = mixed_folder(str(tmp_path / 'imgs'), 20)
    out = train(CUSTOM, tmp_path, root,
                'train_dataloader.dataset.pipeline.3.ratio=0.25')
    assert 'Paper schedule: 20 images, total batch 2 -> 3 iterations = ' \
        '0.3 epochs, warm-up 1 iterations' in out
    assert 'Iter(train) [3/3]' in out and 'loss_mim' in out
    assert "ratio=0.25" in out  # the small-set option reached the pipeline
    assert (tmp_path / 'work' / 'iter_3.pth').is_file()


@pytest.mark.parametrize('method', ['beit', 'mae'])
def test_baseline_trains_on_the_same_folder(tmp_path, method):
    root = mixed_folder(str(tmp_path / 'imgs'), 20)
    config = osp.join(ROOT, 'configs', 'baselines',
                      f'{method}_vit-b_custom.py')
    out = train(config, tmp_path, root)
    assert 'Paper schedule: 20 images, total batch 2 -> 3 iterations' in out
    assert 'Iter(train) [3/3]' in out
    assert (tmp_path / 'work' / 'iter_3.pth').is_file()
