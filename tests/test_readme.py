"""Every number a reader of the README sees comes from a committed result file.

- Each README table carries a marker `<!-- table: NAME -->` on the line above it; `benchmarks/tables.py`
  rebuilds table NAME from `benchmarks/results/` and every cell must be equal (`<!-- table: text -->`
  marks a table of words, which may hold no decimal number).
- Every decimal number in the README's prose (outside code blocks) occurs in a file under
  `benchmarks/results/`.
- The derived files (`readme_tables.md`, `paired_differences.md`) equal what the script writes today.
"""
import functools, re, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'benchmarks'))
import tables  # noqa: E402
from vl2lite import docs  # noqa: E402
from vl2lite.docs import prose_numbers, DECIMAL  # noqa: E402   # the docs check's own rules, one copy

MARK = re.compile(r'^\s*<!-- table: (\w+) -->\s*$')


def cells(line: str) -> list:
    "The cells of one markdown table row, stripped of spaces and bold marks."
    return [c.strip().replace('**', '') for c in line.strip().strip('|').split('|')]


def readme_tables(text: str) -> list:
    "[(marker name or None, first line number, [rows of cells])] for every table in `text`, outside code blocks."
    out, lines, i, code = [], text.split('\n'), 0, False
    while i < len(lines):
        if lines[i].lstrip().startswith('```'): code = not code
        if not code and lines[i].lstrip().startswith('|'):
            j = i
            while j < len(lines) and lines[j].lstrip().startswith('|'): j += 1
            k = i - 1
            while k >= 0 and not lines[k].strip(): k -= 1
            m = MARK.match(lines[k]) if k >= 0 else None
            out.append((m.group(1) if m else None, i + 1, [cells(l) for l in lines[i:j] if not re.fullmatch(r'\|?[\s|:-]+\|?', l.strip())]))
            i = j
        else: i += 1
    return out


@functools.lru_cache(maxsize=None)
def expected(name: str) -> list:
    "Table `name` rebuilt from the result files, as rows of cells."
    return [cells(l) for l in tables.TABLES[name]() if not re.fullmatch(r'\|[\s|:-]+\|', l)]


def table_errors(text: str) -> list:
    "Every way the README's tables differ from the result files, one sentence each."
    errs = []
    for name, line, rows in readme_tables(text):
        if name is None: errs.append(f'README line {line}: a table without a `<!-- table: NAME -->` marker'); continue
        if name == 'text':
            errs += [f'README line {line}: a text table holds the number {n}' for r in rows for c in r for n in DECIMAL.findall(c)]
            continue
        if name not in tables.TABLES: errs.append(f'README line {line}: no table {name!r} in benchmarks/tables.py'); continue
        want = expected(name)
        if len(want) != len(rows): errs.append(f'README line {line} ({name}): {len(rows)} rows, the results give {len(want)}')
        for r, (got, exp) in enumerate(zip(rows, want)):
            if got != exp: errs.append(f'README line {line} ({name}) row {r}: {got} but the results give {exp}')
    return errs


def result_numbers() -> set:
    "Every decimal number written in a file under benchmarks/results/ (signs dropped)."
    return docs.result_numbers(ROOT/'benchmarks'/'results')


README = (ROOT/'README.md').read_text()


def test_readme_tables_equal_the_result_files():
    found = readme_tables(README)
    assert len(found) >= 13, f'only {len(found)} tables found in the README'
    assert not (e := table_errors(README)), '\n'.join(e)


def test_readme_prose_numbers_come_from_result_files():
    have = result_numbers()
    missing = [f'README line {i}: {n}' for i, n in prose_numbers(README) if n.lstrip('+-') not in have]
    assert not missing, 'numbers in the README that no file under benchmarks/results/ holds:\n' + '\n'.join(missing)


def test_derived_result_files_are_current():
    assert (tables.RESULTS/'readme_tables.md').read_text() == '\n'.join(tables.render())
    assert (tables.RESULTS/'paired_differences.md').read_text() == '\n'.join(tables.paired_differences()) + '\n'


def test_one_digit_changed_in_any_cell_fails():
    "The check above can fail: change one digit in any numeric cell of any table and it reports that table."
    lines, n = README.split('\n'), 0
    for name, line, rows in readme_tables(README):
        if name in (None, 'text'): continue
        for li in range(line - 1, line - 1 + len(rows) + 1):
            if re.fullmatch(r'\|[\s|:-]+\|', lines[li].strip()): continue
            starts = [m.start() for m in re.finditer(r'\|', lines[li])]
            for c0, c1 in zip(starts, starts[1:]):             # the first digit of every cell
                m = re.search(r'\d', lines[li][c0:c1])
                if not m: continue
                k = c0 + m.start()
                bad = lines[:li] + [lines[li][:k] + str((int(lines[li][k]) + 1) % 10) + lines[li][k + 1:]] + lines[li + 1:]
                errs = table_errors('\n'.join(bad))
                assert errs and all(f'line {line} ({name})' in e for e in errs), (name, li, k)
                n += 1
    assert n > 300, n


def test_unmarked_table_and_unsourced_number_fail():
    assert table_errors('text\n\n| a | b |\n|---|---|\n| 1.5 | 2 |\n') == ['README line 3: a table without a `<!-- table: NAME -->` marker']
    assert 'holds the number 1.5' in table_errors('<!-- table: text -->\n| a | b |\n|---|---|\n| 1.5 | x |\n')[0]
    assert prose_numbers('we measured 12.3% (`v0.1.2`, Python 3.10)\n```\n4.5\n```\n') == [(1, '12.3')]
    assert tables.mean_std([1, 2, 3]) == '2.0 ± 1.0'   # the sample std (ddof=1): population std would give 0.8
    assert tables.mean_std([5.]) == '5.0 (n=1)' and tables.mean_std([]) == ''
    assert tables.mean_std([-1., -3.], sign=True) == '-2.0 ± 1.4'


# The docs pages that report results: tutorials, analysis notebooks and the home page.
DOC_PAGES = sorted((ROOT/'nbs'/'tutorials').glob('*.ipynb')) + sorted((ROOT/'nbs'/'analysis').glob('*.ipynb')) + [ROOT/'nbs'/'index.ipynb']
SPREAD = re.compile(r'[+-]?\d+\.\d+ ± \d+\.\d+')


def page_parts(path: Path) -> tuple:
    "(markdown text of a notebook, the text of its stored outputs)."
    import json
    nb = json.loads(path.read_text())
    md = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    outs = []
    for c in nb['cells']:
        for o in c.get('outputs', []):
            outs.append(''.join(o.get('text', '')))
            outs += [''.join(v) if isinstance(v, list) else str(v) for k, v in o.get('data', {}).items() if k.startswith('text/')]
    return md, '\n'.join(outs)


def result_text() -> str:
    return ' '.join(p.read_text() for p in (ROOT/'benchmarks'/'results').iterdir() if p.suffix in ('.md', '.txt', '.json', '.jsonl'))


def spread_errors(text: str, where: str, own: set = frozenset()) -> list:
    "Every 'mean ± std' in `text` (outside code) that no result file writes as such (nor the page's own outputs, `own`)."
    have = result_text()
    found = SPREAD.findall(re.sub(r'```.*?```', '', text, flags=re.S))
    return [f'{where}: {s}' for s in found if s.lstrip('+-') not in have and not set(re.findall(r'\d+\.\d+', s)) <= own]


def test_docs_pages_numbers_come_from_results_or_their_own_outputs():
    "A number in a docs page's prose is a measured one: in a result file, or printed by the page's own cells."
    have, bad = result_numbers(), []
    for p in DOC_PAGES:
        md, out = page_parts(p)
        own = set(re.findall(r'\d+\.\d+', out))
        bad += [f'{p.relative_to(ROOT)}: {n}' for _, n in prose_numbers(md) if n.lstrip('+-') not in have | own]
        bad += spread_errors(md, str(p.relative_to(ROOT)), own)
    assert not bad, 'numbers in docs pages that neither a result file nor the page itself holds:\n' + '\n'.join(bad)


def test_readme_spreads_are_written_as_such_in_result_files():
    assert not (e := spread_errors(README, 'README')), '\n'.join(e)


def test_named_result_files_exist():
    "Every `benchmarks/results/...` file the README or a docs page names is committed."
    texts = {'README': README} | {str(p.relative_to(ROOT)): page_parts(p)[0] for p in DOC_PAGES}
    missing = [f'{w}: {f}' for w, t in texts.items() for f in re.findall(r'benchmarks/results/[\w.\-]+\w', t) if not (ROOT/f).exists()]
    assert not missing, 'result files named but not committed:\n' + '\n'.join(missing)


def test_docs_checks_can_fail():
    assert spread_errors('we got 12.3 ± 45.6 here', 'x') == ['x: 12.3 ± 45.6']
    assert spread_errors('```\n12.3 ± 45.6\n```', 'x') == []
