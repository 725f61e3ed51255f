# Baseline: MAE (mmpretrain's MAE: MAEViT + MAEPretrainDecoder +
# MAEPretrainHead, normalised-pixel targets, 75% masking) on the same data,
# batch and schedule as ../splitmask/vit-b_coco.py, with MAE's own optimiser.
#   tools/dist_train.sh configs/baselines/mae_vit-b_coco.py 8
_base_ = [
    '../splitmask/vit-b_custom.py',
    '../_base_/models/mae_vit-b_p16.py',
]

# another algorithm and optimiser replace SplitMask's entirely
model = dict(_delete_=True, **_base_.mae_model)
train_dataloader = dict(
    dataset=dict(
        data_root='data/coco/',
        data_prefix='train2017',
        pipeline=_base_.mae_pipeline))
optim_wrapper = dict(_delete_=True, **_base_.mae_optim_wrapper)
