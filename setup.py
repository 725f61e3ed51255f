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
    long_description=open(
        osp.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['splitmask_mm', 'splitmask_mm.*']),
    # splitmask_mm/.mim: the configs, tools and model index inside the
    # package, where `splitmask_mm::` config bases and mim look for them
    # (OpenMMLab's layout). They are links into the repository (an editable
    # install sees every edit); a wheel or an sdist gets copies of the
    # files (setuptools follows the links). MANIFEST.in lists them.
    include_package_data=True,
    python_requires='>=3.9',
    # The pinned stack that installs together (and why each pin):
    # requirements*.txt, tools/install.sh and docs/STACK.md. mmcv comes in
    # one of two forms, chosen by an extra: 'lite' (no compiled operators:
    # pre-training, conversion, classification) or the compiled 'mmcv' that
    # 'seg' and 'det' need (built from source against the installed torch).
    install_requires=[
        'mmengine>=0.10,<0.11', 'mmpretrain>=1.2,<1.3', 'numpy',
        'opencv-python', 'setuptools<81', 'scikit-image', 'scikit-learn'
    ],
    extras_require={
        'lite': ['mmcv-lite>=2.0.0,<2.2.0'],
        'seg': ['mmcv>=2.0.0,<2.2.0', 'mmsegmentation>=1.2,<1.3', 'ftfy',
                'regex'],
        'det': ['mmcv>=2.0.0,<2.2.0', 'mmdet>=3.3,<3.4'],
        'vocab': ['faiss-cpu'],
        'tensorboard': ['tensorboard'],
        'tests': ['pytest', 'pytest-xdist', 'timm', 'faiss-cpu',
                  'tensorboard'],
    },
    license='Apache-2.0',
    zip_safe=False)
