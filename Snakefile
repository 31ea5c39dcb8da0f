from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/reference.smk"
include: "workflow/rules/chunks.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/align.smk"
include: "workflow/rules/germline.smk"
include: "workflow/rules/somatic.smk"
include: "workflow/rules/pon.smk"
include: "workflow/rules/sv.smk"
include: "workflow/rules/cnv.smk"
include: "workflow/rules/annotate.smk"
include: "workflow/rules/predisposition.smk"
include: "workflow/rules/rna.smk"
include: "workflow/rules/identity.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/cohort.smk"


# Every input, params and resource function above: its signature once, not once per job planned
# (icope.core.planning).
fix_signatures(globals())


rule all:
    default_target: True
    input:
        get_final_outputs(),
