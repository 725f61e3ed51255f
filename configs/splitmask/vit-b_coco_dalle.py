# SplitMask ViT-B/16 on COCO train2017 with BEiT's DALL-E tokenizer as target
# instead of the patch vocabulary (see ../_base_/models/splitmask_dalle.py
# for its weights).
#   tools/dist_train.sh configs/splitmask/vit-b_coco_dalle.py 8
_base_ = ['./vit-b_coco.py', '../_base_/models/splitmask_dalle.py']
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

model = dict(
    data_preprocessor=_base_.dalle_data_preprocessor,
    # a different module replaces the vocabulary tokenizer entirely
    target_generator=dict(_delete_=True, **_base_.dalle_target_generator))
train_dataloader = dict(dataset=dict(pipeline=_base_.dalle_pipeline))
