"Every plotting function of vl2lite keeps its text legible at display size: 9 pt or more on a page 12 inches wide."
import matplotlib
matplotlib.use('agg')
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from fastcore.basics import AttrDict

from vl2lite.analysis import font_sizes, plot_cam_grid, plot_gradient_conflict, embedding_map, load_images
from vl2lite.audit import plot_audit, plot_reliability, reliability
from vl2lite.data import scan_folder, clothing_path
from vl2lite.methods.ood import plot_fidelity
from vl2lite.report import plot_training, plot_per_class
from vl2lite.teacher import plot_confusion

MIN_PT = 9


@pytest.fixture(scope='module')
def clothing():
    return scan_folder(clothing_path(download=False), verify=False)


def cms(C, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 20, (C, C)) + np.diag(rng.integers(20, 60, C))


def smallest(fig):
    s = font_sizes(fig); plt.close(fig)
    return s[0]


def test_the_font_check_can_fail():
    fig, ax = plt.subplots(figsize=(6, 3)); ax.set_title('tiny', fontsize=7)
    assert smallest(fig) == (7.0, 'tiny')
    fig, ax = plt.subplots(figsize=(30, 3)); ax.set_title('wide', fontsize=12); ax.set_xticks([]); ax.set_yticks([])
    assert smallest(fig)[0] < MIN_PT   # 12 pt on a figure 2.5 times too wide for the page


def test_cam_grid_of_ten_classes(clothing):
    te = clothing.idxs('test'); ys = clothing.targets(te)
    pick = [te[np.flatnonzero(ys == c)[0]] for c in range(len(clothing.vocab))]
    _, x01 = load_images([clothing.paths[i] for i in pick], 64)
    maps = torch.rand(len(pick), 8, 8); cls = clothing.targets(pick)
    preds = {'student': (cls + 1) % len(clothing.vocab)}   # every title gets the '(predicts ...)' line
    fig = plot_cam_grid(x01, {'teacher': (maps, cls), 'student': (maps, cls)}, list(clothing.vocab), preds=preds)
    assert smallest(fig)[0] >= MIN_PT


def test_embedding_map_with_class_texts(clothing):
    rng = np.random.default_rng(0); C = len(clothing.vocab)
    y = np.repeat(np.arange(C), 12); centres = rng.normal(size=(C, 16))
    t = centres[y] + rng.normal(scale=.3, size=(len(y), 16)); s = t + rng.normal(scale=.3, size=t.shape)
    em = embedding_map({'teacher': t, 'student features': s[:, :8]}, y, list(clothing.vocab), texts={'class text': centres}, reducer='pca')
    assert smallest(em.plot()[0].figure)[0] >= MIN_PT


@pytest.mark.parametrize('C', [10, 40])
def test_per_class_and_confusion(clothing, C):
    vocab = list(clothing.vocab) if C == 10 else [f'class {i}' for i in range(C)]
    fig = plot_per_class({'student': cms(C), 'teacher zero-shot': cms(C, 1)}, vocab)
    assert smallest(fig)[0] >= MIN_PT
    assert fig.get_figheight() <= 16   # capped: no 1300 px confusion matrix
    if C == 10:
        ax = plot_confusion(cms(C), vocab); assert smallest(ax.figure)[0] >= MIN_PT


def test_training_curves_and_diagnostics():
    hist = dict(names=['train_loss', 'valid_loss', 'accuracy'], values=[[2., 1.5, .4], [1.4, 1.2, .5], [1., 1.1, .6]],
                losses=list(np.linspace(3, 1, 90)))
    terms = AttrDict(epochs=[{'DualHeadKD.ce': 1., 'DualHeadKD.kd_labelled': .5, 'DualHeadKD.kd_unlabelled': .4}] * 3)
    assert smallest(plot_training(hist, terms))[0] >= MIN_PT
    recs = [dict(iter=i, cos=np.cos(i / 9)) for i in range(40)]
    assert smallest(plot_gradient_conflict({'single head': recs, 'dual head (DHO)': recs}).figure)[0] >= MIN_PT


def test_audit_and_ood_figures(clothing):
    rows = [dict(teacher=t, head=h, fill_hours=f, valid_acc=a) for t, f in (('conse:lite0', .1), ('conse:lite2', .3))
            for h, a in (('zeroshot', 40.), ('tip', 44.), ('linear', 60.))]
    assert smallest(plot_audit(rows).figure)[0] >= MIN_PT
    p = torch.softmax(torch.randn(200, 10) * 3, 1); y = torch.randint(0, 10, (200,))
    assert smallest(plot_reliability({'zeroshot': reliability(p, y), 'linear': reliability(p, y)}, 'conse:lite2').figure)[0] >= MIN_PT
    base, novel = list(clothing.vocab[:5]), list(clothing.vocab[5:])
    fid = dict(curve=[dict(a=a, cos_to_teacher=.7 + .3 * a, id=80 - 10 * a, ood=30 + 10 * a) for a in (0, .25, .5, .75, 1)],
               per_class={c: .7 for c in clothing.vocab})
    assert smallest(plot_fidelity(fid, base, novel))[0] >= MIN_PT
