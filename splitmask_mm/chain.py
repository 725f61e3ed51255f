# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pre-train -> convert -> fine-tune -> evaluate, as resumable stages.

The machinery of ``tools/chain.py`` (one chain config) and
``tools/study.py`` (many arms): every stage runs the repository's own
tools in a subprocess (``tools/train.py`` or ``tools/dist_train.sh``,
``tools/convert_checkpoint.py``, ``tools/test.py``), and runs only if its
output is missing, so an interrupted chain started again picks up where it
stopped; a training stage that had written checkpoints resumes from the
last one.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(ROOT, 'tools')


def log(msg: str, prefix: str = 'chain') -> None:
    print(f'[{prefix}] {msg}', flush=True)


def run(cmd: List[str], log_file: Optional[str] = None,
        prefix: str = 'chain') -> None:
    """Run a command; with ``log_file``, its output goes there (and its
    last lines to the error when it fails)."""
    log(' '.join(cmd), prefix)
    if log_file is None:
        subprocess.run(cmd, check=True)
        return
    os.makedirs(osp.dirname(osp.abspath(log_file)), exist_ok=True)
    with open(log_file, 'a') as f:
        code = subprocess.run(cmd, stdout=f,
                              stderr=subprocess.STDOUT).returncode
    if code:
        with open(log_file) as f:
            tail = ''.join(f.readlines()[-30:])
        raise RuntimeError(f'{cmd[1] if len(cmd) > 1 else cmd[0]} failed '
                           f'(exit {code}); the end of {log_file}:\n{tail}')


def options(values: Dict) -> List[str]:
    return [f'{k}={v}' for k, v in values.items()]


def train_cmd(config: str, gpus: int, work_dir: str,
              cfg_options: Dict) -> List[str]:
    """``tools/train.py`` (one process) or ``tools/dist_train.sh``, resuming
    when the work dir holds checkpoints of an earlier start."""
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


def config_recipe(config, cfg_options: Optional[Dict] = None,
                  **extra) -> Dict:
    """What a stage does with a config: the config as it resolves (bases
    and options merged), plus any ``extra`` inputs; for :func:`stage`.
    ``config`` is a path, or a ``Config`` the caller already resolved."""
    from mmengine.config import Config
    if isinstance(config, Config):
        cfg = config
    else:
        cfg = Config.fromfile(config, import_custom_modules=False)
    if cfg_options:
        cfg.merge_from_dict(dict(cfg_options))
    return dict(config=cfg.to_dict(), **extra)


def _changed_keys(old: Dict, new: Dict, prefix: str = '') -> List[str]:
    """Dotted keys whose values differ (the first level that differs)."""
    keys = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            keys += _changed_keys(a, b, f'{prefix}{key}.')
        elif a != b:
            keys.append(f'{prefix}{key}')
    return keys


def stage(name: str, done: str, action: Callable[[], None],
          prefix: str = 'chain', recipe: Optional[Dict] = None) -> float:
    """Run ``action`` unless the file ``done`` exists; returns the minutes it
    took (0 when skipped).

    With a ``recipe`` (a JSON-able dict of what the stage does, e.g.
    :func:`config_recipe`), it is written to ``done + '.recipe'`` before
    the stage starts, and a stage started before with another recipe (a
    changed config in an old work dir) stops the run with the keys that
    changed, instead of being skipped as done or resumed under the new
    recipe. Outputs of older versions, which kept no recipe, are skipped
    as before.
    """
    stamp = f'{done}.recipe'
    if recipe is not None:
        # a JSON round trip: tuples become lists, as in the file
        recipe = json.loads(json.dumps(recipe, sort_keys=True, default=repr))
        if osp.isfile(stamp):
            with open(stamp) as f:
                before = json.load(f)
            if before != recipe:
                changed = ', '.join(_changed_keys(before, recipe)[:8])
                raise SystemExit(
                    f'[{prefix}] {name}: {done} belongs to a run with another '
                    f'recipe (changed: {changed}); nothing was reused. Use a '
                    f'new work dir, or delete that stage\'s output and '
                    f'{stamp} to redo it.')
    if osp.exists(done):
        note = '' if recipe is None or osp.isfile(stamp) else (
            '; it kept no recipe (an older version): not checked')
        log(f'{name}: done ({done}), skipped{note}', prefix)
        return 0.
    if recipe is not None:
        os.makedirs(osp.dirname(osp.abspath(stamp)), exist_ok=True)
        with open(stamp, 'w') as f:
            json.dump(recipe, f, sort_keys=True, indent=1)
    start = time.time()
    log(f'{name}: running', prefix)
    action()
    minutes = (time.time() - start) / 60
    log(f'{name}: finished in {minutes:.1f} min', prefix)
    return minutes


def train(config: str, work_dir: str, cfg_options: Dict, gpus: int = 1,
          log_file: Optional[str] = None, prefix: str = 'chain') -> None:
    """Train to the end, then mark the work dir ``DONE``."""
    run(train_cmd(config, gpus, work_dir, cfg_options), log_file, prefix)
    open(osp.join(work_dir, 'DONE'), 'w').close()


def build_vocabulary(config: str, out: str, cfg_options: Dict,
                     extra_args: List[str] = (),
                     log_file: Optional[str] = None,
                     prefix: str = 'chain') -> None:
    run([sys.executable, osp.join(TOOLS, 'build_vocabulary.py'), config,
         '--out', out] + list(extra_args) +
        (['--cfg-options'] + options(cfg_options) if cfg_options else []),
        log_file, prefix)


def convert(checkpoint: str, out: str, img_size: Optional[int] = None,
            log_file: Optional[str] = None, prefix: str = 'chain') -> None:
    run([sys.executable, osp.join(TOOLS, 'convert_checkpoint.py'),
         checkpoint, out] + (['--img-size', str(img_size)] if img_size
                             else []), log_file, prefix)


def evaluate(config: str, checkpoint: str, work_dir: str, metrics_file: str,
             cfg_options: Dict, log_file: Optional[str] = None,
             prefix: str = 'chain') -> Dict:
    run([sys.executable, osp.join(TOOLS, 'test.py'), config, checkpoint,
         '--work-dir', work_dir, '--metrics-json', metrics_file] +
        (['--cfg-options'] + options(cfg_options) if cfg_options else []),
        log_file, prefix)
    return read_metrics(metrics_file)


def read_metrics(metrics_file: str) -> Dict:
    with open(metrics_file) as f:
        return json.load(f)


def metric(metrics: Dict, key: str) -> Optional[float]:
    """The value of a metric whose name ends with ``key`` (mmseg, mmdet and
    mmpretrain prefix theirs differently)."""
    return next((v for k, v in metrics.items() if k.endswith(key)), None)
