# Copyright (c) splitmask_mm authors. All rights reserved.
import math

import pytest
import torch

from splitmask_mm.models import (NormalizedPixelTarget, SplitMaskDecoder,
                                 SplitMaskHead, SplitMaskViT, info_nce,
                                 patchify, split_indices)

TINY = dict(
    embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def tiny_vit(**kwargs):
    torch.manual_seed(0)
    vit = SplitMaskViT(arch=TINY, img_size=64, patch_size=16, **kwargs)
    vit.init_weights()
    vit.eval()  # BaseBackbone.train() returns None, so no chaining
    return vit


def random_mask(n, L, num_b, seed=0):
    g = torch.Generator().manual_seed(seed)
    mask = torch.zeros(n, L, dtype=torch.bool)
    for i in range(n):
        mask[i, torch.randperm(L, generator=g)[:num_b]] = True
    return mask


def test_split_indices_in_raster_order():
    mask = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 1]], dtype=torch.bool)
    ids_a, ids_b = split_indices(mask)
    assert ids_a.tolist() == [[0, 3], [1, 2]]
    assert ids_b.tolist() == [[1, 2], [0, 3]]


def test_split_indices_refuses_unequal_counts():
    mask = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 0]], dtype=torch.bool)
    with pytest.raises(ValueError, match='same number'):
        split_indices(mask)


def test_backbone_keeps_the_upstream_vit_key_layout():
    from mmpretrain.models import VisionTransformer
    ours = tiny_vit(layer_scale_init_value=0.1)
    plain = VisionTransformer(
        arch=TINY, img_size=64, patch_size=16, out_type='raw',
        layer_scale_init_value=0.1, norm_cfg=dict(type='LN', eps=1e-6))
    ours_sd, plain_sd = ours.state_dict(), plain.state_dict()
    assert list(ours_sd) == list(plain_sd)
    assert all(ours_sd[k].shape == plain_sd[k].shape for k in ours_sd)


def test_nothing_hidden_equals_the_plain_vit_forward():
    from mmpretrain.models import VisionTransformer
    ours = tiny_vit(layer_scale_init_value=0.1)
    plain = VisionTransformer(
        arch=TINY, img_size=64, patch_size=16, out_type='raw',
        layer_scale_init_value=0.1, norm_cfg=dict(type='LN', eps=1e-6))
    plain.load_state_dict(ours.state_dict(), strict=True)
    plain.eval()
    x = torch.randn(3, 3, 64, 64)
    nothing_hidden = torch.zeros(3, 4, 4, dtype=torch.bool)
    with torch.no_grad():
        latent_a, latent_b, ids_a, ids_b = ours(x, nothing_hidden)
        expected = plain(x)[0]
        plain_forward_of_ours = ours(x)[0]
    assert ids_b.shape[1] == 0 and latent_b.shape[1] == 1  # class token only
    torch.testing.assert_close(latent_a, expected, rtol=0, atol=1e-6)
    torch.testing.assert_close(plain_forward_of_ours, expected, rtol=0,
                               atol=0)


def test_each_branch_sees_only_its_own_patches():
    vit = tiny_vit()
    x = torch.randn(2, 3, 64, 64)
    mask = random_mask(2, 16, 8)
    # Change only the pixels of subset B's patches.
    pixel_mask = mask.reshape(2, 1, 4, 1, 4, 1).expand(2, 3, 4, 16, 4, 16)
    pixel_mask = pixel_mask.reshape(2, 3, 64, 64)
    x2 = torch.where(pixel_mask, torch.randn_like(x), x)
    with torch.no_grad():
        a1, b1, _, _ = vit(x, mask)
        a2, b2, _, _ = vit(x2, mask)
    torch.testing.assert_close(a1, a2, rtol=0, atol=0)
    assert (b1 - b2).abs().max() > 1e-3


def test_batched_halves_equal_separate_passes():
    vit = tiny_vit()
    x = torch.randn(2, 3, 64, 64)
    mask = random_mask(2, 16, 8)
    with torch.no_grad():
        latent_a, latent_b, ids_a, ids_b = vit(x, mask)
        tokens = vit.patch_embed(x)[0] + vit.pos_embed[:, 1:]
        for latent, ids in ((latent_a, ids_a), (latent_b, ids_b)):
            alone = vit.encode(
                torch.stack([t[i] for t, i in zip(tokens, ids)]))
            torch.testing.assert_close(latent, alone, rtol=1e-5,
                                       atol=1e-5)


def test_unequal_split_runs_two_passes():
    vit = tiny_vit()
    mask = random_mask(2, 16, 12)  # A has 4 patches (ratio 0.25)
    latent_a, latent_b, ids_a, ids_b = vit(torch.randn(2, 3, 64, 64), mask)
    assert latent_a.shape[1] == 1 + 4 and latent_b.shape[1] == 1 + 12


def test_backbone_refuses_a_grid_that_does_not_match():
    vit = tiny_vit()
    with pytest.raises(ValueError, match='grid'):
        vit(torch.randn(1, 3, 64, 64), torch.zeros(1, 5, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match='grid'):
        vit(torch.randn(1, 3, 80, 80), torch.zeros(1, 4, 4, dtype=torch.bool))


def test_decoder_output_rows_line_up_with_patches():
    # Without blocks the decoder is embed + scatter + pos + norm: visible
    # patches must come out at their own rows, mask tokens everywhere else.
    torch.manual_seed(0)
    dec = SplitMaskDecoder(num_patches=16, in_channels=8, embed_dims=12,
                           depth=0, num_heads=2)
    dec.init_weights()
    latent = torch.randn(2, 1 + 5, 8)
    ids = torch.stack([torch.randperm(16)[:5] for _ in range(2)])
    out = dec(latent, ids)
    assert out.shape == (2, 16, 12)
    pos = dec.decoder_pos_embed[0, 1:]
    for n in range(2):
        for j, i in enumerate(ids[n].tolist()):
            expected = dec.ln1(dec.decoder_embed(latent[n, 1 + j]) + pos[i])
            torch.testing.assert_close(out[n, i], expected)
        hidden = sorted(set(range(16)) - set(ids[n].tolist()))
        for i in hidden:
            expected = dec.ln1(dec.mask_token[0, 0] + pos[i])
            torch.testing.assert_close(out[n, i], expected)


def test_decoder_does_not_depend_on_token_order():
    torch.manual_seed(0)
    dec = SplitMaskDecoder(num_patches=16, in_channels=8, embed_dims=16,
                           depth=2, num_heads=2).eval()
    dec.init_weights()
    latent = torch.randn(1, 1 + 6, 8)
    ids = torch.randperm(16)[:6][None]
    perm = torch.randperm(6)
    shuffled = torch.cat([latent[:, :1], latent[:, 1:][:, perm]], 1)
    with torch.no_grad():
        torch.testing.assert_close(
            dec(latent, ids), dec(shuffled, ids[:, perm]), rtol=1e-5,
            atol=1e-5)


def _head(**kwargs):
    head = SplitMaskHead(in_channels=2, proj_type='identity',
                         gather_negatives=False, **kwargs)
    with torch.no_grad():
        head.predictor.weight.copy_(torch.eye(2)[:head.num_classes])
        head.predictor.bias.zero_()
    return head


def test_head_token_losses_match_a_hand_computed_case():
    head = _head(target_type='tokens', num_classes=2, temperature=0.5)
    # 2 images, 2 patches: patch 0 in subset A, patch 1 in subset B.
    ids_a, ids_b = torch.tensor([[0], [0]]), torch.tensor([[1], [1]])
    dec_a = torch.tensor([[[9., 9.], [1., 0.]], [[9., 9.], [0., 2.]]])
    dec_b = torch.tensor([[[0., 0.], [7., 7.]], [[3., 0.], [7., 7.]]])
    target = torch.tensor([[1, 0], [1, 1]])
    losses = head.loss(dec_a, dec_b, target, ids_a, ids_b)

    def ce(logits, label):
        return math.log(sum(math.exp(v) for v in logits)) - logits[label]
    # Branch A predicts patch 1 (subset B): logits (1, 0)->target 0,
    # (0, 2)->target 1. Branch B predicts patch 0: (0, 0)->1, (3, 0)->1.
    ce_a = (ce([1, 0], 0) + ce([0, 2], 1)) / 2
    ce_b = (ce([0, 0], 1) + ce([3, 0], 1)) / 2
    assert losses['loss_mim'].item() == pytest.approx((ce_a + ce_b) / 2,
                                                      abs=1e-6)
    # Match: mean-pooled decoder outputs, cosine similarity / 0.5.
    x_a = [[5., 4.5], [4.5, 5.5]]
    x_b = [[3.5, 3.5], [5., 3.5]]

    def cos(u, v):
        return sum(p * q for p, q in zip(u, v)) / (
            math.hypot(*u) * math.hypot(*v))

    def nce(q, k):
        return sum(ce([cos(q[i], k[j]) / 0.5 for j in range(2)], i)
                   for i in range(2)) / 2
    expected = (nce(x_a, x_b) + nce(x_b, x_a)) / 2
    assert losses['loss_match'].item() == pytest.approx(expected, abs=1e-6)


def test_head_pixel_loss_and_match_weight():
    head = _head(target_type='pixels', num_classes=2, match_weight=0.5,
                 symmetric=False, temperature=1.0)
    ids_a, ids_b = torch.tensor([[0]]), torch.tensor([[1]])
    dec_a = torch.tensor([[[0., 0.], [1., 2.]]])
    dec_b = torch.tensor([[[3., 3.], [0., 0.]]])
    target = torch.tensor([[[3., 5.], [1., 4.]]])
    losses = head.loss(dec_a, dec_b, target, ids_a, ids_b)
    mse_a = ((1 - 1)**2 + (2 - 4)**2) / 2  # A predicts patch 1
    mse_b = ((3 - 3)**2 + (3 - 5)**2) / 2  # B predicts patch 0
    assert losses['loss_mim'].item() == pytest.approx((mse_a + mse_b) / 2)
    # One image: its only candidate is its own positive -> InfoNCE is 0.
    assert losses['loss_match'].item() == pytest.approx(0.0, abs=1e-6)


def test_info_nce_prefers_matching_pairs():
    torch.manual_seed(0)
    q = torch.randn(8, 16)
    aligned = info_nce(q, q + 0.01 * torch.randn(8, 16), 0.2, gather=False)
    shuffled = info_nce(q, q[torch.randperm(8)], 0.2, gather=False)
    assert aligned < 0.1 < shuffled


@pytest.mark.parametrize('kwargs,match', [
    (dict(target_type='rgb'), 'target_type'),
    (dict(match_pool='max'), 'match_pool'),
    (dict(proj_type='conv'), 'proj_type'),
    (dict(temperature=0), 'temperature'),
    (dict(match_weight=-1), 'match_weight'),
])
def test_head_refuses_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SplitMaskHead(**kwargs)


def test_normalized_pixel_target_patch_order_and_statistics():
    img = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    patches = patchify(img, 2)
    assert patches.shape == (2, 4, 12)
    # patch 1 = rows 0-1, columns 2-3; vector is (row, column, channel)
    expected = img[0, :, 0:2, 2:4].permute(1, 2, 0).reshape(-1)
    torch.testing.assert_close(patches[0, 1], expected)
    target = NormalizedPixelTarget(patch_size=2)(img)
    torch.testing.assert_close(target.mean(-1), torch.zeros(2, 4),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(target.var(-1), torch.ones(2, 4), atol=1e-4,
                               rtol=0)


def build_tiny_splitmask(target='pixels'):
    from mmpretrain.registry import MODELS
    cfg = dict(
        type='SplitMask',
        backbone=dict(type='SplitMaskViT', arch=TINY, img_size=64,
                      patch_size=16),
        neck=dict(type='SplitMaskDecoder', num_patches=16, in_channels=32,
                  embed_dims=16, num_heads=2),
        head=dict(type='SplitMaskHead', in_channels=16, target_type='pixels',
                  num_classes=768, proj_dims=8),
        target_generator=dict(type='NormalizedPixelTarget', patch_size=16))
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _samples(masks):
    from mmpretrain.structures import DataSample
    return [DataSample().set_mask(m) for m in masks]


def test_splitmask_loss_trains_every_part_but_the_targets(registered):
    model = build_tiny_splitmask()
    model.train()
    x = torch.randn(4, 3, 64, 64)
    losses = model.loss(x, _samples(random_mask(4, 16, 8).reshape(4, 4, 4)))
    assert set(losses) == {'loss_mim', 'loss_match'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert not any(p.requires_grad
                   for p in model.target_generator.parameters())
    assert not model.backbone.pos_embed.requires_grad


def test_splitmask_refuses_targets_on_another_grid(registered):
    model = build_tiny_splitmask()
    model.target_generator.patch_size = 8  # 64 targets for 16 patches
    with pytest.raises(ValueError, match='16 patches'):
        model.loss(torch.randn(2, 3, 64, 64),
                   _samples(random_mask(2, 16, 8).reshape(2, 4, 4)))


def test_dalle_tokens_from_a_second_view(registered):
    """mmpretrain's DALL-E (random weights here) as the target generator,
    fed the second view of BEiT's two-view crop."""
    import numpy as np
    from mmengine.dataset import default_collate
    from mmpretrain.registry import MODELS, TRANSFORMS
    pipeline = [
        TRANSFORMS.build(t) for t in [
            dict(type='RandomResizedCropAndInterpolationWithTwoPic',
                 size=64, second_size=32, interpolation='bicubic',
                 second_interpolation='lanczos', scale=(0.2, 1.0)),
            dict(type='SplitMaskGenerator', input_size=4, patch_size=16),
            dict(type='PackInputs'),
        ]
    ]
    rng = np.random.default_rng(0)
    batch = []
    for _ in range(3):
        results = {'img': rng.integers(0, 255, (80, 100, 3), dtype=np.uint8)}
        for t in pipeline:
            results = t(results)
        batch.append(results)
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SplitMask',
        data_preprocessor=dict(
            type='TwoNormDataPreprocessor', mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375], second_mean=[-31.875] * 3,
            second_std=[318.75] * 3, to_rgb=True),
        backbone=dict(type='SplitMaskViT', arch=TINY, img_size=64,
                      patch_size=16),
        neck=dict(type='SplitMaskDecoder', num_patches=16, in_channels=32,
                  embed_dims=16, num_heads=2),
        head=dict(type='SplitMaskHead', in_channels=16, target_type='tokens',
                  num_classes=8192, proj_dims=8),
        target_generator=dict(type='DALL-E')))
    data = model.data_preprocessor(default_collate(batch), training=True)
    assert [tuple(v.shape) for v in data['inputs']] == [(3, 3, 64, 64),
                                                        (3, 3, 32, 32)]
    losses = model.loss(data['inputs'], data['data_samples'])
    # fresh head over 8192 classes: cross-entropy near log(8192) = 9.01
    assert abs(losses['loss_mim'].item() - math.log(8192)) < 1.0
    assert torch.isfinite(losses['loss_match'])
    # the tokenizer runs channels-last (faster convolutions) and gives the
    # tokens of the plain layout
    weights = [p for p in model.target_generator.parameters() if p.dim() == 4]
    assert weights and all(
        p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    target_img = data['inputs'][1]
    with torch.no_grad():
        fast = model.target_generator(
            target_img.contiguous(memory_format=torch.channels_last))
        model.target_generator.to(memory_format=torch.contiguous_format)
        plain = model.target_generator(target_img)
    assert not weights[0].is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(fast, plain, rtol=1e-4, atol=1e-4)
    assert torch.equal(fast.argmax(1), plain.argmax(1))


def test_targets_are_computed_outside_amp(registered):
    # BEiT's original code tokenizes outside autocast: an arg-max over
    # thousands of close scores taken in bf16/fp16 changes many tokens.
    model = build_tiny_splitmask()
    model.train()
    seen = {}

    def record(name):
        def hook(module, args):
            seen[name] = torch.is_autocast_enabled('cpu')
        return hook

    for name in ('target_generator', 'backbone'):
        getattr(model, name).register_forward_pre_hook(record(name))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(torch.randn(2, 3, 64, 64),
                            _samples(random_mask(2, 16, 8).reshape(2, 4, 4)))
    assert seen == {'target_generator': False, 'backbone': True}
    assert all(torch.isfinite(v) for v in losses.values())


def test_one_decoder_batch_equals_one_pass_per_branch(registered):
    model = build_tiny_splitmask()
    model.eval()
    x = torch.randn(3, 3, 64, 64)
    mask = random_mask(3, 16, 8)
    with torch.no_grad():
        latent_a, latent_b, ids_a, ids_b = model.backbone(x, mask)
        both = model.neck(torch.cat([latent_a, latent_b]),
                          torch.cat([ids_a, ids_b])).chunk(2)
        for decoded, latent, ids in zip(both, (latent_a, latent_b),
                                        (ids_a, ids_b)):
            torch.testing.assert_close(decoded, model.neck(latent, ids),
                                       rtol=1e-5, atol=1e-5)
