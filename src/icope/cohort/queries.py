"""The documented example queries of the cohort database (docs/cohort.md shows them)."""

from __future__ import annotations

#: Genes of the first example query.
GENES_OF_INTEREST = ("TP53", "BRCA1", "BRCA2")


def findings_in_genes(genes: tuple[str, ...] = GENES_OF_INTEREST) -> str:
    """Every germline and somatic call in ``genes`` across the cohort, with its class
    (ACMG class for germline calls, impact class for somatic ones)."""
    listed = ", ".join("'" + g.replace("'", "''") + "'" for g in genes)
    return f"""
SELECT patient, sample, 'germline' AS origin, gene, chrom, pos, ref, alt, hgvs_c, hgvs_p,
       filter, acmg_class AS class, two_hit_status
FROM germline_variants WHERE gene IN ({listed})
UNION ALL
SELECT patient, sample, 'somatic' AS origin, gene, chrom, pos, ref, alt, hgvs_c, hgvs_p,
       filter, impact AS class, NULL AS two_hit_status
FROM somatic_variants WHERE gene IN ({listed})
ORDER BY gene, patient, origin, chrom, pos
""".strip()


RECURRENT_GENES = """
SELECT gene, COUNT(DISTINCT patient) AS patients, COUNT(*) AS calls
FROM somatic_variants
WHERE filter = 'PASS' AND protein_altering = 1 AND gene <> ''
GROUP BY gene
HAVING COUNT(DISTINCT patient) >= 2
ORDER BY patients DESC, gene
""".strip()

GERMLINE_PLP_WITH_SECOND_HIT = """
SELECT g.patient, g.sample, g.gene, g.chrom, g.pos, g.ref, g.alt, g.hgvs_c, g.hgvs_p,
       g.acmg_class, t.tumour, t.second_hit
FROM germline_variants AS g
JOIN two_hit AS t
  ON t.patient = g.patient AND t.chrom = g.chrom AND t.pos = g.pos
 AND t.ref = g.ref AND t.alt = g.alt
WHERE g.acmg_class IN ('Pathogenic', 'Likely pathogenic') AND t.second_hit = 'found'
ORDER BY g.patient, g.gene, g.pos
""".strip()

EXAMPLE_QUERIES = {
    "tp53_brca": findings_in_genes(),
    "recurrent_genes": RECURRENT_GENES,
    "germline_plp_second_hit": GERMLINE_PLP_WITH_SECOND_HIT,
}
