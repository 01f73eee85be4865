"""A deployed open-vocabulary student that takes new class names without PyTorch: files, the cost of a new class, latency,
and `vl2lite serve` under a bounded load.

    VL2LITE_DATA=../shared/data python benchmarks/deploy_open_vocab.py [--tmp /tmp/vl2lite_deploy]

Protocol: `vl2lite distill --method ood` on the clothing set (offline ConSE teacher, EfficientNet-Lite0 from ImageNet
weights, 5 novel classes drawn with seed 0, 2 epochs at 64 px; a student for this measurement, not for accuracy), then
`vl2lite export --int8 --text`. Measured on this CPU (2 threads), nothing else running: the size of every file a
deployment carries (float and int8), the time `OnnxClassifier.set_classes` takes for 1 and for 10 new names (the run's
prompt templates; median of 5 calls after one warm-up), the latency of one image (decode + preprocess + ONNX Runtime;
median of 50), and `vl2lite serve` answering 200 `POST /predict` requests of one image each, 8 at a time, from this
process to 127.0.0.1 (half of them with 3 typed class names). The page's screenshot is taken in headless Chromium.
Results: benchmarks/results/deploy_open_vocab.json; the screenshot: benchmarks/results/serve_page.png.
"""
import argparse, json, os, shutil, statistics, sys, time, warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from runner import RESULTS

warnings.filterwarnings('ignore')
TYPED = ['sneakers', 'baseball cap', 'jeans']
NEW10 = ['sneakers', 'baseball cap', 'jeans', 'winter jacket', 'summer dress', 'polo shirt', 'sandals', 'scarf', 'hoodie', 'swimsuit']


def mb(f): return round(os.path.getsize(f) / 2**20, 2)


def median_s(fn, n):
    fn(); ts = []
    for _ in range(n): t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def train_and_export(tmp: Path) -> Path:
    from vl2lite.run import distill, export_run
    from vl2lite.data import clothing_path
    run = tmp/'run'
    if not (run/'student.pkl').exists():
        distill(data=str(clothing_path()), method='ood', novel=5, student='tf_efficientnet_lite0', pretrained='pypi', epochs=2, size=64,
                out=str(run), report=False, show_progress=False)
    export_run(run/'student.pkl', formats=('onnx',), int8=True, text=True)
    return run


def int8_text(run: Path, clf) -> dict:
    "The text tower quantised to int8 (ONNX Runtime's dynamic quantisation) and how far its class embeddings move."
    from onnxruntime.quantization import quantize_dynamic, QuantType
    from vl2lite.runtime import OnnxTextEncoder
    quantize_dynamic(str(run/'text.onnx'), str(run/'text.int8.onnx'), weight_type=QuantType.QInt8)
    spec = json.loads((run/'text.json').read_text()); (run/'text.int8.json').write_text(json.dumps({**spec, 'model': 'text.int8.onnx'}))
    f, q = OnnxTextEncoder(run/'text.json'), OnnxTextEncoder(run/'text.int8.json')
    names = list(clf.spec['classes']) + NEW10
    return dict(text_int8_mb=mb(run/'text.int8.onnx'), text_int8_min_cosine=round(float((f.bank(names) * q.bank(names)).sum(1).min()), 4))


def load_test(model, paths, n=200, workers=8) -> dict:
    import requests
    from vl2lite.serve import create_app, running
    files = lambda p: [('files', (Path(p).name, Path(p).read_bytes(), 'image/jpeg'))]
    with running(create_app(model)) as url:
        def one(i):
            t = time.perf_counter()
            r = requests.post(f'{url}/predict', files=files(paths[i % len(paths)]), data={'classes': '\n'.join(TYPED)} if i % 2 else None)
            return r.status_code, time.perf_counter() - t
        requests.post(f'{url}/predict', files=files(paths[0]), data={'classes': '\n'.join(TYPED)})   # the typed names' bank, once
        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as ex: res = list(ex.map(one, range(n)))
        wall = time.perf_counter() - t0
    lat = np.array([t for _, t in res])
    return dict(requests=n, concurrent=workers, failed=sum(c != 200 for c, _ in res), requests_per_s=round(n / wall, 1),
                p50_ms=round(1000 * float(np.percentile(lat, 50)), 1), p99_ms=round(1000 * float(np.percentile(lat, 99)), 1))


def screenshot(model, image, out):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from vl2lite.serve import create_app, running
    opts = webdriver.ChromeOptions(); opts.binary_location = shutil.which('chromium')
    for f in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', '--window-size=820,760', '--user-data-dir=/tmp/vl2lite_deploy_chrome'):
        opts.add_argument(f)
    with running(create_app(model)) as url:
        b = webdriver.Chrome(service=Service(shutil.which('chromedriver')), options=opts)
        try:
            b.get(url)
            WebDriverWait(b, 20).until(lambda b: b.find_element(By.ID, 'classes').get_attribute('value'))
            b.find_element(By.ID, 'files').send_keys(str(image))
            box = b.find_element(By.ID, 'classes'); box.clear(); box.send_keys('\n'.join(TYPED + ['t-shirt', 'dress']))
            b.find_element(By.ID, 'go').click()
            WebDriverWait(b, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, 'table.pred tr'))
            time.sleep(0.5); b.save_screenshot(str(out))
        finally: b.quit()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--tmp', default='/tmp/vl2lite_deploy'); ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    import torch; torch.set_num_threads(a.threads)
    from vl2lite.data import scan_folder, clothing_path
    from vl2lite.runtime import OnnxClassifier
    tmp = Path(a.tmp); tmp.mkdir(parents=True, exist_ok=True)
    run = train_and_export(tmp)
    table = scan_folder(clothing_path(), verify=False)
    paths = [table.paths[i] for i in table.idxs('test')[:50]]
    clf = OnnxClassifier(run/'student.onnx', threads=a.threads)
    res = dict(files_mb=dict(student=mb(run/'student.onnx'), student_int8=mb(run/'student.int8.onnx'), class_bank=mb(run/'student.classes.npy'),
                             text_tower=mb(run/'text.onnx'), tokenizer=mb(run/'text.tokenizer.json')),
               templates=len(json.loads((run/'text.json').read_text())['templates']))
    res.update(int8_text(run, clf))
    res['add_1_class_ms'] = round(1000 * median_s(lambda: OnnxClassifier.bank(clf, NEW10[:1]), 5), 1)
    res['add_10_classes_ms'] = round(1000 * median_s(lambda: OnnxClassifier.bank(clf, NEW10), 5), 1)
    res['image_ms'] = round(1000 * median_s(lambda: clf.probs(paths[:1]), 50), 2)
    print(json.dumps(res, indent=1), flush=True)
    res['serve'] = load_test(run/'student.onnx', paths)
    print(res['serve'], flush=True)
    screenshot(run/'student.onnx', paths[3], RESULTS/'serve_page.png')
    (RESULTS/'deploy_open_vocab.json').write_text(json.dumps(res, indent=1) + '\n')


if __name__ == '__main__':
    main()
