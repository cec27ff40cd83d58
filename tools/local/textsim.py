"""Edit similarity of the offline tuning scripts (rerank.py, pick.py): the measure `hearth bench
quality` reports (1 - Levenshtein distance / longer length, on stripped lines) and the
whitespace-normalised form exact match compares."""


def lev(a, b):
    if a == b:
        return 0
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return max(n, m)
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        ai = a[i - 1]
        for j in range(1, m + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai != b[j - 1]))
        prev = cur
    return prev[m]


def es(a, b):
    a = a.strip()
    b = b.strip()
    longer = max(len(a), len(b))
    return 1.0 if longer == 0 else 1 - lev(a, b) / longer


def norm(text):
    return ' '.join(text.split())
