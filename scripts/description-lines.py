#!/usr/bin/env python3
"""Lines of description code in the example kernels (kernels/examples/*.c).

Description code is every top-level definition before the kernel's `*_inputs`
callback (the `*_build` function, its helpers and the state they share),
except the size helpers the argument table also uses (`*_count`, `*_ny`).
Blank lines and comment-only lines are not counted.

    scripts/description-lines.py [FILE.c ...]     (default: kernels/examples/*.c)
"""
import glob
import os
import re
import sys

TOP = re.compile(r'^(static|typedef|const)\b')
NAME = re.compile(r'\b(\w+)\s*\(')
EXCLUDED = re.compile(r'_(count|ny)$')


def code_lines(lines):
    n, in_comment = 0, False
    for line in lines:
        s = line.strip()
        if in_comment:
            if '*/' in s:
                in_comment = False
                s = s.split('*/', 1)[1].strip()
            else:
                continue
        if s.startswith('/*'):
            if '*/' not in s:
                in_comment = True
                continue
            s = s.split('*/', 1)[1].strip()
        if s and not s.startswith('//'):
            n += 1
    return n


def description_lines(path):
    lines = open(path).read().split('\n')
    starts = [i for i, l in enumerate(lines) if TOP.match(l)]
    total = 0
    for k, start in enumerate(starts):
        m = NAME.search(lines[start]) if lines[start].startswith('static') else None
        name = m.group(1) if m else ''
        if name.endswith('_inputs'):
            break
        if EXCLUDED.search(name):
            continue
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        total += code_lines(lines[start:end])
    return total


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(root, 'kernels/examples/*.c')))
    total = 0
    for f in files:
        n = description_lines(f)
        total += n
        print('%6d  %s' % (n, os.path.relpath(f, root)))
    print('%6d  total' % total)


if __name__ == '__main__':
    main()
