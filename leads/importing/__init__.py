"""CSV import of leads: reading the file (csvfile), mapping its columns (mapping), turning rows into leads
(rows) and the batched, undoable import itself (service). See `leads.importing.service` for the flow."""

from .csvfile import CsvFileError, CsvSource
from .mapping import FIELDS, check_mapping, guess_mapping
from .service import BATCH_SIZE, import_file, import_preview, import_run, import_undo, import_upload

__all__ = [
    "BATCH_SIZE",
    "FIELDS",
    "CsvFileError",
    "CsvSource",
    "check_mapping",
    "guess_mapping",
    "import_file",
    "import_preview",
    "import_run",
    "import_undo",
    "import_upload",
]
