# Copyright (c) splitmask_mm authors. All rights reserved.
"""tools/study.py: arms x downstream tasks through the real chain."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from helpers import ROOT, load_tool, python_env

STUDY = osp.join(ROOT, 'configs', 'study', 'digit_scenes.py')


def run_study(config, *args, timeout=1800):
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'study.py'), config] +
        list(args), cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc.stdout


# slow: nine training/evaluation processes (about 3 minutes on 2 cores)
@pytest.mark.slow
def test_study_runs_arms_through_the_chain_and_skips_what_is_done(tmp_path):
    """A tiny study: random init and SplitMask, a few iterations each,
    both downstream tasks; the second run finds every stage done."""
    config = tmp_path / 'tiny_study.py'
    config.write_text(f'''
_base_ = [{STUDY!r}]
work_dir = {str(tmp_path / 'work')!r}
data = dict(num_train=16, num_val=8, size=64, seed=0)
pretrain_iters = 2
downstream = dict(seg=dict(iters=2), det=dict(iters=2))
arms = [
    dict(key='random', name='random init', seeds=[0]),
    dict(key='splitmask', name='SplitMask (paper defaults)',
         config='configs/study/splitmask_vit-tiny-p8_digits.py', seeds=[0]),
]
''')
    out = run_study(str(config))
    for stage in ('splitmask seed 0: pre-training: running',
                  'splitmask seed 0: conversion: running',
                  'random seed 0: seg fine-tuning: running',
                  'splitmask seed 0: det evaluation: running'):
        assert stage in out, stage
    results = json.loads((tmp_path / 'work' / 'results.json').read_text())
    runs = results['results']
    assert set(runs) == {'random', 'splitmask'}
    metrics = runs['splitmask']['0']['metrics']
    assert set(metrics) == {'mIoU', 'mAcc', 'bbox_mAP', 'segm_mAP'}
    assert all(v is not None for v in metrics.values())
    table = (tmp_path / 'work' / 'results.md').read_text()
    assert table.startswith('| arm | seeds | mIoU | mAcc | bbox_mAP (%) |')
    assert '| SplitMask (paper defaults) | 1 |' in table
    # the derived configs say what ran: the pre-trained weights, strictly
    seg_config = (tmp_path / 'work' / 'splitmask' / 'seed0' /
                  'seg_config.py').read_text()
    assert 'backbone.pth' in seg_config
    assert 'TruncNormal' in (tmp_path / 'work' / 'random' / 'seed0' /
                             'seg_config.py').read_text()
    again = run_study(str(config))
    assert 'running' not in again.replace('data: done', '')
    assert 'pre-training: done' in again


@pytest.mark.slow
def test_quick_study_splitmask_beats_random_init_beyond_the_seed_spread(
        tmp_path):
    """The study's --quick version (about 15 minutes on 2 cores), from
    scratch: a work dir of earlier runs would be skipped as done."""
    work = tmp_path / 'quick'
    run_study(STUDY, '--quick', '--work-dir', str(work), timeout=3600)
    results = json.loads(
        (work / 'results.json').read_text())['results']
    random = [r['metrics']['mIoU'] for r in results['random'].values()]
    splitmask = [r['metrics']['mIoU'] for r in results['splitmask'].values()]
    spread = max(max(random) - min(random), max(splitmask) - min(splitmask))
    wins = min(splitmask) - max(random) > 0 and \
        sum(splitmask) / len(splitmask) - sum(random) / len(random) > spread
    if not wins:
        # The present finding (README, "Does it work?"): at this CPU
        # scale (8 pre-training epochs), random init fine-tunes better than
        # every pre-training. A crash of the study above still fails this
        # test; the day SplitMask wins, it passes and this branch should go.
        pytest.xfail(f'SplitMask mIoU {splitmask} vs random init {random}: '
                     f'no win beyond the seed spread ({spread:.2f})')


def test_scaled_schedule_keeps_the_shape_for_shorter_and_longer_runs():
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(train_cfg=dict(max_iters=800), param_scheduler=[
        dict(type='LinearLR', begin=0, end=50),
        dict(type='CosineAnnealingLR', begin=50, end=800),
        dict(type='MultiStepLR', begin=0, end=800, milestones=[600])]))
    for iters, warmup in ((250, 16), (1000, 62), (2, 1)):
        lin, cos, step = study.scaled_schedule(cfg, iters)
        assert (lin['begin'], lin['end']) == (0, warmup)
        # the end of the run is the end of the schedule, however long
        assert (cos['begin'], cos['end']) == (warmup, iters)
        assert step['end'] == iters
        assert step['milestones'] == [round(600 * iters / 800)]
