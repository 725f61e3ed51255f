# Copyright (c) splitmask_mm authors. All rights reserved.
"""Train a model from a config, as mmpretrain's tools/train.py does.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

Also runs distributed on CPU (gloo), which mmengine's launcher cannot.
"""
import argparse
import os
import os.path as osp

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from splitmask_mm.engine import setup_cpu_distributed
from splitmask_mm.engine.optim import amp_wrapper_type
from splitmask_mm._noise import quiet_runner_logger
from splitmask_mm._scope import resolve_scope
from splitmask_mm.stack import require_stack_for


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; without a value, from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision training: AmpOptimWrapper on a GPU, bf16 '
        '(BF16OptimWrapper) on a CPU with bf16 instructions')
    parser.add_argument(
        '--tensorboard',
        action='store_true',
        help='also log scalars to TensorBoard (WORK_DIR/<time>/vis_data)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual total batch size')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value, e.g. '
        'train_dataloader.batch_size=64')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        wrapper = amp_wrapper_type()
        if wrapper is None:
            raise SystemExit(
                '--amp needs a GPU, or a CPU with bf16 instructions '
                '(AVX512-BF16 or AMX); this one has neither: train in fp32.')
        # mmengine's AmpOptimWrapper is GPU-only; on a CPU with bf16
        # instructions, BF16OptimWrapper (the README gives the speed-up)
        cfg.optim_wrapper.type = wrapper
        if wrapper == 'AmpOptimWrapper':
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True

    if args.tensorboard:
        backends = cfg.visualizer.setdefault('vis_backends', [])
        if not any(b['type'] == 'TensorboardVisBackend' for b in backends):
            backends.append(dict(type='TensorboardVisBackend'))

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    require_stack_for(args.config)
    cfg = Config.fromfile(args.config)
    resolve_scope(cfg)  # `splitmask_mm::` bases: see splitmask_mm/_scope.py
    cfg = merge_args(cfg, args)
    setup_cpu_distributed(cfg)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    quiet_runner_logger(runner.logger)
    runner.train()


if __name__ == '__main__':
    main()
