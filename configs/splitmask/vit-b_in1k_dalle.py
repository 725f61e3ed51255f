# SplitMask ViT-B/16 on the ImageNet-1k training images (1,281,167; class
# folders walked, labels unused) with BEiT's DALL-E tokenizer as target instead
# of random projection (see ../_base_/models/splitmask_dalle.py for its
# weights).
#   tools/dist_train.sh configs/splitmask/vit-b_in1k_dalle.py 8
_base_ = ['./vit-b_custom.py', '../_base_/models/splitmask_dalle.py']

model = dict(
    data_preprocessor=_base_.dalle_data_preprocessor,
    # a different module replaces the random projection entirely
    target_generator=dict(_delete_=True, **_base_.dalle_target_generator))
train_dataloader = dict(
    dataset=dict(
        data_root='data/imagenet/',
        data_prefix='train',
        pipeline=_base_.dalle_pipeline))
