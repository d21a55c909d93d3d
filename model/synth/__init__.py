"""The synthetic photo generator the product trains on.

``render_photo`` renders one labeled photo (outsole, insole, contact print or a
negative); ``render_corpus`` renders many in parallel with a manifest. See data/README.md
for the data card.
"""

from model.synth.corpus import CorpusConfig, CorpusSummary, render_corpus
from model.synth.render import MANIFEST_COLUMNS, RenderedPhoto, render_photo
from model.synth.scene import BACKGROUNDS, LIGHTINGS
from model.synth.tread import TREAD_FAMILIES

__all__ = [
    "BACKGROUNDS",
    "LIGHTINGS",
    "MANIFEST_COLUMNS",
    "TREAD_FAMILIES",
    "CorpusConfig",
    "CorpusSummary",
    "RenderedPhoto",
    "render_corpus",
    "render_photo",
]
