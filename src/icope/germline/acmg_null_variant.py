"""Null-variant and protein-length criteria of the ACMG/AMP classifier: PVS1, PM4.

Consequence terms (bcftools csq or VEP) are normalised by :func:`consequence_terms`. The public
names are re-exported by :mod:`icope.germline.acmg`; import them from there.
"""

from __future__ import annotations

import re
from typing import Any

from icope.germline.acmg_model import (
    POINTS,
    CriterionResult,
    GeneInfo,
    VariantEvidence,
    unassessable,
    unmet,
)

NULL_CONSEQUENCES = frozenset(
    {"stop_gained", "frameshift", "splice_acceptor", "splice_donor", "start_lost"}
)
"""Consequence terms (bcftools csq / VEP without ``_variant``) treated as null for PVS1."""

LENGTH_CHANGING_CONSEQUENCES = frozenset(
    {"inframe_insertion", "inframe_deletion", "inframe_altering", "stop_lost"}
)
"""Consequence terms that change protein length without a frameshift (PM4)."""


def consequence_terms(consequence: str | None) -> tuple[set[str], bool]:
    """Split a consequence into normalised terms.

    Parameters
    ----------
    consequence : str or None
        ``frameshift&splice_acceptor``, ``*missense``, ``stop_gained_variant`` ...

    Returns
    -------
    (set of str, bool)
        Terms without ``_variant`` suffix, and whether the consequence was prefixed ``*``
        (bcftools csq: downstream of a stop on the same haplotype, so the effect is moot).
    """
    text = (consequence or "").strip()
    downstream = text.startswith("*")
    terms: set[str] = set()
    for part in re.split(r"[&,|]", text.lstrip("*")):
        term = part.strip().lstrip("*").lower()
        if term.endswith("_variant"):
            term = term[: -len("_variant")]
        if term:
            terms.add(term)
    return terms, downstream


# --------------------------------------------------------------------------------------------
# Criteria
# --------------------------------------------------------------------------------------------


def evaluate_pvs1(evidence: VariantEvidence, gene_info: GeneInfo) -> CriterionResult:
    """PVS1: null variant in a gene where loss of function causes disease.

    A simplified version of the ClinGen SVI PVS1 decision tree (Abou Tayoun et al. 2018):
    stop_gained, frameshift, canonical splice acceptor/donor (also inside compound terms such
    as ``frameshift&splice_acceptor``) count at Very Strong, downgraded to Strong when the
    variant is in the last exon or otherwise escapes NMD, and start_lost counts at Moderate.
    The finer branches (fraction of protein removed, alternative start codons, exon skipping
    preserving the reading frame) need transcript-level data that are not available here.

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts.
    gene_info : GeneInfo
        Gene mechanism (CPSR CPG_MOD).

    Returns
    -------
    CriterionResult
        Not met for GoF-only genes; not assessable (``met=None``) when the mechanism is unknown.
    """
    terms, downstream = consequence_terms(evidence.consequence)
    null_terms = sorted(terms & NULL_CONSEQUENCES)
    data: dict[str, Any] = {
        "consequence": evidence.consequence,
        "null_terms": null_terms,
        "mechanism": gene_info.mechanism,
        "is_last_exon_or_nmd_escape": evidence.is_last_exon_or_nmd_escape,
    }
    only_start_lost = null_terms == ["start_lost"]
    result = _pvs1_not_null(evidence, null_terms, downstream, data)
    if result is None:
        result = _pvs1_mechanism(gene_info, null_terms, only_start_lost, data)
    if result is not None:
        return result
    strength, note = _pvs1_strength(evidence.is_last_exon_or_nmd_escape, only_start_lost)
    return CriterionResult(
        "PVS1",
        strength,
        True,
        POINTS[strength],
        f"null variant ({', '.join(null_terms)}) in {gene_info.symbol} "
        f"(mechanism {gene_info.mechanism}); {note}",
        data,
    )


def _pvs1_not_null(
    evidence: VariantEvidence, null_terms: list[str], downstream: bool, data: dict
) -> CriterionResult | None:
    """PVS1 not met because the consequence is no null variant, or one that does not count."""
    if not null_terms:
        return unmet(
            "PVS1",
            "very_strong",
            f"consequence '{evidence.consequence}' is not a null variant",
            data,
        )
    if downstream:
        return unmet(
            "PVS1",
            "very_strong",
            f"consequence '{evidence.consequence}' lies downstream of a stop on the same "
            "haplotype (bcftools csq '*'); its effect is superseded",
            data,
        )
    return None


def _pvs1_mechanism(
    gene_info: GeneInfo, null_terms: list[str], only_start_lost: bool, data: dict
) -> CriterionResult | None:
    """PVS1 not assessable (unknown mechanism) or not met (LoF is no disease mechanism)."""
    strength = "moderate" if only_start_lost else "very_strong"
    mechanisms = gene_info.mechanisms
    if mechanisms is None:
        return unassessable(
            "PVS1",
            strength,
            f"null variant ({', '.join(null_terms)}) but the disease mechanism of "
            f"{gene_info.symbol} is unknown (CPG_MOD '{gene_info.mechanism}'): not assessable",
            data,
        )
    if "LOF" not in mechanisms:
        return unmet(
            "PVS1",
            strength,
            f"null variant ({', '.join(null_terms)}) but {gene_info.symbol} acts by "
            f"{gene_info.mechanism} only; loss of function is not a known disease mechanism",
            data,
        )
    return None


def _pvs1_strength(last_exon_or_nmd_escape: bool | None, only_start_lost: bool) -> tuple[str, str]:
    """The strength PVS1 is met at, and why (ClinGen SVI decision tree, simplified)."""
    if only_start_lost:
        return "moderate", "start_lost: Moderate (ClinGen SVI)"
    if last_exon_or_nmd_escape is True:
        return "strong", "last exon / escapes NMD: downgraded to Strong"
    if last_exon_or_nmd_escape is None:
        return "very_strong", "NMD status unknown: not downgraded"
    return "very_strong", "predicted to undergo NMD"


def evaluate_pm4(evidence: VariantEvidence, pvs1: CriterionResult | None = None) -> CriterionResult:
    """PM4: protein length change by in-frame insertion/deletion or stop_lost.

    Out of scope: the ACMG exclusion of in-frame indels in repetitive regions (BP3 territory)
    is *not* checked, as no repeat annotation is bundled; nor is CPSR's PM4_Supporting for
    single-residue changes. Not applied when PVS1 is met (no double counting).

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts.
    pvs1 : CriterionResult, optional
        The PVS1 result.

    Returns
    -------
    CriterionResult
    """
    terms, downstream = consequence_terms(evidence.consequence)
    hits = sorted(terms & LENGTH_CHANGING_CONSEQUENCES)
    data = {"consequence": evidence.consequence, "length_changing_terms": hits}
    if not hits:
        return unmet(
            "PM4",
            "moderate",
            f"consequence '{evidence.consequence}' does not change protein length in frame",
            data,
        )
    if downstream:
        return unmet(
            "PM4",
            "moderate",
            "consequence downstream of a stop on the same haplotype (bcftools csq '*')",
            data,
        )
    if pvs1 is not None and pvs1.met:
        return unmet("PM4", "moderate", "PVS1 is met; PM4 not applied on top of it", data)
    return CriterionResult(
        "PM4",
        "moderate",
        True,
        POINTS["moderate"],
        f"protein length change ({', '.join(hits)}); repeat regions not checked",
        data,
    )
