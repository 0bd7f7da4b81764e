#!/usr/bin/env python
"""Mirror the working tree into a real ansible_collections/<namespace>/<name> directory.

ansible-test must run from inside ``.../ansible_collections/<namespace>/<name>``. A symlink to
the checkout is not enough: os.getcwd() and pytest both resolve it back to the checkout. So the
Makefile keeps a real copy under build/ and calls this script before every ansible-test run.

The copy holds the files git would hand to a fresh clone: tracked files plus untracked files
that .gitignore does not exclude (``git ls-files --cached --others --exclude-standard``).
Without git, the tree is walked, skipping the usual build and cache directories. Unchanged
files (same size, mtime and mode) are not copied again, and files that are gone from the
working tree are deleted from the copy.

The copy gets its own empty git repository. Otherwise ansible-test would find the checkout's
.git further up and ask it for the file list, and the checkout's .gitignore excludes build/,
so every sanity test would silently pass on zero files.
"""

import argparse
import os
import shutil
import stat
import subprocess
import sys

# Never mirrored, even if .gitignore forgets them (top-level names).
EXCLUDED_TOP = frozenset(('.git', '.venv', '.venv-cores', 'build', 'dist', '.ansible', '.cache', '.tox', '.pytest_cache'))
# Never mirrored, at any depth.
EXCLUDED_ANY = frozenset(('__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache'))
EXCLUDED_SUFFIXES = ('.pyc', '.pyo', '.egg-info')
# Left alone inside the copy (ansible-test writes its results here).
KEPT_IN_COPY = frozenset(('.git', os.path.join('tests', 'output')))


def excluded(rel_path):
    """Return True when rel_path must not be mirrored."""
    parts = rel_path.split(os.sep)

    if parts[0] in EXCLUDED_TOP or rel_path.startswith(os.path.join('tests', 'output') + os.sep):
        return True

    return any(part in EXCLUDED_ANY or part.endswith(EXCLUDED_SUFFIXES) for part in parts)


def git_files(src):
    """Return the paths git would give a fresh clone (plus untracked, not ignored), or None without git."""
    try:
        subprocess.run(['git', 'rev-parse', '--is-inside-work-tree'], cwd=src, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None

    def ls_files(*options):
        result = subprocess.run(['git', 'ls-files', '-z'] + list(options), cwd=src, check=True, capture_output=True)
        return set(path for path in os.fsdecode(result.stdout).split('\0') if path)

    return ls_files('--cached', '--others', '--exclude-standard') - ls_files('--deleted')


def walked_files(src):
    """Return all files below src, pruning excluded directories."""
    paths = set()

    for root, dirs, files in os.walk(src):
        rel_root = os.path.relpath(root, src)
        rel_root = '' if rel_root == '.' else rel_root
        dirs[:] = [name for name in dirs if not excluded(os.path.join(rel_root, name))]
        paths.update(os.path.join(rel_root, name) for name in files)

    return paths


def same_file(src_path, dst_path):
    """Return True when dst_path already mirrors src_path."""
    try:
        src_stat = os.lstat(src_path)
        dst_stat = os.lstat(dst_path)
    except FileNotFoundError:
        return False

    if stat.S_ISLNK(src_stat.st_mode) or stat.S_ISLNK(dst_stat.st_mode):
        return stat.S_ISLNK(dst_stat.st_mode) and stat.S_ISLNK(src_stat.st_mode) and os.readlink(src_path) == os.readlink(dst_path)

    return (src_stat.st_size, src_stat.st_mtime_ns, src_stat.st_mode) == (dst_stat.st_size, dst_stat.st_mtime_ns, dst_stat.st_mode)


def remove(path):
    """Remove a file, symlink or directory tree."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def sync(src, dst):
    """Mirror src into dst and return (copied, deleted) counts."""
    paths = git_files(src)

    if paths is None:
        paths = walked_files(src)

    paths = set(path for path in paths if not excluded(path) and os.path.lexists(os.path.join(src, path)))
    copied = deleted = 0

    # Delete first, so that a file replaced by a directory (or the reverse) can be copied afterwards.
    for root, dirs, files in os.walk(dst, topdown=True):
        rel_root = os.path.relpath(root, dst)
        rel_root = '' if rel_root == '.' else rel_root
        dirs[:] = [name for name in dirs if os.path.join(rel_root, name) not in KEPT_IN_COPY]

        for name in files + [name for name in dirs if os.path.islink(os.path.join(root, name))]:
            if os.path.join(rel_root, name) not in paths:
                os.unlink(os.path.join(root, name))
                deleted += 1

    for root, _dirs, _files in os.walk(dst, topdown=False):
        rel_root = os.path.relpath(root, dst)

        if rel_root != '.' and not os.listdir(root) and not any(rel_root == kept or rel_root.startswith(kept + os.sep) for kept in KEPT_IN_COPY):
            os.rmdir(root)

    for rel_path in sorted(paths):
        src_path = os.path.join(src, rel_path)
        dst_path = os.path.join(dst, rel_path)

        if same_file(src_path, dst_path):
            continue

        if os.path.lexists(dst_path):
            remove(dst_path)

        os.makedirs(os.path.dirname(dst_path), exist_ok=True)

        if os.path.islink(src_path):
            os.symlink(os.readlink(src_path), dst_path)
        else:
            shutil.copy2(src_path, dst_path)

        copied += 1

    return copied, deleted


def main():
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='collection checkout (repository root)')
    parser.add_argument('dst', help='.../ansible_collections/<namespace>/<name> directory to keep in sync')
    args = parser.parse_args()

    src = os.path.abspath(args.src)
    dst = os.path.abspath(args.dst)

    if os.path.islink(dst):
        os.unlink(dst)

    os.makedirs(dst, exist_ok=True)
    copied, deleted = sync(src, dst)

    if not os.path.exists(os.path.join(dst, '.git')) and shutil.which('git'):
        subprocess.run(['git', 'init', '--quiet', dst], check=True)

    print('synced %s -> %s (%d copied, %d deleted)' % (src, dst, copied, deleted))
    return 0


if __name__ == '__main__':
    sys.exit(main())
