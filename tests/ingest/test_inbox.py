"""Source detection and the monthly inbox: a file in a folder that names no source still loads when its
headers say which source it is; otherwise it is refused and the other files load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.ingest.detect import detect_source
from pipelines.ingest.errors import AmbiguousSourceError, UnknownSourceError
from pipelines.ingest.inbox import discover, ingest_all
from pipelines.ingest.lexicon import load_lexicon
from pipelines.ingest.readers import read_any
from pipelines.settings import Settings
from pipelines.warehouse import connect

CASES = Path(__file__).parent / "cases"


def detect(tmp_path: Path, text: str, folder: str = "2026-11", name: str = "x.csv") -> str:
    p = tmp_path / folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return detect_source(read_any(p), p, name, load_lexicon()).source


@pytest.mark.parametrize(
    ("description", "header", "expected"),
    [
        ("claims", "参保人姓名,公民身份号码,结算日期,总费用,个人负担", "medical_insurance"),
        ("vehicles", "号牌号码,机动车所有人,身份证明号码", "vehicles"),
        ("payroll", "姓名,身份证号,工作单位,应发工资", "public_payroll"),
        ("business licences", "企业名称,法定代表人,身份证号,成立日期", "market_supervision"),
        ("real estate", "不动产权证号,权利人,证件号码,坐落", "real_estate"),
        ("water by village", "乡镇,行政村,问题类型,发现日期", "water"),
    ],
)
def test_source_detected_from_headers(tmp_path, description, header, expected):
    assert detect(tmp_path, header + "\n") == expected, description


def test_an_inbox_file_never_becomes_the_registry(tmp_path):
    # a department list that carries 户编号 must not replace the monitoring system's export
    with pytest.raises(UnknownSourceError):
        detect(tmp_path, "户编号,姓名,证件号码,乡(镇),行政村\n", folder="乡村振兴局")


def test_unknown_and_ambiguous_sources_are_errors(tmp_path):
    with pytest.raises(UnknownSourceError, match=r"x\.csv"):
        detect(tmp_path, "品名,数量\n")
    with pytest.raises(AmbiguousSourceError) as exc:
        detect(tmp_path, "姓名,身份证号,登记日期,工作单位\n")
    # a registration date and an employer fit several departments equally: two are named, with the way out
    assert len(set(exc.value.candidates)) == 2
    assert set(exc.value.candidates) <= {"health", "public_payroll", "agriculture"}
    assert "--source" in str(exc.value) and "文件夹" in str(exc.value)


def test_inbox_with_an_unknown_folder_goes_on(tmp_path):
    settings = Settings.load(data_dir=tmp_path)
    inbox = settings.inbox_dir("2026-11")
    for folder, case in (
        ("medical_insurance", "csv_quoted_multiline.csv"),
        ("车管所", "vehicles_no_folder.csv"),
        ("其他", "unknown_source.csv"),
    ):
        (inbox / folder).mkdir(parents=True)
        shutil.copy(CASES / case, inbox / folder)
    # every department file is detected: the folder is one cue among several, never the last word
    assert [s for s, _, _ in discover(settings, "2026-11")] == [None, None, None]
    with connect(":memory:") as con:
        accounts = ingest_all(con, settings, "2026-11")
    assert [(a.source, a.status, a.category) for a in accounts] == [
        ("medical_insurance", "loaded", ""),
        ("", "refused", "unknown_source"),
        ("vehicles", "loaded", ""),
    ]
    assert accounts[1].message.startswith("inbox/2026-11/其他/unknown_source.csv: ")
