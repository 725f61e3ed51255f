# The neck and heads of the ViTDet GPU config
# (configs/downstream/maskrcnn_vit-b_vitdet-lsj_coco.py: the simple pyramid
# from the last block, LN2d in its convolutions, a 2-conv RPN head, a
# 4conv1fc box head and a mask head with LN2d) on the study's ViT and
# scenes (global attention: the scenes are 8x8 patches), with the diagnosis
# runs' budget (_schedule.py: lr 1e-4, clipping, no layer decay).
_base_ = ['./_schedule.py']

norm_cfg = dict(type='LN2d', requires_grad=True)
model = dict(
    backbone=dict(out_indices=[3]),
    neck=dict(_delete_=True, type='SimpleFPN', backbone_channel=192,
              in_channels=[96, 192, 192, 192], out_channels=128, num_outs=5,
              patch_size=8, norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=128,
                       norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
