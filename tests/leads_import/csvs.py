"""Building CSV files for the import tests."""

import csv
import io

HEADER = ["Name", "E-mail", "Mobile", "Company", "Country", "utm_campaign"]


def csv_text(rows, *, delimiter=",", newline="\r\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return out.getvalue()


def csv_bytes(rows, *, delimiter=",", newline="\r\n", bom=False, encoding="utf-8") -> bytes:
    data = csv_text(rows, delimiter=delimiter, newline=newline).encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def person(n: int, *, campaign="spring-fair", domain="example.com") -> list[str]:
    """A clean row for HEADER: a unique email and a valid US phone per n."""
    return [f"Person{n} Tester", f"person{n}@{domain}", f"+1 415 555 {n % 10000:04d}", f"Firm {n}", "US", campaign]


def people(count: int, start: int = 1, **kwargs) -> list[list[str]]:
    return [HEADER] + [person(n, **kwargs) for n in range(start, start + count)]
