"""Read QC and trimming, alignment QC, MultiQC and the pass/warn/fail summary."""


# Every unit's reads, read to the end before anything trims or aligns them: fastp warns and
# exits 0 on a truncated gzip, a FASTA or BAM given as FASTQ, or mates out of step. One job per
# sample checks all of its units (threads/2 at a time) and names every broken one.
rule check_reads:
    input:
        unpack(sample_reads),
    output:
        report="results/qc/reads/{sample}.json",
    log:
        "logs/check_reads/{sample}.log",
    benchmark:
        "benchmarks/check_reads/{sample}.tsv"
    conda:
        "../../envs/python.yaml"
    # Each unit: R1 and R2 decompress on two background threads while one thread checks.
    threads: config["threads"]["check_reads"]
    resources:
        mem_mb=sized_mem_mb("check_reads"),
        runtime=sized_runtime("check_reads"),
    params:
        min_pairs=config["reads"]["min_read_pairs"],
        units=sample_unit_names,
        sources=sample_read_sources,
    script:
        "../../scripts/check_reads.py"


# RNA units (STAR and salmon read the trimmed files), and every unit when split into parts
# (DNA units are otherwise trimmed and aligned in one job: align.smk).
rule fastp:
    input:
        unpack(unit_reads),
        checked=rules.check_reads.output.report,
    output:
        **FASTP_REPORTS,
        r1=temp(TRIMMED_OUTPUT["r1"]),
        r2=temp(TRIMMED_OUTPUT["r2"]),
    log:
        "logs/fastp/{sample}/{unit}.log",
    benchmark:
        "benchmarks/fastp/{sample}/{unit}.tsv"
    wildcard_constraints:
        sample=FASTP_SAMPLES,
    conda:
        "../../envs/fastp.yaml"
    threads: config["threads"]["fastp"]
    resources:
        mem_mb=sized_mem_mb("fastp"),
        runtime=sized_runtime("fastp"),
    params:
        min_length=config["trimming"]["min_length"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["trimming"]["extra"],
        # fastp writes its command line into both reports (MultiQC copies it): it reads the
        # unit through links named <name>_R1/_R2, so no input path is recorded and MultiQC
        # names the unit <name>: the sample ID (a sample of one unit, so that its fastp
        # metrics share the sample's row of the general statistics), else <sample>.<unit>.
        # A link keeps its file's .gz (fastp decompresses by name); the links' directory is
        # removed after (FASTP_LINKS).
        r1_link=fastp_link("R1"),
        r2_link=fastp_link("R2"),
        # alignment.split_fastq_parts > 1: fastp --split writes 0001.R1.fastq.gz, ... into
        # the unit's directory; a part it leaves out (a lane of fewer reads than parts) is
        # written empty, so every part's alignment job has its pair.
        out1=FASTP_OUT["r1"],
        out2=FASTP_OUT["r2"],
        parts=SPLIT_PARTS,
    shell:
        f"({FASTP_LINKS}"
        "split=(); if [ {params.parts:q} -gt 1 ]; then "
        "   split=(--split {params.parts:q} --split_prefix_digits 4); fi; "
        ' fastp --in1 "$in1" --in2 "$in2" --out1 {params.out1:q} --out2 {params.out2:q} '
        f"{FASTP_OPTIONS}"
        ' "${{split[@]}}" {params.extra}; '
        " for part in {output.r1:q} {output.r2:q}; do "
        '   [ -e "$part" ] || gzip -n < /dev/null > "$part"; done) 2> {log:q}'


# samtools stats + flagstat and mosdepth side by side on one sample's alignment, each on its
# own threads (threads.samtools_stats, threads.mosdepth) and with its own log.
rule bam_qc:
    input:
        unpack(sample_alignment),
        fasta=GENOME,
        targets=targets_bed(),
    output:
        stats="results/qc/samtools/{sample}.stats",
        flagstat="results/qc/samtools/{sample}.flagstat",
        summary="results/qc/mosdepth/{sample}.mosdepth.summary.txt",
        dist="results/qc/mosdepth/{sample}.mosdepth.region.dist.txt",
        regions="results/qc/mosdepth/{sample}.regions.bed.gz",
        thresholds="results/qc/mosdepth/{sample}.thresholds.bed.gz",
    log:
        samtools="logs/samtools_stats/{sample}.log",
        mosdepth="logs/mosdepth/{sample}.log",
    benchmark:
        "benchmarks/bam_qc/{sample}.tsv"
    conda:
        "../../envs/bam_qc.yaml"
    threads: config["threads"]["samtools_stats"] + config["threads"]["mosdepth"]
    resources:
        mem_mb=sized_mem_mb("bam_qc"),
        runtime=sized_runtime("bam_qc"),
    params:
        # The job's threads (fewer when Snakemake scales them to --cores) shared by the tools.
        stats_threads=bam_qc_threads("samtools_stats"),
        mosdepth_threads=bam_qc_threads("mosdepth"),
        prefix="results/qc/mosdepth/{sample}",
        thresholds=",".join(str(depth) for depth in config["qc"]["mosdepth_thresholds"]),
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["qc"]["mosdepth_extra"],
    shell:
        # Both in the background, then each one's exit status: the job fails if either does.
        "(samtools stats -@ {params.stats_threads:q} --reference {input.fasta:q} {input.bam:q} "
        "   > {output.stats:q} "
        " && samtools flagstat -@ {params.stats_threads:q} {input.bam:q} > {output.flagstat:q}"
        ") 2> {log.samtools:q} & stats=$!; "
        "mosdepth --threads {params.mosdepth_threads:q} --no-per-base --by {input.targets:q} "
        "--thresholds {params.thresholds:q} {params.extra} --fasta {input.fasta:q} "
        "{params.prefix:q} {input.bam:q} 2> {log.mosdepth:q} & depth=$!; "
        'status=0; wait "$stats" || status=$?; wait "$depth" || status=$?; exit "$status"'


rule qc_patient:
    input:
        patient_qc_inputs,
    output:
        "results/patients/{patient}/qc.tsv",
    log:
        "logs/qc/{patient}.qc.log",
    benchmark:
        "benchmarks/qc/{patient}.qc.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(10),
    params:
        thresholds=config["qc"],
        samples=patient_metadata,
        files=patient_qc_files,
    script:
        "../../scripts/qc_patient.py"


# The cohort view: every patient's QC rows in sample-sheet order. Reports read their own
# patient's table, so one patient's failed job never blocks another patient's report.
rule qc_summary:
    input:
        patient_qc_tables(),
    output:
        "results/qc/qc_summary.tsv",
    log:
        "logs/qc/qc_summary.log",
    benchmark:
        "benchmarks/qc/qc_summary.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(10),
    params:
        samples=list(SHEET.samples),
    script:
        "../../scripts/qc_summary.py"


rule multiqc:
    input:
        unpack(qc_inputs),
    output:
        report="results/qc/multiqc/multiqc_report.html",
        data=directory("results/qc/multiqc/multiqc_report_data"),
    log:
        main="logs/qc/multiqc.log",
        # MultiQC's own debug log: it names the installation, working directory and command.
        debug="logs/qc/multiqc.debug.log",
    benchmark:
        "benchmarks/qc/multiqc.tsv"
    conda:
        "../../envs/multiqc.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("multiqc"),
        runtime=sized_runtime("multiqc"),
    params:
        config=str(WORKFLOW_DIR / "resources" / "multiqc_config.yaml"),
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["qc"]["multiqc_extra"],
        # MultiQC names a salmon result after its directory's name ("salmon" for every RNA
        # sample, one overwriting the other): it reads each through a link named after the
        # sample instead (removed after), and the directories themselves are ignored.
        salmon_names=multiqc_salmon_names(),
        salmon_dirs=salmon_dir("*"),
        stage="results/qc/multiqc/salmon_by_sample",
    shell:
        # No path of this machine in the results (resources/multiqc_config.yaml): the debug log
        # moves to logs/, the absolute paths MultiQC writes anyway are made relative. A fixed
        # hash seed: MultiQC writes sets (of its search patterns) in hash order.
        '(outdir="$(dirname {output.report:q})"; stage={params.stage:q}; '
        ' rm -rf "$stage"; mkdir -p "$stage"; trap \'rm -rf "$stage"\' EXIT; '
        " names=({params.salmon_names:q}); dirs=({input.salmon:q}); "
        ' for i in "${{!dirs[@]}}"; do [ -n "${{dirs[i]}}" ] || continue; '
        '   ln -s "$(realpath "${{dirs[i]}}")" "$stage/${{names[i]}}"; done; '
        " PYTHONHASHSEED=0 multiqc --force --no-ansi --config {params.config:q} {params.extra} "
        '   --ignore {params.salmon_dirs:q} --outdir "$outdir" --filename multiqc_report.html '
        '   {input:q} "$stage" '
        ' && rm -rf "$stage" && mv {output.data:q}/multiqc.log {log.debug:q} '
        ' && python3 -m icope.core.privacy "$outdir") &> {log.main:q}'
