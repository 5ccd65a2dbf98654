"""Errors as values: what went wrong, where, and what would have been valid.

Every exception ivp raises on purpose derives from ``IvpError``, so a caller can catch ivp's own errors
apart from bugs: ``InvalidInput`` (bad input, every problem at once; the command line exits 2),
``PipelineFailed`` (one or more jobs failed, each with cohort, notebook and cell; exit 1) and
``KernelError`` (a Jupyter kernel that would not start or died)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class InputProblem:
    """One problem in the input, located as a spreadsheet user would find it."""

    file: str  # "speerpunten.csv"
    row: int | None  # spreadsheet row (header = 1); None for file-level problems
    column: str | None
    value: str
    expected: str  # "een van VWL, OND, ..." or "een jaartal tussen 1990 en 2040"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", rij {self.row}"
        if self.column:
            where += f", kolom '{self.column}'"
        return f"{where}: waarde {self.value!r}; verwacht: {self.expected}"

    def sort_key(self) -> tuple:
        return (self.file, self.row or 0, self.column or "", self.value)


class IvpError(Exception):
    """Base class of the errors ivp raises on purpose."""


class InvalidInput(IvpError):
    """Raised once with every problem found in the input."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = sorted(set(problems), key=InputProblem.sort_key)
        super().__init__(f"{len(self.problems)} probleem/problemen in de invoer:\n" + self.table())

    def table(self) -> str:
        """The problems as an aligned plain-text table (bestand, rij, kolom, waarde, verwacht)."""
        header = ("bestand", "rij", "kolom", "waarde", "verwacht")
        rows = [
            (p.file, "" if p.row is None else str(p.row), p.column or "", _short(p.value), p.expected)
            for p in self.problems
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        lines = []
        for r in [header, *rows]:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])
        return "\n".join(lines)


def _short(value: str, limit: int = 60) -> str:
    value = value.replace("\n", "\\n").replace("\r", "\\r")
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass
class NotebookFailure:
    """A notebook that failed in the pipeline, in the shape of papermill's execution error."""

    peiljaar: str
    cohort: str
    notebook: str
    cell_index: int | None
    source: str
    ename: str
    evalue: str
    executed_path: str | None = None
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        cell = "?" if self.cell_index is None else str(self.cell_index)
        return (
            f"{self.peiljaar}/{self.cohort}: {self.notebook}, cel {cell}: {self.ename}: {self.evalue}"
        )


class PipelineFailed(IvpError):
    """Raised by the runner when one or more jobs failed; carries every failure."""

    def __init__(self, failures: list[NotebookFailure]):
        self.failures = failures
        super().__init__("\n".join(str(f) for f in failures))


class KernelError(IvpError, RuntimeError):
    """A kernel that could not be started, or code of the runner (not of a notebook) that failed in it."""
