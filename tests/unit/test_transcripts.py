"""One preferred transcript per gene: MANE Select, then Ensembl canonical, then the longest
CDS, ties by id; written with version and structure, read back identically."""

from __future__ import annotations

from icope.core.annotation import read_annotation
from icope.core.transcripts import (
    TRANSCRIPT_TABLE_COLUMNS,
    load_preferred,
    preferred_from_annotation,
    write_transcript_table,
)


def _gtf(tmp_path, lines):
    rows = []
    for gene, tx, start, end, strand, extra, cds in lines:
        attrs = f'gene_id "{gene}"; transcript_id "{tx}"; gene_name "{gene}N"; {extra}'
        rows.append(f"c1\tt\ttranscript\t{start}\t{end}\t.\t{strand}\t.\t{attrs}")
        rows.append(f"c1\tt\texon\t{start}\t{end}\t.\t{strand}\t.\t{attrs}")
        if cds:
            rows.append(f"c1\tt\tCDS\t{cds[0]}\t{cds[1]}\t.\t{strand}\t0\t{attrs}")
    path = tmp_path / "a.gtf"
    path.write_text("\n".join(rows) + "\n")
    return read_annotation(path)


def test_choice_order(tmp_path):
    model = _gtf(
        tmp_path,
        [
            # G1: MANE Select wins over a canonical and a longer CDS
            ("G1", "T1.1", 100, 400, "+", 'tag "Ensembl_canonical";', (110, 390)),
            ("G1", "T2.4", 100, 300, "+", 'tag "MANE_Select"; tag "basic";', (150, 200)),
            # G2: canonical wins over a longer CDS
            ("G2", "T3.1", 500, 900, "-", "", (510, 890)),
            ("G2", "T4.2", 500, 700, "-", 'tag "Ensembl_canonical";', (550, 600)),
            # G3: no tags: longest CDS, then the smaller id for equal lengths
            ("G3", "T7.1", 1000, 1300, "+", "", (1010, 1100)),
            ("G3", "T5.1", 1000, 1200, "+", "", (1010, 1200)),
            ("G3", "T6.1", 1000, 1200, "+", "", (1010, 1200)),
            # G4: non-coding only: the longest transcript
            ("G4", "T8.1", 2000, 2100, "+", "", None),
            ("G4", "T9.1", 2000, 2300, "+", "", None),
        ],
    )
    chosen = {g: (t.transcript, t.preference) for g, t in preferred_from_annotation(model).items()}
    assert chosen == {
        "G1": ("T2.4", "MANE_Select"),
        "G2": ("T4.2", "Ensembl_canonical"),
        "G3": ("T5.1", "longest_CDS"),
        "G4": ("T9.1", "longest_transcript"),
    }


def test_table_round_trip_with_ensembl_versions(tmp_path):
    model = _gtf(
        tmp_path,
        [
            ("G1", "ENST1", 100, 400, "-", 'transcript_version "7"; tag "basic";', (110, 390)),
            ("G1", "ENST2", 100, 300, "-", 'transcript_version "2";', None),
        ],
    )
    table = tmp_path / "transcripts.tsv"
    assert write_transcript_table(model, table) == 1
    lines = table.read_text().splitlines()
    assert lines[0].split("\t") == TRANSCRIPT_TABLE_COLUMNS
    first = dict(zip(TRANSCRIPT_TABLE_COLUMNS, lines[1].split("\t"), strict=True))
    assert (first["transcript"], first["preferred"], first["preference"]) == (
        "ENST1.7",
        "yes",
        "longest_CDS",
    )
    assert (first["exons"], first["cds_start"], first["cds_end"]) == ("100-400", "110", "390")
    assert lines[2].split("\t")[5:8] == ["ENST2.2", "no", ""]
    loaded = load_preferred(table)
    assert loaded == preferred_from_annotation(model)
    assert loaded["G1"].gene == "G1N" and loaded["G1"].strand == "-"


def test_transcript_preference_is_the_same_choice(tmp_path):
    from icope.core.annotation import transcript_preference

    model = _gtf(
        tmp_path,
        [
            ("G1", "T1.1", 100, 400, "+", 'tag "Ensembl_canonical";', (110, 390)),
            ("G1", "T2.4", 100, 300, "+", 'tag "MANE_Select";', (150, 200)),
        ],
    )
    table = tmp_path / "transcripts.tsv"
    write_transcript_table(model, table)
    assert transcript_preference(table) == {"T2.4": 0, "T2": 0}
