# Copyright (c) splitmask_mm authors. All rights reserved.
"""Fixtures; the helpers they use live in helpers.py."""
import os.path as osp
import subprocess
import sys

import pytest

from helpers import (DEMO_CONFIG, ROOT, make_ade20k, make_random_vocabulary,
                     python_env)


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: long-running test, not in the default run')


@pytest.fixture
def ade20k_root(tmp_path):
    return make_ade20k(str(tmp_path))


@pytest.fixture(scope='session')
def registered():
    import splitmask_mm  # noqa: F401
    from mmengine.registry import DefaultScope
    if DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('splitmask_tests', scope_name='mmpretrain')
    return True


@pytest.fixture(scope='session')
def vocab_8192(tmp_path_factory):
    return make_random_vocabulary(
        tmp_path_factory.mktemp('vocab') / 'v8192.pth', 8192)


@pytest.fixture
def demo_vocab(tmp_path):
    return make_random_vocabulary(tmp_path / 'v512.pth', 512)


@pytest.fixture(scope='session')
def pretrained(tmp_path_factory):
    """A real SplitMask checkpoint: 3 iterations of the demo config."""
    tmp = tmp_path_factory.mktemp('pretrain')
    data_root = make_ade20k(str(tmp), count=8)
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'), DEMO_CONFIG,
        '--work-dir', str(tmp / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.dataset.data_prefix=images/training',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_iters=3',
        'default_hooks.checkpoint.interval=3',
        'default_hooks.logger.interval=1'
    ], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return str(tmp / 'work' / 'iter_3.pth')
