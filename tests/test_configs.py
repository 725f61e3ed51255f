# Copyright (c) splitmask_mm authors. All rights reserved.
import ast
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from conftest import ROOT, make_random_vocabulary
from splitmask_mm.schedule import (ADE20K_TRAIN_IMAGES, COCO_TRAIN2017_IMAGES,
                                   IMAGENET1K_TRAIN_IMAGES, paper_schedule)

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'splitmask', '*.py')))
PAPER_CONFIGS = [
    c for c in CONFIGS
    if 'demo' not in c and 'dalle' not in c and 'custom' not in c
]
BASELINES = sorted(glob.glob(osp.join(ROOT, 'configs', 'baselines', '*.py')))
DOWNSTREAM = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'downstream', '*.py')))
IMAGES = dict(ade20k=ADE20K_TRAIN_IMAGES, coco=COCO_TRAIN2017_IMAGES,
              in1k=IMAGENET1K_TRAIN_IMAGES)


def base_depth(path):
    tree = ast.parse(open(path).read())
    bases = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            value = ast.literal_eval(node.value)
            bases = [value] if isinstance(value, str) else list(value)
    if not bases:
        return 0
    # 'pkg::path' bases are OpenMMLab's own files (one level, no bases)
    return 1 + max(
        0 if '::' in b else base_depth(
            osp.normpath(osp.join(osp.dirname(path), b))) for b in bases)


def test_all_expected_configs_exist():
    names = {osp.basename(c) for c in CONFIGS}
    for arch in ('vit-b', 'vit-s'):
        for data in ('ade20k', 'coco', 'in1k', 'custom'):
            assert f'{arch}_{data}.py' in names
    baselines = {osp.basename(c) for c in BASELINES}
    for method in ('beit', 'mae'):
        for data in ('ade20k', 'coco', 'custom'):
            assert f'{method}_vit-b_{data}.py' in baselines


@pytest.mark.parametrize('path', CONFIGS + BASELINES + DOWNSTREAM,
                         ids=osp.basename)
def test_config_is_shallow_and_imports_the_plugin(path):
    assert base_depth(path) <= 2
    cfg = Config.fromfile(path)
    assert cfg.custom_imports == dict(
        imports=['splitmask_mm'], allow_failed_imports=False)


@pytest.mark.parametrize('path', PAPER_CONFIGS, ids=osp.basename)
def test_schedule_follows_the_paper_rule(path):
    cfg = Config.fromfile(path)
    data = osp.basename(path)[:-3].split('_')[1]
    total_batch = 8 * cfg.train_dataloader.batch_size
    assert total_batch == 2048
    expected = paper_schedule(IMAGES[data], total_batch)
    assert cfg.train_cfg.max_iters == expected['max_iters']
    warmup, cosine = cfg.param_scheduler
    assert warmup.end == cosine.begin == expected['warmup_iters']
    assert cosine.end == expected['max_iters']
    assert expected['epochs'] <= 5000


def test_paper_rule_caps_small_sets_at_5000_epochs():
    ade = paper_schedule(ADE20K_TRAIN_IMAGES)
    coco = paper_schedule(COCO_TRAIN2017_IMAGES)
    assert coco['max_iters'] == paper_schedule(IMAGENET1K_TRAIN_IMAGES)[
        'max_iters'] == 187671
    assert ade['max_iters'] == 49340 and round(ade['epochs']) == 5000
    with pytest.raises(ValueError):
        paper_schedule(0)


@pytest.mark.parametrize('path', BASELINES, ids=osp.basename)
def test_baseline_shares_data_and_schedule_with_splitmask(path):
    cfg = Config.fromfile(path)
    data = osp.basename(path)[:-3].split('_')[2]
    ours = Config.fromfile(
        osp.join(ROOT, 'configs', 'splitmask', f'vit-b_{data}.py'))
    assert cfg.model.type in ('BEiT', 'MAE')
    assert cfg.train_dataloader.dataset.data_root == \
        ours.train_dataloader.dataset.data_root
    assert cfg.train_dataloader.batch_size == ours.train_dataloader.batch_size
    assert cfg.train_cfg == ours.train_cfg
    assert cfg.get('param_scheduler') == ours.get('param_scheduler')


def test_vocabulary_is_the_default_target(registered):
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        target = cfg.model.target_generator
        expected = 'DALL-E' if path.endswith('_dalle.py') else \
            'PatchVocabularyTokenizer'
        assert target.type == expected, path
        assert cfg.model.head.target_type == 'tokens'
    dalle = {osp.basename(c) for c in CONFIGS if c.endswith('_dalle.py')}
    assert dalle == {f'vit-b_{d}_dalle.py' for d in IMAGES}


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_model_and_pipeline_agree_on_the_grid(registered, path, vocab_8192,
                                              tmp_path):
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(path)
    if cfg.model.target_generator.type == 'PatchVocabularyTokenizer':
        size = cfg.model.head.num_classes
        cfg.model.target_generator.vocabulary = vocab_8192 if size == 8192 \
            else make_random_vocabulary(tmp_path / 'v.pth', size)
    pipeline = cfg.train_dataloader.dataset.pipeline
    gen = [t for t in pipeline if t.type == 'SplitMaskGenerator'][0]
    crop = [t for t in pipeline if 'RandomResizedCrop' in t.type][0]
    crop_size = crop.get('scale') if crop.type == 'RandomResizedCrop' \
        else crop.size
    model = MODELS.build(cfg.model)
    backbone = model.backbone
    assert tuple(backbone.patch_resolution) == (gen.input_size,) * 2
    assert crop_size == gen.input_size * gen.patch_size
    assert model.neck.num_patches == gen.input_size**2
    assert model.neck.decoder_embed.in_features == backbone.embed_dims
    assert model.head.predictor.in_features == \
        model.neck.decoder_embed.out_features


SHAPE_KEYS = ('arch', 'patch_size', 'layer_scale_init_value', 'norm_cfg')


@pytest.mark.parametrize('path', DOWNSTREAM, ids=osp.basename)
def test_fine_tuning_backbone_is_the_pre_training_one(path):
    """One ViT definition (configs/_base_/backbones) for both ends."""
    name = osp.basename(path)
    arch = 'vit-tiny_demo' if 'tiny' in name else \
        'vit-s_ade20k' if 'vit-s' in name else 'vit-b_ade20k'
    ours = Config.fromfile(
        osp.join(ROOT, 'configs', 'splitmask', f'{arch}.py')).model.backbone
    theirs = Config.fromfile(path).model.backbone
    for key in SHAPE_KEYS:
        assert theirs[key] == ours[key], key


def test_model_index_lists_every_config_and_the_papers_numbers():
    from modelindex.load_model_index import load
    index = load(osp.join(ROOT, 'model-index.yml'))
    named = {osp.normpath(osp.join(ROOT, m.config.filepath
                                   if hasattr(m.config, 'filepath')
                                   else m.config))
             for m in index.models}
    assert named == {osp.normpath(c) for c in CONFIGS}
    for path in named:
        Config.fromfile(path)
    coco = [m for m in index.models if m.name == 'splitmask_vit-b-p16_coco']
    metrics = {k: v for r in coco[0].results.data for k, v in
               r.metrics.items()}
    assert metrics['box AP (paper, Mask R-CNN, COCO-only pre-training)'] \
        == 46.8
