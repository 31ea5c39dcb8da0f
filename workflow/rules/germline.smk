"""Germline small variants on each normal: called, normalised (left-aligned, multiallelics
split), soft-filtered, bgzipped and indexed."""


rule germline_call:
    input:
        unpack(sample_alignment),
        chunks=CHUNK_STAMP,
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        depth=germline_depth_summary,
    output:
        vcf="results/germline/{sample}.vcf.gz",
        tbi="results/germline/{sample}.vcf.gz.tbi",
    log:
        "logs/germline/{sample}.call.log",
    benchmark:
        "benchmarks/germline/{sample}.call.tsv"
    conda:
        "../../envs/calling.yaml"
    threads: config["threads"]["germline_call"]
    resources:
        mem_mb=scattered_mem_mb,
        runtime=scattered_runtime,
    params:
        # The chunks' regions, checked by their stamp (input chunks).
        core=CHUNK_CORE_BEDS,
        padded=CHUNK_PADDED_BEDS,
        # bcftools mpileup | call, or freebayes (germline.caller), on each calling chunk's
        # padded regions, keeping the records that start in the chunk (icope.core.scatter);
        # freebayes bounded by calling.freebayes_* (--skip-coverage from the mosdepth depth).
        caller=config["germline"]["caller"],
        # The caller's own settings only: a change to the other caller's reruns nothing.
        settings=germline_caller_settings(),
        min_qual=config["germline"]["min_qual"],
        min_depth=config["germline"]["min_depth"],
    script:
        "../../scripts/germline_call.py"
