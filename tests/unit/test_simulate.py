"""Tests for icope.bench.simulate: haplotypes, somatic placement, clone VAFs, LOH, sheets, reads."""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
import re
from pathlib import Path

import pysam
import pytest
from click.testing import CliRunner

from icope.bench.haplotypes import read_fasta
from icope.bench.sim_model import (
    DEFAULT_VAF_LEVELS,
    MIN_DISTANCE,
    LohSegment,
    SimulationError,
    SimulationParams,
)
from icope.bench.simulate import run_simulation, simulate
from icope.bench.tumour import design_clones, expected_vaf, loh_segments, tumour_populations
from icope.cli import simulate_command
from icope.core.sheets import load_sample_sheet

LENGTH = 20_000
CONTIG = "chr1"
CONFIDENT = [(500, 9_000), (9_500, 19_500)]


def _seq() -> str:
    rng = random.Random(42)
    seq = [rng.choice("ACGT") for _ in range(LENGTH)]
    seq[300:400] = "N" * 100  # outside the confident regions
    seq[12_000:12_040] = "N" * 40  # inside: never a somatic site
    return "".join(seq)


# (pos 1-based, ref-length, alt, GT): ref is read from the sequence
GERMLINE = [
    (1_000, 1, "snv", "1|0"),
    (2_000, 1, "snv", "0|1"),
    (3_000, 1, "snv", "1|1"),
    (4_000, 1, "ins", "0|1"),
    (5_000, 4, "del", "1|0"),
    (6_000, 1, "multi", "1|2"),
    (7_000, 1, "snv", "0/1"),  # unphased: ALT goes to hap 1
    (8_000, 1, "snv", "./."),  # missing: dropped
    (9_800, 1, "snv", "0|1"),  # inside the default LOH segment (9001-11000)
    (10_200, 1, "snv", "1|0"),  # inside the default LOH segment
    (15_000, 1, "snv", "1|1"),
]


def _other(base: str, k: int = 1) -> str:
    bases = [b for b in "ACGT" if b != base]
    return bases[k - 1]


def _germline_rows(seq: str) -> list[tuple[int, str, str, str]]:
    rows = []
    for pos, rlen, kind, gt in GERMLINE:
        ref = seq[pos - 1 : pos - 1 + rlen]
        if kind == "snv":
            alt = _other(ref[0])
        elif kind == "ins":
            alt = ref + "GAT"
        elif kind == "del":
            alt = ref[0]
        else:
            alt = f"{_other(ref, 1)},{_other(ref, 2)}"
        rows.append((pos, ref, alt, gt))
    return rows


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("inputs")
    seq = _seq()
    fasta = d / "ref.fa"
    fasta.write_text(f">{CONTIG}\n" + "\n".join(seq[i : i + 60] for i in range(0, LENGTH, 60)))
    pysam.faidx(str(fasta))
    rows = _germline_rows(seq)
    lines = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID={CONTIG},length={LENGTH}>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA12878",
    ]
    lines += [f"{CONTIG}\t{p}\t.\t{r}\t{a}\t0\tPASS\t.\tGT\t{gt}" for p, r, a, gt in rows]
    vcf = d / "truth.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    vcf_gz = Path(pysam.tabix_index(str(vcf), preset="vcf", force=True))
    bed = d / "conf.bed"
    bed.write_text("".join(f"{CONTIG}\t{s}\t{e}\n" for s, e in CONFIDENT))
    return {"fasta": fasta, "vcf": vcf_gz, "bed": bed, "seq": seq, "rows": rows, "dir": d}


def _run(inputs, outdir: Path, **kwargs) -> dict:
    params = dict(
        confident_bed=inputs["bed"],
        n_somatic_snv=12,
        n_somatic_indel=4,
        reads=False,
        normal_depth=5,
        tumour_depth=10,
    )
    params.update(kwargs)
    return simulate(inputs["fasta"], inputs["vcf"], outdir, **params)


@pytest.fixture(scope="module")
def truth_run(inputs, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sim")
    return out, _run(inputs, out, keep_intermediate=True)


def _somatic(outdir: Path) -> list:
    with pysam.VariantFile(str(outdir / "truth/somatic.vcf.gz")) as vcf:
        return list(vcf)


def _vcf_body(path: Path) -> list[str]:
    with gzip.open(path, "rt") as handle:
        return [line for line in handle if not line.startswith("##")]


def test_haplotypes_carry_the_phased_alleles(inputs, truth_run):
    out, _ = truth_run
    hap = {h: read_fasta(out / f"work/haplotypes/Nh{h}.fa")[f"Nh{h}_{CONTIG}"] for h in (1, 2)}
    seq = inputs["seq"]
    for pos, ref, alt, gt in inputs["rows"]:
        if "." in gt:
            continue
        alts = alt.split(",")
        alleles = [int(x) for x in gt.replace("/", "|").split("|")]
        if "/" in gt:
            alleles = sorted(alleles, reverse=True)
        for h in (1, 2):
            allele = ref if alleles[h - 1] == 0 else alts[alleles[h - 1] - 1]
            left, right = seq[pos - 21 : pos - 1], seq[pos - 1 + len(ref) : pos - 1 + len(ref) + 20]
            assert left + allele + right in hap[h], (pos, gt, h)
    # germline truth: missing GT dropped, unphased made 1|0, sample renamed
    with pysam.VariantFile(str(out / "truth/germline.vcf.gz")) as vcf:
        assert list(vcf.header.samples) == ["SIM1_N"]
        gts = {r.pos: r.samples[0]["GT"] for r in vcf}
    assert 8_000 not in gts
    assert gts[7_000] == (1, 0)
    assert gts[6_000] == (1, 2)
    assert len(gts) == len(GERMLINE) - 1


def test_somatic_spacing_confident_and_ref(inputs, truth_run):
    out, summary = truth_run
    records = _somatic(out)
    seq = inputs["seq"]
    assert len(records) == 16
    types = {r.info["TYPE"] for r in records}
    assert types == {"SNV", "INS", "DEL"}
    germ = [(p - 1, p - 1 + len(r)) for p, r, _, gt in inputs["rows"]]
    spans = sorted((r.start, r.stop) for r in records)
    for (_s1, e1), (s2, _) in zip(spans, spans[1:], strict=False):
        assert s2 - e1 >= 200
    for r in records:
        assert seq[r.start : r.stop] == r.ref and "N" not in r.ref
        assert any(s <= r.start and r.stop <= e for s, e in CONFIDENT)
        assert all(r.stop + 200 <= gs or ge + 200 <= r.start for gs, ge in germ)
        if r.info["TYPE"] != "SNV":
            assert 1 <= abs(len(r.alts[0]) - len(r.ref)) <= 10
    assert summary["counts"]["somatic_clonal"] > 0
    assert summary["counts"]["somatic_subclonal"] > 0


def test_expected_vafs_follow_the_clone_design(truth_run):
    out, summary = truth_run
    purity = 0.8
    clones, _ = design_clones(purity, (0.05, 0.1, 0.2, 0.3, 0.4, 0.5))
    assert [c.fraction for c in clones] == [1.0, 0.75, 0.625, 0.5, 0.25, 0.125]
    pops = tumour_populations(purity, clones)
    assert sum(p.fraction for p in pops) == pytest.approx(1.0)
    assert expected_vaf(pops, 1, (1,), False) == pytest.approx(0.4)
    assert expected_vaf(pops, 1, (2,), True) == pytest.approx(0.0)
    assert expected_vaf(pops, 1, (1,), True) == pytest.approx(0.8 / 1.2)
    assert expected_vaf(pops, 3, (1, 2), False) == pytest.approx(0.5)
    assert expected_vaf(pops, 6, (1,), False) == pytest.approx(0.05)
    for r in _somatic(out):
        ccf, in_loh = r.info["CLONE_FRACTION"], "LOH" in r.info
        mutated = len(r.info["HAPLOTYPE"].split("+"))
        copies = 1 if in_loh else 2
        want = purity * ccf * min(mutated, copies) / (2 * (1 - purity) + purity * copies)
        assert r.info["VAF"] == pytest.approx(want, abs=1e-5)
        if not in_loh:
            assert r.info["VAF"] == pytest.approx(r.info["TARGET_VAF"], abs=1e-5)
        if ccf == 1.0 and not in_loh and mutated == 1:
            assert r.info["VAF"] == pytest.approx(0.4)


def test_loh_segment_and_no_somatic_on_lost_haplotype(inputs, tmp_path):
    # more variants so that some fall into the LOH segment
    summary = _run(inputs, tmp_path, n_somatic_snv=30, n_somatic_indel=6, min_distance=50)
    lines = (tmp_path / "truth/loh.bed").read_text().splitlines()
    assert lines[0].startswith("#chrom\tstart\tend\ttype\tcopy_number")
    chrom, start, end, kind, cn, lost, baf_kept, baf_lost = lines[1].split("\t")
    assert (chrom, int(start), int(end), cn, lost) == (CONTIG, 9_000, 11_000, "1", "2")
    assert float(baf_kept) == pytest.approx(1 / 1.2, abs=1e-5)
    assert float(baf_lost) == pytest.approx(0.2 / 1.2, abs=1e-5)
    in_loh = [r for r in _somatic(tmp_path) if "LOH" in r.info]
    assert in_loh and summary["counts"]["somatic_in_loh"] == len(in_loh)
    for r in in_loh:
        assert r.start >= 9_000 and r.stop <= 11_000
        assert r.info["HAPLOTYPE"] == "1"
    hets = (tmp_path / "truth/loh_hets.tsv").read_text().splitlines()[1:]
    got = {int(h.split("\t")[1]): float(h.split("\t")[-1]) for h in hets}
    assert got == pytest.approx({9_800: 0.2 / 1.2, 10_200: 1 / 1.2}, abs=1e-5)


def test_lost_haplotype_is_deleted_in_tumour_cells(inputs, truth_run):
    out, _ = truth_run
    seq = inputs["seq"]
    p1h2 = read_fasta(out / "work/haplotypes/P1h2.fa")[f"P1h2_{CONTIG}"]
    nh2 = read_fasta(out / "work/haplotypes/Nh2.fa")[f"Nh2_{CONTIG}"]
    assert len(nh2) - len(p1h2) == 2_000
    junction = seq[8_980:9_000] + seq[11_000:11_020]
    assert junction in p1h2 and junction not in nh2


def test_sheets_load(truth_run):
    out, _ = truth_run
    for name in ("SIM1_N", "SIM1_T"):  # reads=False writes no FASTQs: create empty ones
        for mate in (1, 2):
            (out / "reads" / f"{name}_R{mate}.fastq.gz").touch()
    sheet = load_sample_sheet(out / "samples.tsv", out / "units.tsv", out)
    assert set(sheet.samples) == {"SIM1_N", "SIM1_T"}
    pairs = sheet.tumour_normal_pairs()
    assert [(t.sample, n.sample) for t, n in pairs] == [("SIM1_T", "SIM1_N")]
    assert all(u.fq1.is_absolute() and u.platform == "ILLUMINA" for u in sheet.units)


def test_same_seed_same_truth(inputs, tmp_path):
    a = _run(inputs, tmp_path / "a", seed=7)
    b = _run(inputs, tmp_path / "b", seed=7)
    _run(inputs, tmp_path / "c", seed=8)
    for name in ("somatic.vcf.gz", "germline.vcf.gz"):
        assert _vcf_body(tmp_path / "a/truth" / name) == _vcf_body(tmp_path / "b/truth" / name)
    assert _vcf_body(tmp_path / "a/truth/somatic.vcf.gz") != _vcf_body(
        tmp_path / "c/truth/somatic.vcf.gz"
    )
    assert a["clone_design"] == b["clone_design"]
    assert not (tmp_path / "a/work").exists()


def test_region_cut_and_spike_in(inputs, tmp_path):
    seq = inputs["seq"]
    spike = inputs["dir"] / "spike.vcf"
    pos = 2_500
    spike.write_text(
        "##fileformat=VCFv4.2\n"
        f"##contig=<ID={CONTIG},length={LENGTH}>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"{CONTIG}\t{pos}\tpath1\t{seq[pos - 1]}\t{_other(seq[pos - 1])}\t.\tPASS\t.\n"
    )
    summary = _run(
        inputs,
        tmp_path,
        region=f"{CONTIG}:1-12000",
        spike_in_vcf=spike,
        n_somatic_snv=5,
        n_somatic_indel=2,
        keep_intermediate=True,
    )
    assert read_fasta(tmp_path / "reference.fa") == {CONTIG: seq[:12_000]}
    assert (tmp_path / "reference.fa.fai").is_file()
    with pysam.VariantFile(str(tmp_path / "truth/germline.vcf.gz")) as vcf:
        recs = {r.pos: r for r in vcf}
    assert max(recs) <= 12_000 and 15_000 not in recs
    assert recs[pos].samples[0]["GT"] == (1, 0) and "SPIKE_IN" in recs[pos].info
    assert summary["counts"]["spike_ins"] == 1
    hap1 = read_fasta(tmp_path / "work/haplotypes/Nh1.fa")[f"Nh1_{CONTIG}"]
    assert seq[pos - 21 : pos - 1] + _other(seq[pos - 1]) + seq[pos : pos + 20] in hap1
    bed = (tmp_path / "truth/confident.bed").read_text().split()
    assert bed[-1] == "12000"
    with pytest.raises(SimulationError, match="starting at position 1"):
        _run(inputs, tmp_path / "bad", region=f"{CONTIG}:100-1000")


# --------------------------------------------------------------------------- parameters


def test_params_defaults_and_paths():
    params = SimulationParams("ref.fa", "truth.vcf.gz", "out")
    assert (params.reference, params.germline_vcf, params.outdir) == (
        Path("ref.fa"),
        Path("truth.vcf.gz"),
        Path("out"),
    )
    assert (params.normal_depth, params.tumour_depth, params.purity) == (30, 60, 0.8)
    assert (params.n_somatic_snv, params.n_somatic_indel) == (200, 40)
    assert params.vaf_levels == DEFAULT_VAF_LEVELS
    assert (params.read_length, params.fragment_mean, params.fragment_sd) == (150, 400, 50)
    assert (params.seed, params.simulator, params.patient, params.threads) == (1, "art", "SIM1", 2)
    assert params.min_distance == MIN_DISTANCE
    assert params.region is params.confident_bed is params.spike_in_vcf is params.loh is None
    assert params.reads is True and params.keep_intermediate is False
    assert (params.normal_name, params.tumour_name) == ("SIM1_N", "SIM1_T")
    # optional inputs stay as given (their text appears in messages)
    assert SimulationParams("r", "v", "o", spike_in_vcf="./s.vcf").spike_in_vcf == "./s.vcf"


def test_params_are_frozen():
    params = SimulationParams("ref.fa", "truth.vcf.gz", "out")
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.seed = 2
    assert dataclasses.replace(params, seed=2).seed == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"patient": "a b"}, "patient 'a b': only letters, digits, '_' and '-'"),
        ({"patient": "x/y"}, "patient 'x/y': only letters"),
        ({"simulator": "wgsim"}, "unknown simulator 'wgsim' (art or dwgsim)"),
    ],
)
def test_params_validation(options, message, tmp_path):
    with pytest.raises(SimulationError, match=re.escape(message)):
        SimulationParams("ref.fa", "truth.vcf.gz", tmp_path / "out", **options)
    with pytest.raises(SimulationError, match=re.escape(message)):
        simulate("ref.fa", "truth.vcf.gz", tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()  # rejected before anything is written


def test_params_unknown_option():
    with pytest.raises(TypeError, match="n_snv"):
        simulate("ref.fa", "truth.vcf.gz", "out", n_snv=3)


def test_params_summary(tmp_path):
    bed = tmp_path / "conf.bed"
    params = SimulationParams(tmp_path / "r.fa", "v.vcf", "o", confident_bed=bed, loh=["c:1-5"])
    summary = params.as_summary()
    assert list(summary)[:6] == [
        "reference",
        "germline_vcf",
        "confident_bed",
        "spike_in_vcf",
        "outdir",
        "region",
    ]
    assert "keep_intermediate" not in summary
    assert summary["reference"] == str((tmp_path / "r.fa").resolve())
    assert summary["outdir"] == str(Path("o").resolve())
    assert summary["confident_bed"] == str(bed.resolve()) and summary["spike_in_vcf"] is None
    assert summary["loh"] == "['c:1-5']" and summary["vaf_levels"] == list(DEFAULT_VAF_LEVELS)
    assert SimulationParams("r", "v", "o", confident_bed="").as_summary()["confident_bed"] is None


def test_cli_defaults_are_the_params_defaults():
    defaults = {f.name: f.default for f in dataclasses.fields(SimulationParams)}
    cli = {p.name: p.default for p in simulate_command.params}
    assert set(cli) - {"no_reads", "vaf_levels", "loh"} <= set(defaults)
    for name in ("purity", "n_somatic_snv", "n_somatic_indel", "read_length", "seed", "threads"):
        assert cli[name] == defaults[name], name
    assert cli["simulator"] == defaults["simulator"] and cli["patient"] == defaults["patient"]
    assert cli["normal_depth"] == defaults["normal_depth"] == 30.0
    assert cli["vaf_levels"] == ",".join(map(str, defaults["vaf_levels"]))


def test_run_simulation_takes_params(inputs, tmp_path):
    params = SimulationParams(
        inputs["fasta"],
        inputs["vcf"],
        tmp_path / "a",
        confident_bed=inputs["bed"],
        n_somatic_snv=4,
        n_somatic_indel=2,
        reads=False,
    )
    summary = run_simulation(params)
    keyword = simulate(
        inputs["fasta"],
        inputs["vcf"],
        tmp_path / "b",
        confident_bed=inputs["bed"],
        n_somatic_snv=4,
        n_somatic_indel=2,
        reads=False,
    )
    assert summary["parameters"] == dict(params.as_summary())
    for name in ("germline.vcf.gz", "somatic.vcf.gz"):
        assert _vcf_body(tmp_path / "a" / "truth" / name) == _vcf_body(
            tmp_path / "b" / "truth" / name
        )
    assert summary["counts"] == keyword["counts"]


def test_loh_segments_forms_and_errors():
    lengths = {"c1": 10_000, "c2": 5_000}
    default = loh_segments(None, lengths, [])
    assert default == [LohSegment("c1", 4_500, 5_500)]
    assert loh_segments(False, lengths, []) == loh_segments("None", lengths, []) == []
    both = loh_segments(["c2:101-200", ("c1", 1001, 2000)], lengths, [])
    assert both == [LohSegment("c1", 1000, 2000), LohSegment("c2", 100, 200)]
    with pytest.raises(SimulationError, match="overlap or touch"):
        loh_segments(["c1:101-200", "c1:150-300"], lengths, [])
    with pytest.raises(SimulationError, match="outside the reference/region"):
        loh_segments("c3:101-200", lengths, [])


def test_cli_no_reads(inputs, tmp_path):
    result = CliRunner().invoke(
        simulate_command,
        [
            "--reference",
            str(inputs["fasta"]),
            "--truth",
            str(inputs["vcf"]),
            "--confident-bed",
            str(inputs["bed"]),
            "--outdir",
            str(tmp_path),
            "--somatic-snvs",
            "10",
            "--somatic-indels",
            "2",
            "--loh",
            f"{CONTIG}:14001-15500",
            "--no-reads",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "somatic truth: 12" in result.output
    summary = json.loads((tmp_path / "simulation.json").read_text())
    assert summary["loh"][0]["start0"] == 14_000
    # the germline SNV at 15000 (1|1) is inside: a hom site, not in loh_hets
    assert len((tmp_path / "truth/loh_hets.tsv").read_text().splitlines()) == 1


def _kmer_hits(path: Path, kmers: set[str]) -> dict[str, int]:
    hits = dict.fromkeys(kmers, 0)
    with gzip.open(path, "rt") as handle:
        for i, line in enumerate(handle):
            if i % 4 == 1:
                for k in kmers:
                    if k in line:
                        hits[k] += 1
    return hits


def _revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


@pytest.mark.parametrize("simulator", ["art", "dwgsim"])
def test_reads(inputs, tmp_path, simulator):
    summary = _run(
        inputs, tmp_path, reads=True, simulator=simulator, normal_depth=10, tumour_depth=20
    )
    n_path, t_path = (tmp_path / f"reads/SIM1_{s}_R1.fastq.gz" for s in "NT")
    counts = summary["counts"]["read_pairs"]
    for sample, depth in (("SIM1_N", 10), ("SIM1_T", 20)):
        expected = depth * LENGTH / (2 * 150)
        assert abs(counts[sample] - expected) / expected < 0.15, (sample, counts[sample])
        for mate in (1, 2):
            names = set()
            with gzip.open(tmp_path / f"reads/{sample}_R{mate}.fastq.gz", "rt") as fq:
                for i, line in enumerate(fq):
                    if i % 4 == 0:
                        names.add(line.split()[0])
            assert len(names) == counts[sample]
    seq = inputs["seq"]
    clonal = [
        r for r in _somatic(tmp_path) if r.info["TYPE"] == "SNV" and r.info["CLONE_FRACTION"] == 1.0
    ]
    assert clonal
    kmers = {}
    for r in clonal:
        k = seq[r.start - 10 : r.start] + r.alts[0] + seq[r.stop : r.stop + 10]
        kmers[k] = _revcomp(k)
    all_kmers = set(kmers) | set(kmers.values())
    t_hits = _kmer_hits(t_path, all_kmers) | {}
    t_hits2 = _kmer_hits(tmp_path / "reads/SIM1_T_R2.fastq.gz", all_kmers)
    n_hits = _kmer_hits(n_path, all_kmers)
    seen = [t_hits[k] + t_hits[rc] + t_hits2[k] + t_hits2[rc] > 0 for k, rc in kmers.items()]
    assert sum(seen) >= 0.8 * len(seen)
    assert sum(n_hits.values()) == 0
    assert not (tmp_path / "work").exists()


def test_same_seed_same_reads(inputs, tmp_path):
    for name in ("a", "b"):
        _run(inputs, tmp_path / name, reads=True, normal_depth=2, tumour_depth=4, seed=3)
    for fq in ("SIM1_N_R1", "SIM1_T_R2"):
        a = (tmp_path / f"a/reads/{fq}.fastq.gz").read_bytes()
        assert a == (tmp_path / f"b/reads/{fq}.fastq.gz").read_bytes()
