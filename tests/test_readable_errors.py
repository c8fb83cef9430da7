"""A ConcurrencyError shows the one line that matters: its traceback leaves out the driver's chain of errors,
ends at the line that raised it, and the driver's error is still there, as `driver_error`."""

from __future__ import annotations

import json
import re
import traceback
import uuid
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from esnb import ConcurrencyError, SequencedItem

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_event_store.ipynb"
COLOURS = re.compile(r"\x1b\[[0-9;]*m")


def items(sequence_id: uuid.UUID, tag: str) -> list[SequencedItem]:
    return [SequencedItem(sequence_id, 0, "demo:Created", f'"{tag}"')]


def test_a_concurrency_error_leaves_the_driver_chain_out_of_its_traceback(strategy):
    sequence_id = uuid.uuid4()
    strategy.append(items(sequence_id, "first"))
    with pytest.raises(ConcurrencyError) as caught:
        strategy.append(items(sequence_id, "second"))
    error = caught.value
    rendered = "".join(traceback.format_exception(error))
    assert "IntegrityError" not in rendered, rendered
    assert "direct cause" not in rendered and "During handling" not in rendered, rendered
    assert rendered.rstrip().splitlines()[-1].startswith("esnb.course.errors.ConcurrencyError: position 0 of sequence")
    assert traceback.extract_tb(error.__traceback__)[-1].line.startswith("raise ConcurrencyError(")
    assert isinstance(error.driver_error, IntegrityError)


def test_notebook_07_shows_a_concurrency_error_without_the_driver_chain():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    outputs = [output for cell in cells for output in cell.get("outputs", [])]
    failed = [output for output in outputs if output.get("ename") == "ConcurrencyError"]
    shown = [COLOURS.sub("", "\n".join(output["traceback"])) for output in failed]
    assert shown, "notebook 07 has no cell that fails with ConcurrencyError"
    for text in shown:
        assert "IntegrityError" not in text
        assert "raise ConcurrencyError(" in text.split("--->")[-1].splitlines()[0]
        assert len(text.splitlines()) < 30, text
