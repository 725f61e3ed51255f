# Copyright (c) splitmask_mm authors. All rights reserved.
"""Short runs the OpenMMLab way: ``--cfg-options train_cfg.max_iters=N`` on
every kind of pre-training config, each in its data set's real layout."""
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from helpers import ROOT, python_env, write_images

CONFIGS = [osp.join(ROOT, 'configs', 'splitmask', name) for name in (
    'vit-s_ade20k.py', 'vit-s_coco.py', 'vit-s_in1k.py', 'vit-s_custom.py',
    'vit-s_custom-small.py', 'vit-tiny_demo.py')] + [
    osp.join(ROOT, 'configs', 'baselines', 'mae_vit-b_coco.py')]


def fill_data_set(config: str, root: str) -> str:
    """A few images where the config looks for its data (its data root and
    prefix under ``root``; ImageNet's class folders for in1k). Returns the
    data root to give the run."""
    dataset = Config.fromfile(config).train_dataloader.dataset
    data_root = osp.join(root, dataset.data_root)
    folder = osp.join(data_root, dataset.data_prefix)
    if 'in1k' in config:
        write_images(osp.join(folder, 'n01440764'), 3, seed=1)
        write_images(osp.join(folder, 'n01443537'), 3, seed=2)
    else:
        write_images(folder, 6)
    return data_root


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_max_iters_sets_the_length_and_the_schedule(config, tmp_path):
    from splitmask_mm.weights.loading import load_training_checkpoint
    data_root = fill_data_set(config, str(tmp_path / 'data'))
    work = tmp_path / 'work'
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'), config,
        '--work-dir', str(work), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_cfg.max_iters=3', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=3'
    ], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=600)
    out = proc.stdout
    assert proc.returncode == 0, out[-4000:]
    assert 'Iter(train) [3/3]' in out and 'Iter(train) [4/' not in out
    # the override is logged beside the rule's own figure
    line = [x for x in out.splitlines() if 'Paper schedule:' in x]
    assert line, out[-3000:]
    assert '-> 3 iterations' in line[0]
    assert 'train_cfg.max_iters=3; the paper\'s rule would give' in line[0]
    # the warm-up and the cosine end with the run, not at the rule's end
    ckpt = load_training_checkpoint(str(work / 'iter_3.pth'))
    ends = [s['end'] for s in ckpt['param_schedulers']]
    assert ends == [1, 3], ends
    assert ckpt['meta']['iter'] == 3


def test_loop_names_an_option_it_does_not_take(tmp_path):
    config = CONFIGS[3]
    data_root = fill_data_set(config, str(tmp_path / 'data'))
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'), config,
        '--work-dir', str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_iter=3'
    ], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode != 0
    assert 'TypeError' not in proc.stdout
    assert 'train_cfg.max_iter is not an option of PaperScheduleTrainLoop' \
        ' (did you mean max_iters?' in proc.stdout
    assert 'max_iters (the length, instead of the paper' in proc.stdout


def test_loop_schedule_for_an_explicit_length(tmp_path):
    from test_custom import build_loop, mixed_folder
    root = mixed_folder(str(tmp_path / 'imgs'), 6)
    # the rule would give 3 iterations (1 epoch of 6 images at batch 2);
    # max_iters=60 is 20 epochs, warm-up 1/30 of it
    loop, schedulers = build_loop(tmp_path, root, batch=2, max_iters=60,
                                  reference_epochs=1, reference_images=6)
    assert loop.max_iters == 60 and loop.schedule['rule_max_iters'] == 3
    assert loop.schedule['epochs'] == pytest.approx(20)
    assert [(s['type'], s['begin'], s['end']) for s in schedulers] == [
        ('LinearLR', 0, 2), ('CosineAnnealingLR', 2, 60)]
    # one iteration: a warm-up only (mmengine refuses an empty cosine)
    loop, schedulers = build_loop(tmp_path, root, batch=2, max_iters=1)
    assert loop.max_iters == 1
    assert [(s['type'], s['end']) for s in schedulers] == [('LinearLR', 1)]
    for bad in (0, -3, 2.5, '10'):
        with pytest.raises(ValueError, match='train_cfg.max_iters must be'):
            build_loop(tmp_path, root, batch=2, max_iters=bad)
