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


KEY_API = ['methods.vl2lite.vl2lite_learner', 'methods.dho.dho_learner', 'methods.ood.ood_learner', 'methods.lgd.pretrain_learner',
           'run.demo', 'run.zeroshot', 'run.export_run', 'audit.audit', 'export.export_student', 'report.run_report',
           'data.table_dls', 'data.scan_folder', 'datasets.read_dataset', 'cache.TeacherCache', 'cache.zero_shot_eval',
           'teacher.load_teacher', 'core.Student', 'methods.lgd.fine_tune', 'methods.lgd.linear_probe',
           'analysis.embedding_map', 'analysis.gradcam', 'analysis.teacher_gradcam']


def test_the_main_entry_points_document_every_parameter():
    "The learner factories and the entry points a user calls first show a parameter table on their API page (docments comments)."
    import importlib, inspect
    from fastcore.docments import docments
    bare = []
    for name in KEY_API:
        mod, _, obj = name.rpartition('.')
        d = docments(getattr(importlib.import_module(f'vl2lite.{mod}'), obj), full=True)
        bare += [f'{name}: {p}' for p, v in d.items()   # **kw: the factories' option shortcuts, listed by `options_table` on the page
                 if p not in ('self', 'return') and v.get('kind') not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL) and not v['docment']]
    assert not bare, 'parameters without a docments comment:\n' + '\n'.join(bare)
