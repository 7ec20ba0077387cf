"""RMI status lists in CSV, XLSX and Excel 2003 XML: columns by meaning, statuses in buckets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from conflict_minerals.errors import UnreadableFileError
from conflict_minerals.reference.status import StatusBucket, StatusListError, bucket_for, read_status_list
from conflict_minerals.reference.store import ReferenceStore
from conflict_minerals.smelters.status_book import StatusBook


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


CSV_LIST = """Responsible Minerals Initiative - Smelters and Refiners
List as of: 15-Jan-2026
,,,,,,
Smelter ID,Metal,Standard Smelter Name,Country,Assessment Status,Last Audit Date,Audit Cycle
CID000015,Gold,Advanced Chemical Company,UNITED STATES OF AMERICA,Conformant,2025-06-30,Annual
CID001182,Tin,Minsur,PERU,Active,,
CID000460,Tantalum,F&X Electro-Materials Ltd.,CHINA,Non-Conformant,2024-02-01,
CID000113,Gold,Aurubis AG,GERMANY,Conformant (LBMA cross-recognized),2025-03-01,Three years
"""


def test_csv_with_preamble_and_stated_date(tmp_path: Path) -> None:
    snapshot = read_status_list(write_csv(tmp_path / "list.csv", CSV_LIST))

    assert snapshot.as_of == dt.date(2026, 1, 15)
    assert [(e.smelter_id, e.bucket) for e in snapshot.entries] == [
        ("CID000015", StatusBucket.CONFORMANT),
        ("CID001182", StatusBucket.ACTIVE),
        ("CID000460", StatusBucket.NOT_CONFORMANT),
        ("CID000113", StatusBucket.CONFORMANT),
    ]
    assert snapshot.entries[3].label == "Conformant (LBMA cross-recognized)"
    assert snapshot.entries[0].last_audit == "2025-06-30"
    assert snapshot.entries[0].audit_cycle == "Annual"


def test_xlsx_with_other_column_names_and_order(tmp_path: Path) -> None:
    path = tmp_path / "facilities.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["RMAP Facilities export"])
    sheet.append(["Metal", "Facility Name", "Country Location", "RMAP Status", "Facility ID"])
    sheet.append(["Tin", "Minsur", "PERU", "In Progress", "CID001182"])
    sheet.append(["Gold", "Advanced Chemical Company", "UNITED STATES OF AMERICA", "Compliant", "cid 15"])
    book.save(path)

    snapshot = read_status_list(path, as_of=dt.date(2025, 12, 31))
    assert snapshot.as_of == dt.date(2025, 12, 31)
    assert [(e.smelter_id, e.metal and e.metal.value, e.bucket) for e in snapshot.entries] == [
        ("CID001182", "Tin", StatusBucket.ACTIVE),
        ("CID000015", "Gold", StatusBucket.CONFORMANT),
    ]


SPREADSHEET_ML = """<?xml version="1.0"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Conformant">
  <Table>
   <Row><Cell><Data ss:Type="String">Smelter ID</Data></Cell><Cell><Data ss:Type="String">Metal</Data></Cell>
        <Cell><Data ss:Type="String">Smelter Name</Data></Cell><Cell><Data ss:Type="String">Country</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">CID000015</Data></Cell><Cell><Data ss:Type="String">Gold</Data></Cell>
        <Cell ss:Index="4"><Data ss:Type="String">UNITED STATES OF AMERICA</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">CID000460</Data></Cell><Cell><Data ss:Type="String">Tantalum</Data></Cell>
        <Cell><Data ss:Type="String">F&amp;X Electro-Materials Ltd.</Data></Cell></Row>
  </Table>
 </Worksheet>
</Workbook>
"""


def test_excel_2003_xml_list_without_status_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "conformant.xml", SPREADSHEET_ML)
    snapshot = read_status_list(path, "conformant", dt.date(2026, 2, 1))

    assert [(e.smelter_id, e.name, e.country, e.bucket) for e in snapshot.entries] == [
        ("CID000015", None, "UNITED STATES OF AMERICA", StatusBucket.CONFORMANT),
        ("CID000460", "F&X Electro-Materials Ltd.", None, StatusBucket.CONFORMANT),
    ]


def test_list_without_status_needs_its_kind(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.xml", SPREADSHEET_ML)
    with pytest.raises(StatusListError, match="say which list it is") as raised:
        read_status_list(path)
    assert raised.value.code == "status.no_kind"  # the CLI adds: give --list conformant or --list active


def test_unknown_list_is_a_clear_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "orders.csv", "Order,Customer,Amount\n1,ACME,100\n")
    with pytest.raises(StatusListError, match="no header row with a Smelter ID"):
        read_status_list(path)


def test_xml_with_entities_is_refused(tmp_path: Path) -> None:
    hostile = SPREADSHEET_ML.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>')
    with pytest.raises(UnreadableFileError, match="damaged or not an Excel 2003"):
        read_status_list(write_csv(tmp_path / "list.xml", hostile), "active")


@pytest.mark.parametrize(
    ("label", "bucket"),
    [
        ("Conformant", StatusBucket.CONFORMANT),
        ("Compliant", StatusBucket.CONFORMANT),
        ("LBMA cross-recognized", StatusBucket.CONFORMANT),
        ("Active", StatusBucket.ACTIVE),
        ("In Progress", StatusBucket.ACTIVE),
        ("Active - extended corrective action plan", StatusBucket.ACTIVE),
        ("Non-Conformant", StatusBucket.NOT_CONFORMANT),
        ("Suspended", StatusBucket.NOT_CONFORMANT),
        ("Communication Suspended - Not Interested", StatusBucket.NOT_CONFORMANT),
        ("RMI Due Diligence Outreach Required", StatusBucket.NOT_CONFORMANT),
        ("", StatusBucket.NOT_LISTED),
    ],
)
def test_buckets(label: str, bucket: StatusBucket) -> None:
    assert bucket_for(label) is bucket


def test_status_on_a_date_uses_the_lists_known_then(tmp_path: Path) -> None:
    store = ReferenceStore(tmp_path / "store")
    older = write_csv(tmp_path / "jan.csv", "Smelter ID,Status\nCID000015,Active\n")
    newer = write_csv(tmp_path / "jun.csv", "Smelter ID,Status\nCID000015,Conformant\n")
    store.add_status(read_status_list(older, as_of=dt.date(2025, 1, 31)))
    store.add_status(read_status_list(newer, as_of=dt.date(2025, 6, 30)))
    store.add_status(read_status_list(newer, as_of=dt.date(2025, 6, 30)))  # same import twice: stored once

    snapshots = store.status_snapshots()
    assert len(snapshots) == 2
    assert StatusBook.build(snapshots, dt.date(2025, 3, 1)).status("CID000015")[0] is StatusBucket.ACTIVE
    assert StatusBook.build(snapshots, dt.date(2025, 12, 31)).status("CID000015")[:2] == (
        StatusBucket.CONFORMANT,
        "Conformant",
    )
    assert StatusBook.build(snapshots, dt.date(2024, 12, 31)).status("CID000015")[0] is StatusBucket.NOT_LISTED


@pytest.mark.parametrize(
    ("label", "bucket"),
    [
        ("Conformant", "conformant"),
        ("RMAP Conformant", "conformant"),
        ("Conformant (Cross-recognized, LBMA)", "conformant"),
        ("Compliant", "conformant"),
        ("Active", "active"),
        ("In Progress", "active"),
        ("Active - Re-audit in progress", "active"),
        ("Not yet conformant (Active)", "active"),
        ("Non-Conformant", "not_conformant"),
        ("Outreach Required", "not_conformant"),
        ("Suspended", "not_conformant"),
        ("Not Compliant", "not_conformant"),
        ("No longer conformant", "not_conformant"),
        ("Conformance withdrawn", "not_conformant"),
        ("Not certified", "not_conformant"),
        ("Certification revoked", "not_conformant"),
        ("Conformant status lapsed", "not_conformant"),
        ("Not listed", "not_listed"),
        ("", "not_listed"),
    ],
)
def test_status_words_and_their_negations(label: str, bucket: str) -> None:
    from conflict_minerals.reference.status import bucket_for

    assert bucket_for(label).value == bucket


def test_one_id_with_two_statuses_on_one_date_takes_the_worse(tmp_path: Path) -> None:
    import datetime as dt

    from conflict_minerals.smelters.status_book import StatusBook

    listed = tmp_path / "list.csv"
    listed.write_text("Smelter ID,Status\nCID001182,Conformant\nCID001182,Non-Conformant\n", encoding="utf-8")
    book = StatusBook.build([read_status_list(listed, as_of=dt.date(2026, 1, 1))], dt.date(2026, 2, 1))
    assert book.status("CID001182")[0].value == "not_conformant"
    assert book.conflicts == (("CID001182", "Non-Conformant", "Conformant"),)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "shift_jis", "gbk", "cp1252"])
def test_csv_lists_in_the_encodings_they_come_in(tmp_path: Path, encoding: str) -> None:
    names = {
        "shift_jis": "三菱マテリアル株式会社",
        "gbk": "江西铜业股份有限公司",
        "cp1252": "Société Métaux – Zürich",
    }
    name = names.get(encoding, "Ｍｉｘｅｄ Ünïcode 精錬")
    listed = tmp_path / "list.csv"
    text = f"Smelter ID,Standard Smelter Name,Status\nCID001182,{name},Conformant\nCID000015,{name} 2,Active\n"
    listed.write_bytes(text.encode(encoding))
    entries = read_status_list(listed).entries
    assert [(e.smelter_id, e.name, e.bucket.value) for e in entries] == [
        ("CID001182", name, "conformant"),
        ("CID000015", f"{name} 2", "active"),
    ]


def test_spreadsheetml_column_index_is_bounded(tmp_path: Path) -> None:
    listed = tmp_path / "list.xml"
    listed.write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table><Row>'
        '<Cell ss:Index="400000000"><Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet></Workbook>',
        encoding="utf-8",
    )
    with pytest.raises(UnreadableFileError, match="16,384"):
        read_status_list(listed, "conformant")


def test_import_warns_about_an_id_listed_twice(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    listed = tmp_path / "list.csv"
    listed.write_text("Smelter ID,Status\nCID001182,Conformant\nCID001182,Non-Conformant\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["refdata", "import-status", str(listed), "--as-of", "2026-01-01"])
    assert result.exit_code == 0
    assert "CID001182 is listed as 'Non-Conformant' and as 'Conformant'" in result.stderr


def test_the_list_date_from_downloaded_lines_the_file_name_or_today(tmp_path: Path) -> None:
    body = CSV_LIST.split("\n", 3)[3]
    downloaded = read_status_list(write_csv(tmp_path / "a.csv", f"RMI list\nDownloaded: January 15, 2026\n{body}"))
    assert (downloaded.as_of, downloaded.dated_by) == (dt.date(2026, 1, 15), "the file")
    named = read_status_list(write_csv(tmp_path / "RMI_Conformant_2026-02-03.csv", body))
    assert (named.as_of, named.dated_by) == (dt.date(2026, 2, 3), "the file name")
    compact = read_status_list(write_csv(tmp_path / "active_20260304.csv", body))
    assert compact.as_of == dt.date(2026, 3, 4)
    undated = read_status_list(write_csv(tmp_path / "list-2026-02-31.csv", body))
    assert undated.dated_by == "today" and undated.as_of == dt.date.today()
    given = read_status_list(write_csv(tmp_path / "b.csv", body), as_of=dt.date(2025, 12, 1))
    assert (given.as_of, given.dated_by) == (dt.date(2025, 12, 1), "given")


def test_import_says_where_the_date_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    monkeypatch.chdir(tmp_path)
    body = CSV_LIST.split("\n", 3)[3]
    undated = CliRunner().invoke(cli, ["refdata", "import-status", str(write_csv(tmp_path / "x.csv", body))])
    assert undated.exit_code == 0 and "states no date" in undated.stderr and "--as-of" in undated.stderr
    named = CliRunner().invoke(cli, ["refdata", "import-status", str(write_csv(tmp_path / "l_2026-01-15.csv", body))])
    assert "as of 2026-01-15, the date from the file name" in named.stdout and "states no date" not in named.stderr
