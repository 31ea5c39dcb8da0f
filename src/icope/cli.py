"""The ``icope`` command line: every click command of the package lives here.

The commands only parse options and print; the work is done by plain functions of the library
modules (``icope.bench.*``, ``icope.core.*``, ``icope.germline.panel_build``, ...). Commands that
need the pipeline checkout (its Snakefile, schema, test config) take ``--workflow-dir``, by
default the current directory; the package never looks for the checkout beside itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

import click
import yaml

from icope import __version__
from icope.bench.compare import (
    DEFAULT_VAF_BINS,
    BenchError,
    compare_vcfs,
    format_table,
    parse_vaf_edges,
    write_outputs,
)
from icope.bench.dag_scale import DAG_NOTES, dag_benchmark
from icope.bench.error_profiles import PROFILES as ERROR_PROFILE_RUNS
from icope.bench.error_profiles import SIMULATORS as ERROR_PROFILE_SIMULATORS
from icope.bench.error_profiles import error_profile_benchmark
from icope.bench.error_profiles import section_lines as error_profile_lines
from icope.bench.run import (
    DAG_COLUMNS,
    GERMLINE_COLUMNS,
    SOMATIC_COLUMNS,
    germline_benchmark,
    markdown_table,
    somatic_benchmark,
)
from icope.bench.sim_model import ERROR_PROFILES, SIMULATORS, SimulationError, SimulationParams
from icope.bench.simulate import run_simulation
from icope.bench.throughput import RULE_COLUMNS as THROUGHPUT_COLUMNS
from icope.bench.throughput import Settings, throughput_benchmark
from icope.bench.throughput_report import notes as throughput_notes
from icope.cohort.cli import bench_cohort
from icope.cohort.cli import cohort as cohort_commands
from icope.core.annotation import read_annotation, write_csq_gff3, write_gene_table, write_tx2gene
from icope.core.config import ConfigError, load_schema, validate_config
from icope.core.datafiles import DataError, check_manifest, resolve_data_dir
from icope.core.locks import Process, run_directory, stale_lock
from icope.core.profile import (
    JOBS,
    MAX_JOBS_PER_TIMESPAN,
    PROFILE_NAME,
    STATUS_INTERVAL_S,
    ProfileError,
    SiteSettings,
    install_profile,
)
from icope.core.rerun import RESOURCES as RERUN_RESOURCES
from icope.core.rerun import STAGES as RERUN_STAGES
from icope.core.rerun import Rerun, RerunError
from icope.core.sheets import SheetError, load_sample_sheet
from icope.core.workflow_dir import WorkflowDirError, find_workflow_dir
from icope.germline.panel_build import build_panel_results
from icope.report.patient_report import REPORT_SCHEMA_VERSION, render_html, validate_report
from icope.rna.bench import bench_rna

SCHEMA = Path("workflow") / "schemas" / "config.schema.yaml"


@click.group()
@click.version_option(__version__)
def main() -> None:
    """icope: childhood-cancer germline / somatic / RNA pipeline helpers."""


# --------------------------------------------------------------------------- shared options


def _checkout(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    try:
        return find_workflow_dir(value)
    except WorkflowDirError as exc:
        raise click.ClickException(str(exc)) from exc


WORKFLOW_DIR_OPTION = click.option(
    "--workflow-dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    callback=_checkout,
    help="Pipeline checkout (holds the Snakefile, workflow/ and the configs).",
)
DATA_DIR_OPTION = click.option(
    "--data-dir",
    default="auto",
    show_default=True,
    help="Test data directory ('auto': $ICOPE_DATA_DIR or ../shared/data).",
)
DOCS_OPTION = click.option(
    "--docs",
    default="docs",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory of benchmarks.md and its figures.",
)


# --------------------------------------------------------------------------- running


@main.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("snakemake_args", nargs=-1, type=click.UNPROCESSED)
def run(snakemake_args: tuple[str, ...]) -> None:
    """Run snakemake with SNAKEMAKE_ARGS, first removing a lock left by a killed run.

    `icope run --profile profiles/local --configfile my/config.yaml` is the same command as
    `snakemake ...`, but it resumes after a SIGKILL, a node failure or a wall-time limit: a lock
    in .snakemake/locks with no Snakemake process working in the directory is stale, so it is
    removed (`snakemake --unlock`) and the run goes on; --rerun-incomplete (in the profiles)
    redoes the jobs that were cut short. A lock of a live run is left alone.
    """
    sys.exit(_resume_and_run(list(snakemake_args), "icope run"))


def _resume_and_run(args: list[str], name: str) -> int:
    """Run snakemake with ARGS after removing a stale lock; its exit status."""
    command = [sys.executable, "-m", "snakemake", *args]
    directory = run_directory(Process(0, Path.cwd(), ["snakemake", *args]))
    if stale_lock(directory):
        click.echo(f"{name}: removing the stale lock of an interrupted run in {directory}")
        unlock = subprocess.run([*command, "--unlock"], check=False)
        if unlock.returncode != 0:
            return unlock.returncode
    return subprocess.run(command, check=False).returncode


def _workflow_rules(args: list[str]) -> set[str]:
    """The rules the workflow defines under the user's config (snakemake --list-rules)."""
    listing = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        click.echo(listing.stderr[-3000:], err=True)
        sys.exit(listing.returncode)
    return {line.strip() for line in listing.stdout.splitlines() if line.strip()}


@main.command(
    "rerun",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--patient", "patients", multiple=True, help="Only this patient (repeatable).")
@click.option("--step", type=click.Choice(list(RERUN_STAGES)), help="Stage to redo.")
@click.option(
    "--downstream-of",
    type=click.Choice(list(RERUN_RESOURCES)),
    help="Redo everything that reads this annotation source.",
)
@click.option("--only", is_flag=True, help="Redo the stage itself, nothing downstream of it.")
@click.option("--cohort", is_flag=True, help="With --patient: also rebuild the cohort tables.")
@click.argument("snakemake_args", nargs=-1, type=click.UNPROCESSED)
def rerun(
    patients: tuple[str, ...],
    step: str | None,
    downstream_of: str | None,
    only: bool,
    cohort: bool,
    snakemake_args: tuple[str, ...],
) -> None:
    """Redo one stage (for some patients) or everything downstream of an annotation source.

    `icope rerun --patient P001 --step somatic --profile profiles/local --configfile my.yaml`
    reruns P001's somatic calling and everything from it to P001's report (two-hit analysis,
    annotation, report); `--only` stops after the stage. `icope rerun --downstream-of clinvar
    ...` reruns every job that reads ClinVar, for every patient (or those given). Options after
    the icope ones go to snakemake as they are: add `-n` to see the jobs first.
    """
    request = Rerun(tuple(patients), step, downstream_of, only, cohort)
    args = list(snakemake_args)
    try:
        request.forced()
        planned = request.snakemake_args(_workflow_rules(args))
    except RerunError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"icope rerun: snakemake {' '.join(planned)} {' '.join(args)}")
    sys.exit(_resume_and_run([*planned, *args], "icope rerun"))


# --------------------------------------------------------------------------- inputs


@main.command()
@click.option(
    "--config",
    "config_path",
    default="config/config.yaml",
    show_default=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Workflow config file.",
)
@WORKFLOW_DIR_OPTION
def validate(config_path: str, workflow_dir: Path) -> None:
    """Check the data manifest and the sample sheets named in CONFIG, as the workflow does."""
    config = yaml.safe_load(Path(config_path).read_text())
    try:
        validate_config(config, load_schema(workflow_dir / SCHEMA), source=config_path)
    except ConfigError as exc:
        click.echo(f"invalid input:\n{exc}", err=True)
        sys.exit(1)
    try:
        data_dir = resolve_data_dir(config.get("data_dir", "auto"), workflow_dir)
        if config.get("data_manifest"):
            checked = check_manifest(config["data_manifest"], data_dir)
            click.echo(f"data manifest: {checked} files match")
        sheet = load_sample_sheet(config["samples"], config["units"], data_dir)
    except (DataError, SheetError, FileNotFoundError) as exc:
        click.echo(f"invalid input:\n{exc}", err=True)
        sys.exit(1)
    click.echo(
        f"{len(sheet.samples)} samples, {len(sheet.units)} units, "
        f"{len(sheet.patients)} patients, {len(sheet.tumour_normal_pairs())} tumour/normal pairs"
    )


# --------------------------------------------------------------------------- profiles


@main.group()
def profile() -> None:
    """Snakemake profiles: the site's SLURM settings."""


@profile.command("install")
@click.option("--account", help="SLURM account (sbatch -A); omitted: the plugin guesses it.")
@click.option("--partition", help="SLURM partition (sbatch -p); omitted: the site's default.")
@click.option("--jobs", default=JOBS, show_default=True, help="SLURM jobs queued or running.")
@click.option(
    "--max-jobs-per-timespan",
    default=MAX_JOBS_PER_TIMESPAN,
    show_default=True,
    help="Submission rate limit (sbatch calls per time span).",
)
@click.option(
    "--status-interval",
    default=STATUS_INTERVAL_S,
    show_default=True,
    help="Seconds from a submission to the first job status query (sacct).",
)
@click.option(
    "--node-cores",
    type=click.IntRange(min=1),
    help="CPUs of a compute node: caps every job's CPUs (threads, group jobs).",
)
@click.option(
    "--no-conda",
    is_flag=True,
    help="Tools come from PATH on the nodes (modules, system packages), not conda envs.",
)
@click.option("--name", default=PROFILE_NAME, show_default=True, help="Profile name.")
@click.option("--site", is_flag=True, help="For every user of this machine (/etc/xdg/snakemake).")
@click.option("--force", is_flag=True, help="Replace an existing profile of that name.")
def profile_install(name: str, site: bool, force: bool, no_conda: bool, **site_options) -> None:
    """Write the SLURM profile NAME where Snakemake finds it, so that
    `snakemake --profile cluster` works from any directory (~/.config/snakemake/cluster, or
    $XDG_CONFIG_HOME/snakemake/cluster). An existing profile is kept unless --force."""
    try:
        settings = SiteSettings(conda=not no_conda, **site_options)
        written = install_profile(settings, name=name, site=site, force=force)
    except (ProfileError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {written}: run with `snakemake --profile {name}`")


@main.command()
@click.argument("annotation", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--gff3",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Ensembl-style GFF3 for bcftools csq.",
)
@click.option("--genes", type=click.Path(dir_okay=False), help="Output: gene table (TSV).")
@click.option("--tx2gene", type=click.Path(dir_okay=False), help="Output: transcript-gene map.")
def annotation(annotation: str, gff3: str, genes: str | None, tx2gene: str | None) -> None:
    """Convert a GTF/GFF3 ANNOTATION into the files the pipeline's tools read."""
    model = read_annotation(annotation)
    written = write_csq_gff3(model, gff3)
    if genes:
        write_gene_table(model, genes)
    if tx2gene:
        write_tx2gene(model, tx2gene)
    click.echo(f"{len(model.genes)} genes, {written} transcripts")


@main.command("build-panels")
@click.option(
    "--panel-zero",
    "panel_zero",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="CPSR panel 0 (panel_zero.tsv.gz), e.g. ../shared/data/panels/panel_zero.tsv.gz.",
)
@click.option(
    "--outdir",
    default="resources/panels",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory for the panel TSVs.",
)
def build_panels_command(panel_zero: str, outdir: str) -> None:
    """Build the superpanel and the childhood solid / haematological panels from CPSR panel 0."""
    for result in build_panel_results(panel_zero, outdir):
        click.echo(f"{result.path}\t{result.n_genes} genes")
        if result.absent_core:
            click.echo(
                f"  core genes absent from panel 0 (not added): {', '.join(result.absent_core)}"
            )


# --------------------------------------------------------------------------- reports


@main.command()
@click.argument("report_json", type=click.Path(exists=True, dir_okay=False))
@click.argument("html", type=click.Path(dir_okay=False))
def render(report_json: str, html: str) -> None:
    """Render a patient REPORT_JSON as self-contained HTML.

    The document is checked against the report schema first: a report.json of another schema
    version (an older icope) gets one error naming the file and the field, not a template
    failure, and no HTML is written."""
    import jsonschema

    try:
        report = json.loads(Path(report_json).read_text())
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{report_json}: not JSON ({error})") from error
    try:
        validate_report(report)
    except jsonschema.ValidationError as error:
        field = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise click.ClickException(
            f"{report_json}: not a report.json of schema version {REPORT_SCHEMA_VERSION} "
            f"(field {field}: {error.message}); rerun the patient_report step to rebuild it"
        ) from error
    Path(html).write_text(render_html(report))


# --------------------------------------------------------------------------- simulation


#: Defaults of ``icope simulate``: those of SimulationParams.
SIM = {f.name: f.default for f in fields(SimulationParams)}


@main.command("simulate")
@click.option(
    "--reference",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Reference FASTA (segment).",
)
@click.option(
    "--truth",
    "germline_vcf",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Phased germline truth VCF of one individual.",
)
@click.option(
    "--confident-bed",
    type=click.Path(exists=True, dir_okay=False),
    help="Confident regions; somatic variants are placed inside.",
)
@click.option("--region", help="Cut CONTIG or CONTIG:1-END (start must be 1).")
@click.option("--outdir", required=True, type=click.Path(file_okay=False))
# depths are floats on the command line (FLOAT, shown as 30.0)
@click.option("--normal-depth", default=float(SIM["normal_depth"]), show_default=True)
@click.option("--tumour-depth", default=float(SIM["tumour_depth"]), show_default=True)
@click.option("--purity", default=SIM["purity"], show_default=True)
@click.option("--somatic-snvs", "n_somatic_snv", default=SIM["n_somatic_snv"], show_default=True)
@click.option(
    "--somatic-indels", "n_somatic_indel", default=SIM["n_somatic_indel"], show_default=True
)
@click.option(
    "--vaf-levels",
    default=",".join(map(str, SIM["vaf_levels"])),
    show_default=True,
    help="Comma-separated target VAFs.",
)
@click.option(
    "--loh",
    multiple=True,
    help="LOH/copy-loss segment CONTIG:START-END (1-based; repeatable; 'none' = no LOH)."
    " Default: 100 kb in the middle.",
)
@click.option(
    "--spike-in",
    "spike_in_vcf",
    type=click.Path(exists=True, dir_okay=False),
    help="Extra germline variants (GT gives the haplotype; default 1|0).",
)
@click.option("--read-length", default=SIM["read_length"], show_default=True)
@click.option("--fragment-mean", default=SIM["fragment_mean"], show_default=True)
@click.option("--fragment-sd", default=SIM["fragment_sd"], show_default=True)
@click.option("--seed", default=SIM["seed"], show_default=True)
@click.option(
    "--simulator", type=click.Choice(SIMULATORS), default=SIM["simulator"], show_default=True
)
@click.option(
    "--error-profile",
    type=click.Choice(list(ERROR_PROFILES)),
    default=SIM["error_profile"],
    show_default=True,
    help="Sequencing error of the reads (low ~0.1 %, realistic 0.2-0.5 %, high ~1 %).",
)
@click.option("--patient", default=SIM["patient"], show_default=True)
@click.option("--threads", default=SIM["threads"], show_default=True)
@click.option("--no-reads", is_flag=True, help="Write truth and sheets only.")
@click.option("--keep-intermediate", is_flag=True, help="Keep haplotype FASTAs and FASTQs.")
def simulate_command(vaf_levels: str, loh: tuple[str, ...], no_reads: bool, **options) -> None:
    """Simulate normal + tumour paired-end reads with germline and somatic truth."""
    if not loh:
        loh_arg: object = None
    elif any(x.lower() == "none" for x in loh):
        loh_arg = False
    else:
        loh_arg = list(loh)
    try:
        levels = tuple(float(x) for x in vaf_levels.split(",") if x.strip())
        params = SimulationParams(**options, vaf_levels=levels, loh=loh_arg, reads=not no_reads)
        summary = run_simulation(params)
    except (SimulationError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    c = summary["counts"]
    clones = ", ".join(f"{k['name']}={k['fraction']:g}" for k in summary["clone_design"]["clones"])
    click.echo(f"outdir: {summary['parameters']['outdir']}")
    click.echo(
        f"germline truth: {c['germline_truth_records']} records "
        f"({c['spike_ins']} spike-ins); somatic truth: {c['somatic']} "
        f"({c['somatic_by_type']}), {c['somatic_clonal']} clonal, "
        f"{c['somatic_subclonal']} subclonal, {c['somatic_in_loh']} in LOH"
    )
    click.echo(f"purity {params.purity}; clones (cancer-cell fraction): {clones}")
    for seg in summary["loh"]:
        click.echo(
            f"LOH: {seg['contig']}:{seg['start0'] + 1}-{seg['end0']} (hap 2 lost, "
            f"het BAF {seg['tumour_baf_alt_on_kept_hap']:.3f}/"
            f"{seg['tumour_baf_alt_on_lost_hap']:.3f})"
        )
    if c["read_pairs"]:
        click.echo("read pairs: " + ", ".join(f"{k}={v}" for k, v in c["read_pairs"].items()))
    click.echo(f"done in {summary['elapsed_seconds']} s")


# --------------------------------------------------------------------------- benchmarks


bench = click.Group("bench", help="Benchmark variant calls against a truth set.")
main.add_command(bench)
bench.add_command(bench_cohort)
bench.add_command(bench_rna)
main.add_command(cohort_commands)


@bench.command("dag")
@click.option("--patients", default="10,100,1000", show_default=True, help="Cohort sizes.")
@click.option("--repeats", default=3, show_default=True, help="Dry runs per size (median).")
@click.option(
    "--wgs-chunks",
    default=48,
    show_default=True,
    help="Plan the largest cohort again with this many calling chunks (the WGS template's); "
    "0: not.",
)
@click.option("--scratch", default=None, type=click.Path(file_okay=False), help="Work dir.")
@WORKFLOW_DIR_OPTION
@DOCS_OPTION
def dag_command(
    patients: str, repeats: int, wgs_chunks: int, scratch, workflow_dir: Path, docs: str
) -> None:
    """Time `snakemake -n` on synthetic cohorts; writes the DAG section of benchmarks.md."""
    sizes = [int(n) for n in patients.split(",")]
    with tempfile.TemporaryDirectory(dir=scratch) as work:
        table = dag_benchmark(
            workflow_dir, Path(docs), Path(work), sizes, repeats, DAG_NOTES, wgs_chunks
        )
    click.echo(markdown_table(table, DAG_COLUMNS, digits=2))


@bench.command("compare")
@click.option("--truth", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--calls", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--reference", required=True, type=click.Path(exists=True, dir_okay=False), help="FASTA."
)
@click.option(
    "--regions",
    type=click.Path(exists=True, dir_okay=False),
    help="BED of confident regions (both sides are restricted to it).",
)
@click.option("--somatic", is_flag=True, help="Allele-only matching with VAF bins.")
@click.option(
    "--vaf-bins",
    default=DEFAULT_VAF_BINS,
    show_default=True,
    help="VAF bin edges for --somatic.",
)
@click.option("--no-genotype", is_flag=True, help="Ignore genotypes (match alleles only).")
@click.option("--all-filters", is_flag=True, help="Score calls of every FILTER, not just PASS.")
@click.option("--sample", help="Call sample to score (default: the first).")
@click.option("--dataset", default="", help="Dataset label for the table.")
@click.option("--method", default="", help="Method (pipeline) label for the table.")
@click.option(
    "--out",
    "prefix",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output prefix: writes PREFIX.tsv, .json, .fp.tsv, .fn.tsv.",
)
def compare(
    truth: str,
    calls: str,
    reference: str,
    regions: str | None,
    somatic: bool,
    vaf_bins: str,
    no_genotype: bool,
    all_filters: bool,
    sample: str | None,
    dataset: str,
    method: str,
    prefix: str,
) -> None:
    """Score CALLS against TRUTH: precision, recall and F1 per class (and VAF bin)."""
    try:
        edges = parse_vaf_edges(vaf_bins)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--vaf-bins") from exc
    try:
        result = compare_vcfs(
            truth,
            calls,
            reference,
            regions=regions,
            somatic=somatic,
            genotype_aware=not (no_genotype or somatic),
            vaf_edges=edges,
            pass_only=not all_filters,
            sample=sample,
            dataset=dataset,
            method=method,
        )
    except BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    paths = write_outputs(result, prefix)
    click.echo(format_table(result.rows))
    click.echo(f"wrote {paths['tsv']}, {paths['json']}, {paths['fp']}, {paths['fn']}", err=True)


@bench.command("germline")
@DATA_DIR_OPTION
@click.option(
    "--workdir",
    default="benchmarks/work",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Scratch directory for runs.",
)
@click.option("--region", default=None, help="Simulate only chr21:1-N of the 1 Mb segment.")
@click.option("--depth", default=30, show_default=True, help="Simulated normal depth.")
@click.option("--seed", default=1, show_default=True)
@DOCS_OPTION
@WORKFLOW_DIR_OPTION
def germline_command(
    data_dir: str,
    workdir: str,
    region: str | None,
    depth: int,
    seed: int,
    docs: str,
    workflow_dir: Path,
) -> None:
    """Benchmark germline calling (each caller) on simulated and real NA12878 data."""
    metrics = germline_benchmark(
        resolve_data_dir(data_dir, workflow_dir),
        Path(workdir).resolve(),
        region,
        depth,
        seed,
        Path(docs),
        workflow_dir=workflow_dir,
        progress=click.echo,
    )
    click.echo(markdown_table(metrics[metrics["vaf_bin"] == "all"], GERMLINE_COLUMNS))
    click.echo(f"wrote {docs}/benchmarks.md")


@bench.command("somatic")
@DATA_DIR_OPTION
@click.option(
    "--workdir",
    default="benchmarks/work/somatic",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Scratch directory for the run.",
)
@click.option("--region", default=None, help="Simulate only chr21:1-N of the 1 Mb segment.")
@click.option("--normal-depth", default=30, show_default=True)
@click.option("--tumour-depth", default=60, show_default=True)
@click.option("--purity", default=0.8, show_default=True)
@click.option("--seed", default=1, show_default=True)
@DOCS_OPTION
@WORKFLOW_DIR_OPTION
def somatic_command(
    data_dir: str,
    workdir: str,
    region: str | None,
    normal_depth: int,
    tumour_depth: int,
    purity: float,
    seed: int,
    docs: str,
    workflow_dir: Path,
) -> None:
    """Benchmark somatic SNV/indel (each method and consensus), LOH and SV on a simulated pair."""
    metrics, info = somatic_benchmark(
        resolve_data_dir(data_dir, workflow_dir),
        Path(workdir).resolve(),
        region,
        normal_depth,
        tumour_depth,
        purity,
        seed,
        Path(docs),
        workflow_dir=workflow_dir,
    )
    click.echo(markdown_table(metrics, SOMATIC_COLUMNS))
    for note in info["notes"]:
        click.echo(note)


def _names(value: str, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(allowed)}", param_hint=option)
    return names


@bench.command("error-profiles")
@DATA_DIR_OPTION
@click.option(
    "--workdir",
    default="benchmarks/work/error_profiles",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Scratch directory (one run directory per profile, simulator and seed; reused).",
)
@click.option(
    "--profiles",
    default=",".join(ERROR_PROFILE_RUNS),
    show_default=True,
    help="Comma-separated error profiles.",
)
@click.option(
    "--simulators",
    default=",".join(ERROR_PROFILE_SIMULATORS),
    show_default=True,
    help="Comma-separated read simulators.",
)
@click.option("--seeds", default="1", show_default=True, help="Comma-separated seeds.")
@click.option(
    "--grid/--no-grid",
    default=True,
    show_default=True,
    help="Also the purity 0.4/0.6/0.8 x tumour 40x/80x grid (realistic profile, dwgsim).",
)
@DOCS_OPTION
@WORKFLOW_DIR_OPTION
def error_profiles_command(
    data_dir: str,
    workdir: str,
    profiles: str,
    simulators: str,
    seeds: str,
    grid: bool,
    docs: str,
    workflow_dir: Path,
) -> None:
    """Somatic precision/recall/F1 per VAF bin under sequencing error profiles (low,
    realistic, high) with art_illumina and dwgsim, and over tumour purity and depth; writes
    its section of benchmarks.md."""
    table, info = error_profile_benchmark(
        resolve_data_dir(data_dir, workflow_dir),
        Path(workdir).resolve(),
        Path(docs),
        profiles=_names(profiles, tuple(ERROR_PROFILE_RUNS), "--profiles"),
        simulators=_names(simulators, tuple(ERROR_PROFILE_SIMULATORS), "--simulators"),
        seeds=tuple(int(s) for s in seeds.split(",") if s.strip()),
        grid=grid,
        workflow_dir=workflow_dir,
        progress=click.echo,
    )
    click.echo("\n".join(error_profile_lines(info, table)))
    click.echo(f"wrote {docs}/benchmarks.md")


@bench.command("purity")
@DATA_DIR_OPTION
@click.option(
    "--workdir",
    default="benchmarks/work/purity",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Scratch directory (one read-level run directory per purity and seed).",
)
@click.option("--seeds", default=20, show_default=True, help="Count-level seeds per cell.")
@click.option(
    "--read-seeds", default="1", show_default=True, help="Comma-separated read-level seeds."
)
@DOCS_OPTION
@WORKFLOW_DIR_OPTION
def purity_command(
    data_dir: str, workdir: str, seeds: int, read_seeds: str, docs: str, workflow_dir: Path
) -> None:
    """Purity estimate error at purity 0.4/0.6/0.8 (count-level genomes and workflow runs on
    simulated reads) and the two-hit call in retained / lost / somatic-LoF / no-hit scenarios;
    writes its section of benchmarks.md."""
    # Imported here: the benchmark pulls in the workflow's copy-number and two-hit modules.
    from icope.bench.purity import purity_benchmark
    from icope.bench.purity import section_lines as purity_lines

    table, info = purity_benchmark(
        resolve_data_dir(data_dir, workflow_dir),
        Path(workdir).resolve(),
        Path(docs),
        seeds=seeds,
        read_seeds=tuple(int(s) for s in read_seeds.split(",") if s.strip()),
        workflow_dir=workflow_dir,
        progress=click.echo,
    )
    click.echo("\n".join(purity_lines(info, table)))
    click.echo(f"wrote {docs}/benchmarks.md")


@bench.command("split-spike")
@DATA_DIR_OPTION
@click.option(
    "--workdir",
    default="benchmarks/work/split_spike",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Scratch directory (one run directory per seed).",
)
@click.option("--seeds", default="1,2,3", show_default=True, help="Comma-separated seeds.")
@DOCS_OPTION
@WORKFLOW_DIR_OPTION
def split_spike_command(data_dir: str, workdir: str, seeds: str, docs: str, workflow_dir) -> None:
    """False-positive PASS SNVs per Mb on real HG002 reads split in two halves (one called
    against the other), and the recall of SNVs spiked into one half; writes its section."""
    from icope.bench.split_spike import section_lines, split_spike_benchmark

    table, info = split_spike_benchmark(
        resolve_data_dir(data_dir, workflow_dir),
        Path(workdir).resolve(),
        Path(docs),
        seeds=tuple(int(s) for s in seeds.split(",") if s.strip()),
        workflow_dir=workflow_dir,
        progress=click.echo,
    )
    click.echo("\n".join(section_lines(info, table)))
    click.echo(f"wrote {docs}/benchmarks.md")


@bench.command("throughput")
@DATA_DIR_OPTION
@click.option(
    "--workdir",
    default="benchmarks/work/throughput",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Scratch directory (simulation, one run directory per chunk count).",
)
@click.option("--chunks", default=8, show_default=True, help="calling.chunks of the chunked run.")
@click.option("--cores", default=2, show_default=True, help="Cores of the measured runs.")
@click.option("--normal-depth", default=30, show_default=True)
@click.option("--tumour-depth", default=60, show_default=True)
@click.option("--seed", default=1, show_default=True)
@DOCS_OPTION
@WORKFLOW_DIR_OPTION
def throughput_command(
    data_dir: str,
    workdir: str,
    chunks: int,
    cores: int,
    normal_depth: int,
    tumour_depth: int,
    seed: int,
    docs: str,
    workflow_dir: Path,
) -> None:
    """CPU and memory per rule on a simulated 1 Mb pair (1 and N calling chunks), projected to
    a 30x/60x WGS pair and a 100x/100x exome; writes its section of benchmarks.md."""
    if chunks < 2:
        raise click.BadParameter("must be at least 2", param_hint="--chunks")
    settings = Settings(
        data_dir=resolve_data_dir(data_dir, workflow_dir),
        workdir=Path(workdir).resolve(),
        chunks=chunks,
        cores=cores,
        normal_depth=normal_depth,
        tumour_depth=tumour_depth,
        seed=seed,
        workflow_dir=workflow_dir,
    )
    table, info = throughput_benchmark(settings, Path(docs), progress=click.echo)
    click.echo(markdown_table(table, THROUGHPUT_COLUMNS, digits=2))
    for note in throughput_notes(info):
        click.echo(f"- {note}")
    click.echo(f"wrote {docs}/benchmarks.md")


if __name__ == "__main__":
    main()
