# Copyright (c) splitmask_mm authors. All rights reserved.
"""A measured study through the real chain: pre-training arms x downstream
tasks, on data made on the spot, ending in a results table.

    python tools/study.py configs/study/digit_scenes.py [--quick]
        [--work-dir DIR] [--only ARM ...]

For every arm and seed: pre-training (tools/train.py on the arm's config,
or nothing for random initialisation), conversion (tools/convert_checkpoint
.py, strict), then each downstream task fine-tuned (tools/train.py, the
backbone loaded with StrictPretrained) and evaluated (tools/test.py). Every
stage's training log goes to its own file under the work dir; finished
stages are skipped when the study runs again (an interrupted one resumes),
and their measured times are kept. The end: a markdown table (arm x metric,
mean and range over the seeds, minutes per stage) printed and written to
WORK_DIR/results.md, and every number in WORK_DIR/results.json.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from splitmask_mm import chain  # noqa: E402
from splitmask_mm.digit_scenes import (read_record, same_params,  # noqa: E402
                                       write_digit_scenes)
from splitmask_mm.stack import require_stack_for  # noqa: E402

# A randomly initialised backbone: the initialisation every arm's
# pre-training starts from (mmpretrain's ViT adds trunc-normal positions).
RANDOM_INIT = [
    dict(type='TruncNormal', std=0.02, layer='Linear'),
    dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0),
]


def log(msg: str) -> None:
    chain.log(msg, 'study')


def nested(options: Dict) -> Dict:
    """``{'a.b': 1}`` -> ``{'a': {'b': 1}}``."""
    out: Dict = {}
    for key, value in options.items():
        node = out
        *parents, leaf = key.split('.')
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _scale_point(point: int, old: int, iters: int) -> int:
    """A schedule boundary moved from a run of ``old`` iterations to one of
    ``iters``: the start and the end stay where they are, every boundary in
    between stays strictly inside (a warm-up never shrinks to zero length,
    which mmengine's schedulers refuse, however short the run)."""
    if point <= 0:
        return 0
    if point >= old:  # the end (or beyond it): the new run's end
        return iters
    return min(max(round(point * iters / old), 1), max(iters - 1, 1))


def scaled_schedule(cfg: Config, iters: int) -> List[Dict]:
    """The config's iteration-based lr schedule stretched to ``iters``."""
    old = cfg.train_cfg.max_iters
    schedule = []
    for s in cfg.param_scheduler:
        s = dict(s)
        for key in ('begin', 'end'):
            if key in s:
                s[key] = _scale_point(s[key], old, iters)
        if 'milestones' in s:
            s['milestones'] = [round(m * iters / old) for m in s['milestones']]
        schedule.append(s)
    return schedule


def write_config(path: str, base: str, **overrides) -> str:
    """A config file that inherits ``base`` and overrides top-level keys."""
    lines = ['# Written by tools/study.py: the study\'s settings on top of',
             f'# {osp.relpath(base, ROOT)}.',
             f'_base_ = [{osp.abspath(base)!r}]']
    lines += [f'{k} = {v!r}' for k, v in overrides.items()]
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def pretrain_config(run: str, arm: Dict, seed: int, study: Config,
                    data_root: str, vocabulary: Optional[str]) -> str:
    base = osp.join(ROOT, arm['config'])
    cfg = Config.fromfile(base)
    # an arm may pre-train longer or shorter than the study's default
    iters = arm.get('pretrain_iters', study.pretrain_iters)
    model = nested(arm.get('options', {})).get('model', {})
    if vocabulary:
        model.setdefault('target_generator', {})['vocabulary'] = vocabulary
    overrides = dict(
        train_dataloader=dict(dataset=dict(data_root=data_root)),
        randomness=dict(seed=seed, diff_rank_seed=True),
        train_cfg=dict(max_iters=iters),
        param_scheduler=scaled_schedule(cfg, iters),
        default_hooks=dict(checkpoint=dict(interval=iters),
                           logger=dict(interval=max(1, iters // 20))))
    if model:
        overrides['model'] = model
    return write_config(osp.join(run, 'pretrain_config.py'), base,
                        **overrides)


def finetune_config(run: str, task: str, study: Config, data_root: str,
                    backbone: Optional[str], seed: int) -> str:
    base = osp.join(ROOT, study.downstream[task]['config'])
    cfg = Config.fromfile(base)
    iters = study.downstream[task]['iters']
    data = dict(dataset=dict(data_root=data_root))
    init = dict(checkpoint=backbone) if backbone else RANDOM_INIT
    overrides = dict(
        train_dataloader=data, val_dataloader=data, test_dataloader=data,
        model=dict(backbone=dict(init_cfg=init)),
        randomness=dict(seed=seed),
        train_cfg=dict(max_iters=iters, val_interval=iters),
        param_scheduler=scaled_schedule(cfg, iters),
        default_hooks=dict(checkpoint=dict(interval=iters),
                           logger=dict(interval=max(1, iters // 10))))
    if 'ann_file' in cfg.get('val_evaluator', {}):
        evaluator = dict(ann_file=osp.join(
            data_root, 'annotations', 'instances_val2017.json'))
        overrides.update(val_evaluator=evaluator, test_evaluator=evaluator)
    return write_config(osp.join(run, f'{task}_config.py'), base,
                        **overrides)


class Timer:
    """Minutes per stage, kept in a file so skipped stages keep theirs."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.times = json.load(open(path)) if osp.isfile(path) else {}

    def run(self, name: str, done: str, action, recipe: Dict) -> None:
        minutes = chain.stage(name, done, action, prefix='study',
                              recipe=recipe)
        if minutes:
            self.times[name] = round(minutes, 2)
            with open(self.path, 'w') as f:
                json.dump(self.times, f)


def run_arm(arm: Dict, seed: int, study: Config, data_root: str,
            vocabulary: Optional[str], work: str) -> Dict:
    run = osp.join(work, arm['key'], f'seed{seed}')
    os.makedirs(run, exist_ok=True)
    timer = Timer(osp.join(run, 'minutes.json'))
    backbone = None
    if arm.get('config'):
        pre_dir = osp.join(run, 'pretrain')
        config = pretrain_config(run, arm, seed, study, data_root,
                                 vocabulary if arm.get('vocabulary') else None)
        timer.run(f'{arm["key"]} seed {seed}: pre-training',
                  osp.join(pre_dir, 'DONE'), lambda: chain.train(
                      config, pre_dir, {}, log_file=osp.join(
                          run, 'pretrain.log'), prefix='study'),
                  chain.config_recipe(config))
        backbone = osp.join(run, 'backbone.pth')
        timer.run(f'{arm["key"]} seed {seed}: conversion', backbone,
                  lambda: chain.convert(
                      chain.last_checkpoint(pre_dir), backbone,
                      log_file=osp.join(run, 'convert.log'), prefix='study'),
                  dict(checkpoint=osp.basename(
                      chain.last_checkpoint(pre_dir))))
    for task in study.downstream:
        ft_dir = osp.join(run, task)
        config = finetune_config(run, task, study, data_root, backbone, seed)
        recipe = chain.config_recipe(config)
        timer.run(f'{arm["key"]} seed {seed}: {task} fine-tuning',
                  osp.join(ft_dir, 'DONE'), lambda: chain.train(
                      config, ft_dir, {}, log_file=osp.join(
                          run, f'{task}.log'), prefix='study'),
                  recipe)
        metrics_file = osp.join(run, f'{task}_metrics.json')
        timer.run(f'{arm["key"]} seed {seed}: {task} evaluation',
                  metrics_file, lambda: chain.evaluate(
                      config, chain.last_checkpoint(ft_dir),
                      osp.join(ft_dir, 'test'), metrics_file, {},
                      log_file=osp.join(run, f'{task}_test.log'),
                      prefix='study'),
                  dict(recipe, checkpoint=osp.basename(
                      chain.last_checkpoint(ft_dir))))
    return collect(arm, seed, study, work)


def collect(arm: Dict, seed: int, study: Config, work: str
            ) -> Optional[Dict]:
    """The metrics and minutes of a finished run, or None."""
    run = osp.join(work, arm['key'], f'seed{seed}')
    metrics = {}
    for task, spec in study.downstream.items():
        metrics_file = osp.join(run, f'{task}_metrics.json')
        if not osp.isfile(metrics_file):
            return None
        found = chain.read_metrics(metrics_file)
        for key in spec['metrics']:
            metrics[key] = chain.metric(found, key)
    minutes_file = osp.join(run, 'minutes.json')
    minutes = json.load(open(minutes_file)) if osp.isfile(minutes_file) \
        else {}
    return dict(metrics=metrics, minutes=minutes)


def summary(values: List[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return 'n/a'
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f'{mean:.2f}'
    return f'{mean:.2f} ({min(values):.2f}-{max(values):.2f})'


def table(study: Config, results: Dict) -> str:
    metric_names = [m for task in study.downstream.values()
                    for m in task['metrics']]
    header = ['arm', 'seeds'] + [
        f'{m} (%)' if 'mAP' in m else m for m in metric_names] + [
        'min pre-train', 'min fine-tune + eval']
    rows = ['| ' + ' | '.join(header) + ' |',
            '|' + '---|' * len(header)]
    for arm in study.arms:
        runs = results.get(arm['key'], {})
        if not runs:
            continue
        cells = [arm['name'], str(len(runs))]
        for name in metric_names:
            # mmdet's COCO AP is a fraction, mmseg's mIoU a percentage:
            # both in percent in the table
            scale = 100 if 'mAP' in name else 1
            cells.append(summary([r['metrics'][name] * scale
                                  if r['metrics'][name] is not None else None
                                  for r in runs.values()]))
        pre = [sum(v for k, v in r['minutes'].items() if 'pre-training' in k
                   or 'conversion' in k) for r in runs.values()]
        ft = [sum(v for k, v in r['minutes'].items() if 'fine-tuning' in k
                  or 'evaluation' in k) for r in runs.values()]
        cells += [f'{sum(pre) / len(pre):.1f}' if any(pre) else '-',
                  f'{sum(ft) / len(ft):.1f}']
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='study config (configs/study/*.py)')
    parser.add_argument('--quick', action='store_true',
                        help="the config's reduced version (quick=...)")
    parser.add_argument('--work-dir', help='overrides the config\'s')
    parser.add_argument('--only', nargs='+', metavar='ARM',
                        help='run only these arms (their keys; also the '
                        'extra arms, which a plain run leaves out)')
    args = parser.parse_args()
    study = Config.fromfile(args.config)
    if args.quick:
        quick = dict(study.quick)
        keep = quick.pop('arms', None)
        study.merge_from_dict(quick)
        if keep:
            study.arms = [a for a in study.arms if a['key'] in keep]
    all_arms = list(study.arms)
    if args.only:
        study.arms = [a for a in study.arms if a['key'] in args.only]
    else:  # extra arms run only when --only names them
        study.arms = [a for a in study.arms if not a.get('extra')]
    for task in study.downstream.values():
        require_stack_for(osp.join(ROOT, task['config']))
    work = osp.abspath(args.work_dir or study.work_dir)
    os.makedirs(work, exist_ok=True)
    start = time.time()

    # 1. data
    data_root = osp.join(work, 'data')
    if same_params(read_record(data_root), **study.data):
        log(f'data: done ({data_root}), skipped')
    else:
        log('data: writing digit scenes')
        write_digit_scenes(data_root, log=log, **study.data)
    data_root += '/'

    # 2. the k-means vocabulary, once for the arms that use it
    vocabulary = None
    needs = [a for a in study.arms if a.get('vocabulary')]
    if needs:
        vocabulary = osp.join(work, 'vocabulary_kmeans.pth')
        chain.stage('k-means vocabulary', vocabulary,
                    lambda: chain.build_vocabulary(
                        osp.join(ROOT, needs[0]['config']), vocabulary,
                        {'train_dataloader.dataset.data_root': data_root},
                        study.get('vocabulary_args', []),
                        log_file=osp.join(work, 'vocabulary.log'),
                        prefix='study'), prefix='study',
                    recipe=chain.config_recipe(
                        osp.join(ROOT, needs[0]['config']),
                        {'train_dataloader.dataset.data_root': data_root},
                        args=list(study.get('vocabulary_args', []))))

    # 3. every arm and seed
    runs = [(arm, seed) for arm in study.arms for seed in arm['seeds']]
    for i, (arm, seed) in enumerate(runs, 1):
        log(f'({i}/{len(runs)}) {arm["name"]}, seed {seed} '
            f'[{(time.time() - start) / 60:.1f} min so far]')
        run_arm(arm, seed, study, data_root, vocabulary, work)

    # the table: every arm of the config whose runs are all finished in
    # this work dir (arms of earlier --only runs included)
    study.arms = all_arms
    results: Dict[str, Dict] = {}
    for arm in all_arms:
        runs = {str(seed): collect(arm, seed, study, work)
                for seed in arm['seeds']}
        if all(runs.values()):
            results[arm['key']] = runs
    text = table(study, results)
    minutes = (time.time() - start) / 60
    with open(osp.join(work, 'results.md'), 'w') as f:
        f.write(text + '\n')
    with open(osp.join(work, 'results.json'), 'w') as f:
        json.dump(dict(config=osp.relpath(args.config, ROOT),
                       quick=args.quick, data=dict(study.data),
                       pretrain_iters=study.pretrain_iters,
                       finetune_iters={k: v['iters'] for k, v in
                                       study.downstream.items()},
                       arms={a['key']: a['name'] for a in all_arms
                             if a['key'] in results},
                       results=results, wall_minutes=round(minutes, 1)),
                  f, indent=2)
    print(text)
    log(f'done in {minutes:.1f} min; {osp.join(work, "results.md")}, '
        f'{osp.join(work, "results.json")}')


if __name__ == '__main__':
    main()
