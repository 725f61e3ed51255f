# Copyright (c) splitmask_mm authors. All rights reserved.
"""Docs that cannot rot: every path, link and tool that README.md and
docs/*.md name exists, and every Python tool they name answers --help."""
import glob
import itertools
import os.path as osp
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import ROOT, python_env

PAGES = [osp.join(ROOT, 'README.md')] + sorted(
    glob.glob(osp.join(ROOT, 'docs', '*.md')))


def text(page: str) -> str:
    with open(page, encoding='utf-8') as f:
        return f.read()


def expand(name: str):
    """``vit-{s,b}_ade20k.py`` -> both names (shell-style braces)."""
    parts = re.split(r'\{([^{}]*)\}', name)
    choices = [[p] if i % 2 == 0 else p.split(',')
               for i, p in enumerate(parts)]
    return [''.join(c) for c in itertools.product(*choices)]


def slug(heading: str) -> str:
    """GitHub's anchor of a markdown heading."""
    heading = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return heading.replace(' ', '-')


def anchors(page: str):
    return {slug(m) for m in re.findall(r'^#+ (.*)$', text(page), re.M)}


def named_paths(page: str):
    """Repository paths a page names: tools, configs and scoped configs."""
    body = text(page)
    found = set()
    for name in re.findall(r'(?<![\w/.])((?:tools|configs)/[\w\-/.{},]*'
                           r'[\w}])', body):
        for path in expand(name):
            if re.search(r'\.(py|sh|yml)$', path):
                found.add(path)
    for name in re.findall(r'splitmask_mm::([\w\-/.]+\.py)', body):
        found.add(f'configs/{name}')
    return found


@pytest.mark.parametrize('page', PAGES, ids=lambda p: osp.relpath(p, ROOT))
def test_every_named_path_exists(page):
    missing = sorted(p for p in named_paths(page)
                     if not osp.exists(osp.join(ROOT, p)))
    assert not missing, f'{osp.relpath(page, ROOT)} names {missing}'


@pytest.mark.parametrize('page', PAGES, ids=lambda p: osp.relpath(p, ROOT))
def test_every_relative_link_resolves(page):
    broken = []
    for target in re.findall(r'\]\(([^)\s]+)\)', text(page)):
        if re.match(r'[a-z]+://', target):
            continue
        path, _, anchor = target.partition('#')
        resolved = osp.normpath(osp.join(osp.dirname(page), path)) \
            if path else page
        if not osp.exists(resolved):
            broken.append(target)
        elif anchor and resolved.endswith('.md') and \
                anchor not in anchors(resolved):
            broken.append(target)
    assert not broken, f'{osp.relpath(page, ROOT)}: {broken}'


def test_the_docs_index_lists_every_page():
    readme = text(PAGES[0])
    unlisted = [osp.basename(p) for p in PAGES[1:]
                if f'(docs/{osp.basename(p)})' not in readme]
    assert not unlisted


def test_every_named_python_tool_answers_help():
    tools = sorted({p for page in PAGES for p in named_paths(page)
                    if p.startswith('tools/') and p.endswith('.py')})
    assert len(tools) >= 8

    def help_of(tool):
        proc = subprocess.run(
            [sys.executable, osp.join(ROOT, tool), '--help'], cwd=ROOT,
            env=python_env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=300)
        return tool, proc.returncode, proc.stdout

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(help_of, tools))
    failed = [(tool, code, out[-500:]) for tool, code, out in results
              if code != 0 or 'usage:' not in out]
    assert not failed, failed
