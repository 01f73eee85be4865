"""Synthetic image folders of photo-like JPEG files, for measuring the data pipeline and the teacher cache at scale.

    VL2LITE_DATA=../shared/data python benchmarks/synthetic.py ROOT --n 100000 [--classes 10] [--valid 200] [--workers 2]

Each file is a real photo (a clothing-set image, chosen in turn) scaled to 500 x 375 px (landscape or portrait, at
random), cropped, colour-shifted and given a little noise, saved as a JPEG at quality 90 (about 45 KB: the size of an
ImageNet photo). Layout: ROOT/{train,validation,test}/class_k/*.jpg. The same N and seed make the
same files; files already there are kept, so an interrupted build goes on where it stopped. `subset(ROOT, DEST, n)`
makes a smaller folder of hard links to the first n training files (the same bytes, other paths).
"""
import argparse, os, sys
from multiprocessing import Pool
from pathlib import Path
import numpy as np
from PIL import Image


def _sources():
    from vl2lite.data import clothing_path, scan_folder
    t = scan_folder(clothing_path(download=False), verify=False)
    return [str(p) for p in t.paths]


def _make(args):
    "Write image `i` of class `c` to `dest` (kept when it exists)."
    i, dest, src = args
    if os.path.exists(dest): return
    rng = np.random.default_rng(i)
    W, H = (500, 375) if rng.random() < 0.5 else (375, 500)
    with Image.open(src) as im:
        im = im.convert('RGB')
        w, h = im.size
        s = rng.uniform(0.8, 1.0)
        cw, ch = int(w * s), int(h * s)
        l, t = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        im = im.resize((W, H), Image.BICUBIC, box=(l, t, l + cw, t + ch))
    a = np.asarray(im, dtype=np.float32) * rng.uniform(0.85, 1.15, 3) + rng.normal(0, 6, (H, W, 3))
    tmp = dest + '.tmp'
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(tmp, format='JPEG', quality=90)
    os.replace(tmp, dest)


def build(root, n: int, classes: int = 10, valid: int = 200, test: int = 200, workers: int = 2, show: bool = True) -> Path:
    "A folder of `n` training, `valid` validation and `test` test JPEG files over `classes` classes (kept where already made)."
    root, src = Path(root), _sources()
    jobs = []
    for split, count, off in (('train', n, 0), ('validation', valid, 10**8), ('test', test, 2 * 10**8)):
        for c in range(classes): (root/split/f'class_{c}').mkdir(parents=True, exist_ok=True)
        jobs += [(off + i, str(root/split/f'class_{i % classes}'/f'{i:07d}.jpg'), src[(off + i) % len(src)]) for i in range(count)]
    with Pool(workers) as pool:
        for k, _ in enumerate(pool.imap_unordered(_make, jobs, chunksize=64)):
            if show and k % 10000 == 0: print(f'{k}/{len(jobs)} files', file=sys.stderr, flush=True)
    return root


def subset(root, dest, n: int) -> Path:
    "A folder of hard links to the first `n` training files of `root` and all its validation and test files."
    root, dest = Path(root), Path(dest)
    for split in ('train', 'validation', 'test'):
        fs = sorted((root/split).rglob('*.jpg'), key=lambda p: p.name)
        for f in (fs[:n] if split == 'train' else fs):
            d = dest/split/f.parent.name/f.name
            if not d.exists(): d.parent.mkdir(parents=True, exist_ok=True); os.link(f, d)
    return dest


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('root'); ap.add_argument('--n', type=int, default=1000); ap.add_argument('--classes', type=int, default=10)
    ap.add_argument('--valid', type=int, default=200); ap.add_argument('--test', type=int, default=200); ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    build(a.root, a.n, a.classes, a.valid, a.test, a.workers)
