# Copyright (c) splitmask_mm authors. All rights reserved.
"""``splitmask_mm::`` config bases, as ``mmseg::`` and ``mmdet::`` work.

A config anywhere can inherit ours once this package is imported (our
tools import it first; in your own script, ``import splitmask_mm`` before
``Config.fromfile``)::

    _base_ = ['splitmask_mm::splitmask/vit-b_ade20k.py']

mmengine resolves ``pkg::path`` bases through its own fixed table of
OpenMMLab packages (``mmengine.config.utils.MODULE2PACKAGE``, 0.10.x) and
reads ``<installed package>/.mim/configs/path``. Two things are ours:

- the scope joins that table on import (mmengine 0.10 has no API for a
  third-party package to register one);
- the installed path: mmengine derives it from the distribution's location
  (site-packages), which for an editable install (pip's PEP 660 finder)
  is not where the package is, so ``splitmask_mm`` resolves to this
  directory, wherever it was imported from. Other packages are untouched.

``.mim/`` holds the configs, the tools and the model index (OpenMMLab's
layout): links into the repository, which a wheel holds as copies
(setup.py). mmengine reads ``_base_`` before it
imports ``custom_imports``, so a config's own ``custom_imports`` cannot
make the scope known to the config that names it.
"""
import os.path as osp

SCOPE = 'splitmask_mm'
PACKAGE_DIR = osp.dirname(osp.abspath(__file__))


def register_config_scope() -> None:
    """Make ``splitmask_mm::`` bases resolvable by mmengine (idempotent)."""
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils
    config_utils.MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
    found = config_module.get_installed_path
    if getattr(found, 'knows_splitmask_mm', False):
        return

    def get_installed_path(package: str) -> str:
        if package == SCOPE:
            return PACKAGE_DIR
        return found(package)

    get_installed_path.knows_splitmask_mm = True
    config_module.get_installed_path = get_installed_path


def resolve_scope(cfg) -> None:
    """Build what came from a ``splitmask_mm::`` base in the scope its
    config declares.

    mmengine marks every typed dict of a package-scoped base with
    ``_scope_='<package>'``, the registry scope of OpenMMLab's own packages.
    Ours are configs of other scopes: ``default_scope = 'mmpretrain'``
    (pre-training, our modules included) or ``'mmseg'``/``'mmdet'``
    (fine-tuning), whose unprefixed types (``EncoderDecoder``, mmseg's
    ``RandomCrop`` rather than mmpretrain's) only those registries hold.
    So ``_scope_='splitmask_mm'`` becomes the config's ``default_scope``
    (in place). ``SplitMaskRunner.from_cfg`` and our tools call this.
    """
    scope = cfg.get('default_scope')

    def visit(node) -> None:
        if isinstance(node, dict):
            if node.get('_scope_') == SCOPE:
                if scope:
                    node['_scope_'] = scope
                else:
                    del node['_scope_']
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(cfg._cfg_dict if hasattr(cfg, '_cfg_dict') else cfg)
