"""Reference bundle: the genome and every index the tools need, built here, never shipped."""


rule genome_fasta:
    input:
        data_path(REF["fasta"]),
    output:
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        dict="results/reference/genome.dict",
    log:
        "logs/reference/genome_fasta.log",
    benchmark:
        "benchmarks/reference/genome_fasta.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("genome_fasta"),
        runtime=sized_runtime("genome_fasta"),
    params:
        # The dictionary's UR: the FASTA beside it, by name: samtools' default is the absolute
        # file:// path of the run directory.
        uri=os.path.basename(GENOME),
    shell:
        "(if [[ {input:q} == *.gz ]]; then zcat {input:q}; else cat {input:q}; fi "
        "   > {output.fasta:q}; "
        " samtools faidx {output.fasta:q}; "
        " samtools dict -u {params.uri:q} {output.fasta:q} -o {output.dict:q}) 2> {log:q}"


rule genome_bed:
    input:
        fai=f"{GENOME}.fai",
    output:
        "results/reference/genome.bed",
    log:
        "logs/reference/genome_bed.log",
    benchmark:
        "benchmarks/reference/genome_bed.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(10),
    shell:
        "awk -v OFS='\\t' '{{print $1, 0, $2}}' {input.fai:q} > {output:q} 2> {log:q}"


rule bwa_index:
    input:
        GENOME,
    output:
        index=BWA_INDEX,
        # Written last: sizes and mtimes of the index files, checked before every run, so a
        # damaged index is rebuilt (icope.core.stamps).
        stamp=BWA_STAMP,
    log:
        "logs/reference/bwa_index.log",
    benchmark:
        "benchmarks/reference/bwa_index.tsv"
    conda:
        "../../envs/bwa.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("bwa_index"),
        runtime=sized_runtime("bwa_index"),
    shell:
        "(bwa index {input:q} && stat --printf='%n\\t%s\\t%Y\\n' {output.index:q} > {output.stamp:q}) "
        "2> {log:q}"


rule minimap2_index:
    input:
        GENOME,
    output:
        MINIMAP2_INDEX,
    log:
        "logs/reference/minimap2_index.log",
    benchmark:
        "benchmarks/reference/minimap2_index.tsv"
    conda:
        "../../envs/minimap2.yaml"
    # minimap2 indexes on at most 3 threads.
    threads: min(3, config["threads"]["minimap2"])
    resources:
        mem_mb=sized_mem_mb("minimap2_index"),
        runtime=sized_runtime("minimap2_index"),
    shell:
        "minimap2 -x sr -t {threads} -d {output:q} {input:q} 2> {log:q}"


rule annotation_tables:
    input:
        annotation=ANNOTATION or [],
    output:
        gff3="results/reference/annotation.csq.gff3",
        genes="results/reference/genes.tsv",
        tx2gene="results/reference/tx2gene.tsv",
        transcripts="results/reference/transcripts.tsv",
    log:
        "logs/reference/annotation_tables.log",
    benchmark:
        "benchmarks/reference/annotation_tables.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("annotation_tables"),
        runtime=sized_runtime("annotation_tables"),
    script:
        "../../scripts/annotation_tables.py"


rule transcriptome:
    input:
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        annotation=ANNOTATION or [],
    output:
        "results/reference/transcripts.fa",
    log:
        "logs/reference/transcriptome.log",
    benchmark:
        "benchmarks/reference/transcriptome.tsv"
    conda:
        "../../envs/gffread.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("transcriptome"),
        runtime=sized_runtime("transcriptome"),
    shell:
        "gffread -w {output:q} -g {input.fasta:q} {input.annotation:q} 2> {log:q}"


rule salmon_index:
    input:
        transcripts="results/reference/transcripts.fa",
        genome=GENOME,
        fai=f"{GENOME}.fai",
    output:
        directory("results/reference/salmon_index"),
    log:
        "logs/reference/salmon_index.log",
    benchmark:
        "benchmarks/reference/salmon_index.tsv"
    conda:
        "../../envs/salmon.yaml"
    threads: config["threads"]["salmon_index"]
    resources:
        mem_mb=sized_mem_mb("salmon_index"),
        runtime=sized_runtime("salmon_index"),
    params:
        decoys=config["rna"]["salmon_decoys"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["rna"]["salmon_index_extra"],
        # The decoy list and gentrome: beside the index (no random /tmp name), removed after.
        tmp="results/reference/salmon_index.tmp",
    shell:
        '(tmp={params.tmp:q}; rm -rf "$tmp"; mkdir -p "$tmp"; trap \'rm -rf "$tmp"\' EXIT; '
        " if [ {params.decoys:q} = True ]; then "
        '   cut -f1 {input.fai:q} > "$tmp/decoys.txt"; '
        '   cat {input.transcripts:q} {input.genome:q} > "$tmp/gentrome.fa"; '
        '   salmon index -t "$tmp/gentrome.fa" -d "$tmp/decoys.txt" -i {output:q} '
        "     -p {threads} {params.extra}; "
        " else salmon index -t {input.transcripts:q} -i {output:q} -p {threads} {params.extra}; "
        " fi) &> {log:q}"


rule known_sites:
    input:
        known_site,
    output:
        vcf="results/reference/known/{known}.vcf.gz",
        tbi="results/reference/known/{known}.vcf.gz.tbi",
    log:
        "logs/reference/known_sites_{known}.log",
    benchmark:
        "benchmarks/reference/known_sites_{known}.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(60),
    shell:
        # Links, not copies: known-site VCFs are whole-genome files of many gigabytes.
        '(ln -sf "$(realpath {input:q})" {output.vcf:q}; '
        ' if [ -e {input:q}.tbi ]; then ln -sf "$(realpath {input:q}.tbi)" {output.tbi:q}; '
        " else tabix -f -p vcf {output.vcf:q}; fi) 2> {log:q}"


rule panel_genes:
    input:
        panel=panel_setting("genes") or [],
        genes="results/reference/genes.tsv",
    output:
        "results/reference/panel_genes.tsv",
    log:
        "logs/reference/panel_genes.log",
    benchmark:
        "benchmarks/reference/panel_genes.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(10),
    params:
        name=panel_setting("name"),
    script:
        "../../scripts/panel_genes.py"
