# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pre-trained SplitMask weights into fine-tuning models, safely."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch

from helpers import ROOT, make_ade20k, python_env, write_images

CLS_TINY = osp.join(ROOT, 'configs', 'downstream', 'cls_vit-tiny_demo.py')
TINY_ARCH = dict(embed_dims=192, num_layers=4, num_heads=3,
                 feedforward_channels=768)
# data loading in the main process: faster to start for a few iterations
IN_PROCESS_LOADERS = [
    f'{split}_dataloader.{key}'
    for split in ('train', 'val', 'test')
    for key in ('num_workers=0', 'persistent_workers=False')
]


def run(cmd, timeout=600):
    proc = subprocess.run(cmd, cwd=ROOT, env=python_env(), timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    return proc.returncode, proc.stdout


def convert(pretrained, out, *extra):
    return run([sys.executable, osp.join(ROOT, 'tools',
                                         'convert_checkpoint.py'),
                pretrained, str(out)] + list(extra))


def test_converted_weights_load_with_no_missing_or_unexpected_key(
        registered, pretrained, tmp_path):
    from mmpretrain.models import VisionTransformer
    code, out = convert(pretrained, tmp_path / 'bb.pth')
    assert code == 0, out
    assert '62 tensors' in out and 'wrote mm weights' in out
    weights = torch.load(tmp_path / 'bb.pth', weights_only=True)
    assert all(k.startswith('backbone.') for k in weights['state_dict'])
    vit = VisionTransformer(arch=TINY_ARCH, img_size=96, patch_size=16,
                            layer_scale_init_value=0.1, out_type='raw',
                            norm_cfg=dict(type='LN', eps=1e-6))
    state = {k[9:]: v for k, v in weights['state_dict'].items()}
    result = vit.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    ours = torch.load(pretrained, weights_only=False)['state_dict']
    torch.testing.assert_close(vit.layers[3].attn.qkv.weight,
                               ours['backbone.layers.3.attn.qkv.weight'])


def test_timm_model_gives_the_same_features(registered, pretrained, tmp_path):
    import timm
    from mmpretrain.models import VisionTransformer
    code, out = convert(pretrained, tmp_path / 'timm.pth', '--format',
                        'timm')
    assert code == 0, out
    model = timm.create_model('vit_base_patch16_224', pretrained=False,
                              num_classes=0, img_size=96, embed_dim=192,
                              depth=4, num_heads=3, init_values=0.1)
    model.load_state_dict(torch.load(tmp_path / 'timm.pth',
                                     weights_only=True), strict=True)
    vit = VisionTransformer(arch=TINY_ARCH, img_size=96, patch_size=16,
                            layer_scale_init_value=0.1, out_type='raw',
                            norm_cfg=dict(type='LN', eps=1e-6))
    vit.load_state_dict({
        k[9:]: v
        for k, v in torch.load(pretrained, weights_only=False)
        ['state_dict'].items() if k.startswith('backbone.')
    })
    model.eval(), vit.eval()
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(model.forward_features(x), vit(x)[0],
                                   rtol=0, atol=1e-5)


def test_pos_embed_is_interpolated_and_reported(pretrained, tmp_path):
    code, out = convert(pretrained, tmp_path / 'bb.pth', '--img-size', '128')
    assert code == 0, out
    assert 'pos_embed interpolated (bicubic) from a (6, 6) grid to (8, 8)' \
        in out
    weights = torch.load(tmp_path / 'bb.pth', weights_only=True)
    assert weights['state_dict']['backbone.pos_embed'].shape == (1, 65, 192)


def test_checkpoint_of_another_model_is_refused(tmp_path):
    other = tmp_path / 'resnet.pth'
    torch.save({'state_dict': {'backbone.conv1.weight': torch.zeros(1),
                               'head.fc.weight': torch.zeros(1)}}, other)
    code, out = convert(str(other), tmp_path / 'bb.pth')
    assert code != 0
    assert 'Not a SplitMask/mmpretrain ViT checkpoint' in out
    assert "['backbone', 'head']" in out


def test_strict_loading_names_mismatching_keys(registered, pretrained,
                                               tmp_path):
    from mmengine.model import initialize
    from mmpretrain.models import VisionTransformer
    code, _ = convert(pretrained, tmp_path / 'bb.pth')
    weights = torch.load(tmp_path / 'bb.pth', weights_only=True)
    # a misnamed key, the kind upstream loading skips silently
    weights['state_dict']['backbone.layers.0.attn.qkv.weights'] = \
        weights['state_dict'].pop('backbone.layers.0.attn.qkv.weight')
    torch.save(weights, tmp_path / 'renamed.pth')
    vit = VisionTransformer(arch=TINY_ARCH, img_size=96, patch_size=16,
                            layer_scale_init_value=0.1,
                            norm_cfg=dict(type='LN', eps=1e-6))
    cfg = dict(type='Pretrained', strict=True,
               checkpoint=str(tmp_path /
                                                       'renamed.pth'),
               prefix='backbone.')
    with pytest.raises(ValueError, match=r"missing keys \['layers.0.attn"
                       r".qkv.weight'\], unexpected keys \['layers.0.attn"
                       r".qkv.weights'\]"):
        initialize(vit, cfg)
    initialize(vit, dict(cfg, checkpoint=str(tmp_path / 'bb.pth')))


def test_training_checkpoint_is_refused_by_the_safe_loader(
        registered, pretrained):
    from mmengine.model import initialize
    from mmpretrain.models import VisionTransformer
    vit = VisionTransformer(arch=TINY_ARCH, img_size=96, patch_size=16)
    with pytest.raises(ValueError, match='weights_only.*convert_checkpoint'):
        initialize(vit, dict(type='Pretrained', strict=True,
                             checkpoint=pretrained,
                             prefix='backbone.'))


class _TouchesAFile:
    """Unpickling this creates a file: code that ran while loading."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def test_weights_file_that_runs_code_is_refused(registered, tmp_path):
    """External weights load as plain tensors only: a pickle that would run
    code on load is refused, and its code never runs (strict Pretrained
    init and tools/convert_checkpoint.py both use this loader)."""
    from mmengine.model import initialize
    from mmpretrain.models import VisionTransformer
    marker = tmp_path / 'code_ran'
    evil = tmp_path / 'vit_weights.pth'
    torch.save({'state_dict': {'backbone.cls_token': torch.zeros(1, 1, 192),
                               'payload': _TouchesAFile(str(marker))}}, evil)
    vit = VisionTransformer(arch=TINY_ARCH, img_size=96, patch_size=16)
    with pytest.raises(ValueError, match='vit_weights.pth could not be '
                       'loaded as plain weights'):
        initialize(vit, dict(type='Pretrained', strict=True,
                             checkpoint=str(evil),
                             prefix='backbone.'))
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'convert_checkpoint.py'),
         str(evil), str(tmp_path / 'out.pth')], cwd=ROOT, env=python_env(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode != 0 and 'vit_weights.pth' in proc.stdout
    assert "safe loader" in proc.stdout
    assert not marker.exists()
    # the same file fully unpickled does run the code: the test has teeth
    torch.load(evil, weights_only=False)
    assert marker.exists()


def test_classification_fine_tuning_from_the_converted_backbone(
        pretrained, tmp_path):
    code, out = convert(pretrained, tmp_path / 'bb.pth')
    assert code == 0, out
    data = tmp_path / 'cls'
    for split, n in (('train', 8), ('val', 4)):
        for c in range(3):
            write_images(str(data / split / f'class_{c}'), n, seed=10 * c)
    code, out = run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'), CLS_TINY,
        '--work-dir', str(tmp_path / 'ft'), '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={tmp_path / "bb.pth"}',
        f'train_dataloader.dataset.data_root={data}',
        f'val_dataloader.dataset.data_root={data}',
        f'test_dataloader.dataset.data_root={data}',
        'model.head.num_classes=3', 'model.data_preprocessor.num_classes=3',
        'train_dataloader.batch_size=8', 'train_cfg.max_epochs=2',
        'train_cfg.val_interval=2', 'param_scheduler.1.end=2',
    ] + IN_PROCESS_LOADERS)
    assert code == 0, out[-4000:]
    assert 'Loaded 62 tensors into VisionTransformer' in out
    assert 'Epoch(val) [2][' in out and 'accuracy/top1:' in out


def test_segmentation_fine_tuning_from_the_converted_backbone(
        pretrained, tmp_path):
    """mmseg UperNet on ADE20K-layout data, mIoU from mmseg's evaluator."""
    code, out = convert(pretrained, tmp_path / 'bb.pth')
    assert code == 0, out
    root = make_ade20k(str(tmp_path), count=8, val_count=3)
    code, out = run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'),
        osp.join(ROOT, 'configs', 'downstream', 'upernet_vit-tiny_demo.py'),
        '--work-dir', str(tmp_path / 'seg'), '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={tmp_path / "bb.pth"}',
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
        'param_scheduler.0.end=2', 'param_scheduler.1.begin=2',
        'param_scheduler.1.end=4', 'default_hooks.logger.interval=1'
    ] + IN_PROCESS_LOADERS)
    assert code == 0, out[-4000:]
    assert 'Loaded 62 tensors into VisionTransformer' in out
    # pos_embed follows the 96px crops (6x6 grid here, as pre-trained)
    assert 'Iter(val) [3/3]' in out and 'mIoU:' in out


def test_layer_decay_for_a_model_with_a_vit_backbone(registered):
    """mmseg/mmdet models have no get_layer_depth: ours asks the backbone."""
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.models import VisionTransformer

    class Segmenter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = VisionTransformer(arch=TINY_ARCH, img_size=32)
            self.decode_head = torch.nn.Linear(192, 3)

    wrapper = build_optim_wrapper(Segmenter(), dict(
        type='OptimWrapper',
        optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
        constructor='ViTLayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=0.5)))
    lr = {g['param_name']: g['lr']
          for g in wrapper.optimizer.param_groups}
    # 4 blocks: stem depth 0, block i depth i+1, head depth 5 of 6
    assert lr['backbone.patch_embed.projection.weight'] == 0.5**5
    assert lr['backbone.pos_embed'] == 0.5**5
    for i in range(4):
        assert lr[f'backbone.layers.{i}.attn.qkv.weight'] == 0.5**(4 - i)
    assert lr['decode_head.weight'] == 1.0


def test_detection_fine_tuning_from_the_converted_backbone(
        pretrained, tmp_path):
    """mmdet Mask R-CNN, ViTDet style, on COCO-layout data: bbox and segm
    AP from mmdet's COCO evaluator."""
    from helpers import make_coco
    code, out = convert(pretrained, tmp_path / 'bb.pth')
    assert code == 0, out
    root = make_coco(str(tmp_path))
    ann = osp.join(root, 'annotations', 'instances_val2017.json')
    code, out = run([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'),
        osp.join(ROOT, 'configs', 'downstream', 'maskrcnn_vit-tiny_demo.py'),
        '--work-dir', str(tmp_path / 'det'), '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={tmp_path / "bb.pth"}',
        f'train_dataloader.dataset.data_root={root}/',
        f'val_dataloader.dataset.data_root={root}/',
        f'test_dataloader.dataset.data_root={root}/',
        f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}',
        'train_cfg.max_iters=3', 'train_cfg.val_interval=3',
        'param_scheduler.0.end=1', 'param_scheduler.1.end=3',
        'param_scheduler.1.milestones=[2]',
        # 3 iterations leave every score near 1/81: keep them all so that
        # the evaluator has detections to score
        'model.test_cfg.rcnn.score_thr=0.0',
        'default_hooks.logger.interval=1'
    ] + IN_PROCESS_LOADERS)
    assert code == 0, out[-4000:]
    assert 'Loaded 62 tensors into WindowedViT' in out
    assert 'coco/bbox_mAP:' in out and 'coco/segm_mAP:' in out


def test_window_attention_stays_inside_windows(registered):
    import splitmask_mm.det  # noqa: F401
    from mmdet.registry import MODELS
    from mmpretrain.models import VisionTransformer
    cfg = dict(type='mmdet.WindowedViT', arch=TINY_ARCH, img_size=64,
               patch_size=16, window_size=2, out_indices=[3],
               final_norm=False)
    torch.manual_seed(0)
    local = MODELS.build(dict(cfg, global_attn_indexes=()))
    local.eval()  # BaseBackbone.train() returns None: no chaining
    x = torch.randn(1, 3, 64, 64)
    x2 = x.clone()
    x2[..., :32, :32] = torch.randn(1, 3, 32, 32)  # top-left 2x2 window
    with torch.no_grad():
        a, b = local(x)[0], local(x2)[0]
    changed = (a - b).abs().amax(dim=1)[0] > 1e-6
    assert changed[:2, :2].all() and not changed[2:].any() \
        and not changed[:, 2:].any()
    # all-global blocks, no class token: a plain ViT without one
    glob = MODELS.build(dict(cfg, global_attn_indexes=(0, 1, 2, 3)))
    plain = VisionTransformer(arch=TINY_ARCH, img_size=64, patch_size=16,
                              out_indices=[3], out_type='featmap',
                              final_norm=False, with_cls_token=False)
    glob.eval(), plain.eval()
    plain.load_state_dict(
        {k: v for k, v in glob.state_dict().items() if k != 'cls_token'},
        strict=True)
    with torch.no_grad():
        torch.testing.assert_close(glob(x)[0], plain(x)[0], rtol=1e-5,
                                   atol=1e-5)


def assert_converts_to_the_same_features(state, vit, reference, source,
                                         **tolerance):
    """``state`` (a pre-training checkpoint's ``backbone.*`` keys) loads
    into ``vit`` strictly after conversion, and ``vit`` then computes what
    ``reference`` (the source model's features) does."""
    from splitmask_mm.weights import extract_backbone
    result = vit.load_state_dict(extract_backbone({'state_dict': state}),
                                 strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    source.eval(), vit.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(vit(x)[0], reference(x), **tolerance)


def test_beit_backbone_converts_to_the_same_plain_vit(registered):
    """The BEiT baseline (absolute positions) becomes our plain ViT layout:
    every key lands strictly and the features are the same."""
    from mmpretrain.models import VisionTransformer
    from mmpretrain.models.selfsup.beit import BEiTPretrainViT
    arch = dict(embed_dims=48, num_layers=2, num_heads=3,
                feedforward_channels=96)
    torch.manual_seed(0)
    beit = BEiTPretrainViT(arch=arch, img_size=32, patch_size=8,
                           use_abs_pos_emb=True, use_rel_pos_bias=False,
                           use_shared_rel_pos_bias=False,
                           layer_scale_init_value=0.1, out_type='raw',
                           final_norm=True)
    beit.init_weights()
    with torch.no_grad():  # non-trivial biases and layer scales
        for name, p in beit.named_parameters():
            if 'bias' in name or 'gamma' in name:
                p.uniform_(-0.5, 0.5)
    state = {f'backbone.{k}': v for k, v in beit.state_dict().items()}
    vit = VisionTransformer(arch=arch, img_size=32, patch_size=8,
                            layer_scale_init_value=0.1, out_type='raw',
                            norm_cfg=dict(type='LN', eps=1e-6))
    assert_converts_to_the_same_features(
        state, vit, lambda x: beit(x, None)[0], beit, rtol=1e-5, atol=1e-5)


def test_beit_with_relative_position_bias_is_refused():
    from splitmask_mm.weights import extract_backbone
    state = {'backbone.cls_token': torch.zeros(1, 1, 4),
             'backbone.pos_embed': torch.zeros(1, 5, 4),
             'backbone.patch_embed.projection.weight': torch.zeros(4, 3, 2, 2),
             'backbone.layers.0.attn.qkv.weight': torch.zeros(12, 4),
             'backbone.layers.0.attn.q_bias': torch.zeros(4),
             'backbone.layers.0.attn.v_bias': torch.zeros(4),
             'backbone.rel_pos_bias.relative_position_bias_table':
             torch.zeros(3, 1)}
    with pytest.raises(ValueError, match='use_rel_pos_bias=False'):
        extract_backbone({'state_dict': state})


def test_vit_without_layer_scale_converts_to_the_same_features(registered):
    """mmpretrain's MAE has no layer scale; the fine-tuning ViTs have one:
    scales of 1 make the same function, and every key loads strictly."""
    from mmpretrain.models import VisionTransformer
    arch = dict(embed_dims=48, num_layers=2, num_heads=3,
                feedforward_channels=96)
    torch.manual_seed(0)
    plain = VisionTransformer(arch=arch, img_size=32, patch_size=8,
                              out_type='raw')
    state = {f'backbone.{k}': v for k, v in plain.state_dict().items()}
    scaled = VisionTransformer(arch=arch, img_size=32, patch_size=8,
                               layer_scale_init_value=0.1, out_type='raw')
    assert_converts_to_the_same_features(
        state, scaled, lambda x: plain(x)[0], plain)


FINETUNE_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'downstream', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'study', 'upernet_*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'study', 'maskrcnn_vit*.py')))


@pytest.mark.parametrize('config', FINETUNE_CONFIGS, ids=osp.basename)
def test_fine_tuning_starts_from_every_pre_trained_tensor(config, tmp_path):
    """After the model's own ``init_weights`` (as the runner calls it),
    every backbone tensor is the file's (pos_embed as the ViT's load hook
    resizes it). An init_cfg applied before the modules' own initialisation
    passed the key checks and still lost 17 of the study ViT's 60 tensors:
    mmpretrain's transformer layers redrew their FFNs, the ViT its
    pos_embed."""
    import importlib

    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import splitmask_mm  # noqa: F401
    from splitmask_mm._scope import resolve_scope
    cfg = Config.fromfile(config)
    resolve_scope(cfg)
    scope = cfg.get('default_scope', 'mmpretrain')
    init_cfg = cfg.model.backbone.init_cfg
    assert init_cfg.type == 'Pretrained' and init_cfg.strict, init_cfg
    with DefaultScope.overwrite_default_scope(scope):
        importlib.import_module(f'{scope}.models')
        registry = importlib.import_module(f'{scope}.registry').MODELS
        # weights in the backbone's own shapes, drawn apart from its init
        cfg.model.backbone.init_cfg = None
        source = registry.build(cfg.model.backbone)
        torch.manual_seed(1)
        weights = {f'backbone.{k}': torch.randn_like(v)
                   if v.is_floating_point() else v
                   for k, v in source.state_dict().items()}
        path = tmp_path / 'backbone.pth'
        torch.save(dict(state_dict=weights), path)
        source.load_state_dict({k[len('backbone.'):]: v
                                for k, v in weights.items()})
        expected = source.state_dict()

        cfg.model.backbone.init_cfg = dict(init_cfg, checkpoint=str(path))
        model = registry.build(cfg.model)
        model.init_weights()
    loaded = model.backbone.state_dict()
    redrawn = [k for k, v in expected.items()
               if k in loaded and not torch.equal(loaded[k], v)]
    assert not redrawn, f'{osp.basename(config)}: {redrawn}'


def test_retired_strict_pretrained_name_is_refused(registered):
    from mmengine.model import initialize
    from mmpretrain.models import VisionTransformer
    vit = VisionTransformer(arch=TINY_ARCH, img_size=96, patch_size=16)
    with pytest.raises(ValueError, match="'StrictPretrained' is retired.*"
                       "type='Pretrained', strict=True"):
        initialize(vit, dict(type='StrictPretrained', checkpoint='x.pth'))
