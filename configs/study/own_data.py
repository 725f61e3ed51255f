# The study on a data set of one's own: does SplitMask pre-trained on my
# own training images beat random initialisation when fine-tuned on my
# labels, and at which share of them?
#   python tools/study.py configs/study/own_data.py
# Copy this file and configs/study/upernet_vit-tiny-p8_own_data.py; set
# data.root to the data set (ADE20K layout: images/ and annotations/
# with training/ and validation/, see that file) and the classes there.
# Nothing is written into the data set: the held-out share of the
# training images (to choose each arm's fine-tuning recipe on, never on
# the validation images) and the labelled shares go to WORK_DIR/splits*;
# every seed draws its own (draws=True). The arms pre-train on every
# training image (no labels used); an arm's pretrain_images names other
# images (a folder of unlabelled ones, a share, ...: tools/study.py).
_base_ = ['./digit_scenes.py']

work_dir = 'work_dirs/study/own_data'
data = dict(_delete_=True, root='data/my_data_set')
seg_config = 'configs/study/upernet_vit-tiny-p8_own_data.py'
downstream = dict(
    _delete_=True,
    seg=dict(config=seg_config, metrics=['mIoU', 'mAcc'], iters=300,
             tune=True),
    seg_p10=dict(config=seg_config, metrics=['mIoU', 'mAcc'], iters=300,
                 labels=0.1, tune=True),
    probe=dict(config=seg_config, metrics=['mIoU'], iters=1000,
               frozen=True))
arms = [
    dict(key='random', name='random init', seeds=[0, 1, 2], tune=True),
    dict(key='splitmask', name='SplitMask, 250 pre-training iterations',
         config='configs/study/splitmask_vit-tiny-p8_digits.py',
         seeds=[0, 1, 2], tune=True),
]
quick = dict(_delete_=True)
