"""Data model of the read simulator (:mod:`icope.bench.simulate`): its parameters and error, the
variant/clone/LOH records, the results its steps pass on, and the external-tool runner.

It imports no other simulator module; they all import from here.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from icope.core.sheets import SAFE_ID

DEFAULT_VAF_LEVELS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
MIN_DISTANCE = 200
SIMULATORS = ("art", "dwgsim")


@dataclass(frozen=True)
class ErrorProfile:
    """Sequencing error of the simulated reads, for each simulator.

    ``art_shift``: art_illumina ``-qs``/``-qs2`` (R1, R2), which scale the built-in HS25
    profile's error by ``10 ** (-shift / 10)`` (its substitutions are drawn from its qualities;
    measured 0.16 % per base on R1 and R2 unshifted, roughly flat along the read).
    ``dwgsim_rates``: dwgsim ``-e``/``-E`` (R1, R2); ``a-b`` rises linearly from a at the
    first base to b at the last (read-end decay), with qualities that follow.
    """

    name: str
    description: str
    art_shift: tuple[int, int]
    dwgsim_rates: tuple[str, str]


#: ``default`` is what the germline and somatic benchmarks were measured with.
ERROR_PROFILES = {
    p.name: p
    for p in (
        ErrorProfile(
            "default", "art HS25 ~0.16 %; dwgsim 0.1 % R1, 0.2 % R2", (0, 0), ("0.001", "0.002")
        ),
        ErrorProfile("low", "~0.1 % per base, flat", (2, 2), ("0.001", "0.001")),
        ErrorProfile(
            "realistic",
            "0.2-0.5 %: R1 0.2 -> 0.4 %, R2 0.3 -> 0.5 % along the read (dwgsim); art HS25 with "
            "its qualities 3 (R1) and 4 (R2) lower",
            (-3, -4),
            ("0.002-0.004", "0.003-0.005"),
        ),
        ErrorProfile(
            "high",
            "~1 %: R1 0.6 -> 1.2 %, R2 0.8 -> 1.4 % along the read (dwgsim); art HS25 with its "
            "qualities 8 lower",
            (-8, -8),
            ("0.006-0.012", "0.008-0.014"),
        ),
    )
}


class SimulationError(ValueError):
    """Bad simulation input (region, VCF, LOH, impossible placement)."""


@dataclass(frozen=True)
class SimulationParams:
    """Everything a simulation takes; the defaults are those of ``icope simulate``.

    ``reference``, ``germline_vcf`` and ``outdir`` become paths; the other values are kept as
    given. ``loh``: None = one default segment (100 kb, or a tenth of the longest contig,
    centred); False / "none" = no LOH; else a ``(contig, start, end)`` tuple (1-based inclusive),
    a ``"chr:start-end"`` string, or a list of those. ``reads=False`` writes truth and sheets
    only; ``keep_intermediate`` keeps ``outdir/work`` (haplotype FASTAs, per-haplotype FASTQs).
    ``error_profile``: a key of :data:`ERROR_PROFILES` (sequencing error of the reads).

    Raises
    ------
    SimulationError
        For a patient name that is not a safe ID, an unknown simulator (art or dwgsim) or
        error profile.
    """

    reference: Path
    germline_vcf: Path
    outdir: Path
    region: str | None = None
    confident_bed: str | Path | None = None
    normal_depth: float = 30
    tumour_depth: float = 60
    purity: float = 0.8
    n_somatic_snv: int = 200
    n_somatic_indel: int = 40
    vaf_levels: Sequence[float] = DEFAULT_VAF_LEVELS
    loh: object = None
    spike_in_vcf: str | Path | None = None
    read_length: int = 150
    fragment_mean: int = 400
    fragment_sd: int = 50
    seed: int = 1
    simulator: str = "art"
    error_profile: str = "default"
    patient: str = "SIM1"
    threads: int = 2
    min_distance: int = MIN_DISTANCE
    reads: bool = True
    keep_intermediate: bool = False

    def __post_init__(self) -> None:
        for name in ("reference", "germline_vcf", "outdir"):
            object.__setattr__(self, name, Path(getattr(self, name)))
        if not re.fullmatch(SAFE_ID, self.patient):
            raise SimulationError(f"patient {self.patient!r}: only letters, digits, '_' and '-'")
        if self.simulator not in SIMULATORS:
            raise SimulationError(f"unknown simulator {self.simulator!r} (art or dwgsim)")
        if self.error_profile not in ERROR_PROFILES:
            raise SimulationError(
                f"unknown error profile {self.error_profile!r} ({', '.join(ERROR_PROFILES)})"
            )

    @property
    def normal_name(self) -> str:
        return f"{self.patient}_N"

    @property
    def tumour_name(self) -> str:
        return f"{self.patient}_T"

    def as_summary(self) -> dict:
        """The ``parameters`` section of simulation.json (paths resolved)."""
        return {
            "reference": str(self.reference.resolve()),
            "germline_vcf": str(self.germline_vcf.resolve()),
            "confident_bed": _resolved(self.confident_bed),
            "spike_in_vcf": _resolved(self.spike_in_vcf),
            "outdir": str(self.outdir.resolve()),
            "region": self.region,
            "normal_depth": self.normal_depth,
            "tumour_depth": self.tumour_depth,
            "purity": self.purity,
            "n_somatic_snv": self.n_somatic_snv,
            "n_somatic_indel": self.n_somatic_indel,
            "vaf_levels": list(self.vaf_levels),
            "loh": None if self.loh is None else str(self.loh),
            "read_length": self.read_length,
            "fragment_mean": self.fragment_mean,
            "fragment_sd": self.fragment_sd,
            "seed": self.seed,
            "simulator": self.simulator,
            "error_profile": self.error_profile,
            "patient": self.patient,
            "threads": self.threads,
            "min_distance": self.min_distance,
            "reads": self.reads,
        }


def _resolved(path: str | Path | None) -> str | None:
    return str(Path(path).resolve()) if path else None


# ----------------------------------------------------------------------------- records


@dataclass
class GermlineRecord:
    contig: str
    pos: int  # 1-based
    id: str
    ref: str
    alts: tuple[str, ...]
    gt: tuple[int, int]
    spike_in: bool = False

    @property
    def start0(self) -> int:
        return self.pos - 1

    @property
    def end0(self) -> int:
        return self.pos - 1 + len(self.ref)

    def allele(self, hap: int) -> str:
        index = self.gt[hap - 1]
        return self.ref if index == 0 else self.alts[index - 1]


@dataclass
class Clone:
    name: str
    fraction: float  # cancer-cell fraction (of tumour cells)
    levels: list[dict] = field(default_factory=list)


@dataclass
class Population:
    name: str
    fraction: float  # of all cells in the tumour sample
    n_clones: int  # carries clones C1..C_n (0 = normal cells)


@dataclass
class LohSegment:
    contig: str
    start0: int
    end0: int

    def contains(self, contig: str, start0: int, end0: int) -> bool:
        return contig == self.contig and self.start0 <= start0 and end0 <= self.end0


@dataclass
class SomaticVariant:
    contig: str
    pos: int  # 1-based
    ref: str
    alt: str
    type: str  # SNV, INS, DEL
    clone: int  # 1-based clone index
    clone_fraction: float
    haplotypes: tuple[int, ...]
    target_vaf: float
    in_loh: bool
    vaf: float = 0.0

    @property
    def start0(self) -> int:
        return self.pos - 1

    @property
    def end0(self) -> int:
        return self.pos - 1 + len(self.ref)


# ----------------------------------------------------------------------------- step results


@dataclass
class Dirs:
    truth: Path
    reads: Path
    work: Path

    @classmethod
    def create(cls, outdir: Path) -> Dirs:
        dirs = cls(outdir / "truth", outdir / "reads", outdir / "work")
        for d in (dirs.truth, dirs.reads, dirs.work):
            d.mkdir(parents=True, exist_ok=True)
        return dirs


@dataclass
class Genome:
    seqs: dict[str, str]
    lengths: dict[str, int]
    path: Path  # the FASTA the tools read: the input, or outdir/reference.fa


@dataclass
class GermlineTruth:
    records: list[GermlineRecord]  # applied to the haplotypes, in reference order
    n_input: int  # usable truth records before spike-ins and overlaps
    n_spike_ins: int
    skipped: dict[str, int]


@dataclass
class Tumour:
    clones: list[Clone]
    plan: list[dict]
    pops: list[Population]
    segments: list[LohSegment]
    somatic: list[SomaticVariant]


# ----------------------------------------------------------------------------- external tools


def run_tool(cmd: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n"
            f"{result.stderr.strip()}"
        )
    return result
