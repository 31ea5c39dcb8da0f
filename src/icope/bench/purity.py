"""Purity/ploidy and two-hit benchmark (``icope bench purity``).

Two parts, both on data simulated here with their own seeds:

1. **Read level** (``read_level_purity``): the chr21 pair of :func:`icope.bench.run.simulated_pair`
   (a few hundred kb, normal 30x, tumour 60x, one copy-loss LOH segment of a tenth of the
   region) at purity 0.4, 0.6 and 0.8, run through the workflow up to ``cnv_segments``; the
   estimate in ``purity.json`` against the simulated purity.
2. **Count level** (``count_level_purity``, ``two_hit_scenarios``): CNVkit-like bins (log2 with
   Gaussian scatter, median-centred as CNVkit does) and het-SNP allele counts (binomial at the
   state's expected BAF) of genomes of several segments with known allele-specific states, at
   purity 0.4/0.6/0.8 over many seeds; and, for the two-hit call, a germline het variant with
   nearby het SNPs in four scenarios (mutant retained with the wild type lost by LOH, mutant
   lost by LOH, somatic LoF with both alleles kept, no second hit), each with a lone
   single-method somatic false positive in half of the seeds. The statistical models are
   exercised on exactly the data they assume (no mapping or caller error): the read-level runs
   say how the whole chain behaves.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from icope.somatic.cnv import BAF_COLUMNS, mirrored

PURITIES = (0.4, 0.6, 0.8)
#: Allele-specific states (total, minor) of the count-level genomes: mostly 1+1 with a copy
#: loss, a CN-LOH, an unbalanced gain and a balanced gain, in random order per seed.
GENOME_STATES = [(2, 1)] * 6 + [(1, 0), (2, 0), (3, 1), (4, 2)]


@dataclass(frozen=True)
class CountDesign:
    """A count-level tumour: bins and het SNPs per segment, depths and scatter."""

    bins_per_segment: int = 40
    snps_per_segment: int = 20
    tumour_depth: int = 60
    bin_sd: float = 0.15
    bin_size: int = 5000


def expected_ratio(purity: float, total: int) -> float:
    return (purity * total + 2 * (1 - purity)) / 2


def synthetic_tumour(
    purity: float,
    states: list[tuple[int, int]],
    rng: np.random.Generator,
    design: CountDesign = CountDesign(),  # noqa: B008 - frozen, immutable
    chrom: str = "chr1",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(bins, segments, baf) tables as the workflow's CNVkit and BAF rules write them.

    Segment k spans ``bins_per_segment`` bins; log2 ratios are median-centred over all bins
    (CNVkit's recentring); each SNP's tumour alt count is binomial at the state's minor-allele
    fraction, on a random parental allele.
    """
    bins, segments, snps = [], [], []
    length = design.bins_per_segment * design.bin_size
    for k, (total, minor) in enumerate(states):
        start = k * length
        log2 = math.log2(max(expected_ratio(purity, total), 1e-3))
        values = log2 + rng.normal(0, design.bin_sd, design.bins_per_segment)
        for b, value in enumerate(values):
            s = start + b * design.bin_size
            bins.append((chrom, s, s + design.bin_size, "-", 1.0, value, 1.0))
        segments.append((chrom, start, start + length, float(np.mean(values))))
        denominator = purity * total + 2 * (1 - purity)
        b_minor = (purity * minor + 1 - purity) / denominator if denominator > 0 else 0.5
        positions = np.sort(
            rng.choice(np.arange(start + 1, start + length), design.snps_per_segment, replace=False)
        )
        depths = rng.poisson(design.tumour_depth, len(positions))
        for pos, depth in zip(positions, depths, strict=True):
            fraction = b_minor if rng.random() < 0.5 else 1 - b_minor
            alt = int(rng.binomial(depth, fraction))
            snps.append((chrom, int(pos), "A", "G", 30, 0.5, int(depth) - alt, alt, int(depth)))
    bins_table = pd.DataFrame(
        bins, columns=["chrom", "start", "end", "gene", "depth", "log2", "weight"]
    )
    centre = float(bins_table["log2"].median())
    bins_table["log2"] -= centre
    seg_table = pd.DataFrame(segments, columns=["chrom", "start", "end", "log2"])
    seg_table["log2"] -= centre
    seg_table["probes"] = design.bins_per_segment
    baf = pd.DataFrame(snps, columns=BAF_COLUMNS[:9])
    with np.errstate(invalid="ignore", divide="ignore"):
        baf["baf"] = np.where(
            baf["tumour_depth"] > 0, baf["tumour_alt"] / baf["tumour_depth"], np.nan
        )
    baf["baf_mirrored"] = mirrored(baf["baf"])
    return bins_table, seg_table, baf


# --- count level: purity ----------------------------------------------------------------------


def count_level_purity(purities=PURITIES, seeds: int = 20) -> pd.DataFrame:
    """Purity/ploidy estimates on count-level genomes (:data:`GENOME_STATES`, shuffled)."""
    from icope.somatic.cnv import fit_segments

    rows = []
    for purity in purities:
        for seed in range(seeds):
            rng = np.random.default_rng([int(purity * 100), seed])
            states = list(GENOME_STATES)
            rng.shuffle(states)
            bins, segments, baf = synthetic_tumour(purity, states, rng)
            table, fit = fit_segments(bins, segments, baf, {"chr1": 10**8})
            called = list(zip(table["total_cn"], table["minor_cn"], strict=True))
            rows.append(
                {
                    "level": "counts",
                    "purity": purity,
                    "seed": seed,
                    "estimate": fit.purity,
                    "low": fit.purity_interval[0] if fit.purity_interval else None,
                    "high": fit.purity_interval[1] if fit.purity_interval else None,
                    "ploidy_true": float(np.mean([s[0] for s in states])),
                    "ploidy": round(fit.ploidy, 3),
                    "states_correct": sum(
                        (int(t), int(m)) == s for (t, m), s in zip(called, states, strict=True)
                    )
                    / len(states),
                }
            )
    return pd.DataFrame(rows)


def purity_summary(estimates: pd.DataFrame) -> pd.DataFrame:
    """Per level and purity: runs, mean/max absolute error, share within 0.1, interval cover."""
    rows = []
    for (level, purity), group in estimates.groupby(["level", "purity"], sort=False):
        error = (group["estimate"] - purity).abs()
        covered = (group["low"] <= purity) & (group["high"] >= purity)
        rows.append(
            {
                "level": level,
                "purity": purity,
                "runs": len(group),
                "mean_estimate": round(float(group["estimate"].mean()), 3),
                "mean_abs_error": round(float(error.mean()), 3),
                "max_abs_error": round(float(error.max()), 3),
                "within_0.1": round(float((error <= 0.1).mean()), 3),
                "interval_covers": round(float(covered.mean()), 3),
                "mean_ploidy_error": round(
                    float((group["ploidy"] - group["ploidy_true"]).abs().mean()), 3
                ),
            }
        )
    return pd.DataFrame(rows)


# --- count level: two-hit ---------------------------------------------------------------------

#: Scenario -> (state of the variant's segment, mutant on the major allele?, confirmed somatic
#: LoF?, the mechanism or outcome that is correct).
TWO_HIT_SCENARIOS = {
    "retained (copy-loss LOH)": ((1, 0), True, False, "copy-loss LOH"),
    "retained (copy-neutral LOH)": ((2, 0), True, False, "copy-neutral LOH"),
    "lost (LOH removed the mutant)": ((1, 0), False, False, "not found"),
    "somatic LoF": ((2, 1), True, True, "somatic LoF"),
    "no second hit": ((2, 1), True, False, "not found"),
}
VARIANT = {"gene": "TP53", "chrom": "chr1", "ref": "C", "alt": "T", "acmg_class": "Pathogenic"}


def _somatic_table(confirmed: bool, lone_false_positive: bool, pos: int) -> pd.DataFrame:
    rows = []
    if confirmed:
        rows.append(("PASS", "TP53", "chr1", pos + 300, "G", "A", "stop_gained", 0.3, 2, 40.0))
    if lone_false_positive:
        # issue 12's false positive: pileup only, TAF 0.06, TLOD ~5.5
        rows.append(("PASS", "TP53", "chr1", pos + 700, "C", "A", "stop_gained", 0.06, 1, 5.5))
    columns = ["filter", "all_genes", "chrom", "pos", "ref", "alt", "consequence", "tumour_af"]
    return pd.DataFrame(rows, columns=[*columns, "pass_methods", "tlod"])


def two_hit_run(
    scenario: str,
    seed: int,
    purity: float,
    design: CountDesign = CountDesign(),  # noqa: B008
) -> dict:
    """One simulated tumour of a scenario through the fit and the two-hit call."""
    from icope.germline.two_hit import assess
    from icope.somatic.cnv import fit_segments

    state, mutant_major, confirmed, correct = TWO_HIT_SCENARIOS[scenario]
    rng = np.random.default_rng([seed, len(scenario), int(purity * 100)])
    states = [(2, 1), (2, 1), (3, 1), state, (2, 1), (1, 0)]
    bins, segments, baf = synthetic_tumour(purity, states, rng, design)
    table, fit = fit_segments(bins, segments, baf, {"chr1": 10**8})
    length = design.bins_per_segment * design.bin_size
    pos = 3 * length + length // 2
    total, minor = state
    major_share = 1 - float(minor_fraction_of(purity, total, minor))
    vaf = major_share if mutant_major else 1 - major_share
    depth = int(rng.poisson(design.tumour_depth))
    alt = int(rng.binomial(depth, vaf))
    normal_depth = int(rng.poisson(30))
    normal_alt = int(rng.binomial(normal_depth, 0.5))
    lone = bool(seed % 2)
    variant = VARIANT | {
        "pos": pos, "vaf": normal_alt / max(normal_depth, 1), "depth": normal_depth,
        "alt_depth": normal_alt,
    }  # fmt: skip
    result = assess(
        variant, "SIM", "SIM_T", None, table, _somatic_table(confirmed, lone, pos),
        purity=fit.as_json(), baf=baf, tumour_counts=(depth - alt, alt),
    )  # fmt: skip
    outcome = result.mechanism if result.second_hit == "found" else result.second_hit
    return {
        "scenario": scenario,
        "purity": purity,
        "seed": seed,
        "lone_false_positive": lone,
        "estimated_purity": fit.purity,
        "tumour_vaf": result.tumour_vaf,
        "allelic": result.allelic_imbalance,
        "second_hit": result.second_hit,
        "outcome": outcome,
        "correct": outcome == correct,
        "found_from_lone_call": lone and not confirmed and "somatic LoF" in result.mechanism,
    }


def minor_fraction_of(purity, total, minor):
    from icope.somatic.purity import minor_fraction

    return minor_fraction(purity, total, minor)


def _ceiling(scenario: str, purity: float) -> float | None:
    """:func:`loh_power` for the LOH scenarios; None where the call does not rest on it."""
    state, mutant_major, confirmed, _ = TWO_HIT_SCENARIOS[scenario]
    if confirmed or state[1] != 0:
        return None
    return loh_power(purity, state, mutant_major)


def two_hit_scenarios(purities=PURITIES, seeds: int = 20) -> pd.DataFrame:
    runs = [
        two_hit_run(scenario, seed, purity)
        for scenario in TWO_HIT_SCENARIOS
        for purity in purities
        for seed in range(seeds)
    ]
    return pd.DataFrame(runs)


def loh_power(
    purity: float,
    state: tuple[int, int],
    mutant_major: bool,
    depth: float = CountDesign.tumour_depth,
    min_log_lr: float | None = None,
) -> float:
    """The share of tumours in which the variant's own reads can decide retained vs lost: the
    probability that ln LR(retained vs lost) reaches ``min_log_lr`` in the true direction, with
    the depth Poisson(``depth``), the alt reads binomial at the true VAF, the purity known and
    no allele bias. The ceiling of the `correct` share of an LOH cell: nearby het SNPs show
    the imbalance but not which allele it favours (their phase is unknown)."""
    from icope.germline.two_hit import TwoHitSettings

    threshold = TwoHitSettings().min_log_lr if min_log_lr is None else min_log_lr
    total, minor = state
    major = 1 - float(minor_fraction_of(purity, total, minor))
    step = math.log(major / (1 - major))  # ln LR per alt read beyond half the depth, x 2
    vaf = major if mutant_major else 1 - major

    def log_pmf(k: int, n: int) -> float:
        return (
            math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(vaf) + (n - k) * math.log1p(-vaf)
        )  # fmt: skip

    power = 0.0
    for n in range(1, int(depth + 12 * math.sqrt(depth)) + 1):
        # ln LR = (2k - n) * step: retained needs k >= (n + t / step) / 2,
        # lost k <= (n - t / step) / 2
        if mutant_major:
            ks = range(max(0, math.ceil((n + threshold / step) / 2)), n + 1)
        else:
            ks = range(0, min(n, math.floor((n - threshold / step) / 2)) + 1)
        share = sum(math.exp(log_pmf(k, n)) for k in ks)
        power += math.exp(n * math.log(depth) - depth - math.lgamma(n + 1)) * share
    return round(power, 3)


def two_hit_summary(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (scenario, purity), group in runs.groupby(["scenario", "purity"], sort=False):
        outcomes = group["outcome"].value_counts().to_dict()
        rows.append(
            {
                "scenario": scenario,
                "purity": purity,
                "seeds": len(group),
                "correct": round(float(group["correct"].mean()), 3),
                "wrong": int(
                    ((~group["correct"]) & (group["second_hit"] != "not assessable")).sum()
                ),
                "found_from_lone_call": int(group["found_from_lone_call"].sum()),
                "outcomes": "; ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
                "ceiling": _ceiling(scenario, purity),
            }
        )
    return pd.DataFrame(rows)


# --- read level -----------------------------------------------------------------------------

READ_REGION = "chr21:1-400000"
TUMOUR = "SIM_T"


def read_level_purity(
    data_dir: Path,
    workdir: Path,
    purities=PURITIES,
    seed: int = 1,
    region: str = READ_REGION,
    workflow_dir: Path | None = None,
) -> pd.DataFrame:
    """The workflow's purity estimate on simulated read pairs (module docstring, part 1)."""
    from icope.bench.run import loh_recovered, run_workflow, simulated_pair

    rows = []
    for purity in purities:
        run_dir = workdir / f"purity_{purity}_seed{seed}"
        run_dir.mkdir(parents=True, exist_ok=True)
        simulation, config = simulated_pair(
            data_dir, run_dir, region, 30, 60, purity, seed, workflow_dir=workflow_dir
        )
        cnv = f"results/cnv/{TUMOUR}/{TUMOUR}"
        targets = [f"{cnv}.purity.json", f"{cnv}.segments.tsv"]
        run_workflow(run_dir, config, targets, workflow_dir=workflow_dir)
        fit = json.loads((run_dir / f"{cnv}.purity.json").read_text())
        loh = loh_recovered(simulation / "truth" / "loh.bed", run_dir / f"{cnv}.segments.tsv")
        interval = fit.get("purity_interval") or [None, None]
        rows.append(
            {
                "level": "reads",
                "purity": purity,
                "seed": seed,
                "estimate": fit["purity"],
                "low": interval[0],
                "high": interval[1],
                "ploidy_true": None,
                "ploidy": fit["ploidy"],
                "status": fit["status"],
                "loh_call": ";".join(str(x["call"]) for x in loh),
                "loh_found": all(x["found"] for x in loh),
            }
        )
    return pd.DataFrame(rows)


#: Issue 12's defect: a loss over most of a short contig, at purity 0.7 (CNVkit's recentring
#: put it at log2 ~0 and the retained rest looked like a gain).
SHORT_CONTIG = {"region": "chr21:1-300000", "loh": "chr21:30001-270000", "purity": 0.7}


def read_level_short_contig_loss(
    data_dir: Path, workdir: Path, seed: int = 1, workflow_dir: Path | None = None
) -> pd.DataFrame:
    """One workflow run on a pair whose 1+0 loss covers 80 % of the simulated contig."""
    from icope.bench.run import (
        SEGMENT_BED,
        SEGMENT_FASTA,
        SEGMENT_TRUTH,
        base_config,
        loh_recovered,
        run_workflow,
    )
    from icope.bench.sim_model import SimulationParams
    from icope.bench.simulate import run_simulation

    run_dir = workdir / f"short_contig_loss_seed{seed}"
    outdir = run_dir / "simulation"
    if not (outdir / "samples.tsv").exists():
        run_simulation(
            SimulationParams(
                data_dir / SEGMENT_FASTA, data_dir / SEGMENT_TRUTH, outdir,
                region=SHORT_CONTIG["region"], confident_bed=data_dir / SEGMENT_BED,
                normal_depth=30, tumour_depth=60, purity=SHORT_CONTIG["purity"],
                n_somatic_snv=20, n_somatic_indel=0, loh=SHORT_CONTIG["loh"], seed=seed,
                patient="SIM",
            )
        )  # fmt: skip
    config = base_config(
        outdir, str(outdir / "reference.fa"), outdir / "samples.tsv", outdir / "units.tsv",
        "chr21_short_contig_loss", workflow_dir=workflow_dir,
    )  # fmt: skip
    cnv = f"results/cnv/{TUMOUR}/{TUMOUR}"
    targets = [f"{cnv}.purity.json", f"{cnv}.segments.tsv"]
    run_workflow(run_dir, config, targets, workflow_dir=workflow_dir)
    fit = json.loads((run_dir / f"{cnv}.purity.json").read_text())
    loh = loh_recovered(outdir / "truth" / "loh.bed", run_dir / f"{cnv}.segments.tsv")
    interval = fit.get("purity_interval") or [None, None]
    row = {
        "level": "reads, loss over 80 % of the contig",
        "purity": SHORT_CONTIG["purity"], "seed": seed, "estimate": fit["purity"],
        "low": interval[0], "high": interval[1], "ploidy_true": None, "ploidy": fit["ploidy"],
        "status": fit["status"], "loh_call": ";".join(str(x["call"]) for x in loh),
        "loh_found": all(x["found"] for x in loh),
    }  # fmt: skip
    return pd.DataFrame([row])


# --- the command ------------------------------------------------------------------------------

SECTION = "purity"
SUMMARY_COLUMNS = [
    "level", "purity", "runs", "mean_estimate", "mean_abs_error", "max_abs_error", "within_0.1",
    "interval_covers", "mean_ploidy_error",
]  # fmt: skip
TWO_HIT_COLUMNS = ["scenario", "purity", "seeds", "correct", "wrong", "found_from_lone_call"]
TWO_HIT_COLUMNS += ["ceiling", "outcomes"]


def purity_benchmark(
    data_dir: Path,
    workdir: Path,
    docs: Path,
    *,
    seeds: int = 20,
    read_seeds: tuple[int, ...] = (1,),
    workflow_dir: Path | None = None,
    progress=print,
) -> tuple[pd.DataFrame, dict]:
    """Every part of the benchmark; writes the ``purity`` section of docs/benchmarks.md."""
    from icope.bench.run import write_section

    progress(f"count-level purity: {len(PURITIES)} purities x {seeds} seeds")
    estimates = [count_level_purity(PURITIES, seeds)]
    for seed in read_seeds:
        progress(f"read-level purity, seed {seed}: {len(PURITIES)} workflow runs")
        estimates.append(read_level_purity(data_dir, workdir, seed=seed, workflow_dir=workflow_dir))
    progress("read-level: a loss over 80 % of a short contig, purity 0.7")
    estimates.append(read_level_short_contig_loss(data_dir, workdir, workflow_dir=workflow_dir))
    estimates = pd.concat(estimates, ignore_index=True)
    progress(f"two-hit: {len(TWO_HIT_SCENARIOS)} scenarios x {len(PURITIES)} purities x {seeds}")
    runs = two_hit_scenarios(PURITIES, seeds)
    table = purity_summary(estimates)
    reads = estimates[estimates["level"].str.startswith("reads")]
    info = {
        "command": f"icope bench purity --seeds {seeds} --read-seeds "
        + ",".join(str(s) for s in read_seeds),
        "read_runs": reads.drop(columns=["ploidy_true"]).to_dict("records"),
        "two_hit": two_hit_summary(runs).to_dict("records"),
        "two_hit_total": {
            "runs": len(runs),
            "correct": round(float(runs["correct"].mean()), 4),
            "wrong": int(((~runs["correct"]) & (runs["second_hit"] != "not assessable")).sum()),
            "not_assessable": int((runs["second_hit"] == "not assessable").sum()),
            "found_from_lone_call": int(runs["found_from_lone_call"].sum()),
        },
    }
    write_section(docs, SECTION, table, info)
    return table, info


def section_lines(info: dict, table: pd.DataFrame) -> list[str]:
    """The section of docs/benchmarks.md."""
    from icope.bench.run import markdown_table

    reads = pd.DataFrame(info["read_runs"])
    two_hit = pd.DataFrame(info["two_hit"])
    total = info["two_hit_total"]
    read_columns = ["level", "purity", "seed", "estimate", "low", "high", "ploidy", "status"]
    read_columns += ["loh_call"]
    return [
        "## Purity, ploidy and the two-hit call",
        "",
        f"Command: `{info['command']}`. Purity and ploidy fitted from segment log2 and het-SNP "
        "allele counts together (`cnv_segments`, `icope.somatic.purity`); target: estimate "
        "within ±0.1 of the truth at purity 0.4, 0.6 and 0.8. `counts`: CNVkit-like bins "
        "(log2 scatter 0.15, median-centred) and het-SNP counts (binomial, 60x) of genomes of "
        "10 segments (six 1+1, one each of 1+0, 2+0, 2+1, 2+2, shuffled), one per seed; "
        "`reads`: the workflow on the simulated chr21 pair (400 kb, normal 30x, tumour 60x, one "
        "1+0 LOH segment, the rest 1+1; and, issue 12's defect, a 300 kb pair at purity 0.7 "
        "whose 1+0 loss covers 80 % of the contig, so CNVkit's median-centring puts the loss "
        "at log2 ~0). `interval_covers`: share of runs whose 95 % "
        "profile-likelihood interval holds the truth.",
        "",
        markdown_table(table, SUMMARY_COLUMNS, digits=3),
        "Read-level runs (`loh_call`: the call of the segment best overlapping the simulated LOH):",
        "",
        markdown_table(reads, [c for c in read_columns if c in reads], digits=3),
        "Two-hit scenarios on count-level tumours (the germline het variant in a segment of the "
        "given state, 20 het SNPs per segment at 60x, purity from the fit; every odd seed adds a "
        "lone single-method PASS stop_gained call, TAF 0.06, TLOD 5.5, in the gene). `correct`: "
        "the expected mechanism (copy-loss LOH, copy-neutral LOH, somatic LoF) or `not found`; "
        "`wrong`: a conclusive but incorrect outcome (anything other than `not assessable`); "
        "target: >= 95 % correct, no `found` from the lone call. `ceiling`: see below.",
        "",
        markdown_table(two_hit, [c for c in TWO_HIT_COLUMNS if c in two_hit], digits=3),
        f"- Overall: {total['runs']} runs, {100 * total['correct']:.1f} % correct, "
        f"{total['wrong']} wrong, {total['not_assessable']} not assessable, "
        f"{total['found_from_lone_call']} found from a lone single-method call.",
        *_shortfall_notes(two_hit),
        "- Simulated counts follow the model's own assumptions (no mapping bias, "
        "overdispersion or caller error); the read-level rows test the whole chain.",
        "",
    ]


def _shortfall_notes(two_hit: pd.DataFrame) -> list[str]:
    """A note naming the cells below the 95 % target and why."""
    short = two_hit[two_hit["correct"] < 0.95]
    if short.empty:
        return ["- Every cell meets the 95 % target."]
    cells = "; ".join(
        f"{r.scenario} at purity {r.purity}: {100 * r.correct:.0f} %" for r in short.itertuples()
    )
    return [
        f"- Below the 95 % target: {cells}. The runs that miss are `not assessable`, none wrong: "
        "which allele was lost rests on the variant's own reads (the nearby SNPs' phase is "
        "unknown), and at purity 0.4 and 60x a 1+0 LOH expects VAF 0.625 against 0.375. "
        "`ceiling` is the share of tumours whose variant reads reach the ln LR 4.6 (100:1) the "
        "call needs (`two_hit.min_log_lr`) at all (exact binomial, known purity, no allele "
        "bias): no method that does not phase the variant with the SNPs can exceed it, and the "
        "95 % target lies above it at purity 0.4. The runs fall below the ceiling because the "
        "allele-bias correction from the 30x normal's own reads at the variant (shrunk by "
        "NORMAL_PSEUDO) adds noise; without it 40 seeds give 80 % and 80 %, the ceiling "
        "within sampling error, "
        "but real reads have reference bias the simulation lacks. Lowering min_log_lr to 3.0 "
        "(20:1) would lift the ceiling to about 89 %, still under 95 %, at a higher risk of a "
        "wrong allele."
    ]
