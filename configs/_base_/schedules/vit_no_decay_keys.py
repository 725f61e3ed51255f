# Parameters of an mmpretrain ViT that fine-tuning keeps out of weight
# decay (norms, biases, tokens, position embedding, layer scales), for every
# downstream config's paramwise_cfg.custom_keys.
vit_no_decay_keys = {
    '.ln': dict(decay_mult=0.0),
    '.bias': dict(decay_mult=0.0),
    '.cls_token': dict(decay_mult=0.0),
    '.pos_embed': dict(decay_mult=0.0),
    '.gamma': dict(decay_mult=0.0),
}
