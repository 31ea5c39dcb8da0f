"""Throughput benchmark: benchmark paths to rules, CPU fits, scaling, the DAG and the schedule
model, on small synthetic tables; and the probe's exact CPU on a one-rule workflow."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

from icope.bench import throughput as tp
from icope.bench import throughput_model as model
from icope.bench import throughput_report as report

REPO = Path(__file__).resolve().parents[2]
HOUR = 3600.0

# A value for every wildcard a benchmark path of the workflow uses (a new wildcard fails the
# coverage test below until it is added here).
EXAMPLE_WILDCARDS = {
    "sample": "S1",
    "unit": "L001",
    "part": "0002",
    "tumour": "T1",
    "patient": "P1",
    "method": "pileup",
    "origin": "germline",
    "known": "dbsnp",
}


# --------------------------------------------------------------------------- rule table


def test_every_benchmark_path_of_the_workflow_maps_to_its_own_rule():
    rules = tp.workflow_rules(REPO)
    benchmarked = {name: r["benchmark"] for name, r in rules.items() if r["benchmark"]}
    assert len(benchmarked) >= 40
    for rule, templates in benchmarked.items():
        for template in templates:
            relative = template.removeprefix("benchmarks/").removesuffix(".tsv")
            found, wildcards = model.classify(relative.format(**EXAMPLE_WILDCARDS))
            assert found.rule == rule, f"{template} is read as {found.rule}"
            assert found.template == relative, f"{rule}: table {found.template}, not {relative}"
            assert set(wildcards) <= set(EXAMPLE_WILDCARDS)


def test_the_table_names_no_rule_the_workflow_lacks():
    benchmarked = {n for n, r in tp.workflow_rules(REPO).items() if r["benchmark"]}
    assert {r.rule for r in model.RULES} <= benchmarked
    assert all(r.stage in model.STAGES and r.scaling in model.SCALINGS for r in model.RULES)
    assert all(r.depth in ("own", "pair") for r in model.RULES)


def test_script_rules_are_read_from_the_rule_files():
    rules = tp.workflow_rules(REPO)
    assert rules["somatic_consensus"]["script"] and rules["check_reads"]["script"]
    assert not rules["bwa_mem"]["script"] and not rules["multiqc"]["script"]


def test_paths_of_neighbouring_somatic_rules_are_told_apart():
    assert model.classify("somatic/T1.pileup.calls")[0].rule == "somatic_calls"
    assert model.classify("somatic/T1.pileup.call")[0].rule == "somatic_method_call"
    assert model.classify("somatic/T1.freebayes.calls") == (
        model.RULE_BY_NAME["somatic_calls"],
        {"tumour": "T1", "method": "freebayes"},
    )
    assert model.classify("germline/S1.call")[0].rule == "germline_call"
    assert model.classify("somatic/T1.consensus")[0].rule == "somatic_consensus"


def test_a_benchmark_file_of_no_known_rule_is_an_error_not_dropped():
    with pytest.raises(model.BenchmarkPathError, match=r"benchmarks/newstage/S1\.tsv matches no"):
        model.classify("newstage/S1")
    twice = [model.RuleClass("a", "x/{sample}", "calling", "sites")] * 2
    with pytest.raises(model.BenchmarkPathError, match="several rules: a, a"):
        model.classify("x/S1", twice)


def test_parse_smk_rules_reads_benchmark_and_script_of_each_rule():
    text = textwrap.dedent(
        """\
        rule first:
            output:
                "x",
            benchmark:
                "benchmarks/first/{sample}.tsv"
            script:
                "../../scripts/first.py"


        X = 1


        if config["x"]:

            localrule second:
                benchmark: "benchmarks/second.tsv",
                shell:
                    "true"

        else:

            rule fourth:
                # a comment
                script:
                    "fourth.py"



        rule third:
            shell:
                "true"
        """
    )
    assert tp.parse_smk_rules(text) == {
        "first": {"benchmark": ["benchmarks/first/{sample}.tsv"], "script": True},
        "second": {"benchmark": ["benchmarks/second.tsv"], "script": False},
        "fourth": {"benchmark": [], "script": True},
        "third": {"benchmark": [], "script": False},
    }


def test_benchmark_paths_built_from_constants_take_every_value_the_constant_can():
    common = textwrap.dedent(
        """        PARTS = config["alignment"]["split_fastq_parts"] > 1
        UNIT_KEY = "{sample}/{unit}/{part}" if PARTS else "{sample}/{unit}"
        OTHER = f"x/{UNIT_KEY}"
        """
    )
    constants = tp.smk_constants(common)
    assert constants == {
        "UNIT_KEY": ["{sample}/{unit}/{part}", "{sample}/{unit}"],
        "OTHER": ["x/{sample}/{unit}/{part}", "x/{sample}/{unit}"],
    }
    rule = 'rule bwa:\n    benchmark:\n        f"benchmarks/bwa/{UNIT_KEY}.{{x}}.tsv"\n'
    assert tp.parse_smk_rules(rule, constants)["bwa"]["benchmark"] == [
        "benchmarks/bwa/{sample}/{unit}/{part}.{x}.tsv",
        "benchmarks/bwa/{sample}/{unit}.{x}.tsv",
    ]
    with pytest.raises(ValueError, match="cannot tell what"):
        tp.string_values('f"benchmarks/{unknown_name}.tsv"', constants)


# --------------------------------------------------------------------------- benchmark files


def _bench(path: Path, s: float, cpu: str, rss: str = "10.5") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time"
    path.write_text(f"{header}\n{s}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")


def test_read_benchmarks_prefers_the_probe_median_and_counts_unsampled_jobs_as_zero(tmp_path):
    bench = tmp_path / "benchmarks"
    _bench(bench / "fastp_bwa_mem/S1/L001.tsv", 5.0, "3.5", "200")
    _bench(bench / "somatic/T1.freebayes.calls.tsv", 1.0, "NA", "NA")
    (tmp_path / "logs/somatic").mkdir(parents=True)
    (tmp_path / "logs/somatic/T1.freebayes.calls.log").write_text(
        "freebayes --skip-coverage 500\n"
        "chunk 0001: 20000 bp called in 0.42 s; 6 records; deepest called site DP 375\n"
        "chunk 0002: 20001 bp called in 0.10 s; 0 records; deepest called site DP none\n"
    )
    exact = {"benchmarks/fastp_bwa_mem/S1/L001.tsv": [4.0, 10.0, 4.5]}
    jobs = tp.read_benchmarks(bench, exact).set_index("rule")
    bwa = jobs.loc["fastp_bwa_mem"]
    assert bwa["cpu_runs"] == (4.0, 10.0, 4.5)
    assert (bwa["cpu_s"], bwa["sampled_cpu_s"], bwa["cpu_source"], bwa["runs"]) == (
        4.5,
        3.5,
        "rusage",
        3,
    )
    assert (bwa["key"], bwa["sample"], bwa["stage"], bwa["max_rss_mb"]) == (
        "sample=S1",
        "S1",
        "alignment",
        200.0,
    )
    chunk = jobs.loc["somatic_calls"]
    assert (chunk["cpu_s"], chunk["cpu_source"], chunk["key"]) == (
        0.0,
        "sampled",
        "method=freebayes,tumour=T1",
    )
    assert chunk["max_rss_mb"] == 0.0
    # the calling job's chunks, from its log; other rules have none
    assert chunk["chunk_s"] == (0.42, 0.1) and bwa["chunk_s"] == ()


def test_read_benchmarks_refuses_a_file_of_an_unknown_rule(tmp_path):
    _bench(tmp_path / "mystery/S1.tsv", 1.0, "1")
    with pytest.raises(model.BenchmarkPathError, match="mystery"):
        tp.read_benchmarks(tmp_path)


def _jobs(rows: list[tuple]) -> pd.DataFrame:
    """Benchmark rows from (rule, key, chunk, cpu_s) tuples."""
    frame = pd.DataFrame(rows, columns=["rule", "key", "chunk", "cpu_s"])
    rule = frame["rule"].map(model.RULE_BY_NAME)
    return frame.assign(
        path=[
            f"{r}/{k}/{c}"
            for r, k, c in zip(frame["rule"], frame["key"], frame["chunk"], strict=True)
        ],
        stage=[r.stage for r in rule],
        scaling=[r.scaling for r in rule],
        wall_s=frame["cpu_s"],
        max_rss_mb=100.0,
    )


def test_size_fit_splits_cpu_into_start_up_per_job_and_cpu_per_mb():
    large = _jobs(
        [
            ("bwa_mem", "sample=S1", None, 10.0),
            ("patient_report", "patient=P1", None, 3.0),
            ("fastp", "sample=S1", None, 8.0),
            ("check_reads", "sample=S1", None, 1.0),
            ("check_reads", "sample=S1", None, 1.0),
        ]
    )
    small = _jobs(
        [
            ("bwa_mem", "sample=S1", None, 4.0),
            ("patient_report", "patient=P1", None, 3.2),
            ("fastp", "sample=S1", None, 0.0),
            ("check_reads", "sample=S1", None, 0.5),
            ("check_reads", "sample=S1", None, 0.5),
        ]
    )
    fit = tp.size_fit(large, small, 1.0, 0.25).set_index("rule")
    assert fit.loc["bwa_mem", ["start_s", "per_mb_s"]].tolist() == pytest.approx([2.0, 8.0])
    # CPU that does not grow with the reference is all start-up, never a negative slope
    assert fit.loc["patient_report", ["start_s", "per_mb_s"]].tolist() == [3.0, 0.0]
    # CPU growing faster than the reference: no negative start-up
    assert fit.loc["fastp", ["start_s", "per_mb_s"]].tolist() == [0.0, 8.0]
    # two jobs of 1 s, 0.25 s of start-up each
    assert fit.loc["check_reads", ["jobs", "start_s", "per_mb_s"]].tolist() == pytest.approx(
        [2, 1 / 3, 4 / 3]
    )


def test_chunk_comparison_gives_ratio_and_fixed_cost_per_chunk_of_the_calling_jobs():
    unchunked = _jobs([("germline_call", "sample=S1", None, 10.0)])
    # 12.5 s for the job running 8 chunks inside; other rules are not compared
    chunked = _jobs([("germline_call", "sample=S1", None, 12.5), ("bwa_mem", "sample=S1", None, 9)])
    # its 8 chunks' seconds (from its log), the last one the largest
    chunked["chunk_s"] = [(1.5,) * 7 + (2.0,), ()]
    table = tp.chunk_comparison(unchunked, chunked, 8)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["rule"], row["chunks"], row["cpu_s_n"]) == ("germline_call", 8, 12.5)
    assert row["ratio"] == pytest.approx(1.25)
    assert row["mean_chunk_cpu_s"] == pytest.approx(12.5 / 8)
    # the largest chunk's share of the job's CPU is that of its seconds
    assert row["max_over_mean"] == pytest.approx(2.0 / (12.5 / 8))
    assert row["max_chunk_cpu_s"] == pytest.approx(2.0)
    assert row["per_chunk_fixed_s"] == pytest.approx(2.5 / 7)
    # without the chunks' seconds, their balance is not assessable
    blind = tp.chunk_comparison(unchunked, chunked.drop(columns="chunk_s"), 8).iloc[0]
    assert math.isnan(blind["max_over_mean"]) and blind["ratio"] == pytest.approx(1.25)
    assert row["ratio_runs"] == ""  # no per-run CPU times


def test_chunk_comparison_gives_the_ratio_of_each_repeat():
    unchunked = _jobs([("somatic_calls", "method=pileup,tumour=T1", None, 10.0)])
    unchunked["cpu_runs"] = [(10.0, 8.0, 12.0)]
    chunked = _jobs([("somatic_calls", "method=pileup,tumour=T1", None, 11.0)])
    chunked["cpu_runs"] = [(10.5, 10.0, 12.6)]
    row = tp.chunk_comparison(unchunked, chunked, 2).iloc[0]
    assert row["ratio"] == pytest.approx(1.1)
    assert row["ratio_runs"] == "1.050 / 1.250 / 1.050"


def test_rule_table_joins_both_runs_and_the_fit_in_stage_order():
    unchunked = _jobs([("sv_call", "tumour=T1", None, 2.0), ("bwa_mem", "sample=S1", None, 10.0)])
    chunked = _jobs([("sv_call", "tumour=T1", None, 2.2), ("bwa_mem", "sample=S1", None, 9.0)])
    fit = tp.size_fit(unchunked, unchunked.assign(cpu_s=[0.5, 2.5]), 1.0, 0.25)
    table = tp.rule_table(unchunked, chunked, fit, {"sv_call"})
    assert table["rule"].tolist() == ["bwa_mem", "sv_call"]
    sv = table.set_index("rule").loc["sv_call"]
    assert (sv["script"], sv["cpu_s_chunked"], sv["cpu_s_small"]) == ("yes", 2.2, 0.5)
    assert sv["cpu_s_per_mb"] == pytest.approx(2.0)
    assert sv["start_s"] == pytest.approx(0.0)


# --------------------------------------------------------------------------- scaling

SIM = model.Simulated(size_mb=1.0, depth={"N": 30, "T": 60}, normal_of={"T": "N"})
WGS, EXOME = model.TARGETS


def test_scale_factor_per_class_of_rule():
    rule = model.RULE_BY_NAME
    assert model.scale_factor(rule["bwa_mem"], "N", WGS, SIM) == 3100
    assert model.scale_factor(rule["bwa_mem"], "T", EXOME, SIM) == pytest.approx(60 * 100 / 60)
    # somatic calling reads tumour and normal: (100 + 100) / (30 + 60)
    pair = model.scale_factor(rule["somatic_calls"], "T", EXOME, SIM)
    assert pair == pytest.approx(60 * 200 / 90)
    assert model.scale_factor(rule["annotate"], "T", EXOME, SIM) == 60
    # the reference is indexed whole, also for an exome
    assert model.scale_factor(rule["bwa_index"], None, EXOME, SIM) == 3100
    assert model.scale_factor(rule["patient_report"], None, WGS, SIM) == 1


def test_units_and_bwa_anchor_of_the_targets():
    assert (WGS.units(30), WGS.units(60), EXOME.units(100)) == (4, 8, 1)
    assert model.bwa_anchor_s(WGS, 30) == pytest.approx(150 * HOUR)
    assert model.bwa_anchor_s(WGS, 60) == pytest.approx(300 * HOUR)
    assert model.bwa_anchor_s(EXOME, 100) == pytest.approx(150 * HOUR * 100 / 30 * 60 / 3100)


def test_projected_totals_pay_the_start_up_once_per_projected_job():
    measured = _jobs([("bwa_mem", "sample=N", None, 11.0), ("fastp", "sample=N", None, 2.0)])
    counts = {("bwa_mem", "sample=N"): 4, ("fastp", "sample=N"): 4, ("genome_bed", ""): 1}
    fixed = {("bwa_mem", "sample=N"): 1.0}
    totals = model.projected_totals(measured, fixed, counts, lambda rule, key: 100.0)
    assert totals == {
        ("bwa_mem", "sample=N"): 100 * 10 + 4 * 1,
        ("fastp", "sample=N"): 200.0,
        ("genome_bed", ""): 0.0,  # never measured (no benchmark file)
    }


def _measurements(jobs: pd.DataFrame, bwa_alone: dict[str, float]) -> model.Measurements:
    return model.Measurements(
        sim=SIM,
        jobs=jobs,
        fixed={},
        bwa_alone_s=bwa_alone,
        snakemake_s_per_job=0.0,
        scripts={"somatic_method_call"},
    )


def test_anchored_scenario_replaces_only_bwa_itself():
    jobs = _jobs([("bwa_mem", "sample=N", None, 10.0), ("somatic_method_call", "", None, 1.0)])
    dag = [model.Job(1, "bwa_mem", "sample=N", 2), model.Job(2, "somatic_method_call", "", 1, (1,))]
    measured = _measurements(jobs, {"N": 8.0})
    totals, bwa = model.scenario_totals(dag, measured, WGS, anchored=False)
    assert (totals[("bwa_mem", "sample=N")], bwa) == (31_000.0, 24_800.0)
    totals, bwa = model.scenario_totals(dag, measured, WGS, anchored=True)
    assert bwa == pytest.approx(150 * HOUR)
    # fixmate + sort (2 s of the rule's 10) stay extrapolated
    assert totals[("bwa_mem", "sample=N")] == pytest.approx(150 * HOUR + 2 * 3100)


def test_a_measured_job_the_projected_dag_lacks_is_an_error():
    jobs = _jobs([("bwa_mem", "sample=N", None, 10.0)])
    with pytest.raises(RuntimeError, match="missing from the projected DAG"):
        dag = [model.Job(1, "fastp", "sample=N")]
        model.scenario_totals(dag, _measurements(jobs, {}), WGS, False)


def test_summarise_splits_bwa_from_what_follows_it():
    jobs = [
        model.Job(1, "bwa_mem", "sample=N", 2, (), 10 * HOUR),
        model.Job(2, "merge_markdup", "sample=N", 2, (1,), 1 * HOUR),
        model.Job(3, "somatic_method_call", "tumour=T", 1, (2,), 0.5 * HOUR),
        model.Job(4, "fastp", "sample=N", 2, (), 2 * HOUR),
    ]
    measured = _measurements(_jobs([]), {})
    measured.snakemake_s_per_job = 0.25 * HOUR  # 1 h over 4 jobs
    summary = model.summarise(jobs, 8 * HOUR, measured, (16, 64))
    assert summary["stage_cpu_h"] == {
        "read QC": 2.0,
        "alignment": 10.0,
        "post-alignment": 1.0,
        "calling": 0.5,
    }
    # after alignment: fixmate/sort (10 - 8 h) + markdup + calling
    assert summary["after_alignment_cpu_h"] == pytest.approx(3.5)
    assert summary["after_over_bwa"] == pytest.approx(3.5 / 8, abs=1e-3)
    assert summary["outside_tools_share"] == pytest.approx((1 + 0.5) / 14.5, abs=1e-4)
    assert summary["critical_path_h"] == pytest.approx(5 + 0.5 + 0.5)
    assert summary["critical_path"] == ["bwa_mem", "merge_markdup", "somatic_method_call"]
    assert summary["wall_h"] == {"16": 6.0, "64": 6.0}


# --------------------------------------------------------------------------- schedule model


def _dag(*jobs: tuple) -> list[model.Job]:
    """Jobs from (id, rule, cpu hours, threads, deps) tuples."""
    return [model.Job(i, rule, "", t, deps, cpu * HOUR) for i, rule, cpu, t, deps in jobs]


def test_longest_path_first_schedule():
    # a chain of two 10 h jobs beside two independent 10 h jobs, on 2 cores: starting the
    # chain first takes 20 h; starting the independent ones first would take 30 h
    jobs = _dag((1, "L1", 10, 1, ()), (2, "L2", 10, 1, (1,)), (3, "S1", 10, 1, ()))
    jobs += _dag((4, "S2", 10, 1, ()))
    assert model.makespan(jobs, 2) / HOUR == pytest.approx(20)
    assert model.makespan(jobs, 1) / HOUR == pytest.approx(40)
    assert model.makespan(jobs, 4) / HOUR == pytest.approx(20)
    length, chain = model.critical_path(jobs, 4)
    assert (length / HOUR, [job.rule for job in chain]) == (20, ["L1", "L2"])


def test_threads_shorten_a_job_up_to_the_cores():
    jobs = _dag((1, "bwa_mem", 16, 8, ()), (2, "merge_markdup", 2, 2, (1,)))
    assert model.makespan(jobs, 64) / HOUR == pytest.approx(2 + 1)
    assert model.makespan(jobs, 4) / HOUR == pytest.approx(4 + 1)
    # a job wider than the free cores waits for them
    wide = _dag((1, "a", 4, 4, ()), (2, "b", 1, 1, ()))
    assert model.makespan(wide, 4) / HOUR == pytest.approx(2)


def test_a_cycle_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        model.topological_order(_dag((1, "a", 1, 1, (2,)), (2, "b", 1, 1, (1,))))


def test_closing_steps_widen_the_rule_holding_the_critical_path():
    lanes = [(i, "bwa_mem", 40, 2, ()) for i in range(1, 5)]
    jobs = _dag(*lanes, (5, "merge_markdup", 4, 2, (1, 2, 3, 4)))
    assert model.makespan(jobs, 64) / HOUR == pytest.approx(22)
    steps = model.closing_steps(jobs, 64, limit_h=12)
    assert steps == [{"rule": "bwa_mem", "threads": 8, "wall_h": 7.0}]
    assert model.closing_steps(jobs, 64, limit_h=30) == []


def test_collapse_and_group_key():
    assert model.collapse(["a", "a", "b", "b", "a"]) == ["a", "b", "a"]
    assert model.group_key({"unit": "L1", "sample": "S", "chunk": "0001"}) == "sample=S"
    assert model.key_sample("caller=bcftools,sample=S1") == "S1"
    assert model.key_sample("patient=P1") is None


# --------------------------------------------------------------------------- projected DAG

DRY_RUN = """\
Building DAG of jobs...
[Tue Dec  1 10:43:01 2026]
rule bwa_mem:
    input: a.fq
    jobid: 3
    benchmark: benchmarks/bwa_mem/S1/L001.tsv
    wildcards: sample=S1, unit=L001
    threads: 2
[Tue Dec  1 10:43:01 2026]
rule merge_markdup:
    jobid: 1
    wildcards: sample=S1
    threads: 2
[Tue Dec  1 10:43:01 2026]
    rule qc_summary:
        input: results/patients/P1/qc.tsv
        jobid: 2
[Tue Dec  1 10:43:01 2026]
localrule all:
    jobid: 0
    reason: Forced execution
"""


def _d3dag(rules: dict[int, str], edges: list[tuple[int, int]]) -> str:
    nodes = [{"id": i, "value": {"jobid": i, "label": r, "rule": r}} for i, r in rules.items()]
    return json.dumps({"nodes": nodes, "edges": [{"u": u, "v": v} for u, v in edges]})


def test_dag_jobs_join_the_dry_run_listing_and_the_edges():
    graph = _d3dag({0: "all", 1: "merge_markdup", 2: "qc_summary", 3: "bwa_mem"}, [(3, 1), (1, 0)])
    jobs = {job.id: job for job in model.dag_jobs(DRY_RUN, graph)}
    assert (jobs[2].rule, jobs[2].threads) == ("qc_summary", 1)
    assert (jobs[3].rule, jobs[3].key, jobs[3].threads, jobs[3].deps) == (
        "bwa_mem",
        "sample=S1",
        2,
        (),
    )
    assert (jobs[1].deps, jobs[0].deps, jobs[0].threads) == ((3,), (1,), 1)


def test_dag_jobs_refuse_a_listing_of_another_dag():
    graph = _d3dag({0: "all", 1: "fastp", 2: "qc_summary", 3: "bwa_mem"}, [])
    with pytest.raises(RuntimeError, match="disagree about job 1"):
        model.dag_jobs(DRY_RUN, graph)


# --------------------------------------------------------------------------- report lines


def test_chunk_verdicts_say_missed_and_the_chunk_size_that_would_not_be():
    rows = [
        {"rule": "germline_call", "ratio": 1.2, "per_chunk_fixed_s": 0.13, "cpu_s_1": 4.13},
        {"rule": "somatic_calls", "ratio": 1.1, "per_chunk_fixed_s": 0.1, "cpu_s_1": 10.0},
    ]
    chunking = {
        "rows": rows,
        "calling_ratio": 1.08,
        "max_over_mean": 1.2,
        "projected_scatter_ratio": {WGS.name: 1.0003},
    }
    first, second = report._chunk_verdicts({"chunking": chunking, "chunks": 8, "size_mb": 1.0})
    assert "1.080x the CPU with 8 chunks" in first and "MISSED" in first
    # 0.13 s per chunk against 4 s of work per Mb: 0.13 / (0.05 x 4) = 0.65 Mb
    assert "up to 1.200x (germline_call): 0.13 s more per chunk against" in first
    assert "4.0 s of work per Mb, so chunks need at least 0.65 Mb" in first
    assert "1.0003x" in first
    assert "1.20x the mean" in second and second.endswith("met.")
    chunking["max_over_mean"] = None  # the chunks ran inside one job
    second = report._chunk_verdicts({"chunking": chunking, "chunks": 8, "size_mb": 1.0})[1]
    assert second.startswith("Chunk balance, 1 Mb: not assessable") and "MISSED" not in second


def test_command_names_only_options_that_differ_from_the_defaults(tmp_path):
    assert tp.Settings(tmp_path, tmp_path).command() == "icope bench throughput"
    assert tp.Settings(tmp_path, tmp_path, chunks=16, cores=4).command() == (
        "icope bench throughput --chunks 16 --cores 4"
    )


# --------------------------------------------------------------------------- the probe


def test_the_probe_records_each_jobs_cpu_exactly(tmp_path):
    """A job burning 0.8 s of CPU in a process that exits at once: the probe's rusage sees
    all of it; Snakemake's sampling sees at most what it caught before the exit."""
    burn = "import time; t = time.process_time()\\nwhile time.process_time() - t < 0.8: pass"
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(
            f"""\
            rule burn:
                output: "done"
                benchmark: "benchmarks/burn.tsv"
                shell: "{sys.executable} -c '{burn}' && touch {{output}}"
            """
        )
    )
    probe = tmp_path / "probe.jsonl"
    command = [sys.executable, "-m", "icope.bench.throughput", "--cores", "1"]
    result = subprocess.run(
        command + ["--directory", str(tmp_path), "--snakefile", str(tmp_path / "Snakefile")],
        env=tp._probe_env(probe),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in probe.read_text().splitlines()]
    job = next(r for r in records if r.get("benchmark") == "benchmarks/burn.tsv")
    assert 0.8 <= job["cpu_s"][0] < 2.0
    totals = records[-1]
    assert totals["children_cpu_s"] >= job["cpu_s"][0] and totals["snakemake_cpu_s"] > 0
    sampled = pd.read_csv(tmp_path / "benchmarks" / "burn.tsv", sep="\t")["cpu_time"]
    assert math.isnan(pd.to_numeric(sampled, errors="coerce").iloc[0]) or sampled.iloc[0] <= 0.9


def test_targets_are_called_in_the_templates_chunks():
    template = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    assert {target.chunks for target in model.TARGETS} == {template["calling"]["chunks"]}


def test_rules_whose_cpu_is_mostly_start_up_are_named():
    table = pd.DataFrame(
        {
            "rule": ["cnvkit_tumour", "bwa_mem", "patient_report", "somatic_method_call"],
            "scaling": ["reads", "reads", "fixed", "sites"],
            "jobs": [1, 2, 1, 1],
            "cpu_s": [3.0, 30.0, 0.5, 0.01],
            "start_s": [2.9, 0.5, 0.5, 0.01],
        }
    )
    # fixed rules are all start-up by design; 0.01 s is below what can be measured
    assert tp.startup_dominated(table) == ["cnvkit_tumour"]


def test_the_command_refuses_a_chunked_run_of_one_chunk():
    from click.testing import CliRunner

    from icope.cli import main

    arguments = ["bench", "throughput", "--chunks", "1", "--workflow-dir", str(REPO)]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2 and "must be at least 2" in result.output


def test_a_run_whose_probe_measured_no_job_is_an_error(tmp_path):
    _bench(tmp_path / "benchmarks/fastp_bwa_mem/S1/L001.tsv", 5.0, "3.5")
    records = [
        {"benchmark": "benchmarks/fastp_bwa_mem/S1/L001.tsv", "cpu_s": [None]},
        {"snakemake_cpu_s": 1.0, "children_cpu_s": 4.0},
    ]
    (tmp_path / tp.PROBE_FILE).write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "snakemake.log").write_text("1 of 1 steps (100%) done\n")
    with pytest.raises(RuntimeError, match="the probe measured no job"):
        tp._read_run(tmp_path, 10.0)
    records[0]["cpu_s"] = [4.0]
    (tmp_path / tp.PROBE_FILE).write_text("".join(json.dumps(r) + "\n" for r in records))
    run = tp._read_run(tmp_path, 10.0)
    assert (run.steps, run.snakemake_cpu_s, run.jobs["cpu_s"].tolist()) == (1, 1.0, [4.0])
