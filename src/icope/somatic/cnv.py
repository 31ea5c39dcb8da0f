"""Copy number, allelic imbalance and loss of heterozygosity of a tumour against its normal.

Three sources are combined per tumour:

1. **Copy ratio** (CNVkit, WGS mode): read depth in fixed-size bins of the tumour against a
   reference built from its matched normal, GC-corrected, segmented with circular binary
   segmentation (CBS, R DNAcopy). Output ``.cnr`` (bins) and ``.cns`` (segments), log2 ratios.
2. **B-allele frequency**: the normal's heterozygous germline SNPs (:func:`select_het_sites`)
   are counted in the tumour (``bcftools mpileup -a AD``); the tumour BAF is alt/(ref+alt) and
   the *mirrored* BAF ``|BAF - 0.5| + 0.5`` folds the two parental alleles together, so that
   allelic imbalance shows as a value above 0.5 whichever allele is lost or gained.
3. **Allele-specific segments** (:func:`fit_segments`): each CNVkit segment is split where the
   mirrored BAF of its SNPs changes sharply (to find copy-neutral LOH, which has no log2
   change); purity and ploidy are fitted over all pieces from log2 and BAF together
   (:mod:`icope.somatic.purity`: grid search, integer allele-specific states, likelihood per
   grid point, 95 % profile-likelihood interval), or a given purity is used; each piece gets
   its integer total and minor copy number at the best fit, and PASS SVs that support it.

Coordinates of bins and segments are 0-based, half-open (BED, as CNVkit writes them); SNP
positions are 1-based (VCF).

Calls from the state (:func:`state_call`): ``homozygous_deletion`` 0 copies; ``LOH_copy_loss``
1+0 (allelic state ``loss``); ``copy_neutral_LOH`` 2+0; ``LOH_gain`` 3+0 and more; ``neutral``
1+1 (``balanced``); ``gain`` 2+1 (``gain``) or 2+2 (``balanced_gain``) and more. With fewer
het SNPs than ``cnv.fit.min_het_snps`` the allelic state is ``not_assessable`` (the reason
says so) and the call comes from the total alone (``loss`` / ``neutral`` / ``gain``); a piece
with too few bins or no copy ratio is ``not_assessable``. ``state_reason`` gives observed and
expected log2 and mirrored BAF; ``mirrored_baf`` is the maximum-likelihood mirrored BAF of the
piece's SNPs (not pushed above 0.5 by binomial noise, unlike ``baf_mirrored_median``).
``cn_total``/``cn_minor`` are the unrounded copy numbers at the fitted purity, ``total_cn`` /
``minor_cn`` the integer state.
"""

from __future__ import annotations

import json
import logging
import math
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

from icope.core.rulelog import run_tool
from icope.somatic.purity import (
    FitSettings,
    PurityFit,
    SegmentEvidence,
    best_state,
    expected_log2,
    fit_purity,
    minor_fraction,
    mirrored_baf_estimate,
)

log = logging.getLogger("icope")

# --- CNVkit ---------------------------------------------------------------------------------

#: Bins per genome aimed at when choosing the bin size, and its bounds (bp). 5 kb bins on a
#: 1 Mb segment; 10 kb bins (about 300,000) on a human genome, usual for 30-60x WGS.
TARGET_BINS_PER_GENOME = 200
MIN_BIN_SIZE = 1_000
MAX_BIN_SIZE = 10_000
#: CNVkit drops reference bins below this log2 depth or above this spread (cnvlib.params).
CNVKIT_MIN_REF_LOG2 = -5.0
CNVKIT_MAX_REF_SPREAD = 1.0
#: Fewer usable reference bins than this and CNVkit is not run on the tumour: its GC/rolling
#: median correction needs a window of several bins, and CBS needs more than a handful.
MIN_USABLE_BINS = 20
#: CBS (R DNAcopy) is CNVkit's default and best-validated method.
SEGMENT_METHOD = "cbs"

CNR_COLUMNS = ["chromosome", "start", "end", "gene", "depth", "log2", "weight"]
CNS_COLUMNS = ["chromosome", "start", "end", "gene", "log2", "depth", "probes", "weight"]

# --- germline heterozygous SNPs -------------------------------------------------------------

#: A normal's SNP is used for BAF when heterozygous with this alt fraction and depth.
NORMAL_VAF_RANGE = (0.3, 0.7)
MIN_NORMAL_DEPTH = 10

BAF_COLUMNS = [
    "chrom",
    "pos",
    "ref",
    "alt",
    "normal_depth",
    "normal_vaf",
    "tumour_ref",
    "tumour_alt",
    "tumour_depth",
    "baf",
    "baf_mirrored",
]

SEGMENT_COLUMNS = [
    "chrom",
    "start",
    "end",
    "log2",
    "n_bins",
    "n_het_snps",
    "baf_mirrored_median",
    "call",
    "allelic_state",
    "baf_balanced_expected",
    "source",
    "cn_total",
    "cn_minor",
    "total_cn",
    "minor_cn",
    "state_reason",
    "n_het",
    "mirrored_baf",
    "supporting_svs",
]

CALLS = (
    "neutral",
    "gain",
    "loss",
    "LOH_copy_loss",
    "copy_neutral_LOH",
    "LOH_gain",
    "homozygous_deletion",
    "not_assessable",
)
#: Calls written to the LOH BED: LOH and copy losses.
LOH_BED_CALLS = ("LOH_copy_loss", "copy_neutral_LOH", "loss", "LOH_gain", "homozygous_deletion")
#: Calls of fewer copies than 1+1, which a PASS deletion SV supports; gains, a duplication.
LOSS_CALLS = ("loss", "LOH_copy_loss", "homozygous_deletion")
GAIN_CALLS = ("gain", "LOH_gain")
#: An SV supports a segment when they overlap by this share of the shorter of the two.
SV_MIN_OVERLAP = 0.5


@dataclass(frozen=True)
class CnvThresholds:
    """Thresholds of segment assessment and BAF splitting.

    A segment needs ``min_segment_bins`` bins to be assessed; SNPs count with tumour depth >=
    ``min_tumour_depth``. A segment is split by BAF where the mean mirrored BAF of the SNPs on
    each side differs with a two-sample t statistic >= ``split_min_t`` and the medians by >=
    ``split_min_shift``, with at least ``split_min_snps`` SNPs on each side. The allelic-state
    minimum of het SNPs is the fit's (:class:`icope.somatic.purity.FitSettings`).
    """

    min_segment_bins: int = 3
    min_tumour_depth: int = 10
    split_min_snps: int = 10
    split_min_shift: float = 0.1
    split_min_t: float = 5.0


def contig_lengths(fai) -> dict[str, int]:
    """Contig lengths from a FASTA index, in file order."""
    lengths = {}
    with open(fai) as handle:
        for line in handle:
            fields = line.split("\t")
            if len(fields) >= 2:
                lengths[fields[0]] = int(fields[1])
    return lengths


def wgs_bin_size(genome_length: int) -> int:
    """Bin size for CNVkit WGS mode: about 200 bins per genome, 1-10 kb, whole kb.

    >>> wgs_bin_size(1_000_001), wgs_bin_size(40_001), wgs_bin_size(3_100_000_000)
    (5000, 1000, 10000)
    """
    size = round(genome_length / TARGET_BINS_PER_GENOME, -3)
    return int(min(MAX_BIN_SIZE, max(MIN_BIN_SIZE, size)))


def reference_command(
    normal_bam, fasta, bin_size, reference, workdir, threads, extra: str = ""
) -> list[str]:
    """``cnvkit batch`` building a flat-free copy-number reference from one normal (WGS)."""
    return [
        "cnvkit",
        "batch",
        "--method",
        "wgs",
        "--normal",
        str(normal_bam),
        "--fasta",
        str(fasta),
        "--target-avg-size",
        str(bin_size),
        "--output-reference",
        str(reference),
        "--output-dir",
        str(workdir),
        "--processes",
        str(threads),
        *shlex.split(extra),
    ]


def tumour_command(
    tumour_bam, reference, workdir, threads, method=SEGMENT_METHOD, extra: str = ""
) -> list[str]:
    """``cnvkit batch`` of one tumour against a reference: bins (.cnr) and segments (.cns)."""
    return [
        "cnvkit",
        "batch",
        str(tumour_bam),
        "--method",
        "wgs",
        "--reference",
        str(reference),
        "--segment-method",
        method,
        "--drop-low-coverage",
        "--output-dir",
        str(workdir),
        "--processes",
        str(threads),
        *shlex.split(extra),
    ]


def _run(command: list[str], workdir) -> None:
    """Run cnvkit inside its scratch directory: without ``--access``, ``cnvkit batch`` writes
    the accessible-region BED it derives from the FASTA into the current directory."""
    run_tool(
        command,
        "cnvkit",
        log,
        cwd=workdir,
        keep=lambda line: "FutureWarning" not in line and "Int64Index" not in line,
    )


def _absolute(path) -> str:
    return str(Path(str(path)).resolve())


def build_reference(normal_bam, fasta, fai, reference, threads: int = 1, extra: str = "") -> int:
    """Build the CNVkit reference of a normal; returns the bin size used."""
    bin_size = wgs_bin_size(sum(contig_lengths(fai).values()))
    log.info("bin size %d bp", bin_size)
    reference = Path(reference)
    with tempfile.TemporaryDirectory(dir=reference.parent, prefix=".cnvkit_") as workdir:
        command = reference_command(
            _absolute(normal_bam),
            _absolute(fasta),
            bin_size,
            reference.resolve(),
            ".",
            threads,
            extra,
        )
        _run(command, workdir)
    return bin_size


def usable_reference_bins(reference) -> int:
    """Reference bins CNVkit keeps (enough normal depth, low spread)."""
    table = pd.read_csv(reference, sep="\t", dtype={"chromosome": str})
    if table.empty:
        return 0
    spread = table["spread"] if "spread" in table else pd.Series(0.0, index=table.index)
    usable = (table["log2"] > CNVKIT_MIN_REF_LOG2) & (spread.fillna(0) < CNVKIT_MAX_REF_SPREAD)
    return int(usable.sum())


def run_cnvkit(
    tumour_bam, reference, cnr, cns, threads: int = 1, method=SEGMENT_METHOD, extra: str = ""
) -> int:
    """Copy ratios and segments of a tumour; header-only tables when too few bins are usable.

    Returns the number of usable reference bins.
    """
    usable = usable_reference_bins(reference)
    if usable < MIN_USABLE_BINS:
        log.warning(
            "only %d usable bins in the reference (< %d): copy number not assessable, "
            "writing empty tables",
            usable,
            MIN_USABLE_BINS,
        )
        pd.DataFrame(columns=CNR_COLUMNS).to_csv(cnr, sep="\t", index=False)
        pd.DataFrame(columns=CNS_COLUMNS).to_csv(cns, sep="\t", index=False)
        return usable
    stem = Path(str(tumour_bam)).name.rsplit(".", 1)[0]
    with tempfile.TemporaryDirectory(dir=Path(cnr).parent, prefix=".cnvkit_") as workdir:
        _run(
            tumour_command(
                _absolute(tumour_bam), _absolute(reference), ".", threads, method, extra
            ),
            workdir,
        )
        shutil.move(Path(workdir) / f"{stem}.cnr", cnr)
        shutil.move(Path(workdir) / f"{stem}.cns", cns)
    return usable


def read_cnvkit(path) -> pd.DataFrame:
    """A CNVkit .cnr/.cns table with ``chrom`` as text (possibly empty)."""
    table = pd.read_csv(path, sep="\t", dtype={"chromosome": str})
    return table.rename(columns={"chromosome": "chrom"})


# --- heterozygous sites and BAF -------------------------------------------------------------


def _normal_counts(record, sample) -> tuple[int, int] | None:
    """(depth, alt reads) of the normal from FORMAT/AD, else None."""
    call = record.samples[sample]
    ad = call.get("AD") if "AD" in record.format else None
    if ad is None or len(ad) < 2 or ad[0] is None or ad[1] is None:
        return None
    return ad[0] + ad[1], ad[1]


def is_informative_het(record, sample) -> bool:
    """PASS biallelic SNV, GT 0/1, normal alt fraction 0.3-0.7 at depth >= 10."""
    if record.filter.keys() not in ([], ["PASS"]):
        return False
    if record.alts is None or len(record.alts) != 1:
        return False
    if len(record.ref) != 1 or len(record.alts[0]) != 1 or record.alts[0] not in "ACGT":
        return False
    gt = record.samples[sample].get("GT")
    if gt is None or None in gt or sorted(gt) != [0, 1]:
        return False
    counts = _normal_counts(record, sample)
    if counts is None:
        return False
    depth, alt = counts
    if depth < MIN_NORMAL_DEPTH:
        return False
    return NORMAL_VAF_RANGE[0] <= alt / depth <= NORMAL_VAF_RANGE[1]


def select_het_sites(germline_vcf, sample, out_vcf) -> int:
    """Write the normal's informative heterozygous SNPs (bgzipped, indexed VCF).

    Positions with more than one record (split multiallelics) are left out: their genotype is
    not a simple 0/1. Returns the number of sites written.
    """
    with pysam.VariantFile(str(germline_vcf)) as calls:
        if sample not in calls.header.samples:
            raise ValueError(f"{germline_vcf}: sample {sample} not found")
        calls.subset_samples([sample])
        records = list(calls)
        seen: dict[tuple[str, int], int] = {}
        for record in records:
            key = (record.chrom, record.pos)
            seen[key] = seen.get(key, 0) + 1
        written = 0
        with pysam.VariantFile(str(out_vcf), "wz", header=calls.header) as out:
            for record in records:
                if seen[(record.chrom, record.pos)] == 1 and is_informative_het(record, sample):
                    out.write(record)
                    written += 1
    pysam.tabix_index(str(out_vcf), preset="vcf", force=True)
    return written


def read_het_sites(het_vcf, sample) -> pd.DataFrame:
    """The selected sites with the normal's depth and alt fraction."""
    rows = []
    with pysam.VariantFile(str(het_vcf)) as sites:
        for record in sites:
            depth, alt = _normal_counts(record, sample)
            rows.append((record.chrom, record.pos, record.ref, record.alts[0], depth, alt / depth))
    return pd.DataFrame(rows, columns=BAF_COLUMNS[:6])


def read_pileup_counts(pileup_vcf) -> pd.DataFrame:
    """REF and every observed ALT read count per position of a one-sample mpileup VCF."""
    rows = []
    with pysam.VariantFile(str(pileup_vcf)) as pileup:
        for record in pileup:
            ad = record.samples[0].get("AD")
            if ad is None:
                continue
            alleles = (record.ref, *(record.alts or ()))
            counts = {a: (c or 0) for a, c in zip(alleles, ad, strict=False)}
            rows.append((record.chrom, record.pos, record.ref, counts))
    return pd.DataFrame(rows, columns=["chrom", "pos", "pileup_ref", "counts"])


def mirrored(baf):
    """Fold a BAF around 0.5: ``|BAF - 0.5| + 0.5``.

    >>> float(mirrored(0.2)), float(mirrored(0.8)), float(mirrored(0.5))
    (0.8, 0.8, 0.5)
    """
    return np.abs(np.asarray(baf, dtype=float) - 0.5) + 0.5


def compute_baf(het_sites: pd.DataFrame, pileup_counts: pd.DataFrame) -> pd.DataFrame:
    """Tumour REF/ALT reads, BAF and mirrored BAF at each heterozygous site.

    A site absent from the pileup has no tumour reads (depth 0, BAF NaN).
    """
    merged = het_sites.merge(
        pileup_counts[["chrom", "pos", "counts"]], on=["chrom", "pos"], how="left"
    )
    ref_reads, alt_reads = [], []
    for ref, alt, counts in zip(merged["ref"], merged["alt"], merged["counts"], strict=True):
        counts = counts if isinstance(counts, dict) else {}
        ref_reads.append(int(counts.get(ref, 0)))
        alt_reads.append(int(counts.get(alt, 0)))
    table = merged.drop(columns="counts")
    table["tumour_ref"] = np.array(ref_reads, dtype=int)
    table["tumour_alt"] = np.array(alt_reads, dtype=int)
    table["tumour_depth"] = table["tumour_ref"] + table["tumour_alt"]
    with np.errstate(invalid="ignore", divide="ignore"):
        baf = np.where(
            table["tumour_depth"] > 0, table["tumour_alt"] / table["tumour_depth"], np.nan
        )
    table["baf"] = baf
    table["baf_mirrored"] = mirrored(baf)
    return table[BAF_COLUMNS].sort_values(["chrom", "pos"], kind="stable").reset_index(drop=True)


def write_baf(table: pd.DataFrame, path) -> None:
    table[BAF_COLUMNS].to_csv(path, sep="\t", index=False, na_rep="NA", float_format="%.4f")


def read_baf(path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"chrom": str, "ref": str, "alt": str})


def pileup_command(tumour_bam, fasta, sites_vcf, pileup: dict, out_vcf) -> list[str]:
    """``bcftools mpileup`` of the tumour at the selected sites (-R: through the BAM index),
    REF and ALT read counts (AD) per site, indels left out; ``pileup``: ``min_mapq``,
    ``min_bq`` and ``max_depth`` (deep tumours exceed mpileup's default of 250 reads)."""
    return [
        "bcftools", "mpileup", "--no-version", "-f", str(fasta), "-R", str(sites_vcf),
        "-q", str(pileup["min_mapq"]), "-Q", str(pileup["min_bq"]),
        "-d", str(pileup["max_depth"]), "-I", "-a", "FORMAT/AD,FORMAT/DP",
        "-Oz", "-o", str(out_vcf), str(tumour_bam),
    ]  # fmt: skip


def tumour_baf(germline_vcf, normal, tumour_bam, fasta, pileup: dict, out_baf) -> pd.DataFrame:
    """The tumour's BAF table (rule cnv_baf): the normal's informative heterozygous SNPs
    (:func:`select_het_sites`), the tumour's pileup there (:func:`pileup_command`), then
    :func:`compute_baf`, written to ``out_baf``; the intermediate VCFs live in a scratch
    directory (``TMPDIR``) removed afterwards. Without a heterozygous site there is no pileup
    (bcftools 1.16 mpileup crashes on an empty regions file): the table is empty."""
    with tempfile.TemporaryDirectory(prefix="icope_baf_") as scratch:
        sites = Path(scratch) / "germline_hets.vcf.gz"
        n_sites = select_het_sites(germline_vcf, normal, sites)
        log.info("%d heterozygous SNPs of %s selected", n_sites, normal)
        if n_sites:
            counts_vcf = Path(scratch) / "tumour_het_counts.vcf.gz"
            command = pileup_command(tumour_bam, fasta, sites, pileup, counts_vcf)
            run_tool(command, "bcftools mpileup", log)
            counts = read_pileup_counts(counts_vcf)
        else:
            log.info("no heterozygous sites: empty pileup")
            counts = pd.DataFrame([], columns=["chrom", "pos", "pileup_ref", "counts"])
        baf = compute_baf(read_het_sites(sites, normal), counts)
    write_baf(baf, out_baf)
    log.info("%d SNPs, %d with tumour reads", len(baf), int((baf["tumour_depth"] > 0).sum()))
    return baf


# --- allele-specific segments ---------------------------------------------------------------


def balanced_mirrored_baf(depth):
    """Median mirrored BAF of a balanced heterozygous SNP read at ``depth`` (normal approx.).

    >>> round(float(balanced_mirrored_baf(100)), 4)
    0.5337
    """
    depth = np.maximum(np.asarray(depth, dtype=float), 1.0)
    return 0.5 + 0.6745 * 0.5 / np.sqrt(depth)


def baf_breakpoints(positions, baf_mirrored, thresholds: CnvThresholds) -> list[int]:
    """0-based breakpoints where the mirrored BAF of ordered SNPs changes (binary segmentation).

    ``positions`` are 1-based and sorted. A breakpoint lies between the last SNP of the left and
    the first SNP of the right part, so that each SNP stays on its side.
    """
    positions = np.asarray(positions, dtype=np.int64)
    values = np.asarray(baf_mirrored, dtype=float)
    m = thresholds.split_min_snps
    n = len(values)
    if n < 2 * m:
        return []
    k = np.arange(m, n - m + 1)
    csum = np.concatenate([[0.0], np.cumsum(values)])
    csq = np.concatenate([[0.0], np.cumsum(values**2)])
    left_mean = csum[k] / k
    right_mean = (csum[n] - csum[k]) / (n - k)
    ss = (csq[k] - k * left_mean**2) + (csq[n] - csq[k] - (n - k) * right_mean**2)
    var = np.maximum(ss / (n - 2), 1e-12)
    t = np.abs(left_mean - right_mean) / np.sqrt(var * (1 / k + 1 / (n - k)))
    best = int(k[np.argmax(t)])
    shift = abs(np.median(values[:best]) - np.median(values[best:]))
    if t.max() < thresholds.split_min_t or shift < thresholds.split_min_shift:
        return []
    breakpoint = (int(positions[best - 1]) - 1 + int(positions[best]) - 1) // 2 + 1
    return sorted(
        baf_breakpoints(positions[:best], values[:best], thresholds)
        + [breakpoint]
        + baf_breakpoints(positions[best:], values[best:], thresholds)
    )


def state_call(total: int, minor: int | None) -> tuple[str, str]:
    """(call, allelic state) of an integer allele-specific state; ``minor`` None: the BAF was
    not assessable, so only the total copy number is called.

    >>> state_call(3, 1), state_call(2, 0)
    (('gain', 'gain'), ('copy_neutral_LOH', 'copy_neutral_LOH'))
    >>> state_call(1, 0), state_call(1, None)
    (('LOH_copy_loss', 'loss'), ('loss', 'not_assessable'))
    """
    if total == 0:
        return "homozygous_deletion", "homozygous_deletion"
    if minor is None:
        return ("loss" if total < 2 else "gain" if total > 2 else "neutral"), "not_assessable"
    if minor == 0:
        return {1: ("LOH_copy_loss", "loss"), 2: ("copy_neutral_LOH", "copy_neutral_LOH")}.get(
            total, ("LOH_gain", "LOH_gain")
        )
    if total == 2:
        return "neutral", "balanced"
    return "gain", ("gain" if total - minor > minor else "balanced_gain")


def copy_numbers(log2: float, baf_mirrored: float, purity: float | None, reference_cn: float = 2.0):
    """(total, minor) copy number of the tumour cells given purity, else (NaN, NaN); not
    rounded. ``reference_cn`` is the tumour copy number at log2 0 (2 for a diploid-centred
    genome; the fit's reference level otherwise).

    >>> [round(x, 2) for x in copy_numbers(math.log2(0.6), 1 / 1.2, 0.8)]
    [1.0, 0.0]
    """
    if purity is None or not 0 < purity <= 1 or log2 is None or math.isnan(log2):
        return math.nan, math.nan
    ratio = 2.0**log2
    total = max(
        0.0, (ratio * (purity * reference_cn + 2 * (1 - purity)) - 2 * (1 - purity)) / purity
    )
    if baf_mirrored is None or math.isnan(baf_mirrored):
        return total, math.nan
    major = (baf_mirrored * (purity * total + 2 * (1 - purity)) - (1 - purity)) / purity
    major = min(max(major, total / 2), total)
    return total, max(0.0, total - major)


def _bins_in(bins: pd.DataFrame, chrom, start, end) -> pd.DataFrame:
    mid = (bins["start"] + bins["end"]) // 2
    return bins[(bins["chrom"] == chrom) & (mid >= start) & (mid < end)]


def _snps_in(snps: pd.DataFrame, chrom, start, end) -> pd.DataFrame:
    pos0 = snps["pos"] - 1
    return snps[(snps["chrom"] == chrom) & (pos0 >= start) & (pos0 < end)]


def _weighted_log2(bins: pd.DataFrame) -> float:
    if bins.empty:
        return math.nan
    weights = bins["weight"] if "weight" in bins else pd.Series(1.0, index=bins.index)
    if weights.sum() <= 0:
        return float(bins["log2"].mean())
    return float(np.average(bins["log2"], weights=weights))


def _segment_pieces(bins, segments, snps, contigs, thresholds) -> list[tuple]:
    """CNVkit segments, split at BAF breakpoints: ``(chrom, start, end, log2, bins, source)``.

    Without any CNVkit segment, each contig is one piece without a log2 ratio.
    """
    if segments.empty:
        return [(chrom, 0, length, math.nan, 0, "none") for chrom, length in contigs.items()]
    pieces = []
    for seg in segments.itertuples(index=False):
        seg_snps = _snps_in(snps, seg.chrom, seg.start, seg.end)
        cuts = baf_breakpoints(seg_snps["pos"], seg_snps["baf_mirrored"], thresholds)
        if not cuts:
            n_bins = int(getattr(seg, "probes", len(_bins_in(bins, *seg[:3]))))
            pieces.append((seg.chrom, seg.start, seg.end, seg.log2, n_bins, "cnvkit"))
            continue
        edges = [seg.start, *cuts, seg.end]
        for start, end in zip(edges[:-1], edges[1:], strict=False):
            piece_bins = _bins_in(bins, seg.chrom, start, end)
            pieces.append(
                (seg.chrom, start, end, _weighted_log2(piece_bins), len(piece_bins), "baf")
            )
    return pieces


def _bin_sd(bins: pd.DataFrame, pieces: list[tuple]) -> float:
    """Robust SD (1.4826 MAD) of the bins' log2 around their piece's log2; 0.2 without bins."""
    residuals = []
    for chrom, start, end, log2, _, _ in pieces:
        if not math.isnan(log2):
            residuals.append(_bins_in(bins, chrom, start, end)["log2"].to_numpy() - log2)
    values = np.concatenate(residuals) if residuals else np.array([])
    if len(values) < 5:
        return 0.2
    return max(float(1.4826 * np.median(np.abs(values - np.median(values)))), 0.01)


def _assessable(piece: tuple, thresholds: CnvThresholds) -> bool:
    return piece[4] >= thresholds.min_segment_bins and not math.isnan(piece[3])


def _evidence(piece, snps, sd, settings: FitSettings) -> SegmentEvidence:
    chrom, start, end, log2, n_bins, _ = piece
    seg_snps = _snps_in(snps, chrom, start, end)
    se = math.sqrt(sd**2 / max(n_bins, 1) + settings.log2_sd_floor**2)
    return SegmentEvidence(
        float(log2),
        se,
        int(n_bins),
        seg_snps["tumour_alt"].to_numpy(),
        seg_snps["tumour_depth"].to_numpy(),
    )


def _state_reason(state, evidence: SegmentEvidence, fit: PurityFit, settings) -> str:
    total, minor = state
    purity = fit.state_purity
    expected = float(expected_log2(purity, fit.reference_copy_number, total))
    text = f"{total - (minor or 0)}+{minor} copies" if minor is not None else f"{total} copies"
    text += f": log2 {evidence.log2:.2f} (expected {expected:.2f})"
    if minor is None:
        return (
            f"{text}; {evidence.n_het} het SNPs < {settings.min_het_snps} (cnv.fit.min_het_snps):"
            " allelic state not assessable, total copy number from log2 only"
        )
    mirrored_expected = 1 - float(minor_fraction(purity, total, minor))
    observed = mirrored_baf_estimate(evidence.alt, evidence.depth)
    return (
        f"{text}, mirrored BAF {observed:.3f} (expected {mirrored_expected:.3f}) at "
        f"{evidence.n_het} het SNPs"
    )


def _classified_piece(piece, snps, thresholds, sd, fit: PurityFit, settings) -> dict:
    """One row of :data:`SEGMENT_COLUMNS`: the piece with its SNPs' BAF and its fitted state."""
    chrom, start, end, log2, n_bins, source = piece
    seg_snps = _snps_in(snps, chrom, start, end)
    n_het = len(seg_snps)
    row = {
        "chrom": chrom,
        "start": int(start),
        "end": int(end),
        "log2": log2,
        "n_bins": n_bins,
        "n_het_snps": n_het,
        "n_het": n_het,
        "baf_mirrored_median": float(seg_snps["baf_mirrored"].median()) if n_het else math.nan,
        "baf_balanced_expected": (
            float(np.median(balanced_mirrored_baf(seg_snps["tumour_depth"]))) if n_het else math.nan
        ),
        "mirrored_baf": mirrored_baf_estimate(seg_snps["tumour_alt"], seg_snps["tumour_depth"]),
        "source": source,
        "supporting_svs": "",
    }
    if not _assessable(piece, thresholds):
        reason = (
            "no copy ratio" if math.isnan(log2) else
            f"{n_bins} bins < {thresholds.min_segment_bins}"
        )  # fmt: skip
        return row | {
            "call": "not_assessable",
            "allelic_state": "not_assessable",
            "state_reason": f"not assessable: {reason}",
            "cn_total": math.nan,
            "cn_minor": math.nan,
            "total_cn": None,
            "minor_cn": None,
        }
    evidence = _evidence(piece, snps, sd, settings)
    total, minor = best_state(evidence, fit.state_purity, fit.reference_copy_number, settings)
    minor = minor if n_het >= settings.min_het_snps else None
    call, allelic = state_call(total, minor)
    cn_total, cn_minor = copy_numbers(
        float(log2), row["mirrored_baf"], fit.purity, fit.reference_copy_number
    )
    return row | {
        "call": call,
        "allelic_state": allelic,
        "state_reason": _state_reason((total, minor), evidence, fit, settings),
        "cn_total": cn_total,
        "cn_minor": cn_minor if minor is not None else math.nan,
        "total_cn": total,
        "minor_cn": minor,
    }


def _overlapping_svs(row: dict, svs: pd.DataFrame | None, svtype: str) -> list[str]:
    """IDs of PASS SVs of ``svtype`` overlapping the segment by at least
    :data:`SV_MIN_OVERLAP` of the shorter of the two."""
    if svs is None or svs.empty:
        return []
    same = svs[
        (svs["filter"] == "PASS") & (svs["svtype"] == svtype) & (svs["chrom"] == row["chrom"])
    ]
    ids = []
    for sv in same.itertuples(index=False):
        start, end = int(sv.pos) - 1, int(sv.end)
        overlap = min(end, row["end"]) - max(start, row["start"])
        shorter = min(end - start, row["end"] - row["start"])
        if shorter > 0 and overlap >= SV_MIN_OVERLAP * shorter:
            ids.append(str(sv.id))
    return ids


def supporting_svs(row: dict, svs: pd.DataFrame | None) -> str:
    """PASS deletions supporting a loss, or duplications a gain (:func:`_overlapping_svs`),
    comma-separated."""
    if row["call"] not in (*LOSS_CALLS, *GAIN_CALLS):
        return ""
    return ",".join(_overlapping_svs(row, svs, "DEL" if row["call"] in LOSS_CALLS else "DUP"))


def sv_disagreement(row: dict, svs: pd.DataFrame | None) -> str:
    """A note when a PASS deletion overlaps a segment called without a copy loss: subclonal,
    or shorter than the bins resolve; empty otherwise."""
    if row["call"] in (*LOSS_CALLS, "not_assessable") or row["total_cn"] is None:
        return ""
    ids = _overlapping_svs(row, svs, "DEL")
    if not ids:
        return ""
    return (
        f"; PASS deletion(s) {','.join(ids)} overlap without a copy loss in this segment "
        "(subclonal, or below the bins' resolution)"
    )


def fit_segments(
    bins: pd.DataFrame,
    segments: pd.DataFrame,
    baf: pd.DataFrame,
    contigs: dict[str, int],
    thresholds: CnvThresholds = CnvThresholds(),  # noqa: B008 - frozen, immutable
    purity: float | None = None,
    svs: pd.DataFrame | None = None,
    settings: FitSettings = FitSettings(),  # noqa: B008 - frozen, immutable
) -> tuple[pd.DataFrame, PurityFit]:
    """Allele-specific segments and the purity/ploidy fit behind them.

    CNVkit segments are split at BAF breakpoints; purity and ploidy are fitted over every
    assessable piece (:func:`icope.somatic.purity.fit_purity`; a given ``purity`` is used as it
    is), then each piece gets its integer state, call and the PASS SVs supporting it.
    """
    snps = baf[
        (baf["tumour_depth"] >= thresholds.min_tumour_depth) & baf["baf_mirrored"].notna()
    ].sort_values(["chrom", "pos"])
    pieces = _segment_pieces(bins, segments, snps, contigs, thresholds)
    sd = _bin_sd(bins, pieces)
    assessable = [p for p in pieces if _assessable(p, thresholds)]
    fit = fit_purity(
        [_evidence(p, snps, sd, settings) for p in assessable],
        [p[2] - p[1] for p in assessable],
        settings,
        given_purity=purity,
    )
    rows = [_classified_piece(p, snps, thresholds, sd, fit, settings) for p in pieces]
    for row in rows:
        row["supporting_svs"] = supporting_svs(row, svs)
        row["state_reason"] += sv_disagreement(row, svs)
    table = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    for column in ("total_cn", "minor_cn"):
        table[column] = table[column].astype("Int64")
    return table, fit


def allele_specific_segments(
    bins: pd.DataFrame,
    segments: pd.DataFrame,
    baf: pd.DataFrame,
    contigs: dict[str, int],
    thresholds: CnvThresholds = CnvThresholds(),  # noqa: B008 - frozen, immutable
    purity: float | None = None,
) -> pd.DataFrame:
    """The segment table of :func:`fit_segments` (without SVs, default fit settings)."""
    return fit_segments(bins, segments, baf, contigs, thresholds, purity)[0]


def write_purity(fit: PurityFit, path) -> None:
    Path(path).write_text(json.dumps(fit.as_json(), indent=2) + "\n")


def read_purity(path) -> dict:
    return json.loads(Path(path).read_text())


def write_segments(table: pd.DataFrame, path) -> None:
    table[SEGMENT_COLUMNS].to_csv(path, sep="\t", index=False, na_rep="NA", float_format="%.4f")


def read_segments(path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"chrom": str, "call": str})


def write_loh_bed(table: pd.DataFrame, path) -> int:
    """LOH and copy-loss segments as BED (0-based), name = call; returns the number written."""
    loh = table[table["call"].isin(LOH_BED_CALLS)]
    with open(path, "w") as handle:
        handle.write("#chrom\tstart\tend\tcall\tlog2\tbaf_mirrored_median\tn_het_snps\n")
        for row in loh.itertuples(index=False):
            baf = "NA" if math.isnan(row.baf_mirrored_median) else f"{row.baf_mirrored_median:.4f}"
            handle.write(
                f"{row.chrom}\t{row.start}\t{row.end}\t{row.call}\t{row.log2:.4f}\t{baf}\t"
                f"{row.n_het_snps}\n"
            )
    return len(loh)


# --- plot -----------------------------------------------------------------------------------

CALL_COLOURS = {
    "neutral": "#333333",
    "gain": "#d62728",
    "loss": "#1f77b4",
    "LOH_copy_loss": "#9467bd",
    "copy_neutral_LOH": "#ff7f0e",
    "LOH_gain": "#e377c2",
    "homozygous_deletion": "#17becf",
    "not_assessable": "#999999",
}


def _genome_offsets(contigs: dict[str, int]) -> tuple[dict[str, int], int]:
    """Start of each contig on one genome axis (contigs end to end), and the total length."""
    offsets, total = {}, 0
    for chrom, length in contigs.items():
        offsets[chrom] = total
        total += length
    return offsets, total


def _genome_x(offsets: dict[str, int], chrom, pos) -> np.ndarray:
    return np.asarray(pos, dtype=float) + np.array([offsets.get(c, 0) for c in chrom])


def _note(ax, y: float, text: str) -> None:
    ax.text(0.5, y, text, ha="center", transform=ax.transAxes, color="#666666")


def _plot_copy_ratio(ax_cn, ax_baf, bins, segments, offsets, scale: float) -> None:
    """Bins as points, segments as lines coloured by call (with their mirrored BAF below)."""
    if not bins.empty:
        x = _genome_x(offsets, bins["chrom"], (bins["start"] + bins["end"]) / 2) / scale
        ax_cn.scatter(
            x, bins["log2"].clip(-2.5, 2.5), s=4, color="#aaaaaa", linewidths=0, rasterized=True
        )
    else:
        _note(ax_cn, 0.7, "copy ratio not assessable (too few bins)")
    for seg in segments.itertuples(index=False):
        if math.isnan(seg.log2):
            continue
        x0, x1 = (_genome_x(offsets, [seg.chrom] * 2, [seg.start, seg.end]) / scale).tolist()
        colour = CALL_COLOURS.get(seg.call, "#333333")
        ax_cn.plot([x0, x1], [np.clip(seg.log2, -2.5, 2.5)] * 2, color=colour, lw=2.5)
        if not math.isnan(seg.baf_mirrored_median):
            for y in (seg.baf_mirrored_median, 1 - seg.baf_mirrored_median):
                ax_baf.plot([x0, x1], [y, y], color=colour, lw=2)
    ax_cn.axhline(0, color="black", lw=0.5, ls=":")
    ax_cn.set_ylim(-2.5, 2.5)
    ax_cn.set_ylabel("copy ratio (log2)")


def _plot_baf(ax_baf, baf, offsets, scale: float) -> None:
    if not baf.empty:
        x = _genome_x(offsets, baf["chrom"], baf["pos"]) / scale
        ax_baf.scatter(x, baf["baf"], s=5, color="#4c72b0", linewidths=0, rasterized=True)
    else:
        _note(ax_baf, 0.75, "no heterozygous SNPs")
    ax_baf.axhline(0.5, color="black", lw=0.5, ls=":")
    ax_baf.set_ylim(0, 1)
    ax_baf.set_ylabel("tumour BAF")


def _genome_axis(ax_cn, ax_baf, contigs: dict[str, int], offsets, total: int, scale, unit):
    """Contig boundaries and names (several contigs) or a position axis (one contig)."""
    if len(contigs) > 1:
        for start in offsets.values():
            for ax in (ax_cn, ax_baf):
                ax.axvline(start / scale, color="#cccccc", lw=0.5)
        ax_baf.set_xticks([(offsets[c] + contigs[c] / 2) / scale for c in contigs])
        ax_baf.set_xticklabels(list(contigs), fontsize=7, rotation=90)
    else:
        ax_baf.set_xlabel(f"{next(iter(contigs), '')} position ({unit})")
    ax_baf.set_xlim(0, total / scale)


def _call_legend(plt, ax_cn, segments) -> None:
    handles = [
        plt.Line2D([], [], color=CALL_COLOURS[c], lw=2.5, label=c)
        for c in CALLS
        if c in set(segments["call"])
    ]
    if handles:
        ax_cn.legend(handles=handles, fontsize=7, loc="upper right", ncol=len(handles))


def plot_cnv(bins, segments, baf, contigs: dict[str, int], path, title: str = "") -> None:
    """Copy ratio (bins as points, segments as lines) above BAF of het SNPs; PNG.

    Contigs are laid end to end on one genome axis; segments are coloured by call.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    offsets, total = _genome_offsets(contigs)
    bins = bins[bins["chrom"].isin(offsets)] if not bins.empty else bins
    baf = baf[baf["chrom"].isin(offsets) & baf["baf"].notna()]
    segments = segments[segments["chrom"].isin(offsets)]
    scale, unit = (1e6, "Mb") if total > 5e6 else (1e3, "kb")

    fig, (ax_cn, ax_baf) = plt.subplots(
        2, 1, figsize=(10, 5), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    _plot_copy_ratio(ax_cn, ax_baf, bins, segments, offsets, scale)
    _plot_baf(ax_baf, baf, offsets, scale)
    _genome_axis(ax_cn, ax_baf, contigs, offsets, total, scale, unit)
    _call_legend(plt, ax_cn, segments)
    ax_cn.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
