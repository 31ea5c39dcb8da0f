"""Annotated VCFs as flat variant rows: one shape for panel tables, reports and cohort tables.

Gene, transcript, consequence and HGVS come from the shared preferred-transcript choice when
an :class:`icope.core.hgvs.Annotator` is given (:func:`icope.core.hgvs.load_annotator`), so
every output names the same transcript; without one, from bcftools csq's BCSQ (no HGVS).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from cyvcf2 import VCF

from icope.core.hgvs import SEVERITY, Annotator

#: Column order of every variant table the pipeline writes (panel, cohort).
VARIANT_COLUMNS = [
    "patient",
    "sample",
    "origin",
    "normal_sample",
    "chrom",
    "pos",
    "ref",
    "alt",
    "variant_type",
    "id",
    "qual",
    "filter",
    "genotype",
    "depth",
    "alt_depth",
    "vaf",
    "tumour_depth",
    "tumour_af",
    "normal_depth",
    "normal_af",
    "gene",
    "transcript",
    "biotype",
    "consequence",
    "hgvs_c",
    "hgvs_p",
    "all_genes",
    "gnomad_af",
    "clinvar_significance",
    "clinvar_review",
]

#: bcftools csq consequence terms, most severe first (those HGVS names, then intergenic).
CONSEQUENCE_SEVERITY = [*SEVERITY, "intergenic"]
_RANK = {term: i for i, term in enumerate(CONSEQUENCE_SEVERITY)}


@dataclass
class Consequence:
    consequence: str
    gene: str
    transcript: str = ""
    biotype: str = ""
    protein_change: str = ""
    dna_change: str = ""

    @property
    def terms(self) -> list[str]:
        return self.consequence.lstrip("*").split("&")

    @property
    def rank(self) -> int:
        return min((_RANK.get(t, len(_RANK)) for t in self.terms), default=len(_RANK))


def parse_bcsq(value: str | None) -> list[Consequence]:
    """Parse a bcftools csq BCSQ INFO value (comma-separated, pipe-delimited entries).

    >>> [c.gene for c in parse_bcsq("missense|CCT8L2|ENST1|protein_coding|-|320W>320R|21594A>G")]
    ['CCT8L2']
    """
    if not value:
        return []
    result = []
    for entry in value.split(","):
        if entry.startswith("@"):  # points at another record carrying the joint consequence
            continue
        parts = entry.split("|") + [""] * 7
        result.append(Consequence(parts[0], parts[1], parts[2], parts[3], parts[5], parts[6]))
    return result


def worst_consequence(
    consequences: list[Consequence], preferred: dict[str, int] | None = None
) -> Consequence | None:
    """The consequence to report: on the most preferred transcript (MANE Select, then
    canonical: ``preferred`` maps transcript id to rank) when the variant touches one, the most
    severe one otherwise; ties go to the first (annotation order)."""
    if not consequences:
        return None
    if preferred:
        ranked = [c for c in consequences if c.transcript in preferred]
        if ranked:
            best = min(preferred[c.transcript] for c in ranked)
            consequences = [c for c in ranked if preferred[c.transcript] == best]
    return min(consequences, key=lambda c: c.rank)


@dataclass
class VariantRow:
    patient: str
    sample: str
    origin: str
    chrom: str
    pos: int
    ref: str
    alt: str
    normal_sample: str = ""
    variant_type: str = ""
    id: str = ""
    qual: float | None = None
    filter: str = "PASS"
    genotype: str = ""
    depth: int | None = None
    alt_depth: int | None = None
    vaf: float | None = None
    tumour_depth: int | None = None
    tumour_af: float | None = None
    normal_depth: int | None = None
    normal_af: float | None = None
    gene: str = ""
    transcript: str = ""
    biotype: str = ""
    consequence: str = ""
    hgvs_c: str = ""
    hgvs_p: str = ""
    all_genes: str = ""
    gnomad_af: float | None = None
    clinvar_significance: str = ""
    clinvar_review: str = ""
    extra: dict = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        row = asdict(self)
        row.pop("extra")
        return {key: row[key] for key in VARIANT_COLUMNS}


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else float(f"{number:.6g}")


def _variant_type(ref: str, alt: str) -> str:
    if len(ref) == len(alt) == 1:
        return "SNV"
    if len(ref) == len(alt):
        return "MNV"
    return "indel"


def _genotype(gt: list) -> str:
    alleles = ["." if a < 0 else str(a) for a in gt[:-1]]
    return ("|" if gt[-1] else "/").join(alleles)


def _set_sample_fields(row: VariantRow, v) -> None:
    """Genotype, depth and VAF of the VCF's first sample (AD preferred over DP)."""
    row.genotype = _genotype(v.genotypes[0])
    ad = v.format("AD")
    dp = v.format("DP")
    # cyvcf2 gives missing integers as large negative numbers
    if ad is not None and ad.shape[1] >= 2 and ad[0][0] >= 0 and ad[0][1] >= 0:
        ref_n, alt_n = int(ad[0][0]), int(ad[0][1])
        row.depth, row.alt_depth = ref_n + alt_n, alt_n
        row.vaf = round(alt_n / row.depth, 4) if row.depth else None
    elif dp is not None and dp[0][0] >= 0:
        row.depth = int(dp[0][0])


def _set_somatic_fields(row: VariantRow, v) -> None:
    row.tumour_depth = _int(v.INFO.get("TDP"))
    row.tumour_af = _number(v.INFO.get("TAF"))
    row.normal_depth = _int(v.INFO.get("NDP"))
    row.normal_af = _number(v.INFO.get("NAF"))


def _set_consequence(row: VariantRow, consequences: list[Consequence], preferred) -> None:
    """Gene, transcript, consequence (and HGVS with an annotator) of the row."""
    if isinstance(preferred, Annotator):
        found = preferred.annotate(row.chrom, row.pos, row.ref, row.alt)
        if found is None:
            row.consequence = "intergenic" if row.alt not in ("*", ".") else ""
            return
        row.gene, row.transcript, row.biotype = found.gene, found.transcript, found.biotype
        row.consequence, row.hgvs_c, row.hgvs_p = found.consequence, found.hgvs_c, found.hgvs_p
        row.all_genes = ",".join(sorted({*row.all_genes.split(","), found.gene} - {""}))
        return
    worst = worst_consequence(consequences, preferred)
    if worst is not None:
        row.gene, row.transcript, row.biotype = worst.gene, worst.transcript, worst.biotype
        row.consequence = worst.consequence


def _variant_row(v, samples, patient, origin, normal_sample, preferred) -> VariantRow:
    alt = v.ALT[0] if v.ALT else "."
    consequences = parse_bcsq(v.INFO.get("BCSQ"))
    row = VariantRow(
        patient=patient,
        sample=samples[0] if samples else "",
        origin=origin,
        normal_sample=normal_sample,
        chrom=v.CHROM,
        pos=v.POS,
        ref=v.REF,
        alt=alt,
        variant_type=_variant_type(v.REF, alt),
        id=v.ID or "",
        qual=None if v.QUAL is None else round(float(v.QUAL), 2),
        filter=v.FILTER or "PASS",
        gnomad_af=_number(v.INFO.get("gnomAD_AF")),
        clinvar_significance=_text(v.INFO.get("CLINVAR_SIG")),
        clinvar_review=_text(v.INFO.get("CLINVAR_REVIEW")),
        all_genes=",".join(sorted({c.gene for c in consequences if c.gene})),
    )
    _set_consequence(row, consequences, preferred)
    if samples:
        _set_sample_fields(row, v)
    if origin == "somatic":
        _set_somatic_fields(row, v)
    return row


def read_variants(
    path: str,
    patient: str,
    origin: str,
    normal_sample: str = "",
    preferred: Annotator | dict[str, int] | None = None,
) -> list[VariantRow]:
    """Read an annotated germline (one sample) or somatic (tumour[, normal]) VCF.

    ``preferred`` is the shared transcript choice: an :class:`~icope.core.hgvs.Annotator`
    (:func:`icope.core.hgvs.load_annotator`: consequence, ``hgvs_c`` and ``hgvs_p`` computed on
    each gene's preferred transcript), or a transcript rank map
    (:func:`icope.core.annotation.transcript_preference`: BCSQ's consequence on that
    transcript, no HGVS).
    """
    vcf = VCF(path)
    samples = vcf.samples
    rows = [_variant_row(v, samples, patient, origin, normal_sample, preferred) for v in vcf]
    vcf.close()
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def _int(value) -> int | None:
    number = _number(value)
    return None if number is None else int(number)
