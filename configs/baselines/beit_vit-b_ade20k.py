# Baseline: BEiT v1 (mmpretrain's BEiT: BEiTPretrainViT + BEiTV1Head) on the
# same data, schedule and optimiser as ../splitmask/vit-b_ade20k.py, with the
# same patch-vocabulary targets (no external weights). BEiT's masking: 75 of
# 196 patches in blocks. For DALL-E targets, see beit_vit-b_ade20k_dalle.py.
#   tools/dist_train.sh configs/baselines/beit_vit-b_ade20k.py 8
_base_ = [
    '../splitmask/vit-b_ade20k.py',
    '../_base_/models/beit_vit-b_p16.py',
]
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

model = dict(
    _delete_=True,  # another algorithm replaces SplitMask's model entirely
    # BEiTV1Head takes codebook logits, as DALL-E gives them.
    target_generator=dict(
        type='PatchVocabularyTokenizer',
        vocabulary=_base_.vocabulary,
        patch_size=16,
        output='logits'),
    **_base_.beit_model)
train_dataloader = dict(dataset=dict(pipeline=_base_.beit_pipeline))
# as mmpretrain's BEiT config
find_unused_parameters = True
