import os.path as osp

from setuptools import find_packages, setup


HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'splitmask_mm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='splitmask_mm',
    version=read_version(),
    description='SplitMask self-supervised pre-training (El-Nouby et al., '
    '2021) as an OpenMMLab plugin',
    long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['splitmask_mm', 'splitmask_mm.*']),
    python_requires='>=3.9',
    # The full pinned stack (and why each pin) is in requirements.txt and
    # tools/install.sh; mmcv needs a source build against the installed torch.
    install_requires=[
        'mmengine>=0.10,<0.11', 'mmcv>=2.0.0,<2.2.0', 'mmpretrain>=1.2,<1.3',
        'numpy', 'setuptools<81'
    ],
    extras_require={
        'seg': ['mmsegmentation>=1.2,<1.3'],
        'det': ['mmdet>=3.3,<3.4'],
        'tests': ['pytest', 'scikit-image'],
    },
    license='Apache-2.0',
    zip_safe=False)
