# Copyright (c) splitmask_mm authors. All rights reserved.
"""Which install level a config needs, and the one-line stop without it."""
import importlib
import os.path as osp

import pytest

from helpers import ROOT
from splitmask_mm import stack

CONFIGS = osp.join(ROOT, 'configs')


@pytest.mark.parametrize('config,needed', [
    ('splitmask/vit-b_ade20k.py', []),
    ('splitmask/vit-tiny_demo.py', []),
    ('downstream/cls_vit-tiny_demo.py', []),
    ('downstream/upernet_vit-tiny_demo.py', ['mmseg']),
    ('downstream/upernet_vit-s_ade20k.py', ['mmseg']),  # through its base
    ('downstream/maskrcnn_vit-tiny_xcit-fpn_demo.py', ['mmdet']),
    ('study/upernet_vit-tiny-p8_digits.py', ['mmseg']),
])
def test_libraries_a_config_needs(config, needed):
    assert stack.libraries_needed(osp.join(CONFIGS, config)) == needed


def test_missing_full_stack_stops_with_the_install_command(monkeypatch):
    real = importlib.import_module

    def without_mmseg(name, *args, **kwargs):
        if name == 'mmseg':
            raise ImportError('No module named mmseg')
        return real(name, *args, **kwargs)

    monkeypatch.setattr(stack.importlib, 'import_module', without_mmseg)
    config = osp.join(CONFIGS, 'downstream', 'upernet_vit-tiny_demo.py')
    with pytest.raises(SystemExit) as stop:
        stack.require_stack_for(config)
    message = str(stop.value)
    assert 'needs mmsegmentation' in message
    assert 'bash tools/install.sh --full' in message
    assert '\n' not in message
    # a pre-training config needs neither
    stack.require_stack_for(osp.join(CONFIGS, 'splitmask', 'vit-b_ade20k.py'))
