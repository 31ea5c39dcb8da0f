"""Calling chunks for scatter/gather small-variant calling (config `calling`)."""


rule calling_chunks:
    input:
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        targets=data_path(REF["targets"]) if REF.get("targets") else [],
    output:
        core=expand("results/reference/chunks/{chunk}.core.bed", chunk=CHUNKS),
        padded=expand("results/reference/chunks/{chunk}.padded.bed", chunk=CHUNKS),
        table="results/reference/chunks/chunks.tsv",
        # Written last: sizes and mtimes of the BEDs, the one input the calling jobs declare
        # for them; checked before every run (icope.core.stamps).
        stamp=CHUNK_STAMP,
    log:
        "logs/reference/calling_chunks.log",
    benchmark:
        "benchmarks/reference/calling_chunks.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=runtime_min(30),
    params:
        settings=config["calling"],
    script:
        "../../scripts/calling_chunks.py"
