# The paper's thesis at CPU scale: does pre-training on the target images
# alone beat random initialisation downstream, and where does SplitMask
# stand against BEiT and MAE trained on the same images?
#   python tools/study.py configs/study/digit_scenes.py [--quick]
# Data: digit scenes (splitmask_mm/digit_scenes.py: real handwriting from
# scikit-learn's bundled scans, nothing downloaded), 64px, 1-3 digits of
# 24-32px on the 8px patch grid, dark ink on light uneven paper. Every arm
# pre-trains the same tiny ViT (4 layers, width 192, 8px patches) on the
# training scenes' images only (no labels), the same iterations at the same
# batch; then UperNet segmentation and Mask R-CNN detection are fine-tuned
# from its weights with one recipe for all arms (random init: the
# initialisation pre-training starts from), and evaluated on the validation
# scenes, whose digits come from other scans.
work_dir = 'work_dirs/study/digit_scenes'
data = dict(num_train=1000, num_val=200, size=64, seed=0)
pretrain_iters = 250
downstream = dict(
    seg=dict(
        config='configs/study/upernet_vit-tiny-p8_digits.py',
        metrics=['mIoU', 'mAcc'],
        iters=300),
    det=dict(
        config='configs/study/maskrcnn_vit-tiny-p8_digits.py',
        metrics=['bbox_mAP', 'segm_mAP'],
        iters=150),
)
# k-means vocabulary of the training scenes (arms with vocabulary=True)
vocabulary_args = ['--size', '8192', '--num-patches', '200000']
arms = [
    dict(key='random', name='random init', seeds=[0, 1]),
    dict(key='splitmask', name='SplitMask (paper defaults)',
         config='configs/study/splitmask_vit-tiny-p8_digits.py',
         seeds=[0, 1]),
    dict(key='splitmask-kmeans', name='SplitMask, k-means tokens',
         config='configs/study/splitmask_vit-tiny-p8_digits_kmeans.py',
         vocabulary=True, seeds=[0]),
    dict(key='splitmask-nomatch', name='SplitMask, no match term',
         config='configs/study/splitmask_vit-tiny-p8_digits.py',
         options={'model.head.match_weight': 0.0}, seeds=[0]),
    dict(key='beit', name='BEiT',
         config='configs/study/beit_vit-tiny-p8_digits.py', seeds=[0]),
    dict(key='mae', name='MAE',
         config='configs/study/mae_vit-tiny-p8_digits.py', seeds=[0]),
    # extra arms: only with --only (beyond the 60-minute budget)
    dict(key='splitmask-previous',
         name='SplitMask, previous defaults (k-means, random split, '
         'narrow decoder)',
         config='configs/study/splitmask_vit-tiny-p8_digits_previous.py',
         vocabulary=True, seeds=[0], extra=True),
    dict(key='splitmask-centred', name='SplitMask, channel-centred tokens',
         config='configs/study/splitmask_vit-tiny-p8_digits.py',
         options={'model.target_generator.patch_norm': 'center_channels'},
         seeds=[0], extra=True),
    # the schedule: four times the pre-training (the paper trains for
    # thousands of epochs; 250 iterations are 8 epochs of 1,000 scenes)
    dict(key='splitmask-long', name='SplitMask, 1000 pre-training iterations',
         config='configs/study/splitmask_vit-tiny-p8_digits.py',
         pretrain_iters=1000, seeds=[0], extra=True),
]
# --quick: fewer scenes, iterations and the segmentation task only, for
# the two arms of the main question
quick = dict(
    work_dir='work_dirs/study/digit_scenes_quick',
    data=dict(num_train=600, num_val=150, size=64, seed=0),
    pretrain_iters=200,
    downstream=dict(
        _delete_=True,
        seg=dict(
            config='configs/study/upernet_vit-tiny-p8_digits.py',
            metrics=['mIoU', 'mAcc'],
            iters=300)),
    arms=['random', 'splitmask'])
