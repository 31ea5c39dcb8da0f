"""Germline side of the simulator: FASTA/BED/region helpers, loading the phased germline truth
(genotypes, overlap resolution, spike-ins), the reference and germline steps, and building each
population's haplotype FASTAs with ``bcftools consensus`` (lengths checked).

See "Germline genome" in :mod:`icope.bench.simulate` for the rules.
"""

from __future__ import annotations

import gzip
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pysam

from icope.bench.sim_model import (
    Genome,
    GermlineRecord,
    GermlineTruth,
    Population,
    SimulationError,
    SimulationParams,
    Tumour,
    run_tool,
)
from icope.bench.truth_vcf import population_vcf

# ----------------------------------------------------------------------------- FASTA, BED, regions


def read_fasta(path: str | Path) -> dict[str, str]:
    """All records of a (possibly gzipped) FASTA, upper-cased, name = first word of the header."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    seqs: dict[str, list[str]] = {}
    name = None
    with opener(path, "rt") as handle:
        for line in handle:
            if line.startswith(">"):
                name = line[1:].split()[0]
                seqs[name] = []
            elif name is not None:
                seqs[name].append(line.strip())
    return {k: "".join(v).upper() for k, v in seqs.items()}


def write_fasta(seqs: dict[str, str], path: Path, width: int = 60) -> None:
    with open(path, "w") as out:
        for name, seq in seqs.items():
            out.write(f">{name}\n")
            for i in range(0, len(seq), width):
                out.write(seq[i : i + width] + "\n")


def parse_region(region: str, lengths: dict[str, int]) -> tuple[str, int]:
    """``contig`` or ``contig:1-END`` -> (contig, END). Only regions starting at 1 are supported."""
    m = re.fullmatch(r"([^:\s]+)(?::([\d,]+)-([\d,]+))?", region.strip())
    if not m:
        raise SimulationError(f"region {region!r}: expected CONTIG or CONTIG:1-END")
    contig = m.group(1)
    if contig not in lengths:
        raise SimulationError(f"region {region!r}: contig {contig!r} is not in the reference")
    if m.group(2) is None:
        return contig, lengths[contig]
    start, end = int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))
    if start != 1:
        raise SimulationError(
            f"region {region!r}: only regions starting at position 1 are supported "
            "(coordinates stay those of the reference)"
        )
    if not 1 <= end <= lengths[contig]:
        raise SimulationError(f"region {region!r}: end outside 1-{lengths[contig]}")
    return contig, end


def read_bed(path: str | Path) -> list[tuple[str, int, int]]:
    out = []
    with open(path) as handle:
        for line in handle:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            f = line.split("\t")
            out.append((f[0], int(f[1]), int(f[2])))
    return out


def merge_intervals(intervals, lengths: dict[str, int]) -> list[tuple[str, int, int]]:
    """Clip to the contigs and merge overlapping/adjacent intervals, in reference order."""
    order = {c: i for i, c in enumerate(lengths)}
    clipped = sorted(
        ((c, max(0, s), min(e, lengths[c])) for c, s, e in intervals if c in lengths),
        key=lambda x: (order[x[0]], x[1], x[2]),
    )
    merged: list[list] = []
    for c, s, e in clipped:
        if s >= e:
            continue
        if merged and merged[-1][0] == c and s <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], e)
        else:
            merged.append([c, s, e])
    return [tuple(x) for x in merged]


# ----------------------------------------------------------------------------- germline truth


def _is_symbolic(alt: str | None) -> bool:
    return alt is None or alt in ("*", ".") or alt.startswith("<") or "[" in alt or "]" in alt


def _genotype(sample, phased: bool) -> tuple[int, int] | None:
    gt = sample.get("GT") if sample is not None else None
    if gt is None or any(a is None for a in gt) or len(gt) == 0:
        return None
    if len(gt) == 1:
        return gt[0], gt[0]
    a, b = gt[0], gt[1]
    return (a, b) if phased else (max(a, b), min(a, b))


def load_germline(
    path: str | Path,
    contigs: dict[str, int],
    *,
    spike_in: bool = False,
    counts: dict[str, int] | None = None,
) -> list[GermlineRecord]:
    """Records wholly inside ``contigs`` (name -> usable length) with a usable GT."""
    counts = counts if counts is not None else {}
    records = []
    with pysam.VariantFile(str(path)) as vcf:
        has_sample = len(vcf.header.samples) > 0
        for rec in vcf:
            if rec.contig not in contigs or rec.pos + len(rec.ref) - 1 > contigs[rec.contig]:
                counts["outside_region"] = counts.get("outside_region", 0) + 1
                continue
            alts = tuple(rec.alts or ())
            if has_sample:
                sample = rec.samples[0]
                gt = _genotype(sample, sample.phased)
            else:
                gt = (1, 0) if spike_in else None
            if gt is None:
                counts["missing_gt"] = counts.get("missing_gt", 0) + 1
                continue
            if any(a > 0 and (a > len(alts) or _is_symbolic(alts[a - 1])) for a in gt):
                counts["symbolic_alt"] = counts.get("symbolic_alt", 0) + 1
                continue
            if gt == (0, 0):
                counts["hom_ref"] = counts.get("hom_ref", 0) + 1
                continue
            if any(base not in "ACGTN" for base in rec.ref.upper()):
                counts["bad_ref"] = counts.get("bad_ref", 0) + 1
                continue
            records.append(
                GermlineRecord(
                    rec.contig,
                    rec.pos,
                    rec.id or ".",
                    rec.ref.upper(),
                    tuple(a.upper() for a in alts),
                    gt,
                    spike_in,
                )
            )
    return records


def resolve_overlaps(records: list[GermlineRecord], counts: dict[str, int]) -> list[GermlineRecord]:
    """Set to REF any haplotype allele that overlaps an earlier allele on the same haplotype."""
    records = sorted(records, key=lambda r: (r.contig, r.pos))
    last_end: dict[tuple[str, int], int] = {}
    kept = []
    for rec in records:
        gt = list(rec.gt)
        for hap in (1, 2):
            if gt[hap - 1] == 0:
                continue
            key = (rec.contig, hap)
            if rec.start0 < last_end.get(key, -1):
                gt[hap - 1] = 0
                counts["overlap_allele_to_ref"] = counts.get("overlap_allele_to_ref", 0) + 1
            else:
                last_end[key] = rec.end0
        if gt == [0, 0]:
            counts["overlap_dropped"] = counts.get("overlap_dropped", 0) + 1
            continue
        rec.gt = (gt[0], gt[1])
        kept.append(rec)
    return kept


def merge_spike_ins(
    truth: list[GermlineRecord], spikes: list[GermlineRecord], counts: dict[str, int]
) -> list[GermlineRecord]:
    """Spike-ins win: truth records overlapping a spike-in are dropped."""
    kept = []
    for rec in truth:
        if any(
            s.contig == rec.contig and s.start0 < rec.end0 and rec.start0 < s.end0 for s in spikes
        ):
            counts["replaced_by_spike_in"] = counts.get("replaced_by_spike_in", 0) + 1
            continue
        kept.append(rec)
    return kept + spikes


def check_ref(records, seqs: dict[str, str], what: str) -> None:
    for rec in records:
        actual = seqs[rec.contig][rec.start0 : rec.end0]
        if actual != rec.ref:
            raise SimulationError(
                f"{what}: {rec.contig}:{rec.pos} REF {rec.ref} does not match the reference "
                f"({actual})"
            )


# ----------------------------------------------------------------------------- germline steps


def prepare_reference(params: SimulationParams) -> Genome:
    """The reference, cut to ``region``; written (and indexed) when cut, gzipped or unindexed."""
    seqs = read_fasta(params.reference)
    if params.region:
        contig, end = parse_region(params.region, {c: len(s) for c, s in seqs.items()})
        seqs = {contig: seqs[contig][:end]}
    lengths = {c: len(s) for c, s in seqs.items()}
    fai_exists = Path(f"{params.reference}.fai").is_file()
    if params.region or not fai_exists or params.reference.suffix == ".gz":
        ref_path = params.outdir / "reference.fa"
        write_fasta(seqs, ref_path)
        run_tool(["samtools", "faidx", ref_path])
    else:
        ref_path = params.reference
    return Genome(seqs, lengths, ref_path)


def germline_truth(params: SimulationParams, genome: Genome) -> GermlineTruth:
    """Truth records plus spike-ins (which win), overlaps resolved, in reference order."""
    counts: dict[str, int] = {}
    truth_records = load_germline(params.germline_vcf, genome.lengths, counts=counts)
    check_ref(truth_records, genome.seqs, str(params.germline_vcf))
    n_input = len(truth_records)
    spikes: list[GermlineRecord] = []
    if params.spike_in_vcf:
        spikes = _spike_ins(params.spike_in_vcf, genome)
        truth_records = merge_spike_ins(truth_records, spikes, counts)
    germline = resolve_overlaps(truth_records, counts)
    order = {c: i for i, c in enumerate(genome.lengths)}
    germline.sort(key=lambda r: (order[r.contig], r.pos))
    return GermlineTruth(germline, n_input, len(spikes), counts)


def _spike_ins(path: str | Path, genome: Genome) -> list[GermlineRecord]:
    spike_counts: dict[str, int] = {}
    spikes = load_germline(path, genome.lengths, spike_in=True, counts=spike_counts)
    if spike_counts:
        raise SimulationError(f"{path}: unusable spike-in records: {spike_counts}")
    check_ref(spikes, genome.seqs, str(path))
    return spikes


def confident_regions(
    confident_bed: str | Path | None, lengths: dict[str, int]
) -> list[tuple[str, int, int]]:
    """The BED clipped to the contigs and merged; without a BED, the whole contigs."""
    if confident_bed:
        return merge_intervals(read_bed(confident_bed), lengths)
    return [(c, 0, n) for c, n in lengths.items()]


# ----------------------------------------------------------------------------- haplotypes


def _fasta_lengths(path: Path) -> dict[str, int]:
    lengths: dict[str, int] = {}
    name = None
    with open(path) as handle:
        for line in handle:
            if line.startswith(">"):
                name = line[1:].split()[0]
                lengths[name] = 0
            else:
                lengths[name] += len(line.strip())
    return lengths


def build_haplotype(
    vcf_gz: Path, reference: Path, hap: int, label: str, out: Path, expected: dict[str, int]
) -> Path:
    """bcftools consensus -H hap, sequence names prefixed ``label_``; lengths are checked."""
    run_tool(
        [
            "bcftools",
            "consensus",
            "-H",
            str(hap),
            "-p",
            f"{label}_",
            "-f",
            reference,
            "-o",
            out,
            vcf_gz,
        ]
    )
    got = _fasta_lengths(out)
    want = {f"{label}_{c}": n for c, n in expected.items()}
    if got != want:
        raise RuntimeError(
            f"haplotype {label}: lengths {got} differ from expected {want} "
            "(bcftools consensus skipped a variant?)"
        )
    return out


def build_haplotypes(
    params: SimulationParams,
    genome: Genome,
    germline: list[GermlineRecord],
    tumour: Tumour,
    hap_dir: Path,
) -> None:
    """``<population>h<hap>.fa``: the normal cells and each tumour population, both haplotypes."""
    hap_jobs = []
    for pop in [Population("N", 1.0, 0)] + [p for p in tumour.pops if p.n_clones > 0]:
        vcf_gz = hap_dir / f"{pop.name}.vcf.gz"
        expected = population_vcf(
            vcf_gz, germline, tumour.somatic, pop, tumour.segments, genome.seqs, genome.lengths
        )
        for hap in (1, 2):
            label = f"{pop.name}h{hap}"
            hap_jobs.append((vcf_gz, hap, label, hap_dir / f"{label}.fa", expected[hap]))
    with ThreadPoolExecutor(max_workers=max(1, params.threads)) as pool:
        list(pool.map(lambda j: build_haplotype(j[0], genome.path, *j[1:]), hap_jobs))
