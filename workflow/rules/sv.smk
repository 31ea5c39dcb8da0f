"""Somatic structural variants on each tumour with delly: joint calling of tumour and matched
normal, delly's somatic filter, then readable FILTER reasons, a final VCF and a TSV."""


rule sv_call:
    input:
        unpack(pair_alignments),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    output:
        bcf=temp("results/sv/delly/{tumour}.calls.bcf"),
        csi=temp("results/sv/delly/{tumour}.calls.bcf.csi"),
    log:
        "logs/sv/{tumour}.delly_call.log",
    benchmark:
        "benchmarks/sv/{tumour}.delly_call.tsv"
    conda:
        "../../envs/delly.yaml"
    # delly parallelises over samples only: more than two threads would sit idle (the
    # schema caps threads.sv_call at 2).
    threads: config["threads"]["sv_call"]
    resources:
        mem_mb=sized_mem_mb("sv_call"),
        runtime=sized_runtime("sv_call"),
    params:
        # "" for a tumour-only analysis: `{params.normal:q}` then renders as no argument at
        # all (Snakemake leaves an empty value unquoted), not as an empty '' file name.
        normal=pair_normal_bam,
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["sv"]["delly_call_extra"],
    shell:
        "OMP_NUM_THREADS={threads} delly call {params.extra} -g {input.fasta:q} "
        "  -o {output.bcf:q} {input.tumour:q} {params.normal:q} > {log:q} 2>&1"


rule sv_somatic_filter:
    input:
        bcf="results/sv/delly/{tumour}.calls.bcf",
        csi="results/sv/delly/{tumour}.calls.bcf.csi",
    output:
        bcf=temp("results/sv/delly/{tumour}.somatic.bcf"),
        csi=temp("results/sv/delly/{tumour}.somatic.bcf.csi"),
        samples=temp("results/sv/delly/{tumour}.samples.tsv"),
    log:
        "logs/sv/{tumour}.delly_filter.log",
    benchmark:
        "benchmarks/sv/{tumour}.delly_filter.tsv"
    conda:
        "../../envs/delly.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("sv_somatic_filter"),
        runtime=sized_runtime("sv_somatic_filter"),
    params:
        tumour="{tumour}",
        normal=pair_normal_name,
        min_site_quality=config["sv"]["delly_filter"]["min_site_quality"],
        min_tumour_coverage=config["sv"]["delly_filter"]["min_tumour_coverage"],
        min_tumour_af=config["sv"]["delly_filter"]["min_tumour_af"],
        max_normal_af=config["sv"]["delly_filter"]["max_normal_af"],
    shell:
        # delly filter -f somatic needs a control: for a tumour-only analysis the calls pass
        # through unchanged and sv_finalise judges them without normal-based filters. The
        # normal goes through a variable: an empty `{params.normal:q}` renders as nothing.
        "(normal={params.normal:q}; "
        ' if [ -n "$normal" ]; then'
        "   printf '%s\\ttumor\\n%s\\tcontrol\\n' {params.tumour:q} \"$normal\""
        "     > {output.samples:q};"
        "   delly filter -f somatic -s {output.samples:q} -y {params.min_site_quality:q}"
        "     -v {params.min_tumour_coverage:q} -a {params.min_tumour_af:q}"
        "     -c {params.max_normal_af:q} -o {output.bcf:q} {input.bcf:q};"
        "   [ -s {output.csi:q} ] || bcftools index -f {output.bcf:q};"
        " else"
        "   printf '%s\\ttumor\\n' {params.tumour:q} > {output.samples:q};"
        "   bcftools view --no-version -Ob -o {output.bcf:q} {input.bcf:q}"
        "     && bcftools index -f {output.bcf:q};"
        " fi) > {log:q} 2>&1"


rule sv_finalise:
    input:
        calls="results/sv/delly/{tumour}.calls.bcf",
        somatic="results/sv/delly/{tumour}.somatic.bcf",
    output:
        vcf="results/sv/{tumour}.vcf.gz",
        tbi="results/sv/{tumour}.vcf.gz.tbi",
        tsv="results/sv/{tumour}.tsv",
    log:
        "logs/sv/{tumour}.finalise.log",
    benchmark:
        "benchmarks/sv/{tumour}.finalise.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("sv_finalise"),
        runtime=sized_runtime("sv_finalise"),
    params:
        tumour="{tumour}",
        normal=pair_normal_name,
        thresholds=config["sv"]["filter"],
    script:
        "../../scripts/sv_finalise.py"
