"""A few training steps of every vl2lite method, in one process or under `torchrun` (gloo on CPU); run by tests/test_distributed.py.

    python tests/ddp_worker.py DATA OUT.json --world 2                     # the one-process reference of a 2-process run
    torchrun --nproc_per_node 2 tests/ddp_worker.py DATA OUT.json --world 2

Each method trains on the same images with the same global batch. The transforms are deterministic (resize, no
augmentation) and the training order is fixed: `DistributedDL` gives rank r the r-th contiguous part of an
epoch, so the one-process reference reads, at step k, the images that the ranks read at their step k. The
student is a small ViT (LayerNorm, no batch norm, so a process's statistics do not depend on its share of the
batch). Rank 0 writes {method: per-step losses averaged over the processes, ...} to OUT.json.
"""
import json, os, sys
from pathlib import Path
import numpy as np
import torch
import timm
from fastai.callback.core import Callback
from fastai.vision.augment import Resize
from fastai.data.transforms import Normalize
import vl2lite.data as D
from vl2lite.core import seed_everything, Student
from vl2lite.data import scan_folder, labelled_split
from vl2lite.teacher import OpenCLIPTeacher, register_tiny_openclip
from vl2lite.cache import TeacherCache
from vl2lite.distributed import world, is_main, distributed, rank0_first, shard
from vl2lite.methods.vl2lite import vl2lite_learner
from vl2lite.methods.dho import dho_learner, DualHeadStudent, UnlabelledBatches
from vl2lite.methods.ood import ood_learner, class_subset, base_novel_split
from vl2lite.methods.lgd import pretrain_learner

D.default_tfms = lambda size, min_scale=0.35, stats=None, flip=True: ([Resize(size, method='squish')], [Normalize.from_stats(*stats)])


class StepLosses(Callback):
    "The loss of every training step, averaged over the processes (each holds an equal share of the global batch)."
    order = 60
    def before_fit(self): self.losses = []
    def after_batch(self):
        if not self.training: return
        l = self.learn.loss.detach().float().clone()
        if world()[1] > 1: torch.distributed.all_reduce(l); l /= world()[1]
        self.losses.append(float(l))


def reference_order(n, n_proc, bs_proc):
    "The one-process order whose k-th batch of n_proc*bs_proc holds the images the processes read at their step k."
    part = n // n_proc
    return [r * part + k * bs_proc + j for k in range(part // bs_proc) for r in range(n_proc) for j in range(bs_proc)]


def fixed_order(dl, n_proc, bs_proc, one_process):
    dl.shuffle = False
    if one_process and n_proc > 1:
        order = reference_order(len(dl.dataset), n_proc, bs_proc)
        dl.get_idxs = lambda: list(order)


def vit(): return timm.create_model('vit_tiny_patch16_224', img_size=32, patch_size=8, num_classes=0, pretrained=False)


def main(data, out, n_ref):
    rank, n = world()
    one = n == 1
    bs_proc = 8 // n_ref if one else 8 // n   # a global batch of 8
    bs = 8 if one else bs_proc
    table = scan_folder(data, verify=False)
    seed_everything(0); teacher = OpenCLIPTeacher(register_tiny_openclip(), device='cpu')   # random weights: the same in every process
    cache = rank0_first(lambda: TeacherCache(teacher, table, root=Path(out).parent/'cache', num_workers=0).fill(show_progress=False))
    lab, unlab = labelled_split(table, 0.5, seed=0)
    base, _ = base_novel_split(table.vocab, 2, seed=0)
    btab = class_subset(table, base)
    common = dict(size=32, num_workers=0, device='cpu')
    v19 = table.idxs('valid')[:19]   # an odd validation set: DistributedDL pads it to 20 for 2 processes
    builds = {
        'ce': lambda: vl2lite_learner(D.table_dls(table, bs=bs, train_idx=table.idxs('train'), valid_idx=v19, **common), Student(vit(), len(table.vocab)),
                                      teacher, method='ce', templates='photo'),
        'logit_kd': lambda: vl2lite_learner(D.table_dls(table, bs=bs, valid_idx=v19, **common), Student(vit(), len(table.vocab)), teacher, method='logit_kd',
                                            templates='photo', cache=cache, log_valid_kd=False),
        'vl2lite': lambda: vl2lite_learner(D.table_dls(table, bs=bs, valid_idx=v19, **common), Student(vit(), len(table.vocab)), teacher, vis_mode='pointwise',
                                           templates='photo', cache=cache, log_valid_kd=False),
        'dho': lambda: dho_learner(table, DualHeadStudent(vit(), n_classes=len(table.vocab)), teacher, labelled=lab, unlabelled=unlab,
                                   bs=bs, templates='photo', cache=cache, stats=D.imagenet_stats, **common),
        'ood': lambda: ood_learner(btab, vit(), teacher, templates='photo', mse=1., vlalign=1., bs=bs, cache=cache, log_terms=False, **common),
        'lgd': lambda: pretrain_learner(table, vit(), teacher, templates='photo', bs=bs, cache=cache, **common),
        # in-batch terms (local batch under DDP): these only have to run
        'vl2lite_pairwise': lambda: vl2lite_learner(D.table_dls(table, bs=bs, **common), Student(vit(), len(table.vocab)), teacher,
                                                    vis_mode='pairwise', templates='photo', cache=cache, log_valid_kd=False),
        'ood_contrastive': lambda: ood_learner(btab, vit(), teacher, templates='photo', cst=1., bs=bs, cache=cache, log_terms=False, **common),
    }
    res = {}
    for name, build in builds.items():
        seed_everything(0)
        learn = build()
        fixed_order(learn.dls.train, n_ref, bs_proc, one)
        ub = [c for c in learn.cbs if isinstance(c, UnlabelledBatches)]
        if ub: fixed_order(ub[0].dl_u, n_ref, bs_proc, one)
        rec = StepLosses()
        with learn.no_bar(), learn.no_logging(), distributed(learn):
            learn.fit(1, 1e-3, cbs=rec)
        res[name] = rec.losses
        if 'accuracy' in learn.recorder.metric_names:   # the validation accuracy after the epoch
            res[f'{name}_valid_acc'] = float(learn.recorder.values[-1][list(learn.recorder.metric_names[1:]).index('accuracy')])
        if name == 'lgd':   # the visual bank of every process, gathered on all
            bank = learn.model.aux['vsb'].bank.detach().clone()
            banks = [torch.empty_like(bank) for _ in range(n)]
            if n > 1: torch.distributed.all_gather(banks, bank)
            else: banks = [bank]
            res['lgd_banks'] = [b.tolist() for b in banks]
    if is_main(): Path(out).write_text(json.dumps(dict(world=n, **res)))


if __name__ == '__main__':
    data, out = sys.argv[1], sys.argv[2]
    main(data, out, int(sys.argv[sys.argv.index('--world') + 1]) if '--world' in sys.argv else 1)
