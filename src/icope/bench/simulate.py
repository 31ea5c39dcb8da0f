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
    Per-call seeds derive from ``seed``; the same seed gives identical truth (and, with ART,
    identical reads).

Entry points: ``run_simulation(SimulationParams(reference, truth, outdir, ...))`` or its keyword
form ``simulate(reference, truth, outdir, ...)``; the steps (reference, germline truth, LOH
segments, tumour design and somatic placement, truth files, haplotypes, reads, sheets, summary)
are the ``_``-functions called by :func:`run_simulation`, in that order.

Regions: only ``contig`` or ``contig:1-END`` (start 1) are supported, so coordinates stay unchanged;
truth records must lie wholly inside. LOH segments are given 1-based inclusive
(``chr21:400001-500000``); segment ends are widened when a germline variant straddles them.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pysam

from icope.core.sheets import SAFE_ID, SAMPLE_COLUMNS, UNIT_COLUMNS

DEFAULT_VAF_LEVELS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
MIN_DISTANCE = 200
SIMULATORS = ("art", "dwgsim")
_EPS = 1e-9


class SimulationError(ValueError):
    """Bad simulation input (region, VCF, LOH, impossible placement)."""


@dataclass(frozen=True)
class SimulationParams:
    """Everything a simulation takes; the defaults are those of ``icope simulate``.

    ``reference``, ``germline_vcf`` and ``outdir`` become paths; the other values are kept as
    given. ``loh``: None = one default segment (100 kb, or a tenth of the longest contig,
    centred); False / "none" = no LOH; else a ``(contig, start, end)`` tuple (1-based inclusive),
    a ``"chr:start-end"`` string, or a list of those. ``reads=False`` writes truth and sheets
    only; ``keep_intermediate`` keeps ``outdir/work`` (haplotype FASTAs, per-haplotype FASTQs).

    Raises
    ------
    SimulationError
        For a patient name that is not a safe ID or an unknown simulator (art or dwgsim).
    """

    reference: Path
    germline_vcf: Path
    outdir: Path
    region: str | None = None
    confident_bed: str | Path | None = None
    normal_depth: float = 30
    tumour_depth: float = 60
    purity: float = 0.8
    n_somatic_snv: int = 200
    n_somatic_indel: int = 40
    vaf_levels: Sequence[float] = DEFAULT_VAF_LEVELS
    loh: object = None
    spike_in_vcf: str | Path | None = None
    read_length: int = 150
    fragment_mean: int = 400
    fragment_sd: int = 50
    seed: int = 1
    simulator: str = "art"
    patient: str = "SIM1"
    threads: int = 2
    min_distance: int = MIN_DISTANCE
    reads: bool = True
    keep_intermediate: bool = False

    def __post_init__(self) -> None:
        for name in ("reference", "germline_vcf", "outdir"):
            object.__setattr__(self, name, Path(getattr(self, name)))
        if not re.fullmatch(SAFE_ID, self.patient):
            raise SimulationError(f"patient {self.patient!r}: only letters, digits, '_' and '-'")
        if self.simulator not in SIMULATORS:
            raise SimulationError(f"unknown simulator {self.simulator!r} (art or dwgsim)")

    @property
    def normal_name(self) -> str:
        return f"{self.patient}_N"

    @property
    def tumour_name(self) -> str:
        return f"{self.patient}_T"

    def as_summary(self) -> dict:
        """The ``parameters`` section of simulation.json (paths resolved)."""
        return {
            "reference": str(self.reference.resolve()),
            "germline_vcf": str(self.germline_vcf.resolve()),
            "confident_bed": _resolved(self.confident_bed),
            "spike_in_vcf": _resolved(self.spike_in_vcf),
            "outdir": str(self.outdir.resolve()),
            "region": self.region,
            "normal_depth": self.normal_depth,
            "tumour_depth": self.tumour_depth,
            "purity": self.purity,
            "n_somatic_snv": self.n_somatic_snv,
            "n_somatic_indel": self.n_somatic_indel,
            "vaf_levels": list(self.vaf_levels),
            "loh": None if self.loh is None else str(self.loh),
            "read_length": self.read_length,
            "fragment_mean": self.fragment_mean,
            "fragment_sd": self.fragment_sd,
            "seed": self.seed,
            "simulator": self.simulator,
            "patient": self.patient,
            "threads": self.threads,
            "min_distance": self.min_distance,
            "reads": self.reads,
        }


def _resolved(path: str | Path | None) -> str | None:
    return str(Path(path).resolve()) if path else None


# ----------------------------------------------------------------------------- data classes


@dataclass
class GermlineRecord:
    contig: str
    pos: int  # 1-based
    id: str
    ref: str
    alts: tuple[str, ...]
    gt: tuple[int, int]
    spike_in: bool = False

    @property
    def start0(self) -> int:
        return self.pos - 1

    @property
    def end0(self) -> int:
        return self.pos - 1 + len(self.ref)

    def allele(self, hap: int) -> str:
        index = self.gt[hap - 1]
        return self.ref if index == 0 else self.alts[index - 1]


@dataclass
class Clone:
    name: str
    fraction: float  # cancer-cell fraction (of tumour cells)
    levels: list[dict] = field(default_factory=list)


@dataclass
class Population:
    name: str
    fraction: float  # of all cells in the tumour sample
    n_clones: int  # carries clones C1..C_n (0 = normal cells)


@dataclass
class LohSegment:
    contig: str
    start0: int
    end0: int

    def contains(self, contig: str, start0: int, end0: int) -> bool:
        return contig == self.contig and self.start0 <= start0 and end0 <= self.end0


@dataclass
class SomaticVariant:
    contig: str
    pos: int  # 1-based
    ref: str
    alt: str
    type: str  # SNV, INS, DEL
    clone: int  # 1-based clone index
    clone_fraction: float
    haplotypes: tuple[int, ...]
    target_vaf: float
    in_loh: bool
    vaf: float = 0.0

    @property
    def start0(self) -> int:
        return self.pos - 1

    @property
    def end0(self) -> int:
        return self.pos - 1 + len(self.ref)


# ----------------------------------------------------------------------------- small helpers


def _run(cmd: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n"
            f"{result.stderr.strip()}"
        )
    return result


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


def parse_interval(text: str) -> tuple[str, int, int]:
    """``chr:START-END`` (1-based inclusive) -> (chr, start0, end0)."""
    m = re.fullmatch(r"([^:\s]+):([\d,]+)-([\d,]+)", text.strip())
    if not m:
        raise SimulationError(f"interval {text!r}: expected CONTIG:START-END")
    start, end = int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))
    if start < 1 or end < start:
        raise SimulationError(f"interval {text!r}: bad coordinates")
    return m.group(1), start - 1, end


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


# ----------------------------------------------------------------------------- germline


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


# ----------------------------------------------------------------------------- clone design


def design_clones(purity: float, vaf_levels: Sequence[float]) -> tuple[list[Clone], list[dict]]:
    """Clones (descending fraction, C1 = founder f = 1) and one plan entry per VAF level."""
    if not 0 < purity <= 1:
        raise SimulationError(f"purity must be in (0, 1], got {purity}")
    plan = []
    for v in vaf_levels:
        if not 0 < v <= 1:
            raise SimulationError(f"VAF level must be in (0, 1], got {v}")
        f_het = round(2 * v / purity, 9)
        if f_het <= 1 + _EPS:
            plan.append({"target_vaf": v, "fraction": min(f_het, 1.0), "mode": "het"})
        else:
            f_both = round(v / purity, 9)
            plan.append({"target_vaf": v, "fraction": min(f_both, 1.0), "mode": "both"})
    if not any(p["fraction"] == 1.0 for p in plan):
        plan.append(
            {
                "target_vaf": round(purity / 2, 9),
                "fraction": 1.0,
                "mode": "het",
                "added": "clonal level",
            }
        )
    fractions = sorted({p["fraction"] for p in plan}, reverse=True)
    clones = [Clone(f"C{i + 1}", f) for i, f in enumerate(fractions)]
    for p in plan:
        p["clone"] = fractions.index(p["fraction"]) + 1
        clones[p["clone"] - 1].levels.append({"target_vaf": p["target_vaf"], "mode": p["mode"]})
    return clones, plan


def tumour_populations(purity: float, clones: list[Clone]) -> list[Population]:
    pops = []
    if 1 - purity > _EPS:
        pops.append(Population("N", 1 - purity, 0))
    for i, clone in enumerate(clones):
        nxt = clones[i + 1].fraction if i + 1 < len(clones) else 0.0
        frac = purity * (clone.fraction - nxt)
        if frac > _EPS:
            pops.append(Population(f"P{i + 1}", frac, i + 1))
    return pops


def present_haplotypes(pop: Population, in_loh: bool) -> tuple[int, ...]:
    """Haplotypes present at a locus in a population (tumour cells lose hap 2 in LOH)."""
    return (1,) if (in_loh and pop.n_clones > 0) else (1, 2)


def expected_vaf(
    pops: list[Population], clone: int, haplotypes: Sequence[int], in_loh: bool
) -> float:
    """Exact expected VAF of a somatic allele on ``haplotypes`` of clone ``clone`` (1-based)."""
    num = den = 0.0
    for pop in pops:
        present = present_haplotypes(pop, in_loh)
        den += pop.fraction * len(present)
        if pop.n_clones >= clone:
            num += pop.fraction * len(set(present) & set(haplotypes))
    return num / den


def expected_germline_baf(pops: list[Population], hap: int, in_loh: bool) -> float:
    """Expected tumour VAF of a germline allele carried on one haplotype only."""
    num = den = 0.0
    for pop in pops:
        present = present_haplotypes(pop, in_loh)
        den += pop.fraction * len(present)
        num += pop.fraction * (hap in present)
    return num / den


# ----------------------------------------------------------------------------- LOH


def default_loh(lengths: dict[str, int]) -> LohSegment:
    contig = max(lengths, key=lambda c: lengths[c])
    total = lengths[contig]
    size = min(100_000, max(1, total // 10))
    start0 = (total - size) // 2
    return LohSegment(contig, start0, start0 + size)


def widen_loh(seg: LohSegment, germline: list[GermlineRecord], length: int) -> LohSegment:
    """Widen so no germline haplotype-2 allele straddles the deletion (anchor base included)."""
    start0, end0 = seg.start0, seg.end0
    changed = True
    while changed:
        changed = False
        for rec in germline:
            if rec.contig != seg.contig or rec.gt[1] == 0:
                continue
            overlaps = rec.start0 < end0 and start0 - 1 < rec.end0
            inside = start0 <= rec.start0 and rec.end0 <= end0
            if overlaps and not inside:
                start0, end0 = min(start0, rec.start0), max(end0, rec.end0)
                changed = True
    if start0 < 1 or end0 > length:
        raise SimulationError(f"LOH segment {seg} reaches the contig end")
    return LohSegment(seg.contig, start0, end0)


# ----------------------------------------------------------------------------- somatic placement


_OTHER = {b: [x for x in "ACGT" if x != b] for b in "ACGT"}


def place_somatic(
    seqs: dict[str, str],
    allowed: dict[str, np.ndarray],
    n_snv: int,
    n_indel: int,
    plan: list[dict],
    pops: list[Population],
    loh: list[LohSegment],
    rng: np.random.Generator,
    min_distance: int = MIN_DISTANCE,
    max_indel: int = 10,
) -> list[SomaticVariant]:
    """Draw somatic variants; ``allowed`` masks (True = may carry a somatic base) are updated."""
    schedule = _somatic_schedule(n_snv, n_indel, plan, rng)
    variants: list[SomaticVariant] = []
    for vtype, level in schedule:
        if not any(mask.any() for mask in allowed.values()):
            raise SimulationError(
                f"no room for more somatic variants after {len(variants)} "
                f"(need {len(schedule)}; spacing {min_distance} bp): use a larger region"
            )
        contig, p, ref, alt = _draw_site(vtype, seqs, allowed, rng, max_indel, len(variants))
        end0 = p + len(ref)
        in_loh = any(seg.contains(contig, p, end0) for seg in loh)
        haps = _somatic_haplotypes(level, in_loh, rng)
        var = SomaticVariant(
            contig,
            p + 1,
            ref,
            alt,
            vtype,
            level["clone"],
            level["fraction"],
            haps,
            level["target_vaf"],
            in_loh,
        )
        var.vaf = expected_vaf(pops, var.clone, haps, in_loh)
        variants.append(var)
        allowed[contig][max(0, p - min_distance) : end0 + min_distance] = False
    order = {c: i for i, c in enumerate(allowed)}
    return sorted(variants, key=lambda v: (order[v.contig], v.pos))


def _somatic_schedule(
    n_snv: int, n_indel: int, plan: list[dict], rng: np.random.Generator
) -> list[tuple[str, dict]]:
    """(type, VAF level) of each variant, in drawing order: two seeded shuffles."""
    types = ["SNV"] * n_snv + ["DEL" if i % 2 else "INS" for i in range(n_indel)]
    types = [types[i] for i in rng.permutation(len(types))]
    level_of = [plan[i % len(plan)] for i in range(len(types))]
    level_of = [level_of[i] for i in rng.permutation(len(level_of))]
    return list(zip(types, level_of, strict=True))


def _draw_site(
    vtype: str,
    seqs: dict[str, str],
    allowed: dict[str, np.ndarray],
    rng: np.random.Generator,
    max_indel: int,
    placed: int,
) -> tuple[str, int, str, str]:
    """(contig, 0-based position, REF, ALT) of a ``vtype`` variant on allowed, clean bases."""
    contigs = list(allowed)
    candidates = {c: np.flatnonzero(allowed[c]) for c in contigs}
    sizes = np.array([len(candidates[c]) for c in contigs], dtype=float)
    for _attempt in range(5000):
        contig = contigs[rng.choice(len(contigs), p=sizes / sizes.sum())]
        p = int(candidates[contig][rng.integers(len(candidates[contig]))])
        seq = seqs[contig]
        alleles = _somatic_alleles(vtype, seq, p, rng, max_indel)
        if alleles is None:
            continue
        ref, alt, (start, end) = alleles
        if allowed[contig][start:end].all() and "N" not in seq[start:end]:
            return contig, p, ref, alt
    raise SimulationError(f"could not place somatic variant {placed + 1}")


def _somatic_alleles(
    vtype: str, seq: str, p: int, rng: np.random.Generator, max_indel: int
) -> tuple[str, str, tuple[int, int]] | None:
    """(REF, ALT, span that must be clean) of a variant at ``p``; None if it cannot go there."""
    if vtype == "SNV":
        ref = seq[p]
        return ref, _OTHER[ref][rng.integers(3)], (p, p + 1)
    size = int(rng.integers(1, max_indel + 1))
    if p + size + 2 > len(seq):
        return None
    if vtype == "DEL":
        # unique representation: cannot shift left or right
        if seq[p] == seq[p + size] or seq[p + 1] == seq[p + size + 1]:
            return None
        return seq[p : p + size + 1], seq[p], (p, p + size + 1)
    return seq[p], seq[p] + _inserted_bases(seq[p], seq[p + 1], size, rng), (p, p + 2)


def _inserted_bases(before: str, after: str, size: int, rng: np.random.Generator) -> str:
    """Random inserted bases that differ from the anchor at the end and from the next base at
    the start (so the insertion cannot shift); the anchor and the base after must be clean."""
    ins = [("ACGT")[i] for i in rng.integers(4, size=size)]
    if size == 1:
        return "".join([b for b in "ACGT" if b not in (before, after)][:1])
    if ins[-1] == before:
        ins[-1] = _OTHER[before][rng.integers(3)]
    if ins[0] == after:
        ins[0] = _OTHER[after][rng.integers(3)]
    return "".join(ins)


def _somatic_haplotypes(level: dict, in_loh: bool, rng: np.random.Generator) -> tuple[int, ...]:
    """Mutated haplotype(s): 1 inside LOH (2 is lost), both for a "both" level, else random."""
    if in_loh:
        return (1,)
    if level["mode"] == "both":
        return (1, 2)
    return (int(rng.integers(1, 3)),)


def build_allowed_mask(
    seqs: dict[str, str],
    confident: list[tuple[str, int, int]],
    germline: list[GermlineRecord],
    loh: list[LohSegment],
    margin: int,
    min_distance: int = MIN_DISTANCE,
) -> dict[str, np.ndarray]:
    allowed = {}
    for contig, seq in seqs.items():
        mask = np.zeros(len(seq), dtype=bool)
        for c, s, e in confident:
            if c == contig:
                mask[s:e] = True
        arr = np.frombuffer(seq.encode(), dtype=np.uint8)
        mask &= np.isin(arr, np.frombuffer(b"ACGT", dtype=np.uint8))
        mask[: min(margin, len(seq))] = False
        mask[max(0, len(seq) - margin) :] = False
        allowed[contig] = mask
    for rec in germline:
        allowed[rec.contig][max(0, rec.start0 - min_distance) : rec.end0 + min_distance] = False
    for seg in loh:
        for b in (seg.start0, seg.end0):
            allowed[seg.contig][max(0, b - min_distance) : b + min_distance] = False
    return allowed


# ----------------------------------------------------------------------------- VCF writing


def _contig_header(lengths: dict[str, int]) -> list[str]:
    return [f"##contig=<ID={c},length={n}>" for c, n in lengths.items()]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def write_germline_vcf(records, lengths, sample: str, path: Path) -> None:
    lines = [
        "##fileformat=VCFv4.2",
        *_contig_header(lengths),
        '##INFO=<ID=SPIKE_IN,Number=0,Type=Flag,Description="Spiked-in germline variant">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype (hap1|hap2)">',
        "\t".join(
            ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", sample]
        ),
    ]
    for r in records:
        info = "SPIKE_IN" if r.spike_in else "."
        lines.append(
            "\t".join(
                [
                    r.contig,
                    str(r.pos),
                    r.id,
                    r.ref,
                    ",".join(r.alts),
                    ".",
                    "PASS",
                    info,
                    "GT",
                    f"{r.gt[0]}|{r.gt[1]}",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n")


def write_somatic_vcf(variants: list[SomaticVariant], lengths, path: Path, purity: float) -> None:
    lines = [
        "##fileformat=VCFv4.2",
        *_contig_header(lengths),
        f"##tumour_purity={purity}",
        '##INFO=<ID=TYPE,Number=1,Type=String,Description="SNV, INS or DEL">',
        '##INFO=<ID=VAF,Number=1,Type=Float,Description="Expected VAF in the tumour sample">',
        '##INFO=<ID=TARGET_VAF,Number=1,Type=Float,Description="Requested VAF level">',
        '##INFO=<ID=CLONE,Number=1,Type=String,Description="Clone carrying the variant">',
        '##INFO=<ID=CLONE_FRACTION,Number=1,Type=Float,Description="Cancer-cell fraction">',
        '##INFO=<ID=HAPLOTYPE,Number=1,Type=String,Description="Mutated haplotype(s): 1, 2, 1+2">',
        '##INFO=<ID=LOH,Number=0,Type=Flag,Description="Inside a copy-loss/LOH segment">',
        '##INFO=<ID=TUMOUR_CN,Number=1,Type=Integer,Description="Copies in tumour cells">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]),
    ]
    for i, v in enumerate(variants, start=1):
        info = [
            f"TYPE={v.type}",
            f"VAF={_fmt(v.vaf)}",
            f"TARGET_VAF={_fmt(v.target_vaf)}",
            f"CLONE=C{v.clone}",
            f"CLONE_FRACTION={_fmt(v.clone_fraction)}",
            f"HAPLOTYPE={'+'.join(map(str, v.haplotypes))}",
        ]
        if v.in_loh:
            info.append("LOH")
        info.append(f"TUMOUR_CN={1 if v.in_loh else 2}")
        lines.append(
            "\t".join([v.contig, str(v.pos), f"SOM{i}", v.ref, v.alt, ".", "PASS", ";".join(info)])
        )
    path.write_text("\n".join(lines) + "\n")


def normalise_vcf(src: Path, reference: Path, dest: Path) -> int:
    """bcftools norm (REF checked, left-aligned) to bgzipped + tabix-indexed ``dest``."""
    _run(["bcftools", "norm", "--no-version", "-c", "e", "-f", reference, "-Oz", "-o", dest, src])
    _run(["tabix", "-f", "-p", "vcf", dest])
    with pysam.VariantFile(str(dest)) as vcf:
        return sum(1 for _ in vcf)


# ----------------------------------------------------------------------------- haplotypes


def _population_vcf(
    path: Path,
    germline: list[GermlineRecord],
    somatic: list[SomaticVariant],
    pop: Population,
    loh: list[LohSegment],
    seqs: dict[str, str],
    lengths: dict[str, int],
) -> dict[int, dict[str, int]]:
    """VCF (bgzipped + indexed) whose GT is this population's hap1|hap2; returns the expected
    haplotype lengths per contig."""
    tumour = pop.n_clones > 0
    rows = _germline_rows(germline, loh if tumour else [])
    rows += [_somatic_row(v) for v in somatic if pop.n_clones >= v.clone]
    if tumour:
        rows += [_loh_deletion_row(seg, seqs[seg.contig]) for seg in loh]
    order = {c: i for i, c in enumerate(lengths)}
    rows.sort(key=lambda r: (order[r[0]], r[1]))
    _write_gt_vcf(rows, lengths, path.with_suffix(""))
    pysam.tabix_index(str(path.with_suffix("")), preset="vcf", force=True)
    return _haplotype_lengths(rows, lengths)


#: A population VCF row: (contig, pos, ref, alts, [hap1 allele, hap2 allele]).
_Row = tuple[str, int, str, tuple[str, ...], list[int]]


def _germline_rows(germline: list[GermlineRecord], lost: list[LohSegment]) -> list[_Row]:
    """Germline records, with the haplotype-2 allele removed inside the ``lost`` segments."""
    rows = []
    for rec in germline:
        gt = list(rec.gt)
        if gt[1] and any(s.contains(rec.contig, rec.start0, rec.end0) for s in lost):
            gt[1] = 0
        if gt != [0, 0]:
            rows.append((rec.contig, rec.pos, rec.ref, rec.alts, gt))
    return rows


def _somatic_row(v: SomaticVariant) -> _Row:
    return (v.contig, v.pos, v.ref, (v.alt,), [int(1 in v.haplotypes), int(2 in v.haplotypes)])


def _loh_deletion_row(seg: LohSegment, seq: str) -> _Row:
    """Haplotype 2 loses the segment: a deletion anchored on the base before it."""
    return (seg.contig, seg.start0, seq[seg.start0 - 1 : seg.end0], (seq[seg.start0 - 1],), [0, 1])


def _write_gt_vcf(rows: list[_Row], lengths: dict[str, int], path: Path) -> None:
    lines = [
        "##fileformat=VCFv4.2",
        *_contig_header(lengths),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS",
    ]
    lines += [
        f"{contig}\t{pos}\t.\t{ref}\t{','.join(alts)}\t.\tPASS\t.\tGT\t{gt[0]}|{gt[1]}"
        for contig, pos, ref, alts, gt in rows
    ]
    path.write_text("\n".join(lines) + "\n")


def _haplotype_lengths(rows: list[_Row], lengths: dict[str, int]) -> dict[int, dict[str, int]]:
    """Contig lengths of haplotypes 1 and 2 once the rows' alleles are applied."""
    expected = {h: dict(lengths) for h in (1, 2)}
    for contig, _pos, ref, alts, gt in rows:
        for h in (1, 2):
            if gt[h - 1]:
                expected[h][contig] += len(alts[gt[h - 1] - 1]) - len(ref)
    return expected


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
    _run(
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


# ----------------------------------------------------------------------------- reads


def _seed(seed: int, label: str) -> int:
    return zlib.crc32(f"{seed}:{label}".encode()) % 2_000_000_000 + 1


def _gzip_to(src: Path, dest: Path) -> None:
    with (
        open(src, "rb") as fin,
        open(dest, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=4, mtime=0) as fout,
    ):
        shutil.copyfileobj(fin, fout, 1 << 20)


def simulate_reads_job(
    simulator: str,
    fasta: Path,
    prefix: Path,
    fold: float,
    seed: int,
    read_length: int,
    fragment_mean: int,
    fragment_sd: int,
) -> tuple[Path, Path]:
    """Paired reads from one haplotype FASTA -> (R1.fq.gz, R2.fq.gz), each one gzip member."""
    r1, r2 = Path(f"{prefix}_R1.fq.gz"), Path(f"{prefix}_R2.fq.gz")
    settings = (fasta, prefix, fold, seed, read_length, fragment_mean, fragment_sd)
    if simulator == "art":
        _run(_art_command(*settings))
        for src, dest in ((Path(f"{prefix}_1.fq"), r1), (Path(f"{prefix}_2.fq"), r2)):
            _gzip_to(src, dest)
            src.unlink()
    elif simulator == "dwgsim":
        _run(_dwgsim_command(*settings))
        Path(f"{prefix}.bwa.read1.fastq.gz").rename(r1)
        Path(f"{prefix}.bwa.read2.fastq.gz").rename(r2)
        for extra in (".mutations.txt", ".mutations.vcf"):
            Path(f"{prefix}{extra}").unlink(missing_ok=True)
    else:
        raise SimulationError(f"unknown simulator {simulator!r} (art or dwgsim)")
    return r1, r2


def _art_command(fasta, prefix, fold, seed, read_length, fragment_mean, fragment_sd) -> list:
    """art_illumina paired-end, HS25 profile up to 150 bp (MSv3 above), no alignment output."""
    profile = "HS25" if read_length <= 150 else "MSv3"
    return [
        *("art_illumina", "-ss", profile, "-p", "-l", read_length, "-f", f"{fold:.6f}"),
        *("-m", fragment_mean, "-s", fragment_sd, "-rs", seed, "-na", "-q"),
        *("-i", fasta, "-o", f"{prefix}_"),
    ]


def _dwgsim_command(fasta, prefix, fold, seed, read_length, fragment_mean, fragment_sd) -> list:
    """dwgsim with Illumina-like errors and no mutations of its own (-r 0 -R 0 -y 0)."""
    return [
        *("dwgsim", "-e", "0.001", "-E", "0.002", "-r", "0", "-R", "0", "-y", "0"),
        *("-1", read_length, "-2", read_length, "-C", f"{fold:.6f}"),
        *("-d", fragment_mean, "-s", fragment_sd, "-z", seed, "-o", "1", fasta, prefix),
    ]


def count_fastq_records(path: Path) -> int:
    with gzip.open(path, "rb") as handle:
        return sum(1 for _ in handle) // 4


# ----------------------------------------------------------------------------- main entry


@dataclass
class _Dirs:
    truth: Path
    reads: Path
    work: Path

    @classmethod
    def create(cls, outdir: Path) -> _Dirs:
        dirs = cls(outdir / "truth", outdir / "reads", outdir / "work")
        for d in (dirs.truth, dirs.reads, dirs.work):
            d.mkdir(parents=True, exist_ok=True)
        return dirs


@dataclass
class _Genome:
    seqs: dict[str, str]
    lengths: dict[str, int]
    path: Path  # the FASTA the tools read: the input, or outdir/reference.fa


@dataclass
class _GermlineTruth:
    records: list[GermlineRecord]  # applied to the haplotypes, in reference order
    n_input: int  # usable truth records before spike-ins and overlaps
    n_spike_ins: int
    skipped: dict[str, int]


@dataclass
class _Tumour:
    clones: list[Clone]
    plan: list[dict]
    pops: list[Population]
    segments: list[LohSegment]
    somatic: list[SomaticVariant]


@dataclass
class _TruthCounts:
    n_germline: int
    n_somatic: int
    n_loh_hets: int
    baf_kept: float
    baf_lost: float


class _ReadJob(NamedTuple):
    sample: str
    haplotype: str  # haplotype FASTA: <population>h<hap>
    fold: float
    seed: int


class _Reads(NamedTuple):
    jobs: list[_ReadJob]
    pairs: dict[str, int]  # read pairs per sample


def run_simulation(params: SimulationParams) -> dict:
    """Simulate a normal/tumour pair with truth; returns the summary written to simulation.json."""
    t0 = time.monotonic()
    dirs = _Dirs.create(params.outdir)
    genome = _prepare_reference(params)
    germline = _germline_truth(params, genome)
    confident = _confident_regions(params.confident_bed, genome.lengths)
    with open(dirs.truth / "confident.bed", "w") as out:
        out.writelines(f"{c}\t{s}\t{e}\n" for c, s, e in confident)
    segments = loh_segments(params.loh, genome.lengths, germline.records)
    tumour = _design_tumour(params, genome, confident, germline.records, segments)
    truth = _write_truth(params, genome, germline.records, tumour, dirs)
    hap_dir = dirs.work / "haplotypes"
    hap_dir.mkdir(exist_ok=True)
    _build_haplotypes(params, genome, germline.records, tumour, hap_dir)
    reads = _simulate_reads(params, tumour.pops, hap_dir, dirs) if params.reads else _Reads([], {})
    _write_sheets(params, dirs.reads)
    if not params.keep_intermediate:
        shutil.rmtree(dirs.work)
    summary = _summary(params, genome, germline, tumour, truth, reads)
    summary["elapsed_seconds"] = round(time.monotonic() - t0, 1)
    (params.outdir / "simulation.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _prepare_reference(params: SimulationParams) -> _Genome:
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
        _run(["samtools", "faidx", ref_path])
    else:
        ref_path = params.reference
    return _Genome(seqs, lengths, ref_path)


def _germline_truth(params: SimulationParams, genome: _Genome) -> _GermlineTruth:
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
    return _GermlineTruth(germline, n_input, len(spikes), counts)


def _spike_ins(path: str | Path, genome: _Genome) -> list[GermlineRecord]:
    spike_counts: dict[str, int] = {}
    spikes = load_germline(path, genome.lengths, spike_in=True, counts=spike_counts)
    if spike_counts:
        raise SimulationError(f"{path}: unusable spike-in records: {spike_counts}")
    check_ref(spikes, genome.seqs, str(path))
    return spikes


def _confident_regions(
    confident_bed: str | Path | None, lengths: dict[str, int]
) -> list[tuple[str, int, int]]:
    """The BED clipped to the contigs and merged; without a BED, the whole contigs."""
    if confident_bed:
        return merge_intervals(read_bed(confident_bed), lengths)
    return [(c, 0, n) for c, n in lengths.items()]


def loh_segments(
    loh: object, lengths: dict[str, int], germline: list[GermlineRecord]
) -> list[LohSegment]:
    """The LOH segments of ``SimulationParams.loh``, widened over germline alleles, sorted."""
    segments = [widen_loh(s, germline, lengths[s.contig]) for s in _requested_loh(loh, lengths)]
    order = {c: i for i, c in enumerate(lengths)}
    segments.sort(key=lambda s: (order[s.contig], s.start0))
    for a, b in zip(segments, segments[1:], strict=False):
        if a.contig == b.contig and b.start0 <= a.end0:
            raise SimulationError(f"LOH segments {a} and {b} overlap or touch")
    return segments


def _requested_loh(loh: object, lengths: dict[str, int]) -> list[LohSegment]:
    if loh is None:
        return [default_loh(lengths)]
    if loh is False or (isinstance(loh, str) and loh.lower() == "none"):
        return []
    items = [loh] if isinstance(loh, str | tuple) else list(loh)
    return [_loh_segment(item, lengths) for item in items]


def _loh_segment(item: str | Sequence, lengths: dict[str, int]) -> LohSegment:
    """``"chr:start-end"`` or ``(chr, start, end)``, 1-based inclusive, inside the reference."""
    c, s0, e0 = (
        parse_interval(item) if isinstance(item, str) else (item[0], int(item[1]) - 1, int(item[2]))
    )
    if c not in lengths or e0 > lengths[c] or s0 < 1:
        raise SimulationError(f"LOH segment {item!r} is outside the reference/region")
    return LohSegment(c, s0, e0)


def _design_tumour(
    params: SimulationParams,
    genome: _Genome,
    confident: list[tuple[str, int, int]],
    germline: list[GermlineRecord],
    segments: list[LohSegment],
) -> _Tumour:
    """Clones, tumour cell populations and the seeded placement of the somatic variants."""
    clones, plan = design_clones(params.purity, params.vaf_levels)
    pops = tumour_populations(params.purity, clones)
    rng = np.random.default_rng(params.seed)
    margin = min(params.fragment_mean + 3 * params.fragment_sd, max(genome.lengths.values()) // 4)
    allowed = build_allowed_mask(
        genome.seqs, confident, germline, segments, margin, params.min_distance
    )
    somatic = place_somatic(
        genome.seqs,
        allowed,
        params.n_somatic_snv,
        params.n_somatic_indel,
        plan,
        pops,
        segments,
        rng,
        params.min_distance,
    )
    return _Tumour(clones, plan, pops, segments, somatic)


def _write_truth(
    params: SimulationParams,
    genome: _Genome,
    germline: list[GermlineRecord],
    tumour: _Tumour,
    dirs: _Dirs,
) -> _TruthCounts:
    """truth/germline.vcf.gz, somatic.vcf.gz (normalised), loh.bed and loh_hets.tsv."""
    germ_plain = dirs.work / "germline.vcf"
    write_germline_vcf(germline, genome.lengths, params.normal_name, germ_plain)
    n_germline = normalise_vcf(germ_plain, genome.path, dirs.truth / "germline.vcf.gz")
    som_plain = dirs.work / "somatic.vcf"
    write_somatic_vcf(tumour.somatic, genome.lengths, som_plain, params.purity)
    n_somatic = normalise_vcf(som_plain, genome.path, dirs.truth / "somatic.vcf.gz")
    baf_kept = expected_germline_baf(tumour.pops, 1, True)
    baf_lost = expected_germline_baf(tumour.pops, 2, True)
    _write_loh_bed(dirs.truth / "loh.bed", tumour.segments, baf_kept, baf_lost)
    n_loh_hets = _write_loh_hets(dirs.truth / "loh_hets.tsv", germline, tumour)
    return _TruthCounts(n_germline, n_somatic, n_loh_hets, baf_kept, baf_lost)


def _write_loh_bed(
    path: Path, segments: list[LohSegment], baf_kept: float, baf_lost: float
) -> None:
    with open(path, "w") as out:
        out.write(
            "#chrom\tstart\tend\ttype\tcopy_number\tlost_haplotype\t"
            "tumour_baf_alt_on_kept_hap\ttumour_baf_alt_on_lost_hap\n"
        )
        for s in segments:
            out.write(
                f"{s.contig}\t{s.start0}\t{s.end0}\tLOH_copy_loss\t1\t2\t"
                f"{_fmt(baf_kept)}\t{_fmt(baf_lost)}\n"
            )


def _write_loh_hets(path: Path, germline: list[GermlineRecord], tumour: _Tumour) -> int:
    """Each germline het allele inside an LOH segment with its expected tumour VAF."""
    n_loh_hets = 0
    with open(path, "w") as out:
        out.write("chrom\tpos\tref\talt\tgt\talt_haplotype\tnormal_vaf\ttumour_vaf\n")
        for rec in germline:
            if rec.gt[0] == rec.gt[1] or not any(
                s.contains(rec.contig, rec.start0, rec.end0) for s in tumour.segments
            ):
                continue
            for hap in (1, 2):
                index = rec.gt[hap - 1]
                if index:
                    n_loh_hets += 1
                    out.write(
                        f"{rec.contig}\t{rec.pos}\t{rec.ref}\t{rec.alts[index - 1]}\t"
                        f"{rec.gt[0]}|{rec.gt[1]}\t{hap}\t0.5\t"
                        f"{_fmt(expected_germline_baf(tumour.pops, hap, True))}\n"
                    )
    return n_loh_hets


def _build_haplotypes(
    params: SimulationParams,
    genome: _Genome,
    germline: list[GermlineRecord],
    tumour: _Tumour,
    hap_dir: Path,
) -> None:
    """``<population>h<hap>.fa``: the normal cells and each tumour population, both haplotypes."""
    hap_jobs = []
    for pop in [Population("N", 1.0, 0)] + [p for p in tumour.pops if p.n_clones > 0]:
        vcf_gz = hap_dir / f"{pop.name}.vcf.gz"
        expected = _population_vcf(
            vcf_gz, germline, tumour.somatic, pop, tumour.segments, genome.seqs, genome.lengths
        )
        for hap in (1, 2):
            label = f"{pop.name}h{hap}"
            hap_jobs.append((vcf_gz, hap, label, hap_dir / f"{label}.fa", expected[hap]))
    with ThreadPoolExecutor(max_workers=max(1, params.threads)) as pool:
        list(pool.map(lambda j: build_haplotype(j[0], genome.path, *j[1:]), hap_jobs))


def _read_jobs(params: SimulationParams, pops: list[Population]) -> list[_ReadJob]:
    """One job per sample, population and haplotype: fold coverage depth * fraction / 2."""
    jobs = []
    for sample, depth, sample_pops in (
        (params.normal_name, params.normal_depth, [Population("N", 1.0, 0)]),
        (params.tumour_name, params.tumour_depth, pops),
    ):
        for pop in sample_pops:
            for hap in (1, 2):
                label = f"{pop.name}h{hap}"
                fold = depth * pop.fraction / 2
                if fold > 0:
                    jobs.append(
                        _ReadJob(sample, label, fold, _seed(params.seed, f"{sample}:{label}"))
                    )
    return jobs


def _simulate_reads(
    params: SimulationParams, pops: list[Population], hap_dir: Path, dirs: _Dirs
) -> _Reads:
    """Run the read jobs (largest first) and concatenate them per sample and mate."""
    fq_dir = dirs.work / "fastq"
    fq_dir.mkdir(exist_ok=True)
    jobs = _read_jobs(params, pops)

    def run(job: _ReadJob) -> tuple[Path, Path]:
        return simulate_reads_job(
            params.simulator,
            hap_dir / f"{job.haplotype}.fa",
            fq_dir / f"{job.sample}_{job.haplotype}",
            job.fold,
            job.seed,
            params.read_length,
            params.fragment_mean,
            params.fragment_sd,
        )

    order_by_size = sorted(range(len(jobs)), key=lambda i: -jobs[i].fold)
    with ThreadPoolExecutor(max_workers=max(1, params.threads)) as pool:
        futures = {i: pool.submit(run, jobs[i]) for i in order_by_size}
        results = [futures[i].result() for i in range(len(jobs))]
    read_counts = {}
    for sample in (params.normal_name, params.tumour_name):
        for mate in (1, 2):
            members = [
                pair[mate - 1]
                for job, pair in zip(jobs, results, strict=True)
                if job.sample == sample
            ]
            _concatenate(members, dirs.reads / f"{sample}_R{mate}.fastq.gz")
        read_counts[sample] = count_fastq_records(dirs.reads / f"{sample}_R1.fastq.gz")
    if not params.keep_intermediate:
        shutil.rmtree(fq_dir)
    return _Reads(jobs, read_counts)


def _concatenate(members: list[Path], dest: Path) -> None:
    """Gzip members back to back: one valid gzip file."""
    with open(dest, "wb") as out:
        for member in members:
            with open(member, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)


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
    genome: _Genome,
    germline: _GermlineTruth,
    tumour: _Tumour,
    truth: _TruthCounts,
    reads: _Reads,
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
    germline: _GermlineTruth, somatic: list[SomaticVariant], truth: _TruthCounts, reads: _Reads
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
