"""CPU latency of the teacher and of students, in PyTorch, TorchScript and ONNX Runtime.

    python benchmarks/latency.py [--threads 2] [--students tf_efficientnet_lite0 mobilenetv3_small_100 resnet18]

For each model: parameters, file sizes of its TorchScript and ONNX exports, milliseconds per image at
batch 1 and images per second at batch 32 (median of timed calls after a warm-up; random inputs: the time
does not depend on the pixels). The teacher is the offline ConSE teacher's image tower (EfficientNet-Lite2
ImageNet classifier + the class-name bank, 260 px): what a teacher costs per image at training or
inference time; its text encoder runs once per class and is left out. Students are exported as vl2lite
exports them (`DeployModel`: normalised images -> class probabilities, 10 classes) at the size they are
trained at here (64 px) and at 224 px. Results: benchmarks/results/latency.json and latency.md.
"""
import argparse, json, os, platform, tempfile, time, warnings
from pathlib import Path
import numpy as np
import torch
from vl2lite.core import Student
from vl2lite.teacher import load_teacher
from vl2lite.analysis import ImageTower
from vl2lite.export import DeployModel, latency
from vl2lite.runtime import OnnxClassifier
import sys; sys.path.insert(0, str(Path(__file__).parent))
from runner import markdown

warnings.filterwarnings('ignore')


def measure(name, module, size, tmp, reps):
    module = module.eval()
    x1, xb = torch.randn(1, 3, size, size), torch.randn(32, 3, size, size)
    n_params = sum(p.numel() for p in module.parameters())
    rows = []
    with torch.no_grad():
        rows.append(('PyTorch', *latency(module, x1, xb, reps), None))
        ts = torch.jit.trace(module, x1[:1].repeat(2, 1, 1, 1), check_trace=False); f = tmp/f'{name}.pt'; ts.save(str(f))
        ts = torch.jit.load(str(f))
        rows.append(('TorchScript', *latency(ts, x1, xb, reps), os.path.getsize(f)))
        f = tmp/f'{name}.onnx'
        torch.onnx.export(module, (x1.repeat(2, 1, 1, 1),), str(f), input_names=['images'], output_names=['out'], opset_version=17,
                          dynamic_axes={'images': {0: 'batch'}, 'out': {0: 'batch'}}, dynamo=False)
    (tmp/f'{name}.json').write_text(json.dumps(dict(classes=[], size=size, resize=size, mean=[0.]*3, std=[1.]*3)))
    clf = OnnxClassifier(f, threads=torch.get_num_threads())
    rows.append(('ONNX Runtime', *latency(clf.run, x1.numpy(), xb.numpy(), reps), os.path.getsize(f)))
    out = [dict(model=name, size=size, params_M=round(n_params / 1e6, 2), runtime=r, ms_batch1=ms, img_per_s_batch32=ips,
                file_mb=None if b is None else round(b / 2**20, 1)) for r, ms, ips, b in rows]
    for o in out: print(f"{o['model']:34s} {o['size']:4d} px {o['runtime']:13s} {o['ms_batch1']:8.2f} ms/img  {o['img_per_s_batch32']:8.1f} img/s"
                        f"  {o['params_M']:6.2f} M  {o['file_mb'] or '':>6} MB", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--students', nargs='+', default=['tf_efficientnet_lite0', 'mobilenetv3_small_100', 'resnet18'])
    ap.add_argument('--sizes', nargs='+', type=int, default=[64, 224])
    ap.add_argument('--reps', type=int, default=20)
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'latency.json'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tmp = Path(tempfile.mkdtemp())
    rows = []
    tch = load_teacher('conse:lite2', device='cpu')
    tch.text_model = None   # the image tower alone: the sentence encoder only ever encodes the class names, once
    rows += measure('teacher ConSE EfficientNet-Lite2 image tower', ImageTower(tch), tch.image_size, tmp, max(5, a.reps // 2))
    for s in a.students:
        for size in a.sizes:
            rows += measure(f'student {s}', DeployModel(Student(s, 10)), size, tmp, a.reps)
    res = dict(rows=rows, threads=a.threads, cpu=platform.processor() or platform.machine(), torch=torch.__version__,
               onnxruntime=__import__('onnxruntime').__version__, date=time.strftime('%Y-%m-%d'))
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(markdown(Path(a.out).with_suffix('.md'), ['model', 'input', 'params (M)', 'runtime', 'ms / image, batch 1', 'images / s, batch 32', 'file (MB)'],
                   [[r['model'], f"{r['size']} px", r['params_M'], r['runtime'], r['ms_batch1'], r['img_per_s_batch32'], r['file_mb'] or ''] for r in rows]))


if __name__ == '__main__':
    main()
