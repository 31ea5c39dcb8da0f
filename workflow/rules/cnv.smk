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


rule cnv_het_sites:
    input:
        unpack(cnv_germline_calls),
    output:
        vcf=temp("results/cnv/{tumour}/germline_hets.vcf.gz"),
        tbi=temp("results/cnv/{tumour}/germline_hets.vcf.gz.tbi"),
    log:
        "logs/cnv/{tumour}.het_sites.log",
    benchmark:
        "benchmarks/cnv/{tumour}.het_sites.tsv"
    conda:
        "../../envs/cnvkit.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cnv_het_sites"),
        runtime=sized_runtime("cnv_het_sites"),
    params:
        normal=pair_normal_name,
    script:
        "../../scripts/cnv_het_sites.py"


rule cnv_tumour_allele_counts:
    input:
        unpack(pair_alignments),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        sites="results/cnv/{tumour}/germline_hets.vcf.gz",
        sites_tbi="results/cnv/{tumour}/germline_hets.vcf.gz.tbi",
    output:
        temp("results/cnv/{tumour}/tumour_het_counts.vcf.gz"),
    log:
        "logs/cnv/{tumour}.allele_counts.log",
    benchmark:
        "benchmarks/cnv/{tumour}.allele_counts.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cnv_tumour_allele_counts"),
        runtime=sized_runtime("cnv_tumour_allele_counts"),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["somatic"]["min_base_quality"],
        # Deep tumours exceed mpileup's default of 250 reads per file.
        max_depth=config["cnv"]["pileup_max_depth"],
    shell:
        # bcftools 1.16 mpileup crashes on an empty regions file: no sites, an empty VCF.
        '(if [ "$(bcftools index -n {input.sites:q})" -gt 0 ]; then '
        "  bcftools mpileup --no-version -f {input.fasta:q} -R {input.sites:q} "
        "   -q {params.min_mapq:q} -Q {params.min_bq:q} -d {params.max_depth:q} -I "
        "   -a FORMAT/AD,FORMAT/DP -Oz -o {output:q} {input.tumour:q}; "
        " else echo 'no heterozygous sites: empty pileup' >&2; "
        "  bcftools view --no-version -G -Oz -o {output:q} {input.sites:q}; fi) 2> {log:q}"


rule cnv_baf:
    input:
        sites="results/cnv/{tumour}/germline_hets.vcf.gz",
        counts="results/cnv/{tumour}/tumour_het_counts.vcf.gz",
    output:
        baf="results/cnv/{tumour}/{tumour}.baf.tsv",
    log:
        "logs/cnv/{tumour}.baf.log",
    benchmark:
        "benchmarks/cnv/{tumour}.baf.tsv"
    conda:
        "../../envs/cnvkit.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cnv_baf"),
        runtime=sized_runtime("cnv_baf"),
    params:
        normal=pair_normal_name,
    script:
        "../../scripts/cnv_baf.py"


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
    script:
        "../../scripts/cnv_segments.py"


rule cnv_plot:
    input:
        cnr="results/cnv/{tumour}/{tumour}.cnr",
        segments="results/cnv/{tumour}/{tumour}.segments.tsv",
        baf="results/cnv/{tumour}/{tumour}.baf.tsv",
        fai=f"{GENOME}.fai",
    output:
        png="results/cnv/{tumour}/{tumour}.cnv.png",
    log:
        "logs/cnv/{tumour}.plot.log",
    benchmark:
        "benchmarks/cnv/{tumour}.plot.tsv"
    conda:
        "../../envs/cnvkit.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cnv_plot"),
        runtime=sized_runtime("cnv_plot"),
    params:
        tumour="{tumour}",
        normal=pair_normal_name,
    script:
        "../../scripts/cnv_plot.py"
