"""Scales of VL2Lite's loss terms at the start of training, on one clothing training batch.

    VL2LITE_DATA=../shared/data python benchmarks/vl2lite_loss_scales.py [--student mobilenetv3_small_100]

Prints, and writes to `results/vl2lite_loss_scales.txt` (`--out`), the student's feature norms and in-batch distances next to the condensed teacher embeddings',
the values of L_vis (pairwise raw / pairwise on normalised student features / pointwise), how peaked the
teacher's L_txt target is with the paper's scale and the official 1/0.07 scale, L_txt both ways, the CE
and the logit-KD term: what decides whether a term carries signal or swamps the CE.
"""
import argparse
from pathlib import Path
import torch, torch.nn.functional as F
from vl2lite.core import seed_everything
from vl2lite.data import scan_folder, clothing_path, table_dls, labelled_split
from vl2lite.teacher import ConSETeacher, zero_shot_logits
from vl2lite.cache import TeacherCache
from vl2lite.losses import visual_kd_loss, text_kd_loss, kd_kl_loss
from vl2lite.methods.vl2lite import vl2lite_learner

ap = argparse.ArgumentParser(); ap.add_argument('--student', default='mobilenetv3_small_100'); ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'vl2lite_loss_scales.txt'))
a = ap.parse_args()
table = scan_folder(clothing_path(), verify=False)
teacher = ConSETeacher.from_pretrained_packages('lite2')
cache = TeacherCache(teacher, table).fill()   # a no-op when the cache is full
seed_everything(a.seed)
dls = table_dls(table, size=128, bs=64, train_idx=labelled_split(table, 0.1, a.seed)[0], num_workers=0)
learn = vl2lite_learner(dls, a.student, teacher, templates='clothing', cache=cache, log_valid_kd=False)
x, idx, y = [o.as_subclass(torch.Tensor) for o in dls.one_batch()]
m = learn.model.train()                      # training-mode batch norm, as in the first step
with torch.no_grad():
    logits = m(x); s = m.last_features; t = cache.lookup(idx)
    tc = m.aux['img'](t); W = m.aux['text'].W; Wc = m.aux['text'].condenser(W)
    cos_vlm = F.normalize(t, dim=-1) @ F.normalize(W, dim=-1).T
    zl = zero_shot_logits(t, W, 100.)
    rows = [
        ('student feature norm (mean)', s.norm(dim=-1).mean()),
        ('student in-batch distance (mean)', torch.cdist(s, s).mean()),
        ('condensed teacher in-batch distance (mean)', torch.cdist(tc, tc).mean()),
        ('L_vis pairwise, raw student (paper)', visual_kd_loss(s, tc)),
        ('L_vis pairwise, normalised student', visual_kd_loss(s, tc, normalize_student=True)),
        ('L_vis pointwise (official code)', visual_kd_loss(s, tc, 'pointwise')),
        ('teacher cos(t, W): max - min per image (mean)', (cos_vlm.max(1).values - cos_vlm.min(1).values).mean()),
        ('L_txt target max prob, paper (cos/2)', (cos_vlm / 2).softmax(-1).max(1).values.mean()),
        ('L_txt target max prob, official (cos/0.07/2)', (cos_vlm / 0.07 / 2).softmax(-1).max(1).values.mean()),
        ('L_txt paper', text_kd_loss(s, t, W, Wc)),
        ('L_txt official', text_kd_loss(s, t, W, Wc, 2., 1/0.07, 2.)),
        ('CE', F.cross_entropy(logits, y)),
        ('teacher zero-shot accuracy on this batch', (zl.argmax(1) == y).float().mean()),
        ('logit-KD target max prob (100 cos / 2)', (zl / 2).softmax(-1).max(1).values.mean()),
        ('logit-KD term', kd_kl_loss(zl, logits, 2.)),
    ]
lines = [f'{a.student}, one batch of {len(y)} labelled clothing images at 128 px, seed {a.seed}'] + [f'{k:48s} {float(v):8.4f}' for k, v in rows]
print('\n'.join(lines))
Path(a.out).write_text('\n'.join(lines) + '\n')
