#!/usr/bin/env bash
# Install everything the workflow and its tests need on Debian 12 (run as root, no conda):
# the bioinformatics tools from Debian's archive, the Python package and its tools from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bwa minimap2 samtools bcftools tabix fastp freebayes salmon mosdepth libhts-dev gffread
              art-nextgen-simulation-tools dwgsim cnvkit delly
              # tumour RNA: splice-aware alignment and fusion calling
              rna-star hisat2 kallisto pizzly
              # the report's browser test: headless rendering, print to PDF, PDF text
              chromium poppler-utils
              # a real single-node SLURM for tests/slurm (icope.core.slurm_local): the daemons,
              # munge, and slurmdbd with MariaDB for the accounting the executor plugin reads
              slurm-wlm slurmdbd munge mariadb-server)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install.sh: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's own python3 refuses pip installs outside a venv (PEP 668); this is a root-only,
# single-purpose pipeline machine, so install into it the way the README says.
if python3 -c 'import sys, sysconfig, pathlib; sys.exit(not pathlib.Path(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED").exists())'; then
    export PIP_BREAK_SYSTEM_PACKAGES=1
fi
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e ".[dev,cluster]"
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
echo "install.sh: tools ready ($(bcftools --version | head -1), snakemake $(python3 -m snakemake --version))"
