# vit_xcit_gn.py with ViTDet's heads: two convolutions in the RPN head,
# four 3x3 convolutions before the box head's fully connected layer and a
# norm in every convolution of the box and mask heads (GroupNorm, as in
# the FPN).
_base_ = ['./vit_xcit_gn.py']

norm_cfg = dict(type='GN', num_groups=32, requires_grad=True)
model = dict(
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=128,
                       norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
