"""icope bench split-spike's pieces: the split by read name, reads back in sequencing
orientation with their spiked bases, the orientation-artefact spikes, the scores."""

from __future__ import annotations

import gzip

import pandas as pd
import pysam

from icope.bench import split_spike as ss


def _fastq(path, names, mate):
    with gzip.open(path, "wt") as out:
        for name in names:
            out.write(f"@{name}/{mate}\nACGT\n+\nIIII\n")
    return path


def test_split_keeps_pairs_together_and_depends_on_the_seed(tmp_path):
    names = [f"read{i}" for i in range(200)]
    r1, r2 = _fastq(tmp_path / "r1.fq.gz", names, 1), _fastq(tmp_path / "r2.fq.gz", names, 2)
    halves = ss.split_reads(r1, r2, tmp_path / "s1", seed=1)

    def names_of(path):
        with gzip.open(path, "rt") as handle:
            return [line[1:].split("/")[0] for i, line in enumerate(handle) if i % 4 == 0]

    a1, a2 = names_of(halves["A"][0]), names_of(halves["A"][1])
    b1 = names_of(halves["B"][0])
    assert a1 == a2  # mates stay together, in the input order
    assert sorted(a1 + b1) == sorted(names) and not set(a1) & set(b1)
    assert 70 < len(a1) < 130  # about half
    other = ss.split_reads(r1, r2, tmp_path / "s2", seed=2)
    assert names_of(other["A"][0]) != a1


def _segment(name, sequence, qualities, reverse, read1=True):
    read = pysam.AlignedSegment()
    read.query_name = name
    read.query_sequence = sequence
    read.query_qualities = pysam.qualitystring_to_array(qualities)
    read.flag = 1 | (64 if read1 else 128) | (16 if reverse else 0)
    return read


def test_fastq_entry_back_in_sequencing_orientation_with_the_spike():
    forward = _segment("f", "AACGT", "ABCDE", reverse=False)
    assert ss._fastq_entry(forward, {("f", True): [(1, "T")]}) == "@f\nATCGT\n+\nABCDE\n"
    # a reverse-strand alignment: bases reverse-complemented, qualities reversed
    reverse = _segment("r", "AACGT", "ABCDE", reverse=True)
    assert ss._fastq_entry(reverse, {("r", True): [(0, "G")]}) == "@r\nACGTC\n+\nEDCBA\n"
    # the mate's edits do not touch this read
    assert ss._fastq_entry(reverse, {("r", False): [(0, "G")]}) == "@r\nACGTT\n+\nEDCBA\n"


def test_score_seed_counts_null_false_positives_spikes_and_artefacts(tmp_path, monkeypatch):
    spiked = [{"pos": 100, "alt": "G"}, {"pos": 300, "alt": "T"}, {"pos": 50, "alt": "T"}]
    calls = {ss.NULL_TUMOUR: [{"pos": 50, "alt": "T"}], ss.SPIKED_TUMOUR: spiked}
    monkeypatch.setattr(ss, "callable_bp", lambda *_: 50_000)
    monkeypatch.setattr(ss, "pass_snvs", lambda vcf: calls[vcf.name.removesuffix(".vcf.gz")])
    monkeypatch.setattr(ss, "filters_at", lambda vcf, keys: {})
    spikes = [
        {"kind": "somatic", "chrom": "c", "pos": 100, "ref": "A", "alt": "G", "edits": []},
        {"kind": "somatic", "chrom": "c", "pos": 200, "ref": "A", "alt": "C", "edits": []},
        {"kind": "artefact", "chrom": "c", "pos": 300, "ref": "G", "alt": "T", "edits": []},
    ]
    score = ss.score_seed(tmp_path, spikes, {})
    assert score["null_fp"] == 1 and score["null_fp_per_mb"] == 20.0
    assert (score["spikes"], score["spikes_found"], score["recall"]) == (2, 1, 0.5)
    assert (score["artefacts"], score["artefacts_pass"]) == (1, 1)
    assert score["spiked_fp"] == 1  # pos 50: not spiked
    assert [m["pos"] for m in score["missed"]] == [200]


def test_section_reports_the_rate_per_mb_and_each_false_positive():
    table = pd.DataFrame([{"seed": 1, "callable_bp": 84000, "null_fp": 1, "null_fp_per_mb": 11.9}])
    info = {
        "command": "icope bench split-spike",
        "design": {"count": 40, "vafs": [0.2, 0.5], "artefacts": 10, "artefact_fraction": 0.6},
        "total": {"callable_bp": 84000, "null_fp": 1, "null_fp_per_mb": 11.9, "recall": 0.9,
                  "artefacts": 10, "artefacts_pass": 0},
        "fp_calls": {"1": [{"pos": 7, "ref": "G", "alt": "T", "tdp": 15, "taf": 0.27,
                            "naf": 0.0, "tlod": 9.1, "methods": "pileup"}]},
    }  # fmt: skip
    text = "\n".join(ss.section_lines(info, table))
    assert "1 false-positive PASS SNVs in 84,000 callable bp = 11.9 per Mb" in text
    assert "passed: 0 of 10" in text
    assert "seed 1: G>T at 7 (tumour depth 15, AF 0.27" in text
