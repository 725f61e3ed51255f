# Copyright (c) splitmask_mm authors. All rights reserved.
"""Which install level a config needs, and a one-line stop when it is not
there.

``bash tools/install.sh`` installs what pre-training, the vocabulary tools,
conversion and classification fine-tuning need, with ``mmcv-lite`` (no
compiled operators, no compiler, a couple of minutes);
``bash tools/install.sh --full`` adds mmcv's compiled operators,
mmsegmentation and mmdet, which segmentation and detection need (mmseg and
mmdet import ``mmcv.ops`` at start).
"""
import ast
import importlib
import os.path as osp
import re
from typing import List, Set

FULL_INSTALL = 'bash tools/install.sh --full'
# what a config's text says about the libraries it builds from
_LIBRARY = {
    'mmseg': re.compile(
        r"mmseg::|default_scope\s*=\s*['\"]mmseg|['\"]mmseg\."),
    'mmdet': re.compile(
        r"mmdet::|default_scope\s*=\s*['\"]mmdet|['\"]mmdet\."),
}
_PACKAGE = {'mmseg': 'mmsegmentation', 'mmdet': 'mmdet'}


def _config_files(path: str, seen: Set[str]) -> List[str]:
    """The config and its local ``_base_`` files, recursively."""
    path = osp.abspath(path)
    if path in seen or not osp.isfile(path):
        return []
    seen.add(path)
    files = [path]
    with open(path) as f:
        text = f.read()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return files
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                continue
            for base in [bases] if isinstance(bases, str) else bases:
                if '::' not in base:
                    files += _config_files(
                        osp.join(osp.dirname(path), base), seen)
    return files


def libraries_needed(config: str) -> List[str]:
    """``'mmseg'`` and/or ``'mmdet'`` if the config (or a local base of it)
    builds from them."""
    needed = []
    for path in _config_files(config, set()):
        with open(path) as f:
            text = f.read()
        needed += [lib for lib, pattern in _LIBRARY.items()
                   if pattern.search(text) and lib not in needed]
    return needed


def missing_libraries(libraries: List[str]) -> List[str]:
    """Those of ``libraries`` that cannot be imported, with mmcv's compiled
    operators, which both import at start."""
    missing = []
    for lib in libraries:
        try:
            importlib.import_module(lib)
            importlib.import_module('mmcv.ops')
        except Exception:  # ImportError, or mmcv-lite's missing _ext
            missing.append(lib)
    return missing


def require_stack_for(config: str) -> None:
    """Stop with one line naming the install command when the config needs
    mmseg or mmdet and this install lacks them (or mmcv's compiled ops)."""
    missing = missing_libraries(libraries_needed(config))
    if missing:
        names = ' and '.join(_PACKAGE[m] for m in missing)
        raise SystemExit(
            f'{config} needs {names} with mmcv\'s compiled operators, which '
            f'this install does not have: run `{FULL_INSTALL}` first.')
