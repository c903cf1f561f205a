"""Reading CSV as real people produce it, strictly: UTF-8 only, and a clear message for anything else.

- UTF-8 with or without a byte-order mark; comma, semicolon, tab or pipe delimited (sniffed from the first
  64 KB, or Excel's `sep=;` first line); quoted fields with embedded newlines; CRLF, LF or old-Mac CR endings.
- Never guesses an encoding: a file that is not UTF-8 (Latin-1, Windows-1252, UTF-16) is refused with the
  line of the first bad byte and how to save the file as CSV UTF-8.
- Binary files (Excel workbooks, PDFs, images) are recognised and refused.
- Streams: `CsvSource.records()` reads the file once more from the start with constant memory, however large.

Row numbers are what a spreadsheet shows: the header is row 1, the first data row is row 2, and a quoted
value spanning several lines stays one row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

SNIFF_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
# Marked for translation here, translated where raised (`_(message)`).
SAVE_AS_UTF8 = gettext_noop(
    "In Excel choose File > Save As > “CSV UTF-8 (comma delimited)”; "
    "in LibreOffice tick “Edit filter settings” and pick Unicode (UTF-8)."
)

_SIGNATURES = (
    (
        b"PK\x03\x04",
        gettext_noop("This is an Excel workbook or another zipped file (.xlsx, .ods, .zip), not a CSV file."),
    ),
    (b"\xd0\xcf\x11\xe0", gettext_noop("This is an old Excel workbook (.xls), not a CSV file.")),
    (b"%PDF", gettext_noop("This is a PDF, not a CSV file.")),
    (b"\x89PNG", gettext_noop("This is an image, not a CSV file.")),
    (b"\xff\xd8\xff", gettext_noop("This is an image, not a CSV file.")),
    (b"GIF8", gettext_noop("This is an image, not a CSV file.")),
    (b"\x1f\x8b", gettext_noop("This is a gzip archive, not a CSV file.")),
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_SEP_HINT = re.compile(r"^sep=(.)\s*$")
_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_NUMBER_LIKE = re.compile(r"^[+(]?[\d\s().\-/]{6,}$")


class CsvFileError(ValueError):
    """The file cannot be imported at all; `message` says why in words a user can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CsvInfo:
    delimiter: str
    header: list[str]
    header_row: int  # the row number of the header (1 unless blank lines or a sep= line precede it)
    sample: list[tuple[int, list[str]]] = field(default_factory=list)  # the first data rows
    has_bom: bool = False


def _check_signature(head: bytes) -> None:
    if not head.strip(codecs.BOM_UTF8 + b" \t\r\n"):
        raise CsvFileError(_("The file is empty."))
    for signature, message in _SIGNATURES:
        if head.startswith(signature):
            raise CsvFileError(_(message) + " " + _("Save it as CSV UTF-8 and upload that.") + " " + _(SAVE_AS_UTF8))
    if head.startswith(_UTF16_BOMS):
        raise CsvFileError(
            _("The file is UTF-16 or UTF-32 text (Excel's “Unicode text”); only UTF-8 is accepted.")
            + " "
            + _(SAVE_AS_UTF8)
        )
    if b"\x00" in head:
        raise CsvFileError(_("The file holds binary data (NUL bytes), so it is not a CSV text file."))


def _locate_bad_byte(fileobj) -> tuple[int, int, int]:
    """(line, byte offset, bad byte) of the first byte that is not UTF-8; only called once decoding failed."""
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset, lines = 0, 1
    while chunk := fileobj.read(CHUNK_BYTES):
        pending = len(decoder.getstate()[0])  # the start of a character cut by the previous chunk
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            position = offset - pending + error.start
            lines += chunk[: max(position - offset, 0)].count(b"\n")
            fileobj.seek(position)
            return lines, position, fileobj.read(1)[0]
        lines += chunk.count(b"\n")
        offset += len(chunk)
    position = offset - len(decoder.getstate()[0])  # a character cut off by the end of the file
    fileobj.seek(position)
    return lines, position, (fileobj.read(1) or b"\x00")[0]


def _not_utf8(fileobj) -> CsvFileError:
    line, offset, byte = _locate_bad_byte(fileobj)
    return CsvFileError(
        _(
            "The file is not UTF-8 text: the byte 0x%(byte)02X on line %(line)s (byte %(offset)s) is not valid "
            "UTF-8. It was probably saved as Latin-1 or Windows-1252; we do not guess encodings, because a wrong "
            "guess silently mangles names."
        )
        % {"byte": byte, "line": line, "offset": offset}
        + " "
        + _(SAVE_AS_UTF8)
    )


def _sniff_delimiter(text: str) -> str:
    """The delimiter that gives the widest header and the most rows of the header's width."""
    cut = max(text.rfind("\n"), text.rfind("\r"))
    sample = text[:cut] if cut > 0 else text
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if row][:50]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for row in rows if len(row) == width) / len(rows)
        score = (width > 1, consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _looks_like_data(cells: list[str]) -> str:
    """A header cell that looks like a value (an email address, a phone number), or ''."""
    for cell in cells:
        value = cell.strip()
        if _EMAIL_LIKE.search(value) or _NUMBER_LIKE.match(value):
            return value
    return ""


class CsvSource:
    """A binary, seekable file (an upload, a file on disk, bytes in memory) read as CSV.

    `inspect()` checks the start (signature, encoding, delimiter, header); `scan()` reads the whole file once
    (UTF-8 and CSV syntax checked to the last byte, data rows counted); `records()` yields the data rows.
    Nothing is held in memory beyond one chunk and one row.
    """

    def __init__(self, fileobj, *, name: str = ""):
        self.fileobj = fileobj
        self.name = name
        self.info: CsvInfo | None = None
        self.rows_total: int | None = None

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "") -> CsvSource:
        return cls(io.BytesIO(data), name=name)

    def _text(self) -> io.TextIOWrapper:
        self.fileobj.seek(0)
        buffered = io.BufferedReader(_Unclosable(self.fileobj), buffer_size=CHUNK_BYTES)
        return io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict", newline="")

    def _reader(self, text, delimiter: str):
        return csv.reader(text, delimiter=delimiter, strict=True)

    def inspect(self) -> CsvInfo:
        self.fileobj.seek(0)
        head = self.fileobj.read(SNIFF_BYTES)
        _check_signature(head)
        try:
            head_text = codecs.getincrementaldecoder("utf-8-sig")("strict").decode(head, final=False)
        except UnicodeDecodeError:
            raise _not_utf8(self.fileobj) from None
        delimiter = None
        first_line = head_text.lstrip().split("\n", 1)[0].strip("\r")
        if hint := _SEP_HINT.match(first_line):
            delimiter = hint.group(1)
        delimiter = delimiter or _sniff_delimiter(head_text)

        header, header_row, sample = None, 0, []
        text = self._text()
        try:
            reader = self._reader(text, delimiter)
            for row_number, cells in enumerate(reader, start=1):
                if header is None:
                    if not any(cell.strip() for cell in cells):
                        continue
                    if (len(cells) == 1 and _SEP_HINT.match(cells[0].strip())) or cells == ["sep=", ""]:
                        continue
                    header, header_row = cells, row_number
                    continue
                if any(cell.strip() for cell in cells):
                    sample.append((row_number, cells))
                if len(sample) >= 20:
                    break
        except UnicodeDecodeError:
            raise _not_utf8(self.fileobj) from None
        except csv.Error as error:
            raise CsvFileError(
                _("The file is not valid CSV near line %(line)s: %(error)s.")
                % {"line": reader.line_num, "error": error}
            ) from None
        finally:
            text.detach()
        if header is None:
            raise CsvFileError(_("The file is empty."))
        header = [cell.strip().lstrip("\ufeff") for cell in header]
        if not sample:
            raise CsvFileError(_("The file has a header row but no data rows."))
        self.info = CsvInfo(
            delimiter=delimiter,
            header=header,
            header_row=header_row,
            sample=sample,
            has_bom=head.startswith(codecs.BOM_UTF8),
        )
        return self.info

    def check_header(self, recognised: int) -> None:
        """Refuse a file whose first row is data rather than column names (`recognised` = columns mapped)."""
        header = self.info.header
        if recognised:
            return
        if value := _looks_like_data(header):
            raise CsvFileError(
                _(
                    "The first row looks like data (“%(value)s”), not column names. Add a header row naming the "
                    "columns, e.g. Name, Email, Phone, Company, Campaign."
                )
                % {"value": value[:60]}
            )
        if len(header) == 1 and self.info.delimiter == ",":
            raise CsvFileError(
                _(
                    "No column of the file could be recognised and no comma, semicolon or tab separates columns: "
                    "this does not look like a CSV file with a header row."
                )
            )

    def scan(self, progress=None) -> int:
        """Read the whole file once: every byte must be UTF-8 and every row valid CSV. Returns the data rows."""
        if self.info is None:
            self.inspect()
        count = 0
        for _row in self.records(progress=progress):
            count += 1
        self.rows_total = count
        return count

    def records(self, progress=None) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every non-blank data row after the header."""
        info = self.info or self.inspect()
        text = self._text()
        reader = self._reader(text, info.delimiter)
        try:
            for row_number, cells in enumerate(reader, start=1):
                if row_number <= info.header_row:
                    continue
                if not any(cells) or not any(cell.strip() for cell in cells):
                    continue
                yield row_number, cells
        except UnicodeDecodeError:
            raise _not_utf8(self.fileobj) from None
        except csv.Error as error:
            raise CsvFileError(
                _("The file is not valid CSV near line %(line)s: %(error)s.")
                % {"line": reader.line_num, "error": error}
            ) from None
        finally:
            text.detach()


class _Unclosable(io.RawIOBase):
    """Lets a TextIOWrapper read a file it must not close (and works with Django's uploaded-file wrappers)."""

    def __init__(self, fileobj):
        super().__init__()
        self._fileobj = fileobj

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fileobj.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        pass
