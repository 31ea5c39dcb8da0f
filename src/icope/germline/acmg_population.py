"""Population-frequency criteria of the ACMG/AMP classifier: PM2, BA1, BS1.

Also the gene-specific BA1/BS1 rules of the ClinGen VCEPs, read from the CPSR
``acmg_thresholds.tsv`` (:func:`load_gene_thresholds`, :class:`FrequencyRule`,
:class:`GeneFrequencyRules`). Those rules are defined on the gnomAD filtering allele frequency
(FAF); without one the population AF is used as a proxy and the evidence says so. The public
names are re-exported by :mod:`icope.germline.acmg`; import them from there.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from icope.germline.acmg_model import (
    POINTS,
    CriterionResult,
    Thresholds,
    VariantEvidence,
    signed_points,
    unassessable,
    unmet,
)

# --------------------------------------------------------------------------------------------
# Gene-specific (VCEP) frequency rules
# --------------------------------------------------------------------------------------------


_COMPARATORS = {
    "gt": lambda value, bound: value > bound,
    "gte": lambda value, bound: value >= bound,
    "lt": lambda value, bound: value < bound,
    "lte": lambda value, bound: value <= bound,
}
_SYMBOL = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class FrequencyRule:
    """One row of the CPSR ``acmg_thresholds.tsv``: a lower bound and an optional upper bound.

    Parameters
    ----------
    criterion : str
        ``BA1`` or ``BS1``.
    evidence_level : str
        ``stand_alone``, ``strong`` or ``supporting``.
    property : str
        Frequency the VCEP defined the rule on (e.g. ``gnomADj_FAF_GRPMAX``).
    low, low_comparator : float, str
        Lower bound and its comparator (``gt`` or ``gte``).
    high, high_comparator : float or None, str or None
        Optional upper bound and its comparator (``lt`` or ``lte``).
    vcep_version : str
        VCEP specification version (``.`` when not given).
    """

    criterion: str
    evidence_level: str
    property: str
    low: float
    low_comparator: str
    high: float | None = None
    high_comparator: str | None = None
    vcep_version: str = "."

    def matches(self, value: float) -> bool:
        """Return True if ``value`` satisfies the bound(s)."""
        if not _COMPARATORS[self.low_comparator](value, self.low):
            return False
        if self.high is not None and self.high_comparator is not None:
            return _COMPARATORS[self.high_comparator](value, self.high)
        return True

    def describe(self) -> str:
        """Human-readable rule, e.g. ``0.0003 <= gnomADj_FAF_GRPMAX < 0.001``."""
        text = f"{self.property} {_SYMBOL[self.low_comparator]} {self.low:g}"
        if self.high is not None and self.high_comparator is not None:
            text += f" and {_SYMBOL[self.high_comparator]} {self.high:g}"
        return text


@dataclass
class GeneFrequencyRules:
    """All gene-specific BA1/BS1 rules of one gene."""

    symbol: str
    rules: list[FrequencyRule] = field(default_factory=list)

    def for_criterion(self, criterion: str) -> list[FrequencyRule]:
        """Rules of one criterion, strongest first."""
        order = {"stand_alone": 0, "very_strong": 1, "strong": 2, "moderate": 3, "supporting": 4}
        return sorted(
            (r for r in self.rules if r.criterion == criterion),
            key=lambda r: order.get(r.evidence_level, 9),
        )


class AcmgThresholdError(ValueError):
    """A row of the thresholds table cannot be interpreted."""


def _parse_rule(row: dict[str, str], line: int) -> FrequencyRule:
    values = [v.strip() for v in row["thresholds"].split(",") if v.strip()]
    comparators = [c.strip().lower() for c in row["comparator"].split(",") if c.strip()]
    if len(values) != len(comparators) or len(values) not in (1, 2):
        raise AcmgThresholdError(
            f"line {line}: thresholds {row['thresholds']!r} do not pair with comparator "
            f"{row['comparator']!r}"
        )
    for comp in comparators:
        if comp not in _COMPARATORS:
            raise AcmgThresholdError(f"line {line}: unknown comparator {comp!r}")
    if comparators[0] not in ("gt", "gte"):
        raise AcmgThresholdError(f"line {line}: first comparator must be gt/gte: {comparators}")
    try:
        numbers = [float(v) for v in values]
    except ValueError as exc:
        raise AcmgThresholdError(f"line {line}: non-numeric threshold {values}") from exc
    high = high_comp = None
    if len(numbers) == 2:
        if comparators[1] not in ("lt", "lte"):
            raise AcmgThresholdError(
                f"line {line}: second comparator must be lt/lte: {comparators}"
            )
        if numbers[1] <= numbers[0]:
            raise AcmgThresholdError(f"line {line}: empty range {values}")
        high, high_comp = numbers[1], comparators[1]
    return FrequencyRule(
        criterion=row["criterion"].strip().upper(),
        evidence_level=row["evidence_level"].strip().lower(),
        property=row["property"].strip(),
        low=numbers[0],
        low_comparator=comparators[0],
        high=high,
        high_comparator=high_comp,
        vcep_version=(row.get("vcep_version") or ".").strip() or ".",
    )


def load_gene_thresholds(path: str | Path) -> dict[str, GeneFrequencyRules]:
    """Read the CPSR ``acmg_thresholds.tsv`` into per-gene BA1/BS1 rules.

    Parameters
    ----------
    path : str or Path
        Tab-separated file with columns ``symbol, criterion, vcep_version, evidence_level,
        property, thresholds, comparator``. ``thresholds`` is one value or ``low,high``;
        ``comparator`` is ``gt``/``gte`` or a pair such as ``gte,lt`` / ``gt,lte``.

    Returns
    -------
    dict of str to GeneFrequencyRules
        Keyed by gene symbol.

    Raises
    ------
    AcmgThresholdError
        On a missing column, unknown comparator or malformed threshold.
    """
    path = Path(path)
    required = {
        "symbol",
        "criterion",
        "vcep_version",
        "evidence_level",
        "property",
        "thresholds",
        "comparator",
    }
    out: dict[str, GeneFrequencyRules] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise AcmgThresholdError(f"{path}: missing columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            symbol = row["symbol"].strip()
            if not symbol:
                continue
            rule = _parse_rule(row, line)
            if rule.criterion not in ("BA1", "BS1"):
                raise AcmgThresholdError(f"{path}:{line}: unsupported criterion {rule.criterion}")
            out.setdefault(symbol, GeneFrequencyRules(symbol)).rules.append(rule)
    return out


# --------------------------------------------------------------------------------------------
# Criteria
# --------------------------------------------------------------------------------------------


def _frequency(evidence: VariantEvidence, prefer_faf: bool) -> tuple[float | None, str]:
    """Frequency value to compare and a note on which one it is."""
    if prefer_faf and evidence.population_faf is not None:
        return evidence.population_faf, f"FAF {evidence.population_faf:g}"
    if evidence.population_af is None:
        return None, "absent"
    return evidence.population_af, f"AF {evidence.population_af:g}"


def evaluate_pm2(evidence: VariantEvidence, thresholds: Thresholds) -> CriterionResult:
    """PM2 at Supporting strength: absent or ultra-rare in the population source.

    ClinGen SVI (2020) recommends PM2 only at Supporting strength (1 point).

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts; ``population_assessable`` False makes PM2 not assessable.
    thresholds : Thresholds
        ``pm2`` is the ultra-rare threshold (AF <= pm2 counts).

    Returns
    -------
    CriterionResult
    """
    data = {
        "population_af": evidence.population_af,
        "population_source": evidence.population_source,
        "threshold": thresholds.pm2,
    }
    if not evidence.population_assessable:
        return unassessable(
            "PM2",
            "supporting",
            f"not assessable: no population frequency source ({evidence.population_source}) "
            "covers this variant; absence cannot be claimed",
            data,
        )
    af = evidence.population_af
    if af is None:
        return CriterionResult(
            "PM2", "supporting", True, 1, f"absent from {evidence.population_source}", data
        )
    if af <= thresholds.pm2:
        return CriterionResult(
            "PM2",
            "supporting",
            True,
            1,
            f"ultra-rare in {evidence.population_source}: AF {af:g} <= {thresholds.pm2:g}",
            data,
        )
    return unmet(
        "PM2", "supporting", f"AF {af:g} in {evidence.population_source} > {thresholds.pm2:g}", data
    )


def _gene_rules(
    evidence: VariantEvidence, gene_rules: dict[str, GeneFrequencyRules] | None, criterion: str
) -> list[FrequencyRule]:
    if not gene_rules or evidence.gene not in gene_rules:
        return []
    return gene_rules[evidence.gene].for_criterion(criterion)


def _frequency_not_assessable(
    code: str, strength: str, evidence: VariantEvidence
) -> CriterionResult:
    return unassessable(
        code,
        strength,
        f"not assessable: no population frequency source ({evidence.population_source}) "
        "covers this variant",
        {"population_source": evidence.population_source},
    )


def _faf_proxy_note(evidence: VariantEvidence, rule: FrequencyRule) -> str:
    return (
        f"; VCEP rule is defined on {rule.property}: the {evidence.population_source} "
        "population AF was used as a proxy because the FAF was not available"
    )


def _vcep_frequency(
    code: str, evidence: VariantEvidence, rules: list[FrequencyRule]
) -> CriterionResult:
    """Evaluate gene-specific VCEP frequency rules (strongest matching rule wins)."""
    value, what = _frequency(evidence, prefer_faf=True)
    proxy = evidence.population_faf is None
    data: dict[str, Any] = {
        "population_af": evidence.population_af,
        "population_faf": evidence.population_faf,
        "population_source": evidence.population_source,
        "rules": [r.describe() for r in rules],
        "vcep_version": rules[0].vcep_version,
        "af_used_as_faf_proxy": proxy,
    }
    proxy_note = _faf_proxy_note(evidence, rules[0]) if proxy else ""
    head = f"{evidence.gene} VCEP v{rules[0].vcep_version}"
    strongest = "stand_alone" if code == "BA1" else rules[0].evidence_level
    if value is None:
        return unmet(
            code,
            strongest,
            f"absent from {evidence.population_source}; {head}: {rules[0].describe()} not met"
            + proxy_note,
            data,
        )
    for rule in rules:
        if rule.matches(value):
            strength = "stand_alone" if code == "BA1" else rule.evidence_level
            data["matched_rule"] = rule.describe()
            return CriterionResult(
                code,
                strength,
                True,
                signed_points(strength, benign=True),
                f"{what} in {evidence.population_source}; {head}: {rule.describe()}" + proxy_note,
                data,
            )
    return unmet(
        code,
        strongest,
        f"{what} in {evidence.population_source}; {head}: "
        + " / ".join(r.describe() for r in rules)
        + " not met"
        + proxy_note,
        data,
    )


def _general_frequency(
    code: str, strength: str, evidence: VariantEvidence, threshold: float
) -> CriterionResult:
    """BA1/BS1 without a gene rule: met when the population AF is above ``threshold``."""
    af = evidence.population_af
    data = {
        "population_af": af,
        "population_source": evidence.population_source,
        "threshold": threshold,
    }
    if af is not None and af > threshold:
        return CriterionResult(
            code,
            strength,
            True,
            -POINTS[strength],
            f"AF {af:g} in {evidence.population_source} > {threshold:g} (general {code})",
            data,
        )
    shown = "absent" if af is None else f"AF {af:g}"
    return unmet(
        code,
        strength,
        f"{shown} in {evidence.population_source}; general {code} needs > {threshold:g}",
        data,
    )


def evaluate_ba1(
    evidence: VariantEvidence,
    thresholds: Thresholds,
    gene_rules: dict[str, GeneFrequencyRules] | None = None,
) -> CriterionResult:
    """BA1: allele frequency too high for a pathogenic variant (stand-alone benign).

    Uses the gene's VCEP rule when ``gene_rules`` has one, else AF > ``thresholds.ba1``.

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts.
    thresholds : Thresholds
        General thresholds.
    gene_rules : dict, optional
        From :func:`load_gene_thresholds`.

    Returns
    -------
    CriterionResult
        Not assessable when ``population_assessable`` is False.
    """
    if not evidence.population_assessable:
        return _frequency_not_assessable("BA1", "stand_alone", evidence)
    rules = _gene_rules(evidence, gene_rules, "BA1")
    if rules:
        return _vcep_frequency("BA1", evidence, rules)
    return _general_frequency("BA1", "stand_alone", evidence, thresholds.ba1)


def evaluate_bs1(
    evidence: VariantEvidence,
    thresholds: Thresholds,
    gene_rules: dict[str, GeneFrequencyRules] | None = None,
    ba1: CriterionResult | None = None,
) -> CriterionResult:
    """BS1: allele frequency greater than expected for the disorder (strong benign).

    Uses the gene's VCEP rule(s) when present (the strongest matching level wins, e.g. BRCA1
    ``BS1`` strong or ``BS1_Supporting``), else AF > ``thresholds.bs1``. When BA1 is met, BS1
    is reported as not met (superseded) so the frequency is not counted twice.

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts.
    thresholds : Thresholds
        General thresholds.
    gene_rules : dict, optional
        From :func:`load_gene_thresholds`.
    ba1 : CriterionResult, optional
        The BA1 result, to avoid double counting.

    Returns
    -------
    CriterionResult
    """
    if not evidence.population_assessable:
        return _frequency_not_assessable("BS1", "strong", evidence)
    rules = _gene_rules(evidence, gene_rules, "BS1")
    if rules:
        result = _vcep_frequency("BS1", evidence, rules)
    else:
        result = _general_frequency("BS1", "strong", evidence, thresholds.bs1)
    if result.met and ba1 is not None and ba1.met:
        result.met = False
        result.points = 0
        result.evidence = "superseded by BA1 (not counted twice): " + result.evidence
    return result
