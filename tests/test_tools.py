# Copyright (c) splitmask_mm authors. All rights reserved.
"""tools/visualize_split.py, tools/plot_logs.py, tools/benchmark.py,
train.py --tensorboard."""
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from helpers import DEMO_CONFIG, ROOT, load_tool, python_env, write_images


def run(cmd):
    proc = subprocess.run(cmd, cwd=ROOT, env=python_env(), timeout=300,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


def test_visualize_split_draws_both_halves_and_their_inpainting(
        pretrained, tmp_path):
    images = write_images(str(tmp_path / 'in'), 1, size=(150, 200))
    grey = str(tmp_path / 'in' / 'grey.png')
    cv2.imwrite(grey, cv2.imread(images[0], cv2.IMREAD_GRAYSCALE))
    out = run([
        sys.executable, osp.join(ROOT, 'tools', 'visualize_split.py'),
        DEMO_CONFIG, pretrained, images[0], grey, '--out',
        str(tmp_path / 'vis')
    ])
    assert 'wrote 2 picture(s)' in out
    for name in ('img_0000_split.png', 'grey_split.png'):
        sheet = cv2.imread(str(tmp_path / 'vis' / name))
        assert sheet.shape == (96 + 20, 5 * 96, 3)
        panels = [sheet[20:, i * 96:(i + 1) * 96].astype(int)
                  for i in range(5)]
        image, subset_a, subset_b, b_from_a, a_from_b = panels
        cells = [(y, x) for y in range(0, 96, 16) for x in range(0, 96, 16)]

        def same(a, b, y, x):
            return np.abs(a[y:y + 16, x:x + 16] -
                          b[y:y + 16, x:x + 16]).max() <= 1
        in_a = [c for c in cells if same(subset_a, image, *c)]
        in_b = [c for c in cells if same(subset_b, image, *c)]
        # the two subsets split the 36 cells in halves, disjointly
        assert len(in_a) == len(in_b) == 18 and not set(in_a) & set(in_b)
        # each inpainting keeps its own half as it is
        assert all(same(b_from_a, image, *c) for c in in_a)
        assert all(same(a_from_b, image, *c) for c in in_b)


def test_plot_logs_plots_a_real_run(pretrained, tmp_path):
    import shutil
    work_dir = osp.dirname(pretrained)
    second = str(tmp_path / 'second_run')  # a copy stands for another run
    shutil.copytree(work_dir, second,
                    ignore=shutil.ignore_patterns('*.pth'))
    out = run([
        sys.executable, osp.join(ROOT, 'tools', 'plot_logs.py'), work_dir,
        second, '--keys', 'loss', 'loss_mim', 'loss_match', '--out',
        str(tmp_path / 'curves.png')
    ])
    # two runs of 3 logged iterations each
    assert "{'loss': 6, 'loss_mim': 6, 'loss_match': 6}" in out
    png = cv2.imread(str(tmp_path / 'curves.png'))
    assert png is not None and png.shape[1] > png.shape[0]


def test_tensorboard_switch_adds_the_backend():
    train = load_tool('train')
    from mmengine.config import Config
    sys.argv = ['train.py', DEMO_CONFIG, '--tensorboard']
    cfg = train.merge_args(Config.fromfile(DEMO_CONFIG), train.parse_args())
    types = [b['type'] for b in cfg.visualizer.vis_backends]
    assert types == ['LocalVisBackend', 'TensorboardVisBackend']


def test_live_tensor_peak_counts_what_is_alive():
    import gc

    import torch
    peak = load_tool('benchmark').LiveTensorPeak
    weight = torch.zeros(256, 1024)  # 1 MiB, alive before the block
    with peak(weight) as mem:
        a = torch.ones(1024, 1024)  # 4 MiB
        b = a * 2
        assert mem.now == 9 * 2**20 and mem.peak == 9 * 2**20
        del a
        gc.collect()
        assert mem.now == 5 * 2**20
        view = b[:10]  # a view keeps its storage alive, counted once
        del b
        gc.collect()
        assert mem.now == 5 * 2**20
        del view
        gc.collect()
        assert mem.now == 2**20
        # autograd: backward's temporaries count while they live
        x = torch.randn(512, 512, requires_grad=True)  # 1 MiB
        (x @ x).sum().backward()
        assert mem.now == 3 * 2**20  # weight, x, x.grad
        assert mem.peak >= 4 * 2**20  # x @ x was alive too
    assert mem.peak == 9 * 2**20


def test_benchmark_reports_every_figure(tmp_path):
    out = run([
        sys.executable, osp.join(ROOT, 'tools', 'benchmark.py'), '--arch',
        's', '--batch', '2', '--iters', '1', '--methods', 'splitmask,mae',
        '--pipeline-images', '3', '--json', str(tmp_path / 'b.json')
    ])
    import json
    result = json.loads((tmp_path / 'b.json').read_text())
    assert set(result['methods']) == {'splitmask', 'mae'}
    for figures in result['methods'].values():
        assert figures['step_s'] > 0 and figures['img_per_s'] > 0
        # tensors alone: at least weights, gradients and AdamW state
        params = figures['params_m'] * 1e6 * 4 / 2**20
        assert figures['peak_tensor_mb'] > 4 * params
        assert figures['peak_mem_mb'] > figures['peak_tensor_mb']
        assert figures['flops_per_step'] > 0 and figures['tflops_per_s'] > 0
    parts = result['methods']['splitmask']['breakdown_s']
    assert {'backbone', 'neck', 'target_generator', 'backward'} <= set(parts)
    assert result['pipeline_img_per_s_per_worker'] > 0
    assert 'splitmask breakdown' in out and 'workers)' in out


def test_tools_start_quietly_without_mmcvs_compiled_ops(tmp_path):
    """The default install (mmcv-lite) has no compiled ops, and mmcv says
    so on import; the filter for that (and mmengine's pkg_resources
    notice) lives in one place, splitmask_mm/_noise.py, which every tool
    imports before the stack. Simulated here by hiding mmcv.ops."""
    (tmp_path / 'sitecustomize.py').write_text(
        'import sys\n'
        'class HideCompiledOps:\n'
        '    def find_spec(self, name, path=None, target=None):\n'
        "        if name.startswith('mmcv.ops'):\n"
        "            raise ImportError('hidden by the test: mmcv-lite')\n"
        'sys.meta_path.insert(0, HideCompiledOps())\n')
    env = python_env()
    env['PYTHONPATH'] = str(tmp_path) + os.pathsep + env['PYTHONPATH']
    noise = 'Fail to import ``MultiScaleDeformableAttention``'
    # the check sees the warning where nothing filters it
    proc = subprocess.run(
        [sys.executable, '-c', 'import mmpretrain.models'], env=env,
        timeout=300, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    assert noise in proc.stderr, proc.stderr[-2000:]
    for tool in ('train.py', 'test.py', 'convert_checkpoint.py'):
        proc = subprocess.run(
            [sys.executable, osp.join(ROOT, 'tools', tool), '--help'],
            cwd=ROOT, env=env, timeout=300, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.returncode == 0 and 'usage:' in proc.stdout, \
            proc.stderr[-3000:]
        assert noise not in proc.stderr, (tool, proc.stderr[-2000:])
        assert 'pkg_resources is deprecated' not in proc.stderr


def test_diagnose_backbone_measures_every_block(pretrained, tmp_path):
    import json
    import math
    backbone = tmp_path / 'bb.pth'
    subprocess.run([sys.executable, osp.join(ROOT, 'tools',
                                             'convert_checkpoint.py'),
                    pretrained, str(backbone)], check=True, env=python_env(),
                   stdout=subprocess.DEVNULL, timeout=300)
    images = tmp_path / 'imgs'
    write_images(str(images), 6)
    out = tmp_path / 'diag.json'
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'diagnose_backbone.py'),
        f'demo={backbone}', '--random', 'random', '--images', str(images),
        '--img-size', '96', '--patch-size', '16', '--json', str(out)
    ], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    results = json.loads(out.read_text())['results']
    assert set(results) == {'random', 'demo'}
    tokens = 36 + 1  # 6x6 patches and the class token
    for name, rows in results.items():
        assert [r['block'] for r in rows] == [0, 1, 2, 3]
        for r in rows:
            assert 0 <= r['attn_entropy'] <= math.log(tokens) + 1e-4
            assert 1 <= r['eff_rank'] <= 192
            assert -1 <= r['token_cos'] <= 1
    # the reference is the random initialisation itself; a trained
    # backbone's weights differ from it
    assert all(r['weight_norm_ratio'] == 1 for r in results['random'])
    assert any(r['weight_norm_ratio'] != 1 for r in results['demo'])
    assert '| demo | 3 |' in proc.stdout
