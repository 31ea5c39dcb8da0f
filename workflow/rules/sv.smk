"""Somatic structural variants on each tumour with delly: joint calling of tumour and matched
normal, delly's somatic filter, then readable FILTER reasons, a final VCF and a TSV."""


rule sv_call:
    input:
        unpack(pair_alignments),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    # Kept (not temp): sv_finalise reads them, and a change of its filter settings then
    # reruns that job alone, not delly call (tens of MB for a WGS pair).
    output:
        bcf="results/sv/delly/{tumour}.calls.bcf",
        csi="results/sv/delly/{tumour}.calls.bcf.csi",
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


# delly filter -f somatic (a pair only: it needs a control), then every call judged into the
# final VCF and TSV, one job (icope.somatic.sv.filter_and_finalise); delly call stays its own
# job, so a filter setting's change does not rerun it.
rule sv_finalise:
    input:
        calls="results/sv/delly/{tumour}.calls.bcf",
        csi="results/sv/delly/{tumour}.calls.bcf.csi",
    output:
        vcf="results/sv/{tumour}.vcf.gz",
        tbi="results/sv/{tumour}.vcf.gz.tbi",
        tsv="results/sv/{tumour}.tsv",
    log:
        "logs/sv/{tumour}.finalise.log",
    benchmark:
        "benchmarks/sv/{tumour}.finalise.tsv"
    conda:
        "../../envs/delly.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("sv_finalise"),
        runtime=sized_runtime("sv_finalise"),
    params:
        tumour="{tumour}",
        normal=pair_normal_name,
        delly_filter=config["sv"]["delly_filter"],
        thresholds=config["sv"]["filter"],
    script:
        "../../scripts/sv_finalise.py"
