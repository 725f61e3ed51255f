# Copyright (c) splitmask_mm authors. All rights reserved.
"""Benchmark of the token targets (prints numbers; not a test).

1. Vocabulary build time: ``--size`` entries (8192) by k-means from
   ``--num-patches`` (1M) 16x16 patches of real photos (random 224px crops
   of scikit-image's sample photos, ImageNet-normalised as the configs do).
2. Token usage on other crops of the same photos (held out from the
   vocabularies' patches): how many of the entries each tokenizer gives out,
   the entropy of the id distribution, the share of the most frequent id,
   and how many tokens survive a little pixel noise (Gaussian, 2 grey
   levels), for random projection (the paper's default; several ranges and
   patch normalisations), random patches and k-means side by side.
3. Tokenisation throughput, images/s, on the same batch: the codebook
   tokenizers on the 224px view against mmpretrain's DALL-E encoder on the
   112px view BEiT feeds it (random weights: speed does not depend on them).

    python tools/benchmark_vocabulary.py [--num-patches 1000000] [--size 8192]
        [--usage-crops 512] [--batch 32] [--repeats 3] [--threads N]
"""
import argparse
import os.path as osp
import sys
import time

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)


def photo_crops(num: int, size: int, seed: int = 0) -> torch.Tensor:
    """``num`` random square crops of scikit-image's photos, normalised."""
    import cv2

    from PIL import Image

    from splitmask_mm.demo_data import sample_image_paths
    photos = []
    for path in sample_image_paths():
        # Pillow, not OpenCV: libpng warns about one photo's colour profile
        with Image.open(path) as img:
            photos.append(np.asarray(img.convert('RGB')))
    rng = np.random.default_rng(seed)
    out = np.empty((num, size, size, 3), np.float32)
    for i in range(num):
        img = photos[rng.integers(len(photos))]
        h, w = img.shape[:2]
        side = int(rng.uniform(0.3, 1.0) * min(h, w))
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        crop = cv2.resize(img[y:y + side, x:x + side], (size, size),
                          interpolation=cv2.INTER_CUBIC)
        out[i] = (crop - MEAN) / STD
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def images_per_second(fn, batch: torch.Tensor, repeats: int) -> float:
    fn(batch)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(batch)
        times.append(time.perf_counter() - start)
    return len(batch) / float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-patches', type=int, default=1_000_000)
    parser.add_argument('--size', type=int, default=8192)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--pca-dims', type=int, default=64)
    parser.add_argument('--usage-crops', type=int, default=512,
                        help='held-out crops for the token-usage table')
    parser.add_argument('--skip-speed', action='store_true',
                        help='only the build time and the usage table')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    import faiss

    from mmpretrain.registry import MODELS
    from splitmask_mm.models import (PatchVocabularyTokenizer,
                                     RandomProjectionTokenizer, patchify)
    from splitmask_mm.models.targets import normalize_patches
    from splitmask_mm.vocabulary import save_vocabulary
    from splitmask_mm.vocabulary_builder import (kmeans_vocabulary,
                                                 random_vocabulary,
                                                 token_usage)

    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads; '
          f'faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads')

    # 1. vocabulary build time
    num_crops = -(-args.num_patches // 196)
    start = time.time()
    crops = photo_crops(num_crops, 224)
    patches = patchify(crops, 16).reshape(-1, 768)[:args.num_patches]
    patches = patches.numpy()
    del crops
    print(f'[bench] {len(patches)} patches from {num_crops} crops of real '
          f'photos prepared in {time.time() - start:.1f} s')
    start = time.time()
    vocabulary = kmeans_vocabulary(patches, args.size, iters=args.iters,
                                   pca_dims=args.pca_dims, verbose=False)
    build_s = time.time() - start
    print(f'[bench] k-means vocabulary: {args.size} entries from '
          f'{len(patches)} patches in {build_s:.1f} s '
          f'(goal < 300 s)', flush=True)
    random_patches = random_vocabulary(patches, args.size, seed=0)
    del patches

    # 2. token usage on held-out crops
    held_out = photo_crops(args.usage_crops, 224, seed=2)
    noise = torch.randn(held_out.shape, generator=torch.Generator(
    ).manual_seed(3)) * (2 / torch.from_numpy(STD)[:, None, None])
    clean = patchify(held_out, 16).reshape(-1, 768)
    noisy = patchify(held_out + noise, 16).reshape(-1, 768)
    rows = []
    for name, tokenizer in [
        ('random projection, U[0,1), patches as given (default)',
         RandomProjectionTokenizer(args.size)),
        ('random projection, U[0,1), centred patches',
         RandomProjectionTokenizer(args.size, patch_norm='center')),
        ('random projection, U[-1,1), patches as given',
         RandomProjectionTokenizer(args.size, low=-1.)),
        ('random projection, U[-1,1), centred patches',
         RandomProjectionTokenizer(args.size, low=-1., patch_norm='center')),
        ('random projection, U[-1,1), channel-centred patches',
         RandomProjectionTokenizer(args.size, low=-1.,
                                   patch_norm='center_channels')),
        ('random patches of the data',
         _codebook(random_patches)),
        ('k-means of the data', _codebook(vocabulary)),
    ]:
        ids = _ids(tokenizer, clean, normalize_patches)
        usage = token_usage(ids, args.size)
        usage['stable'] = float(
            (ids == _ids(tokenizer, noisy, normalize_patches)).double()
            .mean())
        rows.append((name, usage))
    print(f'\n[bench] token usage, {len(clean)} patches of {len(held_out)} '
          'held-out 224px crops of real photos:')
    print('| tokenizer | entries used | entropy (bits) | perplexity | '
          'most frequent id | same id under noise |')
    print('|---|---|---|---|---|---|')
    for name, u in rows:
        print(f'| {name} | {u["used"]} ({u["used_share"]:.1%}) | '
              f'{u["entropy_bits"]:.2f} of {u["max_entropy_bits"]:.0f} | '
              f'{u["perplexity"]:.0f} | {u["top1_share"]:.2%} | '
              f'{u["stable"]:.1%} |', flush=True)
    if args.skip_speed:
        return

    # 3. tokenisation throughput, same batch of images
    path = osp.join(ROOT, 'work_dirs', 'benchmark_vocabulary.pth')
    save_vocabulary(path, torch.from_numpy(vocabulary), dict(
        patch_size=16, num_tokens=args.size, method='kmeans',
        normalization=dict(mean=MEAN.tolist(), std=STD.tolist(),
                           to_rgb=True)))
    tokenizer = PatchVocabularyTokenizer(path, patch_size=16).eval()
    projection = RandomProjectionTokenizer(args.size).eval()
    dalle = MODELS.build(dict(type='DALL-E')).eval()
    batch = photo_crops(args.batch, 224, seed=1)
    # DALL-E's view: the same crops at 112px, in its [0.1, 0.9] pixel range
    small = torch.nn.functional.interpolate(
        batch, size=112, mode='bicubic', align_corners=False)
    small = ((small * torch.from_numpy(STD)[:, None, None] +
              torch.from_numpy(MEAN)[:, None, None]) / 255 * 0.8 + 0.1)
    with torch.no_grad():
        ours = images_per_second(tokenizer, batch, args.repeats)
        rp = images_per_second(projection, batch, args.repeats)
        theirs = images_per_second(lambda x: dalle(x).argmax(1), small,
                                   args.repeats)
    print(f'[bench] tokenisation, batch {args.batch}: random projection '
          f'{rp:.1f} img/s, vocabulary {ours:.1f} img/s (224px, 196 patches '
          f'x {args.size} entries); DALL-E encoder {theirs:.1f} img/s '
          f'(112px); ratios {rp / theirs:.1f}x and {ours / theirs:.1f}x '
          '(goal >= 5x)')


def _codebook(entries):
    """A tokenizer over given entries (patches as the preprocessor gives
    them), without a file."""
    from splitmask_mm.models.targets import CodebookTokenizer
    return CodebookTokenizer(torch.as_tensor(entries), 16, 'none', 1024,
                             'ids')


def _ids(tokenizer, patches, normalize_patches):
    from splitmask_mm.models import assign_tokens
    return assign_tokens(
        normalize_patches(patches, tokenizer.patch_norm), tokenizer.codebook)


if __name__ == '__main__':
    main()
