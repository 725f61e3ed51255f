# Copyright (c) splitmask_mm authors. All rights reserved.
"""A measured study through the real chain: pre-training arms x downstream
tasks, on data made on the spot, ending in a results table.

    python tools/study.py configs/study/digit_scenes.py [--quick]
        [--work-dir DIR] [--only ARM ...] [--tasks TASK ...]
        [--seeds SEED ...]

For every arm and seed: pre-training (tools/train.py on the arm's config,
or nothing for random initialisation), conversion (tools/convert_checkpoint
.py, strict), then each downstream task fine-tuned (tools/train.py, the
backbone loaded strictly) and evaluated (tools/test.py). Every
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
import re
import sys
import time
from typing import Dict, List, Optional

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

import numpy as np

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from splitmask_mm import chain  # noqa: E402
from splitmask_mm.demo_data import write_photo_crops  # noqa: E402
from splitmask_mm.digit_scenes import (read_record, same_params,  # noqa: E402
                                       subset_name, write_digit_scenes,
                                       write_subsets)
from splitmask_mm.engine.optim import amp_wrapper_type  # noqa: E402
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


def pretrain_images(arm: Dict, seed: int, study: Config, data_root: str,
                    work: str) -> Dict:
    """The dataset settings of the images an arm pre-trains on (its
    ``pretrain_images``; the paper's Table 1 varies them at a fixed
    length):

    - not set: every training image of the target (the seed's draw);
    - a folder (absolute, or relative to the repository): every image
      under it, walked recursively, e.g. a user's unlabelled images;
    - ``dict(share=0.1)``: that share of the target's training images,
      drawn with the seed's data seed;
    - ``dict(digit_scenes=10000)``: that many scenes from the digit-scene
      generator with the seed's draw settings (the target's training
      scenes are the first of them; the rest recombine the same source
      scans), written under WORK/pretrain_images;
    - ``dict(photo_crops=10000)``: a generic set that is not the target,
      crops of the photographs bundled with scikit-image and scikit-learn
      (splitmask_mm.demo_data.write_photo_crops), written there too.
    """
    images = arm.get('pretrain_images')
    # the target's training images: ADE20K layout, else COCO's
    prefix = 'images/training'
    if not osp.isdir(osp.join(data_root, prefix)) and osp.isdir(
            osp.join(data_root, 'train2017')):
        prefix = 'train2017'
    if images is None:
        return dict(data_root=data_root, data_prefix=prefix)
    if isinstance(images, str):
        folder = images if osp.isabs(images) else osp.join(ROOT, images)
        if not osp.isdir(folder):
            raise SystemExit(f'arm {arm["key"]}: pretrain_images '
                             f'{images!r} is not a folder')
        return dict(data_root=folder, data_prefix='')
    kind, value = next(iter(images.items())) if len(images) == 1 else (
        None, None)
    drawn = data_seed(study, seed)
    if kind == 'share' and 0 < value <= 1:
        # positions in the list the pre-training dataset itself builds
        # (recursive, its image extensions)
        from splitmask_mm.datasets import UnlabeledImageFolder
        total = len(UnlabeledImageFolder(data_root=data_root,
                                         data_prefix=prefix))
        count = max(1, int(round(total * value)))
        order = np.random.default_rng([drawn, 1]).permutation(total)
        return dict(data_root=data_root, data_prefix=prefix,
                    indices=sorted(int(i) for i in order[:count]))
    if kind == 'digit_scenes' and int(value) >= 1:
        root = osp.join(work, 'pretrain_images',
                        f'digit_scenes{int(value)}_seed{drawn}')
        params = dict(study.data, seed=drawn, num_train=int(value),
                      num_val=1)
        if not same_params(read_record(root), **params):
            log(f'pre-training images: writing {int(value)} digit scenes')
            write_digit_scenes(root, log=log, **params)
        return dict(data_root=root + '/')
    if kind == 'photo_crops' and int(value) >= 1:
        root = osp.join(work, 'pretrain_images',
                        f'photo_crops{int(value)}_seed{drawn}')
        log(f'pre-training images: {int(value)} photo crops ({root})')
        write_photo_crops(root, int(value), size=study.data.size,
                          seed=drawn)
        return dict(data_root=root, data_prefix='images')
    raise SystemExit(
        f'arm {arm["key"]}: pretrain_images={images!r} is not one of: a '
        'folder, dict(share=0<x<=1), dict(digit_scenes=N), '
        'dict(photo_crops=N)')


def pretrain_config(run: str, arm: Dict, seed: int, study: Config,
                    data_root: str, vocabulary: Optional[str],
                    work: str = '') -> str:
    base = osp.join(ROOT, arm['config'])
    # an arm may pre-train longer or shorter than the study's default
    iters = arm.get('pretrain_iters', study.pretrain_iters)
    model = nested(arm.get('options', {})).get('model', {})
    if vocabulary:
        model.setdefault('target_generator', {})['vocabulary'] = vocabulary
    overrides = dict(
        train_dataloader=dict(dataset=pretrain_images(
            arm, seed, study, data_root, work)),
        randomness=dict(seed=seed, diff_rank_seed=True),
        # the loop stretches its warm-up and cosine to the length
        train_cfg=dict(max_iters=iters),
        # a checkpoint every 500 iterations (the last kept): a stopped
        # study resumes a long pre-training where it was
        default_hooks=dict(checkpoint=dict(interval=min(iters, 500),
                                           max_keep_ckpts=1),
                           logger=dict(interval=max(1, iters // 20))))
    if model:
        overrides['model'] = model
    if arm.get('amp', study.get('pretrain_amp', False)):
        wrapper = amp_wrapper_type()
        if wrapper:  # else fp32, as the machine can run
            overrides['optim_wrapper'] = dict(type=wrapper)
    return write_config(osp.join(run, 'pretrain_config.py'), base,
                        **overrides)


def default_recipe(study: Config, task: str) -> Dict:
    """A task's fine-tuning recipe as its config and the study give it: lr,
    layer decay (None where the config has none) and iterations."""
    spec = study.downstream[task]
    cfg = Config.fromfile(osp.join(ROOT, spec['config']))
    recipe = dict(lr=cfg.optim_wrapper.optimizer.lr,
                  layer_decay=cfg.optim_wrapper.get(
                      'paramwise_cfg', {}).get('layer_decay_rate'),
                  iters=spec['iters'])
    recipe.update(spec.get('recipe', {}))
    return recipe


def recipe_key(recipe: Dict) -> str:
    """A folder name for a recipe: ``lr0.001_ld0.9_it300``."""
    ld = recipe.get('layer_decay')
    return (f'lr{recipe["lr"]:g}' + (f'_ld{ld:g}' if ld is not None else '')
            + f'_it{recipe["iters"]}')


def finetune_config(path: str, task: str, study: Config, data_root: str,
                    backbone: Optional[str], seed: int, recipe: Dict,
                    select: bool = False, splits: Optional[str] = None
                    ) -> str:
    """The derived config of one fine-tuning run.

    Trained on the task's share of the labelled training scenes
    (``labels``; with ``select``, of those not held out) and evaluated on
    the validation scenes, or with ``select`` on the held-out training
    scenes. ``frozen`` tasks keep the whole backbone fixed (a probe of the
    pre-trained features as the task's head reads them). The subset lists
    are in ``splits`` (default: DATA_ROOT/splits)."""
    spec = study.downstream[task]
    base = osp.join(ROOT, spec['config'])
    cfg = Config.fromfile(base)
    iters = recipe['iters']
    labels = spec.get('labels', 1.0)
    subset = subset_name(labels, select)
    detection = 'ann_file' in cfg.get('val_evaluator', {})
    splits = splits or osp.join(data_root, 'splits')
    train = dict(data_root=data_root)
    val = dict(data_root=data_root)
    evaluator = None
    if detection:
        if labels < 1 or select:
            train['ann_file'] = osp.join(splits, f'{subset}.json')
        ann = osp.join(data_root, 'annotations', 'instances_val2017.json')
        if select:
            ann = osp.join(splits, 'select_val.json')
            val.update(ann_file=ann, data_prefix=dict(img='train2017/'))
        evaluator = dict(ann_file=ann)
    else:
        if labels < 1 or select:
            train['ann_file'] = osp.join(splits, f'{subset}.txt')
        if select:
            val.update(ann_file=osp.join(splits, 'select_val.txt'),
                       data_prefix=dict(
                img_path='images/training',
                seg_map_path='annotations/training'))
    init = dict(checkpoint=backbone) if backbone else RANDOM_INIT
    model_backbone = dict(init_cfg=init)
    if spec.get('frozen'):
        model_backbone['frozen_stages'] = cfg.model.backbone.arch.get(
            'num_layers', 12)
    optim = dict(optimizer=dict(lr=recipe['lr']))
    if recipe.get('layer_decay') is not None:
        optim['paramwise_cfg'] = dict(layer_decay_rate=recipe['layer_decay'])
    overrides = dict(
        train_dataloader=dict(dataset=train),
        val_dataloader=dict(dataset=val), test_dataloader=dict(dataset=val),
        model=dict(backbone=model_backbone),
        optim_wrapper=optim,
        randomness=dict(seed=seed),
        train_cfg=dict(max_iters=iters, val_interval=iters),
        param_scheduler=scaled_schedule(cfg, iters),
        default_hooks=dict(checkpoint=dict(interval=iters),
                           logger=dict(interval=max(1, iters // 10))))
    if evaluator:
        overrides.update(val_evaluator=evaluator, test_evaluator=evaluator)
    return write_config(path, base, **overrides)


def read_json(path: str) -> Dict:
    """A record a stage wrote (minutes, recipes), or {} before it has."""
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


class Timer:
    """Minutes per stage, kept in a file so skipped stages keep theirs."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.times = read_json(path)

    def run(self, name: str, done: str, action, recipe: Dict) -> None:
        minutes = chain.stage(name, done, action, prefix='study',
                              recipe=recipe)
        if minutes:
            self.times[name] = round(minutes, 2)
            with open(self.path, 'w') as f:
                json.dump(self.times, f)


def data_seed(study: Config, seed: int) -> int:
    """The seed a study seed's data is drawn with."""
    return study.data.get('seed', 0) + (seed if study.get('draws') else 0)


def data_folder(study: Config, seed: int, name: str = 'data') -> str:
    """``NAME`` for the study's own draw, ``NAME_draw{N}`` for another."""
    drawn = data_seed(study, seed)
    return name if drawn == study.data.get('seed', 0) else \
        f'{name}_draw{drawn}'


class Study:
    """The stages of one study: pre-training per arm and seed, recipe
    choice per (arm, task) on held-out training scenes, and the final
    fine-tuning and evaluation per (arm, seed, task)."""

    def __init__(self, study: Config, arms: List[Dict], work: str,
                 tasks: Optional[List[str]] = None,
                 vocabulary: Optional[str] = None) -> None:
        self.study, self.work, self.vocabulary = study, work, vocabulary
        self.written = set()  # data roots checked in this run
        # the downstream tasks this run trains (--tasks; all by default):
        # the others stay for a later run, their cells n/a or ', n=K'
        self.tasks = list(tasks or study.downstream)
        # every arm of the config, not only those this run trains: an
        # arm's recipe_from may name one left out by --only
        self.arms = {a['key']: a for a in arms}

    def data(self, seed: int) -> str:
        """The data root of a seed, written if it is not there yet: the
        study's scenes, or with ``draws=True`` a draw of its own (scenes,
        source scans, held-out and labelled subsets from data seed
        ``data.seed + seed``), so that a finding across seeds holds across
        draws of the data, not only of the initialisation and order. With
        ``data=dict(root=...)``, a data set of one's own (ADE20K layout
        for segmentation, COCO's for detection): nothing is written there;
        its subsets (``draws=True``: a draw per seed) go to WORK/splits."""
        own = self.study.data.get('root')
        drawn = data_seed(self.study, seed)
        if own:
            root = osp.abspath(own)
            if not osp.isdir(root):
                raise SystemExit(f'data.root {own!r}: no such folder')
        else:
            params = dict(self.study.data, seed=drawn)
            root = osp.join(self.work, data_folder(self.study, seed))
        splits = self.splits(seed)
        if splits in self.written:
            return root + '/'
        if own:
            log(f'data: {root} (subsets in {splits})')
        elif same_params(read_record(root), **params):
            log(f'data: done ({root}), skipped')
        else:
            log(f'data: writing digit scenes (data seed {drawn})')
            write_digit_scenes(root, log=log, **params)
        try:
            write_subsets(root, sorted({
                t.get('labels', 1.0) for t in self.study.downstream.values()}
                | {1.0}), select_share=self.study.get('select_share', 0.2),
                seed=drawn, out=splits if own else None)
        except (FileNotFoundError, ValueError) as e:
            raise SystemExit(f'data: {e}')
        self.written.add(splits)
        return root + '/'

    def splits(self, seed: int) -> str:
        """The folder of a seed's subset lists (held out, label shares)."""
        if self.study.data.get('root'):
            return osp.join(self.work, data_folder(self.study, seed,
                                                   'splits'))
        return osp.join(self.work, data_folder(self.study, seed), 'splits')

    def pretrain(self, arm: Dict, seed: int) -> Optional[str]:
        """The arm's converted backbone for this seed (None: random)."""
        if not arm.get('config'):
            return None
        own = osp.join(self.work, arm['key'], f'seed{seed}')
        os.makedirs(own, exist_ok=True)
        config = pretrain_config(
            own, arm, seed, self.study, self.data(seed),
            self.vocabulary if arm.get('vocabulary') else None, self.work)
        # pretrain_from=KEY: the arm's pre-training is arm KEY's (the same
        # config, length and images, e.g. the Table-1 mirror's target
        # column and the main study's arms), run or reused in KEY's folder
        # once for both; chain.stage refuses it if the recipes differ
        run = osp.join(self.work, arm.get('pretrain_from', arm['key']),
                       f'seed{seed}')
        os.makedirs(run, exist_ok=True)
        timer = Timer(osp.join(run, 'minutes.json'))
        pre_dir = osp.join(run, 'pretrain')
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
        return backbone

    def finetune(self, name: str, folder: str, task: str,
                 backbone: Optional[str], seed: int, recipe: Dict,
                 select: bool, timer: Timer) -> Dict:
        """Fine-tune and evaluate once; the metrics."""
        config = finetune_config(osp.join(folder, f'{task}_config.py'), task,
                                 self.study, self.data(seed), backbone, seed,
                                 recipe, select, self.splits(seed))
        ft_dir = osp.join(folder, task)
        stage_recipe = chain.config_recipe(config)
        timer.run(f'{name}: {task} fine-tuning', osp.join(ft_dir, 'DONE'),
                  lambda: chain.train(
                      config, ft_dir, {}, log_file=osp.join(
                          folder, f'{task}.log'), prefix='study'),
                  stage_recipe)
        metrics_file = osp.join(folder, f'{task}_metrics.json')
        timer.run(f'{name}: {task} evaluation', metrics_file,
                  lambda: chain.evaluate(
                      config, chain.last_checkpoint(ft_dir),
                      osp.join(ft_dir, 'test'), metrics_file, {},
                      log_file=osp.join(folder, f'{task}_test.log'),
                      prefix='study'),
                  dict(stage_recipe, checkpoint=osp.basename(
                      chain.last_checkpoint(ft_dir))))
        return chain.read_metrics(metrics_file)

    def recipe(self, arm: Dict, task: str) -> Dict:
        """The fine-tuning recipe of (arm, task): the config's, or for a
        task with ``tune=True`` the one chosen on the held-out training
        scenes, by this arm (``tune=True``) or by the arm its
        ``recipe_from`` names."""
        spec = self.study.downstream[task]
        if task in arm.get('recipes', {}):  # fixed in the config
            return dict(default_recipe(self.study, task),
                        **arm['recipes'][task])
        if not spec.get('tune'):
            return default_recipe(self.study, task)
        source = arm
        if not arm.get('tune') and arm.get('recipe_from'):
            source = self.arms[arm['recipe_from']]
        if not source.get('tune'):
            return default_recipe(self.study, task)
        return self.tune(source, task)['chosen']

    def tune(self, arm: Dict, task: str) -> Dict:
        """Choose (arm, task)'s recipe on the held-out training scenes, one
        setting at a time over the study's ``grid`` (one pass of coordinate
        ascent, the short runs first): the learning rates at the config's
        layer decay and length, then the layer decays at the best rate,
        then the lengths at both; by the task's first metric. Every point
        tried is kept in WORK/ARM/tune_TASK.json."""
        saved = read_json(osp.join(self.work, arm['key'],
                                   f'tune_{task}.json'))
        if saved.get('restored_from'):  # --restore: no runs to redo
            return saved
        seed = arm['seeds'][0]
        backbone = self.pretrain(arm, seed)
        folder = osp.join(self.work, arm['key'], f'seed{seed}',
                          f'tune_{task}')
        timer = Timer(osp.join(folder, 'minutes.json'))
        metric = self.study.downstream[task]['metrics'][0]
        tried: Dict[str, Dict] = {}

        def score(recipe: Dict) -> float:
            key = recipe_key(recipe)
            if key not in tried:
                found = self.finetune(
                    f'{arm["key"]} seed {seed} tuning {key}',
                    osp.join(folder, key), task, backbone, seed, recipe,
                    True, timer)
                tried[key] = dict(recipe, score=chain.metric(found, metric))
            return tried[key]['score']

        best = default_recipe(self.study, task)
        # a task's own grid (detection's learning rates are not
        # segmentation's) in place of the study's, setting by setting
        grid = dict(self.study.get('grid', {}),
                    **self.study.downstream[task].get('grid', {}))
        for setting in ('lr', 'layer_decay', 'iters'):
            values = grid.get(setting) or []
            if not values or (setting == 'layer_decay' and
                              best.get('layer_decay') is None):
                continue
            candidates = [dict(best, **{setting: v}) for v in values]
            scores = [score(c) for c in candidates]
            best = candidates[max(range(len(scores)),
                                  key=lambda i: scores[i])]
        result = dict(arm=arm['key'], task=task, seed=seed, metric=metric,
                      chosen=best, tried=list(tried.values()))
        os.makedirs(osp.join(self.work, arm['key']), exist_ok=True)
        with open(osp.join(self.work, arm['key'], f'tune_{task}.json'),
                  'w') as f:
            json.dump(result, f, indent=1)
        log(f'{arm["key"]}, {task}: recipe {recipe_key(best)} chosen on '
            f'the held-out training scenes ({metric} ' + ', '.join(
                f'{recipe_key(t)} {t["score"]:.2f}'
                for t in tried.values()) + ')')
        return result

    def run_arm(self, arm: Dict, seed: int) -> Optional[Dict]:
        run = osp.join(self.work, arm['key'], f'seed{seed}')
        os.makedirs(run, exist_ok=True)
        recipes_file = osp.join(run, 'recipes.json')
        recipes = read_json(recipes_file)
        todo = {task: self.recipe(arm, task) for task in self.tasks}
        # tasks restored from an earlier results.json (--restore) have
        # their metrics and no checkpoints: kept, not trained again, if
        # the config still gives them the recipe they were measured with
        for task in [t for t in todo if osp.isfile(restored_mark(run, t))]:
            if recipes.get(task) != json.loads(json.dumps(todo[task])):
                raise SystemExit(
                    f'{arm["key"]} seed {seed}, {task}: restored from '
                    f'{read_json(restored_mark(run, task))["source"]} with '
                    f'recipe {recipes.get(task)}, but the config now gives '
                    f'{todo[task]}; delete {run} to measure it again')
            del todo[task]
        if not todo:  # nothing to train: no backbone needed
            return collect(arm, seed, self.study, self.work)
        backbone = self.pretrain(arm, seed)
        timer = Timer(osp.join(run, 'minutes.json'))
        recipes.update(todo)
        with open(recipes_file, 'w') as f:
            json.dump(recipes, f)
        for task, recipe in todo.items():
            self.finetune(f'{arm["key"]} seed {seed}', run, task, backbone,
                          seed, recipe, False, timer)
        return collect(arm, seed, self.study, self.work)


def restored_mark(run: str, task: str) -> str:
    """The file that says a run's task was restored (--restore)."""
    return osp.join(run, f'{task}_metrics.json.restored')


def restore(paths: List[str], study: Config, arms: List[Dict],
            work: str) -> None:
    """Write the finished runs of earlier results.json files back into the
    work dir: each task's metrics, the run's minutes and recipes, and the
    recipe choices, so that a study continued on another machine, or
    after its work dir was cleaned, keeps them in its tables and trains
    only what is missing. Only arms of this config are taken; what the
    work dir already holds is kept; a file made on other data is
    refused."""
    keys = {a['key'] for a in arms}
    for path in paths:
        try:
            with open(path) as f:
                saved = json.load(f)
            results = saved['results']
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SystemExit(f'--restore {path}: not a study results.json '
                             f'({type(e).__name__}: {e})')
        ours = dict(data=dict(study.data), draws=bool(study.get('draws')))
        theirs = dict(data=saved.get('data'), draws=saved.get('draws'))
        if ours != theirs:
            raise SystemExit(f'--restore {path}: made on other data '
                             f'({theirs}; this study: {ours})')
        count = 0
        for key, runs in results.items():
            if key not in keys:
                continue
            for seed, entry in runs.items():
                run = osp.join(work, key, f'seed{seed}')
                tasks: Dict[str, Dict] = {}
                for name, value in entry['metrics'].items():
                    task, metric = name.split('/', 1)
                    tasks.setdefault(task, {})[metric] = value
                tasks = {t: m for t, m in tasks.items()
                         if t in study.downstream and not osp.isfile(
                             osp.join(run, f'{t}_metrics.json'))}
                if not tasks:
                    continue
                os.makedirs(run, exist_ok=True)
                for name, record in (('minutes', entry.get('minutes', {})),
                                     ('recipes', entry.get('recipes', {}))):
                    file = osp.join(run, f'{name}.json')
                    merged = dict(record, **read_json(file))  # there wins
                    with open(file, 'w') as f:
                        json.dump(merged, f)
                for task, metrics in tasks.items():
                    with open(osp.join(run, f'{task}_metrics.json'),
                              'w') as f:
                        json.dump(metrics, f)
                    with open(restored_mark(run, task), 'w') as f:
                        json.dump(dict(source=osp.abspath(path)), f)
                    count += 1
        for tuning in saved.get('tuning', []):
            file = osp.join(work, tuning['arm'], f'tune_{tuning["task"]}.json')
            if tuning['arm'] in keys and not osp.isfile(file):
                os.makedirs(osp.dirname(file), exist_ok=True)
                with open(file, 'w') as f:
                    json.dump(dict(tuning, restored_from=osp.abspath(path)),
                              f, indent=1)
        log(f'restored {count} finished tasks from {path}')


def collect(arm: Dict, seed: int, study: Config, work: str
            ) -> Optional[Dict]:
    """The metrics (``TASK/METRIC``) and minutes of a run, or None when
    none of its tasks has finished. Tasks not finished are left out (a
    task added to a study after an arm ran: the arm keeps its other
    figures, n/a in that column, until the study runs it)."""
    run = osp.join(work, arm['key'], f'seed{seed}')
    metrics = {}
    for task, spec in study.downstream.items():
        metrics_file = osp.join(run, f'{task}_metrics.json')
        if not osp.isfile(metrics_file):
            continue
        found = chain.read_metrics(metrics_file)
        for key in spec['metrics']:
            metrics[f'{task}/{key}'] = chain.metric(found, key)
    if not metrics:
        return None
    minutes = read_json(osp.join(run, 'minutes.json'))
    if arm.get('pretrain_from'):  # its pre-training's minutes are there
        shared = read_json(osp.join(work, arm['pretrain_from'],
                                    f'seed{seed}', 'minutes.json'))
        minutes.update({k: v for k, v in shared.items()
                        if is_pretraining_stage(k)})
    return dict(metrics=metrics, minutes=minutes,
                recipes=read_json(osp.join(run, 'recipes.json')))


def summary(values: List[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return 'n/a'
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f'{mean:.2f}'
    return f'{mean:.2f} ({min(values):.2f}-{max(values):.2f})'


def percent_scale(metric: str) -> int:
    """mmdet's COCO AP is a fraction, mmseg's mIoU a percentage: the
    factor that puts a metric in percent in the tables."""
    return 100 if 'mAP' in metric else 1


def column_name(study: Config, task: str, metric: str) -> str:
    """A table column: the task (its label share, frozen or not) and the
    metric, in percent."""
    spec = study.downstream[task]
    what = [task]
    if spec.get('labels', 1.0) < 1:
        what.append(f'{spec["labels"]:.0%} labels')
    if spec.get('frozen'):
        what.append('frozen')
    return f'{", ".join(what)}: {metric}' + (' (%)' if 'mAP' in metric
                                             else '')


def is_pretraining_stage(name: str) -> bool:
    """Whether a minutes.json entry is pre-training's (its training or its
    conversion to a backbone; Study.pretrain names them), not a task's."""
    return name.endswith((': pre-training', ': conversion'))


def task_minutes(runs) -> float:
    """Minutes of fine-tuning and evaluation one seed takes for every task
    the arm ran: per task the mean over the seeds that ran it, summed (a
    mean of per-seed sums would count a seed run for one task only, with
    --tasks, as a cheaper seed)."""
    per_task: Dict[str, List[float]] = {}
    for r in runs:
        seed_task: Dict[str, float] = {}
        for k, v in r['minutes'].items():
            found = re.search(r': (\S+) (fine-tuning|evaluation)$', k)
            if found:
                seed_task[found.group(1)] = \
                    seed_task.get(found.group(1), 0) + v
        for task, v in seed_task.items():
            per_task.setdefault(task, []).append(v)
    return sum(sum(v) / len(v) for v in per_task.values())


def table(study: Config, arms: List[Dict], results: Dict) -> str:
    columns = [(task, m) for task, spec in study.downstream.items()
               for m in spec['metrics']]
    header = ['arm', 'seeds'] + [column_name(study, t, m)
                                 for t, m in columns] + [
        'min pre-train', 'min fine-tune + eval']
    rows = ['| ' + ' | '.join(header) + ' |',
            '|' + '---|' * len(header)]
    for arm in arms:
        runs = results.get(arm['key'], {})
        if not runs:
            continue
        cells = [arm['name'], str(len(runs))]
        for task, name in columns:
            scale = percent_scale(name)
            values = [r['metrics'].get(f'{task}/{name}') for r in
                      runs.values()]
            cell = summary([v * scale if v is not None else None
                            for v in values])
            done = sum(v is not None for v in values)
            if 0 < done < len(runs):  # mid-run: fewer seeds than 'seeds'
                cell += f', n={done}'
            cells.append(cell)
        pre = [sum(v for k, v in r['minutes'].items()
                   if is_pretraining_stage(k)) for r in runs.values()]
        cells += [f'{sum(pre) / len(pre):.1f}' if any(pre) else '-',
                  f'{task_minutes(runs.values()):.1f}']
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)


def gaps(study: Config, arms: List[Dict], results: Dict,
         baseline: str = 'random') -> List[Dict]:
    """Every arm against the baseline arm, per task's first metric, paired
    by seed (with ``draws=True`` a seed is a draw of the data: the gap of
    each draw, then their mean, range and a paired t-test's p)."""
    from scipy import stats
    base = results.get(baseline, {})
    out = []
    for arm in arms:
        runs = results.get(arm['key'], {})
        if arm['key'] == baseline or not runs or not base:
            continue
        for task, spec in study.downstream.items():
            key = f'{task}/{spec["metrics"][0]}'
            scale = percent_scale(key)
            pairs = {seed: (runs[seed]['metrics'].get(key),
                            base[seed]['metrics'].get(key))
                     for seed in sorted(set(runs) & set(base), key=int)}
            per_seed = {seed: round((a - b) * scale, 2)
                        for seed, (a, b) in pairs.items()
                        if a is not None and b is not None}
            if not per_seed:
                continue
            values = list(per_seed.values())
            p = None
            if len(values) >= 2 and len(set(values)) > 1:
                p = round(float(stats.ttest_1samp(values, 0.0).pvalue), 3)
            out.append(dict(arm=arm['key'], baseline=baseline, metric=key,
                            per_seed=per_seed,
                            mean=round(sum(values) / len(values), 2),
                            min=min(values), max=max(values), p=p))
    return out


def gap_table(found: List[Dict], draws: bool) -> str:
    what = 'draw (data seed) and seed' if draws else 'seed'
    rows = [f'| arm | against | metric | gap per {what} | mean (range) | '
            'paired p |', '|---|---|---|---|---|---|']
    for g in found:
        rows.append('| ' + ' | '.join([
            g['arm'], g['baseline'], g['metric'],
            ', '.join(f'{s}: {v:+.2f}' for s, v in g['per_seed'].items()),
            f'{g["mean"]:+.2f} ({g["min"]:+.2f} to {g["max"]:+.2f})',
            'n/a' if g['p'] is None else f'{g["p"]:.3f}']) + ' |')
    return '\n'.join(rows)


def cell_tables(study: Config, arms: List[Dict], results: Dict) -> str:
    """The config's ``tables``: arms that name a ``cell`` (table, row,
    column) laid out as the paper's tables are, rows methods and columns
    pre-training images, one table per (table, metric); a cell is the
    mean over the seeds every cell of the table ran (their range and count
    when more than one; a cell run on more seeds adds its mean over all
    of them in brackets); a table none of whose cells has the metric is
    left out. ``reference`` names an arm quoted under each table (random
    init), on the seeds the table's cells ran that have the metric."""
    spec = study.get('tables')
    if not spec:
        return ''
    columns = list(spec['columns'])
    out = []
    names = list(dict.fromkeys(a['cell']['table'] for a in arms
                               if a.get('cell')))
    ref = results.get(spec.get('reference'), {})
    for name in names:
        cells = [a for a in arms if a.get('cell', {}).get('table') == name]
        rows = list(dict.fromkeys(a['cell']['row'] for a in cells))
        for metric in spec['metrics']:
            task, key = metric.split('/', 1)
            scale = percent_scale(key)

            def values(runs, seeds=None) -> List[float]:
                found = [r['metrics'].get(metric) for s, r in runs.items()
                         if seeds is None or s in seeds]
                return [v * scale for v in found if v is not None]

            def value(runs, seeds) -> str:
                """The mean on the table's common seeds; a cell run on
                more (draws 1-2 of some columns) adds all of them in
                brackets: cells compare on the same draws."""
                every, shared = values(runs), values(runs, seeds)
                if not every:
                    return 'n/a'
                text = summary(shared) + (f', n={len(shared)}'
                                          if len(shared) > 1 else '')
                if len(every) > len(shared):
                    text += f' [n={len(every)}: {summary(every)}]'
                return text
            # the seeds every cell with this metric ran
            ran = [{s for s, r in results[a['key']].items()
                    if r['metrics'].get(metric) is not None} for a in cells
                   if values(results.get(a['key'], {}))]
            if not ran:  # no cell of this table has the metric yet
                continue
            common = set.intersection(*ran)
            lines = [f'{name}, {column_name(study, task, key)}:', '',
                     '| method | ' + ' | '.join(columns) + ' |',
                     '|---|' + '---|' * len(columns)]
            for row in rows:
                by_column = {a['cell']['column']: a for a in cells
                             if a['cell']['row'] == row}
                lines.append(f'| {row} | ' + ' | '.join(
                    value(results.get(by_column[c]['key'], {}), common)
                    if c in by_column else '-' for c in columns) + ' |')
            # the reference on the seeds (draws) the table's cells ran
            seeds = set.union(*ran)
            mine = {s: r for s, r in ref.items() if s in seeds and
                    r['metrics'].get(metric) is not None}
            if mine:
                lines += ['', f'{spec["reference"]} (seeds '
                          f'{", ".join(sorted(mine, key=int))}): '
                          f'{value(mine, common)}']
            if seeds != common:
                lines += ['', 'Cells on the seeds (draws) every cell ran: '
                          f'{", ".join(sorted(common, key=int))}; in '
                          'brackets, all the seeds a cell ran.']
            out.append('\n'.join(lines))
    return '\n\n'.join(out)


def tuning_table(tunings: List[Dict]) -> str:
    """Every recipe tried on the held-out scenes, the chosen one in bold."""
    rows = ['| arm | task | lr | layer decay | iterations | held-out score |',
            '|---|---|---|---|---|---|']
    for t in tunings:
        for r in t['tried']:
            chosen = recipe_key(r) == recipe_key(t['chosen'])
            cells = [t['arm'], t['task'], f'{r["lr"]:g}',
                     f'{r["layer_decay"]:g}' if r.get('layer_decay')
                     is not None else '-', str(r['iters']),
                     f'{r["score"]:.2f}' if r['score'] is not None else
                     'n/a']
            if chosen:
                cells = [f'**{c}**' for c in cells]
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
    parser.add_argument('--tasks', nargs='+', metavar='TASK',
                        help='run only these downstream tasks (keys of the '
                        "config's downstream; the others stay for a later "
                        'run), e.g. more seeds of the one task a '
                        'conclusion rests on')
    parser.add_argument('--seeds', nargs='+', type=int, metavar='SEED',
                        help="run only these of each arm's seeds (the "
                        'others stay for a later run), e.g. seed 0 of '
                        'every task before more seeds of one')
    parser.add_argument('--restore', nargs='+', metavar='RESULTS_JSON',
                        help='first write the finished runs of these '
                        'results.json files (an earlier run of this study, '
                        'e.g. the committed docs/results/) into the work '
                        'dir: kept in the tables, not trained again')
    args = parser.parse_args()
    study = Config.fromfile(args.config)
    if args.quick:
        quick = dict(study.quick)
        keep = quick.pop('arms', None)
        seeds = quick.pop('seeds', None)
        study.merge_from_dict(quick)
        if keep:
            study.arms = [a for a in study.arms if a['key'] in keep]
        if seeds:  # the same seeds for every arm kept
            study.arms = [dict(a, seeds=list(seeds)) for a in study.arms]
    unknown = sorted(set(args.tasks or []) - set(study.downstream))
    if unknown:
        raise SystemExit(f'--tasks {" ".join(unknown)}: not a downstream '
                         f'task of {args.config} (its tasks: '
                         f'{", ".join(study.downstream)})')
    all_arms = list(study.arms)
    if args.only:
        study.arms = [a for a in study.arms if a['key'] in args.only]
    else:  # extra arms run only when --only names them
        study.arms = [a for a in study.arms if not a.get('extra')]
    runs = select_runs(study.arms, args.seeds)
    for task in study.downstream.values():
        require_stack_for(osp.join(ROOT, task['config']))
    work = osp.abspath(args.work_dir or study.work_dir)
    os.makedirs(work, exist_ok=True)
    start = time.time()

    # 1. data: the scenes, the held-out scenes and the label shares the
    # tasks read (with draws=True, every seed's own, written when needed)
    if args.restore:
        restore(args.restore, study, all_arms, work)
    runner = Study(study, all_arms, work, tasks=args.tasks)
    data_root = runner.data(min(s for _, s in runs) if runs else 0)

    # 2. the k-means vocabulary, once for the arms that use it (built on
    # the first seed's scenes)
    needs = [a for a in study.arms if a.get('vocabulary')]
    if needs:
        runner.vocabulary = osp.join(work, 'vocabulary_kmeans.pth')
        chain.stage('k-means vocabulary', runner.vocabulary,
                    lambda: chain.build_vocabulary(
                        osp.join(ROOT, needs[0]['config']),
                        runner.vocabulary,
                        {'train_dataloader.dataset.data_root': data_root},
                        study.get('vocabulary_args', []),
                        log_file=osp.join(work, 'vocabulary.log'),
                        prefix='study'), prefix='study',
                    recipe=chain.config_recipe(
                        osp.join(ROOT, needs[0]['config']),
                        {'train_dataloader.dataset.data_root': data_root},
                        args=list(study.get('vocabulary_args', []))))

    # 3. every arm and seed
    for i, (arm, seed) in enumerate(runs, 1):
        log(f'({i}/{len(runs)}) {arm["name"]}, seed {seed} '
            f'[{(time.time() - start) / 60:.1f} min so far]')
        runner.run_arm(arm, seed)
        # the tables so far: a long study's finished arms are on disk
        write_results(args, study, all_arms, work, start, final=False)
    text = write_results(args, study, all_arms, work, start, final=True)
    print(text)
    log(f'done in {(time.time() - start) / 60:.1f} min; '
        f'{osp.join(work, "results.md")}, {osp.join(work, "results.json")}')


def select_runs(arms: List[Dict], seeds: Optional[List[int]] = None
                ) -> List[tuple]:
    """(arm, seed) pairs to run: every seed of every arm, or with --seeds
    only those (a seed no arm has is refused before any work)."""
    if seeds:
        unknown = sorted(set(seeds) - {s for a in arms for s in a['seeds']})
        if unknown:
            raise SystemExit(
                f'--seeds {" ".join(map(str, unknown))}: no arm run here '
                f'has it (their seeds: ' + '; '.join(
                    f'{a["key"]} {a["seeds"]}' for a in arms) + ')')
    return [(arm, seed) for arm in arms for seed in arm['seeds']
            if not seeds or seed in seeds]


def write_results(args, study: Config, all_arms: List[Dict], work: str,
                  start: float, final: bool) -> str:
    """results.md and results.json: every arm of the config with runs in
    this work dir that finished a task (arms of earlier --only runs
    included; the seeds column says how many, a cell resting on fewer
    says ', n=K'), and every recipe choice made."""
    results: Dict[str, Dict] = {}
    for arm in all_arms:  # the seeds with a finished task so far
        runs = {str(seed): collect(arm, seed, study, work)
                for seed in arm['seeds']}
        runs = {seed: run for seed, run in runs.items() if run}
        if runs:
            results[arm['key']] = runs
    tunings = []
    for arm in all_arms:
        for task in study.downstream:
            path = osp.join(work, arm['key'], f'tune_{task}.json')
            if osp.isfile(path):
                tuning = read_json(path)
                tuning.pop('restored_from', None)  # a path on this machine
                tunings.append(tuning)
    text = table(study, all_arms, results)
    tables = cell_tables(study, all_arms, results)
    if tables:
        text += '\n\n' + tables
    compared = gaps(study, all_arms, results)
    if compared:
        text += ('\n\nAgainst random init, paired by seed' + (
            ' (each seed its own draw of the data)' if study.get('draws')
            else '') + ':\n\n' + gap_table(compared,
                                            bool(study.get('draws'))))
    if tunings:
        text += ('\n\nFine-tuning recipes tried on the held-out training '
                 'scenes (chosen in bold):\n\n' + tuning_table(tunings))
    minutes = (time.time() - start) / 60
    with open(osp.join(work, 'results.md'), 'w') as f:
        f.write(text + '\n')
    with open(osp.join(work, 'results.json'), 'w') as f:
        json.dump(dict(config=osp.relpath(args.config, ROOT),
                       quick=args.quick, data=dict(study.data),
                       pretrain_iters=study.pretrain_iters,
                       # True: seed N's scenes were drawn with data seed
                       # data.seed + N (folder data_drawN)
                       draws=bool(study.get('draws')),
                       downstream={k: dict(v) for k, v in
                                   study.downstream.items()},
                       arms={a['key']: dict(
                           name=a['name'], pretrain_iters=a.get(
                               'pretrain_iters', study.pretrain_iters)
                           if a.get('config') else 0)
                           for a in all_arms if a['key'] in results},
                       # the paper-form tables (tables=): each arm's cell
                       tables=dict(study.get('tables') or {}),
                       cells={a['key']: dict(a['cell']) for a in all_arms
                              if a.get('cell') and a['key'] in results},
                       results=results, gaps=compared, tuning=tunings,
                       finished=final, wall_minutes=round(minutes, 1)),
                  f, indent=2)
    return text


if __name__ == '__main__':
    main()
