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
        mem_mb=sized_mem_mb("annotate"),
        runtime=sized_runtime("annotate"),
    params:
        # `file::columns` per source, each one quoted word (a list renders element-wise).
        sources=annotation_columns(),
        consequences=bool(csq_annotation()),
        # The intermediate VCFs: beside the output (no random /tmp name), removed after.
        tmp="results/annotation/{origin}/{sample}.steps",
    shell:
        # bcftools annotate -a needs an indexed input, so each source gets its own pass.
        # --no-version: no command lines or dates in the header.
        '(tmp={params.tmp:q}; rm -rf "$tmp"; mkdir -p "$tmp"; trap \'rm -rf "$tmp"\' EXIT; '
        " current={input.vcf:q}; i=0; "
        " for source in {params.sources:q}; do i=$((i+1)); "
        '   bcftools annotate --no-version -a "${{source%%::*}}" -c "${{source##*::}}" '
        '     "$current" -Oz -o "$tmp/step$i.vcf.gz" && tabix -p vcf "$tmp/step$i.vcf.gz"; '
        '   current="$tmp/step$i.vcf.gz"; done; '
        " if [ {params.consequences:q} = True ]; then "
        "   bcftools csq --no-version -f {input.fasta:q} -g {input.gff3:q} --local-csq --phase a "
        '     -Oz -o {output.vcf:q} "$current"; '
        ' else bcftools view --no-version -Oz -o {output.vcf:q} "$current"; fi '
        " && tabix -p vcf {output.vcf:q}) 2> {log:q}"
