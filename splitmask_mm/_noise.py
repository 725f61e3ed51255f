# Copyright (c) splitmask_mm authors. All rights reserved.
"""Warnings the stack prints on import that tell the user nothing.

Imported first by the package (and so by every tool, which imports the
package before mmengine, mmcv or mmpretrain); only the standard library
here, so that the filters are in place before any of those modules loads.
"""
import logging
import warnings

# mmengine imports pkg_resources, which setuptools < 81 (needed for its
# pkg:: config bases) deprecates loudly on every start
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
# mmcv-lite (the default install) has no compiled operators and says so on
# import; pre-training does not use them (seg/det configs check: stack.py)
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')


# mmengine's own deprecation notices and an expected, by-design fact, logged
# at WARNING on every run; none asks anything of the user. Demoted to INFO:
# still in the log, no longer among a run's warnings.
DEMOTED_LOG_WARNINGS = (
    # mmengine's CheckpointHook and LoggerHook build a FileClient themselves
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias of "LocalBackend"',
    # the fixed sin-cos position embeddings (requires_grad=False by design)
    'is skipped since its requires_grad=False',
)


class _DemoteKnownWarnings:
    """A :mod:`logging` filter: the records above become INFO records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and any(
                text in record.getMessage() for text in DEMOTED_LOG_WARNINGS):
            record.levelno, record.levelname = logging.INFO, 'INFO'
        return True


def quiet_runner_logger(logger) -> None:
    """Demote the known harmless warnings of a runner's logger (an
    ``MMLogger``; every message of a run goes through it)."""
    if not any(isinstance(f, _DemoteKnownWarnings) for f in logger.filters):
        logger.addFilter(_DemoteKnownWarnings())
