"""Validation at the door and the input functions every stage uses.

Everything here runs when Snakemake parses the workflow, before any job: a bad config, sheet
or data file stops the run with one message naming the file, line and field, and nothing is
written to results/.
"""

import functools
import os
import re
import sys
from pathlib import Path

WORKFLOW_DIR = Path(workflow.basedir)
PACKAGE_DIR = str(WORKFLOW_DIR / "src")
# This checkout's own package, never another installed copy: first on this process's path, and
# first on PYTHONPATH for every rule script (see icope.core.checkout).
sys.path.insert(0, PACKAGE_DIR)

from icope.core.checkout import prepend_pythonpath  # noqa: E402
from icope.core.chunks import chunk_ids  # noqa: E402
from icope.core.config import ConfigError, load_schema, validate_config  # noqa: E402
from icope.core.contigs import ContigError, check_contigs  # noqa: E402
from icope.core.filecache import FileCache  # noqa: E402
from icope.core.planning import fix_signatures, fixed_signature  # noqa: E402
from icope.core.resources import (
    CHUNK_COSTS,
    COSTS,
    PIPES,
    SORT_MEM_MB_PER_THREAD,
    total_bytes,
)  # noqa: E402
from icope.core.datafiles import (
    DataError,
    check_manifest,
    resolve_data_dir,
)  # noqa: E402
from icope.core.sheets import SampleSheet, SheetError, load_sample_sheet  # noqa: E402
from icope.core.stamps import invalidate_if_changed  # noqa: E402
from snakemake.logging import logger  # noqa: E402

prepend_pythonpath(PACKAGE_DIR)


wildcard_constraints:
    sample="[A-Za-z0-9_-]+",
    unit="[A-Za-z0-9_-]+",
    patient="[A-Za-z0-9_-]+",
    tumour="[A-Za-z0-9_-]+",
    known="dbsnp|gnomad|clinvar",
    origin="germline|somatic",
    method="pileup|freebayes",
    part="[0-9]{4}",


def _stop(message):
    raise WorkflowError(f"icope: invalid input\n{message}")


try:
    validate_config(
        config, load_schema(WORKFLOW_DIR / "workflow/schemas/config.schema.yaml")
    )
except ConfigError as exc:
    _stop(exc)

# Results hold patient data: every file and directory the workflow creates is closed to other
# users. Each job (shell or script, local or on a cluster node, which parses this file again)
# inherits this process's umask.
os.umask(int(config["umask"], 8))

# `snakemake --lint` reads the rules, not the data: it runs on the template config with no data
# directory, sheets or reference present. Every other invocation checks them here.
LINTING = not workflow.check_envvars
# The costly input checks (md5 manifest, contig names) run in the process that plans the run;
# jobs that re-read this file (SLURM jobs, group jobs) trust what their planner checked. Facts
# about unchanged files (md5, contigs) are remembered between runs.
CHECK_INPUTS = not LINTING and workflow.is_main_process
INPUT_FACTS = FileCache(".snakemake/icope/input_facts.json" if CHECK_INPUTS else None)

try:
    if LINTING:
        DATA_DIR, SHEET = Path(config["data_dir"]), SampleSheet([], [])
    else:
        DATA_DIR = resolve_data_dir(config["data_dir"], WORKFLOW_DIR)
        if config.get("data_manifest") and CHECK_INPUTS:
            check_manifest(config["data_manifest"], DATA_DIR, INPUT_FACTS)
        SHEET = load_sample_sheet(config["samples"], config["units"], DATA_DIR)
except (DataError, SheetError) as exc:
    _stop(exc)


def data_path(relative):
    """A reference/known-site path from the config: relative ones live under data_dir."""
    path = Path(relative)
    return str(path if path.is_absolute() else DATA_DIR / path)


def _require_files(section, paths):
    if LINTING:
        return
    missing = [
        f"config {section}: file not found: {p}" for p in paths if not Path(p).is_file()
    ]
    if missing:
        _stop("\n".join(missing))


REF = config["reference"]
KNOWN = {
    name: data_path(REF["known_sites"][name])
    for name in ("dbsnp", "gnomad", "clinvar")
    if REF["known_sites"].get(name)
}
# A reference without gene annotation (e.g. a benchmark segment) is allowed: calls are then
# written without consequences, and neither a panel nor RNA samples can be analysed.
ANNOTATION = data_path(REF["annotation"]) if REF.get("annotation") else None
PANEL = config.get("panel")
if ANNOTATION is None and PANEL:
    _stop("config panel: a gene panel needs reference.annotation to resolve its genes")
if ANNOTATION is None and SHEET.of_type("rna"):
    _stop("config reference.annotation: RNA samples need a gene annotation to quantify")
_require_files(
    "reference",
    [data_path(REF["fasta"])]
    + ([ANNOTATION] if ANNOTATION else [])
    + list(KNOWN.values())
    + ([data_path(REF["targets"])] if REF.get("targets") else []),
)
if PANEL:
    _require_files("panel.genes", [PANEL["genes"]])
if CHECK_INPUTS:
    try:
        check_contigs(
            data_path(REF["fasta"]),
            annotation=ANNOTATION,
            known_sites=KNOWN,
            targets=data_path(REF["targets"]) if REF.get("targets") else None,
            alignments={
                f"{config['units']}: sample {u.sample} unit {u.unit}: field 'bam'": u.bam
                for u in SHEET.units
                if u.bam is not None
            },
            cache=INPUT_FACTS,
        )
    except ContigError as exc:
        _stop(exc)

ALIGN_EXT = config["alignment"]["format"]
INDEX_EXT = "bai" if ALIGN_EXT == "bam" else "crai"

GENOME = "results/reference/genome.fa"
BWA_INDEX = multiext(GENOME, ".amb", ".ann", ".bwt", ".pac", ".sa")
BWA_STAMP_SUFFIX = ".bwa_index.stamp"
BWA_STAMP = GENOME + BWA_STAMP_SUFFIX  # bwa_prefix reads the prefix back from it
# minimap2's index holds its preset's k-mer settings: built with -x sr, the preset it maps with.
MINIMAP2_INDEX = f"{GENOME}.mmi"
if CHECK_INPUTS and (damaged := invalidate_if_changed(BWA_STAMP)):
    logger.warning(f"icope: bwa index will be rebuilt: {'; '.join(damaged)}")


# --- calling chunks ------------------------------------------------------------------------

# Chunk slots 0001..N: their number comes from the config, so the DAG is known before any job
# runs (rule calling_chunks fills them; a reference too small for all gets empty ones).
CHUNKS = chunk_ids(config["calling"]["chunks"])


# Every job calling small variants reads every chunk's own (core) regions and the padded
# regions its caller reads (icope.core.scatter runs the chunks inside the job). It declares the
# chunks' stamp, written last by calling_chunks, as its one input for them; the BEDs are params.
CHUNK_CORE_BEDS = [f"results/reference/chunks/{c}.core.bed" for c in CHUNKS]
CHUNK_PADDED_BEDS = [f"results/reference/chunks/{c}.padded.bed" for c in CHUNKS]
CHUNK_STAMP = "results/reference/chunks/chunks.stamp"
if CHECK_INPUTS and (damaged := invalidate_if_changed(CHUNK_STAMP)):
    logger.warning(f"icope: calling chunks will be rebuilt: {'; '.join(damaged)}")


def _freebayes_settings(section):
    return {
        "min_mapq": config["alignment"]["min_mapq_for_calling"],
        "min_bq": config[section]["min_base_quality"],
        "best_n": config["calling"]["freebayes_best_n_alleles"],
        # freebayes' --skip-coverage: this factor times the summed mean depth (mosdepth, over
        # the calling targets) of the samples called, at least the minimum
        # (icope.core.callers.skip_coverage).
        "skip_factor": config["calling"]["freebayes_skip_coverage_factor"],
        "skip_minimum": config["calling"]["freebayes_min_skip_coverage"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        "extra": config[section]["freebayes_extra"],
    }


def germline_caller_settings():
    """The settings of the configured germline caller (icope.core.callers)."""
    if config["germline"]["caller"] == "freebayes":
        return _freebayes_settings("germline")
    return {
        "min_mapq": config["alignment"]["min_mapq_for_calling"],
        "min_bq": config["germline"]["min_base_quality"],
        # Pasted unquoted on purpose: argument strings (config/README.md).
        "mpileup_extra": config["germline"]["bcftools_mpileup_extra"],
        "call_extra": config["germline"]["bcftools_call_extra"],
    }


def somatic_method_settings(wildcards):
    """The settings of one somatic calling method (icope.core.callers)."""
    somatic = config["somatic"]
    if wildcards.method == "freebayes":
        return _freebayes_settings("somatic") | {
            "min_af": somatic["min_tumour_af"],
            "min_alt_count": somatic["freebayes_min_alternate_count"],
        }
    return {
        "min_mapq": config["alignment"]["min_mapq_for_calling"],
        "min_bq": somatic["min_base_quality"],
        "enough_alt_reads": f"FORMAT/AD[0:1]>={somatic['min_tumour_alt_reads']}",
        # Per sample: allele depths, per strand, and base-quality sums per allele (QS) for
        # the likelihood model; INFO/I16 (always written) adds mapping quality and read-end
        # distance.
        "annotations": "FORMAT/AD,FORMAT/DP,FORMAT/ADF,FORMAT/ADR,FORMAT/QS",
        # Deep panels and amplicons exceed mpileup's default of 250 reads per file.
        "max_depth": somatic["pileup_max_depth"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        "extra": somatic["bcftools_mpileup_extra"],
    }


def sample_depth_summary(wildcards):
    return mosdepth_summary(wildcards.sample)


def germline_depth_summary(wildcards):
    """freebayes' --skip-coverage reads the normal's mosdepth summary; bcftools nothing."""
    if config["germline"]["caller"] == "freebayes":
        return [sample_depth_summary(wildcards)]
    return []


def somatic_depth_summaries(wildcards):
    """mosdepth summaries of a tumour and its matched normal (if any), for freebayes'
    --skip-coverage; the pileup method reads none."""
    if wildcards.method != "freebayes":
        return []
    normal = normal_of(wildcards.tumour)
    return [mosdepth_summary(s) for s in (wildcards.tumour, normal) if s]


def _chunk_cost(wildcards):
    """The per-chunk cost of a calling job's caller (somatic: its method)."""
    if hasattr(wildcards, "method"):
        return CHUNK_COSTS[f"somatic_{wildcards.method}"]
    return CHUNK_COSTS[f"germline_{config['germline']['caller']}"]


def _chunks_at_once(threads):
    return max(1, min(threads, len(CHUNKS)))


def scattered_mem_mb(wildcards, input, threads, attempt):
    """One chunk's memory times the chunks running at once (min(threads, chunks)), growing
    with each attempt."""
    cost = _chunk_cost(wildcards)
    one = cost.memory(input_bytes(input, cost.mem_of), 1, attempt)
    return one * _chunks_at_once(threads)


def scattered_runtime(wildcards, input, threads, attempt):
    """Minutes of every chunk's CPU (the caller's cost over all of the BAMs) spread over the
    chunks running at once, growing with each attempt."""
    cost = _chunk_cost(wildcards)
    return cost.runtime(
        input_bytes(input, cost.time_of), _chunks_at_once(threads), attempt
    )


# --- resources ---------------------------------------------------------------------------
# Threads come from config["threads"]; memory and runtime from the job's input sizes
# (icope.core.resources: the model of each rule and where its numbers come from).


def mem_mb(base):
    """Memory that grows with each retry, for steps SLURM may kill for memory. No step asks
    for less than 1000 MB: on a cluster every job carries two Snakemake processes (~190 MB
    each, measured on the test SLURM) before its tool starts."""

    def _mem(wildcards, attempt):
        return base * attempt

    return fixed_signature(_mem)


def runtime_min(base):
    def _runtime(wildcards, attempt):
        return base * attempt

    return fixed_signature(_runtime)


def _cost(name):
    """A rule's Cost or Pipe, by its name in icope.core.resources COSTS or PIPES."""
    return COSTS[name] if name in COSTS else PIPES[name]


def input_bytes(input, names):
    """Bytes of the job's named inputs (every input when names is None). An input not made
    yet raises FileNotFoundError, which Snakemake shows as <TBD> in a dry run; it evaluates
    the resource again once the inputs exist, before the job is submitted."""
    if names is None:
        return total_bytes(input)
    paths = []
    for name in names:
        value = input.get(name)
        if value is not None:
            paths += [value] if isinstance(value, str) else list(value)
    return total_bytes(paths)


def sized_mem_mb(name):
    """mem_mb from the size of the inputs that drive memory, growing with each attempt.
    `name`: a rule name in icope.core.resources.COSTS or PIPES."""
    cost = _cost(name)

    def _mem(wildcards, input, threads, attempt):
        return cost.memory_of(functools.partial(input_bytes, input), threads, attempt)

    return fixed_signature(_mem)


def sized_runtime(name):
    """Runtime in minutes from the size of the inputs that drive it, the job's threads and
    the attempt. `name`: a rule name in icope.core.resources.COSTS or PIPES.
    """
    cost = _cost(name)

    def _runtime(wildcards, input, threads, attempt):
        return cost.runtime_of(functools.partial(input_bytes, input), threads, attempt)

    return fixed_signature(_runtime)


# --- samples and units --------------------------------------------------------------------


def patient_of(sample):
    return SHEET.samples[sample].patient


def normal_of(tumour):
    """The matched normal, or None for a tumour analysed unmatched (tumour_only)."""
    return SHEET.normal_of(tumour)


def _raw_reads(unit):
    """A unit's FASTQ pair, or the pair extracted from its BAM/CRAM."""
    if unit.bam is not None:
        prefix = f"results/reads_from_bam/{unit.sample}/{unit.unit}"
        return {"r1": f"{prefix}_R1.fastq.gz", "r2": f"{prefix}_R2.fastq.gz"}
    return {"r1": str(unit.fq1), "r2": str(unit.fq2)}


def unit_reads(wildcards):
    """Raw reads of one unit: its FASTQ pair, or the pair extracted from its BAM/CRAM."""
    return _raw_reads(SHEET.unit(wildcards.sample, wildcards.unit))


def unit_bam(wildcards):
    return str(SHEET.unit(wildcards.sample, wildcards.unit).bam)


def bwa_prefix(wildcards, input):
    """The index prefix bwa expects: the genome path the index stamp (input index) is named
    after."""
    return input.index.removesuffix(BWA_STAMP_SUFFIX)


def read_group(wildcards):
    return SHEET.unit(wildcards.sample, wildcards.unit).read_group


# alignment.split_fastq_parts > 1: fastp writes each unit's trimmed pairs as that many parts
# (0001..N), each aligned by its own job, all merged by merge_markdup (like nf-core/sarek's
# split_fastq). The number comes from the config, so the DAG stays static.
SPLIT_PARTS = config["alignment"]["split_fastq_parts"]
PARTS = [f"{i:04d}" for i in range(1, SPLIT_PARTS + 1)] if SPLIT_PARTS > 1 else []
# The key of one aligned piece of a unit: a unit, or one part of it.
UNIT_KEY = "{sample}/{unit}/{part}" if PARTS else "{sample}/{unit}"
UNIT_BAM = f"results/alignment/units/{UNIT_KEY}.bam"


def trimmed_path(sample, unit, mate, part=None):
    """A trimmed FASTQ of one unit (mate r1 or r2): the unit's, one part's, or (split, no
    part) the name fastp --split is given, which it writes as <part>.<name>."""
    prefix, name = f"results/trimmed/{sample}/{unit}", f"{mate.upper()}.fastq.gz"
    if not PARTS:
        return f"{prefix}_{name}"
    return os.path.join(prefix, f"{part}.{name}" if part else name)


def trimmed_files(sample, unit):
    """The trimmed pair(s) of one unit: {"r1": [...], "r2": [...]}, one per part."""
    return {
        mate: [trimmed_path(sample, unit, mate, part) for part in PARTS or [None]]
        for mate in ("r1", "r2")
    }


# fastp's outputs: a unit's trimmed pair, or (split) its parts; and what fastp is told to write.
TRIMMED_OUTPUT = trimmed_files("{sample}", "{unit}")
FASTP_OUT = {mate: trimmed_path("{sample}", "{unit}", mate) for mate in ("r1", "r2")}


def unit_alignments(wildcards):
    return [
        UNIT_BAM.format(sample=wildcards.sample, unit=u.unit, part=part)
        for u in SHEET.units_of(wildcards.sample)
        for part in PARTS or [None]
    ]


def trimmed_unit(wildcards):
    """The pair one alignment job reads: the unit's, or one part's."""
    part = wildcards.part if PARTS else None
    return {
        mate: trimmed_path(wildcards.sample, wildcards.unit, mate, part)
        for mate in ("r1", "r2")
    }


def trimmed_reads(wildcards):
    files = [
        trimmed_files(wildcards.sample, u.unit)
        for u in SHEET.units_of(wildcards.sample)
    ]
    return {mate: [f for unit in files for f in unit[mate]] for mate in ("r1", "r2")}


def fastp_json(unit):
    return f"results/qc/fastp/{unit.sample}.{unit.unit}.fastp.json"


def fastp_link(mate):
    """The name fastp reads a unit's mate through, which its reports (and MultiQC) give the
    unit: the sample ID for a sample of one unit, else <sample>.<unit>."""

    def _link(wildcards):
        one_unit = len(SHEET.units_of(wildcards.sample)) == 1
        name = wildcards.sample if one_unit else f"{wildcards.sample}.{wildcards.unit}"
        return os.path.join(
            f"results/qc/fastp/{wildcards.sample}.{wildcards.unit}.reads",
            f"{name}_{mate}.fastq",
        )

    return fixed_signature(_link)


# The start of every fastp command (rules fastp, fastp_bwa_mem, fastp_minimap2): fastp reads
# the unit through links named after it (params r1_link, r2_link: see fastp_link), made here
# and removed when the shell exits; then "$in1" and "$in2" name them.
FASTP_LINKS = (
    'in1={params.r1_link:q}; in2={params.r2_link:q}; links="${{in1%/*}}"; '
    'if [[ {input.r1:q} == *.gz ]]; then in1="$in1.gz"; fi; '
    'if [[ {input.r2:q} == *.gz ]]; then in2="$in2.gz"; fi; '
    'rm -rf "$links"; mkdir -p "$links"; trap \'rm -rf "$links"\' EXIT; '
    'ln -s "$(realpath {input.r1:q})" "$in1"; ln -s "$(realpath {input.r2:q})" "$in2"; '
)


def fastp_options(threads):
    """fastp's trimming settings, worker threads and reports, the same for DNA and RNA units
    (in a shell command Snakemake formats)."""
    return (
        "--detect_adapter_for_pe --length_required {params.min_length:q} "
        f"--thread {threads} --json {{output.json:q}} --html {{output.html:q}}"
    )


FASTP_OPTIONS = fastp_options("{threads}")
# fastp piped into an aligner (rules fastp_bwa_mem, fastp_minimap2): the trimmed pairs,
# interleaved, on its standard output. One worker thread: with more, fastp --stdout writes the
# pairs in a different order on every run (its file writers keep the input order), and bwa's
# insert-size batches, the order of equal positions in the sorted BAM, would change with it.
# In input order the BAM is the one of fastp's files aligned by bwa mem as two files.
FASTP_TO_STDOUT = f'fastp --in1 "$in1" --in2 "$in2" --stdout {fastp_options(1)}'
FASTP_REPORTS = {
    "json": "results/qc/fastp/{sample}.{unit}.fastp.json",
    "html": "results/qc/fastp/{sample}.{unit}.fastp.html",
}


def bam_qc_threads(tool):
    """bam_qc's threads for samtools stats or mosdepth: each its config share of the job's
    threads (at least one each), so a job scaled down to --cores stays within them."""
    own = config["threads"][tool]
    total = config["threads"]["samtools_stats"] + config["threads"]["mosdepth"]

    def _threads(wildcards, threads):
        return max(1, threads * own // total)

    return fixed_signature(_threads)


def multiqc_salmon_names():
    """The RNA samples, in the order of qc_inputs' salmon directories."""
    return [s.sample for s in SHEET.of_type("rna")]


def samtools_stats_file(sample):
    return f"results/qc/samtools/{sample}.stats"


def mosdepth_summary(sample):
    return f"results/qc/mosdepth/{sample}.mosdepth.summary.txt"


def salmon_dir(sample):
    return f"results/rna/{sample}/salmon"


# --- tumour RNA (rna.smk) --------------------------------------------------------------------


def star_reads_r1(wildcards):
    """STAR --readFilesIn takes a unit's files comma-separated."""
    return ",".join(trimmed_reads(wildcards)["r1"])


def star_reads_r2(wildcards):
    return ",".join(trimmed_reads(wildcards)["r2"])


def star_final_log(sample):
    return f"results/rna/{sample}/star/{sample}.Log.final.out"


def known_fusions_file():
    """The known-fusion list: rna.known_fusions, or the shipped paediatric list."""
    path = config["rna"].get("known_fusions")
    if path:
        return path
    return str(WORKFLOW_DIR / "resources" / "fusions" / "known_paediatric_fusions.tsv")


def rna_patient_files(wildcards):
    """rna_patient's manifest: the patient's RNA samples (BAM, QC and fusion tables), its
    normals' and tumours' annotated calls; the same paths are the rule's input."""
    of = functools.partial(SHEET.of_patient, wildcards.patient)
    return {
        "rna": {
            s.sample: {
                "bam": f"results/rna/{s.sample}/{s.sample}.bam",
                "qc": f"results/rna/{s.sample}/rna_qc.tsv",
                "fusions": f"results/rna/{s.sample}/fusions.tsv",
            }
            for s in of("rna")
        },
        "germline": {
            s.sample: annotated_calls("germline", s.sample) for s in of("normal")
        },
        "somatic": {
            s.sample: annotated_calls("somatic", s.sample) for s in of("tumour")
        },
    }


def rna_patient_inputs(wildcards):
    files = rna_patient_files(wildcards)
    rna = files["rna"].values()
    return {
        "bams": [f["bam"] for f in rna],
        "bais": [f"{f['bam']}.bai" for f in rna],
        "qc": [f["qc"] for f in rna],
        "fusions": [f["fusions"] for f in rna],
        "germline": list(files["germline"].values()),
        "somatic": list(files["somatic"].values()),
    }


def rna_patients():
    return [p for p in SHEET.patients if SHEET.of_patient(p, "rna")]


def rna_patient_summary(wildcards):
    """The patient's RNA document for the report ([] without an RNA sample)."""
    if SHEET.of_patient(wildcards.patient, "rna"):
        return f"results/rna/patients/{wildcards.patient}/rna.json"
    return []


def rna_cohort_inputs(wildcards):
    return {
        "genes": [f"results/rna/{s.sample}/genes.tsv" for s in SHEET.of_type("rna")],
        "alleles": [
            f"results/rna/patients/{p}/allele_counts.tsv" for p in rna_patients()
        ],
    }


def rna_outputs():
    if not SHEET.of_type("rna"):
        return []
    return [
        "results/cohort/expression_counts.tsv",
        "results/cohort/expression_tpm.tsv",
        "results/cohort/expression_outliers.tsv",
        "results/cohort/rna_allele_counts.tsv",
    ]


def qc_inputs(wildcards):
    """Every per-sample QC file: fastp for all units, alignment QC for DNA, salmon for RNA."""
    dna = [s.sample for s in SHEET.dna_samples()]
    return {
        "fastp": [fastp_json(u) for u in SHEET.units],
        "stats": [samtools_stats_file(s) for s in dna],
        "flagstat": [f"results/qc/samtools/{s}.flagstat" for s in dna],
        "markdup": [f"results/qc/markdup/{s}.markdup.txt" for s in dna],
        "mosdepth": [mosdepth_summary(s) for s in dna],
        "mosdepth_dist": [
            f"results/qc/mosdepth/{s}.mosdepth.region.dist.txt" for s in dna
        ],
        "salmon": [salmon_dir(s.sample) for s in SHEET.of_type("rna")],
        "star": [star_final_log(s.sample) for s in SHEET.of_type("rna")],
    }


@functools.cache
def qc_sample_files():
    """The QC manifest: per sample its fastp reports (one per unit) and, for
    DNA, samtools stats and mosdepth summary, for RNA the salmon directory (else None).
    Every path is also in qc_inputs."""
    rna = {s.sample for s in SHEET.of_type("rna")}
    return {
        name: {
            "fastp": [fastp_json(u) for u in SHEET.units_of(name)],
            "stats": None if name in rna else samtools_stats_file(name),
            "mosdepth": None if name in rna else mosdepth_summary(name),
            "salmon": salmon_dir(name) if name in rna else None,
            "rna_qc": f"results/rna/{name}/rna_qc.tsv" if name in rna else None,
        }
        for name in SHEET.samples
    }


def alignment(sample):
    return f"results/alignment/{sample}.{ALIGN_EXT}"


def alignment_index(sample):
    return f"{alignment(sample)}.{INDEX_EXT}"


def pair_alignments(wildcards):
    normal = normal_of(wildcards.tumour)
    files = {
        "tumour": alignment(wildcards.tumour),
        "tumour_idx": alignment_index(wildcards.tumour),
    }
    if normal:
        files |= {"normal": alignment(normal), "normal_idx": alignment_index(normal)}
    return files


@functools.cache
def cnv_tumours():
    """Tumours with a matched normal (not tumour_only): copy number is analysed for those.

    Computed once; an ordered dict, so that membership tests in input functions cost O(1).
    """
    return dict.fromkeys(
        s.sample for s in SHEET.of_type("tumour") if normal_of(s.sample)
    )


def cnv_normal_reference(wildcards):
    return f"results/cnv/reference/{normal_of(wildcards.tumour)}.cnn"


def cnv_germline_calls(wildcards):
    normal = normal_of(wildcards.tumour)
    return {
        "vcf": f"results/germline/{normal}.vcf.gz",
        "tbi": f"results/germline/{normal}.vcf.gz.tbi",
    }


def cnv_outputs():
    return [
        f"results/cnv/{t}/{t}.{ext}"
        for t in cnv_tumours()
        for ext in (
            "cnr",
            "cns",
            "baf.tsv",
            "segments.tsv",
            "purity.json",
            "loh.bed",
            "cnv.png",
        )
    ]


def tumour_purity(wildcards):
    """The tumour's given purity: its sheet cell, else config cnv.purity; None: estimated."""
    given = SHEET.samples[wildcards.tumour].purity
    return given if given is not None else config["cnv"]["purity"]


def sample_alignment(wildcards):
    return {
        "bam": alignment(wildcards.sample),
        "idx": alignment_index(wildcards.sample),
    }


def known_site(wildcards):
    if wildcards.known not in KNOWN:
        raise WorkflowError(
            f"config reference.known_sites.{wildcards.known} is not set: no job reads it"
        )
    return KNOWN[wildcards.known]


def pair_normal_name(wildcards):
    """The matched normal's sample name, or '' for a tumour-only analysis."""
    return normal_of(wildcards.tumour) or ""


def pair_normal_bam(wildcards):
    normal = normal_of(wildcards.tumour)
    return alignment(normal) if normal else ""


def csq_annotation():
    """The converted annotation bcftools csq reads, when the reference has one."""
    return "results/reference/annotation.csq.gff3" if ANNOTATION else []


def panel_genes_table():
    return "results/reference/panel_genes.tsv" if PANEL else []


def transcript_table():
    return "results/reference/transcripts.tsv" if ANNOTATION else []


def hgvs_fasta():
    """The genome HGVS names are computed from, beside the transcript table (none without an
    annotation)."""
    return GENOME if ANNOTATION else []


def hgvs_inputs():
    """What a reader of annotated VCFs needs for the shared transcript choice
    (icope.core.hgvs.load_annotator): the preferred transcripts and the genome."""
    return {"transcripts": transcript_table(), "fasta": hgvs_fasta()}


def gene_thresholds_file():
    """CPSR's gene-specific (VCEP) BA1/BS1 thresholds, when configured."""
    path = config["classification"].get("gene_thresholds")
    return data_path(path) if path else []


def patient_consent(wildcards):
    """Secondary-findings consent of the patient's germline (normal) sample."""
    normals = SHEET.of_patient(wildcards.patient, "normal")
    return bool(normals) and normals[0].secondary_findings_consent


def patient_tumour_names(wildcards):
    return [s.sample for s in SHEET.of_patient(wildcards.patient, "tumour")]


def annotated_calls(origin, sample):
    return f"results/annotation/{origin}/{sample}.vcf.gz"


def cnv_file(tumour, suffix):
    return f"results/cnv/{tumour}/{tumour}.{suffix}"


def patient_tumour_files(wildcards):
    """The two_hit rule's manifest: per tumour of the patient its annotated somatic calls,
    CNV segments, purity fit and BAF (None without a matched normal), SVs and alignment. The
    same paths are the rule's input (patient_somatic_annotated, patient_cnv_segments,
    patient_two_hit_cnv, patient_sv_tables, patient_tumour_alignments).
    """
    return {
        t: {
            "somatic": annotated_calls("somatic", t),
            "segments": cnv_file(t, "segments.tsv") if t in cnv_tumours() else None,
            "purity": cnv_file(t, "purity.json") if t in cnv_tumours() else None,
            "baf": cnv_file(t, "baf.tsv") if t in cnv_tumours() else None,
            "sv": f"results/sv/{t}.tsv",
            "bam": alignment(t),
        }
        for t in patient_tumour_names(wildcards)
    }


def patient_tumour_alignments(wildcards):
    return [alignment(t) for t in patient_tumour_names(wildcards)]


def patient_somatic_annotated(wildcards):
    return [annotated_calls("somatic", t) for t in patient_tumour_names(wildcards)]


def patient_cnv_files(wildcards, suffix):
    """One CNV output per tumour of the patient that has a matched normal."""
    return [
        cnv_file(t, suffix)
        for t in patient_tumour_names(wildcards)
        if t in cnv_tumours()
    ]


def patient_cnv_segments(wildcards):
    return patient_cnv_files(wildcards, "segments.tsv")


def patient_two_hit_cnv(wildcards):
    """Purity fits and BAF tables of the patient's tumours with copy number (two_hit)."""
    return [
        *patient_cnv_files(wildcards, "purity.json"),
        *patient_cnv_files(wildcards, "baf.tsv"),
    ]


def patient_sv_tables(wildcards):
    return [f"results/sv/{t}.tsv" for t in patient_tumour_names(wildcards)]


def panel_setting(key):
    return PANEL[key] if PANEL else None


def somatic_method_vcfs(wildcards):
    return [
        f"results/somatic/methods/{wildcards.tumour}.{method}.vcf.gz"
        for method in config["somatic"]["methods"]
    ]


def population_vcf():
    """The gnomAD VCF for the somatic population filter, when configured."""
    return "results/reference/known/gnomad.vcf.gz" if "gnomad" in KNOWN else []


def pon_vcf(wildcards):
    """The frozen panel of normals the somatic consensus filters with, when configured."""
    path = config["pon"]["vcf"]
    return {"pon": path, "pon_tbi": f"{path}.tbi"} if path else {}


def pon_normal_alignments():
    """The alignments the panel of normals is built from: the cohort's normals or a list."""
    normals = config["pon"]["normals"]
    if normals == "cohort":
        return [alignment(n.sample) for n in SHEET.of_type("normal")]
    return list(normals)


def annotation_input(wildcards):
    return f"results/{wildcards.origin}/{wildcards.sample}.vcf.gz"


def annotation_columns():
    """`file::columns` for each configured source, as bcftools annotate -a/-c take them."""
    known = REF["known_sites"]
    columns = {
        "dbsnp": "ID",
        "gnomad": f"INFO/gnomAD_AF:=INFO/{known.get('gnomad_af_field', 'AF')}",
        "clinvar": (
            f"INFO/CLINVAR_SIG:=INFO/{known.get('clinvar_significance_field', 'CLNSIG')},"
            f"INFO/CLINVAR_REVIEW:=INFO/{known.get('clinvar_review_field', 'CLNREVSTAT')}"
        ),
    }
    return [
        f"results/reference/known/{name}.vcf.gz::{columns[name]}"
        for name in sorted(KNOWN)
    ]


def targets_bed():
    if REF.get("targets"):
        return data_path(REF["targets"])
    return "results/reference/genome.bed"


def annotation_sources():
    """Versions of every annotation source, recorded in each output that uses them."""
    known = REF["known_sites"]
    return {
        "reference": REF["name"],
        "annotation": (
            f"{REF['annotation']} ({REF.get('annotation_version', 'version not set')})"
            if ANNOTATION
            else "none"
        ),
        "dbsnp": (
            known.get("dbsnp_version", "not configured")
            if KNOWN.get("dbsnp")
            else "none"
        ),
        "gnomad": (
            known.get("gnomad_version", "not configured")
            if KNOWN.get("gnomad")
            else "none"
        ),
        "clinvar": (
            known.get("clinvar_version", "not configured")
            if KNOWN.get("clinvar")
            else "none"
        ),
        "panel": PANEL["name"] if PANEL else "none",
    }


# --- per patient ---------------------------------------------------------------------------


def sample_files(sample):
    """The per-sample result files a report or cohort table reads, by kind."""
    name, kind = sample.sample, sample.type.value
    if kind == "normal":
        return {"germline": annotated_calls("germline", name)}
    if kind == "rna":
        return {"expression": f"results/rna/{name}/quant.genes.sf"}
    files = {
        "somatic": annotated_calls("somatic", name),
        "sv": f"results/sv/{name}.tsv",
    }
    if name in cnv_tumours():
        files |= {
            "cnv_segments": cnv_file(name, "segments.tsv"),
            "cnv_plot": cnv_file(name, "cnv.png"),
            "cnv_purity": cnv_file(name, "purity.json"),
        }
    return files


def patient_sample_files(wildcards):
    """The patient_report rule's manifest: {sample: {kind: path}} for the patient's samples
    in sheet order (see sample_files); patient_inputs lists the same paths as input."""
    return {s.sample: sample_files(s) for s in SHEET.samples_of(wildcards.patient)}


def patient_inputs(wildcards):
    """Everything a patient's report is built from; absent sample types give no input."""
    files = patient_sample_files(wildcards).values()

    def each(kind):
        return [f[kind] for f in files if kind in f]

    tumours = SHEET.of_patient(wildcards.patient, "tumour")
    return {
        "qc": f"results/patients/{wildcards.patient}/qc.tsv",
        "identity": f"results/patients/{wildcards.patient}/identity.json",
        "panel": f"results/patients/{wildcards.patient}/germline_panel.tsv",
        "genes": "results/reference/genes.tsv" if ANNOTATION else [],
        "panel_genes": "results/reference/panel_genes.tsv" if PANEL else [],
        **hgvs_inputs(),
        "versions": "results/versions.tsv",
        "germline": each("germline"),
        "somatic": each("somatic"),
        "expression": each("expression"),
        "sv": each("sv"),
        "secondary": f"results/patients/{wildcards.patient}/secondary_findings.tsv",
        "two_hit": (
            [f"results/patients/{wildcards.patient}/two_hit.tsv"] if tumours else []
        ),
        "cnv_segments": each("cnv_segments"),
        "cnv_plots": each("cnv_plot"),
        "cnv_purity": each("cnv_purity"),
        "rna": rna_patient_summary(wildcards),
    }


def patient_germline(wildcards):
    normals = SHEET.of_patient(wildcards.patient, "normal")
    return [annotated_calls("germline", s.sample) for s in normals]


def cohort_calls():
    """The cohort_tables rule's manifest: {sample: {origin: annotated VCF}} for every
    normal (germline) and tumour (somatic) in sheet order; cohort_inputs lists the same
    paths."""
    return {
        s.sample: {origin: annotated_calls(origin, s.sample)}
        for s in SHEET.samples.values()
        for origin, kind in (("germline", "normal"), ("somatic", "tumour"))
        if s.type.value == kind
    }


def cohort_inputs(wildcards):
    calls = cohort_calls().values()
    return {
        "germline": [c["germline"] for c in calls if "germline" in c],
        "somatic": [c["somatic"] for c in calls if "somatic" in c],
        "panels": [f"results/patients/{p}/germline_panel.tsv" for p in SHEET.patients],
        **hgvs_inputs(),
    }


COHORT_TABLES = (
    "samples",
    "germline_variants",
    "somatic_variants",
    "cnv_segments",
    "structural_variants",
    "two_hit",
    "expression",
)
COHORT_DATASET = "results/cohort/dataset"
COHORT_OUTPUTS = {
    "database": "results/cohort/cohort.duckdb",
    "maf": "results/cohort/somatic.maf",
    "aggregate": "results/cohort/aggregate.tsv",
    "cbioportal": "results/cohort/cbioportal",
}


def cohort_fragment(table, patient):
    """One patient's Parquet fragment of a cohort table (Hive partition patient=<id>)."""
    return os.path.join(COHORT_DATASET, table, f"patient={patient}", "part-0.parquet")


def cohort_fragment_outputs():
    """The cohort_fragment rule's outputs, one per table, with the {patient} wildcard."""
    return {t: cohort_fragment(t, "{patient}") for t in COHORT_TABLES}


def cohort_fragment_inputs(wildcards):
    """Only this patient's result files (no cohort-wide or versions file): adding a patient
    or rerunning one leaves the other patients' fragments up to date; and the shared
    transcript choice (hgvs_inputs) for consequence and HGVS."""
    files = patient_inputs(wildcards)
    kinds = ("qc", "panel", "two_hit", "germline", "somatic", "sv", "cnv_segments")
    expression = list(cohort_expression_files(wildcards).values())
    inputs = {kind: files[kind] for kind in kinds}
    return inputs | {"expression": expression} | hgvs_inputs()


def cohort_expression_files(wildcards):
    """{RNA sample: gene-level counts and TPM (rule rna_sample_tables)} of one patient."""
    rna = SHEET.of_patient(wildcards.patient, "rna")
    return {s.sample: f"results/rna/{s.sample}/genes.tsv" for s in rna}


def cohort_fragments():
    """{table: {patient: fragment}} of every patient in the sheet, for the database."""
    return {
        t: {p: cohort_fragment(t, p) for p in SHEET.patients} for t in COHORT_TABLES
    }


def cohort_database_inputs(wildcards):
    paths = [f for table in cohort_fragments().values() for f in table.values()]
    return {"fragments": paths, "versions": "results/versions.tsv"}


def _metadata(name, s):
    return {
        "patient": s.patient,
        "type": s.type.value,
        "sex": s.sex.value,
        "secondary_findings_consent": s.secondary_findings_consent,
        "tumour_only": s.tumour_only,
        "normal": normal_of(name) if s.type.value == "tumour" else None,
    }


def sample_metadata():
    """Patient, type, sex and consent of every sample, for cohort tables (no file paths)."""
    return {name: _metadata(name, s) for name, s in SHEET.samples.items()}


def patient_metadata(wildcards):
    """The same for one patient's samples only: a patient's jobs carry (and are rerun by)
    their own samples' metadata, not the whole cohort's."""
    return {
        s.sample: _metadata(s.sample, s) for s in SHEET.samples_of(wildcards.patient)
    }


def patient_qc_files(wildcards):
    """qc_sample_files() restricted to one patient's samples."""
    files = qc_sample_files()
    return {s.sample: files[s.sample] for s in SHEET.samples_of(wildcards.patient)}


def patient_qc_inputs(wildcards):
    """Every QC file of one patient's samples (the same paths as in patient_qc_files)."""
    paths = []
    for files in patient_qc_files(wildcards).values():
        paths += files["fastp"]
        paths += [f for key, f in files.items() if key != "fastp" and f]
    return paths


def patient_qc_tables():
    return [f"results/patients/{p}/qc.tsv" for p in SHEET.patients]


# --- sample identity -------------------------------------------------------------------------

IDENTITY_SITES = {
    "alleles": "results/identity/sites.alleles.tsv.gz",
    "positions": "results/identity/sites.positions.tsv.gz",
}


def identity_af_expression():
    """bcftools -i: the population AF (gnomAD's configured field) within min_af-max_af."""
    field = REF["known_sites"].get("gnomad_af_field", "AF")
    low, high = config["identity"]["min_af"], config["identity"]["max_af"]
    return f"INFO/{field}>={low} && INFO/{field}<={high}"


def identity_thresholds():
    """Every identity setting, recorded in identity.json beside the verdicts."""
    return dict(config["identity"])


def rna_genome_alignment(sample):
    """An RNA sample's coordinate-sorted genome alignment, when the RNA stage makes one."""
    bam = f"results/rna/{sample}/{sample}.bam"
    makes = any(rule.is_producer(bam) for rule in workflow.rules)
    return {"bam": bam, "idx": f"{bam}.bai"} if makes else None


def _identity_alignment(sample):
    if SHEET.samples[sample].type.value == "rna":
        return rna_genome_alignment(sample)
    return {"bam": alignment(sample), "idx": alignment_index(sample)}


def patient_identity_files(wildcards):
    """identity_check's manifest: per sample the alignment it genotypes, its mosdepth summary
    (None where there is none) and, without an alignment to genotype, why ("why")."""
    files = {}
    for s in SHEET.samples_of(wildcards.patient):
        why, aligned = None, _identity_alignment(s.sample)
        if "gnomad" not in KNOWN:
            why = "not assessed: no population file (reference.known_sites.gnomad) for the SNPs"
        elif aligned is None:
            why = "not assessed: no RNA alignment (the RNA stage makes no genome BAM)"
        files[s.sample] = {
            "alignment": None if why else aligned["bam"],
            "index": None if why else aligned["idx"],
            "depth": mosdepth_summary(s.sample) if s.type.value != "rna" else None,
            "why": why,
        }
    return files


def patient_identity_inputs(wildcards):
    files = patient_identity_files(wildcards).values()
    inputs = {
        "bams": [f["alignment"] for f in files if f["alignment"]],
        "idxs": [f["index"] for f in files if f["index"]],
        "depth": [f["depth"] for f in files if f["depth"]],
    }
    if "gnomad" in KNOWN:
        inputs |= {
            "sites": IDENTITY_SITES["alleles"],
            "positions": IDENTITY_SITES["positions"],
        }
    return inputs


def get_final_outputs():
    outputs = [
        "results/qc/qc_summary.tsv",
        "results/qc/multiqc/multiqc_report.html",
        "results/cohort/variants.tsv",
        "results/cohort/variants.parquet",
        *COHORT_OUTPUTS.values(),
    ]
    for tumour in SHEET.of_type("tumour"):
        outputs += [
            f"results/sv/{tumour.sample}.vcf.gz",
            f"results/sv/{tumour.sample}.tsv",
        ]
    outputs += cnv_outputs()
    outputs += rna_outputs()
    for patient in SHEET.patients:
        outputs += [
            f"results/patients/{patient}/report.html",
            f"results/patients/{patient}/report.json",
        ]
    return outputs


# --- read checks ---------------------------------------------------------------------------


def sample_reads(wildcards):
    """Raw reads of every unit of a sample, in sheet order: {"r1": [...], "r2": [...]}."""
    pairs = [_raw_reads(u) for u in SHEET.units_of(wildcards.sample)]
    return {mate: [pair[mate] for pair in pairs] for mate in ("r1", "r2")}


def sample_unit_names(wildcards):
    return [u.unit for u in SHEET.units_of(wildcards.sample)]


def sample_read_sources(wildcards):
    """Per unit the BAM/CRAM its pair is extracted from ('' for FASTQ), for check_reads'
    messages."""
    return [str(u.bam) if u.bam else "" for u in SHEET.units_of(wildcards.sample)]


def samples_regex(samples):
    """A {sample} wildcard constraint matching exactly these IDs (none: matching nothing)."""
    return "|".join(re.escape(s) for s in samples) or "(?!)"


# Unsplit, a DNA unit is trimmed and aligned by one job (fastp piped into the aligner) and an
# RNA unit by fastp alone; both write the fastp reports at the same paths, so each rule is
# constrained to its samples. Split (alignment.split_fastq_parts > 1), fastp trims every unit
# into parts on disk and each part is aligned by its own job.
DNA_SAMPLES = samples_regex(s.sample for s in SHEET.dna_samples())
FASTP_SAMPLES = (
    "[A-Za-z0-9_-]+" if PARTS else samples_regex(s.sample for s in SHEET.of_type("rna"))
)
