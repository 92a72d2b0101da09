"""Read consultation documents as text: .txt, .md, .pdf (pypdf), .docx (python-docx), and .csv responses.

Every offset elsewhere in Voice is an index into the text returned here, so the same file always gives the
same text (newlines normalised to \\n).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".text"}


class DocumentError(ValueError):
    """The file cannot be read as a consultation document (the message says why)."""


def read_text(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"No such file: {path}")
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix in TEXT_SUFFIXES:
        text = _decode(data)
    elif suffix == ".pdf":
        text = _pdf_text(data)
    elif suffix == ".docx":
        text = _docx_text(data)
    else:
        raise DocumentError(f"{path.name}: choose a .txt, .pdf or .docx file (or .csv for responses)")
    return normalise(text)


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise DocumentError(f"The PDF cannot be read: {exc}") from exc
    return "\n\n".join(pages)


def _docx_text(data: bytes) -> str:
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(f"The Word document cannot be read: {exc}") from exc
    lines = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        text = paragraph.text
        if style.startswith("list") and text:
            text = "- " + text
        lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n\n".join(lines)


@dataclass
class CsvRespondent:
    respondent_id: str
    name: str = ""
    respondent_type: str = ""
    publish: str = ""
    answers: dict[str, str] = field(default_factory=dict)


#: Columns of a responses CSV that describe the respondent rather than answer a question.
META_COLUMNS = {"respondent_id", "id", "name", "respondent_type", "type", "publish", "organisation"}


def read_responses_csv(path: str | Path) -> list[CsvRespondent]:
    """One row per respondent, one column per question (headed by the question id, e.g. A1)."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(normalise(_decode(path.read_bytes()))))
    if not reader.fieldnames:
        raise DocumentError(f"{path.name}: the CSV file has no header row")
    rows = []
    for number, row in enumerate(reader, start=1):
        rid = (row.get("respondent_id") or row.get("id") or f"{path.stem}-{number}").strip()
        answers = {k.strip(): (v or "").strip() for k, v in row.items()
                   if k and k.strip().lower() not in META_COLUMNS and (v or "").strip()}
        rows.append(CsvRespondent(respondent_id=rid, name=(row.get("name") or "").strip(),
                                  respondent_type=(row.get("respondent_type") or row.get("type") or "").strip(),
                                  publish=(row.get("publish") or "").strip(), answers=answers))
    return rows
