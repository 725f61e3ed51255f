# Copyright (c) splitmask_mm authors. All rights reserved.
"""tools/train.py and tools/dist_train.sh on a generated ADE20K folder."""
import glob
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

from helpers import DEMO_CONFIG, ROOT, load_tool, python_env


def train_cmd(work_dir, data_root, max_iters, *extra):
    return [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), DEMO_CONFIG, '--work-dir',
        str(work_dir), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.dataset.data_prefix=images/training',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=1',
        f'train_cfg.max_iters={max_iters}',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1'
    ] + list(extra)


def run(cmd, timeout=300):
    proc = subprocess.run(cmd, cwd=ROOT, env=python_env(), timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc.stdout


def scalars(work_dir):
    rows = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def test_train_saves_checkpoint_and_resume_continues(ade20k_root, tmp_path):
    work_dir = tmp_path / 'work'
    out = run(train_cmd(work_dir, ade20k_root, 4))
    assert 'Iter(train) [4/4]' in out
    # mmengine's own deprecation notices and the frozen position
    # embeddings are logged, but not as warnings
    for text in ('"FileClient" will be deprecated',
                 'pos_embed is skipped since its requires_grad=False'):
        lines = [line for line in out.splitlines() if text in line]
        assert lines and all(' - INFO - ' in line for line in lines), text
    ckpt = work_dir / 'iter_4.pth'
    assert ckpt.is_file() and (work_dir / 'iter_2.pth').is_file()
    first = scalars(work_dir)
    assert [r['iter'] for r in first] == [1, 2, 3, 4]
    assert all(
        torch.isfinite(torch.tensor(r[k])) for r in first
        for k in ('loss', 'loss_mim', 'loss_match'))

    # Resume (latest checkpoint of the work dir) and train to 6.
    out = run(
        train_cmd(work_dir, ade20k_root, 6, '--resume'))
    assert 'Resuming from' in out and 'iter_4.pth' in out
    assert 'resumed epoch' in out.lower() or 'resumed' in out
    assert 'Iter(train) [6/6]' in out and 'Iter(train) [1/6]' not in out
    assert (work_dir / 'iter_6.pth').is_file()
    state = torch.load(work_dir / 'iter_6.pth', weights_only=False)
    assert state['meta']['iter'] == 6
    # The optimizer state came back: AdamW's step count went on from 4.
    steps = {int(s['step']) for s in state['optimizer']['state'].values()}
    assert steps == {6}


def test_dist_train_two_processes_on_cpu(ade20k_root, tmp_path):
    work_dir = tmp_path / 'dist'
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), DEMO_CONFIG,
           '2'] + train_cmd(work_dir, ade20k_root, 3)[3:]
    env = python_env()
    env['PYTHON'] = sys.executable
    env['PORT'] = '29531'
    proc = subprocess.run(cmd, cwd=ROOT, env=env, timeout=300,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'Distributed training: True' in proc.stdout
    assert 'GPU number: 2' in proc.stdout  # mmengine's name for world size
    assert "device_ids=None" in proc.stdout  # DDP on CPU
    assert (work_dir / 'iter_2.pth').is_file()
    assert 'Iter(train) [3/3]' in proc.stdout


def test_missing_data_root_is_named(tmp_path):
    cmd = train_cmd(tmp_path / 'w', tmp_path / 'nowhere', 3)
    proc = subprocess.run(cmd, cwd=ROOT, env=python_env(), timeout=300,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode != 0
    assert 'Image folder not found' in proc.stdout
    assert str(tmp_path / 'nowhere') in proc.stdout


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path):
    # an earlier, longer run's checkpoint in the same work dir
    (tmp_path / 'demo').mkdir()
    (tmp_path / 'demo' / 'iter_999.pth').write_bytes(b'older run')
    out = run([
        sys.executable,
        osp.join(ROOT, 'tools', 'demo.py'), '--work-dir',
        str(tmp_path / 'demo'), '--data-root',
        str(tmp_path / 'data'), '--iters', '20'
    ], timeout=900)
    assert '[demo] done' in out
    assert 'libpng warning' not in out  # photos written without bad profile
    assert (tmp_path / 'demo' / 'iter_20.pth').is_file()
    # the photos are written at 256px at most (the demo trains on 96px)
    from PIL import Image
    with Image.open(tmp_path / 'data' / 'images' / 'retina.jpg') as img:
        assert max(img.size) == 256
    # the summary names this run's checkpoint, not the older one
    assert f'checkpoint {tmp_path / "demo" / "iter_20.pth"}' in out


def test_resume_skips_a_truncated_checkpoint(ade20k_root, tmp_path):
    work_dir = tmp_path / 'work'
    run(train_cmd(work_dir, ade20k_root, 4))
    newest = work_dir / 'iter_4.pth'
    newest.write_bytes(newest.read_bytes()[:1000])  # as if killed mid-write
    out = run(train_cmd(work_dir, ade20k_root, 6, '--resume'))
    assert f'Checkpoint {newest} cannot be read' in out
    assert 'iter_2.pth, the newest readable checkpoint' in out
    assert 'Iter(train) [3/6]' in out and 'Iter(train) [6/6]' in out


def test_checkpoint_write_is_atomic(tmp_path):
    """A process dying inside torch.save leaves no file under the final
    name: only a temporary one that resume never looks at."""
    import mmengine.runner.runner as mmengine_runner
    from splitmask_mm.engine.runner import atomic_checkpoint_writes
    target = tmp_path / 'iter_8.pth'

    def dies_half_way(checkpoint, filename, *args, **kwargs):
        with open(filename, 'wb') as f:
            f.write(b'half a checkpoint')
        raise KeyboardInterrupt  # stands for SIGKILL during the write

    original = mmengine_runner.save_checkpoint
    mmengine_runner.save_checkpoint = dies_half_way
    try:
        with pytest.raises(KeyboardInterrupt):
            with atomic_checkpoint_writes():
                mmengine_runner.save_checkpoint({}, str(target))
    finally:
        mmengine_runner.save_checkpoint = original
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()][0].startswith('iter_8.pth.tmp')
    # and a complete write lands under the final name
    with atomic_checkpoint_writes():
        mmengine_runner.save_checkpoint({'meta': {}}, str(target))
    assert torch.load(target, weights_only=False) == {'meta': {}}


def test_dist_train_with_restarts_resumes_on_its_own(ade20k_root, tmp_path):
    """MAX_RESTARTS: every (re)start resumes from the last checkpoint."""
    work_dir = tmp_path / 'work'
    run(train_cmd(work_dir, ade20k_root, 4))
    env = python_env()
    env.update(PYTHON=sys.executable, PORT='29533', MAX_RESTARTS='2')
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), DEMO_CONFIG,
           '1'] + train_cmd(work_dir, ade20k_root, 6)[3:]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, timeout=300,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'Resuming from' in proc.stdout and 'iter_4.pth' in proc.stdout
    assert 'Iter(train) [5/6]' in proc.stdout
    assert 'Iter(train) [1/6]' not in proc.stdout


def test_bf16_wrapper_runs_the_forward_in_bf16_and_keeps_fp32_weights():
    from mmengine.optim import build_optim_wrapper

    import splitmask_mm  # noqa: F401
    torch.manual_seed(0)
    model = torch.nn.Linear(16, 4)
    wrapper = build_optim_wrapper(model, dict(
        type='BF16OptimWrapper', optimizer=dict(type='AdamW', lr=1e-2)))
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(8, 16))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(model.weight, before)
    state = wrapper.state_dict()['state'][0]
    assert state['exp_avg'].dtype == torch.float32


def test_amp_flag_picks_the_wrapper_the_machine_can_run(monkeypatch):
    from mmengine.config import Config
    train = load_tool('train')
    monkeypatch.setattr(sys, 'argv', ['train.py', DEMO_CONFIG, '--amp'])
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for bf16, expected in ((True, 'BF16OptimWrapper'), (False, None)):
        monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported',
                            lambda: bf16)
        cfg = Config.fromfile(DEMO_CONFIG)
        if expected:
            cfg = train.merge_args(cfg, train.parse_args())
            assert cfg.optim_wrapper.type == expected
        else:
            with pytest.raises(SystemExit, match='bf16 instructions'):
                train.merge_args(cfg, train.parse_args())
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = train.merge_args(Config.fromfile(DEMO_CONFIG), train.parse_args())
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


BARE_PATH = '/usr/bin:/bin'  # no torch on it (the system Python has none)


def test_shell_tools_find_the_repository_venv(ade20k_root, tmp_path):
    """tools/dist_train.sh as the README shows it, from a shell where
    nothing is activated: it uses the repository's .venv."""
    venv_python = osp.join(ROOT, '.venv', 'bin', 'python')
    assert osp.isfile(venv_python), \
        'tools/install.sh makes .venv, which the tests run in'
    env = {'PATH': BARE_PATH, 'HOME': str(tmp_path), 'PORT': '29535',
           'OMP_NUM_THREADS': '1'}
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), DEMO_CONFIG,
           '1'] + train_cmd(tmp_path / 'work', ade20k_root, 3)[3:]
    proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, timeout=300,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'Iter(train) [3/3]' in proc.stdout


def test_shell_tools_say_how_to_get_torch(tmp_path):
    """Without a .venv and without torch on the PATH: one clear line."""
    import shutil
    tools = tmp_path / 'repo' / 'tools'
    tools.mkdir(parents=True)
    for name in ('dist_train.sh', 'find_python.sh'):
        shutil.copy(osp.join(ROOT, 'tools', name), tools / name)
    proc = subprocess.run(
        ['bash', str(tools / 'dist_train.sh'), 'config.py', '1'],
        env={'PATH': BARE_PATH}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=60)
    assert proc.returncode == 1
    assert 'torch cannot be imported' in proc.stdout
    assert 'bash tools/install.sh' in proc.stdout
