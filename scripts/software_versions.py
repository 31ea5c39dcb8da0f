"""Rule software_versions: the version of every tool the workflow runs."""

import pandas as pd

from icope.core.rulelog import rule_log
from icope.core.versions import collect_versions

with rule_log(snakemake.log[0]):
    pd.DataFrame(collect_versions()).to_csv(snakemake.output[0], sep="\t", index=False)
