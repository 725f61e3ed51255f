# Copyright (c) splitmask_mm authors. All rights reserved.
import ast
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from helpers import ROOT
from splitmask_mm.schedule import (ADE20K_TRAIN_IMAGES, COCO_TRAIN2017_IMAGES,
                                   IMAGENET1K_TRAIN_IMAGES, paper_schedule)

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'splitmask', '*.py')))
# every pre-training config that follows the paper's recipe
PAPER_CONFIGS = [c for c in CONFIGS if 'demo' not in c and 'dalle' not in c]
DATA_CONFIGS = [c for c in PAPER_CONFIGS if 'custom' not in c]
BASELINES = sorted(glob.glob(osp.join(ROOT, 'configs', 'baselines', '*.py')))
DOWNSTREAM = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'downstream', '*.py')))
IMAGES = dict(ade20k=ADE20K_TRAIN_IMAGES, coco=COCO_TRAIN2017_IMAGES,
              in1k=IMAGENET1K_TRAIN_IMAGES)
FOLDERS = dict(
    ade20k=('data/ade/ADEChallengeData2016/', 'images/training'),
    coco=('data/coco/', 'train2017'),
    in1k=('data/imagenet/', 'train'),
    custom=('data/custom/', ''))
WIDTH = {'b': 768, 'deit-s': 384}

# The paper's values (its text and supplement), which the README marks
# [paper]: each pre-training config must carry them, so that a later change
# cannot drift from the paper silently.
SUPPLEMENT = dict(
    tokenizer='RandomProjectionTokenizer',
    num_tokens=8192,
    split=dict(mode='block', ratio=0.5, min_num_patches=16,
               max_num_patches=75),
    small_set_split=dict(mode='random', ratio=0.25),
    # colour jitter: mmpretrain's, with a hue step that works on numpy 2
    small_set_augmentations={'ColorJitterWrappedHue', 'RandomGrayscale',
                             'GaussianBlur', 'Solarize'},
    decoder_depth=2,
    temperature=0.2,
    total_batch=2048,
    reference_epochs=300,
    max_epochs=5000,
    lr=1.5e-3,
    weight_decay=0.05,
    drop_path=0.1,
)


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


def _pipeline_types(pipeline):
    types = set()
    for t in pipeline:
        types.add(t['type'])
        for inner in t.get('transforms', []):
            types.add(inner['type'])
    return types


@pytest.mark.parametrize('path', PAPER_CONFIGS, ids=osp.basename)
def test_config_carries_the_papers_values(path):
    cfg = Config.fromfile(path)
    model, p = cfg.model, SUPPLEMENT
    # targets: random projection, 8192 entries, predicted by the head
    assert model.target_generator.type == p['tokenizer']
    assert model.target_generator.num_tokens == p['num_tokens'] == \
        model.head.num_classes
    assert model.head.target_type == 'tokens'
    # split: BEiT's block masking at 50%, or the small-set recipe
    pipeline = cfg.train_dataloader.dataset.pipeline
    split = [t for t in pipeline if t.type == 'SplitMaskGenerator'][0]
    if 'small' in path:
        expected = p['small_set_split']
        assert p['small_set_augmentations'] <= _pipeline_types(pipeline)
    else:
        expected = p['split']
    assert {k: split[k] for k in expected} == expected
    # decoder: 2 blocks as wide as the encoder (heads of 64 channels)
    width = WIDTH[model.backbone.arch]
    assert model.neck.depth == p['decoder_depth']
    assert model.neck.embed_dims == model.neck.in_channels == width
    assert model.head.in_channels == width
    assert model.neck.embed_dims // model.neck.num_heads == 64
    # InfoNCE at SimCLR's temperature over all decoder outputs
    assert model.head.temperature == p['temperature']
    assert model.head.match_pool == 'all'
    # BEiT's optimisation at batch 2048, the schedule rule with its cap
    assert 8 * cfg.train_dataloader.batch_size == p['total_batch']
    assert cfg.optim_wrapper.optimizer.lr == p['lr']
    assert cfg.optim_wrapper.optimizer.weight_decay == p['weight_decay']
    assert model.backbone.drop_path_rate == p['drop_path']
    assert cfg.train_cfg.type == 'PaperScheduleTrainLoop'
    assert cfg.train_cfg.reference_epochs == p['reference_epochs']
    assert cfg.train_cfg.reference_images == IMAGENET1K_TRAIN_IMAGES
    assert cfg.train_cfg.max_epochs == p['max_epochs']


@pytest.mark.parametrize('path', PAPER_CONFIGS, ids=osp.basename)
def test_config_reads_its_data_set(path):
    cfg = Config.fromfile(path)
    data = osp.basename(path)[:-3].split('_')[1].replace('-small', '')
    dataset = cfg.train_dataloader.dataset
    assert (dataset.data_root, dataset.data_prefix) == FOLDERS[data]


def test_readme_schedule_table_matches_the_rule():
    readme = open(osp.join(ROOT, 'README.md')).read()
    for data, images in IMAGES.items():
        iters = paper_schedule(images)['max_iters']
        assert f'{iters:,}' in readme, (data, iters)


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
    for key in ('data_root', 'data_prefix'):
        assert cfg.train_dataloader.dataset[key] == \
            ours.train_dataloader.dataset[key]
    assert cfg.train_dataloader.batch_size == ours.train_dataloader.batch_size
    assert cfg.train_cfg == ours.train_cfg
    assert cfg.get('param_scheduler') == ours.get('param_scheduler')
    if cfg.model.type == 'BEiT' and 'dalle' not in path:
        # the paper's BEiT on target data: the same random projection,
        # as logits for BEiTV1Head; absolute positions, as our ViTs
        target = cfg.model.target_generator
        assert target.type == 'RandomProjectionTokenizer'
        assert target.output == 'logits'
        assert target.num_tokens == ours.model.target_generator.num_tokens
        assert cfg.model.backbone.use_abs_pos_emb
        assert not cfg.model.backbone.use_shared_rel_pos_bias


def test_random_projection_is_the_default_target(registered):
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        target = cfg.model.target_generator
        expected = 'DALL-E' if path.endswith('_dalle.py') else \
            'RandomProjectionTokenizer'
        assert target.type == expected, path
        assert cfg.model.head.target_type == 'tokens'
    dalle = {osp.basename(c) for c in CONFIGS if c.endswith('_dalle.py')}
    assert dalle == {f'vit-b_{d}_dalle.py' for d in IMAGES}


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_model_and_pipeline_agree_on_the_grid(registered, path):
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(path)
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

    def results(name):
        model = [m for m in index.models if m.name == name][0]
        return {(r.dataset, k): v for r in model.results.data
                for k, v in r.metrics.items()}

    # the paper's own numbers, each on the config of its setting
    coco = results('splitmask_vit-s-p16_coco')
    assert coco[('COCO', 'box AP (paper, Mask R-CNN 3x, COCO-only '
                 'pre-training)')] == 45.3
    assert coco[('COCO', 'mask AP (paper, Mask R-CNN 3x, COCO-only '
                 'pre-training)')] == 40.6
    ade = results('splitmask_vit-b-p16_ade20k')
    assert ade[('ADE20K', 'mIoU (paper, UperNet, ADE20K-only '
                'pre-training)')] == 45.7
    cars = results('splitmask_vit-s-p16_custom-small')
    assert cars[('Stanford Cars', 'Top 1 Accuracy (paper, target-only '
                 'pre-training)')] == 92.8
