"""Alignment: bwa mem per unit with full read groups, lanes merged, duplicates marked."""


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
    threads: 2
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(120),
    shell:
        "(samtools collate -u -O -@ {threads} --reference {input.fasta} {input.aln} $(mktemp -u) "
        " | samtools fastq -F 0x900 -1 {output.r1} -2 {output.r2} -0 /dev/null -s /dev/null "
        "   -c 6 -) 2> {log}"


rule bwa_mem:
    input:
        unpack(trimmed_unit),
        index=BWA_INDEX,
    output:
        temp("results/alignment/units/{sample}/{unit}.bam"),
    log:
        "logs/bwa_mem/{sample}/{unit}.log",
    benchmark:
        "benchmarks/bwa_mem/{sample}/{unit}.tsv"
    conda:
        "../../envs/bwa.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb(12000),
        runtime=runtime_min(240),
    params:
        read_group=read_group,
        index=bwa_prefix,
        extra=config["alignment"]["bwa_mem_extra"],
    shell:
        "(bwa mem -t {threads} {params.extra} -R '{params.read_group}' {params.index} "
        "  {input.r1} {input.r2} "
        " | samtools fixmate -m -u - - "
        " | samtools sort -@ {threads} -m 1G -T $(mktemp -u) -o {output} -) 2> {log}"


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
    threads: 2
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(120),
    params:
        fmt=ALIGN_EXT,
        extra=config["alignment"]["samtools_markdup_extra"],
    shell:
        "(samtools merge -u -@ {threads} -o - {input.bams} "
        " | samtools markdup -@ {threads} {params.extra} -f {output.stats} -O {params.fmt} "
        "   --reference {input.fasta} -T $(mktemp -u) - {output.aln} "
        " && samtools index -@ {threads} {output.aln}) 2> {log}"
