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
