"""The notebooks: stripped in git, parameters first, no reusable code, and they run.

Each notebook is executed top to bottom with nbclient on a small rendered corpus: the
small parameters go into a cell injected right after the ``parameters`` cell (as
papermill does), so the committed notebook stays untouched.
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from model.classifier import CURRENT_FILE, SHIPPED_DIR, load_bundle

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
# Executing a notebook can take a while on a loaded 2-core machine; a hung kernel must not.
CELL_TIMEOUT_S = 600


def test_both_notebooks_exist() -> None:
    assert {p.name for p in NOTEBOOKS} == {"explore.ipynb", "retrain.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: run nbstripout before committing"
            assert cell.execution_count is None, f"{path.name}: run nbstripout"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_come_first_and_no_code_is_defined(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    # The parameters cell only assigns constants, so a runner can replace any of them.
    for node in ast.parse(code[0].source).body:
        assert isinstance(node, ast.Assign), ast.dump(node)
        ast.literal_eval(node.value)
    # Reusable code belongs in model/, not in a notebook.
    for cell in code:
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), f"{path.name} defines code: move it into model/"


def execute(path: Path, parameters: dict[str, object], workdir: Path) -> nbformat.NotebookNode:
    """Run a copy of the notebook with ``parameters`` injected after its parameters cell."""
    notebook = nbformat.read(path, as_version=4)
    first = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    injected = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(first + 1, injected)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("output_type") == "stream"
    )


# Training runs here: on one thread, as the service's analyses do (see conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small corpus and held-out set, and a model store holding the shipped model."""
    from model.synth.corpus import CorpusConfig, render_corpus

    root = tmp_path_factory.mktemp("notebooks")
    config = CorpusConfig(
        view_weights={"outsole": 0.5, "insole": 0.25, "print": 0.25}, max_megapixels=0.8
    )
    train = render_corpus(30, seed=91, out_dir=root / "train", config=config, progress=False)
    held = render_corpus(10, seed=92, out_dir=root / "held", config=config, progress=False)
    shipped = load_bundle()
    store = root / "store"
    shutil.copytree(SHIPPED_DIR / shipped.version, store / shipped.version)
    (store / CURRENT_FILE).write_text(shipped.version + "\n")
    return {"root": root, "train": train.manifest, "held": held.manifest, "store": store}


@pytest.fixture
def kernel_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernel inherits the environment: plots render off-screen in CI.
    monkeypatch.setenv("MPLBACKEND", "Agg")


@pytest.mark.usefixtures("kernel_environment")
def test_explore_notebook_runs_on_a_small_corpus(small_data: dict[str, Path]) -> None:
    root = small_data["root"]
    notebook = execute(
        REPO / "notebooks" / "explore.ipynb",
        {
            # Absolute paths: joined to the repository root they stay themselves.
            "MANIFESTS": [str(small_data["train"])],
            "MODEL": str(small_data["store"]),
            "N_PHOTOS": 2,
            "N_WORST": 2,
            "WORKERS": 2,
            "CACHE_DIR": str(root / "cache"),
        },
        root,
    )
    text = outputs_text(notebook)
    assert "30 photos" in text
    assert "feet_located" in text  # the feature table summary
    assert " wrong, " in text  # the mistakes were counted


@pytest.mark.usefixtures("kernel_environment")
def test_retrain_notebook_runs_and_compares_with_the_model_in_service(
    small_data: dict[str, Path],
) -> None:
    root = small_data["root"]
    store = small_data["store"]
    in_service = (store / CURRENT_FILE).read_text().strip()
    notebook = execute(
        REPO / "notebooks" / "retrain.ipynb",
        {
            "MANIFESTS": [str(small_data["train"])],
            "HOLDOUT": [str(small_data["held"])],
            "MODEL_FAMILY": "logistic",
            "OUTPUT": str(root / "candidate"),
            "STORE": str(store),
            "PROMOTE": True,
            "SEED": 0,
            "WORKERS": 2,
            "CACHE_DIR": str(root / "cache"),
        },
        root,
    )
    text = outputs_text(notebook)
    card = (root / "candidate" / "model_card.json").read_text()
    assert '"pronation_family": "logistic"' in card
    assert '"promotion"' in card
    assert "cross-validated macro-F1" in text
    assert "in service" in text
    # Whatever the outcome, the notebook says it, and the store agrees with it.
    promoted = "promoted" in text and "not promoted" not in text
    now = (store / CURRENT_FILE).read_text().strip()
    assert (now != in_service) == promoted
    assert "strict macro-F1" in text
    assert os.path.isdir(root / "candidate")
