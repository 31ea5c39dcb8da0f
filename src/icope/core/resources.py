"""Memory and runtime of a job from the size of its inputs, growing with each retry.

A SLURM job is killed when it exceeds the memory or time it asked for; asking for the most any
sample could need wastes the cluster. Each rule therefore has a :class:`Cost`: a fixed part,
a part per GB of the inputs that drive it (the reads for runtime, the index or genome for
memory), a part per thread, all multiplied by the attempt (``retries`` in the cluster
profile), so a job killed for memory or time is resubmitted with twice, then three times as
much.

The coefficients below were derived from two sources, each named beside its number:

* measured: the ``benchmarks/*.tsv`` files of ``icope bench somatic`` (simulated 1 Mb chr21
  pair, 2 cores, Debian 12 tools: bwa 0.7.17, samtools 1.16.1, fastp 0.23.2, delly 1.1.6,
  CNVkit 0.9.9): tumour FASTQ 39.8 MB (200,000 pairs of 2x150 bp, 99 bytes per read),
  normal 20.7 MB, tumour BAM 30.7 MB, normal 16.2 MB; plus single-tool runs on those files
  (``/usr/bin/time``). CPU time per GB of input is what transfers to real genomes for
  streaming tools (trimming, duplicate marking, stats, depth);
* documented: what a tool needs on GRCh38 whatever the reads (bwa's index in memory,
  ``samtools sort -m`` per thread, salmon's decoy-aware index), where the 1 Mb segment says
  nothing.

Runtime coefficients are CPU minutes per GB, about twice the measured CPU time (slower nodes,
shared storage), spread over at most ``max_speedup`` threads (the part of a tool that really
runs in parallel). Runtimes err high: SLURM kills a job that runs over, while one that asked
for too much only waits a little longer in the queue.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from icope.core.stamps import STAMP_SUFFIX, stamped_bytes

GB = 1e9

#: A CRAM holds about three times the reads of a BAM or gzipped FASTQ of the same size: its
#: bytes count three times when runtime is sized by the reads it holds.
CRAM_READS_PER_BYTE = 3

#: ``samtools sort -m`` of bwa_mem: memory per sort thread (samtools' default is 768M; 1 GB
#: writes fewer temporary files for a 100 GB lane).
SORT_MEM_MB_PER_THREAD = 1024


def estimate(
    base: float, per_gb: float, input_bytes: float, attempt: int, cap: float | None = None
) -> int:
    """``(base + per_gb * GB of input) * attempt``, rounded up, at most ``cap``.

    >>> estimate(1000, 500, 4e9, attempt=1)
    3000
    >>> estimate(1000, 500, 4e9, attempt=2, cap=5000)
    5000
    """
    if attempt < 1:
        raise ValueError(f"attempt must be at least 1, not {attempt}")
    value = math.ceil((base + per_gb * input_bytes / GB) * attempt)
    return int(min(value, cap)) if cap is not None else int(value)


@dataclass(frozen=True)
class Cost:
    """The resource model of one rule.

    Memory: ``mem_mb + mem_mb_per_thread * threads + mem_mb_per_gb * GB(mem_of)``.
    Runtime (minutes): ``minutes + cpu_minutes_per_gb * GB(time_of) / min(threads,
    max_speedup)``. Both times the attempt. ``mem_of`` / ``time_of`` name the rule's inputs
    that drive each (``None``: every input; ``()``: none, the fixed part only).
    """

    mem_mb: float
    minutes: float
    mem_mb_per_gb: float = 0.0
    mem_mb_per_thread: float = 0.0
    mem_of: tuple[str, ...] | None = ()
    cpu_minutes_per_gb: float = 0.0
    time_of: tuple[str, ...] | None = None
    max_speedup: int | None = None
    max_mem_mb: float | None = None
    max_minutes: float | None = None

    def memory(self, input_bytes: float, threads: int, attempt: int) -> int:
        """mem_mb of one attempt, with ``input_bytes`` the size of the ``mem_of`` inputs."""
        base = self.mem_mb + self.mem_mb_per_thread * threads
        return estimate(base, self.mem_mb_per_gb, input_bytes, attempt, self.max_mem_mb)

    def runtime(self, input_bytes: float, threads: int, attempt: int) -> int:
        """Minutes of one attempt, with ``input_bytes`` the size of the ``time_of`` inputs."""
        parallel = max(1, min(threads, self.max_speedup or threads))
        per_gb = self.cpu_minutes_per_gb / parallel
        return estimate(self.minutes, per_gb, input_bytes, attempt, self.max_minutes)

    def memory_of(self, sizes: Callable[[tuple[str, ...] | None], float], threads, attempt):
        """:meth:`memory` with ``sizes(names)`` the bytes of the job's inputs ``names``."""
        return self.memory(sizes(self.mem_of), threads, attempt)

    def runtime_of(self, sizes: Callable[[tuple[str, ...] | None], float], threads, attempt):
        """:meth:`runtime` with ``sizes(names)`` the bytes of the job's inputs ``names``."""
        return self.runtime(sizes(self.time_of), threads, attempt)


@dataclass(frozen=True)
class Pipe:
    """Tools run together in one job (piped, or side by side): memory and runtime are the sums
    of their :class:`Cost` models, each over its own inputs and the job's threads. The sum errs
    high, as the models do: the tools share the job's threads and run at the same time."""

    parts: tuple[Cost, ...]

    def memory_of(self, sizes: Callable[[tuple[str, ...] | None], float], threads, attempt):
        return sum(part.memory_of(sizes, threads, attempt) for part in self.parts)

    def runtime_of(self, sizes: Callable[[tuple[str, ...] | None], float], threads, attempt):
        return sum(part.runtime_of(sizes, threads, attempt) for part in self.parts)


def file_bytes(path: str) -> int:
    """Size of a file, or of every file under a directory; a CRAM counts
    :data:`CRAM_READS_PER_BYTE` times, a completeness stamp (icope.core.stamps) the files it
    records. A missing path raises FileNotFoundError naming it (Snakemake then reports the
    resource as <TBD> until the file exists)."""
    if os.path.isdir(path):
        return sum(
            os.path.getsize(os.path.join(root, name))
            for root, _, names in os.walk(path)
            for name in names
        )
    if path.endswith(STAMP_SUFFIX):
        return stamped_bytes(path)
    size = os.stat(path).st_size
    return size * CRAM_READS_PER_BYTE if path.lower().endswith(".cram") else size


def total_bytes(paths: Iterable[str]) -> int:
    """Sum of :func:`file_bytes` over ``paths``."""
    return sum(file_bytes(path) for path in paths)


# Per-rule models. "measured" figures are from the benchmark run described in the module
# docstring; CPU minutes per GB there = cpu_time / input GB / 60.
COSTS: dict[str, Cost] = {
    # Reads from a BAM/CRAM: collate (temporary files, bounded memory) and fastq with gzip
    # output. Measured 8.5 CPU s for the 30.7 MB tumour BAM (collate 1.7, fastq -c 6 6.8):
    # 4.6 CPU min per GB; peak RSS 17 MB. A CRAM needs the reference slices in memory.
    "bam_to_fastq": Cost(
        mem_mb=2000,
        minutes=10,
        mem_mb_per_thread=100,
        cpu_minutes_per_gb=10,
        time_of=("aln",),
        max_speedup=4,
    ),
    # check_reads (one job per sample): ~4.4 µs per read pair (icope.core.reads; 494,900
    # pairs of 2x150 bp in 2.2 s), ~120 bytes per pair of gzipped FASTQ: 0.6 min per GB, twice
    # that here; peak RSS 117 MB per unit measured. Each unit checks on one thread while R1
    # and R2 decompress on two, so the job checks threads/2 units at a time (~160 MB each);
    # the runtime counts on no parallelism (a sample of one unit gains none).
    "check_reads": Cost(
        mem_mb=500, minutes=10, mem_mb_per_thread=100, cpu_minutes_per_gb=1.2, max_speedup=1
    ),
    # fastp: measured 16.4 CPU s for 39.8 MB (tumour) and 9.7 for 20.7 MB (normal), 7-8 CPU
    # min per GB; peak RSS 1.25-1.45 GB at 1, 2 and 4 threads alike. fastp 0.23's gzip
    # writers gained nothing from 2 or 4 threads over 1 on the shared 2-core machine, so at
    # most 4 threads are counted on.
    "fastp": Cost(
        mem_mb=2000,
        minutes=10,
        mem_mb_per_thread=50,
        cpu_minutes_per_gb=16,
        time_of=("r1", "r2"),
        max_speedup=4,
    ),
    # bwa mem | fixmate | sort. Memory (documented): bwa loads its whole index (.bwt, .sa,
    # .pac: ~5.5 GB for GRCh38 with alts and decoys, whatever the reads), plus per thread a
    # batch of reads (~200 MB) and samtools sort's -m (SORT_MEM_MB_PER_THREAD). 16 threads on
    # GRCh38: ~27 GB. Measured on the 1 Mb reference: 232 MB (sort never filled its buffer).
    # Runtime: 8.5 CPU min per GB measured on the 1 Mb reference, but seeding against a whole
    # genome is far slower per read: ~1 ms CPU per 150 bp read on GRCh38 (30x WGS, ~40 GB of
    # FASTQ, ~8 h on 16 threads), ~200 CPU min per GB of gzipped FASTQ.
    "bwa_mem": Cost(
        mem_mb=500,
        minutes=20,
        mem_mb_per_gb=1100,
        mem_mb_per_thread=SORT_MEM_MB_PER_THREAD + 200,
        mem_of=("index",),
        cpu_minutes_per_gb=200,
        time_of=("r1", "r2"),
    ),
    # minimap2 -ax sr | fixmate | sort. Memory (documented): the .mmi index of the sr preset
    # in memory (~7 GB for GRCh38, larger than bwa's), a batch of reads (-K, 500M bases by
    # default: ~2 GB) and sort's -m per thread. Runtime: minimap2's short-read mode maps
    # human reads about three times faster than bwa mem (its paper's benchmark), so a third
    # of bwa_mem's; on the 1 Mb segment, see `icope bench germline`.
    "minimap2_align": Cost(
        mem_mb=2500,
        minutes=20,
        mem_mb_per_gb=1100,
        mem_mb_per_thread=SORT_MEM_MB_PER_THREAD + 100,
        mem_of=("index",),
        cpu_minutes_per_gb=70,
        time_of=("r1", "r2"),
    ),
    # merge | markdup | index: measured 4.4 CPU s for the 30.7 MB tumour (1.6 for 16.2 MB),
    # 1.7-2.4 CPU min per GB; peak RSS 15 MB (markdup buffers reads until their mates are
    # seen: a few GB on a deep genome). Threads only (de)compress: markdup's own pass is one
    # thread, so at most 3 are counted on.
    "merge_markdup": Cost(
        mem_mb=4000,
        minutes=20,
        mem_mb_per_thread=100,
        cpu_minutes_per_gb=6,
        time_of=("bams",),
        max_speedup=3,
    ),
    # samtools stats + flagstat: measured 0.9 CPU s for the 30.7 MB BAM, 0.5 CPU min per GB;
    # peak RSS 5 MB. stats -@ adds decompression threads only.
    "samtools_stats": Cost(
        mem_mb=1000,
        minutes=10,
        cpu_minutes_per_gb=1,
        time_of=("bam",),
        max_speedup=2,
    ),
    # mosdepth: an array of 4 bytes per base of the longest chromosome (~1 GB for chr1 of
    # GRCh38; documented), sized here from the genome FASTA: ~330 MB per GB, rounded up.
    # Measured 0.22 CPU s for the 30.7 MB BAM, 0.12 CPU min per GB; its own README advises
    # at most 4 decompression threads.
    "mosdepth": Cost(
        mem_mb=500,
        minutes=10,
        mem_mb_per_gb=500,
        mem_of=("fasta",),
        cpu_minutes_per_gb=0.5,
        time_of=("bam",),
        max_speedup=4,
    ),
    # Identity (rule identity_check): one bcftools pileup per sample of the patient at the
    # common SNPs (at most identity.max_sites, reached through the BAM index), in turn, then
    # the comparison (small tables). The former per-sample job had 60 min fixed and the
    # check 10: here 10 fixed plus 1 CPU min per GB of the patient's alignments (~150 GB for
    # a 30x WGS normal + tumour and an RNA BAM: ~2.7 h, the three former jobs' sum).
    "identity_check": Cost(
        mem_mb=1000, minutes=10, cpu_minutes_per_gb=1, time_of=("bams",), max_speedup=1
    ),
    # MultiQC: the fastp, samtools and mosdepth reports of the cohort (about 1 MB per
    # sample); salmon's directories are left out of the sizing, MultiQC reads one small log
    # in each.
    "multiqc": Cost(
        mem_mb=4000,
        minutes=30,
        cpu_minutes_per_gb=120,
        time_of=("fastp", "stats", "mosdepth"),
        max_speedup=1,
    ),
    # CNVkit coverage over WGS bins (parallel over --processes) then segmentation. Measured:
    # reference 2.2 CPU s (16.2 MB BAM) and tumour 2.4 CPU s (30.7 MB), 1.3-2.3 CPU min per
    # GB; peak RSS 560-880 MB for a 1 Mb genome. Bins (and segmentation memory) scale with
    # the genome: ~3 million bins on GRCh38 need a few GB.
    "cnvkit_reference": Cost(
        mem_mb=2000,
        minutes=30,
        mem_mb_per_gb=2000,
        mem_of=("fasta",),
        cpu_minutes_per_gb=5,
        time_of=("bam",),
    ),
    # The tumour's copy ratios against the normal's reference (.cnn, ~150 MB of text for
    # WGS bins) are held in pandas tables: ~20 times the reference file in memory.
    "cnvkit_tumour": Cost(
        mem_mb=4000,
        minutes=30,
        mem_mb_per_gb=20000,
        mem_of=("reference",),
        cpu_minutes_per_gb=5,
        time_of=("tumour",),
    ),
    # BAF in one job (rule cnv_baf): the normal's heterozygous SNPs from its germline VCF
    # (streamed, ~10 CPU min per GB), the tumour's pileup there (random access by the index,
    # ~0.1 CPU min per GB of tumour measured, 2 allowed), the BAF table in pandas. The fixed
    # part adds the three former jobs' (10 + 20 + 10 min); the rate is the pileup's on the
    # tumour, and the germline VCF (~1 GB for WGS) is inside the fixed part.
    "cnv_baf": Cost(
        mem_mb=2000, minutes=40, cpu_minutes_per_gb=2, time_of=("tumour",), max_speedup=1
    ),
    # Segments, purity fit and plot in one job (rule cnv_segments): small tables; the fixed
    # parts of the two former jobs added.
    "cnv_segments": Cost(mem_mb=2000, minutes=20, cpu_minutes_per_gb=20, max_speedup=1),
    # delly call: measured 1.35 CPU s for the 46.9 MB tumour + normal, 0.5 CPU min per GB;
    # real genomes hold far more discordant clusters to genotype (WGS pairs take hours).
    # OpenMP runs one thread per sample: two for a pair. Memory: the genome plus the
    # clusters, a few GB.
    "sv_call": Cost(
        mem_mb=4000,
        minutes=60,
        mem_mb_per_gb=1000,
        mem_of=("fasta",),
        cpu_minutes_per_gb=8,
        time_of=("tumour", "normal"),
        max_speedup=2,
    ),
    # delly filter -f somatic then the final VCF and TSV, one job (rule sv_finalise): both
    # read delly's calls; the two former models added.
    "sv_finalise": Cost(
        mem_mb=2000, minutes=20, cpu_minutes_per_gb=120, time_of=("calls",), max_speedup=1
    ),
    # Annotation passes over a VCF (bcftools annotate per source, then csq): streaming; the
    # known-site files are read through their index, so the calls drive the runtime. csq
    # holds the whole converted annotation in memory (~2 GB for GENCODE).
    "annotate": Cost(
        mem_mb=2000,
        minutes=15,
        mem_mb_per_gb=1500,
        mem_of=("gff3",),
        cpu_minutes_per_gb=100,
        time_of=("vcf",),
        max_speedup=1,
    ),
    # salmon quant: the index in memory (documented: ~18 GB for GRCh38 transcripts with the
    # whole genome as decoy, about the index's size on disk), reads per thread.
    "salmon_quant": Cost(
        mem_mb=1000,
        minutes=20,
        mem_mb_per_gb=1100,
        mem_mb_per_thread=100,
        mem_of=("index",),
        cpu_minutes_per_gb=40,
        time_of=("r1", "r2"),
    ),
    # salmon index (documented): ~5 GB of memory per GB of gentrome (transcripts plus the
    # genome as decoy: ~17 GB for GRCh38), about an hour on 16 threads.
    "salmon_index": Cost(
        mem_mb=2000,
        minutes=30,
        mem_mb_per_gb=5500,
        mem_of=("transcripts", "genome"),
        cpu_minutes_per_gb=300,
        time_of=("transcripts", "genome"),
    ),
    # bwa index -a bwtsw (documented): ~5.4 GB and about an hour for GRCh38 (3.2 GB FASTA),
    # one thread.
    "bwa_index": Cost(
        mem_mb=1000,
        minutes=20,
        mem_mb_per_gb=2000,
        mem_of=None,
        cpu_minutes_per_gb=40,
        max_speedup=1,
    ),
    # minimap2 -x sr -d (documented): ~11 GB and a few minutes on 3 threads for GRCh38.
    "minimap2_index": Cost(
        mem_mb=2000,
        minutes=20,
        mem_mb_per_gb=3500,
        mem_of=None,
        cpu_minutes_per_gb=20,
        max_speedup=3,
    ),
    # Reference preparation: copies, faidx, gffread, annotation tables.
    "genome_fasta": Cost(mem_mb=1000, minutes=10, cpu_minutes_per_gb=10, max_speedup=1),
    # annotation_tables reads the GTF/GFF3 into tables: ~3 GB per GB of (uncompressed)
    # annotation; a gzipped GENCODE GTF (~50 MB) is covered by the fixed part.
    "annotation_tables": Cost(
        mem_mb=4000,
        minutes=10,
        mem_mb_per_gb=3000,
        mem_of=None,
        cpu_minutes_per_gb=60,
        max_speedup=1,
    ),
    "transcriptome": Cost(
        mem_mb=2000,
        minutes=10,
        mem_mb_per_gb=1000,
        mem_of=("fasta",),
        cpu_minutes_per_gb=10,
        max_speedup=1,
    ),
    # Per-patient tables and reports: a patient's calls, small.
    # The population VCF is read through its index (one lookup per candidate): the patient's
    # germline calls drive the runtime.
    "germline_panel": Cost(
        mem_mb=2000, minutes=10, cpu_minutes_per_gb=60, time_of=("germline",), max_speedup=1
    ),
    "two_hit": Cost(
        mem_mb=2000, minutes=10, cpu_minutes_per_gb=60, time_of=("somatic",), max_speedup=1
    ),
    "patient_report": Cost(
        mem_mb=2000,
        minutes=10,
        mem_mb_per_gb=4000,
        mem_of=("germline", "somatic"),
        cpu_minutes_per_gb=60,
        time_of=("germline", "somatic"),
        max_speedup=1,
    ),
    # Every call of the cohort in one table (pandas, ~1 kB per record, ~20 million records
    # per GB of gzipped VCF): ~20 GB of memory per GB of VCF, at most 256 GB (a large node).
    "cohort_tables": Cost(
        mem_mb=2000,
        minutes=10,
        mem_mb_per_gb=20000,
        mem_of=("germline", "somatic"),
        cpu_minutes_per_gb=300,
        time_of=("germline", "somatic"),
        max_speedup=1,
        max_mem_mb=256000,
    ),
    # STAR needs ~10 bytes of memory per genome base for its index (GRCh38: ~32 GB, STAR
    # manual) and the same to align; indexing GRCh38 takes about an hour on 8-16 threads,
    # alignment ~1 CPU min per 1e6 read pairs (~50 CPU min for 50M pairs: ~2 GB of gzipped
    # FASTQ).
    "star_index": Cost(
        mem_mb=4000,
        minutes=30,
        mem_mb_per_gb=11000,
        mem_of=("fasta",),
        cpu_minutes_per_gb=150,
        time_of=("fasta",),
    ),
    "star_align": Cost(
        mem_mb=4000,
        minutes=20,
        mem_mb_per_gb=1200,
        mem_of=("index",),
        cpu_minutes_per_gb=30,
        time_of=("r1", "r2"),
    ),
    # The RNA tables (rna_sample_tables, rna_patient, rna_cohort): pysam pileups at the
    # patient's sites; the gene and fusion tables are small.
    "rna_tables": Cost(mem_mb=1000, minutes=10, cpu_minutes_per_gb=10),
    # identity_sites: bcftools reads every record of the population file (whole-genome gnomAD
    # is hundreds of GB), once per reference: 2 CPU min per GB is an estimate, not measured on
    # such a file.
    "identity_sites": Cost(mem_mb=1000, minutes=20, cpu_minutes_per_gb=2, time_of=("vcf",)),
    # Scoring and consensus of the somatic calls, one job per tumour (and method): Python steps
    # read every candidate record (a 60x WGS tumour's pileup holds millions), about 20 us
    # each, ~1 CPU min per 50 MB of BCF; the consensus reads the scored calls of each method.
    # somatic_method_call reads the tumour's reads at the orientation-prone SNVs with its
    # threads (one forked process each, ~300 MB: Python, pysam and a batch of sites).
    "somatic_method_call": Cost(
        mem_mb=2000, mem_mb_per_thread=300, minutes=20, cpu_minutes_per_gb=40, time_of=None
    ),
    "somatic_consensus": Cost(mem_mb=2000, minutes=20, cpu_minutes_per_gb=40, time_of=("methods",)),
    # The database from every fragment, read by DuckDB with the rule's threads: icope bench
    # cohort measured its time and peak RSS at 1,000 patients x 5,000 calls
    # (docs/benchmarks.md).
    "cohort_database": Cost(
        mem_mb=2000,
        minutes=10,
        cpu_minutes_per_gb=60,
        time_of=("fragments",),
        max_speedup=2,
    ),
}

#: fastp writing to its standard output runs one worker thread (the only way its output keeps
#: the input order, so that the alignment is the same on every run): no speedup counted.
FASTP_TO_STDOUT = replace(COSTS["fastp"], max_speedup=1)

#: A DNA unit is trimmed and aligned in one job (fastp --stdout piped into the aligner): the
#: sum of the two models, over the unit's raw reads. Likewise bam_qc runs samtools stats and
#: mosdepth side by side on one BAM.
PIPES: dict[str, Pipe] = {
    "fastp_bwa_mem": Pipe((FASTP_TO_STDOUT, COSTS["bwa_mem"])),
    "fastp_minimap2": Pipe((FASTP_TO_STDOUT, COSTS["minimap2_align"])),
    "bam_qc": Pipe((COSTS["samtools_stats"], COSTS["mosdepth"])),
}

#: One patient's cohort fragments read its calls into pandas once, as cohort_tables does for
#: the cohort (~1 kB per record): the same model, over one patient's calls.
COSTS["cohort_fragment"] = COSTS["cohort_tables"]

#: Per-chunk calling costs, keyed by caller (germline_<caller>, somatic_<method>). Measured on
#: the 1 Mb chr21 simulation (docs/benchmarks.md, one chunk): germline bcftools 6.3 CPU s per
#: Mb of a 30x normal (~19 MB of BAM per Mb), somatic pileup 13.1 and freebayes 17.5 CPU s
#: per Mb of a 30x/60x pair (~58 MB per Mb): 5.5, 3.8 and 5.0 CPU min per GB of BAM. The
#: models take about three times that (repeats and deep regions are slower than the
#: simulation), freebayes six. germline_call and somatic_calls run every chunk of a sample
#: (their CPU: the cost over all of the BAMs) on the job's threads, one chunk per thread;
#: gathering and normalising (~1-10 CPU min per GB of calls) are covered by the fixed minutes.
CHUNK_COSTS: dict[str, Cost] = {
    "germline_bcftools": Cost(mem_mb=2000, minutes=20, cpu_minutes_per_gb=15, time_of=("bam",)),
    "germline_freebayes": Cost(mem_mb=4000, minutes=20, cpu_minutes_per_gb=30, time_of=("bam",)),
    "somatic_pileup": Cost(
        mem_mb=2000, minutes=20, cpu_minutes_per_gb=12, time_of=("tumour", "normal")
    ),
    "somatic_freebayes": Cost(
        mem_mb=6000, minutes=20, cpu_minutes_per_gb=30, time_of=("tumour", "normal")
    ),
}
