# Copyright (c) splitmask_mm authors. All rights reserved.
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from helpers import DEMO_CONFIG, ROOT, python_env, write_images
from splitmask_mm.models import (PatchVocabularyTokenizer, assign_tokens,
                                 patchify)
from splitmask_mm.vocabulary import load_vocabulary, save_vocabulary
from splitmask_mm.vocabulary_builder import (kmeans_vocabulary,
                                             random_vocabulary)

IMAGENET = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                to_rgb=True)


def write_vocab(path, entries, patch_size=2, method='kmeans', **norm):
    meta = dict(patch_size=patch_size, num_tokens=len(entries),
                normalization=dict(IMAGENET, **norm), method=method)
    save_vocabulary(str(path), torch.as_tensor(entries, dtype=torch.float32),
                    meta)
    return str(path)


def image_from_patches(patches, grid, patch_size):
    """Inverse of patchify for one image: (L, p*p*3) -> (3, H, W)."""
    h, w = grid
    x = patches.reshape(h, w, patch_size, patch_size, 3)
    return torch.einsum('hwpqc->chpwq', x).reshape(
        3, h * patch_size, w * patch_size)


def test_exact_token_ids_on_a_hand_made_vocabulary(tmp_path):
    D = 2 * 2 * 3
    e = torch.eye(D)
    vocab = torch.stack([e[0] + e[1], e[5], -e[0], e[11]])
    path = write_vocab(tmp_path / 'v.pth', vocab)
    tok = PatchVocabularyTokenizer(path, patch_size=2)
    patches = torch.stack([
        5 * e[5],                 # -> 1 (direction, not magnitude, counts)
        -3 * e[0] + 0.1 * e[1],   # -> 2
        e[0] + 0.9 * e[1],        # -> 0 (cos 0.99 vs 0.74 for entry 1)
        2 * e[11] - e[5],         # -> 3
    ])
    img = image_from_patches(patches, (2, 2), 2)[None]
    assert torch.equal(patchify(img, 2)[0], patches)
    assert tok(img).tolist() == [[1, 2, 0, 3]]


def test_ids_do_not_depend_on_batching(tmp_path):
    torch.manual_seed(0)
    D = 16 * 16 * 3
    path = write_vocab(tmp_path / 'v.pth', torch.randn(512, D), patch_size=16)
    tok = PatchVocabularyTokenizer(path, patch_size=16, chunk_size=256)
    imgs = torch.randn(9, 3, 64, 64)
    whole = tok(imgs)
    one_by_one = torch.cat([tok(imgs[i:i + 1]) for i in range(9)])
    in_threes = torch.cat([tok(imgs[i:i + 3]) for i in range(0, 9, 3)])
    assert torch.equal(whole, one_by_one) and torch.equal(whole, in_threes)
    # and they are the arg-max of the cosine similarity
    patches = patchify(imgs, 16).reshape(-1, D)
    cos = torch.nn.functional.normalize(patches, dim=1) @ \
        torch.nn.functional.normalize(tok.codebook, dim=1).t()
    assert (cos.gather(1, whole.reshape(-1, 1)) >=
            cos.max(1, keepdim=True).values - 1e-5).all()


@pytest.mark.parametrize('pca_dims', [None, 8])
def test_kmeans_recovers_known_centres(pca_dims):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(8, 48)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, 8, 4000)
    points = centres[labels] * rng.uniform(1, 3, (4000, 1)) + \
        rng.normal(scale=0.01, size=(4000, 48))
    # Lloyd's k-means from random seeds cannot move a second seed out of a
    # cluster, so ask for twice as many entries as there are centres (a
    # vocabulary is always over-complete): every centre must be found, and
    # every entry must sit on a centre, none between clusters.
    vocab = kmeans_vocabulary(points.astype(np.float32), 16, iters=20,
                              seed=0, pca_dims=pca_dims, verbose=False)
    cos = centres @ vocab.T
    assert (cos.max(axis=1) > 0.99).all()          # every centre found
    assert (cos.max(axis=0) > 0.99).all()          # no entry off-centre


def test_random_vocabulary_picks_distinct_data_patches():
    rng = np.random.default_rng(0)
    patches = rng.normal(size=(100, 12)).astype(np.float32)
    vocab = random_vocabulary(patches, 10, seed=3)
    normed = patches / np.linalg.norm(patches, axis=1, keepdims=True)
    matches = [np.flatnonzero(np.abs(normed - v).max(1) < 1e-6) for v in vocab]
    assert all(len(m) == 1 for m in matches)
    assert len({int(m[0]) for m in matches}) == 10
    with pytest.raises(ValueError, match='at least 200'):
        random_vocabulary(patches, 200)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.pth.*build_vocab'):
        PatchVocabularyTokenizer(str(tmp_path / 'nowhere.pth'))


def test_corrupt_and_foreign_files_are_refused(tmp_path):
    bad = tmp_path / 'truncated.pth'
    write_vocab(bad, torch.randn(4, 12))
    bad.write_bytes(bad.read_bytes()[:100])
    with pytest.raises(ValueError, match='truncated.pth.*corrupt'):
        load_vocabulary(str(bad))
    other = tmp_path / 'weights.pth'
    torch.save({'state_dict': {'w': torch.zeros(2)}}, other)
    with pytest.raises(ValueError, match='weights.pth is not a patch voc'):
        load_vocabulary(str(other))


class _RunsCode:
    def __reduce__(self):
        return (print, ('code ran while loading',))


def test_a_pickle_that_runs_code_is_refused(tmp_path, capsys):
    evil = tmp_path / 'evil.pth'
    with open(evil, 'wb') as f:
        pickle.dump({'format': 'x', 'payload': _RunsCode()}, f)
    with pytest.raises(ValueError, match='evil.pth'):
        load_vocabulary(str(evil))
    assert 'code ran' not in capsys.readouterr().out


def test_metadata_disagreeing_with_tensor_is_refused(tmp_path):
    path = tmp_path / 'v.pth'
    torch.save(dict(format='splitmask_mm.patch_vocabulary.v1',
                    vocabulary=torch.randn(4, 12),
                    meta=dict(patch_size=4, num_tokens=4,
                              normalization=IMAGENET, method='random')),
               path)
    with pytest.raises(ValueError, match='disagrees with its metadata'):
        load_vocabulary(str(path))


def test_patch_size_mismatch_is_refused(tmp_path):
    path = write_vocab(tmp_path / 'v.pth', torch.randn(4, 12), patch_size=2)
    with pytest.raises(ValueError, match='2px patches.*patch_size=16'):
        PatchVocabularyTokenizer(path, patch_size=16)


def _model_cfg(vocab_path, num_classes=4, **pre):
    data_preprocessor = dict(type='SelfSupDataPreprocessor', **dict(
        IMAGENET, **pre))
    return dict(
        type='SplitMask',
        data_preprocessor=data_preprocessor,
        backbone=dict(type='SplitMaskViT', arch=dict(
            embed_dims=16, num_layers=1, num_heads=2,
            feedforward_channels=32), img_size=8, patch_size=2),
        neck=dict(type='SplitMaskDecoder', num_patches=16, in_channels=16,
                  embed_dims=8, num_heads=2),
        head=dict(type='SplitMaskHead', in_channels=8, target_type='tokens',
                  num_classes=num_classes, proj_dims=4),
        target_generator=dict(type='PatchVocabularyTokenizer',
                              vocabulary=vocab_path, patch_size=2))


@pytest.mark.parametrize('change,match', [
    (dict(num_classes=8), '4 tokens but the head predicts num_classes=8'),
    (dict(mean=[0., 0., 0.]), 'mean='),
    (dict(std=[1., 1., 1.]), 'std='),
    (dict(to_rgb=False), 'to_rgb'),
])
def test_model_that_does_not_match_the_vocabulary_is_refused(
        registered, tmp_path, change, match):
    from mmpretrain.registry import MODELS
    path = write_vocab(tmp_path / 'v.pth', torch.randn(4, 12))
    MODELS.build(_model_cfg(path))  # the matching model builds
    with pytest.raises(ValueError, match=match):
        MODELS.build(_model_cfg(path, **change))


def test_tokens_train_the_model(registered, tmp_path):
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    path = write_vocab(tmp_path / 'v.pth', torch.randn(4, 12))
    model = MODELS.build(_model_cfg(path))
    mask = torch.zeros(16, dtype=torch.bool)
    mask[torch.randperm(16)[:8]] = True
    samples = [DataSample().set_mask(mask.reshape(4, 4)) for _ in range(3)]
    losses = model.loss(torch.randn(3, 3, 8, 8), samples)
    # 4 tokens: a fresh model's cross-entropy is near log(4)
    assert abs(losses['loss_mim'].item() - np.log(4)) < 0.5
    assert 'vocabulary' not in model.state_dict().keys().__str__()


def test_build_vocabulary_tool_from_config(registered, tmp_path):
    data_root = tmp_path / 'data'
    write_images(str(data_root / 'images' / 'nested'), 12, seed=3)
    out = tmp_path / 'vocab.pth'
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'build_vocabulary.py'),
        DEMO_CONFIG, '--out', str(out), '--size', '32', '--num-patches',
        '3000', '--workers', '1', '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}'
    ], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'Iteration 19' in proc.stdout            # k-means progress
    assert 'wrote 32 entries' in proc.stdout and str(out) in proc.stdout
    vocab, meta = load_vocabulary(str(out))
    assert vocab.shape == (32, 16 * 16 * 3)
    assert meta['patch_size'] == 16 and meta['method'] == 'kmeans'
    assert meta['num_patches'] == 3000 and meta['num_images'] == 12
    assert meta['normalization'] == dict(IMAGENET)
    torch.testing.assert_close(vocab.norm(dim=1), torch.ones(32))


@pytest.mark.parametrize('output', ['ids', 'logits'])
def test_tokens_stay_fp32_under_amp(tmp_path, output):
    # Real photos against a vocabulary of 8192 of their own patches: the
    # best entries' similarities are close, and a bf16 product (what
    # autocast would use) changes a large share of the tokens.
    import cv2

    from splitmask_mm.demo_data import sample_image_paths
    rng = np.random.default_rng(0)
    crops = []
    for path in sample_image_paths()[:8]:
        img = cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1]
        for _ in range(2):
            y = rng.integers(0, img.shape[0] - 224)
            x = rng.integers(0, img.shape[1] - 224)
            crops.append(img[y:y + 224, x:x + 224])
    mean, std = np.array(IMAGENET['mean']), np.array(IMAGENET['std'])
    imgs = torch.from_numpy(
        ((np.stack(crops) - mean) / std).astype(np.float32)).permute(
            0, 3, 1, 2).contiguous()
    patches = patchify(imgs, 16).reshape(-1, 768).numpy()
    path = write_vocab(tmp_path / 'v.pth',
                       random_vocabulary(patches, 2048, seed=0),
                       patch_size=16, method='random')
    tok = PatchVocabularyTokenizer(path, patch_size=16, output=output)
    fp32 = tok(imgs)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        amp = tok(imgs)
        # what the product would give if autocast reached it
        bf16 = assign_tokens(torch.from_numpy(patches), tok.codebook)
    assert amp.dtype == fp32.dtype and torch.equal(amp, fp32)
    ids = fp32 if output == 'ids' else fp32.flatten(2).argmax(1)
    assert (bf16 != ids.flatten()).float().mean() > 0.05
