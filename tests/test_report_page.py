"""The run report as a reader meets it: one row per evaluated model with its own validation and test accuracy,
captions that say what is drawn, a title that matches the method, one k-NN reference for every report, the demo's
index page; and each page rendered in headless Chromium (it loads, every image decodes, nothing overflows the width)."""
import contextlib, io, json, os, shutil
from html.parser import HTMLParser
from pathlib import Path
import pytest
from conftest import copy_clothing


class _Page(HTMLParser):
    "Tables (rows of cell texts), headings, captions, links and the title of a report."
    def __init__(self):
        super().__init__(); self.tables, self.caps, self.links, self.title, self._t, self._cell, self._cap = [], [], [], '', None, None, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'table': self.tables.append([])
        elif tag == 'tr': self.tables[-1].append([])
        elif tag in ('td', 'th'): self._cell = ''
        elif tag == 'p' and 'caption' in (a.get('class') or ''): self._cap = ''
        elif tag == 'a': self.links.append(a.get('href'))
        elif tag == 'title': self._t = ''
    def handle_endtag(self, tag):
        if tag in ('td', 'th'): self.tables[-1][-1].append(self._cell.strip()); self._cell = None
        elif tag == 'p' and self._cap is not None: self.caps.append(self._cap); self._cap = None
        elif tag == 'title': self.title, self._t = self._t, None
    def handle_data(self, d):
        if self._cell is not None: self._cell += d
        if self._cap is not None: self._cap += d
        if self._t is not None: self._t += d


def page(path) -> _Page:
    p = _Page(); p.feed(Path(path).read_text()); return p


@pytest.fixture(scope='module')
def runs(tmp_path_factory, clothing):
    "A DHO run and a CE-only run on a small copy of the clothing set (tiny random teacher and student), and the demo's index page."
    from vl2lite.teacher import register_tiny_openclip
    from vl2lite.run import distill, demo_page
    tmp = tmp_path_factory.mktemp('report')
    copy_clothing(clothing, tmp, 8, 2, 2)
    kw = dict(teacher=f'openclip:{register_tiny_openclip()}', student='resnet18', pretrained=False, size=32, bs=8, epochs=2,
              templates=['photo'], cache_dir=tmp/'cache', device='cpu', show_progress=False, report_reducer='pca', fraction=0.3)
    res = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for m in ('dho', 'ce'): res[m] = distill(tmp/'imgs', method=m, out=tmp/m, **kw)
    rows = [dict(model=m, labels=str(r['n_train']), valid_acc=r.get('valid_acc_mixed', r['valid_acc']), test_acc=r['test_acc']) for m, r in res.items()]
    index = demo_page(tmp, rows, 'a tiny run', res)
    return tmp, res, index


def test_dho_report_has_one_row_per_model_with_its_own_numbers(runs):
    tmp, res, _ = runs
    r, p = res['dho'], page(tmp/'dho'/'report.html')
    rows = {row[0]: row[1:] for row in p.tables[0][1:]}
    ce = next(k for k in rows if k.startswith('student, CE head alone'))
    mixed = next(k for k in rows if k.startswith('student, heads mixed'))
    assert f"a={r['a']:g}, b={r['b']:g}" in mixed and '(exported)' in mixed
    assert rows[ce] == [f"{r['valid_acc_ce_head']:g}", f"{r['test_acc_ce_head']:g}"]
    assert rows['student, KD head alone'] == [f"{r['valid_acc_kd_head']:g}", f"{r['test_acc_kd_head']:g}"]
    assert rows[mixed] == [f"{r['valid_acc_mixed']:g}", f"{r['test_acc']:g}"]
    assert r['valid_acc_ce_head'] == r['valid_acc']   # the monitored accuracy is the CE head's, at the epoch kept
    zs = json.loads((tmp/'dho'/'results.json').read_text())
    assert rows['teacher zero-shot'] == [f"{zs['teacher_valid_acc']:g}", f"{zs['teacher_test_acc']:g}"] and zs['teacher_valid_acc'] != ''
    assert 'a·softmax(CE) + (1 - a)·softmax(KD / b)' in p.caps[0]


def test_captions_titles_and_one_knn_reference(runs):
    tmp, res, _ = runs
    dho, ce = page(tmp/'dho'/'report.html'), page(tmp/'ce'/'report.html')
    assert 'distilled from' in dho.title and 'trained on the labels alone' in ce.title and 'distilled' not in ce.title
    train = next(c for c in dho.caps if c.startswith('Training objective'))
    for term in ('ce:', 'kd_labelled:', 'kd_unlabelled:', 'Validation loss:'): assert term in train, term
    n_test = len([1 for _ in (tmp/'imgs'/'test').rglob('*.jpg')])
    knn = [next(c for c in p.caps if 'k-NN' in c) for p in (dho, ce)]
    assert all(f'leave-one-out among the {n_test} test images' in c for c in knn), knn
    cam = next(c for c in ce.caps if c.startswith('Grad-CAM'))
    assert 'each of the 10 classes' in cam


def test_demo_index_compares_and_links_both_reports(runs):
    tmp, res, index = runs
    p = page(index)
    assert [row[0] for row in p.tables[0][1:]] == ['dho', 'ce']
    assert sorted(p.links) == ['ce/report.html', 'dho/report.html'] and all((tmp/l).exists() for l in p.links)


def test_reports_in_chromium(runs, tmp_path):
    webdriver = pytest.importorskip('selenium.webdriver')
    from selenium.webdriver.chrome.service import Service
    chromium, driver = shutil.which('chromium'), shutil.which('chromedriver')
    assert chromium and driver, "the browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    tmp, _, index = runs
    opts = webdriver.ChromeOptions(); opts.binary_location = chromium
    for f in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', f'--user-data-dir={tmp_path/"chrome"}', '--window-size=1280,1000'):
        opts.add_argument(f)
    b = webdriver.Chrome(service=Service(driver), options=opts)
    try:
        for f in (tmp/'dho'/'report.html', tmp/'ce'/'report.html', index):
            b.get(f.as_uri())
            assert b.execute_script('return document.readyState') == 'complete'
            imgs = b.execute_script('return [...document.images].map(i => [i.complete, i.naturalWidth])')
            assert imgs and all(c and w > 0 for c, w in imgs), (f, imgs)   # every image decodes
            wide = b.execute_script('const w = document.documentElement.clientWidth; return [...document.body.querySelectorAll("*")]'
                                    '.filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.tagName)')
            assert not wide and b.execute_script('return document.documentElement.scrollWidth <= window.innerWidth'), (f, wide)
        shot = os.environ.get('VL2LITE_REPORT_SCREENSHOT')
        if shot:
            b.get((tmp/'dho'/'report.html').as_uri()); b.set_window_size(1280, 3000); b.save_screenshot(shot)
    finally: b.quit()
