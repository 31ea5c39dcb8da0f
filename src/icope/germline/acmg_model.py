"""Data model of the ACMG/AMP classifier: evidence, thresholds, criterion results, points.

Shared by the criterion modules (:mod:`icope.germline.acmg_null_variant`,
:mod:`icope.germline.acmg_population`, :mod:`icope.germline.acmg_evidence`) and by
:mod:`icope.germline.acmg`, which re-exports every public name defined here; import them from
``icope.germline.acmg``. This module imports no other ``acmg_*`` module.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------


POINTS: dict[str, int] = {
    "stand_alone": 8,
    "very_strong": 8,
    "strong": 4,
    "moderate": 2,
    "supporting": 1,
}
"""Absolute points per strength (Tavtigian et al. 2020); benign criteria count negative."""

_STRENGTH_LABEL = {
    "stand_alone": "StandAlone",
    "very_strong": "VeryStrong",
    "strong": "Strong",
    "moderate": "Moderate",
    "supporting": "Supporting",
}

#: Default strength of each implemented code; a result at another strength is labelled with a
#: suffix (``PVS1_Strong``, ``PM2_Supporting``).
DEFAULT_STRENGTH: dict[str, str] = {
    "PVS1": "very_strong",
    "PM2": "moderate",
    "PM4": "moderate",
    "PP3": "supporting",
    "BA1": "stand_alone",
    "BS1": "strong",
    "BP4": "supporting",
}


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------


@dataclass
class VariantEvidence:
    """Everything the classifier knows about one variant.

    Parameters
    ----------
    gene : str
        HGNC symbol.
    consequence : str
        bcftools csq consequence term, possibly compound (``frameshift&splice_acceptor``) and
        possibly prefixed ``*`` (consequence downstream of a stop on the same haplotype). VEP
        terms (``stop_gained``, ``frameshift_variant``) are accepted as well.
    protein_change : str
        HGVS p. or bcftools amino-acid change, for the report only.
    is_last_exon_or_nmd_escape : bool or None
        True if the truncation lies in the last exon or otherwise escapes NMD; None if unknown.
    population_af : float or None
        Allele frequency in the population source; None when the variant is absent from it.
    population_assessable : bool
        False when no frequency source covers the variant. Frequency criteria are then *not
        assessable* (never "absent").
    population_source : str
        Name of the frequency source (e.g. ``gnomAD v4.1 joint``).
    insilico_score : float or None
        Score of a REVEL-like missense predictor; None if not available.
    insilico_name : str
        Name of that predictor.
    clinvar_significance : str or None
        ClinVar CLNSIG (e.g. ``Pathogenic/Likely_pathogenic``); None if not in ClinVar.
    clinvar_review : str or None
        ClinVar CLNREVSTAT or the CLNSIG_LEVEL of the curated set
        (``expert_panel``/``aggregate``/``submission``).
    population_faf : float or None
        Filtering allele frequency (gnomAD FAF grpmax), used for VCEP gene rules if given.
    """

    gene: str
    consequence: str
    protein_change: str = ""
    is_last_exon_or_nmd_escape: bool | None = None
    population_af: float | None = None
    population_assessable: bool = False
    population_source: str = "gnomAD"
    insilico_score: float | None = None
    insilico_name: str = "REVEL"
    clinvar_significance: str | None = None
    clinvar_review: str | None = None
    population_faf: float | None = None


@dataclass
class GeneInfo:
    """Gene-level knowledge from the CPSR panel.

    Parameters
    ----------
    symbol : str
        HGNC symbol.
    mechanism : str
        CPSR ``CPG_MOD``: ``LoF``, ``GoF``, ``GoF/LoF``; ``''`` or ``NA`` when unknown.
    inheritance : str
        CPSR ``CPG_MOI`` (``AD``, ``AR``, ``AD/AR``, ...), reported only.
    """

    symbol: str
    mechanism: str = ""
    inheritance: str = ""

    @property
    def mechanisms(self) -> set[str] | None:
        """Set of mechanisms in upper case (``{'LOF'}``, ``{'GOF', 'LOF'}``); None if unknown."""
        text = (self.mechanism or "").strip()
        if not text or text.upper() in {"NA", "N/A", "NAN", "."}:
            return None
        return {part.strip().upper() for part in re.split(r"[/,;&]", text) if part.strip()}


@dataclass
class Thresholds:
    """General (gene-agnostic) thresholds.

    Parameters
    ----------
    ba1 : float
        BA1 stand-alone benign: AF > ``ba1`` (ACMG 2015: 5%).
    bs1 : float
        BS1 strong benign: AF > ``bs1``.
    pm2 : float
        PM2 (Supporting): absent, or AF <= ``pm2``.
    pp3 : float
        PP3 (Supporting): in-silico score >= ``pp3`` (REVEL 0.644, Pejaver et al. 2022).
    bp4 : float
        BP4 (Supporting): in-silico score <= ``bp4`` (REVEL 0.290, Pejaver et al. 2022).
    """

    ba1: float = 0.05
    bs1: float = 0.005
    pm2: float = 0.00005
    pp3: float = 0.644
    bp4: float = 0.290


@dataclass
class CriterionResult:
    """Outcome of one criterion.

    Parameters
    ----------
    code : str
        ACMG code (``PVS1``) or ClinVar evidence code (``CLINVAR_P``).
    strength : str
        ``stand_alone``, ``very_strong``, ``strong``, ``moderate`` or ``supporting`` (the
        strength it would carry, or carries, when met).
    met : bool or None
        True/False, or None when not assessable.
    points : int
        Signed points contributed (0 unless met).
    evidence : str
        Why it is (not) met, in words.
    data : dict
        Values used.
    """

    code: str
    strength: str
    met: bool | None
    points: int
    evidence: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Code with a strength suffix when it differs from the default (``PVS1_Strong``)."""
        if self.code.startswith("CLINVAR"):
            return f"{self.code}_{_STRENGTH_LABEL.get(self.strength, self.strength)}"
        if DEFAULT_STRENGTH.get(self.code) == self.strength:
            return self.code
        return f"{self.code}_{_STRENGTH_LABEL.get(self.strength, self.strength)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (with ``label``)."""
        out = asdict(self)
        out["label"] = self.label
        return out


@dataclass
class Classification:
    """Result of :func:`classify`.

    Parameters
    ----------
    classification : str
        Pathogenic, Likely pathogenic, Uncertain significance, Likely benign or Benign.
    points : int
        Sum of the points of all met criteria.
    criteria : list of CriterionResult
        Every evaluated criterion, met or not.
    met_codes : list of str
        Labels of the met criteria (``PVS1``, ``PM2_Supporting``, ``CLINVAR_P_VeryStrong``).
    not_assessable : list of str
        Codes that could not be assessed for lack of data.
    """

    classification: str
    points: int
    criteria: list[CriterionResult]
    met_codes: list[str]
    not_assessable: list[str]

    def criterion(self, code: str) -> CriterionResult:
        """Return the result of one code; KeyError if it was not evaluated."""
        for result in self.criteria:
            if result.code == code:
                return result
        raise KeyError(code)

    def is_met(self, code: str) -> bool:
        """True if the code (plain, e.g. ``PVS1``) was met at any strength."""
        return any(r.code == code and r.met is True for r in self.criteria)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "classification": self.classification,
            "points": self.points,
            "met_codes": list(self.met_codes),
            "not_assessable": list(self.not_assessable),
            "criteria": [c.to_dict() for c in self.criteria],
        }


# --------------------------------------------------------------------------------------------
# Result helpers used by every criterion
# --------------------------------------------------------------------------------------------


def signed_points(strength: str, benign: bool) -> int:
    """Points of ``strength``, negative for a benign criterion."""
    return -POINTS[strength] if benign else POINTS[strength]


def unmet(code: str, strength: str, evidence: str, data: dict) -> CriterionResult:
    """A criterion assessed and not met (no points)."""
    return CriterionResult(code, strength, False, 0, evidence, data)


def unassessable(code: str, strength: str, evidence: str, data: dict) -> CriterionResult:
    """A criterion that cannot be assessed (``met`` None, no points)."""
    return CriterionResult(code, strength, None, 0, evidence, data)
