"""The workflow on a real SLURM cluster, run the way the README tells a user to.

A single-node cluster is started on this machine from Debian's packages
(:mod:`icope.core.slurm_local`: munged, MariaDB + slurmdbd, slurmctld, slurmd with the
machine's CPUs and memory, memory limits enforced) and stopped, by PID, at the end. In a copy
of the checkout (its tracked and new files, as a clone would have them) the commands of the
README's "Running on a cluster" block run as written, with this site's account, partition
and options: the profile is installed into a configuration directory of the test's own
(``XDG_CONFIG_HOME``), the test configuration is validated, and ``snakemake --profile
cluster`` runs it. The tests then read SLURM's own accounting: every job Snakemake submitted
is there, completed, with the account, partition, CPUs, memory and time limit Snakemake
asked for, and slurmctld's log allocated and completed it. The results equal a local run's,
and a job killed for exceeding a deliberately small first-attempt memory is resubmitted with
more, and succeeds. If the cluster cannot start, the tests fail (never skip).
"""

from __future__ import annotations

import fnmatch
import gzip
import importlib.metadata
import math
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from workflow.conftest import REPO, make_run_dir, snakemake

from icope.core import slurm_local

pytestmark = pytest.mark.slurm

CONFIG = "my/config/config.yaml"  # the test configuration inside the checkout copy
WORKFLOW_PROFILE = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
# This site: the tools come from Debian (no conda); a node has this machine's CPUs; status
# queries every 2 s instead of 40 (the run's jobs take seconds, not hours).
SITE_OPTIONS = ["--no-conda", "--node-cores", str(os.cpu_count()), "--status-interval", "2"]
# The retry demonstration: a first attempt with far less memory than the job needs.
RETRY_RULE = "annotation_tables"
RETRY_MEM = "150 * 10 ** (attempt - 1)"
TIMEOUT_S = 1500

SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (.+)\)\.$")
RULE = re.compile(r"^\s*rule (\w+):$")
MEMBER = re.compile(r"^    rule (\w+):$")
GROUP_NAMES = sorted(set(WORKFLOW_PROFILE["groups"].values()))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The single-node cluster; afterwards every daemon it started is gone."""
    slurm = slurm_local.start(tmp_path_factory.mktemp("slurm"), wait_for_other=900)
    started = dict(slurm.pids)
    yield slurm
    slurm.stop()
    running = [name for name, pid in started.items() if Path(f"/proc/{pid}").exists()]
    assert not running, f"daemons still running after stop: {running}"
    assert not slurm.system_conf.exists() or slurm_local.MARKER not in _first_line(
        slurm.system_conf
    )


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """The repository's files as a fresh clone holds them (tracked and new, no results)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    target = tmp_path_factory.mktemp("clone")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
            (target / name).chmod(source.stat().st_mode)
    make_run_dir(target / "my")
    return target


@pytest.fixture(scope="module")
def user_env(tmp_path_factory, shared_data) -> dict[str, str]:
    """A user's shell: a configuration directory of its own (the profile goes there), the
    data directory the test configuration reads, SLURM's default configuration."""
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    env["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    env["ICOPE_DATA_DIR"] = str(shared_data.root)
    return env


@dataclass
class Run:
    """What a user saw: each command with its exit status and output."""

    commands: list[list[str]] = field(default_factory=list)
    results: list[subprocess.CompletedProcess] = field(default_factory=list)

    @property
    def snakemake_log(self) -> str:
        return self.results[-1].stdout + self.results[-1].stderr


@pytest.fixture(scope="module")
def cluster_run(cluster, checkout, user_env) -> Run:
    """The README's commands, in the checkout copy, against the cluster."""
    run = Run()
    for words in readme_commands():
        if words[:2] == ["pip", "install"]:
            continue  # checked by test_the_cluster_extra_is_installed_as_pinned
        command = site_command(words, cluster)
        result = subprocess.run(
            _executable(command, checkout),
            cwd=checkout,
            env=_with_checkout_package(user_env, checkout),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        run.commands.append(command)
        run.results.append(result)
        assert result.returncode == 0, (
            f"{shlex.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return run


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    """The same configuration run locally, for comparison."""
    run_dir = make_run_dir(tmp_path_factory.mktemp("local"))
    snakemake(run_dir, "--cores", str(os.cpu_count()))
    return run_dir


# --------------------------------------------------------------------------- the README


def readme_commands() -> list[list[str]]:
    """The command lines of the first bash block under "## Running on a cluster"."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Running on a cluster") :]
    start = section.index("```bash\n") + len("```bash\n")
    block = section[start : section.index("\n```", start)]
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def site_command(words: list[str], cluster: slurm_local.LocalSlurm) -> list[str]:
    """A README command with this site's values for its placeholders (A, P, my/config.yaml)."""
    values = {"my/config.yaml": CONFIG}
    if words[:3] == ["icope", "profile", "install"]:
        values |= {"A": cluster.account, "P": cluster.partition}
        words = words + SITE_OPTIONS
    return [values.get(word, word) for word in words]


def _executable(command: list[str], checkout: Path) -> list[str]:
    """`icope`/`snakemake` of this Python (the checkout's package, see _with_checkout_package)."""
    modules = {"icope": "icope.cli", "snakemake": "snakemake"}
    if command[0] in modules:
        return [sys.executable, "-m", modules[command[0]], *command[1:]]
    return command


def _with_checkout_package(env: dict[str, str], checkout: Path) -> dict[str, str]:
    """`pip install -e .` in the checkout: its own package is the one imported."""
    path = [str(checkout / "src"), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return env | {"PYTHONPATH": os.pathsep.join(path)}


def test_readme_block_is_what_the_test_runs():
    commands = [shlex.join(words) for words in readme_commands()]
    assert commands == [
        "pip install -e '.[cluster]'",
        "icope profile install --account A --partition P",
        "icope validate --config my/config.yaml",
        "snakemake --profile cluster --configfile my/config.yaml",
    ]


def test_the_cluster_extra_is_installed_as_pinned():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pins = dict(
        re.fullmatch(r"([\w-]+)==([\w.]+)", spec).groups()
        for spec in pyproject["project"]["optional-dependencies"]["cluster"]
    )
    assert "snakemake-executor-plugin-slurm" in pins
    assert {name: importlib.metadata.version(name) for name in pins} == pins


# --------------------------------------------------------------------------- the run


def test_profile_installed_where_snakemake_finds_it(cluster_run, user_env, cluster):
    profile = Path(user_env["XDG_CONFIG_HOME"]) / "snakemake" / "cluster" / "config.yaml"
    settings = yaml.safe_load(profile.read_text())
    assert settings["executor"] == "slurm"
    assert settings["default-resources"] == {
        "slurm_account": cluster.account,
        "slurm_partition": cluster.partition,
    }
    assert "workflow specific profile profiles/default" in cluster_run.snakemake_log
    assert "Using profiles cluster and" in cluster_run.snakemake_log
    assert "2 patients" in cluster_run.results[1].stdout  # icope validate


def test_the_run_completed(cluster_run):
    assert re.search(r"(\d+) of \1 steps \(100%\) done", cluster_run.snakemake_log)


def test_every_job_went_through_slurm(cluster_run, cluster):
    jobs = submitted_jobs(cluster_run.snakemake_log)
    assert len(jobs) > 10
    accounting = sacct(cluster, [job.slurm_id for job in jobs], steps=True)
    controller_log = cluster.slurmctld_log.read_text()
    _write_job_table(cluster.root / "jobs.tsv", jobs, accounting)
    for job in jobs:
        record = accounting[job.slurm_id]
        assert record["State"] == "COMPLETED", (job, record)
        assert record["Account"] == cluster.account and record["Partition"] == cluster.partition
        for event in (
            rf"_slurm_rpc_submit_batch_job: JobId={job.slurm_id} ",
            rf"(sched: Allocate|_start_job: Started) JobId={job.slurm_id} ",
            rf"_job_complete: JobId={job.slurm_id} done",
        ):
            assert re.search(event, controller_log), f"slurmctld log: no {event}"
        if job.rule is not None:  # single-rule job: SLURM got what Snakemake asked for
            assert record["ReqMem"] == f"{job.resources['mem_mb']}M", (job, record)
            assert _minutes(record["Timelimit"]) == int(job.resources["runtime"]), (job, record)
            assert int(record["ReqCPUS"]) == job.threads, (job, record)
            assert record["Comment"].startswith(f"rule_{job.rule}"), (job, record)


def test_small_steps_ran_grouped(cluster_run, local_run):
    jobs = submitted_jobs(cluster_run.snakemake_log)
    groups = WORKFLOW_PROFILE["groups"]
    alone = {job.rule for job in jobs if job.rule is not None}
    assert not alone & set(groups), "a grouped rule was submitted on its own"
    per_group = {}
    for job in jobs:
        if job.group is not None:
            per_group[job.group] = per_group.get(job.group, 0) + 1
    assert per_group == {"patient": 2, "cohort": 1}  # two patients, one cohort
    # Each group job's request covers all its members: none is left unsized.
    unsized = {rule for rule, res in group_member_resources(cluster_run.snakemake_log)
               if "<TBD>" in (res.get("mem_mb"), res.get("runtime"))}  # fmt: skip
    assert not unsized, f"members the group job did not size: {unsized}"
    # Every rule of the local run ran on the cluster, alone or in its group.
    members = group_members(cluster_run.snakemake_log)
    local_rules = set(planned_jobs_of(local_run)) - {"all"}
    assert alone | members == local_rules
    assert members == local_rules & set(groups)


def planned_jobs_of(run_dir: Path) -> set[str]:
    """Rules of a completed local run (from its log: what ran)."""
    logs = sorted((run_dir / ".snakemake" / "log").glob("*.snakemake.log"))
    text = logs[-1].read_text()
    ran = (re.match(r"^(?:local)?rule (\w+):$", line) for line in text.splitlines())
    return {m.group(1) for m in ran if m}


#: Tables whose numbers come from salmon's TPM: salmon 1.10 moves TPM by up to ~4e-4 relative
#: between runs of the same reads, even on one thread (issue 15; tests/workflow/test_determinism.py
#: declares the same); compared with every number within 1e-3 relative, the text otherwise equal.
SALMON_TABLES = ("results/rna/*/genes.tsv", "results/cohort/expression_*.tsv")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _same_table(first: Path, second: Path, rel: Path) -> bool:
    a, b = first.read_text(), second.read_text()
    if not any(fnmatch.fnmatchcase(str(rel), pattern) for pattern in SALMON_TABLES):
        return a == b
    if _NUMBER.split(a) != _NUMBER.split(b):
        return False
    pairs = zip(_NUMBER.findall(a), _NUMBER.findall(b), strict=True)
    return all(math.isclose(float(x), float(y), rel_tol=1e-3) for x, y in pairs)


def test_results_equal_a_local_run(cluster_run, checkout, local_run):
    cluster_files = _results(checkout)
    local_files = _results(local_run)
    assert cluster_files == local_files
    compared = 0
    for rel in local_files:
        if rel.name.endswith(".vcf.gz"):
            assert _records(checkout / rel) == _records(local_run / rel), rel
        elif rel.suffix == ".tsv":
            assert _same_table(checkout / rel, local_run / rel, rel), rel
        else:
            continue
        compared += 1
    kinds = {p.parent.name for p in local_files if p.name.endswith((".vcf.gz", ".tsv"))}
    assert {"germline", "somatic", "sv", "cohort", "qc"} <= kinds
    assert compared >= 25
    assert _records(checkout / "results/germline/NA12878.vcf.gz"), "no germline calls"


def test_no_planned_job_left(cluster_run, checkout, user_env):
    """A second `snakemake --profile cluster` finds nothing to do."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", "cluster", "--configfile", CONFIG, "-n"],
        cwd=checkout,
        env=_with_checkout_package(user_env, checkout),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr


# --------------------------------------------------------------------------- retry


def test_job_killed_for_memory_is_retried_with_more(cluster_run, cluster, checkout, user_env):
    """First attempt: 150 MB, far below what the job's processes use, so SLURM kills it;
    Snakemake resubmits it (retries in profiles/default) with 10x the memory and the rule's
    own runtime for attempt 2, and it succeeds with the same table as before."""
    genes = checkout / "results" / "reference" / "genes.tsv"
    before = genes.read_text()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--profile",
            "cluster",
            "--configfile",
            CONFIG,
            "--forcerun",
            RETRY_RULE,
            "--set-resources",
            f"{RETRY_RULE}:mem_mb={RETRY_MEM}",
            "--",
            str(genes.relative_to(checkout)),
        ],
        cwd=checkout,
        env=_with_checkout_package(user_env, checkout),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    attempts = [job for job in submitted_jobs(log) if job.rule == RETRY_RULE]
    assert len(attempts) == 2, attempts
    first, second = (
        sacct(cluster, [job.slurm_id for job in attempts], steps=True)[job.slurm_id]
        for job in attempts
    )
    assert first["State"] in ("FAILED", "OUT_OF_MEMORY"), first
    assert first["ReqMem"] == "150M" and _kib(first["MaxRSS"]) > 150 * 1024, first
    assert "exceeded memory limit" in Path(attempts[0].log).read_text().lower()
    _write_job_table(
        cluster.root / "retry.tsv", attempts, {first["JobIDRaw"]: first, second["JobIDRaw"]: second}
    )
    assert second["State"] == "COMPLETED" and second["ReqMem"] == "1500M", second
    assert _minutes(second["Timelimit"]) > _minutes(first["Timelimit"])
    assert genes.read_text() == before


# --------------------------------------------------------------------------- helpers


@dataclass
class SubmittedJob:
    snakemake_id: str
    slurm_id: str
    log: str
    rule: str | None = None  # single-rule job
    group: str | None = None  # group job
    threads: int = 0
    resources: dict[str, str] = field(default_factory=dict)


def submitted_jobs(log: str) -> list[SubmittedJob]:
    """Every SLURM submission in a Snakemake log, with what Snakemake asked for: for a
    single-rule job, the last job description printed for that Snakemake job id."""
    described: dict[str, tuple[str, int, dict[str, str]]] = {}
    current: dict[str, object] = {}
    jobs = []
    for line in log.splitlines():
        if match := RULE.match(line):
            current = {"rule": match.group(1), "threads": 1, "resources": {}}
        elif (stripped := line.strip()).startswith("jobid: ") and current:
            current["jobid"] = stripped.removeprefix("jobid: ")
        elif stripped.startswith("threads: ") and current:
            current["threads"] = int(stripped.removeprefix("threads: "))
        elif stripped.startswith("resources: ") and current:
            pairs = (
                item.split("=", 1) for item in stripped.removeprefix("resources: ").split(", ")
            )
            current["resources"] = {k: v for k, v in pairs}
            if "jobid" in current:
                described[current["jobid"]] = (
                    current["rule"],
                    current["threads"],
                    current["resources"],
                )
        elif match := SUBMITTED.search(line):
            jobs.append(_submission(match, described))
    return jobs


def _submission(match: re.Match, described: dict) -> SubmittedJob:
    snakemake_id, slurm_id, log = match.groups()
    job = SubmittedJob(snakemake_id, slurm_id, log)
    # .snakemake/slurm_logs/rule_<rule>/... or .../group_<group>_<member rules>/...
    kind = log.split("/slurm_logs/", 1)[1].split("/")[0]
    if kind.startswith("group_"):
        job.group = next(g for g in GROUP_NAMES if kind.startswith(f"group_{g}_"))
    else:
        job.rule, job.threads, job.resources = described[snakemake_id]
    return job


def group_members(log: str) -> set[str]:
    """Rules that ran inside group jobs: their descriptions are indented under 'Group job'."""
    return {m.group(1) for line in log.splitlines() if (m := MEMBER.match(line))}


def group_member_resources(log: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, resources) of every group member as Snakemake sized it for the submission."""
    members, rule = [], None
    for line in log.splitlines():
        if match := MEMBER.match(line):
            rule = match.group(1)
        elif rule and line.startswith("        resources: "):
            pairs = (item.split("=", 1) for item in line.strip()[len("resources: ") :].split(", "))
            members.append((rule, dict(pairs)))
            rule = None
    return members


def sacct(cluster, ids: list[str], steps: bool = False) -> dict[str, dict[str, str]]:
    """SLURM's accounting record of each job (MaxRSS: the largest of its steps')."""
    fields = [
        "JobIDRaw",
        "State",
        "ReqMem",
        "Timelimit",
        "ReqCPUS",
        "Account",
        "Partition",
        "MaxRSS",
        "Comment",
    ]
    result = cluster.run(
        "sacct",
        "--parsable2",
        "--noheader",
        *([] if steps else ["-X"]),
        f"--format={','.join(fields)}",
        "-j",
        ",".join(ids),
    )
    records: dict[str, dict[str, str]] = {}
    for line in result.stdout.splitlines():
        row = dict(zip(fields, line.split("|", len(fields) - 1), strict=True))
        job_id, _, step = row["JobIDRaw"].partition(".")
        if not step:
            records[job_id] = row
        elif _kib(row["MaxRSS"]) > _kib(records[job_id]["MaxRSS"]):
            records[job_id]["MaxRSS"] = row["MaxRSS"]
    assert set(ids) <= set(records), f"not in SLURM's accounting: {set(ids) - set(records)}"
    return records


def _write_job_table(path: Path, jobs: list[SubmittedJob], accounting: dict) -> None:
    """What ran where, for the record: rule or group, SLURM id and its accounting."""
    columns = ("State", "ReqMem", "Timelimit", "ReqCPUS", "MaxRSS")
    lines = ["\t".join(("rule_or_group", "slurm_id", *columns))]
    for job in jobs:
        record = accounting[job.slurm_id]
        name = job.rule or f"group {job.group}"
        lines.append("\t".join((name, job.slurm_id, *(record[c] for c in columns))))
    path.write_text("\n".join(lines) + "\n")
    print(path.read_text())


def _kib(value: str) -> float:
    units = {"K": 1, "M": 1024, "G": 1024**2}
    if not value:
        return 0
    return float(value[:-1]) * units[value[-1]] if value[-1] in units else float(value) / 1024


def _minutes(limit: str) -> int:
    days, _, clock = limit.rpartition("-")
    hours, minutes, seconds = (int(x) for x in clock.split(":"))
    return (int(days or 0) * 24 + hours) * 60 + minutes + (seconds > 0)


def _results(run_dir: Path) -> list[Path]:
    results = run_dir / "results"
    return sorted(p.relative_to(run_dir) for p in results.rglob("*") if p.is_file())


def _records(vcf: Path) -> list[str]:
    with gzip.open(vcf, "rt") as handle:
        return [line for line in handle if not line.startswith("#")]


def _first_line(path: Path) -> str:
    try:
        return path.read_text().split("\n", 1)[0]
    except FileNotFoundError:
        return ""
