"The project's own consistency: docs config, notebooks in the sidebar, import directions."
import ast, json, re
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_quarto_config_is_valid_and_sidebar_notebooks_exist():
    q = yaml.safe_load((ROOT/'nbs'/'_quarto.yml').read_text())
    assert q['project']['type'] == 'website' and 'sidebar.yml' in q['metadata-files']
    side = yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text())['website']['sidebar']['contents']
    sections = {s.get('section', s.get('text')) for s in side}
    assert {'Home', 'Tutorials', 'Analysis', 'API'} <= sections
    def hrefs(items):
        for it in items:
            if isinstance(it, str): yield it
            elif 'href' in it: yield it['href']
            else: yield from hrefs(it.get('contents', []))
    listed = list(hrefs(side))
    assert listed and all((ROOT/'nbs'/h).exists() for h in listed), [h for h in listed if not (ROOT/'nbs'/h).exists()]
    # every library notebook is in the API section
    api = [p.name for p in (ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')]
    assert set(api) <= set(listed)


def test_every_module_comes_from_a_notebook_of_its_name():
    for py in (ROOT/'vl2lite').rglob('*.py'):
        if py.name.startswith('_'): continue
        head = py.read_text()[:600]
        m = re.search(r'nbs/(\d\d)_(\w+)\.ipynb', head)
        assert m and m.group(2) == py.stem, (py.name, head)


ALLOWED = {  # module -> vl2lite modules it may import (the direction of the data flow)
    'core': set(), 'evaluate': set(), 'runtime': set(), 'data': {'core', 'runtime'}, 'datasets': {'data'},
    'teacher': {'core', 'data', 'evaluate', 'runtime'}, 'cache': {'core', 'data', 'teacher', 'runtime'},
    'losses': set(), 'condense': set(), 'callbacks': {'losses', 'cache', 'teacher', 'core', 'data', 'condense', 'heads'},
    'analysis': {'core', 'teacher', 'callbacks', 'evaluate', 'runtime'}, 'heads': {'core', 'teacher', 'evaluate'},
    'report': {'core', 'data', 'teacher', 'cache', 'analysis', 'evaluate'},
    'export': {'runtime', 'evaluate', 'teacher'}, 'distributed': {'core'},
    'run': {'core', 'data', 'datasets', 'teacher', 'cache', 'callbacks', 'methods.registry', 'distributed', 'analysis', 'report',
            'export', 'runtime'},
    'audit': {'core', 'data', 'teacher', 'cache', 'heads', 'evaluate', 'report', 'run'},
    'cli': {'runtime', 'data', 'datasets', 'cache', 'methods.registry', 'export', 'run', 'audit', 'serve'}, 'serve': {'runtime'},
}


def vl2lite_imports(f: Path) -> set:
    "The vl2lite modules a library file imports, relative imports resolved ('methods.ood' for a method module)."
    pkg = f.relative_to(ROOT/'vl2lite').parent.parts           # () for vl2lite/x.py, ('methods',) for vl2lite/methods/x.py
    out = set()
    for n in ast.walk(ast.parse(f.read_text())):
        if not isinstance(n, ast.ImportFrom): continue
        if n.level: parts = list(pkg[:len(pkg) - (n.level - 1)]) + (n.module.split('.') if n.module else [])
        elif n.module and n.module.startswith('vl2lite.'): parts = n.module.split('.')[1:]
        else: continue
        out.add('.'.join(parts[:2]) if parts and parts[0] == 'methods' else parts[0] if parts else '')
    return out


def test_import_directions():
    for mod, ok in ALLOWED.items():
        used = vl2lite_imports(ROOT/'vl2lite'/f'{mod}.py')
        assert used <= ok, (mod, used - ok)
    assert 'fastai' not in (ROOT/'vl2lite'/'losses.py').read_text()


def test_no_method_imports_another():
    "Pieces several methods need live below them (heads, cache, evaluate); a method module never imports another."
    for f in (ROOT/'vl2lite'/'methods').glob('*.py'):
        if f.name.startswith('_'): continue
        others = {m for m in vl2lite_imports(f) if m.startswith('methods.')} - {'methods.' + f.stem}
        assert not others, (f.name, others)


def test_import_checks_can_fail(tmp_path, monkeypatch):
    monkeypatch.setattr(__import__(__name__), 'ROOT', tmp_path)
    (tmp_path/'vl2lite'/'methods').mkdir(parents=True)
    f = tmp_path/'vl2lite'/'methods'/'lgd.py'
    f.write_text('from ..core import Student\nfrom .ood import embed_items\nfrom vl2lite.methods.dho import dho_mix\nimport numpy')
    assert vl2lite_imports(f) == {'core', 'methods.ood', 'methods.dho'}
    (tmp_path/'vl2lite'/'data.py').write_text('from .core import x\nfrom .teacher import y')
    assert vl2lite_imports(tmp_path/'vl2lite'/'data.py') == {'core', 'teacher'}


def _compares_a_method_name(f: Path) -> list:
    "The comparisons in `f` that test a method's name (`method == 'dho'`, `row in ('ce', ...)`)."
    names = {'vl2lite', 'logit_kd', 'ce', 'dho', 'dho_single', 'ood', 'lgd', 'feature_kd'}
    found = []
    for n in ast.walk(ast.parse(f.read_text())):
        if isinstance(n, ast.Compare):
            consts = {c.value for c in ast.walk(n) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
            if consts & names: found.append(ast.unparse(n))
    return found


def test_jobs_dispatch_without_a_branch_per_method():
    "The command line, the jobs, the report and the benchmarks ask the method registry; none tests a method's name itself."
    for f in ('cli.py', 'run.py', 'report.py'): assert not _compares_a_method_name(ROOT/'vl2lite'/f), f
    for f in (ROOT/'benchmarks').glob('*.py'): assert not _compares_a_method_name(f), f.name
    from vl2lite.methods.registry import METHODS, ENTRY_POINTS, get_method
    for name in METHODS:
        m = get_method(name)
        for fn in ENTRY_POINTS: assert hasattr(m, fn), (name, fn)


def test_branch_check_can_fail(tmp_path):
    (tmp_path/'x.py').write_text("if a.method == 'dho': pass\nif kind in ('distill', 'pretrain'): pass")
    assert _compares_a_method_name(tmp_path/'x.py') == ["a.method == 'dho'"]


def _extra_signature_lines(n) -> int:
    "Lines of a function's signature past its first (one parameter a line, with its docments comment)."
    first = n.body[0].lineno
    return max(0, first - n.lineno - 1) if first > n.lineno else 0


def test_sizes():
    """The command line stays a parser; no library function grows past 60 lines; a learner factory takes at most 10
    parameters. Signatures count as one line: a parameter's documentation is not code."""
    cli = (ROOT/'vl2lite'/'cli.py').read_text()
    funcs = [n for n in ast.walk(ast.parse(cli)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert len(cli.splitlines()) - sum(_extra_signature_lines(n) for n in funcs) <= 250
    long = []
    for f in (ROOT/'vl2lite').rglob('*.py'):
        if f.name == '_modidx.py': continue
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if n.end_lineno - n.lineno + 1 - _extra_signature_lines(n) > 60: long.append(f'{f.name}:{n.name}')
                if n.name.endswith('_learner'):
                    a = n.args
                    assert len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg) <= 10, (f.name, n.name)
    assert not long, long


def test_notebooks_are_clean():
    for nb in (ROOT/'nbs').rglob('*.ipynb'):
        d = json.loads(nb.read_text())
        for c in d['cells']:
            if c['cell_type'] == 'code': assert c.get('execution_count') is None, nb
