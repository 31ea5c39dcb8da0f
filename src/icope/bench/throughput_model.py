"""The projection model of ``icope bench throughput``: which rule each benchmark file belongs
to and how its cost scales, the projected DAG's jobs, a list schedule on N cores with the
critical path, and the per-stage figures of a projected setup (pure functions; the runs that
feed them are in :mod:`icope.bench.throughput`).
"""

from __future__ import annotations

import heapq
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import pandas as pd

from icope.core.sheets import SAFE_ID

# --------------------------------------------------------------------------- rules

#: What a wildcard of a benchmark path can hold: the sheets' ID characters, never a dot.
WILDCARD = SAFE_ID.strip("^$")
#: Per-read rules scale with territory x depth; per-site rules with territory; reference rules
#: with the genome (once, whatever the depth or the targets); fixed rules not at all.
SCALINGS = ("reads", "sites", "reference", "fixed")
STAGES = (
    "reference",
    "read QC",
    "alignment",
    "post-alignment",
    "calling",
    "CNV",
    "SV",
    "RNA",
    "annotation and reports",
)


@dataclass(frozen=True)
class RuleClass:
    """A rule, its benchmark path (relative to ``benchmarks/``, no ``.tsv``), stage, scaling.

    ``depth`` says whose depth a per-read rule reads: ``own`` (the sample of its wildcards) or
    ``pair`` (a tumour and its matched normal together).
    """

    rule: str
    template: str
    stage: str
    scaling: str
    depth: str = "own"

    def regex(self) -> re.Pattern:
        parts = re.split(r"\{(\w+)\}", self.template)
        body = "".join(
            f"(?P<{part}>{WILDCARD})" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
        return re.compile(f"^{body}$")


RULES = (
    RuleClass("genome_fasta", "reference/genome_fasta", "reference", "reference"),
    RuleClass("bwa_index", "reference/bwa_index", "reference", "reference"),
    RuleClass("minimap2_index", "reference/minimap2_index", "reference", "reference"),
    RuleClass("annotation_tables", "reference/annotation_tables", "reference", "reference"),
    RuleClass("transcriptome", "reference/transcriptome", "reference", "reference"),
    RuleClass("salmon_index", "reference/salmon_index", "reference", "reference"),
    RuleClass("star_index", "reference/star_index", "reference", "reference"),
    RuleClass("identity_sites", "reference/identity_sites", "reference", "reference"),
    RuleClass("calling_chunks", "reference/calling_chunks", "calling", "reference"),
    RuleClass("genome_bed", "reference/genome_bed", "reference", "fixed"),
    RuleClass("known_sites", "reference/known_sites_{known}", "reference", "reference"),
    RuleClass("panel_genes", "reference/panel_genes", "reference", "fixed"),
    RuleClass("software_versions", "reference/software_versions", "reference", "fixed"),
    RuleClass("check_reads", "check_reads/{sample}", "read QC", "reads"),
    RuleClass("fastp", "fastp/{sample}/{unit}", "read QC", "reads"),
    RuleClass("bam_to_fastq", "bam_to_fastq/{sample}/{unit}", "read QC", "reads"),
    # A DNA unit trimmed and aligned in one job (fastp piped into the aligner): its CPU is
    # counted as alignment, which it mostly is.
    RuleClass("fastp_bwa_mem", "fastp_bwa_mem/{sample}/{unit}", "alignment", "reads"),
    RuleClass("fastp_minimap2", "fastp_minimap2/{sample}/{unit}", "alignment", "reads"),
    # alignment.split_fastq_parts > 1: fastp writes the parts, one job aligns each.
    RuleClass("bwa_mem", "bwa_mem/{sample}/{unit}/{part}", "alignment", "reads"),
    RuleClass("minimap2_align", "minimap2/{sample}/{unit}/{part}", "alignment", "reads"),
    RuleClass("merge_markdup", "merge_markdup/{sample}", "post-alignment", "reads"),
    RuleClass("bam_qc", "bam_qc/{sample}", "post-alignment", "reads"),
    RuleClass("qc_patient", "qc/{patient}.qc", "post-alignment", "fixed"),
    RuleClass("multiqc", "qc/multiqc", "post-alignment", "fixed"),
    RuleClass("qc_summary", "qc/qc_summary", "post-alignment", "fixed"),
    RuleClass("identity_check", "identity/{patient}", "post-alignment", "fixed"),
    RuleClass("germline_call", "germline/{sample}.call", "calling", "reads"),
    RuleClass("somatic_calls", "somatic/{tumour}.{method}.calls", "calling", "reads", "pair"),
    RuleClass("somatic_method_call", "somatic/{tumour}.{method}.call", "calling", "sites"),
    RuleClass("somatic_consensus", "somatic/{tumour}.consensus", "calling", "sites"),
    RuleClass("pon_pileup", "pon/pileup", "calling", "reads"),
    RuleClass("pon_build", "pon/build", "calling", "sites"),
    RuleClass("cnvkit_reference", "cnv/{sample}.cnvkit_reference", "CNV", "reads"),
    RuleClass("cnvkit_tumour", "cnv/{tumour}.cnvkit", "CNV", "reads"),
    RuleClass("cnv_baf", "cnv/{tumour}.baf", "CNV", "reads"),
    RuleClass("cnv_segments", "cnv/{tumour}.segments", "CNV", "sites"),
    RuleClass("sv_call", "sv/{tumour}.delly_call", "SV", "reads", "pair"),
    RuleClass("sv_finalise", "sv/{tumour}.finalise", "SV", "sites"),
    RuleClass("salmon_quant", "salmon/{sample}", "RNA", "reads"),
    RuleClass("star_align", "star/{sample}", "RNA", "reads"),
    RuleClass("rna_sample_tables", "rna_sample_tables/{sample}", "RNA", "sites"),
    RuleClass("rna_patient", "rna_patient/{patient}", "RNA", "sites"),
    RuleClass("rna_cohort", "cohort/rna_cohort", "annotation and reports", "sites"),
    RuleClass("annotate", "annotation/{origin}/{sample}", "annotation and reports", "sites"),
    RuleClass("germline_panel", "panel/{patient}", "annotation and reports", "sites"),
    RuleClass("two_hit", "panel/{patient}.two_hit", "annotation and reports", "sites"),
    RuleClass("patient_report", "report/{patient}", "annotation and reports", "fixed"),
    RuleClass("cohort_tables", "cohort/cohort_tables", "annotation and reports", "sites"),
    RuleClass("cohort_fragment", "cohort/fragment/{patient}", "annotation and reports", "sites"),
    RuleClass("cohort_database", "cohort/cohort_database", "annotation and reports", "sites"),
)
RULE_BY_NAME = {rule.rule: rule for rule in RULES}
#: Wildcards that split one unit of work over several jobs (lanes, their FASTQ parts).
SPLIT_WILDCARDS = ("unit", "part", "chunk")
#: The rules that run every calling chunk inside their job (icope.core.scatter): a chunk's
#: cost model applies to the job's CPU summed over its chunks.
SCATTERED = ("germline_call", "somatic_calls")


class BenchmarkPathError(ValueError):
    """A benchmark file no entry of :data:`RULES` (or more than one) accounts for."""


def classify(path: str, rules: Iterable[RuleClass] = RULES) -> tuple[RuleClass, dict]:
    """The rule of a benchmark path (relative to ``benchmarks/``, without ``.tsv``) and its
    wildcards.

    >>> rule, wildcards = classify("somatic/SIM_T.pileup.calls")
    >>> rule.rule, wildcards
    ('somatic_calls', {'tumour': 'SIM_T', 'method': 'pileup'})
    """
    found = [(rule, m.groupdict()) for rule in rules if (m := rule.regex().match(path))]
    if len(found) != 1:
        what = "no rule" if not found else "several rules: " + ", ".join(r.rule for r, _ in found)
        raise BenchmarkPathError(f"benchmarks/{path}.tsv matches {what} of icope.bench.throughput")
    return found[0]


def group_key(wildcards: dict) -> str:
    """The wildcards that name a unit of work, without those splitting it (lane, chunk).

    >>> group_key({"tumour": "T1", "chunk": "0002"})
    'tumour=T1'
    """
    return ",".join(f"{k}={v}" for k, v in sorted(wildcards.items()) if k not in SPLIT_WILDCARDS)


# --------------------------------------------------------------------------- projection

#: GRCh38 primary assembly, Mb (what a whole genome is called and indexed over).
GENOME_MB = 3100.0
#: bwa mem alone on a 30x whole genome, CPU hours (issue 10; the literature anchor).
BWA_ANCHOR_CPU_H = 150.0
BWA_ANCHOR_DEPTH = 30.0
#: Sequence per unit (lane, read group) assumed for a projected sample: 2x150 bp, 83 M pairs.
BASES_PER_UNIT = 25e9


@dataclass(frozen=True)
class Target:
    """A setup to project to: territory (Mb), depths, calling chunks (the template's)."""

    name: str
    size_mb: float
    normal_depth: float
    tumour_depth: float
    chunks: int
    description: str = ""
    max_wall_h: float | None = None  # on 64 cores, where issue 10 sets a target

    def units(self, depth: float) -> int:
        """Lanes of :data:`BASES_PER_UNIT` a sample of this depth arrives in."""
        return max(1, math.ceil(depth * self.size_mb * 1e6 / BASES_PER_UNIT))


TARGETS = (
    Target(
        "WGS 30x/60x", GENOME_MB, 30, 60, 48, "30x normal / 60x tumour, GRCh38 (3,100 Mb)", 12.0
    ),
    Target(
        "exome 100x/100x",
        60,
        100,
        100,
        48,
        "100x normal / 100x tumour on 60 Mb of targets with flanks; off-target reads ignored",
    ),
)


@dataclass(frozen=True)
class Simulated:
    """What was measured: reference size (Mb), each sample's depth, each tumour's normal."""

    size_mb: float
    depth: dict[str, float]
    normal_of: dict[str, str]

    def target_depth(self, target: Target, sample: str) -> float:
        return target.tumour_depth if sample in self.normal_of else target.normal_depth


def scale_factor(rule: RuleClass, sample: str | None, target: Target, sim: Simulated) -> float:
    """How much more CPU a rule's work takes on ``target`` than on the simulated pair.

    ``reads``: territory x depth (a pair rule: the summed depths of tumour and normal);
    ``sites``: territory; ``reference``: the whole genome, also for an exome; ``fixed``: 1.
    """
    if rule.scaling == "fixed":
        return 1.0
    if rule.scaling == "reference":
        return GENOME_MB / sim.size_mb
    territory = target.size_mb / sim.size_mb
    if rule.scaling == "sites":
        return territory
    samples = [sample, sim.normal_of[sample]] if rule.depth == "pair" else [sample]
    wanted = sum(sim.target_depth(target, s) for s in samples)
    return territory * wanted / sum(sim.depth[s] for s in samples)


def key_sample(key: str) -> str | None:
    """The sample (or tumour) a group key names, if any."""
    wildcards = dict(item.split("=", 1) for item in key.split(",") if item)
    return wildcards.get("sample") or wildcards.get("tumour")


@dataclass
class Job:
    """A job of a projected DAG: rule, group key, threads, dependencies, CPU seconds."""

    id: int
    rule: str
    key: str
    threads: int = 1
    deps: tuple[int, ...] = ()
    cpu_s: float = 0.0


def projected_totals(
    measured: pd.DataFrame,
    fixed: dict[tuple[str, str], float],
    counts: dict[tuple[str, str], int],
    factor: Callable[[str, str], float],
) -> dict[tuple[str, str], float]:
    """Projected CPU seconds of each (rule, key) group that has ``counts`` jobs in the target.

    The measured group's CPU less its start-up cost per job (``fixed``, from
    :func:`size_fit`) is scaled by ``factor(rule, key)``; the start-up is paid once per
    projected job (lanes, chunks). Groups never measured (rules without a benchmark file)
    get 0.
    """
    sums = measured.groupby(["rule", "key"])["cpu_s"].agg(["sum", "size"])
    totals = {}
    for group, jobs in counts.items():
        if group not in sums.index:
            totals[group] = 0.0
            continue
        cpu, n = sums.loc[group, "sum"], sums.loc[group, "size"]
        per_job = fixed.get(group, 0.0)
        totals[group] = factor(*group) * max(0.0, cpu - n * per_job) + jobs * per_job
    return totals


def with_costs(dag: list[Job], totals: dict[tuple[str, str], float]) -> list[Job]:
    """The DAG's jobs with each group's projected CPU shared equally among its jobs."""
    counts = group_counts(dag)
    return [
        replace(job, cpu_s=totals[(job.rule, job.key)] / counts[(job.rule, job.key)]) for job in dag
    ]


def group_counts(dag: Iterable[Job]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for job in dag:
        counts[(job.rule, job.key)] = counts.get((job.rule, job.key), 0) + 1
    return counts


# --------------------------------------------------------------------------- schedule model


def durations(jobs: list[Job], cores: int) -> dict[int, float]:
    """Wall seconds of each job: its CPU over its threads (at most ``cores``), perfect scaling."""
    return {job.id: job.cpu_s / min(job.threads, cores) for job in jobs}


def children_of(jobs: list[Job]) -> dict[int, list[int]]:
    """The ids of the jobs that depend on each job."""
    children: dict[int, list[int]] = {job.id: [] for job in jobs}
    for job in jobs:
        for dep in job.deps:
            children[dep].append(job.id)
    return children


def bottom_levels(jobs: list[Job], duration: dict[int, float]) -> dict[int, float]:
    """Longest path from each job to the end of the DAG, the job itself included."""
    children = children_of(jobs)
    level: dict[int, float] = {}
    for job_id in reversed(topological_order(jobs)):
        level[job_id] = duration[job_id] + max((level[c] for c in children[job_id]), default=0)
    return level


def topological_order(jobs: list[Job]) -> list[int]:
    """Job ids, every job after its dependencies (Kahn); raises on a cycle."""
    waiting = {job.id: len(job.deps) for job in jobs}
    children = children_of(jobs)
    ready = sorted(job_id for job_id, n in waiting.items() if n == 0)
    order = []
    while ready:
        job_id = ready.pop()
        order.append(job_id)
        for child in children[job_id]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(order) != len(jobs):
        raise ValueError("the DAG has a cycle")
    return order


def critical_path(jobs: list[Job], cores: int) -> tuple[float, list[Job]]:
    """The longest chain of dependent jobs (wall seconds with unlimited cores) and its jobs."""
    duration = durations(jobs, cores)
    level = bottom_levels(jobs, duration)
    by_id = {job.id: job for job in jobs}
    children = children_of(jobs)
    current = max((job for job in jobs if not job.deps), key=lambda j: level[j.id])
    chain = [current]
    while children[current.id]:
        current = by_id[max(children[current.id], key=lambda c: level[c])]
        chain.append(current)
    return level[chain[0].id], chain


def makespan(jobs: list[Job], cores: int) -> float:
    """Wall seconds of the DAG on ``cores`` cores: a list schedule that starts, whenever cores
    are free, the ready jobs with the longest path to the end first (those that fit)."""
    duration = durations(jobs, cores)
    level = bottom_levels(jobs, duration)
    by_id = {job.id: job for job in jobs}
    waiting = {job.id: len(job.deps) for job in jobs}
    children = children_of(jobs)
    ready = [job for job in jobs if not job.deps]
    running: list[tuple[float, int, int]] = []  # (finish, job id, cores held)
    now, free = 0.0, cores
    while ready or running:
        ready.sort(key=lambda j: -level[j.id])
        for job in list(ready):
            need = min(job.threads, cores)
            if need <= free:
                ready.remove(job)
                free -= need
                heapq.heappush(running, (now + duration[job.id], job.id, need))
        now, finished, held = heapq.heappop(running)
        free += held
        for child in children[finished]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(by_id[child])
    return now


def closing_steps(
    jobs: list[Job], cores: int, limit_h: float, threads: int = 8, steps: int = 3
) -> list[dict]:
    """What brings the wall time on ``cores`` within ``limit_h``: the rule holding most of the
    critical path gets ``threads`` threads per job, then the next, at most ``steps`` rules;
    each step with the wall hours it leaves."""
    changes = []
    while len(changes) < steps and makespan(jobs, cores) / 3600 > limit_h:
        duration = durations(jobs, cores)
        held: dict[str, float] = {}
        for job in critical_path(jobs, cores)[1]:
            if job.threads < threads:
                held[job.rule] = held.get(job.rule, 0.0) + duration[job.id]
        if not held:
            break
        rule = max(held, key=held.get)
        jobs = [replace(j, threads=threads) if j.rule == rule else j for j in jobs]
        wall = makespan(jobs, cores) / 3600
        changes.append({"rule": rule, "threads": threads, "wall_h": round(wall, 2)})
    return changes


# --------------------------------------------------------------------------- projected DAG


def parse_dry_run(text: str) -> dict[int, dict]:
    """Jobs of a ``snakemake -n`` listing by job id: rule, wildcards, threads."""
    jobs: dict[int, dict] = {}
    current: dict | None = None
    for line in text.splitlines():
        # Snakemake indents some jobs' blocks (a local rule among others); a field is indented more.
        if header := re.match(r"^\s*(?:local)?rule (\w+):$", line):
            current = {"rule": header.group(1), "wildcards": {}, "threads": 1}
        elif current is not None and (field_ := re.match(r"^\s+(\w+): (.*)$", line)):
            name, value = field_.groups()
            if name == "jobid":
                jobs[int(value)] = current
            elif name == "threads":
                current["threads"] = int(value)
            elif name == "wildcards":
                current["wildcards"] = dict(w.split("=", 1) for w in value.split(", "))
    return jobs


def dag_jobs(dry_run: str, d3dag: str) -> list[Job]:
    """The jobs of a DAG from ``snakemake -n`` (rule, wildcards, threads) and ``--d3dag``
    (edges) of the same setup; raises when the two disagree about a job's rule."""
    listed = parse_dry_run(dry_run)
    graph = json.loads(d3dag[d3dag.index("{") :])
    deps: dict[int, list[int]] = {node["id"]: [] for node in graph["nodes"]}
    for edge in graph["edges"]:
        deps[edge["v"]].append(edge["u"])
    jobs = []
    for node in graph["nodes"]:
        job = listed.get(node["id"])
        if job is None or job["rule"] != node["value"]["rule"]:
            raise RuntimeError(f"dry run and --d3dag disagree about job {node['id']}")
        key = group_key(job["wildcards"])
        jobs.append(Job(node["id"], job["rule"], key, job["threads"], tuple(deps[node["id"]])))
    return jobs


#: Cores the projected DAG is planned with (a job's threads are capped at this).
PLANNING_CORES = 64


# --------------------------------------------------------------------------- projections


@dataclass
class Measurements:
    """Everything a projection needs from the measured runs."""

    sim: Simulated
    jobs: pd.DataFrame  # the unchunked run's benchmark rows
    fixed: dict[tuple[str, str], float]  # start-up CPU s per job, by (rule, key)
    bwa_alone_s: dict[str, float]  # bwa mem alone on each sample's simulated reads, CPU s
    snakemake_s_per_job: float
    scripts: set[str] = field(default_factory=set)


#: The rules that run bwa mem on a sample's units: fused with fastp (one job per unit), or on
#: the parts fastp wrote (alignment.split_fastq_parts > 1).
BWA_RULES = ("fastp_bwa_mem", "bwa_mem")


def bwa_anchor_s(target: Target, depth: float) -> float:
    """The literature's bwa mem CPU seconds for a sample of ``depth`` over the target."""
    per_depth = BWA_ANCHOR_CPU_H * 3600 / BWA_ANCHOR_DEPTH
    return per_depth * depth * target.size_mb / GENOME_MB


def scenario_totals(
    dag: list[Job], measured: Measurements, target: Target, anchored: bool
) -> tuple[dict[tuple[str, str], float], float]:
    """Projected CPU seconds per (rule, key) group and bwa mem's own share of them.

    ``anchored``: bwa mem itself costs :func:`bwa_anchor_s` instead of its extrapolation; the
    rest of the rule running it (fastp, fixmate, sort) stays extrapolated.
    """
    sim = measured.sim

    def factor(rule: str, key: str) -> float:
        return scale_factor(RULE_BY_NAME[rule], key_sample(key), target, sim)

    counts = group_counts(dag)
    missing = set(zip(measured.jobs["rule"], measured.jobs["key"], strict=True)) - set(counts)
    if missing:
        raise RuntimeError(f"measured jobs missing from the projected DAG: {sorted(missing)}")
    totals = projected_totals(measured.jobs, measured.fixed, counts, factor)
    bwa = 0.0
    for sample, alone in measured.bwa_alone_s.items():
        group = next(
            (rule, f"sample={sample}") for rule in BWA_RULES if (rule, f"sample={sample}") in totals
        )
        projected = factor(*group) * alone
        if anchored:
            anchor = bwa_anchor_s(target, sim.target_depth(target, sample))
            totals[group] += anchor - projected
            projected = anchor
        bwa += projected
    return totals, bwa


AFTER_ALIGNMENT = STAGES[STAGES.index("post-alignment") :]


def summarise(jobs: list[Job], bwa_s: float, measured: Measurements, cores: Iterable[int]) -> dict:
    """CPU hours per stage, bwa mem's and what comes after it, the share spent outside the
    tools, and wall hours on each number of ``cores`` with the critical path."""
    hours = 1 / 3600
    stages = {stage: 0.0 for stage in STAGES}
    for job in jobs:
        if job.rule in RULE_BY_NAME:
            stages[RULE_BY_NAME[job.rule].stage] += job.cpu_s * hours
    snakemake = measured.snakemake_s_per_job * len(jobs) * hours
    scripts = sum(job.cpu_s for job in jobs if job.rule in measured.scripts) * hours
    after = sum(stages[s] for s in AFTER_ALIGNMENT) + stages["alignment"] - bwa_s * hours
    total = sum(stages.values()) + snakemake
    length, chain = critical_path(jobs, PLANNING_CORES)
    return {
        "jobs": len(jobs),
        "stage_cpu_h": {stage: round(value, 2) for stage, value in stages.items() if value},
        "snakemake_cpu_h": round(snakemake, 3),
        "script_cpu_h": round(scripts, 2),
        "total_cpu_h": round(total, 2),
        "bwa_mem_cpu_h": round(bwa_s * hours, 2),
        "after_alignment_cpu_h": round(after, 2),
        "after_over_bwa": round(after / (bwa_s * hours), 3) if bwa_s else None,
        "rest_over_bwa": round(total / (bwa_s * hours) - 1, 3) if bwa_s else None,
        "outside_tools_share": round((snakemake + scripts) / total, 4) if total else None,
        "wall_h": {str(c): round(makespan(jobs, c) * hours, 2) for c in cores},
        "cpu_bound_h": {str(c): round(total / c, 2) for c in cores},
        "critical_path_h": round(length * hours, 2),
        "critical_path": collapse([job.rule for job in chain if job.cpu_s > 0]),
        "threads": {job.rule: job.threads for job in jobs if job.threads > 1},
    }


def collapse(rules: list[str]) -> list[str]:
    """Consecutive repeats of a rule name once.

    >>> collapse(["a", "a", "b", "a"])
    ['a', 'b', 'a']
    """
    return [rule for index, rule in enumerate(rules) if index == 0 or rules[index - 1] != rule]


WALL_CORES = (16, 64)


def project(dag: list[Job], measured: Measurements, target: Target) -> list[dict]:
    """Both scenarios (pure extrapolation, bwa mem anchored) of one target; where the target
    has a wall-time limit, the anchored one says what would bring it within the limit."""
    units = {
        "normal": target.units(target.normal_depth),
        "tumour": target.units(target.tumour_depth),
    }
    results = []
    for anchored in (False, True):
        totals, bwa = scenario_totals(dag, measured, target, anchored)
        jobs = with_costs(dag, totals)
        result = {
            "target": target.name,
            "description": target.description,
            "scenario": "bwa mem anchored" if anchored else "extrapolated",
            "units": units,
            "chunks": target.chunks,
            **summarise(jobs, bwa, measured, WALL_CORES),
        }
        if anchored and target.max_wall_h:
            result["closing"] = closing_steps(jobs, max(WALL_CORES), target.max_wall_h)
        results.append(result)
    return results
