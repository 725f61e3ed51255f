# r18_control.py with the ResNet frozen at its random initialisation: only
# the FPN and the heads train. Do the heads read random convolutional
# features where they cannot read the ViT's?
_base_ = ['./r18_control.py']

model = dict(backbone=dict(frozen_stages=4))
