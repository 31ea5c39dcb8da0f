"""RNA allele counts at DNA calls and allele-specific expression (ASE).

At every germline call within a panel gene (within any gene without a panel) and every somatic
call, the tumour RNA's reads are counted per allele. The expressed alt fraction is compared
with the DNA's by an exact two-sided binomial test: an allele the DNA carries at VAF 0.5 but
the RNA shows at 0.02 (e.g. a truncating allele degraded by nonsense-mediated decay) gets a
small p-value and the ``ase`` flag. Below ``min_depth`` RNA reads the test is not done
("not assessable"), and a site without any RNA read says "no RNA coverage", never 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pysam

NO_COVERAGE = "no RNA coverage"
NOT_ANALYSED = "not analysed"

ALLELE_COLUMNS = [
    "patient",
    "rna_sample",
    "dna_sample",
    "origin",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "genotype",
    "dna_vaf",
    "rna_ref",
    "rna_alt",
    "rna_depth",
    "rna_vaf",
    "ase",
    "ase_p",
    "rna_status",
]


@dataclass
class Site:
    """One DNA call to look up in RNA; ``dna_vaf`` is the VAF the RNA is tested against."""

    origin: str
    dna_sample: str
    chrom: str
    pos: int
    ref: str
    alt: str
    gene: str = ""
    genotype: str = ""
    dna_vaf: float | None = None


def binomial_two_sided_p(k: int, n: int, p: float) -> float:
    """Exact two-sided binomial p-value (the sum of outcomes no likelier than k), as
    scipy.stats.binomtest computes it.

    >>> round(binomial_two_sided_p(0, 20, 0.5), 8)
    1.907e-06
    >>> binomial_two_sided_p(10, 20, 0.5)
    1.0
    """
    if n == 0:
        return 1.0
    p = min(max(p, 1e-9), 1 - 1e-9)

    def log_pmf(i: int) -> float:
        return (
            math.lgamma(n + 1)
            - math.lgamma(i + 1)
            - math.lgamma(n - i + 1)
            + i * math.log(p)
            + (n - i) * math.log1p(-p)
        )

    observed = log_pmf(k)
    # relative tolerance as in scipy (1 + 1e-7)
    bound = observed + math.log1p(1e-7)
    total = sum(math.exp(lp) for lp in map(log_pmf, range(n + 1)) if lp <= bound)
    return min(1.0, total)


def _read_allele(read: pysam.PileupRead, site: Site) -> str | None:
    """'ref', 'alt' or None (another allele, a deletion or a splice gap at the site)."""
    if read.is_del or read.is_refskip or read.query_position is None:
        return None
    aln = read.alignment
    qpos = read.query_position
    seq = aln.query_sequence
    if len(site.ref) == 1 and len(site.alt) == 1:
        base = seq[qpos]
        return "ref" if base == site.ref else "alt" if base == site.alt else None
    # Indels (VCF-anchored): the read carries the alt if its indel after this base matches.
    expected = len(site.alt) - len(site.ref)
    if read.indel == expected and expected != 0:
        return "alt"
    if read.indel == 0:
        return "ref"
    return None


def count_site(
    bam: pysam.AlignmentFile, site: Site, min_base_quality: int, min_mapq: int
) -> tuple[int, int]:
    """RNA reads carrying the ref and the alt allele (primary, not duplicate, MAPQ and base
    quality at least the minimum)."""
    ref = alt = 0
    for column in bam.pileup(
        site.chrom,
        site.pos - 1,
        site.pos,
        truncate=True,
        min_base_quality=min_base_quality,
        min_mapping_quality=min_mapq,
        ignore_orphans=False,
        max_depth=1_000_000,
    ):
        for read in column.pileups:
            if read.alignment.is_secondary or read.alignment.is_supplementary:
                continue
            allele = _read_allele(read, site)
            ref += allele == "ref"
            alt += allele == "alt"
    return ref, alt


def judge(
    ref: int, alt: int, dna_vaf: float | None, min_depth: int, max_p: float
) -> tuple[object, object, object, str]:
    """(rna_vaf, ase, ase_p, status) of one site's RNA counts."""
    depth = ref + alt
    if depth == 0:
        return NO_COVERAGE, NO_COVERAGE, NO_COVERAGE, NO_COVERAGE
    vaf = round(alt / depth, 4)
    if dna_vaf is None:
        return vaf, "not assessable", "not assessable", "no DNA VAF"
    if depth < min_depth:
        return vaf, "not assessable", "not assessable", f"RNA depth {depth} < {min_depth}"
    p = binomial_two_sided_p(alt, depth, dna_vaf)
    return vaf, p < max_p, float(f"{p:.4g}"), "tested"


def allele_counts(
    bam_path: str,
    sites: list[Site],
    *,
    patient: str,
    rna_sample: str,
    min_depth: int,
    max_p: float,
    min_base_quality: int,
    min_mapq: int,
) -> list[dict]:
    """One row per site (ALLELE_COLUMNS) for one RNA sample."""
    rows = []
    with pysam.AlignmentFile(bam_path) as bam:
        contigs = set(bam.references)
        for site in sites:
            ref, alt = (
                count_site(bam, site, min_base_quality, min_mapq)
                if site.chrom in contigs
                else (0, 0)
            )
            rna_vaf, ase, p, status = judge(ref, alt, site.dna_vaf, min_depth, max_p)
            record = asdict(site)
            record.update(
                patient=patient,
                rna_sample=rna_sample,
                rna_ref=ref,
                rna_alt=alt,
                rna_depth=ref + alt,
                rna_vaf=rna_vaf,
                ase=ase,
                ase_p=p,
                rna_status=status,
            )
            rows.append({key: record[key] for key in ALLELE_COLUMNS})
    return rows


def gene_spans(gene_table, genes: set[str] | None) -> dict[str, list[tuple[int, int, str]]]:
    """Per contig the (start, end, name) of the annotation's genes (only ``genes`` if given)."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for g in gene_table.itertuples():
        if genes is None or g.gene_name in genes:
            spans.setdefault(str(g.chrom), []).append((int(g.start), int(g.end), g.gene_name))
    return spans


def _genes_at(spans, chrom: str, pos: int) -> list[str]:
    return [name for start, end, name in spans.get(chrom, []) if start <= pos <= end]


def sites_from_variants(rows, origin: str, spans=None) -> list[Site]:
    """Sites from icope.core.variants.VariantRow records (PASS calls); germline ones only
    within the gene ``spans`` (see gene_spans), somatic ones all."""
    sites = []
    for v in rows:
        if v.filter not in ("PASS", "."):
            continue
        in_genes = _genes_at(spans or {}, v.chrom, int(v.pos))
        if origin == "germline" and not in_genes:
            continue
        vaf = v.vaf if origin == "germline" else v.tumour_af
        sites.append(
            Site(
                origin=origin,
                dna_sample=v.sample,
                chrom=v.chrom,
                pos=int(v.pos),
                ref=v.ref,
                alt=v.alt,
                gene=v.gene or ",".join(in_genes),
                genotype=v.genotype,
                dna_vaf=None if vaf is None else float(vaf),
            )
        )
    return sites
