"""Annotation: dbSNP IDs, gnomAD allele frequency, then consequences with bcftools csq."""


rule annotate:
    input:
        vcf=annotation_input,
        fasta=GENOME,
        gff3=csq_annotation(),
        known=expand("results/reference/known/{known}.vcf.gz", known=sorted(KNOWN)),
    output:
        vcf="results/annotation/{origin}/{sample}.vcf.gz",
        tbi="results/annotation/{origin}/{sample}.vcf.gz.tbi",
    log:
        "logs/annotation/{origin}/{sample}.log",
    benchmark:
        "benchmarks/annotation/{origin}/{sample}.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(120),
    params:
        sources=annotation_columns(),
    shell:
        # bcftools annotate -a needs an indexed input, so each source gets its own pass.
        "(tmp=$(mktemp -d); trap 'rm -rf $tmp' EXIT; current={input.vcf}; i=0; "
        " for source in {params.sources}; do i=$((i+1)); "
        "   bcftools annotate -a ${{source%%::*}} -c ${{source##*::}} $current "
        "     -Oz -o $tmp/step$i.vcf.gz && tabix -p vcf $tmp/step$i.vcf.gz; "
        "   current=$tmp/step$i.vcf.gz; done; "
        " if [ -n '{input.gff3}' ]; then "
        "   bcftools csq -f {input.fasta} -g {input.gff3} --local-csq --phase a "
        "     -Oz -o {output.vcf} $current; "
        " else bcftools view -Oz -o {output.vcf} $current; fi "
        " && tabix -p vcf {output.vcf}) 2> {log}"
