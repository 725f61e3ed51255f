# Copyright (c) splitmask_mm authors. All rights reserved.
"""The prepared GPU check runs end to end on CPU (--device cpu --quick),
so it is known to work before a GPU is lent."""
import json
import os.path as osp
import subprocess
import sys

from helpers import ROOT, python_env


def test_device_check_runs_every_part_on_cpu(tmp_path):
    out = tmp_path / 'report'
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'device_check.py'),
         '--out', str(out), '--device', 'cpu', '--quick', '--budget-s',
         '900'], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-4000:]
    report = json.loads((out / 'device_check.json').read_text())
    parts = report['parts']
    assert set(parts) == {'env', 'bench', 'compile', 'train', 'dist',
                          'finetune'}
    failed = {k: v.get('error', '')[-800:] for k, v in parts.items()
              if v['status'] != 'ok'}
    assert not failed, failed
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
