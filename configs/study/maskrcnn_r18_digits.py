# The detection control of the CPU-scale study: the study's Mask R-CNN
# (configs/study/maskrcnn_vit-tiny-p8_digits.py: same scenes, FPN, heads,
# anchors, schedule and evaluation) on a ResNet-18 from scratch in place of
# the ViT and its rescaling, at lr 1e-3. It learns the scenes in minutes
# (docs/results/detection/README.md), so that a ViT detector that does not
# is the ViT's failure, not the data's, the heads' or the evaluation's.
#   python tools/train.py configs/study/maskrcnn_r18_digits.py
_base_ = ['./maskrcnn_vit-tiny-p8_digits.py']

model = dict(
    backbone=dict(
        _delete_=True, type='ResNet', depth=18, num_stages=4,
        out_indices=(0, 1, 2, 3), frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
        style='pytorch', init_cfg=None),
    neck=dict(_delete_=True, type='FPN', in_channels=[64, 128, 256, 512],
              out_channels=128, num_outs=5))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
