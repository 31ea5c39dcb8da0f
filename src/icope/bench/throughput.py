"""Throughput: CPU and memory of every rule on a simulated tumour/normal pair, calling with 1 and
N chunks, and what that projects to for a whole genome and an exome.

``icope bench throughput`` simulates the pair from the 1 Mb chr21 segment (normal 30x, tumour
60x), runs the whole workflow on it with ``calling.chunks`` 1 and N (separate work directories;
the scattered callers of both again, alternately, for a median of several runs) and on a
0.25 Mb pair (for each rule's start-up cost), reads every benchmark file into its rule
(:data:`icope.bench.throughput_model.RULES`, a table of benchmark paths) and projects the cost
per rule to a 30x/60x WGS pair and a 100x/100x exome (:mod:`icope.bench.throughput_model`).
Wall times come from a list schedule of the real DAG shape (``snakemake -n`` of the projected
setup: lanes, chunks, the template's thread counts) on 16 and 64 cores; the section is written
by :mod:`icope.bench.throughput_report`.

CPU seconds of a job are the kernel's: the run goes through :func:`probe_main`, which makes
Snakemake reap each job with ``wait4`` and records the job's CPU time with every descendant's.
Snakemake's own ``cpu_time`` column samples the process tree (every 0.5 s, later every 30 s) and
misses each process's last interval: on the 1 Mb runs it held 72-85 % of the job CPU.
"""

from __future__ import annotations

import ast
import atexit
import itertools
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from icope.bench.run import simulated_pair, write_section
from icope.bench.throughput_model import (
    PLANNING_CORES,
    RULE_BY_NAME,
    SCATTERED,
    STAGES,
    TARGETS,
    Job,
    Measurements,
    Simulated,
    Target,
    classify,
    dag_jobs,
    group_key,
    key_sample,
    project,
    scale_factor,
)
from icope.core.scatter import chunk_seconds
from icope.core.workflow_dir import find_workflow_dir

# --------------------------------------------------------------------------- rule files


def parse_smk_rules(text: str, constants: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Each rule of a Snakemake file: the paths its benchmark can take (none without one; see
    :func:`string_values`, ``constants`` for the names an f-string uses) and whether it runs a
    ``script:``.

    >>> parse_smk_rules('rule a:\\n    benchmark:\\n        f"benchmarks/a/{KEY}.tsv"\\n'
    ...                 '    script:\\n        "a.py"\\n', {"KEY": ["{x}", "{x}/{y}"]})
    {'a': {'benchmark': ['benchmarks/a/{x}.tsv', 'benchmarks/a/{x}/{y}.tsv'], 'script': True}}
    """
    rules: dict[str, dict] = {}
    current, depth = None, 0
    lines = text.splitlines() + [""]
    for index, line in enumerate(lines[:-1]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if header := re.match(r"(?:local)?rule (\w+):", stripped):
            current = rules.setdefault(header.group(1), {"benchmark": [], "script": False})
            depth = indent
        elif current is not None and indent <= depth:
            current = None  # a statement at the rule's own level (or above) ends it
        elif current is not None and (directive := re.match(r"(\w+):\s*(.*)$", stripped)):
            name, value = directive.groups()
            if name == "script":
                current["script"] = True
            elif name == "benchmark":
                expression = (value or lines[index + 1]).strip().rstrip(",")
                current["benchmark"] = string_values(expression, constants or {})
    return rules


def string_values(expression: str, constants: dict[str, list[str]]) -> list[str]:
    """Every string a Python expression can evaluate to: a literal; both branches of ``a if c
    else b``; an f-string with each value of every constant it names (all combinations).
    Raises ``ValueError`` for anything else, naming the expression.

    >>> string_values('f"b/{K}.tsv"', {"K": ["{s}", "{s}/{u}"]})
    ['b/{s}.tsv', 'b/{s}/{u}.tsv']
    """
    return _values(ast.parse(expression, mode="eval").body, constants, expression)


def _values(node: ast.expr, constants: dict[str, list[str]], expression: str) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _values(node.body, constants, expression) + _values(
            node.orelse, constants, expression
        )
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.FormattedValue) and node.format_spec is None:
        return _values(node.value, constants, expression)
    if isinstance(node, ast.JoinedStr):
        parts = [_values(value, constants, expression) for value in node.values]
        return ["".join(combination) for combination in itertools.product(*parts)]
    raise ValueError(f"cannot tell what {expression} evaluates to")


def smk_constants(text: str) -> dict[str, list[str]]:
    """Module-level string constants of a Snakemake file (``NAME = <string expression>``), each
    with every value it can take; other assignments are left out."""
    constants: dict[str, list[str]] = {}
    for name, expression in re.findall(r"^([A-Z][A-Z0-9_]*) = (.+)$", text, flags=re.MULTILINE):
        try:
            constants[name] = string_values(expression, constants)
        except (SyntaxError, ValueError):
            continue
    return constants


def workflow_rules(workflow_dir: Path) -> dict[str, dict]:
    """:func:`parse_smk_rules` over every ``workflow/rules/*.smk`` of a checkout, f-strings
    read with the string constants of all of them."""
    texts = [smk.read_text() for smk in sorted((workflow_dir / "workflow" / "rules").glob("*.smk"))]
    constants: dict[str, list[str]] = {}
    for text in texts:
        constants.update(smk_constants(text))
    rules: dict[str, dict] = {}
    for text in texts:
        rules.update(parse_smk_rules(text, constants))
    return rules


# --------------------------------------------------------------------------- measuring a run

#: Environment variable naming the file the probe writes each job's exact CPU time to.
PROBE_LOG = "ICOPE_THROUGHPUT_PROBE"
#: That file, in a measured run's directory.
PROBE_FILE = "probe.jsonl"


@dataclass
class Run:
    """One measured workflow run: a row per benchmark file and the run's own totals."""

    jobs: pd.DataFrame
    wall_s: float
    snakemake_cpu_s: float  # the Snakemake process itself (kernel rusage)
    children_cpu_s: float  # every job process with its descendants (kernel rusage)
    steps: int  # jobs Snakemake ran (its "N of N steps" count)


def probe_main(argv: list[str]) -> None:
    """Run Snakemake in this process (``argv``: its arguments) and record CPU times exactly.

    Each job process is reaped with ``wait4``; its CPU time (with every descendant it waited
    for) is written with the job's benchmark path to the JSON-lines file named by
    ``$ICOPE_THROUGHPUT_PROBE``, and at exit a last line holds this process's own CPU time
    (Snakemake: DAG, scheduling, benchmark sampling) and that of all its children.
    """
    from snakemake import benchmark
    from snakemake.cli import main

    out = open(os.environ[PROBE_LOG], "a")  # noqa: SIM115 (closed at exit)
    reaped: dict[int, float] = {}
    _reap_with_rusage(reaped)
    _record_exact_cpu(benchmark, reaped, out)

    def totals() -> None:
        own, kids = (
            resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        line = {"snakemake_cpu_s": own.ru_utime + own.ru_stime}
        out.write(json.dumps(line | {"children_cpu_s": kids.ru_utime + kids.ru_stime}) + "\n")
        out.close()

    atexit.register(totals)
    sys.argv = ["snakemake", *argv]
    main()


def _reap_with_rusage(reaped: dict[int, float]) -> None:
    """``os.waitpid`` through ``wait4``: the CPU seconds of every reaped pid go to ``reaped``."""

    def waitpid(pid: int, options: int) -> tuple[int, int]:
        got, status, usage = os.wait4(pid, options)
        if got:
            reaped[got] = usage.ru_utime + usage.ru_stime
        return got, status

    os.waitpid = waitpid


def _record_exact_cpu(benchmark, reaped: dict[int, float], out) -> None:
    """Attach the reaped CPU time to each benchmark record, log it when the record is written."""
    measured = benchmark.benchmarked

    @contextmanager
    def benchmarked(pid=None, benchmark_record=None, interval=benchmark.BENCHMARK_INTERVAL):
        with measured(pid, benchmark_record, interval) as record:
            yield record
        record.exact_cpu_s = reaped.pop(int(pid), None) if pid else None

    write = benchmark.write_benchmark_records

    def write_records(records, path, extended_fmt):
        write(records, path, extended_fmt)
        cpu = [getattr(record, "exact_cpu_s", None) for record in records]
        out.write(json.dumps({"benchmark": str(path), "cpu_s": cpu}) + "\n")
        out.flush()

    benchmark.benchmarked = benchmarked
    benchmark.write_benchmark_records = write_records


def run_measured(workdir: Path, config: dict, cores: int, snakefile: Path) -> Run:
    """Run the whole workflow in a fresh ``workdir`` through :func:`probe_main`."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.monotonic()
    log = _probed(_arguments(workdir, cores, snakefile), workdir)
    wall = time.monotonic() - started
    (workdir / "snakemake.log").write_text(log)
    return _read_run(workdir, wall)


def rerun_measured(run: Run, workdir: Path, cores: int, snakefile: Path, rules: list[str]) -> Run:
    """The jobs of ``rules`` of a measured run once more, alone; the run with each job's CPU
    the median of all its runs."""
    _probed(
        [*_arguments(workdir, cores, snakefile), "--forcerun", *rules, "--until", *rules], workdir
    )
    return _read_run(workdir, run.wall_s)


def _arguments(workdir: Path, cores: int, snakefile: Path) -> list[str]:
    arguments = ["--snakefile", str(snakefile), "--directory", str(workdir)]
    arguments += ["--configfile", str(workdir / "config.yaml"), "--cores", str(cores)]
    return [*arguments, "--benchmark-extended"]


def _probed(arguments: list[str], workdir: Path) -> str:
    """Snakemake through the probe (appending to ``workdir/probe.jsonl``); its log."""
    result = subprocess.run(
        [sys.executable, "-m", "icope.bench.throughput", *arguments],
        capture_output=True,
        text=True,
        check=False,
        env=_probe_env(workdir / PROBE_FILE),
    )
    if result.returncode != 0:
        raise RuntimeError(f"workflow failed in {workdir}:\n{result.stderr[-4000:]}")
    return result.stderr


def _probe_env(probe: Path) -> dict[str, str]:
    from icope.core.checkout import prepend_pythonpath

    env = dict(os.environ, **{PROBE_LOG: str(probe)})
    prepend_pythonpath(str(Path(__file__).resolve().parents[2]), env)
    return env


def _read_run(workdir: Path, wall: float) -> Run:
    """A measured run from its directory: benchmark files, the probe's records, the first
    run's log (``snakemake.log``)."""
    probe = (workdir / PROBE_FILE).read_text().splitlines()
    records = [json.loads(line) for line in probe if line.strip()]
    exact: dict[str, list] = {}
    for record in records:
        if "benchmark" in record:
            exact.setdefault(record["benchmark"], []).extend(record["cpu_s"])
    if not any(c is not None for cpu in exact.values() for c in cpu):
        raise RuntimeError(
            f"the probe measured no job in {workdir}: has Snakemake's benchmark module changed?"
        )
    totals = next(r for r in records if "snakemake_cpu_s" in r)  # the first run's
    steps = re.findall(r"(\d+) of \d+ steps", (workdir / "snakemake.log").read_text())
    return Run(
        jobs=read_benchmarks(workdir / "benchmarks", exact),
        wall_s=wall,
        snakemake_cpu_s=totals["snakemake_cpu_s"],
        children_cpu_s=totals["children_cpu_s"],
        steps=int(steps[-1]) if steps else 0,
    )


def read_benchmarks(bench_dir: Path, exact: dict[str, list] | None = None) -> pd.DataFrame:
    """One row per benchmark file under ``bench_dir``: its rule, stage, scaling and wildcards,
    wall and CPU seconds and peak RSS (MB).

    ``exact`` maps a benchmark path (as Snakemake wrote it, ``benchmarks/...tsv``) to the CPU
    seconds the probe measured each time the job ran (their median is used); without one,
    Snakemake's sampled ``cpu_time`` is used
    (``NA``, a job too short to sample, counts as 0). Raises :class:`BenchmarkPathError` for a
    file no rule accounts for.
    """
    exact = exact or {}
    rows = []
    for path in sorted(bench_dir.rglob("*.tsv")):
        relative = path.relative_to(bench_dir).with_suffix("").as_posix()
        rule, wildcards = classify(relative)
        bench = pd.read_csv(path, sep="\t", na_values=["NA", "-"])
        sampled = float(pd.to_numeric(bench["cpu_time"], errors="coerce").fillna(0).mean())
        measured = [c for c in exact.get(f"benchmarks/{relative}.tsv") or [] if c is not None]
        # A calling job's chunks: their seconds in its log (same path under logs/).
        log = bench_dir.parent / "logs" / f"{relative}.log"
        chunks = chunk_seconds(log.read_text()) if rule.rule in SCATTERED and log.is_file() else {}
        rows.append(
            {
                "path": relative,
                "rule": rule.rule,
                "stage": rule.stage,
                "scaling": rule.scaling,
                "key": group_key(wildcards),
                "sample": wildcards.get("sample") or wildcards.get("tumour"),
                "chunk": wildcards.get("chunk"),
                "wall_s": float(bench["s"].mean()),
                "cpu_s": float(pd.Series(measured).median()) if measured else sampled,
                "runs": len(measured),
                "cpu_runs": tuple(measured),
                "chunk_s": tuple(chunks.values()),
                "sampled_cpu_s": sampled,
                "cpu_source": "rusage" if measured else "sampled",
                "max_rss_mb": float(pd.to_numeric(bench["max_rss"], errors="coerce").max()),
            }
        )
    return pd.DataFrame(rows).fillna({"max_rss_mb": 0.0})


# --------------------------------------------------------------------------- per-rule figures

RULE_COLUMNS = [
    "rule",
    "stage",
    "scaling",
    "jobs",
    "cpu_s",
    "wall_s",
    "max_rss_mb",
    "cpu_s_small",
    "start_s",
    "cpu_s_per_mb",
    "script",
    "jobs_chunked",
    "cpu_s_chunked",
]


def size_fit(
    large: pd.DataFrame, small: pd.DataFrame, large_mb: float, small_mb: float
) -> pd.DataFrame:
    """Per (rule, key) group: CPU = jobs x ``start_s`` + ``per_mb_s`` x Mb, through a run on
    ``large_mb`` and one on ``small_mb`` of reference (same depths).

    The slope is kept between 0 (the CPU does not grow with the reference) and the whole
    CPU per Mb (no start-up), so neither part is negative.
    """
    big = large.groupby(["rule", "key"])["cpu_s"].agg(["sum", "size"])
    little = small.groupby(["rule", "key"])["cpu_s"].sum()
    rows = []
    for (rule, key), (cpu, jobs) in big.iterrows():
        other = little.get((rule, key), 0.0)
        slope = min(max((cpu - other) / (large_mb - small_mb), 0.0), cpu / large_mb)
        rows.append(
            {
                "rule": rule,
                "key": key,
                "jobs": int(jobs),
                "cpu_s_small": other,
                "start_s": (cpu - slope * large_mb) / jobs,
                "per_mb_s": slope,
            }
        )
    return pd.DataFrame(rows, columns=["rule", "key", "jobs", "cpu_s_small", "start_s", "per_mb_s"])


def rule_table(
    unchunked: pd.DataFrame, chunked: pd.DataFrame, fit: pd.DataFrame, scripts: set[str]
) -> pd.DataFrame:
    """Per rule: jobs, CPU and wall seconds and peak RSS of the unchunked run; CPU on the small
    reference, start-up CPU per job and CPU per Mb of reference (at the simulated depths) from
    :func:`size_fit`; whether it is a Python ``script:`` rule; jobs and CPU with chunks."""
    per_rule = unchunked.groupby("rule").agg(
        stage=("stage", "first"),
        scaling=("scaling", "first"),
        jobs=("path", "size"),
        cpu_s=("cpu_s", "sum"),
        wall_s=("wall_s", "sum"),
        max_rss_mb=("max_rss_mb", "max"),
    )
    fitted = fit.assign(start_total=fit["start_s"] * fit["jobs"]).groupby("rule")
    per_rule["cpu_s_small"] = fitted["cpu_s_small"].sum()
    per_rule["start_s"] = fitted["start_total"].sum() / per_rule["jobs"]
    per_rule["cpu_s_per_mb"] = fitted["per_mb_s"].sum()
    per_rule["script"] = ["yes" if rule in scripts else "no" for rule in per_rule.index]
    with_chunks = chunked.groupby("rule").agg(
        jobs_chunked=("path", "size"), cpu_s_chunked=("cpu_s", "sum")
    )
    table = per_rule.join(with_chunks, how="outer").reset_index()
    table["stage_order"] = table["stage"].map(STAGES.index)
    table = table.sort_values(["stage_order", "cpu_s"], ascending=[True, False])
    return table[RULE_COLUMNS].reset_index(drop=True)


def stage_totals(table: pd.DataFrame) -> pd.DataFrame:
    """CPU seconds per stage, unchunked and chunked, in pipeline order."""
    totals = table.groupby("stage")[["cpu_s", "cpu_s_chunked"]].sum()
    return totals.reindex([s for s in STAGES if s in totals.index]).reset_index()


CHUNK_COLUMNS = [
    "rule",
    "key",
    "cpu_s_1",
    "cpu_s_n",
    "ratio",
    "chunks",
    "mean_chunk_cpu_s",
    "max_chunk_cpu_s",
    "max_over_mean",
    "per_chunk_fixed_s",
    "ratio_runs",
]


def chunk_comparison(unchunked: pd.DataFrame, chunked: pd.DataFrame, n: int) -> pd.DataFrame:
    """Each scattered caller (rule and key: a job running all of its ``n`` chunks inside,
    :data:`SCATTERED`): CPU with 1 and ``n`` chunks, their ratio (of the medians, and run by
    run: ``ratio_runs``), the mean CPU per chunk and the fixed cost per chunk.

    The fixed cost ``c`` solves ``cpu(k chunks) = work + k c`` through the two runs:
    ``c = (cpu_n - cpu_1) / (n - 1)`` (0 when chunking costs nothing measurable). A benchmark
    covers the whole job: the largest chunk's share of its CPU is that of its wall seconds in
    the job's log (``chunk_s``: each chunk runs one single-threaded caller); without them
    ``max_chunk_cpu_s`` and ``max_over_mean`` are NaN, not assessable.
    """
    scattered = chunked[chunked["rule"].isin(SCATTERED)]
    rows = []
    for (rule, key), jobs in scattered.groupby(["rule", "key"]):
        alone = unchunked[(unchunked["rule"] == rule) & (unchunked["key"] == key)]
        one, many = alone["cpu_s"].sum(), jobs["cpu_s"].sum()
        seconds = [s for job in jobs.get("chunk_s", pd.Series(dtype=object)) for s in job]
        largest = max(seconds) / sum(seconds) if seconds and sum(seconds) else math.nan
        rows.append(
            {
                "rule": rule,
                "key": key,
                "cpu_s_1": one,
                "cpu_s_n": many,
                "ratio": many / one if one else math.nan,
                "chunks": n,
                "mean_chunk_cpu_s": many / n,
                "max_chunk_cpu_s": many * largest,
                "max_over_mean": largest * len(seconds) if seconds else math.nan,
                "per_chunk_fixed_s": max(0.0, (many - one) / (n - 1)) if n > 1 else 0.0,
                "ratio_runs": _ratio_runs(alone, jobs),
            }
        )
    return pd.DataFrame(rows, columns=CHUNK_COLUMNS)


def _ratio_runs(alone: pd.DataFrame, chunks: pd.DataFrame) -> str:
    """The chunked over the unchunked CPU of each repeat (the k-th run of every job), as
    ``1.09 / 1.13``; empty without per-run CPU times."""
    if "cpu_runs" not in alone or alone.empty:
        return ""
    runs = [*alone["cpu_runs"], *chunks["cpu_runs"]]
    repeats = min(len(r) for r in runs)
    ratios = [
        sum(r[k] for r in chunks["cpu_runs"]) / sum(r[k] for r in alone["cpu_runs"])
        for k in range(repeats)
    ]
    return " / ".join(f"{ratio:.3f}" for ratio in ratios)


# --------------------------------------------------------------------------- projected DAG


def projection_dag(
    workdir: Path, config: dict, sim_units: Path, target: Target, snakefile: Path
) -> list[Job]:
    """The workflow's DAG for the simulated pair arriving in the target's lanes and called in
    its chunks (``snakemake -n``; every lane points at the simulated reads)."""
    workdir.mkdir(parents=True, exist_ok=True)
    samples = pd.read_csv(config["samples"], sep="\t", dtype=str)
    units = pd.read_csv(sim_units, sep="\t", dtype=str, keep_default_na=False)
    tumours = set(samples.loc[samples["type"] == "tumour", "sample"])
    lanes = []
    for unit in units.to_dict("records"):
        depth = target.tumour_depth if unit["sample"] in tumours else target.normal_depth
        lanes += [dict(unit, unit=f"L{i:03d}") for i in range(1, target.units(depth) + 1)]
    pd.DataFrame(lanes).to_csv(workdir / "units.tsv", sep="\t", index=False)
    calling = dict(config.get("calling", {}), chunks=target.chunks)
    config = dict(config, units=str(workdir / "units.tsv"), calling=calling)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    base = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--forceall"]
    base += ["--directory", str(workdir), "--configfile", str(workdir / "config.yaml")]
    base += ["--cores", str(PLANNING_CORES)]
    dry_run = _snakemake(base + ["-n"])
    listing = dry_run.stdout + dry_run.stderr  # the listing goes to stdout unless on a terminal
    return dag_jobs(listing, _snakemake(base + ["--d3dag"]).stdout)


def _snakemake(command: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:4])} failed:\n{result.stderr[-4000:]}")
    return result


# --------------------------------------------------------------------------- the benchmark


@dataclass(frozen=True)
class Settings:
    """``icope bench throughput`` options."""

    data_dir: Path
    workdir: Path
    chunks: int = 8
    cores: int = 2
    normal_depth: int = 30
    tumour_depth: int = 60
    purity: float = 0.8
    seed: int = 1
    small_region: str = "chr21:1-250000"
    repeats: int = 3
    workflow_dir: Path | None = None

    def command(self) -> str:
        defaults = Settings(self.data_dir, self.workdir)
        names = ("chunks", "repeats", "cores", "normal_depth", "tumour_depth", "purity", "seed")
        options = [
            f"--{name.replace('_', '-')} {getattr(self, name)}"
            for name in (*names, "small_region")
            if getattr(self, name) != getattr(defaults, name)
        ]
        return " ".join(["icope bench throughput", *options])


def simulation(
    settings: Settings, checkout: Path, region: str | None = None
) -> tuple[Path, dict, Simulated]:
    """The simulated pair over the segment or ``region`` of it (reused when its parameters
    match) and its workflow config."""
    base = settings.workdir / ("small" if region else "")
    outdir = base / "simulation"
    wanted = {
        "normal_depth": settings.normal_depth,
        "tumour_depth": settings.tumour_depth,
        "purity": settings.purity,
        "seed": settings.seed,
        "region": region,
    }
    if (outdir / "simulation.json").exists():
        stored = json.loads((outdir / "simulation.json").read_text())["parameters"]
        if any(stored.get(k) != v for k, v in wanted.items()):
            shutil.rmtree(outdir)
    outdir, config = simulated_pair(
        settings.data_dir,
        base,
        region,
        settings.normal_depth,
        settings.tumour_depth,
        settings.purity,
        settings.seed,
        workflow_dir=checkout,
    )
    design = json.loads((outdir / "simulation.json").read_text())
    names = design["samples"]
    sim = Simulated(
        size_mb=sum(design["contigs"].values()) / 1e6,
        depth={names["normal"]: settings.normal_depth, names["tumour"]: settings.tumour_depth},
        normal_of={names["tumour"]: names["normal"]},
    )
    return outdir, config, sim


def bwa_alone_s(index: Path, units: Path, threads: int) -> dict[str, float]:
    """CPU seconds of bwa mem alone (output discarded) on each sample's simulated reads."""
    cpu = {}
    for unit in pd.read_csv(units, sep="\t", dtype=str).to_dict("records"):
        command = ["bwa", "mem", "-t", str(threads), str(index), unit["fq1"], unit["fq2"]]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode})")
        cpu[unit["sample"]] = cpu.get(unit["sample"], 0.0) + usage.ru_utime + usage.ru_stime
    return cpu


def run_summary(run: Run, scripts: set[str]) -> dict:
    """A measured run's totals: wall, jobs, Snakemake's own CPU, job CPU by source, the CPU of
    Python ``script:`` rules."""
    jobs = run.jobs
    return {
        "wall_s": round(run.wall_s, 1),
        "steps": run.steps,
        "snakemake_cpu_s": round(run.snakemake_cpu_s, 2),
        "snakemake_cpu_s_per_job": round(run.snakemake_cpu_s / max(run.steps, 1), 3),
        "children_cpu_s": round(run.children_cpu_s, 2),
        "benchmarked_cpu_s": round(jobs["cpu_s"].sum(), 2),
        "sampled_cpu_s": round(jobs["sampled_cpu_s"].sum(), 2),
        "benchmark_files": len(jobs),
        "exact_files": int((jobs["cpu_source"] == "rusage").sum()),
        "script_cpu_s": round(jobs.loc[jobs["rule"].isin(scripts), "cpu_s"].sum(), 2),
    }


def measure(settings: Settings, checkout: Path, progress: Callable) -> dict[str, Run]:
    """The measured runs: the segment unchunked (``"1"``) and in N chunks (``"N"``), and the
    small region unchunked (``"small"``); then the scattered callers of the first two again,
    alternately, until each has run ``settings.repeats`` times (so that both see the same
    load of the machine)."""
    setups = {
        "1": (None, 1),
        str(settings.chunks): (None, settings.chunks),
        "small": (settings.small_region, 1),
    }
    snakefile = checkout / "Snakefile"
    runs = {}
    for name, (region, chunks) in setups.items():
        _, config, _ = simulation(settings, checkout, region)
        progress(f"running the workflow on {region or 'the 1 Mb segment'}, {chunks} chunk(s)")
        config = dict(config, calling=dict(config.get("calling", {}), chunks=chunks))
        runs[name] = run_measured(
            settings.workdir / f"run_{name}", config, settings.cores, snakefile
        )
    for repeat in range(2, settings.repeats + 1):
        progress(f"calling again, 1 and {settings.chunks} chunks ({repeat} of {settings.repeats})")
        for name in ("1", str(settings.chunks)):
            work = settings.workdir / f"run_{name}"
            runs[name] = rerun_measured(
                runs[name], work, settings.cores, snakefile, list(SCATTERED)
            )
    return runs


def analyse(
    settings: Settings, checkout: Path, runs: dict[str, Run]
) -> tuple[pd.DataFrame, pd.DataFrame, Measurements]:
    """The per-rule table, the chunk comparison and what the projections need."""
    sim_dir, _, sim = simulation(settings, checkout)
    small = simulation(settings, checkout, settings.small_region)[2]
    one, many = runs["1"], runs[str(settings.chunks)]
    fit = size_fit(one.jobs, runs["small"].jobs, sim.size_mb, small.size_mb)
    scripts = {rule for rule, v in workflow_rules(checkout).items() if v["script"]}
    index = settings.workdir / "run_1" / "results" / "reference" / "genome.fa"
    measured = Measurements(
        sim=sim,
        jobs=one.jobs,
        fixed={(r.rule, r.key): r.start_s for r in fit.itertuples()},
        bwa_alone_s=bwa_alone_s(index, sim_dir / "units.tsv", min(2, settings.cores)),
        snakemake_s_per_job=one.snakemake_cpu_s / max(one.steps, 1),
        scripts=scripts,
    )
    table = rule_table(one.jobs, many.jobs, fit, scripts)
    return table, chunk_comparison(one.jobs, many.jobs, settings.chunks), measured


def throughput_benchmark(
    settings: Settings, docs: Path, progress: Callable[[str], object] = print
) -> tuple[pd.DataFrame, dict]:
    """``icope bench throughput``: measure, compare chunking, project; store the section."""
    checkout = find_workflow_dir(settings.workflow_dir)
    runs = measure(settings, checkout, progress)
    table, chunks, measured = analyse(settings, checkout, runs)
    sim_dir, config, _ = simulation(settings, checkout)
    # Jobs as a production run sizes them: the template's threads (the test config's are 2).
    template = yaml.safe_load((checkout / "config" / "config.yaml").read_text())
    config = dict(config, threads=template["threads"]) if "threads" in template else config
    projections = []
    for target in TARGETS:
        progress(f"projecting: {target.name}")
        work = settings.workdir / ("dag_" + re.sub(r"\W+", "_", target.name))
        units = sim_dir / "units.tsv"
        dag = projection_dag(work, config, units, target, checkout / "Snakefile")
        projections += project(dag, measured, target)
    info = section_info(settings, runs, table, chunks, measured, projections)
    write_section(docs, "throughput", table, info)
    return table, info


def chunking_summary(table: pd.DataFrame, chunks: pd.DataFrame, measured: Measurements) -> dict:
    """Calling CPU with 1 and N chunks, the worst chunk balance, and what the fixed cost per
    chunk adds at each target's chunk count."""
    calling = table[table["stage"] == "calling"]
    one, many = calling["cpu_s"].sum(), calling["cpu_s_chunked"].sum()
    balance = chunks["max_over_mean"].dropna()
    worst = float(balance.max()) if len(balance) else math.nan
    projected = {}
    for target in TARGETS:
        work = added = 0.0
        for row in chunks.itertuples():
            scale = scale_factor(RULE_BY_NAME[row.rule], key_sample(row.key), target, measured.sim)
            work += scale * max(0.0, row.cpu_s_1 - row.per_chunk_fixed_s)
            added += (target.chunks - 1) * row.per_chunk_fixed_s
        projected[target.name] = round(1 + added / work, 4) if work else None
    return {
        "rows": chunks.round(4).to_dict("records"),
        "calling_cpu_s_1": round(one, 2),
        "calling_cpu_s_n": round(many, 2),
        "calling_ratio": round(many / one, 4) if one else None,
        # Not assessable when every chunk ran inside one job (see chunk_comparison).
        "max_over_mean": None if math.isnan(worst) else round(worst, 3),
        "projected_scatter_ratio": projected,
    }


def section_info(
    settings: Settings,
    runs: dict[str, Run],
    table: pd.DataFrame,
    chunks: pd.DataFrame,
    measured: Measurements,
    projections: list[dict],
) -> dict:
    """What the stored section holds besides the per-rule table (its notes are written from
    it by :func:`icope.bench.throughput_report.notes`)."""
    one = runs["1"]
    summaries = {name: run_summary(run, measured.scripts) for name, run in runs.items()}
    outside = (one.snakemake_cpu_s + summaries["1"]["script_cpu_s"]) / (
        one.snakemake_cpu_s + one.children_cpu_s
    )
    info = {
        "command": settings.command(),
        "design": (
            f"Simulated pair from the chr21 segment ({measured.sim.size_mb:.2f} Mb): normal "
            f"{settings.normal_depth}x, tumour {settings.tumour_depth}x, purity "
            f"{settings.purity}, seed {settings.seed}; the whole workflow (rule all) with "
            f"calling.chunks 1 and {settings.chunks}, and unchunked on a pair simulated with "
            f"the same parameters over {settings.small_region} (for each rule's start-up "
            f"cost); {settings.cores} cores."
        ),
        "chunks": settings.chunks,
        "size_mb": measured.sim.size_mb,
        "runs": summaries,
        "stages": stage_totals(table).round(2).to_dict("records"),
        "chunking": chunking_summary(table, chunks, measured),
        "bwa_alone_s": {k: round(v, 2) for k, v in measured.bwa_alone_s.items()},
        "outside_tools_share": round(outside, 4),
        "startup_dominated": startup_dominated(table),
        "projections": projections,
    }
    return info


def startup_dominated(table: pd.DataFrame, share: float = 0.8, least_s: float = 0.1) -> list[str]:
    """Rules that should grow with the reference but whose CPU on it (at least ``least_s``) is
    mostly start-up: their CPU per Mb is below what the two reference sizes resolve."""
    scaled = table[table["scaling"].isin(["reads", "sites"]) & (table["cpu_s"] >= least_s)]
    mostly = scaled["start_s"] * scaled["jobs"] >= share * scaled["cpu_s"]
    return scaled.loc[mostly, "rule"].tolist()


if __name__ == "__main__":
    probe_main(sys.argv[1:])
