"""Copy number, allelic imbalance and LOH of each tumour with a matched normal: CNVkit copy
ratios and CBS segments (reference from the normal), tumour BAF at the normal's heterozygous
SNPs, segments split by BAF, purity and ploidy fitted from log2 and BAF together (or a given
purity), integer allele-specific copy numbers with PASS SVs supporting them (icope.somatic.cnv),
and a plot per tumour."""


rule cnvkit_reference:
    input:
        unpack(sample_alignment),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    output:
        reference="results/cnv/reference/{sample}.cnn",
    log:
        "logs/cnv/{sample}.cnvkit_reference.log",
    benchmark:
        "benchmarks/cnv/{sample}.cnvkit_reference.tsv"
    conda:
        "../../envs/cnvkit.yaml"
    threads: config["threads"]["cnvkit_reference"]
    resources:
        mem_mb=sized_mem_mb("cnvkit_reference"),
        runtime=sized_runtime("cnvkit_reference"),
    params:
        extra=config["cnv"]["cnvkit_reference_extra"],
    script:
        "../../scripts/cnvkit_reference.py"


rule cnvkit_tumour:
    input:
        unpack(pair_alignments),
        reference=cnv_normal_reference,
    output:
        cnr="results/cnv/{tumour}/{tumour}.cnr",
        cns="results/cnv/{tumour}/{tumour}.cns",
    log:
        "logs/cnv/{tumour}.cnvkit.log",
    benchmark:
        "benchmarks/cnv/{tumour}.cnvkit.tsv"
    conda:
        "../../envs/cnvkit.yaml"
    threads: config["threads"]["cnvkit_tumour"]
    resources:
        mem_mb=sized_mem_mb("cnvkit_tumour"),
        runtime=sized_runtime("cnvkit_tumour"),
    params:
        segment_method=config["cnv"]["segment_method"],
        extra=config["cnv"]["cnvkit_tumour_extra"],
    script:
        "../../scripts/cnvkit_tumour.py"


# The tumour's BAF in one job: the normal's informative heterozygous SNPs, the tumour's
# pileup there (bcftools mpileup -a AD), B-allele frequencies (icope.somatic.cnv.tumour_baf;
# the intermediate VCFs in a scratch directory).
rule cnv_baf:
    input:
        unpack(cnv_germline_calls),
        unpack(pair_alignments),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    output:
        baf="results/cnv/{tumour}/{tumour}.baf.tsv",
    log:
        "logs/cnv/{tumour}.baf.log",
    benchmark:
        "benchmarks/cnv/{tumour}.baf.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cnv_baf"),
        runtime=sized_runtime("cnv_baf"),
    params:
        normal=pair_normal_name,
        pileup={
            "min_mapq": config["alignment"]["min_mapq_for_calling"],
            "min_bq": config["somatic"]["min_base_quality"],
            # Deep tumours exceed mpileup's default of 250 reads per file.
            "max_depth": config["cnv"]["pileup_max_depth"],
        },
    script:
        "../../scripts/cnv_baf.py"


# Purity/ploidy fit, allele-specific segments with calls, the LOH BED and the plot, one job.
rule cnv_segments:
    input:
        cnr="results/cnv/{tumour}/{tumour}.cnr",
        cns="results/cnv/{tumour}/{tumour}.cns",
        baf="results/cnv/{tumour}/{tumour}.baf.tsv",
        svs="results/sv/{tumour}.tsv",
        fai=f"{GENOME}.fai",
    output:
        segments="results/cnv/{tumour}/{tumour}.segments.tsv",
        purity="results/cnv/{tumour}/{tumour}.purity.json",
        loh="results/cnv/{tumour}/{tumour}.loh.bed",
        png="results/cnv/{tumour}/{tumour}.cnv.png",
    log:
        "logs/cnv/{tumour}.segments.log",
    benchmark:
        "benchmarks/cnv/{tumour}.segments.tsv"
    conda:
        "../../envs/cnvkit.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cnv_segments"),
        runtime=sized_runtime("cnv_segments"),
    params:
        # The tumour's purity from the sheet or config (None: estimated from log2 and BAF).
        purity=tumour_purity,
        fit=config["cnv"]["fit"],
        tumour="{tumour}",
        normal=pair_normal_name,
    script:
        "../../scripts/cnv_segments.py"
