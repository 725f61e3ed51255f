# Copyright (c) splitmask_mm authors. All rights reserved.
"""``splitmask_mm::`` config bases, and a wheel that carries the configs,
the tools and the model index (OpenMMLab's ``.mim`` layout)."""
import glob
import os
import os.path as osp
import subprocess
import sys
import zipfile

from helpers import ROOT, make_ade20k, python_env


def test_a_config_anywhere_inherits_ours_and_trains(tmp_path):
    data_root = make_ade20k(str(tmp_path), count=6)
    folder = tmp_path / 'my_project'
    folder.mkdir()
    config = folder / 'my_splitmask.py'
    config.write_text(f'''
_base_ = ['splitmask_mm::splitmask/vit-tiny_demo.py']
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, data_prefix='images/training'))
train_cfg = dict(max_iters=2)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2))
''')
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'), str(config),
        '--work-dir', str(tmp_path / 'work')
    ], cwd=str(folder), env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'Iter(train) [2/2]' in proc.stdout
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()


def test_a_downstream_config_inherited_by_scope_builds_in_mmseg(tmp_path):
    """Our UperNet config by scope: its unprefixed types (EncoderDecoder,
    mmseg's transforms) are built from mmseg's registries, as the config
    declares, not from the scope mmengine gives package bases."""
    data_root = make_ade20k(str(tmp_path), count=6, val_count=2)
    config = tmp_path / 'my_seg.py'
    config.write_text(f'''
_base_ = ['splitmask_mm::downstream/upernet_vit-tiny_demo.py']
model = dict(backbone=dict(init_cfg=dict(
    _delete_=True, type='TruncNormal', layer='Linear', std=0.02)))
data = dict(data_root={data_root!r})
train_dataloader = dict(batch_size=2, num_workers=0,
                        persistent_workers=False, dataset=data)
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=data)
test_dataloader = val_dataloader
train_cfg = dict(max_iters=2, val_interval=2)
param_scheduler = [dict(type='LinearLR', start_factor=1e-3, by_epoch=False,
                        begin=0, end=2)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
''')
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'), str(config),
        '--work-dir', str(tmp_path / 'work')
    ], cwd=str(tmp_path), env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'Iter(train) [2/2]' in proc.stdout and 'mIoU' in proc.stdout


def build_wheel(tmp_path) -> str:
    out = tmp_path / 'wheel'
    proc = subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
        '--no-build-isolation', ROOT, '-w', str(out)
    ], env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    wheels = glob.glob(str(out / 'splitmask_mm-*.whl'))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_carries_configs_tools_and_model_index(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    mim = 'splitmask_mm/.mim/'
    configs = {osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)}
    tools = {osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'tools', '*')) if p.endswith(('.py', '.sh'))}
    assert configs and tools
    missing = {p for p in configs | tools | {
        'model-index.yml', 'configs/splitmask/metafile.yml'}
        if mim + p not in names}
    assert not missing, sorted(missing)[:10]
    # files, not links: the wheel works where the repository is not
    target = tmp_path / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
                    '--target', str(target), wheel], check=True,
                   env=python_env(), timeout=600)
    assert not osp.islink(target / 'splitmask_mm' / '.mim' / 'configs')
    # the installed copy resolves `splitmask_mm::` to its own files
    config = tmp_path / 'user.py'
    config.write_text("_base_ = ['splitmask_mm::splitmask/vit-b_coco.py']\n")
    env = python_env()
    env['PYTHONPATH'] = str(target) + os.pathsep + env['PYTHONPATH']
    proc = subprocess.run([sys.executable, '-c', (
        'import splitmask_mm; from mmengine.config import Config; '
        f'cfg = Config.fromfile({str(config)!r}); '
        'print("FROM", splitmask_mm.__file__); '
        'print("ROOT", cfg.train_dataloader.dataset.data_root)')],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f'FROM {target}' in proc.stdout
    assert 'ROOT data/coco/' in proc.stdout
