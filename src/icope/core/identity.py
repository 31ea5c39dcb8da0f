"""Sample identity: genotype concordance between a patient's samples, and sex from X/Y depth.

Genotypes come from ``bcftools mpileup | bcftools call -m -C alleles`` at common SNPs of the
configured population file (rule ``identity_sites``: biallelic SNPs with a population allele
frequency in ``identity.min_af``-``identity.max_af``), run for each of a patient's samples in
turn by rule ``identity_check`` (:func:`genotype_patient`: one pileup per sample, so a sample's
genotypes never depend on the others'), which writes them as one table per patient (sample,
CHROM, POS, REF, ALT, GT, AD) beside identity.json.

Every pair compares one sample (``sample_b``) with the patient's reference sample
(``sample_a``: the first normal, else the first tumour). A site is compared when both samples
have at least ``min_depth`` reads there (after the base and mapping quality filters) and
``sample_a`` has a called genotype. It is **concordant** when every allele seen in
``sample_b`` is in ``sample_a``'s genotype: an allele is seen when at least
``min_allele_reads`` reads and ``min_allele_fraction`` of the site's reads carry it. Loss of
heterozygosity in a tumour and allele-specific (or monoallelic) expression in RNA remove an
allele, they never add one, so neither counts as discordance; another individual's sample
shows alleles the normal does not carry. ``identical_genotypes`` counts the sites where the
called genotypes are also equal (DNA samples only). Pairs with RNA use their own, lower bar
(``min_rna_concordance``): RNA reads of paralogous genes and RNA editing add alleles the DNA
lacks.

Sex: mean depth of chrX and chrY over the autosomal mean (mosdepth summaries), on normal
samples only (a tumour's X/Y copy number is not its sex; RNA depth follows expression).
"""

from __future__ import annotations

import gzip
import logging
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MATCH, MISMATCH, NOT_ASSESSABLE = "match", "MISMATCH", "not assessable"
PASS = "pass"
AUTOSOME = re.compile(r"^(chr)?([1-9]|1[0-9]|2[0-2])$")
X_NAMES, Y_NAMES = ("chrX", "X"), ("chrY", "Y")


class Reason(str):
    """Why a sample (or the patient) has no genotype table, e.g. "not assessed: no RNA
    alignment"."""


@dataclass(frozen=True)
class SiteCall:
    """One sample's call at one site: allele indices of its genotype (None: not called) and
    read counts per allele (ref first)."""

    genotype: frozenset[int] | None
    genotype_text: str
    allele_depths: tuple[int, ...]

    @property
    def depth(self) -> int:
        return sum(self.allele_depths)


def parse_call(gt: str, ad: str) -> SiteCall:
    """A bcftools query GT and AD cell pair.

    >>> parse_call("0/1", "12,9").genotype == frozenset({0, 1})
    True
    >>> parse_call("./.", ".").genotype is None, parse_call("./.", ".").depth
    (True, 0)
    """
    alleles = [a for a in re.split(r"[/|]", gt) if a not in (".", "")]
    genotype = frozenset(int(a) for a in alleles) if alleles else None
    depths = tuple(int(x) for x in ad.split(",") if x not in (".", ""))
    return SiteCall(genotype, gt, depths)


def read_genotypes(path) -> dict[tuple[str, int], SiteCall]:
    """One sample's genotype table (CHROM, POS, REF, ALT, GT, AD; no header)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as handle:
        return _calls(line.rstrip("\n").split("\t") for line in handle)


#: The per-patient genotype table's header (rule identity_check).
GENOTYPE_COLUMNS = ("sample", "chrom", "pos", "ref", "alt", "gt", "ad")


def genotype_command(bam, fasta, positions, alleles, thresholds: dict) -> str:
    """One sample's genotyping pipeline at the common SNPs: mpileup by the positions' index
    (a WGS BAM is not streamed), call -m constrained to the sites' alleles, hom-ref kept (half
    the evidence); a bash command printing CHROM, POS, REF, ALT, GT, AD rows.

    >>> cmd = genotype_command("a b.bam", "g.fa", "p.gz", "a.gz", {
    ...     "min_mapping_quality": 20, "min_base_quality": 13, "max_depth": 1000})
    >>> "-q 20 -Q 13 -d 1000" in cmd and "'a b.bam'" in cmd
    True
    """
    q = shlex.quote
    return (
        f"bcftools mpileup --no-version -f {q(str(fasta))} -R {q(str(positions))} "
        f"-q {q(str(thresholds['min_mapping_quality']))} "
        f"-Q {q(str(thresholds['min_base_quality']))} -d {q(str(thresholds['max_depth']))} "
        f"-a FORMAT/AD,FORMAT/DP -Ou {q(str(bam))} "
        f"| bcftools call --no-version -m -C alleles -T {q(str(alleles))} -Ou "
        "| bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT[\\t%GT\\t%AD]\\n'"
    )


def genotype_sample(bam, fasta, positions, alleles, thresholds: dict) -> list[list[str]]:
    """One sample's genotype rows (CHROM, POS, REF, ALT, GT, AD); bcftools' messages go to
    the log, a failure raises RuntimeError."""
    command = genotype_command(bam, fasta, positions, alleles, thresholds)
    log.info("running: %s", command)
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, check=False
    )
    for line in result.stderr.splitlines():
        log.info("bcftools: %s", line)
    if result.returncode != 0:
        raise RuntimeError(f"genotyping {bam} failed with exit code {result.returncode}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def genotype_patient(
    alignments: dict, fasta, positions, alleles, thresholds: dict, table
) -> dict[str, dict | Reason]:
    """Genotype each sample of ``alignments`` (sample -> BAM, or a Reason where there is
    none) in turn and write the patient's table (:data:`GENOTYPE_COLUMNS`, ``table``);
    returns sample -> calls by site (as :func:`read_genotypes`), or the Reason."""
    genotypes: dict[str, dict | Reason] = {}
    with open(table, "w") as out:
        out.write("\t".join(GENOTYPE_COLUMNS) + "\n")
        for sample, bam in alignments.items():
            if isinstance(bam, Reason):
                genotypes[sample] = bam
                continue
            rows = genotype_sample(bam, fasta, positions, alleles, thresholds)
            genotypes[sample] = _calls(rows)
            out.writelines("\t".join([sample, *row[:6]]) + "\n" for row in rows if len(row) >= 6)
            log.info("%s: %d sites genotyped", sample, len(rows))
    return genotypes


def read_patient_genotypes(table) -> dict[str, dict[tuple[str, int], SiteCall]]:
    """A patient's genotype table (rule identity_check) as sample -> calls by site."""
    rows: dict[str, list[list[str]]] = {}
    with open(table) as handle:
        next(handle, None)
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            rows.setdefault(fields[0], []).append(fields[1:])
    return {sample: _calls(sample_rows) for sample, sample_rows in rows.items()}


def _calls(rows) -> dict[tuple[str, int], SiteCall]:
    calls = {}
    for fields in rows:
        if len(fields) < 6:
            continue
        chrom, pos, _ref, _alt, gt, ad = fields[:6]
        calls[(chrom, int(pos))] = parse_call(gt, ad)
    return calls


def alleles_seen(call: SiteCall, min_reads: int, min_fraction: float) -> frozenset[int]:
    """Alleles carried by at least ``min_reads`` reads and ``min_fraction`` of the depth.

    >>> sorted(alleles_seen(parse_call("0/1", "40,3"), 2, 0.1))
    [0]
    >>> sorted(alleles_seen(parse_call("0/1", "40,6"), 2, 0.1))
    [0, 1]
    """
    depth = call.depth
    if not depth:
        return frozenset()
    return frozenset(
        i for i, n in enumerate(call.allele_depths) if n >= min_reads and n / depth >= min_fraction
    )


def compare_pair(
    calls_a: dict, calls_b: dict, rna: bool, thresholds: dict
) -> dict[str, int | float | None]:
    """Counts of one pair: sites compared, concordant, discordant, identical genotypes."""
    min_depth = thresholds["min_depth"]
    compared = concordant = identical = 0
    for site, a in calls_a.items():
        b = calls_b.get(site)
        if b is None or a.genotype is None or a.depth < min_depth or b.depth < min_depth:
            continue
        seen = alleles_seen(b, thresholds["min_allele_reads"], thresholds["min_allele_fraction"])
        if not seen:
            continue
        compared += 1
        concordant += seen <= a.genotype
        identical += not rna and b.genotype == a.genotype
    return {
        "sites_compared": compared,
        "concordant": concordant,
        "discordant": compared - concordant,
        "identical_genotypes": None if rna else identical,
        "concordance": round(concordant / compared, 4) if compared else None,
    }


def _sites(n: int) -> str:
    return f"{n} site" if n == 1 else f"{n} sites"


def pair_verdict(counts: dict, rna: bool, thresholds: dict) -> tuple[str, str]:
    """match / MISMATCH / not assessable, with the reason in words."""
    n, min_sites = counts["sites_compared"], thresholds["min_sites"]
    depth = thresholds["min_depth"]
    if n < min_sites:
        return (
            NOT_ASSESSABLE,
            f"only {n} common SNP site{'' if n == 1 else 's'} with depth >= {depth} in both, "
            f"need >= {min_sites}",
        )
    bar = thresholds["min_rna_concordance" if rna else "min_concordance"]
    share = f"{counts['concordant']}/{n} sites concordant ({counts['concordance']:.3f})"
    if counts["concordance"] >= bar:
        return MATCH, f"{share} >= {bar:g}: same individual"
    return (
        MISMATCH,
        f"{share} < {bar:g}: {_sites(counts['discordant'])} show alleles the other sample "
        "does not carry; the samples are probably from different individuals",
    )


def reference_sample(samples: dict) -> str | None:
    """The sample every other one is compared with: the first normal, else the first tumour."""
    for kind in ("normal", "tumour"):
        for name, meta in samples.items():
            if meta["type"] == kind:
                return name
    return None


@dataclass(frozen=True)
class Pair:
    sample_a: str
    sample_b: str
    rna: bool


def plan_pairs(samples: dict) -> list[Pair]:
    """(reference, other) for every other sample of the patient, in sheet order."""
    ref = reference_sample(samples)
    if ref is None:
        return []
    return [Pair(ref, name, meta["type"] == "rna") for name, meta in samples.items() if name != ref]


def assess_pair(pair: Pair, samples: dict, genotypes: dict, thresholds: dict) -> dict:
    """One entry of identity.json's ``pairs``; ``genotypes`` maps sample -> its calls by site
    (:func:`genotype_patient`) or a genotype table path, or to a reason string when the
    sample could not be genotyped."""
    row = {
        "sample_a": pair.sample_a,
        "type_a": samples[pair.sample_a]["type"],
        "sample_b": pair.sample_b,
        "type_b": samples[pair.sample_b]["type"],
        "comparison": (
            "alleles seen in RNA within the DNA genotype"
            if pair.rna
            else "alleles seen in sample_b within sample_a's genotype"
        ),
        "sites_compared": None,
        "concordant": None,
        "discordant": None,
        "identical_genotypes": None,
        "concordance": None,
    }
    missing = [
        genotypes[s] for s in (pair.sample_a, pair.sample_b) if isinstance(genotypes[s], Reason)
    ]
    if missing:
        return row | {"verdict": NOT_ASSESSABLE, "reason": "; ".join(dict.fromkeys(missing))}
    counts = compare_pair(
        _sample_calls(genotypes[pair.sample_a]),
        _sample_calls(genotypes[pair.sample_b]),
        pair.rna,
        thresholds,
    )
    verdict, reason = pair_verdict(counts, pair.rna, thresholds)
    return row | counts | {"verdict": verdict, "reason": reason}


def _sample_calls(genotypes) -> dict:
    return genotypes if isinstance(genotypes, dict) else read_genotypes(genotypes)


# --- sex -----------------------------------------------------------------------------------


def sex_contigs(fai) -> tuple[str | None, str | None]:
    """The reference's X and Y contig names (chrX/X, chrY/Y), None where absent."""
    names = {line.split("\t", 1)[0] for line in Path(fai).read_text().splitlines() if line}
    x = next((n for n in X_NAMES if n in names), None)
    y = next((n for n in Y_NAMES if n in names), None)
    return x, y


def read_contig_depths(summary) -> dict[str, tuple[float, float]]:
    """contig -> (length, bases) from a mosdepth summary; the ``<contig>_region`` rows (the
    depth over the targets) where mosdepth wrote them."""
    lines = Path(summary).read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line]
    regions = {r["chrom"][: -len("_region")]: r for r in rows if r["chrom"].endswith("_region")}
    chosen = regions or {r["chrom"]: r for r in rows}
    return {
        chrom: (float(r["length"]), float(r["bases"]))
        for chrom, r in chosen.items()
        if chrom != "total"
    }


def depth_ratios(
    depths: dict[str, tuple[float, float]], x: str, y: str
) -> tuple[float | None, float | None]:
    """chrX and chrY mean depth over the autosomal mean (None: no autosomal depth)."""
    auto_length = sum(length for c, (length, _) in depths.items() if AUTOSOME.match(c))
    auto_bases = sum(bases for c, (_, bases) in depths.items() if AUTOSOME.match(c))
    if not auto_length or not auto_bases:
        return None, None

    def ratio(contig):
        length, bases = depths.get(contig, (0.0, 0.0))
        return round((bases / length) / (auto_bases / auto_length), 4) if length else None

    return ratio(x), ratio(y)


def infer_sex(x_ratio: float | None, y_ratio: float | None, thresholds: dict) -> str | None:
    """female / male from the ratios, None when they fit neither."""
    if x_ratio is None or y_ratio is None:
        return None
    if x_ratio >= thresholds["min_female_x_ratio"] and y_ratio <= thresholds["max_female_y_ratio"]:
        return "female"
    if x_ratio <= thresholds["max_male_x_ratio"] and y_ratio >= thresholds["min_male_y_ratio"]:
        return "male"
    return None


def check_sex(
    sample: str, meta: dict, summary: str | None, contigs: tuple, thresholds: dict
) -> dict:
    """One entry of identity.json's ``sex``."""
    row = {
        "sample": sample,
        "type": meta["type"],
        "sheet_sex": meta["sex"],
        "inferred_sex": None,
        "x_ratio": None,
        "y_ratio": None,
    }
    x, y = contigs
    if x is None or y is None:
        absent = " and ".join(n for n, c in (("chrX", x), ("chrY", y)) if c is None)
        return row | {"verdict": NOT_ASSESSABLE, "reason": f"reference has no {absent}"}
    if meta["type"] == "rna":
        return row | {"verdict": NOT_ASSESSABLE, "reason": "RNA depth follows expression"}
    if summary is None:
        return row | {"verdict": NOT_ASSESSABLE, "reason": "no depth summary for the sample"}
    x_ratio, y_ratio = depth_ratios(read_contig_depths(summary), x, y)
    inferred = infer_sex(x_ratio, y_ratio, thresholds)
    row |= {"inferred_sex": inferred, "x_ratio": x_ratio, "y_ratio": y_ratio}
    ratios = f"X/autosome depth {x_ratio}, Y/autosome {y_ratio}"
    if meta["type"] == "tumour":
        reason = f"tumour: X/Y copy number (e.g. loss of Y) is not the sex; {ratios}"
        return row | {"verdict": NOT_ASSESSABLE, "reason": reason}
    if inferred is None:
        return row | {"verdict": NOT_ASSESSABLE, "reason": f"{ratios} fit neither sex"}
    if meta["sex"] == "unknown":
        reason = f"sheet sex unknown; inferred {inferred} ({ratios})"
        return row | {"verdict": NOT_ASSESSABLE, "reason": reason}
    if inferred == meta["sex"]:
        return row | {"verdict": MATCH, "reason": f"inferred {inferred} ({ratios})"}
    reason = f"sheet says {meta['sex']}, coverage says {inferred} ({ratios})"
    return row | {"verdict": MISMATCH, "reason": reason}


# --- per patient ---------------------------------------------------------------------------


def overall_verdict(pairs: list[dict], sex: list[dict]) -> tuple[str, str]:
    checks = pairs + sex
    mismatches = [c for c in checks if c["verdict"] == MISMATCH]
    if mismatches:
        names = ", ".join(
            f"{c['sample_a']} vs {c['sample_b']}" if "sample_a" in c else f"sex of {c['sample']}"
            for c in mismatches
        )
        return MISMATCH, f"identity check failed: {names}"
    matched = [c for c in checks if c["verdict"] == MATCH]
    if matched:
        return PASS, f"{len(matched)} of {len(checks)} checks match, none mismatches"
    if not pairs:
        why = "only one sample" if len(sex) == 1 else "no DNA sample to compare the others with"
        return NOT_ASSESSABLE, f"{why}: no pair to compare, and sex not assessable"
    return NOT_ASSESSABLE, "no check had enough evidence (see each pair and sample)"


def count_sites(path) -> int:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith("#"))


def assess_patient(
    patient: str,
    samples: dict,
    genotypes: dict,
    depth_summaries: dict,
    fai: str,
    sites: str | Reason,
    thresholds: dict,
) -> dict:
    """identity.json of one patient.

    ``samples``: sample -> metadata (type, sex) in sheet order; ``genotypes``: sample -> its
    calls by site (:func:`genotype_patient`), a genotype table path, or a Reason;
    ``depth_summaries``: sample -> mosdepth summary (DNA); ``sites``: the common-SNP table, or
    a Reason when there is none.
    """
    if isinstance(sites, Reason):
        genotypes = dict.fromkeys(samples, sites)
    pairs = [assess_pair(p, samples, genotypes, thresholds) for p in plan_pairs(samples)]
    contigs = sex_contigs(fai)
    sex = [
        check_sex(name, meta, depth_summaries.get(name), contigs, thresholds["sex"])
        for name, meta in samples.items()
    ]
    verdict, reason = overall_verdict(pairs, sex)
    return {
        "patient": patient,
        "sites_considered": None if isinstance(sites, Reason) else count_sites(sites),
        "pairs": pairs,
        "sex": sex,
        "verdict": verdict,
        "reason": reason,
        "thresholds": thresholds,
    }
