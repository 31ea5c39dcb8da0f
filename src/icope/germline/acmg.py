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

Layout. This module is the public API: :func:`classify`, :func:`points_to_class` and the
criteria catalogues (:data:`IMPLEMENTED_CRITERIA`, :data:`NOT_IMPLEMENTED`). The criteria live
in concern modules, and every public name of theirs is re-exported here (``__all__``), so
``from icope.germline.acmg import ...`` keeps working for all of them:

- :mod:`icope.germline.acmg_model`: :class:`VariantEvidence`, :class:`GeneInfo`,
  :class:`Thresholds`, :class:`CriterionResult`, :class:`Classification`, ``POINTS``,
  ``DEFAULT_STRENGTH``;
- :mod:`icope.germline.acmg_null_variant`: PVS1, PM4 (:func:`evaluate_pvs1`,
  :func:`evaluate_pm4`, :func:`consequence_terms`, ``NULL_CONSEQUENCES``,
  ``LENGTH_CHANGING_CONSEQUENCES``);
- :mod:`icope.germline.acmg_population`: PM2, BA1, BS1 and the VCEP rules
  (:func:`evaluate_pm2`, :func:`evaluate_ba1`, :func:`evaluate_bs1`,
  :func:`load_gene_thresholds`, :class:`FrequencyRule`, :class:`GeneFrequencyRules`,
  :class:`AcmgThresholdError`);
- :mod:`icope.germline.acmg_evidence`: PP3, BP4 and ClinVar (:func:`evaluate_pp3`,
  :func:`evaluate_bp4`, :func:`evaluate_clinvar`, :func:`clinvar_review_stars`).

The concern modules import only :mod:`icope.germline.acmg_model`, never this module.
"""

from __future__ import annotations

from icope.germline.acmg_evidence import (
    clinvar_review_stars,
    evaluate_bp4,
    evaluate_clinvar,
    evaluate_pp3,
)
from icope.germline.acmg_model import (
    DEFAULT_STRENGTH,
    POINTS,
    Classification,
    CriterionResult,
    GeneInfo,
    Thresholds,
    VariantEvidence,
)
from icope.germline.acmg_null_variant import (
    LENGTH_CHANGING_CONSEQUENCES,
    NULL_CONSEQUENCES,
    consequence_terms,
    evaluate_pm4,
    evaluate_pvs1,
)
from icope.germline.acmg_population import (
    AcmgThresholdError,
    FrequencyRule,
    GeneFrequencyRules,
    evaluate_ba1,
    evaluate_bs1,
    evaluate_pm2,
    load_gene_thresholds,
)

__all__ = [
    "DEFAULT_STRENGTH",
    "IMPLEMENTED_CRITERIA",
    "LENGTH_CHANGING_CONSEQUENCES",
    "NOT_IMPLEMENTED",
    "NULL_CONSEQUENCES",
    "POINTS",
    "AcmgThresholdError",
    "Classification",
    "CriterionResult",
    "FrequencyRule",
    "GeneFrequencyRules",
    "GeneInfo",
    "Thresholds",
    "VariantEvidence",
    "classify",
    "clinvar_review_stars",
    "consequence_terms",
    "evaluate_ba1",
    "evaluate_bp4",
    "evaluate_bs1",
    "evaluate_clinvar",
    "evaluate_pm2",
    "evaluate_pm4",
    "evaluate_pp3",
    "evaluate_pvs1",
    "load_gene_thresholds",
    "points_to_class",
]

# --------------------------------------------------------------------------------------------
# Criteria catalogues
# --------------------------------------------------------------------------------------------

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
