# The study's SplitMask with k-means tokens instead of random projection:
# a patch vocabulary of 8192 k-means centroids of the training scenes'
# patches (the study builds it with tools/build_vocabulary.py first).
_base_ = ['./splitmask_vit-tiny-p8_digits.py']

model = dict(
    target_generator=dict(
        _delete_=True,
        type='PatchVocabularyTokenizer',
        vocabulary='work_dirs/study/vocabulary_kmeans.pth',
        patch_size=8))
