# Copyright (c) splitmask_mm authors. All rights reserved.
"""Runs that survive: a real SIGKILL mid-run or mid-save, pre-emption
signals, unreadable images and non-finite losses, each in a real
tools/train.py process on a generated ADE20K folder."""
import os
import os.path as osp
import re
import signal
import subprocess
import sys

import torch

from helpers import DEMO_CONFIG, ROOT, python_env

TESTS = osp.dirname(osp.abspath(__file__))


def write_config(tmp_path, data_root, max_iters, hooks='', model='',
                 dataset='', nonfinite='stop'):
    """A tiny deterministic run: ViT-tiny, drop-path on (the model draws
    random numbers too), 2 workers, batch 4 over 26 images (an epoch every
    6.5 iterations), checkpoints every 3 iterations."""
    path = tmp_path / f'cfg_{len(list(tmp_path.glob("cfg_*.py")))}.py'
    path.write_text(f'''
_base_ = [{DEMO_CONFIG!r}]
custom_imports = dict(imports=['splitmask_mm', 'fault_hooks'],
                      allow_failed_imports=False)
randomness = dict(seed=3, diff_rank_seed=True, deterministic=True)
model = dict(backbone=dict(drop_path_rate=0.2), {model})
train_dataloader = dict(
    batch_size=4, num_workers=2,
    dataset=dict(data_root={data_root!r}, data_prefix='images/training',
                 {dataset}))
train_cfg = dict(max_iters={max_iters})
default_hooks = dict(checkpoint=dict(interval=3, max_keep_ckpts=5),
                     logger=dict(interval=1),
                     nonfinite=dict(mode={nonfinite!r}))
custom_hooks = [dict(type='PreemptionHook'),
                dict(type='SkippedImagesHook', max_fraction=0.2), {hooks}]
''')
    return str(path)


def plugin_env(tmp_path):
    """Subprocess environment that can import the fault_hooks plug-in."""
    env = python_env()
    env['PYTHONPATH'] = TESTS + os.pathsep + env['PYTHONPATH']
    return env


def train(config, work_dir, *extra, tmp_path, check=True, timeout=300):
    env = plugin_env(tmp_path)
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config,
         '--work-dir', str(work_dir)] + list(extra),
        cwd=ROOT, env=env, timeout=timeout, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    if check:
        assert proc.returncode == 0, proc.stdout[-4000:]
    return proc


def load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def assert_same_run(a, b):
    """Same weights and optimizer state, bit for bit."""
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    for i, state in a['optimizer']['state'].items():
        for name, value in state.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(
                b['optimizer']['state'][i][name])), (i, name)
    assert a['param_schedulers'] == b['param_schedulers']


def test_killed_run_resumes_to_the_same_weights(ade20k_root,
                                                tmp_path):
    config = write_config(tmp_path, ade20k_root, 8)
    train(config, tmp_path / 'straight', tmp_path=tmp_path)

    killed = write_config(tmp_path, ade20k_root, 8,
                          hooks="dict(type='KillAt', iteration=5)")
    proc = train(killed, tmp_path / 'killed', tmp_path=tmp_path, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stdout[-3000:]
    assert 'Iter(train) [5/8]' in proc.stdout
    assert not (tmp_path / 'killed' / 'iter_6.pth').exists()

    out = train(config, tmp_path / 'killed', '--resume',
                tmp_path=tmp_path).stdout
    assert 'iter_3.pth' in out and 'Iter(train) [4/8]' in out
    # the data loader jumped: nothing of iterations 1-3 was loaded again
    assert 'Data stream restarted at sample 12 (all processes' in out
    assert 'Advancing the data loader' not in out
    straight = load(tmp_path / 'straight' / 'iter_8.pth')
    resumed = load(tmp_path / 'killed' / 'iter_8.pth')
    assert_same_run(straight, resumed)


def test_kill_during_checkpoint_write(ade20k_root, tmp_path):
    config = write_config(tmp_path, ade20k_root, 8,
                          hooks="dict(type='KillDuringSave', iteration=6)")
    work = tmp_path / 'work'
    proc = train(config, work, tmp_path=tmp_path, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stdout[-3000:]
    names = sorted(p.name for p in work.iterdir())
    assert 'iter_6.pth' not in names  # never a half file under the name
    assert 'iter_3.pth' in names
    assert any(n.startswith('iter_6.pth.tmp') for n in names)

    resume = write_config(tmp_path, ade20k_root, 8)
    out = train(resume, work, '--resume', tmp_path=tmp_path).stdout
    assert 'Removing' in out and 'a checkpoint write that did not end' in out
    assert f'newest checkpoint of the work dir is {work}/iter_3.pth' in out
    assert 'Iter(train) [4/8]' in out and 'Iter(train) [8/8]' in out
    assert not any('.tmp' in p.name for p in work.iterdir())


def test_preemption_signal_checkpoints_and_exits_75(ade20k_root, tmp_path):
    config = write_config(tmp_path, ade20k_root, 400)
    work = tmp_path / 'work'
    env = plugin_env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config,
         '--work-dir', str(work)], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:  # signal once training is under way
        lines.append(line)
        if 'Iter(train) [  4/400]' in line:
            # as Slurm does: every process of the job, data workers too
            os.killpg(proc.pid, signal.SIGUSR1)
            break
    lines += proc.stdout.readlines()
    code = proc.wait(timeout=120)
    assert code == 75, f'exit {code}: ' + ''.join(lines)[-3000:]
    out = ''.join(lines)
    assert 'Stop requested (SIGUSR1)' in out
    newest = max(int(p.name[5:-4]) for p in work.glob('iter_*.pth'))
    assert 4 <= newest < 20  # the iteration it was at, not the last one
    assert f'saved {work}/iter_{newest}.pth' in out
    assert (work / 'last_checkpoint').read_text().endswith(
        f'iter_{newest}.pth')
    assert 'Traceback' not in out  # workers survived the signal

    again = write_config(tmp_path, ade20k_root, newest + 1)
    out = train(again, work, '--resume', tmp_path=tmp_path).stdout
    assert f'Iter(train) [{newest + 1}/{newest + 1}]' in out


def test_slurm_script_requeues_a_preempted_job(tmp_path):
    """tools/slurm_train.sh with stand-ins for srun and scontrol."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    log = tmp_path / 'calls.log'
    (bin_dir / 'srun').write_text(
        f'#!/bin/sh\necho "srun $*" >> {log}\nexit ${{FAKE_STATUS:-0}}\n')
    (bin_dir / 'scontrol').write_text(
        f'#!/bin/sh\necho "scontrol $*" >> {log}\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = dict(os.environ, PATH=f'{bin_dir}:{os.environ["PATH"]}',
               SLURM_JOB_ID='4242', FAKE_STATUS='75')
    cmd = ['bash', osp.join(ROOT, 'tools', 'slurm_train.sh'), 'gpu', 'sm',
           'configs/splitmask/vit-b_ade20k.py', 'work_dirs/x']
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    calls = log.read_text()
    assert '--signal=USR1@' in calls and '--resume' in calls
    assert 'scontrol requeue 4242' in calls
    assert proc.returncode == 75

    log.unlink()  # a run that ends normally is not requeued
    env['FAKE_STATUS'] = '0'
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and 'requeue' not in log.read_text()
    log.unlink()  # a crash is not requeued either (it would crash again)
    env['FAKE_STATUS'] = '1'
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and 'requeue' not in log.read_text()
    log.unlink()  # outside a batch job: srun again, resuming, a few times
    del env['SLURM_JOB_ID']
    env.update(FAKE_STATUS='75', MAX_REQUEUES='2')
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert proc.returncode == 75
    assert log.read_text().count('srun ') == 3
    assert 'scontrol' not in log.read_text()


def test_unreadable_images_are_skipped_named_and_counted(
        ade20k_root, tmp_path):
    images = osp.join(ade20k_root, 'images', 'training')
    with open(osp.join(images, 'zero.jpg'), 'wb'):
        pass
    with open(osp.join(images, 'not_an_image.jpg'), 'w') as f:
        f.write('<html>404</html>')
    config = write_config(tmp_path, ade20k_root, 14)
    out = train(config, tmp_path / 'work', tmp_path=tmp_path).stdout
    assert 'zero.jpg' in out and 'not_an_image.jpg' in out
    assert 'another image takes its place' in out
    # 14 x 4 draws = 2 epochs of the 28 files: each bad one drawn twice
    found = re.search(r'Skipped images: (\d+) unreadable files, replaced by '
                      r'other images (\d+) times', out)
    assert found and int(found[1]) == 2 and int(found[2]) >= 4, out[-3000:]
    assert 'Iter(train) [14/14]' in out

    fail = write_config(tmp_path, ade20k_root, 14,
                        dataset="bad_images='fail'")
    proc = train(fail, tmp_path / 'fail', tmp_path=tmp_path, check=False)
    assert proc.returncode != 0
    assert 'Could not load or transform image' in proc.stdout
    assert ("bad_images='skip' trains on without it" in proc.stdout)


def test_non_finite_step_is_skipped_when_asked(ade20k_root,
                                               tmp_path):
    config = write_config(
        tmp_path, ade20k_root, 6,
        hooks="dict(type='NaNAt', iterations=[3])", nonfinite='skip')
    out = train(config, tmp_path / 'work', tmp_path=tmp_path).stdout
    assert 'Non-finite loss_mim at iteration 3' in out
    assert 'step skipped (1 in a row, 1 so far)' in out
    assert 'Iter(train) [6/6]' in out
    state = load(tmp_path / 'work' / 'iter_6.pth')
    assert all(torch.isfinite(v).all() for v in state['state_dict'].values())
    # 5 optimizer steps in 6 iterations: AdamW's count shows the skip
    steps = {int(s['step']) for s in state['optimizer']['state'].values()}
    assert steps == {5}

    stop = write_config(tmp_path, ade20k_root, 6,
                        hooks="dict(type='NaNAt', iterations=[3])")
    proc = train(stop, tmp_path / 'stop', tmp_path=tmp_path, check=False)
    assert proc.returncode != 0
    assert 'Non-finite loss_mim at iteration 3' in proc.stdout
    assert 'stopped before the optimizer step' in proc.stdout


def test_non_finite_loss_on_one_process_skips_the_step_on_all(
        ade20k_root, tmp_path):
    """Two DDP processes (CPU, gloo); only rank 0's loss is NaN: both skip
    (else DDP's gradient all-reduce would wait forever) and stay equal."""
    config = write_config(
        tmp_path, ade20k_root, 4,
        hooks="dict(type='NaNAt', iterations=[2], rank=0)",
        nonfinite='skip')
    env = plugin_env(tmp_path)
    env.update(PYTHON=sys.executable, PORT='29541')
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), config, '2',
         '--work-dir', str(tmp_path / 'work')], cwd=ROOT, env=env,
        timeout=300, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    out = proc.stdout
    assert 'Non-finite loss_mim at iteration 2' in out  # rank 0's log
    # rank 1 (finite loss) skipped too, or its backward would have waited
    # for rank 0's gradients until the timeout
    assert 'Iter(train) [4/4]' in out
    state = load(tmp_path / 'work' / 'iter_4.pth')
    steps = {int(s['step']) for s in state['optimizer']['state'].values()}
    assert steps == {3}


def test_sampler_jumps_to_any_position(registered):
    from splitmask_mm.datasets import ResumableInfiniteSampler, SampleIndex
    import itertools
    import pickle
    data = list(range(7))
    sampler = ResumableInfiniteSampler(data, seed=5)
    stream = list(itertools.islice(iter(sampler), 30))
    assert sorted(map(int, stream[:7])) == data  # epochs are permutations
    assert list(map(int, stream[:7])) != list(map(int, stream[7:14]))
    sampler.set_start(11)
    tail = list(itertools.islice(iter(sampler), 19))
    assert [(int(i), i.seed) for i in tail] == \
        [(int(i), i.seed) for i in stream[11:]]
    # the seed travels with the index to a worker process
    copy = pickle.loads(pickle.dumps(stream[3]))
    assert isinstance(copy, SampleIndex) and copy.seed == stream[3].seed
    assert len({i.seed for i in stream}) == 30


def test_sampler_resumed_on_other_process_counts_goes_on(registered):
    """Trained on 2 processes up to global sample 10, resumed on 3: the
    3 ranks together go on with global samples 10, 11, 12, ..."""
    from splitmask_mm.datasets import ResumableInfiniteSampler
    import itertools

    def shard(rank, world, start, count):
        sampler = ResumableInfiniteSampler(list(range(7)), seed=5)
        sampler.rank, sampler.world_size = rank, world
        sampler.set_start(start)
        return [(int(i), i.seed)
                for i in itertools.islice(iter(sampler), count)]

    single = shard(0, 1, 0, 22)
    trained = shard(0, 2, 0, 5) + shard(1, 2, 0, 5)
    assert sorted(trained) == sorted(single[:10])
    resumed = [x for step in zip(*(shard(r, 3, 10, 4) for r in range(3)))
               for x in step]
    assert resumed == single[10:22]
