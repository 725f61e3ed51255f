# Copyright (c) splitmask_mm authors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.runner import set_random_seed

from splitmask_mm.datasets import SplitMaskGenerator


def draw(gen, n=1, img=None):
    out = []
    for _ in range(n):
        results = {} if img is None else {'img': img, 'img_path': 'x.jpg'}
        out.append(gen(results)['mask'])
    return out


@pytest.mark.parametrize('mode', ['random', 'block'])
@pytest.mark.parametrize('ratio,grid', [(0.5, 14), (0.25, 14), (0.75, 8),
                                        (0.5, (6, 10))])
def test_split_is_complementary_with_asked_ratio(mode, ratio, grid):
    gen = SplitMaskGenerator(input_size=grid, ratio=ratio, mode=mode)
    h, w = (grid, grid) if isinstance(grid, int) else grid
    num_a = round(ratio * h * w)
    for mask in draw(gen, 20):
        assert mask.shape == (h, w) and mask.dtype == bool
        # B is True, A is False: each patch in exactly one subset
        assert int((~mask).sum()) == num_a
        assert int(mask.sum()) == h * w - num_a


@pytest.mark.parametrize('mode', ['random', 'block'])
def test_every_image_gets_its_own_split(mode):
    gen = SplitMaskGenerator(input_size=14, ratio=0.5, mode=mode)
    masks = draw(gen, 10)
    distinct = {m.tobytes() for m in masks}
    assert len(distinct) == 10


def _same_subset_neighbours(in_a):
    return int((in_a[1:] & in_a[:-1]).sum()
               + (in_a[:, 1:] & in_a[:, :-1]).sum())


def test_block_mode_draws_contiguous_blocks():
    # Blocks make neighbouring patches of A far more frequent than uniform
    # sampling does (expected ~half of the adjacent pairs for random).
    rnd = SplitMaskGenerator(input_size=14, ratio=0.5, mode='random')
    blk = SplitMaskGenerator(input_size=14, ratio=0.5, mode='block')
    n_rnd = np.mean([_same_subset_neighbours(~m) for m in draw(rnd, 30)])
    n_blk = np.mean([_same_subset_neighbours(~m) for m in draw(blk, 30)])
    assert n_blk > 1.4 * n_rnd


@pytest.mark.parametrize('mode', ['random', 'block'])
def test_deterministic_under_mmengine_seeding(mode):
    gen = SplitMaskGenerator(input_size=14, ratio=0.5, mode=mode)
    set_random_seed(123)
    first = draw(gen, 5)
    set_random_seed(123)
    second = draw(gen, 5)
    set_random_seed(124)
    third = draw(gen, 5)
    assert all((a == b).all() for a, b in zip(first, second))
    assert any((a != c).any() for a, c in zip(first, third))


@pytest.mark.parametrize('ratio', [0, 1, 1.5, -0.2, '0.5', None])
def test_ratio_outside_unit_interval_is_refused(ratio):
    with pytest.raises(ValueError, match='ratio'):
        SplitMaskGenerator(input_size=14, ratio=ratio)


def test_ratio_that_empties_a_subset_is_refused():
    with pytest.raises(ValueError, match='empty'):
        SplitMaskGenerator(input_size=2, ratio=0.1)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match='mode'):
        SplitMaskGenerator(input_size=14, mode='checkerboard')


def test_grid_that_does_not_match_the_image_is_refused():
    gen = SplitMaskGenerator(input_size=14, patch_size=16)
    draw(gen, 1, img=np.zeros((224, 224, 3), np.uint8))  # matches
    with pytest.raises(ValueError, match=r'\(192, 224\).*input_size'):
        draw(gen, 1, img=np.zeros((192, 224, 3), np.uint8))
    # two views (DALL-E): the first one is the encoded image
    draw(gen, 1, img=[np.zeros((224, 224, 3)), np.zeros((112, 112, 3))])


def test_repr_lists_options():
    r = repr(SplitMaskGenerator(input_size=14, ratio=0.25, mode='block'))
    for part in ['input_size=(14, 14)', 'ratio=0.25', "mode='block'",
                 'num_a=49']:
        assert part in r


def test_pack_inputs_carries_the_mask(registered):
    from mmpretrain.registry import TRANSFORMS
    gen = SplitMaskGenerator(input_size=4, ratio=0.5)
    results = gen({'img': np.zeros((64, 64, 3), np.uint8)})
    packed = TRANSFORMS.build(dict(type='PackInputs'))(results)
    mask = packed['data_samples'].mask
    assert isinstance(mask, torch.Tensor)
    assert torch.equal(mask, torch.from_numpy(results['mask']))


def test_paper_block_split_blocks_stay_within_16_to_75_patches():
    """The paper's default split: BEiT's block masking at 50%, each block
    adding at most 75 patches to subset A and, but for the last one that
    fills A up to its exact count, about 16 or more (BEiT draws the block's
    area in [16, 75] and rounds its sides)."""
    gen = SplitMaskGenerator(input_size=14)  # the defaults are the paper's
    assert (gen.mode, gen.ratio, gen.min_num_patches, gen.max_num_patches) \
        == ('block', 0.5, 16, 75)
    sampler = gen._block_sampler
    added = []
    original = type(sampler)._mask

    def recording_mask(mask, max_mask_patches):
        delta = original(sampler, mask, max_mask_patches)
        added.append((delta, max_mask_patches))
        return delta

    sampler._mask = recording_mask
    np.random.seed(0)
    blocks_per_split, full = [], []
    for _ in range(200):
        mask = draw(gen)[0]
        assert int((~mask).sum()) == 98 and int(mask.sum()) == 98
        blocks = [d for d, _ in added if d > 0]
        blocks_per_split.append(len(blocks))
        # never more than 75 new patches, never more than A still needs
        assert all(0 <= d <= min(75, room) for d, room in added)
        full += [d for d, room in added if d > 0 and room >= 16]
        added.clear()
    # blocks drawn with room for a whole one are blocks of 16 to 75 patches
    # (one that overlaps earlier blocks adds fewer new ones)
    assert np.median(full) >= 20 and np.percentile(full, 90) > 40
    # 98 patches take several blocks, and the number varies
    assert min(blocks_per_split) >= 2 and len(set(blocks_per_split)) > 2


def test_block_bounds_are_checked():
    with pytest.raises(ValueError, match='max_num_patches=8 is below '
                       'min_num_patches=16'):
        SplitMaskGenerator(input_size=14, max_num_patches=8)
    with pytest.raises(ValueError, match='min_num_patches must be >= 1'):
        SplitMaskGenerator(input_size=14, min_num_patches=0)


def test_block_split_reaches_every_patch_of_the_grid():
    # mmpretrain's BEiTMaskGenerator never puts a block on the last row or
    # column (an exclusive randint where BEiT's code is inclusive); the
    # split must let either subset hold any patch
    gen = SplitMaskGenerator(input_size=14)
    np.random.seed(1)
    in_a = np.stack([~m for m in draw(gen, 600)])
    assert in_a.any(0).all() and (~in_a).any(0).all()
    # blocks favour the centre, but no side more than the opposite one
    share = in_a.mean(0)
    assert abs(share[0].mean() - share[-1].mean()) < 0.06
    assert abs(share[:, 0].mean() - share[:, -1].mean()) < 0.06


@pytest.mark.parametrize('backend', ['pillow', 'cv2'])
def test_hue_jitter_works_under_numpy_2_as_mmcv_did_under_numpy_1(backend):
    import cv2
    import mmcv
    from splitmask_mm.datasets.transforms import adjust_hue
    img = np.random.default_rng(0).integers(0, 256, (16, 20, 3), np.uint8)
    # a positive shift: mmcv's own result, pixel for pixel
    assert np.array_equal(adjust_hue(img, 0.1, backend),
                          mmcv.adjust_hue(img, 0.1, backend=backend))
    # a negative one, which mmcv 2.1 refuses under numpy 2 (numpy 1
    # wrapped it): the hue channel turned by 256 - 25 steps
    if np.lib.NumpyVersion(np.__version__) >= '2.0.0':
        with pytest.raises(OverflowError):
            mmcv.adjust_hue(img, -0.1, backend=backend)
    out = adjust_hue(img, -0.1, backend)
    if backend == 'cv2':
        h = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL)[..., 0]
        h_out = cv2.cvtColor(out, cv2.COLOR_BGR2HSV_FULL)[..., 0]
        # where the colour survives the round trip, the hue moved by -25
        turned = (h.astype(int) - 25) % 256
        close = np.abs((h_out.astype(int) - turned + 128) % 256 - 128)
        assert np.median(close) <= 2
    assert not np.array_equal(out, img)


def test_colour_jitter_of_the_small_set_pipeline_never_drops_a_sample():
    from mmpretrain.registry import TRANSFORMS
    from mmengine.registry import DefaultScope
    import splitmask_mm  # noqa: F401
    DefaultScope.get_instance('hue_test', scope_name='mmpretrain')
    ours = TRANSFORMS.build(dict(type='ColorJitterWrappedHue', brightness=0.4,
                                 contrast=0.4, saturation=0.2, hue=0.1))
    img = np.random.default_rng(1).integers(0, 256, (24, 24, 3), np.uint8)
    np.random.seed(0)
    hues = []
    for _ in range(50):
        out = ours(dict(img=img.copy()))['img']
        assert out.shape == img.shape and out.dtype == np.uint8
        hues.append(ours._rand_params()[4])
    assert min(hues) < 0 < max(hues)  # both directions were drawn
