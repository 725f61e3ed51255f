# Copyright (c) splitmask_mm authors. All rights reserved.
"""Evaluate a fine-tuned model, as mmseg/mmdet/mmpretrain's tools/test.py.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--metrics-json FILE] [--cfg-options k=v ...] [--launcher ...]
"""
import argparse
import json
import os
import os.path as osp

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from splitmask_mm.engine import (safe_training_checkpoints,
                                 setup_cpu_distributed)
from splitmask_mm._noise import quiet_runner_logger
from splitmask_mm._scope import resolve_scope
from splitmask_mm.stack import require_stack_for


def main():
    parser = argparse.ArgumentParser(description='Evaluate a model')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--work-dir')
    parser.add_argument('--metrics-json', help='write the metrics here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))

    require_stack_for(args.config)
    cfg = Config.fromfile(args.config)
    resolve_scope(cfg)  # `splitmask_mm::` bases: see splitmask_mm/_scope.py
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    # the fine-tuned checkpoint holds every weight: no pre-trained init
    cfg.model.get('backbone', {}).pop('init_cfg', None)
    cfg.load_from = args.checkpoint
    setup_cpu_distributed(cfg)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    quiet_runner_logger(runner.logger)
    # CHECKPOINT is an mmengine training checkpoint, perhaps downloaded:
    # torch's safe loader reads it, its pickled logging objects made inert
    with safe_training_checkpoints():
        metrics = runner.test()
    if args.metrics_json and runner.rank == 0:
        with open(args.metrics_json, 'w') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
        print(f'[test] metrics written to {args.metrics_json}')


if __name__ == '__main__':
    main()
