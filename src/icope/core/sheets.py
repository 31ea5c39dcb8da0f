"""Sample and unit sheets: read, validate at the door, and hand the workflow trusted records.

Every problem is reported with the sheet's path, the line in that file (the header is line 1),
the column and the bad value. All problems are
collected before raising, so a user fixes a sheet in one pass.

Read paths (fq1, fq2, bam, also after resolving them against the data directory) may hold only
ASCII letters, digits and ``_ - . / + , = @ :`` (:data:`SAFE_PATH_CHARACTERS`). These need no
quoting in a shell, and Snakemake reads none of them as a wildcard. Anything else (``$ ( ) ` ;
& | < > { } [ ] * ? ! ~ # % \\``, quotes, spaces, control and non-ASCII characters) is
rejected at the door. Such a file must be renamed or linked under a safe name.
"""

from __future__ import annotations

import csv
import os
import string
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: IDs end up in file names, read groups and shell commands.
SAFE_ID = r"^[A-Za-z0-9_-]+$"
#: Read paths reach shell commands: only characters no shell treats specially (module docstring).
SAFE_PATH_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_-./+,=@:")

SAMPLE_COLUMNS = ["patient", "sample", "type", "sex", "secondary_findings_consent", "tumour_only"]
UNIT_COLUMNS = ["sample", "unit", "fq1", "fq2", "bam", "platform", "library"]

_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}


class SheetError(ValueError):
    """One or more sheet problems; ``problems`` holds one message per bad cell."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class SampleType(StrEnum):
    normal = "normal"
    tumour = "tumour"
    rna = "rna"


class Sex(StrEnum):
    female = "female"
    male = "male"
    unknown = "unknown"


def _as_bool(value: object) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("must be yes or no")


class Sample(BaseModel):
    """One biological sample of one patient."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    patient: str = Field(pattern=SAFE_ID)
    sample: str = Field(pattern=SAFE_ID)
    type: SampleType
    sex: Sex = Sex.unknown
    secondary_findings_consent: bool = False
    tumour_only: bool = False
    #: A tumour's known purity (0-1); blank: estimated from copy number and BAF.
    purity: float | None = Field(default=None, gt=0, le=1)

    @field_validator("sex", mode="before")
    @classmethod
    def _blank_sex(cls, value: object) -> object:
        return value.strip().lower() or "unknown" if isinstance(value, str) else value

    @field_validator("secondary_findings_consent", "tumour_only", mode="before")
    @classmethod
    def _yes_no(cls, value: object) -> bool:
        return _as_bool(value)


def _character_name(character: str) -> str:
    if character == " ":
        return "a space"
    if not character.isprintable():
        return f"{character!r} (a control character)"
    return repr(character)


def unsafe_path_problem(path: str) -> str | None:
    """Why ``path`` cannot be a read path (naming each unsafe character), or None if it can."""
    unsafe = list(dict.fromkeys(c for c in path if c not in SAFE_PATH_CHARACTERS))
    if not unsafe:
        return None
    names = [_character_name(c) for c in unsafe]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return (
        f"path contains {listed}: read paths reach shell commands, so only letters, digits "
        "and _ - . / + , = @ : are allowed; rename the file or link it (ln -s) under a safe name"
    )


class Unit(BaseModel):
    """One sequencing unit (lane / run) of a sample: a FASTQ pair or an existing BAM/CRAM."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sample: str = Field(pattern=SAFE_ID)
    unit: str = Field(pattern=SAFE_ID)
    fq1: Path | None = None
    fq2: Path | None = None
    bam: Path | None = None
    platform: str = Field(default="ILLUMINA", pattern=SAFE_ID)
    library: str | None = Field(default=None, pattern=SAFE_ID)

    @field_validator("fq1", "fq2", "bam", "library", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("fq1", "fq2", "bam")
    @classmethod
    def _safe_path(cls, value: Path | None) -> Path | None:
        problem = unsafe_path_problem(str(value)) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("platform", mode="before")
    @classmethod
    def _default_platform(cls, value: object) -> object:
        return "ILLUMINA" if isinstance(value, str) and not value.strip() else value

    @property
    def read_group(self) -> str:
        """SAM @RG line for bwa ``-R`` (tab-escaped as bwa expects)."""
        library = self.library or self.sample
        return (
            f"@RG\\tID:{self.sample}.{self.unit}\\tSM:{self.sample}\\tLB:{library}"
            f"\\tPL:{self.platform}\\tPU:{self.unit}"
        )


def _read_tsv(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise SheetError([f"{path}: sheet not found"])
    with open(path, newline="") as handle:
        rows = [
            (lineno, row)
            for lineno, row in enumerate(csv.reader(handle, delimiter="\t"), start=1)
            if row and not row[0].startswith("#")
        ]
    if not rows:
        raise SheetError([f"{path}: sheet is empty"])
    header = [h.strip() for h in rows[0][1]]
    records = []
    for lineno, row in rows[1:]:
        if len(row) != len(header):
            raise SheetError(
                [f"{path}, line {lineno}: {len(row)} fields but the header has {len(header)}"]
            )
        records.append((lineno, {k: v.strip() for k, v in zip(header, row, strict=True)}))
    return records


def _describe(error: dict) -> str:
    field = ".".join(str(p) for p in error["loc"]) or "row"
    value = error.get("input")
    if error["type"] == "string_pattern_mismatch":
        reason = "only letters, digits, '_' and '-' are allowed"
    elif error["type"] == "extra_forbidden":
        reason = "unknown column"
    elif error["type"] == "enum":
        reason = f"must be one of {error['ctx']['expected']}"
    else:
        reason = error["msg"].removeprefix("Value error, ")
    return f"field '{field}': {reason} (got {value!r})"


def _validate_rows(path: Path, model: type[BaseModel], records: list[tuple[int, dict[str, str]]]):
    problems, items = [], []
    for lineno, record in records:
        cleaned = {k: v for k, v in record.items() if v != "" or k in ("fq1", "fq2", "bam")}
        try:
            items.append((lineno, model(**cleaned)))
        except ValidationError as exc:
            problems += [f"{path}, line {lineno}: {_describe(e)}" for e in exc.errors()]
    return problems, items


def resolve(path: Path, base: Path) -> Path:
    """Relative data paths in sheets are relative to the data directory."""
    return path if path.is_absolute() else base / path


class SampleSheet:
    """Validated samples and units with the lookups the workflow needs.

    Input functions call these lookups once or more per job, so each is a dictionary lookup
    built once here: planning a cohort stays linear in its size (1,000 patients: ~40,000 jobs).
    Returned lists are shared: treat them as read-only.
    """

    def __init__(self, samples: list[Sample], units: list[Unit]):
        self.samples = {s.sample: s for s in samples}
        self.units = units
        self._by_patient: dict[tuple[str, SampleType], list[Sample]] = {}
        self._of_patient: dict[str, list[Sample]] = {}
        self._by_type: dict[SampleType, list[Sample]] = {kind: [] for kind in SampleType}
        for sample in samples:
            self._by_patient.setdefault((sample.patient, sample.type), []).append(sample)
            self._of_patient.setdefault(sample.patient, []).append(sample)
            self._by_type[sample.type].append(sample)
        self._units_of: dict[str, list[Unit]] = {}
        self._unit: dict[tuple[str, str], Unit] = {}
        for unit in units:
            self._units_of.setdefault(unit.sample, []).append(unit)
            self._unit[(unit.sample, unit.unit)] = unit
        self._patients = sorted({s.patient for s in samples})

    @property
    def patients(self) -> list[str]:
        return self._patients

    def of_patient(self, patient: str, kind: SampleType | str) -> list[Sample]:
        return self._by_patient.get((patient, SampleType(kind)), [])

    def samples_of(self, patient: str) -> list[Sample]:
        """Every sample of a patient, in sheet order."""
        return self._of_patient.get(patient, [])

    def of_type(self, kind: SampleType | str) -> list[Sample]:
        return self._by_type[SampleType(kind)]

    def units_of(self, sample: str) -> list[Unit]:
        return self._units_of.get(sample, [])

    def unit(self, sample: str, unit: str) -> Unit:
        return self._unit[(sample, unit)]

    def normal_of(self, tumour: str) -> str | None:
        """The tumour's matched normal; None when it is analysed tumour-only, as the sheet
        asks, even if the patient has a normal."""
        sample = self.samples[tumour]
        if sample.type != SampleType.tumour or sample.tumour_only:
            return None
        normals = self.of_patient(sample.patient, SampleType.normal)
        return normals[0].sample if normals else None

    def tumour_normal_pairs(self) -> list[tuple[Sample, Sample]]:
        return [
            (tumour, self.samples[normal])
            for tumour in self.of_type(SampleType.tumour)
            if (normal := self.normal_of(tumour.sample))
        ]

    def dna_samples(self) -> list[Sample]:
        return [s for s in self.samples.values() if s.type != SampleType.rna]


# --- cross-row sheet rules -------------------------------------------------------------------
# Each rule returns its problem strings, in sheet order. They use the raw IDs where a row may
# have failed validation, so one bad cell elsewhere in a row does not cause false "no normal"
# or "unknown sample" errors.

Rows = list[tuple[int, dict[str, str]]]


def _first_lines(sample_rows: Rows) -> dict[str, int]:
    """Sample name -> the line it first appears on."""
    seen: dict[str, int] = {}
    for lineno, record in sample_rows:
        seen.setdefault(record.get("sample", ""), lineno)
    return seen


def _patient_types(sample_rows: Rows) -> dict[str, list[str]]:
    """Patient -> the types of its samples, in sheet order."""
    types_of: dict[str, list[str]] = {}
    for _, record in sample_rows:
        types_of.setdefault(record.get("patient", ""), []).append(record.get("type", ""))
    return types_of


def _duplicate_samples(samples_path: Path, sample_rows: Rows) -> list[str]:
    problems, seen = [], {}
    for lineno, record in sample_rows:
        name = record.get("sample", "")
        if name in seen:
            problems.append(
                f"{samples_path}, line {lineno}: field 'sample': duplicate sample "
                f"{name!r} (first on line {seen[name]})"
            )
        seen.setdefault(name, lineno)
    return problems


def _one_normal_per_patient(samples_path: Path, types_of: dict[str, list[str]]) -> list[str]:
    return [
        f"{samples_path}: patient {patient!r} has {types.count('normal')} "
        "normal samples; one normal per patient is supported"
        for patient, types in sorted(types_of.items())
        if types.count("normal") > 1
    ]


def _tumour_without_normal(
    samples_path: Path, lineno: int, sample: Sample, types_of: dict[str, list[str]]
) -> list[str]:
    """A tumour of a patient without a normal must be marked tumour_only."""
    if (
        sample.type == SampleType.tumour
        and "normal" not in types_of[sample.patient]
        and not sample.tumour_only
    ):
        return [
            f"{samples_path}, line {lineno}: field 'tumour_only': patient {sample.patient!r} "
            f"has tumour {sample.sample!r} but no normal sample; set tumour_only to yes "
            "to analyse it unmatched"
        ]
    return []


def _tumour_only_on_tumours(samples_path: Path, lineno: int, sample: Sample) -> list[str]:
    if sample.tumour_only and sample.type != SampleType.tumour:
        return [
            f"{samples_path}, line {lineno}: field 'tumour_only': only a tumour sample "
            "can be tumour-only"
        ]
    return []


def _purity_on_tumours(samples_path: Path, lineno: int, sample: Sample) -> list[str]:
    if sample.purity is not None and sample.type != SampleType.tumour:
        return [
            f"{samples_path}, line {lineno}: field 'purity': only a tumour sample has a "
            "purity (leave it blank)"
        ]
    return []


def _unit_sample_known(
    where: str, unit: Unit, seen: dict[str, int], samples_path: Path
) -> list[str]:
    if unit.sample not in seen:
        return [f"{where}: field 'sample': {unit.sample!r} is not in {samples_path}"]
    return []


def _duplicate_unit(
    where: str, lineno: int, unit: Unit, first: dict[tuple[str, str], int]
) -> list[str]:
    """``first`` maps (sample, unit) to the line of its first valid row."""
    first_line = first[(unit.sample, unit.unit)]
    if first_line != lineno:
        return [
            f"{where}: field 'unit': duplicate unit {unit.unit!r} of sample {unit.sample!r} "
            f"(first on line {first_line})"
        ]
    return []


def _read_files_given(where: str, unit: Unit) -> list[str]:
    """Either a FASTQ pair (fq1 + fq2) or a BAM/CRAM, not both and not neither."""
    has_fastq = unit.fq1 is not None or unit.fq2 is not None
    if has_fastq and unit.bam is not None:
        return [f"{where}: field 'bam': give either fq1/fq2 or bam, not both"]
    if not has_fastq and unit.bam is None:
        return [f"{where}: field 'fq1': no reads given (fq1 + fq2, or bam)"]
    if has_fastq and (unit.fq1 is None or unit.fq2 is None):
        missing = "fq1" if unit.fq1 is None else "fq2"
        return [f"{where}: field '{missing}': paired-end reads need both fq1 and fq2"]
    return []


def _resolved_paths_safe(where: str, unit: Unit, data_dir: Path) -> list[str]:
    """A relative path safe in the sheet is unsafe once joined to an unsafe data_dir."""
    problems = []
    for name in ("fq1", "fq2", "bam"):
        value = getattr(unit, name)
        if value is None or value.is_absolute():
            continue
        full = resolve(value, data_dir)
        problem = unsafe_path_problem(str(full))
        if problem:
            problems.append(
                f"{where}: field '{name}': resolved against data_dir {str(data_dir)!r}, the "
                f"{problem} (got {str(full)!r})"
            )
    return problems


def _files_readable(where: str, unit: Unit, data_dir: Path) -> list[str]:
    problems = []
    for name in ("fq1", "fq2", "bam"):
        value = getattr(unit, name)
        if value is None:
            continue
        full = resolve(value, data_dir)
        if not full.is_file():
            problems.append(f"{where}: field '{name}': file not found: {full}")
        elif not os.access(full, os.R_OK):
            problems.append(f"{where}: field '{name}': file not readable: {full}")
    return problems


def _samples_have_units(
    samples_path: Path, units_path: Path, samples: list[Sample], seen: dict[str, int], unit_rows
) -> list[str]:
    unit_samples = {record.get("sample", "") for _, record in unit_rows}
    return [
        f"{samples_path}, line {seen[sample.sample]}: field 'sample': sample "
        f"{sample.sample!r} has no units in {units_path}"
        for sample in samples
        if sample.sample not in unit_samples
    ]


def _sample_problems(samples_path: Path, sample_rows: Rows, sample_items) -> list[str]:
    """The cross-row rules of the samples sheet, in the order they are reported."""
    types_of = _patient_types(sample_rows)
    problems = _duplicate_samples(samples_path, sample_rows)
    problems += _one_normal_per_patient(samples_path, types_of)
    for lineno, sample in sample_items:
        problems += _tumour_without_normal(samples_path, lineno, sample, types_of)
        problems += _tumour_only_on_tumours(samples_path, lineno, sample)
        problems += _purity_on_tumours(samples_path, lineno, sample)
    return problems


def _unit_problems(
    units_path: Path, unit_items, seen: dict[str, int], samples_path: Path, data_dir: Path
) -> list[str]:
    """The per-unit rules of the units sheet, row by row, in the order they are reported."""
    first: dict[tuple[str, str], int] = {}
    for lineno, unit in unit_items:
        first.setdefault((unit.sample, unit.unit), lineno)
    problems = []
    for lineno, unit in unit_items:
        where = f"{units_path}, line {lineno}"
        problems += _unit_sample_known(where, unit, seen, samples_path)
        problems += _duplicate_unit(where, lineno, unit, first)
        problems += _read_files_given(where, unit)
        problems += _resolved_paths_safe(where, unit, data_dir)
        problems += _files_readable(where, unit, data_dir)
    return problems


def _resolved(unit: Unit, data_dir: Path) -> Unit:
    return unit.model_copy(
        update={
            k: resolve(getattr(unit, k), data_dir)
            for k in ("fq1", "fq2", "bam")
            if getattr(unit, k) is not None
        }
    )


def load_sample_sheet(
    samples_path: str | Path, units_path: str | Path, data_dir: str | Path
) -> SampleSheet:
    """Read and validate both sheets; raise :class:`SheetError` listing every problem."""
    samples_path, units_path, data_dir = Path(samples_path), Path(units_path), Path(data_dir)
    sample_rows = _read_tsv(samples_path)
    unit_rows = _read_tsv(units_path)
    problems, sample_items = _validate_rows(samples_path, Sample, sample_rows)
    unit_problems, unit_items = _validate_rows(units_path, Unit, unit_rows)
    problems += unit_problems
    seen = _first_lines(sample_rows)
    samples = [s for _, s in sample_items]
    problems += _sample_problems(samples_path, sample_rows, sample_items)
    problems += _unit_problems(units_path, unit_items, seen, samples_path, data_dir)
    problems += _samples_have_units(samples_path, units_path, samples, seen, unit_rows)
    if problems:
        raise SheetError(problems)
    return SampleSheet(samples, [_resolved(u, data_dir) for _, u in unit_items])
