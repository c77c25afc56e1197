"""Reading a 200,000-row Excel sheet: pandas with openpyxl against python-calamine (the reader load/excel.py uses).

Writes one workbook (account_id, month as an Excel date, arr as a number,
note as text) with openpyxl, then reads it with each reader in this process
and prints both times and their ratio. Usage:

    PYTHONPATH=src python benchmarks/excel_read.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path


def write_sheet(path: Path, rows: int) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("arr")
    sheet.append(["account_id", "month", "arr", "note"])
    start = dt.date(2024, 1, 1)
    for i in range(rows):
        sheet.append([f"ACC-{i // 24:06d}", start + dt.timedelta(days=31 * (i % 24)), 1000.0 + (i * 37) % 90000,
                      "renewal" if i % 7 == 0 else None])
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    import pandas as pd

    from calibrate.load.excel import read_excel_sheet

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "arr.xlsx"
        t = time.perf_counter()
        write_sheet(path, args.rows)
        print(f"wrote {args.rows:,} rows in {time.perf_counter() - t:.1f} s ({path.stat().st_size / 1e6:.1f} MB)")

        t = time.perf_counter()
        frame = pd.read_excel(path, engine="openpyxl", dtype=str)
        t_openpyxl = time.perf_counter() - t
        t = time.perf_counter()
        table = read_excel_sheet(path)
        t_calamine = time.perf_counter() - t
        assert len(frame) == table.num_rows == args.rows
        print(f"pandas + openpyxl: {t_openpyxl:.2f} s")
        print(f"python-calamine (calibrate.load.excel, text columns ready to validate): {t_calamine:.2f} s")
        print(f"ratio openpyxl / calamine: {t_openpyxl / t_calamine:.1f}x")


if __name__ == "__main__":
    main()
