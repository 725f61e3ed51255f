# Copyright (c) splitmask_mm authors. All rights reserved.
"""Random-projection tokens (the paper's default targets) and token usage."""
import pytest
import torch
import torch.nn.functional as F

from splitmask_mm.models import RandomProjectionTokenizer, patchify
from splitmask_mm.models.targets import (codebook_fingerprint,
                                         normalize_patches, uniform_codebook)
from splitmask_mm.vocabulary_builder import token_usage

# SHA-256 prefix of the default codebook (8192 x 768, seed 0), recorded
# when it was introduced: every machine, process and later version must
# regenerate exactly these bits (checkpoints do not store the codebook).
DEFAULT_FINGERPRINT = '5e0d5bfe9185acaa'


def test_codebook_is_splitmix64_of_the_counter():
    # SplitMix64's first output for seed 0 is 0xE220A8397B1DCDAF (the
    # published reference value); component 0 is its top 24 bits as a
    # fraction of 2**24 (in [0, 1), the default range), exactly
    codebook = uniform_codebook(2, 3, seed=0)
    assert codebook.dtype == torch.float32
    assert codebook[0, 0].item() == 0xE220A8 / 2**24
    assert uniform_codebook(2, 3, low=-1., high=1.)[0, 0].item() == \
        -1 + 2 * 0xE220A8 / 2**24


def test_codebook_is_uniform_and_depends_only_on_the_seed():
    a = uniform_codebook(8192, 768, seed=0, low=-1., high=1.)
    assert a.shape == (8192, 768)
    assert float(a.min()) >= -1 and float(a.max()) < 1
    # uniform on [-1, 1): mean 0, std 1/sqrt(3), flat histogram
    assert abs(float(a.mean())) < 2e-3
    assert abs(float(a.std()) - 3**-.5) < 1e-3
    hist = torch.histc(a, bins=10, min=-1, max=1) / a.numel()
    assert float((hist - 0.1).abs().max()) < 2e-3
    assert torch.equal(a, uniform_codebook(8192, 768, seed=0, low=-1.))
    assert not torch.equal(a, uniform_codebook(8192, 768, seed=1, low=-1.))
    # another range is the same draws, rescaled
    b = uniform_codebook(8192, 768, seed=0)
    torch.testing.assert_close(b, (a + 1) / 2, rtol=0, atol=1e-7)


def test_default_codebook_matches_the_recorded_bits():
    tok = RandomProjectionTokenizer()
    assert tok.num_tokens == 8192 and tok.codebook.shape == (8192, 768)
    assert tok.fingerprint == codebook_fingerprint(uniform_codebook(8192,
                                                                    768))
    assert tok.fingerprint == DEFAULT_FINGERPRINT
    # nothing of it goes into checkpoints
    assert 'codebook' not in tok.state_dict()


def test_patch_normalisations():
    # one 1x2-pixel "patch" of 3 channels, channel last: (r, g, b, r, g, b)
    p = torch.tensor([[1., 2., 3., 3., 4., 5.]])
    assert torch.equal(normalize_patches(p, 'none'), p)
    torch.testing.assert_close(normalize_patches(p, 'center'),
                               p - 3.)
    torch.testing.assert_close(normalize_patches(p, 'center_channels'),
                               torch.tensor([[-1., -1., -1., 1., 1., 1.]]))
    with pytest.raises(ValueError, match='patch_norm must be one of'):
        normalize_patches(p, 'whiten')


@pytest.mark.parametrize('patch_norm', ['none', 'center', 'center_channels'])
def test_tokens_are_the_best_matching_entry(patch_norm):
    tok = RandomProjectionTokenizer(num_tokens=64, patch_size=4, seed=3,
                                    patch_norm=patch_norm, chunk_size=16)
    torch.manual_seed(0)
    imgs = torch.randn(3, 3, 16, 12)
    ids = tok(imgs)
    assert ids.shape == (3, 12) and ids.dtype == torch.long
    patches = normalize_patches(patchify(imgs, 4), patch_norm)
    cos = F.normalize(patches, dim=-1) @ F.normalize(
        uniform_codebook(64, 48, seed=3), dim=1).t()
    assert torch.equal(ids, cos.argmax(-1))
    # logits for mmpretrain's BEiT: the same arg-max on the patch grid
    logits = RandomProjectionTokenizer(64, 4, seed=3, patch_norm=patch_norm,
                                       output='logits')(imgs)
    assert logits.shape == (3, 64, 4, 3)
    assert torch.equal(logits.flatten(2).argmax(1), ids)


def test_centring_ignores_brightness():
    tok = RandomProjectionTokenizer(num_tokens=512, patch_size=4,
                                    patch_norm='center')
    torch.manual_seed(0)
    img = torch.randn(1, 3, 16, 16)
    # a brightness offset does not change a centred patch's token
    assert torch.equal(tok(img), tok(img + 0.7))
    raw = RandomProjectionTokenizer(num_tokens=512, patch_size=4,
                                    patch_norm='none')
    assert not torch.equal(raw(img), raw(img + 3.0))


def test_tokenizer_refuses_a_mismatching_head_and_options():
    tok = RandomProjectionTokenizer(num_tokens=128, patch_size=4)
    tok.check_compatible(num_classes=128, mean=[0] * 3, std=[1] * 3)
    with pytest.raises(ValueError, match='gives 128 tokens but the head '
                       'predicts num_classes=8192'):
        tok.check_compatible(num_classes=8192)
    with pytest.raises(ValueError, match='output must be'):
        RandomProjectionTokenizer(output='probs')
    with pytest.raises(ValueError, match=r'uniform range \[1.0, 1.0\)'):
        RandomProjectionTokenizer(low=1., high=1.)


@pytest.mark.parametrize('output', ['ids', 'logits'])
def test_random_projection_stays_fp32_under_amp(output):
    tok = RandomProjectionTokenizer(num_tokens=8192, output=output)
    torch.manual_seed(0)
    imgs = torch.randn(4, 3, 64, 64)
    fp32 = tok(imgs)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        amp = tok(imgs)
    assert amp.dtype == fp32.dtype and torch.equal(amp, fp32)


def test_token_usage_on_a_hand_made_case():
    usage = token_usage(torch.tensor([0, 0, 1, 2]), num_tokens=4)
    assert usage['patches'] == 4 and usage['used'] == 3
    assert usage['used_share'] == 0.75
    # p = (1/2, 1/4, 1/4): H = 1/2 + 2 * 1/2 = 1.5 bits
    assert usage['entropy_bits'] == pytest.approx(1.5)
    assert usage['perplexity'] == pytest.approx(2**1.5)
    assert usage['top1_share'] == 0.5 and usage['max_entropy_bits'] == 2
    uniform = token_usage(torch.arange(16).repeat(3), num_tokens=16)
    assert uniform['entropy_bits'] == pytest.approx(4)
