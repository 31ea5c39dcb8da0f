"""Rule-based ACMG/AMP germline classification for cancer-predisposition genes.

A deliberately small, transparent subset of the ACMG/AMP 2015 criteria (Richards et al. 2015)
with the ClinGen Sequence Variant Interpretation (SVI) refinements that matter here, combined
with the Bayesian points system of Tavtigian et al. (2020, Hum Mutat 41:1734):

============  ======  ==========================================
strength      points  example codes
============  ======  ==========================================
very_strong   8       PVS1
strong        4       PS*, BS* (as -4), PVS1_Strong
moderate      2       PM*, PVS1_Moderate
supporting    1       PP*, BP* (as -1), PM2_Supporting
stand_alone   -8      BA1 (forces ``Benign`` whatever the sum)
============  ======  ==========================================

Totals: >= 10 Pathogenic, 6..9 Likely pathogenic, 0..5 Uncertain significance, -1..-6 Likely
benign, <= -7 Benign.

Every criterion is a small function returning a :class:`CriterionResult` whose ``met`` is
``True``, ``False`` or ``None`` (*not assessable*: the data needed to decide were not
available). A criterion that is not assessable never contributes points, and the report says
so instead of silently treating missing data as absence (in particular, a variant outside
every frequency source is *not* "absent from gnomAD").

ClinVar. ClinGen SVI retired PP5 and BP6 ("reputable source", Biesecker & Harrison 2018).
ClinVar assertions are therefore *not* scored as ACMG criteria here. Mirroring CPSR, which
reports ClinVar classifications next to its own ACMG evidence, they are reported as separate,
clearly labelled evidence (``CLINVAR_P`` / ``CLINVAR_B``) that does enter the points sum, so
that a well-reviewed ClinVar classification is not lost in a setting with little other
evidence (no segregation, functional or case data). Weights by review stars (see
:func:`clinvar_review_stars`):

=============================  ================  ================  ==================
review stars                   P or LP           B                 LB or B/LB
=============================  ================  ================  ==================
>= 2 (multiple submitters,     very_strong (+8)  very_strong (-8)  strong (-4)
expert panel, guideline)
1 (single submitter;           strong (+4)       strong (-4)       supporting (-1)
conflicting status)
0 (no assertion criteria,      supporting (+1)   supporting (-1)   supporting (-1)
or review status unknown)
=============================  ================  ================  ==================

With +8 a >= 2-star P/LP assertion on its own reaches *Likely pathogenic* (never Pathogenic:
that needs >= 2 more points of independent evidence, e.g. PM2_Supporting + PP3). The benign
side is weaker for LB because the points scale is asymmetric: -8 on its own is already
*Benign*, so an LB assertion gets -4 (Likely benign on its own). Conflicting and uncertain
assertions give no points but are recorded.

Gene-specific BA1/BS1 rules come from the CPSR ``acmg_thresholds.tsv`` (ClinGen VCEP
specifications). Those thresholds are defined on the gnomAD *filtering* allele frequency
(FAF, grpmax). When :attr:`VariantEvidence.population_faf` is not given, the configured
population allele frequency is used as a proxy and the evidence text says so.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
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

NULL_CONSEQUENCES = frozenset(
    {"stop_gained", "frameshift", "splice_acceptor", "splice_donor", "start_lost"}
)
"""Consequence terms (bcftools csq / VEP without ``_variant``) treated as null for PVS1."""

LENGTH_CHANGING_CONSEQUENCES = frozenset(
    {"inframe_insertion", "inframe_deletion", "inframe_altering", "stop_lost"}
)
"""Consequence terms that change protein length without a frameshift (PM4)."""

IMPLEMENTED_CRITERIA: dict[str, str] = {
    "PVS1": "null variant (stop_gained, frameshift, canonical splice, start_lost) in a gene "
    "whose CPSR mechanism includes LoF; Strong if last exon/NMD escape, Moderate if start_lost",
    "PM2": "absent or ultra-rare in the population source; applied at Supporting strength "
    "(ClinGen SVI 2020)",
    "PM4": "in-frame insertion/deletion or stop_lost, when PVS1 is not met (repeat regions "
    "not checked)",
    "PP3": "in-silico score at or above the PP3 threshold (REVEL-like default 0.644)",
    "BA1": "allele frequency above the general or the gene-specific VCEP stand-alone threshold",
    "BS1": "allele frequency above the general or within the gene-specific VCEP BS1 range",
    "BP4": "in-silico score at or below the BP4 threshold (REVEL-like default 0.290)",
    "CLINVAR_P": "ClinVar P/LP assertion weighted by review stars (separate evidence; PP5 is "
    "retired)",
    "CLINVAR_B": "ClinVar B/LB assertion weighted by review stars (separate evidence; BP6 is "
    "retired)",
}

NOT_IMPLEMENTED: dict[str, str] = {
    "PS1": "same amino-acid change as a known pathogenic variant: needs a ClinVar "
    "protein-level index, not bundled",
    "PM5": "novel missense at a residue with a known pathogenic missense: needs a ClinVar "
    "protein-level index, not bundled",
    "PS2": "de novo (confirmed): needs parental genotypes and confirmed parentage",
    "PM6": "de novo (assumed): needs parental genotypes",
    "PS3": "well-established functional studies: no functional data source",
    "BS3": "functional studies showing no effect: no functional data source",
    "PS4": "prevalence in affected vs controls: needs case-control data",
    "PM1": "mutational hotspot / critical domain without benign variation: hotspot and "
    "domain data not bundled",
    "PM3": "in trans with a pathogenic variant (recessive): needs phasing with a second variant",
    "BP2": "in trans/cis with a pathogenic variant: needs phasing with a second variant",
    "PP1": "co-segregation with disease: needs family segregation data",
    "BS4": "lack of segregation in affected family members: needs family segregation data",
    "PP2": "missense in a gene with low benign missense variation: gene-level missense "
    "constraint not bundled",
    "BP1": "missense in a gene where truncating variants cause disease: gene-level missense "
    "data not bundled",
    "BP3": "in-frame indel in a repetitive region without known function: repeat annotation "
    "not bundled",
    "BP7": "synonymous/intronic variant with no predicted splice impact: splice predictor "
    "(e.g. SpliceAI) not bundled",
    "PP4": "phenotype highly specific for the gene: needs structured patient phenotype",
    "BS2": "observed in healthy adults (homozygous for recessive, heterozygous for dominant "
    "full-penetrance): healthy adult/homozygote counts are not in the sites VCF",
    "BP5": "alternate molecular basis for disease found: case-level information",
    "PP5": "retired by ClinGen SVI (2018); ClinVar reported separately as CLINVAR_P",
    "BP6": "retired by ClinGen SVI (2018); ClinVar reported separately as CLINVAR_B",
}

_CLASS_ORDER = (
    "Pathogenic",
    "Likely pathogenic",
    "Uncertain significance",
    "Likely benign",
    "Benign",
)


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
# Loading gene-specific rules
# --------------------------------------------------------------------------------------------


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
# Helpers
# --------------------------------------------------------------------------------------------


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


def _frequency(evidence: VariantEvidence, prefer_faf: bool) -> tuple[float | None, str]:
    """Frequency value to compare and a note on which one it is."""
    if prefer_faf and evidence.population_faf is not None:
        return evidence.population_faf, f"FAF {evidence.population_faf:g}"
    if evidence.population_af is None:
        return None, "absent"
    return evidence.population_af, f"AF {evidence.population_af:g}"


def _signed(strength: str, benign: bool) -> int:
    return -POINTS[strength] if benign else POINTS[strength]


def _unmet(code: str, strength: str, evidence: str, data: dict) -> CriterionResult:
    """A criterion assessed and not met (no points)."""
    return CriterionResult(code, strength, False, 0, evidence, data)


def _unassessable(code: str, strength: str, evidence: str, data: dict) -> CriterionResult:
    """A criterion that cannot be assessed (``met`` None, no points)."""
    return CriterionResult(code, strength, None, 0, evidence, data)


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
        return _unmet(
            "PVS1",
            "very_strong",
            f"consequence '{evidence.consequence}' is not a null variant",
            data,
        )
    if downstream:
        return _unmet(
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
        return _unassessable(
            "PVS1",
            strength,
            f"null variant ({', '.join(null_terms)}) but the disease mechanism of "
            f"{gene_info.symbol} is unknown (CPG_MOD '{gene_info.mechanism}'): not assessable",
            data,
        )
    if "LOF" not in mechanisms:
        return _unmet(
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
        return _unassessable(
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
    return _unmet(
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
    return _unassessable(
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
        return _unmet(
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
                _signed(strength, benign=True),
                f"{what} in {evidence.population_source}; {head}: {rule.describe()}" + proxy_note,
                data,
            )
    return _unmet(
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
    return _unmet(
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
        return _unmet(
            "PM4",
            "moderate",
            f"consequence '{evidence.consequence}' does not change protein length in frame",
            data,
        )
    if downstream:
        return _unmet(
            "PM4",
            "moderate",
            "consequence downstream of a stop on the same haplotype (bcftools csq '*')",
            data,
        )
    if pvs1 is not None and pvs1.met:
        return _unmet("PM4", "moderate", "PVS1 is met; PM4 not applied on top of it", data)
    return CriterionResult(
        "PM4",
        "moderate",
        True,
        POINTS["moderate"],
        f"protein length change ({', '.join(hits)}); repeat regions not checked",
        data,
    )


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
        return _unassessable("PP3", "supporting", f"no {name} score: not assessable", data)
    if score < thresholds.pp3:
        return _unmet("PP3", "supporting", f"{name} {score:g} < {thresholds.pp3:g}", data)
    if pvs1 is not None and pvs1.met:
        return _unmet(
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
        return _unassessable("BP4", "supporting", f"no {name} score: not assessable", data)
    if score <= thresholds.bp4:
        return CriterionResult(
            "BP4", "supporting", True, -1, f"{name} {score:g} <= {thresholds.bp4:g}", data
        )
    return _unmet("BP4", "supporting", f"{name} {score:g} > {thresholds.bp4:g}", data)


def _clinvar_strength(stars: int, pole: str, likely_only: bool) -> str:
    if pole == "pathogenic":
        return "very_strong" if stars >= 2 else "strong" if stars == 1 else "supporting"
    if likely_only:
        return "strong" if stars >= 2 else "supporting"
    return "very_strong" if stars >= 2 else "strong" if stars == 1 else "supporting"


def evaluate_clinvar(evidence: VariantEvidence) -> tuple[CriterionResult, CriterionResult]:
    """ClinVar evidence ``CLINVAR_P`` and ``CLINVAR_B``, weighted by review stars.

    Not ACMG criteria: PP5/BP6 were retired by ClinGen SVI (2018). Like CPSR, ClinVar is
    reported as its own evidence; see the module docstring for the weights. A P/LP assertion
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
        return _unmet(
            code, "supporting", f"ClinVar {sig} ({pole}), {star_text}: no {side} points", dict(data)
        )
    strength = _clinvar_strength(stars, side, "likely benign" in terms)
    return CriterionResult(
        code,
        strength,
        True,
        _signed(strength, benign=side == "benign"),
        f"ClinVar {sig}, {star_text}: {strength.replace('_', ' ')}",
        dict(data),
    )


# --------------------------------------------------------------------------------------------
# Combining
# --------------------------------------------------------------------------------------------


def points_to_class(points: int) -> str:
    """Map a Tavtigian points total to a five-tier class.

    Parameters
    ----------
    points : int
        Sum of signed points.

    Returns
    -------
    str
        >= 10 Pathogenic, 6..9 Likely pathogenic, 0..5 Uncertain significance, -1..-6 Likely
        benign, <= -7 Benign.
    """
    if points >= 10:
        return "Pathogenic"
    if points >= 6:
        return "Likely pathogenic"
    if points >= 0:
        return "Uncertain significance"
    if points >= -6:
        return "Likely benign"
    return "Benign"


def classify(
    evidence: VariantEvidence,
    gene_info: GeneInfo,
    thresholds: Thresholds | None = None,
    gene_rules: dict[str, GeneFrequencyRules] | None = None,
) -> Classification:
    """Evaluate every implemented criterion and combine them with the points system.

    Parameters
    ----------
    evidence : VariantEvidence
        Variant facts.
    gene_info : GeneInfo
        Gene mechanism and inheritance.
    thresholds : Thresholds, optional
        General thresholds (defaults if None).
    gene_rules : dict, optional
        Gene-specific BA1/BS1 rules from :func:`load_gene_thresholds`.

    Returns
    -------
    Classification
        BA1 met gives ``Benign`` whatever the points; otherwise the points total decides.
    """
    thresholds = thresholds or Thresholds()
    pvs1 = evaluate_pvs1(evidence, gene_info)
    ba1 = evaluate_ba1(evidence, thresholds, gene_rules)
    criteria = [
        pvs1,
        evaluate_pm2(evidence, thresholds),
        evaluate_pm4(evidence, pvs1),
        evaluate_pp3(evidence, thresholds, pvs1),
        ba1,
        evaluate_bs1(evidence, thresholds, gene_rules, ba1),
        evaluate_bp4(evidence, thresholds),
        *evaluate_clinvar(evidence),
    ]
    points = sum(c.points for c in criteria if c.met)
    label = "Benign" if ba1.met else points_to_class(points)
    return Classification(
        classification=label,
        points=points,
        criteria=criteria,
        met_codes=[c.label for c in criteria if c.met],
        not_assessable=[c.code for c in criteria if c.met is None],
    )
