"""``icope bench rna``: the RNA figures of a finished run (runtimes and peak memory of the RNA
rules from their benchmark files, mapping rates and library types, the allele-expression and
fusion counts), stored as the ``rna`` section of docs/benchmarks.md."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import click
import pandas as pd

RULES = {
    "star_index": "benchmarks/reference/star_index.tsv",
    "star_align": "benchmarks/star/*.tsv",
    "salmon_index": "benchmarks/reference/salmon_index.tsv",
    "salmon_quant": "benchmarks/salmon/*.tsv",
    "rna_sample_tables": "benchmarks/rna_sample_tables/*.tsv",
    "rna_patient": "benchmarks/rna_patient/*.tsv",
    "rna_cohort": "benchmarks/cohort/rna_cohort.tsv",
}
COLUMNS = ["rule", "job", "wall_s", "cpu_s", "max_rss_mb"]
SAMPLE_COLUMNS = [
    "sample",
    "input_read_pairs",
    "star_mapping_rate",
    "uniquely_mapped_rate",
    "salmon_mapping_rate",
    "strandedness",
    "sense_fraction",
    "salmon_library_type",
    "sites",
    "sites_with_rna_reads",
    "sites_both_alleles",
    "ase_flagged",
    "fusions",
]


def rule_figures(run_dir: Path) -> pd.DataFrame:
    rows = []
    for rule, pattern in RULES.items():
        for path in sorted(glob.glob(str(run_dir / pattern))):
            bench = pd.read_csv(path, sep="\t").iloc[0]
            rows.append(
                {
                    "rule": rule,
                    "job": Path(path).stem,
                    "wall_s": round(float(bench["s"]), 2),
                    "cpu_s": round(float(bench["cpu_time"]), 2),
                    "max_rss_mb": round(float(bench["max_rss"]), 1),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def sample_figures(run_dir: Path) -> pd.DataFrame:
    alleles = [
        pd.read_csv(p, sep="\t", dtype=str)
        for p in sorted(glob.glob(str(run_dir / "results/rna/patients/*/allele_counts.tsv")))
    ]
    alleles = pd.concat(alleles, ignore_index=True) if alleles else pd.DataFrame()
    rows = []
    for path in sorted(glob.glob(str(run_dir / "results/rna/*/rna_qc.tsv"))):
        qc = pd.read_csv(path, sep="\t").iloc[0].to_dict()
        own = alleles[alleles["rna_sample"] == qc["sample"]] if len(alleles) else alleles
        ref = own["rna_ref"].astype(int) if len(own) else pd.Series(dtype=int)
        alt = own["rna_alt"].astype(int) if len(own) else pd.Series(dtype=int)
        fusions = pd.read_csv(Path(path).parent / "fusions.tsv", sep="\t")
        qc |= {
            "sites": len(own),
            "sites_with_rna_reads": int(((ref + alt) > 0).sum()),
            "sites_both_alleles": int(((ref > 0) & (alt > 0)).sum()),
            "ase_flagged": int((own["ase"] == "True").sum()) if len(own) else 0,
            "fusions": len(fusions),
        }
        rows.append({key: qc[key] for key in SAMPLE_COLUMNS})
    return pd.DataFrame(rows, columns=SAMPLE_COLUMNS)


def section_lines(info: dict, table: pd.DataFrame) -> list[str]:
    from icope.bench.run import markdown_table

    samples = pd.DataFrame(info["samples"], columns=SAMPLE_COLUMNS)
    return [
        "## Tumour RNA (STAR, salmon, allele expression, fusions)",
        "",
        f"Command: `{info['command']}`, on the run of the test configuration "
        "(GM12878_RNA: 4,159 read pairs over the 40 kb chr22 segment; 2 threads per tool, "
        "salmon quant on 1). Runtimes on the shared 2-core machine.",
        "",
        markdown_table(table, COLUMNS, digits=2),
        markdown_table(samples, SAMPLE_COLUMNS, digits=4),
        *[f"- {note}" for note in info["notes"]],
        "",
    ]


NOTES = [
    "star_index and salmon_index on the 40 kb segment finish in under a second, inside "
    "Snakemake's first benchmark sample, so their CPU reads 0 (GRCh38: ~1 h and ~32 GB for "
    "STAR's index, the star_index cost model); star_align's wall time is mostly loading the "
    "index on a loaded machine (20 CPU s).",
    "sites: the patient's germline calls within panel genes and its somatic calls; "
    "ASE = two-sided binomial p of the RNA alt reads given the DNA VAF < rna.ase_max_p "
    "(0.001) at >= rna.ase_min_depth (10) RNA reads.",
    "GM12878's RNA reads carry one allele only at every covered NA12878 het SNV of the "
    "segment (e.g. chr22:3214 G>A, DNA VAF 0.53: 25 ref, 0 alt reads in RNA, p 6.6e-09); "
    "they also carry alleles NA12878's DNA lacks (3140, 3153, 3179): reads of the expressed "
    "parent genes of these pseudogenes, whose own loci are outside the 40 kb reference, "
    "align here. Both-allele counting is shown on simulated reads (tests).",
    "strandedness from STAR's per-gene strand counts: GM12878 is reverse-stranded (3 % of "
    "gene-assigned pairs with read 1 on the gene's strand); salmon -l A reports IU on these "
    "few reads although its own counts are ISR 1374 vs ISF 85.",
    "fusions: none on GM12878; the simulated AP000547.4::AP000547.1 fusion (80 of 1,180 "
    "reverse-stranded pairs, tests/workflow/test_rna.py) is found with both breakpoints "
    "(chr22:30111, chr22:3045) on exon boundaries.",
]


@click.command("rna")
@click.option("--run-dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--docs", default="docs", show_default=True, help="Directory of benchmarks.md.")
def bench_rna(run_dir: str, docs: str) -> None:
    """RNA figures of a finished run; writes the RNA section of benchmarks.md."""
    import json

    from icope.bench.run import render_report

    table = rule_figures(Path(run_dir))
    info = {
        "command": "icope bench rna --run-dir <run of .test/config>",
        "samples": json.loads(sample_figures(Path(run_dir)).to_json(orient="records")),
        "notes": NOTES,
    }
    out = Path(docs)
    table.to_csv(out / "benchmarks.rna.tsv", sep="\t", index=False)
    (out / "benchmarks.rna.json").write_text(json.dumps(info, indent=2) + "\n")
    render_report(out)
    click.echo(f"wrote {os.path.join(docs, 'benchmarks.md')}")
