# Control between the ViT and the ResNet: mmpretrain's ConvMixer (an 8x8
# stride-8 patch embedding as the ViT's, then 4 blocks of 5x5 depthwise and
# 1x1 convolutions with BN, width 192: local mixing where the ViT attends
# globally) through the ViT's XCiT rescale and FPN, from scratch, lr 1e-3.
_base_ = ['./vit_xcit_gn.py']

model = dict(backbone=dict(
    _delete_=True, type='mmpretrain.ConvMixer',
    arch=dict(embed_dims=192, depth=4, patch_size=8, kernel_size=5),
    out_indices=(0, 1, 2, 3)))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
