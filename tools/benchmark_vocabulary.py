# Copyright (c) splitmask_mm authors. All rights reserved.
"""Benchmark of the patch-vocabulary targets (prints numbers; not a test).

1. Vocabulary build time: ``--size`` entries (8192) by k-means from
   ``--num-patches`` (1M) 16x16 patches of real photos (random 224px crops
   of scikit-image's sample photos, ImageNet-normalised as the configs do).
2. Tokenisation throughput, images/s, on the same batch: the vocabulary
   tokenizer on the 224px view against mmpretrain's DALL-E encoder on the
   112px view BEiT feeds it (random weights: speed does not depend on them).

    python tools/benchmark_vocabulary.py [--num-patches 1000000] [--size 8192]
        [--batch 32] [--repeats 3] [--threads N]
"""
import argparse
import os.path as osp
import sys
import time

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

    from splitmask_mm.demo_data import sample_image_paths
    photos = []
    for path in sample_image_paths():
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is not None:
            photos.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
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
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    import faiss

    import splitmask_mm  # noqa: F401
    from mmpretrain.registry import MODELS
    from splitmask_mm.models import PatchVocabularyTokenizer, patchify
    from splitmask_mm.vocabulary import kmeans_vocabulary, save_vocabulary

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
    del patches

    # 2. tokenisation throughput, same batch of images
    path = osp.join(ROOT, 'work_dirs', 'benchmark_vocabulary.pth')
    save_vocabulary(path, torch.from_numpy(vocabulary), dict(
        patch_size=16, num_tokens=args.size, method='kmeans',
        normalization=dict(mean=MEAN.tolist(), std=STD.tolist(),
                           to_rgb=True)))
    tokenizer = PatchVocabularyTokenizer(path, patch_size=16).eval()
    dalle = MODELS.build(dict(type='DALL-E')).eval()
    batch = photo_crops(args.batch, 224, seed=1)
    # DALL-E's view: the same crops at 112px, in its [0.1, 0.9] pixel range
    small = torch.nn.functional.interpolate(
        batch, size=112, mode='bicubic', align_corners=False)
    small = ((small * torch.from_numpy(STD)[:, None, None] +
              torch.from_numpy(MEAN)[:, None, None]) / 255 * 0.8 + 0.1)
    with torch.no_grad():
        ours = images_per_second(tokenizer, batch, args.repeats)
        theirs = images_per_second(lambda x: dalle(x).argmax(1), small,
                                   args.repeats)
    print(f'[bench] tokenisation, batch {args.batch}: vocabulary '
          f'{ours:.1f} img/s (224px, 196 patches x {args.size} entries); '
          f'DALL-E encoder {theirs:.1f} img/s (112px); ratio '
          f'{ours / theirs:.1f}x (goal >= 5x)')


if __name__ == '__main__':
    main()
