"""RNA quantification: salmon selective alignment on the trimmed tumour RNA reads,
transcript and gene level."""


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
    threads: config["threads"]["salmon_quant"]
    resources:
        mem_mb=sized_mem_mb("salmon_quant"),
        runtime=sized_runtime("salmon_quant"),
    params:
        library_type=config["rna"]["library_type"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["rna"]["salmon_quant_extra"],
    shell:
        "(salmon quant -i {input.index:q} -l {params.library_type:q} -1 {input.r1:q} "
        "  -2 {input.r2:q} --validateMappings {params.extra} --geneMap {input.tx2gene:q} "
        "  -p {threads} -o {output.quant:q} "
        " && cp {output.quant:q}/quant.sf {output.transcripts:q} "
        " && cp {output.quant:q}/quant.genes.sf {output.genes:q}) &> {log:q}"
