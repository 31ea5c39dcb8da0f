"""Score a call VCF against a truth VCF: a minimal hap.py/vcfeval for choosing pipelines.

Both VCFs are normalised with ``bcftools norm`` (left-align against the reference, split
multiallelic records, decompose MNPs and complex alleles into atoms, drop exact duplicates),
restricted to the confident regions, and matched on ``(chrom, pos, ref, alt)``. Counts and
precision/recall/F1 are reported per variant class (SNV, INDEL) and, in somatic mode, per
variant-allele-frequency bin.

Germline runs are genotype-aware by default: a matching allele with a different zygosity
(het versus hom; phasing ignored) counts as one FP plus one FN and is reported as
``gt_mismatch``. Somatic runs match alleles only.

Examples
--------
>>> vaf_bin_labels([0, 0.1, 0.2, 0.4, 1.0])
['<0.1', '0.1-0.2', '0.2-0.4', '>=0.4']
>>> variant_class("A", "G"), variant_class("GT", "G")
('SNV', 'INDEL')
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pysam

log = logging.getLogger(__name__)

#: Column order of the metrics table (TSV, JSON rows, DataFrame).
METRIC_COLUMNS = [
    "dataset",
    "method",
    "class",
    "vaf_bin",
    "tp",
    "fp",
    "fn",
    "gt_mismatch",
    "precision",
    "recall",
    "f1",
    "tp_call",
]

#: Column order of the FP/FN/TP record lists.
RECORD_COLUMNS = ["chrom", "pos", "ref", "alt", "class", "vaf", "vaf_bin", "zygosity", "reason"]

#: Variant classes, in report order.
CLASSES = ("SNV", "INDEL")

#: Default VAF bin edges for somatic mode.
DEFAULT_VAF_EDGES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.4, 1.0)

#: The default edges as ``icope bench compare --vaf-bins`` takes them (``"0,0.1,0.2,0.4,1"``).
DEFAULT_VAF_BINS = ",".join(f"{edge:g}" for edge in DEFAULT_VAF_EDGES)

#: Bin label for variants without a VAF in somatic mode.
UNKNOWN_VAF_BIN = "unknown"


class BenchError(RuntimeError):
    """A benchmark input could not be read or normalised."""


# --------------------------------------------------------------------------- small helpers


def variant_class(ref: str, alt: str) -> str:
    """Class of a normalised, atomised allele pair.

    Parameters
    ----------
    ref, alt : str
        REF and ALT alleles after normalisation.

    Returns
    -------
    str
        ``'SNV'`` when both alleles are one base long, ``'INDEL'`` otherwise (including the
        complex remnants that ``bcftools norm -a`` leaves, such as ``TA>C``).

    Examples
    --------
    >>> variant_class("C", "T"), variant_class("TA", "C")
    ('SNV', 'INDEL')
    """
    return "SNV" if len(ref) == 1 and len(alt) == 1 else "INDEL"


def _fmt_edge(value: float) -> str:
    return f"{value:g}"


def parse_vaf_edges(text: str | Sequence[float]) -> list[float]:
    """Parse and check VAF bin edges.

    Parameters
    ----------
    text : str or sequence of float
        Comma-separated edges (``"0,0.1,0.2,0.4,1"``) or the numbers themselves.

    Returns
    -------
    list of float
        At least two strictly increasing edges.

    Raises
    ------
    ValueError
        If a value is not a number, fewer than two edges are given, or they do not increase.

    Examples
    --------
    >>> parse_vaf_edges("0, 0.2,1")
    [0.0, 0.2, 1.0]
    """
    if isinstance(text, str):
        try:
            edges = [float(part) for part in text.split(",") if part.strip()]
        except ValueError as exc:
            raise ValueError(f"VAF bin edges must be comma-separated numbers: {text!r}") from exc
    else:
        edges = [float(value) for value in text]
    if len(edges) < 2:
        raise ValueError(f"need at least two VAF bin edges, got {edges}")
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"VAF bin edges must be strictly increasing, got {edges}")
    return edges


def vaf_bin_labels(edges: Sequence[float]) -> list[str]:
    """Labels of the bins between consecutive edges.

    The first bin is ``'<e1'``, the last ``'>=e(n-1)'`` and the ones between ``'a-b'``; a single
    bin is ``'e0-e1'``.

    Parameters
    ----------
    edges : sequence of float
        Strictly increasing bin edges.

    Returns
    -------
    list of str
        One label per bin (``len(edges) - 1`` labels).

    Examples
    --------
    >>> vaf_bin_labels([0, 0.5, 1])
    ['<0.5', '>=0.5']
    >>> vaf_bin_labels([0, 1])
    ['0-1']
    """
    n_bins = len(edges) - 1
    if n_bins == 1:
        return [f"{_fmt_edge(edges[0])}-{_fmt_edge(edges[1])}"]
    labels = []
    for i in range(n_bins):
        if i == 0:
            labels.append(f"<{_fmt_edge(edges[1])}")
        elif i == n_bins - 1:
            labels.append(f">={_fmt_edge(edges[i])}")
        else:
            labels.append(f"{_fmt_edge(edges[i])}-{_fmt_edge(edges[i + 1])}")
    return labels


def vaf_bin(vaf: float | None, edges: Sequence[float]) -> str:
    """Label of the bin holding ``vaf``.

    Bins are half-open ``[a, b)``; values below the first edge fall in the first bin and values
    at or above the last edge in the last bin.

    Parameters
    ----------
    vaf : float or None
        Variant allele frequency.
    edges : sequence of float
        Strictly increasing bin edges.

    Returns
    -------
    str
        The bin label, or ``'unknown'`` when ``vaf`` is missing.

    Examples
    --------
    >>> [vaf_bin(v, [0, 0.1, 0.2, 0.4, 1]) for v in (0.05, 0.1, 0.3, 1.0, None)]
    ['<0.1', '0.1-0.2', '0.2-0.4', '>=0.4', 'unknown']
    """
    if vaf is None or math.isnan(vaf):
        return UNKNOWN_VAF_BIN
    labels = vaf_bin_labels(edges)
    index = bisect.bisect_right(list(edges), vaf) - 1
    return labels[min(max(index, 0), len(labels) - 1)]


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def f1_score(precision: float | None, recall: float | None) -> float | None:
    """Harmonic mean of precision and recall.

    Parameters
    ----------
    precision, recall : float or None
        ``None`` when undefined (zero denominator).

    Returns
    -------
    float or None
        ``None`` if either input is undefined, 0.0 if both are 0.

    Examples
    --------
    >>> round(f1_score(0.75, 0.6), 4)
    0.6667
    >>> f1_score(None, 1.0) is None
    True
    """
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------- regions


class Regions:
    """Confident regions from a BED file (0-based, half-open intervals).

    Parameters
    ----------
    intervals : dict
        Chromosome to a list of ``(start, end)`` intervals; overlapping ones are merged.

    Examples
    --------
    >>> regions = Regions({"chr1": [(10, 20), (15, 30)]})
    >>> [regions.contains("chr1", pos) for pos in (10, 11, 30, 31)]
    [False, True, True, False]
    """

    def __init__(self, intervals: dict[str, list[tuple[int, int]]]):
        self._starts: dict[str, list[int]] = {}
        self._ends: dict[str, list[int]] = {}
        for chrom, spans in intervals.items():
            merged: list[list[int]] = []
            for start, end in sorted(spans):
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            self._starts[chrom] = [span[0] for span in merged]
            self._ends[chrom] = [span[1] for span in merged]

    @classmethod
    def from_bed(cls, path: str | Path) -> Regions:
        """Read a BED file (track, browser and ``#`` lines are skipped).

        Parameters
        ----------
        path : str or Path
            BED file, plain or gzip-compressed.

        Returns
        -------
        Regions
        """
        intervals: dict[str, list[tuple[int, int]]] = {}
        opener = _open_text(path)
        with opener as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                fields = line.rstrip("\n").split("\t")
                try:
                    chrom, start, end = fields[0], int(fields[1]), int(fields[2])
                except (IndexError, ValueError) as exc:
                    raise BenchError(f"{path}: line {number} is not a BED interval") from exc
                intervals.setdefault(chrom, []).append((start, end))
        return cls(intervals)

    @property
    def chroms(self) -> set[str]:
        """Chromosomes with at least one interval."""
        return set(self._starts)

    def contains(self, chrom: str, pos: int) -> bool:
        """Whether a 1-based VCF position lies inside an interval (``start <= pos-1 < end``)."""
        starts = self._starts.get(chrom)
        if not starts:
            return False
        index = bisect.bisect_right(starts, pos - 1) - 1
        return index >= 0 and pos - 1 < self._ends[chrom][index]


def _open_text(path: str | Path):
    import gzip

    path = Path(path)
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt")
    return open(path)


# --------------------------------------------------------------------------- normalisation


def _bcftools(args: list[str], what: str, path: str | Path) -> str:
    exe = shutil.which("bcftools")
    if exe is None:
        raise BenchError("bcftools not found on PATH; it is needed to normalise VCFs")
    result = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        stderr = result.stderr.strip() or "(no message)"
        raise BenchError(f"bcftools {what} failed on {path}:\n{stderr}")
    return result.stdout


def vcf_samples(path: str | Path) -> list[str]:
    """Sample names of a VCF/BCF, in header order (``bcftools query -l``)."""
    return _bcftools(["query", "-l", str(path)], "query -l", path).split()


def normalise_vcf(
    path: str | Path,
    reference: str | Path,
    workdir: str | Path,
    *,
    sample: str | None = None,
    pass_only: bool = False,
    name: str = "vcf",
) -> Path:
    """Normalise one VCF with bcftools for matching.

    Steps: keep one sample (``sample`` or the first; sample-less VCFs are left as they are);
    optionally keep FILTER ``PASS``/``.`` only; ``bcftools norm -f REF -c e -m -any -a
    --atom-overlaps .`` (trim redundant bases, left-align, split multiallelics, decompose MNPs
    and complex alleles into atoms); sort; ``bcftools norm -d exact``.

    Parameters
    ----------
    path : str or Path
        Input VCF/BCF (plain or bgzipped).
    reference : str or Path
        Reference FASTA the VCF was called against.
    workdir : str or Path
        Directory for the intermediate and output files.
    sample : str, optional
        Sample to keep; default the first sample.
    pass_only : bool
        Keep only records whose FILTER is ``PASS`` or ``.``.
    name : str
        Prefix for the files written in ``workdir``.

    Returns
    -------
    Path
        The normalised, deduplicated VCF (uncompressed).

    Raises
    ------
    BenchError
        If bcftools fails (for example a REF allele disagrees with the FASTA), naming the file
        and including bcftools' message, or if ``sample`` is not in the VCF.
    """
    workdir = Path(workdir)
    selected = _select(path, workdir / f"{name}.selected.bcf", sample, pass_only)
    atomised = _atomise(path, selected, reference, workdir / f"{name}.norm.bcf")
    return _sort_dedup(path, atomised, workdir, name)


def _select(path: str | Path, out: Path, sample: str | None, pass_only: bool) -> Path:
    """Keep one sample (``sample`` or the first) and, with ``pass_only``, PASS/. records."""
    samples = vcf_samples(path)
    if sample is not None and sample not in samples:
        raise BenchError(f"sample {sample!r} not in {path} (samples: {', '.join(samples) or '-'})")
    keep = sample if sample is not None else (samples[0] if samples else None)
    view = ["view", "--no-version", "-Ou", "-o", str(out)]
    if keep is not None:
        view += ["-s", keep]
    if pass_only:
        view += ["-f", "PASS,."]
    _bcftools([*view, str(path)], "view", path)
    return out


def _atomise(path: str | Path, selected: Path, reference: str | Path, out: Path) -> Path:
    """``bcftools norm -f REF -c e -m -any -a --atom-overlaps .``; REF mismatches named."""
    norm = ["norm", "--no-version", "-f", str(reference), "-c", "e", "-m", "-any", "-a"]
    norm += ["--atom-overlaps", ".", "-Ou", "-o", str(out), str(selected)]
    try:
        _bcftools(norm, f"norm against {reference}", path)
    except BenchError as exc:
        if "mismatch" in str(exc):
            raise BenchError(f"REF allele does not match the reference FASTA: {exc}") from exc
        raise
    return out


def _sort_dedup(path: str | Path, atomised: Path, workdir: Path, name: str) -> Path:
    """Sort, then drop exact duplicates (``bcftools norm -d exact``) into ``NAME.dedup.vcf``."""
    ordered = workdir / f"{name}.sorted.bcf"
    sort = ["sort", "-T", str(workdir / f"{name}.sort-tmp"), "-Ou", "-o", str(ordered)]
    _bcftools([*sort, str(atomised)], "sort", path)
    final = workdir / f"{name}.dedup.vcf"
    dedup = ["norm", "--no-version", "-d", "exact", "-Ov", "-o", str(final), str(ordered)]
    _bcftools(dedup, "norm -d exact", path)
    return final


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Variant:
    """One normalised allele of a truth or call set.

    Attributes
    ----------
    chrom, pos, ref, alt
        Normalised allele (1-based ``pos``).
    zygosity : str or None
        ``'het'``, ``'hom'``, or ``None`` when the record has no genotype.
    vaf : float or None
        Truth: INFO/VAF. Calls: INFO/TAF, else FORMAT/AF, else FORMAT/AD alt/sum.
    """

    chrom: str
    pos: int
    ref: str
    alt: str
    zygosity: str | None = None
    vaf: float | None = None

    @property
    def key(self) -> tuple[str, int, str, str]:
        """Matching key ``(chrom, pos, ref, alt)``."""
        return (self.chrom, self.pos, self.ref, self.alt)

    @property
    def vclass(self) -> str:
        """``'SNV'`` or ``'INDEL'``."""
        return variant_class(self.ref, self.alt)


def _first_number(value) -> float | None:
    if isinstance(value, tuple | list):
        value = next((item for item in value if item is not None), None)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    # VCF floats are single precision: undo the float32 noise (0.7 -> 0.69999998807907) so that
    # values written on a bin edge fall in the bin the VCF text says.
    return float(f"{number:.7g}")


def _info_number(record: pysam.VariantRecord, key: str) -> float | None:
    if key not in record.header.info:
        return None
    return _first_number(record.info.get(key))


def call_vaf(record: pysam.VariantRecord) -> float | None:
    """VAF of a call: INFO/TAF, else FORMAT/AF of the first sample, else FORMAT/AD alt/sum.

    Parameters
    ----------
    record : pysam.VariantRecord
        A biallelic (split) record.

    Returns
    -------
    float or None
    """
    vaf = _info_number(record, "TAF")
    if vaf is not None:
        return vaf
    if len(record.samples) == 0:
        return None
    call = record.samples[0]
    if "AF" in record.header.formats:
        vaf = _first_number(call.get("AF"))
        if vaf is not None:
            return vaf
    if "AD" in record.header.formats:
        depths = call.get("AD")
        if isinstance(depths, tuple) and len(depths) >= 2 and depths[1] is not None:
            total = sum(depth for depth in depths if depth is not None)
            return depths[1] / total if total > 0 else None
    return None


def truth_vaf(record: pysam.VariantRecord) -> float | None:
    """VAF of a truth record: INFO/VAF (first value), or None."""
    return _info_number(record, "VAF")


def _zygosity(record: pysam.VariantRecord) -> tuple[bool, str | None]:
    """Whether the (first) sample carries ALT allele 1, and its zygosity.

    Returns ``(True, None)`` for records without samples or GT, ``(False, None)`` for reference or
    fully missing genotypes, otherwise ``(True, 'hom')`` when every allele is 1 and
    ``(True, 'het')`` otherwise (``1/.`` from a split ``1/2`` is het).
    """
    if len(record.samples) == 0 or "GT" not in record.header.formats:
        return True, None
    alleles = record.samples[0].get("GT")
    if not alleles or all(allele is None for allele in alleles):
        return False, "missing"
    if 1 not in alleles:
        return False, None
    return True, "hom" if all(allele == 1 for allele in alleles) else "het"


def read_normalised(
    path: str | Path,
    *,
    truth: bool,
    regions: Regions | None = None,
    genotype_aware: bool = True,
) -> dict[tuple[str, int, str, str], Variant]:
    """Read a normalised VCF into variants keyed by ``(chrom, pos, ref, alt)``.

    Skipped: ALT ``*`` or missing ALT; records outside ``regions``; genotypes without ALT allele
    1 (``0/0``); fully missing genotypes (``./.``) except for calls in allele-only mode.

    Parameters
    ----------
    path : str or Path
        Output of :func:`normalise_vcf` (biallelic records).
    truth : bool
        Read VAF from INFO/VAF (truth) or the call chain (:func:`call_vaf`).
    regions : Regions, optional
        Keep records whose ``POS-1`` is inside an interval.
    genotype_aware : bool
        Whether missing genotypes disqualify a call.

    Returns
    -------
    dict
        Key to :class:`Variant`; a repeated key keeps its first record.
    """
    variants: dict[tuple[str, int, str, str], Variant] = {}
    with pysam.VariantFile(str(path)) as vcf:
        for record in vcf:
            alts = record.alts
            if not alts or alts[0] in ("*", ".", "<*>", "<NON_REF>"):
                continue
            if regions is not None and not regions.contains(record.chrom, record.pos):
                continue
            present, zygosity = _zygosity(record)
            if not present:
                if zygosity != "missing" or truth or genotype_aware:
                    continue
                zygosity = None
            vaf = truth_vaf(record) if truth else call_vaf(record)
            variant = Variant(record.chrom, record.pos, record.ref, alts[0], zygosity, vaf)
            variants.setdefault(variant.key, variant)
    return variants


# --------------------------------------------------------------------------- matching


@dataclass
class BenchResult:
    """Outcome of :func:`compare_vcfs`.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per class (``vaf_bin == 'all'``) and, in somatic mode, per class and VAF bin;
        columns :data:`METRIC_COLUMNS`. Undefined ratios are NaN.
    fp, fn, tp : pandas.DataFrame
        Record lists (columns :data:`RECORD_COLUMNS`); ``reason`` is ``'unmatched'`` or
        ``'gt_mismatch'``. ``tp`` holds the call side of each match with the truth VAF bin.
    rows : list of dict
        The metrics rows with ``None`` for undefined ratios.
    parameters : dict
        Inputs and options, written into the JSON output.
    """

    metrics: pd.DataFrame
    fp: pd.DataFrame
    fn: pd.DataFrame
    tp: pd.DataFrame
    rows: list[dict] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)


def _record_row(variant: Variant, reason: str, edges: Sequence[float] | None) -> dict:
    return {
        "chrom": variant.chrom,
        "pos": variant.pos,
        "ref": variant.ref,
        "alt": variant.alt,
        "class": variant.vclass,
        "vaf": variant.vaf,
        "vaf_bin": vaf_bin(variant.vaf, edges) if edges else None,
        "zygosity": variant.zygosity,
        "reason": reason,
    }


def _records_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    if not frame.empty:
        frame = frame.sort_values(["chrom", "pos", "ref", "alt"], kind="stable")
    return frame.reset_index(drop=True)


def match_variants(
    truth: dict[tuple[str, int, str, str], Variant],
    calls: dict[tuple[str, int, str, str], Variant],
    *,
    genotype_aware: bool = True,
) -> tuple[list[tuple[Variant, Variant]], list[tuple[Variant, str]], list[tuple[Variant, str]]]:
    """Match normalised truth and call variants on ``(chrom, pos, ref, alt)``.

    Parameters
    ----------
    truth, calls : dict
        Outputs of :func:`read_normalised`.
    genotype_aware : bool
        Count a key match with different zygosity as FP + FN (reason ``'gt_mismatch'``).
        Records without a genotype on either side match on alleles.

    Returns
    -------
    tp : list of (truth Variant, call Variant)
    fp : list of (call Variant, reason)
    fn : list of (truth Variant, reason)
    """
    tp: list[tuple[Variant, Variant]] = []
    fp: list[tuple[Variant, str]] = []
    fn: list[tuple[Variant, str]] = []
    for key, t in truth.items():
        c = calls.get(key)
        if c is None:
            fn.append((t, "unmatched"))
        elif (
            genotype_aware
            and t.zygosity is not None
            and c.zygosity is not None
            and t.zygosity != c.zygosity
        ):
            fp.append((c, "gt_mismatch"))
            fn.append((t, "gt_mismatch"))
        else:
            tp.append((t, c))
    fp.extend((c, "unmatched") for key, c in calls.items() if key not in truth)
    return tp, fp, fn


def _metric_row(dataset: str, method: str, vclass: str, label: str, counts: dict[str, int]) -> dict:
    tp, tp_call, fp, fn = counts["tp"], counts["tp_call"], counts["fp"], counts["fn"]
    precision = _ratio(tp_call, tp_call + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "dataset": dataset,
        "method": method,
        "class": vclass,
        "vaf_bin": label,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "gt_mismatch": counts["gt_mismatch"],
        "precision": precision,
        "recall": recall,
        "f1": f1_score(precision, recall),
        "tp_call": tp_call,
    }


def metrics_rows(
    tp: Iterable[tuple[Variant, Variant]],
    fp: Iterable[tuple[Variant, str]],
    fn: Iterable[tuple[Variant, str]],
    *,
    vaf_edges: Sequence[float] | None = None,
    dataset: str = "",
    method: str = "",
) -> list[dict]:
    """Count TP/FP/FN per class (and VAF bin) and derive precision, recall and F1.

    Per-bin recall bins TP and FN by the truth VAF (``tp``); per-bin precision bins TP and FP by
    the call's VAF (``tp_call``). In the ``'all'`` rows ``tp == tp_call``. ``gt_mismatch`` is
    binned by the truth VAF.

    Parameters
    ----------
    tp, fp, fn
        Outputs of :func:`match_variants`.
    vaf_edges : sequence of float, optional
        Bin edges; without them only the ``'all'`` rows are produced.
    dataset, method : str
        Copied into every row.

    Returns
    -------
    list of dict
        Rows in :data:`METRIC_COLUMNS` order: for each class, ``'all'`` then the bins (plus
        ``'unknown'`` if some variant had no VAF).
    """
    counts = _tally(tp, fp, fn, vaf_edges)
    labels = ["all"]
    if vaf_edges:
        labels += vaf_bin_labels(vaf_edges)
    if any(label == UNKNOWN_VAF_BIN for _, label in counts):
        labels.append(UNKNOWN_VAF_BIN)
    return [
        _metric_row(dataset, method, cls, label, counts[(cls, label)])
        for cls in CLASSES
        for label in labels
        if (cls, label) in counts
    ]


def _tally(
    tp: Iterable[tuple[Variant, Variant]],
    fp: Iterable[tuple[Variant, str]],
    fn: Iterable[tuple[Variant, str]],
    vaf_edges: Sequence[float] | None,
) -> dict[tuple[str, str], dict[str, int]]:
    """Counts per (class, VAF bin label), ``'all'`` included; see :func:`metrics_rows`."""
    zero = {"tp": 0, "tp_call": 0, "fp": 0, "fn": 0, "gt_mismatch": 0}
    labels = ["all"]
    if vaf_edges:
        labels += vaf_bin_labels(vaf_edges)
    counts = {(cls, label): dict(zero) for cls in CLASSES for label in labels}

    def bump(cls: str, vaf: float | None, column: str) -> None:
        targets = ["all"]
        if vaf_edges:
            targets.append(vaf_bin(vaf, vaf_edges))
        for label in targets:
            counts.setdefault((cls, label), dict(zero))[column] += 1

    for t, c in tp:
        bump(t.vclass, t.vaf, "tp")
        bump(c.vclass, c.vaf, "tp_call")
    for c, _ in fp:
        bump(c.vclass, c.vaf, "fp")
    for t, reason in fn:
        bump(t.vclass, t.vaf, "fn")
        if reason == "gt_mismatch":
            bump(t.vclass, t.vaf, "gt_mismatch")
    return counts


def compare_vcfs(
    truth: str | Path,
    calls: str | Path,
    reference: str | Path,
    regions: str | Path | None = None,
    somatic: bool = False,
    genotype_aware: bool = True,
    vaf_edges: Sequence[float] = DEFAULT_VAF_EDGES,
    pass_only: bool = True,
    sample: str | None = None,
    dataset: str = "",
    method: str = "",
    truth_sample: str | None = None,
) -> BenchResult:
    """Score a call VCF against a truth VCF inside confident regions.

    Parameters
    ----------
    truth, calls : str or Path
        Truth and call VCF/BCF files.
    reference : str or Path
        Reference FASTA (with or without ``.fai``; bcftools creates it if it can).
    regions : str or Path, optional
        BED of confident regions; both sides keep records whose ``POS-1`` is inside.
    somatic : bool
        Allele-only matching (``genotype_aware=False``) plus rows per ``vaf_edges`` bin.
    genotype_aware : bool
        Germline mode: zygosity mismatches count as FP + FN (``gt_mismatch``).
    pass_only : bool
        Keep only calls with FILTER ``PASS`` or ``.`` (the truth is not filtered).
    sample, truth_sample : str, optional
        Call and truth sample to score (default the first; the tumour in somatic VCFs).
    dataset, method : str
        Labels copied into the metrics rows.

    Returns
    -------
    BenchResult

    Raises
    ------
    BenchError
        If bcftools fails on either file (including REF mismatches against the FASTA).
    """
    edges = parse_vaf_edges(vaf_edges) if somatic else None
    gt_aware = False if somatic else genotype_aware
    files = (truth, calls, reference, regions)
    labels = (sample, truth_sample, dataset, method)
    return _compare(_Comparison(*files, somatic, gt_aware, edges, pass_only, *labels))


@dataclass(frozen=True)
class _Comparison:
    """Inputs and options of one comparison, in the order of the JSON ``parameters``."""

    truth: str | Path
    calls: str | Path
    reference: str | Path
    regions: str | Path | None
    somatic: bool
    genotype_aware: bool
    vaf_edges: list[float] | None
    pass_only: bool
    sample: str | None
    truth_sample: str | None
    dataset: str
    method: str

    def parameters(self) -> dict:
        """The JSON ``parameters``: paths as text, no regions as null."""
        return asdict(self) | {
            "truth": str(self.truth),
            "calls": str(self.calls),
            "reference": str(self.reference),
            "regions": str(self.regions) if self.regions else None,
        }


def _compare(settings: _Comparison) -> BenchResult:
    regions = Regions.from_bed(settings.regions) if settings.regions else None
    truth_variants, call_variants = _read_both(settings, regions)
    if regions is not None and not truth_variants:
        log.warning("no truth variant inside %s (chromosome names match?)", settings.regions)
    tp, fp, fn = match_variants(
        truth_variants, call_variants, genotype_aware=settings.genotype_aware
    )
    edges = settings.vaf_edges
    rows = metrics_rows(
        tp, fp, fn, vaf_edges=edges, dataset=settings.dataset, method=settings.method
    )
    return BenchResult(
        metrics=pd.DataFrame(rows, columns=METRIC_COLUMNS),
        fp=_records_frame([_record_row(c, reason, edges) for c, reason in fp]),
        fn=_records_frame([_record_row(t, reason, edges) for t, reason in fn]),
        tp=_records_frame([_record_row(c, "tp", edges) for _, c in tp]),
        rows=rows,
        parameters=settings.parameters(),
    )


def _read_both(
    settings: _Comparison, regions: Regions | None
) -> tuple[dict[tuple[str, int, str, str], Variant], dict[tuple[str, int, str, str], Variant]]:
    """Normalise truth and calls in a scratch directory; read them inside ``regions``."""
    gt_aware = settings.genotype_aware
    with tempfile.TemporaryDirectory(prefix="icope-bench-") as workdir:
        truth = normalise_vcf(
            settings.truth, settings.reference, workdir, sample=settings.truth_sample, name="truth"
        )
        calls = normalise_vcf(
            settings.calls,
            settings.reference,
            workdir,
            sample=settings.sample,
            pass_only=settings.pass_only,
            name="calls",
        )
        truth_variants = read_normalised(
            truth, truth=True, regions=regions, genotype_aware=gt_aware
        )
        call_variants = read_normalised(
            calls, truth=False, regions=regions, genotype_aware=gt_aware
        )
    return truth_variants, call_variants


# --------------------------------------------------------------------------- output


def write_metrics_tsv(result: BenchResult, path: str | Path) -> None:
    """Write the metrics table as TSV (undefined ratios as ``nan``)."""
    result.metrics.to_csv(path, sep="\t", index=False, na_rep="nan", float_format="%.6g")


def write_metrics_json(result: BenchResult, path: str | Path) -> None:
    """Write ``{"parameters": ..., "metrics": [rows]}`` as JSON (undefined ratios as null)."""
    payload = {"parameters": result.parameters, "metrics": result.rows}
    Path(path).write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")


def write_records_tsv(records: pd.DataFrame, path: str | Path) -> None:
    """Write an FP/FN/TP record list as TSV (missing values as ``.``)."""
    records.to_csv(path, sep="\t", index=False, na_rep=".", float_format="%.4g")


def format_table(rows: Sequence[dict] | pd.DataFrame) -> str:
    """Metrics as an aligned text table; undefined ratios print as ``-``.

    Parameters
    ----------
    rows : list of dict or pandas.DataFrame
        Metrics rows (:data:`METRIC_COLUMNS`).

    Returns
    -------
    str
    """
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    shown = ["dataset", "method", "class", "vaf_bin", "tp", "fp", "fn", "gt_mismatch"]
    shown += ["precision", "recall", "f1"]

    def cell(value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if isinstance(value, float):
            return f"{value:.4f}"
        return str(value)

    table = [shown] + [[cell(row.get(column)) for column in shown] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(shown))]
    numeric = {i for i, column in enumerate(shown) if i >= 4}
    lines = []
    for line in table:
        cells = [
            text.rjust(width) if i in numeric else text.ljust(width)
            for i, (text, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def write_outputs(result: BenchResult, prefix: str | Path) -> dict[str, Path]:
    """Write ``PREFIX.tsv``, ``PREFIX.json``, ``PREFIX.fp.tsv`` and ``PREFIX.fn.tsv``.

    Parameters
    ----------
    result : BenchResult
    prefix : str or Path
        Output prefix; its directory is created if needed.

    Returns
    -------
    dict
        ``{'tsv', 'json', 'fp', 'fn'}`` to the written paths.
    """
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    paths = {
        "tsv": prefix.with_name(prefix.name + ".tsv"),
        "json": prefix.with_name(prefix.name + ".json"),
        "fp": prefix.with_name(prefix.name + ".fp.tsv"),
        "fn": prefix.with_name(prefix.name + ".fn.tsv"),
    }
    write_metrics_tsv(result, paths["tsv"])
    write_metrics_json(result, paths["json"])
    write_records_tsv(result.fp, paths["fp"])
    write_records_tsv(result.fn, paths["fn"])
    return paths
