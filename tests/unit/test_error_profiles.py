"""Sequencing error profiles of the read simulator and the error-profile benchmark's scoring."""

from __future__ import annotations

import gzip
import re

import pandas as pd
import pytest

from icope.bench import error_profiles as ep
from icope.bench.reads import _art_command, _dwgsim_command
from icope.bench.sim_model import ERROR_PROFILES, SimulationError, SimulationParams

SETTINGS = ("ref.fa", "out/x", 10.0, 7, 150, 400, 50)


def _option(command, flag):
    return command[command.index(flag) + 1]


def test_default_profile_keeps_the_measured_commands():
    art = _art_command(*SETTINGS, ERROR_PROFILES["default"])
    assert "-qs" not in art and "-qs2" not in art
    dwgsim = _dwgsim_command(*SETTINGS, ERROR_PROFILES["default"])
    assert (_option(dwgsim, "-e"), _option(dwgsim, "-E")) == ("0.001", "0.002")


@pytest.mark.parametrize("name", ["low", "realistic", "high"])
def test_profiles_reach_both_simulators(name):
    profile = ERROR_PROFILES[name]
    art = _art_command(*SETTINGS, profile)
    assert (_option(art, "-qs"), _option(art, "-qs2")) == profile.art_shift
    dwgsim = _dwgsim_command(*SETTINGS, profile)
    assert (_option(dwgsim, "-e"), _option(dwgsim, "-E")) == profile.dwgsim_rates


def test_profiles_order_by_error():
    # a lower ART shift and higher dwgsim rates mean more errors
    mean_rate = {
        name: sum(float(x) for rate in p.dwgsim_rates for x in rate.split("-"))
        for name, p in ERROR_PROFILES.items()
    }
    assert mean_rate["low"] < mean_rate["realistic"] < mean_rate["high"]
    shifts = {name: sum(p.art_shift) for name, p in ERROR_PROFILES.items()}
    assert shifts["low"] > shifts["default"] > shifts["realistic"] > shifts["high"]
    # read-end decay: the realistic and high dwgsim rates rise along the read
    for name in ("realistic", "high"):
        for rate in ERROR_PROFILES[name].dwgsim_rates:
            start, end = map(float, rate.split("-"))
            assert start < end


def test_unknown_profile_is_rejected():
    with pytest.raises(SimulationError, match=re.escape("unknown error profile 'noisy'")):
        SimulationParams("r.fa", "v.vcf", "o", error_profile="noisy")
    assert SimulationParams("r.fa", "v.vcf", "o").as_summary()["error_profile"] == "default"


def test_quality_error_rate(tmp_path):
    fastq = tmp_path / "r.fq.gz"
    with gzip.open(fastq, "wt") as out:
        out.write("@a\nACGT\n+\n" + chr(33 + 20) * 4 + "\n@b\nACGT\n+\n" + chr(33 + 30) * 4 + "\n")
    assert ep.quality_error_rate(fastq) == pytest.approx((0.01 + 0.001) / 2)
    assert ep.quality_error_rate(fastq, max_reads=1) == pytest.approx(0.01)


def test_run_names_and_command():
    assert ep.ProfileRun("realistic", "dwgsim", 2).name == "realistic_dwgsim_2"
    grid = ep.grid_runs((1,))
    assert [r.name for r in grid][:2] == [
        "realistic_dwgsim_1_p0.4_t40x",
        "realistic_dwgsim_1_p0.4_t80x",
    ]
    assert len(grid) == 6 and {(r.design.purity, r.design.tumour_depth) for r in grid} == {
        (p, d) for p in (0.4, 0.6, 0.8) for d in (40, 80)
    }
    # the grid's purity 0.8 runs are not the base design (tumour 60x): all six are new runs
    assert all(r.design != ep.PairDesign() for r in grid)
    assert ep._command(ep.PROFILES, ep.SIMULATORS, (1,)) == "icope bench error-profiles"
    assert ep._command(("high",), ("art",), (1, 2)) == (
        "icope bench error-profiles --profiles high --simulators art --seeds 1,2"
    )


def _row(method, vclass, vaf_bin, tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn)
    return {
        "profile": "high",
        "simulator": "art",
        "seed": 1,
        "purity": 0.8,
        "tumour_depth": 60,
        "method": method,
        "class": vclass,
        "vaf_bin": vaf_bin,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall),
    }


def test_section_has_one_row_per_run_and_method():
    table = pd.DataFrame(
        [
            _row("consensus", "SNV", "all", 150, 3, 50),
            _row("consensus", "SNV", "0.1-0.2", 14, 1, 21),
            _row("consensus", "SNV", ">=0.1", 140, 1, 25),
            _row("pileup", "SNV", "all", 144, 5, 56),
            _row("pileup", "SNV", "0.1-0.2", 14, 3, 21),
            _row("consensus", "INDEL", "all", 30, 0, 10),
            _row("pileup", "INDEL", "all", 29, 2, 11),
        ]
    )
    info = {
        "command": "icope bench error-profiles",
        "profiles": {"high": ERROR_PROFILES["high"].description},
        "read_errors": [{"run": "high_art_1", "r1": 0.0098, "r2": 0.0101}],
        "notes": ["a note"],
    }
    text = "\n".join(ep.section_lines(info, table))
    assert "high_art_1 0.98 / 1.01 %" in text
    assert (
        "| profile | simulator | seed | purity | tumour_depth | method | all | 0.1-0.2 | >=0.1 |"
        in text
    )
    consensus = "| high | art | 1 | 0.8 | 60 | consensus | 0.980 / 0.750 / 0.850 |"
    consensus += " 0.933 / 0.400 / 0.560 |"
    assert consensus + " 0.993 / 0.848 / 0.915 |" in text
    assert (
        "| high | art | 1 | 0.8 | 60 | pileup | 0.966 / 0.720 / 0.825 | 0.824 / 0.400 / 0.538 | - |"
        in text
    )
    assert "| high | art | 1 | 0.8 | 60 | consensus | 1.000 / 0.750 / 0.857 |" in text  # indels
    assert "| high | art | 1 | 0.8 | 60 | pileup | 0.935" not in text  # indels: consensus only
    assert "- a note" in text


def test_cli_rejects_unknown_profiles_and_simulators():
    from click.testing import CliRunner

    from icope.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["bench", "error-profiles", "--profiles", "low,noisy"])
    assert result.exit_code == 2 and "choose from low, realistic, high" in result.output
    result = runner.invoke(main, ["bench", "error-profiles", "--simulators", "wgsim"])
    assert result.exit_code == 2 and "choose from art, dwgsim" in result.output


def _vcf(path, header_lines, records):
    import pysam

    text = "##fileformat=VCFv4.2\n##contig=<ID=chr21,length=1000>\n" + "".join(
        line + "\n" for line in header_lines
    )
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    if any(len(r) > 8 for r in records):
        columns += ["FORMAT", ep.TUMOUR]
    text += "\t".join(columns) + "\n" + "".join("\t".join(r) + "\n" for r in records)
    plain = path.with_suffix("")
    plain.write_text(text)
    pysam.tabix_compress(str(plain), str(path), force=True)


def test_missed_snvs_names_why_each_true_snv_was_missed(tmp_path):
    simulation = tmp_path / "simulation"
    (simulation / "truth").mkdir(parents=True)
    (tmp_path / "results/somatic").mkdir(parents=True)
    (simulation / "truth/confident.bed").write_text("chr21\t0\t900\n")
    info = ['##INFO=<ID=VAF,Number=1,Type=Float,Description="v">']
    truth = [
        ["chr21", str(pos), ".", "A", "T", ".", "PASS", f"VAF={vaf}"]
        for pos, vaf in ((100, 0.3), (200, 0.1), (300, 0.2), (400, 0.15), (500, 0.05), (950, 0.4))
    ]
    _vcf(simulation / "truth/somatic.vcf.gz", info, truth)
    header = [
        '##FILTER=<ID=LowTLOD,Description="x">',
        '##FILTER=<ID=StrandBias,Description="x">',
        '##INFO=<ID=TLOD,Number=1,Type=Float,Description="x">',
        '##INFO=<ID=ERROR,Number=1,Type=Float,Description="x">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="x">',
    ]
    calls = [
        ["chr21", "100", ".", "A", "T", ".", "PASS", "TLOD=20;ERROR=0.001", "AD", "20,9"],
        ["chr21", "200", ".", "A", "T", ".", "LowTLOD", "TLOD=4.2;ERROR=0.003", "AD", "35,3"],
        ["chr21", "300", ".", "A", "T", ".", "StrandBias", "TLOD=15;ERROR=0.002", "AD", "22,8"],
    ]
    _vcf(tmp_path / f"results/somatic/{ep.TUMOUR}.vcf.gz", header, calls)
    missed = ep.missed_snvs(tmp_path, simulation)
    # 500 is below VAF 0.1 and 950 outside the confident regions: neither is counted.
    assert missed["true_snvs"] == 4
    assert missed["missed"] == 3
    assert missed["reasons"] == {"StrandBias": 1, "le3_alt_reads": 1, "no_candidate": 1}
    assert missed["median_alt_reads"] == 5.5
    text = "\n".join(ep.missed_lines([{"run": "r", "missed": missed}]))
    assert "| r | 4 | 3 | 1 | 1 | StrandBias 1 | 5.5 | 9.60 | 0.0025 |" in text
