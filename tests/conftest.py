import os, shutil, warnings
from pathlib import Path
import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2]/'shared'/'data'

@pytest.fixture(scope='session', autouse=True)
def data_env():
    "Point VL2LITE_DATA at ../shared/data when the caller has not set it."
    if not os.environ.get('VL2LITE_DATA') and SHARED.exists(): os.environ['VL2LITE_DATA'] = str(SHARED)
    yield

@pytest.fixture(scope='session')
def clothing(data_env):
    from vl2lite.data import scan_folder, clothing_path
    return scan_folder(clothing_path(download=False), verify=False)

def copy_clothing(clothing, root, train: int, valid: int, test: int = 0) -> Path:
    "`root/imgs`: a split-folder copy of the clothing set with the first `train`, `valid` and `test` images of each class."
    for split, folder, n in (('train', 'train', train), ('valid', 'validation', valid), ('test', 'test', test)):
        for c in clothing.vocab:
            for i in [j for j in clothing.idxs(split) if clothing.labels[j] == c][:n]:
                d = Path(root)/'imgs'/folder/c; d.mkdir(parents=True, exist_ok=True); shutil.copy(clothing.paths[i], d)
    return Path(root)/'imgs'

@pytest.fixture
def mini(tmp_path, clothing):
    "A split-folder copy of the clothing set: 3 train and 1 valid image per class."
    from vl2lite.data import scan_folder
    return scan_folder(copy_clothing(clothing, tmp_path, 3, 1))


def pytest_addoption(parser):
    parser.addoption('--runslow', action='store_true', help='also run tests marked slow (they need the offline weight packages)')

def pytest_collection_modifyitems(config, items):
    if config.getoption('--runslow'): return
    skip = pytest.mark.skip(reason='slow: pass --runslow')
    for it in items:
        if 'slow' in it.keywords: it.add_marker(skip)
