# The paper's Table 1 at CPU scale: does the amount and kind of
# pre-training data matter? At a fixed pre-training length (250 and 4,000
# iterations at batch 32), each method pre-trains on
#   p10:    10% of the target's training images (100 scenes)
#   target: all of them (1,000 scenes; the main study's arms)
#   x10:    10,000 scenes of the same generator (the target's 1,000 are
#           the first of them; the rest recombine the same source scans)
#   photos: 10,000 crops of the 23 photographs bundled with scikit-image
#           and scikit-learn (no digits: the generic set, ImageNet's role;
#           far less varied than ImageNet)
# SplitMask and MAE (denoising autoencoders, as SplitMask and BEiT are in
# the paper) and MoCo v3 (contrastive, DINO's role). Downstream: the main
# study's tasks, with the recipes its arms chose (every arm here takes
# SplitMask's of the same length): run in the main study's work dir
#   python tools/study.py configs/study/table1_digit_scenes.py \
#       --tasks seg_p10 probe --seeds 0
# (the target column's SplitMask-250, MAE-250 and random init are the
# main study's own runs, shared through the work dir).
_base_ = ['./digit_scenes.py']

_images = dict(p10=dict(share=0.1), x10=dict(digit_scenes=10000),
               photos=dict(photo_crops=10000))
_methods = dict(
    splitmask=('SplitMask', 'configs/study/splitmask_vit-tiny-p8_digits.py'),
    mae=('MAE', 'configs/study/mae_vit-tiny-p8_digits.py'),
    mocov3=('MoCo v3', 'configs/study/mocov3_vit-tiny-p8_digits.py'))
_lengths = {'250': 250, '4k': 4000}


def _arm(method, length, images):
    name, config = _methods[method]
    key = f'{method}-{length}' + (f'-{images}' if images else '')
    return dict(
        key=key, config=config, pretrain_iters=_lengths[length],
        name=f'{name}, {length} iterations, '
        f'{images or "target"} images', seeds=[0, 1, 2],
        recipe_from='splitmask' if length == '250' else 'splitmask-4k',
        **({} if images is None else dict(pretrain_images=_images[images])))


# the main study's arms where they are the same runs (its SplitMask-250 is
# keyed 'splitmask' and chooses the recipes)
arms = [a for a in _base_.arms
        if a['key'] in ('random', 'splitmask', 'splitmask-4k')]
arms += [_arm(m, n, i) for n in _lengths for m in _methods
         for i in ('p10', None, 'x10', 'photos')
         if not (m == 'splitmask' and i is None)]
del _arm, _images, _methods, _lengths
