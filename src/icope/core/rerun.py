"""Reruns for analysts: one stage for some patients, or everything downstream of a changed
annotation source, as a Snakemake command line (``--forcerun``, ``--until``, targets).

Snakemake already reruns what changed inputs, parameters or code invalidate. These commands are
for what it cannot see: a panel or ClinVar file replaced by one with an older modification
time, a stage to redo after a tool fix, a single patient's report for the tumour board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The rules of each stage, in workflow order, the last one ending it. Downstream stages follow
#: from the DAG. A DNA unit is trimmed and aligned by one job (fastp_bwa_mem or fastp_minimap2,
#: unless split into parts): in both the reads and the align stage.
STAGES: dict[str, tuple[str, ...]] = {
    "reads": ("bam_to_fastq", "check_reads", "fastp", "fastp_bwa_mem", "fastp_minimap2"),
    "align": ("fastp_bwa_mem", "fastp_minimap2", "bwa_mem", "minimap2_align", "merge_markdup"),
    "qc": ("bam_qc", "qc_patient"),
    "germline": ("germline_call",),
    "somatic": (
        "somatic_calls",
        "somatic_method_call",
        "somatic_consensus",
    ),
    "cnv": (
        "cnvkit_reference",
        "cnvkit_tumour",
        "cnv_baf",
        "cnv_segments",
    ),
    "sv": ("sv_call", "sv_finalise"),
    "annotate": ("annotate",),
    "panel": ("germline_panel",),
    "two_hit": ("two_hit",),
    "rna": ("salmon_quant",),
    "report": ("patient_report",),
}

#: What reads each annotation source first: forcing it reruns everything that depends on it.
RESOURCES: dict[str, tuple[str, ...]] = {
    "panel": ("panel_genes",),
    "clinvar": ("results/reference/known/clinvar.vcf.gz",),
    "gnomad": ("results/reference/known/gnomad.vcf.gz",),
    "dbsnp": ("results/reference/known/dbsnp.vcf.gz",),
    "annotation": ("annotation_tables", "transcriptome"),
    "gene_thresholds": ("germline_panel",),
}

COHORT_TARGETS = (
    "results/cohort/variants.tsv",
    "results/cohort/variants.parquet",
    "results/cohort/cohort.duckdb",
)
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class RerunError(ValueError):
    """A request that names no stage or resource, or an unknown one."""


@dataclass(frozen=True)
class Rerun:
    patients: tuple[str, ...] = ()
    step: str | None = None
    downstream_of: str | None = None
    only: bool = False
    cohort: bool = False

    def forced(self, rules: set[str] | None = None) -> list[str]:
        """Rules or files given to --forcerun; of a stage's rules only those the workflow
        defines under its config (``rules``: e.g. bwa_mem or minimap2_align, not both)."""
        if (self.step is None) == (self.downstream_of is None):
            raise RerunError("give exactly one of --step and --downstream-of")
        if self.step is not None:
            stage = _lookup(STAGES, self.step, "--step")
            return [r for r in stage if rules is None or r in rules]
        return _lookup(RESOURCES, self.downstream_of, "--downstream-of")

    def targets(self) -> list[str]:
        """The patients' reports (and the cohort tables if asked), or every final output."""
        for patient in self.patients:
            if not SAFE_ID.match(patient):
                raise RerunError(f"--patient {patient!r}: only letters, digits, _ and -")
        targets = [
            f"results/patients/{patient}/report.{ext}"
            for patient in self.patients
            for ext in ("html", "json")
        ]
        if self.cohort and self.patients:
            targets += COHORT_TARGETS
        return targets

    def snakemake_args(self, rules: set[str] | None = None) -> list[str]:
        """Targets, --forcerun and (for --only) --until, for the workflow's ``rules``."""
        forced = self.forced(rules)
        args = [*self.targets(), "--forcerun", *forced]
        if self.only:
            # The stage's last rule: --until with every rule of a stage leaves Snakemake unable
            # to schedule the stage's inner jobs (snakemake/snakemake#823).
            args += ["--until", forced[-1] if self.step else forced[0]]
        return args


def _lookup(table: dict[str, tuple[str, ...]], name: str, option: str) -> list[str]:
    if name not in table:
        raise RerunError(f"{option} {name!r}: not one of {', '.join(table)}")
    return list(table[name])
