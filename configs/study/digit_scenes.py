# The paper's thesis at CPU scale: does pre-training on the target images
# alone beat random initialisation downstream, where, and where does
# SplitMask stand against BEiT and MAE trained on the same images?
#   python tools/study.py configs/study/digit_scenes.py [--quick]
# Data: digit scenes (splitmask_mm/digit_scenes.py: real handwriting from
# scikit-learn's bundled scans, nothing downloaded), 64px, 1-3 digits of
# 24-32px on the 8px patch grid, dark ink on light uneven paper. Every arm
# pre-trains the same tiny ViT (4 layers, width 192, 8px patches) on every
# training scene's image (no labels) at batch 32, for its number of
# iterations; then each task fine-tunes from its weights and is evaluated
# on the validation scenes, whose digits come from other scans.
work_dir = 'work_dirs/study/digit_scenes'
data = dict(num_train=1000, num_val=200, size=64, seed=0)
pretrain_iters = 250
# every seed draws its own data: seed N's scenes are written with data seed
# data.seed + N (other source scans in training and validation, other
# scenes, another labelled 10% and held-out share), as well as its own
# initialisation and order. A gain measured on one draw of 100 labelled
# scenes did not hold on another (docs/study.md): a finding is stated only
# where it holds across draws
draws = True
# bf16 autocast for pre-training where the machine runs it (a GPU, or a CPU
# with AVX512-BF16/AMX): 1.4x faster steps here (tools/benchmark.py --arch
# study --amp); the arm 'splitmask-250-fp32' measures what it changes
pretrain_amp = True
# the share of the training scenes held out to choose fine-tuning recipes
# on (the final figures are on the validation scenes, never used to choose)
select_share = 0.2
seg_config = 'configs/study/upernet_vit-tiny-p8_digits.py'
det_config = 'configs/study/maskrcnn_vit-tiny-p8_digits.py'
det_grid = dict(lr=[1e-4, 3e-4, 1e-3], iters=[])
downstream = dict(
    # UperNet fine-tuning on all the labelled training scenes, and on 10%
    # of them (pre-training still sees every image); recipe chosen per arm
    seg=dict(config=seg_config, metrics=['mIoU', 'mAcc'], iters=300,
             tune=True),
    seg_p10=dict(config=seg_config, metrics=['mIoU', 'mAcc'], iters=300,
                 labels=0.1, tune=True),
    # 5% (50 scenes, inside the 10%): at 10% SplitMask-4k is a point ahead
    # in every seed but the seed ranges touch; fewer labels is where a
    # pre-trained start should count more (its own recipe, chosen as above)
    seg_p5=dict(config=seg_config, metrics=['mIoU', 'mAcc'], iters=300,
                labels=0.05, tune=True),
    # the representation without fine-tuning dynamics: UperNet on the
    # frozen backbone (all four blocks, as UperNet reads them); random
    # init's frozen features are the floor
    probe=dict(config=seg_config, metrics=['mIoU'], iters=1000,
               frozen=True),
    # Mask R-CNN (box and mask AP, COCO's mAP@[.5:.95] and AP50) on all
    # the labelled scenes and on 10%; it learns since its ViT maps are
    # instance-normalised (docs/study.md, Detection). The learning rate is
    # chosen per arm on the held-out scenes, from detection's own range
    # (the config's AdamW lr 1e-4 with clipping at 1.0, up to 1e-3; no
    # layer decay in the config), at the config's 500 iterations: random
    # init and SplitMask-250 both chose 3e-4 for both tasks (docs/study.md)
    det=dict(config=det_config,
             metrics=['bbox_mAP', 'bbox_mAP_50', 'segm_mAP'], iters=500,
             tune=True, grid=det_grid),
    det_p10=dict(config=det_config,
                 metrics=['bbox_mAP', 'bbox_mAP_50', 'segm_mAP'],
                 iters=500, labels=0.1, tune=True, grid=det_grid),
)
# fine-tuning recipes to choose from (per arm with tune=True, on the
# held-out scenes, one setting at a time: tools/study.py Study.tune)
grid = dict(lr=[3e-4, 1e-3, 3e-3, 1e-2], layer_decay=[0.65, 0.9, 1.0],
            iters=[300, 1000, 3000])
# k-means vocabulary of the training scenes (arms with vocabulary=True)
vocabulary_args = ['--size', '8192', '--num-patches', '200000']
splitmask = 'configs/study/splitmask_vit-tiny-p8_digits.py'
arms = [
    # random init's segmentation recipes as its tuning chose them on the
    # held-out scenes of draw 0 (docs/results/study_digit_scenes.json; the
    # loader fix of 2026-12-06 changed nothing for random init): fixed
    # here, not chosen again
    dict(key='random', name='random init', seeds=[0, 1, 2, 3, 4],
         tune=True, recipes=dict(
             seg=dict(lr=3e-3, layer_decay=0.9, iters=3000),
             seg_p10=dict(lr=3e-3, layer_decay=1.0, iters=1000),
             seg_p5=dict(lr=1e-2, layer_decay=0.65, iters=3000))),
    dict(key='splitmask-4k', name='SplitMask, 4k pre-training iterations',
         config=splitmask, pretrain_iters=4000, seeds=[0, 1, 2], tune=True),
    dict(key='splitmask-1k', name='SplitMask, 1k pre-training iterations',
         config=splitmask, pretrain_iters=1000, seeds=[0],
         recipe_from='splitmask-4k'),
    # the setting the README's claim rests on, against random init at 10%
    # labels on three draws: --only random splitmask --tasks seg_p10
    # --seeds 0 1 2 (its recipes chosen by itself on draw 0's held-out
    # scenes; BEiT and MAE at the same length take them)
    dict(key='splitmask',
         name='SplitMask, 250 pre-training iterations (--quick: 200)',
         config=splitmask, seeds=[0, 1, 2, 3, 4], tune=True),
    dict(key='beit-4k', name='BEiT, 4k pre-training iterations',
         config='configs/study/beit_vit-tiny-p8_digits.py',
         pretrain_iters=4000, seeds=[0], recipe_from='splitmask-4k'),
    dict(key='mae-4k', name='MAE, 4k pre-training iterations',
         config='configs/study/mae_vit-tiny-p8_digits.py',
         pretrain_iters=4000, seeds=[0], recipe_from='splitmask-4k'),
    # SplitMask's standing at the budget where it beats random init (250
    # iterations, 10% labels): BEiT and MAE at the same length, 3 seeds
    dict(key='beit-250', name='BEiT, 250 pre-training iterations',
         config='configs/study/beit_vit-tiny-p8_digits.py',
         pretrain_iters=250, seeds=[0, 1, 2], recipe_from='splitmask'),
    dict(key='mae-250', name='MAE, 250 pre-training iterations',
         config='configs/study/mae_vit-tiny-p8_digits.py',
         pretrain_iters=250, seeds=[0, 1, 2], recipe_from='splitmask'),
    # the trend's next point (256 epochs; about 70 minutes of pre-training
    # and 36 of fine-tuning here): at 10% labels SplitMask-4k is a point
    # ahead of random init (the seed ranges touch)
    dict(key='splitmask-8k', name='SplitMask, 8k pre-training iterations',
         config=splitmask, pretrain_iters=8000, seeds=[0],
         recipe_from='splitmask-4k'),
    # extra arms: only with --only
    dict(key='splitmask-250-fp32', name='SplitMask, 250 iterations, fp32',
         config=splitmask, seeds=[0], recipe_from='splitmask-4k',
         amp=False, extra=True),
    dict(key='splitmask-kmeans', name='SplitMask, k-means tokens',
         config='configs/study/splitmask_vit-tiny-p8_digits_kmeans.py',
         vocabulary=True, seeds=[0], recipe_from='splitmask-4k', extra=True),
    # measured at seg_p10 (--tasks seg_p10): as good as with the match
    # term, features as little collapsed (docs/study.md)
    dict(key='splitmask-nomatch', name='SplitMask, no match term',
         config=splitmask, options={'model.head.match_weight': 0.0},
         seeds=[0], recipe_from='splitmask-4k', extra=True),
]
# --quick: the representation question at a reduced size (within 15
# minutes on 2 cores): random init against SplitMask, two seeds each, by
# the frozen-backbone probe (tests/test_study.py asserts its finding)
quick = dict(
    work_dir='work_dirs/study/digit_scenes_quick',
    data=dict(num_train=600, num_val=150, size=64, seed=0),
    pretrain_iters=200,
    downstream=dict(
        _delete_=True,
        probe=dict(config=seg_config, metrics=['mIoU'], iters=500,
                   frozen=True)),
    arms=['random', 'splitmask'],
    seeds=[0, 1])
