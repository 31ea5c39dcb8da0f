"""The "Throughput and projection" section of docs/benchmarks.md: the targets of issue 10 met or
missed, the assumptions behind the projection, and the tables (from the figures
:mod:`icope.bench.throughput` stores)."""

from __future__ import annotations

import pandas as pd

from icope.bench.run import markdown_table
from icope.bench.throughput import CHUNK_COLUMNS, RULE_COLUMNS
from icope.bench.throughput_model import AFTER_ALIGNMENT, STAGES, TARGETS, WALL_CORES

#: Targets of issue 10 for the projection.
MAX_CHUNKING_RATIO = 1.05
MAX_CHUNK_OVER_MEAN = 1.5
MAX_AFTER_OVER_BWA = 0.30
MAX_WGS_WALL_64_H = 12.0


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def notes(info: dict) -> list[str]:
    """The section's notes: each target met or missed, then the assumptions."""
    return verdicts(info) + ASSUMPTIONS


def verdicts(info: dict) -> list[str]:
    """One line per target of issue 10: the measured or projected figure, met or missed."""
    lines = _chunk_verdicts(info)
    by_target: dict[str, dict[str, dict]] = {}
    for projection in info["projections"]:
        by_target.setdefault(projection["target"], {})[projection["scenario"]] = projection
    for scenarios in by_target.values():
        lines += _projection_verdicts(scenarios["bwa mem anchored"], scenarios["extrapolated"])
    if info.get("startup_dominated"):
        lines.append(
            "Mostly start-up on 1 Mb (at least 80 % of their CPU), so their CPU per Mb is below "
            "what the two reference sizes resolve and their projection may be low: "
            + ", ".join(info["startup_dominated"])
            + "."
        )
    return lines


def _chunk_verdicts(info: dict) -> list[str]:
    chunking, n = info["chunking"], info["chunks"]
    worst = max(chunking["rows"], key=lambda r: r["ratio"])
    fixed = worst["per_chunk_fixed_s"]
    work_per_mb = (worst["cpu_s_1"] - fixed) / info["size_mb"]
    # The chunk size at which the fixed cost is the allowed growth of the chunk's own work.
    smallest_mb = fixed / ((MAX_CHUNKING_RATIO - 1) * work_per_mb) if work_per_mb > 0 else 0
    wgs = TARGETS[0]
    return [
        f"Chunking, 1 Mb: the calling stage takes {chunking['calling_ratio']:.3f}x the CPU with "
        f"{n} chunks as with 1 (target <= {MAX_CHUNKING_RATIO}): "
        f"{_met(chunking['calling_ratio'] <= MAX_CHUNKING_RATIO)}. Per caller up to "
        f"{worst['ratio']:.3f}x ({worst['rule']}{_runs(worst)}): {fixed:.2f} s more per chunk "
        f"against "
        f"{work_per_mb:.1f} s of work per Mb, so chunks need at least {smallest_mb:.2f} Mb at "
        f"these depths to stay within {MAX_CHUNKING_RATIO - 1:.0%} (calling.min_chunk_bp); "
        f"{wgs.chunks} chunks of a whole genome (65 Mb each) cost "
        f"{chunking['projected_scatter_ratio'][wgs.name]:.4f}x the unchunked CPU of the "
        "scattered callers.",
        _balance_verdict(chunking["max_over_mean"]),
    ]


def _balance_verdict(max_over_mean: float | None) -> str:
    if max_over_mean is None:
        return (
            "Chunk balance, 1 Mb: not assessable: the chunks run inside one job per sample "
            "and caller, benchmarked as one, and no job's log gave its chunks' seconds "
            "(logs/germline/<sample>.call.log, logs/somatic/<tumour>.<method>.calls.log)."
        )
    return (
        f"Chunk balance, 1 Mb: the largest chunk takes {max_over_mean:.2f}x the "
        f"mean chunk CPU (target <= {MAX_CHUNK_OVER_MEAN}): "
        f"{_met(max_over_mean <= MAX_CHUNK_OVER_MEAN)}."
    )


def _runs(row: dict) -> str:
    return f"; run by run {row['ratio_runs']}" if row.get("ratio_runs") else ""


def _projection_verdicts(p: dict, extrapolated: dict) -> list[str]:
    """``p``: the bwa mem anchored projection of a target; ``extrapolated``: the other one."""
    biggest = max(AFTER_ALIGNMENT, key=lambda s: p["stage_cpu_h"].get(s, 0))
    own_bwa = extrapolated["bwa_mem_cpu_h"]
    lines = [
        f"{p['target']} (bwa mem anchored): after alignment {p['after_alignment_cpu_h']:.1f} "
        f"CPU-h = {p['after_over_bwa']:.0%} of bwa mem's {p['bwa_mem_cpu_h']:.0f} CPU-h "
        f"(target <= {MAX_AFTER_OVER_BWA:.0%}): {_met(p['after_over_bwa'] <= MAX_AFTER_OVER_BWA)};"
        f" largest stage after alignment: {biggest} ({p['stage_cpu_h'].get(biggest, 0):.1f} "
        f"CPU-h). Everything but bwa mem itself (read QC, reference, Snakemake included): "
        f"{p['rest_over_bwa']:.0%} of bwa mem. bwa mem extrapolated from 1 Mb: {own_bwa:.1f} "
        f"CPU-h, 1/{p['bwa_mem_cpu_h'] / own_bwa:.0f} of the anchor.",
    ]
    wall = p["wall_h"][str(max(WALL_CORES))]
    path = " > ".join(p["critical_path"])
    line = (
        f"{p['target']} (bwa mem anchored): wall {wall:.1f} h on {max(WALL_CORES)} cores, "
        f"{p['wall_h'][str(min(WALL_CORES))]:.1f} h on {min(WALL_CORES)} (all CPU spread over "
        f"the cores: {p['cpu_bound_h'][str(max(WALL_CORES))]:.1f} h and "
        f"{p['cpu_bound_h'][str(min(WALL_CORES))]:.1f} h); critical path "
        f"{p['critical_path_h']:.1f} h: {path}."
    )
    if "closing" in p:
        limit = next(t.max_wall_h for t in TARGETS if t.name == p["target"])
        line += f" Target <= {limit:.0f} h on {max(WALL_CORES)} cores: {_met(wall <= limit)}."
        steps = [
            f"{c['rule']} at {c['threads']} threads per job: {c['wall_h']:.1f} h"
            for c in p["closing"]
        ]
        if steps:
            line += " What closes it (same model): " + "; then ".join(steps) + "."
    threads = ", ".join(f"{rule} {n}" for rule, n in sorted(p["threads"].items()))
    return lines + [line + f" Threads per job: {threads}; every other job 1."]


ASSUMPTIONS = [
    "CPU seconds are the kernel's (wait4 rusage of each job's process with its descendants, "
    "through `python -m icope.bench.throughput`), not Snakemake's sampled `cpu_time` column, "
    "which misses each process's last sampling interval.",
    "Scaling per rule (column `scaling`): `reads` = territory x depth (tumour + normal depth "
    "for jobs that read both: somatic calling, delly); `sites` = territory (variant records, "
    "bins); `reference` = the whole 3,100 Mb genome once, also for an exome; `fixed` = not "
    "scaled. Each (rule, sample) group's CPU is split into a start-up per job and a part "
    "proportional to the reference, through the 1 Mb and the small run (`start_s`, "
    "`cpu_s_per_mb`): the start-up is paid once per projected job (lane, chunk), the rest "
    "scales with the class.",
    "Lanes: a projected sample arrives in units of 25 Gb (83 M pairs of 2x150 bp): WGS "
    "normal 4, tumour 8 units, exome 1 each; calling in 48 chunks (the template's "
    "calling.chunks). Threads per job: the template's `threads:` section (config/config.yaml, "
    "a WGS setting), as snakemake -n with 64 cores gives them to the jobs.",
    "Chunked calling: c = (CPU with N chunks - CPU with 1) / (N - 1) per caller is what a "
    "chunk costs beyond its share of the work inside its calling job (germline_call, "
    "somatic_calls: starting its processes, BAM headers and indexes, 2 x 1 kb of padding, "
    "its summary line in the log); the whole-genome ratio pays it 48 times against the "
    "scaled work. A projected calling job spreads its CPU over its threads (its chunks "
    "perfectly balanced); the measured balance is that of the chunks' seconds in its log.",
    "Wall time: a list schedule of the real DAG (snakemake -n of the projected setup: the "
    "pair's lanes, chunks and every per-sample step), each job taking CPU / threads (perfect "
    "scaling inside a job), longest path first. I/O, memory limits, queueing and Snakemake's "
    "own latency between jobs are not modelled. Critical path: the longest chain of dependent "
    "jobs with unlimited cores.",
    "bwa mem anchor: ~150 CPU-h for 30x WGS (5 CPU-h per x of genome); the `anchored` rows "
    "replace bwa mem's extrapolation with it (exome: the same per read, 60/3,100 of the "
    "territory). The extrapolated bwa mem is far below it: on a 1 Mb reference, seeds find "
    "no copies elsewhere in the genome and the index fits in cache, so per-read alignment "
    "cost is not what it is on GRCh38. The ratio is the measure of how much a 1 Mb run can "
    "say about alignment.",
    "What extrapolation cannot show: repeats and segmental duplications (multi-mapped reads, "
    "collapsed paralogues with excess depth, where pileup callers and freebayes slow down), "
    "high-depth regions (satellites, rDNA, chrM) that make a few real chunks much longer than "
    "the mean, genome-bound memory (bwa mem holds the 5.4 GB GRCh38 index; CNVkit bins grow "
    "with the genome), and I/O. Every calling chunk logs its called bp, seconds, records and "
    "deepest site (logs/germline/<sample>/chunk*.log, logs/somatic/<tumour>/chunk*.log) so the "
    "balance on real data can be checked.",
    "Not measured: annotation with dbSNP, gnomAD, ClinVar and bcftools csq, and the panel "
    "classification of real genes (the simulated segment comes without known sites, gene "
    "annotation or panel, so `annotate` only rewrites the calls and the report steps see no "
    "panel gene); the exome projection plans without a targets BED, which leaves the jobs the "
    "same but for genome_bed (checked with snakemake -n). "
    "RNA is not included: the simulated pair has no RNA sample. The reference stage (bwa "
    "index etc.) is built once per genome and shared by every patient; from 1 Mb it is "
    "under-estimated (bwa index of GRCh38 takes about an hour).",
]


STAGE_ROWS = [*STAGES, "Snakemake"]


def projection_tables(projections: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CPU hours per stage (a column per target and scenario) and the headline figures."""
    names = [f"{p['target']}, {p['scenario']}" for p in projections]
    stages = pd.DataFrame(
        {
            name: [p["stage_cpu_h"].get(s, 0.0) for s in STAGES] + [p["snakemake_cpu_h"]]
            for name, p in zip(names, projections, strict=True)
        },
        index=STAGE_ROWS,
    )
    stages = stages[(stages > 0).any(axis=1)].rename_axis("stage (CPU-h)").reset_index()
    metrics = {
        "total CPU-h": "total_cpu_h",
        "bwa mem alone CPU-h": "bwa_mem_cpu_h",
        "after alignment CPU-h": "after_alignment_cpu_h",
        "after alignment / bwa mem": "after_over_bwa",
        "everything but bwa mem / bwa mem": "rest_over_bwa",
        "outside the tools (Snakemake + scripts)": "outside_tools_share",
        "critical path h": "critical_path_h",
    }
    rows = {label: [p[k] for p in projections] for label, k in metrics.items()}
    for cores in WALL_CORES:
        rows[f"wall h, {cores} cores"] = [p["wall_h"][str(cores)] for p in projections]
        rows[f"CPU / {cores} cores h"] = [p["cpu_bound_h"][str(cores)] for p in projections]
    headline = pd.DataFrame(rows, index=names).T.rename_axis("figure").reset_index()
    return stages, headline


def section_lines(info: dict, table: pd.DataFrame) -> list[str]:
    """The "Throughput and projection" section of docs/benchmarks.md."""
    one, many = info["runs"]["1"], info["runs"][str(info["chunks"])]
    small = info["runs"]["small"]
    stages, headline = projection_tables(info["projections"])
    chunks = pd.DataFrame(info["chunking"]["rows"])
    return [
        "## Throughput and projection",
        "",
        f"Command: `{info['command']}`. {info['design']}",
        "",
        f"Runs: {one['steps']} jobs in {one['wall_s']:.0f} s unchunked, {many['steps']} in "
        f"{many['wall_s']:.0f} s chunked, {small['steps']} in {small['wall_s']:.0f} s on the "
        f"small region. Unchunked job CPU {one['children_cpu_s']:.1f} s (kernel), of "
        f"which benchmark files account for {one['benchmarked_cpu_s']:.1f} s (Snakemake's "
        f"sampled `cpu_time`: {one['sampled_cpu_s']:.1f} s; the rest is rules without a "
        f"benchmark). Snakemake itself: {one['snakemake_cpu_s']:.1f} s "
        f"({one['snakemake_cpu_s_per_job']:.3f} s per job); Python `script:` rules "
        f"{one['script_cpu_s']:.1f} s; together {info['outside_tools_share']:.0%} of all CPU. "
        f"bwa mem alone on the simulated reads: "
        + ", ".join(f"{s} {v:.1f} s" for s, v in info["bwa_alone_s"].items())
        + ".",
        "",
        "Per rule, unchunked; `cpu_s_small`: on the small region; `start_s` (CPU per job) and "
        "`cpu_s_per_mb` (per Mb of reference, at the simulated depths) fitted through both; "
        f"`_chunked`: the run with {info['chunks']} chunks:",
        "",
        markdown_table(table, RULE_COLUMNS, digits=2),
        f"Scattered callers, 1 vs {info['chunks']} chunks (CPU seconds):",
        "",
        markdown_table(chunks, CHUNK_COLUMNS, digits=3),
        "Projected CPU hours per stage:",
        "",
        markdown_table(stages, list(stages.columns), digits=2),
        "Projection headline:",
        "",
        markdown_table(headline, list(headline.columns), digits=3),
        *[f"- {note}" for note in notes(info)],
        "",
    ]
