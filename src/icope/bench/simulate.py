"""Read simulator for the benchmark kit: normal + tumour reads with known germline/somatic truth.

Input: a reference (segment) FASTA, a *phased* germline truth VCF of one real individual and,
optionally, its confident-region BED. Output (``outdir``)::

    reference.fa(.fai)        only when ``region`` cuts the reference (or the input has no .fai)
    truth/germline.vcf.gz     germline truth of the simulated individual (+ spike-ins), normalised
    truth/somatic.vcf.gz      somatic truth: INFO VAF (expected), TYPE, CLONE, CLONE_FRACTION, ...
    truth/confident.bed       confident regions clipped to the region; all somatic truth is inside
    truth/loh.bed             copy-loss (LOH) segments with tumour copy number and expected BAFs
    truth/loh_hets.tsv        germline het alleles in LOH segments with their expected tumour VAF
    reads/<sample>_R1/R2.fastq.gz, samples.tsv, units.tsv, simulation.json

Germline genome
    Haplotype 1 carries the first GT allele, haplotype 2 the second
    (``bcftools consensus -H 1/-H 2`` on a VCF prepared here). Unphased genotypes are sorted so
    that a het's ALT goes to haplotype 1 (``0/1`` -> ``1|0``); haploid ``1`` counts as ``1|1``;
    records with a missing allele (``./.``, ``.|1``), symbolic/breakend/``*`` ALTs, or no
    non-reference allele are dropped. A record whose allele would overlap an allele already
    placed on the same haplotype (bcftools consensus would silently skip it) gets that haplotype
    set to REF; records left ``0|0`` are dropped. Spike-in variants (GT from the VCF's first
    sample, default ``1|0``, i.e. het on haplotype 1) replace any truth record they overlap. The
    truth VCF holds exactly what was applied (each haplotype's length is checked).

Clone design (nested, linear evolution)
    Each target VAF v becomes a clone with cancer-cell fraction f = 2v/purity, the variant on one
    haplotype ("het"); if that exceeds 1 the variant goes on both haplotypes of the clone ("both",
    f = v/purity; capped at f = 1). A clonal clone (f = 1, het) is always present. Clones are nested
    by fraction: C1 (f = 1, founder) contains C2 contains C3 ... The tumour sample is the normal
    cells (1 - purity) plus populations P_i = cells in C_i but not C_(i+1), fraction
    purity * (f_i - f_(i+1)); P_i carries the variants of C1..C_i. Default purity 0.8 and levels
    0.05, 0.1, 0.2, 0.3, 0.4, 0.5 give clones 1, 0.75, 0.625 (the 0.5 level, both haplotypes), 0.5,
    0.25, 0.125. All tumour cells (C1) lose haplotype 2 over the LOH segment(s) (one-copy loss,
    copy number 1). Somatic variants inside a segment are put on haplotype 1 only.
    INFO/VAF is the exact expectation of this mixture:
    sum(cell fraction * mutated copies) / sum(cell fraction * copies), e.g. purity 0.8: clonal het
    0.4 outside LOH, 0.8/1.2 = 0.667 inside; germline het in LOH: 1/(2 - purity) if its ALT is on
    haplotype 1, (1 - purity)/(2 - purity) if on haplotype 2. TARGET_VAF keeps the requested level.

Somatic variants
    SNVs and indels (1-10 bp, insertions and deletions alternating) at seeded random positions in
    the confident regions, never on N, at least ``min_distance`` (200) bp from each other, from
    germline variants and from LOH boundaries, and ``fragment_mean + 3 sd`` from contig ends.
    Indels are chosen so that they cannot be shifted left or right (so normalisation is a no-op
    and the truth is unambiguous).

Reads
    One haplotype sequence per cell population and haplotype; art_illumina (default, HS25 profile
    up to 150 bp, MSv3 above) or dwgsim (``-r 0``: no own mutations) at fold coverage
    depth * population fraction / 2. The LOH deletion is cut out of haplotype 2, so copy loss lowers
    coverage by itself. Read names are ``<population>h<hap>_<contig>-<n>`` (unique per sample).
    ``error_profile`` sets the sequencing error (:data:`~icope.bench.sim_model.ERROR_PROFILES`:
    ``default`` as measured by the germline and somatic benchmarks, ``low`` ~0.1 %,
    ``realistic`` 0.2-0.5 % rising along the read, ``high`` ~1 %): ART's qualities are shifted
    (``-qs``/``-qs2``), dwgsim's per-read error rates set (``-e``/``-E``, as ranges).
    Per-call seeds derive from ``seed``; the same seed gives identical truth (and, with ART,
    identical reads).

Entry points: ``run_simulation(SimulationParams(reference, truth, outdir, ...))`` or its keyword
form ``simulate(reference, truth, outdir, ...)``; :func:`run_simulation` calls the steps in this
order: reference and germline truth (:mod:`~icope.bench.haplotypes`), LOH segments, tumour design
and somatic placement (:mod:`~icope.bench.tumour`), truth files (:mod:`~icope.bench.truth_vcf`),
haplotypes (:mod:`~icope.bench.haplotypes`), reads (:mod:`~icope.bench.reads`), then the sheets
and the summary (here). Parameters, error and records: :mod:`~icope.bench.sim_model`.

Regions: only ``contig`` or ``contig:1-END`` (start 1) are supported, so coordinates stay unchanged;
truth records must lie wholly inside. LOH segments are given 1-based inclusive
(``chr21:400001-500000``); segment ends are widened when a germline variant straddles them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pysam

from icope.bench.haplotypes import (
    build_haplotypes,
    confident_regions,
    germline_truth,
    prepare_reference,
)
from icope.bench.reads import Reads, simulate_reads
from icope.bench.sim_model import (
    Dirs,
    Genome,
    GermlineTruth,
    SimulationParams,
    SomaticVariant,
    Tumour,
)
from icope.bench.truth_vcf import TruthCounts, write_truth
from icope.bench.tumour import design_tumour, loh_segments
from icope.core.sheets import SAMPLE_COLUMNS, UNIT_COLUMNS


def tool_versions() -> dict[str, str]:
    versions = {}
    probes = {
        "bcftools": (["bcftools", "--version"], r"bcftools (\S+)"),
        "art_illumina": (["art_illumina"], r"Version (\S+)"),
        "dwgsim": (["dwgsim"], r"Version: (\S+)"),
        "samtools": (["samtools", "--version"], r"samtools (\S+)"),
    }
    for tool, (cmd, pattern) in probes.items():
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=20)
            m = re.search(pattern, res.stdout + res.stderr)
            versions[tool] = m.group(1) if m else "unknown"
        except (OSError, subprocess.TimeoutExpired):
            versions[tool] = "not found"
    versions["pysam"] = pysam.__version__
    return versions


# ----------------------------------------------------------------------------- main entry


def run_simulation(params: SimulationParams) -> dict:
    """Simulate a normal/tumour pair with truth; returns the summary written to simulation.json."""
    t0 = time.monotonic()
    dirs = Dirs.create(params.outdir)
    genome = prepare_reference(params)
    germline = germline_truth(params, genome)
    confident = confident_regions(params.confident_bed, genome.lengths)
    with open(dirs.truth / "confident.bed", "w") as out:
        out.writelines(f"{c}\t{s}\t{e}\n" for c, s, e in confident)
    segments = loh_segments(params.loh, genome.lengths, germline.records)
    tumour = design_tumour(params, genome, confident, germline.records, segments)
    truth = write_truth(params, genome, germline.records, tumour, dirs)
    hap_dir = dirs.work / "haplotypes"
    hap_dir.mkdir(exist_ok=True)
    build_haplotypes(params, genome, germline.records, tumour, hap_dir)
    reads = simulate_reads(params, tumour.pops, hap_dir, dirs) if params.reads else Reads([], {})
    _write_sheets(params, dirs.reads)
    if not params.keep_intermediate:
        shutil.rmtree(dirs.work)
    summary = _summary(params, genome, germline, tumour, truth, reads)
    summary["elapsed_seconds"] = round(time.monotonic() - t0, 1)
    (params.outdir / "simulation.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _write_sheets(params: SimulationParams, reads_dir: Path) -> None:
    """samples.tsv and units.tsv of the pair (one unit each, absolute FASTQ paths)."""
    normal, tumour = params.normal_name, params.tumour_name
    with open(params.outdir / "samples.tsv", "w") as out:
        out.write("\t".join(SAMPLE_COLUMNS) + "\n")
        out.write(f"{params.patient}\t{normal}\tnormal\tunknown\tno\tno\n")
        out.write(f"{params.patient}\t{tumour}\ttumour\tunknown\tno\tno\n")
    with open(params.outdir / "units.tsv", "w") as out:
        out.write("\t".join(UNIT_COLUMNS) + "\n")
        for sample in (normal, tumour):
            fq1 = (reads_dir / f"{sample}_R1.fastq.gz").resolve()
            fq2 = (reads_dir / f"{sample}_R2.fastq.gz").resolve()
            out.write(f"{sample}\tSIM1\t{fq1}\t{fq2}\t\tILLUMINA\t{sample}_lib1\n")


def _summary(
    params: SimulationParams,
    genome: Genome,
    germline: GermlineTruth,
    tumour: Tumour,
    truth: TruthCounts,
    reads: Reads,
) -> dict:
    """simulation.json without the elapsed time (added by the caller)."""
    return {
        "parameters": params.as_summary(),
        "reference_used": str(Path(genome.path).resolve()),
        "contigs": genome.lengths,
        "samples": {"normal": params.normal_name, "tumour": params.tumour_name},
        "tool_versions": tool_versions(),
        "counts": _summary_counts(germline, tumour.somatic, truth, reads),
        "clone_design": {
            "description": "nested clones C1 > C2 > ...; population P_i = cells in C_i not in "
            "C_(i+1); all tumour cells lose haplotype 2 in the LOH segments",
            "clones": [asdict(c) for c in tumour.clones],
            "vaf_plan": tumour.plan,
            "tumour_populations": [asdict(p) for p in tumour.pops],
        },
        "loh": [
            {
                "contig": s.contig,
                "start0": s.start0,
                "end0": s.end0,
                "copy_number": 1,
                "lost_haplotype": 2,
                "tumour_baf_alt_on_kept_hap": truth.baf_kept,
                "tumour_baf_alt_on_lost_hap": truth.baf_lost,
            }
            for s in tumour.segments
        ],
        "read_jobs": [job._asdict() for job in reads.jobs],
    }


def _summary_counts(
    germline: GermlineTruth, somatic: list[SomaticVariant], truth: TruthCounts, reads: Reads
) -> dict:
    return {
        "germline_input_records_used": germline.n_input,
        "germline_truth_records": truth.n_germline,
        "spike_ins": germline.n_spike_ins,
        "germline_skipped": germline.skipped,
        "somatic": truth.n_somatic,
        "somatic_by_type": {t: sum(v.type == t for v in somatic) for t in ("SNV", "INS", "DEL")},
        "somatic_clonal": sum(v.clone_fraction == 1.0 for v in somatic),
        "somatic_subclonal": sum(v.clone_fraction < 1.0 for v in somatic),
        "somatic_in_loh": sum(v.in_loh for v in somatic),
        "loh_germline_het_alleles": truth.n_loh_hets,
        "read_pairs": reads.pairs,
    }


def simulate(
    reference: str | Path, germline_vcf: str | Path, outdir: str | Path, **options
) -> dict:
    """Keyword form: :func:`run_simulation` of ``SimulationParams(reference, ..., **options)``."""
    return run_simulation(SimulationParams(reference, germline_vcf, outdir, **options))
