"""Tumour RNA: salmon quantification (selective alignment) and gene-level tables; STAR
splice-aware alignment (genome index built here), RNA QC and library type, fusions from STAR's
chimeric junctions; RNA allele counts at the patient's DNA calls with an allele-specific
expression test; the cohort's expression matrices and outliers (icope.rna)."""

RNA = config["rna"]


rule salmon_quant:
    input:
        unpack(trimmed_reads),
        index="results/reference/salmon_index",
        tx2gene="results/reference/tx2gene.tsv",
    output:
        quant=directory("results/rna/{sample}/salmon"),
        transcripts="results/rna/{sample}/quant.sf",
        genes="results/rna/{sample}/quant.genes.sf",
    log:
        "logs/salmon/{sample}.log",
    benchmark:
        "benchmarks/salmon/{sample}.tsv"
    conda:
        "../../envs/salmon.yaml"
    # One thread unless rna.salmon_deterministic is false: only then do runs differ.
    threads: 1 if RNA["salmon_deterministic"] else config["threads"]["salmon_quant"]
    resources:
        mem_mb=sized_mem_mb("salmon_quant"),
        runtime=sized_runtime("salmon_quant"),
    params:
        library_type=RNA["library_type"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=RNA["salmon_quant_extra"],
    shell:
        "(salmon quant -i {input.index:q} -l {params.library_type:q} -1 {input.r1:q} "
        "  -2 {input.r2:q} --validateMappings --numGibbsSamples 0 --numBootstraps 0 "
        "  {params.extra} --geneMap {input.tx2gene:q} "
        "  -p {threads} -o {output.quant:q} "
        " && cp {output.quant:q}/quant.sf {output.transcripts:q} "
        " && cp {output.quant:q}/quant.genes.sf {output.genes:q}) &> {log:q}"


rule star_index:
    input:
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        annotation=ANNOTATION or [],
    output:
        directory("results/reference/star_index"),
    log:
        "logs/reference/star_index.log",
    benchmark:
        "benchmarks/reference/star_index.tsv"
    conda:
        "../../envs/star.yaml"
    threads: config["threads"]["star_index"]
    resources:
        mem_mb=sized_mem_mb("star_index"),
        runtime=sized_runtime("star_index"),
    params:
        overhang=RNA["star_sjdb_overhang"],
        # GFF3: exons name their transcript in Parent (STAR reads GTF by default).
        gff3=bool(ANNOTATION) and ".gff" in ANNOTATION.lower(),
        # The annotation copied into the index under a relative name: STAR records the path
        # it read in genomeParameters.txt, and results name no path of this machine.
        gtf="results/reference/star_index/annotation.gtf",
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=RNA["star_index_extra"],
    shell:
        # STAR manual: --genomeSAindexNbases min(14, log2(length)/2 - 1) (14 for GRCh38, 6 for
        # the 40 kb test segment); --genomeChrBinNbits min(18, log2(length / contigs)).
        "(mkdir -p {output:q}; "
        " read -r sa bins < <(awk '{{n += $2; c++}} END {{s = int(log(n) / log(2) / 2 - 1); "
        "   b = int(log(n / c) / log(2)); print (s > 14 ? 14 : s), (b > 18 ? 18 : b)}}' "
        "   {input.fai:q}); "
        ' echo "genomeSAindexNbases $sa genomeChrBinNbits $bins"; '
        " gzip -cdf {input.annotation:q} > {params.gtf:q}; "
        " tag=(); if [ {params.gff3:q} = True ]; then "
        "   tag=(--sjdbGTFtagExonParentTranscript Parent); fi; "
        " STAR --runMode genomeGenerate --runThreadN {threads} --genomeDir {output:q} "
        '   --genomeFastaFiles {input.fasta:q} --sjdbGTFfile {params.gtf:q} "${{tag[@]}}" '
        '   --sjdbOverhang {params.overhang:q} --genomeSAindexNbases "$sa" '
        '   --genomeChrBinNbits "$bins" --outFileNamePrefix {output:q}/ '
        "   --outTmpDir {output:q}/_STARtmp {params.extra} "
        # STAR's Log.out repeats its stdout (in the rule log) with times.
        " && rm -f {params.gtf:q} {output:q}/Log.out) &> {log:q}"


rule star_align:
    input:
        unpack(trimmed_reads),
        index="results/reference/star_index",
    output:
        bam="results/rna/{sample}/{sample}.bam",
        bai="results/rna/{sample}/{sample}.bam.bai",
        final_log="results/rna/{sample}/star/{sample}.Log.final.out",
        chimeric="results/rna/{sample}/star/{sample}.Chimeric.out.junction",
        gene_counts="results/rna/{sample}/star/{sample}.ReadsPerGene.out.tab",
        junctions="results/rna/{sample}/star/{sample}.SJ.out.tab",
    log:
        "logs/star/{sample}.log",
    benchmark:
        "benchmarks/star/{sample}.tsv"
    conda:
        "../../envs/star.yaml"
    threads: config["threads"]["star_align"]
    resources:
        mem_mb=sized_mem_mb("star_align"),
        runtime=sized_runtime("star_align"),
    params:
        r1=star_reads_r1,
        r2=star_reads_r2,
        prefix="results/rna/{sample}/star/{sample}.",
        intron_max=RNA["align_intron_max"],
        chim_segment=RNA["chim_segment_min"],
        chim_overhang=RNA["chim_junction_overhang_min"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=RNA["star_align_extra"],
    shell:
        # Fixed --runRNGseed: multimapper choice and order are the same from run to run.
        "(rm -rf {params.prefix:q}_STARtmp; "
        " STAR --runThreadN {threads} --genomeDir {input.index:q} "
        "   --readFilesIn {params.r1:q} {params.r2:q} --readFilesCommand zcat "
        "   --outFileNamePrefix {params.prefix:q} --outSAMtype BAM SortedByCoordinate "
        "   --outSAMattrRGline ID:{wildcards.sample:q} SM:{wildcards.sample:q} "
        "   --outSAMattributes NH HI AS nM NM "
        "   --quantMode GeneCounts --runRNGseed 777 "
        "   --alignIntronMax {params.intron_max:q} --alignMatesGapMax {params.intron_max:q} "
        "   --chimSegmentMin {params.chim_segment:q} "
        "   --chimJunctionOverhangMin {params.chim_overhang:q} --chimOutType Junctions "
        "   {params.extra} "
        " && mv {params.prefix:q}Aligned.sortedByCoord.out.bam {output.bam:q} "
        " && samtools index {output.bam:q} "
        # Log.out: the rule log's content again, plus a listing of the inputs with their
        # owner and times; Log.progress.out: timings only.
        " && rm -f {params.prefix:q}Log.progress.out {params.prefix:q}Log.out) &> {log:q}"


rule rna_sample_tables:
    input:
        quant="results/rna/{sample}/quant.sf",
        salmon="results/rna/{sample}/salmon",
        tx2gene="results/reference/tx2gene.tsv",
        genes="results/reference/genes.tsv",
        annotation=ANNOTATION or [],
        final_log="results/rna/{sample}/star/{sample}.Log.final.out",
        gene_counts="results/rna/{sample}/star/{sample}.ReadsPerGene.out.tab",
        chimeric="results/rna/{sample}/star/{sample}.Chimeric.out.junction",
        known=known_fusions_file(),
    output:
        genes="results/rna/{sample}/genes.tsv",
        qc="results/rna/{sample}/rna_qc.tsv",
        fusions="results/rna/{sample}/fusions.tsv",
    log:
        "logs/rna/{sample}.tables.log",
    benchmark:
        "benchmarks/rna_sample_tables/{sample}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("rna_tables"),
        runtime=sized_runtime("rna_tables"),
    params:
        sample="{sample}",
        rna=RNA,
    script:
        "../../scripts/rna_sample_tables.py"


rule rna_patient:
    input:
        unpack(rna_patient_inputs),
        genes="results/reference/genes.tsv",
        panel_genes=panel_genes_table(),
    output:
        alleles="results/rna/patients/{patient}/allele_counts.tsv",
        json="results/rna/patients/{patient}/rna.json",
    log:
        "logs/rna/{patient}.patient.log",
    benchmark:
        "benchmarks/rna_patient/{patient}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("rna_tables"),
        runtime=sized_runtime("rna_tables"),
    params:
        patient="{patient}",
        files=rna_patient_files,
        rna=RNA,
    script:
        "../../scripts/rna_patient.py"


rule rna_cohort:
    input:
        unpack(rna_cohort_inputs),
        panel_genes=panel_genes_table(),
        known=known_fusions_file(),
    output:
        counts="results/cohort/expression_counts.tsv",
        tpm="results/cohort/expression_tpm.tsv",
        outliers="results/cohort/expression_outliers.tsv",
        alleles="results/cohort/rna_allele_counts.tsv",
    log:
        "logs/cohort/rna_cohort.log",
    benchmark:
        "benchmarks/cohort/rna_cohort.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("rna_tables"),
        runtime=sized_runtime("rna_tables"),
    params:
        min_samples=RNA["min_cohort_samples"],
    script:
        "../../scripts/rna_cohort.py"
