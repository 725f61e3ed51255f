# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pre-train -> convert -> fine-tune -> evaluate, in one command.

    python tools/chain.py CHAIN_CONFIG [--gpus N]      (tools/dist_chain.sh)

A chain config names the stages (see configs/chains/). Each stage runs
only if its output is missing, so an interrupted chain started again picks
up where it stopped: a training stage that had written checkpoints resumes
from the last one (``--resume``). Stages:

1. ``vocabulary``: the pre-training config's patch vocabulary, if missing;
2. ``pretrain``: tools/dist_train.sh (or train.py for --gpus 0/1);
3. ``convert``: the last pre-training checkpoint -> backbone weights;
4. ``finetune``: the fine-tuning config, its backbone initialised from them;
5. ``evaluate``: tools/test.py on the last fine-tuning checkpoint; the
   chain ends by printing the metric.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(ROOT, 'tools')


def log(msg: str) -> None:
    print(f'[chain] {msg}', flush=True)


def run(cmd: list) -> None:
    log(' '.join(cmd))
    subprocess.run(cmd, check=True)


def options(values: dict) -> list:
    return [f'{k}={v}' for k, v in values.items()]


def train_cmd(config: str, gpus: int, work_dir: str, cfg_options: dict):
    resume = ['--resume'] if osp.isfile(
        osp.join(work_dir, 'last_checkpoint')) else []
    if gpus > 1:
        head = ['bash', osp.join(TOOLS, 'dist_train.sh'), config, str(gpus)]
    else:
        head = [sys.executable, osp.join(TOOLS, 'train.py'), config]
    return head + ['--work-dir', work_dir] + resume + (
        ['--cfg-options'] + options(cfg_options) if cfg_options else [])


def last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def stage(name: str, done: str, action) -> None:
    """Run ``action`` unless the file ``done`` exists."""
    if osp.exists(done):
        log(f'{name}: done ({done}), skipped')
        return
    start = time.time()
    log(f'{name}: running')
    action()
    log(f'{name}: finished in {(time.time() - start) / 60:.1f} min')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('chain', help='chain config (configs/chains/*.py)')
    parser.add_argument('--gpus', type=int, default=1,
                        help='processes per training stage')
    args = parser.parse_args()
    chain = Config.fromfile(args.chain)
    work = chain.work_dir
    os.makedirs(work, exist_ok=True)
    pre_dir = osp.join(work, 'pretrain')
    ft_dir = osp.join(work, 'finetune')
    backbone = osp.join(work, 'backbone.pth')
    metrics_file = osp.join(work, 'metrics.json')
    pre = chain.pretrain
    ft = chain.finetune
    pre_options = dict(pre.get('cfg_options', {}))
    pre_cfg = Config.fromfile(pre.config)
    pre_cfg.merge_from_dict(pre_options)

    target = pre_cfg.model.get('target_generator', {})
    if target.get('type') == 'PatchVocabularyTokenizer':
        vocab = target['vocabulary']
        stage('vocabulary', vocab, lambda: run([
            sys.executable, osp.join(TOOLS, 'build_vocabulary.py'),
            pre.config, '--out', vocab
        ] + list(chain.get('vocabulary_args', [])) + (
            ['--cfg-options'] + options(pre_options) if pre_options else [])))

    def pretrain():
        run(train_cmd(pre.config, args.gpus, pre_dir, pre_options))
        open(osp.join(pre_dir, 'DONE'), 'w').close()

    stage('pretrain', osp.join(pre_dir, 'DONE'), pretrain)

    convert_args = ['--img-size', str(chain.convert['img_size'])] \
        if chain.get('convert', {}).get('img_size') else []
    stage('convert', backbone, lambda: run([
        sys.executable, osp.join(TOOLS, 'convert_checkpoint.py'),
        last_checkpoint(pre_dir), backbone] + convert_args))

    ft_options = dict(ft.get('cfg_options', {}))
    ft_options['model.backbone.init_cfg.checkpoint'] = backbone

    def finetune():
        run(train_cmd(ft.config, args.gpus, ft_dir, ft_options))
        open(osp.join(ft_dir, 'DONE'), 'w').close()

    stage('finetune', osp.join(ft_dir, 'DONE'), finetune)

    test_options = {k: v for k, v in ft_options.items()
                    if not k.startswith('model.backbone.init_cfg')}
    stage('evaluate', metrics_file, lambda: run([
        sys.executable, osp.join(TOOLS, 'test.py'), ft.config,
        last_checkpoint(ft_dir), '--work-dir', osp.join(work, 'test'),
        '--metrics-json', metrics_file
    ] + (['--cfg-options'] + options(test_options) if test_options else [])))

    with open(metrics_file) as f:
        metrics = json.load(f)
    key = chain.metric
    value = next((v for k, v in metrics.items() if k.endswith(key)), None)
    log(f'final {key}: {value} (all metrics: {metrics_file})')


if __name__ == '__main__':
    main()
