"""How tightly the offline teacher's image embeddings cluster: mean cosine between the cached embeddings of
two test images of the same class and of different classes, and of an image with its class's text embedding.

    VL2LITE_DATA=../shared/data python benchmarks/teacher_geometry.py
"""
import sys
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.teacher import text_bank
from vl2lite_clothing import TEMPLATES, setup


class _A: threads = 1


if __name__ == '__main__':
    table, teacher, cache = setup(_A())
    idx = table.idxs('test')
    e = F.normalize(cache.lookup(idx).float(), dim=-1)
    y = torch.as_tensor(table.targets(idx))
    cos = e @ e.T
    same = (y[:, None] == y[None]) & ~torch.eye(len(y), dtype=torch.bool)
    diff = y[:, None] != y[None]
    W = text_bank(teacher, list(table.vocab), TEMPLATES).cpu()
    ti = (e @ W.T)
    own = ti[torch.arange(len(y)), y]
    print(f"teacher image-image cosine, test split: same class {cos[same].mean():.3f}, different classes {cos[diff].mean():.3f}")
    print(f"teacher image-text cosine: own class {own.mean():.3f}, other classes {ti[F.one_hot(y, len(W)) == 0].mean():.3f}; "
          f"mean gap own - best other {(own - ti.masked_fill(F.one_hot(y, len(W)).bool(), -9).max(-1).values).mean():.3f}")
