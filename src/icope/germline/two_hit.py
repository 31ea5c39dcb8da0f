"""Two-hit analysis: does the tumour carry a second hit in a gene with a germline
pathogenic / likely pathogenic variant?

For every such variant in a tumour-suppressor gene (loss-of-function mechanism) the tumour is
searched for
- loss of heterozygosity or copy loss over the variant (copy-number segments),
- a somatic SNV/indel that passed the filters in the same gene,
- allelic imbalance of the germline allele itself: its VAF in the tumour read pileup compared
  with the normal (retained mutant allele -> VAF rises towards 1; lost mutant allele -> falls).

The flag is ``second hit found`` when any of these is present, ``not found`` when the tumour
was assessable for copy number at the variant (or its VAF could be measured) and nothing was
found, and ``not assessable`` otherwise; every result carries its evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd
import pysam

from icope.core.tables import read_tsv
from icope.core.variants import read_variants
from icope.germline.predisposition import PATHOGENIC

TWO_HIT_COLUMNS = [
    "patient",
    "tumour",
    "gene",
    "chrom",
    "pos",
    "ref",
    "alt",
    "germline_class",
    "normal_vaf",
    "tumour_vaf",
    "tumour_depth",
    "allelic_imbalance",
    "cnv_call",
    "cnv_segment",
    "somatic_hits",
    "second_hit",
    "evidence",
]
LOH_CALLS = {"LOH_copy_loss", "copy_neutral_LOH", "loss"}
#: A germline het whose tumour VAF moves this far from 0.5 shows allelic imbalance.
IMBALANCE_DELTA = 0.2
MIN_VAF_DEPTH = 20


@dataclass
class TwoHitResult:
    patient: str
    tumour: str
    gene: str
    chrom: str
    pos: int
    ref: str
    alt: str
    germline_class: str
    normal_vaf: float | None = None
    tumour_vaf: float | None = None
    tumour_depth: int = 0
    allelic_imbalance: str = "not assessable"
    cnv_call: str = "not assessable"
    cnv_segment: str = ""
    somatic_hits: str = ""
    second_hit: str = "not assessable"
    evidence: list[str] = field(default_factory=list)

    def as_row(self) -> dict:
        row = asdict(self)
        row["evidence"] = "; ".join(self.evidence)
        return row


def allele_counts(
    bam: str,
    chrom: str,
    pos: int,
    ref: str,
    alt: str,
    reference: str | None = None,
    min_mapq: int = 20,
    min_baseq: int = 20,
) -> tuple[int, int]:
    """(ref reads, alt reads) at a SNV or indel, from the alignment itself.

    Indels are counted from the read's own CIGAR at the anchor base: an alt read carries an
    insertion/deletion of the expected length right after ``pos``.
    """
    ref_n = alt_n = 0
    indel = len(ref) - len(alt)
    with pysam.AlignmentFile(bam, reference_filename=reference) as aln:
        for column in aln.pileup(
            chrom,
            pos - 1,
            pos,
            truncate=True,
            min_base_quality=min_baseq,
            min_mapping_quality=min_mapq,
            stepper="samtools",
            ignore_orphans=False,
        ):
            for read in column.pileups:
                if read.is_refskip:
                    continue
                if indel:
                    if read.indel == -indel:
                        alt_n += 1
                    elif read.indel == 0 and not read.is_del:
                        ref_n += 1
                    continue
                if read.is_del or read.query_position is None:
                    continue
                base = read.alignment.query_sequence[read.query_position]
                if base == alt:
                    alt_n += 1
                elif base == ref:
                    ref_n += 1
    return ref_n, alt_n


def _segment_at(segments: pd.DataFrame | None, chrom: str, pos: int):
    if segments is None or segments.empty:
        return None
    hits = segments[
        (segments["chrom"] == chrom) & (segments["start"] < pos) & (segments["end"] >= pos)
    ]
    return None if hits.empty else hits.iloc[0]


def _imbalance_label(shift: float) -> str:
    if shift >= IMBALANCE_DELTA:
        return "mutant allele retained"
    if shift <= -IMBALANCE_DELTA:
        return "mutant allele lost"
    return "balanced"


def _assess_allelic_imbalance(
    result: TwoHitResult, tumour_bam: str | None, reference: str | None
) -> bool:
    """Tumour VAF of the germline allele against the normal's; True when it was measurable."""
    if not tumour_bam:
        return False
    ref_n, alt_n = allele_counts(
        tumour_bam, result.chrom, result.pos, result.ref, result.alt, reference
    )
    result.tumour_depth = ref_n + alt_n
    if result.tumour_depth < MIN_VAF_DEPTH:
        result.evidence.append(
            f"tumour depth {result.tumour_depth} < {MIN_VAF_DEPTH} at the variant"
        )
        return False
    result.tumour_vaf = round(alt_n / result.tumour_depth, 3)
    baseline = result.normal_vaf if result.normal_vaf is not None else 0.5
    shift = round(result.tumour_vaf - baseline, 6)  # 0.7 - 0.5 must count as 0.2
    result.allelic_imbalance = _imbalance_label(shift)
    result.evidence.append(
        f"germline allele VAF tumour {result.tumour_vaf} ({alt_n}/{result.tumour_depth}"
        f" reads) vs normal {baseline:.3g}: {result.allelic_imbalance}"
    )
    return True


def _assess_copy_number(result: TwoHitResult, segments: pd.DataFrame | None) -> bool:
    """The copy-number call of the segment over the variant; True when it is assessable."""
    segment = _segment_at(segments, result.chrom, result.pos)
    if segment is None or segment["call"] == "not_assessable":
        if segments is not None:
            result.evidence.append("copy number not assessable at the variant")
        return False
    result.cnv_call = str(segment["call"])
    result.cnv_segment = f"{segment['chrom']}:{int(segment['start']) + 1}-{int(segment['end'])}"
    result.evidence.append(
        f"copy-number segment {result.cnv_segment}: {result.cnv_call} "
        f"(log2 {segment['log2']:.2f}, mirrored BAF {segment['baf_mirrored_median']})"
    )
    return True


def _assess_somatic(result: TwoHitResult, somatic: pd.DataFrame | None) -> bool:
    """PASS somatic SNVs/indels in the same gene; True when somatic calls were given."""
    if somatic is None or somatic.empty:
        return False
    hits = somatic[
        (somatic["filter"] == "PASS")
        & somatic["all_genes"].fillna("").str.split(",").apply(lambda genes: result.gene in genes)
    ]
    result.somatic_hits = ";".join(
        f"{r.chrom}:{r.pos}{r.ref}>{r.alt} {r.consequence or ''} TAF {r.tumour_af}"
        for r in hits.itertuples()
    )
    if result.somatic_hits:
        result.evidence.append(f"somatic variant(s) in {result.gene}: {result.somatic_hits}")
    return True


def assess(
    variant: dict,
    patient: str,
    tumour: str,
    tumour_bam: str | None,
    segments: pd.DataFrame | None,
    somatic: pd.DataFrame | None,
    reference: str | None = None,
) -> TwoHitResult:
    """Two-hit evidence for one germline P/LP variant (a row of the classification table)."""
    result = TwoHitResult(
        patient,
        tumour,
        variant["gene"],
        variant["chrom"],
        int(variant["pos"]),
        variant["ref"],
        variant["alt"],
        variant["acmg_class"],
        normal_vaf=None if pd.isna(variant.get("vaf")) else float(variant["vaf"]),
    )
    # every kind of evidence is collected (in this order), whether or not another was found
    assessable = [
        _assess_allelic_imbalance(result, tumour_bam, reference),
        _assess_copy_number(result, segments),
        _assess_somatic(result, somatic),
    ]
    found = (
        result.cnv_call in LOH_CALLS
        or bool(result.somatic_hits)
        or result.allelic_imbalance == "mutant allele retained"
    )
    result.second_hit = "found" if found else "not found" if any(assessable) else "not assessable"
    return result


def two_hit_candidates(panel: pd.DataFrame) -> pd.DataFrame:
    """The germline variants assessed for a second hit: ACMG class pathogenic or likely
    pathogenic, in a gene whose mechanism includes loss of function (``LoF``).

    A table without a ``mechanism`` column keeps every P/LP variant; a missing mechanism in a
    row does not count as loss of function.
    """
    candidates = panel[panel["acmg_class"].isin(PATHOGENIC)]
    if "mechanism" not in candidates:
        return candidates
    return candidates[candidates["mechanism"].fillna("").str.contains("LoF")]


def _somatic_calls(path: str | None, patient: str) -> pd.DataFrame | None:
    if not path:
        return None
    return pd.DataFrame([r.as_dict() for r in read_variants(path, patient, "somatic")])


def assess_patient(
    panel: pd.DataFrame,
    patient: str,
    tumours: dict[str, dict],
    reference: str | None = None,
) -> pd.DataFrame:
    """Two-hit results of every candidate (:func:`two_hit_candidates`) in every tumour.

    ``tumours`` is the per-tumour manifest ``{tumour: {"somatic": path, "segments": path,
    "bam": path}}``, in the order of the results; a missing or None ``somatic`` / ``segments``
    (a tumour without copy number) is not assessed for that kind of hit.
    """
    candidates = two_hit_candidates(panel).to_dict("records")
    results = []
    for tumour, files in tumours.items():
        somatic = _somatic_calls(files.get("somatic"), patient)
        segments = read_tsv(files["segments"]) if files.get("segments") else None
        results += [
            assess(
                variant, patient, tumour, files.get("bam"), segments, somatic, reference
            ).as_row()
            for variant in candidates
        ]
    return pd.DataFrame(results, columns=TWO_HIT_COLUMNS)
