"""Sample identity: genotype concordance of a patient's normal, tumour and RNA at common SNPs,
and sex from X/Y depth (icope.core.identity)."""


# Common SNPs of the population file: biallelic, population AF within identity.min_af-max_af,
# inside the targets; thinned evenly to at most identity.max_sites. Two tables: CHROM, POS
# for mpileup -R (index jumps: a WGS BAM is not streamed), CHROM, POS, REF,ALT for call -C.
rule identity_sites:
    input:
        vcf="results/reference/known/gnomad.vcf.gz",
        tbi="results/reference/known/gnomad.vcf.gz.tbi",
        targets=targets_bed(),
    output:
        alleles=IDENTITY_SITES["alleles"],
        alleles_tbi=f"{IDENTITY_SITES['alleles']}.tbi",
        positions=IDENTITY_SITES["positions"],
        positions_tbi=f"{IDENTITY_SITES['positions']}.tbi",
    log:
        "logs/identity/sites.log",
    benchmark:
        "benchmarks/reference/identity_sites.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("identity_sites"),
        runtime=sized_runtime("identity_sites"),
    params:
        include=identity_af_expression(),
        max_sites=config["identity"]["max_sites"],
        all="results/identity/sites.all.tsv",
    shell:
        "(all={params.all:q}; trap 'rm -f \"$all\"' EXIT; "
        " bcftools view --no-version -v snps -m2 -M2 -T {input.targets:q} "
        "   -i {params.include:q} {input.vcf:q} "
        " | bcftools query -f '%CHROM\\t%POS\\t%REF,%ALT\\n' > \"$all\"; "
        ' n=$(wc -l < "$all"); max={params.max_sites:q}; k=$(( (n + max - 1) / max )); '
        ' [ "$k" -ge 1 ] || k=1; '
        ' awk -v k="$k" \'(NR - 1) % k == 0\' "$all" | bgzip > {output.alleles:q}; '
        " tabix -f -s1 -b2 -e2 {output.alleles:q}; "
        " zcat {output.alleles:q} | cut -f1,2 | bgzip > {output.positions:q}; "
        " tabix -f -s1 -b2 -e2 {output.positions:q}) 2> {log:q}"


# One job per patient: each sample's genotypes at the common SNPs (DNA: its analysis
# alignment; RNA: its genome alignment), one pileup per sample in turn with the same settings
# (icope.core.identity.genotype_patient; hom-ref sites are kept: they are half the evidence),
# written as the patient's genotype table, then compared and the sex checked.
rule identity_check:
    input:
        unpack(patient_identity_inputs),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    output:
        json="results/patients/{patient}/identity.json",
        genotypes="results/identity/{patient}.genotypes.tsv",
    log:
        "logs/identity/{patient}.identity.log",
    benchmark:
        "benchmarks/identity/{patient}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("identity_check"),
        runtime=sized_runtime("identity_check"),
    params:
        patient="{patient}",
        samples=patient_metadata,
        files=patient_identity_files,
        thresholds=identity_thresholds(),
    script:
        "../../scripts/identity_check.py"
