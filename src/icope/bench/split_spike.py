"""``icope bench split-spike``: somatic false positives on real reads of one individual.

The shared real HG002 reads (``real_reads_HG002_chr20_b37``: 30x HiSeq 2x148 over a 100 kb
GRCh37 window) are split by read name into two halves of ~15x. The workflow calls half A as
the tumour against half B as the normal: the two halves come from the same cells, so nothing
is somatic and every PASS SNV is a false positive. Then known alleles are spiked into half A
by editing the bases of chosen reads at chosen sites (every other base and every quality is
the sequencer's), and the pair is called again: the spikes' recall, and the false positives
besides them.

Each seed is a different split (and different spikes); the false-positive rate is given per Mb
of *callable* sequence: positions where both halves reach the somatic depth minimums
(``min_tumour_depth``, ``min_normal_depth``) with the calling's mapping and base qualities.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import math
import random
import subprocess
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pysam

from icope.bench.run import base_config, markdown_table, run_workflow, write_section
from icope.core.workflow_dir import find_workflow_dir

DATASET = "real_reads_HG002_chr20_b37"
FASTA = f"{DATASET}/hs37d5_chr20_9999841-10099980.fa"
READS = (f"{DATASET}/HG002_30x_R1.fastq.gz", f"{DATASET}/HG002_30x_R2.fastq.gz")
SECTION = "split_spike"
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


@dataclass(frozen=True)
class SpikeDesign:
    """How many alleles are spiked, at which fractions, and how far apart."""

    count: int = 40
    #: oxoG-style artefacts: C>A / G>T on the reads of one pair orientation (F2R1) only
    artefacts: int = 10
    artefact_fraction: float = 0.6
    vafs: tuple[float, ...] = (0.2, 0.35, 0.5)
    #: no spike within this distance of another spike, of a germline site or of the ends
    spacing: int = 150
    #: positions whose reads show another base above this fraction count as germline
    germline_af: float = 0.15
    #: reads of half A a spike site needs
    min_depth: int = 10


def _half(name: str, seed: int) -> int:
    """0 (half A) or 1 (half B) for a read name: a hash, so both mates go the same way."""
    return zlib.crc32(f"{seed}:{name}".encode()) % 2


def _fastq_records(path: Path):
    with gzip.open(path, "rt") as handle:
        while True:
            lines = [handle.readline() for _ in range(4)]
            if not lines[0]:
                return
            yield lines


def split_reads(r1: Path, r2: Path, outdir: Path, seed: int) -> dict[str, tuple[Path, Path]]:
    """Write halves ``A`` and ``B`` of a read-pair set (by read-name hash); their FASTQ pairs."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {h: (outdir / f"{h}_R1.fastq.gz", outdir / f"{h}_R2.fastq.gz") for h in "AB"}
    with contextlib.ExitStack() as stack:
        handles = {
            h: [stack.enter_context(gzip.open(p, "wt", compresslevel=1)) for p in paths[h]]
            for h in "AB"
        }
        for first, second in zip(_fastq_records(r1), _fastq_records(r2), strict=True):
            name = first[0][1:].split()[0].removesuffix("/1")
            half = "AB"[_half(name, seed)]
            handles[half][0].writelines(first)
            handles[half][1].writelines(second)
    return paths


def _align(fasta: Path, reads: tuple[Path, Path], out_bam: Path, log: Path) -> Path:
    """bwa mem of one half, name-grouped (as bwa writes it) and a sorted, indexed copy."""
    if not Path(f"{fasta}.bwt").exists():
        subprocess.run(["bwa", "index", str(fasta)], check=True, capture_output=True)
    with open(out_bam, "wb") as out, open(log, "w") as err:
        bwa = subprocess.Popen(
            ["bwa", "mem", "-t", "1", str(fasta), *map(str, reads)],
            stdout=subprocess.PIPE,
            stderr=err,
        )
        subprocess.run(["samtools", "view", "-b", "-"], stdin=bwa.stdout, stdout=out, check=True)
        bwa.stdout.close()
        if bwa.wait() != 0:
            raise RuntimeError(f"bwa mem failed, see {log}")
    sorted_bam = out_bam.with_suffix(".sorted.bam")
    pysam.sort("-o", str(sorted_bam), str(out_bam))
    pysam.index(str(sorted_bam))
    return sorted_bam


def _site_bases(column) -> tuple[list[tuple[str, int, bool, bool]], dict[str, int]]:
    """Reads at a pileup column: (template name, query position, is_read1, F1R2), and base
    counts."""
    reads, bases = [], {}
    for read in column.pileups:
        if read.is_del or read.is_refskip or read.query_position is None:
            continue
        alignment = read.alignment
        if alignment.is_supplementary:
            continue
        base = alignment.query_sequence[read.query_position]
        bases[base] = bases.get(base, 0) + 1
        f1r2 = alignment.is_read1 != alignment.is_reverse
        reads.append((alignment.query_name, read.query_position, alignment.is_read1, f1r2))
    return reads, bases


def _germline_positions(bam: Path, design: SpikeDesign) -> set[int]:
    """0-based positions whose reads show a non-reference-like second base (germline)."""
    positions = set()
    with pysam.AlignmentFile(str(bam)) as alignments:
        for column in alignments.pileup(min_base_quality=13, stepper="samtools"):
            _, bases = _site_bases(column)
            depth = sum(bases.values())
            counts = sorted(bases.values(), reverse=True)
            if depth and (len(counts) > 1 and counts[1] / depth > design.germline_af):
                positions.add(column.reference_pos)
    return positions


def choose_spikes(bam: Path, fasta: Path, design: SpikeDesign, seed: int) -> list[dict]:
    """Spike sites, alleles and the reads edited at each: away from germline sites, from
    each other and from the window's ends, with at least ``min_depth`` reads of half A."""
    rng = random.Random(seed)
    germline = _germline_positions(bam, design)
    reference = pysam.FastaFile(str(fasta))
    contig, length = reference.references[0], reference.lengths[0]
    sequence = reference.fetch(contig).upper()
    spikes: list[dict] = []
    taken = sorted(germline)
    kinds = ["somatic"] * design.count + ["artefact"] * design.artefacts
    with pysam.AlignmentFile(str(bam)) as alignments:
        for kind in kinds:
            for _ in range(200):
                pos = rng.randrange(design.spacing, length - design.spacing)
                bases = "CG" if kind == "artefact" else "ACGT"
                if sequence[pos] not in bases or any(abs(pos - t) < design.spacing for t in taken):
                    continue
                spike = _spike_at(alignments, contig, pos, sequence[pos], design, rng, kind)
                if spike is not None:
                    spikes.append(spike)
                    taken.append(pos)
                    break
    return sorted(spikes, key=lambda s: s["pos"])


def _spike_at(alignments, contig, pos, ref, design: SpikeDesign, rng, kind="somatic"):
    """A somatic spike (whole templates, both orientations) or an orientation artefact (an
    oxoG-style C>A / G>T on a share of the F2R1 templates only)."""
    # Every read of the template that covers the site is edited (overlapping mates agree).
    columns = alignments.pileup(
        contig,
        pos,
        pos + 1,
        truncate=True,
        stepper="samtools",
        ignore_overlaps=False,
        min_base_quality=0,
    )
    for column in columns:
        reads, _ = _site_bases(column)
        templates = sorted({read[0] for read in reads})
        if len(templates) < design.min_depth:
            return None
        if kind == "artefact":
            one_orientation = sorted({read[0] for read in reads if not read[3]})
            share = round(design.artefact_fraction * len(one_orientation))
            edited = set(rng.sample(one_orientation, share))
            alt = {"C": "A", "G": "T"}[ref]
        else:
            vaf = rng.choice(design.vafs)
            edited = set(rng.sample(templates, max(1, round(vaf * len(templates)))))
            alt = rng.choice([b for b in "ACGT" if b != ref])
        return {
            "kind": kind,
            "chrom": contig,
            "pos": pos + 1,
            "ref": ref,
            "alt": alt,
            "vaf": round(len(edited) / len(templates), 3),
            "depth": len(templates),
            "edits": [(n, q, r1) for n, q, r1, _ in reads if n in edited],
        }
    return None


def _fastq_entry(read: pysam.AlignedSegment, edits: dict) -> str:
    """A read back in sequencing orientation, with its spiked bases."""
    sequence = list(read.query_sequence)
    for query_position, alt in edits.get((read.query_name, read.is_read1), ()):
        sequence[query_position] = alt
    bases, qualities = "".join(sequence), pysam.qualities_to_qualitystring(read.query_qualities)
    if read.is_reverse:
        bases, qualities = bases.translate(COMPLEMENT)[::-1], qualities[::-1]
    return f"@{read.query_name}\n{bases}\n+\n{qualities}\n"


def write_spiked(bam: Path, spikes: list[dict], outdir: Path) -> tuple[Path, Path]:
    """Half A as FASTQ with the spikes' bases edited (reads as aligned by bwa: name-grouped)."""
    edits: dict[tuple[str, bool], list[tuple[int, str]]] = {}
    for spike in spikes:
        for name, query_position, is_read1 in spike["edits"]:
            edits.setdefault((name, is_read1), []).append((query_position, spike["alt"]))
    paths = (outdir / "A_spiked_R1.fastq.gz", outdir / "A_spiked_R2.fastq.gz")
    with (
        pysam.AlignmentFile(str(bam)) as reads,
        gzip.open(paths[0], "wt", compresslevel=1) as r1,
        gzip.open(paths[1], "wt", compresslevel=1) as r2,
    ):
        for read in reads:
            if read.is_secondary or read.is_supplementary:
                continue
            (r1 if read.is_read1 else r2).write(_fastq_entry(read, edits))
    return paths


def write_truth(spikes: list[dict], path: Path) -> None:
    pd.DataFrame([{k: v for k, v in s.items() if k != "edits"} for s in spikes]).to_csv(
        path, sep="\t", index=False
    )


# --- the workflow runs and their scores ----------------------------------------------------

NULL_TUMOUR, SPIKED_TUMOUR = "HG002_A", "HG002_AS"


def _sheets(run_dir: Path, halves: dict, spiked: tuple[Path, Path]) -> tuple[Path, Path]:
    """Two pairs: half A vs half B (null) and spiked half A vs half B (same reads, own name)."""
    pairs = [
        ("HG002N", "HG002_B", NULL_TUMOUR, halves["A"]),
        ("HG002S", "HG002_BS", SPIKED_TUMOUR, spiked),
    ]
    samples, units = [], []
    for patient, normal, tumour, tumour_reads in pairs:
        for sample, kind, reads in (
            (normal, "normal", halves["B"]),
            (tumour, "tumour", tumour_reads),
        ):
            samples.append(
                {
                    "patient": patient,
                    "sample": sample,
                    "type": kind,
                    "sex": "male",
                    "secondary_findings_consent": "no",
                    "tumour_only": "no",
                }
            )
            units.append(
                {
                    "sample": sample,
                    "unit": "L1",
                    "fq1": str(reads[0]),
                    "fq2": str(reads[1]),
                    "bam": "",
                    "platform": "ILLUMINA",
                    "library": f"{sample}_lib1",
                }
            )
    paths = run_dir / "samples.tsv", run_dir / "units.tsv"
    pd.DataFrame(samples).to_csv(paths[0], sep="\t", index=False)
    pd.DataFrame(units).to_csv(paths[1], sep="\t", index=False)
    return paths


def callable_bp(tumour_bam: Path, normal_bam: Path, config: dict) -> int:
    """Positions where both BAMs reach the somatic depth minimums (calling's MAPQ/BQ cuts)."""
    somatic = config["somatic"]
    depth = subprocess.run(
        [
            "samtools",
            "depth",
            "-a",
            "-Q",
            str(config["alignment"]["min_mapq_for_calling"]),
            "-q",
            str(somatic["min_base_quality"]),
            str(tumour_bam),
            str(normal_bam),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = 0
    for line in depth.splitlines():
        fields = line.split("\t")
        total += (
            int(fields[2]) >= somatic["min_tumour_depth"]
            and int(fields[3]) >= somatic["min_normal_depth"]
        )
    return total


def pass_snvs(vcf: Path) -> list[dict]:
    """PASS SNVs of a somatic VCF with the evidence a reader needs to judge them."""
    rows = []
    with pysam.VariantFile(str(vcf)) as calls:
        for record in calls:
            if list(record.filter) != ["PASS"] or len(record.ref) != 1 or len(record.alts[0]) != 1:
                continue
            info = record.info
            rows.append(
                {
                    "pos": record.pos,
                    "ref": record.ref,
                    "alt": record.alts[0],
                    "tdp": info.get("TDP"),
                    "taf": info.get("TAF"),
                    "naf": info.get("NAF"),
                    "tlod": info.get("TLOD"),
                    "methods": ",".join(info.get("PASS_METHODS", ())),
                }
            )
    return rows


def filters_at(vcf: Path, keys: set[tuple[int, str]]) -> dict[str, str]:
    """FILTER of the calls at the given (pos, alt) keys ("not called" when absent)."""
    found = {}
    with pysam.VariantFile(str(vcf)) as calls:
        for record in calls:
            key = (record.pos, record.alts[0])
            if key in keys:
                found[f"{record.pos}{record.ref}>{record.alts[0]}"] = ";".join(record.filter)
    return found


def score_seed(run_dir: Path, spikes: list[dict], config: dict) -> dict:
    """False-positive PASS SNVs of both calls, per Mb callable, and the spikes' recall."""
    results = run_dir / "results"
    alignment = results / "alignment"
    ext = "cram" if (alignment / f"{NULL_TUMOUR}.cram").exists() else "bam"
    callable_ = callable_bp(
        alignment / f"{NULL_TUMOUR}.{ext}", alignment / f"HG002_B.{ext}", config
    )
    null_calls = pass_snvs(results / "somatic" / f"{NULL_TUMOUR}.vcf.gz")
    spiked_calls = pass_snvs(results / "somatic" / f"{SPIKED_TUMOUR}.vcf.gz")
    somatic = [s for s in spikes if s.get("kind", "somatic") == "somatic"]
    artefacts = {(s["pos"], s["alt"]) for s in spikes if s.get("kind") == "artefact"}
    truth = {(s["pos"], s["alt"]) for s in somatic}
    found = [c for c in spiked_calls if (c["pos"], c["alt"]) in truth]
    artefacts_passed = [c for c in spiked_calls if (c["pos"], c["alt"]) in artefacts]
    extra = [c for c in spiked_calls if (c["pos"], c["alt"]) not in truth | artefacts]
    return {
        "callable_bp": callable_,
        "null_fp": len(null_calls),
        "null_fp_per_mb": round(len(null_calls) / (callable_ / 1e6), 2) if callable_ else None,
        "spiked_fp": len(extra),
        "spikes": len(somatic),
        "spikes_found": len(found),
        "recall": round(len(found) / len(somatic), 3) if somatic else None,
        "artefacts": len(artefacts),
        "artefacts_pass": len(artefacts_passed),
        "artefact_filters": filters_at(results / "somatic" / f"{SPIKED_TUMOUR}.vcf.gz", artefacts),
        "fp_calls": null_calls + extra,
        "missed": [
            {k: v for k, v in s.items() if k != "edits"}
            for s in somatic
            if (s["pos"], s["alt"]) not in {(c["pos"], c["alt"]) for c in found}
        ],
    }


def run_seed(data_dir: Path, workdir: Path, seed: int, design: SpikeDesign, checkout: Path) -> dict:
    """Split, spike, call both pairs and score one seed."""
    run_dir = workdir / f"seed{seed}"
    reads_dir = run_dir / "reads"
    reads_dir.mkdir(parents=True, exist_ok=True)
    fasta = run_dir / "reference.fa"
    if not fasta.exists():
        fasta.write_text((data_dir / FASTA).read_text())
    halves = split_reads(data_dir / READS[0], data_dir / READS[1], reads_dir, seed)
    raw = reads_dir / "A.bwa.bam"
    sorted_bam = _align(fasta, halves["A"], raw, reads_dir / "A.bwa.log")
    spikes = choose_spikes(sorted_bam, fasta, design, seed)
    spiked = write_spiked(raw, spikes, reads_dir)
    write_truth(spikes, run_dir / "spikes.tsv")
    samples, units = _sheets(run_dir, halves, spiked)
    config = base_config(
        data_dir,
        str(data_dir / FASTA),
        samples,
        units,
        "hs37d5_chr20_window",
        workflow_dir=checkout,
    )
    targets = [f"results/somatic/{t}.vcf.gz" for t in (NULL_TUMOUR, SPIKED_TUMOUR)]
    run_workflow(run_dir, config, targets, workflow_dir=checkout)
    return score_seed(run_dir, spikes, config) | {"seed": seed}


def split_spike_benchmark(
    data_dir: Path,
    workdir: Path,
    docs: Path,
    *,
    seeds: Sequence[int] = (1, 2, 3),
    design: SpikeDesign = SpikeDesign(),
    workflow_dir: Path | None = None,
    progress: Callable[[str], object] = print,
) -> tuple[pd.DataFrame, dict]:
    """Every seed; stores the section in docs (table + the false positives' evidence)."""
    checkout = find_workflow_dir(workflow_dir)
    workdir.mkdir(parents=True, exist_ok=True)
    scores = []
    for seed in seeds:
        progress(f"split-spike seed {seed}")
        scores.append(run_seed(data_dir, workdir, seed, design, checkout))
    lists = ("fp_calls", "missed", "artefact_filters")
    table = pd.DataFrame([{k: v for k, v in s.items() if k not in lists} for s in scores])
    total_bp = int(table["callable_bp"].sum())
    info = {
        "command": "icope bench split-spike"
        + (f" --seeds {','.join(map(str, seeds))}" if tuple(seeds) != (1, 2, 3) else ""),
        "design": {
            "count": design.count,
            "vafs": list(design.vafs),
            "artefacts": design.artefacts,
            "artefact_fraction": design.artefact_fraction,
        },
        "total": {
            "callable_bp": total_bp,
            "null_fp": int(table["null_fp"].sum()),
            "null_fp_per_mb": round(table["null_fp"].sum() / (total_bp / 1e6), 2)
            if total_bp
            else None,
            "recall": round(table["spikes_found"].sum() / table["spikes"].sum(), 3),
            "artefacts": int(table["artefacts"].sum()),
            "artefacts_pass": int(table["artefacts_pass"].sum()),
        },
        "artefact_filters": {str(s["seed"]): s["artefact_filters"] for s in scores},
        "fp_calls": {str(s["seed"]): s["fp_calls"] for s in scores},
        "notes": NOTES,
        "missed": {str(s["seed"]): s["missed"] for s in scores},
    }
    write_section(docs, SECTION, table, info)
    (workdir / "split_spike.json").write_text(json.dumps(info, indent=1, default=str))
    return table, info


def poisson_upper(count: int, confidence: float = 0.95) -> float:
    """One-sided upper confidence bound of a Poisson mean after ``count`` events.

    >>> round(poisson_upper(0), 3), round(poisson_upper(2), 2)
    (2.996, 6.3)
    """
    low, high = 0.0, 10.0 + 10 * count
    for _ in range(100):
        mean = (low + high) / 2
        term = cdf = math.exp(-mean)
        for k in range(1, count + 1):
            term *= mean / k
            cdf += term
        low, high = (mean, high) if cdf > 1 - confidence else (low, mean)
    return (low + high) / 2


NOTES = [
    "Every call is the workflow's own (test configuration's thresholds) on reads of one "
    "person: a PASS SNV of the null call is a false positive whatever caused it.",
    "The window is small: with no false positive in the callable bases of all seeds, the rate "
    "is bounded (95 %, Poisson) by the figure after 'at most'; showing < 1 per Mb needs about "
    "3 Mb of such reads with none.",
    "Missed spikes sit at the halves' ~15x: 2-3 alt reads (LowAltReads, LowTLOD), a normal "
    "half below min_normal_depth (GermlineRisk, LowNormalDepth), or a tumour half below "
    "min_tumour_depth; none was lost to OrientationBias, StrandBias or ReadEndBias. One spike "
    "per seed (VAF 0.2-0.5) gave no candidate at all (not reported by either method; not yet "
    "explained).",
]


def section_lines(info: dict, table: pd.DataFrame) -> list[str]:
    """The section of docs/benchmarks.md."""
    total = info["total"]
    fp_lines = [
        f"seed {seed}: {c['ref']}>{c['alt']} at {c['pos']} (tumour depth {c['tdp']}, AF "
        f"{c['taf']}, normal AF {c['naf']}, TLOD {c['tlod']}, passed by {c['methods']})"
        for seed, calls in info["fp_calls"].items()
        for c in calls
    ]
    return [
        "## Real reads: split and spike (HG002)",
        "",
        f"Command: `{info['command']}`. The real HG002 reads of the 100 kb GRCh37 window "
        "(30x HiSeq 2x148) split by read name into halves A and B (~15x each; each seed another "
        "split): A called as the tumour against B as the normal (nothing is somatic), then "
        f"{info['design']['count']} SNVs spiked into A by editing the bases of chosen reads "
        f"(VAF {', '.join(map(str, info['design']['vafs']))}; every other base and every "
        "quality real) and called again. Callable: both halves at the somatic depth minimums.",
        "",
        markdown_table(table, list(table.columns)),
        f"- Together: {total['null_fp']} false-positive PASS SNVs in {total['callable_bp']:,} "
        f"callable bp = {total['null_fp_per_mb']} per Mb (target < 1; at most "
        f"{poisson_upper(total['null_fp']) / (total['callable_bp'] / 1e6):.1f} per Mb at 95 % "
        "confidence); spike recall "
        f"{total['recall']}; oxoG-style artefacts (C>A/G>T on "
        f"{info['design']['artefact_fraction']:.0%} of the F2R1 fragments only) passed: "
        f"{total['artefacts_pass']} of {total['artefacts']}.",
        *[f"- False positive: {line}" for line in fp_lines],
        *[f"- {note}" for note in info.get("notes", [])],
        "",
    ]
