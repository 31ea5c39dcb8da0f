"""Read QC and trimming, alignment QC, MultiQC and the pass/warn/fail summary."""


# Every unit's reads, read to the end before anything trims or aligns them: fastp warns and
# exits 0 on a truncated gzip, a FASTA or BAM given as FASTQ, or mates out of step.
rule check_reads:
    input:
        unpack(unit_reads),
    output:
        report="results/qc/reads/{sample}.{unit}.json",
    log:
        "logs/check_reads/{sample}/{unit}.log",
    benchmark:
        "benchmarks/check_reads/{sample}/{unit}.tsv"
    conda:
        "../../envs/python.yaml"
    # R1 and R2 are decompressed on two background threads while the job's own thread checks.
    threads: 2
    resources:
        mem_mb=mem_mb(500),
        runtime=check_reads_runtime,
    params:
        min_pairs=config["reads"]["min_read_pairs"],
        source=unit_read_source,
    script:
        "../../scripts/check_reads.py"


rule fastp:
    input:
        unpack(unit_reads),
        checked=rules.check_reads.output.report,
    output:
        r1=temp("results/trimmed/{sample}/{unit}_R1.fastq.gz"),
        r2=temp("results/trimmed/{sample}/{unit}_R2.fastq.gz"),
        json="results/qc/fastp/{sample}.{unit}.fastp.json",
        html="results/qc/fastp/{sample}.{unit}.fastp.html",
    log:
        "logs/fastp/{sample}/{unit}.log",
    benchmark:
        "benchmarks/fastp/{sample}/{unit}.tsv"
    conda:
        "../../envs/fastp.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb(2000),
        runtime=runtime_min(60),
    params:
        min_length=config["trimming"]["min_length"],
        extra=config["trimming"]["extra"],
    shell:
        "fastp --in1 {input.r1} --in2 {input.r2} --out1 {output.r1} --out2 {output.r2} "
        "--detect_adapter_for_pe --length_required {params.min_length} --thread {threads} "
        "--json {output.json} --html {output.html} {params.extra} 2> {log}"


rule samtools_stats:
    input:
        unpack(sample_alignment),
        fasta=GENOME,
    output:
        stats="results/qc/samtools/{sample}.stats",
        flagstat="results/qc/samtools/{sample}.flagstat",
    log:
        "logs/samtools_stats/{sample}.log",
    benchmark:
        "benchmarks/samtools_stats/{sample}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=runtime_min(60),
    shell:
        "(samtools stats --reference {input.fasta} {input.bam} > {output.stats} && "
        " samtools flagstat {input.bam} > {output.flagstat}) 2> {log}"


rule mosdepth:
    input:
        unpack(sample_alignment),
        fasta=GENOME,
        targets=targets_bed(),
    output:
        summary="results/qc/mosdepth/{sample}.mosdepth.summary.txt",
        dist="results/qc/mosdepth/{sample}.mosdepth.region.dist.txt",
        regions="results/qc/mosdepth/{sample}.regions.bed.gz",
        thresholds="results/qc/mosdepth/{sample}.thresholds.bed.gz",
    log:
        "logs/mosdepth/{sample}.log",
    benchmark:
        "benchmarks/mosdepth/{sample}.tsv"
    conda:
        "../../envs/mosdepth.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(60),
    params:
        prefix="results/qc/mosdepth/{sample}",
        thresholds=",".join(str(depth) for depth in config["qc"]["mosdepth_thresholds"]),
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["qc"]["mosdepth_extra"],
    shell:
        "mosdepth --threads {threads} --no-per-base --by {input.targets:q} "
        "--thresholds {params.thresholds:q} {params.extra} --fasta {input.fasta:q} "
        "{params.prefix:q} {input.bam:q} 2> {log:q}"


rule qc_patient:
    input:
        patient_qc_inputs,
    output:
        "results/patients/{patient}/qc.tsv",
    log:
        "logs/qc/{patient}.qc.log",
    benchmark:
        "benchmarks/qc/{patient}.qc.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        thresholds=config["qc"],
        samples=patient_metadata,
        files=patient_qc_files,
    script:
        "../../scripts/qc_patient.py"


# The cohort view: every patient's QC rows in sample-sheet order. Reports read their own
# patient's table, so one patient's failed job never blocks another patient's report.
rule qc_summary:
    input:
        patient_qc_tables(),
    output:
        "results/qc/qc_summary.tsv",
    log:
        "logs/qc/qc_summary.log",
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        samples=list(SHEET.samples),
    script:
        "../../scripts/qc_summary.py"


rule multiqc:
    input:
        unpack(qc_inputs),
    output:
        report="results/qc/multiqc/multiqc_report.html",
        data=directory("results/qc/multiqc/multiqc_report_data"),
    log:
        "logs/qc/multiqc.log",
    benchmark:
        "benchmarks/qc/multiqc.tsv"
    conda:
        "../../envs/multiqc.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(60),
    params:
        extra=config["qc"]["multiqc_extra"],
    shell:
        "multiqc --force --no-ansi {params.extra} --outdir results/qc/multiqc "
        "--filename multiqc_report.html {input} &> {log}"
