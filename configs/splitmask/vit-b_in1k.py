# SplitMask ViT-B/16 pre-training on the ImageNet-1k training images (1,281,167, labels unused).
#   tools/dist_train.sh configs/splitmask/vit-b_in1k.py 8
_base_ = [
    '../_base_/backbones/vit-b_p16.py',
    '../_base_/models/splitmask_vit-b_p16.py',
    '../_base_/datasets/in1k_pretrain.py',
    '../_base_/schedules/splitmask_adamw.py',
    '../_base_/splitmask_runtime.py',
]
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

# Targets: a patch vocabulary of 8192 entries built from the ImageNet-1k images
# themselves (no external weights). Build it once before training:
#   python tools/build_vocabulary.py configs/splitmask/vit-b_in1k.py
# (vit-b_in1k_dalle.py uses BEiT's DALL-E tokenizer instead.)
vocabulary = 'work_dirs/vocabularies/in1k_p16_k8192.pth'
model = dict(
    backbone=dict(**_base_.vit_b),
    target_generator=dict(
        type='PatchVocabularyTokenizer', vocabulary=vocabulary,
        patch_size=16))

# The paper's schedule rule (splitmask_mm.schedule.paper_schedule): every
# data set gets the iterations of 300 ImageNet-1k epochs at total batch 2048
# (187,671), capped at 5,000 epochs on small sets; warm-up is 1/30 of it
# (BEiT's 10 of 300 epochs).
# ImageNet-1k: 1,281,167 images -> 187,671 iterations = 300 epochs.
max_iters = 187671
warmup_iters = 6256
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-5,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters),
]
