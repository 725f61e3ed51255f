# Copyright (c) splitmask_mm authors. All rights reserved.
"""The prepared GPU check runs end to end on CPU (--device cpu --quick),
so it is known to work before a GPU is lent."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from helpers import ROOT, python_env


def device_check(out, parts=None) -> dict:
    """Run the check on the CPU (--quick); every part asked for is ok."""
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'device_check.py'),
         '--out', str(out), '--device', 'cpu', '--quick', '--budget-s',
         '900'] + (['--parts', ','.join(parts)] if parts else []),
        cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-4000:]
    report = json.loads((out / 'device_check.json').read_text())
    parts_run = report['parts']
    assert set(parts_run) == set(parts or {'env', 'bench', 'compile',
                                           'train', 'dist', 'finetune'})
    failed = {k: v.get('error', '')[-800:] for k, v in parts_run.items()
              if v['status'] != 'ok'}
    assert not failed, failed
    return parts_run


def test_device_check_trains_and_resumes_on_cpu(tmp_path):
    """The default run's share: the environment and the pre-emption and
    resume part (the check's own logic); the benchmark, compile,
    torchrun and fine-tuning parts wrap tools the other tests run."""
    parts = device_check(tmp_path / 'report', ['env', 'train'])
    assert parts['env']['result']['bf16_matmul_tflops'] > 0
    train = parts['train']['result']
    assert train['losses_finite'] and train['checkpoint']
    assert train['preempted_exit_code'] == 75  # PreemptionHook's exit
    assert train['resumed_equals_uninterrupted'], train


@pytest.mark.slow
def test_device_check_runs_every_part_on_cpu(tmp_path):
    out = tmp_path / 'report'
    parts = device_check(out)
    env = parts['env']['result']
    assert env['torch'] and env['bf16_matmul_tflops'] > 0
    bench = parts['bench']['result']['methods']
    assert bench['splitmask']['step_s'] > 0
    assert bench['splitmask']['flops_per_step'] > 0
    assert 0 < bench['splitmask']['ratio_to_beit'] < 10
    # compiled as compile=True trains, the same FLOPs counted
    compiled = parts['compile']['result']['methods']
    assert compiled['splitmask']['step_s'] > 0
    assert compiled['splitmask']['flops_per_step'] == \
        bench['splitmask']['flops_per_step']
    train = parts['train']['result']
    assert train['losses_finite'] and train['checkpoint']
    assert train['preempted_exit_code'] == 75  # PreemptionHook's exit
    # deterministic resume after the pre-emption signal: the same weights
    assert train['resumed_equals_uninterrupted'], train
    assert parts['dist']['result']['distributed']
    assert parts['dist']['result']['backend'] == 'gloo'  # no GPU here
    finetune = parts['finetune']['result']
    # this machine has the compiled mmcv (CPU ops): both configs ran
    assert finetune['upernet']['ok'] and finetune['maskrcnn']['ok'], finetune
    text = (out / 'device_check.txt').read_text()
    assert 'resumed == uninterrupted: True' in text
