"""Tumour side of the simulator: nested clones and cell populations, exact expected VAF/BAF,
LOH segments, the mask of bases allowed to carry a somatic variant, and seeded somatic placement.

See "Clone design" and "Somatic variants" in :mod:`icope.bench.simulate` for the rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from icope.bench.sim_model import (
    MIN_DISTANCE,
    Clone,
    Genome,
    GermlineRecord,
    LohSegment,
    Population,
    SimulationError,
    SimulationParams,
    SomaticVariant,
    Tumour,
)

_EPS = 1e-9


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


def parse_interval(text: str) -> tuple[str, int, int]:
    """``chr:START-END`` (1-based inclusive) -> (chr, start0, end0)."""
    m = re.fullmatch(r"([^:\s]+):([\d,]+)-([\d,]+)", text.strip())
    if not m:
        raise SimulationError(f"interval {text!r}: expected CONTIG:START-END")
    start, end = int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))
    if start < 1 or end < start:
        raise SimulationError(f"interval {text!r}: bad coordinates")
    return m.group(1), start - 1, end


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


# ----------------------------------------------------------------------------- tumour step


def design_tumour(
    params: SimulationParams,
    genome: Genome,
    confident: list[tuple[str, int, int]],
    germline: list[GermlineRecord],
    segments: list[LohSegment],
) -> Tumour:
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
    return Tumour(clones, plan, pops, segments, somatic)
