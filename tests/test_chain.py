# Copyright (c) splitmask_mm authors. All rights reserved.
"""tools/dist_chain.sh: pre-train -> convert -> fine-tune -> evaluate."""
import os.path as osp
import subprocess
import sys

import pytest

from helpers import ROOT, make_ade20k, python_env
from splitmask_mm import chain


def write_chain(tmp_path, data_root):
    work = tmp_path / 'chain'
    text = f'''
data_root = {data_root!r}
work_dir = {str(work)!r}
pretrain = dict(
    config={osp.join(ROOT, 'configs/splitmask/vit-tiny_demo.py')!r},
    cfg_options={{
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.dataset.data_prefix': 'images/training',
        'train_dataloader.batch_size': 4,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_cfg.max_iters': 3,
    }})
convert = dict(img_size=96)
finetune = dict(
    config={osp.join(ROOT, 'configs/downstream/upernet_vit-tiny_demo.py')!r},
    cfg_options={{
        'train_dataloader.dataset.data_root': data_root,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
        'train_cfg.max_iters': 4, 'train_cfg.val_interval': 4,
        'param_scheduler.0.end': 2, 'param_scheduler.1.begin': 2,
        'param_scheduler.1.end': 4,
        'train_dataloader.num_workers': 0,
        'val_dataloader.num_workers': 0, 'test_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.persistent_workers': False,
        'test_dataloader.persistent_workers': False,
    }})
metric = 'mIoU'
'''
    path = tmp_path / 'chain.py'
    path.write_text(text)
    return str(path), work


def run_chain(path, expect_ok=True):
    env = python_env()
    env['PYTHON'] = sys.executable
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_chain.sh'), path, '1'],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=900)
    assert (proc.returncode == 0) == expect_ok, proc.stdout[-4000:]
    return [line for line in proc.stdout.splitlines()
            if line.startswith('[chain]')]


def test_chain_runs_every_stage_then_skips_what_is_done(tmp_path):
    root = make_ade20k(str(tmp_path), count=8, val_count=3)
    path, work = write_chain(tmp_path, root)
    lines = run_chain(path)
    for name in ('pretrain', 'convert', 'finetune', 'evaluate'):
        assert f'[chain] {name}: running' in lines, lines
    # the paper's random-projection targets need no vocabulary stage
    assert not any('vocabulary' in line for line in lines)
    assert lines[-1].startswith('[chain] final mIoU: ')
    assert float(lines[-1].split()[3]) >= 0
    assert (work / 'backbone.pth').is_file()
    assert (work / 'metrics.json').is_file()

    # interrupted after pre-training: only the later stages run again
    (work / 'finetune' / 'DONE').unlink()
    (work / 'metrics.json').unlink()
    lines = run_chain(path)
    for name in ('pretrain', 'convert'):
        assert any(line.startswith(f'[chain] {name}: done')
                   for line in lines)
    assert '[chain] finetune: running' in lines
    # the fine-tuning stage resumed from its own last checkpoint
    assert any('--resume' in line for line in lines if 'train.py' in line)
    assert lines[-1].startswith('[chain] final mIoU: ')

    # the fine-tuning recipe changed under the same work dir: the chain
    # stops naming the change, reusing and overwriting nothing
    text = open(path).read().replace("'train_cfg.max_iters': 4",
                                     "'train_cfg.max_iters': 5")
    open(path, 'w').write(text)
    before = sorted(p.name for p in (work / 'finetune').iterdir())
    lines = run_chain(path, expect_ok=False)
    assert any(line.startswith('[chain] pretrain: done') for line in lines)
    assert any(line.startswith('[chain] finetune: ') and 'another recipe'
               in line and 'config.train_cfg.max_iters' in line
               for line in lines), lines
    assert not any('running' in line for line in lines)
    assert sorted(p.name for p in (work / 'finetune').iterdir()) == before


def test_stage_records_its_recipe_and_refuses_another(tmp_path):
    done = tmp_path / 'out' / 'DONE'
    calls = []

    def action():
        calls.append(1)
        done.write_text('')

    recipe = dict(config=dict(lr=1e-3, sizes=(1, 2)), gpus=1)
    assert chain.stage('train', str(done), action, recipe=recipe) >= 0
    assert calls == [1]
    # the same recipe (tuples and all): skipped as done
    assert chain.stage('train', str(done), action, recipe=recipe) == 0
    assert calls == [1]
    # another recipe: stops, naming the changed key, runs nothing
    changed = dict(config=dict(lr=2e-3, sizes=(1, 2)), gpus=1)
    with pytest.raises(SystemExit, match=r'changed: config\.lr\)'):
        chain.stage('train', str(done), action, recipe=changed)
    assert calls == [1]
    # interrupted (recipe recorded, not done) and restarted with another
    # recipe: also refused (it would resume the old run under the new one)
    done.unlink()
    with pytest.raises(SystemExit, match='another recipe'):
        chain.stage('train', str(done), action, recipe=changed)
    # outputs of older versions (no recipe file) are skipped, with a note
    legacy = tmp_path / 'legacy' / 'DONE'
    legacy.parent.mkdir()
    legacy.write_text('')
    assert chain.stage('old', str(legacy), action, recipe=recipe) == 0
    assert calls == [1]
