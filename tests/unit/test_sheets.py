"""Tests for icope.core.sheets: loading and validating the sample and unit sheets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from icope.core import sheets as sheets_module
from icope.core.sheets import (
    Sample,
    SampleSheet,
    SampleType,
    SheetError,
    Unit,
    load_sample_sheet,
)

SAMPLE_HEADER = ["patient", "sample", "type", "sex", "secondary_findings_consent", "tumour_only"]
UNIT_HEADER = ["sample", "unit", "fq1", "fq2", "bam", "platform", "library"]

VALID_SAMPLES = [
    ["P1", "P1_N", "normal", "female", "yes", "no"],
    ["P1", "P1_T", "tumour", "female", "no", ""],
    ["P2", "P2_N", "normal", "male", "", ""],
    ["P2", "P2_T", "tumour", "male", "", ""],
]
VALID_UNITS = [
    ["P1_N", "L1", "P1_N_L1_R1.fq.gz", "P1_N_L1_R2.fq.gz", "", "ILLUMINA", "libN"],
    ["P1_T", "L1", "P1_T_L1_R1.fq.gz", "P1_T_L1_R2.fq.gz", "", "", ""],
    ["P2_N", "L1", "P2_N_L1_R1.fq.gz", "P2_N_L1_R2.fq.gz", "", "", ""],
    ["P2_T", "L1", "P2_T_L1_R1.fq.gz", "P2_T_L1_R2.fq.gz", "", "", ""],
]


def _write_tsv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n")
    return path


def _touch_reads(data_dir: Path, units: list[list[str]]) -> None:
    """Create a tiny dummy FASTQ for every fq1/fq2/bam named in the unit rows."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for row in units:
        for name in row[2:5]:
            if name and not Path(name).is_absolute():
                target = data_dir / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("@r1\nACGT\n+\nIIII\n")


@pytest.fixture
def sheets(tmp_path):
    """Return a function writing both sheets (and their reads) and loading them."""

    def make(samples=VALID_SAMPLES, units=VALID_UNITS, touch=True):
        data_dir = tmp_path / "data"
        data_dir.mkdir(exist_ok=True)
        if touch:
            _touch_reads(data_dir, units)
        s = _write_tsv(tmp_path / "samples.tsv", SAMPLE_HEADER, samples)
        u = _write_tsv(tmp_path / "units.tsv", UNIT_HEADER, units)
        return s, u, data_dir

    return make


def _problems(samples_path, units_path, data_dir) -> list[str]:
    with pytest.raises(SheetError) as info:
        load_sample_sheet(samples_path, units_path, data_dir)
    return info.value.problems


def test_valid_sheet_loads(sheets):
    s, u, data_dir = sheets()
    sheet = load_sample_sheet(s, u, data_dir)

    assert sheet.patients == ["P1", "P2"]
    pairs = [(t.sample, n.sample) for t, n in sheet.tumour_normal_pairs()]
    assert pairs == [("P1_T", "P1_N"), ("P2_T", "P2_N")]
    assert sheet.samples["P1_N"].secondary_findings_consent is True
    assert sheet.samples["P1_T"].secondary_findings_consent is False
    assert sheet.samples["P1_T"].tumour_only is False
    assert sheet.samples["P1_T"].type is SampleType.tumour
    assert [x.sample for x in sheet.dna_samples()] == ["P1_N", "P1_T", "P2_N", "P2_T"]


def test_read_group_fields(sheets):
    s, u, data_dir = sheets()
    sheet = load_sample_sheet(s, u, data_dir)

    # explicit library and platform
    rg = sheet.unit("P1_N", "L1").read_group
    assert rg == r"@RG\tID:P1_N.L1\tSM:P1_N\tLB:libN\tPL:ILLUMINA\tPU:L1"
    # blank library defaults to the sample, blank platform to ILLUMINA
    rg = sheet.unit("P1_T", "L1").read_group
    fields = rg.split(r"\t")
    assert fields[0] == "@RG"
    assert "ID:P1_T.L1" in fields
    assert "SM:P1_T" in fields
    assert "LB:P1_T" in fields
    assert "PL:ILLUMINA" in fields
    assert "PU:L1" in fields


def test_relative_fastq_paths_resolve_against_data_dir(sheets, tmp_path):
    units = [list(r) for r in VALID_UNITS]
    absolute = tmp_path / "elsewhere" / "abs_R1.fq.gz"
    absolute.parent.mkdir()
    absolute.write_text("@r\nA\n+\nI\n")
    units[0][2] = str(absolute)
    units[1][2] = "sub/dir/P1_T_R1.fq.gz"
    s, u, data_dir = sheets(units=units)
    sheet = load_sample_sheet(s, u, data_dir)

    assert sheet.unit("P1_N", "L1").fq1 == absolute
    assert sheet.unit("P1_N", "L1").fq2 == data_dir / "P1_N_L1_R2.fq.gz"
    assert sheet.unit("P1_T", "L1").fq1 == data_dir / "sub" / "dir" / "P1_T_R1.fq.gz"
    assert sheet.unit("P1_T", "L1").bam is None


def test_unknown_type_names_path_line_and_field(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[1][2] = "tumor"  # second data row = line 3 of the file
    s, u, data_dir = sheets(samples=samples)
    problems = _problems(s, u, data_dir)

    matching = [p for p in problems if "field 'type'" in p]
    assert len(matching) == 1
    message = matching[0]
    assert str(s) in message
    assert "line 3" in message
    assert "'tumor'" in message
    assert "tumour" in message  # lists the allowed values


def test_error_message_is_the_str_of_the_exception(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[1][2] = "tumor"
    s, u, data_dir = sheets(samples=samples)
    with pytest.raises(SheetError, match=r"line 3: field 'type'"):
        load_sample_sheet(s, u, data_dir)


def test_comment_lines_keep_file_line_numbers(sheets, tmp_path):
    s, u, data_dir = sheets()
    lines = s.read_text().splitlines()
    bad = lines[2].replace("tumour", "tumor")
    s.write_text("\n".join([lines[0], "# a comment", lines[1], bad, *lines[3:]]) + "\n")
    problems = _problems(s, u, data_dir)
    assert any("line 4: field 'type'" in p for p in problems)


def test_duplicate_sample(sheets):
    samples = [*VALID_SAMPLES, ["P2", "P1_T", "tumour", "male", "", ""]]
    s, u, data_dir = sheets(samples=samples)
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1
    assert f"{s}, line 6: field 'sample'" in problems[0]
    assert "duplicate sample 'P1_T'" in problems[0]
    assert "first on line 3" in problems[0]


def test_tumour_without_normal_needs_tumour_only(sheets):
    samples = [["P3", "P3_T", "tumour", "female", "no", "no"]]
    units = [["P3_T", "L1", "a_R1.fq", "a_R2.fq", "", "", ""]]
    s, u, data_dir = sheets(samples=samples, units=units)
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1
    assert f"{s}, line 2: field 'tumour_only'" in problems[0]
    assert "'P3'" in problems[0] and "'P3_T'" in problems[0]


def test_tumour_only_yes_allows_unmatched_tumour(sheets):
    samples = [["P3", "P3_T", "tumour", "female", "no", "yes"]]
    units = [["P3_T", "L1", "a_R1.fq", "a_R2.fq", "", "", ""]]
    s, u, data_dir = sheets(samples=samples, units=units)
    sheet = load_sample_sheet(s, u, data_dir)

    assert sheet.samples["P3_T"].tumour_only is True
    assert sheet.tumour_normal_pairs() == []


def test_tumour_only_on_a_normal_is_rejected(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[0][5] = "yes"
    s, u, data_dir = sheets(samples=samples)
    problems = _problems(s, u, data_dir)
    assert len(problems) == 1
    assert "line 2: field 'tumour_only'" in problems[0]
    assert "only a tumour sample" in problems[0]


def test_two_normals_for_one_patient(sheets):
    samples = [*VALID_SAMPLES, ["P1", "P1_N2", "normal", "female", "", ""]]
    units = [*VALID_UNITS, ["P1_N2", "L1", "n2_R1.fq", "n2_R2.fq", "", "", ""]]
    s, u, data_dir = sheets(samples=samples, units=units)
    problems = _problems(s, u, data_dir)
    assert len(problems) == 1
    assert "patient 'P1' has 2 normal samples" in problems[0]


@pytest.mark.parametrize("bad_id", ["P1 T", "P1;T", "P1/T"])
def test_unsafe_sample_id(sheets, bad_id):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[1][1] = bad_id
    s, u, data_dir = sheets(samples=samples)
    problems = _problems(s, u, data_dir)

    message = next(p for p in problems if p.startswith(f"{s}, line 3"))
    assert "field 'sample'" in message
    assert repr(bad_id) in message
    assert "only letters, digits" in message


def test_unsafe_patient_id(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[2][0] = "P 2"
    s, u, data_dir = sheets(samples=samples)
    problems = _problems(s, u, data_dir)
    assert any(p.startswith(f"{s}, line 4: field 'patient'") for p in problems)


def test_missing_fastq(sheets):
    s, u, data_dir = sheets()
    (data_dir / "P2_T_L1_R1.fq.gz").unlink()
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1
    assert problems[0].startswith(f"{u}, line 5: field 'fq1'")
    assert "file not found" in problems[0]
    assert str(data_dir / "P2_T_L1_R1.fq.gz") in problems[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_fastq(sheets):
    s, u, data_dir = sheets()
    target = data_dir / "P1_T_L1_R2.fq.gz"
    target.chmod(0)
    try:
        problems = _problems(s, u, data_dir)
    finally:
        target.chmod(0o644)
    assert len(problems) == 1
    assert problems[0].startswith(f"{u}, line 3: field 'fq2'")
    assert "file not readable" in problems[0]


def test_unreadable_fastq_as_seen_by_os_access(sheets, monkeypatch):
    """Same check, runnable as root: os.access is what the module asks."""
    s, u, data_dir = sheets()
    target = data_dir / "P1_T_L1_R2.fq.gz"
    real_access = os.access
    monkeypatch.setattr(
        "icope.core.sheets.os.access",
        lambda path, mode: False if str(path) == str(target) else real_access(path, mode),
    )
    problems = _problems(s, u, data_dir)
    assert problems == [f"{u}, line 3: field 'fq2': file not readable: {target}"]


def test_unit_with_fastq_and_bam(sheets):
    units = [list(r) for r in VALID_UNITS]
    units[0][4] = "P1_N.bam"
    s, u, data_dir = sheets(units=units)
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1
    assert problems[0].startswith(f"{u}, line 2: field 'bam'")
    assert "not both" in problems[0]


def test_unit_with_bam_only_loads(sheets):
    units = [list(r) for r in VALID_UNITS]
    units[0][2:5] = ["", "", "P1_N.bam"]
    s, u, data_dir = sheets(units=units)
    sheet = load_sample_sheet(s, u, data_dir)
    unit = sheet.unit("P1_N", "L1")
    assert unit.bam == data_dir / "P1_N.bam"
    assert unit.fq1 is None and unit.fq2 is None


def test_unit_with_only_fq1(sheets):
    units = [list(r) for r in VALID_UNITS]
    units[2][3] = ""
    s, u, data_dir = sheets(units=units)
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1
    assert problems[0].startswith(f"{u}, line 4: field 'fq2'")
    assert "need both fq1 and fq2" in problems[0]


def test_unit_without_reads(sheets):
    units = [list(r) for r in VALID_UNITS]
    units[2][2:5] = ["", "", ""]
    s, u, data_dir = sheets(units=units)
    problems = _problems(s, u, data_dir)
    assert len(problems) == 1
    assert problems[0].startswith(f"{u}, line 4: field 'fq1'")
    assert "no reads given" in problems[0]


def test_unit_of_unknown_sample(sheets):
    units = [*VALID_UNITS, ["P9_X", "L1", "x_R1.fq", "x_R2.fq", "", "", ""]]
    s, u, data_dir = sheets(units=units)
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1
    assert problems[0].startswith(f"{u}, line 6: field 'sample'")
    assert f"'P9_X' is not in {s}" in problems[0]


def test_duplicate_unit(sheets):
    units = [*VALID_UNITS, ["P1_T", "L1", "dup_R1.fq", "dup_R2.fq", "", "", ""]]
    s, u, data_dir = sheets(units=units)
    problems = _problems(s, u, data_dir)
    assert len(problems) == 1
    assert problems[0].startswith(f"{u}, line 6: field 'unit'")
    assert "first on line 3" in problems[0]


def test_sample_without_units(sheets):
    units = [r for r in VALID_UNITS if r[0] != "P2_N"]
    s, u, data_dir = sheets(units=units)
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1
    assert problems[0].startswith(f"{s}, line 4: field 'sample'")
    assert "'P2_N' has no units" in problems[0]


def test_bad_consent_value(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[0][4] = "maybe"
    s, u, data_dir = sheets(samples=samples)
    problems = _problems(s, u, data_dir)

    consent = [p for p in problems if "field 'secondary_findings_consent'" in p]
    assert len(consent) == 1
    assert consent[0].startswith(f"{s}, line 2: ")
    assert "must be yes or no" in consent[0]
    assert "'maybe'" in consent[0]


def test_consent_accepts_true_false_spellings(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[0][4] = "TRUE"
    samples[2][4] = "Y"
    samples[3][4] = "0"
    s, u, data_dir = sheets(samples=samples)
    sheet = load_sample_sheet(s, u, data_dir)
    assert sheet.samples["P1_N"].secondary_findings_consent is True
    assert sheet.samples["P2_N"].secondary_findings_consent is True
    assert sheet.samples["P2_T"].secondary_findings_consent is False


def test_unknown_column(sheets, tmp_path):
    s, u, data_dir = sheets()
    s.write_text(
        "\n".join(
            "\t".join([*r, x])
            for r, x in zip(
                [SAMPLE_HEADER, *VALID_SAMPLES], ["colour", "red", "", "", ""], strict=True
            )
        )
        + "\n"
    )
    problems = _problems(s, u, data_dir)
    assert problems[0] == f"{s}, line 2: field 'colour': unknown column (got 'red')"


def test_wrong_number_of_fields(sheets):
    s, u, data_dir = sheets()
    lines = s.read_text().splitlines()
    lines[2] = lines[2] + "\textra"
    s.write_text("\n".join(lines) + "\n")
    problems = _problems(s, u, data_dir)
    assert problems == [f"{s}, line 3: 7 fields but the header has 6"]


def test_missing_sheet(tmp_path, sheets):
    _, u, data_dir = sheets()
    missing = tmp_path / "nope.tsv"
    assert _problems(missing, u, data_dir) == [f"{missing}: sheet not found"]


def test_several_problems_reported_together(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[0][4] = "maybe"  # samples line 2
    samples[3][1] = "P2 T"  # samples line 5 (and its unit row no longer matches)
    units = [list(r) for r in VALID_UNITS]
    units[0][4] = "P1_N.bam"  # units line 2: fq and bam
    units[1][3] = ""  # units line 3: only fq1
    units[3][0] = "P2 T"  # units line 5: unsafe id
    s, u, data_dir = sheets(samples=samples, units=units)
    (data_dir / "P2_N_L1_R1.fq.gz").unlink()  # units line 4: missing fq1
    problems = _problems(s, u, data_dir)

    expected_prefixes = [
        f"{s}, line 2: field 'secondary_findings_consent'",
        f"{s}, line 5: field 'sample'",
        f"{u}, line 5: field 'sample'",
        f"{u}, line 2: field 'bam'",
        f"{u}, line 3: field 'fq2'",
        f"{u}, line 4: field 'fq1': file not found",
    ]
    for prefix in expected_prefixes:
        assert sum(p.startswith(prefix) for p in problems) == 1, (prefix, problems)


def test_invalid_sample_row_does_not_cause_false_unknown_sample_errors(sheets):
    samples = [list(r) for r in VALID_SAMPLES]
    samples[0][3] = "femal"  # only the sex of P1_N is wrong
    s, u, data_dir = sheets(samples=samples)
    problems = _problems(s, u, data_dir)

    assert any(p.startswith(f"{s}, line 2: field 'sex'") for p in problems)
    # P1_N *is* in the sample sheet and P1 *has* a normal: nothing else should be reported
    assert problems == [p for p in problems if "field 'sex'" in p]


def test_every_cross_row_rule_in_reporting_order(tmp_path):
    """One sheet breaking every cross-row rule: the exact messages, in the order reported
    (cell problems, sample rules, unit rules row by row, samples without units)."""
    samples = [
        ["P1", "P1_N", "normal", "female", "yes", "no"],
        ["P1", "P1_N", "normal", "female", "yes", "no"],  # duplicate; second normal of P1
        ["P3", "P3_T", "tumour", "", "", ""],  # no normal, not tumour_only
        ["P1", "P1_R", "rna", "", "", "yes"],  # tumour_only on RNA
        ["P4", "P4_N", "normal", "", "", ""],  # no units
        ["P1", "P1_T", "tumour", "x", "", ""],  # bad cell: no cross-row errors of its own
        ["P5", "P5_T", "tumour", "", "", "yes"],
        ["P5", "P5_N2", "normal", "", "", "yes"],  # tumour_only on a normal, no units
    ]
    units = [
        ["P1_N", "L1", "a_R1.fq.gz", "a_R2.fq.gz", "", "", ""],
        ["P1_N", "L1", "a_R1.fq.gz", "a_R2.fq.gz", "", "", ""],  # duplicate unit
        ["X", "L1", "a_R1.fq.gz", "", "x.bam", "", ""],  # unknown sample; FASTQ and BAM
        ["P3_T", "L1", "missing_R1.fq.gz", "", "", "", ""],  # no fq2; fq1 missing
        ["P1_R", "L1", "", "", "", "", ""],  # no reads
        ["P1_T", "L 1", "a_R1.fq.gz", "a_R2.fq.gz", "", "", ""],  # bad cell
        ["P5_T", "L1", "", "", "missing.bam", "", ""],
        ["P5_T", "L1", "", "", "missing.bam", "", ""],  # duplicate unit; BAM missing
    ]
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a_R1.fq.gz", "a_R2.fq.gz", "x.bam"):
        (data / name).write_text("x")
    s = _write_tsv(tmp_path / "samples.tsv", SAMPLE_HEADER, samples)
    u = _write_tsv(tmp_path / "units.tsv", UNIT_HEADER, units)
    assert _problems(s, u, data) == [
        f"{s}, line 7: field 'sex': must be one of 'female', 'male' or 'unknown' (got 'x')",
        f"{u}, line 7: field 'unit': only letters, digits, '_' and '-' are allowed (got 'L 1')",
        f"{s}, line 3: field 'sample': duplicate sample 'P1_N' (first on line 2)",
        f"{s}: patient 'P1' has 2 normal samples; one normal per patient is supported",
        f"{s}, line 4: field 'tumour_only': patient 'P3' has tumour 'P3_T' but no normal "
        "sample; set tumour_only to yes to analyse it unmatched",
        f"{s}, line 5: field 'tumour_only': only a tumour sample can be tumour-only",
        f"{s}, line 9: field 'tumour_only': only a tumour sample can be tumour-only",
        f"{u}, line 3: field 'unit': duplicate unit 'L1' of sample 'P1_N' (first on line 2)",
        f"{u}, line 4: field 'sample': 'X' is not in {s}",
        f"{u}, line 4: field 'bam': give either fq1/fq2 or bam, not both",
        f"{u}, line 5: field 'fq2': paired-end reads need both fq1 and fq2",
        f"{u}, line 5: field 'fq1': file not found: {data / 'missing_R1.fq.gz'}",
        f"{u}, line 6: field 'fq1': no reads given (fq1 + fq2, or bam)",
        f"{u}, line 8: field 'bam': file not found: {data / 'missing.bam'}",
        f"{u}, line 9: field 'unit': duplicate unit 'L1' of sample 'P5_T' (first on line 8)",
        f"{u}, line 9: field 'bam': file not found: {data / 'missing.bam'}",
        f"{s}, line 6: field 'sample': sample 'P4_N' has no units in {u}",
        f"{s}, line 9: field 'sample': sample 'P5_N2' has no units in {u}",
    ]


def test_cross_row_rules_one_by_one(tmp_path):
    normal = Sample(patient="P1", sample="N", type="normal", tumour_only=True)
    tumour = Sample(patient="P2", sample="T", type="tumour")
    unmatched = Sample(patient="P2", sample="T", type="tumour", tumour_only=True)
    path = Path("samples.tsv")
    assert sheets_module._tumour_without_normal(path, 3, tumour, {"P2": ["tumour"]}) != []
    assert sheets_module._tumour_without_normal(path, 3, unmatched, {"P2": ["tumour"]}) == []
    assert sheets_module._tumour_without_normal(path, 3, tumour, {"P2": ["normal"]}) == []
    assert sheets_module._tumour_only_on_tumours(path, 2, normal) == [
        "samples.tsv, line 2: field 'tumour_only': only a tumour sample can be tumour-only"
    ]
    assert sheets_module._tumour_only_on_tumours(path, 2, unmatched) == []
    assert sheets_module._one_normal_per_patient(path, {"P1": ["normal", "tumour"]}) == []

    (tmp_path / "r1.fq").write_text("x")
    pair = Unit(sample="N", unit="L1", fq1="r1.fq", fq2="r2.fq")
    assert sheets_module._read_files_given("here", pair) == []
    assert sheets_module._read_files_given("here", Unit(sample="N", unit="L1", bam="b")) == []
    assert sheets_module._files_readable("here", pair, tmp_path) == [
        f"here: field 'fq2': file not found: {tmp_path / 'r2.fq'}"
    ]
    assert sheets_module._duplicate_unit("here", 2, pair, {("N", "L1"): 2}) == []
    assert sheets_module._unit_sample_known("here", pair, {"N": 2}, path) == []
    assert sheets_module._unit_sample_known("here", pair, {"N_2": 2}, path) == [
        "here: field 'sample': 'N' is not in samples.tsv"
    ]


# --- read paths: only characters that are safe in a shell and a file name -----------------


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("$(touch pwned)_R1.fq.gz", "'$', '(', a space and ')'"),
        ("`touch pwned`_R1.fq.gz", "'`' and a space"),
        ("a;b_R1.fq.gz", "';'"),
        ("P1 N_R1.fq.gz", "a space"),
        ("it's_R1.fq.gz", '"\'"'),
        ('say"x"_R1.fq.gz', "'\"'"),
        ("a|b&c>d_R1.fq.gz", "'|', '&' and '>'"),
        ("{sample}_R1.fq.gz", "'{' and '}'"),
        ("*_R1.fq.gz", "'*'"),
        ("back\\slash_R1.fq.gz", "'\\\\'"),
        ("caf\u00e9_R1.fq.gz", "'\u00e9'"),
    ],
)
def test_unsafe_read_path_is_rejected(sheets, name, named):
    units = [list(r) for r in VALID_UNITS]
    units[0][2] = name
    s, u, data_dir = sheets(units=units)
    problems = _problems(s, u, data_dir)

    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{u}, line 2: field 'fq1': path contains {named}")
    assert "rename the file or link it" in problems[0]
    assert problems[0].endswith(f"(got {name!r})")


def test_unsafe_absolute_bam_path_is_rejected(sheets, tmp_path):
    bam = tmp_path / "my reads.bam"
    bam.write_text("x")
    units = [list(r) for r in VALID_UNITS]
    units[1][2:5] = ["", "", str(bam)]
    s, u, data_dir = sheets(units=units)
    assert _problems(s, u, data_dir) == [
        f"{u}, line 3: field 'bam': path contains a space: read paths reach shell commands, so "
        "only letters, digits and _ - . / + , = @ : are allowed; rename the file or link it "
        f"(ln -s) under a safe name (got {str(bam)!r})"
    ]


def test_newline_in_a_quoted_cell_is_rejected(sheets):
    """A TSV row cannot hold a newline, except in a quoted cell, which csv reads as one."""
    s, u, data_dir = sheets()
    text = u.read_text().replace("P1_N_L1_R1.fq.gz", '"P1_N\nL1_R1.fq.gz"', 1)
    u.write_text(text)
    problems = _problems(s, u, data_dir)
    assert len(problems) == 1
    assert "field 'fq1': path contains '\\n' (a control character)" in problems[0]


def test_safe_punctuation_is_accepted(sheets):
    name = "run-1/lane_2.v3+x,y=z@host:1_R1.fq.gz"
    units = [list(r) for r in VALID_UNITS]
    units[0][2] = name
    s, u, data_dir = sheets(units=units)
    assert load_sample_sheet(s, u, data_dir).unit("P1_N", "L1").fq1 == data_dir / name


def test_data_dir_with_unsafe_characters_is_rejected(tmp_path):
    data_dir = tmp_path / "my data"
    _touch_reads(data_dir, VALID_UNITS[:1])
    s = _write_tsv(tmp_path / "samples.tsv", SAMPLE_HEADER, VALID_SAMPLES[:1])
    u = _write_tsv(tmp_path / "units.tsv", UNIT_HEADER, VALID_UNITS[:1])
    problems = _problems(s, u, data_dir)
    assert [p.split(": read paths")[0] for p in problems] == [
        f"{u}, line 2: field '{field}': resolved against data_dir {str(data_dir)!r}, the path "
        "contains a space"
        for field in ("fq1", "fq2")
    ]


def test_samples_of_a_patient_in_sheet_order():
    samples = [
        Sample(patient=p, sample=n, type=t)
        for p, n, t in (("P1", "N1", "normal"), ("P2", "N2", "normal"), ("P1", "T1", "tumour"))
    ]
    sheet = SampleSheet(samples, [])
    assert [s.sample for s in sheet.samples_of("P1")] == ["N1", "T1"]
    assert sheet.samples_of("P9") == []


def test_tumour_purity_column_is_optional_and_only_on_tumours(sheets):
    s, u, data_dir = sheets()
    rows = [r + [""] for r in VALID_SAMPLES]
    rows[1][6] = "0.65"
    _write_tsv(s, [*SAMPLE_HEADER, "purity"], rows)
    sheet = load_sample_sheet(s, u, data_dir)
    assert sheet.samples["P1_T"].purity == 0.65 and sheet.samples["P1_N"].purity is None
    rows[0][6], rows[3][6] = "0.5", "1.5"
    _write_tsv(s, [*SAMPLE_HEADER, "purity"], rows)
    problems = _problems(s, u, data_dir)
    assert any("line 5: field 'purity'" in p for p in problems), problems
    assert any("line 2: field 'purity': only a tumour sample" in p for p in problems), problems
