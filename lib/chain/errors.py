"""The error the chain stops with: its message names the notebook, the cell, the file or the
parameter, and what to do; the command line prints it in one line."""

from __future__ import annotations


class PipelineError(RuntimeError):
    """A notebook of the chain failed; the message names the notebook, the cell and the error."""
