"""Alignment: each DNA unit trimmed and aligned in one job (fastp | bwa mem) with full read
groups, lanes merged, duplicates marked."""


rule bam_to_fastq:
    input:
        aln=unit_bam,
        fasta=GENOME,
    output:
        r1=temp("results/reads_from_bam/{sample}/{unit}_R1.fastq.gz"),
        r2=temp("results/reads_from_bam/{sample}/{unit}_R2.fastq.gz"),
    log:
        "logs/reads_from_bam/{sample}/{unit}.log",
    benchmark:
        "benchmarks/bam_to_fastq/{sample}/{unit}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: config["threads"]["bam_to_fastq"]
    resources:
        mem_mb=sized_mem_mb("bam_to_fastq"),
        runtime=sized_runtime("bam_to_fastq"),
    params:
        # collate's temporary files: beside the job's own output, removed by collate.
        tmp_prefix="results/reads_from_bam/{sample}/{unit}.collate",
    shell:
        "(samtools collate -u -O -@ {threads} --reference {input.fasta:q} {input.aln:q} "
        "   {params.tmp_prefix:q} "
        " | samtools fastq -@ {threads} -F 0x900 -1 {output.r1:q} -2 {output.r2:q} "
        "   -0 /dev/null -s /dev/null -c 6 -) 2> {log:q}"


# One aligner per run (alignment.aligner): every variant writes the unit BAMs merge_markdup
# reads. Unsplit, fastp streams a DNA unit's trimmed pairs (interleaved, --stdout, one worker
# thread: FASTP_TO_STDOUT) straight into the aligner: one job per unit and no trimmed FASTQ on
# disk. Split (alignment.split_fastq_parts > 1), fastp writes the parts
# (qc.smk) and each part is aligned by its own job.
if config["alignment"]["aligner"] == "bwa" and not PARTS:

    rule fastp_bwa_mem:
        input:
            unpack(unit_reads),
            checked=rules.check_reads.output.report,
            # The stamp stands for the index files (icope.core.stamps).
            index=BWA_STAMP,
        output:
            **FASTP_REPORTS,
            bam=temp(UNIT_BAM),
        log:
            fastp="logs/fastp/{sample}/{unit}.log",
            align="logs/bwa_mem/{sample}/{unit}.log",
        benchmark:
            "benchmarks/fastp_bwa_mem/{sample}/{unit}.tsv"
        wildcard_constraints:
            sample=DNA_SAMPLES,
        conda:
            "../../envs/fastp_bwa.yaml"
        threads: config["threads"]["bwa_mem"]
        resources:
            mem_mb=sized_mem_mb("fastp_bwa_mem"),
            runtime=sized_runtime("fastp_bwa_mem"),
        params:
            # As rule fastp (qc.smk): its settings, and the links naming the unit.
            min_length=config["trimming"]["min_length"],
            # Pasted unquoted on purpose: argument strings (config/README.md).
            fastp_extra=config["trimming"]["extra"],
            extra=config["alignment"]["bwa_mem_extra"],
            r1_link=fastp_link("R1"),
            r2_link=fastp_link("R2"),
            read_group=read_group,
            index=bwa_prefix,
            # sort's temporary files: beside the output, a path recorded in the BAM's @PG line
            # (no random /tmp name), removed by sort.
            tmp_prefix="results/alignment/units/{sample}/{unit}.sort",
            # Memory per sort thread, as the job's mem_mb counts it (icope.core.resources).
            sort_mem=f"{SORT_MEM_MB_PER_THREAD}M",
        shell:
            # bwa mem -p: the mates of a pair are consecutive reads of one name.
            f"({FASTP_LINKS}{FASTP_TO_STDOUT}"
            " {params.fastp_extra} 2> {log.fastp:q} "
            " | bwa mem -p -t {threads} {params.extra} -R {params.read_group:q} "
            "   {params.index:q} - "
            " | samtools fixmate -m -u - - "
            " | samtools sort -@ {threads} -m {params.sort_mem:q} -T {params.tmp_prefix:q} "
            "   -o {output.bam:q} -) 2> {log.align:q}"

elif config["alignment"]["aligner"] == "bwa":

    rule bwa_mem:
        input:
            unpack(trimmed_unit),
            # The stamp stands for the index files (icope.core.stamps).
            index=BWA_STAMP,
        output:
            temp(UNIT_BAM),
        log:
            "logs/bwa_mem/{sample}/{unit}/{part}.log",
        benchmark:
            "benchmarks/bwa_mem/{sample}/{unit}/{part}.tsv"
        conda:
            "../../envs/bwa.yaml"
        threads: config["threads"]["bwa_mem"]
        resources:
            mem_mb=sized_mem_mb("bwa_mem"),
            runtime=sized_runtime("bwa_mem"),
        params:
            read_group=read_group,
            index=bwa_prefix,
            # Pasted unquoted on purpose: an argument string (config/README.md).
            extra=config["alignment"]["bwa_mem_extra"],
            # As fastp_bwa_mem: sort's temporary files beside the output, its memory as
            # counted.
            tmp_prefix="results/alignment/units/{sample}/{unit}/{part}.sort",
            sort_mem=f"{SORT_MEM_MB_PER_THREAD}M",
        shell:
            "(bwa mem -t {threads} {params.extra} -R {params.read_group:q} {params.index:q} "
            "  {input.r1:q} {input.r2:q} "
            " | samtools fixmate -m -u - - "
            " | samtools sort -@ {threads} -m {params.sort_mem:q} -T {params.tmp_prefix:q} "
            "   -o {output:q} -) 2> {log:q}"

elif not PARTS:

    rule fastp_minimap2:
        input:
            unpack(unit_reads),
            checked=rules.check_reads.output.report,
            index=MINIMAP2_INDEX,
        output:
            **FASTP_REPORTS,
            bam=temp(UNIT_BAM),
        log:
            fastp="logs/fastp/{sample}/{unit}.log",
            align="logs/minimap2/{sample}/{unit}.log",
        benchmark:
            "benchmarks/fastp_minimap2/{sample}/{unit}.tsv"
        wildcard_constraints:
            sample=DNA_SAMPLES,
        conda:
            "../../envs/fastp_minimap2.yaml"
        threads: config["threads"]["minimap2"]
        resources:
            mem_mb=sized_mem_mb("fastp_minimap2"),
            runtime=sized_runtime("fastp_minimap2"),
        params:
            min_length=config["trimming"]["min_length"],
            # Pasted unquoted on purpose: argument strings (config/README.md).
            fastp_extra=config["trimming"]["extra"],
            extra=config["alignment"]["minimap2_extra"],
            r1_link=fastp_link("R1"),
            r2_link=fastp_link("R2"),
            read_group=read_group,
            tmp_prefix="results/alignment/units/{sample}/{unit}.sort",
            sort_mem=f"{SORT_MEM_MB_PER_THREAD}M",
        shell:
            # Primary and supplementary alignments only, as bwa mem writes them: secondary ones
            # would be counted by samtools stats and mosdepth.
            # One input: mates are the consecutive reads of one name (the sr preset's fragment
            # mode).
            f"({FASTP_LINKS}{FASTP_TO_STDOUT}"
            " {params.fastp_extra} 2> {log.fastp:q} "
            " | minimap2 -ax sr --secondary=no -t {threads} {params.extra} "
            "  -R {params.read_group:q} {input.index:q} - "
            " | samtools fixmate -m -u - - "
            " | samtools sort -@ {threads} -m {params.sort_mem:q} -T {params.tmp_prefix:q} "
            "   -o {output.bam:q} -) 2> {log.align:q}"

else:

    rule minimap2_align:
        input:
            unpack(trimmed_unit),
            index=MINIMAP2_INDEX,
        output:
            temp(UNIT_BAM),
        log:
            "logs/minimap2/{sample}/{unit}/{part}.log",
        benchmark:
            "benchmarks/minimap2/{sample}/{unit}/{part}.tsv"
        conda:
            "../../envs/minimap2.yaml"
        threads: config["threads"]["minimap2"]
        resources:
            mem_mb=sized_mem_mb("minimap2_align"),
            runtime=sized_runtime("minimap2_align"),
        params:
            read_group=read_group,
            # Pasted unquoted on purpose: an argument string (config/README.md).
            extra=config["alignment"]["minimap2_extra"],
            tmp_prefix="results/alignment/units/{sample}/{unit}/{part}.sort",
            sort_mem=f"{SORT_MEM_MB_PER_THREAD}M",
        shell:
            # As fastp_minimap2: primary and supplementary alignments only.
            "(minimap2 -ax sr --secondary=no -t {threads} {params.extra} "
            "  -R {params.read_group:q} {input.index:q} {input.r1:q} {input.r2:q} "
            " | samtools fixmate -m -u - - "
            " | samtools sort -@ {threads} -m {params.sort_mem:q} -T {params.tmp_prefix:q} "
            "   -o {output:q} -) 2> {log:q}"


rule merge_markdup:
    input:
        bams=unit_alignments,
        fasta=GENOME,
    output:
        aln=f"results/alignment/{{sample}}.{ALIGN_EXT}",
        idx=f"results/alignment/{{sample}}.{ALIGN_EXT}.{INDEX_EXT}",
        stats="results/qc/markdup/{sample}.markdup.txt",
    log:
        "logs/merge_markdup/{sample}.log",
    benchmark:
        "benchmarks/merge_markdup/{sample}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: config["threads"]["merge_markdup"]
    resources:
        mem_mb=sized_mem_mb("merge_markdup"),
        runtime=sized_runtime("merge_markdup"),
    params:
        fmt=ALIGN_EXT,
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["alignment"]["samtools_markdup_extra"],
        # markdup's temporary files: beside the output, a path recorded in the @PG line and
        # the stats file (no random /tmp name), removed by markdup.
        tmp_prefix="results/alignment/{sample}.markdup",
    shell:
        # -c -p: the parts of one unit (alignment.split_fastq_parts) share its @RG, and every
        # piece's @PG lines share their IDs: kept once, never renamed with a random suffix
        # (which would make two runs differ).
        "(samtools merge -c -p -u -@ {threads} -o - {input.bams:q} "
        " | samtools markdup -@ {threads} {params.extra} -f {output.stats:q} -O {params.fmt:q} "
        "   --reference {input.fasta:q} -T {params.tmp_prefix:q} - {output.aln:q} "
        " && samtools index -@ {threads} {output.aln:q}) 2> {log:q}"
