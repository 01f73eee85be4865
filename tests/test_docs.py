"The docs site as far as it can be checked here: every sidebar page processed by nbdev and rendered to HTML."
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_sidebar_page_renders_without_console_noise(tmp_path, monkeypatch):
    from vl2lite.docs import render_docs
    monkeypatch.chdir(ROOT)   # nbdev reads its settings (and this project's docs processor) from pyproject.toml
    monkeypatch.delenv('VL2LITE_DATA', raising=False)   # the docs build has no dataset: nothing it runs may need one
    rows = render_docs(ROOT/'nbs', tmp_path)
    pages = {r['page']: r for r in rows}
    assert 'index.ipynb' in pages and len(pages) >= 20
    assert all(r['console_bars'] == 0 and r['epoch_lists'] == 0 for r in rows), [r for r in rows if r['console_bars'] or r['epoch_lists']]
    tut = pages['tutorials/vl2lite.ipynb']
    assert tut['images'] >= 2 and tut['tables'] >= 2, tut   # its figures and result tables
    html = Path(tut['html']).read_text()
    assert not re.search(r"\[\d+, [\d.]+, [\d.]+, .*'\d\d:\d\d'\]", html)   # no raw per-epoch lists above the tables
    assert pages['analysis/gradcam_embeddings.ipynb']['images'] >= 2


def test_home_page_and_readme_agree_on_the_quick_start():
    readme = (ROOT/'README.md').read_text()
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", readme, re.S).group(1)
    index = ''.join(''.join(c['source']) for c in json.loads((ROOT/'nbs'/'index.ipynb').read_text())['cells'])
    for line in block.strip().splitlines(): assert line.strip() in index, line


PLANTS = {   # kind of noise -> (a cell planted at the end of a real page, words of the docs check's message)
    'stderr': (dict(cell_type='code', source='x = 1', outputs=[dict(output_type='stream', name='stderr', text='some library says hello\n')]), 'a stderr box'),
    'warning': (dict(cell_type='code', source='x = 1', outputs=[dict(output_type='stream', name='stdout', text='x.py:3: FutureWarning: old\n')]), 'a warning'),
    'log': (dict(cell_type='code', source='x = 1', outputs=[dict(output_type='stream', name='stdout', text='Better model found at epoch 2 with accuracy value: 0.6.\n')]), 'a training log line'),
    'nan': (dict(cell_type='code', source='df', outputs=[dict(output_type='execute_result', execution_count=None, metadata={},
                                                               data={'text/html': '<table><tr><td>NaN</td></tr></table>', 'text/plain': 'NaN'})]), 'NaN in a table'),
    'path': (dict(cell_type='code', source='t', outputs=[dict(output_type='execute_result', execution_count=None, metadata={},
                                                             data={'text/plain': 'ImageTable(/root/.cache/vl2lite/data: 10 classes)'})]), 'an absolute path'),
    'empty': (dict(cell_type='markdown', source='## From the command line'), 'empty section'),
    'stale': (dict(cell_type='markdown', source='The demo reaches 97.31% after 5 epochs.'), 'a number in the prose'),
}


def test_the_docs_check_fails_on_each_kind_of_noise_planted_in_a_real_page(tmp_path, monkeypatch):
    "Each kind of noise planted alone at the end of the shots tutorial makes `render_docs` fail, naming it."
    import shutil
    from vl2lite.docs import render_docs
    monkeypatch.chdir(ROOT); monkeypatch.delenv('VL2LITE_DATA', raising=False)
    nbs = tmp_path/'nbs'; shutil.copytree(ROOT/'nbs', nbs, ignore=shutil.ignore_patterns('*.png', '_*'))
    page = nbs/'tutorials'/'shots.ipynb'; clean = json.loads(page.read_text())
    render_docs(nbs, tmp_path/'out', only=['tutorials/shots.ipynb'], results=ROOT/'benchmarks'/'results')   # clean: no error
    for kind, (cell, words) in PLANTS.items():
        nb = json.loads(json.dumps(clean))
        nb['cells'].append(dict(id=f'plant{kind}', metadata={}, **({'execution_count': None} if cell['cell_type'] == 'code' else {}), **cell))
        page.write_text(json.dumps(nb))
        try: render_docs(nbs, tmp_path/'out', only=['tutorials/shots.ipynb'], results=ROOT/'benchmarks'/'results')
        except ValueError as e: assert words in str(e) and str(e).count('\n') == 1, (kind, str(e))
        else: raise AssertionError(f'{kind}: the docs check passed a page with it')


# Parameters a vl2lite class takes from a fastai constructor it does not redefine (fastai documents them).
INHERITED = {'data.TensorItemIdx': {'x'}, 'data.DecodeResizedCrop': {'nm'}}


def _public_objects():
    "(module.name, object) of every function and class in a vl2lite module's `__all__`, each once."
    import importlib, pkgutil, vl2lite, vl2lite.methods
    seen = set()
    for pkg in (vl2lite, vl2lite.methods):
        for m in pkgutil.iter_modules(pkg.__path__):
            if m.name.startswith('_') or m.ispkg: continue
            mod = importlib.import_module(f'{pkg.__name__}.{m.name}')
            for n in getattr(mod, '__all__', []):
                o = getattr(mod, n, None)
                if callable(o) and getattr(o, '__module__', None) == mod.__name__ and id(o) not in seen:
                    seen.add(id(o)); yield f"{mod.__name__.removeprefix('vl2lite.')}.{n}", o


def undocumented_parameters(o, skip=()) -> list:
    """The parameters of `o` without a docments comment: `*args`/`**kw`, fastai's callback events and the fields of an
    options dataclass with `help` (its `options_table`) excepted."""
    import dataclasses, inspect
    from fastcore.docments import docments
    from fastai.callback.core import Callback
    try: d = docments(o, full=True)
    except (TypeError, ValueError): return []
    helped = {f.name for f in dataclasses.fields(o) if f.metadata.get('help')} if dataclasses.is_dataclass(o) else set()
    return [p for p, v in d.items() if p not in ('self', 'return', *skip, *helped, *Callback._methods) and not v['docment']
            and v.get('kind') not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)]


def test_every_public_function_documents_every_parameter():
    "Every public function and class of the package shows a full parameter table on its API page (docments comments)."
    bare = [f'{name}: {p}' for name, o in _public_objects() for p in undocumented_parameters(o, INHERITED.get(name, ()))]
    assert not bare, 'parameters without a docments comment:\n' + '\n'.join(bare)


def test_undocumented_parameters_can_fail():
    def f(a,      # documented
          b=1, *args, **kw): pass
    assert undocumented_parameters(f) == ['b']


def _example_cells(nb_path: Path) -> list:
    "Sources of the code cells of a notebook that are not library code and have stored output (what a reader sees run)."
    cells = json.loads(nb_path.read_text())['cells']
    return [''.join(c['source']) for c in cells if c['cell_type'] == 'code' and c.get('outputs')
            and not ''.join(c['source']).lstrip().startswith('#| export')]


def objects_without_example(nbs: Path = ROOT/'nbs') -> list:
    """`module.name` of every public function and class whose API page shows no usage: no code cell with stored output
    that names it (or an alias of it)."""
    import importlib
    from vl2lite._modidx import d as modidx
    page = {s: url.split('#')[0].removesuffix('.html') for syms in modidx['syms'].values() for s, (url, _) in syms.items()}
    by_page = {re.sub(r'^\d+_', '', f.stem): f for f in nbs.glob('*.ipynb')}
    missing = []
    for name, o in _public_objects():
        mod = importlib.import_module('vl2lite.' + name.rpartition('.')[0])
        names = [a for a in mod.__all__ if getattr(mod, a, None) is o]
        key = page.get(f'{mod.__name__}.{o.__name__}') or page.get(f'vl2lite.{name}')
        cells = _example_cells(by_page[key]) if key in by_page else []
        if not any(re.search(rf'\b{re.escape(a)}\b', c) for c in cells for a in names): missing.append(name)
    return missing


def test_every_public_function_has_an_example_with_output():
    "Every public function and class is used, with its output stored, on its API page (docs.fast.ai's shape)."
    missing = objects_without_example()
    assert not missing, 'no usage example with output on the API page:\n' + '\n'.join(missing)


def test_missing_examples_are_found(tmp_path):
    "An API page whose example lost its output is reported."
    import shutil
    for f in (ROOT/'nbs').glob('*.ipynb'): shutil.copy(f, tmp_path/f.name)
    nb = json.loads((tmp_path/'04_losses.ipynb').read_text())
    for c in nb['cells']:
        if c['cell_type'] == 'code' and re.search(r'\bkd_kl_loss\b', ''.join(c['source'])): c['outputs'] = []
    (tmp_path/'04_losses.ipynb').write_text(json.dumps(nb))
    assert objects_without_example(tmp_path) == ['losses.kd_kl_loss']
