"""Tests for icope.qc: metric readers and the pass / warn / fail judgement."""

from __future__ import annotations

import json

import pytest

from icope.core.qc import (
    QC_COLUMNS,
    judge,
    read_fastp,
    read_mosdepth_summary,
    read_salmon_mapping_rate,
    read_samtools_stats,
    summarise_sample,
    summarise_samples,
)

# the thresholds of config/config.yaml
THRESHOLDS = {
    "min_mean_depth": {"warn": 20, "fail": 10},
    "max_duplication": {"warn": 0.3, "fail": 0.5},
    "min_mapping_rate": {"warn": 0.95, "fail": 0.8},
    "min_rna_mapping_rate": {"warn": 0.5, "fail": 0.2},
}


def _fastp(path, raw, kept, bases, q30):
    path.write_text(
        json.dumps(
            {
                "summary": {
                    "fastp_version": "0.23.4",
                    "before_filtering": {"total_reads": raw, "total_bases": raw * 100},
                    "after_filtering": {
                        "total_reads": kept,
                        "total_bases": bases,
                        "q30_bases": q30,
                        "q20_bases": bases,
                    },
                },
                "filtering_result": {"passed_filter_reads": kept},
            }
        )
    )
    return str(path)


SAMTOOLS_STATS = """\
# This file was produced by samtools stats (1.19)
# CHK, Checksum\t[2]Read Names\t[3]Sequences\t[4]Qualities
CHK\t1a2b3c4d\t5e6f7a8b\t9c0d1e2f
# Summary Numbers. Use `grep ^SN | cut -f 2-` to extract this part.
SN\traw total sequences:\t2000\t# excluding supplementary and secondary reads
SN\tfiltered sequences:\t0
SN\treads mapped:\t1900
SN\treads mapped and paired:\t1880\t# paired-end technology bit set + both mates mapped
SN\treads duplicated:\t190\t# PCR or optical duplicate bit set
SN\terror rate:\t2.340000e-03\t# mismatches / bases mapped (cigar)
FFQ\t1\t0\t0\t0
"""


# --------------------------------------------------------------------------- readers


def test_read_fastp_sums_units(tmp_path):
    unit1 = _fastp(tmp_path / "L001.json", raw=1000, kept=950, bases=95000, q30=85500)
    unit2 = _fastp(tmp_path / "L002.json", raw=500, kept=450, bases=45000, q30=31500)
    metrics = read_fastp([unit1, unit2])
    assert metrics == {
        "raw_reads": 1500,
        "reads_after_trimming": 1400,
        # (85500 + 31500) / (95000 + 45000) = 117000 / 140000
        "q30_rate": 0.8357,
    }


def test_read_fastp_single_unit(tmp_path):
    unit = _fastp(tmp_path / "u.json", raw=10, kept=8, bases=800, q30=600)
    assert read_fastp([unit]) == {"raw_reads": 10, "reads_after_trimming": 8, "q30_rate": 0.75}


def test_read_fastp_no_bases_after_filtering(tmp_path):
    unit = _fastp(tmp_path / "u.json", raw=10, kept=0, bases=0, q30=0)
    assert read_fastp([unit])["q30_rate"] is None


def test_read_samtools_stats(tmp_path):
    path = tmp_path / "sample.stats"
    path.write_text(SAMTOOLS_STATS)
    assert read_samtools_stats(str(path)) == {"mapping_rate": 0.95, "duplication_rate": 0.1}


def test_read_samtools_stats_nothing_mapped(tmp_path):
    path = tmp_path / "sample.stats"
    path.write_text("SN\traw total sequences:\t0\nSN\treads mapped:\t0\n")
    assert read_samtools_stats(str(path)) == {"mapping_rate": None, "duplication_rate": None}


def test_read_mosdepth_summary_with_regions(tmp_path):
    path = tmp_path / "s.mosdepth.summary.txt"
    path.write_text(
        "chrom\tlength\tbases\tmean\tmin\tmax\n"
        "chr22\t40000\t1200000\t30.00\t0\t80\n"
        "chr22_region\t1000\t45678\t45.678\t3\t80\n"
        "total\t40000\t1200000\t30.00\t0\t80\n"
        "total_region\t1000\t45678\t45.678\t3\t80\n"
    )
    assert read_mosdepth_summary(str(path)) == {"mean_depth": 45.68}


def test_read_mosdepth_summary_whole_genome(tmp_path):
    path = tmp_path / "s.mosdepth.summary.txt"
    path.write_text(
        "chrom\tlength\tbases\tmean\tmin\tmax\n"
        "chr22\t40000\t246000\t6.15\t0\t40\n"
        "total\t40000\t246000\t6.15\t0\t40\n"
    )
    assert read_mosdepth_summary(str(path)) == {"mean_depth": 6.15}


def test_read_salmon_mapping_rate(tmp_path):
    (tmp_path / "aux_info").mkdir()
    (tmp_path / "aux_info" / "meta_info.json").write_text(
        json.dumps({"salmon_version": "1.10.1", "num_processed": 1000, "percent_mapped": 87.654})
    )
    assert read_salmon_mapping_rate(str(tmp_path)) == {"rna_mapping_rate": 0.8765}


# --------------------------------------------------------------------------- judge


def test_judge_pass():
    metrics = {"mean_depth": 35.0, "duplication_rate": 0.1, "mapping_rate": 0.99}
    assert judge(metrics, THRESHOLDS) == ("pass", [])


def test_judge_warn_only():
    metrics = {"mean_depth": 15.5, "duplication_rate": 0.35, "mapping_rate": 0.99}
    assert judge(metrics, THRESHOLDS) == (
        "warn",
        ["warn:mean_depth=15.5<20", "warn:duplication_rate=0.35>0.3"],
    )


def test_judge_fail_beats_warn():
    metrics = {"mean_depth": 6.15, "duplication_rate": 0.35, "mapping_rate": 0.99}
    status, reasons = judge(metrics, THRESHOLDS)
    assert status == "fail"
    assert reasons == ["fail:mean_depth=6.15<10", "warn:duplication_rate=0.35>0.3"]


def test_judge_warn_after_fail_stays_fail():
    metrics = {"mean_depth": 35.0, "duplication_rate": 0.6, "mapping_rate": 0.9}
    assert judge(metrics, THRESHOLDS) == (
        "fail",
        ["fail:duplication_rate=0.6>0.5", "warn:mapping_rate=0.9<0.95"],
    )


def test_judge_only_worst_level_per_metric():
    status, reasons = judge({"mapping_rate": 0.5}, THRESHOLDS)
    assert (status, reasons) == ("fail", ["fail:mapping_rate=0.5<0.8"])


def test_judge_boundaries_are_not_failures():
    metrics = {"mean_depth": 20, "duplication_rate": 0.3, "mapping_rate": 0.95}
    assert judge(metrics, THRESHOLDS) == ("pass", [])


def test_judge_missing_metric_not_judged():
    metrics = {"mean_depth": None, "duplication_rate": None, "mapping_rate": None}
    assert judge(metrics, THRESHOLDS) == ("pass", [])
    # an RNA sample: only the salmon rate is known
    assert judge({"rna_mapping_rate": 0.1, "mean_depth": None}, THRESHOLDS) == (
        "fail",
        ["fail:rna_mapping_rate=0.1<0.2"],
    )


def test_judge_read_count_of_each_sample_dna_or_rna():
    reads = {"min_reads": {"warn": 5_000_000, "fail": 1_000_000}}
    assert judge({"reads_after_trimming": 900_000}, reads) == (
        "fail",
        ["fail:reads_after_trimming=900000<1000000"],
    )
    assert judge({"reads_after_trimming": 2_000_000, "rna_mapping_rate": 0.9}, reads)[0] == "warn"
    assert judge({"reads_after_trimming": 5_000_000}, reads) == ("pass", [])


def test_judge_metric_without_threshold_not_judged():
    assert judge({"mean_depth": 1.0}, {"max_duplication": {"warn": 0.3, "fail": 0.5}}) == (
        "pass",
        [],
    )


# --------------------------------------------------------------------------- summarise_sample


def test_summarise_sample(tmp_path):
    fastp = _fastp(tmp_path / "u.json", raw=1000, kept=900, bases=90000, q30=81000)
    stats = tmp_path / "s.stats"
    stats.write_text(SAMTOOLS_STATS)
    mosdepth = tmp_path / "s.summary.txt"
    mosdepth.write_text("chrom\tlength\tbases\tmean\tmin\tmax\ntotal\t10\t61\t6.15\t0\t9\n")
    row = summarise_sample(
        "NA12878",
        {"patient": "P001", "type": "normal"},
        [fastp],
        str(stats),
        str(mosdepth),
        None,
        THRESHOLDS,
    )
    assert list(row) == QC_COLUMNS
    assert row["status"] == "fail"
    assert row["reasons"] == "fail:mean_depth=6.15<10"
    assert row["q30_rate"] == 0.9
    assert row["rna_mapping_rate"] is None
    assert (row["sample"], row["patient"], row["type"]) == ("NA12878", "P001", "normal")


# --------------------------------------------------------------------------- summarise_samples


def test_summarise_samples_takes_files_from_the_manifest(tmp_path):
    # "T" is a prefix of "T_2", and the files are named to mislead a name-based match: only
    # the manifest says which file belongs to which sample.
    stats = tmp_path / "T_2.stats"
    stats.write_text(SAMTOOLS_STATS)
    depth = "chrom\tlength\tbases\tmean\tmin\tmax\ntotal\t10\t61\t{}\t0\t9\n"
    mosdepth_t, mosdepth_t2 = tmp_path / "T.mosdepth.summary.txt", tmp_path / "T_2.summary"
    mosdepth_t.write_text(depth.format(35.0))
    mosdepth_t2.write_text(depth.format(6.15))
    salmon = tmp_path / "T" / "aux_info"
    salmon.mkdir(parents=True)
    (salmon / "meta_info.json").write_text(json.dumps({"percent_mapped": 85.0}))
    samples = {
        "T_2": {"patient": "P1", "type": "tumour"},
        "T": {"patient": "P1", "type": "normal"},
        "R": {"patient": "P1", "type": "rna"},
    }
    files = {
        "T": {
            "fastp": [
                _fastp(tmp_path / "T_2.u1.fastp.json", 1000, 900, 90000, 81000),
                _fastp(tmp_path / "T_2.u2.fastp.json", 1000, 900, 90000, 81000),
            ],
            "stats": str(stats),
            "mosdepth": str(mosdepth_t),
            "salmon": None,
        },
        "T_2": {
            "fastp": [_fastp(tmp_path / "T.u1.fastp.json", 500, 400, 40000, 20000)],
            "stats": None,
            "mosdepth": str(mosdepth_t2),
            "salmon": None,
        },
        "R": {
            "fastp": [_fastp(tmp_path / "R.fastp.json", 10, 10, 1000, 1000)],
            "stats": None,
            "mosdepth": None,
            "salmon": str(tmp_path / "T"),
        },
    }
    rows = summarise_samples(samples, files, THRESHOLDS)
    assert [r["sample"] for r in rows] == ["T_2", "T", "R"]
    t2, t, r = rows
    assert (t["raw_reads"], t["mean_depth"], t["mapping_rate"]) == (2000, 35.0, 0.95)
    assert (t["status"], t["type"]) == ("pass", "normal")
    assert (t2["raw_reads"], t2["q30_rate"], t2["mapping_rate"]) == (500, 0.5, None)
    assert (t2["status"], t2["reasons"]) == ("fail", "fail:mean_depth=6.15<10")
    assert (r["raw_reads"], r["rna_mapping_rate"], r["mean_depth"]) == (10, 0.85, None)
    assert t["rna_mapping_rate"] is None


def test_summarise_samples_sample_without_files():
    rows = summarise_samples({"S": {"patient": "P1", "type": "normal"}}, {}, THRESHOLDS)
    assert [(r["sample"], r["raw_reads"], r["q30_rate"], r["status"]) for r in rows] == [
        ("S", 0, None, "pass")
    ]


@pytest.mark.parametrize("missing", ["summary", "before_filtering"])
def test_read_fastp_malformed(tmp_path, missing):
    path = tmp_path / "bad.json"
    doc = {"summary": {"before_filtering": {"total_reads": 1}}}
    if missing == "summary":
        doc = {}
    else:
        doc["summary"] = {"after_filtering": {}}
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyError):
        read_fastp([str(path)])


def test_gather_qc_tables_keeps_cells_and_sheet_order(tmp_path):
    from icope.core.qc import QC_COLUMNS, gather_qc_tables

    def table(name, rows):
        path = tmp_path / f"{name}.tsv"
        lines = ["\t".join(QC_COLUMNS)]
        for sample, depth in rows:
            cells = dict.fromkeys(QC_COLUMNS, "")
            cells.update(sample=sample, mean_depth=depth)
            lines.append("\t".join(cells[c] for c in QC_COLUMNS))
        path.write_text("\n".join(lines) + "\n")
        return path

    paths = [table("P2", [("T_2", "6.0"), ("N_2", "31")]), table("P1", [("N_1", "0.9996")])]
    gathered = gather_qc_tables(paths, ["N_1", "N_2", "T_2"])
    assert list(gathered["sample"]) == ["N_1", "N_2", "T_2"]
    assert list(gathered["mean_depth"]) == ["0.9996", "31", "6.0"]
    assert list(gathered.columns) == QC_COLUMNS
