"""benchmarks/gpu_check.sh, the GPU measurement script, run end to end on the CPU with a tiny budget: it installs (a no-op
here), makes its synthetic folder, fills the teacher cache, trains CE and DHO (the script's default is every method,
each through the same call) and the plain PyTorch loop, and writes its JSON with every figure. To keep CI short the
teacher is the tiny random open_clip model and the student trains at 64 px (the script's defaults: ViT-B-32, 224 px)."""
import json, os, subprocess
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_gpu_check_on_cpu(tmp_path):
    out = tmp_path/'gpu_check.json'
    env = {**os.environ, 'VL2LITE_SCALE_DATA': str(tmp_path/'data')}
    r = subprocess.run(['bash', 'benchmarks/gpu_check.sh', '--n', '40', '--device', 'cpu', '--steps', '2', '--warm', '1', '--bs', '4',
                        '--methods', 'ce', 'dho', '--teacher', 'vl2lite-tiny-vit', '--size', '64', '--out', str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res['device'] == 'cpu' and res['precision'] == 'fp32' and res['teacher'] == 'open_clip vl2lite-tiny-vit (random)' and res['size'] == 64
    assert res['teacher_fill_images'] == 40 + 16 + 16 and res['teacher_fill_img_s'] > 0 and res['plain_loop_img_s'] > 0
    assert set(res['methods']) == {'ce', 'dho'}   # two methods keep CI short: the script runs every one the same way
    for m, row in res['methods'].items():
        assert row['img_s'] > 0 and row['images_per_step'] in (4, 8), (m, row)   # DHO adds a batch of unlabelled images
        assert abs(row['x_plain_loop'] - row['img_s'] / res['plain_loop_img_s']) < 1e-2
