# vit_simple_in.py (the simple pyramid, LN2d, IN on its input, the study's
# heads) given blocks 0-3 instead of the last block alone: level i is
# rescaled from block i, as the XCiT neck reads them. Separates the simple
# pyramid's single resampled map from its missing earlier-block maps.
_base_ = ['./vit_simple_in.py']

model = dict(backbone=dict(out_indices=[0, 1, 2, 3]))
