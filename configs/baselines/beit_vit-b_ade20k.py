# Baseline: BEiT v1 (mmpretrain's BEiT: BEiTPretrainViT + BEiTV1Head) on the
# same data, batch, schedule and optimiser as ../splitmask/vit-b_ade20k.py,
# with the same random-projection targets, as the paper's BEiT on target data
# (no external weights). BEiT's masking: 75 of 196 patches in blocks. For
# DALL-E targets, see beit_vit-b_ade20k_dalle.py.
#   tools/dist_train.sh configs/baselines/beit_vit-b_ade20k.py 8
_base_ = [
    '../splitmask/vit-b_custom.py',
    '../_base_/models/beit_vit-b_p16.py',
]

model = dict(
    _delete_=True,  # another algorithm replaces SplitMask's model entirely
    # BEiTV1Head takes codebook logits, as DALL-E gives them.
    target_generator=dict(
        type='RandomProjectionTokenizer',
        num_tokens=8192,
        patch_size=16,
        seed=0,
        output='logits'),
    **_base_.beit_model)
train_dataloader = dict(
    dataset=dict(
        data_root='data/ade/ADEChallengeData2016/',
        data_prefix='images/training',
        pipeline=_base_.beit_pipeline))
# as mmpretrain's BEiT config
find_unused_parameters = True
