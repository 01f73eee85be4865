"""Distil CLIP-family vision-language teachers into small timm image classifiers, with fastai callbacks

Modules:

- `vl2lite.datasets`: The field's benchmark protocols: CoOp-style split files, labelled-subset lists (the SimCLR 1% / 10% ImageNet lists), K-shot sampling, and readers of the standard datasets' own on-disk formats, each an `ImageTable`."""

__version__ = "0.0.1"
