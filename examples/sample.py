"""A small file for `npm start`: Hearth completes the line marked below."""

import os


def count_lines(path):
    """Return the number of lines in the file at `path`."""
    with open(path, encoding="utf-8") as handle:
        return 


def largest_file(folder):
    """Return the path of the largest file directly inside `folder`."""
    paths = [os.path.join(folder, name) for name in os.listdir(folder)]
    files = [path for path in paths if os.path.isfile(path)]
    return max(files, key=os.path.getsize)
