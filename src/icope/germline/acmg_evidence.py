"""In-silico and ClinVar evidence of the ACMG/AMP classifier: PP3, BP4, CLINVAR_P, CLINVAR_B.

ClinVar is scored as separate evidence weighted by review stars (PP5/BP6 are retired); the
weights are tabulated in the :mod:`icope.germline.acmg` docstring. The public names are
re-exported by :mod:`icope.germline.acmg`; import them from there.
"""

from __future__ import annotations

import re
from typing import Any

from icope.germline.acmg_model import (
    CriterionResult,
    Thresholds,
    VariantEvidence,
    signed_points,
    unassessable,
    unmet,
)

# --------------------------------------------------------------------------------------------
# In-silico predictors
# --------------------------------------------------------------------------------------------


def evaluate_pp3(
    evidence: VariantEvidence, thresholds: Thresholds, pvs1: CriterionResult | None = None
) -> CriterionResult:
    """PP3 (Supporting): in-silico score at or above ``thresholds.pp3``.

    Not applied with PVS1 (ClinGen SVI: the predicted null effect is already counted).

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts (``insilico_score``, ``insilico_name``).
    thresholds : Thresholds
        ``pp3`` threshold.
    pvs1 : CriterionResult, optional
        The PVS1 result.

    Returns
    -------
    CriterionResult
        Not assessable without a score.
    """
    score = evidence.insilico_score
    data = {"score": score, "predictor": evidence.insilico_name, "threshold": thresholds.pp3}
    name = evidence.insilico_name
    if score is None:
        return unassessable("PP3", "supporting", f"no {name} score: not assessable", data)
    if score < thresholds.pp3:
        return unmet("PP3", "supporting", f"{name} {score:g} < {thresholds.pp3:g}", data)
    if pvs1 is not None and pvs1.met:
        return unmet(
            "PP3",
            "supporting",
            f"{name} {score:g} >= {thresholds.pp3:g} but PVS1 is met; not counted twice",
            data,
        )
    return CriterionResult(
        "PP3", "supporting", True, 1, f"{name} {score:g} >= {thresholds.pp3:g}", data
    )


def evaluate_bp4(evidence: VariantEvidence, thresholds: Thresholds) -> CriterionResult:
    """BP4 (Supporting): in-silico score at or below ``thresholds.bp4``.

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts (``insilico_score``, ``insilico_name``).
    thresholds : Thresholds
        ``bp4`` threshold.

    Returns
    -------
    CriterionResult
        Not assessable without a score.
    """
    score = evidence.insilico_score
    data = {"score": score, "predictor": evidence.insilico_name, "threshold": thresholds.bp4}
    name = evidence.insilico_name
    if score is None:
        return unassessable("BP4", "supporting", f"no {name} score: not assessable", data)
    if score <= thresholds.bp4:
        return CriterionResult(
            "BP4", "supporting", True, -1, f"{name} {score:g} <= {thresholds.bp4:g}", data
        )
    return unmet("BP4", "supporting", f"{name} {score:g} > {thresholds.bp4:g}", data)


# --------------------------------------------------------------------------------------------
# ClinVar
# --------------------------------------------------------------------------------------------


def clinvar_review_stars(review: str | None) -> int | None:
    """Map a ClinVar review status to review stars (0-4).

    Accepts ClinVar VCF ``CLNREVSTAT`` values (``criteria_provided,_multiple_submitters,
    _no_conflicts``, ``reviewed_by_expert_panel``, ``practice_guideline`` ...), their
    web-page spelling with spaces, and the ``CLNSIG_LEVEL`` vocabulary of the curated TP53
    set (``expert_panel`` -> 3, ``aggregate`` -> 2, ``submission`` -> 1).

    Parameters
    ----------
    review : str or None
        Review status text.

    Returns
    -------
    int or None
        Stars, or None when the text is missing or not recognised.
    """
    if review is None:
        return None
    text = re.sub(r"[\s_,]+", " ", str(review).strip().lower()).strip()
    if not text or text in {".", "na", "none"}:
        return None
    if "practice guideline" in text:
        return 4
    if "expert panel" in text:
        return 3
    if text == "aggregate" or ("multiple submitters" in text and "no conflicts" in text):
        return 2
    if "conflicting" in text:
        return 1
    if text == "submission" or "single submitter" in text:
        return 1
    if text.startswith("no ") or "no assertion" in text or "no classification" in text:
        return 0
    if "criteria provided" in text:
        return 1
    return None


def _clinvar_class(significance: str) -> tuple[str, list[str]]:
    """Return (``pathogenic``/``benign``/``conflicting``/``uncertain``/``other``, terms)."""
    terms = [
        re.sub(r"[\s_]+", " ", t.strip().lower()).strip(" ,")
        for t in re.split(r"[/|;]", significance)
    ]
    terms = [t for t in terms if t]
    if any(t.startswith("conflicting") for t in terms):
        return "conflicting", terms
    path = [t for t in terms if re.fullmatch(r"(likely )?pathogenic(, low penetrance)?", t)]
    benign = [t for t in terms if t in ("benign", "likely benign")]
    if path and benign:
        return "conflicting", terms
    if path:
        return "pathogenic", terms
    if benign:
        return "benign", terms
    if any("uncertain" in t for t in terms):
        return "uncertain", terms
    return "other", terms


def _clinvar_strength(stars: int, pole: str, likely_only: bool) -> str:
    if pole == "pathogenic":
        return "very_strong" if stars >= 2 else "strong" if stars == 1 else "supporting"
    if likely_only:
        return "strong" if stars >= 2 else "supporting"
    return "very_strong" if stars >= 2 else "strong" if stars == 1 else "supporting"


def evaluate_clinvar(evidence: VariantEvidence) -> tuple[CriterionResult, CriterionResult]:
    """ClinVar evidence ``CLINVAR_P`` and ``CLINVAR_B``, weighted by review stars.

    Not ACMG criteria: PP5/BP6 were retired by ClinGen SVI (2018). Like CPSR, ClinVar is
    reported as its own evidence; see :mod:`icope.germline.acmg` for the weights. A P/LP assertion
    counts only if not conflicting; conflicting, uncertain and other assertions (risk factor,
    drug response) give no points but are recorded. Unknown review status counts as 0 stars.

    Parameters
    ----------
    evidence : VariantEvidence
        ``clinvar_significance`` and ``clinvar_review``.

    Returns
    -------
    (CriterionResult, CriterionResult)
        CLINVAR_P and CLINVAR_B.
    """
    sig = evidence.clinvar_significance
    review = evidence.clinvar_review
    stars = clinvar_review_stars(review)
    data: dict[str, Any] = {"clinvar_significance": sig, "clinvar_review": review, "stars": stars}
    if sig is None or not str(sig).strip() or str(sig).strip() == ".":
        text = "no ClinVar assertion for this variant"
        return (
            CriterionResult("CLINVAR_P", "supporting", False, 0, text, dict(data)),
            CriterionResult("CLINVAR_B", "supporting", False, 0, text, dict(data)),
        )
    pole, terms = _clinvar_class(str(sig))
    data["assertion_class"] = pole
    used_stars = stars if stars is not None else 0
    star_text = f"{used_stars} star(s)" + (
        f" (review '{review}')" if stars is not None else " (review status unknown: counted as 0)"
    )
    return (
        _clinvar_evidence("CLINVAR_P", "pathogenic", terms, used_stars, star_text, data),
        _clinvar_evidence("CLINVAR_B", "benign", terms, used_stars, star_text, data),
    )


def _clinvar_evidence(
    code: str, side: str, terms: list[str], stars: int, star_text: str, data: dict
) -> CriterionResult:
    """CLINVAR_P (``side`` pathogenic) or CLINVAR_B (benign): met when the assertion's class
    (``data["assertion_class"]``) is that side, at a strength set by the review stars."""
    sig, pole = data["clinvar_significance"], data["assertion_class"]
    if pole != side:
        return unmet(
            code, "supporting", f"ClinVar {sig} ({pole}), {star_text}: no {side} points", dict(data)
        )
    strength = _clinvar_strength(stars, side, "likely benign" in terms)
    return CriterionResult(
        code,
        strength,
        True,
        signed_points(strength, benign=side == "benign"),
        f"ClinVar {sig}, {star_text}: {strength.replace('_', ' ')}",
        dict(data),
    )
